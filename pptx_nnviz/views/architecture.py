"""The architecture view: one box per layer with its name, class, shape and parameters,
glued connectors, a legend and the totals."""

from __future__ import annotations

from ..geometry import Rect
from ..ir import Graph, Node
from ..layout import Layout, Page, layout_graph
from ..scene import Box, Frame, SlideScene
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
    graph: Graph, frame: Frame, theme: Theme, direction: str | None = None
) -> list[SlideScene]:
    """The architecture view: one slide, or several when the model does not fit one."""
    band = legend_height(graph, frame)
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - band)
    layout = layout_for(graph, frame, direction)
    slides = []
    total = len(layout.pages)
    for number, page in enumerate(layout.pages, start=1):
        title = f"{graph.name}: architecture" + (f" ({number}/{total})" if total > 1 else "")

        def make_box(node: Node, rect: Rect) -> Box:
            return layer_box(node, rect, layout.font_size, layout.compact, theme)

        boxes, connectors = place_page(graph, page, area, layout.font_size, make_box)
        boxes += legend_and_caption(graph, frame, theme, band)
        slides.append(
            SlideScene(
                title=title,
                boxes=tuple(boxes),
                connectors=tuple(connectors),
                notes=_architecture_notes(graph, page, number, total),
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


def _architecture_notes(graph: Graph, page: Page, number: int, total: int) -> str:
    nodes = [graph.node(b.id) for b in page.boxes if b.kind == "node"]
    intro = (
        f"Architecture of {graph.name}"
        + (f", part {number} of {total}" if total > 1 else "")
        + f": {len(nodes)} layers, top to bottom / left to right in data-flow order."
    )
    return "\n".join([intro, *(describe_node(n) for n in nodes)])
