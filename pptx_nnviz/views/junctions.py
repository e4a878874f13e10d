"""Orthogonal routes cut where a connector would turn too often: LibreOffice redraws a
connector of more than four segments its own way, and draws a mirrored four-segment one
(bentConnector4 flipped across its first segment) with a single bend. Such a route becomes
connectors meeting at small junction dots."""

from __future__ import annotations

from ..geometry import Rect
from ..scene import CONNECTOR, Box

JUNCTION = 5.0  # the dot's diameter
N, W, S, E = 0, 2, 4, 6  # an ellipse's sites

Point = tuple[float, float]


def simplified(points: list[Point]) -> list[Point]:
    """Without repeated points and without middle points of straight runs."""
    out: list[Point] = []
    for p in points:
        if out and abs(out[-1][0] - p[0]) < 0.01 and abs(out[-1][1] - p[1]) < 0.01:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (abs(ax - bx) < 0.01 and abs(bx - p[0]) < 0.01) or (
                abs(ay - by) < 0.01 and abs(by - p[1]) < 0.01
            ):
                out[-1] = p
                continue
        out.append(p)
    return out


def needs_cut(points: list[Point]) -> bool:
    """More than four segments, or four drawn by a mirrored bentConnector4."""
    if len(points) != 5:
        return len(points) > 5
    (x0, y0), (x1, y1), (xn, yn) = points[0], points[1], points[-1]
    horizontal = abs(y1 - y0) <= abs(x1 - x0)
    return yn < y0 if horizontal else xn > x0


def cut_segment(points: list[Point], vertical: bool) -> int:
    """Which of the second to fourth segments takes the dot: the longest, of the direction
    preferred (where no other line runs) when it is long enough."""

    def value(i: int) -> tuple[bool, float]:
        (x0, y0), (x1, y1) = points[i], points[i + 1]
        upright = abs(x0 - x1) < 0.01
        length = abs(x0 - x1) + abs(y0 - y1)
        return upright == vertical and length > 3 * JUNCTION, length

    return max(range(1, min(4, len(points) - 1)), key=value)


def cut_sites(p: Point, q: Point, at: Point) -> tuple[int, int, Point, Point]:
    """The sites of a dot at `at` on segment p-q that the route enters and leaves by, and the
    points on its rim where the two parts end and start."""
    h = JUNCTION / 2
    if abs(p[0] - q[0]) < 0.01:  # vertical
        sign = 1 if q[1] > p[1] else -1
        into, out = (N, S) if sign > 0 else (S, N)
        return into, out, (at[0], at[1] - sign * h), (at[0], at[1] + sign * h)
    sign = 1 if q[0] > p[0] else -1
    into, out = (W, E) if sign > 0 else (E, W)
    return into, out, (at[0] - sign * h, at[1]), (at[0] + sign * h, at[1])


def junction_box(dot: str, at: Point, alt_text: str) -> Box:
    h = JUNCTION / 2
    return Box(
        id=dot,
        rect=Rect(at[0] - h, at[1] - h, JUNCTION, JUNCTION),
        geometry="ellipse",
        fill=CONNECTOR,
        line=CONNECTOR,
        line_width=0.5,
        pad_x=0.0,
        pad_y=0.0,
        alt_text=alt_text,
    )
