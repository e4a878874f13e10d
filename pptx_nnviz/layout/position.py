"""Step 4, positions: cross-axis centres from a linear programme that straightens links
(the main path and plain chains first) subject to the spacing of each rank; main-axis bands
stacked rank by rank."""

from __future__ import annotations

from collections import Counter

from .model import Spacing
from .normalize import Layered

MAIN_PATH_WEIGHT = 16.0
CHAIN_WEIGHT = 6.0
LANE_WEIGHT = 3.0
CENTRE_WEIGHT = 2.0  # a fork or merge centred on its branches (where no main path holds it)


def _variable(layered: Layered, item_id: str) -> str:
    lane = layered.lane_of(item_id)
    return f"\x00lane{lane}" if lane >= 0 else item_id


def cross_positions(
    layered: Layered,
    order: list[list[str]],
    spacing: Spacing,
    main_path: frozenset[tuple[str, str]] = frozenset(),
    width: float | None = None,
) -> dict[str, float]:
    """Centre of every item across the ranks (dummies share their lane's centre), all within
    `width` when the ranks allow (straight edges give way to fitting the page)."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    items = layered.items

    def half(v: str) -> float:
        return items[v].width / 2

    if all(len(layer) <= 1 for layer in order):  # one straight line
        axis = max((half(v) for layer in order for v in layer), default=0.0)
        return dict.fromkeys(items, axis)
    variables = list(dict.fromkeys(_variable(layered, v) for layer in order for v in layer))
    index = {v: i for i, v in enumerate(variables)}
    widest = {var: 3.0 for var in variables}  # a lane keeps room for a junction dot on it
    for layer in order:
        for v in layer:
            var = _variable(layered, v)
            widest[var] = max(widest[var], half(v))
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    rhs: list[float] = []
    row = 0
    for layer in order:
        for a, b in zip(layer, layer[1:]):
            dummy = items[a].kind == "dummy" or items[b].kind == "dummy"
            gap = spacing.lane_gap if dummy else spacing.node_gap
            rows += [row, row]  # x_a - x_b <= -(half_a + half_b + gap)
            cols += [index[_variable(layered, a)], index[_variable(layered, b)]]
            vals += [1.0, -1.0]
            rhs.append(-(half(a) + half(b) + gap))
            row += 1
    outs = Counter(link.source for link in layered.originals)
    ins = Counter(link.target for link in layered.originals)
    pairs: dict[tuple[str, str], float] = {}
    for link in layered.links:
        a, b = _variable(layered, link.source), _variable(layered, link.target)
        if a == b:
            continue
        source, target = link.edge
        if link.edge in main_path:
            weight = MAIN_PATH_WEIGHT
        elif ins[target] > 1 and link.target == target:
            continue  # a merge sits centred on its inputs (see _forks_and_merges)
        elif outs[source] > 1:
            weight = 1.0  # ... and a fork on its outputs, each pulling a little
        elif ins[target] == 1:
            weight = CHAIN_WEIGHT if a == source and b == target else LANE_WEIGHT
        else:
            weight = 1.0
        pairs[(a, b)] = pairs.get((a, b), 0.0) + weight
    n = len(variables)
    cost = [1e-3] * n
    for (a, b), weight in pairs.items():
        slack = len(cost)
        cost.append(weight)
        for sign in (1.0, -1.0):  # +-(x_a - x_b) - t <= 0
            rows += [row, row, row]
            cols += [index[a], index[b], slack]
            vals += [sign, -sign, -1.0]
            rhs.append(0.0)
            row += 1
    for centre, branches in _forks_and_merges(layered).items():
        k = len(branches)
        slack = len(cost)
        cost.append(CENTRE_WEIGHT / k)
        for sign in (1.0, -1.0):  # +-(k x_centre - sum x_branch) - t <= 0
            rows += [row] * (k + 2)
            cols += [index[centre], *(index[b] for b in branches), slack]
            vals += [sign * k, *([-sign] * k), -1.0]
            rhs.append(0.0)
            row += 1
    x = None
    if row:
        matrix = coo_matrix((vals, (rows, cols)), shape=(row, len(cost))).tocsr()
        for limit in (width, None):
            bounds = [
                (widest[v], None if limit is None else max(limit - widest[v], widest[v]))
                for v in variables
            ] + [(0, None)] * (len(cost) - n)
            result = linprog(
                np.array(cost), A_ub=matrix, b_ub=np.array(rhs), bounds=bounds, method="highs"
            )
            if result.success:
                x = {v: float(result.x[index[v]]) for v in variables}
                break
    if x is None:  # cannot happen for consistent orders; stay safe anyway
        x = _packed(layered, order, spacing)
    result = {v: x[_variable(layered, v)] for layer in order for v in layer}
    _snap_lanes(layered, order, result, spacing)
    return result


def _snap_lanes(
    layered: Layered, order: list[list[str]], x: dict[str, float], spacing: Spacing
) -> None:
    """Move a lane onto its source's or target's centre line where its neighbours leave room,
    so the link turns once less (the programme may leave it a hair beside)."""
    where = {v: (r, k) for r, layer in enumerate(order) for k, v in enumerate(layer)}
    items = layered.items
    for chain in layered.chains:
        dummies = chain[1:-1]
        if not dummies or any(abs(x[d] - x[dummies[0]]) > 0.01 for d in dummies):
            continue
        for candidate in (x[chain[0]], x[chain[-1]]):
            if abs(x[dummies[0]] - candidate) < 0.01:
                break
            if all(_room(order, where[d], candidate, x, items, spacing) for d in dummies):
                for d in dummies:
                    x[d] = candidate
                break


def _room(
    order: list[list[str]],
    place: tuple[int, int],
    position: float,
    x: dict[str, float],
    items: dict,
    spacing: Spacing,
) -> bool:
    """Would a lane piece at `position` keep its distance from both rank neighbours?"""
    r, k = place
    layer = order[r]
    for neighbour, direction in ((k - 1, -1), (k + 1, 1)):
        if 0 <= neighbour < len(layer):
            v = layer[neighbour]
            edge = x[v] - direction * items[v].width / 2
            if direction * (edge - position) < spacing.lane_gap - 0.01:
                return False
    return True


def _forks_and_merges(layered: Layered) -> dict[str, list[str]]:
    """Nodes with several inputs or outputs -> the variables of their neighbours on that
    side (a long link's lane stands for its far end)."""
    inputs: dict[str, list[str]] = {}
    outputs: dict[str, list[str]] = {}
    for link in layered.links:
        if layered.items[link.target].kind != "dummy":
            inputs.setdefault(link.target, []).append(_variable(layered, link.source))
        if layered.items[link.source].kind != "dummy":
            outputs.setdefault(link.source, []).append(_variable(layered, link.target))
    found = {}
    for side in (inputs, outputs):
        for node, neighbours in side.items():
            unique = [v for v in dict.fromkeys(neighbours) if v != node]
            if len(unique) >= 2 and node not in found:
                found[node] = unique
    return found


def _packed(layered: Layered, order: list[list[str]], spacing: Spacing) -> dict[str, float]:
    """Items side by side from the left, lanes at the furthest place any rank needs."""
    x: dict[str, float] = {}
    for _ in range(2):
        for layer in order:
            cursor = 0.0
            for v in layer:
                var = _variable(layered, v)
                half = layered.items[v].width / 2
                cursor = max(cursor + half, x.get(var, 0.0))
                x[var] = cursor
                cursor += half + spacing.node_gap
    return x


def rank_bands(layered: Layered, order: list[list[str]], gap: float) -> list[tuple[float, float]]:
    """(top, height) of each rank's band along the main axis."""
    bands = []
    y = 0.0
    for layer in order:
        height = max((layered.items[v].height for v in layer), default=0.0)
        bands.append((y, height))
        y += height + gap
    return bands
