"""Scene: what each slide shows, as semantic primitives in points (no python-pptx here).

Views (`pptx_nnviz.views`) build scenes; renderers (PowerPoint, matplotlib figures) only draw
these primitives, so every view looks the same in a deck and in a figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from .geometry import Point, Rect
from .ir import Graph
from .text import line_height, text_width
from .theme import ColorRef

#: Inner margins of a box's text (points): left/right and top/bottom.
PAD_X = 6.0
PAD_Y = 4.0
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
    strike: bool = False


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
    geometry: str = "roundRect"  # an OOXML preset (roundRect, rect, ellipse, cube) or "custom"
    fill: ColorRef | None = None
    line: ColorRef | None = None
    line_width: float = 1.0
    dashed: bool = False
    alt_text: str = ""
    anchor: str = "ctr"  # vertical text anchor: "t" | "ctr" | "b"
    pad_x: float = PAD_X
    pad_y: float = PAD_Y
    rounding: float = 0.18  # roundRect corner radius as a fraction of the shorter side
    depth: float = 0.25  # cube depth as a fraction of the shorter side
    link: str | None = None  # the key of the slide a click on this box jumps to
    points: tuple[Point, ...] = ()  # "custom" geometry: a closed polygon, relative to rect
    autofit: bool = False  # text wraps and shrinks when an edit makes it overflow
    group: str = ""  # boxes with the same group key become one group shape


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
    arrow_size: str = "med"  # "sm" | "med" | "lg"
    edge: tuple[str, str] = ("", "")  # the graph edge it draws (or a part of), if any
    dashed: bool = False


@dataclass(frozen=True)
class Table:
    """A native table: a header row, body rows, column widths in points."""

    id: str
    rect: Rect
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    column_widths: tuple[float, ...]
    font_size: float = 10.0
    row_height: float = 16.0
    align: tuple[str, ...] = ()  # per column: "l" | "r" | "ctr"
    bold_rows: tuple[int, ...] = ()  # body rows drawn bold (totals)
    alt_text: str = ""


@dataclass(frozen=True)
class BarChart:
    """A native bar chart (its data editable in PowerPoint); series are stacked."""

    id: str
    rect: Rect
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...], ColorRef], ...]
    title: str = ""
    value_axis_title: str = ""
    font_size: float = 10.0
    horizontal: bool = True
    alt_text: str = ""
    value_max: float | None = None  # the value axis's maximum (one scale across pages)
    value_step: float | None = None  # the step between its gridlines (None: the app's own)
    value_min: float | None = None  # its minimum (None: 0; a log axis needs one above 0)
    log_scale: bool = False  # a logarithmic value axis (base 10)


@dataclass(frozen=True)
class Group:
    """Shapes that move together in PowerPoint (e.g. a cube and its caption)."""

    id: str
    members: tuple[str, ...]
    alt_text: str = ""


@dataclass(frozen=True)
class Diagram:
    """What a diagram slide draws: the graph laid out (blocks, fused layers as drawn) and the
    label style, for builds and for updating the slide after the model changes."""

    graph: Graph
    font: float
    density: str
    whole: bool = True  # the drawing is one slide (not one page of several)
    prefix: str = ""  # the name prefix the boxes leave out (a block's, shown in the title)


@dataclass(frozen=True)
class SlideScene:
    """One slide: a title, shapes drawn in order, and speaker notes."""

    title: str
    boxes: tuple[Box, ...] = ()
    connectors: tuple[Connector, ...] = ()
    notes: str = ""
    kind: str = "architecture"  # the view it belongs to ("title" uses the cover layout)
    subtitle: str = ""
    tables: tuple[Table, ...] = ()
    charts: tuple[BarChart, ...] = ()
    groups: tuple[Group, ...] = ()
    key: str = ""  # a unique, stable name: links (Box.link) and updates find the slide by it
    appendix: bool = False  # goes to the deck's appendix section, after every view
    steps: tuple[tuple[str, ...], ...] = ()  # builds: the box ids each click reveals, in order
    diagram: Diagram | None = None


@dataclass(frozen=True)
class Frame:
    """The slide's size and the free area under its title (points)."""

    width: float
    height: float
    content: Rect


def paragraphs_size(paragraphs: tuple[Paragraph, ...]) -> tuple[float, float]:
    """Width and height (points) of a box holding `paragraphs` with the standard padding."""
    width = max(sum(text_width(r.text, r.size, r.bold) for r in p.runs) for p in paragraphs)
    height = sum(line_height(max(r.size for r in p.runs)) for p in paragraphs)
    return width + 2 * PAD_X, height + 2 * PAD_Y
