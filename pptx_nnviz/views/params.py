"""The parameters view: a native bar chart of parameters per layer (per block for big
models), trainable and non-trainable stacked; its data is editable in PowerPoint."""

from __future__ import annotations

import re

from ..geometry import Rect
from ..ir import Graph, Node
from ..scene import BarChart, Frame, SlideScene
from ..text import format_count, sanitize
from ..theme import ColorRef

MAX_BARS = 28  # per slide: more would not leave each bar a readable label
_BLOCK = re.compile(r"^(.*?block_?\d+[a-z]?)(?:_|$)", re.IGNORECASE)


def block_key(name: str) -> str:
    """The block a layer belongs to by its name: 'conv2_block1_1_conv' -> 'conv2_block1',
    'block2a_expand_conv' -> 'block2a'; otherwise the name without its last part."""
    match = _BLOCK.match(name)
    if match:
        return match.group(1)
    return name.rsplit("_", 1)[0] if "_" in name else name


def parameter_bars(graph: Graph) -> tuple[str, list[tuple[str, int, int]]]:
    """(unit, bars): one bar per layer with parameters, or per block when there are too many;
    each bar is (label, trainable, non-trainable)."""
    layers = [n for n in graph.nodes if n.params > 0]
    if len(layers) <= MAX_BARS:
        return "layer", [(n.name, n.trainable_params, n.non_trainable_params) for n in layers]
    blocks: dict[str, list[Node]] = {}
    for node in layers:
        blocks.setdefault(block_key(node.name), []).append(node)
    bars = [
        (
            key,
            sum(n.trainable_params for n in members),
            sum(n.non_trainable_params for n in members),
        )
        for key, members in blocks.items()
    ]
    return "block", bars


def params_slides(graph: Graph, frame: Frame) -> list[SlideScene]:
    unit, bars = parameter_bars(graph)
    if not bars:
        bars = [(graph.name, 0, 0)]
    pages = [bars[i : i + MAX_BARS] for i in range(0, len(bars), MAX_BARS)]
    slides = []
    for number, page in enumerate(pages, start=1):
        height = min(frame.content.h, 90 + 30 * len(page))
        chart = BarChart(
            id=f"parameters chart {number}",
            rect=Rect(frame.content.x, frame.content.y, frame.content.w, height),
            categories=tuple(sanitize(label) for label, _, _ in page),
            series=(
                ("trainable", tuple(float(t) for _, t, _ in page), ColorRef("accent1")),
                ("non-trainable", tuple(float(n) for _, _, n in page), ColorRef("accent2")),
            ),
            value_axis_title="parameters",
            font_size=10.0 if len(page) <= 20 else 9.0,
            alt_text=f"Bar chart of parameters per {unit} of {graph.name}.",
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
                    f"Parameters per {unit}, trainable and non-trainable stacked. "
                    f"The largest here is {biggest[0]} with "
                    f"{format_count(biggest[1] + biggest[2])} parameters; the model has "
                    f"{format_count(graph.total_params)} in all. Right-click the chart and "
                    "choose Edit Data to see the numbers."
                ),
                kind="params",
            )
        )
    return slides
