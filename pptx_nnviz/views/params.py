"""The parameters view: a native bar chart of parameters per layer (per block for big
models), trainable and non-trainable stacked; its data is editable in PowerPoint."""

from __future__ import annotations

import math

from ..ir import Graph, Node
from ..passes import block_key, find_blocks
from ..scene import BarChart, Frame, SlideScene
from ..text import format_count, sanitize
from ..theme import ColorRef
from .summary import balanced_pages as _balanced

MAX_BARS = 28  # per slide: more would not leave each bar a readable label


def parameter_bars(graph: Graph) -> tuple[str, list[tuple[str, int, int]]]:
    """(unit, bars): one bar per layer with parameters, or per block (as the architecture
    overview finds them) when there are too many; each bar is (label, trainable, frozen)."""
    layers = [n for n in graph.nodes if n.params > 0]
    if len(layers) <= MAX_BARS:
        return "layer", [(n.name, n.trainable_params, n.non_trainable_params) for n in layers]
    bars = []
    for block in find_blocks(graph):
        counted = [n for n in block if not n.shared_with]
        trainable = sum(n.trainable_params for n in counted)
        frozen = sum(n.non_trainable_params for n in counted)
        if trainable or frozen:
            name = block[0].name if len(block) == 1 else _block_label(block)
            bars.append((name, trainable, frozen))
    return "block", bars


def _block_label(block: list[Node]) -> str:
    keys = [block_key(n.name, n.class_name) for n in block]
    named = [k for k in keys if k]
    return max(set(named), key=named.count) if named else f"{block[0].name} … {block[-1].name}"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above `value` (a round axis maximum)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value * (1 - 1e-9))


def params_slides(graph: Graph, frame: Frame) -> list[SlideScene]:
    """Bar charts filling the content area, with one value scale across all their pages; the
    non-trainable series only when the model has non-trainable parameters."""
    unit, bars = parameter_bars(graph)
    if not bars:
        bars = [(graph.name, 0, 0)]
    pages = _balanced(bars, MAX_BARS)
    frozen = any(n for _, _, n in bars)
    top = nice_ceiling(max(t + n for _, t, n in bars))
    slides = []
    for number, page in enumerate(pages, start=1):
        series = [("trainable", tuple(float(t) for _, t, _ in page), ColorRef("accent1"))]
        if frozen:
            series.append(
                ("non-trainable", tuple(float(n) for _, _, n in page), ColorRef("accent2"))
            )
        chart = BarChart(
            id=f"parameters chart {number}",
            rect=frame.content,
            categories=tuple(sanitize(label) for label, _, _ in page),
            series=tuple(series),
            value_axis_title="parameters",
            font_size=12.0 if len(page) <= 12 else 10.0 if len(page) <= 20 else 9.0,
            alt_text=f"Bar chart of parameters per {unit} of {graph.name}.",
            value_max=top,
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
                    f"Parameters per {unit}"
                    + (", trainable and non-trainable stacked. " if frozen else ", all trainable. ")
                    + f"The largest here is {biggest[0]} with "
                    f"{format_count(biggest[1] + biggest[2])} parameters; the model has "
                    f"{format_count(graph.total_params)} in all. Right-click the chart and "
                    "choose Edit Data to see the numbers."
                ),
                kind="params",
            )
        )
    return slides
