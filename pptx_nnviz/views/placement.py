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
            edge=route.edge,
        )
        for route in page.routes
    ]
    return boxes, connectors + _shared_links(graph, boxes, connectors)


def _shared_links(graph: Graph, boxes: list[Box], drawn: list[Connector]) -> list[Connector]:
    """A dashed line, no arrowhead, between two calls of one layer with weights standing
    level side by side with nothing between them (a siamese pair's towers: shared weights)."""
    rects = {b.id: b.rect for b in boxes}
    used = {(c.source, c.source_site) for c in drawn} | {(c.target, c.target_site) for c in drawn}
    links = []
    for node in graph.nodes:
        first = node.shared_with
        if first is None or node.id not in rects or first not in rects:
            continue
        if graph.node(first).params == 0:
            continue  # nothing shared to point out (a pooling layer called twice)
        a, b = sorted((rects[first], rects[node.id]), key=lambda r: (r.x, r.y))
        ids = {rects[first]: first, rects[node.id]: node.id}
        if abs(a.cy - b.cy) < 0.5 and a.right < b.x:  # side by side: E of one to W of other
            points, sites = ((a.right, a.cy), (b.x, a.cy)), (3, 1)
        elif abs(a.cx - b.cx) < 0.5 and a.bottom < b.y:  # one above the other: S to N
            points, sites = ((a.cx, a.bottom), (a.cx, b.y)), (2, 0)
        else:
            continue
        if (ids[a], sites[0]) in used or (ids[b], sites[1]) in used:
            continue  # those sides already carry an arrow
        if any(r.crossed_by(*points) for k, r in rects.items() if k not in (first, node.id)):
            continue
        links.append(
            Connector(
                id=f"shared {first} - {node.id}",
                source=ids[a],
                source_site=sites[0],
                target=ids[b],
                target_site=sites[1],
                points=points,
                color=MUTED,
                arrow=False,
                dashed=True,
            )
        )
    return links


def _grouped(box: Box, node_id: str) -> Box:
    from dataclasses import replace

    return replace(box, group=f"with {node_id}")
