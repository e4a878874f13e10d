"""Scene: what each slide shows, as semantic primitives in points (no python-pptx here).

The architecture view turns a `Graph` and its `Layout` into boxes with text, glued
connectors, continuation markers, a legend and a caption. Renderers only draw primitives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .geometry import Point, Rect
from .ir import Graph, Node
from .layout import Layout, Page, layout_graph
from .text import (
    format_bytes,
    format_count,
    format_params,
    format_shape,
    line_height,
    shorten,
    text_width,
)
from .theme import ColorRef, Theme

#: Inner margins of a box's text (points): left/right and top/bottom.
PAD_X = 6.0
PAD_Y = 4.0
MAX_LABEL_WIDTH = 190.0  # a box's text is cut with an ellipsis past this width
TEXT = ColorRef("tx1")
MUTED = ColorRef("tx1", 0.35)
CONNECTOR = ColorRef("tx1", 0.45)


@dataclass(frozen=True)
class Run:
    text: str
    size: float
    bold: bool = False
    italic: bool = False
    color: ColorRef = TEXT


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    align: str = "ctr"  # "l" | "ctr" | "r"


@dataclass(frozen=True)
class Box:
    """A shape with optional text: layer boxes, markers, legend swatches, captions."""

    id: str
    rect: Rect
    paragraphs: tuple[Paragraph, ...] = ()
    geometry: str = "roundRect"  # an OOXML preset: roundRect, rect, ellipse, cube...
    fill: ColorRef | None = None
    line: ColorRef | None = None
    line_width: float = 1.0
    dashed: bool = False
    alt_text: str = ""
    anchor: str = "ctr"  # vertical text anchor: "t" | "ctr" | "b"
    pad_x: float = PAD_X
    pad_y: float = PAD_Y
    rounding: float = 0.18  # roundRect corner radius as a fraction of the shorter side


@dataclass(frozen=True)
class Connector:
    id: str
    source: str
    source_site: int
    target: str
    target_site: int
    points: tuple[Point, ...]
    color: ColorRef = CONNECTOR
    width: float = 1.0
    arrow: bool = True


@dataclass(frozen=True)
class SlideScene:
    """One slide: a title, shapes drawn in order, and speaker notes."""

    title: str
    boxes: tuple[Box, ...]
    connectors: tuple[Connector, ...] = ()
    notes: str = ""
    kind: str = "architecture"


@dataclass(frozen=True)
class Frame:
    """The slide's size and the free area under its title (points)."""

    width: float
    height: float
    content: Rect


@dataclass
class _Styles:
    theme: Theme
    font_size: float
    boxes: list[Box] = field(default_factory=list)


# --------------------------------------------------------------------------- labels


def box_lines(node: Node) -> tuple[str, str, str]:
    """A layer box's text: name; class and key settings; output shape and parameters."""
    detail = node.class_name
    hint = _hint(node)
    if hint:
        detail += f" {hint}"
    shape = (
        format_shape(node.output_shape)
        if node.output_shape is not None
        else f"{len(node.output_shapes)} outputs"
    )
    params = "shared weights" if node.shared_with else format_params(node.params)
    return node.name, detail, f"{shape} · {params}"


def _hint(node: Node) -> str:
    h = dict(node.hyperparams)
    parts: list[str] = []
    if node.category == "conv":
        parts += [h.get("kernel", ""), f"×{h['filters']}" if "filters" in h else ""]
        parts = ["".join(parts)] if parts[0] else parts[1:]
        if "strides" in h:
            parts.append(f"/{h['strides'].split('×')[0]}")
    elif node.category == "dense":
        parts.append(h.get("units", ""))
    elif node.category == "pooling":
        parts.append(h.get("pool", ""))
    elif node.category == "dropout":
        parts.append(h.get("rate", ""))
    elif node.category == "model" and node.inner_layers:
        parts.append(f"({node.inner_layers} layers)")
    if "activation" in h and node.category in ("conv", "dense", "recurrent", "activation"):
        parts.append(h["activation"])
    return " ".join(p for p in parts if p)


def _label_budget(size: float) -> float:
    """Widest text line of a box: MAX_LABEL_WIDTH at 9 pt, growing with the font."""
    return (MAX_LABEL_WIDTH - 2 * PAD_X) * size / 9


def _fit(text: str, size: float, bold: bool) -> str:
    return shorten(text, _label_budget(size), size, bold)


def box_paragraphs(node: Node, size: float, compact: bool = False) -> tuple[Paragraph, ...]:
    """Full boxes: name / class and settings / shape and params, one line each. Compact
    boxes: name and class on the first line, shape and params on the second."""
    name, detail, stats = box_lines(node)
    stats_run = Run(_fit(stats, size, False), size, color=MUTED)
    if compact:
        budget = _label_budget(size)
        name_run = Run(shorten(name, budget * 0.62, size, True), size, bold=True)
        class_run = Run("  " + shorten(node.class_name, budget * 0.35, size), size)
        return (Paragraph((name_run, class_run)), Paragraph((stats_run,)))
    return (
        Paragraph((Run(_fit(name, size, True), size, bold=True),)),
        Paragraph((Run(_fit(detail, size, False), size),)),
        Paragraph((stats_run,)),
    )


def paragraphs_size(paragraphs: tuple[Paragraph, ...]) -> tuple[float, float]:
    """Width and height (points) of a box holding `paragraphs` with the standard padding."""
    width = max(sum(text_width(r.text, r.size, r.bold) for r in p.runs) for p in paragraphs)
    height = sum(line_height(max(r.size for r in p.runs)) for p in paragraphs)
    return width + 2 * PAD_X, height + 2 * PAD_Y


def box_size(node: Node, size: float, compact: bool = False) -> tuple[float, float]:
    """Width and height (points) a layer box needs for its text at `size` points."""
    width, height = paragraphs_size(box_paragraphs(node, size, compact))
    return max(width, 6 * size), height


def _layer_box(node: Node, rect: Rect, size: float, compact: bool, theme: Theme) -> Box:
    style = theme.category_style(node.category)
    return Box(
        id=node.id,
        rect=rect,
        paragraphs=box_paragraphs(node, size, compact),
        fill=style.fill,
        line=style.line,
        dashed=style.dashed,
        alt_text=describe_node(node),
    )


def describe_node(node: Node) -> str:
    """A sentence about the layer: for alt text and speaker notes."""
    settings = ", ".join(f"{k} {v}" for k, v in node.hyperparams)
    shape = ", ".join(format_shape(s) for s in node.output_shapes) or "unknown shape"
    text = f"{node.name}: {node.class_name} ({node.category})"
    if settings:
        text += f", {settings}"
    text += f"; output {shape}"
    if node.shared_with:
        text += f"; shares its weights with {node.shared_with}"
    else:
        text += f"; {format_count(node.params)} parameters"
    if node.parent:
        text += f"; inside {node.parent}"
    return text + "."


# --------------------------------------------------------------------------- architecture


def architecture_slides(
    graph: Graph, frame: Frame, theme: Theme, direction: str | None = None
) -> list[SlideScene]:
    """The architecture view: one slide, or several when the model does not fit one."""
    legend_height = _legend_height(graph, frame, theme)
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - legend_height)
    layout = layout_for(graph, frame, theme, direction)
    slides = []
    total = len(layout.pages)
    for number, page in enumerate(layout.pages, start=1):
        title = f"{graph.name}: architecture"
        if total > 1:
            title += f" ({number}/{total})"
        boxes, connectors = _page_shapes(graph, layout, page, area, theme)
        boxes += _legend_and_caption(graph, frame, theme, legend_height)
        slides.append(
            SlideScene(
                title=title,
                boxes=tuple(boxes),
                connectors=tuple(connectors),
                notes=_architecture_notes(graph, page, number, total),
            )
        )
    return slides


def layout_for(graph: Graph, frame: Frame, theme: Theme, direction: str | None = None) -> Layout:
    """The layout the architecture slides use (for tests and other renderers)."""
    legend_height = _legend_height(graph, frame, theme)
    nodes = graph.by_id
    return layout_graph(
        [n.id for n in graph.nodes],
        [(e.source, e.target) for e in graph.edges],
        lambda node_id, size, compact: box_size(nodes[node_id], size, compact),
        (frame.content.w, frame.content.h - legend_height),
        direction=direction,
        labels={n.id: n.name for n in graph.nodes},
    )


def _page_shapes(
    graph: Graph, layout: Layout, page: Page, area: Rect, theme: Theme
) -> tuple[list[Box], list[Connector]]:
    size = layout.font_size
    # Centre the drawing in the free area.
    dx = area.x + (area.w - page.width) / 2
    dy = area.y + (area.h - page.height) / 2
    boxes: list[Box] = []
    for placed in page.boxes:
        rect = placed.rect.moved(dx, dy)
        if placed.kind == "node":
            boxes.append(_layer_box(graph.node(placed.id), rect, size, layout.compact, theme))
        elif placed.kind == "junction":
            boxes.append(
                Box(
                    id=placed.id,
                    rect=rect,
                    fill=CONNECTOR,
                    line=CONNECTOR,
                    rounding=0.5,
                    alt_text=f"Continues from {', '.join(placed.refs)}.",
                )
            )
        else:
            text = placed.label
            boxes.append(
                Box(
                    id=placed.id,
                    rect=rect,
                    paragraphs=(Paragraph((Run(text, size, italic=True, color=MUTED),)),),
                    fill=ColorRef("bg1"),
                    line=CONNECTOR,
                    dashed=True,
                    rounding=0.5,
                    alt_text=("Continued from " if placed.kind == "entry" else "Continues to ")
                    + ", ".join(placed.refs)
                    + ".",
                )
            )
    connectors = [
        Connector(
            id=f"edge {route.source} -> {route.target}",
            source=route.source,
            source_site=route.source_site,
            target=route.target,
            target_site=route.target_site,
            points=tuple((x + dx, y + dy) for x, y in route.points),
        )
        for route in page.routes
    ]
    return boxes, connectors


def _architecture_notes(graph: Graph, page: Page, number: int, total: int) -> str:
    nodes = [graph.node(b.id) for b in page.boxes if b.kind == "node"]
    intro = (
        f"Architecture of {graph.name}"
        + (f", part {number} of {total}" if total > 1 else "")
        + f": {len(nodes)} layers, top to bottom / left to right in data-flow order."
    )
    return "\n".join([intro, *(describe_node(n) for n in nodes)])


# --------------------------------------------------------------------------- legend, caption

_LEGEND_FONT = 10.0
_SWATCH = 11.0


def caption_text(graph: Graph) -> str:
    total = graph.total_params
    return (
        f"Total params: {format_count(total)} ({format_bytes(total * 4)})  ·  "
        f"trainable: {format_count(graph.trainable_params)}  ·  "
        f"non-trainable: {format_count(graph.non_trainable_params)}"
    )


def _legend_entries(graph: Graph) -> list[tuple[str, float]]:
    return [
        (category, _SWATCH + 4 + text_width(category, _LEGEND_FONT) + 14)
        for category in graph.categories()
    ]


def _legend_rows(graph: Graph, width: float) -> list[list[tuple[str, float]]]:
    rows: list[list[tuple[str, float]]] = [[]]
    used = text_width(caption_text(graph), _LEGEND_FONT) + 24
    for entry in _legend_entries(graph):
        if used + entry[1] > width and rows[-1]:
            rows.append([])
            used = 0.0
        rows[-1].append(entry)
        used += entry[1]
    return rows


def _legend_height(graph: Graph, frame: Frame, theme: Theme) -> float:
    rows = _legend_rows(graph, frame.content.w)
    return len(rows) * (line_height(_LEGEND_FONT) + 6) + 8


def _legend_and_caption(graph: Graph, frame: Frame, theme: Theme, height: float) -> list[Box]:
    content = frame.content
    row_h = line_height(_LEGEND_FONT) + 6
    top = content.bottom - height + 8
    caption = caption_text(graph)
    caption_w = text_width(caption, _LEGEND_FONT) + 2
    boxes = [
        Box(
            id="caption",
            rect=Rect(content.x, top, caption_w, row_h),
            paragraphs=(Paragraph((Run(caption, _LEGEND_FONT, color=MUTED),), align="l"),),
            geometry="rect",
            pad_x=0,
            pad_y=0,
            alt_text=caption,
        )
    ]
    rows = _legend_rows(graph, content.w)
    for r, row in enumerate(rows):
        y = top + r * row_h
        x = content.right - sum(w for _, w in row) + 14
        for category, w in row:
            style = theme.category_style(category)
            swatch_y = y + (row_h - _SWATCH) / 2
            boxes.append(
                Box(
                    id=f"legend swatch {category}",
                    rect=Rect(x, swatch_y, _SWATCH, _SWATCH),
                    fill=style.fill,
                    line=style.line,
                    dashed=style.dashed,
                    rounding=0.25,
                    alt_text=f"Legend: {category} layers",
                )
            )
            label_w = text_width(category, _LEGEND_FONT) + 2
            boxes.append(
                Box(
                    id=f"legend label {category}",
                    rect=Rect(x + _SWATCH + 4, y, label_w, row_h),
                    paragraphs=(Paragraph((Run(category, _LEGEND_FONT),), align="l"),),
                    geometry="rect",
                    pad_x=0,
                    pad_y=0,
                    alt_text=f"Legend: {category}",
                )
            )
            x += w
    return boxes
