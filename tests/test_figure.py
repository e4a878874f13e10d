"""Figures (SVG, PDF, PNG) drawn by matplotlib from the same scenes as the deck's slides."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import models
import pytest
from click.testing import CliRunner
from deck_checks import all_shapes
from PIL import Image
from pptx import Presentation

import pptx_nnviz
from pptx_nnviz.cli import main
from pptx_nnviz.deck import build_deck
from pptx_nnviz.errors import InputError
from pptx_nnviz.figures import FigureView, figure_scenes, render
from pptx_nnviz.ir import Graph
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.render_figure import RenderedFigure, render_scenes
from pptx_nnviz.roles import layer_role
from pptx_nnviz.theme import get_theme
from pptx_nnviz.views import VIEWS
from pptx_nnviz.views.boxes import display_name

EXAMPLE = str(models.EXAMPLES / "mnist_convnet.py")
SVG = "{http://www.w3.org/2000/svg}"
FIGURE_VIEWS = [v for v in VIEWS if v != "title"]


@pytest.fixture(scope="module")
def mnist(mnist_model):
    return to_graph(mnist_model)


@pytest.fixture(scope="module")
def resnet():
    return to_graph(models.application("ResNet50"))


@dataclass
class Case:
    graph: Graph
    scenes: list  # every slide of the architecture view, laid out once
    first: RenderedFigure  # the figure of the first slide

    def save(self, path: Path, dpi: float = 200) -> Path:
        return FigureView(self.first, dpi).save(path)


@pytest.fixture(scope="module", params=["mnist", "resnet"])
def case(request) -> Case:
    graph = request.getfixturevalue(request.param)
    scenes = figure_scenes(graph)  # the deck's layout: one per model, it is the slow part
    return Case(graph, scenes, render_scenes(scenes[:1], get_theme("light")))


def _names(case: Case) -> list[str]:
    """The bold first line (layer or block name) of every outlined box on the first slide."""
    names = [
        box.paragraphs[0].runs[0].text
        for box in case.scenes[0].boxes
        if box.line is not None and box.paragraphs and box.paragraphs[0].runs[0].bold
    ]
    for box in case.scenes[0].boxes:  # each says what it is: its author's name, or its role
        node = case.graph.by_id.get(box.id)
        if node is not None and box.paragraphs:
            shown = (display_name(node), layer_role(node))
            assert box.paragraphs[0].runs[0].text.lstrip("(").startswith(shown), box.id
    return names


def _svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


# --------------------------------------------------------------------------- the three formats


def test_svg_keeps_text_as_text(case, tmp_path):
    data = case.save(tmp_path / "arch.svg").read_bytes()
    texts = _svg_texts(data)
    names = _names(case)
    assert len(names) >= 10
    for name in names:
        assert name in texts, f"{name} is not a <text> element"
    assert b"Carlito" in data and b"Calibri" in data  # font named, glyphs not turned into paths
    assert b"<path" in data  # boxes and connectors are vector paths


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_pdf_text_can_be_extracted(case, tmp_path):
    path = case.save(tmp_path / "arch.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = set(text.split())
    for name in _names(case):
        assert set(name.split()) <= words, f"{name} not in the PDF's text"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "Carlito" in fonts and "TrueType" in fonts  # embedded, not Type 3 paths


@pytest.mark.parametrize("dpi", [72, 150])
def test_png_size_follows_content_and_dpi(case, tmp_path, dpi):
    path = case.save(tmp_path / "arch.png", dpi)
    with Image.open(path) as image:
        size = image.size
    expected = (case.first.width / 72 * dpi, case.first.height / 72 * dpi)
    assert abs(size[0] - expected[0]) <= 1 and abs(size[1] - expected[1]) <= 1
    assert case.first.width < 960 and case.first.height < 540  # cropped to the content


def test_figure_api_writes_each_format(mnist, mnist_model, tmp_path):
    for model, suffix in ((mnist_model, ".svg"), (mnist, ".pdf"), (EXAMPLE, ".png")):
        path = pptx_nnviz.figure(model, tmp_path / f"arch{suffix}")  # a model, Graph or file
        assert path.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arch.pdf", "arch.png", "arch.svg"]


# --------------------------------------------------------------------------- one layout


def test_boxes_come_from_the_slide_layout(case):
    """Every drawn box is exactly where the deck's scene puts it, shifted by the crop; a
    view of several slides is stacked top to bottom."""
    rendered = render_scenes(case.scenes, get_theme("light"))
    assert len(rendered.scenes) == len(case.scenes)
    for place in rendered.scenes:
        drawn = [b for b in case.scenes[place.index].boxes if b.fill or b.line]
        assert drawn
        for box in drawn:
            x, y = place.to_figure(box.rect.x, box.rect.y)
            got = rendered.patches[(place.index, box.id)]
            assert got.x == pytest.approx(x, abs=0.01) and got.y == pytest.approx(y, abs=0.01)
            assert got.w == pytest.approx(box.rect.w, abs=0.01)
            assert got.h == pytest.approx(box.rect.h, abs=0.01)
    tops = [p.offset[1] for p in rendered.scenes]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)


def test_figure_matches_the_saved_deck(mnist, tmp_path):
    """Shape for shape, the PowerPoint slide and the figure agree (up to the crop)."""
    deck = build_deck(mnist, tmp_path / "m.pptx", views=["architecture"])
    slide = Presentation(str(deck)).slides[0]
    shapes = {s.name: s for s in all_shapes(slide.shapes)}
    rendered = render(mnist)
    place = rendered.scenes[0]
    assert len(rendered.patches) >= len(mnist.nodes)
    for (_, shape_id), rect in rendered.patches.items():
        shape = shapes[shape_id]
        x, y = place.to_figure(shape.left / 12700, shape.top / 12700)
        assert rect.x == pytest.approx(x, abs=0.02) and rect.y == pytest.approx(y, abs=0.02)
        assert rect.w == pytest.approx(shape.width / 12700, abs=0.02)


EXPECTED_TEXT = {"layered": "26×26×32", "params": "conv2d", "neurons": "flatten"}


@pytest.mark.parametrize("view", FIGURE_VIEWS)
def test_every_view_renders(mnist, view):
    rendered = render(mnist, view)
    data = io.BytesIO()
    rendered.save(data, "svg")
    needle = EXPECTED_TEXT.get(view, "Conv")
    assert any(needle in t for t in _svg_texts(data.getvalue())), f"{view}: no {needle!r}"
    assert rendered.patches


def test_text_fits_its_box(case):
    """Measured by matplotlib as drawn, every label stays inside its box (Carlito metrics)."""
    rendered = case.first
    checked = 0
    for key, extents in rendered.label_extents().items():
        box = rendered.patches.get(key)
        if box is None:  # a caption or legend label without an outline
            continue
        for text in extents:
            assert box.x <= text.x and text.right <= box.right, f"{key}: text too wide"
            assert box.y <= text.y and text.bottom <= box.bottom, f"{key}: text too tall"
            checked += 1
    assert checked >= 2 * len(_names(case))  # a role and a shape at least


@pytest.mark.parametrize("view", [v for v in FIGURE_VIEWS if v != "architecture"])
def test_resnet_views_export(resnet, view, tmp_path):
    """The other views of ResNet50 (their first slide) as SVG, PDF and PNG. ResNet50 is
    folded into blocks: it has no detailed graph (its drill-downs are, views/graph.py)."""
    if view == "graph":
        with pytest.raises(InputError, match="graph view draws nothing for a model folded"):
            pptx_nnviz.show(resnet, view, page=1, dpi=40)
        return
    shown = pptx_nnviz.show(resnet, view, page=1, dpi=40)
    svg, pdf, png = (shown.save(tmp_path / f"{view}{s}") for s in (".svg", ".pdf", ".png"))
    # the neuron view of ResNet50 is its dense head: two columns, their labels and the legend
    assert len(_svg_texts(svg.read_bytes())) > (5 if view == "neurons" else 10)
    assert pdf.read_bytes().startswith(b"%PDF")
    with Image.open(png) as image:
        assert image.size == shown.rendered.pixel_size(40)


# --------------------------------------------------------------------------- themes, size


def test_print_theme_is_greyscale(mnist, tmp_path):
    path = pptx_nnviz.figure(mnist, tmp_path / "print.png", theme="print", dpi=60)
    with Image.open(path) as image:
        pixels = image.convert("RGB").getdata()
        worst = max(max(p) - min(p) for p in pixels)
    assert worst <= 6


def test_dark_theme_has_dark_background(mnist, tmp_path):
    path = pptx_nnviz.figure(mnist, tmp_path / "dark.png", theme="dark", dpi=30)
    with Image.open(path) as image:
        corner = image.convert("RGB").getpixel((0, 0))
    assert max(corner) < 60


def test_width_is_the_printed_width(mnist, tmp_path):
    """A width lays the architecture out for it at scale 1: the figure is exactly that wide,
    and its text is the size the layout chose (not a slide shrunk to fit)."""
    rendered = render(mnist, width="8.5cm")
    assert rendered.size_inches[0] == pytest.approx(8.5 / 2.54)
    assert rendered.scale == 1.0
    path = pptx_nnviz.figure(mnist, tmp_path / "col.png", width="3.3in", dpi=100)
    with Image.open(path) as image:
        assert abs(image.size[0] - 330) <= 1
    svg = pptx_nnviz.figure(mnist, tmp_path / "col.svg", width=3.3).read_text()
    assert 'width="237.6pt"' in svg


def test_other_views_scale_to_the_width(mnist):
    """Views not laid out again are the slide's drawing scaled to the width."""
    natural = render(mnist, "summary")
    scaled = render(mnist, "summary", width="10cm")
    assert scaled.size_inches[0] == pytest.approx(10 / 2.54)
    ratio = natural.size_inches[0] / natural.size_inches[1]
    assert scaled.size_inches[0] / scaled.size_inches[1] == pytest.approx(ratio)


def test_output_is_reproducible(mnist, tmp_path):
    first = pptx_nnviz.figure(mnist, tmp_path / "a.svg").read_bytes()
    second = pptx_nnviz.figure(mnist, tmp_path / "b.svg").read_bytes()
    assert first == second


# --------------------------------------------------------------------------- errors


def test_unknown_suffix_is_an_input_error(mnist, tmp_path):
    with pytest.raises(pptx_nnviz.InputError, match=r"\.svg, \.pdf or \.png"):
        pptx_nnviz.figure(mnist, tmp_path / "arch.jpg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"view": "title"}, "nothing to draw"),
        ({"view": "nope"}, "unknown view"),
        ({"page": 2}, "has 1 page"),
        ({"width": "3 furlongs"}, "expected a size"),
        ({"theme": "neon"}, "unknown theme"),
    ],
)
def test_bad_requests_leave_the_old_file(mnist, tmp_path, kwargs, message):
    out = tmp_path / "keep.svg"
    out.write_bytes(b"precious")
    with pytest.raises(pptx_nnviz.InputError, match=message):
        pptx_nnviz.figure(mnist, out, **kwargs)
    assert out.read_bytes() == b"precious"
    assert list(tmp_path.iterdir()) == [out]


def test_show_displays_in_jupyter(mnist):
    view = pptx_nnviz.show(mnist)
    svg = view._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert view._repr_png_().startswith(b"\x89PNG")


def test_only_the_figure_renderer_imports_matplotlib():
    package = Path(pptx_nnviz.__file__).parent
    users = [
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "import matplotlib" in p.read_text() or "from matplotlib" in p.read_text()
    ]
    assert users == ["render_figure.py"]
    code = "import sys, pptx_nnviz; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- command line


def test_cli_figure(tmp_path):
    out = tmp_path / "arch.svg"
    result = CliRunner().invoke(main, ["figure", EXAMPLE, "-o", str(out), "--width", "8.5cm"])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    assert "Input" in _svg_texts(out.read_bytes())  # a box's role, not its class


def test_cli_figure_bad_suffix(tmp_path):
    result = CliRunner().invoke(main, ["figure", EXAMPLE, "-o", str(tmp_path / "a.gif")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_cli_deck_pdf(tmp_path):
    out = tmp_path / "m.pptx"
    result = CliRunner().invoke(main, ["deck", EXAMPLE, "-o", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "m.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert out.exists() and str(pdf) in result.output


def test_cli_deck_pdf_without_libreoffice(tmp_path, monkeypatch):
    import pptx_nnviz.pdf_export as pdf_export

    monkeypatch.setattr(pdf_export, "find_soffice", lambda: None)
    out = tmp_path / "m.pptx"
    result = CliRunner().invoke(main, ["deck", EXAMPLE, "-o", str(out), "--pdf"])
    assert result.exit_code == 1
    assert "Error: --pdf needs LibreOffice (soffice)" in result.output
    assert out.exists() and not (tmp_path / "m.pdf").exists()


def test_merge_symbols_are_drawn_as_powerpoint_draws_them():
    """An Add is ⊕ and a Multiply ⊗ in a figure too: a circle and two strokes across it."""
    keras = pptx_nnviz.keras_loader._keras()
    x = keras.Input((4,), name="x")
    a, b = keras.layers.Dense(4, name="a")(x), keras.layers.Dense(4, name="b")(x)
    added = keras.layers.Add(name="add")([a, b])
    out = keras.layers.Multiply(name="mul")([added, b])
    graph = to_graph(keras.Model(x, out, name="merges"))
    rendered = render(graph)
    patches = rendered.figure.axes[0].patches
    for name, diagonal in (("add", False), ("mul", True)):
        node = next(n for n in graph.nodes if n.name == name)
        drawn = [p for p in patches if p.get_gid() == f"s1-box-{node.id}"]
        assert [type(p).__name__ for p in drawn] == ["Ellipse", "Polygon", "Polygon"]
        box = rendered.patches[(0, node.id)]
        for stroke in drawn[1:]:
            (x0, y0), (x1, y1) = stroke.get_xy()[:2]
            assert (abs(x1 - x0) > 1 and abs(y1 - y0) > 1) == diagonal
            assert max(abs(x1 - x0), abs(y1 - y0)) <= box.w + 0.01
