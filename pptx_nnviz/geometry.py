"""Plain geometry shared by the layout, the scene and the renderers (points, y down)."""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]

#: Connection sites of rectangles and rounded rectangles, as PowerPoint numbers them.
TOP, LEFT, BOTTOM, RIGHT = 0, 1, 2, 3


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def site(self, index: int) -> Point:
        """The point of connection site `index` (0 top, 1 left, 2 bottom, 3 right)."""
        return {
            TOP: (self.cx, self.y),
            LEFT: (self.x, self.cy),
            BOTTOM: (self.cx, self.bottom),
            RIGHT: (self.right, self.cy),
        }[index]

    def moved(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def transposed(self) -> Rect:
        return Rect(self.y, self.x, self.h, self.w)

    def overlaps(self, other: Rect, tolerance: float = 0.01) -> bool:
        return (
            self.x < other.right - tolerance
            and other.x < self.right - tolerance
            and self.y < other.bottom - tolerance
            and other.y < self.bottom - tolerance
        )

    def inside(self, other: Rect, tolerance: float = 0.01) -> bool:
        return (
            self.x >= other.x - tolerance
            and self.y >= other.y - tolerance
            and self.right <= other.right + tolerance
            and self.bottom <= other.bottom + tolerance
        )

    def crossed_by(self, a: Point, b: Point, margin: float = 0.5) -> bool:
        """Does the axis-parallel segment a-b pass through the inside of this rectangle?"""
        x0, x1 = sorted((a[0], b[0]))
        y0, y1 = sorted((a[1], b[1]))
        return (
            x0 < self.right - margin
            and x1 > self.x + margin
            and y0 < self.bottom - margin
            and y1 > self.y + margin
        )


#: Presets whose eight connection sites lie on an ellipse (the merge symbols ⊕ and ⊗ too).
ELLIPTIC = ("ellipse", "flowChartOr", "flowChartSummingJunction")


def connection_site(preset: str, rect: Rect, index: int, depth: float = 0.25) -> Point:
    """Where connection site `index` of an OOXML preset shape lies (rect, roundRect, ellipse,
    cube with `depth` as a fraction of the shorter side), as PowerPoint computes it."""
    if preset in ("rect", "roundRect"):
        return rect.site(index)
    if preset in ELLIPTIC:  # 8 sites counter-clockwise from the top
        angle = math.radians(90 + 45 * index)
        return rect.cx + rect.w / 2 * math.cos(angle), rect.cy - rect.h / 2 * math.sin(angle)
    if preset == "cube":
        d = min(rect.w, rect.h) * depth
        x, y, r, b = rect.x, rect.y, rect.right, rect.bottom
        front_right = r - d
        return [
            ((x + d + r) / 2, y),  # 0: top face, back edge
            ((x + front_right) / 2, y + d),  # 1: front face, top edge
            (x, (y + d + b) / 2),  # 2: front face, left edge
            ((x + front_right) / 2, b),  # 3: front face, bottom edge
            (front_right, (y + d + b) / 2),  # 4: front face, right edge
            (r, (y + b - d) / 2),  # 5: right side face, middle
        ][index]
    raise ValueError(f"no connection sites known for preset {preset!r}")


def bounding_rect(rects: list[Rect]) -> Rect:
    x0 = min(r.x for r in rects)
    y0 = min(r.y for r in rects)
    return Rect(x0, y0, max(r.right for r in rects) - x0, max(r.bottom for r in rects) - y0)
