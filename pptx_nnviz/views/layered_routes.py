"""The layered view's arrows: every edge between two cubes' labels as a glued connector, routed
clear of the cubes. An arrow between neighbouring columns of a row is straight (or one step);
a skip within a row runs in its own lane under the row; an edge from one row to a later one
(the row wrap, a U-Net's skips, an encoder's output into a decoder) runs down its source
row's lane, along a clear vertical channel, and into its target from the left (a row's first
layer) or from its own lane under the target's row, meeting at a small junction dot where it
would turn too often. An edge to or from another slide ends at a labelled marker, one of a
pair (`source → target` on both)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..geometry import BOTTOM, LEFT, RIGHT, TOP, Rect
from ..scene import CONNECTOR, MUTED, Box, Connector, Paragraph, Run
from ..text import line_height, shorten, text_width
from ..theme import ColorRef
from .junctions import JUNCTION, cut_segment, cut_sites, junction_box, needs_cut, simplified

LANE = 5.0  # points between the lanes of long edges under a row
CLEAR = 3.0  # a channel keeps this far from boxes and from other lines

Point = tuple[float, float]


def lane_counts(rows: list[dict[str, int]], edges: list[tuple[str, str]]) -> list[int]:
    """The lanes each row needs under it: one per skip within it, one per edge leaving it for
    a later row and one per edge arriving from an earlier row. `rows` maps each row's layers
    to their column in it."""
    where = {n: (k, i) for k, row in enumerate(rows) for n, i in row.items()}
    counts = [0] * len(rows)
    for a, b in edges:
        (ka, ia), (kb, ib) = where[a], where[b]
        if ka == kb:
            counts[ka] += ib - ia > 1
        else:
            counts[ka] += 1
            counts[kb] += 1
    return counts


def marker_size(text: str, font: float) -> tuple[float, float]:
    return text_width(text, font) + 12, line_height(font) + 6


@dataclass
class Sheet:
    """What one slide's routes need to know and what they have drawn so far."""

    labels: dict[str, Rect]  # layer -> the label its arrows glue to
    where: dict[str, tuple[int, int]]  # layer -> (row, column) on this slide
    obstacles: list[Rect]  # cubes and labels
    row_tops: list[float]
    row_heights: list[float]
    area: Rect
    font: float
    names: dict[str, str]
    gap: float  # between columns
    row_gap: float
    lanes_used: list[int] = field(default_factory=list)
    verticals: list[tuple[float, float, float]] = field(default_factory=list)
    horizontals: list[tuple[float, float, float]] = field(default_factory=list)
    left_used: set[str] = field(default_factory=set)
    boxes: list[Box] = field(default_factory=list)
    connectors: list[Connector] = field(default_factory=list)
    markers: list[Rect] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lanes_used = [0] * len(self.row_tops)

    def lane(self, row: int) -> float:
        self.lanes_used[row] += 1
        return self.row_tops[row] + self.row_heights[row] - LANE * self.lanes_used[row]

    def clear(self, x: float, y0: float, y1: float) -> bool:
        """Can a vertical line run at x from y0 to y1 without touching a box or another
        vertical line?"""
        lo, hi = sorted((y0, y1))
        for r in [*self.obstacles, *self.markers]:
            if r.x - CLEAR < x < r.right + CLEAR and lo < r.bottom and hi > r.y:
                return False
        return not any(abs(x - vx) < CLEAR and lo < v1 and hi > v0 for vx, v0, v1 in self.verticals)

    def channel(
        self, y0: float, y1: float, prefer: float, lo: float | None = None, hi: float | None = None
    ) -> float | None:
        """The clear vertical line from y0 to y1 nearest to `prefer` (within lo..hi)."""
        lo = self.area.x - 12 if lo is None else lo
        hi = self.area.right + 12 if hi is None else hi
        candidates = {prefer}
        for r in self.obstacles:
            for k in range(4):
                candidates |= {r.x - CLEAR - 1 - 3 * k, r.right + CLEAR + 1 + 3 * k}
        fits = [x for x in candidates if lo <= x <= hi and self.clear(x, y0, y1)]
        return min(fits, key=lambda x: (abs(x - prefer), x)) if fits else None

    def free(self, x: float, y0: float, y1: float) -> bool:
        """Does a vertical line at x from y0 to y1 miss every box?"""
        lo, hi = sorted((y0, y1))
        return not any(
            r.x < x < r.right and lo < r.bottom - 0.5 and hi > r.y + 0.5 for r in self.obstacles
        )

    def draw(
        self,
        edge: tuple[str, str],
        source: str,
        s_site: int,
        target: str,
        t_site: int,
        points: list[Point],
    ) -> None:
        """The route as one connector, or as several meeting at junction dots when it has
        more than four segments (LibreOffice redraws longer ones its own way) or four that
        LibreOffice draws wrong."""
        points = simplified(points)
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            if abs(x0 - x1) < 0.01:
                self.verticals.append((x0, min(y0, y1), max(y0, y1)))
            else:
                self.horizontals.append((y0, min(x0, x1), max(x0, x1)))
        while needs_cut(points):
            k = cut_segment(points, vertical=True)
            at = self._dot_place(points[k], points[k + 1])
            dot = self.junction(edge, at)
            into, out, end, start = cut_sites(points[k], points[k + 1], at)
            self._connector(edge, source, s_site, dot, into, [*points[: k + 1], end], False)
            source, s_site, points = dot, out, [start, *points[k + 1 :]]
        self._connector(edge, source, s_site, target, t_site, points, True)

    def _dot_place(self, p: Point, q: Point) -> Point:
        """Where on the segment p-q a junction dot meets no other line: nearest its middle."""
        vertical = abs(p[0] - q[0]) < 0.01
        lo, hi = sorted((p[1], q[1]) if vertical else (p[0], q[0]))
        middle, step = (lo + hi) / 2, 0.0
        while step < (hi - lo) / 2 - JUNCTION:
            for t in (middle - step, middle + step):
                at = (p[0], t) if vertical else (t, p[1])
                if self._dot_free(at):
                    return at
            step += 1.0
        return (p[0], middle) if vertical else (middle, p[1])

    def _dot_free(self, at: Point) -> bool:
        r = JUNCTION
        x, y = at
        return not any(
            abs(y - hy) < r and x0 - r < x < x1 + r for hy, x0, x1 in self.horizontals
        ) and not any(
            abs(x - vx) < r and y0 - r < y < y1 + r
            for vx, y0, y1 in self.verticals
            if abs(x - vx) > 0.01
        )

    def _connector(
        self,
        edge: tuple[str, str],
        source: str,
        s_site: int,
        target: str,
        t_site: int,
        points: list[Point],
        arrow: bool,
    ) -> None:
        self.connectors.append(
            Connector(
                id=f"edge {edge[0]} -> {edge[1]}",  # the parts of one edge share it
                source=source,
                source_site=s_site,
                target=target,
                target_site=t_site,
                points=tuple(points),
                color=CONNECTOR,
                arrow=arrow,
                edge=edge,
            )
        )

    def junction(self, edge: tuple[str, str], at: Point) -> str:
        dot = f"junction {edge[0]} > {edge[1]} {len(self.boxes)}"
        box = junction_box(dot, at, f"Continues from {self.names[edge[0]]}.")
        self.obstacles.append(box.rect)
        self.boxes.append(box)
        return dot

    def marker(self, direction: str, edge: tuple[str, str], cx: float, y: float) -> Box:
        label = _marker_label(self, edge)
        w, h = marker_size(label, self.font)
        rect = Rect(cx - w / 2, y, w, h)
        box = Box(
            id=f"marker {direction} {edge[0]} > {edge[1]}",
            rect=rect,
            paragraphs=(Paragraph((Run(label, self.font, italic=True, color=MUTED),)),),
            fill=ColorRef("bg1"),
            line=CONNECTOR,
            dashed=True,
            rounding=0.5,
            pad_x=4.0,
            pad_y=1.0,
            alt_text=f"Continues on another slide: {label}.",
        )
        self.boxes.append(box)
        self.markers.append(rect)
        return box


def _exit(sheet: Sheet, a: str, y: float) -> tuple[int, list[Point]]:
    """Out of a layer's label down to the lane at y: from its bottom when nothing stands
    below it, else from its right side down the gap after its column."""
    la = sheet.labels[a]
    if not sheet.free(la.cx, la.bottom, y):
        x = sheet.channel(la.cy, y, la.right + CLEAR + 1, la.right + 2, la.right + sheet.gap - 2)
        if x is not None:
            return RIGHT, [la.site(RIGHT), (x, la.cy), (x, y)]
    return BOTTOM, [la.site(BOTTOM), (la.cx, y)]


def _entry(sheet: Sheet, b: str, y: float) -> tuple[int, list[Point]]:
    """From the lane at y into a layer's label: up into its bottom when nothing stands below
    it, else up the gap before its column and into its left side."""
    lb = sheet.labels[b]
    if not sheet.free(lb.cx, y, lb.bottom):
        x = sheet.channel(y, lb.cy, lb.x - CLEAR - 1, lb.x - sheet.gap + 2, lb.x - 2)
        if x is not None:
            return LEFT, [(x, y), (x, lb.cy), lb.site(LEFT)]
    return BOTTOM, [(lb.cx, y), lb.site(BOTTOM)]


def route_within_row(sheet: Sheet, a: str, b: str) -> None:
    """Neighbouring columns: right side to left side; a skip: down into a lane and across."""
    (ka, ia), (_, ib) = sheet.where[a], sheet.where[b]
    la, lb = sheet.labels[a], sheet.labels[b]
    if ib - ia == 1:
        start, end = la.site(RIGHT), lb.site(LEFT)
        in_x = lb.x - sheet.gap / 2
        points = (
            [start, end]
            if abs(start[1] - end[1]) < 0.5
            else [start, (in_x, start[1]), (in_x, end[1]), end]
        )
        sheet.draw((a, b), f"shape {a}", RIGHT, f"shape {b}", LEFT, points)
        return
    y = sheet.lane(ka)
    s_site, out = _exit(sheet, a, y)
    t_site, into = _entry(sheet, b, y)
    sheet.draw((a, b), f"shape {a}", s_site, f"shape {b}", t_site, out + into)


def route_between_rows(sheet: Sheet, a: str, b: str) -> None:
    """From a row to a later one on the same slide: down the source's lane, along a clear
    channel, into the target from the left (a row's first layer) or from its own lane."""
    (ka, _), (kb, _) = sheet.where[a], sheet.where[b]
    lane_a = sheet.lane(ka)
    s_site, out = _exit(sheet, a, lane_a)
    entry = _left_entry(sheet, b, lane_a)
    if entry is not None:
        sheet.draw((a, b), f"shape {a}", s_site, f"shape {b}", LEFT, out + entry)
        return
    lane_b = sheet.lane(kb)
    t_site, into = _entry(sheet, b, lane_b)
    x = sheet.channel(lane_a, lane_b, (out[-1][0] + into[0][0]) / 2)
    x = sheet.area.x - 8 if x is None else x
    points = out + [(x, lane_a), (x, lane_b)] + into
    sheet.draw((a, b), f"shape {a}", s_site, f"shape {b}", t_site, points)


def _left_entry(sheet: Sheet, b: str, y0: float) -> list[Point] | None:
    """A row's first layer is entered from the left, down a channel just before it (the
    route from the lane at y0), or None."""
    if sheet.where[b][1] != 0 or b in sheet.left_used:
        return None
    lb = sheet.labels[b]
    x = sheet.channel(y0, lb.cy, lb.x - sheet.gap / 2, lb.x - sheet.gap + 2, lb.x - CLEAR)
    if x is None:
        return None
    sheet.left_used.add(b)
    return [(x, y0), (x, lb.cy), lb.site(LEFT)]


def route_out(sheet: Sheet, a: str, b: str, row_y: float) -> None:
    """To a layer on a later slide: down into a marker in the row under the slide's rows."""
    y = sheet.lane(sheet.where[a][0])
    s_site, out = _exit(sheet, a, y)
    x = _marker_channel(sheet, (a, b), y, row_y, out[-1][0])
    marker = sheet.marker("out", (a, b), x, row_y)
    sheet.draw((a, b), f"shape {a}", s_site, marker.id, TOP, out + [(x, y), (x, row_y)])


def route_in(sheet: Sheet, a: str, b: str, row_y: float, height: float) -> None:
    """From a layer on an earlier slide: out of a marker in the row over the slide's rows."""
    bottom = row_y + height
    entry = _left_entry(sheet, b, bottom + 3)
    if entry is not None:
        w, _ = marker_size(_marker_label(sheet, (a, b)), sheet.font)
        x = entry[0][0]
        cx = min(max(x, sheet.area.x + w / 2), sheet.area.right - w / 2)
        marker = sheet.marker("in", (a, b), cx, row_y)
        points = [(cx, bottom), (cx, bottom + 3), *entry]
        sheet.draw((a, b), marker.id, BOTTOM, f"shape {b}", LEFT, points)
        return
    y = sheet.lane(sheet.where[b][0])
    t_site, into = _entry(sheet, b, y)
    x = _marker_channel(sheet, (a, b), bottom, y, into[0][0])
    marker = sheet.marker("in", (a, b), x, row_y)
    sheet.draw((a, b), marker.id, BOTTOM, f"shape {b}", t_site, [(x, bottom), (x, y), *into])


def _marker_label(sheet: Sheet, edge: tuple[str, str]) -> str:
    label = f"{sheet.names[edge[0]]} → {sheet.names[edge[1]]}"
    return shorten(label, sheet.area.w / 3, sheet.font)


def _marker_channel(
    sheet: Sheet, edge: tuple[str, str], y0: float, y1: float, prefer: float
) -> float:
    """A clear channel whose marker, centred on it, fits the slide beside the other markers."""
    w, _ = marker_size(_marker_label(sheet, edge), sheet.font)
    lo, hi = sheet.area.x + w / 2, sheet.area.right - w / 2
    step = 0.0
    while step < sheet.area.w:
        for x in (prefer - step, prefer + step):
            if (
                lo <= x <= hi
                and sheet.clear(x, y0, y1)
                and not any(r.x - 6 < x + w / 2 and x - w / 2 < r.right + 6 for r in sheet.markers)
            ):
                return x
        step += 2.0
    x = sheet.channel(y0, y1, prefer, lo, hi)
    return min(max(prefer, lo), hi) if x is None else x
