"""Graph pass: a mixture of experts drawn as people draw it.

A router (a dense layer scoring each token for every expert), a top-k choosing the experts a
token goes to, the experts themselves (stacked weights, one layer in most frameworks) and the
weighted combine. Read from the IR's structure only: the graph has a `top_k` fed by a dense
router of N outputs; its unnamed layer holding the most parameters is the bank of N experts
(op `experts`, settings `experts` = N and `top k`).
"""

from __future__ import annotations

from dataclasses import replace

from .ir import Graph, Node, with_part


def mark_experts(graph: Graph) -> Graph:
    """The graph with the bank of experts of its mixture of experts marked (see above)."""
    top_k = next((n for n in graph.nodes if n.op == "top_k"), None)
    if top_k is None:
        return graph
    router = _router(graph, top_k)
    bank = max(
        (n for n in graph.nodes if n.op == "other" and n.params > 0),
        key=lambda n: n.params,
        default=None,
    )
    if router is None or bank is None or router.output_shape is None:
        return graph
    count = router.output_shape[-1]
    k = top_k.setting("k")
    if not isinstance(count, int) or count < 2:
        return graph
    settings = (("experts", count),) + ((("top k", k),) if isinstance(k, int) else ())
    marked = replace(
        bank,
        op="experts",
        category="dense",
        settings=settings,
        hyperparams=tuple((key, str(value)) for key, value in settings),
    )
    changed = {bank.id: marked, router.id: with_part(router, "router")}
    combine = next((graph.node(t) for t in graph.successors(bank.id)), None)
    if combine is not None and combine.op == "multiply":
        changed[combine.id] = with_part(combine, "weighted by the router")
    return replace(graph, nodes=tuple(changed.get(n.id, n) for n in graph.nodes))


def _router(graph: Graph, top_k: Node) -> Node | None:
    """The dense layer whose scores the top-k reads, directly or through a softmax."""
    for source in graph.predecessors(top_k.id):
        node = graph.node(source)
        if node.op == "activation":
            ahead = [graph.node(s) for s in graph.predecessors(node.id)]
            node = next((n for n in ahead if n.op == "dense"), node)
        if node.op == "dense":
            return node
    return None
