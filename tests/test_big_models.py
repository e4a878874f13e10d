"""Big models: blocks, an overview that fits one slide, drill-down slides linked both ways."""

from __future__ import annotations

import shutil

import models
import pytest
from deck_checks import check_deck, pdf_of
from openxml_audit import validate_pptx
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.passes import block_key, collapse, cut_nodes, find_blocks
from pptx_nnviz.roles import container_role, is_automatic_node
from pptx_nnviz.simplify import simplify
from pptx_nnviz.views import ViewOptions

#: EfficientNetB0's rescaling and normalization are one preprocessing box (`simplify`).
EXPECTED_OVERVIEW = {"ResNet50": 13, "InceptionV3": 12, "EfficientNetB0": 17}


@pytest.fixture(scope="module", params=list(EXPECTED_OVERVIEW))
def big(request, deck_dir):
    graph = models.application_graph(request.param)
    path = build_deck(graph, deck_dir / f"big_{request.param}.pptx", views=["architecture"])
    return request.param, graph, path, Presentation(str(path))


def _links(slide) -> dict[str, object]:
    """Shape name -> target slide of every internal hyperlink on the slide."""
    return {
        shape.name: shape.click_action.target_slide
        for shape in slide.shapes
        if shape.shape_type != MSO_SHAPE_TYPE.GROUP and shape.click_action.target_slide is not None
    }


def test_overview_fits_one_slide(big):
    name, graph, _, prs = big
    overview = prs.slides[0]
    assert overview.shapes.title.text_frame.text.endswith("architecture overview")
    assert "(1/" not in overview.shapes.title.text_frame.text
    drawn = collapse(simplify(graph))  # the plumbing folded, as the view draws it
    boxes = [s for s in overview.shapes if s.name in {n.id for n in drawn.nodes}]
    assert len(boxes) == EXPECTED_OVERVIEW[name]


def test_every_block_links_to_its_slide_and_back(big):
    _, graph, _, prs = big
    overview = prs.slides[0]
    blocks = [n for n in collapse(simplify(graph)).nodes if n.inner is not None]
    links = _links(overview)
    assert set(links) == {b.id for b in blocks}
    for block in blocks:
        target = links[block.id]
        # named by the block's name, or by what it is when its layers' names are automatic
        title = block.name if not is_automatic_node(block) else container_role(block)
        assert title in target.shapes.title.text_frame.text
        back = _links(target)
        assert back["link ↑ overview"] == overview
    # previous / next links walk the blocks in order
    detail_slides = [links[b.id] for b in blocks]
    for before, after in zip(detail_slides, detail_slides[1:]):
        forward = [t for n, t in _links(before).items() if n.endswith("→")]
        assert forward == [after]


def test_detail_slides_hold_the_invariants(big):
    name, _, path, _ = big
    for report in check_deck(path):
        assert report.problems == {}, f"{name} slide {report.number}: {report.problems}"
        assert report.min_font >= 9
    assert validate_pptx(path).is_valid


def test_folded_blocks_are_drawn_once(big):
    name, graph, _, prs = big
    overview = collapse(graph)
    titles = [s.shapes.title.text_frame.text for s in prs.slides]
    folded = [n for n in overview.nodes if n.repeat > 1]
    if name == "ResNet50":
        assert [n.repeat for n in folded] == [2, 3, 5, 2]
    for node in folded:
        pages = [t for t in titles if node.name in t]
        assert len({t.split(f"(×{node.repeat})")[0] for t in pages}) == 1  # one drill-down
        assert all(f"(×{node.repeat})" in t for t in pages)
    # every layer is in exactly one block or on the overview
    members = [m for n in overview.nodes for m in (n.members or (n.name,))]
    assert sorted(members) == sorted(n.name for n in graph.nodes)


def test_blocks_follow_names_and_structure():
    graph = models.application_graph("ResNet50")
    blocks = find_blocks(graph)
    named = {block_key(b[0].name, b[0].class_name) for b in blocks if len(b) > 1}
    assert {"conv2_block1", "conv4_block6", "conv5_block3"} <= named
    assert "conv2_block1_out" in cut_nodes(graph)
    assert block_key("conv2d_12", "Conv2D") is None  # Keras's automatic names say nothing
    assert block_key("block2a_expand_conv", "Conv2D") == "block2a"


def test_collapse_none_and_depth_one(deck_dir):
    graph = models.application_graph("ResNet50")
    overview_only = build_deck(
        graph,
        deck_dir / "depth1.pptx",
        views=["architecture"],
        options=ViewOptions(depth=1),
    )
    assert len(Presentation(str(overview_only)).slides) == 1
    flat = build_deck(
        graph,
        deck_dir / "flat.pptx",
        views=["architecture"],
        options=ViewOptions(collapse="none"),
    )
    titles = [s.shapes.title.text_frame.text for s in Presentation(str(flat)).slides]
    assert all("architecture (" in t for t in titles)


def test_small_models_are_not_collapsed(mnist_model, deck_dir):
    graph = to_graph(mnist_model)
    path = build_deck(graph, deck_dir / "small.pptx", views=["architecture"])
    assert [s.shapes.title.text_frame.text for s in Presentation(str(path)).slides] == [
        "mnist_convnet: architecture"
    ]


def test_links_survive_libreoffice_pdf_export(big, tmp_path):
    name, _, path, prs = big
    if name != "ResNet50":
        pytest.skip("one model is enough")
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    pdf = pdf_of(path, tmp_path).read_bytes()
    links = sum(len(_links(slide)) for slide in prs.slides)
    assert links > 10
    assert pdf.count(b"/Subtype/Link") + pdf.count(b"/Subtype /Link") == links
