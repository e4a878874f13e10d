"""Incremental layout for `update`: the boxes a person kept stay where they stand, a new box
goes next to its neighbours where nothing else stands, and connectors are routed again
between the boxes as they stand.

Routes are orthogonal with at most three segments (straight, one elbow, or two elbows through
the gap between the ends or a lane beside both), glued at side middles (at the four compass
sites of a circle: LibreOffice reroutes a line entering a diagonal site sideways); where each
of those runs through a box, a search over the channels between the boxes finds a detour of
up to four segments around them. A target's input takes a site of its own where one is free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .geometry import Point, Rect
from .layout.model import SITE_INDEX, E, N, S, W, site_point

_DIRECTION = {N: (0.0, -1.0), S: (0.0, 1.0), E: (1.0, 0.0), W: (-1.0, 0.0)}
_BEND = 24.0  # points of length a bend costs
_THROUGH = 2000.0  # ... and a box crossed
_SHARED = 400.0  # ... and a target site another input already takes
_BACKWARDS = 60.0  # ... and leaving a box through its top or entering through its bottom
_ALONG = 300.0  # ... and running along another connector (plus 10 a point of it)
Segment = tuple[Point, Point]


def overlaps_any(rect: Rect, obstacles: Iterable[Rect], margin: float) -> bool:
    grown = Rect(rect.x - margin, rect.y - margin, rect.w + 2 * margin, rect.h + 2 * margin)
    return any(grown.overlaps(o) for o in obstacles)


def place_box(
    width: float,
    height: float,
    anchors: Sequence[Rect],
    hint: Point | None,
    obstacles: Sequence[Rect],
    area: Rect,
    gap: float,
) -> Rect | None:
    """A free spot for a new box inside `area`, at least `gap` from every obstacle: where
    the hint puts it if free, else beside one of its neighbours (`anchors`), else anywhere
    in the area nearest them; None when the area has no room."""
    goal = hint or _centre(anchors) or (area.cx, area.cy)

    def fits(cx: float, cy: float) -> Rect | None:
        rect = Rect(cx - width / 2, cy - height / 2, width, height)
        if rect.inside(area) and not overlaps_any(rect, obstacles, gap / 2):
            return rect
        return None

    candidates: list[Point] = [goal]
    for a in anchors:
        candidates += [
            (a.cx, a.bottom + gap + height / 2),
            (a.cx, a.y - gap - height / 2),
            (a.right + gap + width / 2, a.cy),
            (a.x - gap - width / 2, a.cy),
        ]
    found = [r for r in (fits(x, y) for x, y in candidates) if r is not None]
    if not found:
        step = max(gap / 2, 4.0)
        columns = int(max(area.w - width, 0) // step) + 1
        rows = int(max(area.h - height, 0) // step) + 1
        for i in range(columns):
            for j in range(rows):
                rect = fits(area.x + width / 2 + i * step, area.y + height / 2 + j * step)
                if rect is not None:
                    found.append(rect)
    if not found:
        return None
    return min(found, key=lambda r: _cost(r, goal, anchors))


def flow_down(edges: Iterable[tuple[Rect, Rect]]) -> bool:
    """Whether the drawing flows down (else to the right): how its edges mostly run."""
    down = right = 0
    for a, b in edges:
        dx, dy = b.cx - a.cx, b.cy - a.cy
        down += abs(dy) >= abs(dx) and dy > 0
        right += abs(dx) > abs(dy) and dx > 0
    return down >= right


def place_new(
    width: float,
    height: float,
    before: Rect | None,
    after: Rect | None,
    boxes: dict[str, Rect],
    fixed: Sequence[Rect],
    area: Rect,
    gap: float,
    down: bool,
) -> tuple[Rect, dict[str, Rect]] | None:
    """Where a new box goes: right after the box feeding it along the flow (or right before
    the box it feeds); if that spot is taken and no free spot is about as near, the boxes
    standing there and after it along the flow move on to make room. Returns the box and
    the boxes moved (name -> new rectangle), or None when nothing fits."""
    if before is not None:
        x, y = (
            (before.cx - width / 2, before.bottom + gap)
            if down
            else (before.right + gap, before.cy - height / 2)
        )
    elif after is not None:
        x, y = (
            (after.cx - width / 2, after.y - gap - height)
            if down
            else (after.x - gap - width, after.cy - height / 2)
        )
    else:
        x, y = area.cx - width / 2, area.cy - height / 2
    hint = Rect(x, y, width, height)
    obstacles = list(boxes.values()) + list(fixed)
    if hint.inside(area) and not overlaps_any(hint, obstacles, gap / 2):
        return hint, {}
    anchors = [r for r in (before, after) if r is not None]
    free = place_box(width, height, anchors, (hint.cx, hint.cy), obstacles, area, gap)
    near = 0.5 * (height if down else width) + gap
    if free is not None and math.hypot(free.cx - hint.cx, free.cy - hint.cy) <= near:
        return free, {}
    room = make_room(hint, boxes, fixed, area, gap, down)
    if room is not None:
        return room
    return (free, {}) if free is not None else None


def make_room(
    hint: Rect, boxes: dict[str, Rect], fixed: Sequence[Rect], area: Rect, gap: float, down: bool
) -> tuple[Rect, dict[str, Rect]] | None:
    """Move the boxes at and after `hint` along the flow (those in its column, or row), each
    as far as the one before it pushes it (a wide gap further on takes the push up); None if
    they would leave the area or land on something."""
    along, across = (1, 0) if down else (0, 1)

    def start(r: Rect) -> float:
        return (r.x, r.y)[along]

    def end(r: Rect) -> float:
        return (r.right, r.bottom)[along]

    def span(r: Rect) -> tuple[float, float]:
        return ((r.x, r.right), (r.y, r.bottom))[across]

    low, high = span(hint)
    in_line = {
        n: r for n, r in boxes.items() if span(r)[0] < high + gap / 2 and low - gap / 2 < span(r)[1]
    }
    for r in in_line.values():  # a box reaching into the spot from before it: go after it
        if (start(r) + end(r)) / 2 < start(hint) < end(r) + gap:
            hint = hint.moved(
                *((0, end(r) + gap - start(hint)) if down else (end(r) + gap - start(hint), 0))
            )
    movers = {n: r for n, r in in_line.items() if (start(r) + end(r)) / 2 >= start(hint)}
    if not movers:
        return None
    moved: dict[str, Rect] = {}
    frontier = end(hint) + gap  # each box pushes the next only as far as it has to
    for n, r in sorted(movers.items(), key=lambda item: start(item[1])):
        shift = frontier - start(r)
        if shift > 0:
            moved[n] = r = r.moved(*((0, shift) if down else (shift, 0)))
        frontier = max(frontier, end(r) + gap)
    if not moved:
        return None
    others = [r for n, r in boxes.items() if n not in moved] + list(fixed)
    if not hint.inside(area) or overlaps_any(hint, others, gap / 2 - 0.01):
        return None
    for rect in moved.values():
        if not rect.inside(area) or overlaps_any(rect, others, gap / 2 - 0.01):
            return None
    return hint, moved


def _centre(rects: Sequence[Rect]) -> Point | None:
    if not rects:
        return None
    return sum(r.cx for r in rects) / len(rects), sum(r.cy for r in rects) / len(rects)


def _cost(rect: Rect, goal: Point, anchors: Sequence[Rect]) -> float:
    near = sum(math.hypot(rect.cx - a.cx, rect.cy - a.cy) for a in anchors)
    return math.hypot(rect.cx - goal[0], rect.cy - goal[1]) + 0.5 * near


@dataclass(frozen=True)
class Route:
    source_site: int  # PowerPoint site numbers
    target_site: int
    points: tuple[Point, ...]
    target_compass: str


def route(
    source: Rect,
    source_shape: str,
    target: Rect,
    target_shape: str,
    obstacles: Sequence[Rect],
    taken: set[str] = frozenset(),  # type: ignore[assignment]
    lane_gap: float = 12.0,
    drawn: Sequence[Segment] = (),
    bounds: Rect | None = None,
) -> Route:
    """The cheapest orthogonal path from a site of `source` to a site of `target`: short,
    few bends, through no obstacle nor either end, not along an already `drawn` segment,
    into a free site of the target, downstream-looking (out of a bottom or side, into a top
    or side); a detour around the obstacles stays inside `bounds`."""
    obstacles = [*obstacles, source, target]
    sites = SITE_INDEX["circle" if source_shape == "circle" else "box"]
    ends = SITE_INDEX["circle" if target_shape == "circle" else "box"]

    def cheapest(detours: bool) -> tuple[float, Route] | None:
        best: tuple[float, Route] | None = None
        for out_site in (S, E, W, N):
            start = site_point(source_shape, source, out_site)
            for in_site in (N, W, E, S):
                end = site_point(target_shape, target, in_site)
                paths = (
                    _detours(start, out_site, end, in_site, obstacles, lane_gap, bounds)
                    if detours
                    else _paths(start, out_site, end, in_site, source, target, lane_gap)
                )
                for path in paths:
                    cost = _length(path) + _BEND * (len(path) - 2)
                    cost += _THROUGH * sum(_crossings(path, o) for o in obstacles)
                    cost += _SHARED * (in_site in taken)
                    cost += _BACKWARDS * ((out_site == N) + (in_site == S))
                    cost += sum(_ALONG + 10 * k for k in _alongside(path, drawn) if k > 1.0)
                    if best is None or cost < best[0]:
                        found = Route(sites[out_site], ends[in_site], tuple(path), in_site)
                        best = (cost, found)
        return best

    best = cheapest(False)
    assert best is not None
    if best[0] >= _THROUGH:  # through a box: look for a way around them
        detour = cheapest(True)
        if detour is not None and detour[0] < best[0]:
            best = detour
    return best[1]


def _detours(
    start: Point,
    out_site: str,
    end: Point,
    in_site: str,
    obstacles: Sequence[Rect],
    gap: float,
    bounds: Rect | None,
) -> list[list[Point]]:
    """Orthogonal paths of three or four segments through no obstacle, leaving along the
    out site's direction and arriving along the in site's, their free turns on the
    channels between the obstacles (the middle of a channel first, then `gap` off a side)
    and inside `bounds`. Four segments only as a hook, the last one running back towards
    the end: LibreOffice redraws a four-segment staircase as a single elbow."""
    d0 = _DIRECTION[out_site]
    d1 = tuple(-c for c in _DIRECTION[in_site])  # travelling into the target
    lanes = (
        _lanes([(o.x, o.right) for o in obstacles], gap),
        _lanes([(o.y, o.bottom) for o in obstacles], gap),
    )
    if bounds is not None:
        lanes = (
            [x for x in lanes[0] if bounds.x <= x <= bounds.right],
            [y for y in lanes[1] if bounds.y <= y <= bounds.bottom],
        )

    def clean(a: Point, b: Point) -> bool:
        return abs(a[0] - b[0]) + abs(a[1] - b[1]) > 4.0 and not any(
            o.crossed_by(a, b, 1.0) for o in obstacles
        )

    def ahead(a: Point, b: Point, d: tuple[float, ...]) -> bool:
        return (b[0] - a[0]) * d[0] + (b[1] - a[1]) * d[1] > 4.0

    vertical = d0[0] == 0
    axis = 1 if vertical else 0  # the coordinate the first segment runs along
    found: list[list[Point]] = []
    if (d1[0] == 0) == vertical:  # first and last segments parallel: three segments
        for m in lanes[axis]:
            p1 = (start[0], m) if vertical else (m, start[1])
            p2 = (end[0], m) if vertical else (m, end[1])
            path = [start, p1, p2, end]
            if ahead(start, p1, d0) and ahead(p2, end, d1) and all(map(clean, path, path[1:])):
                found.append(path)
        return found
    across = 1 - axis
    for m in lanes[axis]:  # perpendicular: four segments, two free turns
        p1 = (start[0], m) if vertical else (m, start[1])
        if not (ahead(start, p1, d0) and clean(start, p1)):
            continue
        for k in lanes[across]:
            if (end[across] - k) * (end[across] - start[across]) >= 0:
                continue  # LibreOffice draws it as one elbow unless its last segment turns back
            p2 = (k, m) if vertical else (m, k)
            p3 = (k, end[1]) if vertical else (end[0], k)
            path = [start, p1, p2, p3, end]
            if ahead(p3, end, d1) and all(map(clean, path[1:], path[2:])):
                found.append(path)
    return found


def _lanes(spans: Sequence[tuple[float, float]], gap: float) -> list[float]:
    """Where a line can run across one axis: the middle of each channel between the
    obstacles' spans (widest first), then `gap` outside each span."""
    edges = sorted({v for span in spans for v in span})
    channels = []
    for a, b in zip(edges, edges[1:]):
        middle = (a + b) / 2
        if b - a > 2 * 4.0 and not any(low < middle < high for low, high in spans):
            channels.append((b - a, middle))
    middles = [m for _, m in sorted(channels, reverse=True)]
    outside = [v for low, high in spans for v in (low - gap, high + gap)]
    return list(dict.fromkeys(middles + outside))


def _paths(
    start: Point, out_site: str, end: Point, in_site: str, source: Rect, target: Rect, gap: float
) -> list[list[Point]]:
    """Straight, one-elbow, two-elbow (through the middle, or a lane beside both ends)
    paths leaving along the out site's direction and arriving along the in site's."""
    d0 = _DIRECTION[out_site]
    d1 = tuple(-c for c in _DIRECTION[in_site])  # travelling into the target
    (x0, y0), (x1, y1) = start, end
    ahead = (x1 - x0) * d0[0] + (y1 - y0) * d0[1]
    paths: list[list[Point]] = []
    if d0 == d1:
        vertical = d0[0] == 0
        aligned = abs(x1 - x0) < 0.01 if vertical else abs(y1 - y0) < 0.01
        if aligned and ahead > 0:
            paths.append([start, end])
        elif ahead > 2 * 4.0:
            for share in (0.5, 0.25, 0.75):
                if vertical:
                    m = y0 + (y1 - y0) * share
                    paths.append([start, (x0, m), (x1, m), end])
                else:
                    m = x0 + (x1 - x0) * share
                    paths.append([start, (m, y0), (m, y1), end])
    elif d0 == tuple(-c for c in d1):  # out one way, in the other: a lane beyond both
        for lane in (1, 2, 3):
            if d0[0] == 0:
                edge = max(source.bottom, target.bottom) if d0[1] > 0 else min(source.y, target.y)
                m = edge + d0[1] * gap * lane
                paths.append([start, (x0, m), (x1, m), end])
            else:
                edge = max(source.right, target.right) if d0[0] > 0 else min(source.x, target.x)
                m = edge + d0[0] * gap * lane
                paths.append([start, (m, y0), (m, y1), end])
    else:  # perpendicular: one elbow
        corner = (x1, y0) if d0[1] == 0 else (x0, y1)
        first = (corner[0] - x0) * d0[0] + (corner[1] - y0) * d0[1]
        second = (x1 - corner[0]) * d1[0] + (y1 - corner[1]) * d1[1]
        if first > 4.0 and second > 4.0:
            paths.append([start, corner, end])
    return paths


def _length(path: Sequence[Point]) -> float:
    return sum(abs(b[0] - a[0]) + abs(b[1] - a[1]) for a, b in zip(path, path[1:]))


def _alongside(path: Sequence[Point], drawn: Sequence[Segment]) -> list[float]:
    """How far each segment of `path` runs on top of a drawn segment (points)."""
    found = []
    for a, b in zip(path, path[1:]):
        vertical = abs(a[0] - b[0]) < 1e-6
        for c, d in drawn:
            if vertical != (abs(c[0] - d[0]) < 1e-6):
                continue
            axis, along = (0, 1) if vertical else (1, 0)
            if abs(a[axis] - c[axis]) > 2.0:
                continue
            low = max(min(a[along], b[along]), min(c[along], d[along]))
            high = min(max(a[along], b[along]), max(c[along], d[along]))
            found.append(high - low)
    return found


def _crossings(path: Sequence[Point], obstacle: Rect) -> int:
    return sum(obstacle.crossed_by(a, b, 1.0) for a, b in zip(path, path[1:]))


def snapped(points: Sequence[Point], start: Point, end: Point) -> tuple[Point, ...]:
    """`points` with its ends moved onto `start` and `end` (a fraction of a point away:
    boxes rounded by a save), the neighbouring turns following so every segment stays
    orthogonal."""
    moved = [tuple(p) for p in points]
    if len(moved) == 2:
        return (start, end)
    for index, target, neighbour in ((0, start, 1), (-1, end, -2)):
        old = moved[index]
        after = moved[neighbour]
        if abs(after[0] - old[0]) < 1e-6:  # a vertical segment: the turn keeps its x in line
            moved[neighbour] = (target[0], after[1])
        else:
            moved[neighbour] = (after[0], target[1])
        moved[index] = target
    return tuple(moved)  # type: ignore[return-value]
