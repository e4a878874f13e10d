"""Saved architecture decks of real models: the quality invariants (docs/quality.md) and what
a careful person's drawing has: no arrow cut into markers on its own slide, chains drawn
straight, each merge input at its own glue site, lecture-size text."""

from __future__ import annotations

import shutil

import models
import pytest
from deck_checks import all_shapes, check_deck, median_box_font, pdf_of, pdf_pages
from openxml_audit import validate_pptx
from pptx import Presentation
from pptx.oxml.ns import qn

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.simplify import simplify
from pptx_nnviz.views import ViewOptions

MODELS = {
    "mnist": models.mnist_convnet,
    "dense_chain_60": models.dense_chain,
    "small_resnet": lambda: models.example("small_resnet"),
    "small_unet": lambda: models.example("small_unet"),
    "siamese": lambda: models.example("siamese"),
    "ResNet50": lambda: models.application("ResNet50"),
    "InceptionV3": lambda: models.application("InceptionV3"),
    "EfficientNetB0": lambda: models.application("EfficientNetB0"),
    "MobileNetV2": lambda: models.application("MobileNetV2"),
}


@pytest.fixture(scope="module", params=list(MODELS))
def built(request, deck_dir):
    graph = to_graph(MODELS[request.param]())
    path = build_deck(graph, deck_dir / f"{request.param}.pptx", views=["architecture"])
    return request.param, graph, path, check_deck(path)


def test_invariants_hold_on_every_slide(built):
    name, _, _, reports = built
    assert reports, "the deck has no slides"
    for report in reports:
        assert report.problems == {}, f"{name} slide {report.number}: {report.problems}"
        assert report.min_font >= 9
        assert report.connectors > 0


def test_drawn_as_by_hand(built):
    """No same-slide markers and no shared merge sites (both are in `problems` too), chain
    edges straight (wraps to the next column or row excepted), big text on small slides."""
    name, _, _, reports = built
    chains = sum(r.chain_edges for r in reports)
    straight = sum(r.chain_straight for r in reports)
    assert straight >= 0.95 * chains, f"{name}: {straight} of {chains} chain edges straight"
    for report in reports:
        assert not report.same_slide_markers and not report.shared_sites
        if report.boxes <= 30 + 10:  # boxes plus legend, caption and navigation
            assert median_box_font(report) >= 12, f"{name} slide {report.number}"


def test_openxml_audit_reports_no_errors(built):
    name, _, path, _ = built
    result = validate_pptx(path)
    assert result.is_valid, f"{name}: {[str(e) for e in result.errors[:5]]}"
    assert result.error_count == 0


def test_small_models_fit_one_slide(built):
    name, _, path, _ = built
    if name in ("mnist", "dense_chain_60", "small_resnet", "small_unet"):
        assert len(Presentation(str(path)).slides) == 1


def test_mnist_boxes_hold_role_shape_and_params(built):
    """Automatic names (`conv2d`) and classes (`Conv2D`) stay in the notes: a box says what
    the layer does."""
    name, graph, path, _ = built
    if name != "mnist":
        pytest.skip("checked on the small model")
    slide = Presentation(str(path)).slides[0]
    by_name = {shape.name: shape for shape in all_shapes(slide.shapes)}
    conv, dense = graph.nodes[1], graph.nodes[-1]
    text = by_name[conv.id].text_frame.text
    assert text == "Conv 3×3×32\n26×26×32 · 320 params"
    assert "Dense 10 softmax" in by_name[dense.id].text_frame.text
    assert slide.shapes.title.text_frame.text == "mnist_convnet: architecture"
    assert "34,826" in by_name["caption"].text_frame.text
    legend = {n.removeprefix("legend label ") for n in by_name if n.startswith("legend label")}
    assert legend == set(graph.categories())
    assert f"{conv.name}: Conv2D (conv)" in slide.notes_slide.notes_text_frame.text


@pytest.fixture(scope="module")
def every_layer(deck_dir):
    """ResNet50 with every layer drawn (--collapse none): long, so it spans slides."""
    graph = to_graph(models.application("ResNet50"))
    path = build_deck(
        graph,
        deck_dir / "ResNet50_layers.pptx",
        views=["architecture"],
        options=ViewOptions(collapse="none"),
    )
    return graph, path


def test_every_layer_and_edge_is_drawn(every_layer):
    """Every layer of the graph the view draws (the plumbing folded: `simplify`) and every
    edge, once."""
    graph, path = every_layer
    graph = simplify(graph)
    prs = Presentation(str(path))
    names = [shape.name for slide in prs.slides for shape in all_shapes(slide.shapes)]
    for node in graph.nodes:
        assert names.count(node.id) == 1, f"{node.id} drawn {names.count(node.id)} times"
    drawn = {tuple(n.removeprefix("edge ").split(" -> ")) for n in names if n.startswith("edge ")}
    missing = [e for e in graph.edges if (e.source, e.target) not in drawn]
    assert not missing, f"edges not drawn: {missing[:5]}"
    for report in check_deck(path):
        assert report.problems == {}, f"slide {report.number}: {report.problems}"


def test_markers_only_at_page_breaks_and_paired(every_layer):
    """A marker stands for an edge continuing on another slide; its partner on that slide
    carries the same label (the edge's two ends)."""
    _, path = every_layer
    prs = Presentation(str(path))
    labels = {}
    for number, slide in enumerate(prs.slides, start=1):
        for shape in all_shapes(slide.shapes):
            if shape.name.startswith(("marker ", "portal ")) and shape.text_frame.text:
                kind, side, key = shape.name.split(" ", 2)
                labels.setdefault(key, []).append((number, side, shape.text_frame.text))
    assert labels, "ResNet50 layer by layer spans several slides"
    for key, ends in labels.items():
        assert len(ends) == 2, key
        (a, _, text_a), (b, _, text_b) = ends
        assert a != b and text_a == text_b and " → " in text_a


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_deck(built, tmp_path):
    name, _, path, _ = built
    if name not in ("mnist", "ResNet50"):
        pytest.skip("conversion is slow; two models are enough")
    pdf = pdf_of(path, tmp_path)
    assert pdf.exists() and pdf.stat().st_size > 10_000
    assert pdf_pages(pdf) == len(Presentation(str(path)).slides)


def test_same_model_gives_the_same_deck(mnist_model, tmp_path):
    """Byte for byte, apart from timestamps (the chart's embedded workbook carries one)."""
    import zipfile

    graph = to_graph(mnist_model)
    parts = []
    for name in ("a.pptx", "b.pptx"):
        path = build_deck(graph, tmp_path / name)
        with zipfile.ZipFile(path) as archive:
            parts.append(
                {
                    info.filename: archive.read(info)
                    for info in archive.infolist()
                    if not info.filename.startswith(("ppt/embeddings/", "docProps/core"))
                }
            )
    assert parts[0] == parts[1]


def test_a_shared_encoder_is_drawn_twice_with_a_dashed_link(built):
    """The siamese pair's two calls of one encoder stand side by side, joined by a dashed
    line without an arrowhead (shared weights), the merge centred between the towers."""
    name, graph, path, _ = built
    if name != "siamese":
        pytest.skip("checked on the siamese pair")
    slide = Presentation(str(path)).slides[0]
    shapes = {s.name: s for s in all_shapes(slide.shapes)}
    second = next(n for n in graph.nodes if n.shared_with)
    link = shapes[f"shared {second.shared_with} - {second.id}"]
    line = link._element.find(".//" + qn("a:ln"))
    assert line.find(qn("a:prstDash")) is not None and line.find(qn("a:tailEnd")) is None
    merge = next(n for n in graph.nodes if n.category == "merge")
    towers = [shapes[second.shared_with], shapes[second.id]]
    centres = sorted(t.top + t.height / 2 for t in towers) + sorted(
        t.left + t.width / 2 for t in towers
    )
    middle = shapes[merge.id]
    cy, cx = middle.top + middle.height / 2, middle.left + middle.width / 2
    assert centres[0] < cy < centres[1] or centres[2] < cx < centres[3], "merge between towers"
