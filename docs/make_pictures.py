"""The README's pictures, made by the tool itself from the bundled examples.

    python docs/make_pictures.py          # rewrites docs/*.png (about a minute)

Slides are decks written by `pptx_nnviz.to_pptx`, converted to PDF by LibreOffice (`soffice`,
as `deck --pdf` does) and rasterised by poppler's `pdftoppm`: what a reader of the .pptx
sees. The figure is `pptx_nnviz.figure` at a journal column's width (`figure --width 8.5cm`).
Each PNG is reduced to a palette of 256 colours and must stay under 150 KB.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pptx_nnviz  # noqa: E402
from pptx_nnviz.pdf_export import convert_to_pdf  # noqa: E402

DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
LIMIT = 150_000  # bytes per picture
SLIDE_DPI = 90  # a 16:9 slide becomes 1200 × 675 pixels
FIGURE_DPI = 200

#: (picture, example, view, page of that view): slides as LibreOffice draws the deck.
SLIDES = [
    ("mnist_convnet_architecture.png", "mnist_convnet", "architecture", 1),
    ("siamese_architecture.png", "siamese", "architecture", 1),
    ("small_unet_architecture.png", "small_unet", "architecture", 1),
    ("small_unet_layered.png", "small_unet", "layered", 1),
]
#: (picture, example, width): figures for a paper, laid out for their printed width.
FIGURES = [("small_resnet_figure.png", "small_resnet", "8.5cm")]


def slide_picture(name: str, example: str, view: str, page: int, work: Path) -> Path:
    """Page `page` of `view` in a deck of `example`, as a PNG in docs/."""
    deck = pptx_nnviz.to_pptx(
        str(EXAMPLES / f"{example}.py"), work / f"{example}_{view}.pptx", views=[view]
    )
    pdf = convert_to_pdf(deck)
    stem = work / name.removesuffix(".png")
    command = ["pdftoppm", "-png", "-singlefile", "-r", str(SLIDE_DPI), "-f", str(page)]
    subprocess.run([*command, "-l", str(page), str(pdf), str(stem)], check=True)
    return _small(stem.with_suffix(".png"), DOCS / name)


def figure_picture(name: str, example: str, width: str, work: Path) -> Path:
    """The architecture of `example` as a figure `width` wide, as a PNG in docs/."""
    drawn = pptx_nnviz.figure(
        str(EXAMPLES / f"{example}.py"), work / name, width=width, dpi=FIGURE_DPI
    )
    return _small(drawn, DOCS / name)


def _small(source: Path, target: Path) -> Path:
    """`source` with a palette of 256 colours, written to `target`; fails over LIMIT bytes."""
    from PIL import Image

    with Image.open(source) as image:
        palette = image.convert("RGB").quantize(256, dither=Image.Dither.NONE)
        palette.save(target, optimize=True)
    size = target.stat().st_size
    if size > LIMIT:
        raise SystemExit(f"{target.name} is {size:,} bytes (more than {LIMIT:,})")
    return target


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pptx_nnviz_docs_") as tmp:
        work = Path(tmp)
        made = [slide_picture(*slide, work) for slide in SLIDES]
        made += [figure_picture(*figure, work) for figure in FIGURES]
    for path in made:
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1000:.0f} KB")


if __name__ == "__main__":
    main()
