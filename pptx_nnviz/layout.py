"""Automatic layout of a layer graph: pure geometry in points, no python-pptx.

A layered (Sugiyama-style) drawing, computed in a normalised frame where ranks run down the
page (y) and nodes of one rank sit side by side (x); left-to-right layouts are the transpose.

1. Ranks: a linear programme minimising total edge length (as graphviz `dot` does).
2. Wrapping: ranks are cut into segments that fit the page height; segments become columns
   placed side by side (rows, left to right), then further pages. Cuts are chosen where the
   flow narrows to one layer, so one connector runs from the end of a column to the start of
   the next; elsewhere labelled continuation markers stand for the cut edges.
3. Order within ranks: barycentre sweeps that minimise crossings; an edge spanning several
   ranks gets one vertical lane that no box occupies.
4. Coordinates: a linear programme that straightens edges subject to no-overlap spacing.
5. Routes: orthogonal polylines from a box's bottom site to the next box's top site; bends
   only in the free gaps between ranks and in the edge's own lane.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from .geometry import BOTTOM, LEFT, RIGHT, TOP, Point, Rect, bounding_rect
from .ir import topological_order
from .text import line_height, shorten, text_width

#: (node id, font size, compact) -> (width, height) of the node's box
SizeFunction = Callable[[str, float, bool], tuple[float, float]]
_T = TypeVar("_T")
#: A box style the layout may use: font size and whether boxes use their compact labels.
Style = tuple[float, bool]

DIRECTIONS = ("TB", "LR")
MIN_FONT = 9.0
MAX_FONT = 14.0
MARKER_MAX_WIDTH = 150.0
_TRANSPOSED_SITE = {TOP: LEFT, LEFT: TOP, BOTTOM: RIGHT, RIGHT: BOTTOM}


@dataclass(frozen=True)
class PlacedBox:
    """A box on a page: a graph node, or a marker standing for edges cut by wrapping."""

    id: str
    rect: Rect
    kind: str = "node"  # "node" | "junction" (unlabelled dot) | "entry" | "exit" (labelled)
    label: str = ""
    refs: tuple[str, ...] = ()  # for markers: the node ids at the other end of the cut edges


@dataclass(frozen=True)
class Route:
    """A connector: glued to `source` at `source_site` and to `target` at `target_site`."""

    source: str
    target: str
    source_site: int
    target_site: int
    points: tuple[Point, ...]
    edge: tuple[str, str] = ("", "")  # the graph edge this connector draws (or part of)


@dataclass(frozen=True)
class Page:
    boxes: tuple[PlacedBox, ...]
    routes: tuple[Route, ...]
    width: float
    height: float


@dataclass(frozen=True)
class Layout:
    pages: tuple[Page, ...]
    font_size: float
    direction: str
    compact: bool = False


@dataclass(frozen=True)
class Spacing:
    """Gaps in points, as multiples of the font size."""

    rank_gap: float
    node_gap: float
    column_gap: float

    @staticmethod
    def for_font(size: float, direction: str) -> Spacing:
        if direction == "TB":
            return Spacing(rank_gap=2.2 * size, node_gap=1.4 * size, column_gap=3.6 * size)
        return Spacing(rank_gap=2.8 * size, node_gap=1.1 * size, column_gap=2.8 * size)


# --------------------------------------------------------------------------- entry point


def layout_graph(
    node_ids: Sequence[str],
    edges: Sequence[tuple[str, str]],
    size_of: SizeFunction,
    area: tuple[float, float],
    *,
    direction: str | None = None,
    labels: dict[str, str] | None = None,
    styles: Sequence[Style] | None = None,
) -> Layout:
    """Lay out the graph on pages of `area` (width, height) points.

    Tries each direction allowed with each style (by default full labels from 14 pt down to
    9 pt, then compact labels); keeps the layout with the fewest pages, then the earliest
    style, then top-to-bottom.
    """
    edges = list(dict.fromkeys((s, t) for s, t in edges if s != t))
    ranks = rank_nodes(node_ids, edges)
    names = labels or {}
    candidates = list(styles or default_styles(len(node_ids)))
    layout = None
    # Wide graphs: if nothing fits, stagger wide ranks harder (more room for their lanes).
    for fill in (0.7, 0.45, 0.25):
        layout = _best_layout(
            node_ids, edges, ranks, size_of, area, direction, names, candidates, fill
        )
        if _overflow(layout, area) == 0:
            break
    assert layout is not None
    return layout


def _best_layout(
    node_ids: Sequence[str],
    edges: list[tuple[str, str]],
    ranks: dict[str, int],
    size_of: SizeFunction,
    area: tuple[float, float],
    direction: str | None,
    names: dict[str, str],
    candidates: list[Style],
    fill: float,
) -> Layout:
    """Rank every (direction, style) by a cheap estimate, then lay out the most promising
    ones for real (the estimate ignores lane wiggle and marker widths)."""
    attempts = []
    for d in [direction] if direction else list(DIRECTIONS):
        for number, (size, compact) in enumerate(candidates):
            attempt = _GraphLayout(
                node_ids, edges, ranks, size_of, area, d, size, compact, names, fill
            )
            overflow, pages, untidy = attempt.estimate()
            attempts.append(((overflow > 0, pages, untidy, number, d != "TB"), attempt))
    attempts.sort(key=lambda item: item[0])
    best: tuple[tuple[bool, int, int, int, bool], Layout] | None = None
    for estimated, attempt in attempts:
        if best is not None and estimated >= best[0]:
            break  # nothing left can beat what is already laid out
        layout = attempt.run()
        key = (_overflow(layout, area) > 0, len(layout.pages), *estimated[2:])
        if best is None or key < best[0]:
            best = (key, layout)
        if key <= estimated:
            break  # as good as estimated: the best there is
    assert best is not None
    return best[1]


def _overflow(layout: Layout, area: tuple[float, float]) -> float:
    """How far (points) the widest or tallest page exceeds the area; 0 when all fit."""
    return max(max(page.width - area[0], page.height - area[1], 0.0) for page in layout.pages)


def default_styles(n_nodes: int) -> list[Style]:
    """Full labels from MAX_FONT down to MIN_FONT, then compact labels at 10 and 9 pt."""
    if n_nodes > 400:  # big graphs wrap anyway: go straight to the readable floor
        return [(MIN_FONT, False), (MIN_FONT, True)]
    sizes = [MAX_FONT - k for k in range(int(MAX_FONT - MIN_FONT) + 1)]
    return [(size, False) for size in sizes] + [(MIN_FONT + 1, True), (MIN_FONT, True)]


# --------------------------------------------------------------------------- ranking


def rank_nodes(node_ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Integer ranks, every edge going down at least one rank, edges kept short: longest-path
    ranks, then each layer with more outputs than inputs (inputs joining late, say) moves down
    next to its first consumer, which shortens the total edge length (linear time)."""
    ranks = _longest_path_ranks(node_ids, edges)
    successors: dict[str, list[str]] = defaultdict(list)
    indegree: dict[str, int] = defaultdict(int)
    for s, t in edges:
        successors[s].append(t)
        indegree[t] += 1
    for node in reversed(topological_order(node_ids, edges)):
        if successors[node] and len(successors[node]) > indegree[node]:
            ranks[node] = max(ranks[node], min(ranks[t] for t in successors[node]) - 1)
    return ranks


def _longest_path_ranks(
    node_ids: Sequence[str], edges: Sequence[tuple[str, str]]
) -> dict[str, int]:
    from .ir import topological_order

    preds: dict[str, list[str]] = defaultdict(list)
    for s, t in edges:
        preds[t].append(s)
    ranks: dict[str, int] = {}
    for node in topological_order(node_ids, edges):
        ranks[node] = max((ranks[p] + 1 for p in preds[node]), default=0)
    return ranks


# --------------------------------------------------------------------------- whole graph


@dataclass
class _Segment:
    first: int  # first rank
    last: int  # last rank (inclusive)
    nodes: list[str] = field(default_factory=list)


class _GraphLayout:
    """One attempt: a direction and a font size."""

    def __init__(
        self,
        node_ids: Sequence[str],
        edges: list[tuple[str, str]],
        ranks: dict[str, int],
        size_of: SizeFunction,
        area: tuple[float, float],
        direction: str,
        font_size: float,
        compact: bool,
        names: dict[str, str],
        fill: float = 0.7,
    ) -> None:
        self.node_ids = list(node_ids)
        self.edges = edges
        self.ranks = ranks
        self.direction = direction
        self.font_size = font_size
        self.compact = compact
        self.names = names
        self.spacing = Spacing.for_font(font_size, direction)
        area_w, area_h = area
        # Normalised frame: main axis = rank direction (y), cross axis = within a rank (x).
        self.main_capacity, self.cross_capacity = (
            (area_h, area_w) if direction == "TB" else (area_w, area_h)
        )
        self.sizes: dict[str, tuple[float, float]] = {}
        for node in self.node_ids:
            w, h = size_of(node, font_size, compact)
            self.sizes[node] = (w, h) if direction == "TB" else (h, w)
        self.ranks = self._split_wide_ranks(ranks, fill)
        self.n_ranks = max(self.ranks.values(), default=-1) + 1
        self.rank_members: list[list[str]] = [[] for _ in range(self.n_ranks)]
        for node in self.node_ids:
            self.rank_members[self.ranks[node]].append(node)
        self.successors: dict[str, list[str]] = defaultdict(list)
        self.predecessors: dict[str, list[str]] = defaultdict(list)
        for s, t in edges:
            self.successors[s].append(t)
            self.predecessors[t].append(s)

    def _split_wide_ranks(self, ranks: dict[str, int], fill: float) -> dict[str, int]:
        """A rank wider than the page (many parallel branches) is staggered over several
        ranks: the layers that do not fit move one rank down, and everything below follows."""
        members: dict[int, list[str]] = defaultdict(list)
        for node in self.node_ids:
            members[ranks[node]].append(node)
        limit = fill * self.cross_capacity  # the rest is room for lanes to the moved layers
        result: dict[str, int] = {}
        shift = 0
        for rank in sorted(members):
            row: list[str] = []
            used = 0.0
            for node in members[rank]:
                width = self.sizes[node][0] + (self.spacing.node_gap if row else 0.0)
                if row and used + width > limit:
                    shift += 1  # start a new rank for the rest
                    row, used = [], 0.0
                    width = self.sizes[node][0]
                row.append(node)
                used += width
                result[node] = rank + shift
        if shift == 0:
            return result
        # Keep every edge pointing down (a safety net: ranks only ever shifted downwards).
        successors: dict[str, list[str]] = defaultdict(list)
        for s, t in self.edges:
            successors[s].append(t)
        for node in topological_order(self.node_ids, self.edges):
            for t in successors[node]:
                result[t] = max(result[t], result[node] + 1)
        return result

    # -- step 2: wrapping -----------------------------------------------------------------

    def estimate(self) -> tuple[float, int, int]:
        """(overflow, pages, untidy cuts) without ordering or coordinates: a segment is as
        wide as its widest rank (boxes, gaps and the lanes passing through)."""
        segments = self._segments()
        quality = self._cut_quality()
        untidy = sum(1 for seg in segments[1:] if quality[seg.first] < 1)
        lane_sep = self.font_size * 0.9
        starts = [0] * (self.n_ranks + 1)  # edges passing through rank r: rank_s < r < rank_t
        for s, t in self.edges:
            if self.ranks[t] - self.ranks[s] > 1:
                starts[self.ranks[s] + 1] += 1
                starts[self.ranks[t]] -= 1
        passing, running = [], 0
        for r in range(self.n_ranks):
            running += starts[r]
            passing.append(running)
        rank_width = [
            sum(self.sizes[n][0] for n in members)
            + self.spacing.node_gap * (len(members) - 1)
            + passing[r] * lane_sep * 2
            for r, members in enumerate(self.rank_members)
        ]
        # The coordinate programme spreads boxes to straighten edges: allow some air.
        widths = [1.1 * max(rank_width[seg.first : seg.last + 1]) for seg in segments]
        pages = self._paginate(widths)
        overflow = max(max(widths) - self.cross_capacity, 0.0)
        return overflow, pages[-1] + 1, untidy

    def run(self) -> Layout:
        segments = self._segments()
        seg_of = {n: i for i, seg in enumerate(segments) for n in seg.nodes}
        links, fans = self._clean_cuts(segments, seg_of)
        page_of = [0] * len(segments)
        cache: dict[tuple[int, bool, bool], _SegmentResult] = {}

        def lay_out_all() -> list[_SegmentResult]:
            """Each segment's layout; it depends on its neighbours sharing its page."""
            results = []
            for i, seg in enumerate(segments):
                key = (
                    i,
                    i > 0 and page_of[i - 1] == page_of[i],
                    i + 1 < len(segments) and page_of[i + 1] == page_of[i],
                )
                if key not in cache:
                    cache[key] = _SegmentLayout(self, i, seg, seg_of, links, fans, page_of).run()
                results.append(cache[key])
            return results

        laid = lay_out_all()
        for _ in range(4):  # page breaks change markers, markers change widths: settle
            new_pages = self._paginate([r.width for r in laid])
            if new_pages == page_of:
                break
            page_of = new_pages
            laid = lay_out_all()
        pages = self._pages(laid, page_of, links)
        return Layout(pages, self.font_size, self.direction, self.compact)

    def _rank_thickness(self, rank: int) -> float:
        return (
            max(self.sizes[n][1] for n in self.rank_members[rank])
            if self.rank_members[rank]
            else 0.0
        )

    def _marker_band(self) -> float:
        """Main-axis room kept at each end of a column for continuation markers."""
        size = line_height(self.font_size) + 8 if self.direction == "TB" else MARKER_MAX_WIDTH + 12
        return size + self.spacing.rank_gap

    def _segments(self) -> list[_Segment]:
        """Cut the ranks into columns that fit the page height (dynamic programme): fewest
        columns, then fewest untidy cuts, then the most even lengths (least sum of squares)."""
        gap = self.spacing.rank_gap
        capacity = self.main_capacity
        thickness = [self._rank_thickness(r) for r in range(self.n_ranks)]
        prefix = [0.0]
        for t in thickness:
            prefix.append(prefix[-1] + t)
        if prefix[-1] + gap * max(self.n_ranks - 1, 0) <= capacity:
            return [self._segment(0, self.n_ranks - 1)]
        quality = self._cut_quality()
        band = self._marker_band()

        def length(i: int, j: int) -> float:
            """Main-axis length of a column holding ranks i..j-1, with its markers."""
            extra = band if i > 0 and quality[i] < 2 else 0.0  # fan-out or untidy entry
            extra += band if j < self.n_ranks and quality[j] < 1 else 0.0  # untidy exit
            return prefix[j] - prefix[i] + gap * (j - i - 1) + extra

        def penalty(j: int) -> float:
            return (
                0.0
                if j == self.n_ranks or quality[j] >= 2
                else 1.0
                if quality[j] >= 1
                else (3.0 - quality[j])
            )

        inf = (float("inf"), float("inf"), float("inf"))
        best: list[tuple[float, float, float]] = [inf] * (self.n_ranks + 1)
        back = [0] * (self.n_ranks + 1)
        best[0] = (0.0, 0.0, 0.0)
        for j in range(1, self.n_ranks + 1):
            i = j - 1
            while i >= 0:
                span = length(i, j)
                if span > capacity and i < j - 1:
                    break
                if best[i] != inf:
                    candidate = (best[i][0] + 1, best[i][1] + penalty(j), best[i][2] + span**2)
                    if candidate < best[j]:
                        best[j], back[j] = candidate, i
                i -= 1
        cuts = []
        j = self.n_ranks
        while j > 0:
            cuts.append((back[j], j))
            j = back[j]
        return [self._segment(i, j - 1) for i, j in reversed(cuts)]

    def _segment(self, first: int, last: int) -> _Segment:
        nodes = [n for r in range(first, last + 1) for n in self.rank_members[r]]
        return _Segment(first, last, nodes)

    def _cut_quality(self) -> list[float]:
        """For a cut before rank p: 2 = one edge between two lone layers, 1 = one source fans
        out, 0 = several sources, scaled down by the number of edges crossing."""
        crossing = [0] * (self.n_ranks + 1)
        for s, t in self.edges:
            crossing[self.ranks[s] + 1] += 1
            crossing[self.ranks[t] + 1] -= 1
        running = 0
        quality = [0.0] * (self.n_ranks + 1)
        for p in range(1, self.n_ranks):
            running += crossing[p]
            above = self.rank_members[p - 1]
            if len(above) == 1 and running == len(self.successors[above[0]]):
                below = self.rank_members[p]
                link = running == 1 and len(below) == 1 and self.successors[above[0]] == below
                quality[p] = 2.0 if link else 1.0
            else:
                quality[p] = 1.0 / (1 + running) - 0.5
        return quality

    def _clean_cuts(
        self, segments: list[_Segment], seg_of: dict[str, int]
    ) -> tuple[dict[int, tuple[str, str]], dict[int, str]]:
        """Boundary i (between segment i and i+1) -> its link edge, or its fan-out source."""
        links: dict[int, tuple[str, str]] = {}
        fans: dict[int, str] = {}
        quality = self._cut_quality()
        for i in range(len(segments) - 1):
            p = segments[i + 1].first
            if quality[p] >= 1:
                source = self.rank_members[p - 1][0]
                if quality[p] >= 2:
                    links[i] = (source, self.successors[source][0])
                else:
                    fans[i] = source
        return links, fans

    def _paginate(self, widths: list[float]) -> list[int]:
        pages, page, used = [], 0, 0.0
        for w in widths:
            extra = w if used == 0 else self.spacing.column_gap + w
            if used > 0 and used + extra > self.cross_capacity:
                page += 1
                used = w
            else:
                used += extra
            pages.append(page)
        return pages

    def _pages(
        self,
        laid: list[_SegmentResult],
        page_of: list[int],
        links: dict[int, tuple[str, str]],
    ) -> tuple[Page, ...]:
        pages = []
        for page in sorted(set(page_of)):
            members = [i for i, p in enumerate(page_of) if p == page]
            boxes: list[PlacedBox] = []
            routes: list[Route] = []
            x = 0.0
            offsets: dict[int, float] = {}
            # A layer feeding several later columns of one page gets an entry marker in each:
            # the second and later copies are renamed `entry:S#i` so ids stay unique per page.
            renamed: dict[int, dict[str, str]] = {}
            taken: set[str] = set()
            for i in members:
                offsets[i] = x
                names = renamed[i] = {b.id: f"{b.id}#{i}" for b in laid[i].boxes if b.id in taken}
                taken.update(names.get(b.id, b.id) for b in laid[i].boxes)
                boxes.extend(
                    PlacedBox(names.get(b.id, b.id), b.rect.moved(x, 0), b.kind, b.label, b.refs)
                    for b in laid[i].boxes
                )
                routes.extend(_moved_route(_renamed_route(r, names), x) for r in laid[i].routes)
                x += laid[i].width + self.spacing.column_gap
            by_id = {b.id: b for b in boxes}
            for i in members:
                nxt = i + 1
                if nxt not in offsets:
                    continue
                target = laid[nxt].entry_id
                target = renamed[nxt].get(target, target) if target is not None else None
                source = links[i][0] if i in links else laid[i].exit_id
                source = renamed[i].get(source, source) if source is not None else None
                if source is None or target is None:
                    continue
                gap_x = offsets[nxt] - self.spacing.column_gap / 2
                routes.append(
                    _wrap_route(
                        by_id[source].rect, by_id[target].rect, gap_x, source, target, links.get(i)
                    )
                )
            if self.direction == "LR":
                boxes = [
                    PlacedBox(b.id, b.rect.transposed(), b.kind, b.label, b.refs) for b in boxes
                ]
                routes = [_transposed_route(r) for r in routes]
            extent = bounding_rect([b.rect for b in boxes])
            pages.append(Page(tuple(boxes), tuple(routes), extent.right, extent.bottom))
        return tuple(pages)


def _renamed_route(route: Route, names: dict[str, str]) -> Route:
    if not names:
        return route
    source, target = names.get(route.source, route.source), names.get(route.target, route.target)
    return Route(source, target, route.source_site, route.target_site, route.points, route.edge)


def _moved_route(route: Route, dx: float) -> Route:
    return Route(
        route.source,
        route.target,
        route.source_site,
        route.target_site,
        tuple((x + dx, y) for x, y in route.points),
        route.edge,
    )


def _transposed_route(route: Route) -> Route:
    return Route(
        route.source,
        route.target,
        _TRANSPOSED_SITE[route.source_site],
        _TRANSPOSED_SITE[route.target_site],
        tuple((y, x) for x, y in route.points),
        route.edge,
    )


def _wrap_route(
    source: Rect,
    target: Rect,
    gap_x: float,
    source_id: str,
    target_id: str,
    link: tuple[str, str] | None,
) -> Route:
    """From the end of one column (right side) to the start of the next (left side)."""
    points = (
        (source.right, source.cy),
        (gap_x, source.cy),
        (gap_x, target.cy),
        (target.x, target.cy),
    )
    return Route(source_id, target_id, RIGHT, LEFT, points, link or (source_id, target_id))


# --------------------------------------------------------------------------- one segment


@dataclass
class _SegmentResult:
    boxes: list[PlacedBox]
    routes: list[Route]
    width: float
    height: float
    entry_id: str | None  # the box the previous column's wrap connector enters
    exit_id: str | None  # the box the wrap connector to the next column leaves


@dataclass
class _Item:
    id: str
    rank: int  # local rank
    width: float
    height: float
    kind: str = "node"
    label: str = ""
    refs: tuple[str, ...] = ()


@dataclass
class _Lane:
    """A long edge's vertical lane: occupies ranks first..last (local)."""

    id: str
    first: int
    last: int


class _SegmentLayout:
    def __init__(
        self,
        graph: _GraphLayout,
        index: int,
        segment: _Segment,
        seg_of: dict[str, int],
        links: dict[int, tuple[str, str]],
        fans: dict[int, str],
        page_of: list[int],
    ) -> None:
        self.g = graph
        self.index = index
        self.segment = segment
        self.items: dict[str, _Item] = {}
        self.edges: list[tuple[str, str, tuple[str, str]]] = []  # (from, to, graph edge)
        # Markers standing beside a layer in its own rank, joined by a horizontal connector.
        self.side_edges: list[tuple[str, str, tuple[str, str]]] = []
        self.entry_id: str | None = None
        self.exit_id: str | None = None
        self._collect(seg_of, links, fans, page_of)

    # -- items and edges, with markers for edges that leave or enter the segment ------------

    def _collect(
        self,
        seg_of: dict[str, int],
        links: dict[int, tuple[str, str]],
        fans: dict[int, str],
        page_of: list[int],
    ) -> None:
        g, i = self.g, self.index
        for node in self.segment.nodes:
            w, h = g.sizes[node]
            self.items[node] = _Item(node, g.ranks[node] - self.segment.first + 1, w, h)
        exit_rank = self.segment.last - self.segment.first + 2
        same_page_before = i > 0 and page_of[i - 1] == page_of[i]
        same_page_after = i + 1 < len(page_of) and page_of[i + 1] == page_of[i]
        incoming: dict[str, list[str]] = defaultdict(list)
        outgoing: dict[tuple[str, int], list[str]] = defaultdict(list)
        for node in self.segment.nodes:  # only the edges touching this segment
            for t in g.successors[node]:
                if seg_of[t] == i:
                    self.edges.append((node, t, (node, t)))
                else:
                    outgoing[(node, seg_of[t])].append(t)
            for s in g.predecessors[node]:
                if seg_of[s] != i:
                    incoming[s].append(node)
        uses_entry_rank = False
        plain_entries: list[tuple[str, list[str]]] = []
        for source, targets in incoming.items():
            link = links.get(i - 1) == (source, targets[0]) and seg_of[source] == i - 1
            fan = fans.get(i - 1) == source and seg_of[source] == i - 1
            if link and same_page_before:
                self.entry_id = targets[0]  # the wrap connector enters the layer itself
                continue
            if link:  # page break: a marker beside the layer, no extra rank
                anchor = self.items[targets[0]]
                marker = self._label_item(
                    f"entry:{source}",
                    anchor.rank,
                    f"from {g.names.get(source, source)}",
                    "entry",
                    (source,),
                    self._beside_limit(anchor),
                )
                self.items[marker.id] = marker
                self.side_edges.append((marker.id, targets[0], (source, targets[0])))
                continue
            uses_entry_rank = True
            if fan and same_page_before:
                marker = _Item(f"junction:{source}", 0, 10.0, 10.0, "junction", "", (source,))
                self.entry_id = marker.id
                self.items[marker.id] = marker
                for target in targets:
                    self.edges.append((marker.id, target, (source, target)))
                continue
            plain_entries.append((source, targets))
        for bundle, width in self._bundles(plain_entries):
            sources = tuple(source for source, _ in bundle)
            first = g.names.get(sources[0], sources[0])
            text = f"from {first}" + (f" +{len(sources) - 1}" if len(sources) > 1 else "")
            marker = self._label_item(f"entry:{sources[0]}", 0, text, "entry", sources, width)
            self.items[marker.id] = marker
            for source, targets in bundle:
                for target in targets:
                    self.edges.append((marker.id, target, (source, target)))
        plain_exits: list[tuple[tuple[str, int], list[str]]] = []
        for (source, target_seg), targets in outgoing.items():
            clean = links.get(i, ("",))[0] == source or fans.get(i) == source
            if clean and target_seg == i + 1:
                if same_page_after:
                    self.exit_id = source
                    continue
                anchor = self.items[source]
                marker = self._label_item(
                    f"exit:{source}>{target_seg}",
                    anchor.rank,
                    "to next slide",
                    "exit",
                    tuple(targets),
                    self._beside_limit(anchor),
                )
                self.items[marker.id] = marker
                self.side_edges.append((source, marker.id, (source, targets[0])))
                continue
            plain_exits.append(((source, target_seg), targets))
        for bundle, width in self._bundles(plain_exits):
            targets = [t for _, ts in bundle for t in ts]
            names = [g.names.get(t, t) for t in targets]
            text = f"to {names[0]}" + (f" +{len(names) - 1}" if len(names) > 1 else "")
            (source, target_seg), _ = bundle[0]
            marker = self._label_item(
                f"exit:{source}>{target_seg}", exit_rank, text, "exit", tuple(targets), width
            )
            self.items[marker.id] = marker
            for (each, _), each_targets in bundle:
                self.edges.append((each, marker.id, (each, each_targets[0])))
        if not uses_entry_rank:
            for item in self.items.values():
                item.rank -= 1

    def _bundles(self, markers: list[_T]) -> list[tuple[list[_T], float]]:
        """Markers sharing one rank, grouped so the rank fits the page, each group with the
        widest its label may be: one marker each while they fit, then "from X +n" bundles."""
        if not markers:
            return []
        g = self.g
        if g.direction == "LR":  # markers stack along the page's height, one line each
            slot = line_height(g.font_size) + 8 + g.spacing.node_gap + g.font_size
        else:
            slot = 5 * g.font_size + g.spacing.node_gap + 2 * g.font_size
        fits = max(1, int(g.cross_capacity // slot))
        per_group = -(-len(markers) // fits)  # ceiling division
        groups = [markers[k : k + per_group] for k in range(0, len(markers), per_group)]
        share = g.cross_capacity / len(groups) - g.spacing.node_gap - 2 * g.font_size
        width = (
            MARKER_MAX_WIDTH
            if g.direction == "LR"
            else max(5 * g.font_size, min(MARKER_MAX_WIDTH, share))
        )
        return [(group, width) for group in groups]

    def _beside_limit(self, anchor: _Item) -> float:
        """A marker beside a layer may not make its rank thicker (left-to-right: wider)."""
        return anchor.height if self.g.direction == "LR" else MARKER_MAX_WIDTH

    def _label_item(
        self,
        item_id: str,
        rank: int,
        text: str,
        kind: str,
        refs: tuple[str, ...],
        max_width: float = MARKER_MAX_WIDTH,
    ) -> _Item:
        size = self.g.font_size
        label = shorten(text, max_width - 12, size)
        w = text_width(label, size) + 12
        h = line_height(size) + 8
        if self.g.direction == "LR":
            w, h = h, w
        return _Item(item_id, rank, w, h, kind, label, refs)

    # -- layout -----------------------------------------------------------------------------

    def run(self) -> _SegmentResult:
        items = self.items
        n_ranks = max(item.rank for item in items.values()) + 1
        # Lanes for edges spanning several ranks.
        lanes: dict[int, _Lane] = {}
        for k, (s, t, _) in enumerate(self.edges):
            if items[t].rank - items[s].rank > 1:
                lanes[k] = _Lane(f"lane{k}", items[s].rank + 1, items[t].rank - 1)
        order = self._order(n_ranks, lanes)
        x = self._coordinates(order, lanes)
        self._snap_lanes(order, lanes, x)
        # Main-axis positions: ranks stacked with gaps; boxes centred in their rank band.
        band_top, band_height = [], []
        y = 0.0
        for r in range(n_ranks):
            members = [items[m] for m in order[r] if m in items]
            height = max((m.height for m in members), default=0.0)
            band_top.append(y)
            band_height.append(height)
            y += height + self.g.spacing.rank_gap
        height = y - self.g.spacing.rank_gap
        rects = {
            item.id: Rect(
                x[item.id] - item.width / 2,
                band_top[item.rank] + (band_height[item.rank] - item.height) / 2,
                item.width,
                item.height,
            )
            for item in items.values()
        }
        gap = self.g.spacing.rank_gap
        routes = []
        for k, (s, t, edge) in enumerate(self.edges):
            start = rects[s].site(BOTTOM)
            end = rects[t].site(TOP)
            below_source = band_top[items[s].rank] + band_height[items[s].rank] + gap / 2
            above_target = band_top[items[t].rank] - gap / 2
            routes.append(
                Route(
                    s,
                    t,
                    BOTTOM,
                    TOP,
                    _orthogonal(start, end, below_source, above_target, x.get(f"lane{k}")),
                    edge,
                )
            )
        for s, t, edge in self.side_edges:
            points = (rects[s].site(RIGHT), rects[t].site(LEFT))
            routes.append(Route(s, t, RIGHT, LEFT, points, edge))
        boxes = [
            PlacedBox(item.id, rects[item.id], item.kind, item.label, item.refs)
            for item in items.values()
        ]
        width = max(r.right for r in rects.values())
        return _SegmentResult(boxes, routes, width, height, self.entry_id, self.exit_id)

    def _snap_lanes(
        self, order: list[list[str]], lanes: dict[int, _Lane], x: dict[str, float]
    ) -> None:
        """Move a lane onto its source's or target's centre line where the spacing allows, so
        the edge needs one bend fewer (a 3-segment elbow: drawn alike by every renderer)."""
        lane_sep = self.g.font_size * 0.9
        for k, lane in lanes.items():
            s, t, _ = self.edges[k]
            if abs(x[lane.id] - x[s]) < 0.01 or abs(x[lane.id] - x[t]) < 0.01:
                continue
            for candidate in (x[s], x[t]):
                if all(
                    self._lane_fits(order[r], f"{lane.id}@{r}", candidate, x, lane_sep)
                    for r in range(lane.first, lane.last + 1)
                ):
                    x[lane.id] = candidate
                    break

    def _lane_fits(
        self, layer: list[str], piece: str, position: float, x: dict[str, float], sep: float
    ) -> bool:
        """Would the lane piece at `position` keep its distance from both rank neighbours?"""

        def side(v: str, direction: int) -> float:
            half = self.items[v].width / 2 if v in self.items else 0.0
            return x[v.split("@")[0]] + direction * half

        i = layer.index(piece)
        left_ok = i == 0 or position >= side(layer[i - 1], +1) + sep
        right_ok = i == len(layer) - 1 or position <= side(layer[i + 1], -1) - sep
        return left_ok and right_ok

    def _order(self, n_ranks: int, lanes: dict[int, _Lane]) -> list[list[str]]:
        """Order each rank's items and lane pieces to reduce crossings (barycentre sweeps)."""
        layers: list[list[str]] = [[] for _ in range(n_ranks)]
        for item in self.items.values():
            layers[item.rank].append(item.id)
        up: dict[str, list[str]] = defaultdict(list)
        down: dict[str, list[str]] = defaultdict(list)
        for k, (s, t, _) in enumerate(self.edges):
            chain = [s]
            if k in lanes:
                lane = lanes[k]
                for r in range(lane.first, lane.last + 1):
                    piece = f"{lane.id}@{r}"
                    layers[r].append(piece)
                    chain.append(piece)
            chain.append(t)
            for a, b in zip(chain, chain[1:], strict=False):
                down[a].append(b)
                up[b].append(a)
        best = [list(layer) for layer in layers]
        if all(len(layer) <= 1 for layer in layers):
            return best
        best_crossings = _count_crossings(best, down)
        current = [list(layer) for layer in layers]
        for sweep in range(8):
            ranks = range(1, n_ranks) if sweep % 2 == 0 else range(n_ranks - 2, -1, -1)
            neighbours = up if sweep % 2 == 0 else down
            for r in ranks:
                ref = current[r - 1] if sweep % 2 == 0 else current[r + 1]
                current[r] = _barycentre_sorted(current[r], ref, neighbours)
            crossings = _count_crossings(current, down)
            if crossings < best_crossings:
                best, best_crossings = [list(layer) for layer in current], crossings
        result = _consistent_lanes(best, lanes)
        for a, b, _ in self.side_edges:  # side markers sit right next to their layer
            marker, anchor = (a, b) if a.startswith("entry:") else (b, a)
            layer = result[self.items[anchor].rank]
            layer.remove(marker)
            layer.insert(layer.index(anchor) + (0 if marker == a else 1), marker)
        return result

    def _coordinates(self, order: list[list[str]], lanes: dict[int, _Lane]) -> dict[str, float]:
        """Cross-axis centres: straighten edges subject to spacing (a linear programme)."""
        import numpy as np
        from scipy.optimize import linprog
        from scipy.sparse import coo_matrix

        if not lanes and all(len(layer) <= 1 for layer in order):  # a plain chain: one axis
            axis = max(item.width for item in self.items.values()) / 2
            return dict.fromkeys(self.items, axis)
        lane_ids = {lane.id for lane in lanes.values()}
        variables = list(self.items) + sorted(lane_ids)
        index = {v: i for i, v in enumerate(variables)}

        def var(v: str) -> str:
            return v.split("@")[0] if "@" in v else v

        def half(v: str) -> float:
            return self.items[v].width / 2 if v in self.items else 0.0

        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        rhs: list[float] = []
        row = 0
        sep = self.g.spacing.node_gap
        lane_sep = self.g.font_size * 0.9
        for layer in order:
            for a, b in zip(layer, layer[1:], strict=False):
                gap = sep if a in self.items and b in self.items else lane_sep
                # x_a - x_b <= -(half_a + half_b + gap)
                rows += [row, row]
                cols += [index[var(a)], index[var(b)]]
                vals += [1.0, -1.0]
                rhs.append(-(half(a) + half(b) + gap))
                row += 1
        n_vars = len(variables)
        cost = [1e-3] * n_vars
        pairs: list[tuple[str, str, float]] = []
        for k, (s, t, _) in enumerate(self.edges):
            if k in lanes:
                pairs += [(s, lanes[k].id, 2.0), (lanes[k].id, t, 2.0)]
            else:
                pairs.append((s, t, 1.0))
        pairs += [(s, t, 1.0) for s, t, _ in self.side_edges]
        for a, b, weight in pairs:
            slack = n_vars + len(cost) - n_vars
            cost.append(weight)
            for sign in (1.0, -1.0):  # +-(x_a - x_b) - t <= 0
                rows += [row, row, row]
                cols += [index[a], index[b], slack]
                vals += [sign, -sign, -1.0]
                rhs.append(0.0)
                row += 1
        total = len(cost)
        bounds = [(half(v), None) for v in variables] + [(0, None)] * (total - n_vars)
        if row == 0:
            return {v: half(v) for v in variables}
        a_ub = coo_matrix((vals, (rows, cols)), shape=(row, total)).tocsr()
        result = linprog(
            np.array(cost), A_ub=a_ub, b_ub=np.array(rhs), bounds=bounds, method="highs"
        )
        if not result.success:  # cannot happen for consistent orders; stay safe anyway
            return _packed(order, half, var, sep)
        return {v: float(result.x[index[v]]) for v in variables}


def _barycentre_sorted(
    layer: list[str], reference: list[str], neighbours: dict[str, list[str]]
) -> list[str]:
    """Sort `layer` by the mean position of each item's neighbours in `reference`."""
    pos = {v: p for p, v in enumerate(reference)}

    def key(index_item: tuple[int, str]) -> float:
        index, v = index_item
        linked = [pos[u] for u in neighbours[v] if u in pos]
        return sum(linked) / len(linked) if linked else float(index)

    return [v for _, v in sorted(enumerate(layer), key=key)]


def _packed(
    order: list[list[str]], half: Callable[[str], float], var: Callable[[str], str], sep: float
) -> dict[str, float]:
    x: dict[str, float] = {}
    for layer in order:
        cursor = 0.0
        for v in layer:
            cursor = max(cursor + half(v), x.get(var(v), 0.0))
            x[var(v)] = cursor
            cursor += half(v) + sep
    return x


def _consistent_lanes(order: list[list[str]], lanes: dict[int, _Lane]) -> list[list[str]]:
    """Give lanes one left-to-right order in every rank, so each lane can be one straight line
    (lanes keep the slots they occupy; only their mutual order changes)."""
    if not lanes:
        return order
    positions: dict[str, list[float]] = defaultdict(list)
    for layer in order:
        for p, v in enumerate(layer):
            if "@" in v:
                positions[v.split("@")[0]].append(p / max(len(layer) - 1, 1))
    key = {lane: sum(ps) / len(ps) for lane, ps in positions.items()}
    result = []
    for layer in order:
        slots = [p for p, v in enumerate(layer) if "@" in v]
        pieces = sorted((layer[p] for p in slots), key=lambda v: (key[v.split("@")[0]], v))
        new = list(layer)
        for p, v in zip(slots, pieces, strict=True):
            new[p] = v
        result.append(new)
    return result


def _count_crossings(layers: list[list[str]], down: dict[str, list[str]]) -> int:
    total = 0
    for upper, lower in zip(layers, layers[1:], strict=False):
        pos = {v: p for p, v in enumerate(lower)}
        pairs = sorted(
            (pu, pos[t]) for pu, u in enumerate(upper) for t in down.get(u, ()) if t in pos
        )
        targets = [t for _, t in pairs]
        total += _inversions(targets)
    return total


def _inversions(values: list[int]) -> int:
    """Number of pairs i < j with values[i] > values[j] (Fenwick tree)."""
    if not values:
        return 0
    size = max(values) + 2
    tree = [0] * size
    count = 0
    for seen, v in enumerate(values):
        i = v + 1
        greater_or_equal = seen
        j = i
        while j > 0:
            greater_or_equal -= tree[j]
            j -= j & -j
        count += greater_or_equal
        while i < size:
            tree[i] += 1
            i += i & -i
    return count


def _orthogonal(
    start: Point, end: Point, below_source: float, above_target: float, lane_x: float | None
) -> tuple[Point, ...]:
    """A down-going orthogonal path with bends only in rank gaps and in the edge's lane."""
    (x0, _), (x1, y1) = start, end
    eps = 0.01
    if lane_x is None or abs(lane_x - x0) < eps and abs(lane_x - x1) < eps:
        if abs(x0 - x1) < eps:
            return (start, (x0, y1))
        mid = (below_source + above_target) / 2 if lane_x is None else above_target
        return (start, (x0, mid), (x1, mid), end)
    if abs(lane_x - x0) < eps:
        return (start, (x0, above_target), (x1, above_target), end)
    if abs(lane_x - x1) < eps:
        return (start, (x0, below_source), (x1, below_source), end)
    return (
        start,
        (x0, below_source),
        (lane_x, below_source),
        (lane_x, above_target),
        (x1, above_target),
        end,
    )
