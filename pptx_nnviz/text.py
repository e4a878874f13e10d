"""Text: sanitising for XML, measuring with real font metrics, formatting numbers and shapes.

Boxes are sized from these measurements, so what PowerPoint draws fits. Widths come from the
bundled Carlito fonts, which are metric-compatible with Calibri (the templates' font).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from importlib import resources

from .ir import Graph, Node, Shape

#: Line height of Calibri/Carlito as a multiple of the font size (ascent + descent + line gap).
LINE_HEIGHT = 1.22
ELLIPSIS = "…"
#: The least of a name a squeezed label keeps beside its class name (`shorten_name`).
NAME_STUB = "name…tail"

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def sanitize(text: object) -> str:
    """Make any value safe to put in OOXML: no control characters, no lone surrogates."""
    s = str(text)
    s = s.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    s = _XML_ILLEGAL.sub("", s)
    return _SURROGATE.sub("\ufffd", s)


def sanitize_graph(graph: Graph) -> Graph:
    """The graph with every string sanitised (ids kept unique: a clash gets a `~k` suffix).

    Loaders sanitise already; this guards graphs built by hand. A clean graph is returned as is.
    """
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for node in graph.nodes:
        base = new = sanitize(node.id)
        k = 2
        while new in taken:
            new, k = f"{base}~{k}", k + 1
        ids[node.id] = new
        taken.add(new)

    def clean(node: Node) -> Node:
        return replace(
            node,
            id=ids[node.id],
            name=sanitize(node.name),
            class_name=sanitize(node.class_name),
            hyperparams=tuple((sanitize(k), sanitize(v)) for k, v in node.hyperparams),
            parent=None if node.parent is None else sanitize(node.parent),
            dtype=sanitize(node.dtype),
            shared_with=ids.get(node.shared_with, node.shared_with) if node.shared_with else None,
        )

    nodes = tuple(clean(n) for n in graph.nodes)
    edges = tuple(replace(e, source=ids[e.source], target=ids[e.target]) for e in graph.edges)
    result = replace(
        graph,
        name=sanitize(graph.name),
        nodes=nodes,
        edges=edges,
        inputs=tuple(ids[i] for i in graph.inputs),
        outputs=tuple(ids[o] for o in graph.outputs),
        warnings=tuple(sanitize(w) for w in graph.warnings),
    )
    return graph if result == graph else result


@lru_cache(maxsize=8)
def _font(bold: bool) -> object:
    from PIL import ImageFont

    name = "Carlito-Bold.ttf" if bold else "Carlito-Regular.ttf"
    with resources.as_file(resources.files("pptx_nnviz") / "fonts" / name) as path:
        # Pillow measures in pixels at the requested size: ask for 1000 px and scale.
        return ImageFont.truetype(str(path), 1000)


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with resources.as_file(resources.files("pptx_nnviz") / "fonts" / "Carlito-Regular.ttf") as p:
        return frozenset(TTFont(str(p), lazy=True).getBestCmap())


@lru_cache(maxsize=65536)
def _width_per_point(text: str, bold: bool) -> float:
    text = sanitize(text)  # what is drawn (raw control characters make the shaper fail)
    covered = _covered()
    known = "".join(ch for ch in text if ord(ch) in covered)
    # Characters missing from Carlito (CJK, emoji) fall back to another font in PowerPoint:
    # count them as a full em so the box is wide enough for any fallback.
    missing = len(text) - len(known)
    return (_font(bold).getlength(known) + missing * 1000) / 1000  # type: ignore[attr-defined]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of one line of `text` at `size` points."""
    return _width_per_point(text, bold) * size


def line_height(size: float) -> float:
    return size * LINE_HEIGHT


def shorten(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """Cut `text` with an ellipsis so it is at most `max_width` points wide."""
    if text_width(text, size, bold) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if text_width(text[:mid] + ELLIPSIS, size, bold) <= max_width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS


def shorten_middle(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """Cut `text` in the middle with an ellipsis, keeping most of its end (where layer names
    differ): 'convnext_tiny_stage_0_block_0_depthwise_conv' -> 'conv…0_depthwise_conv'."""
    if text_width(text, size, bold) <= max_width:
        return text
    room = max_width - text_width(ELLIPSIS, size, bold)
    tail = ""
    for k in range(1, len(text)):
        if text_width(text[-k:], size, bold) > 0.6 * room:
            break
        tail = text[-k:]
    head_room = room - text_width(tail, size, bold)
    head = ""
    for k in range(1, len(text) - len(tail)):
        if text_width(text[:k], size, bold) > head_room:
            break
        head = text[:k]
    return head + ELLIPSIS + tail


def shorten_name(
    name: str, max_width: float, size: float, bold: bool = False, keep: str = ""
) -> str:
    """`name` followed by `keep` in at most `max_width` points: the name cut in the middle
    only if it must, `keep` (say " (ClassName)") never cut."""
    room = max_width - text_width(keep, size, bold)
    return shorten_middle(name, room, size, bold) + keep


def shorten_list(
    items: list[str], max_width: float, size: float, bold: bool = False, sep: str = ", "
) -> str:
    """`items` joined by `sep` in at most `max_width` points: the longest cut in the middle to
    an equal share of the room, the short ones kept whole."""
    text = sep.join(items)
    if text_width(text, size, bold) <= max_width or not items:
        return text
    room = max_width - text_width(sep, size, bold) * (len(items) - 1)
    widths = sorted(text_width(item, size, bold) for item in items)
    share, rest, count = room / len(items), room, len(items)
    for width in widths:  # items narrower than their share give the rest to the others
        if width > share:
            break
        rest, count = rest - width, count - 1
        share = rest / count if count else share
    return sep.join(
        item if text_width(item, size, bold) <= share else shorten_middle(item, share, size, bold)
        for item in items
    )


def format_count(n: int) -> str:
    """34826 -> '34,826'."""
    return f"{n:,}"


def format_compact(n: int) -> str:
    """34826 -> '34.8K', 4462592 -> '4.46M' (three significant digits)."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= limit:
            value = n / limit
            digits = 2 if value < 10 else 1 if value < 100 else 0
            return f"{value:.{digits}f}".rstrip("0").rstrip(".") + suffix
    return str(n)


def format_params(n: int) -> str:
    if n == 0:
        return "no params"
    return f"{format_compact(n)} param" + ("" if n == 1 else "s")


#: What each symbol for an unknown size means (a slide's caption explains the ones it shows).
UNKNOWN_MEANINGS: dict[str, str] = {
    "L": "any sequence length",
    "D": "any depth",
    "H": "any height",
    "W": "any width",
    "n": "any size",
}


def unknown_symbol(rank: int, position: int, axis_order: str = "channels_last") -> str:
    """The symbol for an unknown size at `position` of a shape of `rank` axes (batch left out):
    a sequence's length `L`, a feature map's `D`, `H`, `W` (where `axis_order` puts them),
    `n` otherwise (features, channels)."""
    if rank == 1:
        return "L"
    first = axis_order == "channels_first"
    spatial = list(range(1, rank) if first else range(rank - 1))
    if position not in spatial:
        return "n"
    names = {1: "L", 2: "HW", 3: "DHW"}.get(len(spatial), "")
    index = spatial.index(position)
    return names[index] if index < len(names) else "n"


def format_shape(shape: Shape | None, axis_order: str = "channels_last") -> str:
    """(None, 26, 26, 32) -> '26×26×32'; the batch axis is dropped; an unknown size is a symbol
    (`unknown_symbol`): (None, None, 64) -> 'L×64'."""
    if shape is None:
        return "any shape"
    dims = shape[1:] if len(shape) > 1 else shape
    return (
        "×".join(
            _symbol_of(dims, i, axis_order) if d is None else str(d) for i, d in enumerate(dims)
        )
        or "scalar"
    )


def _symbol_of(dims: Shape, position: int, axis_order: str) -> str:
    """The symbol for the unknown size at `position` of `dims`: a sequence's `L` where a
    three-axis shape knows one of its two leading sizes but not the other (a sequence split
    into heads, L×8×64: a feature map knows both its height and width, or neither)."""
    if len(dims) == 3 and axis_order == "channels_last" and (dims[0] is None) != (dims[1] is None):
        return "L" if position < 2 else "n"
    return unknown_symbol(len(dims), position, axis_order)


def unknown_symbols(shapes: Iterable[Shape | None], axis_order: str = "channels_last") -> list[str]:
    """The symbols `format_shape` writes for these shapes' unknown sizes, in UNKNOWN_MEANINGS's
    order."""
    found = set()
    for shape in shapes:
        if shape is None:
            continue
        dims = shape[1:] if len(shape) > 1 else shape
        found.update(_symbol_of(dims, i, axis_order) for i, d in enumerate(dims) if d is None)
    return [s for s in UNKNOWN_MEANINGS if s in found]


def unknown_legend(symbols: Iterable[str]) -> str:
    """'L: any sequence length · H×W: any height and width' (empty without symbols)."""
    found = list(symbols)
    parts = []
    if "H" in found and "W" in found:
        found = [s for s in found if s not in ("H", "W")]
        parts.append("H×W: any height and width")
    parts += [f"{s}: {UNKNOWN_MEANINGS[s]}" for s in found]
    return " · ".join(parts)


def format_keras_shape(shape: Shape | None) -> str:
    """(None, 26, 26, 32) -> '(None, 26, 26, 32)', as model.summary() prints it."""
    if shape is None:
        return "any shape"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def format_bytes(n: int) -> str:
    """Sizes as Keras prints them: '136.04 KB'."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.2f} {unit}"
        value /= 1024
    return f"{value:.2f} GB"
