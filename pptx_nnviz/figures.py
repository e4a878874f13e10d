"""Figures for papers and notebooks: any view as SVG, PDF or PNG, and inline in Jupyter.

The scenes come from the same views, with the same Frame, as the deck's slides; only the
renderer differs (`render_figure`, matplotlib). `figure` writes a file atomically, `show`
returns an object Jupyter displays.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

from . import files
from .errors import InputError
from .ir import Graph
from .scene import SlideScene

FORMATS = ("svg", "pdf", "png")
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


def figure_format(path: str | os.PathLike) -> str:
    """'svg', 'pdf' or 'png' from the file's suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(f"{path}: a figure must end in .svg, .pdf or .png")
    return suffix


def figure_scenes(
    graph: Graph,
    view: str = "architecture",
    *,
    theme: str = "light",
    direction: str | None = None,
    page: int | None = None,
) -> list[SlideScene]:
    """The slides `view` makes for `graph` in the deck (same frame), optionally one `page`."""
    from .deck import default_frame
    from .theme import get_theme
    from .views import ViewOptions, build_view

    chosen = get_theme(theme)
    scenes = build_view(view, graph, default_frame(chosen), chosen, ViewOptions(direction))
    if page is not None:
        if not 1 <= page <= len(scenes):
            raise InputError(f"page {page}: the {view} view has {len(scenes)} page(s)")
        scenes = [scenes[page - 1]]
    return scenes


def render(
    graph: Graph,
    view: str = "architecture",
    *,
    theme: str = "light",
    direction: str | None = None,
    width: float | str | None = None,
    page: int | None = None,
) -> Any:
    """A `render_figure.RenderedFigure` of `view` (matplotlib figure plus placed shapes)."""
    from .render_figure import render_scenes
    from .theme import get_theme

    inches = parse_width(width)
    scenes = figure_scenes(graph, view, theme=theme, direction=direction, page=page)
    try:
        return render_scenes(scenes, get_theme(theme), width=inches)
    except ValueError:
        raise InputError(f"the {view} view has nothing to draw as a figure") from None


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
) -> Path:
    """Write `view` of `model` (a keras.Model, model file/reference or Graph) to `path`
    (.svg, .pdf or .png); `width` in inches or as '8.5cm'; the file appears only when complete."""
    from .theme import get_theme

    fmt = figure_format(path)
    get_theme(theme)  # fail fast, before loading a model
    parse_width(width)
    _check_dpi(dpi)
    graph = _graph(model, expand_nested)
    rendered = render(graph, view, theme=theme, direction=direction, width=width, page=page)
    data = _encode(rendered, fmt, dpi)
    return write_atomically(data, Path(path))


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
) -> FigureView:
    """`view` of `model` as an object Jupyter displays inline (`_repr_svg_`/`_repr_png_`)."""
    from .theme import get_theme

    get_theme(theme)
    parse_width(width)
    _check_dpi(dpi)
    graph = _graph(model, expand_nested)
    rendered = render(graph, view, theme=theme, direction=direction, width=width, page=page)
    return FigureView(rendered, dpi)
