"""The layout engine alone, on synthetic graphs: pure geometry, no Keras, no PowerPoint.

Each test is one of the shapes people draw by hand (docs/quality.md): a chain, a residual
block, an Inception module, a U-Net, wide fan-outs and graphs too long for one slide.
"""

from __future__ import annotations

import pytest
from layout_checks import check_layout

from pptx_nnviz.layout import Layout, Style, layout_graph, rank_nodes
from pptx_nnviz.layout.choose import default_styles

AREA = (912.0, 420.0)
LINES = {"full": 3, "compact": 2, "minimal": 1}


def _size(node_id: str, style: Style) -> tuple[float, float]:
    """Boxes about as wide as a layer's label, merges as circles."""
    if node_id.startswith(("add", "cat", "skip", "join")):
        return (2 * style.font, 2 * style.font)
    ems = {"full": 9, "compact": 8, "minimal": 6}[style.density]
    return (ems * style.font, LINES[style.density] * 1.22 * style.font + 8)


def _lay_out(nodes, edges, **options) -> Layout:
    shapes = {n: "circle" for n in nodes if n.startswith(("add", "cat", "skip", "join"))}
    layout = layout_graph(nodes, edges, _size, AREA, shapes=shapes, **options)
    check_layout(layout, nodes, edges, AREA)
    return layout


def _rects(layout: Layout, page: int = 0):
    return {b.id: b.rect for b in layout.pages[page].boxes}


def test_ranks_minimise_edge_length():
    # An input that joins late is ranked next to its consumer, not at the top.
    ranks = rank_nodes(
        ["a", "b", "c", "d", "late"], [("a", "b"), ("b", "c"), ("c", "d"), ("late", "d")]
    )
    assert ranks == {"a": 0, "b": 1, "c": 2, "d": 3, "late": 2}


def test_short_chain_is_one_straight_line_at_the_largest_font():
    nodes = [f"n{i}" for i in range(4)]
    layout = _lay_out(nodes, list(zip(nodes, nodes[1:])))
    assert len(layout.pages) == 1 and layout.font_size == max(s.font for s in default_styles(4))
    assert layout.style.density == "full"
    axis = {round(r.cy if layout.direction == "LR" else r.cx, 2) for r in _rects(layout).values()}
    assert len(axis) == 1, "one straight line"
    assert all(len(r.points) == 2 for r in layout.pages[0].routes), "straight connectors"


def test_long_chain_wraps_between_boxes_with_one_connector():
    nodes = [f"n{i}" for i in range(40)]
    edges = list(zip(nodes, nodes[1:]))
    layout = _lay_out(nodes, edges, direction="TB")
    page = layout.pages[0]
    assert len(layout.pages) == 1 and layout.whole
    assert len({round(b.rect.cx) for b in page.boxes}) > 1, "wrapped into columns"
    assert all(b.kind == "node" for b in page.boxes), "a wrap needs no marker"
    assert len(page.routes) == len(edges), "one connector per edge, wraps included"
    wraps = [r for r in page.routes if r.points[-1][1] < r.points[0][1]]
    assert len(wraps) >= 1 and all(len(r.points) - 1 <= 4 for r in wraps)
    assert layout.font_size >= 12


def test_very_long_chain_continues_on_further_pages_with_paired_markers():
    nodes = [f"n{i}" for i in range(400)]
    edges = list(zip(nodes, nodes[1:]))
    layout = _lay_out(nodes, edges, labels={n: f"layer {n}" for n in nodes})
    assert len(layout.pages) > 1
    markers = [b for page in layout.pages for b in page.boxes if b.kind == "marker"]
    assert len(markers) == 2 * (len(layout.pages) - 1), "one pair per page break"
    by_edge = {}
    for marker in markers:
        by_edge.setdefault(marker.id.split(" ", 2)[2], []).append(marker.label)
    for labels in by_edge.values():  # both ends of a pair name the same edge
        assert len(labels) == 2 and labels[0] == labels[1] and " → " in labels[0]


def _residual_block(previous: str, k: int, projection: bool):
    main = [f"b{k}_conv1", f"b{k}_bn1", f"b{k}_relu", f"b{k}_conv2", f"b{k}_bn2", f"add{k}"]
    edges = [(previous, main[0]), *zip(main, main[1:])]
    nodes = list(main)
    if projection:
        nodes += [f"b{k}_proj", f"b{k}_proj_bn"]
        edges += [(previous, f"b{k}_proj"), (f"b{k}_proj", f"b{k}_proj_bn")]
        edges.append((f"b{k}_proj_bn", main[-1]))
    else:
        edges.append((previous, main[-1]))
    nodes.append(f"b{k}_out")
    edges.append((main[-1], f"b{k}_out"))
    return nodes, edges


@pytest.mark.parametrize("projection", [False, True])
def test_residual_block_main_path_straight_shortcut_beside(projection):
    nodes, edges = _residual_block("in", 0, projection)
    layout = _lay_out(["in", *nodes], edges, direction="TB")
    rects = _rects(layout)
    main = ["in", "b0_conv1", "b0_bn1", "b0_relu", "b0_conv2", "b0_bn2", "add0", "b0_out"]
    assert len({round(rects[n].cx, 2) for n in main}) == 1, "the main path is one column"
    routes = layout.pages[0].routes
    into_add = [r for r in routes if r.target == "add0"]
    assert len({r.target_site for r in into_add}) == 2, "each input at its own site"
    shortcut = next(r for r in into_add if r.edge[0] != "b0_bn2")
    runs = [(abs(q[1] - p[1]), p[0]) for p, q in zip(shortcut.points, shortcut.points[1:])]
    lane_x = max(runs)[1]  # its longest vertical run
    assert abs(lane_x - rects["add0"].cx) > rects["b0_conv1"].w / 2, "beside the main path"


def test_inception_module_branches_side_by_side_top_aligned():
    nodes, edges, ends = ["in"], [], []
    for b, depth in enumerate([1, 3, 5, 2]):
        chain = [f"br{b}_{d}" for d in range(depth)]
        nodes += chain
        edges += [("in", chain[0]), *zip(chain, chain[1:])]
        ends.append(chain[-1])
    nodes.append("cat")
    edges += [(end, "cat") for end in ends]
    layout = _lay_out(nodes, edges, direction="TB")
    rects = _rects(layout)
    firsts = [rects[f"br{b}_0"] for b in range(4)]
    assert len({round(r.cy, 2) for r in firsts}) == 1, "branches start side by side"
    assert sorted(firsts, key=lambda r: r.cx) == firsts, "in model order"
    left, right = firsts[0].cx, firsts[-1].cx
    assert left < rects["cat"].cx < right and left < rects["in"].cx < right, "fork, merge centred"
    sites = [r.target_site for r in layout.pages[0].routes if r.target == "cat"]
    assert len(set(sites)) == 4


def test_encoder_decoder_folds_into_a_u_with_straight_skips():
    nodes = ["img", "e1a", "e1b", "p1", "e2a", "e2b", "p2", "ba", "bb", "up2", "skip2"]
    nodes += ["d2a", "d2b", "up1", "skip1", "d1a", "d1b", "mask"]
    edges = list(zip(nodes, nodes[1:])) + [("e2b", "skip2"), ("e1b", "skip1")]
    layout = _lay_out(nodes, edges, direction="TB")
    rects = _rects(layout)
    assert rects["bb"].cy > rects["e2b"].cy > rects["e1b"].cy, "the encoder goes down"
    assert rects["up2"].cy > rects["skip2"].cy > rects["skip1"].cy, "the decoder comes up"
    assert rects["skip1"].cx > rects["e1b"].cx
    for skip in (("e2b", "skip2"), ("e1b", "skip1")):
        route = next(r for r in layout.pages[0].routes if r.edge == skip)
        assert len(route.points) == 2, f"{skip} runs straight across the U"


def test_crossings_are_removed_when_possible():
    # Two parallel chains whose input order would cross; the layout untangles them.
    edges = [("a", "y1"), ("b", "x1"), ("x1", "x2"), ("y1", "y2"), ("x2", "join"), ("y2", "join")]
    layout = _lay_out(["a", "b", "x1", "y1", "x2", "y2", "join"], edges, direction="TB")
    rects = _rects(layout)
    assert (rects["a"].cx < rects["b"].cx) == (rects["y1"].cx < rects["x1"].cx)


def test_wide_fan_out_fits_and_many_inputs_get_ports():
    leaves = [f"leaf{i}" for i in range(8)]
    edges = [("root", leaf) for leaf in leaves] + [(leaf, "sink") for leaf in leaves]
    layout = _lay_out(["root", *leaves, "sink"], edges)
    ports = [b for b in layout.pages[0].boxes if b.kind == "port"]
    assert len(ports) == 8 and all(b.refs == ("sink",) for b in ports)


def _turns(layout: Layout, edge: tuple[str, str]) -> int:
    """Turns along an edge's drawn path (its parts joined at junction dots count as one)."""
    parts = [r.points for r in layout.pages[0].routes if r.edge == edge]
    assert parts, f"{edge} is not drawn"
    points = [p for part in parts for p in part]
    turns = 0
    for a, b, c in zip(points, points[1:], points[2:]):
        cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
        turns += abs(cross) > 0.01
    return turns


def test_bars_take_each_branch_straight():
    """A block's input and a Concatenate drawn as bars stretched over the branches (as the
    Inception papers draw them): every branch leaves and arrives straight, each at its own
    port on the bar."""
    nodes, edges, ends, firsts = ["in"], [], [], []
    for b, depth in enumerate([1, 3, 5, 2]):
        chain = [f"br{b}_{d}" for d in range(depth)]
        nodes += chain
        edges += [("in", chain[0]), *zip(chain, chain[1:])]
        ends.append(chain[-1])
        firsts.append(chain[0])
    nodes.append("cat")
    edges += [(end, "cat") for end in ends]
    shapes = {"in": "bar", "cat": "bar"}
    layout = layout_graph(nodes, edges, _size, AREA, shapes=shapes, direction="TB")
    check_layout(layout, nodes, edges, AREA)
    rects = _rects(layout)
    for bar, branches in (("in", firsts), ("cat", ends)):
        xs = [rects[v].cx for v in branches]
        assert rects[bar].x < min(xs) and rects[bar].right > max(xs), f"{bar} spans its branches"
    for edge in [("in", f) for f in firsts] + [(e, "cat") for e in ends]:
        assert _turns(layout, edge) == 0, f"{edge} turns"
    ports = [b for b in layout.pages[0].boxes if b.kind == "port"]
    assert sorted(b.refs[0] for b in ports) == ["cat"] * 4 + ["in"] * 4


@pytest.mark.parametrize("fork_shape", ["bar", "box"])
def test_a_shortcut_starts_under_its_fork_and_turns_once(fork_shape):
    """A shortcut leaves its fork's bottom edge right above its lane (the fork a block's
    input bar, or a box grown a little both ways) and turns once, into its merge's side."""
    main = ["f", "g1", "g2", "g3", "mul"]
    edges = [*zip(main, main[1:]), ("f", "mul"), ("mul", "out")]
    nodes = [*main, "out"]
    shapes = {"f": fork_shape, "mul": "circle"}
    sizes = {v: (144.0, 24.0) for v in nodes} | {"mul": (24.0, 24.0), "g2": (90.0, 24.0)}
    layout = layout_graph(
        nodes, edges, lambda v, style: sizes[v], AREA, shapes=shapes, direction="TB"
    )
    check_layout(layout, nodes, edges, AREA)
    rects = _rects(layout)
    assert _turns(layout, ("f", "mul")) == 1
    first = next(r for r in layout.pages[0].routes if r.edge == ("f", "mul"))
    port = next(b for b in layout.pages[0].boxes if b.id == first.source)
    assert port.kind == "port" and port.refs == ("f",)
    column = main[1:] if fork_shape == "bar" else main  # a bar stretches one way
    assert len({round(rects[v].cx, 2) for v in column}) == 1, "the main path is one column"
    assert _turns(layout, ("f", "g1")) == 0
    if fork_shape == "box":
        assert rects["f"].w <= 144.0 + 2 * 24.0, "a box grows at most 24 pt each side"
