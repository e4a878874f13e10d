"""One piece (a stretch of consecutive ranks) through the layered steps: normalise, order,
position (`arrange_piece`), then bands along the main axis and routes (`draw_piece`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .model import Drawing, E, Item, Link, Spacing, W
from .normalize import Layered, normalise
from .order import order_layers, pinned
from .position import cross_positions
from .route import route_piece
from .spine import main_path


@dataclass
class Arranged:
    """A piece ordered and positioned across the ranks, its bands not yet placed."""

    layered: Layered
    order: list[list[str]]
    x: dict[str, float]
    thickness: list[float]  # each rank's extent along the main axis

    @property
    def width(self) -> float:
        items = self.layered.items
        return max(
            (self.x[v] + items[v].width / 2 for layer in self.order for v in layer), default=0.0
        )


def arrange_piece(
    items: dict[str, Item],
    links: list[Link],
    spacing: Spacing,
    first: frozenset[str] = frozenset(),
    last: frozenset[str] = frozenset(),
    width: float | None = None,
) -> Arranged:
    """Items with ranks counted from 0 inside the piece; links between them (any span); the
    piece kept within `width` across where its ranks allow."""
    layered = normalise(items, links)
    spine = main_path(items, links)
    order = _free_sides(order_layers(layered, first, last), layered, spine, first, last)
    x = cross_positions(layered, order, spacing, spine, width)
    thickness = [max((layered.items[v].height for v in layer), default=0.0) for layer in order]
    return Arranged(layered, order, x, thickness)


def stacked_bands(thickness: list[float], gap: float) -> list[tuple[float, float]]:
    """(top, height) of each rank when ranks follow each other `gap` apart."""
    bands = []
    y = 0.0
    for height in thickness:
        bands.append((y, height))
        y += height + gap
    return bands


def draw_piece(
    arranged: Arranged,
    bands: list[tuple[float, float]],
    gap: float,
    reserved: dict[str, set[str]] | None = None,
) -> Drawing:
    """The piece's rectangles and routes for the given rank bands; `reserved` keeps sites
    of some nodes free for links drawn outside the piece."""
    last_top, last_height = bands[-1] if bands else (0.0, 0.0)
    padded = [*bands, (last_top + last_height + gap, 0.0)]
    paths, rects, ports = route_piece(
        arranged.layered, arranged.order, arranged.x, padded, reserved or {}, arranged.width
    )
    items = arranged.layered.items
    shown = {k: v for k, v in items.items() if v.kind != "dummy"}
    for node, node_ports in ports.items():
        for port in node_ports:
            shown[port] = Item(port, items[node].rank, 0.0, 0.0, "port", "circle", refs=(node,))
    # a box stretched over its shortcut's lane may reach past the piece's edges
    left = min(0.0, *(r.x for r in rects.values()))
    width = max(arranged.width, *(r.right for r in rects.values())) - left
    if left < 0:
        rects = {k: r.moved(-left, 0) for k, r in rects.items()}
        paths = [replace(p, points=[(x - left, y) for x, y in p.points]) for p in paths]
    return Drawing(shown, rects, paths, width, last_top + last_height, ports)


def lay_out_piece(
    items: dict[str, Item],
    links: list[Link],
    spacing: Spacing,
    first: frozenset[str] = frozenset(),
    last: frozenset[str] = frozenset(),
    width: float | None = None,
) -> Drawing:
    """The whole piece with its ranks stacked at the standard gap. The nodes pinned `first`
    in their ranks keep their W site free for a wrap connector from another column."""
    arranged = arrange_piece(items, links, spacing, first, last, width)
    bands = stacked_bands(arranged.thickness, spacing.rank_gap)
    return draw_piece(arranged, bands, spacing.rank_gap, side_sites(first, frozenset()))


def side_sites(first: frozenset[str], last: frozenset[str]) -> dict[str, set[str]]:
    """The W site of the nodes standing first in their rank, the E site of the last ones."""
    reserved: dict[str, set[str]] = {v: {W} for v in first}
    for v in last:
        reserved.setdefault(v, set()).add(E)
    return reserved


def _free_sides(
    order: list[list[str]],
    layered: Layered,
    spine: frozenset[tuple[str, str]],
    first: frozenset[str],
    last: frozenset[str],
) -> list[list[str]]:
    """The ranks mirrored (left and right swapped, the pinned items kept at their ends) when
    that turns more of the branches leaving the spine towards a free side of their fork: a
    fork pinned first keeps its W site for a wrap, so a side loop off it best stands right
    of the spine (it then leaves level from E and turns once)."""
    where = {v: k for layer in order for k, v in enumerate(layer)}
    out_of_spine: dict[str, str] = {}
    for link, chain in zip(layered.originals, layered.chains, strict=True):
        if link.edge in spine and link.source == link.edge[0]:
            out_of_spine[link.source] = chain[1]
    facing = [0, 0]  # branches towards the fork's reserved side: as ordered, mirrored
    for link, chain in zip(layered.originals, layered.chains, strict=True):
        along = out_of_spine.get(link.source)
        if along is None or chain[1] == along or link.source not in first | last:
            continue
        left = where[chain[1]] < where[along]
        reserved_left = link.source in first
        facing[0] += left == reserved_left
        facing[1] += left != reserved_left
    if facing[1] >= facing[0]:
        return order
    return [pinned(layer[::-1], first, last) for layer in order]
