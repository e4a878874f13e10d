"""The band along a diagram slide's bottom: the totals caption (or navigation buttons) on the
left, the legend of categories and merge symbols on the right, each one group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..geometry import Rect
from ..ir import Graph
from ..scene import MUTED, Box, Frame, Paragraph, Run
from ..text import (
    format_bytes,
    format_count,
    line_height,
    shorten,
    text_width,
    unknown_legend,
    unknown_symbols,
)
from ..theme import ColorRef, Theme

LEGEND_FONT = 12.0  # readable from the back of a room
_SWATCH = 13.0
_GAP = 4.0
_ENTRY_GAP = 14.0
_SEPARATOR = "  ·  "


@dataclass(frozen=True)
class LegendMark:
    """A legend entry for a way of drawing boxes (a diff's added, changed, removed)."""

    name: str
    fill: ColorRef | None
    line: ColorRef
    width: float = 1.0
    dashed: bool = False


def caption_text(graph: Graph) -> str:
    """'Total params: 1,234 (4.82 KB) · trainable: ... · L: any sequence length': the totals,
    then what the symbols for unknown sizes the boxes show mean (`unknown_note`)."""
    total = graph.total_params
    note = unknown_note(graph)
    return (
        f"Total params: {format_count(total)} ({format_bytes(total * 4)}){_SEPARATOR}"
        f"trainable: {format_count(graph.trainable_params)}{_SEPARATOR}"
        f"non-trainable: {format_count(graph.non_trainable_params)}"
        + (f"{_SEPARATOR}{note}" if note else "")
    )


def unknown_note(graph: Graph) -> str:
    """What the symbols standing for the unknown sizes of the graph's shapes mean, once:
    'L: any sequence length' (empty when every size is known)."""
    shapes = [s for n in graph.nodes for s in n.output_shapes]
    return unknown_legend(unknown_symbols(shapes, graph.axis_order))


def _entries(
    graph: Graph,
    shown: Sequence[str] | None,
    symbols: Sequence[tuple[str, str]],
    font: float,
    marks: Sequence[LegendMark] = (),
) -> list[tuple[str, str, float]]:
    """(kind, name, width): a category swatch, a merge symbol (preset, name) or a mark."""
    k = font / LEGEND_FONT
    categories = graph.categories() if shown is None else list(shown)
    named = (
        [("category", c) for c in categories] + list(symbols) + [("mark", m.name) for m in marks]
    )
    return [
        (kind, name, (_SWATCH + _GAP + _ENTRY_GAP) * k + text_width(name, font))
        for kind, name in named
    ]


def caption_lines(graph: Graph, width: float, font: float = LEGEND_FONT) -> list[str]:
    """The totals caption as lines at most `width` points wide (one line on a slide; a narrow
    figure breaks it between its parts, and the total before its size in bytes)."""
    total, *parts = caption_text(graph).split(_SEPARATOR)
    count, size = total.split(" (", 1)
    lines = [count]
    for separator, part in [(" ", f"({size}"), *((_SEPARATOR, p) for p in parts)]:
        joined = lines[-1] + separator + part
        if text_width(joined, font) + 2 <= width:
            lines[-1] = joined
        else:
            lines.append(part)
    return lines


@dataclass(frozen=True)
class _Band:
    """What the band holds: caption lines (left), legend rows (right-aligned); the legend
    starts on the caption's row when the caption is one line, below it otherwise."""

    caption: list[str]
    rows: list[list[tuple[str, str, float]]]
    first_row: int

    @property
    def row_count(self) -> int:
        return max(len(self.caption), self.first_row + len(self.rows))


def _band(
    graph: Graph,
    width: float,
    shown: Sequence[str] | None,
    symbols: Sequence[tuple[str, str]],
    font: float,
    caption: bool,
    marks: Sequence[LegendMark] = (),
) -> _Band:
    lines = caption_lines(graph, width, font) if caption else []
    entries = _entries(graph, shown, symbols, font, marks)
    left = text_width(caption_text(graph), font) + 24 * font / LEGEND_FONT if lines else 0.0
    # the legend starts on the caption's row if the caption is one line with room beside it
    beside = not lines or len(lines) == 1 and (not entries or left + entries[0][2] <= width)
    used = left if lines and beside else 0.0
    rows: list[list[tuple[str, str, float]]] = [[]]
    for entry in entries:
        if used + entry[2] > width and rows[-1]:
            rows.append([])
            used = 0.0
        rows[-1].append(entry)
        used += entry[2]
    return _Band(lines, rows, 0 if beside else len(lines))


def _row_height(font: float) -> float:
    return line_height(font) + 6 * font / LEGEND_FONT


def legend_height(
    graph: Graph,
    frame: Frame,
    shown: Sequence[str] | None = None,
    symbols: Sequence[tuple[str, str]] = (),
    font: float = LEGEND_FONT,
    caption: bool = True,
    marks: Sequence[LegendMark] = (),
) -> float:
    """Height of the legend-and-caption band at the bottom of a diagram slide (text of `font`
    points; `caption` False leaves the totals out; `marks` adds ways of drawing boxes)."""
    band = _band(graph, frame.content.w, shown, symbols, font, caption, marks)
    return band.row_count * _row_height(font) + 8 * font / LEGEND_FONT


def legend_and_caption(
    graph: Graph,
    frame: Frame,
    theme: Theme,
    height: float,
    nav: list[tuple[str, str]] | None = None,
    shown: Sequence[str] | None = None,
    symbols: Sequence[tuple[str, str]] = (),
    font: float = LEGEND_FONT,
    caption: bool = True,
    marks: Sequence[LegendMark] = (),
) -> list[Box]:
    """The totals caption (left) and the legend (right) along the slide's bottom; with `nav`
    (label, slide key) pairs, links to other slides take the caption's place; `shown` limits
    the legend to the categories a view draws; `symbols` adds (preset, name) merge symbols
    and `marks` ways of drawing boxes; `font` sizes the text (a figure's), `caption` False
    leaves the totals out."""
    content = frame.content
    k = font / LEGEND_FONT
    row_h = _row_height(font)
    top = content.bottom - height + 8 * k
    band = _band(graph, content.w, shown, symbols, font, caption, marks)
    if nav:
        boxes = _nav_boxes(nav, content.x, top, row_h)
        boxes += _nav_note(graph, boxes, band, content, font, row_h)
    else:
        boxes = [
            Box(
                id="caption" if i == 0 else f"caption {i + 1}",
                rect=Rect(content.x, top + i * row_h, text_width(line, font) + 2, row_h),
                paragraphs=(Paragraph((Run(line, font, color=MUTED),), align="l"),),
                geometry="rect",
                pad_x=0,
                pad_y=0,
                alt_text=caption_text(graph) if i == 0 else line,
            )
            for i, line in enumerate(band.caption)
        ]
    merge = theme.category_style("merge")
    by_name = {m.name: m for m in marks}
    swatch, gap, entry_gap = _SWATCH * k, _GAP * k, _ENTRY_GAP * k
    for r, row in enumerate(band.rows):
        y = top + (band.first_row + r) * row_h
        x = content.right - sum(w for *_, w in row) + entry_gap - 2  # labels are 2 pt wider
        for kind, name, w in row:
            style = theme.category_style(name) if kind == "category" else merge
            mark = by_name.get(name) if kind == "mark" else None
            boxes.append(
                Box(
                    id=f"legend swatch {name}",
                    rect=Rect(x, y + (row_h - swatch) / 2, swatch, swatch),
                    geometry=kind if kind not in ("category", "mark") else "roundRect",
                    fill=mark.fill if mark else style.fill,
                    line=mark.line if mark else style.line,
                    line_width=min(mark.width, 2.0) if mark else 1.0,
                    dashed=mark.dashed if mark else style.dashed,
                    rounding=0.25,
                    alt_text=f"Legend: {name}" + (" layers" if kind == "category" else ""),
                    group="legend",
                )
            )
            boxes.append(
                Box(
                    id=f"legend label {name}",
                    rect=Rect(x + swatch + gap, y, text_width(name, font) + 2, row_h),
                    paragraphs=(Paragraph((Run(name, font),), align="l"),),
                    geometry="rect",
                    pad_x=0,
                    pad_y=0,
                    alt_text=f"Legend: {name}",
                    group="legend",
                )
            )
            x += w
    return boxes


def _nav_note(
    graph: Graph, buttons: list[Box], band: _Band, content: Rect, font: float, row_h: float
) -> list[Box]:
    """Beside the navigation buttons (which take the caption's place), what the symbols for
    unknown sizes mean, when it fits in the room the caption would have taken."""
    note = unknown_note(graph)
    if not note or not buttons or not band.caption:
        return []
    x = buttons[-1].rect.right + 12
    room = text_width(caption_text(graph), font) + 24 * font / LEGEND_FONT
    width = text_width(note, font) + 2
    if x + width > content.x + room or x + width > content.right:
        return []
    return [
        Box(
            id="caption unknown sizes",
            rect=Rect(x, buttons[-1].rect.y, width, row_h),
            paragraphs=(Paragraph((Run(note, font, color=MUTED),), align="l"),),
            geometry="rect",
            pad_x=0,
            pad_y=0,
            alt_text=note,
        )
    ]


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
