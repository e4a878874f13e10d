"""The layout engine alone, on synthetic graphs: pure geometry, no Keras, no PowerPoint."""

from __future__ import annotations

import pytest

from pptx_nnviz.geometry import Rect
from pptx_nnviz.layout import Layout, layout_graph, rank_nodes

AREA = (900.0, 420.0)


def _size(node_id: str, font: float, compact: bool) -> tuple[float, float]:
    return (8 * font, (2 if compact else 3) * 1.22 * font + 8)


def _check(layout: Layout, edges: list[tuple[str, str]], area=AREA) -> None:
    frame = Rect(0, 0, *area)
    placed = {}
    for page in layout.pages:
        boxes = {b.id: b.rect for b in page.boxes}
        for b in page.boxes:
            assert b.rect.inside(frame), f"{b.id} outside the area"
            if b.kind == "node":
                placed[b.id] = placed.get(b.id, 0) + 1
        rects = list(boxes.items())
        for i, (a_id, a) in enumerate(rects):
            for b_id, b in rects[i + 1 :]:
                assert not a.overlaps(b), f"{a_id} overlaps {b_id}"
        for route in page.routes:
            src, dst = boxes[route.source], boxes[route.target]
            assert route.points[0] == pytest.approx(src.site(route.source_site))
            assert route.points[-1] == pytest.approx(dst.site(route.target_site))
            for p, q in zip(route.points, route.points[1:]):
                assert p[0] == pytest.approx(q[0]) or p[1] == pytest.approx(q[1])
                for other_id, other in boxes.items():
                    if other_id not in (route.source, route.target):
                        assert not other.crossed_by(p, q), f"{route.edge} crosses {other_id}"
    nodes = {n for e in edges for n in e}
    assert all(placed.get(n) == 1 for n in nodes), "every node is placed exactly once"


def test_ranks_minimise_edge_length():
    # An input that joins late is ranked next to its consumer, not at the top.
    ranks = rank_nodes(
        ["a", "b", "c", "d", "late"], [("a", "b"), ("b", "c"), ("c", "d"), ("late", "d")]
    )
    assert ranks == {"a": 0, "b": 1, "c": 2, "d": 3, "late": 2}


def test_short_chain_is_one_column_at_the_largest_font():
    nodes = [f"n{i}" for i in range(4)]
    edges = list(zip(nodes, nodes[1:]))
    layout = layout_graph(nodes, edges, _size, AREA)
    assert len(layout.pages) == 1 and layout.font_size == 14
    xs = {round(b.rect.cx, 3) for b in layout.pages[0].boxes}
    assert len(xs) == 1  # a straight column
    assert all(len(r.points) == 2 for r in layout.pages[0].routes)  # straight connectors
    _check(layout, edges)


def test_long_chain_wraps_into_columns_with_one_connector_between_them():
    nodes = [f"n{i}" for i in range(40)]
    edges = list(zip(nodes, nodes[1:]))
    layout = layout_graph(nodes, edges, _size, AREA, direction="TB")
    assert len(layout.pages) == 1
    page = layout.pages[0]
    columns = sorted({round(b.rect.cx) for b in page.boxes})
    assert len(columns) > 1
    assert not [b for b in page.boxes if b.kind != "node"], "clean wraps need no markers"
    assert len(page.routes) == len(edges)
    _check(layout, edges)


def test_very_long_chain_continues_on_further_pages():
    nodes = [f"n{i}" for i in range(400)]
    edges = list(zip(nodes, nodes[1:]))
    layout = layout_graph(nodes, edges, _size, AREA)
    assert len(layout.pages) > 1
    assert layout.font_size == 9
    kinds = [b.kind for page in layout.pages for b in page.boxes if b.kind != "node"]
    assert kinds.count("exit") == kinds.count("entry") == len(layout.pages) - 1
    _check(layout, edges)


@pytest.mark.parametrize("direction", ["TB", "LR"])
def test_skip_connections_get_free_lanes(direction):
    nodes, edges = ["in"], []
    previous = "in"
    for block in range(3):
        chain = [f"b{block}_{k}" for k in range(3)] + [f"add{block}"]
        edges += [(previous, chain[0])] + list(zip(chain, chain[1:])) + [(previous, chain[-1])]
        nodes += chain
        previous = chain[-1]
    layout = layout_graph(nodes, edges, _size, AREA, direction=direction)
    assert layout.direction == direction
    _check(layout, edges)


def test_crossings_are_removed_when_possible():
    # Two parallel chains whose input order would cross; the layout untangles them.
    edges = [("a", "y1"), ("b", "x1"), ("x1", "x2"), ("y1", "y2"), ("x2", "m"), ("y2", "m")]
    layout = layout_graph(
        ["a", "b", "x1", "y1", "x2", "y2", "m"], edges, _size, AREA, direction="TB"
    )
    boxes = {b.id: b.rect for b in layout.pages[0].boxes}
    assert (boxes["a"].cx < boxes["b"].cx) == (boxes["y1"].cx < boxes["x1"].cx)
    _check(layout, edges)


def test_wide_fan_out_fits():
    edges = [("root", f"leaf{i}") for i in range(8)] + [(f"leaf{i}", "sink") for i in range(8)]
    layout = layout_graph(["root", *[f"leaf{i}" for i in range(8)], "sink"], edges, _size, AREA)
    _check(layout, edges)
