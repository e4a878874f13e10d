"""Figures laid out for print: `--width` lays the architecture out again for the printed width,
with text of at least 6 pt (or `--font-size`), measured on the PDF with poppler's
`pdftotext -bbox` (a word's box is as tall as its font size: Carlito's ascent plus descent is
one em)."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import models
import pytest
from click.testing import CliRunner

import pptx_nnviz
from pptx_nnviz.cli import main
from pptx_nnviz.figures import MIN_TEXT, PRINT_FONTS, figure_scenes
from pptx_nnviz.keras_loader import to_graph

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")

COLUMN = 8.5 / 2.54 * 72  # points: a journal's single column
XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def size(self) -> float:
        return self.y1 - self.y0


def pdf_words(path: Path) -> tuple[float, float, list[Word]]:
    """The page's width and height (points) and every word pdftotext finds, with its box."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    page = ET.fromstring(out).find(f".//{XHTML}page")
    assert page is not None
    words = [
        Word(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
        for w in page.iter(f"{XHTML}word")
    ]
    return float(page.get("width")), float(page.get("height")), words


@pytest.fixture(scope="module")
def resnet():
    return models.application_graph("ResNet50")


@pytest.fixture(scope="module")
def small_resnet():
    return to_graph(models.example("small_resnet"))


@pytest.fixture(scope="module")
def mnist(mnist_model):
    return to_graph(mnist_model)


def _page_of(graph, title: str) -> int:
    """The page of the printed architecture view whose scene is titled `title`."""
    scenes = figure_scenes(graph, print_width=COLUMN, fonts=PRINT_FONTS)
    return next(i for i, s in enumerate(scenes, start=1) if s.title == f"{graph.name}: {title}")


# --------------------------------------------------------------------------- 6 pt at 8.5 cm


@pytest.mark.parametrize(
    ("model", "page", "expected"),
    [
        ("mnist", None, {"Conv", "Dense", "Flatten"}),
        ("small_resnet", None, {"image", "Conv", "Global", "Dense"}),
        ("resnet", 1, {"conv2_block1", "conv5_block1", "Global", "Dense"}),
        ("resnet", "conv2_block1", {"Conv", "1×1×64", "3×3×64", "1×1×256"}),
    ],
    ids=["mnist", "small_resnet", "resnet50_overview", "resnet50_bottleneck"],
)
def test_column_figure_text_is_at_least_6pt(request, tmp_path, model, page, expected):
    """At 8.5 cm (a journal column) the PDF is exactly that wide, every word is at least 6 pt
    tall at the printed size and inside the page, and the labels are all there."""
    graph = request.getfixturevalue(model)
    if isinstance(page, str):
        page = _page_of(graph, page)
    path = pptx_nnviz.figure(graph, tmp_path / "fig.pdf", width="8.5cm", page=page)
    width, height, words = pdf_words(path)
    assert width == pytest.approx(COLUMN, abs=0.01)
    assert len(words) >= 15
    small = [(w.text, round(w.size, 2)) for w in words if w.size < MIN_TEXT - 0.01]
    assert not small, f"text under {MIN_TEXT} pt: {small[:5]}"
    assert all(0 <= w.x0 < w.x1 <= width and 0 <= w.y0 < w.y1 <= height for w in words)
    texts = {w.text for w in words}
    assert all(any(e in t for t in texts) for e in expected), expected - texts
    # laid out for the column, not a slide shrunk into it: the text is a print size
    assert max(w.size for w in words) <= max(PRINT_FONTS) + 0.01


def test_font_size_is_honoured(small_resnet, tmp_path):
    for size in (7.0, 10.0):
        path = pptx_nnviz.figure(
            small_resnet, tmp_path / f"f{size}.pdf", width="8.5cm", font_size=size
        )
        width, _, words = pdf_words(path)
        assert width == pytest.approx(COLUMN, abs=0.01)
        assert len(words) >= 15
        assert {round(w.size, 2) for w in words} == {size}


def test_font_size_alone_lays_out_at_the_slide_width(mnist, tmp_path):
    path = pptx_nnviz.figure(mnist, tmp_path / "f.pdf", font_size=9)
    width, _, words = pdf_words(path)
    assert width <= 960 + 0.01
    assert {round(w.size, 2) for w in words} == {9.0}


@pytest.mark.parametrize("size", [3.0, 40.0])
def test_font_size_out_of_range_is_an_input_error(mnist, tmp_path, size):
    with pytest.raises(pptx_nnviz.InputError, match="font size"):
        pptx_nnviz.figure(mnist, tmp_path / "f.pdf", width="8.5cm", font_size=size)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- too narrow


def _smallest(message: str) -> float:
    found = re.search(r"smallest width that works is ([\d.]+)cm", message)
    assert found, message
    return float(found.group(1))


def test_too_narrow_a_width_names_the_smallest_that_works(small_resnet, tmp_path):
    """2 cm cannot hold the boxes at 6 pt: the error names the smallest width that works,
    in whole millimetres; that width works (text of at least 6 pt), a millimetre less not."""
    out = tmp_path / "fig.pdf"
    with pytest.raises(pptx_nnviz.InputError) as error:
        pptx_nnviz.figure(small_resnet, out, width="2cm")
    assert "too narrow" in str(error.value) and "6 pt" in str(error.value)
    assert not out.exists()
    smallest = _smallest(str(error.value))
    assert 2 < smallest < 8.5
    width, _, words = pdf_words(pptx_nnviz.figure(small_resnet, out, width=f"{smallest}cm"))
    assert width == pytest.approx(smallest / 2.54 * 72, abs=0.01)
    assert min(w.size for w in words) >= MIN_TEXT - 0.01
    with pytest.raises(pptx_nnviz.InputError, match="too narrow"):
        pptx_nnviz.figure(small_resnet, tmp_path / "less.pdf", width=f"{smallest - 0.1:.1f}cm")


def test_larger_font_size_needs_a_wider_figure(small_resnet, tmp_path):
    with pytest.raises(pptx_nnviz.InputError) as error:
        pptx_nnviz.figure(small_resnet, tmp_path / "f.pdf", width="3cm", font_size=10)
    assert "text of 10 pt" in str(error.value)
    assert _smallest(str(error.value)) > 3


def test_scaled_view_too_narrow_names_the_smallest_width(mnist, tmp_path):
    """A view drawn as on its slide (here the parameters chart) and scaled to the width fails
    when its text would print under 6 pt; at the width it names, it prints at 6 pt."""
    with pytest.raises(pptx_nnviz.InputError, match="less than 6 pt") as error:
        pptx_nnviz.figure(mnist, tmp_path / "p.pdf", "params", width="8.5cm")
    smallest = _smallest(str(error.value))
    path = pptx_nnviz.figure(mnist, tmp_path / "p.pdf", "params", width=f"{smallest}cm")
    _, _, words = pdf_words(path)
    assert MIN_TEXT - 0.01 <= min(w.size for w in words) <= MIN_TEXT + 0.1


# --------------------------------------------------------------------------- command line


def test_cli_width_and_font_size(tmp_path):
    out = tmp_path / "fig.pdf"
    example = str(models.EXAMPLES / "mnist_convnet.py")
    args = ["figure", example, "-o", str(out), "--width", "8.5cm", "--font-size", "7", "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    _, _, words = pdf_words(out)
    assert {round(w.size, 2) for w in words} == {7.0}
    result = CliRunner().invoke(
        main, ["figure", example, "-o", str(tmp_path / "n.pdf")] + ["--width", "1cm", "-q"]
    )
    assert result.exit_code == 2
    assert result.output.startswith("Error: width 1cm is too narrow")
    assert result.output.count("\n") == 1
    assert not (tmp_path / "n.pdf").exists()


def test_caption_breaks_between_its_parts_when_narrow(resnet):
    from pptx_nnviz.text import text_width
    from pptx_nnviz.views.legend import caption_lines, caption_text

    assert caption_lines(resnet, 900) == [caption_text(resnet)]  # one line on a slide
    lines = caption_lines(resnet, 100, 7)
    assert lines[:2] == ["Total params: 25,636,712", "(97.80 MB)"] and len(lines) == 4
    assert all(text_width(line, 7) + 2 <= 100 for line in lines)
    assert " ".join(lines).replace("  ·  ", " ") == caption_text(resnet).replace("  ·  ", " ")
