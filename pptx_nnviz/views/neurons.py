"""The neuron view (replaces ann_visualizer), drawn only where neurons mean something: the
dense and recurrent stacks of a model, on their feature axis.

- A column of circles for the units of each Dense and recurrent layer, of what feeds them (an
  input vector, a Flatten or global pooling: their entry), of an Embedding (a lookup in its
  table: nothing fans into it) and of a merge joining such columns. Wide layers show their
  first and last units around a "⋮" and say how many there are.
- Full connections (every shown unit to every shown unit) only into Dense and recurrent
  layers, which really connect every input to every unit; a merge takes its inputs unit by
  unit (a concatenation each input into its own units).
- Activation, dropout and normalization work unit by unit: folded into the layer before, and
  named in its label.
- Convolutions, pooling, attention, nested models and every other operation are not drawn
  here (the architecture slides show them); a model without a dense or recurrent stack gets
  no neuron slide.
- Layers are placed in columns by depth, so branches and several inputs stand side by side
  (stacked in one column) and join where they merge; a link past a column runs in a lane over
  or under the columns, a link to another slide ends at one of a pair of labelled markers. A
  run of identical layers is drawn as its first and last with one "× N" box between, which
  keeps a 10,000-layer chain small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ..geometry import Rect, connection_site
from ..ir import CATEGORIES, Graph, Node
from ..scene import (
    MUTED,
    Box,
    Connector,
    Frame,
    Group,
    Paragraph,
    Run,
    SlideScene,
)
from ..text import format_count, format_shape, line_height, shorten, text_width
from ..theme import ColorRef, Theme
from .common import _hint, legend_and_caption, legend_height, output_text, plural
from .junctions import cut_segment, cut_sites, junction_box, needs_cut, simplified

UNITWISE = frozenset({"activation", "dropout", "normalization"})  # no new units
SKIPPED = UNITWISE  # (the name the tests know)
UNIT_LAYERS = frozenset({"dense", "embedding", "recurrent"})  # layers drawn as units
DENSE_INTO = frozenset({"dense", "recurrent"})  # connected to every unit of their input
MAX_PAGES = 4  # a longer model shows its first three and its last neuron slide
MAX_UNITS = 10  # shown per layer: the first 5 and the last 4 around a "⋮"
MAX_COLUMNS = 9  # per slide; longer models continue on further slides
MIN_RUN = 4  # identical layers in a row drawn as first, "× N", last
FONT = 10.0
SYMBOL_FONT = 10.0
EDGE = ColorRef("tx1", 0.6)  # many thin lines: faint on a light background ...
DARK_EDGE = ColorRef("tx1", -0.55)  # ... and on a dark one
_RIGHT = {"ellipse": 6, "roundRect": 3}
Point = tuple[float, float]
_LEFT = {"ellipse": 2, "roundRect": 1}


@dataclass
class Item:
    """One column entry: a layer's units, or a symbol for an op (or a run of layers)."""

    id: str
    node: Node
    kind: str  # "units" | "symbol"
    units: int = 1
    folded: list[Node] = field(default_factory=list)  # unit-wise layers drawn with it
    run: int = 1  # a symbol standing for this many identical layers
    rank: int = 0
    offsets: dict[str, int] = field(default_factory=dict)  # a concatenation's inputs' first unit

    @property
    def shown(self) -> tuple[int, ...]:
        if self.units <= MAX_UNITS:
            return tuple(range(self.units))
        return (*range(5), *range(self.units - 4, self.units))


def dense_head(graph: Graph) -> list[Node]:
    """The layers after the last one whose output is not a vector (from the last Flatten or
    global pooling to the outputs); empty if the model ends on feature maps."""
    last = -1
    for i, node in enumerate(graph.nodes):
        if any(len(s) > 2 for s in node.output_shapes) or not node.output_shapes:
            last = i
    return list(graph.nodes[last + 1 :])


def _features(node: Node) -> int:
    shape = node.output_shape or ()
    return shape[-1] if len(shape) >= 2 and shape[-1] else 1


def _feature_merge(graph: Graph, node: Node) -> bool:
    """A merge along the feature axis: element-wise (every input as wide as the output) or a
    concatenation of the inputs' features."""
    if node.category != "merge" or not node.output_shape or len(node.output_shape) < 2:
        return False
    widths = [_features(graph.node(p)) for p in graph.predecessors(node.id)]
    out = _features(node)
    return bool(widths) and (all(w == out for w in widths) or sum(widths) == out)


def _on_maps(node: Node) -> bool:
    """A Dense on feature maps (batch, height, width, channels) is a 1×1 convolution: not a
    stack of neurons."""
    shapes = node.input_shapes or node.output_shapes
    return any(len(shape) > 3 for shape in shapes)


def _carrier(graph: Graph, node_id: str, memo: dict[str, str]) -> str:
    """The layer whose units a unit-wise layer (activation, dropout, normalization) works on:
    itself for every other layer."""
    if node_id not in memo:
        node = graph.node(node_id)
        preds = graph.predecessors(node_id)
        memo[node_id] = (
            _carrier(graph, preds[0], memo)
            if node.category in UNITWISE and len(preds) == 1
            else node_id
        )
    return memo[node_id]


def neuron_layers(graph: Graph) -> tuple[list[Node], dict[str, list[Node]]]:
    """The layers the neuron view draws, in the graph's order: dense and recurrent layers,
    the embeddings and feature-axis merges among them, and what feeds them (an input vector,
    a Flatten or global pooling: their entry); and, for each, the unit-wise layers folded into
    it. Only connected stacks holding a dense or recurrent layer count; empty when the model
    has none."""
    memo: dict[str, str] = {}
    carrier = {n.id: _carrier(graph, n.id, memo) for n in graph.nodes}
    inputs = {n.id: [carrier[p] for p in graph.predecessors(n.id)] for n in graph.nodes}
    drawn: set[str] = set()
    for node in graph.nodes:  # topological order: a merge's inputs are decided before it
        if node.id != carrier[node.id]:
            continue
        merge = _feature_merge(graph, node) and any(p in drawn for p in inputs[node.id])
        if node.category in UNIT_LAYERS and not _on_maps(node) or merge:
            drawn.add(node.id)
    entries = {
        p
        for n in drawn
        if graph.node(n).category in DENSE_INTO or graph.node(n).category == "merge"
        for p in inputs[n]
        if p not in drawn
    }
    ends = {carrier[o] for o in graph.outputs}
    chosen = _with_dense(graph, drawn | entries, inputs, ends)
    folded: dict[str, list[Node]] = {}
    for node in graph.nodes:
        if carrier[node.id] != node.id and carrier[node.id] in chosen:
            folded.setdefault(carrier[node.id], []).append(node)
    return [n for n in graph.nodes if n.id in chosen], folded


def _with_dense(
    graph: Graph, nodes: set[str], inputs: dict[str, list[str]], ends: set[str]
) -> set[str]:
    """The connected parts of `nodes` that hold a dense or recurrent layer and an output of
    the model (a head), or, if none does, the largest such part."""
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for n in nodes:
        for p in inputs[n]:
            if p in nodes:
                neighbours[n].add(p)
                neighbours[p].add(n)
    parts: list[set[str]] = []
    seen: set[str] = set()
    for start in sorted(nodes):
        if start in seen:
            continue
        part, stack = set(), [start]
        while stack:
            n = stack.pop()
            if n not in part:
                part.add(n)
                stack += neighbours[n] - part
        seen |= part
        if any(graph.node(n).category in DENSE_INTO for n in part):
            parts.append(part)
    heads = [p for p in parts if p & ends]
    if heads:
        return set().union(*heads)
    return max(parts, key=len, default=set())


def neuron_items(
    graph: Graph, nodes: list[Node], folded: dict[str, list[Node]] | None = None
) -> tuple[list[Item], set[tuple[str, str]]]:
    """The unit columns drawn for `nodes` (in order) and the links between them (through the
    unit-wise layers folded into a column)."""
    folded = folded or {}
    chosen = {n.id for n in nodes}
    owner = {n.id: n.id for n in nodes}
    for host, inside in folded.items():
        owner.update({n.id: host for n in inside})
    items = [
        Item(id=n.id, node=n, kind="units", units=_features(n), folded=list(folded.get(n.id, [])))
        for n in nodes
    ]
    for item in items:
        if item.node.category == "merge":
            item.offsets = _offsets(graph, item.node, owner)
    links: set[tuple[str, str]] = set()
    for source, host in owner.items():
        for successor in graph.successors(source):
            target = owner.get(successor)
            if target is not None and target != host and target in chosen:
                links.add((host, target))
    return _fold_runs(items, links)


def _offsets(graph: Graph, node: Node, owner: dict[str, str]) -> dict[str, int]:
    """Where each input's units start among a concatenation's (all 0 for an element-wise
    merge), by the column drawing that input."""
    preds = graph.predecessors(node.id)
    widths = [_features(graph.node(p)) for p in preds]
    if all(w == _features(node) for w in widths):
        return {}
    offsets: dict[str, int] = {}
    start = 0
    for p, w in zip(preds, widths):
        if p in owner:
            offsets.setdefault(owner[p], start)
        start += w
    return offsets


def _signature(item: Item) -> tuple:
    n = item.node
    return (item.kind, n.class_name, n.output_shapes, n.hyperparams, n.params)


def _fold_runs(
    items: list[Item], links: set[tuple[str, str]]
) -> tuple[list[Item], set[tuple[str, str]]]:
    """Runs of MIN_RUN or more identical layers in a chain: first, one "× N" symbol, last."""
    outs: dict[str, list[str]] = {}
    ins: dict[str, list[str]] = {}
    for a, b in links:
        outs.setdefault(a, []).append(b)
        ins.setdefault(b, []).append(a)
    result: list[Item] = []
    i = 0
    while i < len(items):
        j = i
        while (
            j + 1 < len(items)
            and outs.get(items[j].id) == [items[j + 1].id]
            and ins.get(items[j + 1].id) == [items[j].id]
            and _signature(items[j + 1]) == _signature(items[i])
        ):
            j += 1
        if j - i + 1 >= MIN_RUN:
            first, last, middle = items[i], items[j], items[i + 1 : j]
            run = Item(
                id=f"run {middle[0].id}", node=middle[0].node, kind="symbol", run=len(middle)
            )
            dropped = {m.id for m in middle}
            links = {(a, b) for a, b in links if a not in dropped and b not in dropped}
            links |= {(first.id, run.id), (run.id, last.id)}
            result += [first, run, last]
        else:
            result += items[i : j + 1]
        i = j + 1
    return result, links


def _rank(items: list[Item], links: set[tuple[str, str]]) -> int:
    """Each item's column: one past its deepest predecessor. Returns the number of columns."""
    ins: dict[str, list[str]] = {}
    for a, b in links:
        ins.setdefault(b, []).append(a)
    by_id = {item.id: item for item in items}
    for item in items:  # items are in topological order
        item.rank = max((by_id[p].rank + 1 for p in ins.get(item.id, [])), default=0)
    outs: dict[str, list[str]] = {}
    for a, b in links:
        outs.setdefault(a, []).append(b)
    for item in reversed(items):  # then as late as their successors allow: a short branch
        if item.id in outs:  # stands beside the long one, next to where they join
            item.rank = min(by_id[s].rank for s in outs[item.id]) - 1
    return max((item.rank for item in items), default=-1) + 1


def _page_ranges(columns: int) -> list[range]:
    """Pages of at most MAX_COLUMNS columns, each repeating the previous page's last column,
    all about as wide (no page of one or two lonely columns)."""
    if columns <= MAX_COLUMNS:
        return [range(columns)]
    pages = math.ceil((columns - 1) / (MAX_COLUMNS - 1))
    step = math.ceil((columns - 1) / pages)
    return [range(s, min(s + step + 1, columns)) for s in range(0, columns - 1, step)]


def neuron_slides(graph: Graph, frame: Frame, theme: Theme) -> list[SlideScene]:
    """The neuron slides: none for a model without a dense or recurrent stack."""
    nodes, folded = neuron_layers(graph)
    items, links = neuron_items(graph, nodes, folded)
    if not items:
        return []
    columns = _rank(items, links)
    whole = len(nodes) + sum(len(f) for f in folded.values()) == len(graph.nodes)
    head = {n.id for n in dense_head(graph)}
    what = (
        "neurons"
        if whole
        else "neurons of the dense head"
        if all(n.id in head for n in nodes[1:])
        else "neurons of the dense and recurrent layers"
    )
    band = legend_height(graph, frame, _shown(items))
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - band)
    pages = _page_ranges(columns)
    omitted = 0
    if len(pages) > MAX_PAGES:  # the start and the end of a very long model tell its pattern
        kept = pages[: MAX_PAGES - 1] + pages[-1:]
        omitted = sum(len(r) for r in pages) - sum(len(r) for r in kept)
        pages = kept
    rank_of = {item.id: item.rank for item in items}
    on_slides = {item.id for item in items if any(item.rank in r for r in pages)}
    slides = []
    for number, ranks in enumerate(pages, start=1):
        page = [item for item in items if item.rank in ranks]
        boxes, connectors, groups = _page(page, ranks, links, area, theme, rank_of, on_slides)
        boxes += legend_and_caption(graph, frame, theme, band, shown=_shown(page))
        slides.append(
            SlideScene(
                title=f"{graph.name}: {what}"
                + (f" ({number}/{len(pages)})" if len(pages) > 1 else ""),
                boxes=tuple(boxes),
                connectors=tuple(connectors),
                groups=tuple(groups),
                notes=_notes(graph, page, whole, number, len(pages))
                + (
                    f"\n{format_count(omitted)} columns of units between slides {number - 1} "
                    "and this one are left out: the architecture slides show every layer."
                    if omitted and number == len(pages)
                    else ""
                ),
                kind="neurons",
            )
        )
    return slides


def _shown(items: list[Item]) -> list[str]:
    """The categories of the columns drawn (unit-wise layers folded into them have no colour
    of their own on the slide)."""
    drawn = {item.node.category for item in items}
    return [c for c in CATEGORIES if c in drawn]


def _notes(graph: Graph, page: list[Item], whole: bool, number: int, pages: int) -> str:
    lines = [
        (f"Neuron view of {graph.name}" if whole else f"Neuron view of {graph.name}'s dense layers")
        + (f", part {number} of {pages}" if pages > 1 else "")
        + ": circles are a layer's units; Dense and recurrent layers are connected to every "
        "unit of their input; an Embedding looks its vector up in a table, so nothing fans "
        "into it; a merge joins its inputs unit by unit. Activation, dropout and "
        "normalization work unit by unit, so they are folded into the layer before them."
        + (
            ""
            if whole
            else " Only dense and recurrent stacks and what feeds them are drawn: the rest of "
            "the model is on the architecture slides."
        )
    ]
    for item in page:
        node = item.node
        if item.run > 1:
            lines.append(f"{format_count(item.run)} identical {node.class_name} layers.")
        elif item.kind == "units":
            lines.append(
                f"{node.name}: {node.class_name}, {format_count(item.units)} units"
                + (f", {len(item.shown)} shown" if len(item.shown) < item.units else "")
                + "."
            )
        else:
            lines.append(f"{node.name}: {node.class_name}, output {output_text(node)}.")
    return "\n".join(lines)


def _symbol_lines(item: Item) -> tuple[str, str, str]:
    node = item.node
    if item.run > 1:
        return (
            f"× {format_count(item.run)} more",
            f"{node.class_name} {_hint(node)}".strip(),
            "identical layers",
        )
    return node.name, f"{node.class_name} {_hint(node)}".strip(), output_text(node)


def _label_lines(item: Item) -> tuple[str, str]:
    node = item.node
    extra = " + ".join(n.class_name for n in item.folded)
    detail = plural(item.units, "unit") + (f" · {extra}" if extra else "")
    if node.category == "embedding":
        vocabulary = dict(node.hyperparams).get("vocabulary")
        table = f"{vocabulary} × {item.units}" if vocabulary else f"{item.units} wide"
        detail = f"lookup in a {table} table" + (f" · {extra}" if extra else "")
    elif node.category not in UNIT_LAYERS and node.category != "input":
        detail = f"{node.class_name} · {detail}"
    return node.name, detail


STRIP = 6.0  # between the lanes of long links above and under the columns


@dataclass
class _Routes:
    """The links of one page that do not run between neighbouring columns."""

    skips_top: list[tuple[str, str]]
    skips_bottom: list[tuple[str, str]]
    outs: list[tuple[str, str]]  # to a column on a later slide
    ins: list[tuple[str, str]]  # from a column on an earlier slide
    tops: set[str]  # the first item of each column's stack
    bottoms: set[str]  # the last

    @property
    def top_lanes(self) -> int:
        return len(self.skips_top) + len(self.outs) + len(self.ins)


def _routes(
    stacks: dict[int, list[Item]],
    links: set[tuple[str, str]],
    rank_of: dict[str, int],
    on_slides: set[str],
) -> _Routes:
    here = {i.id for stack in stacks.values() for i in stack}
    tops = {stack[0].id for stack in stacks.values() if stack}
    bottoms = {stack[-1].id for stack in stacks.values() if stack}
    top, bottom, outs, ins = [], [], [], []
    first, last = min(stacks), max(stacks)
    for a, b in sorted(links):
        if a in here and b in here:
            if rank_of[b] - rank_of[a] > 1:  # over or under the columns, fewer side-steps
                over = (a not in tops) + (b not in tops)
                under = (a not in bottoms) + (b not in bottoms)
                (bottom if under < over else top).append((a, b))
        elif a in here and b in on_slides and rank_of[b] > last:
            outs.append((a, b))
        elif b in here and a in on_slides and rank_of[a] < first:
            ins.append((a, b))
    return _Routes(top, bottom, outs, ins, tops, bottoms)


def _page(
    page: list[Item],
    ranks: range,
    links: set[tuple[str, str]],
    area: Rect,
    theme: Theme,
    rank_of: dict[str, int] | None = None,
    on_slides: set[str] | None = None,
) -> tuple[list[Box], list[Connector], list[Group]]:
    symbol_h = 3 * line_height(SYMBOL_FONT) + 10
    spacing = area.w / len(ranks)
    stacks: dict[int, list[Item]] = {r: [] for r in ranks}
    for item in page:
        stacks[item.rank].append(item)
    rank_of = rank_of or {i.id: i.rank for i in page}
    routes = _routes(stacks, links, rank_of, on_slides or set(rank_of))
    marker_h = line_height(FONT) + 6
    top_h = (marker_h + 4 if routes.outs or routes.ins else 0) + (
        STRIP * (routes.top_lanes + 1) if routes.top_lanes else 0
    )
    bottom_h = STRIP * (len(routes.skips_bottom) + 1) if routes.skips_bottom else 0
    # Unit columns' labels stand in one row along the bottom, under everything, so that no
    # link crosses them: one label per column of the page, naming its stacked layers in order.
    most = max(sum(1 for i in stack if i.kind == "units") for stack in stacks.values())
    label_h = max(most, 1) * 2 * line_height(FONT) + 4
    body = Rect(area.x, area.y + top_h, area.w, area.h - label_h - 6 - top_h - bottom_h)

    def slots(item: Item) -> int:
        return len(item.shown) + (1 if len(item.shown) < item.units else 0)

    # The unit step that lets the tallest column fit: units and symbols stacked.
    step = 22.0 * 1.45
    for stack in stacks.values():
        fixed = sum(8 if i.kind == "units" else symbol_h + 8 for i in stack)
        count = sum(slots(i) for i in stack if i.kind == "units")
        if count:
            step = min(step, max(4.0, (body.h - fixed) / count))
    unit = step / 1.45
    boxes: list[Box] = []
    groups: list[Group] = []
    placed: dict[str, list[tuple[str, Rect, str]]] = {}  # item -> its link ends
    for rank, stack in stacks.items():
        cx = area.x + spacing * (rank - ranks.start + 0.5)
        heights = [slots(i) * step + 8 if i.kind == "units" else symbol_h + 8 for i in stack]
        y = body.y + (body.h - sum(heights)) / 2
        for item, height in zip(stack, heights):
            if item.kind == "units":
                item_boxes, ends = _units(item, cx, y + 4, unit, step, theme)
            else:
                width = min(spacing * 0.8, 170.0)
                item_boxes, ends = _symbol(item, cx, y + 4, width, symbol_h, theme)
            boxes += item_boxes
            placed[item.id] = ends
            groups.append(
                Group(
                    id=f"layer {item.id}",
                    members=tuple(b.id for b in item_boxes),
                    alt_text=_describe(item),
                )
            )
            y += height
        labelled = [i for i in stack if i.kind == "units"]
        if labelled:
            boxes.append(_label(labelled, cx, area.bottom - label_h, spacing - 4, label_h))
    connectors = _links(page, links, placed, theme)
    color = DARK_EDGE if theme.dark_background else EDGE
    names = {i.id: i.node.name for i in page}
    long_boxes, long_links = _long_links(
        routes, placed, body, area, marker_h, color, names, spacing
    )
    return boxes + long_boxes, connectors + long_links, groups


def _long_links(
    routes: _Routes,
    placed: dict[str, list[tuple[str, Rect, str]]],
    body: Rect,
    area: Rect,
    marker_h: float,
    color: ColorRef,
    names: dict[str, str],
    spacing: float,
) -> tuple[list[Box], list[Connector]]:
    """One connector per link past a column (in a lane over or under the columns) and per link
    to or from another slide (to one of a marker pair, over the columns). A layer with others
    stacked over it (or under it) leaves from its side, down the gap after its column."""
    boxes: list[Box] = []
    connectors: list[Connector] = []
    side = [spacing * 0.18]  # the next side-step's distance from its column

    def leave(item: str, over: bool, lane: float) -> tuple[str, int, list[Point]]:
        unit_id, r, _ = placed[item][0 if over else -1]
        if item in (routes.tops if over else routes.bottoms):
            return unit_id, 0 if over else 4, [(r.cx, r.y if over else r.bottom), (r.cx, lane)]
        x = r.right + side[0]
        side[0] += 4
        return unit_id, 6, [(r.right, r.cy), (x, r.cy), (x, lane)]

    def arrive(item: str, over: bool, lane: float) -> tuple[str, int, list[Point]]:
        unit_id, r, _ = placed[item][0 if over else -1]
        if item in (routes.tops if over else routes.bottoms):
            return unit_id, 0 if over else 4, [(r.cx, lane), (r.cx, r.y if over else r.bottom)]
        x = r.x - side[0]
        side[0] += 4
        return unit_id, 2, [(x, lane), (x, r.cy), (r.x, r.cy)]

    def link(
        edge: tuple[str, str],
        source: str,
        s_site: int,
        target: str,
        t_site: int,
        points: list[Point],
    ) -> None:
        points = simplified(points)
        name = f"edge {source} -> {target}"
        while needs_cut(points):
            k = cut_segment(points, vertical=False)
            (x0, y0), (x1, y1) = points[k], points[k + 1]
            at = ((x0 + x1) / 2, (y0 + y1) / 2)
            dot = f"junction {edge[0]} > {edge[1]} {len(boxes)}"
            boxes.append(junction_box(dot, at, f"Continues from {names.get(edge[0], edge[0])}."))
            into, out, end, start = cut_sites(points[k], points[k + 1], at)
            part = [*points[: k + 1], end]
            connectors.append(_lane_link(name, source, s_site, dot, into, part, color, False))
            source, s_site, points = dot, out, [start, *points[k + 1 :]]
        connectors.append(_lane_link(name, source, s_site, target, t_site, points, color, True))

    lane = body.y
    for a, b in routes.skips_top:
        lane -= STRIP
        (sa, s_site, out), (sb, t_site, into) = leave(a, True, lane), arrive(b, True, lane)
        link((a, b), sa, s_site, sb, t_site, out + into)
    right, left = area.right, area.x
    for a, b in routes.outs:
        lane -= STRIP
        sa, s_site, out = leave(a, True, lane)
        marker = _marker("out", a, b, names.get(a, a), names.get(b, b), area.y, marker_h)
        marker = replace(marker, rect=Rect(right - marker.rect.w, area.y, marker.rect.w, marker_h))
        right -= marker.rect.w + 8
        boxes.append(marker)
        m = marker.rect
        link((a, b), sa, s_site, marker.id, 2, out + [(m.cx, lane), (m.cx, m.bottom)])
    for a, b in routes.ins:
        lane -= STRIP
        sb, t_site, into = arrive(b, True, lane)
        marker = _marker("in", a, b, names.get(a, a), names.get(b, b), area.y, marker_h)
        marker = replace(marker, rect=Rect(left, area.y, marker.rect.w, marker_h))
        left += marker.rect.w + 8
        boxes.append(marker)
        m = marker.rect
        link((a, b), marker.id, 2, sb, t_site, [(m.cx, m.bottom), (m.cx, lane), *into])
    lane = body.bottom
    for a, b in routes.skips_bottom:
        lane += STRIP
        (sa, s_site, out), (sb, t_site, into) = leave(a, False, lane), arrive(b, False, lane)
        link((a, b), sa, s_site, sb, t_site, out + into)
    return boxes, connectors


def _lane_link(
    name: str,
    source: str,
    s_site: int,
    target: str,
    t_site: int,
    points: list[Point],
    color: ColorRef,
    arrow: bool,
) -> Connector:
    return Connector(
        id=name,  # the parts of one link share it
        source=source,
        source_site=s_site,
        target=target,
        target_site=t_site,
        points=tuple(points),
        color=color,
        width=0.75,
        arrow=arrow,
        arrow_size="sm",
    )


def _marker(direction: str, a: str, b: str, a_name: str, b_name: str, y: float, h: float) -> Box:
    """One of the pair of markers of a link between slides, both labelled `a → b`."""
    label = shorten(f"{a_name} → {b_name}", 260, FONT)
    return Box(
        id=f"marker {direction} {a} > {b}",
        rect=Rect(0, y, text_width(label, FONT) + 12, h),
        paragraphs=(Paragraph((Run(label, FONT, italic=True, color=MUTED),)),),
        fill=ColorRef("bg1"),
        line=MUTED,
        dashed=True,
        rounding=0.5,
        pad_x=4.0,
        pad_y=1.0,
        alt_text=f"Continues on another slide: {label}.",
    )


def _describe(item: Item) -> str:
    node = item.node
    if item.kind == "units":
        return (
            f"{node.name}: {node.class_name} with {plural(item.units, 'unit')}"
            + "".join(f", then {n.name} ({n.class_name})" for n in item.folded)
            + "."
        )
    if item.run > 1:
        return f"{format_count(item.run)} more {node.class_name} layers like the ones around."
    return f"{node.name}: {node.class_name}, output {output_text(node)}."


def _label(items: list[Item], cx: float, top: float, width: float, height: float) -> Box:
    """The names and unit counts of a column's layers, top to bottom as they are stacked."""
    paragraphs = []
    for item in items:
        name, detail = _label_lines(item)
        paragraphs += [
            Paragraph((Run(shorten(name, width - 4, FONT, True), FONT, bold=True),)),
            Paragraph((Run(shorten(detail, width - 4, FONT), FONT, color=MUTED),)),
        ]
    return Box(
        id=f"label {items[0].id}",
        rect=Rect(cx - width / 2, top, width, height),
        paragraphs=tuple(paragraphs),
        geometry="rect",
        pad_x=0,
        pad_y=2,
        anchor="t",
        alt_text=" ".join(_describe(i) for i in items),
    )


def _units(
    item: Item, cx: float, top: float, unit: float, step: float, theme: Theme
) -> tuple[list[Box], list[tuple[str, Rect, str]]]:
    """A column of circles, with a "⋮" where units are left out."""
    node = item.node
    style = theme.category_style(node.category)
    boxes: list[Box] = []
    ends: list[tuple[str, Rect, str]] = []
    y = top
    for k, index in enumerate(item.shown):
        if k == 5 and len(item.shown) < item.units:  # the gap: "⋮"
            dots = Run("⋮", min(FONT, step * 0.8), bold=True, color=MUTED)
            boxes.append(
                Box(
                    id=f"more {item.id}",
                    rect=Rect(cx - unit / 2, y, unit, step),
                    paragraphs=(Paragraph((dots,)),),
                    geometry="rect",
                    pad_x=0,
                    pad_y=0,
                    alt_text=f"{item.units - len(item.shown)} more units of {node.name}",
                )
            )
            y += step
        unit_id = f"unit {item.id} {index}"
        rect = Rect(cx - unit / 2, y + (step - unit) / 2, unit, unit)
        boxes.append(
            Box(
                id=unit_id,
                rect=rect,
                geometry="ellipse",
                fill=style.fill,
                line=style.line,
                line_width=0.75,
                pad_x=0.0,  # no text: a small circle in a tall column has no room for insets
                pad_y=0.0,
                alt_text=f"Unit {index + 1} of {node.name}",
            )
        )
        ends.append((unit_id, rect, "ellipse"))
        y += step
    return boxes, ends


def _symbol(
    item: Item, cx: float, top: float, width: float, height: float, theme: Theme
) -> tuple[list[Box], list[tuple[str, Rect, str]]]:
    """One box for an operation that has no units of its own to draw."""
    node = item.node
    style = theme.category_style(node.category)
    lines = _symbol_lines(item)
    budget = width - 8
    rect = Rect(cx - width / 2, top, width, height)
    box = Box(
        id=f"op {item.id}",
        rect=rect,
        paragraphs=(
            Paragraph((Run(shorten(lines[0], budget, SYMBOL_FONT, True), SYMBOL_FONT, bold=True),)),
            Paragraph((Run(shorten(lines[1], budget, SYMBOL_FONT), SYMBOL_FONT),)),
            Paragraph((Run(shorten(lines[2], budget, SYMBOL_FONT), SYMBOL_FONT, color=MUTED),)),
        ),
        fill=style.fill,
        line=style.line,
        dashed=style.dashed,
        pad_x=4,
        pad_y=3,
        alt_text=(
            f"{format_count(item.run)} more {node.class_name} layers like the ones around."
            if item.run > 1
            else f"{node.name}: {node.class_name}, output {format_shape(node.output_shape)}."
            if node.output_shape
            else f"{node.name}: {node.class_name}."
        ),
    )
    return [box], [(box.id, rect, "roundRect")]


def _links(
    page: list[Item],
    links: set[tuple[str, str]],
    placed: dict[str, list[tuple[str, Rect, str]]],
    theme: Theme,
) -> list[Connector]:
    """Between neighbouring columns: every shown unit to every shown unit into a dense or
    recurrent layer; unit to unit into a merge (a concatenation's inputs each to their own
    units); one link per unit into or out of a "× N" box; otherwise one link."""
    kinds = {item.id: item for item in page}
    color = DARK_EDGE if theme.dark_background else EDGE
    connectors = []
    for source, target in sorted(links):
        if source not in placed or target not in placed:
            continue
        if kinds[target].rank - kinds[source].rank != 1:
            continue  # drawn in a lane (`_long_links`)
        starts, ends = placed[source], placed[target]
        target_item, source_item = kinds[target], kinds[source]
        dense = (
            target_item.kind == "units"
            and target_item.node.category in DENSE_INTO
            and source_item.kind == "units"
        )
        if dense or len(starts) == 1 or len(ends) == 1:
            pairs = [(a, b) for a in starts for b in ends]  # all to all, or a fan
        else:
            pairs = _unit_pairs(source_item, target_item, starts, ends)
        for (a_id, a, a_geo), (b_id, b, b_geo) in pairs:
            out_site, in_site = _RIGHT[a_geo], _LEFT[b_geo]
            connectors.append(
                Connector(
                    id=f"edge {a_id} -> {b_id}",
                    source=a_id,
                    source_site=out_site,
                    target=b_id,
                    target_site=in_site,
                    points=(
                        connection_site(a_geo, a, out_site),
                        connection_site(b_geo, b, in_site),
                    ),
                    color=color,
                    width=0.5 if dense else 0.75,
                    arrow_size="sm",
                )
            )
    return connectors


End = tuple[str, Rect, str]


def _unit_pairs(source: Item, target: Item, starts: list[End], ends: list[End]) -> list:
    """Unit i of the source to unit offset + i of the target, where both are shown; one link
    between the columns' middles when none are."""
    offset = target.offsets.get(source.id, 0)
    into = dict(zip(target.shown, ends))
    pairs = [(a, into[i + offset]) for i, a in zip(source.shown, starts) if i + offset in into]
    return pairs or [(starts[len(starts) // 2], ends[len(ends) // 2])]
