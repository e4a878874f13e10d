"""What the layout steps pass to each other and what the layout returns: plain data.

The steps work in a normalised frame where ranks run down the page (main axis y) and the
layers of one rank stand side by side (cross axis x); a left-to-right layout is the transpose.
Connection sites are compass points in that frame (N is the side facing the previous rank) and
become PowerPoint's site numbers only on the finished page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..geometry import Point, Rect, connection_site

#: Diameter (points) of a junction dot, where a connector too long for one shape turns.
JUNCTION = 5.0
#: Label densities, fullest first: full (name, class and settings, shape and params), compact
#: (class and settings, shape), minimal (class and settings on one line).
DENSITIES = ("full", "compact", "minimal")
DIRECTIONS = ("TB", "LR")


@dataclass(frozen=True)
class Style:
    """How boxes are drawn: font size, label density and a spacing factor for the gaps."""

    font: float
    density: str = "full"
    spread: float = 1.0

    @property
    def compact(self) -> bool:
        return self.density != "full"


#: (node id, style) -> (width, height) of the node's box in points, as drawn on the slide.
SizeFunction = Callable[[str, Style], tuple[float, float]]

# --------------------------------------------------------------------------- sites

N, NE, E, SE, S, SW, W, NW = "N", "NE", "E", "SE", "S", "SW", "W", "NW"
#: Compass point -> PowerPoint connection site index, per shape (rectangles have four sites,
#: ellipses eight, counter-clockwise from the top).
SITE_INDEX = {
    "box": {N: 0, W: 1, S: 2, E: 3},
    "circle": {N: 0, NW: 1, W: 2, SW: 3, S: 4, SE: 5, E: 6, NE: 7},
}
#: The compass point a site becomes when the page is transposed (left-to-right layouts).
TRANSPOSED = {N: W, W: N, S: E, E: S, NE: SW, SW: NE, NW: NW, SE: SE}
#: ... and when a piece is mirrored top to bottom (the rising side of a U).
MIRRORED = {N: S, S: N, NE: SE, SE: NE, NW: SW, SW: NW, E: E, W: W}
_OFFSET = {N: (0, -1), NE: (1, -1), E: (1, 0), SE: (1, 1), S: (0, 1), SW: (-1, 1), W: (-1, 0)}
_OFFSET[NW] = (-1, -1)


def site_point(shape: str, rect: Rect, site: str) -> Point:
    """Where a compass site lies on a box (its side's middle) or a circle (on the ellipse)."""
    if shape == "circle":
        return connection_site("ellipse", rect, SITE_INDEX["circle"][site])
    dx, dy = _OFFSET[site]
    return rect.cx + dx * rect.w / 2, rect.cy + dy * rect.h / 2


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PlacedBox:
    """A box on a page: a graph node, or a stand-in the layout adds.

    kind: "node"; "marker" (a labelled stand-in for edges to or from another page);
    "junction" (a small dot where a long connector turns between columns); "port" (a small
    dot on a node's edge taking one of its many inputs, grouped with the node when drawn).
    """

    id: str
    rect: Rect
    kind: str = "node"
    label: str = ""
    refs: tuple[str, ...] = ()  # markers, junctions, ports: the node ids they stand for
    shape: str = "box"  # "box" (rounded rectangle) | "circle"

    def site(self, index: int) -> Point:
        return connection_site("ellipse" if self.shape == "circle" else "rect", self.rect, index)


@dataclass(frozen=True)
class Route:
    """A connector: glued to `source` at `source_site` and to `target` at `target_site`
    (PowerPoint site numbers of each shape), through orthogonal `points`."""

    source: str
    target: str
    source_site: int
    target_site: int
    points: tuple[Point, ...]
    edge: tuple[str, str] = ("", "")  # the graph edge this connector draws (or a part of)
    arrow: bool = True  # False for the parts of a long edge that end at a junction


@dataclass(frozen=True)
class Page:
    boxes: tuple[PlacedBox, ...]
    routes: tuple[Route, ...]
    width: float
    height: float


@dataclass(frozen=True)
class Layout:
    pages: tuple[Page, ...]
    style: Style
    direction: str
    whole: bool = True  # one page, every edge drawn in full (no stretch cut apart)
    score: float = 0.0  # how readable: the font, less what density, wraps and cuts cost

    @property
    def font_size(self) -> float:
        return self.style.font

    @property
    def compact(self) -> bool:
        return self.style.compact


# --------------------------------------------------------------------------- inside the steps


@dataclass
class Item:
    """Something that takes room in a rank: a node, a dummy (one rank of a long edge's lane),
    a junction dot or a page marker; sizes in the normalised frame."""

    id: str
    rank: int
    width: float  # across the rank
    height: float  # along the ranks
    kind: str = "node"  # "node" | "dummy" | "junction" | "marker"
    shape: str = "box"
    lane: int = -1  # dummies: the index of the link whose lane they form
    label: str = ""
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    """An edge between two items of one piece (before normalisation it may span ranks)."""

    source: str
    target: str
    edge: tuple[str, str]  # the graph edge it draws
    arrow: bool = True
    side: bool = False  # its edge is a side input, never on the spine (spine.py)


@dataclass
class Path:
    """A route in the normalised frame, sites as compass points."""

    source: str
    target: str
    source_site: str
    target_site: str
    points: list[Point]
    edge: tuple[str, str]
    arrow: bool = True


@dataclass
class Drawing:
    """A piece laid out in the normalised frame, its top-left corner at (0, 0)."""

    items: dict[str, Item]
    rects: dict[str, Rect]
    paths: list[Path]
    width: float
    height: float
    ports: dict[str, list[str]] = field(default_factory=dict)  # node -> its port ids


@dataclass(frozen=True)
class Spacing:
    """Gaps in points: between ranks, between neighbours in a rank, between columns, and
    between parallel lanes."""

    rank_gap: float
    node_gap: float
    column_gap: float
    lane_gap: float

    @staticmethod
    def of(style: Style, direction: str) -> Spacing:
        """Gaps for a style; `spread` widens those that run across the slide (between
        neighbours and columns top to bottom, between ranks left to right): a drawing that
        leaves a 16:9 slide half empty spreads sideways."""
        size, k = style.font, style.spread
        if direction == "TB":
            return Spacing(1.25 * size, 1.4 * size * k, 3.2 * size * k, 0.9 * size)
        return Spacing(2.2 * size * k, 1.0 * size, 2.6 * size, 0.9 * size)
