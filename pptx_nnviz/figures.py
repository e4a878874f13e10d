"""Figures for papers and notebooks: any view as SVG, PDF or PNG, and inline in Jupyter.

The scenes come from the same views as the deck's slides; only the renderer differs
(`render_figure`, matplotlib). By default a figure is the slide's drawing, cropped to its
content. Given a width or a font size, the architecture diagrams are laid out again for
print: one point of layout is one printed point, the text takes 8 to 6 pt (or the size asked
for), the frame is the printed width, and a too narrow width fails with the smallest one that
works; other views are scaled to the width and fail if their text would print smaller than
6 pt. `figure` writes a file atomically, `show` returns an object Jupyter displays.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import files
from .errors import InputError
from .geometry import Rect
from .ir import Graph
from .scene import Frame, SlideScene

FORMATS = ("svg", "pdf", "png")
MIN_TEXT = 6.0  # points: the smallest printed text (journals ask for 5 to 8 pt)
PRINT_FONTS = (8.0, 7.5, 7.0, 6.5, 6.0)  # a printed architecture's text sizes, largest first
FONT_SIZES = (4.0, 36.0)  # the font sizes one may ask for
PRINT_HEIGHT = 9 * 72.0  # points: a printed diagram taller than a page is cut into parts
LAID_OUT = ("architecture",)  # the views laid out again for a figure's width
_MM = 72 / 25.4
_AGG_LIMIT = 2**16 - 1  # matplotlib's Agg cannot draw images larger than this (pixels)
_UNITS = {"in": 1.0, "inch": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72}
_WIDTH = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_width(width: float | str | None) -> float | None:
    """A figure width in inches from 3.3, '3.3in', '8.5cm', '85mm' or '240pt' (None: natural)."""
    if width is None:
        return None
    if isinstance(width, (int, float)):
        value = float(width)
    else:
        match = _WIDTH.match(width)
        unit = match.group(2).lower() if match else ""
        if not match or (unit and unit not in _UNITS):
            raise InputError(f"width {width!r}: expected a size like 8.5cm, 3.3in, 85mm or 240pt")
        value = float(match.group(1)) * _UNITS.get(unit, 1.0)
    if not 0 < value <= 200:
        raise InputError(f"width {width!r}: must be more than 0 and at most 200 inches")
    return value


def parse_font_size(size: float | None) -> float | None:
    """A font size in points, checked (None: the figure's choice)."""
    if size is None:
        return None
    low, high = FONT_SIZES
    if not low <= size <= high:
        raise InputError(f"font size {size:g}: must be between {low:g} and {high:g} points")
    return float(size)


def figure_format(path: str | os.PathLike) -> str:
    """'svg', 'pdf' or 'png' from the file's suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(f"{path}: a figure must end in .svg, .pdf or .png")
    return suffix


#: Why a view can have no slide, for the one-line error a figure of it gives.
_NOTHING_DRAWN = {
    "graph": "the graph view draws nothing for a model folded into blocks: the drill-downs are "
    "its detailed graph (--view architecture --page N)",
    "neurons": "the neurons view draws nothing for this model: it has no dense or recurrent stack",
}


def figure_scenes(
    graph: Graph,
    view: str = "architecture",
    *,
    theme: str = "light",
    direction: str | None = None,
    page: int | None = None,
    print_width: float | None = None,
    fonts: tuple[float, ...] = (),
    show_ops: bool = False,
) -> list[SlideScene]:
    """The slides `view` makes for `graph`, optionally one `page`: in the deck's frame, or,
    with `fonts`, laid out for print `print_width` points wide (the slide's width if None);
    `show_ops` draws the plumbing the architecture otherwise folds."""
    from .deck import default_frame
    from .theme import get_theme
    from .views import ViewOptions, build_view

    chosen = get_theme(theme)
    frame = default_frame(chosen)
    if fonts:
        frame = print_frame(print_width or frame.width)
    scenes = build_view(
        view, graph, frame, chosen, ViewOptions(direction, fonts=fonts, show_ops=show_ops)
    )
    if not scenes:
        raise InputError(_NOTHING_DRAWN.get(view, f"the {view} view draws nothing for this model"))
    if page is not None:
        if not 1 <= page <= len(scenes):
            raise InputError(f"page {page}: the {view} view has {len(scenes)} page(s)")
        scenes = [scenes[page - 1]]
    return scenes


def print_frame(width: float) -> Frame:
    """The frame of a figure `width` points wide: its content is the printed width less the
    figure's margins, PRINT_HEIGHT tall."""
    from .render_figure import MARGIN

    content = Rect(MARGIN, MARGIN, width - 2 * MARGIN, PRINT_HEIGHT)
    return Frame(width, PRINT_HEIGHT + 2 * MARGIN, content)


def smallest_text(scenes: list[SlideScene]) -> float:
    """The smallest font size (points, before any scaling) the scenes draw text with."""
    sizes = [
        run.size
        for scene in scenes
        for box in scene.boxes
        for paragraph in box.paragraphs
        for run in paragraph.runs
        if run.text.strip()
    ]
    sizes += [t.font_size for scene in scenes for t in scene.tables]
    sizes += [c.font_size for scene in scenes for c in scene.charts]
    return min(sizes, default=math.inf)


def _figure_width(scenes: list[SlideScene]) -> float:
    """The width (points) of the figure `render_figure` draws from `scenes` at scale 1."""
    from .render_figure import place_scenes

    return place_scenes(scenes)[0]


def _length(mm: int) -> str:
    """'94 mm' -> '9.4cm (3.70in)'."""
    return f"{mm / 10:g}cm ({mm / 25.4:.2f}in)"


def render(
    graph: Graph,
    view: str = "architecture",
    *,
    theme: str = "light",
    direction: str | None = None,
    width: float | str | None = None,
    page: int | None = None,
    font_size: float | None = None,
    show_ops: bool = False,
) -> Any:
    """A `render_figure.RenderedFigure` of `view` (matplotlib figure plus placed shapes).

    With a `width` or a `font_size` the architecture is laid out for print (text of
    `font_size`, else 8 to 6 pt); other views are scaled to `width`. Either way an InputError
    names the smallest width that works when the text would print smaller than 6 pt (or than
    `font_size`)."""
    from .theme import get_theme

    inches = parse_width(width)
    size = parse_font_size(font_size)
    chosen = get_theme(theme)
    options = {"theme": theme, "direction": direction, "page": page, "show_ops": show_ops}
    if inches is None and size is None:  # the slide's drawing, as it is
        return _draw(figure_scenes(graph, view, **options), chosen, view, None)
    if view in LAID_OUT:
        fonts = (size,) if size is not None else PRINT_FONTS
        return _printed(graph, view, chosen, inches, fonts, options)
    scenes = figure_scenes(graph, view, **options)
    rendered = _draw(scenes, chosen, view, inches)
    floor = size if size is not None else MIN_TEXT
    smallest = smallest_text(scenes)
    if smallest * rendered.scale < floor - 0.01:
        needed = math.ceil(rendered.width * floor / smallest / _MM - 1e-6)
        raise InputError(
            f"the {view} view is scaled to its width, and its text would print at "
            f"{smallest * rendered.scale:.1f} pt (less than {floor:g} pt); the smallest width "
            f"that works is {_length(needed)}"
        )
    return rendered


def _printed(
    graph: Graph,
    view: str,
    theme: Any,
    inches: float | None,
    fonts: tuple[float, ...],
    options: dict[str, Any],
) -> Any:
    """`view` laid out for print `inches` wide (the slide's width if None) with text of
    `fonts`, drawn at scale 1; an InputError names the smallest width that works."""
    from .deck import default_frame

    def laid_out(points: float) -> list[SlideScene]:
        return figure_scenes(graph, view, print_width=points, fonts=fonts, **options)

    def works(mm: int) -> bool:
        return _figure_width(laid_out(mm * _MM)) <= mm * _MM + 0.01

    target = default_frame(theme).width if inches is None else inches * 72
    scenes = laid_out(target)
    drawn = _figure_width(scenes)
    if drawn > target + 0.01:
        needed = _smallest_width(works, math.floor(target / _MM), math.ceil(drawn / _MM))
        text = f"at least {fonts[-1]:g}" if len(fonts) > 1 else f"{fonts[0]:g}"
        raise InputError(
            f"width {target / _MM / 10:.3g}cm is too narrow for the {view} view with text of "
            f"{text} pt; the smallest width that works is {_length(needed)}"
        )
    return _draw(scenes, theme, view, target / 72, stretch=False)


def _draw(
    scenes: list[SlideScene], theme: Any, view: str, inches: float | None, stretch: bool = True
) -> Any:
    from .render_figure import render_scenes

    try:
        return render_scenes(scenes, theme, width=inches, stretch=stretch)
    except ValueError:
        raise InputError(f"the {view} view has nothing to draw as a figure") from None


def _smallest_width(works: Callable[[int], bool], too_narrow: int, guess: int) -> int:
    """The smallest width in whole millimetres that `works`, above `too_narrow` (which does
    not): from `guess` (doubled until it works), halved back. The layout's choices are not
    strictly monotonic in the width, so this is the smallest found, always one that works."""
    low, high = too_narrow, max(guess, too_narrow + 1)
    while not works(high):
        if high > 200 * 25.4:
            raise InputError("no width up to 200 inches fits this figure's text")
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if works(middle) else (middle, high)
    return high


def _graph(model: Any, expand_nested: bool) -> Graph:
    if isinstance(model, Graph):
        return model
    from . import load_graph

    return load_graph(model, expand_nested=expand_nested)


def _check_dpi(dpi: float) -> None:
    if not 0 < dpi <= 2400:
        raise InputError(f"dpi {dpi}: must be more than 0 and at most 2400")


def _encode(rendered: Any, fmt: str, dpi: float) -> bytes:
    if fmt == "png":
        w, h = rendered.pixel_size(dpi)
        if max(w, h) > _AGG_LIMIT:
            raise InputError(
                f"the PNG would be {w}×{h} pixels (at most {_AGG_LIMIT} per side): "
                "lower the dpi, set a width, pick one page, or write .svg/.pdf"
            )
    stream = io.BytesIO()
    rendered.save(stream, fmt, dpi)
    return stream.getvalue()


def write_atomically(data: bytes, output: Path) -> Path:
    """Write `data`; `output` is replaced only once the new file is complete."""
    return files.write_atomically(Path(output), lambda stream: stream.write(data))


def figure(
    model: Any,
    path: str | os.PathLike,
    view: str = "architecture",
    *,
    theme: str = "light",
    direction: str | None = None,
    width: float | str | None = None,
    dpi: float = 200,
    page: int | None = None,
    expand_nested: bool = False,
    font_size: float | None = None,
    show_ops: bool = False,
) -> Path:
    """Write `view` of `model` (a keras.Model, model file/reference or Graph) to `path`
    (.svg, .pdf or .png); the file appears only when complete. `width` (inches, or as
    '8.5cm') lays the architecture out for that printed width with text of at least 6 pt
    (`font_size` asks for a size); see `render`."""
    fmt = figure_format(path)  # fail fast, before loading a model
    rendered = _checked_render(
        model, view, theme, direction, width, dpi, page, expand_nested, font_size, show_ops
    )
    return write_atomically(_encode(rendered, fmt, dpi), Path(path))


def _checked_render(
    model: Any,
    view: str,
    theme: str,
    direction: str | None,
    width: float | str | None,
    dpi: float,
    page: int | None,
    expand_nested: bool,
    font_size: float | None,
    show_ops: bool = False,
) -> Any:
    """`render` for `figure` and `show`: the options checked before the model is loaded."""
    from .theme import get_theme

    get_theme(theme)
    parse_width(width)
    parse_font_size(font_size)
    _check_dpi(dpi)
    graph = _graph(model, expand_nested)
    return render(
        graph,
        view,
        theme=theme,
        direction=direction,
        width=width,
        page=page,
        font_size=font_size,
        show_ops=show_ops,
    )


class FigureView:
    """A view of a model that Jupyter shows inline (SVG, or PNG where SVG is not shown)."""

    def __init__(self, rendered: Any, dpi: float) -> None:
        self.rendered = rendered
        self.dpi = dpi
        self._cache: dict[str, bytes] = {}

    def data(self, fmt: str) -> bytes:
        """The figure encoded as svg, pdf or png."""
        if fmt not in self._cache:
            self._cache[fmt] = _encode(self.rendered, fmt, self.dpi)
        return self._cache[fmt]

    def save(self, path: str | os.PathLike) -> Path:
        """Write the figure to `path` (.svg, .pdf or .png), atomically."""
        return write_atomically(self.data(figure_format(path)), Path(path))

    def _repr_svg_(self) -> str:
        return self.data("svg").decode("utf-8")

    def _repr_png_(self) -> bytes:
        return self.data("png")

    def __repr__(self) -> str:
        w, h = self.rendered.size_inches
        return f"<FigureView {w:.2f}×{h:.2f} in>"


def show(
    model: Any,
    view: str = "architecture",
    *,
    theme: str = "light",
    direction: str | None = None,
    width: float | str | None = None,
    dpi: float = 100,
    page: int | None = None,
    expand_nested: bool = False,
    font_size: float | None = None,
) -> FigureView:
    """`view` of `model` as an object Jupyter displays inline (`_repr_svg_`/`_repr_png_`);
    `width` and `font_size` as for `figure`."""
    rendered = _checked_render(
        model, view, theme, direction, width, dpi, page, expand_nested, font_size
    )
    return FigureView(rendered, dpi)
