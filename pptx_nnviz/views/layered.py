"""The layered 3D view (replaces visualkeras `layered_view`): a native cube per layer whose
height, depth and width follow the tensor's spatial size and channels, coloured by category,
the output shape written under it, rows wrapped (and scaled) to fit the slide."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..geometry import LEFT, RIGHT, Rect
from ..ir import Graph, Node
from ..scene import (
    CONNECTOR,
    MUTED,
    Box,
    Connector,
    Frame,
    Group,
    Paragraph,
    Run,
    SlideScene,
)
from ..text import format_shape, line_height, text_width
from ..theme import ColorRef, Theme
from .common import legend_and_caption, legend_height

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


def cube_size(node: Node, scale: str = "log") -> CubeSize:
    """The cube of a layer from its output shape: (H, W, C) images, (T, C) sequences and
    (units,) vectors; a bounded log scale by default so a 1600-unit Dense does not dwarf all."""
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
    height = _dimension(rows, scale, 9.0, 14.0, 120.0)
    depth = _dimension(cols, scale, 3.0, 4.0, 40.0)
    width = _dimension(channels, scale, 3.2, 5.0, 48.0)
    return CubeSize(width, height, depth)


@dataclass(frozen=True)
class LayeredOptions:
    hide: frozenset[str] = frozenset()  # categories not drawn (e.g. dropout, activation)
    scale: str = "log"  # "log" | "linear"
    funnels: bool = False  # trapezoids between consecutive cubes instead of arrows


def layered_slides(
    graph: Graph, frame: Frame, theme: Theme, options: LayeredOptions | None = None
) -> list[SlideScene]:
    options = options or LayeredOptions()
    visible = [n for n in graph.nodes if n.category not in options.hide]
    shown = [c for c in graph.categories() if c not in options.hide]
    band = legend_height(graph, frame, shown)
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - band)
    sizes = {n.id: cube_size(n, options.scale) for n in visible}
    scale = MAX_SCALE
    pages = _rows_and_pages(visible, sizes, scale, area)
    while (len(pages) > 1 or len(pages[0]) > 1 and scale > 1) and scale > MIN_SCALE:
        scale = max(MIN_SCALE, scale * 0.85)
        pages = _rows_and_pages(visible, sizes, scale, area)
    slides = []
    for number, rows in enumerate(pages, start=1):
        scene = _page_scene(graph, rows, sizes, scale, area, theme, options)
        boxes = scene[0] + legend_and_caption(graph, frame, theme, band, shown=shown)
        title = f"{graph.name}: layered view" + (
            f" ({number}/{len(pages)})" if len(pages) > 1 else ""
        )
        shown = [n for row in rows for n in row]
        hidden = f" Hidden layer types: {', '.join(sorted(options.hide))}." if options.hide else ""
        notes = (
            f"Layered view of {graph.name}: one block per layer, its height and depth follow the "
            f"tensor's spatial size and its width the channels ({options.scale} scale), with the "
            f"output shape under each block.{hidden}\n"
            + "\n".join(
                f"{n.name}: {n.class_name}, output {format_shape(n.output_shape)}." for n in shown
            )
        )
        slides.append(
            SlideScene(
                title=title,
                boxes=tuple(boxes),
                connectors=tuple(scene[1]),
                groups=tuple(scene[2]),
                notes=notes,
                kind="layered",
            )
        )
    return slides


def _font(scale: float) -> float:
    """Shape labels grow with the blocks, from 9 pt up to 13 pt."""
    return min(13.0, max(9.0, 6.5 * scale))


def _label(node: Node) -> str:
    return (
        format_shape(node.output_shape)
        if node.output_shape
        else f"{len(node.output_shapes)} outputs"
    )


def _slot_width(node: Node, size: CubeSize, scale: float) -> float:
    cube_w = (size.width + size.depth) * scale
    return max(cube_w, text_width(_label(node), _font(scale)) + 8)


def _row_height(row: list[Node], sizes: dict[str, CubeSize], scale: float) -> float:
    cube = max((sizes[n.id].height + sizes[n.id].depth) * scale for n in row)
    return cube + line_height(_font(scale)) + 4


def _rows_and_pages(
    nodes: list[Node], sizes: dict[str, CubeSize], scale: float, area: Rect
) -> list[list[list[Node]]]:
    rows: list[list[Node]] = [[]]
    used = 0.0
    for node in nodes:
        slot = _slot_width(node, sizes[node.id], scale)
        if rows[-1] and used + GAP + slot > area.w:
            rows.append([])
            used = 0.0
        used += (GAP if rows[-1] else 0.0) + slot
        rows[-1].append(node)
    pages: list[list[list[Node]]] = [[]]
    height = 0.0
    for row in rows:
        h = _row_height(row, sizes, scale)
        if pages[-1] and height + ROW_GAP + h > area.h:
            pages.append([])
            height = 0.0
        height += (ROW_GAP if pages[-1] else 0.0) + h
        pages[-1].append(row)
    return pages


def _page_scene(
    graph: Graph,
    rows: list[list[Node]],
    sizes: dict[str, CubeSize],
    scale: float,
    area: Rect,
    theme: Theme,
    options: LayeredOptions,
) -> tuple[list[Box], list[Connector], list[Group]]:
    boxes: list[Box] = []
    connectors: list[Connector] = []
    groups: list[Group] = []
    heights = [_row_height(row, sizes, scale) for row in rows]
    total_h = sum(heights) + ROW_GAP * (len(rows) - 1)
    y = area.y + (area.h - total_h) / 2
    for row, row_h in zip(rows, heights):
        widths = [_slot_width(n, sizes[n.id], scale) for n in row]
        x = area.x + (area.w - sum(widths) - GAP * (len(row) - 1)) / 2
        # Front faces' centres share one axis, so arrows between them are horizontal.
        axis = y + max((sizes[n.id].depth + sizes[n.id].height / 2) * scale for n in row)
        previous: tuple[Node, Rect, Rect] | None = None
        for node, slot in zip(row, widths):
            size = sizes[node.id]
            w, h, d = (
                (size.width + size.depth) * scale,
                (size.height + size.depth) * scale,
                (size.depth * scale),
            )
            cube = Rect(x + (slot - w) / 2, axis - d - size.height * scale / 2, w, h)
            style = theme.category_style(node.category)
            cube_id = f"cube {node.id}"
            boxes.append(
                Box(
                    id=cube_id,
                    rect=cube,
                    geometry="cube",
                    depth=d / min(w, h),
                    fill=style.fill,
                    line=style.line,
                    line_width=0.75,
                    dashed=style.dashed,
                    alt_text=f"{node.name}: {node.class_name}, output {_label(node)}.",
                )
            )
            font = _font(scale)
            label_rect = Rect(x, y + row_h - line_height(font) - 2, slot, line_height(font) + 2)
            boxes.append(
                Box(
                    id=f"shape {node.id}",
                    rect=label_rect,
                    paragraphs=(Paragraph((Run(_label(node), font, color=MUTED),)),),
                    geometry="rect",
                    pad_x=0,
                    pad_y=0,
                    alt_text=f"Output shape of {node.name}: {_label(node)}.",
                )
            )
            groups.append(
                Group(
                    id=f"layer {node.id}",
                    members=(cube_id, f"shape {node.id}"),
                    alt_text=f"{node.name} ({node.class_name}), output {_label(node)}.",
                )
            )
            if previous is not None:
                before, before_rect, before_label = previous
                if options.funnels:
                    boxes.append(
                        _funnel(
                            before, before_rect, node, cube, sizes, scale, before_label.right, x
                        )
                    )
                else:  # arrows join the shape labels: 28×28×1 → 26×26×32 → ...
                    connectors.append(
                        Connector(
                            id=f"edge {before.id} -> {node.id}",
                            source=f"shape {before.id}",
                            source_site=RIGHT,
                            target=f"shape {node.id}",
                            target_site=LEFT,
                            points=(before_label.site(RIGHT), label_rect.site(LEFT)),
                            color=CONNECTOR,
                        )
                    )
            previous = (node, cube, label_rect)
            x += slot + GAP
        y += row_h + ROW_GAP
    return boxes, connectors, groups


def _funnel(
    before: Node,
    a: Rect,
    node: Node,
    b: Rect,
    sizes: dict[str, CubeSize],
    scale: float,
    x0: float,
    x1: float,
) -> Box:
    """A pale trapezoid from one layer's slot to the next (between the groups, so that no two
    shapes overlap), as tall as the back of one cube and the front of the next."""
    da, db = sizes[before.id].depth * scale, sizes[node.id].depth * scale
    points = ((x0, a.y), (x1, b.y + db), (x1, b.bottom), (x0, a.bottom - da))
    y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
    return Box(
        id=f"funnel {before.id} -> {node.id}",
        rect=Rect(x0, y0, max(x1 - x0, 0.5), y1 - y0),
        geometry="custom",
        points=tuple((px - x0, py - y0) for px, py in points),
        fill=ColorRef("bg1", -0.1),
        line=None,
        alt_text=f"{before.name} feeds {node.name}.",
    )
