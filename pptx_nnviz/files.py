"""Writing output files safely: a temporary file next to the output, renamed over it only
when complete, so a failed run never leaves a half-written or destroyed file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import OutputError


def write_atomically(output: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call `write` on a temporary file next to `output`, then rename it over `output`; the
    new file keeps an existing file's permissions (or gets the umask's)."""
    output = output.expanduser()
    if output.is_symlink():  # write where the link points, keep the link
        output = output.resolve()
    folder = output.parent if str(output.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write {output}: {folder} is a file, not a folder")
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {output}: folder {folder} does not exist; create it or choose another -o"
        )
    if output.is_dir():
        raise OutputError(f"cannot write {output}: it is a directory; give a file name")
    if output.exists() and not os.access(output, os.W_OK):
        raise OutputError(f"cannot replace {output}: it is read-only; choose another -o")
    mode = output.stat().st_mode & 0o7777 if output.exists() else _default_mode()
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"cannot write in {folder}: {exc.strerror}; choose another -o folder"
        ) from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temp, mode)  # mkstemp makes 0600: give the deck normal (or the old) permissions
        _replace(temp, output)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return output


def _replace(temp: Path, output: Path) -> None:
    """Rename the finished deck over `output`. A file held open by PowerPoint (Windows) or
    protected by the system refuses the rename: the old file stays as it was."""
    try:
        os.replace(temp, output)
    except PermissionError as exc:
        raise OutputError(
            f"cannot replace {output}: {exc.strerror or 'permission denied'} (is it open in "
            "PowerPoint or locked? close it, or choose another -o)"
        ) from exc


def _default_mode() -> int:
    """0o666 less the process umask: what a plain `open(path, "w")` would give."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
