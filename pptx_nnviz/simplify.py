"""Graph pass: the graph the architecture view draws, without the plumbing a framework records.

A person drawing a network leaves out what only moves, retypes or pads data, and writes a
hard sigmoid as one activation, not as three operations. `simplify` does that on the IR
(reading `Node.op`, shapes, hyperparameters and structure only, never class names), so
every importer gets it:

- padding feeding a conv or pool is folded into it (the conv records the padding);
- casts, identities, dropout of rate 0, linear activations, `get_item`, permutes and
  reshapes that only add or drop unit axes are removed, their edges joined (labelled
  "transposed", "[CLS]"... across a permute or a selection: `edge_label`);
- stochastic depth (dropouts right before residual adds, their rates varying between the
  blocks) is removed and noted once;
- a chain of preprocessing layers right after an input becomes one "preprocess" node;
- add of a constant -> ReLU6 -> multiply by a constant (-> multiply with the input) becomes
  one "hard sigmoid" ("hard swish") activation.

Every removed operation's name is kept in `Node.folded` of the node it was folded into (or
removed next to) and its parameters are added to it, so the totals stay those of the model;
`not_drawn` writes the speaker notes' line about them. The summary and the parameter chart
keep the full graph; `--show-ops` skips the pass.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .attention_parts import label_attention_parts, label_feed_forward_parts
from .experts import mark_experts
from .ir import Edge, Graph, Node, Shape

#: Operations a padding is folded into.
PADDED = frozenset({"conv", "depthwise_conv", "separable_conv", "conv_transpose", "pool"})
#: Operations that only retype, copy or select data: removed wherever they have one input.
PASS_THROUGH = frozenset({"cast", "identity", "get_item", "permute"})
#: The class name given to a hard sigmoid or swish this pass makes (labels read the function
#: from it).
ACTIVATION_CLASS = "Activation"


@dataclass(frozen=True)
class _Plan:
    """What to do with a graph: nodes to remove (edges joined across them), and nodes to
    replace (a conv with its padding, the last node of a hard sigmoid)."""

    removed: dict[str, str]  # node id -> why (notes)
    replaced: dict[str, Node]


def simplify(graph: Graph) -> Graph:
    """The graph the architecture view draws (see the module's docstring); inner graphs
    (nested models, traced layers) too. Ids and names of the nodes kept do not change."""
    nodes = tuple(
        replace(n, inner=simplify(n.inner)) if n.inner is not None and n.inner.nodes else n
        for n in graph.nodes
    )
    if any(a.inner is not b.inner for a, b in zip(nodes, graph.nodes, strict=True)):
        graph = replace(graph, nodes=nodes)
    graph = label_feed_forward_parts(label_attention_parts(mark_experts(graph)))
    plan = _plan(graph)
    if not plan.removed and not plan.replaced:
        return graph
    return _apply(graph, plan)


# --------------------------------------------------------------------------- the plan


def _plan(graph: Graph) -> _Plan:
    removed: dict[str, str] = {}
    replaced: dict[str, Node] = {}
    for node in graph.nodes:
        why = _removable(graph, node)
        if why:
            removed[node.id] = why
    for node_id in _stochastic_depth(graph):
        rate = graph.node(node_id).hyperparam("rate")
        removed[node_id] = f"stochastic depth (rate {rate})"
    for pad, targets in _paddings(graph):
        removed[pad.id] = "padding"
        for target in targets:
            node = replaced.get(target.id, target)
            replaced[target.id] = _padded(node, pad)
    for pad, crop in _shifts(graph):
        removed[pad.id] = removed[crop.id] = "shift by padding and cropping"
    for chain in _preprocessing(graph):
        *before, last = chain
        for node in before:
            removed[node.id] = "preprocessing"
        replaced[last.id] = replace(
            last,
            category="reshape",
            hyperparams=(),
            settings=(),
            input_shapes=chain[0].input_shapes,
        )
    for chain, function in _hard_activations(graph):
        *before, last = chain
        for node in before:
            removed[node.id] = function
        replaced[last.id] = replace(
            last,
            class_name=ACTIVATION_CLASS,
            op="activation",
            category="activation",
            hyperparams=(("activation", function.replace(" ", "_")),),
            settings=(("activation", function.replace(" ", "_")),),
            input_shapes=chain[0].input_shapes,
        )
    return _Plan(removed, replaced)


def _one_input(graph: Graph, node: Node) -> bool:
    return len(graph.edges_into(node.id)) == 1 and node.inner is None


def _removable(graph: Graph, node: Node) -> str:
    """Why a one-input node is removed on its own ('' when it stays)."""
    if not _one_input(graph, node) or node.params:
        return ""
    if node.op in PASS_THROUGH:
        return {"get_item": "selection", "permute": "axes reordered"}.get(node.op, node.op)
    if node.op == "dropout" and _rate(node) == 0:
        return "dropout of rate 0"
    if node.op == "activation" and not node.hyperparams:
        return "linear activation"  # the function is named unless it is the identity
    if node.op == "reshape" and _unit_axes_only(node):
        return "reshape to unit axes"
    return ""


def edge_label(node: Node) -> str:
    """How an edge joined across `node` is marked ('' when it is not): a permute reads
    'transposed' (two axes swapped) or 'axes 3,1,2' (the axes, numbered from 1 after the
    batch, in their new order; read from the shapes, so 'axes reordered' when sizes repeat);
    a selection dropping the sequence axis of a (batch, sequence, features) tensor reads
    '[CLS]' (a class token: the shapes cannot tell the first position from another), any
    other selection 'select'."""
    if len(node.input_shapes) != 1 or node.output_shape is None:
        return ""
    before, after = node.input_shapes[0][1:], node.output_shape[1:]
    if node.op == "permute":
        if sorted(map(str, before)) != sorted(map(str, after)):
            return ""
        if len(before) == 2:
            return "transposed"
        if len(set(before)) != len(before) or None in before:
            return "axes reordered"
        order = [before.index(d) + 1 for d in after]
        return "" if order == sorted(order) else "axes " + ",".join(map(str, order))
    if node.op == "get_item":
        return "[CLS]" if len(before) == 2 and after == before[1:] else "select"
    return ""


def _rate(node: Node) -> float | None:
    return _number(node.hyperparam("rate"))


def _unit_axes_only(node: Node) -> bool:
    """Whether a reshape only adds or drops axes of size 1 (SE's 1×1×C)."""
    if len(node.input_shapes) != 1 or node.output_shape is None:
        return False
    before, after = node.input_shapes[0][1:], node.output_shape[1:]
    return [d for d in before if d != 1] == [d for d in after if d != 1]


def _stochastic_depth(graph: Graph) -> list[str]:
    """Dropouts right before a residual add (an add of several inputs) whose rates vary
    between the blocks: stochastic depth, which a reader sees as a note, not a layer. A
    model whose residual dropouts share one rate (a Transformer's) keeps them."""
    found = []
    for node in graph.nodes:
        succs = graph.successors(node.id)
        if (
            node.op == "dropout"
            and _one_input(graph, node)
            and (_rate(node) or 0) > 0
            and len(succs) == 1
            and graph.node(succs[0]).op == "add"
            and len(graph.edges_into(succs[0])) > 1
        ):
            found.append(node.id)
    rates = {_rate(graph.node(i)) for i in found}
    return found if len(rates) > 1 else []


def _paddings(graph: Graph) -> list[tuple[Node, list[Node]]]:
    """Each padding whose every consumer is a conv or pool taking only it, with them."""
    found = []
    for node in graph.nodes:
        targets = [graph.node(t) for t in graph.successors(node.id)]
        if (
            node.op == "pad"
            and _one_input(graph, node)
            and targets
            and all(t.op in PADDED and len(graph.edges_into(t.id)) == 1 for t in targets)
        ):
            found.append((node, targets))
    return found


def _shifts(graph: Graph) -> list[tuple[Node, Node]]:
    """A padding and the cropping right after it that gives back the padding's input shape
    (NASNet's one-pixel shift before a reduction's second pool), feeding convs or pools."""
    found = []
    for crop in graph.nodes:
        preds, targets = graph.predecessors(crop.id), graph.successors(crop.id)
        if crop.op != "crop" or not _one_input(graph, crop) or not targets:
            continue
        pad = graph.node(preds[0])
        if (
            pad.op == "pad"
            and _one_input(graph, pad)
            and graph.successors(pad.id) == [crop.id]
            and pad.input_shapes == crop.output_shapes
            and all(graph.node(t).op in PADDED for t in targets)
        ):
            found.append((pad, crop))
    return found


def _padded(node: Node, pad: Node) -> Node:
    """A conv or pool with the padding before it: the padding's amounts as its own, its
    input the padding's."""
    return replace(
        node,
        hyperparams=_with_padding(node.hyperparams, pad.hyperparam("padding")),
        settings=_with_padding(node.settings, pad.setting("padding")),
        input_shapes=pad.input_shapes,
    )


def _with_padding(pairs: tuple[tuple[str, Any], ...], amount: Any) -> tuple[tuple[str, Any], ...]:
    """`pairs` (display texts or typed settings) with the padding's amount as their own."""
    if not amount:
        return pairs
    result = tuple((k, amount if k == "padding" else v) for k, v in pairs)
    return result if "padding" in dict(pairs) else (*result, ("padding", amount))


def _preprocessing(graph: Graph) -> list[list[Node]]:
    """Runs of two or more preprocessing nodes right after an input, one after another."""
    chains = []
    for source in graph.inputs:
        chain: list[Node] = []
        succs = graph.successors(source)
        while len(succs) == 1:
            node = graph.node(succs[0])
            if node.op != "preprocess" or not _one_input(graph, node):
                break
            chain.append(node)
            succs = graph.successors(node.id)
        if len(chain) > 1:
            chains.append(chain)
    return chains


def _hard_activations(graph: Graph) -> list[tuple[list[Node], str]]:
    """Hard sigmoids spelled out (x + 3 -> ReLU6 -> × 1/6 or / 6: an add and a multiply or
    divide with one tensor input each take a constant) and hard swishes (that, times x),
    with the function each computes."""
    found = []
    for add in graph.nodes:
        if add.op != "add" or not _one_input(graph, add):
            continue
        relu = _only_successor(graph, add)
        if relu is None or not _is_relu6(relu) or not _one_input(graph, relu):
            continue
        scale = _only_successor(graph, relu)
        if scale is None or scale.op not in ("multiply", "divide") or not _one_input(graph, scale):
            continue
        chain, function = [add, relu, scale], "hard sigmoid"
        gate = _only_successor(graph, scale)
        source = graph.predecessors(add.id)[0]
        if (
            gate is not None
            and gate.op == "multiply"
            and sorted(graph.predecessors(gate.id)) == sorted([source, scale.id])
        ):
            chain, function = [*chain, gate], "hard swish"
        found.append((chain, function))
    return found


def _only_successor(graph: Graph, node: Node) -> Node | None:
    succs = graph.successors(node.id)
    return graph.node(succs[0]) if len(succs) == 1 else None


def _is_relu6(node: Node) -> bool:
    """A ReLU capped at 6: the `relu6` function, or a ReLU with a maximum of 6."""
    if node.op != "activation" or node.params:
        return False
    if node.hyperparam("activation") == "relu6":
        return True
    cap, slope = node.hyperparam("max value"), node.hyperparam("negative slope")
    return _number(cap) == 6 and _number(slope or "0") == 0


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- applying it


def _apply(graph: Graph, plan: _Plan) -> Graph:
    """Remove `plan.removed` (each has one input: its edges join its source to its
    consumers), put `plan.replaced` in, and record every removed name on the node it was
    folded into: its nearest kept consumers, or its source when nothing kept consumes it."""
    removed = set(plan.removed)
    kept = {n.id for n in graph.nodes if n.id not in removed}

    def origin(node_id: str) -> tuple[str, Shape]:
        """The kept node a removed node's data comes from, and the tensor leaving it."""
        edge = graph.edges_into(node_id)[0]
        while edge.source in removed:
            edge = graph.edges_into(edge.source)[0]
        return edge.source, edge.shape

    def marks(node_id: str) -> str:
        """The edge labels of the removed nodes from the kept origin to `node_id`."""
        found = [edge_label(graph.node(node_id))]
        edge = graph.edges_into(node_id)[0]
        while edge.source in removed:
            found.append(edge_label(graph.node(edge.source)))
            edge = graph.edges_into(edge.source)[0]
        return " ".join(m for m in reversed(found) if m)

    # joined edges take the place of the edges they stand for (a merge keeps its inputs'
    # order); one joining two nodes an edge already joins is left out (a hard swish's input)
    seen = {(e.source, e.target) for e in graph.edges if e.source in kept and e.target in kept}
    edges = []
    for edge in graph.edges:
        if edge.target in removed:
            continue
        if edge.source in removed:
            source, shape = origin(edge.source)
            if (source, edge.target) in seen:
                continue
            seen.add((source, edge.target))
            edge = Edge(source, edge.target, shape, marks(edge.source))
        edges.append(edge)
    nodes = {n.id: plan.replaced.get(n.id, n) for n in graph.nodes if n.id in kept}
    for node in graph.nodes:
        if node.id not in removed:
            continue
        into = graph.nearest(node.id, kept) or [origin(node.id)[0]]
        first = nodes[into[0]]
        nodes[into[0]] = replace(
            first,
            trainable_params=first.trainable_params + node.trainable_params,
            non_trainable_params=first.non_trainable_params + node.non_trainable_params,
        )
        for target in into:
            nodes[target] = replace(nodes[target], folded=(*nodes[target].folded, node.name))
    outputs = tuple(dict.fromkeys(o if o in kept else origin(o)[0] for o in graph.outputs))
    return replace(
        graph,
        nodes=tuple(nodes[n.id] for n in graph.nodes if n.id in kept),
        edges=tuple(edges),
        outputs=outputs,
    )


# --------------------------------------------------------------------------- notes


def folded_within(graph: Graph) -> list[tuple[str, tuple[str, ...]]]:
    """(node name, the names folded into it) over `graph` and every graph inside it."""
    found = []
    for node in graph.nodes:
        if node.folded:
            found.append((node.name, node.folded))
        if node.inner is not None:
            found += folded_within(node.inner)
    return found


def not_drawn(reasons: dict[str, str], folded: list[tuple[str, tuple[str, ...]]]) -> str:
    """The speaker notes' line listing what a slide leaves out, from (box's layer, names
    folded into it) pairs: 'Not drawn: conv1_pad (padding, at conv1_conv); stochastic depth
    before 16 residual adds (rates 0.025 to 0.2): block2b_drop, ...' ('' when nothing is);
    `reasons` comes from `removal_reasons` of the full graph."""
    plain: list[str] = []
    depth: dict[str, str] = {}
    for name, items in folded:
        for item in items:
            why = reasons.get(item, "")
            if why.startswith("stochastic depth"):
                depth[item] = why.removeprefix("stochastic depth (rate ").rstrip(")")
            else:
                plain.append(f"{item} ({why}, at {name})" if why else f"{item} (at {name})")
    plain = list(dict.fromkeys(plain))
    parts = []
    if plain:
        parts.append(", ".join(plain))
    if depth:
        rates = sorted(set(depth.values()), key=float)
        span = f"rate {rates[0]}" if len(rates) == 1 else f"rates {rates[0]} to {rates[-1]}"
        adds = "a residual add" if len(depth) == 1 else f"{len(depth)} residual adds"
        parts.append(f"stochastic depth before {adds} ({span}): " + ", ".join(depth))
    return "Not drawn: " + "; ".join(parts) + "." if parts else ""


def removal_reasons(graph: Graph) -> dict[str, str]:
    """Removed node name -> why, over `graph` and every graph inside it."""
    plan = _plan(graph)
    found = {graph.node(i).name: why for i, why in plan.removed.items()}
    for node in graph.nodes:
        if node.inner is not None and node.inner.nodes:
            found.update(removal_reasons(node.inner))
    return found
