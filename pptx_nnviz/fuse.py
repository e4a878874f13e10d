"""Graph pass: a layer and the batch normalization and activation right after it drawn as
one box ("Conv 3×3×64 + BN + ReLU"), as papers draw Inception and ResNet modules.

Used by the architecture view for a block whose every layer would not fit its slide at a
readable size; the slide's notes still list every layer.
"""

from __future__ import annotations

from dataclasses import replace

from .ir import Graph, Node

#: Categories that take in the normalization and activation following them.
HEADS = frozenset({"conv", "dense", "recurrent", "embedding", "attention"})
#: Categories taken into the layer before them.
FOLLOWERS = frozenset({"normalization", "activation"})


def _class_of(node: Node) -> str:
    """'BatchNormalization', or an Activation's function ('relu')."""
    if node.class_name == "Activation":
        return node.hyperparam("activation") or "Activation"
    return node.class_name


def _chains(graph: Graph) -> tuple[dict[str, str], dict[str, list[Node]], dict[str, list[Node]]]:
    """Which head each follower joins, and each head's followers after and before it."""
    owner: dict[str, str] = {}
    absorbed: dict[str, list[Node]] = {}
    leading: dict[str, list[Node]] = {}
    for node in graph.nodes:
        preds = graph.predecessors(node.id)
        if (
            node.category in FOLLOWERS
            and node.inner is None
            and len(preds) == 1
            and len(graph.successors(preds[0])) == 1
        ):
            head = owner.get(preds[0], preds[0])
            if graph.node(head).category in HEADS:
                owner[node.id] = head
                absorbed.setdefault(head, []).append(node)
    for node in reversed(graph.nodes):
        succs = graph.successors(node.id)
        if (
            node.id not in owner
            and node.category in FOLLOWERS
            and node.inner is None
            and len(succs) == 1
            and len(graph.predecessors(succs[0])) == 1
        ):
            head = owner.get(succs[0], succs[0])
            if graph.node(head).category in HEADS and head not in owner:
                owner[node.id] = head
                leading.setdefault(head, []).insert(0, node)
    return owner, absorbed, leading


def fused_edges(graph: Graph) -> set[tuple[str, str]]:
    """The edges inside the chains `fuse_chains` draws as one box (a conv to its BN, the BN
    to its ReLU): where a column of the unfused drawing must not break."""
    owner, _, _ = _chains(graph)
    return {
        (e.source, e.target)
        for e in graph.edges
        if owner.get(e.source, e.source) == owner.get(e.target, e.target)
    }


def fuse_chains(graph: Graph) -> Graph:
    """The graph with each head layer and the normalization and activation chains right
    before and after it as one node: the head's id, the classes before it in `fused_before`
    (pre-activation blocks: ResNetV2, DenseNet, NASNet) and after it in `fused`, parameters
    summed, the last one's output."""
    owner, absorbed, leading = _chains(graph)
    if not owner:
        return graph
    nodes = []
    for node in graph.nodes:
        if node.id in owner:
            continue
        before, after = leading.get(node.id, []), absorbed.get(node.id, [])
        if before or after:
            chain = [*before, node, *after]
            node = replace(
                node,
                input_shapes=chain[0].input_shapes,
                output_shapes=chain[-1].output_shapes,
                trainable_params=sum(n.trainable_params for n in chain),
                non_trainable_params=sum(n.non_trainable_params for n in chain),
                fused=tuple(_class_of(f) for f in after),
                fused_before=tuple(_class_of(f) for f in before),
                members=tuple(n.name for n in chain),
            )
        nodes.append(node)
    edges = {}
    for edge in graph.edges:
        source = owner.get(edge.source, edge.source)
        target = owner.get(edge.target, edge.target)
        if source != target:
            edges.setdefault((source, target), replace(edge, source=source, target=target))
    return replace(
        graph,
        nodes=tuple(nodes),
        edges=tuple(edges.values()),
        inputs=tuple(dict.fromkeys(owner.get(i, i) for i in graph.inputs)),
        outputs=tuple(dict.fromkeys(owner.get(o, o) for o in graph.outputs)),
    )
