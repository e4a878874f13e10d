"""A layout page on a slide: its boxes (layers, markers, junction dots, ports) centred in
the drawing area, and its routes as glued connectors."""

from __future__ import annotations

from collections.abc import Callable

from ..geometry import Rect
from ..ir import Graph, Node
from ..layout import Page
from ..scene import CONNECTOR, MUTED, Box, Connector, Paragraph, Run
from ..theme import ColorRef

BoxMaker = Callable[[Node, Rect], Box]


def place_page(
    graph: Graph, page: Page, area: Rect, font_size: float, make_box: BoxMaker
) -> tuple[list[Box], list[Connector]]:
    """The page centred in `area`: layer boxes from `make_box`, markers, dots and ports, and
    connectors glued to them. A node with ports is grouped with them."""
    dx = area.x + (area.w - page.width) / 2
    dy = area.y + (area.h - page.height) / 2
    ported = {ref for placed in page.boxes if placed.kind == "port" for ref in placed.refs}
    boxes: list[Box] = []
    for placed in page.boxes:
        rect = placed.rect.moved(dx, dy)
        if placed.kind == "node":
            box = make_box(graph.node(placed.id), rect)
            if placed.id in ported:
                box = _grouped(box, placed.id)
            boxes.append(box)
        elif placed.kind in ("junction", "port"):
            boxes.append(
                Box(
                    id=placed.id,
                    rect=rect,
                    geometry="ellipse",
                    fill=CONNECTOR,
                    line=CONNECTOR,
                    line_width=0.5,
                    pad_x=0.0,
                    pad_y=0.0,
                    alt_text=("Input of " if placed.kind == "port" else "Continues from ")
                    + ", ".join(graph.node(r).name for r in placed.refs if r in graph.by_id)
                    + ".",
                    group=f"with {placed.refs[0]}" if placed.kind == "port" else "",
                )
            )
        else:  # a marker for edges continuing on another page
            boxes.append(
                Box(
                    id=placed.id,
                    rect=rect,
                    paragraphs=(
                        Paragraph((Run(placed.label, font_size, italic=True, color=MUTED),)),
                    ),
                    fill=ColorRef("bg1"),
                    line=CONNECTOR,
                    dashed=True,
                    rounding=0.5,
                    alt_text=f"Continues on another slide: {placed.label}.",
                )
            )
    connectors = [
        Connector(
            id=f"edge {route.edge[0]} -> {route.edge[1]}",  # parts of one edge share it
            source=route.source,
            source_site=route.source_site,
            target=route.target,
            target_site=route.target_site,
            points=tuple((x + dx, y + dy) for x, y in route.points),
            arrow=route.arrow,
        )
        for route in page.routes
    ]
    return boxes, connectors


def _grouped(box: Box, node_id: str) -> Box:
    from dataclasses import replace

    return replace(box, group=f"with {node_id}")
