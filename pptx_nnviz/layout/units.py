"""Where a graph may wrap: the places where its flow narrows to one arrow.

A cut before rank p is narrow when exactly one edge crosses it and that edge joins rank p-1
to rank p. The stretches between narrow cuts are units: a residual block, an Inception module,
a single layer of a chain. A unit is never cut by wrapping unless it cannot fit a column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass
class Unit:
    """Ranks first..last (inclusive) and their nodes; `link_in`/`link_out` are the single
    edges that enter and leave it (None at the graph's ends)."""

    first: int
    last: int
    nodes: list[str]
    link_in: tuple[str, str] | None = None
    link_out: tuple[str, str] | None = None

    @property
    def entry(self) -> str | None:
        return self.link_in[1] if self.link_in else None

    @property
    def exit(self) -> str | None:
        return self.link_out[0] if self.link_out else None


def crossing_counts(
    edges: Sequence[tuple[str, str]], ranks: dict[str, int], n_ranks: int
) -> list[int]:
    """For each p, how many edges cross the cut before rank p."""
    difference = [0] * (n_ranks + 2)
    for s, t in edges:
        difference[ranks[s] + 1] += 1
        difference[ranks[t] + 1] -= 1
    counts, running = [], 0
    for p in range(n_ranks + 1):
        running += difference[p]
        counts.append(running)
    return counts


def narrow_cuts(
    edges: Sequence[tuple[str, str]], ranks: dict[str, int], n_ranks: int
) -> dict[int, tuple[str, str]]:
    """Cut position p -> the one edge crossing it, from rank p-1 to rank p."""
    counts = crossing_counts(edges, ranks, n_ranks)
    spanning: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for s, t in edges:
        if ranks[t] == ranks[s] + 1 and counts[ranks[t]] == 1:
            spanning[ranks[t]].append((s, t))
    return {p: found[0] for p, found in spanning.items() if len(found) == 1 and 0 < p < n_ranks}


def split_units(
    node_ids: Sequence[str],
    edges: Sequence[tuple[str, str]],
    ranks: dict[str, int],
    together: Collection[tuple[str, str]] = (),
) -> list[Unit]:
    """The graph's units in rank order; a narrow cut whose edge is `together` (a conv to
    its normalization) is none."""
    n_ranks = max(ranks.values(), default=-1) + 1
    cuts = {p: e for p, e in narrow_cuts(edges, ranks, n_ranks).items() if e not in together}
    starts = [0, *sorted(cuts)]
    ends = [p - 1 for p in starts[1:]] + [n_ranks - 1]
    units = [
        Unit(a, b, [], cuts.get(a), cuts.get(b + 1)) for a, b in zip(starts, ends, strict=True)
    ]
    index_of_rank = {}
    for k, unit in enumerate(units):
        for r in range(unit.first, unit.last + 1):
            index_of_rank[r] = k
    for node in node_ids:
        units[index_of_rank[ranks[node]]].nodes.append(node)
    return units
