"""Layer boxes: their text at each label density, their size, and merges drawn as the
symbols people use (⊕ add, ⊗ multiply, a "concat" bar stretched under its inputs).

Densities (layout.model.DENSITIES): full is name / role / shape and params (role / shape and
params when the name is the framework's automatic one); compact is role / shape; minimal is
the role on one line. Roles (`roles`) read the operation vocabulary, never class names: those
and the automatic names stay in the alt text and the slide's notes.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..geometry import Rect
from ..ir import Node
from ..layout import Style
from ..roles import (
    container_role,
    fused_word,
    input_role,
    is_automatic_node,
    layer_role,
    op_word,
    taught,
)
from ..scene import MUTED, PAD_X, PAD_Y, Box, Paragraph, Run, paragraphs_size
from ..text import format_shape, line_height, shorten, shorten_middle, text_width
from ..theme import ColorRef, Theme
from ..unit_names import is_automatic
from .common import _hint, box_lines, describe_node

MAX_LABEL_WIDTH = 190.0  # at 9 pt a line is cut past this width (it grows with the font)

#: Merges drawn as a symbol, by operation: (OOXML preset, symbol written inside, legend name).
MERGE_SYMBOLS: dict[str, tuple[str, str, str]] = {
    "add": ("flowChartOr", "", "add"),
    "multiply": ("flowChartSummingJunction", "", "multiply"),
    "concat": ("roundRect", "concat", "concatenate"),  # a bar under its inputs
    "subtract": ("ellipse", "−", "subtract"),
    "average": ("ellipse", "avg", "average"),
    "maximum": ("ellipse", "max", "maximum"),
    "minimum": ("ellipse", "min", "minimum"),
    "dot": ("ellipse", "·", "dot product"),
}

#: What a box of a block's drill-down says for an input from outside the block whose name
#: is automatic.
BLOCK_INPUT = "block input"


def merge_symbol(node: Node) -> tuple[str, str, str] | None:
    """(preset, symbol, legend name) when the node is drawn as a merge circle (not when a
    drawing names its part: an attention's scale is a box)."""
    if node.inner is not None or node.hyperparam("part"):
        return None
    return MERGE_SYMBOLS.get(node.op)


def node_shape(node: Node) -> str:
    """ "bar" for a concatenation (stretched under its inputs) and for a block's input
    (stretched over the branches it feeds), "circle" for the other merges, else "box"."""
    symbol = merge_symbol(node)
    if symbol is None:
        return "bar" if node.op == "context" else "box"
    return "bar" if symbol[0] == "roundRect" else "circle"


def display_name(node: Node, prefix: str = "") -> str:
    """The name a box shows: the author's (inside a block's drill-down without the block's
    own prefix: `conv2_block1_1_conv` reads `1_conv` under the title `conv2_block1`), or the
    layer's role when the name is the framework's automatic one ('Conv 3×3×64', 'Input');
    an input by its author's name ('image')."""
    if node.op == "context":
        return BLOCK_INPUT if is_automatic_node(node) else node.name
    if node.op == "input":
        return input_role(node)
    if is_automatic_node(node):
        return layer_role(node)
    name = node.name
    for candidate in (prefix + "_", prefix):
        if prefix and name.startswith(candidate) and len(name) > len(candidate):
            rest = name[len(candidate) :].lstrip("_") or name
            # 'stem_activation' under 'stem' would read like an automatic name: say the role
            plain = is_automatic(rest, node.class_name) or rest.lower() == op_word(node).lower()
            return layer_role(node) if plain else rest
    return run_name(name)


def run_name(name: str) -> str:
    """A folded run by the name its layers share when they are numbered in series:
    'transformer_layer_0 … transformer_layer_11' reads 'transformer_layer' (the box says ×12);
    other runs as they are ('conv4_block2 … conv4_block6')."""
    first, _, last = name.partition(" … ")
    stem = re.sub(r"_\d+$", "", first)
    if last and stem != first and re.sub(r"_\d+$", "", last) == stem:
        return stem
    return name


def _budget(size: float) -> float:
    return (MAX_LABEL_WIDTH - 2 * PAD_X) * size / 9


def _fused(node: Node) -> str:
    """' + BN + ReLU' for a box standing for its layer and the ones folded into it."""
    return "".join(f" + {fused_word(c)}" for c in node.fused)


def _fused_before(node: Node) -> str:
    """'ReLU + ' for a box whose layer is preceded by the ones folded into it."""
    return "".join(f"{fused_word(c)} + " for c in node.fused_before)


def _role_line(node: Node) -> str:
    """The layer's role with what is folded into its box: 'BN + ReLU + Conv 3×3×64'; a layer
    repeated in a chain says how often ('Dense 32 relu × 400')."""
    repeat = f" × {node.repeat}" if node.repeat > 1 else ""
    return _fused_before(node) + layer_role(node) + _fused(node) + repeat


def _symbol_line(node: Node, name: str) -> str:
    """One line for a minimal box: 'Conv 3×3×64 /2 relu', 'BN', 'image 224×224×3'."""
    if node.op == "input":
        return f"{name} {format_shape(node.output_shape)}" if node.output_shape else name
    return _role_line(node)


def _bold(text: str, style: Style, middle: bool = False) -> Paragraph:
    size, budget = style.font, _budget(style.font)
    cut = shorten_middle(text, budget, size, True) if middle else shorten(text, budget, size, True)
    return Paragraph((Run(cut, size, bold=True),))


def _plain(text: str, style: Style, muted: bool = False) -> Paragraph:
    size, budget = style.font, _budget(style.font)
    return Paragraph((Run(shorten(text, budget, size), size, color=MUTED if muted else None),))


def box_paragraphs(node: Node, style: Style, name: str) -> tuple[Paragraph, ...]:
    """A box's text at the style's density (`name` as the box shows it, `display_name`).
    A layer the author named reads name / role / shape and params; one with an automatic
    name reads role / shape and params (the lines never repeat each other)."""
    size, budget = style.font, _budget(style.font)
    symbol = merge_symbol(node)
    if symbol is not None:
        text = symbol[1]
        return (Paragraph((Run(text, size * 1.1, bold=True),)),) if text else ()
    _, _, stats = box_lines(node)
    shape = stats.split(" · ")[0]
    automatic = is_automatic_node(node) or name == layer_role(node)
    if node.op in ("block", "model"):
        return _container_paragraphs(node, style, name, automatic, stats)
    if node.op == "context":
        text = name if name == BLOCK_INPUT else f"from {name}"
        runs: tuple[Run, ...] = (Run(shorten_middle(text, budget, size, False), size, italic=True),)
        if style.density == "minimal":
            return (Paragraph(runs),)
        return (Paragraph(runs), _plain(shape, style, muted=True))
    if node.op == "input":
        if style.density == "minimal":
            return (_plain(_symbol_line(node, name), style),)
        return (_bold(name, style, middle=True), _plain(shape, style, muted=True))
    role = _role_line(node)
    if style.density == "minimal":
        return (_plain(role, style),)
    if style.density == "compact" or automatic:
        return (
            _bold(role, style),
            _plain(stats if automatic and style.density == "full" else shape, style, muted=True),
        )
    return (_bold(name, style, middle=True), _plain(role, style), _plain(stats, style, muted=True))


def _container_paragraphs(
    node: Node, style: Style, name: str, automatic: bool, stats: str
) -> tuple[Paragraph, ...]:
    """A block or nested model: titled by its author's name with what it is below, or by what
    it is (`roles.describe`) when its layers' names are automatic; never 'N layers'."""
    size = style.font
    description = container_role(node) if node.inner is not None else _hint(node)
    # an attention or a mixture of experts says which, where only one line fits
    taught_inside = node.inner is not None and taught(node.inner)
    title = description if automatic or (style.density == "minimal" and taught_inside) else name
    repeat = f" ×{node.repeat}" if node.repeat > 1 else ""
    if repeat and title == description and "×" in title:  # '(Dense 32 relu ×24) ×4'
        title = f"({title})"
    head = Paragraph(
        (
            Run(
                shorten_middle(title, _budget(size) - text_width(repeat, size, True), size, True)
                + repeat,
                size,
                bold=True,
            ),
        )
    )
    if style.density == "minimal":
        return (head,)
    shape = stats.split(" · ")[0]
    if style.density == "compact":
        line = shape if automatic or description == title else f"{description} · {shape}"
        return (head, _plain(line, style, muted=True))
    if automatic or description == title:
        return (head, _plain(stats, style, muted=True))
    return (head, _plain(description, style), _plain(stats, style, muted=True))


#: Box sizes measured in this process: (id of the node, style, name) -> (node, size). A deck
#: lays each slide out several times (fused or not, each direction and density): the text of
#: a box is measured once.
_SIZES: dict[tuple[int, Style, str], tuple[Node, tuple[float, float]]] = {}
_SIZES_KEPT = 20_000


def box_size(node: Node, style: Style, name: str) -> tuple[float, float]:
    """Width and height (points) of the node's box or circle at `style`."""
    key = (id(node), style, name)
    known = _SIZES.get(key)
    if known is not None and known[0] is node:
        return known[1]
    if len(_SIZES) >= _SIZES_KEPT:
        _SIZES.clear()
    size = _measured_size(node, style, name)
    _SIZES[key] = (node, size)
    return size


def _measured_size(node: Node, style: Style, name: str) -> tuple[float, float]:
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
