"""The saved architecture decks of real models meet the quality invariants (design.md §4)."""

from __future__ import annotations

import shutil

import models
import pytest
from deck_checks import check_deck, pdf_of, pdf_pages
from openxml_audit import validate_pptx
from pptx import Presentation

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.views import ViewOptions

MODELS = {
    "mnist": models.mnist_convnet,
    "dense_chain_60": models.dense_chain,
    "ResNet50": lambda: models.application("ResNet50"),
    "InceptionV3": lambda: models.application("InceptionV3"),
    "MobileNetV2": lambda: models.application("MobileNetV2"),
}


@pytest.fixture(scope="module", params=list(MODELS))
def built(request, deck_dir):
    model = MODELS[request.param]()
    graph = to_graph(model)
    # Every layer drawn (no blocks): the big-model tests cover the collapsed overview.
    path = build_deck(
        graph,
        deck_dir / f"{request.param}.pptx",
        views=["architecture"],
        options=ViewOptions(collapse="none"),
    )
    return request.param, graph, path


def test_invariants_hold_on_every_slide(built):
    name, graph, path = built
    reports = check_deck(path)
    assert reports, "the deck has no slides"
    for report in reports:
        assert report.problems == {}, f"{name} slide {report.number}: {report.problems}"
        assert report.min_font >= 9
        assert report.connectors > 0


def test_every_layer_and_edge_is_drawn(built):
    name, graph, path = built
    prs = Presentation(str(path))
    names = [shape.name for slide in prs.slides for shape in slide.shapes]
    for node in graph.nodes:
        assert names.count(node.id) == 1, f"{name}: {node.id} drawn {names.count(node.id)} times"
    drawn = set()
    for connector in (n for n in names if n.startswith("edge ")):
        source, target = connector.removeprefix("edge ").split(" -> ")
        # A marker "entry:S" or "junction:S" stands for layer S on a later column or slide.
        marker = source.startswith(("entry:", "junction:"))
        drawn.add((source.split(":", 1)[1].split("#")[0] if marker else source, target))
    missing = [e for e in graph.edges if (e.source, e.target) not in drawn]
    assert not missing, f"{name}: edges not drawn: {missing[:5]}"


def test_openxml_audit_reports_no_errors(built):
    name, _, path = built
    result = validate_pptx(path)
    assert result.is_valid, f"{name}: {[str(e) for e in result.errors[:5]]}"
    assert result.error_count == 0


def test_small_models_fit_one_slide(built):
    name, graph, path = built
    if name in ("mnist", "dense_chain_60"):
        assert len(Presentation(str(path)).slides) == 1


def test_boxes_hold_name_class_shape_and_params(built):
    name, graph, path = built
    if name != "mnist":
        pytest.skip("checked on the small model")
    slide = Presentation(str(path)).slides[0]
    by_name = {shape.name: shape for shape in slide.shapes}
    conv, dense = graph.nodes[1], graph.nodes[-1]
    text = by_name[conv.id].text_frame.text
    assert conv.name in text and "Conv2D 3×3×32" in text and "26×26×32 · 320 params" in text
    assert "Dense 10 softmax" in by_name[dense.id].text_frame.text
    assert slide.shapes.title.text_frame.text == "mnist_convnet: architecture"
    caption = by_name["caption"].text_frame.text
    assert "34,826" in caption
    legend = {n.removeprefix("legend label ") for n in by_name if n.startswith("legend label")}
    assert legend == set(graph.categories())
    assert f"{conv.name}: Conv2D (conv)" in slide.notes_slide.notes_text_frame.text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_deck(built, tmp_path):
    name, _, path = built
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
