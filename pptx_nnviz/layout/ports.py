"""Ports and bars, for step 5: glue points along a box's edge where a fixed site would
make a line turn.

A bar (a Concatenate, a block's input) is stretched over the branches it joins or feeds, and
each branch meets it at its own small port straight above or below the branch. A fork box
standing alone in its rank grows a little so that its shortcut starts under it. A merge
whose sites run out takes its inputs at ports along its top edge. Ports are grouped with
their box on the slide, so they move with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..geometry import Rect
from .model import Item, N, site_point

if TYPE_CHECKING:
    from .route import RoutePlan

PORT = 5.0  # diameter of a port dot
_STRETCH = 24.0  # how much wider (each side) a box grows for a shortcut to start under it
_BAR_MARGIN = 8.0  # a bar's reach beyond its outermost input, and its room from a neighbour


def stretched_bar(
    bar: str,
    reach: list[float],
    order: list[list[str]],
    rects: dict[str, Rect],
    x: dict[str, float],
    items: dict[str, Item],
    width: float,
    entering: dict[int, list[float]],
    even: bool,
) -> Rect:
    """A bar (a concatenation, a block's input) stretched to `reach` those x (the inputs
    above it, the branches below it), as far as its rank's neighbours, the lines passing
    through the rank (lanes, and those `entering` a side of a box there) and the piece's
    `width` leave room; `even`: about its middle (where its own output leaves)."""
    rect = rects[bar]
    lo = max(min(rect.x, min(reach) - _BAR_MARGIN), 0.0)
    hi = min(max(rect.right, max(reach) + _BAR_MARGIN), width + PORT)
    rank = items[bar].rank
    lines = [(at, at) for at in entering.get(rank, ())]
    for v in order[rank]:
        if v != bar:
            line = items[v].kind == "dummy"
            lines.append((x[v], x[v]) if line else (rects[v].x, rects[v].right))
    for left, right in lines:
        if right <= rect.x:
            lo = max(lo, right + _BAR_MARGIN)
        elif left >= rect.right:
            hi = min(hi, left - _BAR_MARGIN)
    lo, hi = min(lo, rect.x), max(hi, rect.right)
    if even:
        half = min(rect.cx - lo, hi - rect.cx)
        lo, hi = rect.cx - half, rect.cx + half
    return Rect(lo, rect.y, hi - lo, rect.h)


def out_ports(
    plans: list[RoutePlan],
    order: list[list[str]],
    rects: dict[str, Rect],
    x: dict[str, float],
    items: dict[str, Item],
    ports: dict[str, list[str]],
    width: float,
    entering: dict[int, list[float]],
    level: set[str],
) -> None:
    """Outputs that leave from ports on their source's bottom edge, right above where they
    run down (their lane, or their target's site), so they need not turn there: every
    output of a bar (a block's input feeding its branches), stretched over them; and a
    fork's shortcut whose lane runs just beside the box (stretched a little, both ways).
    The sources in `level` have an output that turns level into its target's side."""
    by_source: dict[str, list[tuple[float, RoutePlan]]] = defaultdict(list)
    for plan in plans:
        source, target = plan.chain[0], plan.chain[-1]
        if items[source].shape not in ("bar", "box") or plan.side and plan.lane_x is None:
            continue
        if plan.lane_x is not None:
            at = plan.lane_x
        elif plan.port:
            at = rects[plan.port].cx
        else:
            at = site_point(items[target].shape, rects[target], plan.site)[0]
        by_source[source].append((at, plan))
    for source, ways in by_source.items():
        if all(abs(at - rects[source].cx) < 0.5 for at, _ in ways):
            continue  # straight down from its middle
        if items[source].shape == "box":
            if len(ways) > 1 and items[source].kind == "node":
                _shortcut_ports(source, ways, order, rects, x, items, ports, entering)
            continue
        if source in level:
            continue  # it leaves from the middle too: no ports beside it
        reach = [at for at, _ in ways]
        rect = stretched_bar(source, reach, order, rects, x, items, width, entering, even=False)
        ways.sort(key=lambda way: way[0])
        spots = [at for at, _ in ways]
        inside = all(rect.x + PORT <= at <= rect.right - PORT for at in spots)
        if not inside or any(b - a < PORT + 1 for a, b in zip(spots, spots[1:])):
            continue
        rects[source] = rect
        _leave_from_ports(source, ways, rects, ports)


def _shortcut_ports(
    source: str,
    ways: list[tuple[float, RoutePlan]],
    order: list[list[str]],
    rects: dict[str, Rect],
    x: dict[str, float],
    items: dict[str, Item],
    ports: dict[str, list[str]],
    entering: dict[int, list[float]],
) -> None:
    """The box widened evenly (its middle stays on its column) so that the lanes just
    beside it start under it, each from a port (the other outputs leave from its middle);
    the piece grows with it where it reaches past the piece's edge (`draw_piece`)."""
    rect = rects[source]
    others = [v for v in order[items[source].rank] if v != source]
    if any(items[v].kind != "dummy" for v in others):
        return  # only a box alone in its rank (a column's, with lanes beside it)
    # lanes clear of the middle, where the other outputs leave
    lanes = [(at, p) for at, p in ways if p.lane_x is not None and abs(at - rect.cx) > 2 * PORT]
    if not lanes:
        return
    half = max(abs(at - rect.cx) for at, _ in lanes) + PORT
    if half - rect.w / 2 > _STRETCH:
        return
    lo, hi = rect.cx - half, rect.cx + half
    # other lanes, and lines running down beside it to enter a box's side, pass clear
    lines = [x[v] for v in others] + entering.get(items[source].rank, [])
    if any(lo - 3.0 < at < hi + 3.0 for at in lines):
        return
    lanes.sort(key=lambda way: way[0])
    if any(b[0] - a[0] < PORT + 1 for a, b in zip(lanes, lanes[1:])):
        return
    if half > rect.w / 2:
        rects[source] = Rect(lo, rect.y, hi - lo, rect.h)
    _leave_from_ports(source, lanes, rects, ports)


def _leave_from_ports(
    source: str,
    ways: list[tuple[float, RoutePlan]],
    rects: dict[str, Rect],
    ports: dict[str, list[str]],
) -> None:
    """A port under the source's bottom edge at each way's x (in order), its plan leaving
    from there."""
    bottom = rects[source].bottom
    for k, (at, plan) in enumerate(ways):
        port = f"port {k} out of {source}"
        rects[port] = Rect(at - PORT / 2, bottom, PORT, PORT)
        plan.out_port = port
        ports.setdefault(source, []).append(port)


def add_ports(
    target: str,
    incoming: list[RoutePlan],
    rects: dict[str, Rect],
    aligned: bool = False,
    above: Sequence[float] = (),
) -> list[str]:
    """Small dots along the target's top edge, one per input (left to right by approach):
    spread evenly, or `aligned` under each input where the edge reaches it. Evenly spread
    dots keep clear of the x in `above` where other lines come down from the rank above (a
    dot right under one would take that line's place, and its own line's turn would run
    along it)."""
    rect = rects[target]
    incoming.sort(key=lambda p: p.approach_x)
    pitch = rect.w / len(incoming)
    size = min(PORT, pitch - 1)
    spots = _spread(rect, [p.approach_x for p in incoming], pitch, size, above)
    if aligned:
        lo, hi = rect.x + size, rect.right - size
        wanted = [min(max(p.approach_x, lo), hi) for p in incoming]
        if all(b - a >= size + 1 for a, b in zip(wanted, wanted[1:])):
            spots = wanted
    ports = []
    for k, plan in enumerate(incoming):
        port = f"port {k} of {target}"
        cx = spots[k]
        rects[port] = Rect(cx - size / 2, rect.y - size, size, size)
        plan.port, plan.site, plan.side = port, N, False
        ports.append(port)
    return ports


def _spread(
    rect: Rect, approach: list[float], pitch: float, size: float, above: Sequence[float]
) -> list[float]:
    """Evenly spaced dots along `rect`'s top edge for inputs coming down at `approach` (in
    order): centred on the edge, or shifted along it (by up to 3/8 of a pitch) as far as needed
    to stay `PORT` + 1 clear of the lines coming down at `above` other than the dot's own."""
    wanted = PORT + 1.0
    best: tuple[float, list[float]] = (-1.0, [])
    for shift in (0.0, 0.25, -0.25, 0.125, -0.125, 0.375, -0.375):
        spots = [rect.x + (k + 0.5 + shift) * pitch for k in range(len(approach))]
        if spots[0] - size / 2 < rect.x or spots[-1] + size / 2 > rect.right:
            continue
        clear = min(
            (
                abs(spot - at)
                for spot, own in zip(spots, approach)
                for at in above
                if abs(at - own) > 0.5
            ),
            default=wanted,
        )
        if clear >= wanted:
            return spots
        if clear > best[0]:
            best = (clear, spots)
    return best[1]
