"""A deck as PDF, through LibreOffice (`soffice --headless --convert-to pdf`), when installed.

LibreOffice runs with a throw-away user profile, so a conversion works while the user has
LibreOffice open (a shared profile would make the second instance hand over and exit).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import NnvizError, OutputError

TIMEOUT = 600.0  # seconds: a deck of a few hundred slides converts in well under a minute


def find_soffice() -> str | None:
    """The LibreOffice command on the PATH (`soffice` or `libreoffice`), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(
    pptx: str | os.PathLike, output: str | os.PathLike | None = None, timeout: float = TIMEOUT
) -> Path:
    """Convert `pptx` to PDF (default: the same name with .pdf, next to it); the PDF appears
    only when complete. Raises NnvizError when LibreOffice is missing or fails."""
    source = Path(pptx)
    target = Path(output) if output is not None else source.with_suffix(".pdf")
    soffice = find_soffice()
    if soffice is None:
        raise NnvizError(
            "--pdf needs LibreOffice (soffice) on the PATH; install it (e.g. apt install "
            f"libreoffice-impress) or convert {source} yourself"
        )
    with tempfile.TemporaryDirectory(prefix="pptx_nnviz_pdf_") as work:
        profile = Path(work) / "profile"
        outdir = Path(work) / "out"
        outdir.mkdir()
        command = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source.resolve()),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise OutputError(
                f"LibreOffice did not convert {source} within {timeout:.0f} s"
            ) from None
        except OSError as exc:
            raise OutputError(f"cannot run {soffice}: {exc.strerror or exc}") from exc
        produced = outdir / (source.stem + ".pdf")
        if done.returncode != 0 or not produced.is_file():
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise OutputError(
                f"LibreOffice could not convert {source} to PDF"
                + (f": {detail[-1]}" if detail else f" (exit code {done.returncode})")
            )
        return _move_into_place(produced, target)


def _move_into_place(produced: Path, target: Path) -> Path:
    """Copy next to `target` under a temporary name, then rename over it (atomic)."""
    folder = target.parent if str(target.parent) else Path(".")
    temp = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        shutil.copyfile(produced, temp)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target
