"""The neuron view (replaces ann_visualizer): units and their connections where a layer really
is dense, and one labelled symbol for every other operation.

- A column of circles for the units of a vector: an input vector, the entry of a dense head
  (Flatten, global pooling), Dense, Embedding and recurrent outputs. Wide layers show their
  first and last units around a "⋮" and say how many there are.
- Full connections (every shown unit to every shown unit) only into Dense and recurrent
  layers, which really connect every input to every unit.
- Convolutions, pooling, merges, reshapes, nested models and other ops: one labelled box per
  layer between the columns, with one link per unit (sparse), as ann_visualizer draws a Conv.
- Activation, dropout and normalization work unit by unit: folded into the layer before.
- Layers are placed in columns by depth, so branches and several inputs stand side by side
  (stacked in one column) and join where they merge. A run of identical layers is drawn as its
  first and last with one "× N" box between, which keeps a 10,000-layer chain small.
- Models with convolutions, attention or nested models show their dense head only (from the
  last Flatten or global pooling to the outputs); an MLP shows all of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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
from ..text import format_count, format_shape, line_height, shorten
from ..theme import ColorRef, Theme
from .common import _hint, legend_and_caption, legend_height, output_text, plural

UNITWISE = frozenset({"activation", "dropout", "normalization"})  # no new units
SKIPPED = UNITWISE  # (the name the tests know)
UNIT_LAYERS = frozenset({"dense", "embedding", "recurrent"})  # layers drawn as units
DENSE_INTO = frozenset({"dense", "recurrent"})  # connected to every unit of their input
NOT_MLP = frozenset({"conv", "pooling", "attention", "model", "block", "other"})
MAX_PAGES = 4  # a longer model shows its first three and its last neuron slide
MAX_UNITS = 10  # shown per layer: the first 5 and the last 4 around a "⋮"
MAX_COLUMNS = 9  # per slide; longer models continue on further slides
MIN_RUN = 4  # identical layers in a row drawn as first, "× N", last
FONT = 10.0
SYMBOL_FONT = 10.0
EDGE = ColorRef("tx1", 0.6)  # many thin lines: faint on a light background ...
DARK_EDGE = ColorRef("tx1", -0.55)  # ... and on a dark one
_RIGHT = {"ellipse": 6, "roundRect": 3}
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

    @property
    def shown(self) -> tuple[int, ...]:
        if self.units <= MAX_UNITS:
            return tuple(range(self.units))
        return (*range(5), *range(self.units - 4, self.units))


def is_mlp(graph: Graph) -> bool:
    """No convolution, pooling, attention, nested model or unknown op: every layer is drawn."""
    return not any(n.category in NOT_MLP for n in graph.nodes)


def dense_head(graph: Graph) -> list[Node]:
    """The layers after the last one whose output is not a vector (from the last Flatten or
    global pooling to the outputs); empty if the model ends on feature maps."""
    last = -1
    for i, node in enumerate(graph.nodes):
        if any(len(s) > 2 for s in node.output_shapes) or not node.output_shapes:
            last = i
    return list(graph.nodes[last + 1 :])


def neuron_items(graph: Graph, nodes: list[Node]) -> tuple[list[Item], set[tuple[str, str]]]:
    """The items drawn for `nodes` (in order) and the links between them."""
    chosen = {n.id for n in nodes}
    owner: dict[str, Item] = {}
    items: list[Item] = []
    for node in nodes:
        inside = [p for p in graph.predecessors(node.id) if p in chosen]
        if node.category in UNITWISE and len(inside) == 1:
            owner[node.id] = owner[inside[0]]
            owner[node.id].folded.append(node)
            continue
        shape = node.output_shape or ()
        vector = len(shape) == 2 or (node.category in UNIT_LAYERS and len(shape) >= 2)
        entry = not inside and vector
        kind = "units" if vector and (node.category in UNIT_LAYERS or entry) else "symbol"
        if node.category == "input" and len(shape) == 2:
            kind = "units"
        units = shape[-1] if kind == "units" and shape and shape[-1] else 1
        item = Item(id=node.id, node=node, kind=kind, units=units)
        owner[node.id] = item
        items.append(item)
    links: set[tuple[str, str]] = set()
    for node in nodes:
        for successor in graph.successors(node.id):
            if successor in chosen and owner[node.id] is not owner[successor]:
                links.add((owner[node.id].id, owner[successor].id))
    return _fold_runs(items, links)


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
    whole = is_mlp(graph)
    head = [] if whole else dense_head(graph)
    nodes = list(graph.nodes) if whole or not head else head
    items, links = neuron_items(graph, nodes)
    if not items:
        return []
    columns = _rank(items, links)
    drawn = [n.category for item in items for n in (item.node, *item.folded)]
    shown = [c for c in CATEGORIES if c in drawn]
    band = legend_height(graph, frame, shown)
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - band)
    what = "neurons" if whole or not head else "neurons of the dense head"
    pages = _page_ranges(columns)
    omitted = 0
    if len(pages) > MAX_PAGES:  # the start and the end of a very long model tell its pattern
        kept = pages[: MAX_PAGES - 1] + pages[-1:]
        omitted = sum(len(r) for r in pages) - sum(len(r) for r in kept)
        pages = kept
    slides = []
    for number, ranks in enumerate(pages, start=1):
        page = [item for item in items if item.rank in ranks]
        boxes, connectors, groups = _page(page, ranks, links, area, theme)
        boxes += legend_and_caption(graph, frame, theme, band, shown=shown)
        slides.append(
            SlideScene(
                title=f"{graph.name}: {what}"
                + (f" ({number}/{len(pages)})" if len(pages) > 1 else ""),
                boxes=tuple(boxes),
                connectors=tuple(connectors),
                groups=tuple(groups),
                notes=_notes(graph, page, whole or not head, number, len(pages))
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


def _notes(graph: Graph, page: list[Item], whole: bool, number: int, pages: int) -> str:
    lines = [
        (f"Neuron view of {graph.name}" if whole else f"Neuron view of {graph.name}'s dense head")
        + (f", part {number} of {pages}" if pages > 1 else "")
        + ": circles are a layer's units; Dense and recurrent layers are connected to every "
        "unit of their input; every other operation is one box. Activation, dropout and "
        "normalization work unit by unit, so they are folded into the layer before them."
        + (
            ""
            if whole
            else " Only the layers after the last feature map are drawn: the rest of the "
            "model is on the architecture slides."
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
    if node.category not in UNIT_LAYERS and node.category != "input":
        detail = f"{node.class_name} · {detail}"
    return node.name, detail


def _page(
    page: list[Item], ranks: range, links: set[tuple[str, str]], area: Rect, theme: Theme
) -> tuple[list[Box], list[Connector], list[Group]]:
    symbol_h = 3 * line_height(SYMBOL_FONT) + 10
    spacing = area.w / len(ranks)
    stacks: dict[int, list[Item]] = {r: [] for r in ranks}
    for item in page:
        stacks[item.rank].append(item)
    # Unit columns' labels stand in one row along the bottom, under everything, so that no
    # link crosses them: one label per column of the page, naming its stacked layers in order.
    most = max(sum(1 for i in stack if i.kind == "units") for stack in stacks.values())
    label_h = max(most, 1) * 2 * line_height(FONT) + 4
    body = Rect(area.x, area.y, area.w, area.h - label_h - 6)

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
    return boxes, _links(page, links, placed, theme), groups


def _describe(item: Item) -> str:
    node = item.node
    if item.kind == "units":
        return (
            f"{node.name}: {node.class_name} with {plural(item.units, 'unit')}"
            + "".join(f", then {n.class_name}" for n in item.folded)
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
    """Every shown unit to every shown unit into a dense layer; one link per unit otherwise."""
    kinds = {item.id: item for item in page}
    color = DARK_EDGE if theme.dark_background else EDGE
    connectors = []
    for source, target in sorted(links):
        if source not in placed or target not in placed:
            continue
        starts, ends = placed[source], placed[target]
        target_item = kinds[target]
        dense = (
            target_item.kind == "units"
            and target_item.node.category in DENSE_INTO
            and kinds[source].kind == "units"
        )
        if dense:
            pairs = [(a, b) for a in starts for b in ends]
        elif len(starts) == 1 or len(ends) == 1:
            pairs = [(a, b) for a in starts for b in ends]  # a fan: one link per unit
        elif len(starts) == len(ends):  # unit to unit, one to one (element-wise)
            pairs = list(zip(starts, ends))
        else:  # e.g. tokens to an embedding: one link between the columns' middles
            pairs = [(starts[len(starts) // 2], ends[len(ends) // 2])]
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
