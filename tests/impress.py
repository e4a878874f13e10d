"""LibreOffice Impress through UNO, from the tests: the effects of each slide as Impress
imported them, and a deck opened and saved again by Impress (a round trip).

UNO needs a Python with LibreOffice's `uno` module (Debian: python3-uno for /usr/bin/python3),
which may not be the Python running the tests: `impress_probe.py` runs in that one. Tests
call `require_impress()` first and are skipped when there is none.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).resolve().parent / "impress_probe.py"
TIMEOUT = 600


@functools.cache
def uno_python() -> str | None:
    """A Python that can `import uno`, or None."""
    if shutil.which("soffice") is None:
        return None
    for candidate in (sys.executable, "/usr/bin/python3", shutil.which("python3")):
        if not candidate:
            continue
        try:
            done = subprocess.run(
                [candidate, "-c", "import uno"], capture_output=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return candidate
    return None


def require_impress() -> str:
    python = uno_python()
    if python is None:
        pytest.skip("LibreOffice with its Python UNO bridge (python3-uno) is not installed")
    return python


def _probe(*args: str) -> str:
    done = subprocess.run(
        [require_impress(), str(PROBE), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"impress_probe {args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def clicks(*decks: Path) -> dict[str, list[list[list[str]]]]:
    """Per deck (by its path as given), per slide, the clicks Impress plays: each the names
    of the shapes it reveals, in order."""
    found = json.loads(_probe("effects", *(str(d) for d in decks)))
    return {str(d): found[str(d)] for d in decks}


def round_trip(*pairs: tuple[Path, Path]) -> None:
    """Open each source deck in Impress and save it as its target (.pptx)."""
    _probe("roundtrip", *(str(p) for pair in pairs for p in pair))


def edit(source: Path, target: Path, name: str, dx_mm: float, text: str) -> None:
    """Open `source` in Impress, move the shape `name` on its first slide `dx_mm` millimetres
    to the right, retype its text, and save as `target` (.pptx)."""
    _probe("edit", str(source), str(target), name, str(dx_mm), text)
