"""Graph pass: the parts of a Transformer's sublayers labelled as lectures label them.

A custom attention layer opened by tracing records its projections, products and softmax
under the framework's words ("Dense", "MatMul"). In a graph that computes attention
(`roles.attention_kind`), this pass finds from the structure alone: the scores (the product
the softmax reads), the weighted sum (the product that reads the softmax), the projections
whose outputs reach the scores first (queries) and second (keys), the one reaching the weighted
sum (values) and the dense layer after it (the output projection); a multiplication of the
scores by a constant is their scale. A gated feed-forward's dense layers are the gate, up and
down projections (SwiGLU, GeGLU by the gate's activation). Each part gets a `part`
hyperparameter, shown as its role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .ir import PLUMBING_OPS, Graph, Node, with_part

#: Operations a projection's output may pass on its way to the product (positions rotated
#: in, key-value heads repeated for grouped queries).
_ON_THE_WAY = PLUMBING_OPS | {"embedding", "rms_norm", "layer_norm", "norm"}


def label_attention_parts(graph: Graph) -> Graph:
    """The graph with the parts of its attention labelled (see the module docstring)."""
    from .roles import attention_kind, op_word

    if not attention_kind(graph):
        return graph
    softmax = next(n for n in graph.nodes if n.op == "activation" and op_word(n) == "Softmax")
    scores = _upstream(graph, softmax.id, "matmul")
    weighted = _downstream(graph, softmax.id, "matmul")
    if scores is None or weighted is None or scores.id == weighted.id:
        return graph
    parts: dict[str, str] = {scores.id: "Q·Kᵀ", weighted.id: "weights · V"}
    operands = graph.predecessors(scores.id)
    for source, part in zip(operands, ("Q projection", "K projection"), strict=False):
        dense = _projection(graph, source)
        if dense is not None:
            parts.setdefault(dense.id, part)
    values = [s for s in graph.predecessors(weighted.id) if not _reaches(graph, softmax.id, s)]
    for source in values[:1]:
        dense = _projection(graph, source)
        if dense is not None:
            parts.setdefault(dense.id, "V projection")
    output = _downstream(graph, weighted.id, "dense")
    if output is not None:
        parts.setdefault(output.id, "output projection")
    for node_id in graph.successors(scores.id):
        node = graph.node(node_id)
        if node.op in ("multiply", "divide") and len(graph.predecessors(node_id)) == 1:
            parts[node_id] = "scale"
    nodes = tuple(with_part(n, parts[n.id]) if n.id in parts else n for n in graph.nodes)
    return replace(graph, nodes=nodes)


def label_feed_forward_parts(graph: Graph) -> Graph:
    """The graph with each gated feed-forward's parts labelled: two dense layers reading one
    input, one through an activation (the gate), multiplied, then a dense layer (the down
    projection): SwiGLU, GeGLU, ReGLU by the gate's activation."""
    from .roles import activation_name

    parts: dict[str, str] = {}
    for merge in graph.nodes:
        if merge.op != "multiply" or len(graph.predecessors(merge.id)) != 2:
            continue
        found = [_gated_branch(graph, s) for s in graph.predecessors(merge.id)]
        branches = [b for b in found if b is not None]
        if len(branches) != 2:
            continue
        (up, up_fn), (gate, gate_fn) = sorted(branches, key=lambda b: b[1] != "")
        down = _downstream(graph, merge.id, "dense")
        same_input = graph.predecessors(up.id) == graph.predecessors(gate.id)
        if not gate_fn or up_fn or not same_input or down is None:
            continue
        glu = {"silu": "SwiGLU", "swish": "SwiGLU", "gelu": "GeGLU", "relu": "ReGLU"}
        kind = glu.get(activation_name(gate_fn), "GLU")
        parts.update({gate.id: "gate projection", up.id: "up projection"})
        parts.setdefault(down.id, f"down projection ({kind})")
    if not parts:
        return graph
    nodes = tuple(with_part(n, parts[n.id]) if n.id in parts else n for n in graph.nodes)
    return replace(graph, nodes=nodes)


def _gated_branch(graph: Graph, node_id: str) -> tuple[Node, str] | None:
    """The dense layer a multiply's operand comes from and the activation applied on the
    way ('' for none): its own, or an activation node between."""
    node = graph.node(node_id)
    function = ""
    while node.op in PLUMBING_OPS or node.op == "activation":
        if node.op == "activation":
            function = node.hyperparam("activation") or node.class_name.lower()
        sources = graph.predecessors(node.id)
        if len(sources) != 1:
            return None
        node = graph.node(sources[0])
    if node.op != "dense":
        return None
    return node, function or (node.hyperparam("activation") or "")


def _projection(graph: Graph, node_id: str) -> Node | None:
    """The dense layer a product's operand comes from, past rotations and repeats."""
    node = graph.node(node_id)
    while node.op in _ON_THE_WAY:
        sources = graph.predecessors(node.id)
        if len(sources) != 1:
            return None
        node = graph.node(sources[0])
    return node if node.op == "dense" else None


def _upstream(graph: Graph, node_id: str, op: str) -> Node | None:
    """The nearest node doing `op` the node reads from."""
    return _nearest(graph, node_id, op, graph.predecessors)


def _downstream(graph: Graph, node_id: str, op: str) -> Node | None:
    """The nearest node doing `op` that reads the node."""
    return _nearest(graph, node_id, op, graph.successors)


def _nearest(graph: Graph, node_id: str, op: str, step: Callable[[str], list[str]]) -> Node | None:
    """Breadth first from the node along `step` (its predecessors or successors)."""
    seen: set[str] = set()
    todo = list(step(node_id))
    while todo:
        current = graph.node(todo.pop(0))
        if current.id in seen:
            continue
        seen.add(current.id)
        if current.op == op:
            return current
        todo += step(current.id)
    return None


def _reaches(graph: Graph, source: str, target: str) -> bool:
    return source == target or target in _downstream_ids(graph, source)


def _downstream_ids(graph: Graph, node_id: str) -> set[str]:
    seen: set[str] = set()
    todo = [node_id]
    while todo:
        current = todo.pop()
        for nxt in graph.successors(current):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
