"""Step 3, order: arrange each rank's items to reduce crossings (barycentre sweeps), keep
every lane on one side of every other lane, and pin the items that must stand at a rank's
ends (the layer a wrap connector leaves or enters)."""

from __future__ import annotations

from collections import defaultdict

from .normalize import Layered

SWEEPS = 8


def order_layers(
    layered: Layered, first: frozenset[str] = frozenset(), last: frozenset[str] = frozenset()
) -> list[list[str]]:
    """Each rank's items left to right."""
    up: dict[str, list[str]] = defaultdict(list)
    down: dict[str, list[str]] = defaultdict(list)
    for link in layered.links:
        down[link.source].append(link.target)
        up[link.target].append(link.source)
    best = [list(layer) for layer in layered.layers]
    if any(len(layer) > 1 for layer in best):
        best_crossings = count_crossings(best, down)
        current = [list(layer) for layer in best]
        n = len(current)
        for sweep in range(SWEEPS):
            if best_crossings == 0:
                break
            downwards = sweep % 2 == 0
            ranks = range(1, n) if downwards else range(n - 2, -1, -1)
            for r in ranks:
                reference = current[r - 1] if downwards else current[r + 1]
                current[r] = _barycentre_sorted(current[r], reference, up if downwards else down)
            crossings = count_crossings(current, down)
            if crossings < best_crossings:
                best, best_crossings = [list(layer) for layer in current], crossings
    best = _consistent_lanes(best, layered)
    return [pinned(layer, first, last) for layer in best]


def pinned(layer: list[str], first: frozenset[str], last: frozenset[str]) -> list[str]:
    """The layer with the items of `first` at its start and those of `last` at its end."""
    head = [v for v in layer if v in first]
    tail = [v for v in layer if v in last and v not in first]
    return head + [v for v in layer if v not in first and v not in last] + tail


def _barycentre_sorted(
    layer: list[str], reference: list[str], neighbours: dict[str, list[str]]
) -> list[str]:
    """`layer` sorted by the mean position of each item's neighbours in `reference`; items
    without neighbours there keep their place."""
    position = {v: p for p, v in enumerate(reference)}
    scale = len(reference) / max(len(layer), 1)

    def key(indexed: tuple[int, str]) -> tuple[float, int]:
        index, v = indexed
        linked = [position[u] for u in neighbours[v] if u in position]
        return (sum(linked) / len(linked) if linked else index * scale, index)

    return [v for _, v in sorted(enumerate(layer), key=key)]


def _consistent_lanes(order: list[list[str]], layered: Layered) -> list[list[str]]:
    """One left-to-right order of lanes in every rank, so each lane can be one straight line
    (lanes keep the slots they hold; only their mutual order changes)."""
    positions: dict[int, list[float]] = defaultdict(list)
    for layer in order:
        for p, v in enumerate(layer):
            lane = layered.lane_of(v)
            if lane >= 0:
                positions[lane].append(p / max(len(layer) - 1, 1))
    if not positions:
        return order
    key = {lane: sum(ps) / len(ps) for lane, ps in positions.items()}
    result = []
    for layer in order:
        slots = [p for p, v in enumerate(layer) if layered.lane_of(v) >= 0]
        pieces = sorted((layer[p] for p in slots), key=lambda v: (key[layered.lane_of(v)], v))
        new = list(layer)
        for p, v in zip(slots, pieces, strict=True):
            new[p] = v
        result.append(new)
    return result


def count_crossings(layers: list[list[str]], down: dict[str, list[str]]) -> int:
    """Crossings between links of adjacent ranks (inversions, counted with a Fenwick tree)."""
    total = 0
    for upper, lower in zip(layers, layers[1:]):
        position = {v: p for p, v in enumerate(lower)}
        pairs = sorted(
            (pu, position[t])
            for pu, u in enumerate(upper)
            for t in down.get(u, ())
            if t in position
        )
        total += _inversions([t for _, t in pairs])
    return total


def _inversions(values: list[int]) -> int:
    """Number of pairs i < j with values[i] > values[j]."""
    if not values:
        return 0
    size = max(values) + 2
    tree = [0] * size
    count = 0
    for seen, v in enumerate(values):
        i = j = v + 1
        greater_or_equal = seen
        while j > 0:
            greater_or_equal -= tree[j]
            j -= j & -j
        count += greater_or_equal
        while i < size:
            tree[i] += 1
            i += i & -i
    return count
