"""Graph pass: a layer and the batch normalization and activation right after it drawn as
one box ("Conv 3×3×64 + BN + ReLU"), as papers draw Inception and ResNet modules.

Used by the architecture view for a block whose every layer would not fit its slide at a
readable size; the slide's notes still list every layer.
"""

from __future__ import annotations

from dataclasses import replace

from .ir import Edge, Graph, Node

#: Categories that take in the normalization and activation following them.
HEADS = frozenset({"conv", "dense", "recurrent", "embedding", "attention"})
#: Categories taken into the layer before them.
FOLLOWERS = frozenset({"normalization", "activation"})


def fuse_chains(graph: Graph) -> Graph:
    """The graph with each head layer and its chain of followers as one node (the head's id,
    the followers' class names in `fused`, parameters summed, the last one's output)."""
    owner: dict[str, str] = {}
    absorbed: dict[str, list[Node]] = {}
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
    if not owner:
        return graph
    nodes = []
    for node in graph.nodes:
        if node.id in owner:
            continue
        followers = absorbed.get(node.id, [])
        if followers:
            last = followers[-1]
            node = replace(
                node,
                output_shapes=last.output_shapes,
                trainable_params=node.trainable_params + sum(f.trainable_params for f in followers),
                non_trainable_params=node.non_trainable_params
                + sum(f.non_trainable_params for f in followers),
                fused=tuple(
                    f.class_name
                    if f.class_name != "Activation"
                    else f.hyperparam("activation") or "Activation"
                    for f in followers
                ),
                members=(node.name, *(f.name for f in followers)),
            )
        nodes.append(node)
    edges = {}
    for edge in graph.edges:
        source = owner.get(edge.source, edge.source)
        target = owner.get(edge.target, edge.target)
        if source != target:
            edges.setdefault((source, target), Edge(source, target, edge.shape))
    return replace(
        graph,
        nodes=tuple(nodes),
        edges=tuple(edges.values()),
        inputs=tuple(dict.fromkeys(owner.get(i, i) for i in graph.inputs)),
        outputs=tuple(dict.fromkeys(owner.get(o, o) for o in graph.outputs)),
    )
