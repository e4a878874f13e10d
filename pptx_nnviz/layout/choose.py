"""Step 0 and the entry point: choose the direction, label density, font size and spacing.

Fit before wrap: every (direction, style) is estimated cheaply (rank extents, units stacked
in columns); the most readable estimate is laid out for real, the next one if it does not
fit after all. Readable means a large font, full labels, and no wrapping: a wrapped or
paginated drawing must buy a clearly larger font to be preferred. The winner then spreads
its gaps while the slide has room.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace

from ..text import line_height
from .arrange import MARKER_MAX_WIDTH, Problem, arrange, blocks_of
from .model import DIRECTIONS, Layout, SizeFunction, Spacing, Style
from .plan import plan_blocks
from .rank import rank_nodes, stagger
from .spine import Tensors, side_inputs
from .units import Unit, split_units

MAX_FONT = 20.0
MIN_FONT = 9.0
#: Points of font size a density costs in the choice (full labels are worth a larger font).
DENSITY_COST = {"full": 0.0, "compact": 2.0, "minimal": 3.5}
WRAP_COST = 6.0  # points of font size a first wrap costs; each further column one more
CUT_COST = 6.0  # ... and a unit cut into pieces
SIDE_COST = 6.0  # ... and columns beside a U (its stem and head belong on its sides)
PAGE_COST = 10.0  # ... and a drawing spread over several slides (plus a point a slide)
MAX_REALISED = 6
MARKER_ALONG = MARKER_MAX_WIDTH + 12  # a marker's extent along a left-to-right flow
FILLS = (0.95, 0.6, 0.35)  # share of the page width a rank may fill before it staggers
SPREADS = (3.0, 2.2, 1.6, 1.3)


def default_styles(n_nodes: int) -> list[Style]:
    """The styles tried: full labels 20 pt down to 9 pt, then compact and minimal ones."""
    if n_nodes > 400:  # big graphs wrap anyway: straight to the readable floor
        return [Style(12, "full"), Style(10, "compact"), Style(MIN_FONT, "minimal")]
    full = [20, 18, 16, 15, 14, 13, 12, 11, 10, 9]
    short = [16, 14, 13, 12, 11, 10, 9]
    return (
        [Style(f, "full") for f in full]
        + [Style(f, "compact") for f in short]
        + [Style(f, "minimal") for f in short]
    )


@dataclass
class _Graph:
    node_ids: list[str]
    edges: list[tuple[str, str]]
    ranks: dict[str, int]
    shapes: dict[str, str]
    labels: dict[str, str]
    side: frozenset[tuple[str, str]] = frozenset()  # side inputs (spine.py)
    units: dict[tuple[int, ...], list[Unit]] = field(default_factory=dict)  # by ranks
    together: frozenset[tuple[str, str]] = frozenset()  # edges no wrap may cut

    def units_of(self, ranks: dict[str, int]) -> list[Unit]:
        """The units for these ranks (most styles share the same ranks)."""
        key = tuple(ranks[v] for v in self.node_ids)
        if key not in self.units:
            self.units[key] = split_units(self.node_ids, self.edges, ranks, self.together)
        return self.units[key]


@dataclass(frozen=True)
class _Estimate:
    pages: int
    overflow: bool
    columns: int
    cuts: int
    fill: float
    beside_fold: bool = False

    def score(self, style: Style) -> float:
        wraps = 0.0 if self.columns <= 1 else WRAP_COST + (self.columns - 2)
        pages = 0.0 if self.pages == 1 else PAGE_COST + self.pages - 1
        return (
            style.font
            - DENSITY_COST[style.density]
            - wraps
            - CUT_COST * self.cuts
            - SIDE_COST * self.beside_fold
            - pages
        )


def layout_graph(
    node_ids: Sequence[str],
    edges: Sequence[tuple[str, str]],
    size_of: SizeFunction,
    area: tuple[float, float],
    *,
    direction: str | None = None,
    labels: dict[str, str] | None = None,
    shapes: dict[str, str] | None = None,
    styles: Sequence[Style] | None = None,
    tensors: Tensors | None = None,
    together: Collection[tuple[str, str]] = (),
) -> Layout:
    """Lay out the graph on pages of `area` (width, height) points. `shapes` marks nodes
    drawn as circles (merges); `labels` names nodes on page-break markers; `tensors` (the
    shapes edges carry) choose the spine by the data that matters (spine.py); no column
    breaks across an edge `together`."""
    size_of = _remembered(size_of)
    unique = list(dict.fromkeys((s, t) for s, t in edges if s != t))
    graph = _Graph(
        list(node_ids),
        unique,
        rank_nodes(node_ids, unique),
        {v: (shapes or {}).get(v, "box") for v in node_ids},
        labels or {},
        side_inputs(unique, tensors),
        together=frozenset(together),
    )
    best: tuple[tuple[int, float], Layout] | None = None
    directions = [direction] if direction else list(DIRECTIONS)
    for fill in FILLS:  # ranks wider than the page staggered harder when nothing fits
        ranked = _ranked(graph, size_of, area, styles, directions, fill)
        for tried, (key, problem) in enumerate(ranked, start=1):
            if tried > MAX_REALISED and key[0]:
                break  # estimated not to fit: the first realised ones were the best bet
            layout = _realise(problem)
            overflow = _overflow(layout, area)
            if overflow == 0 and (tried > MAX_REALISED or len(layout.pages) <= key[2]):
                return _spread(graph, size_of, area, layout, _estimate(problem))
            rank = (len(layout.pages), overflow)
            if best is None or (overflow > 0, rank) < (best[0][1] > 0, best[0]):
                best = (rank, layout)
    assert best is not None
    return best[1]


def _ranked(
    graph: _Graph,
    size_of: SizeFunction,
    area: tuple[float, float],
    styles: Sequence[Style] | None,
    directions: list[str],
    fill: float,
) -> Iterator[tuple[tuple, Problem]]:
    """(key, problem) of every (direction, style), best first, estimating styles only as
    far as needed: a style scores at most its font less its density's cost, so once the best
    estimated candidate fits and beats that bound for every style left, it comes next."""
    pending = sorted(
        styles or default_styles(len(graph.node_ids)),
        key=lambda st: -(st.font - DENSITY_COST[st.density]),
    )
    heap: list[tuple[tuple, int, Problem]] = []
    serial = 0
    while pending or heap:
        while pending and (
            not heap
            or heap[0][0][0]  # the best so far does not fit: look further
            or -heap[0][0][1] < pending[0].font - DENSITY_COST[pending[0].density]
        ):
            style = pending.pop(0)
            for d in directions:
                problem = _problem(graph, size_of, area, style, d, fill)
                estimate = _estimate(problem)
                if estimate.pages > 1:  # keep room for markers above and below the columns
                    problem = _problem(graph, size_of, area, style, d, fill, paginated=True)
                    estimate = _estimate(problem)
                key = (
                    estimate.overflow,
                    -estimate.score(style),
                    estimate.pages,
                    -estimate.fill,
                    d != "TB",
                )
                heapq.heappush(heap, (key, serial, problem))
                serial += 1
        key, _, problem = heapq.heappop(heap)
        yield key, problem


def _remembered(size_of: SizeFunction) -> SizeFunction:
    """`size_of` measured once per node, font and density (the spacing leaves boxes alone)."""
    sizes: dict[tuple[str, float, str], tuple[float, float]] = {}

    def measured(node: str, style: Style) -> tuple[float, float]:
        key = (node, style.font, style.density)
        if key not in sizes:
            sizes[key] = size_of(node, style)
        return sizes[key]

    return measured


def _problem(
    graph: _Graph,
    size_of: SizeFunction,
    area: tuple[float, float],
    style: Style,
    direction: str,
    fill: float = 0.95,
    paginated: bool = False,
) -> Problem:
    sizes = {}
    for v in graph.node_ids:
        w, h = size_of(v, style)
        sizes[v] = (w, h) if direction == "TB" else (h, w)
    page = capacity = area if direction == "TB" else (area[1], area[0])
    spacing = Spacing.of(style, direction)
    # a wrap runs half a gap below its column's last box
    capacity = (capacity[0], capacity[1] - spacing.rank_gap / 2)
    if paginated:  # a marker above the first box of a page, one below its last
        marker = line_height(style.font) + 8 if direction == "TB" else MARKER_ALONG
        capacity = (capacity[0], capacity[1] - 2 * (marker + spacing.rank_gap))
    widths = {v: s[0] for v, s in sizes.items()}
    ranks = stagger(
        graph.node_ids, graph.edges, graph.ranks, widths, fill * capacity[0], spacing.node_gap
    )
    return Problem(
        graph.node_ids,
        graph.edges,
        ranks,
        sizes,
        graph.shapes,
        graph.labels,
        style,
        direction,
        spacing,
        capacity,
        page,
        graph.units_of(ranks),
        graph.side,
    )


def _realise(problem: Problem) -> Layout:
    plans = plan_blocks(problem, problem.units)
    blocks, portals = blocks_of(problem, plans)
    pages = arrange(problem, blocks, portals)
    whole = len(pages) == 1 and not any(plan.kind == "piece" for plan in plans)
    score = _estimate(problem).score(problem.style)
    return Layout(tuple(pages), problem.style, problem.direction, whole, score)


def _overflow(layout: Layout, area: tuple[float, float]) -> float:
    """How far (points) the widest or tallest page exceeds the area; 0 when all fit."""
    return max(max(p.width - area[0], p.height - area[1], 0.0) for p in layout.pages)


def _spread(
    graph: _Graph,
    size_of: SizeFunction,
    area: tuple[float, float],
    layout: Layout,
    estimate: _Estimate,
) -> Layout:
    """The same style with wider gaps, the widest that keeps the drawing's columns and
    still fits (small drawings only)."""
    if len(graph.node_ids) > 120 or len(layout.pages) > 1:
        return layout
    page = layout.pages[0]
    if page.width * page.height > 0.55 * area[0] * area[1]:
        return layout
    for spread in SPREADS:
        style = replace(layout.style, spread=spread)
        problem = _problem(graph, size_of, area, style, layout.direction)
        wider = _estimate(problem)
        if (wider.columns, wider.cuts, wider.pages) != (
            estimate.columns,
            estimate.cuts,
            estimate.pages,
        ):
            continue
        wide = _realise(problem)
        if len(wide.pages) == 1 and _overflow(wide, area) == 0:
            return wide
    return layout


def _estimate(problem: Problem) -> _Estimate:
    """Columns and pages from the plan's extents, without ordering or routing."""
    plans = plan_blocks(problem, problem.units)
    across, along = problem.capacity
    gap = problem.spacing.rank_gap
    column_gap = problem.spacing.column_gap
    columns: list[tuple[float, float]] = []  # width, height
    cuts = 0
    for plan in plans:
        if plan.kind == "unit" and columns and columns[-1][1] + gap + plan.height <= along:
            w, h = columns[-1]
            columns[-1] = (max(w, plan.width), h + gap + plan.height)
        elif plan.kind == "piece":
            cuts += 1
            columns += [(plan.width, plan.height)] * (len(plan.cuts) + 1)
        else:
            columns.append((plan.width, plan.height))
            if plan.kind == "fold":
                columns.append((0.0, plan.height))  # a U takes two columns
    pages, used = 1, 0.0
    for width, _ in columns:
        if used and used + column_gap + width > across:
            pages += 1
            used = width
        else:
            used += (column_gap if used else 0.0) + width
    overflow = any(w > across or h > along for w, h in columns)
    total_w = min(sum(w for w, _ in columns) + column_gap * (len(columns) - 1), across)
    total_h = max((h for _, h in columns), default=0.0)
    fill = total_w * min(total_h, along) / (across * along)
    folds = sum(plan.kind == "fold" for plan in plans)
    beside = folds > 0 and len(columns) > 2 * folds
    return _Estimate(pages, overflow, len(columns), cuts, fill, beside)
