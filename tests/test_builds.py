"""Lecture builds: architecture slides revealed click by click in data-flow order, as PowerPoint
XML that openxml-audit accepts and LibreOffice Impress imports and plays (checked through UNO)."""

from __future__ import annotations

import models
import pytest
from deck_checks import all_shapes, check_deck
from impress import clicks
from openxml_audit import validate_pptx
from pptx import Presentation
from pptx.oxml.ns import qn

from pptx_nnviz import InputError, to_pptx
from pptx_nnviz.builds import diagram_steps, levels, parse_build
from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.views import ViewOptions

STANDING = ("caption", "legend ", "group legend", "link ")  # there from the start


def _deck(graph, path, build="layers", views=("architecture",)):
    return build_deck(graph, path, views=list(views), options=ViewOptions(build=build))


@pytest.fixture(scope="module")
def mnist_graph():
    return to_graph(models.mnist_convnet())


@pytest.fixture(scope="module")
def built(deck_dir, mnist_graph):
    """MNIST and ResNet50 with --build layers, and what Impress makes of them."""
    decks = {
        "mnist": _deck(mnist_graph, deck_dir / "mnist_build.pptx"),
        "ResNet50": _deck(models.application_graph("ResNet50"), deck_dir / "r50_build.pptx"),
    }
    played = clicks(*decks.values())
    return {name: (path, played[str(path)]) for name, path in decks.items()}


def test_build_modes_parse():
    assert parse_build(None) == "none" and parse_build(" Layers ") == "layers"
    with pytest.raises(InputError, match="choose from none, layers, blocks"):
        parse_build("slides")


def test_steps_follow_the_flow(mnist_graph):
    """One click per rank; a layer never appears before the layers feeding it."""
    graph = models.application_graph("ResNet50")
    from pptx_nnviz.passes import collapse

    overview = collapse(graph)
    for drawn in [mnist_graph, overview, *(n.inner for n in overview.nodes if n.inner)]:
        rank = levels(drawn, "layers")
        steps = diagram_steps(drawn, [n.id for n in drawn.nodes], [], "layers")
        assert len(steps) == len(set(rank.values()))
        click = {b: k for k, step in enumerate(steps) for b in step}
        assert sorted(click) == sorted(n.id for n in drawn.nodes)
        assert all(click[e.source] < click[e.target] for e in drawn.edges)
    assert diagram_steps(mnist_graph, [n.id for n in mnist_graph.nodes], [], "none") == ()


def test_decks_play_in_order_in_impress(built):
    """Every layer box is revealed once with the connectors arriving at it, after the boxes
    feeding it; title, legend and caption are there from the start; one click per rank."""
    for name, (path, played) in built.items():
        prs = Presentation(str(path))
        assert len(played) == len(prs.slides)
        for number, (slide, slide_clicks) in enumerate(zip(prs.slides, played), start=1):
            where = f"{name} slide {number}"
            shapes = [s for s in all_shapes(slide.shapes) if not s.is_placeholder]
            edges = [s.name for s in shapes if s.name.startswith("edge ")]
            boxes = {
                s.name
                for s in slide.shapes
                if not s.is_placeholder
                and not s.name.startswith(("edge ",) + STANDING)
                and not s.name.startswith("group legend")
            }
            assert slide_clicks, f"{where}: no builds"
            shown = [name for click in slide_clicks for name in click]
            assert len(shown) == len(set(shown)), f"{where}: a shape revealed twice"
            assert set(shown) == boxes | set(edges), f"{where}: {set(shown) ^ (boxes | set(edges))}"
            assert not any(s.startswith(STANDING) for s in shown)
            # a layer grouped with its ports is revealed as its group ("group with X")
            click_of = {
                s.removeprefix("group with "): k
                for k, click in enumerate(slide_clicks)
                for s in click
            }
            for edge in edges:
                source, target = edge.removeprefix("edge ").split(" -> ")
                assert click_of[edge] == click_of[target], f"{where}: {edge} not with {target}"
                assert click_of[source] < click_of[target], f"{where}: {edge} backwards"
            for click in slide_clicks:  # each click reveals layers (no click of lines alone)
                assert any(not s.startswith("edge ") for s in click), where


def test_build_decks_stay_valid(built):
    for name, (path, _) in built.items():
        result = validate_pptx(path)
        assert result.is_valid and result.error_count == 0, f"{name}: {result.errors[:3]}"
        for report in check_deck(path):
            assert report.problems == {}, f"{name} slide {report.number}: {report.problems}"


def test_one_click_per_rank(built):
    """Each slide plays as many clicks as its drawing has ranks (the overview's chain of 13
    boxes: 13 clicks)."""
    from pptx_nnviz.deck import default_frame
    from pptx_nnviz.simplify import simplify
    from pptx_nnviz.theme import get_theme
    from pptx_nnviz.views.architecture import architecture_slides

    theme = get_theme("light")
    for name, graph in (("mnist", None), ("ResNet50", models.application_graph("ResNet50"))):
        _, played = built[name]
        if graph is None:
            graph = to_graph(models.mnist_convnet())
        scenes = architecture_slides(simplify(graph), default_frame(theme), theme)  # as drawn
        ranks = [len(set(levels(s.diagram.graph, "layers").values())) for s in scenes]
        assert [len(clicks) for clicks in played] == ranks, name
    assert len(built["ResNet50"][1][0]) == 13


def test_blocks_build_one_click_per_unit(deck_dir):
    """small_resnet with --build blocks: its two residual blocks appear whole, one click each."""
    graph = to_graph(models.example("small_resnet"))
    path = _deck(graph, deck_dir / "small_resnet_blocks.pptx", build="blocks")
    timing = Presentation(str(path)).slides[0]._element.find(qn("p:timing"))
    groups = timing.findall(f".//{qn('p:cTn')}[@nodeType='clickEffect']")
    rank = levels(graph, "blocks")
    assert len(groups) == len(set(rank.values()))
    assert len({rank[n.id] for n in graph.nodes if n.name.startswith("block1_")}) == 1
    assert len(groups) < len(set(levels(graph, "layers").values()))


def test_no_build_no_timing(tmp_path, mnist_graph):
    path = to_pptx(mnist_graph, tmp_path / "plain.pptx", views=["architecture", "summary"])
    for slide in Presentation(str(path)).slides:
        assert slide._element.find(qn("p:timing")) is None
    path = to_pptx(
        mnist_graph, tmp_path / "built.pptx", views="summary,architecture", build="layers"
    )
    summary, architecture = Presentation(str(path)).slides
    assert summary._element.find(qn("p:timing")) is None  # builds only on diagrams
    assert architecture._element.find(qn("p:timing")) is not None
