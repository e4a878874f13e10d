"""The neuron view (replaces ann_visualizer): a column of units per layer — circles for
vector layers, small squares for the feature maps of convolutional layers — with a glued
connector from every shown unit to every shown unit of the next layer. Wide layers show their
first and last units around a "⋮" and say how many there are; works on any graph."""

from __future__ import annotations

from dataclasses import dataclass

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
from ..text import format_count, line_height, shorten
from ..theme import ColorRef, Theme
from .common import legend_and_caption, legend_height

SKIPPED = frozenset({"activation", "dropout", "normalization"})  # unit-wise: no new units
MAX_UNITS = 10  # shown per layer: the first 5 and the last 4 around a "⋮"
MAX_COLUMNS = 9  # per slide; longer models continue on further slides
FONT = 9.0
EDGE = ColorRef("tx1", 0.6)  # many thin lines: faint on a light background ...
DARK_EDGE = ColorRef("tx1", -0.55)  # ... and on a dark one
_SITES = {"ellipse": (6, 2), "rect": (3, 1)}  # (right, left) connection sites


@dataclass(frozen=True)
class Column:
    node: Node
    units: int
    shown: tuple[int, ...]  # indices of the units drawn (0-based)
    maps: bool  # feature maps (squares) rather than neurons (circles)


def columns_of(graph: Graph) -> list[Column]:
    """The layers that make units, in data-flow order, with the units each shows."""
    result = []
    for node in graph.nodes:
        if node.category in SKIPPED:
            continue
        shape = node.output_shape or ()
        units = shape[-1] if shape and shape[-1] else 1
        maps = len(shape) >= 4 or node.category in ("conv", "pooling")
        first_and_last = (*range(5), *range(units - 4, units))
        shown = tuple(range(units)) if units <= MAX_UNITS else first_and_last
        result.append(Column(node, units, shown, maps))
    return result


def contracted_edges(graph: Graph, kept: set[str]) -> set[tuple[str, str]]:
    """Edges between kept nodes, passing through the skipped ones."""
    successors: dict[str, list[str]] = {}
    for edge in graph.edges:
        successors.setdefault(edge.source, []).append(edge.target)
    result = set()
    for source in kept:
        stack, seen = list(successors.get(source, [])), set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node in kept:
                result.add((source, node))
            else:
                stack.extend(successors.get(node, []))
    return result


def neuron_slides(graph: Graph, frame: Frame, theme: Theme) -> list[SlideScene]:
    columns = columns_of(graph)
    if not columns:
        return []
    links = contracted_edges(graph, {c.node.id for c in columns})
    drawn = {c.node.category for c in columns}
    shown = [c for c in CATEGORIES if c in drawn]
    band = legend_height(graph, frame, shown)
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - band)
    # Pages of columns; each page after the first repeats the previous page's last column.
    pages: list[list[Column]] = []
    start = 0
    while start < len(columns):
        pages.append(columns[start : start + MAX_COLUMNS])
        start += MAX_COLUMNS - 1 if start + MAX_COLUMNS < len(columns) else MAX_COLUMNS
    slides = []
    for number, page in enumerate(pages, start=1):
        boxes, connectors, groups = _page(page, links, area, theme)
        boxes += legend_and_caption(graph, frame, theme, band, shown=shown)
        lines = [
            f"Neuron view of {graph.name}"
            + (f", part {number} of {len(pages)}" if len(pages) > 1 else "")
            + ": each column is a layer's units (circles) or feature maps (squares), each line "
            "a connection to the next layer. Activation, dropout and normalization layers work "
            "unit by unit, so they are folded into the layer before them."
        ]
        lines += [
            f"{c.node.name}: {c.node.class_name}, {format_count(c.units)} "
            + ("feature maps" if c.maps else "units")
            + (f", {len(c.shown)} shown" if len(c.shown) < c.units else "")
            + "."
            for c in page
        ]
        slides.append(
            SlideScene(
                title=f"{graph.name}: neurons"
                + (f" ({number}/{len(pages)})" if len(pages) > 1 else ""),
                boxes=tuple(boxes),
                connectors=tuple(connectors),
                groups=tuple(groups),
                notes="\n".join(lines),
                kind="neurons",
            )
        )
    return slides


def _page(
    page: list[Column], links: set[tuple[str, str]], area: Rect, theme: Theme
) -> tuple[list[Box], list[Connector], list[Group]]:
    label_h = 2 * line_height(FONT) + 4
    spacing = area.w / len(page)
    most = max(len(c.shown) + (1 if len(c.shown) < c.units else 0) for c in page)
    unit = min(22.0, (area.h - label_h - 12) / (most * 1.45))
    step = unit * 1.45
    boxes: list[Box] = []
    connectors: list[Connector] = []
    groups: list[Group] = []
    placed: dict[str, list[tuple[str, Rect, str]]] = {}
    for i, column in enumerate(page):
        node = column.node
        cx = area.x + spacing * (i + 0.5)
        slots = len(column.shown) + (1 if len(column.shown) < column.units else 0)
        top = area.y + (area.h - label_h - slots * step) / 2
        style = theme.category_style(node.category)
        geometry = "rect" if column.maps else "ellipse"
        members, rects = [], []
        y = top
        for k, index in enumerate(column.shown):
            if k == 5 and len(column.shown) < column.units:  # the gap: "⋮"
                gap_id = f"more {node.id}"
                boxes.append(
                    Box(
                        id=gap_id,
                        rect=Rect(cx - unit / 2, y, unit, step),
                        paragraphs=(Paragraph((Run("⋮", FONT, bold=True, color=MUTED),)),),
                        geometry="rect",
                        pad_x=0,
                        pad_y=0,
                        alt_text=f"{column.units - len(column.shown)} more units of {node.name}",
                    )
                )
                members.append(gap_id)
                y += step
            unit_id = f"unit {node.id} {index}"
            rect = Rect(cx - unit / 2, y + (step - unit) / 2, unit, unit)
            boxes.append(
                Box(
                    id=unit_id,
                    rect=rect,
                    geometry=geometry,
                    fill=style.fill,
                    line=style.line,
                    line_width=0.75,
                    alt_text=f"{'Map' if column.maps else 'Unit'} {index + 1} of {node.name}",
                )
            )
            members.append(unit_id)
            rects.append((unit_id, rect, geometry))
            y += step
        label_id = f"label {node.id}"
        kind = "maps" if column.maps else "units"
        boxes.append(
            Box(
                id=label_id,
                rect=Rect(cx - spacing / 2 + 2, area.bottom - label_h, spacing - 4, label_h),
                paragraphs=(
                    Paragraph((Run(shorten(node.name, spacing - 6, FONT, True), FONT, bold=True),)),
                    Paragraph(
                        (
                            Run(
                                shorten(
                                    f"{node.class_name} · {format_count(column.units)} {kind}",
                                    spacing - 6,
                                    FONT,
                                ),
                                FONT,
                                color=MUTED,
                            ),
                        )
                    ),
                ),
                geometry="rect",
                pad_x=0,
                pad_y=2,
                alt_text=f"{node.name}: {node.class_name}, {column.units} {kind}",
            )
        )
        members.append(label_id)
        groups.append(
            Group(
                id=f"layer {node.id}",
                members=tuple(members),
                alt_text=f"{node.name}: {node.class_name} with {column.units} {kind}.",
            )
        )
        placed[node.id] = rects
    for left, right in zip(page, page[1:]):
        if (left.node.id, right.node.id) not in links:
            continue
        for source_id, source, source_geometry in placed[left.node.id]:
            for target_id, target, target_geometry in placed[right.node.id]:
                out_site = _SITES[source_geometry][0]
                in_site = _SITES[target_geometry][1]
                connectors.append(
                    Connector(
                        id=f"edge {source_id} -> {target_id}",
                        source=source_id,
                        source_site=out_site,
                        target=target_id,
                        target_site=in_site,
                        points=(
                            connection_site(source_geometry, source, out_site),
                            connection_site(target_geometry, target, in_site),
                        ),
                        color=DARK_EDGE if theme.dark_background else EDGE,
                        width=0.5,
                        arrow_size="sm",
                    )
                )
    return boxes, connectors, groups
