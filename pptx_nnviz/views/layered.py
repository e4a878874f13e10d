"""The layered 3D view (replaces visualkeras `layered_view`): a native cube per layer whose
height, depth and width follow the tensor's spatial size and channels, coloured by category,
its name and output shape written under it. Layers stand in columns by depth, so parallel
branches and several inputs are parallel rows; skips run in lanes under the cubes; bands of
columns wrap (and scale) to fit the slide, every edge drawn (`layered_routes`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..geometry import Rect
from ..ir import Graph, Node
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
from ..text import format_shape, line_height, shorten_middle, text_width
from ..theme import ColorRef, Theme
from .common import legend_and_caption, legend_height, output_text
from .layered_routes import (
    LANE,
    Sheet,
    lane_counts,
    marker_size,
    route_between_rows,
    route_in,
    route_out,
    route_within_row,
)

GAP = 20.0  # between cubes in a row (room for an arrow)
ROW_GAP = 10.0
MIN_SCALE = 0.3
MAX_SCALE = 2.0  # small models get bigger blocks, but stay on one row when scaled up


@dataclass(frozen=True)
class CubeSize:
    """Front face width (channels) and height (spatial rows), and depth (spatial columns)."""

    width: float
    height: float
    depth: float


def _dimension(value: int | None, scale: str, per_unit: float, low: float, high: float) -> float:
    v = max(1, value or 1)
    size = low + per_unit * math.log2(v) if scale == "log" else low + per_unit * v / 8
    return min(max(size, low), high)


def _spatial(value: int | None, scale: str) -> float:
    """Height of a spatial side: a square-root scale by default, so 224 → 112 → 56 → 7
    shrinks visibly (110, 80, 58, 25 points) without a 1,000 × 1,000 input dwarfing all."""
    v = max(1, value or 1)
    size = 6 + 7 * math.sqrt(v) if scale == "log" else 6 + v / 2
    return min(max(size, 12.0), 120.0)


def cube_size(node: Node, scale: str = "log") -> CubeSize:
    """The cube of a layer from its output shape: (H, W, C) images, (T, C) sequences and
    (units,) vectors; channels on a bounded log scale so a 1600-unit Dense does not dwarf all."""
    shape = node.output_shape or ()
    dims = list(shape[1:]) if len(shape) > 1 else list(shape)
    if len(dims) >= 3:
        rows, cols, channels = dims[-3], dims[-2], dims[-1]
    elif len(dims) == 2:
        rows, cols, channels = dims[0], 1, dims[1]
    elif len(dims) == 1:
        rows, cols, channels = dims[0], 1, 1
    else:
        rows, cols, channels = 1, 1, 1
    height = _spatial(rows, scale)
    depth = min(_spatial(cols, scale) * 0.35, 40.0)
    width = _dimension(channels, scale, 3.2, 5.0, 48.0)
    return CubeSize(width, height, depth)


@dataclass(frozen=True)
class LayeredOptions:
    hide: frozenset[str] = frozenset()  # categories not drawn (e.g. dropout, activation)
    scale: str = "log"  # "log" | "linear"
    funnels: bool = False  # trapezoids between consecutive cubes instead of arrows


def visible_edges(graph: Graph, kept: set[str]) -> list[tuple[str, str]]:
    """Edges between kept nodes, passing through the hidden ones, in the graph's order."""
    result: dict[tuple[str, str], None] = {}
    for node in graph.nodes:
        if node.id in kept:
            result.update(dict.fromkeys((node.id, t) for t in graph.nearest(node.id, kept)))
    return list(result)


def _columns(nodes: list[Node], edges: list[tuple[str, str]]) -> list[list[Node]]:
    """Nodes by depth (one past their deepest predecessor): parallel branches and several
    inputs share a column, one above the other."""
    rank: dict[str, int] = {}
    preds: dict[str, list[str]] = {}
    for a, b in edges:
        preds.setdefault(b, []).append(a)
    for node in nodes:  # topological order
        rank[node.id] = max((rank[p] + 1 for p in preds.get(node.id, [])), default=0)
    columns: list[list[Node]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for node in nodes:
        columns[rank[node.id]].append(node)
    return columns


def layered_slides(
    graph: Graph, frame: Frame, theme: Theme, options: LayeredOptions | None = None
) -> list[SlideScene]:
    options = options or LayeredOptions()
    visible = [n for n in graph.nodes if n.category not in options.hide]
    if not visible:
        return []
    edges = visible_edges(graph, {n.id for n in visible})
    columns = _columns(visible, edges)
    shown = [c for c in graph.categories() if c not in options.hide]
    band = legend_height(graph, frame, shown)
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - band)
    sizes = {n.id: cube_size(n, options.scale) for n in visible}
    scale = MAX_SCALE
    pages = _bands_and_pages(columns, sizes, scale, area, edges)
    while (
        len(pages) > 1 or len(pages[0]) > 1 and scale > 1 or _too_tall(pages, sizes, scale, area)
    ) and scale > MIN_SCALE:
        scale = max(MIN_SCALE, scale * 0.85)
        pages = _bands_and_pages(columns, sizes, scale, area, edges)
    if _too_tall(pages, sizes, scale, area):  # a column of many inputs, even at the least scale
        columns, breaks = _split_tall(columns, sizes, scale, area.h / 2)
        pages = _bands_and_pages(columns, sizes, scale, area, edges, breaks)
    names = {n.id: n.name for n in visible}
    slides = []
    for number, bands in enumerate(pages, start=1):
        boxes, connectors, groups = _page_scene(
            bands, edges, sizes, scale, area, theme, options, names
        )
        on_page = [n for band_, _ in bands for column in band_ for n in column]
        drawn = {n.category for n in on_page}
        here = [c for c in shown if c in drawn]  # the legend lists what this slide shows
        boxes += legend_and_caption(graph, frame, theme, band, shown=here)
        title = f"{graph.name}: layered view" + (
            f" ({number}/{len(pages)})" if len(pages) > 1 else ""
        )
        scale_name = "square-root" if options.scale == "log" else "linear"
        hidden = f" Hidden layer types: {', '.join(sorted(options.hide))}." if options.hide else ""
        notes = (
            f"Layered view of {graph.name}: one block per layer, named, its height and depth "
            f"following the tensor's spatial size ({scale_name} scale) and its width the "
            "channels (log scale), with the output shape under each "
            f"block. Parallel branches and inputs stand one above the other. Every edge is an "
            "arrow: a skip runs under its row, an edge into a later row down beside the rows, "
            f"and a marker names an edge that continues on another slide.{hidden}\n"
            + "\n".join(
                f"{n.name}: {n.class_name}, output {format_shape(n.output_shape)}." for n in on_page
            )
        )
        slides.append(
            SlideScene(
                title=title,
                boxes=tuple(boxes),
                connectors=tuple(connectors),
                groups=tuple(groups),
                notes=notes,
                kind="layered",
            )
        )
    return slides


def _font(scale: float) -> float:
    """Shape labels grow with the blocks, from 9 pt up to 13 pt."""
    return min(13.0, max(9.0, 6.5 * scale))


def _label(node: Node) -> str:
    return output_text(node)


NAME_WIDTH = 96.0  # at 9 pt: a cube's name is shortened past this width


def _name(node: Node, font: float) -> str:
    """The cube's name, cut in the middle only when it must ('conv2_b…_1_conv')."""
    return shorten_middle(node.name, NAME_WIDTH * font / 9, font, True)


def _slot_width(node: Node, size: CubeSize, scale: float) -> float:
    cube_w = (size.width + size.depth) * scale
    font = _font(scale)
    text = max(text_width(_label(node), font), text_width(_name(node, font), font, True))
    return max(cube_w, text + 8)


def _cell_height(node: Node, size: CubeSize, scale: float) -> float:
    """A cube and its two-line label (name, shape) under it, 4 points apart."""
    return (size.height + size.depth) * scale + 4 + 2 * line_height(_font(scale)) + 2


def _column_size(
    column: list[Node], sizes: dict[str, CubeSize], scale: float
) -> tuple[float, float]:
    width = max(_slot_width(n, sizes[n.id], scale) for n in column)
    height = sum(_cell_height(n, sizes[n.id], scale) for n in column)
    return width, height + ROW_GAP * (len(column) - 1)


def _split_tall(
    columns: list[list[Node]], sizes: dict[str, CubeSize], scale: float, room: float
) -> tuple[list[list[Node]], set[int]]:
    """Columns taller than `room` cut into parts at most `room` tall, each part after the
    first starting a row of its own (the columns that start a row: the second value)."""
    result: list[list[Node]] = []
    breaks: set[int] = set()
    for column in columns:
        part: list[Node] = []
        for node in column:
            if part and _column_size([*part, node], sizes, scale)[1] > room:
                result.append(part)
                breaks.add(len(result))
                part = []
            part.append(node)
        result.append(part)
    return result, breaks


Bands = list[list[list[Node]]]  # rows of columns of layers


def _rows(bands: Bands) -> list[dict[str, int]]:
    """Each band's layers and their column in it."""
    return [{n.id: i for i, column in enumerate(band) for n in column} for band in bands]


def _bands_and_pages(
    columns: list[list[Node]],
    sizes: dict[str, CubeSize],
    scale: float,
    area: Rect,
    edges: list[tuple[str, str]],
    breaks: set[int] = frozenset(),  # type: ignore[assignment]
) -> list[list[tuple[list[list[Node]], int]]]:
    """Columns in bands (rows of columns across the slide) and bands in pages, each band with
    the lanes its long edges take under it; the columns numbered in `breaks` start a band.
    Slides of a model on several leave a row of markers at the top and the bottom."""
    bands: Bands = [[]]
    used = 0.0
    for index, column in enumerate(columns):
        width = _column_size(column, sizes, scale)[0]
        if bands[-1] and (used + GAP + width > area.w or index in breaks):
            bands.append([])
            used = 0.0
        used += (GAP if bands[-1] else 0.0) + width
        bands[-1].append(column)
    lanes = lane_counts(_rows(bands), edges)
    heights = [_band_height(band, sizes, scale, n) for band, n in zip(bands, lanes)]
    room = area.h
    while True:
        pages: list[list[tuple[list[list[Node]], int]]] = [[]]
        height = 0.0
        for band, h, n in zip(bands, heights, lanes):
            if pages[-1] and height + ROW_GAP + h > room:
                pages.append([])
                height = 0.0
            height += (ROW_GAP if pages[-1] else 0.0) + h
            pages[-1].append((band, n))
        if len(pages) == 1 or room < area.h:
            return pages
        room = area.h - 2 * _marker_row(scale)


def _too_tall(
    pages: list[list[tuple[list[list[Node]], int]]],
    sizes: dict[str, CubeSize],
    scale: float,
    area: Rect,
) -> bool:
    """Does a slide's band stand taller than the drawing area (a column of many inputs)?"""
    return any(
        _band_height(band, sizes, scale, lanes) > area.h for page in pages for band, lanes in page
    )


def _marker_row(scale: float) -> float:
    return marker_size("→", _font(scale))[1] + ROW_GAP


def _band_height(
    band: list[list[Node]], sizes: dict[str, CubeSize], scale: float, lanes: int
) -> float:
    return max(_column_size(c, sizes, scale)[1] for c in band) + LANE * (lanes + 1)


def _page_scene(
    bands: list[tuple[list[list[Node]], int]],
    edges: list[tuple[str, str]],
    sizes: dict[str, CubeSize],
    scale: float,
    area: Rect,
    theme: Theme,
    options: LayeredOptions,
    names: dict[str, str],
) -> tuple[list[Box], list[Connector], list[Group]]:
    boxes: list[Box] = []
    groups: list[Group] = []
    cubes: dict[str, tuple[Rect, float]] = {}  # id -> cube, depth
    labels: dict[str, Rect] = {}
    where: dict[str, tuple[int, int]] = {}
    preds: dict[str, list[str]] = {}
    for a, b in edges:
        preds.setdefault(b, []).append(a)
    font = _font(scale)
    heights = [_band_height(band, sizes, scale, n) for band, n in bands]
    here = {n.id for band, _ in bands for column in band for n in column}
    arriving = any(a not in here and b in here for a, b in edges)
    leaving = any(a in here and b not in here for a, b in edges)
    top_row = _marker_row(scale) if arriving else 0.0
    bottom_row = _marker_row(scale) if leaving else 0.0
    total_h = sum(heights) + ROW_GAP * (len(bands) - 1) + top_row + bottom_row
    y = area.y + (area.h - total_h) / 2 + top_row
    band_tops = []
    for k, ((band, lanes), band_h) in enumerate(zip(bands, heights)):
        band_tops.append(y)
        widths = [_column_size(c, sizes, scale)[0] for c in band]
        x = area.x + (area.w - sum(widths) - GAP * (len(band) - 1)) / 2
        top = y
        body_h = band_h - LANE * (lanes + 1)
        for i, (column, slot) in enumerate(zip(band, widths)):
            column_h = _column_size(column, sizes, scale)[1]
            cy = top + (body_h - column_h) / 2
            before = [p for p in preds.get(column[0].id, []) if p in cubes]
            if len(column) == 1 and before and all(where[p][0] == k for p in before):
                # One layer after a fork or a merge: level with what feeds it.
                middle = sum(cubes[p][0].y for p in before) / len(before)
                cy = min(max(middle, top), top + body_h - column_h)
            for node in column:
                size = sizes[node.id]
                w, h, d = (
                    (size.width + size.depth) * scale,
                    (size.height + size.depth) * scale,
                    size.depth * scale,
                )
                cube = Rect(x + (slot - w) / 2, cy, w, h)
                label_rect = Rect(x, cube.bottom + 4, slot, 2 * line_height(font) + 2)
                boxes += _layer_boxes(node, cube, d / min(w, h), label_rect, font, theme)
                groups.append(
                    Group(
                        id=f"layer {node.id}",
                        members=(f"cube {node.id}", f"shape {node.id}"),
                        alt_text=f"{node.name} ({node.class_name}), output {_label(node)}.",
                    )
                )
                cubes[node.id] = (cube, d / min(w, h))
                labels[node.id] = label_rect
                where[node.id] = (k, i)
                cy += _cell_height(node, size, scale) + ROW_GAP
            x += slot + GAP
        y += band_h + ROW_GAP
    sheet = Sheet(
        labels=labels,
        where=where,
        obstacles=[c for c, _ in cubes.values()] + list(labels.values()),
        row_tops=band_tops,
        row_heights=heights,
        area=area,
        font=font,
        names=names,
        gap=GAP,
        row_gap=ROW_GAP,
    )
    first_top = band_tops[0] - ROW_GAP - (top_row - ROW_GAP)
    last_bottom = band_tops[-1] + heights[-1] + ROW_GAP

    def neighbours(edge: tuple[str, str]) -> bool:
        (ka, ia), (kb, ib) = where.get(edge[0], (-1, 0)), where.get(edge[1], (-2, 0))
        return ka == kb and ib - ia == 1

    # Arrows between neighbours first: the longer routes keep clear of their lines.
    for a, b in sorted(edges, key=lambda e: not neighbours(e)):
        if a in here and b in here:
            (ka, ia), (kb, ib) = where[a], where[b]
            if ka != kb:
                route_between_rows(sheet, a, b)
            elif options.funnels and ib - ia == 1:
                x0, x1 = labels[a].right, labels[b].x  # between the groups: no overlap
                boxes.append(_funnel_between(a, *cubes[a], b, *cubes[b], x0, x1))
            else:
                route_within_row(sheet, a, b)
        elif a in here:
            route_out(sheet, a, b, last_bottom)
        elif b in here:
            route_in(sheet, a, b, first_top, top_row - ROW_GAP)
    return boxes + sheet.boxes, sheet.connectors, groups


def _layer_boxes(
    node: Node, cube: Rect, depth: float, label: Rect, font: float, theme: Theme
) -> list[Box]:
    """A layer's cube and its label (name, output shape) under it."""
    style = theme.category_style(node.category)
    return [
        Box(
            id=f"cube {node.id}",
            rect=cube,
            geometry="cube",
            depth=depth,
            fill=style.fill,
            line=style.line,
            line_width=0.75,
            dashed=style.dashed,
            alt_text=f"{node.name}: {node.class_name}, output {_label(node)}.",
        ),
        Box(
            id=f"shape {node.id}",
            rect=label,
            paragraphs=(
                Paragraph((Run(_name(node, font), font, bold=True),)),
                Paragraph((Run(_label(node), font, color=MUTED),)),
            ),
            geometry="rect",
            pad_x=0,
            pad_y=0,
            alt_text=f"{node.name}, output shape {_label(node)}.",
        ),
    ]


def _funnel_between(
    a: str, ra: Rect, da: float, b: str, rb: Rect, db: float, x0: float, x1: float
) -> Box:
    """A pale trapezoid from one layer's slot to the next (between x0 and x1), as tall as the
    back of one cube and the front of the next."""
    depth_a = da * min(ra.w, ra.h)
    depth_b = db * min(rb.w, rb.h)
    points = ((x0, ra.y), (x1, rb.y + depth_b), (x1, rb.bottom), (x0, ra.bottom - depth_a))
    y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
    return Box(
        id=f"funnel {a} -> {b}",
        rect=Rect(x0, y0, max(x1 - x0, 0.5), y1 - y0),
        geometry="custom",
        points=tuple((px - x0, py - y0) for px, py in points),
        fill=ColorRef("bg1", -0.1),
        line=None,
        alt_text=f"{a} feeds {b}.",
    )
