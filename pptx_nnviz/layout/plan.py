"""What each stretch of the graph becomes, decided from extents alone (no ordering yet), so
the style choice can compare candidates cheaply and the drawing follows the same plan.

A unit that fits a column is a "unit" block. A unit too long for a column is folded into a
U ("fold") when that keeps its cross edges clear; the fold then takes in the neighbouring
units while the U still fits (an encoder-decoder's stem and head stand on its two sides).
Otherwise the unit is cut into "piece" blocks where the fewest edges cross.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..text import line_height
from .units import Unit, crossing_counts

if TYPE_CHECKING:
    from .arrange import Problem


@dataclass
class BlockPlan:
    """kind: "unit" | "fold" | "piece"; `unit` the ranks it holds; estimated extent; for a
    fold the last rank of its left side, for a piece the ranks of every piece of its unit."""

    kind: str
    unit: Unit
    width: float
    height: float
    fold_at: int = -1
    cuts: tuple[int, ...] = ()


def rank_thickness(problem: Problem, unit: Unit) -> list[float]:
    """Each rank's extent along the main axis, ranks counted from the unit's first."""
    thickness = [0.0] * (unit.last - unit.first + 1)
    for v in unit.nodes:
        r = problem.ranks[v] - unit.first
        thickness[r] = max(thickness[r], problem.sizes[v][1])
    return thickness


def stacked_length(thickness: list[float], gap: float) -> float:
    return sum(thickness) + gap * max(len(thickness) - 1, 0)


def rank_widths(problem: Problem, unit: Unit) -> list[float]:
    """Each rank's extent across: its boxes, their gaps and the lanes passing through."""
    ranks = problem.ranks
    local = {v: ranks[v] - unit.first for v in unit.nodes}
    edges = problem.edges_within(unit.nodes)
    n = unit.last - unit.first + 1
    passing = crossing_counts(edges, local, n)
    members: dict[int, list[float]] = defaultdict(list)
    for v in unit.nodes:
        members[local[v]].append(problem.sizes[v][0])
    spacing = problem.spacing
    widths = []
    for r in range(n):
        ws = members[r]
        lanes = max(passing[r] - len(ws), 0) if r else 0
        widths.append(
            1.1 * (sum(ws) + spacing.node_gap * max(len(ws) - 1, 0) + lanes * 2 * spacing.lane_gap)
        )
    return widths


def merged(units: list[Unit]) -> Unit:
    return Unit(
        units[0].first,
        units[-1].last,
        [v for u in units for v in u.nodes],
        units[0].link_in,
        units[-1].link_out,
    )


def plan_blocks(problem: Problem, units: list[Unit]) -> list[BlockPlan]:
    """Every unit's plan, in order."""
    from .fold import plan_fold

    capacity = problem.capacity[1]
    gap = problem.spacing.rank_gap
    plans: list[BlockPlan] = []
    i = 0
    while i < len(units):
        unit = units[i]
        height = stacked_length(rank_thickness(problem, unit), gap)
        if height <= capacity:
            plans.append(BlockPlan("unit", unit, max(rank_widths(problem, unit)), height))
            i += 1
            continue
        fold = plan_fold(problem, unit)
        if fold is None or fold.height > capacity:
            plans.append(_piece_plan(problem, unit))
            i += 1
            continue
        first, last = i, i
        grown = True
        while grown:  # take in neighbouring units while the U still fits
            grown = False
            if last + 1 < len(units):
                wider = plan_fold(problem, merged(units[first : last + 2]))
                if wider is not None and wider.height <= capacity:
                    fold, last, grown = wider, last + 1, True
            if (
                first > 0
                and plans
                and plans[-1].kind == "unit"
                and plans[-1].unit is units[first - 1]
            ):
                wider = plan_fold(problem, merged(units[first - 1 : last + 1]))
                if wider is not None and wider.height <= capacity:
                    fold, first, grown = wider, first - 1, True
                    plans.pop()
        plans.append(fold)
        i = last + 1
    return plans


def _piece_plan(problem: Problem, unit: Unit) -> BlockPlan:
    """Cut at the narrowest places so each piece fits a column (with a rank for its junction
    dots at either end)."""
    spacing = problem.spacing
    local = {v: problem.ranks[v] - unit.first for v in unit.nodes}
    edges = problem.edges_within(unit.nodes)
    thickness = rank_thickness(problem, unit)
    crossing = crossing_counts(edges, local, len(thickness))
    portal = line_height(problem.style.font) + 8  # a rank of junctions, or of page markers
    bands = 2 * spacing.lane_gap * (max(crossing) + 1)  # tracks below and above the columns
    budget = problem.capacity[1] - 2 * (portal + spacing.rank_gap) - bands
    cuts: list[int] = []
    start, used = 0, 0.0
    for r, t in enumerate(thickness):
        step = t + (spacing.rank_gap if r > start else 0.0)
        if r > start and used + step > budget:
            window = range(max(start + 1, start + (r - start) // 2), r + 1)
            cut = min(window, key=lambda p: (crossing[p], -p))
            cuts.append(cut)
            start = cut
            used = stacked_length(thickness[start : r + 1], spacing.rank_gap)
        else:
            used += step
    bounds = list(zip([0, *cuts], [c - 1 for c in cuts] + [len(thickness) - 1]))
    height = max(stacked_length(thickness[a : b + 1], spacing.rank_gap) for a, b in bounds)
    return BlockPlan(
        "piece",
        unit,
        max(rank_widths(problem, unit)),
        height + 2 * (portal + spacing.rank_gap),
        cuts=tuple(unit.first + c for c in cuts),
    )
