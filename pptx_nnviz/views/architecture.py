"""The architecture view: one box per layer with its name, class, shape and parameters,
glued connectors, a legend and the totals."""

from __future__ import annotations

from dataclasses import replace

from ..geometry import Rect
from ..ir import Graph, Node
from ..layout import Layout, Page, layout_graph
from ..passes import block_key, collapse, should_collapse
from ..scene import Box, Frame, SlideScene
from ..text import format_count
from ..theme import Theme
from .common import (
    box_size,
    describe_node,
    layer_box,
    legend_and_caption,
    legend_height,
    place_page,
)


def architecture_slides(
    graph: Graph,
    frame: Frame,
    theme: Theme,
    direction: str | None = None,
    collapse_mode: str = "auto",
    depth: int = 2,
) -> list[SlideScene]:
    """The architecture view. A big model gets an overview of its blocks and a drill-down
    slide per distinct block (a click on a block jumps there and back); nested models get
    drill-down slides too. `depth` 1 stops at the overview; 3 also opens what the blocks
    hold (nested models inside them), and so on."""
    shown = collapse(graph) if should_collapse(graph, collapse_mode) else graph
    details = _drill_down_nodes(shown, depth - 1)
    label = "architecture overview" if details and shown is not graph else "architecture"
    overview_key = "architecture"
    slides = diagram_slides(
        shown,
        frame,
        theme,
        direction,
        f"{graph.name}: {label}",
        overview_key,
        links={n.id: _detail_key(n) for n in details},
    )
    for number, node in enumerate(details):
        nav = [("↑ overview", overview_key)]
        if number > 0:
            nav.append((f"← {details[number - 1].name}", _detail_key(details[number - 1])))
        if number + 1 < len(details):
            nav.append((f"{details[number + 1].name} →", _detail_key(details[number + 1])))
        repeat = f" (×{node.repeat})" if node.repeat > 1 else ""
        inner_links = {n.id: _detail_key(n) for n in node.inner.nodes if n in details}
        slides += diagram_slides(
            node.inner,
            frame,
            theme,
            direction,
            f"{graph.name}: {node.name}{repeat}",
            _detail_key(node),
            nav=nav,
            about=node,
            links=inner_links,
        )
    return slides


def _drill_down_nodes(graph: Graph, levels: int) -> list[Node]:
    """Nodes with an inside (blocks, nested models), `levels` deep, in reading order."""
    if levels <= 0:
        return []
    found = []
    for node in graph.nodes:
        if node.inner is not None and node.inner.nodes:
            found.append(node)
            found += _drill_down_nodes(node.inner, levels - 1)
    return found


def _detail_key(node: Node) -> str:
    return f"architecture:{node.id}"


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
) -> list[SlideScene]:
    """Slides of one layer graph: boxes, connectors, legend and the totals or navigation."""
    band = legend_height(graph, frame)
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - band)
    layout = layout_for(graph, frame, direction)
    slides = []
    total = len(layout.pages)
    links = links or {}
    for number, page in enumerate(layout.pages, start=1):

        def make_box(node: Node, rect: Rect) -> Box:
            box = layer_box(node, rect, layout.font_size, layout.compact, theme)
            return replace(box, link=links.get(node.id))

        boxes, connectors = place_page(graph, page, area, layout.font_size, make_box)
        boxes += legend_and_caption(graph, frame, theme, band, nav=nav)
        slides.append(
            SlideScene(
                title=title + (f" ({number}/{total})" if total > 1 else ""),
                boxes=tuple(boxes),
                connectors=tuple(connectors),
                notes=_architecture_notes(graph, page, number, total, about),
                key=key if number == 1 else f"{key}:{number}",
            )
        )
    return slides


def layout_for(graph: Graph, frame: Frame, direction: str | None = None) -> Layout:
    """The layout the architecture slides use (figures reuse it)."""
    nodes = graph.by_id
    return layout_graph(
        [n.id for n in graph.nodes],
        [(e.source, e.target) for e in graph.edges],
        lambda node_id, size, compact: box_size(nodes[node_id], size, compact),
        (frame.content.w, frame.content.h - legend_height(graph, frame)),
        direction=direction,
        labels={n.id: n.name for n in graph.nodes},
    )


def _architecture_notes(
    graph: Graph, page: Page, number: int, total: int, about: Node | None
) -> str:
    nodes = [graph.node(b.id) for b in page.boxes if b.kind == "node"]
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
        )
    return "\n".join([intro, *(describe_node(n) for n in nodes)])


def _repetitions(node: Node) -> list[str]:
    names = list(dict.fromkeys(block_key(m) or m for m in node.members))
    return names if len(names) == node.repeat else [node.name]
