"""The band along a diagram slide's bottom: the totals caption (or navigation buttons) on the
left, the legend of categories and merge symbols on the right, each one group."""

from __future__ import annotations

from collections.abc import Sequence

from ..geometry import Rect
from ..ir import Graph
from ..scene import MUTED, Box, Frame, Paragraph, Run
from ..text import format_bytes, format_count, line_height, shorten, text_width
from ..theme import ColorRef, Theme

LEGEND_FONT = 12.0  # readable from the back of a room
_SWATCH = 13.0
_GAP = 4.0
_ENTRY_GAP = 14.0


def caption_text(graph: Graph) -> str:
    total = graph.total_params
    return (
        f"Total params: {format_count(total)} ({format_bytes(total * 4)})  ·  "
        f"trainable: {format_count(graph.trainable_params)}  ·  "
        f"non-trainable: {format_count(graph.non_trainable_params)}"
    )


def _entries(
    graph: Graph, shown: Sequence[str] | None, symbols: Sequence[tuple[str, str]]
) -> list[tuple[str, str, float]]:
    """(kind, name, width): a category swatch or a merge symbol (preset, name)."""
    categories = graph.categories() if shown is None else list(shown)
    entries = [
        ("category", c, _SWATCH + _GAP + text_width(c, LEGEND_FONT) + _ENTRY_GAP)
        for c in categories
    ]
    entries += [
        (preset, name, _SWATCH + _GAP + text_width(name, LEGEND_FONT) + _ENTRY_GAP)
        for preset, name in symbols
    ]
    return entries


def _rows(
    graph: Graph,
    width: float,
    shown: Sequence[str] | None,
    symbols: Sequence[tuple[str, str]],
    left: float,
) -> list[list[tuple[str, str, float]]]:
    rows: list[list[tuple[str, str, float]]] = [[]]
    used = left
    for entry in _entries(graph, shown, symbols):
        if used + entry[2] > width and rows[-1]:
            rows.append([])
            used = 0.0
        rows[-1].append(entry)
        used += entry[2]
    return rows


def _caption_width(graph: Graph) -> float:
    return text_width(caption_text(graph), LEGEND_FONT) + 24


def legend_height(
    graph: Graph,
    frame: Frame,
    shown: Sequence[str] | None = None,
    symbols: Sequence[tuple[str, str]] = (),
) -> float:
    """Height of the legend-and-caption band at the bottom of a diagram slide."""
    rows = _rows(graph, frame.content.w, shown, symbols, _caption_width(graph))
    return len(rows) * (line_height(LEGEND_FONT) + 6) + 8


def legend_and_caption(
    graph: Graph,
    frame: Frame,
    theme: Theme,
    height: float,
    nav: list[tuple[str, str]] | None = None,
    shown: Sequence[str] | None = None,
    symbols: Sequence[tuple[str, str]] = (),
) -> list[Box]:
    """The totals caption (left) and the legend (right) along the slide's bottom; with `nav`
    (label, slide key) pairs, links to other slides take the caption's place; `shown` limits
    the legend to the categories a view draws; `symbols` adds (preset, name) merge symbols."""
    content = frame.content
    row_h = line_height(LEGEND_FONT) + 6
    top = content.bottom - height + 8
    if nav:
        boxes = _nav_boxes(nav, content.x, top, row_h)
    else:
        caption = caption_text(graph)
        boxes = [
            Box(
                id="caption",
                rect=Rect(content.x, top, text_width(caption, LEGEND_FONT) + 2, row_h),
                paragraphs=(Paragraph((Run(caption, LEGEND_FONT, color=MUTED),), align="l"),),
                geometry="rect",
                pad_x=0,
                pad_y=0,
                alt_text=caption,
            )
        ]
    rows = _rows(graph, content.w, shown, symbols, _caption_width(graph))
    merge = theme.category_style("merge")
    for r, row in enumerate(rows):
        y = top + r * row_h
        x = content.right - sum(w for *_, w in row) + _ENTRY_GAP
        for kind, name, w in row:
            style = theme.category_style(name) if kind == "category" else merge
            boxes.append(
                Box(
                    id=f"legend swatch {name}",
                    rect=Rect(x, y + (row_h - _SWATCH) / 2, _SWATCH, _SWATCH),
                    geometry="roundRect" if kind == "category" else kind,
                    fill=style.fill,
                    line=style.line,
                    dashed=style.dashed,
                    rounding=0.25,
                    alt_text=f"Legend: {name}" + (" layers" if kind == "category" else ""),
                    group="legend",
                )
            )
            boxes.append(
                Box(
                    id=f"legend label {name}",
                    rect=Rect(x + _SWATCH + _GAP, y, text_width(name, LEGEND_FONT) + 2, row_h),
                    paragraphs=(Paragraph((Run(name, LEGEND_FONT),), align="l"),),
                    geometry="rect",
                    pad_x=0,
                    pad_y=0,
                    alt_text=f"Legend: {name}",
                    group="legend",
                )
            )
            x += w
    return boxes


def _nav_boxes(nav: list[tuple[str, str]], x: float, y: float, height: float) -> list[Box]:
    """Small rounded buttons that jump to other slides."""
    boxes = []
    for label, key in nav:
        text = shorten(label, 170, LEGEND_FONT)
        width = text_width(text, LEGEND_FONT) + 14
        boxes.append(
            Box(
                id=f"link {label}",
                rect=Rect(x, y, width, height),
                paragraphs=(Paragraph((Run(text, LEGEND_FONT, color=ColorRef("hlink")),)),),
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
