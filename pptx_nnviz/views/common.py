"""Pieces shared by the views: the lines of a layer's label and a sentence about it (alt
text, notes); the legend band and page placement are re-exported from their modules."""

from __future__ import annotations

from ..ir import Graph, Node
from ..roles import activation_name, container_role, layer_role, settings
from ..text import (
    format_count,
    format_params,
    format_shape,
)

# --------------------------------------------------------------------------- labels


def box_lines(node: Node) -> tuple[str, str, str]:
    """A layer box's text: name; role (what it does and its key settings, `roles`); output
    shape and parameters."""
    params = "shared weights" if node.shared_with else format_params(node.params)
    return node.name, layer_role(node), f"{output_text(node)} · {params}"


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
    """The settings after a layer's word ('3×3×64 /2 relu'); a block or nested model by what
    it is (`roles.describe`), never by how many layers it holds."""
    if node.op in ("block", "model") or node.category in ("block", "model"):
        if node.inner is None and not node.shared_with:
            return "(subclassed, not traced)"
        return container_role(node)
    return settings(node)


def describe_node(node: Node) -> str:
    """A sentence about the layer: for alt text and speaker notes."""
    given = ", ".join(f"{k} {v}" for k, v in node.hyperparams)
    shape = ", ".join(format_shape(s) for s in node.output_shapes) or "unknown shape"
    if node.category == "model" and node.inner is None and not node.shared_with:
        return f"{node.name}: {node.class_name}, a {opaque_summary(node)}."
    text = f"{node.name}: {node.class_name} ({node.category})"
    if given:
        text += f", {given}"
    if node.inner is not None and node.inner.nodes:
        text += f", a {container_role(node)} of {plural(node.inner_layers, 'layer')}"
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
    "activation_name",
    "box_lines",
    "caption_text",
    "describe_node",
    "legend_and_caption",
    "legend_height",
    "place_page",
]
