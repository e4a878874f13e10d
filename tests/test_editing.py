"""A deck edited in LibreOffice Impress keeps what makes it a drawing: connectors stay glued
to their boxes when one moves, a retyped label wraps and shrinks inside its box instead of
spilling out, connectors stay behind the boxes, the legend stays one group."""

from __future__ import annotations

import models
import pytest
from deck_checks import all_shapes
from impress import edit, require_impress
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import to_graph


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    require_impress()
    folder = tmp_path_factory.mktemp("editing")
    deck = build_deck(
        to_graph(models.example("small_resnet")), folder / "deck.pptx", views=["architecture"]
    )
    out = folder / "edited.pptx"
    text = "block1_conv1: a 3×3 convolution, retyped with a much longer label"
    edit(deck, out, "block1_conv1", 30, text)
    return Presentation(str(deck)).slides[0], Presentation(str(out)).slides[0], text


def test_connectors_stay_glued_to_the_moved_box(edited):
    before, after, _ = edited
    shapes = {s.shape_id: s for s in all_shapes(after.shapes)}
    moved = next(s for s in shapes.values() if s.name == "block1_conv1")
    old = next(s for s in all_shapes(before.shapes) if s.name == "block1_conv1")
    assert moved.left > old.left + 20 * 12700, "the box moved 30 mm to the right"
    ends = []
    for el in after.shapes._spTree.iter(qn("p:cxnSp")):
        start, end = el.find(".//" + qn("a:stCxn")), el.find(".//" + qn("a:endCxn"))
        assert start is not None and end is not None, "every connector still glued"
        assert int(start.get("id")) in shapes and int(end.get("id")) in shapes
        ends += [int(start.get("id")), int(end.get("id"))]
    assert ends.count(moved.shape_id) == 2, "its arrow in and its arrow out follow it"


def test_a_longer_label_wraps_and_shrinks_inside_its_box(edited):
    _, after, text = edited
    box = next(s for s in all_shapes(after.shapes) if s.name == "block1_conv1")
    assert box.text_frame.text == text
    body = box._element.find(".//" + qn("a:bodyPr"))
    assert body.find(qn("a:normAutofit")) is not None, "shrink text on overflow"
    assert body.get("wrap") in (None, "square"), "text wraps at the box's edge"


def test_connectors_stay_behind_the_boxes_and_the_legend_is_one_group(edited):
    _, after, _ = edited
    tags = [el.tag.split("}")[1] for el in after.shapes._spTree.iterchildren()]
    connectors = [i for i, tag in enumerate(tags) if tag == "cxnSp"]
    boxes = [
        i
        for i, el in enumerate(after.shapes._spTree.iterchildren())
        if el.tag.endswith("}sp") and el.find(".//" + qn("p:ph")) is None
    ]
    assert connectors and max(connectors) < min(boxes), "connectors drawn first, boxes on top"
    groups = [s for s in after.shapes if s.shape_type == MSO_SHAPE_TYPE.GROUP]
    legend = [g for g in groups if any(m.name.startswith("legend") for m in g.shapes)]
    assert len(legend) == 1 and len(legend[0].shapes) >= 2


def test_a_concatenation_moved_with_its_ports_keeps_every_arrow_on_them(tmp_path):
    """The bar of a Concatenate and the ports its inputs arrive at are one group: moved in
    Impress, the arrows stay glued to the ports and still end on them."""
    require_impress()
    deck = build_deck(to_graph(models.branching()), tmp_path / "deck.pptx", views=["architecture"])
    out = tmp_path / "moved.pptx"
    edit(deck, out, "group with concat", 20, "")
    before = {s.name: s for s in all_shapes(Presentation(str(deck)).slides[0].shapes)}
    slide = Presentation(str(out)).slides[0]
    after = {s.name: s for s in all_shapes(slide.shapes)}
    ports = [name for name in after if name.startswith("port ") and name.endswith(" of concat")]
    assert len(ports) == 2, "one port per input"
    for name in ["concat", *ports]:
        assert after[name].left > before[name].left + 15 * 36000, f"{name} moved with the bar"
    by_id = {s.shape_id: s for s in after.values()}
    arriving = []
    for el in slide.shapes._spTree.iter(qn("p:cxnSp")):
        end = el.find(".//" + qn("a:endCxn"))
        assert end is not None, "every connector still glued"
        arriving.append(by_id[int(end.get("id"))].name)
    # (Impress reroutes glued connectors when it opens a deck, but writes the geometry they
    # had before the move: the glue is what carries the drawing.)
    assert sorted(n for n in arriving if n in ports) == sorted(ports), "each input on its port"
