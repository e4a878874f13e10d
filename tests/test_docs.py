"""The README's pictures: each one it shows is in docs/, small, made by docs/make_pictures.py."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def test_readme_pictures_exist_and_are_small():
    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r'<img src="(docs/[^"]+)"', readme)
    assert len(shown) >= 4
    script = runpy.run_path(str(ROOT / "docs" / "make_pictures.py"), run_name="docs")
    made = {s[0] for s in script["SLIDES"]} | {f[0] for f in script["FIGURES"]}
    assert {Path(p).name for p in shown} == made  # every picture shown is made by the script
    for picture in shown:
        path = ROOT / picture
        assert path.stat().st_size < script["LIMIT"], picture
        with Image.open(path) as image:
            assert min(image.size) >= 400, picture
