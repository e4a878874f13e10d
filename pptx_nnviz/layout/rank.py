"""Step 1, ranks: every edge goes down at least one rank; branches start right after their
fork (short branches top-aligned), and a layer that feeds more than it takes (a late input)
moves down next to its first consumer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ..ir import topological_order


def rank_nodes(node_ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Longest-path ranks from the inputs, then nodes with more outputs than inputs pulled
    down to just above their first consumer (linear time)."""
    order = topological_order(node_ids, edges)
    predecessors: dict[str, list[str]] = defaultdict(list)
    successors: dict[str, list[str]] = defaultdict(list)
    for s, t in edges:
        predecessors[t].append(s)
        successors[s].append(t)
    ranks: dict[str, int] = {}
    for node in order:
        ranks[node] = max((ranks[p] + 1 for p in predecessors[node]), default=0)
    for node in reversed(order):
        if successors[node] and len(successors[node]) > len(predecessors[node]):
            ranks[node] = max(ranks[node], min(ranks[t] for t in successors[node]) - 1)
    return ranks


def stagger(
    node_ids: Sequence[str],
    edges: Sequence[tuple[str, str]],
    ranks: dict[str, int],
    widths: dict[str, float],
    limit: float,
    gap: float,
) -> dict[str, int]:
    """A rank wider than `limit` (many parallel branches) is staggered over several ranks:
    the layers that do not fit move one rank down, and everything below follows."""
    members: dict[int, list[str]] = defaultdict(list)
    for node in node_ids:
        members[ranks[node]].append(node)
    result: dict[str, int] = {}
    shift = 0
    for rank in sorted(members):
        used = 0.0
        for k, node in enumerate(members[rank]):
            width = widths[node] + (gap if k else 0.0)
            if used > 0 and used + width > limit:
                shift += 1
                used = 0.0
                width = widths[node]
            used += width
            result[node] = rank + shift
    if shift == 0:
        return result
    successors: dict[str, list[str]] = defaultdict(list)
    for s, t in edges:
        successors[s].append(t)
    for node in topological_order(node_ids, edges):
        for t in successors[node]:
            result[t] = max(result[t], result[node] + 1)
    return result
