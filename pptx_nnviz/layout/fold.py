"""A unit too long for a column, folded into a U: its first half runs down the left column,
its second half up the right column, and the edges between the halves (an encoder-decoder's
skips) run straight across. Rank heights on both sides come from a linear programme that
levels those edges."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..geometry import Rect
from .model import MIRRORED, Drawing, E, Item, Link, Path, W
from .piece import Arranged, arrange_piece, draw_piece, side_sites
from .plan import BlockPlan, rank_thickness, rank_widths, stacked_length
from .spine import main_path
from .units import Unit

if TYPE_CHECKING:
    from .arrange import Problem

LEVEL_WEIGHT = 10.0


def plan_fold(problem: Problem, unit: Unit) -> BlockPlan | None:
    """The best place to fold the unit (its skips most level, then the U least tall), or
    None when no fold keeps every cross edge clear (two of them leaving one rank, say) or
    one would carry the spine across (a squeeze-and-excite block's feature map)."""
    from .arrange import inner_links, node_items

    n = unit.last - unit.first + 1
    if n < 4 or problem.direction != "TB":  # a U stands upright
        return None
    ranks = {v: problem.ranks[v] - unit.first for v in unit.nodes}
    edges = problem.edges_within(unit.nodes)
    spine = main_path(node_items(problem, unit.nodes, unit.first), inner_links(problem, unit.nodes))
    thickness = rank_thickness(problem, unit)
    widths = rank_widths(problem, unit)
    gap = problem.spacing.rank_gap
    pitch = stacked_length(thickness, gap) / n
    best = None
    for m in range(1, n - 2):  # the last rank of the left side
        cross = [(s, t) for s, t in edges if ranks[s] <= m < ranks[t]]
        if not _worth_folding(cross, ranks, m) or any(
            e in spine and ranks[e[1]] - ranks[e[0]] >= 3 for e in cross
        ):
            continue
        mismatch = sum(
            abs(
                _depth(thickness, gap, 0, ranks[s]) - _depth(thickness, gap, n - 1, ranks[t], False)
            )
            for s, t in cross
        )
        if mismatch > 2 * pitch * len(cross):
            continue  # the halves do not mirror each other
        height = _levelled_height(thickness, gap, m, [(ranks[s], ranks[t]) for s, t in cross])
        key = height + mismatch
        if best is None or key < best[0]:
            width = max(widths[: m + 1]) + problem.spacing.column_gap + max(widths[m + 1 :])
            best = (key, BlockPlan("fold", unit, width, height, fold_at=m))
    return None if best is None else best[1]


def draw_fold(problem: Problem, plan: BlockPlan) -> Drawing:
    """The unit drawn as a U folded after rank `plan.fold_at`."""
    from .arrange import inner_links, node_items

    unit = plan.unit
    items = node_items(problem, unit.nodes, unit.first)
    links = inner_links(problem, unit.nodes)
    m = plan.fold_at
    cross = [k for k in links if items[k.source].rank <= m < items[k.target].rank]
    return _draw(problem, unit, items, links, m, cross)


def _levelled_height(
    thickness: list[float], gap: float, m: int, cross: list[tuple[int, int]]
) -> float:
    """The U's height once its nested cross edges are level: between two levelled edges the
    longer side sets the distance."""
    n = len(thickness)

    def between(lo: int, hi: int) -> float:  # centre to centre on one side
        if lo == hi:
            return 0.0
        lo, hi = sorted((lo, hi))
        return (thickness[lo] + thickness[hi]) / 2 + sum(thickness[lo + 1 : hi]) + gap * (hi - lo)

    levels = sorted(set(cross))
    a0, b0 = levels[0]
    height = max(between(0, a0) + thickness[0] / 2, between(b0, n - 1) + thickness[n - 1] / 2)
    previous = (a0, b0)
    for a, b in [*levels[1:], (m, m + 1)]:
        if a < previous[0] or b > previous[1]:
            continue  # not nested: the programme compromises
        height += max(between(previous[0], a), between(b, previous[1]))
        previous = (a, b)
    return height + max(thickness[m], thickness[m + 1]) / 2


def _depth(thickness: list[float], gap: float, start: int, rank: int, down: bool = True) -> float:
    """Distance from the top of a side to the centre of `rank` on it."""
    span = range(start, rank) if down else range(rank + 1, start + 1)
    return sum(thickness[r] + gap for r in span) + thickness[rank] / 2


def _worth_folding(cross: list[tuple[str, str]], ranks: dict[str, int], m: int) -> bool:
    """A U where one edge joins the bottoms of the halves and nested long edges (skips) run
    across, outer ones higher (one shortcut around a block is no reason to fold); every node
    with cross edges alone of its side in its rank (it stands at the rank's inner end, so its
    edges run across without passing another box); every target taking one cross edge."""
    bottom = [(s, t) for s, t in cross if ranks[s] == m and ranks[t] == m + 1]
    skips = sorted((ranks[s], ranks[t]) for s, t in cross if ranks[t] - ranks[s] >= 3)
    nested = len(skips) >= 2 and all(
        a[1] >= b[1] for a, b in zip(skips, skips[1:])
    )  # each later skip lands inside the earlier one, as an encoder-decoder's do
    if len(bottom) != 1 or not nested:
        return False
    targets = [t for _, t in cross]
    left_ranks = [ranks[v] for v in {s for s, _ in cross}]
    right_ranks = [ranks[v] for v in set(targets)]
    return (
        len(targets) == len(set(targets))
        and len(left_ranks) == len(set(left_ranks))
        and len(right_ranks) == len(set(right_ranks))
    )


def _draw(
    problem: Problem,
    unit: Unit,
    items: dict[str, Item],
    links: list[Link],
    m: int,
    cross: list[Link],
) -> Drawing:
    spacing = problem.spacing
    crossing = set(cross)
    left_items = {k: v for k, v in items.items() if v.rank <= m}
    right_items = {
        k: Item(v.id, v.rank - m - 1, v.width, v.height, v.kind, v.shape)
        for k, v in items.items()
        if v.rank > m
    }
    left_links = [k for k in links if k.source in left_items and k.target in left_items]
    right_links = [k for k in links if k.source in right_items and k.target in right_items]
    sources = frozenset(k.source for k in crossing)
    targets = frozenset(k.target for k in crossing)
    entry = frozenset([unit.entry]) if unit.entry else frozenset()
    exit_ = frozenset([unit.exit]) if unit.exit else frozenset()
    left = arrange_piece(left_items, left_links, spacing, entry, sources)
    right = arrange_piece(right_items, right_links, spacing, targets, exit_)
    level_left, level_right, height = _levels(left, right, cross, items, m, spacing.rank_gap)
    left_bands = [(y - t / 2, t) for y, t in zip(level_left, left.thickness, strict=True)]
    right_bands = [
        (height - y - t / 2, t) for y, t in zip(level_right, right.thickness, strict=True)
    ]
    left_drawing = draw_piece(left, left_bands, spacing.rank_gap, side_sites(entry, sources))
    right_drawing = _mirrored(
        draw_piece(right, right_bands, spacing.rank_gap, side_sites(targets, exit_)), height
    )
    gap = spacing.column_gap + spacing.lane_gap * max(len(cross) - 1, 0)
    dx = left_drawing.width + gap
    rects = dict(left_drawing.rects)
    rects.update({k: r.moved(dx, 0) for k, r in right_drawing.rects.items()})
    paths = left_drawing.paths + [
        Path(
            p.source,
            p.target,
            p.source_site,
            p.target_site,
            [(x + dx, y) for x, y in p.points],
            p.edge,
            p.arrow,
        )
        for p in right_drawing.paths
    ]
    paths += _across(cross, rects, left_drawing.width, dx)
    shown = dict(left_drawing.items)
    shown.update(right_drawing.items)
    ports = {**left_drawing.ports, **right_drawing.ports}
    return Drawing(shown, rects, paths, dx + right_drawing.width, height, ports)


def _levels(
    left: Arranged,
    right: Arranged,
    cross: list[Link],
    items: dict[str, Item],
    m: int,
    gap: float,
) -> tuple[list[float], list[float], float]:
    """Centres of the left side's ranks (going down) and of the right side's (going up, the
    first at the bottom), levelling the cross edges; and the U's height."""
    import numpy as np
    from scipy.optimize import linprog

    n_left, n_right = len(left.thickness), len(right.thickness)
    n = n_left + n_right
    rows: list[list[float]] = []
    rhs: list[float] = []

    def at_least(a: int, b: int, distance: float) -> None:  # y_a - y_b >= distance
        row = [0.0] * n
        row[a], row[b] = -1.0, 1.0
        rows.append(row)
        rhs.append(-distance)

    for r in range(n_left - 1):
        at_least(r + 1, r, (left.thickness[r] + left.thickness[r + 1]) / 2 + gap)
    for k in range(n_right - 1):
        a, b = n_left + k, n_left + k + 1
        at_least(a, b, (right.thickness[k] + right.thickness[k + 1]) / 2 + gap)
    cost = [0.01] * n
    for link in cross:
        a = items[link.source].rank
        b = n_left + items[link.target].rank - m - 1
        slack = len(cost)
        cost.append(LEVEL_WEIGHT)
        for row in rows:
            row.append(0.0)
        for sign in (1.0, -1.0):
            row = [0.0] * len(cost)
            row[a], row[b], row[slack] = sign, -sign, -1.0
            rows.append(row)
            rhs.append(0.0)
    width = len(cost)
    matrix = np.array([row + [0.0] * (width - len(row)) for row in rows])
    bounds = [(left.thickness[r] / 2, None) for r in range(n_left)]
    bounds += [(right.thickness[k] / 2, None) for k in range(n_right)]
    bounds += [(0, None)] * (width - n)
    result = linprog(np.array(cost), A_ub=matrix, b_ub=np.array(rhs), bounds=bounds, method="highs")
    y = list(result.x[:n]) if result.success else _stacked(left, right, gap)
    y = [round(v, 3) for v in y]
    level_left, level_right = y[:n_left], y[n_left:]
    height = max(level_left[-1] + left.thickness[-1] / 2, level_right[0] + right.thickness[0] / 2)
    return level_left, level_right, height


def _stacked(left: Arranged, right: Arranged, gap: float) -> list[float]:
    ys, y = [], 0.0
    for t in left.thickness:
        ys.append(y + t / 2)
        y += t + gap
    right_ys, y = [], 0.0
    for t in reversed(right.thickness):
        right_ys.append(y + t / 2)
        y += t + gap
    return ys + right_ys[::-1]


def _mirrored(drawing: Drawing, height: float) -> Drawing:
    """The drawing upside down (its ranks now run upwards)."""
    rects = {k: Rect(r.x, height - r.bottom, r.w, r.h) for k, r in drawing.rects.items()}
    paths = [
        Path(
            p.source,
            p.target,
            MIRRORED[p.source_site],
            MIRRORED[p.target_site],
            [(x, height - y) for x, y in p.points],
            p.edge,
            p.arrow,
        )
        for p in drawing.paths
    ]
    return Drawing(drawing.items, rects, paths, drawing.width, height, drawing.ports)


def _across(cross: list[Link], rects: dict[str, Rect], left_width: float, dx: float) -> list[Path]:
    """Cross edges from the left side's inner end to the right side's: straight when level,
    else an elbow in a track of its own in the gap."""
    paths = []
    elbows = [k for k in cross if abs(rects[k.source].cy - rects[k.target].cy) > 0.5]
    elbows.sort(key=lambda k: rects[k.source].cy)
    step = (dx - left_width) / (len(elbows) + 1)
    for link in cross:
        a, b = rects[link.source], rects[link.target]
        if link in elbows:
            x = left_width + step * (elbows.index(link) + 1)
            points = [(a.right, a.cy), (x, a.cy), (x, b.cy), (b.x, b.cy)]
        else:
            points = [(a.right, a.cy), (b.x, a.cy)]
        paths.append(Path(link.source, link.target, E, W, points, link.edge, link.arrow))
    return paths
