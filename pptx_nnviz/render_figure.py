"""Figure renderer: the only module that imports matplotlib.

It draws the very scenes the deck draws (boxes, connectors, tables, charts), cropped to their
content and stacked when a view has several slides, as SVG, PDF or PNG. Scene units are points
with y down; the figure's data units are the same points with y flipped, so one data unit is one
point at `scale` 1. Text uses the bundled Carlito (Calibri's metric twin), as the layout does,
so every label fits its box exactly as on the slide.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import IO, Any

from .geometry import Point, Rect, bounding_rect
from .scene import BarChart, Box, Connector, Paragraph, SlideScene, Table
from .text import LINE_HEIGHT, _covered, sanitize, text_width
from .theme import ColorRef, Theme

MARGIN = 6.0  # points of background around each scene's content
GAP = 18.0  # points between stacked scenes
FORMATS = ("svg", "pdf", "png")
#: Carlito's (and Calibri's) Windows ascent: a line's baseline lies this far below its top,
#: in font sizes (usWinAscent 1950 / 2048 units per em); the rest of LINE_HEIGHT is descent.
ASCENT = 1950 / 2048
FONT_FAMILY = ["Carlito", "Calibri", "DejaVu Sans"]
#: PowerPoint's dash preset "dash": 4 line widths on, 3 off (matplotlib scales by width).
DASH = (0.0, (4.0, 3.0))
#: The strokes PowerPoint draws inside a merge symbol's circle (unit radius, from the centre):
#: flowChartOr is ⊕, flowChartSummingJunction is ⊗.
_D = math.sqrt(0.5)
_CROSSES = {
    "flowChartOr": (((-1.0, 0.0), (1.0, 0.0)), ((0.0, -1.0), (0.0, 1.0))),
    "flowChartSummingJunction": (((-_D, -_D), (_D, _D)), ((-_D, _D), (_D, -_D))),
}
#: Table cells as python-pptx writes them (see render_pptx.draw_table).
CELL_PAD_X = 5.0
CELL_PAD_Y = 2.5


@dataclass(frozen=True)
class PlacedScene:
    """Where one scene landed: `crop` (scene points) is drawn with its top-left at `offset`
    (figure points, y down, before `scale`)."""

    index: int
    crop: Rect
    offset: Point

    def to_figure(self, x: float, y: float) -> Point:
        """A scene point in figure points (y down)."""
        return x - self.crop.x + self.offset[0], y - self.crop.y + self.offset[1]


@dataclass
class RenderedFigure:
    """A drawn matplotlib figure and where everything went.

    `width`/`height` are the content size in points; the figure is `scale` times that.
    `patches` maps (scene index, shape id) to the rectangle read back from the drawn artist
    (figure points, y down, unscaled), for boxes with a fill or outline, tables and charts;
    `labels` maps the same keys to the matplotlib Text artists of a box's paragraphs.
    """

    figure: Any
    width: float
    height: float
    scale: float
    background: str
    scenes: list[PlacedScene] = field(default_factory=list)
    patches: dict[tuple[int, str], Rect] = field(default_factory=dict)
    labels: dict[tuple[int, str], list[Any]] = field(default_factory=dict)

    @property
    def size_inches(self) -> tuple[float, float]:
        return self.width * self.scale / 72, self.height * self.scale / 72

    def pixel_size(self, dpi: float) -> tuple[int, int]:
        """The PNG's size in pixels at `dpi` (matplotlib truncates to whole pixels)."""
        w, h = self.figure.get_size_inches()
        return int(w * dpi), int(h * dpi)

    def label_extents(self) -> dict[tuple[int, str], list[Rect]]:
        """Each box's text as matplotlib draws it: ink-and-line boxes in figure points (y down,
        unscaled), to check that labels fit their boxes."""
        from matplotlib import rc_context

        with rc_context(_rc_params()), _quiet_fonts():
            renderer = self.figure.canvas.get_renderer()
            to_data = self.figure.axes[0].transData.inverted()
            extents: dict[tuple[int, str], list[Rect]] = {}
            for key, texts in self.labels.items():
                for text in texts:
                    e = text.get_window_extent(renderer).transformed(to_data)
                    rect = Rect(e.x0, self.height - e.y1, e.width, e.height)
                    extents.setdefault(key, []).append(rect)
        return extents

    def save(self, stream: IO[bytes], fmt: str, dpi: float = 200) -> None:
        """Write the figure as `fmt` (svg, pdf or png) to a binary stream."""
        from matplotlib import rc_context

        if fmt not in FORMATS:
            raise ValueError(f"unknown figure format {fmt!r}")
        metadata: dict[str, Any] = {
            "svg": {"Date": None, "Creator": "pptx_nnviz"},
            "pdf": {"CreationDate": None, "Creator": "pptx_nnviz"},
            "png": {"Software": "pptx_nnviz"},
        }[fmt]
        with rc_context(_rc_params()), _quiet_fonts():
            self.figure.savefig(
                stream,
                format=fmt,
                dpi=dpi,
                facecolor=self.background,
                edgecolor="none",
                metadata=metadata,
            )


# --------------------------------------------------------------------------- fonts, rcParams


@lru_cache(maxsize=1)
def register_fonts() -> dict[bool, str]:
    """Make the bundled Carlito fonts known to matplotlib (once per process): bold -> file."""
    from matplotlib import font_manager

    files = {}
    for bold, name in ((False, "Carlito-Regular.ttf"), (True, "Carlito-Bold.ttf")):
        path = str(resources.files("pptx_nnviz") / "fonts" / name)
        font_manager.fontManager.addfont(path)
        files[bold] = path
    return files


@contextmanager
def _quiet_fonts() -> Iterator[None]:
    """Hide matplotlib's 'findfont: Font family Calibri not found' (Calibri is only named,
    for SVG readers that have it) and missing-glyph warnings, restoring the loggers after."""
    # fontTools, subsetting Carlito for a PDF, warns about the font's creation date.
    loggers = [logging.getLogger(name) for name in ("matplotlib.font_manager", "fontTools")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _rc_params() -> dict[str, Any]:
    return {
        "font.family": FONT_FAMILY,
        "svg.fonttype": "none",  # text stays <text>, editable in Inkscape/Illustrator
        "svg.hashsalt": "pptx_nnviz",  # reproducible ids
        "pdf.fonttype": 42,  # embedded TrueType: text can be selected and extracted
        "pdf.compression": 6,
        "text.usetex": False,
        # Unhinted glyph advances: hinting rounds each one up to whole pixels, which made
        # PNG text up to 6 % wider than the layout measured it (and than PowerPoint draws).
        "text.hinting": "no_hinting",
        "axes.unicode_minus": False,
        "path.simplify": False,
    }


# --------------------------------------------------------------------------- colours


def _hex(theme: Theme, ref: ColorRef | None) -> str:
    return "none" if ref is None else "#" + theme.rgb(ref)


def _scheme(theme: Theme, slot: str) -> str:
    """A raw scheme colour (dk1, lt1, accent1...), as table styles name them."""
    return "#" + theme.colors[slot]


def _tint(hex_rgb: str, amount: float) -> str:
    """DrawingML's tint: keep `amount` of the colour, the rest white, mixed in linear RGB
    (accent 4472C4 at tint 40 % gives PowerPoint's CFD5EA)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    def encoded(c: float) -> float:
        return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055

    channels = (int(hex_rgb[i : i + 2], 16) / 255 for i in (1, 3, 5))
    mixed = (encoded(1 - amount + amount * linear(c)) for c in channels)
    return "#" + "".join(f"{round(c * 255):02X}" for c in mixed)


def _shade(hex_rgb: str, amount: float) -> str:
    """A cube face's path fill: lightenLess (`amount` 0.2: a fifth of the way to white) or
    darkenLess (-0.2: each channel times 0.8), as LibreOffice draws PowerPoint's cube."""
    channels = [int(hex_rgb[i : i + 2], 16) for i in (1, 3, 5)]
    if amount >= 0:
        mixed = [c + (255 - c) * amount for c in channels]
    else:
        mixed = [c * (1 + amount) for c in channels]
    return "#" + "".join(f"{round(c):02X}" for c in mixed)


# --------------------------------------------------------------------------- layout of the figure


def scene_content(scene: SlideScene) -> Rect | None:
    """The bounding box of everything the scene draws (not its title), or None if empty."""
    rects = [b.rect for b in scene.boxes] + [t.rect for t in scene.tables]
    rects += [c.rect for c in scene.charts]
    for connector in scene.connectors:
        xs = [p[0] for p in connector.points]
        ys = [p[1] for p in connector.points]
        rects.append(Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
    return bounding_rect(rects) if rects else None


def place_scenes(
    scenes: Sequence[SlideScene], width: float = 0.0
) -> tuple[float, float, list[PlacedScene]]:
    """Crop each scene to its content plus MARGIN and stack them top to bottom, centred on
    the widest (or on `width` points when wider): the figure's width and height (points)
    and where each scene goes."""
    crops = []
    for index, scene in enumerate(scenes):
        content = scene_content(scene)
        if content is not None:
            crops.append((index, _grow(content, MARGIN)))
    if not crops:
        return 0.0, 0.0, []
    width = max(width, *(c.w for _, c in crops))
    placed = []
    y = 0.0
    for index, crop in crops:
        placed.append(PlacedScene(index, crop, ((width - crop.w) / 2, y)))
        y += crop.h + GAP
    return width, y - GAP, placed


def _grow(rect: Rect, margin: float) -> Rect:
    return Rect(rect.x - margin, rect.y - margin, rect.w + 2 * margin, rect.h + 2 * margin)


# --------------------------------------------------------------------------- rendering


def render_scenes(
    scenes: Sequence[SlideScene],
    theme: Theme,
    *,
    width: float | None = None,
    stretch: bool = True,
) -> RenderedFigure:
    """Draw `scenes` into a new matplotlib figure `width` inches wide: scaled to it, keeping
    aspect, or without `stretch` drawn at scale 1 and centred on it (scenes laid out for
    that width; a wider drawing is scaled down).

    Raises ValueError when no scene has anything to draw.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    register_fonts()
    page = 0.0 if width is None or stretch else width * 72
    fig_w, fig_h, placed = place_scenes(scenes, page)
    if not placed:
        raise ValueError("nothing to draw: the scenes hold no boxes, tables or charts")
    if page and fig_w <= page + 0.01:  # laid out for the page (to rounding): drawn as it is
        fig_w = page
    scale = 1.0 if width is None or fig_w == page else width * 72 / fig_w
    background = _hex(theme, ColorRef("bg1"))
    with rc_context(_rc_params()), _quiet_fonts():
        figure = Figure(figsize=(fig_w * scale / 72, fig_h * scale / 72), facecolor=background)
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_axis_off()
        axes.set_xlim(0, fig_w)
        axes.set_ylim(0, fig_h)
        axes.set_facecolor(background)
        result = RenderedFigure(figure, fig_w, fig_h, scale, background, placed)
        painter = _Painter(result, axes, theme)
        for place in placed:
            painter.scene(scenes[place.index], place)
        for above in placed[:-1]:  # a thin rule between stacked slides
            y = fig_h - (above.offset[1] + above.crop.h + GAP / 2)
            axes.plot(
                [MARGIN, fig_w - MARGIN],
                [y, y],
                color=_hex(theme, ColorRef("bg2")),
                linewidth=0.75 * scale,
                solid_capstyle="butt",
                clip_on=False,
                gid="page-rule",
            )
    return result


class _Painter:
    """Draws one scene's primitives onto the figure's axes, in the deck's stacking order."""

    def __init__(self, result: RenderedFigure, axes: Any, theme: Theme) -> None:
        self.result = result
        self.axes = axes
        self.theme = theme
        self.scale = result.scale
        self.zorder = 1.0

    # -- coordinates

    def _xy(self, place: PlacedScene, x: float, y: float) -> Point:
        """Scene point -> data coordinates (points, y up)."""
        fx, fy = place.to_figure(x, y)
        return fx, self.result.height - fy

    def _next_z(self) -> float:
        self.zorder += 1
        return self.zorder

    def _record(self, place: PlacedScene, shape_id: str, artists: list[Any]) -> None:
        """Read the drawn artists' extents back, in figure points (y down)."""
        from matplotlib.transforms import Bbox

        boxes = []
        for artist in artists:
            path = artist.get_path()
            transform = artist.get_patch_transform()
            boxes.append(transform.transform_path(path).get_extents())
        union = Bbox.union(boxes)
        top = self.result.height - union.y1
        self.result.patches[(place.index, shape_id)] = Rect(
            union.x0, top, union.x1 - union.x0, union.y1 - union.y0
        )

    @staticmethod
    def _gid(place: PlacedScene, kind: str, shape_id: str) -> str:
        return f"s{place.index + 1}-{kind}-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", shape_id)

    # -- scene

    def scene(self, scene: SlideScene, place: PlacedScene) -> None:
        for box in scene.boxes:
            self.box(box, place)
        for table in scene.tables:
            self.table(table, place)
        for chart in scene.charts:
            self.chart(chart, place)
        for connector in scene.connectors:
            self.connector(connector, place)

    # -- boxes

    def box(self, box: Box, place: PlacedScene) -> None:
        z = self._next_z()
        if box.fill is not None or box.line is not None:
            artists = self._shape(box, place, z)
            for artist in artists:
                artist.set_gid(self._gid(place, "box", box.id))
                self.axes.add_patch(artist)
            self._record(place, box.id, artists)
        self._paragraphs(box, place, z + 0.5)

    def _shape(self, box: Box, place: PlacedScene, z: float) -> list[Any]:
        from matplotlib.patches import BoxStyle, Ellipse, FancyBboxPatch, Polygon, Rectangle

        r = box.rect
        x0, y0 = self._xy(place, r.x, r.bottom)  # lower-left corner in data coordinates
        style: dict[str, Any] = {
            "facecolor": _hex(self.theme, box.fill),
            "edgecolor": _hex(self.theme, box.line),
            "linewidth": box.line_width * self.scale if box.line is not None else 0.0,
            "linestyle": DASH if box.dashed else "solid",
            "joinstyle": "round",
            "zorder": z,
            "clip_on": False,
        }
        if box.geometry == "roundRect":
            radius = min(max(box.rounding, 0.0), 0.5) * min(r.w, r.h)
            return [
                FancyBboxPatch(
                    (x0, y0),
                    r.w,
                    r.h,
                    boxstyle=BoxStyle.Round(pad=0, rounding_size=radius),
                    mutation_scale=1,
                    **style,
                )
            ]
        if box.geometry in ("ellipse", *_CROSSES):
            centre = (x0 + r.w / 2, y0 + r.h / 2)
            circle = Ellipse(centre, r.w, r.h, **style)
            strokes = {**style, "facecolor": "none"}
            return [circle] + [
                Polygon(
                    [(centre[0] + a * r.w / 2, centre[1] + b * r.h / 2) for a, b in stroke],
                    closed=False,
                    **strokes,
                )
                for stroke in _CROSSES.get(box.geometry, ())
            ]
        if box.geometry == "cube":
            d = min(max(box.depth, 0.0), 1.0) * min(r.w, r.h)
            top = y0 + r.h
            fill = style.pop("facecolor")
            faces = [
                Rectangle((x0, y0), r.w - d, r.h - d, facecolor=fill, **style),
                Polygon(  # top face: PowerPoint's lightenLess
                    [(x0, top - d), (x0 + d, top), (x0 + r.w, top), (x0 + r.w - d, top - d)],
                    closed=True,
                    facecolor=fill if fill == "none" else _shade(fill, 0.2),
                    **style,
                ),
                Polygon(  # right side face: darkenLess
                    [
                        (x0 + r.w - d, top - d),
                        (x0 + r.w, top),
                        (x0 + r.w, y0 + d),
                        (x0 + r.w - d, y0),
                    ],
                    closed=True,
                    facecolor=fill if fill == "none" else _shade(fill, -0.2),
                    **style,
                ),
            ]
            return faces
        return [Rectangle((x0, y0), r.w, r.h, **style)]

    # -- text

    def _paragraphs(self, box: Box, place: PlacedScene, z: float) -> None:
        if not box.paragraphs:
            return
        r = box.rect
        heights = [LINE_HEIGHT * max(run.size for run in p.runs) for p in box.paragraphs if p.runs]
        block = sum(heights)
        inner_top, inner_h = r.y + box.pad_y, r.h - 2 * box.pad_y
        if box.anchor == "t":
            top = inner_top
        elif box.anchor == "b":
            top = inner_top + inner_h - block
        else:
            top = inner_top + (inner_h - block) / 2
        if box.geometry == "cube":  # PowerPoint sets a cube's text in its front face
            d = min(max(box.depth, 0.0), 1.0) * min(r.w, r.h)
            r = Rect(r.x, r.y + d, r.w - d, r.h - d)
            top += d / 2
        for paragraph in box.paragraphs:
            if not paragraph.runs:
                continue
            size = max(run.size for run in paragraph.runs)
            baseline = top + ASCENT * size
            drawn = self._line(paragraph, r, box.pad_x, baseline, place, z)
            self.result.labels.setdefault((place.index, box.id), []).extend(drawn)
            top += LINE_HEIGHT * size

    def _line(
        self,
        paragraph: Paragraph,
        rect: Rect,
        pad_x: float,
        baseline: float,
        place: PlacedScene,
        z: float,
    ) -> list[Any]:
        """One paragraph as one line: runs placed side by side from their measured widths."""
        runs = [(sanitize(run.text), run) for run in paragraph.runs]
        widths = [text_width(text, run.size, run.bold) for text, run in runs]
        total = sum(widths)
        if paragraph.align == "l":
            x = rect.x + pad_x
        elif paragraph.align == "r":
            x = rect.right - pad_x - total
        else:
            x = rect.cx - total / 2
        drawn = []
        for (text, run), w in zip(runs, widths):
            stripped = text.lstrip()
            lead = text_width(text[: len(text) - len(stripped)], run.size, run.bold)
            if stripped.strip():
                drawn.append(
                    self._text(stripped.rstrip(), x + lead, baseline, run.size, run, place, z)
                )
            x += w
        return drawn

    def _text(
        self,
        text: str,
        x: float,
        baseline: float,
        size: float,
        run: Any,
        place: PlacedScene,
        z: float,
        color: str | None = None,
        ha: str = "left",
    ) -> Any:
        """One run of text, its baseline at (x, baseline) in scene points."""
        dx, dy = self._xy(place, x, baseline)
        return self.axes.text(
            dx,
            dy,
            text,
            fontproperties=self._font(text, size, run.bold, run.italic),
            color=color or _hex(self.theme, run.color or ColorRef("tx1")),
            ha=ha,
            va="baseline",
            zorder=z,
            clip_on=False,
            parse_math=False,
        )

    def _font(self, text: str, size: float, bold: bool, italic: bool) -> Any:
        """Carlito at `size` points (times the scale): the bundled file the layout measured
        with, unless the text is italic or needs glyphs Carlito lacks (then the family list,
        with matplotlib's per-glyph fallback)."""
        from matplotlib.font_manager import FontProperties

        covered = _covered()
        plain = not italic and all(ord(ch) in covered for ch in text)
        return FontProperties(
            family=FONT_FAMILY,
            weight="bold" if bold else "normal",
            style="italic" if italic else "normal",
            size=size * self.scale,
            fname=register_fonts()[bold] if plain else None,
        )

    # -- connectors

    def connector(self, connector: Connector, place: PlacedScene) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Polygon

        z = self._next_z()
        color = _hex(self.theme, connector.color)
        points = [self._xy(place, x, y) for x, y in connector.points]
        head: list[Point] = []
        if connector.arrow and len(points) >= 2:
            points, head = _arrowhead(points, connector.width, connector.arrow_size)
        line = Line2D(
            [p[0] for p in points],
            [p[1] for p in points],
            color=color,
            linewidth=connector.width * self.scale,
            solid_capstyle="butt",
            solid_joinstyle="miter",
            zorder=z,
            clip_on=False,
            gid=self._gid(place, "connector", connector.id),
        )
        self.axes.add_line(line)
        if head:
            self.axes.add_patch(
                Polygon(
                    head, closed=True, facecolor=color, edgecolor="none", zorder=z, clip_on=False
                )
            )

    # -- tables

    def table(self, table: Table, place: PlacedScene) -> None:
        """A table in python-pptx's default style (Medium Style 2, Accent 1): accent header with
        light bold text, banded body rows, thin light grid lines."""
        from matplotlib.patches import Rectangle

        z = self._next_z()
        header_fill = _scheme(self.theme, "accent1")
        bands = (_tint(header_fill, 0.4), _tint(header_fill, 0.2))
        grid = _scheme(self.theme, "lt1")
        rows = [table.header, *table.rows]
        widths = list(table.column_widths)
        artists = []
        y = table.rect.y
        for row_index, cells in enumerate(rows):
            fill = header_fill if row_index == 0 else bands[(row_index - 1) % 2]
            bold = row_index == 0 or (row_index - 1) in table.bold_rows
            color = grid if row_index == 0 else _scheme(self.theme, "dk1")
            x = table.rect.x
            for col, text in enumerate(cells):
                w = widths[col] if col < len(widths) else 0.0
                x0, y0 = self._xy(place, x, y + table.row_height)
                cell = Rectangle(
                    (x0, y0),
                    w,
                    table.row_height,
                    facecolor=fill,
                    edgecolor=grid,
                    linewidth=1.0 * self.scale,
                    zorder=z,
                    clip_on=False,
                )
                self.axes.add_patch(cell)
                artists.append(cell)
                align = table.align[col] if col < len(table.align) else "l"
                tx = {"l": x + CELL_PAD_X, "r": x + w - CELL_PAD_X}.get(align, x + w / 2)
                ha = {"l": "left", "r": "right"}.get(align, "center")
                run = _Style(bold=bold)
                baseline = y + CELL_PAD_Y + ASCENT * table.font_size
                text = sanitize(text).strip()
                if text:
                    self._text(text, tx, baseline, table.font_size, run, place, z + 0.5, color, ha)
                x += w
            y += table.row_height
        for artist in artists:
            artist.set_gid(self._gid(place, "table", table.id))
        self._record(place, table.id, artists)

    # -- charts

    def chart(self, chart: BarChart, place: PlacedScene) -> None:
        """A stacked bar chart in its rectangle: categories in scene order (first on top or
        left), series stacked, legend at the bottom, value gridlines, as the deck's chart."""
        from matplotlib.patches import Rectangle

        z = self._next_z()
        r = chart.rect
        size = chart.font_size
        text_color = _hex(self.theme, ColorRef("tx1", 0.25))
        grid_color = _hex(self.theme, ColorRef("tx1", 0.8))
        frame = Rectangle(
            self._xy(place, r.x, r.bottom), r.w, r.h, facecolor="none", edgecolor="none", zorder=z
        )
        self.axes.add_patch(frame)
        frame.set_gid(self._gid(place, "chart", chart.id))
        self._record(place, chart.id, [frame])
        # The plot area inside the chart's rectangle, leaving room for labels as PowerPoint does.
        labels = [sanitize(c) for c in chart.categories]
        totals = [
            sum(values[i] for _, values, _ in chart.series if i < len(values))
            for i in range(len(labels))
        ]
        ticks = _value_ticks(chart.value_max or max(totals, default=0.0))
        top_value = ticks[-1]
        low = chart.value_min or 0.0
        if chart.log_scale and chart.value_max and 0 < low < chart.value_max:
            top_value = chart.value_max
            decades = math.log10(top_value / low)
            ticks = [low * 10**k for k in range(int(decades + 1e-9) + 1)]
            ticks += [top_value] if len(ticks) < 2 else []

        def frac(value: float) -> float:
            """Where `value` falls along the value axis, from 0 to 1."""
            if chart.log_scale and 0 < low < top_value:
                return max(0.0, math.log10(max(value, low) / low) / math.log10(top_value / low))
            return value / top_value if top_value else 0.0

        tick_labels = [f"{t:,.0f}" if ticks[1] >= 1 else f"{t:,g}" for t in ticks]
        line = LINE_HEIGHT * size
        pad = 8.0
        title_h = line * 1.3 if chart.title else 0.0
        legend_h = line + 6 if chart.series else 0.0
        axis_title_h = line if chart.value_axis_title else 0.0
        # The legend above the plot (as in the deck), the value axis's title under its numbers.
        if chart.horizontal:
            cat_w = max((text_width(c, size) for c in labels), default=0.0) + 6
            left = r.x + pad + cat_w
            right = r.right - pad - text_width(tick_labels[-1], size) / 2
            top = r.y + pad + title_h + legend_h
            bottom = r.bottom - pad - axis_title_h - line - 2
        else:
            left = r.x + pad + axis_title_h + max(text_width(t, size) for t in tick_labels) + 6
            right = r.right - pad
            top = r.y + pad + title_h + legend_h
            bottom = r.bottom - pad - line - 4
        if right <= left or bottom <= top:
            return
        plot = Rect(left, top, right - left, bottom - top)
        for tick, label in zip(ticks, tick_labels):  # gridlines and value labels
            along = frac(tick)
            if chart.horizontal:
                gx = plot.x + along * plot.w
                self._segment(place, (gx, plot.y), (gx, plot.bottom), grid_color, 0.75, z)
                self._text(
                    label,
                    gx,
                    plot.bottom + 2 + ASCENT * size,
                    size,
                    _Style(),
                    place,
                    z + 0.5,
                    text_color,
                    "center",
                )
            else:
                gy = plot.bottom - along * plot.h
                self._segment(place, (plot.x, gy), (plot.right, gy), grid_color, 0.75, z)
                self._text(
                    label,
                    plot.x - 4,
                    gy + (ASCENT - LINE_HEIGHT / 2) * size,
                    size,
                    _Style(),
                    place,
                    z + 0.5,
                    text_color,
                    "right",
                )
        slot = (plot.h if chart.horizontal else plot.w) / max(len(labels), 1)
        thickness = slot / 1.4  # gap width 40 %
        for i, label in enumerate(labels):
            start = 0.0
            for _, values, color in chart.series:
                value = values[i] if i < len(values) else 0.0
                if value > 0 and top_value:
                    a, b = frac(start), frac(start + value)
                    if chart.horizontal:
                        bar = Rect(
                            plot.x + a * plot.w,
                            plot.y + i * slot + (slot - thickness) / 2,
                            (b - a) * plot.w,
                            thickness,
                        )
                    else:
                        bar = Rect(
                            plot.x + i * slot + (slot - thickness) / 2,
                            plot.bottom - b * plot.h,
                            thickness,
                            (b - a) * plot.h,
                        )
                    self.axes.add_patch(
                        Rectangle(
                            self._xy(place, bar.x, bar.bottom),
                            bar.w,
                            bar.h,
                            facecolor=_hex(self.theme, color),
                            edgecolor="none",
                            zorder=z + 0.2,
                            clip_on=False,
                        )
                    )
                start += max(value, 0.0)
            if chart.horizontal:
                cy = plot.y + (i + 0.5) * slot
                self._text(
                    label,
                    plot.x - 4,
                    cy + (ASCENT - LINE_HEIGHT / 2) * size,
                    size,
                    _Style(),
                    place,
                    z + 0.5,
                    text_color,
                    "right",
                )
            else:
                cx = plot.x + (i + 0.5) * slot
                self._text(
                    label,
                    cx,
                    plot.bottom + 2 + ASCENT * size,
                    size,
                    _Style(),
                    place,
                    z + 0.5,
                    text_color,
                    "center",
                )
        axis = (plot.x, plot.y) if chart.horizontal else (plot.x, plot.bottom)
        axis_end = (plot.x, plot.bottom) if chart.horizontal else (plot.right, plot.bottom)
        self._segment(place, axis, axis_end, grid_color, 0.75, z + 0.3)
        if chart.title:
            self._text(
                sanitize(chart.title),
                r.cx,
                r.y + pad + ASCENT * size * 1.2,
                size * 1.2,
                _Style(bold=True),
                place,
                z + 0.5,
                text_color,
                "center",
            )
        if chart.value_axis_title:
            title = sanitize(chart.value_axis_title)
            if chart.horizontal:
                self._text(
                    title,
                    plot.cx,
                    plot.bottom + line + 4 + ASCENT * size,
                    size,
                    _Style(bold=True),
                    place,
                    z + 0.5,
                    text_color,
                    "center",
                )
            else:
                dx, dy = self._xy(place, r.x + pad + ASCENT * size, plot.cy)
                self.axes.text(
                    dx,
                    dy,
                    title,
                    fontproperties=self._font(title, size, True, False),
                    color=text_color,
                    rotation=90,
                    ha="center",
                    va="center",
                    zorder=z + 0.5,
                    clip_on=False,
                    parse_math=False,
                )
        self._legend(chart, place, r.y + pad + title_h, size, text_color, z + 0.5)

    def _legend(
        self, chart: BarChart, place: PlacedScene, top: float, size: float, color: str, z: float
    ) -> None:
        from matplotlib.patches import Rectangle

        swatch = 0.7 * size
        entries = [(sanitize(name), ref) for name, _, ref in chart.series]
        widths = [swatch + 4 + text_width(name, size) for name, _ in entries]
        x = chart.rect.cx - (sum(widths) + 12 * (len(widths) - 1)) / 2
        for (name, ref), w in zip(entries, widths):
            sy = top + (LINE_HEIGHT * size - swatch) / 2
            self.axes.add_patch(
                Rectangle(
                    self._xy(place, x, sy + swatch),
                    swatch,
                    swatch,
                    facecolor=_hex(self.theme, ref),
                    edgecolor="none",
                    zorder=z,
                    clip_on=False,
                )
            )
            self._text(name, x + swatch + 4, top + ASCENT * size, size, _Style(), place, z, color)
            x += w + 12

    def _segment(
        self, place: PlacedScene, a: Point, b: Point, color: str, width: float, z: float
    ) -> None:
        from matplotlib.lines import Line2D

        (x0, y0), (x1, y1) = self._xy(place, *a), self._xy(place, *b)
        self.axes.add_line(
            Line2D(
                [x0, x1],
                [y0, y1],
                color=color,
                linewidth=width * self.scale,
                solid_capstyle="butt",
                zorder=z,
                clip_on=False,
            )
        )


@dataclass(frozen=True)
class _Style:
    """The text style of a table cell or chart label (a Run without text)."""

    bold: bool = False
    italic: bool = False
    color: ColorRef | None = None


# --------------------------------------------------------------------------- helpers


#: Triangle arrowheads' length and width in line widths, by OOXML size (LibreOffice's rule).
ARROW_FACTORS = {"sm": 2.0, "med": 3.0, "lg": 5.0}


def arrow_size(width: float, size: str = "med") -> float:
    """Length and width (points) of a triangle arrowhead of OOXML `size` on a line `width`
    points wide: a multiple of the line width, never less than for a 0.7 mm line."""
    return ARROW_FACTORS.get(size, 3.0) * max(width, 0.7 / 25.4 * 72)


def _arrowhead(
    points: list[Point], width: float, size_name: str = "med"
) -> tuple[list[Point], list[Point]]:
    """The polyline shortened under the arrowhead, and the head's triangle (tip at the end)."""
    tip = points[-1]
    i = len(points) - 2
    while i > 0 and math.dist(points[i], tip) < 1e-6:
        i -= 1
    base_from = points[i]
    length = math.dist(base_from, tip)
    if length < 1e-6:
        return points, []
    ux, uy = (tip[0] - base_from[0]) / length, (tip[1] - base_from[1]) / length
    size = arrow_size(width, size_name)
    back = min(size, length)
    base = (tip[0] - ux * back, tip[1] - uy * back)
    half = size / 2
    head = [
        tip,
        (base[0] - uy * half, base[1] + ux * half),
        (base[0] + uy * half, base[1] - ux * half),
    ]
    # End the line inside the head so its butt end hides under the triangle.
    inside = min(back * 0.5, length)
    shortened = [*points[: i + 1], (tip[0] - ux * inside, tip[1] - uy * inside)]
    return shortened, head


def _value_ticks(value: float) -> list[float]:
    """Value-axis ticks from 0 past `value`: at most six steps of 1, 2, 2.5 or 5 x 10^k."""
    if value <= 0:
        return [0.0, 1.0]
    power = 10 ** math.floor(math.log10(value))
    for m in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        step = m * power
        count = math.ceil(value / step - 1e-9)
        if count <= 6:
            return [k * step for k in range(count + 1)]
    return [0.0, value]
