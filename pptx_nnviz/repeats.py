"""Repetition found by structure: consecutive runs of units (layers, or blocks) that do the
same thing, read from the IR alone (operations, settings, output shapes, wiring), never from
names.

A unit's signature is what it computes: each node's `op`, its hyperparameters (a dropout's
rate aside: stochastic depth grows with depth), its output shapes and, for a node with an
inside, that inside's signature; plus the wiring among its nodes. A run of N >= 2 periods of
k units each repeats when the units at the same offset of every period have one signature
and are wired alike: an edge from another unit comes from the same period or the previous
one at the same offset, or from one node outside the run that feeds every period (a mask, a
conditioning input). The first period takes from outside the run what the others take from
their predecessor; every period but the last sends the same edges beyond the run (WaveNet's
skip outputs).

Runs are chosen greedily, the most nodes covered first; among equal runs the one whose first
period starts where the flow forks (a residual block starts at its shortcut's source), then
the shortest period, then the earliest.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .ir import Graph, Node

MAX_PERIOD = 64  # units in one period, at most
_IGNORED = {"dropout": {"rate"}}  # hyperparameters that do not make two layers different


@dataclass(frozen=True)
class Run:
    """Units start .. start + period * count - 1: `count` periods of `period` units each."""

    start: int
    period: int
    count: int

    @property
    def end(self) -> int:
        return self.start + self.period * self.count


def node_signature(node: Node) -> tuple:
    """What a node computes: its operation, settings and inside."""
    ignored = _IGNORED.get(node.op, set())
    settings = tuple((k, v) for k, v in node.hyperparams if k not in ignored)
    inside = graph_signature(node.inner) if node.inner is not None else None
    kind = node.class_name if node.op == "other" else ""  # an unmapped op says nothing
    return node.op, kind, settings, inside


def unit_signature(nodes: Sequence[Node], graph: Graph, every_shape: bool = False) -> tuple:
    """What a unit computes: its nodes' signatures, the edges among them, which of its nodes
    take inputs from outside it, and the shapes it hands on (those of its nodes read outside
    it or by nobody; with `every_shape`, of all). Shapes inside a unit follow from the
    shapes it receives: an Inception module's pooling branch keeps its input's channels,
    which the first module of a run receives narrower."""
    index = {n.id: i for i, n in enumerate(nodes)}
    wiring, entering = [], []
    for i, node in enumerate(nodes):
        for edge in graph.edges_into(node.id):
            if edge.source in index:
                wiring.append((index[edge.source], i))
            else:
                entering.append(i)
    inner = {s for s, _ in wiring}
    shapes = tuple(
        (i, n.output_shapes)
        for i, n in enumerate(nodes)
        if every_shape
        or i not in inner
        or any(t not in index for t in graph.successors(n.id))
        or n.id in graph.outputs
    )
    layers = tuple(node_signature(n) for n in nodes)
    return layers, tuple(sorted(wiring)), tuple(entering), shapes


def graph_signature(graph: Graph) -> tuple:
    """What a graph draws, names aside (two drill-down slides with one signature are one)."""
    return unit_signature(list(graph.nodes), graph, every_shape=True)


def find_runs(
    units: Sequence[Sequence[Node]],
    graph: Graph,
    foldable: Callable[[int], bool] = lambda _: True,
) -> list[Run]:
    """The runs of repeated units, disjoint, in order; `units` are consecutive stretches of
    `graph`'s topological order, `foldable(i)` says whether unit i may be in a run."""
    ids: list[int] = []
    interned: dict[tuple, int] = {}
    for i, unit in enumerate(units):
        if foldable(i):
            ids.append(interned.setdefault(unit_signature(unit, graph), len(interned)))
        else:
            ids.append(-1 - i)  # like no other unit
    wiring = _Wiring(units, graph)
    heap = [_entry(run, wiring) for run in _candidates(ids)]
    heapq.heapify(heap)
    chosen: list[Run] = []
    taken = [False] * len(units)
    while heap:
        *_, start, period, count = heapq.heappop(heap)
        run = Run(start, period, count)
        if taken[start]:  # the periods after those taken may still be a run
            later = next((p for p in range(count) if not taken[start + p * period]), count)
            if count - later >= 2:
                rest = Run(start + later * period, period, count - later)
                heapq.heappush(heap, _entry(rest, wiring))
            continue
        fits = next(
            (p for p in range(count) if any(taken[start + p * period : start + (p + 1) * period])),
            count,
        )
        valid = min(fits, wiring.periods(run))
        if valid < count:
            if valid >= 2:
                heapq.heappush(heap, _entry(Run(start, period, valid), wiring))
            continue
        chosen.append(run)
        for i in range(run.start, run.end):
            taken[i] = True
    return sorted(chosen, key=lambda r: r.start)


def _candidates(ids: list[int]) -> list[Run]:
    """Every start and period at which the signatures repeat at least twice (not those a
    period after a start of the same run)."""
    n = len(ids)
    found = []
    for period in range(1, min(MAX_PERIOD, n // 2) + 1):
        same = [0] * (n + 1)  # same[j]: how many j' >= j in a row have ids[j'] == ids[j'+period]
        for j in range(n - period - 1, -1, -1):
            same[j] = same[j + 1] + 1 if ids[j] == ids[j + period] and ids[j] >= 0 else 0
        for j in range(n - period):  # a start one period after another's adds nothing
            if same[j] >= period and (j < period or same[j - period] < period):
                found.append(Run(j, period, (same[j] + period) // period))
    return found


def _entry(run: Run, wiring: _Wiring) -> tuple:
    covered = wiring.sizes[run.end] - wiring.sizes[run.start]
    return -covered, -wiring.forks_before(run.start), run.period, run.start, run.period, run.count


class _Wiring:
    """The edges between units, by unit index and offset inside the unit."""

    def __init__(self, units: Sequence[Sequence[Node]], graph: Graph) -> None:
        where = {n.id: (u, i) for u, unit in enumerate(units) for i, n in enumerate(unit)}
        self.into: list[list[tuple[int, int, int, str]]] = [[] for _ in units]
        self.out_of: list[list[tuple[int, int]]] = [[] for _ in units]
        for edge in graph.edges:
            if edge.source not in where or edge.target not in where:
                continue
            (su, si), (tu, ti) = where[edge.source], where[edge.target]
            if su != tu:
                self.into[tu].append((ti, su, si, edge.source))
                self.out_of[su].append((si, tu))
        self.units = units
        self.sizes = [0]  # nodes in units before i
        for unit in units:
            self.sizes.append(self.sizes[-1] + len(unit))

    def forks_before(self, start: int) -> bool:
        """Whether the unit before `start` ends in a node that feeds several units."""
        if start == 0:
            return False
        last = len(self.units[start - 1]) - 1
        return len({tu for si, tu in self.out_of[start - 1] if si == last}) > 1

    def periods(self, run: Run) -> int:
        """How many of the run's periods, from its first, are wired alike."""
        count = run.count
        while count >= 2 and not self._alike(Run(run.start, run.period, count)):
            count -= 1
        return count

    def _alike(self, run: Run) -> bool:
        """Whether every period is wired as the last (the one that reads most from inside
        the run): an edge from a unit d units back comes from d units back, or from outside
        the run where that is before it; a node outside feeding the last feeds every one.
        Every period but the last sends the same edges beyond the run, those reaching no
        further than edges inside it reach back aside (NASNet's cells read the two before).
        Each period reads the one before it: layers side by side are no run."""
        last = run.count - 1
        reach = 0
        chained = False  # a period reads the one before (siblings side by side do not)
        for j in range(run.period):
            reference = self._edges(run, last, j)
            reach = max([reach, *(e[1] for e in reference if e[1] != "out")])
            chained = chained or any(
                e[1] != "out" and j < e[1] <= j + run.period for e in reference
            )
            constants = {(e[0], e[2]) for e in reference if e[1] == "out"}
            for p in range(last):
                unit = run.start + p * run.period + j
                expected = Counter(
                    e if e[1] == "out" or unit - e[1] >= run.start else (e[0], "out", "")
                    for e in reference
                )
                actual = Counter(
                    e if e[1] != "out" or (e[0], e[2]) in constants else (e[0], "out", "")
                    for e in self._edges(run, p, j)
                )
                if actual != expected:
                    return False
        if not chained:
            return False
        first = self._beyond(run, 0, reach)
        return all(self._beyond(run, p, reach) == first for p in range(1, last))

    def _edges(self, run: Run, p: int, j: int) -> list[tuple]:
        """The edges into unit j of period p from other units: (offset of the node they
        reach, units back, offset of the node they leave) inside the run, (offset, "out",
        source) from before it."""
        unit = run.start + p * run.period + j
        return [
            (ti, unit - su, si) if su >= run.start else (ti, "out", source)
            for ti, su, si, source in self.into[unit]
        ]

    def _beyond(self, run: Run, p: int, reach: int) -> list[tuple[int, int]]:
        """The edges period p sends beyond the run further than `reach` units."""
        first = run.start + p * run.period
        return sorted(
            (u - first, si)
            for u in range(first, first + run.period)
            for si, tu in self.out_of[u]
            if tu >= run.end and tu - u > reach
        )


def producer_order(graph: Graph) -> list[Node]:
    """The nodes in a topological order that takes each node soon after what it reads
    (Kahn's algorithm: first the ready node whose last input was produced earliest, then the
    graph's order), so identical blocks come out as identical stretches even where the
    graph's order puts their side outputs at the end (WaveNet's skip convolutions)."""
    position = {n.id: i for i, n in enumerate(graph.nodes)}
    waiting = {n.id: len(set(graph.predecessors(n.id))) for n in graph.nodes}
    ready = [(-1, position[i], i) for i, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    emitted: dict[str, int] = {}
    order: list[Node] = []
    while ready:
        *_, node_id = heapq.heappop(ready)
        emitted[node_id] = len(order)
        order.append(graph.node(node_id))
        for target in dict.fromkeys(graph.successors(node_id)):
            waiting[target] -= 1
            if waiting[target] == 0:
                latest = max(emitted[p] for p in graph.predecessors(target))
                heapq.heappush(ready, (latest, position[target], target))
    return order
