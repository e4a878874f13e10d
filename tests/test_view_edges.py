"""Every edge in every view that draws edges (issue 18): the saved detailed-graph, layered and
neuron slides of real models compared with the model's graph (`view_checks`), and no line
through a box on any of them (`deck_checks`)."""

from __future__ import annotations

import edge_models
import models
import pytest
from deck_checks import check_deck
from pptx import Presentation
from view_checks import assert_views_keep_edges, check_views

import pptx_nnviz

MODELS = {
    "mnist_convnet": lambda: models.example("mnist_convnet"),
    "siamese": lambda: models.example("siamese"),
    "small_resnet": lambda: models.example("small_resnet"),
    "small_unet": lambda: models.example("small_unet"),
    "wavenet": edge_models.wavenet,
    "fpn": edge_models.fpn,
    "multi_input": edge_models.multi_input,
    "multi_io": models.multi_io,
    "bart": edge_models.bart_tiny,
}
#: Models without a dense or recurrent stack: no neuron slide.
NO_NEURONS = {"small_unet", "wavenet", "fpn", "bart"}
VIEWS = ["graph", "layered", "neurons"]
STACK = {"dense", "recurrent", "embedding", "merge"}  # drawn as units of their own


@pytest.fixture(scope="module", params=list(MODELS))
def deck(request, deck_dir):
    model = MODELS[request.param]()
    path = pptx_nnviz.to_pptx(model, deck_dir / f"edges_{request.param}.pptx", views=VIEWS)
    return request.param, pptx_nnviz.load_graph(model), path


def test_every_view_keeps_every_edge(deck):
    name, graph, path = deck
    expected = ("graph", "layered") + (() if name in NO_NEURONS else ("neurons",))
    assert_views_keep_edges(path, graph, expected)


def test_no_line_through_a_box(deck):
    name, _, path = deck
    for report in check_deck(path):
        assert report.problems == {}, f"{name} slide {report.number}: {report.problems}"


def test_layered_rows_are_joined(deck):
    """The layered view's rows do not float: every layer is joined to the rest."""
    name, graph, path = deck
    prs = Presentation(str(path))
    (slide,) = [s for s in prs.slides if "layered view" in s.shapes.title.text_frame.text]
    ends = {
        part
        for s in slide.shapes
        if s.name.startswith("edge ")
        for part in s.name.removeprefix("edge ").split(" -> ")
    }
    joined = {n.id for n in graph.nodes if graph.predecessors(n.id) or graph.successors(n.id)}
    assert joined <= ends, f"{name}: {sorted(joined - ends)} stand alone"


def test_neuron_slides_only_for_dense_and_recurrent_stacks(deck):
    name, graph, path = deck
    prs = Presentation(str(path))
    slides = [s for s in prs.slides if ": neurons" in s.shapes.title.text_frame.text]
    if name in NO_NEURONS:
        assert slides == [], name
        return
    assert slides
    drawn_layers = set()
    for slide in slides:
        layers = {
            s.name.removeprefix("layer ") for s in slide.shapes if s.name.startswith("layer ")
        }
        drawn_layers |= layers
        categories = {graph.node(n).category for n in layers}
        for n in layers - {m for m in layers if graph.node(m).category in STACK}:
            # anything else is the entry of a stack: it feeds a column of the slide
            fed = {m for m in graph.nearest(n, layers) if graph.node(m).category in STACK}
            assert fed, (name, n, graph.node(n).category)
        legend = next(s for s in slide.shapes if s.name == "group legend")
        listed = {t.name.removeprefix("legend label ") for t in legend.shapes} - {
            t.name for t in legend.shapes if not t.name.startswith("legend label ")
        }
        assert listed == categories, (name, listed, categories)
    assert any(graph.node(n).category in ("dense", "recurrent") for n in drawn_layers)


def test_an_embedding_is_a_lookup_not_a_fan(deck_dir):
    """multi_io's Embedding: nothing fans into its units; its label says it looks up a table."""
    model = models.multi_io()
    path = pptx_nnviz.to_pptx(model, deck_dir / "lookup.pptx", views=["neurons"])
    (slide,) = Presentation(str(path)).slides
    names = [s.name for s in slide.shapes]
    assert "layer embed" in names
    assert not [n for n in names if n.startswith("edge ") and " -> unit embed " in n]
    assert sum(n.startswith("edge unit embed ") and " -> unit lstm " in n for n in names) > 1
    texts = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert "lookup in a 100 × 8 table" in texts


def test_a_model_without_a_stack_gets_no_neuron_slide(deck_dir):
    """The U-Net's deck has every other view; to_pptx and the CLI still write the deck."""
    from click.testing import CliRunner

    from pptx_nnviz.cli import main

    out = deck_dir / "unet_no_neurons.pptx"
    result = CliRunner().invoke(
        main, ["deck", str(models.EXAMPLES / "small_unet.py"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    titles = [s.shapes.title.text_frame.text for s in Presentation(str(out)).slides]
    assert any("layered view" in t for t in titles)
    assert not any("neurons" in t for t in titles)


def test_the_check_finds_a_dropped_edge(deck_dir):
    """view_checks is not blind: with one connector of the U-Net's layered slide removed,
    its edge is reported missing."""
    model = models.example("small_unet")
    path = pptx_nnviz.to_pptx(model, deck_dir / "unet_dropped.pptx", views=["layered"])
    prs = Presentation(str(path))
    tree = prs.slides[0].shapes._spTree
    name = "edge enc1_conv2 -> skip1"
    parts = [c for c in tree.iterchildren() if c.xpath(f"./p:nvCxnSpPr/p:cNvPr[@name='{name}']")]
    assert parts  # the edge is drawn (in parts meeting at a junction dot)
    for part in parts:
        tree.remove(part)
    prs.save(str(path))
    report = check_views(path, pptx_nnviz.load_graph(model))["layered"]
    assert report.missing == ["enc1_conv2 -> skip1"]
