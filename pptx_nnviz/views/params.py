"""The parameters view: a native bar chart with a bar per row of the summary table (a block
or a layer, as `views/summary.py` lists them) that has parameters, trainable and
non-trainable stacked; its data is editable in PowerPoint."""

from __future__ import annotations

import math

from ..ir import Graph
from ..scene import BarChart, Frame, SlideScene
from ..text import format_count, sanitize, shorten_middle
from ..theme import ColorRef
from .summary import balanced_pages as _balanced
from .summary import summary_nodes

MAX_BARS = 28  # per slide: more would not leave each bar a readable label
#: The mantissas of round axis maxima: each at most a third above the one before, so the axis
#: ends at most a third above the largest bar; with the step between gridlines of each.
ROUND_STEPS = ((1, 0.2), (1.2, 0.2), (1.5, 0.3), (2, 0.5), (2.5, 0.5), (3, 0.5), (4, 1), (5, 1))
ROUND_STEPS += ((6, 1), (8, 2), (10, 2))
DWARFS = 5.0  # a log scale when the largest bar is this many times the next one or more
LABEL_SHARE = 0.4  # a bar's label takes at most this share of the chart's width


def parameter_bars(graph: Graph, folded: Graph | None = None) -> tuple[str, list[tuple]]:
    """(unit, bars): a bar per summary row with parameters (per block and layer for a
    `folded` model, else per layer), each bar (name, trainable, non-trainable). A layer
    that shares another's weights counts nothing (the summary says "shared")."""
    nodes, by_block = summary_nodes(graph, folded)
    bars = [
        (n.name, n.trainable_params, n.non_trainable_params)
        for n in nodes
        if n.params and not n.shared_with
    ]
    return ("block" if by_block else "layer"), bars


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k) at or above
    `value`: at most a third above it."""
    return _round_axis(value)[0]


def axis_step(value_max: float) -> float:
    """The step between gridlines for an axis ending at `value_max` (from `nice_ceiling`)."""
    return _round_axis(value_max)[1]


def _round_axis(value: float) -> tuple[float, float]:
    if value <= 0:
        return 1.0, 0.2
    power = 10 ** math.floor(math.log10(value))
    return next(
        (float(f"{m * power:.6g}"), float(f"{s * power:.6g}"))
        for m, s in ROUND_STEPS
        if m * power >= value * (1 - 1e-9)
    )


def log_scale(totals: list[int]) -> bool:
    """One bar dwarfs the rest: the largest is DWARFS times the next or more (a linear axis
    would leave every other bar a sliver)."""
    ordered = sorted((t for t in totals if t > 0), reverse=True)
    return len(ordered) >= 3 and ordered[0] >= DWARFS * ordered[1]


def log_floor(totals: list[int]) -> float:
    """A log axis's minimum: a power of ten under the smallest bar, so every bar shows."""
    smallest = min((t for t in totals if t > 0), default=1)
    return float(10 ** math.floor(math.log10(max(smallest / 2, 1))))


def params_slides(graph: Graph, frame: Frame, folded: Graph | None = None) -> list[SlideScene]:
    """Bar charts filling the content area, with one value scale across all their pages; the
    non-trainable series only when the model has non-trainable parameters."""
    unit, bars = parameter_bars(graph, folded)
    if not bars:
        bars = [(graph.name, 0, 0)]
    pages = _balanced(bars, MAX_BARS)
    frozen = any(n for _, _, n in bars)
    totals = [t + n for _, t, n in bars]
    top = nice_ceiling(max(totals))
    log = log_scale(totals)
    slides = []
    for number, page in enumerate(pages, start=1):
        series = [("trainable", tuple(float(t) for _, t, _ in page), ColorRef("accent1"))]
        if frozen:
            series.append(
                ("non-trainable", tuple(float(n) for _, _, n in page), ColorRef("accent2"))
            )
        font = 12.0 if len(page) <= 12 else 10.0 if len(page) <= 20 else 9.0
        room = LABEL_SHARE * frame.content.w
        chart = BarChart(
            id=f"parameters chart {number}",
            rect=frame.content,
            categories=tuple(shorten_middle(sanitize(name), room, font) for name, _, _ in page),
            series=tuple(series),
            value_axis_title="parameters (log scale)" if log else "parameters",
            font_size=font,
            alt_text=f"Bar chart of parameters per {unit} of {graph.name}.",
            value_max=top,
            value_step=None if log else axis_step(top),
            value_min=log_floor(totals) if log else None,
            log_scale=log,
        )
        biggest = max(page, key=lambda bar: bar[1] + bar[2])
        title = f"{graph.name}: parameters per {unit}" + (
            f" ({number}/{len(pages)})" if len(pages) > 1 else ""
        )
        slides.append(
            SlideScene(
                title=title,
                charts=(chart,),
                notes=(
                    f"Parameters per {unit}, a bar per row of the summary table with "
                    "parameters"
                    + (", trainable and non-trainable stacked. " if frozen else ", all trainable. ")
                    + (
                        "The value axis is logarithmic: the largest bar dwarfs the others. "
                        if log
                        else ""
                    )
                    + f"The largest here is {biggest[0]} with "
                    f"{format_count(biggest[1] + biggest[2])} parameters; the model has "
                    f"{format_count(graph.total_params)} in all. Right-click the chart and "
                    "choose Edit Data to see the numbers."
                ),
                kind="params",
            )
        )
    return slides
