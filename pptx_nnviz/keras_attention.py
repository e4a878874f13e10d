"""The inside of Keras's attention layers, drawn from their configuration.

`keras.layers.MultiHeadAttention` and `GroupQueryAttention` (and subclasses such as keras_hub's
cached attention) are built-ins whose call cannot be traced into layers: their projections are
sublayers but the scores, softmax and weighted sum are computed inline. This module draws what a
lecturer draws for them, in the IR's vocabulary: the Q, K and V projections with their heads, the
scaled scores, the mask where the call takes one, the softmax, the weighted sum of the values and
the output projection. Every parameter is the projections' own, so the inside adds up.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .ir import Edge, Graph, Node, Shape
from .text import sanitize

#: The projections an attention layer of Keras holds, by attribute, with the part they play.
_PROJECTIONS = (
    ("_query_dense", "q", "Q projection"),
    ("_key_dense", "k", "K projection"),
    ("_value_dense", "v", "V projection"),
)
#: How far back a mask's history is searched for the positions a causal mask compares.
_MASK_HISTORY = 64


def attention_inside(layer: Any, knode: Any, shape_of: Any) -> Graph | None:
    """The drawing of one call of a Keras attention layer; None when `layer` is not one (or
    holds parameters the drawing would not account for). `shape_of` reads a tensor's shape as
    the loader does."""
    dense = [getattr(layer, attr, None) for attr, _, _ in _PROJECTIONS]
    output = getattr(layer, "_output_dense", None)
    if any(d is None for d in dense) or output is None:
        return None
    config = layer.get_config()
    heads = config.get("num_heads") or config.get("num_query_heads")
    kv_heads = config.get("num_key_value_heads") or heads
    key_dim = config.get("key_dim") or config.get("head_dim")
    value_dim = config.get("value_dim") or key_dim
    if not heads or not key_dim:
        return None
    if sum(d.count_params() for d in [*dense, output]) != layer.count_params():
        return None  # a gate or a norm of its own: better one box than wrong numbers

    query, value, key, mask = _call_tensors(knode)
    if query is None or value is None:
        return None
    q_shape, v_shape = shape_of(query), shape_of(value)
    batch, target, source = q_shape[0], q_shape[1], v_shape[1]
    causal = bool(knode.arguments.kwargs.get("use_causal_mask")) or (
        mask is not None and is_causal_mask(mask)
    )
    cross = value is not query
    inputs = ["query", "value"] if cross else ["sequence"]
    if key is not None and key is not value:
        inputs.append("key")

    nodes: list[Node] = []
    edges: list[Edge] = []

    def add(node: Node, *sources: tuple[str, Shape]) -> None:
        nodes.append(replace(node, input_shapes=tuple(shape for _, shape in sources)))
        edges.extend(Edge(s, node.id, shape) for s, shape in sources)

    for name in inputs:
        tensor = {"query": query, "value": value, "key": key, "sequence": query}[name]
        add(_node(name, name, "Input", "input", outputs=(shape_of(tensor),)))
    source_of = {
        "q": (inputs[0], q_shape),
        "k": (
            "key" if "key" in inputs else inputs[-1],
            shape_of(key if key is not None else value),
        ),
        "v": ("value" if cross else "sequence", v_shape),
    }
    projected = {}
    for (_, part, title), sublayer in zip(_PROJECTIONS, dense, strict=True):
        n_heads = heads if part == "q" else kv_heads
        width = value_dim if part == "v" else key_dim
        length = target if part == "q" else source
        projected[part] = (batch, length, n_heads, width)
        add(
            _dense(part, title, sublayer, n_heads, width, projected[part]),
            source_of[part],
        )
    scores: Shape = (batch, heads, target, source)
    add(
        _node("scores", "scores", "MatMul", "matmul", (scores,), part=f"Q·Kᵀ / √{key_dim}"),
        ("q", projected["q"]),
        ("k", projected["k"]),
    )
    last = "scores"
    if mask is not None or causal:
        kind = "causal" if causal else "padding"
        add(
            _node(
                "mask",
                f"{kind} mask",
                "Mask",
                "mask",
                outputs=(scores,),
                kind=kind,
                part=f"{kind} mask",
            ),
            (last, scores),
        )
        last = "mask"
    add(
        _node("softmax", "softmax", "Softmax", "activation", outputs=(scores,), fn="softmax"),
        (last, scores),
    )
    last = "softmax"
    rate = float(config.get("dropout") or 0.0)
    if rate:
        add(
            _node(
                "dropout", "attention dropout", "Dropout", "dropout", outputs=(scores,), rate=rate
            ),
            (last, scores),
        )
        last = "dropout"
    mixed: Shape = (batch, target, heads, value_dim)
    add(
        _node("weighted", "weighted sum", "MatMul", "matmul", outputs=(mixed,), part="weights · V"),
        (last, scores),
        ("v", projected["v"]),
    )
    out_shape = tuple(shape_of(knode.output_tensors[0]))
    add(
        _dense("out", "output projection", output, None, out_shape[-1], out_shape),
        ("weighted", mixed),
    )
    return Graph(
        name=sanitize(layer.name),
        nodes=tuple(nodes),
        edges=tuple(edges),
        inputs=tuple(inputs),
        outputs=("out",),
    )


def _call_tensors(knode: Any) -> tuple[Any, Any, Any, Any]:
    """The query, value, key and mask tensors of an attention call (key and mask may be None)."""
    names = ("query", "value", "key", "attention_mask")
    args = list(knode.arguments.args)
    kwargs = dict(knode.arguments.kwargs)
    found = dict(zip(names, args))
    found.update({k: v for k, v in kwargs.items() if k in names})
    query = found.get("query")
    value = found.get("value", query)
    return query, value, found.get("key"), found.get("attention_mask")


def is_causal_mask(mask: Any) -> bool:
    """Whether a mask is causal, from its recorded history: computed from a range of
    positions (the query's compared with the key's), or combined with a constant
    lower-triangular matrix (what that comparison gives when the length is known)."""
    seen: set[int] = set()
    todo = [mask]
    while todo and len(seen) < _MASK_HISTORY:
        tensor = todo.pop()
        history = getattr(tensor, "_keras_history", None)
        if history is None or id(history.operation) in seen:
            continue
        seen.add(id(history.operation))
        if type(history.operation).__name__ in ("Arange", "Tril", "Triu"):
            return True
        nodes = getattr(history.operation, "_inbound_nodes", [])
        if history.node_index < len(nodes):
            knode = nodes[history.node_index]
            if any(_lower_triangular(v) for v in _constant_arguments(knode)):
                return True
            todo.extend(knode.input_tensors)
    return False


def _constant_arguments(knode: Any) -> list[Any]:
    """The arguments of a recorded call that are concrete tensors, not symbolic ones."""
    import keras

    arguments = knode.arguments
    values = keras.tree.flatten((arguments.args, arguments.kwargs))
    return [
        v
        for v in values
        if getattr(v, "shape", None) is not None
        and not isinstance(v, (keras.KerasTensor, keras.Variable))
    ]


def _lower_triangular(value: Any) -> bool:
    """Whether a constant is a square matrix (or a stack of them) true on the diagonal and
    false above it: no query sees a later key (a causal mask; one with a sliding window
    is false far below the diagonal too)."""
    import keras
    import numpy as np

    shape = tuple(value.shape)
    if len(shape) < 2 or shape[-1] != shape[-2] or shape[-1] < 2:
        return False
    first = np.asarray(keras.ops.convert_to_numpy(value)).reshape(-1, *shape[-2:])[0]
    allowed = first.astype(bool)
    return bool(allowed.diagonal().all() and not np.triu(allowed, 1).any())


def _node(
    node_id: str,
    name: str,
    class_name: str,
    op: str,
    outputs: tuple[Shape, ...] = (),
    fn: str = "",
    rate: float = 0.0,
    kind: str = "",
    part: str = "",
) -> Node:
    settings: list[tuple[str, Any]] = [("part", part)] if part else []
    if fn:
        settings.append(("activation", fn))
    if rate:
        settings.append(("rate", rate))
    if kind:
        settings.append(("kind", kind))
    return Node(
        id=node_id,
        name=name,
        class_name=class_name,
        category=_CATEGORY.get(op, "other"),
        op=op,
        output_shapes=outputs,
        hyperparams=tuple((k, f"{v:g}" if isinstance(v, float) else str(v)) for k, v in settings),
        settings=tuple(settings),
    )


_CATEGORY = {
    "input": "input",
    "matmul": "merge",
    "mask": "attention",
    "activation": "activation",
    "dropout": "dropout",
}


def _dense(
    node_id: str, name: str, layer: Any, heads: int | None, width: int | None, shape: Shape
) -> Node:
    units = f"{heads} heads × {width}" if heads else str(width)
    settings: tuple[tuple[str, Any], ...] = (("part", name), ("units", units))
    if heads:
        settings += (("heads", heads),)
    from .keras_loader import _param_counts  # the loader imports this module

    trainable, frozen = _param_counts(layer)
    return Node(
        id=node_id,
        name=name,
        class_name=sanitize(type(layer).__name__),
        category="dense",
        op="dense",
        output_shapes=(shape,),
        trainable_params=trainable,
        non_trainable_params=frozen,
        hyperparams=tuple((k, str(v)) for k, v in settings),
        settings=settings,
    )
