"""The architecture view: one box per layer with its name, class, shape and parameters,
glued connectors, a legend and the totals."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..builds import scene_steps
from ..fuse import fuse_chains, fused_edges
from ..geometry import Rect
from ..ir import Graph, Node
from ..layout import DENSITIES, Layout, Page, Style, Tensors, default_styles, layout_graph
from ..passes import block_key, collapse, fold_repeats, should_collapse
from ..repeats import graph_signature
from ..roles import container_role, describe, is_automatic_node, taught
from ..scene import Box, Connector, Diagram, Frame, SlideScene
from ..text import format_count
from ..theme import Theme
from .boxes import box_size, display_name, layer_box, merge_symbol, node_shape, run_name
from .common import describe_node
from .edge_labels import edge_labels, with_labels
from .legend import LEGEND_FONT, LegendMark, legend_and_caption, legend_height
from .placement import place_page


@dataclass(frozen=True)
class Marking:
    """How a diagram marks some of its boxes and connectors, and the legend entries saying
    so (a diff's added, changed and removed layers)."""

    box: Callable[[Node, Box], Box]
    connector: Callable[[Connector], Connector]
    legend: tuple[LegendMark, ...] = ()


def architecture_slides(
    graph: Graph,
    frame: Frame,
    theme: Theme,
    direction: str | None = None,
    collapse_mode: str = "auto",
    depth: int = 2,
    fonts: tuple[float, ...] = (),
    build: str = "none",
    marking: Marking | None = None,
) -> list[SlideScene]:
    """The architecture view. A big model gets an overview of its blocks and a drill-down
    slide per distinct block (a click on a block jumps there and back; blocks that draw the
    same share one); a smaller one has its repeated stretches folded (`fold_repeats`);
    nested models get drill-down slides too. `depth` 1 stops at the overview; 3 also opens
    what the blocks hold (nested models inside them), and so on. The deck has one style:
    if one slide draws layers with their normalization and activation, all do, and blocks
    of one family flow one way. With `fonts`, the view is a figure for print (see
    `diagram_slides`)."""
    if should_collapse(graph, collapse_mode):
        shown = collapse(graph)
    else:
        shown = fold_repeats(graph) if collapse_mode != "none" else graph
    opened = _drill_down_nodes(shown, depth - 1)
    details, same = _distinct(opened)
    openable = {id(n) for n in opened}
    label = "architecture overview" if details and shown is not graph else "architecture"
    overview_key = "architecture"
    fuse = collapse_mode != "none"  # --collapse none draws every layer as its own box

    def links(nodes: tuple[Node, ...]) -> dict[str, str]:
        return {n.id: _detail_key(same.get(id(n), n)) for n in nodes if id(n) in openable}

    plans = [_Plan(shown, f"{graph.name}: {label}", overview_key, links(shown.nodes))]
    for number, node in enumerate(details):
        nav = [("↑ overview", overview_key)]
        if number > 0:
            before = details[number - 1]
            nav.append((f"← {_title_of(before)}", _detail_key(before)))
        if number + 1 < len(details):
            after = details[number + 1]
            nav.append((f"{_title_of(after)} →", _detail_key(after)))
        repeat = f" (×{node.repeat})" if node.repeat > 1 else ""
        plans.append(
            _Plan(
                node.inner,
                f"{graph.name}: {_title_of(node)}{repeat}{_what(node)}",
                _detail_key(node),
                links(node.inner.nodes),
                nav,
                node,
                _prefix(node),
            )
        )
    marks = marking.legend if marking else ()
    drawings = _deck_drawings(plans, frame, direction, fonts, marks, fuse)
    slides = []
    for plan, drawing in zip(plans, drawings, strict=True):
        slides += diagram_slides(
            plan.graph,
            frame,
            theme,
            direction,
            plan.title,
            plan.key,
            links=plan.links,
            nav=plan.nav,
            about=plan.about,
            prefix=plan.prefix,
            fuse=fuse,
            fonts=fonts,
            build=build,
            marking=marking,
            drawing=drawing,
        )
    return slides


@dataclass(frozen=True)
class _Plan:
    """One diagram of the architecture view, before it is laid out."""

    graph: Graph
    title: str
    key: str
    links: dict[str, str]
    nav: list[tuple[str, str]] | None = None
    about: Node | None = None
    prefix: str = ""


def _distinct(nodes: list[Node]) -> tuple[list[Node], dict[int, Node]]:
    """The nodes whose insides draw differently, and for every other one the node whose
    slide it shares, by object (two blocks with one signature are one drawing)."""
    first: dict[tuple, Node] = {}
    kept, same = [], {}
    for node in nodes:
        key = graph_signature(node.inner)
        if key in first:
            same[id(node)] = first[key]
        else:
            first[key] = node
            kept.append(node)
    return kept, same


def _deck_drawings(
    plans: list[_Plan],
    frame: Frame,
    direction: str | None,
    fonts: tuple[float, ...],
    marks: tuple[LegendMark, ...],
    fuse: bool,
) -> list[tuple[Graph, Layout]]:
    """What each diagram draws and its layout, in one style for the deck: if any diagram
    draws layers with their normalization and activation, every diagram that can does; the
    drill-downs of blocks of one family (`families`) flow in one direction, the one most
    of them take."""
    sizings = [
        _Sizing(frame, direction, fonts, caption=p.about is None or not fonts, marks=marks)
        for p in plans
    ]
    drawings = [
        _drawn_graph(p.graph, lay, p.prefix, fuse) for p, lay in zip(plans, sizings, strict=True)
    ]
    if any(drawn is not p.graph for p, (drawn, _) in zip(plans, drawings, strict=True)):
        for i, (plan, lay) in enumerate(zip(plans, sizings, strict=True)):
            if drawings[i][0] is plan.graph:
                fused = fuse_chains(plan.graph)
                if fused is not plan.graph:
                    drawings[i] = (fused, lay.layout(fused, _names(fused, plan.prefix)))
    if direction is None and not fonts:
        details = [i for i, plan in enumerate(plans) if plan.about is not None]
        for family in families([plans[i].graph for i in details]):
            members = [details[k] for k in family]
            flows = Counter(drawings[i][1].direction for i in members)
            flow = max(flows, key=lambda d: (flows[d], -_first(members, drawings, d)))
            for i in members:
                drawn, layout = drawings[i]
                if layout.direction != flow:
                    forced = replace(sizings[i], direction=flow)
                    turned = forced.layout(drawn, _names(drawn, plans[i].prefix))
                    cut = len(turned.pages) > len(layout.pages) or layout.whole > turned.whole
                    if not cut:  # never cut a drawing to turn it
                        drawings[i] = (drawn, turned)
            _one_density(members, plans, sizings, drawings)
        _columns_as_taught(plans, sizings, drawings)
    return drawings


def _columns_as_taught(
    plans: list[_Plan], sizings: list[_Sizing], drawings: list[tuple[Graph, Layout]]
) -> None:
    """Transformer layers drawn as the column every lecture draws (norm, sublayer, add down
    the slide, residuals at the side) wherever that keeps the drawing on as few pages,
    whole."""
    for i, plan in enumerate(plans):
        drawn, layout = drawings[i]
        if plan.about is None or layout.direction == "TB" or describe(plan.graph) != LAYER:
            continue
        column = replace(sizings[i], direction="TB").layout(drawn, _names(drawn, plan.prefix))
        if len(column.pages) <= len(layout.pages) and column.whole >= layout.whole:
            drawings[i] = (drawn, column)


def _one_density(
    members: list[int],
    plans: list[_Plan],
    sizings: list[_Sizing],
    drawings: list[tuple[Graph, Layout]],
) -> None:
    """The drill-downs of one family labelled at one density: the one most of them take
    (ties: the fuller), wherever it keeps a drawing on as few pages, whole."""
    counts = Counter(drawings[i][1].style.density for i in members)
    density = max(counts, key=lambda d: (counts[d], -DENSITIES.index(d)))
    for i in members:
        drawn, layout = drawings[i]
        if layout.style.density == density:
            continue
        forced = replace(sizings[i], direction=layout.direction, density=density)
        relabelled = forced.layout(drawn, _names(drawn, plans[i].prefix))
        cut = len(relabelled.pages) > len(layout.pages) or layout.whole > relabelled.whole
        if not cut:
            drawings[i] = (drawn, relabelled)


def _first(members: list[int], drawings: list[tuple[Graph, Layout]], flow: str) -> int:
    return next(i for i in members if drawings[i][1].direction == flow)


#: What `roles.describe` calls a Transformer layer.
LAYER = "Transformer layer"

#: Two blocks are of one family when this share of their operations is common to both.
FAMILY = 0.85


def families(graphs: list[Graph]) -> list[list[int]]:
    """Groups of the graphs (by index) whose blocks are of one family: linked by pairs
    sharing FAMILY of their operations, counted (a NASNet normal cell and the one that
    first adjusts its inputs' widths; Inception's 17×17 modules)."""
    ops = [Counter(n.op for n in g.nodes if n.op != "context") for g in graphs]
    parent = list(range(len(graphs)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, a in enumerate(ops):
        for j in range(i):
            union = sum((a | ops[j]).values())
            if union and sum((a & ops[j]).values()) >= FAMILY * union:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(graphs)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _names(graph: Graph, prefix: str) -> dict[str, str]:
    return {n.id: display_name(n, prefix) for n in graph.nodes}


def _title_of(node: Node) -> str:
    """A drill-down's name in its title and buttons: the block's name, or what it is when its
    layers' names are all automatic ('Transformer layer', not 'dense … add_7')."""
    return container_role(node) if is_automatic_node(node) else run_name(node.name)


def _what(node: Node) -> str:
    """' — masked multi-head attention' after the title of an attention's or a mixture of
    experts' drill-down when its name does not say which (`roles.attention_kind`)."""
    if node.inner is None or not taught(node.inner) or is_automatic_node(node):
        return ""
    what = container_role(node)
    said = set(re.findall(r"[a-z0-9]+", _title_of(node).lower()))
    if set(re.findall(r"[a-z0-9]+", what.lower())) <= said:
        return ""
    return f" — {what}"


def _drill_down_nodes(graph: Graph, levels: int) -> list[Node]:
    """Nodes with an inside (blocks, nested models), `levels` deep, in reading order; one
    level further, the attention and the mixtures of experts inside the last level (what a
    lecture on a Transformer explains next)."""
    if levels <= 0:
        return []
    found = []
    for node in graph.nodes:
        if node.inner is not None and node.inner.nodes:
            found.append(node)
            if _stack(node.inner):  # a stack of layers: opening it takes no level
                found += _drill_down_nodes(node.inner, levels)
            elif levels > 1:
                found += _drill_down_nodes(node.inner, levels - 1)
            else:
                found += [n for n in node.inner.nodes if n.inner is not None and taught(n.inner)]
    return found


def _stack(graph: Graph) -> bool:
    """Whether a graph is mostly a stack of layers with insides of their own (a Transformer
    encoder, a stage of Swin blocks): two or more of one kind (by `roles.describe`), the
    containers holding nearly all its parameters."""
    containers = [n for n in graph.nodes if n.inner is not None and n.inner.nodes]
    kinds = Counter(container_role(n) for n in containers)
    total = sum(n.params for n in graph.nodes)
    alike = max(kinds.values(), default=0) >= 2
    return alike and sum(n.params for n in containers) >= 0.9 * total > 0


def _detail_key(node: Node) -> str:
    return f"architecture:{node.id}"


def _prefix(node: Node) -> str:
    """The name prefix the layers of a block share (shown once, in the slide's title)."""
    if node.category != "block":
        return ""
    members = (
        [n.name for n in node.inner.nodes if not n.id.startswith("from:")] if node.inner else []
    )
    prefix = node.name.split(" … ")[0]
    return prefix if members and all(m.startswith(prefix) for m in members) else ""


def _symbols(graph: Graph) -> list[tuple[str, str]]:
    """The merge symbols a diagram of `graph` draws, as legend entries (preset, name)."""
    found = dict.fromkeys(merge_symbol(n) for n in graph.nodes)
    return [(preset, name) for preset, _, name in (s for s in found if s is not None)]


def _categories(graph: Graph) -> list[str]:
    """Legend categories: merges drawn as symbols have their own legend entries."""
    shown = graph.categories()
    if "merge" in shown and all(merge_symbol(n) for n in graph.nodes if n.category == "merge"):
        shown.remove("merge")
    return shown


def diagram_slides(
    graph: Graph,
    frame: Frame,
    theme: Theme,
    direction: str | None,
    title: str,
    key: str,
    *,
    links: dict[str, str] | None = None,
    nav: list[tuple[str, str]] | None = None,
    about: Node | None = None,
    prefix: str = "",
    fuse: bool = True,
    fonts: tuple[float, ...] = (),
    build: str = "none",
    marking: Marking | None = None,
    drawing: tuple[Graph, Layout] | None = None,
) -> list[SlideScene]:
    """Slides of one layer graph: boxes, connectors, legend and the totals or navigation.
    Inside a block, names lose the block's `prefix` (the title carries it); with `fuse`, a
    graph too big for its slide may draw layers with their normalization and activation;
    `build` reveals it click by click; `marking` restyles boxes and connectors (a diff);
    `drawing` is the graph drawn and its layout when the deck decided them.

    With `fonts` (sizes in points, largest first) the diagram is a figure for print: its text
    takes one of those sizes, the frame's content width is the printed width, and the frame
    is as tall as the drawing (at most the content's height); the band has no navigation,
    and the totals only on the overview."""
    if fonts:
        nav = None
    marks = marking.legend if marking else ()
    lay = _Sizing(frame, direction, fonts, caption=about is None or not fonts, marks=marks)
    drawn, layout = drawing or _drawn_graph(graph, lay, prefix, fuse)
    symbols, shown = _symbols(drawn), _categories(drawn)
    legend_font = min(layout.font_size, LEGEND_FONT) if fonts else LEGEND_FONT
    band = legend_height(drawn, frame, shown, symbols, legend_font, lay.caption, marks)
    if fonts:  # a figure is as tall as its drawing
        tallest = max(page.height for page in layout.pages)
        frame = replace(frame, content=replace(frame.content, h=tallest + band))
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - band)
    names = {n.id: display_name(n, prefix) for n in drawn.nodes}
    slides = []
    total = len(layout.pages)
    links = links or {}
    for number, page in enumerate(layout.pages, start=1):

        def make_box(node: Node, rect: Rect) -> Box:
            box = layer_box(node, rect, layout.style, theme, names[node.id])
            box = replace(box, link=links.get(node.id))
            return marking.box(node, box) if marking else box

        boxes, connectors = place_page(drawn, page, area, layout.font_size, make_box)
        if fonts:  # thin lines and small heads beside print-sized text
            connectors = [replace(c, width=PRINT_LINE, arrow_size="sm") for c in connectors]
        if marking:
            connectors = [marking.connector(c) for c in connectors]
        boxes += legend_and_caption(
            drawn,
            frame,
            theme,
            band,
            nav=nav,
            shown=shown,
            symbols=symbols,
            font=legend_font,
            caption=lay.caption,
            marks=marks,
        )
        labels = edge_labels(drawn, boxes, connectors, frame.content, layout.font_size)
        steps = with_labels(scene_steps(drawn, boxes, connectors, build), labels)
        boxes += labels
        slides.append(
            SlideScene(
                title=title + (f" ({number}/{total})" if total > 1 else ""),
                boxes=tuple(boxes),
                connectors=tuple(connectors),
                notes=_architecture_notes(graph, drawn, page, number, total, about),
                key=key if number == 1 else f"{key}:{number}",
                steps=steps,
                diagram=Diagram(drawn, layout.style.font, layout.style.density, total == 1, prefix),
            )
        )
    return slides


READABLE = 12.0  # points: boxes below this size are worth drawing with fewer boxes
LARGE = 15.0  # ... and at this size every layer is drawn whatever fewer boxes would gain
FUSED_GAIN = 3.0  # readability (layout.Layout.score) BN and activation inside their layer must win
#: A printed diagram's heights tried, in multiples of its width: the shortest at which it
#: lays out whole (one page, nothing cut) is the figure's.
PRINT_HEIGHTS = (0.75, 1.0, 1.5, 2.0, 3.0)
PRINT_LINE = 0.75  # points: a printed diagram's connectors


@dataclass(frozen=True)
class _Sizing:
    """How a diagram is laid out: on a slide's frame, or (with `fonts`) for print."""

    frame: Frame
    direction: str | None
    fonts: tuple[float, ...] = ()
    caption: bool = True
    marks: tuple[LegendMark, ...] = ()  # legend entries besides categories and symbols
    density: str | None = None  # on a slide: the label density every style tried has

    def layout(self, graph: Graph, names: dict[str, str]) -> Layout:
        """The layout of `graph` (boxes showing `names`). In print: the shortest of
        PRINT_HEIGHTS at which it lays out whole within the width, tried from the tallest
        down (too narrow a width gives a drawing wider than the frame)."""
        if not self.fonts:
            shown, symbols = _categories(graph), _symbols(graph)
            band = legend_height(graph, self.frame, shown, symbols, marks=self.marks)
            return layout_for(graph, self.frame, self.direction, names, band, self.density)
        best = self._within(graph, names, None)
        if not best.whole or not self.fits(best):
            return best
        for k in sorted(PRINT_HEIGHTS, reverse=True):
            height = k * self.frame.content.w
            if height >= _height(best):
                continue
            layout = self._within(graph, names, height)
            if not layout.whole or not self.fits(layout):
                break
            best = layout
        return best

    def _within(self, graph: Graph, names: dict[str, str], height: float | None) -> Layout:
        """In print, the layout at most `height` tall (None: the content's height), never
        narrower than the widest box at its narrowest."""
        styles = [Style(f, d) for d in DENSITIES for f in self.fonts]
        font = min(self.fonts[0], LEGEND_FONT)
        shown, symbols = _categories(graph), _symbols(graph)
        band = legend_height(graph, self.frame, shown, symbols, font, self.caption, self.marks)
        content = self.frame.content
        widest = max(
            (
                min(box_size(node, Style(self.fonts[-1], d), names[node.id])[0] for d in DENSITIES)
                for node in graph.nodes
            ),
            default=0.0,
        )
        tall = content.h - band if height is None else height
        area = Rect(content.x, content.y, max(content.w, widest), tall + band)
        frame = replace(self.frame, content=area)
        return layout_for(graph, frame, self.direction, names, band, styles=styles)

    def fits(self, layout: Layout) -> bool:
        """Whether every page fits the frame's content width (always on a slide)."""
        width = self.frame.content.w
        return not self.fonts or all(p.width <= width + 0.01 for p in layout.pages)

    def good(self, layout: Layout) -> bool:
        """Whether every layer is drawn well enough not to try fusing them: whole, at a
        readable size (in print: the largest size, full labels)."""
        if not self.fonts:
            return layout.whole and layout.font_size >= LARGE
        full = layout.style.density == "full"
        return layout.whole and self.fits(layout) and layout.font_size >= self.fonts[0] and full

    def better(self, fused: Layout, layout: Layout) -> bool:
        """Whether the fused graph's layout beats the one with every layer: on a slide when
        its font is clearly larger; in print (where papers draw a layer with its
        normalization and activation) when it fits as well and is shorter, or as short with
        text as large."""
        if not self.fonts:
            gain = FUSED_GAIN if layout.font_size >= READABLE else 1.0
            return (fused.whole, fused.score) >= (layout.whole, layout.score + gain)
        return (self.fits(fused), fused.whole, -_height(fused), fused.font_size) >= (
            self.fits(layout),
            layout.whole,
            -_height(layout),
            layout.font_size,
        )


def _height(layout: Layout) -> float:
    return sum(p.height for p in layout.pages)


def _drawn_graph(graph: Graph, lay: _Sizing, prefix: str, fuse: bool) -> tuple[Graph, Layout]:
    """The graph a diagram draws and its layout: every layer, or each layer with the batch
    normalization and activation around it in one box (as papers draw Inception and ResNet
    modules) when that is what fits the slide whole, or reads clearly larger."""
    names = {n.id: display_name(n, prefix) for n in graph.nodes}
    layout = lay.layout(graph, names)
    if not fuse or lay.good(layout):
        return graph, layout
    fused = fuse_chains(graph)
    if fused is graph:
        return graph, layout
    fused_layout = lay.layout(fused, {n.id: names[n.id] for n in fused.nodes})
    return (fused, fused_layout) if lay.better(fused_layout, layout) else (graph, layout)


def layout_for(
    graph: Graph,
    frame: Frame,
    direction: str | None = None,
    names: dict[str, str] | None = None,
    band: float | None = None,
    density: str | None = None,
    styles: list[Style] | None = None,
) -> Layout:
    """The layout the architecture slides use (figures reuse it); `density` keeps the slide's
    styles of that label density only; `styles` replace the slide's font sizes and
    densities. On a slide, a column never breaks between a layer and the normalization and
    activation drawn fused elsewhere in the deck; a printed figure, as narrow as a paper's
    column, may."""
    nodes = graph.by_id
    names = names or {n.id: n.name for n in graph.nodes}
    if band is None:
        band = legend_height(graph, frame, _categories(graph), _symbols(graph))
    return layout_graph(
        [n.id for n in graph.nodes],
        [(e.source, e.target) for e in graph.edges],
        lambda node_id, style: box_size(nodes[node_id], style, names[node_id]),
        (frame.content.w, frame.content.h - band),
        direction=direction,
        labels=names,
        shapes={n.id: node_shape(n) for n in graph.nodes},
        styles=styles or _of_density(density, len(graph.nodes)),
        tensors=Tensors.of(graph),
        together=fused_edges(graph) if styles is None else (),
    )


def _of_density(density: str | None, count: int) -> list[Style] | None:
    """The slide's styles of one label density (None: all of them, the chooser's choice)."""
    if density is None:
        return None
    return [s for s in default_styles(count) if s.density == density] or None


def _architecture_notes(
    graph: Graph, drawn: Graph, page: Page, number: int, total: int, about: Node | None
) -> str:
    """A sentence per layer on the page (every layer of a box drawn for several)."""
    by_name = {n.name: n for n in graph.nodes}
    nodes = []
    for box in page.boxes:
        if box.kind == "node":
            node = drawn.node(box.id)
            nodes += [by_name.get(m, node) for m in node.members] if node.fused else [node]
    part = f", part {number} of {total}" if total > 1 else ""
    if about is None:
        intro = f"Architecture of {graph.name}{part}: {len(nodes)} boxes in data-flow order." + (
            " Click a block to see its layers." if any(n.inner for n in nodes) else ""
        )
    else:
        repeat = (
            f" It is repeated {about.repeat} times ({', '.join(_repetitions(about))}); "
            "this slide shows the first, the others have the same layers and wiring."
            if about.repeat > 1
            else ""
        )
        intro = (
            f"Inside {about.name}{part}: {about.inner_layers} layers, "
            f"{format_count(about.params)} parameters in all.{repeat} "
            "The boxes marked 'from' are the layers feeding it."
            + (
                " Each layer is drawn with the batch normalization and activation after it."
                if drawn is not graph
                else ""
            )
        )
    return "\n".join([intro, *(describe_node(n) for n in nodes)])


def _repetitions(node: Node) -> list[str]:
    """The names of a folded run's repetitions: a repeated layer's own, a block's by the
    block its layers' names give."""
    if node.op != "block":
        return list(node.members) if len(node.members) == node.repeat else [node.name]
    names = list(dict.fromkeys(block_key(m) or m for m in node.members))
    return names if len(names) == node.repeat else [node.name]
