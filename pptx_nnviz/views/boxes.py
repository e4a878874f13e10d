"""Layer boxes: their text at each label density, their size, and merges drawn as the
symbols people use (⊕ add, ⊗ multiply, a "concat" bar stretched under its inputs).

Densities (layout.model.DENSITIES): full is name / class and settings / shape and params;
compact is class and settings / shape; minimal is the class symbol and settings on one line.
What a box leaves out stays in its alt text and the slide's notes.
"""

from __future__ import annotations

from dataclasses import replace

from ..geometry import Rect
from ..ir import Node
from ..layout import Style
from ..scene import MUTED, PAD_X, PAD_Y, Box, Paragraph, Run, paragraphs_size
from ..text import format_shape, line_height, shorten, shorten_middle, text_width
from ..theme import ColorRef, Theme
from .common import _hint, activation_name, box_lines, describe_node

MAX_LABEL_WIDTH = 190.0  # at 9 pt a line is cut past this width (it grows with the font)

#: Merge layers drawn as a symbol: (OOXML preset, symbol written inside, legend name).
MERGE_SYMBOLS: dict[str, tuple[str, str, str]] = {
    "Add": ("flowChartOr", "", "add"),
    "Multiply": ("flowChartSummingJunction", "", "multiply"),
    "Concatenate": ("roundRect", "concat", "concatenate"),  # a bar under its inputs
    "Subtract": ("ellipse", "−", "subtract"),
    "Average": ("ellipse", "avg", "average"),
    "Maximum": ("ellipse", "max", "maximum"),
    "Minimum": ("ellipse", "min", "minimum"),
    "Dot": ("ellipse", "·", "dot product"),
}

#: Short class names for one-line boxes (as people write them on slides).
SYMBOLS = {
    "InputLayer": "Input",
    "Conv1D": "Conv",
    "Conv2D": "Conv",
    "Conv3D": "Conv",
    "Conv1DTranspose": "ConvT",
    "Conv2DTranspose": "ConvT",
    "Conv3DTranspose": "ConvT",
    "DepthwiseConv1D": "DWConv",
    "DepthwiseConv2D": "DWConv",
    "SeparableConv1D": "SepConv",
    "SeparableConv2D": "SepConv",
    "BatchNormalization": "BN",
    "LayerNormalization": "LayerNorm",
    "GroupNormalization": "GroupNorm",
    "UnitNormalization": "UnitNorm",
    "MaxPooling1D": "MaxPool",
    "MaxPooling2D": "MaxPool",
    "MaxPooling3D": "MaxPool",
    "AveragePooling1D": "AvgPool",
    "AveragePooling2D": "AvgPool",
    "AveragePooling3D": "AvgPool",
    "GlobalAveragePooling1D": "GlobalAvgPool",
    "GlobalAveragePooling2D": "GlobalAvgPool",
    "GlobalAveragePooling3D": "GlobalAvgPool",
    "GlobalMaxPooling1D": "GlobalMaxPool",
    "GlobalMaxPooling2D": "GlobalMaxPool",
    "GlobalMaxPooling3D": "GlobalMaxPool",
    "ZeroPadding1D": "Pad",
    "ZeroPadding2D": "Pad",
    "ZeroPadding3D": "Pad",
    "UpSampling1D": "Upsample",
    "UpSampling2D": "Upsample",
    "UpSampling3D": "Upsample",
    "MultiHeadAttention": "Multi-Head Attention",
    "SpatialDropout1D": "Dropout",
    "SpatialDropout2D": "Dropout",
}


def merge_symbol(node: Node) -> tuple[str, str, str] | None:
    """(preset, symbol, legend name) when the node is drawn as a merge circle."""
    if node.category != "merge" or node.inner is not None:
        return None
    return MERGE_SYMBOLS.get(node.class_name)


def node_shape(node: Node) -> str:
    """ "bar" for a concatenation (stretched under its inputs) and for a block's input
    (stretched over the branches it feeds), "circle" for the other merges, else "box"."""
    symbol = merge_symbol(node)
    if symbol is None:
        return "bar" if node.class_name.startswith("from ") else "box"
    return "bar" if symbol[0] == "roundRect" else "circle"


def display_name(node: Node, prefix: str = "") -> str:
    """The name a box shows: inside a block's drill-down without the block's own prefix
    (`conv2_block1_1_conv` reads `1_conv` under the title `conv2_block1`)."""
    name = node.name
    for candidate in (prefix + "_", prefix):
        if prefix and name.startswith(candidate) and len(name) > len(candidate):
            return name[len(candidate) :].lstrip("_") or name
    return name


def _budget(size: float) -> float:
    return (MAX_LABEL_WIDTH - 2 * PAD_X) * size / 9


def _symbol(class_name: str) -> str:
    """'BatchNormalization' -> 'BN', 'relu' (an Activation's function) -> 'ReLU'."""
    return SYMBOLS.get(class_name, {"relu": "ReLU"}.get(class_name, class_name))


def _fused(node: Node) -> str:
    """' + BN + ReLU' for a box standing for its layer and the ones folded into it."""
    return "".join(f" + {_symbol(c)}" for c in node.fused)


def _fused_before(node: Node) -> str:
    """'ReLU + ' for a box whose layer is preceded by the ones folded into it."""
    return "".join(f"{_symbol(c)} + " for c in node.fused_before)


def _symbol_line(node: Node) -> str:
    """The class symbol and key settings: 'Conv 3×3×64 /2 relu', 'BN', 'Dense 10 softmax'."""
    if node.category == "activation" and node.class_name == "Activation":
        return _symbol(activation_name(node.hyperparam("activation") or "activation"))
    if node.category == "input" and node.class_name == "InputLayer":
        return f"Input {format_shape(node.output_shape)}" if node.output_shape else "Input"
    symbol = f"{_symbol(node.class_name)} {_hint(node)}".strip()
    return _fused_before(node) + symbol + _fused(node)


def box_paragraphs(node: Node, style: Style, name: str) -> tuple[Paragraph, ...]:
    """A box's text at the style's density (`name` as the box shows it)."""
    size, budget = style.font, _budget(style.font)
    symbol = merge_symbol(node)
    if symbol is not None:
        text = symbol[1]
        return (Paragraph((Run(text, size * 1.1, bold=True),)),) if text else ()
    _, detail, stats = box_lines(node)
    detail = _fused_before(node) + detail + _fused(node)
    if node.category in ("block", "model"):
        repeat = f" ×{node.repeat}" if node.repeat > 1 else ""
        title = Run(shorten_middle(name, budget, size, True) + repeat, size, bold=True)
        if style.density == "minimal":
            return (Paragraph((title,)),)
        if style.density == "compact":
            shape = stats.split(" · ")[0]
            line = f"{node.inner_layers} layers · {shape}"
            return (
                Paragraph((title,)),
                Paragraph((Run(shorten(line, budget, size), size, color=MUTED),)),
            )
    if node.class_name.startswith("from ") and style.density != "full":
        text = shorten_middle(f"from {name}", budget, size, False)
        runs: tuple[Run, ...] = (Run(text, size, italic=True),)
        if style.density == "minimal":
            return (Paragraph(runs),)
        shape = format_shape(node.output_shape) if node.output_shape else ""
        return (Paragraph(runs), Paragraph((Run(shape, size, color=MUTED),)))
    if style.density == "minimal":
        return (Paragraph((Run(shorten(_symbol_line(node), budget, size), size),)),)
    if style.density == "compact":
        shape = stats.split(" · ")[0]
        return (
            Paragraph((Run(shorten(detail, budget, size, True), size, bold=True),)),
            Paragraph((Run(shorten(shape, budget, size), size, color=MUTED),)),
        )
    return (
        Paragraph((Run(shorten_middle(name, budget, size, True), size, bold=True),)),
        Paragraph((Run(shorten(detail, budget, size), size),)),
        Paragraph((Run(shorten(stats, budget, size), size, color=MUTED),)),
    )


def box_size(node: Node, style: Style, name: str) -> tuple[float, float]:
    """Width and height (points) of the node's box or circle at `style`."""
    symbol = merge_symbol(node)
    if symbol is not None and node_shape(node) == "bar":  # widened under its inputs later
        size = 1.1 * style.font
        return text_width(symbol[1], size, True) + 4 * PAD_X, line_height(size) + 2 * PAD_Y
    if symbol is not None:
        text = symbol[1]
        diameter = 2.0 * style.font
        if text:  # the symbol sits in the circle's inner square
            inner = max(text_width(text, 1.1 * style.font, True), line_height(1.1 * style.font))
            diameter = max(diameter, inner / 0.7 + 2)
        return diameter, diameter
    width, height = paragraphs_size(box_paragraphs(node, style, name))
    return max(width + 2, 4 * style.font), height


def on_fill(
    paragraphs: tuple[Paragraph, ...], theme: Theme, fill: ColorRef
) -> tuple[Paragraph, ...]:
    """The paragraphs recoloured to read on `fill` (light text on a dark box)."""
    text, muted = theme.text_on(fill)
    return tuple(
        replace(
            p, runs=tuple(replace(r, color=muted if r.color == MUTED else text) for r in p.runs)
        )
        for p in paragraphs
    )


def layer_box(node: Node, rect: Rect, style: Style, theme: Theme, name: str) -> Box:
    """The node drawn at `rect`: a rounded box with its text, or a merge symbol."""
    look = theme.category_style(node.category)
    symbol = merge_symbol(node)
    circle = node_shape(node) == "circle"
    return Box(
        id=node.id,
        rect=rect,
        paragraphs=on_fill(box_paragraphs(node, style, name), theme, look.fill),
        geometry=symbol[0] if symbol else "roundRect",
        fill=look.fill,
        line=look.line,
        dashed=look.dashed,
        alt_text=describe_node(node),
        pad_x=0.0 if circle else PAD_X,
        pad_y=0.0 if circle else PAD_Y,
        autofit=symbol is None,
    )
