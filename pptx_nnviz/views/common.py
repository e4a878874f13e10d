"""Pieces shared by the views: the lines of a layer's label and a sentence about it (alt
text, notes); the legend band and page placement are re-exported from their modules."""

from __future__ import annotations

from ..ir import Graph, Node
from ..text import (
    format_count,
    format_params,
    format_shape,
)

# --------------------------------------------------------------------------- labels


def box_lines(node: Node) -> tuple[str, str, str]:
    """A layer box's text: name; class and key settings; output shape and parameters."""
    detail = node.class_name
    hint = _hint(node)
    if hint:
        detail += f" {hint}"
    params = "shared weights" if node.shared_with else format_params(node.params)
    return node.name, detail, f"{output_text(node)} · {params}"


def output_text(node: Node) -> str:
    """'28×28×32'; '2 outputs'; 'shape unknown' (a subclassed model that never said)."""
    if node.output_shape is not None:
        return format_shape(node.output_shape)
    return f"{len(node.output_shapes)} outputs" if node.output_shapes else "shape unknown"


def plural(count: int, word: str) -> str:
    """'1 layer', '12 layers', '1,024 units'."""
    return f"{format_count(count)} {word}" + ("" if count == 1 else "s")


def opaque_model(graph: Graph) -> Node | None:
    """The one box of a subclassed model whose inside could not be traced, if `graph` is one."""
    if len(graph.nodes) == 1 and not graph.edges:
        node = graph.nodes[0]
        if node.category == "model" and node.inner is None:
            return node
    return None


def opaque_summary(node: Node) -> str:
    """What is known of an untraced subclassed model: 'subclassed Model: 12,345 params,
    internals not traced'."""
    return f"subclassed Model: {plural(node.params, 'param')}, internals not traced"


def _hint(node: Node) -> str:
    h = dict(node.hyperparams)
    parts: list[str] = []
    if node.category == "conv":
        parts += [h.get("kernel", ""), f"×{h['filters']}" if "filters" in h else ""]
        parts = ["".join(parts)] if parts[0] else parts[1:]
        if "strides" in h:
            parts.append(f"/{h['strides'].split('×')[0]}")
    elif node.category == "dense":
        parts.append(h.get("units", ""))
    elif node.category == "pooling":
        parts.append(h.get("pool", ""))
    elif node.category == "dropout":
        parts.append(h.get("rate", ""))
    elif node.category == "model" and node.inner is None and not node.shared_with:
        return "(subclassed, not traced)"
    elif node.category == "model" and node.inner_layers:
        parts.append(f"({plural(node.inner_layers, 'layer')})")
    elif node.category == "block":
        return f"of {node.inner_layers} layers" + (f" × {node.repeat}" if node.repeat > 1 else "")
    if "activation" in h and node.category in ("conv", "dense", "recurrent", "activation"):
        parts.append(activation_name(h["activation"]))
    return " ".join(p for p in parts if p)


def activation_name(name: str) -> str:
    """An activation as people say it: 'keras_hub>gelu_approximate' -> 'gelu'."""
    return name.rsplit(">", 1)[-1].removesuffix("_approximate")


def describe_node(node: Node) -> str:
    """A sentence about the layer: for alt text and speaker notes."""
    settings = ", ".join(f"{k} {v}" for k, v in node.hyperparams)
    shape = ", ".join(format_shape(s) for s in node.output_shapes) or "unknown shape"
    if node.category == "model" and node.inner is None and not node.shared_with:
        return f"{node.name}: {node.class_name}, a {opaque_summary(node)}."
    text = f"{node.name}: {node.class_name} ({node.category})"
    if settings:
        text += f", {settings}"
    text += f"; output {shape}"
    if node.shared_with:
        text += f"; shares its weights with {node.shared_with}"
    else:
        text += f"; {format_count(node.params)} parameters"
    if node.parent:
        text += f"; inside {node.parent}"
    return text + "."


# The legend and the placement of a page moved to their own modules; views import them here.
from .legend import caption_text, legend_and_caption, legend_height  # noqa: E402
from .placement import place_page  # noqa: E402

__all__ = [
    "box_lines",
    "caption_text",
    "describe_node",
    "legend_and_caption",
    "legend_height",
    "place_page",
]
