"""Pieces shared by the views: layer labels, sentences about layers, legend and caption,
and placing a layout page on a slide."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..geometry import Rect
from ..ir import Graph, Node
from ..layout import Page
from ..scene import (
    CONNECTOR,
    MUTED,
    PAD_X,
    Box,
    Connector,
    Frame,
    Paragraph,
    Run,
    paragraphs_size,
)
from ..text import (
    format_bytes,
    format_count,
    format_params,
    format_shape,
    line_height,
    shorten,
    text_width,
)
from ..theme import ColorRef, Theme

MAX_LABEL_WIDTH = 190.0  # at 9 pt a box's text is cut with an ellipsis past this width

# --------------------------------------------------------------------------- labels


def box_lines(node: Node) -> tuple[str, str, str]:
    """A layer box's text: name; class and key settings; output shape and parameters."""
    detail = node.class_name
    hint = _hint(node)
    if hint:
        detail += f" {hint}"
    params = "shared weights" if node.shared_with else format_params(node.params)
    return node.name, detail, f"{output_text(node)} · {params}"


def output_text(node: Node) -> str:
    """'28×28×32'; '2 outputs'; 'shape unknown' (a subclassed model that never said)."""
    if node.output_shape is not None:
        return format_shape(node.output_shape)
    return f"{len(node.output_shapes)} outputs" if node.output_shapes else "shape unknown"


def plural(count: int, word: str) -> str:
    """'1 layer', '12 layers', '1,024 units'."""
    return f"{format_count(count)} {word}" + ("" if count == 1 else "s")


def opaque_model(graph: Graph) -> Node | None:
    """The one box of a subclassed model whose inside could not be traced, if `graph` is one."""
    if len(graph.nodes) == 1 and not graph.edges:
        node = graph.nodes[0]
        if node.category == "model" and node.inner is None:
            return node
    return None


def opaque_summary(node: Node) -> str:
    """What is known of an untraced subclassed model: 'subclassed Model: 12,345 params,
    internals not traced'."""
    return f"subclassed Model: {plural(node.params, 'param')}, internals not traced"


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
    elif node.category == "model" and node.inner is None and not node.shared_with:
        return "(subclassed, not traced)"
    elif node.category == "model" and node.inner_layers:
        parts.append(f"({plural(node.inner_layers, 'layer')})")
    elif node.category == "block":
        return f"of {node.inner_layers} layers" + (f" × {node.repeat}" if node.repeat > 1 else "")
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
        short_name = shorten(name, budget * 0.62, size, True)
        room = budget - text_width(short_name, size, True) - text_width("  ", size)
        name_run = Run(short_name, size, bold=True)
        class_run = Run("  " + shorten(node.class_name, max(room, budget * 0.3), size), size)
        return (Paragraph((name_run, class_run)), Paragraph((stats_run,)))
    return (
        Paragraph((Run(_fit(name, size, True), size, bold=True),)),
        Paragraph((Run(_fit(detail, size, False), size),)),
        Paragraph((stats_run,)),
    )


def box_size(node: Node, size: float, compact: bool = False) -> tuple[float, float]:
    """Width and height (points) a layer box needs for its text at `size` points."""
    width, height = paragraphs_size(box_paragraphs(node, size, compact))
    return max(width, 6 * size), height


def layer_box(node: Node, rect: Rect, size: float, compact: bool, theme: Theme) -> Box:
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
    if node.category == "model" and node.inner is None and not node.shared_with:
        return f"{node.name}: {node.class_name}, a {opaque_summary(node)}."
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


# --------------------------------------------------------------------------- legend, caption

_LEGEND_FONT = 12.0  # readable from the back of a room (was 10)
_SWATCH = 13.0


def caption_text(graph: Graph) -> str:
    total = graph.total_params
    return (
        f"Total params: {format_count(total)} ({format_bytes(total * 4)})  ·  "
        f"trainable: {format_count(graph.trainable_params)}  ·  "
        f"non-trainable: {format_count(graph.non_trainable_params)}"
    )


def _legend_entries(graph: Graph, shown: Sequence[str] | None) -> list[tuple[str, float]]:
    return [
        (category, _SWATCH + 4 + text_width(category, _LEGEND_FONT) + 14)
        for category in (graph.categories() if shown is None else shown)
    ]


def _legend_rows(
    graph: Graph, width: float, shown: Sequence[str] | None = None
) -> list[list[tuple[str, float]]]:
    rows: list[list[tuple[str, float]]] = [[]]
    used = text_width(caption_text(graph), _LEGEND_FONT) + 24
    for entry in _legend_entries(graph, shown):
        if used + entry[1] > width and rows[-1]:
            rows.append([])
            used = 0.0
        rows[-1].append(entry)
        used += entry[1]
    return rows


def legend_height(graph: Graph, frame: Frame, shown: Sequence[str] | None = None) -> float:
    """Height of the legend-and-caption band at the bottom of a diagram slide."""
    rows = _legend_rows(graph, frame.content.w, shown)
    return len(rows) * (line_height(_LEGEND_FONT) + 6) + 8


def legend_and_caption(
    graph: Graph,
    frame: Frame,
    theme: Theme,
    height: float,
    nav: list[tuple[str, str]] | None = None,
    shown: Sequence[str] | None = None,
) -> list[Box]:
    """The totals caption (left) and the category legend (right) along the slide's bottom;
    with `nav` (label, slide key) pairs, links to other slides take the caption's place;
    `shown` limits the legend to the categories a view draws."""
    content = frame.content
    row_h = line_height(_LEGEND_FONT) + 6
    top = content.bottom - height + 8
    if nav:
        boxes = _nav_boxes(nav, content.x, top, row_h)
    else:
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
    rows = _legend_rows(graph, content.w, shown)
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


def _nav_boxes(nav: list[tuple[str, str]], x: float, y: float, height: float) -> list[Box]:
    """Small rounded buttons that jump to other slides."""
    boxes = []
    for label, key in nav:
        text = shorten(label, 150, _LEGEND_FONT)
        width = text_width(text, _LEGEND_FONT) + 14
        boxes.append(
            Box(
                id=f"link {label}",
                rect=Rect(x, y, width, height),
                paragraphs=(Paragraph((Run(text, _LEGEND_FONT, color=ColorRef("hlink")),)),),
                fill=ColorRef("bg1"),
                line=ColorRef("hlink"),
                line_width=0.75,
                rounding=0.5,
                pad_x=7,
                pad_y=0,
                alt_text=f"Go to {label.strip('↑←→ ')}",
                link=key,
            )
        )
        x += width + 8
    return boxes


BoxMaker = Callable[[Node, Rect], Box]


def place_page(
    graph: Graph, page: Page, area: Rect, font_size: float, make_box: BoxMaker
) -> tuple[list[Box], list[Connector]]:
    """A layout page centred in `area`: layer boxes from `make_box`, continuation markers and
    glued connectors."""
    size = font_size
    dx = area.x + (area.w - page.width) / 2
    dy = area.y + (area.h - page.height) / 2
    boxes: list[Box] = []
    for placed in page.boxes:
        rect = placed.rect.moved(dx, dy)
        if placed.kind == "node":
            boxes.append(make_box(graph.node(placed.id), rect))
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
            boxes.append(
                Box(
                    id=placed.id,
                    rect=rect,
                    paragraphs=(Paragraph((Run(placed.label, size, italic=True, color=MUTED),)),),
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
