"""Step 5, routes: orthogonal paths inside a piece, from a box's bottom (S) to the next box.

A link leaves its source downwards, turns only in the gaps between ranks and in its own
lane, and enters its target from above. A target with several inputs gives each its own
site: one from straight above (N); the others from the sides, nearest inputs highest (NW/NE
on a circle, then W/E, then SW/SE); where sites run out, small ports on the target's top
edge take one input each. Turns in one gap get separate tracks so lines never overlap.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..geometry import Point, Rect
from .model import JUNCTION, NE, NW, E, Item, Link, N, Path, S, W, site_point
from .normalize import Layered
from .ports import PORT, add_ports, out_ports, stretched_bar

_TOP_SITES = {"box": (N,), "circle": (N, NW, NE)}
#: Per shape and side (-1 left, 1 right): the sites for the nearest input(s) of that side,
#: each with how it is reached ("side": level, from beside; "top": from above). Diagonal
#: sites are only entered from above (LibreOffice reroutes a line entering them sideways).
_SIDE_CHOICES = {
    ("circle", -1): ((W, "side"), (NW, "top")),
    ("circle", 1): ((E, "side"), (NE, "top")),
    ("box", -1): ((W, "side"),),
    ("box", 1): ((E, "side"),),
}


@dataclass
class RoutePlan:
    """One link's route before its turns get their tracks."""

    link: Link
    chain: list[str]
    lane_x: float | None
    approach_x: float
    site: str = N
    side: bool = False  # enters horizontally (a side site) instead of from above
    port: str | None = None
    out_port: str | None = None  # a port on a bar source's bottom edge, right above its way
    leaves: str = S  # the source's site: S, or E/W to reach a lane beside it level
    first_x: float | None = None  # where a path leaving sideways turns down
    points: list[Point] = field(default_factory=list)


def route_piece(
    layered: Layered,
    order: list[list[str]],
    x: dict[str, float],
    bands: list[tuple[float, float]],
    reserved: dict[str, set[str]],
    width: float = float("inf"),
) -> tuple[list[Path], dict[str, Rect], dict[str, list[str]]]:
    """Paths of every link, the items' rectangles (ports included) and each node's ports.
    `bands` holds each rank's (top, height) along the main axis; links turn in the gaps;
    bars stretched for their ports stay within the piece's `width` (from 0)."""
    items = layered.items
    rects = {
        v: Rect(
            x[v] - items[v].width / 2,
            bands[items[v].rank][0] + (bands[items[v].rank][1] - items[v].height) / 2,
            items[v].width,
            items[v].height,
        )
        for layer in order
        for v in layer
        if items[v].kind != "dummy"
    }
    plans = []
    for link, chain in zip(layered.originals, layered.chains, strict=True):
        lane_x = x[chain[1]] if len(chain) > 2 else None
        approach = lane_x if lane_x is not None else x[chain[0]]
        plans.append(RoutePlan(link, chain, lane_x, approach))
    by_target: dict[str, list[RoutePlan]] = defaultdict(list)
    for plan in plans:
        by_target[plan.chain[-1]].append(plan)
    ports: dict[str, list[str]] = {}
    taken: dict[str, set[str]] = {}
    bars = []
    for target, incoming in by_target.items():
        taken[target] = set(reserved.get(target, ()))
        if items[target].shape == "bar" and len(incoming) > 1:
            bars.append((target, incoming))  # stretched once the side entries are known
        elif (len(incoming) > 1 or taken[target]) and not _assign_sites(
            target, incoming, items, order, rects, x, taken[target]
        ):
            above = _coming_down(items[target].rank, order, rects, x)
            ports[target] = add_ports(target, incoming, rects, above=above)
        elif not taken[target]:
            taken[target] = {incoming[0].site}
    # lines running down through a rank to enter a side of one of its boxes
    entering: dict[int, list[float]] = defaultdict(list)
    for plan in plans:
        if plan.side:
            entering[items[plan.chain[-1]].rank].append(plan.approach_x)
    # a bar whose output turns level into a box's side leaves from its middle: it stretches
    # evenly (its other outputs take ports wherever its middle ends up)
    level = {p.chain[0] for p in plans if p.side and p.lane_x is None}
    for target, incoming in bars:
        reach = [p.approach_x for p in incoming]
        even = target in level
        rects[target] = stretched_bar(target, reach, order, rects, x, items, width, entering, even)
        above = _coming_down(items[target].rank, order, rects, x)
        ports[target] = add_ports(target, incoming, rects, aligned=True, above=above)
    outputs: dict[str, int] = defaultdict(int)
    for plan in plans:
        outputs[plan.chain[0]] += 1
    out_ports(plans, order, rects, x, items, ports, width, entering, level)
    board = _Board(x, items, order, rects, taken, reserved)
    crowded = set()  # merges whose side entry runs along another merge's
    for plan in plans:  # the side entries merges chose
        if plan.side and not _claim_entry(plan, board):
            crowded.add(plan.chain[-1])
    for target in crowded:  # ... take all their inputs from above, at ports
        rank = items[target].rank
        board.runs[rank] = [run for run in board.runs[rank] if run[2] != f"into {target}"]
        for plan in by_target[target]:
            plan.site, plan.side = N, False
        taken[target] = set(reserved.get(target, ()))
        above = _coming_down(rank, order, rects, x)
        ports[target] = add_ports(target, by_target[target], rects, aligned=True, above=above)
    for plan in plans:
        if plan.out_port:
            continue
        _fewer_turns(plan, board)
        if outputs[plan.chain[0]] > 1:
            _fan_out(plan, board)
    jogs = _plan_points(plans, items, rects)
    out_ranks = {items[p.chain[0]].rank for p in plans if p.out_port}
    _allocate_tracks(plans, jogs, bands, out_ranks)
    paths = []
    for plan in plans:
        path = Path(
            plan.out_port or plan.link.source,
            plan.port or plan.link.target,
            plan.leaves,
            plan.site,
            plan.points,
            plan.link.edge,
            plan.link.arrow,
        )
        # a junction sits in the lane's own slot, above the level where side inputs turn
        first_band = bands[items[plan.chain[0]].rank + 1] if plan.lane_x is not None else None
        at = first_band[0] + JUNCTION if first_band else None
        paths += split_long(path, rects, items, at)
    return paths, rects, ports


def _coming_down(
    rank: int, order: list[list[str]], rects: dict[str, Rect], x: dict[str, float]
) -> list[float]:
    """The x where lines come down into the gap above `rank`: out of the middle of each box
    of the rank before, and along each lane passing it."""
    if rank <= 0:
        return []
    return [rects[v].cx if v in rects else x[v] for v in order[rank - 1]]


@dataclass
class _Board:
    """What the choices of side exits and entries look at: positions, items, ranks' order,
    boxes, the sites taken and reserved on each box, and the level runs claimed per rank
    ((low x, high x, owner) at the height of the rank's centre, which every box of a rank
    shares: links leave and enter boxes sideways there)."""

    x: dict[str, float]
    items: dict[str, Item]
    order: list[list[str]]
    rects: dict[str, Rect]
    taken: dict[str, set[str]]
    reserved: dict[str, set[str]]
    runs: dict[int, list[tuple[float, float, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def claim(self, owner: str, rank: int, x_from: float, x_to: float) -> bool:
        """Claim a level run on `rank`, unless another owner's run covers part of it."""
        lo, hi = sorted((x_from, x_to))
        runs = self.runs[rank]
        if any(o != owner and lo < b - 0.5 and a < hi - 0.5 for a, b, o in runs):
            return False
        runs.append((lo, hi, owner))
        return True

    def claim_entry(self, plan: RoutePlan, sx: float) -> bool:
        """Claim the level run of `plan` entering its target sideways at x `sx`."""
        target = plan.chain[-1]
        return self.claim(f"into {target}", self.items[target].rank, plan.approach_x, sx)


def _claim_entry(plan: RoutePlan, board: _Board) -> bool:
    """Claim the level run of a link its merge chose to enter from the side; False when
    another merge's input already runs there."""
    item = board.items[plan.chain[-1]]
    shape = item.shape if item.shape in ("box", "circle") else "box"
    return board.claim_entry(plan, site_point(shape, board.rects[plan.chain[-1]], plan.site)[0])


def _fewer_turns(plan: RoutePlan, board: _Board) -> None:
    """A long link whose lane is neither under its source nor over its target site would
    turn four times: let it enter its target from the side, or leave its source from the
    side, where that is free (else `split_long` cuts it at a junction dot)."""
    source, target = plan.chain[0], plan.chain[-1]
    x, items, rects, taken = board.x, board.items, board.rects, board.taken
    if plan.lane_x is None or plan.side or plan.port or abs(plan.lane_x - x[source]) < 0.01:
        return
    item = items[target]
    shape = item.shape if item.shape in ("box", "circle") else "box"
    rect = rects[target]
    if abs(plan.lane_x - site_point(shape, rect, plan.site)[0]) < 0.01:
        return
    side = -1 if plan.lane_x < rect.x else 1 if plan.lane_x > rect.right else 0
    site = {-1: W, 1: E}.get(side)
    if site is not None and site not in taken[target]:
        sx, sy = site_point(shape, rect, site)
        clear = _side_clear(plan.approach_x, sx, sy, side, target, items, board.order, rects, x)
        if clear and board.claim_entry(plan, sx):
            taken[target].discard(plan.site)
            plan.site, plan.side = site, True
            taken[target].add(site)
            return
    _leave_sideways(plan, plan.lane_x, 0.0, board)


def _fan_out(plan: RoutePlan, board: _Board) -> None:
    """A fork's branch that runs down beside the fork leaves it from the side (W or E) and
    turns once, instead of leaving below it and turning twice."""
    if plan.leaves != S or plan.side and plan.lane_x is None:
        return
    target = plan.chain[-1]
    shape = "circle" if plan.port else board.items[target].shape
    shape = shape if shape in ("box", "circle") else "box"
    first = (
        plan.lane_x
        if plan.lane_x is not None
        else site_point(shape, board.rects[plan.port or target], plan.site)[0]
    )
    if _leave_sideways(plan, first, 1.0, board):
        plan.first_x = first


def _leave_sideways(plan: RoutePlan, x_to: float, margin: float, board: _Board) -> bool:
    """Let `plan` leave its source from the side facing `x_to` (more than `margin` beyond
    the box) and run level to there, where that site is free and the way is clear."""
    source = plan.chain[0]
    src = board.rects[source]
    side = -1 if x_to < src.x - margin else 1 if x_to > src.right + margin else 0
    site = {-1: W, 1: E}.get(side)
    if (
        site is None
        or site in board.taken.get(source, ())
        or site in board.reserved.get(source, ())
    ):
        return False
    rank = board.items[source].rank
    if not _clear_beside(source, x_to, board) or not board.claim(source, rank, src.cx, x_to):
        return False
    plan.leaves = site
    return True


def _clear_beside(source: str, x_to: float, board: _Board) -> bool:
    """Does no other box of the source's rank stand between the source and `x_to`, and no
    other link's lane run down at `x_to` there?"""
    rects = board.rects
    lo, hi = sorted((x_to, rects[source].cx))
    return not any(
        rects[v].right > lo and rects[v].x < hi if v in rects else abs(board.x[v] - x_to) < 1.0
        for v in board.order[board.items[source].rank]
        if v != source
    )


def split_long(
    path: Path, rects: dict[str, Rect], items: dict[str, Item], at: float | None = None
) -> list[Path]:
    """A path of more than four segments (which LibreOffice does not draw as written) in
    two, joined at a small junction dot on its third segment: at `at` along it (a lane's
    own slot, where no other line runs), else halfway."""
    points = path.points
    if len(points) <= 5:
        return [path]
    (x2, y2), (x3, y3) = points[2], points[3]
    vertical = abs(x2 - x3) < 0.01
    if at is None or not min(y2, y3) + JUNCTION / 2 < at < max(y2, y3) - JUNCTION / 2:
        at = (y2 + y3) / 2 if vertical else (x2 + x3) / 2
    cx, cy = (x2, at) if vertical else (at, y2)
    dot = f"junction {path.source} > {path.target} {len(rects)}"
    h = JUNCTION / 2
    rects[dot] = Rect(cx - h, cy - h, JUNCTION, JUNCTION)
    items[dot] = Item(dot, -1, JUNCTION, JUNCTION, "junction", "circle", refs=(path.edge[0],))
    forward = (y3 > y2) if vertical else (x3 > x2)
    into, out = ((N, S) if forward else (S, N)) if vertical else ((W, E) if forward else (E, W))
    sign = 1 if forward else -1
    end = (cx, cy - sign * h) if vertical else (cx - sign * h, cy)
    start = (cx, cy + sign * h) if vertical else (cx + sign * h, cy)
    first = Path(path.source, dot, path.source_site, into, [*points[:3], end], path.edge, False)
    rest = Path(
        dot, path.target, out, path.target_site, [start, *points[3:]], path.edge, path.arrow
    )
    return [first, *split_long(rest, rects, items)]


def _assign_sites(
    target: str,
    incoming: list[RoutePlan],
    items: dict[str, Item],
    order: list[list[str]],
    rects: dict[str, Rect],
    x: dict[str, float],
    taken: set[str],
) -> bool:
    """A distinct site for each input of `target` (none of the `taken` ones); False when
    they run out. The input straight above takes N; on each side a lone input enters level
    (W or E), two enter the nearer from above the corner (NW or NE) and the farther level."""
    item, rect = items[target], rects[target]
    shape = item.shape if item.shape in ("box", "circle") else "box"
    cx = rect.cx
    centre = sorted((p for p in incoming if abs(p.approach_x - cx) <= 0.5), key=_from(cx))
    left = sorted((p for p in incoming if p.approach_x < cx - 0.5), key=_from(cx))
    right = sorted((p for p in incoming if p.approach_x > cx + 0.5), key=_from(cx))
    if centre and N not in taken:
        centre[0].site = N
        taken.add(N)
        centre = centre[1:]
    for side, group in ((-1, left), (1, right)):
        choices = list(_SIDE_CHOICES[(shape, side)])
        if len(group) > 1:
            choices.reverse()
        for plan in group:
            if not _place(plan, choices, target, taken, shape, items, order, rects, x, side):
                return False
    return all(_place(plan, [], target, taken, shape, items, order, rects, x, 0) for plan in centre)


def _from(cx: float):  # noqa: ANN202 - a sort key
    return lambda plan: abs(plan.approach_x - cx)


def _place(
    plan: RoutePlan,
    choices: list[tuple[str, str]],
    target: str,
    taken: set[str],
    shape: str,
    items: dict[str, Item],
    order: list[list[str]],
    rects: dict[str, Rect],
    x: dict[str, float],
    side: int,
) -> bool:
    """Give `plan` the first free site of `choices` it can reach, else a free top site."""
    rect = rects[target]
    for site, mode in choices:
        if site in taken:
            continue
        if mode == "side":
            sx, sy = site_point(shape, rect, site)
            if not _side_clear(plan.approach_x, sx, sy, side, target, items, order, rects, x):
                continue
        plan.site, plan.side = site, mode == "side"
        taken.add(site)
        return True
    for site in _TOP_SITES[shape]:
        if site not in taken:
            plan.site = site
            taken.add(site)
            return True
    return False


def _side_clear(
    ax: float,
    sx: float,
    sy: float,
    side: int,
    target: str,
    items: dict[str, Item],
    order: list[list[str]],
    rects: dict[str, Rect],
    x: dict[str, float],
) -> bool:
    """Can a line come down at `ax` and turn into the site at (sx, sy) without touching
    another box of the target's rank, or running along a lane that passes it?"""
    if side < 0 and ax >= rects[target].x - 1 or side > 0 and ax <= rects[target].right + 1:
        return False
    lo, hi = sorted((ax, sx))
    for v in order[items[target].rank]:
        if items[v].kind == "dummy" and abs(x[v] - ax) < 3:
            return False
        if v == target or v not in rects or items[v].kind == "dummy":
            continue
        r = rects[v]
        if r.x - 1 <= ax <= r.right + 1 and r.y - 1 <= sy:
            return False  # the vertical part would run into it
        if r.right > lo and r.x < hi and r.y - 1 <= sy <= r.bottom + 1:
            return False  # the horizontal part would cross it
    return True


@dataclass
class _Jog:
    """A horizontal turn in the gap below rank `gap`, owned by one source or one target site
    (jogs of one owner share a track)."""

    plan: RoutePlan
    gap: int
    owner: tuple
    x0: float
    x1: float
    point: int  # index of the jog's first point in plan.points


def _plan_points(
    plans: list[RoutePlan],
    items: dict[str, Item],
    rects: dict[str, Rect],
) -> list[_Jog]:
    """Each plan's points, with the jogs' heights left to `_allocate_tracks` (set to nan)."""
    nan = float("nan")
    jogs = []
    for plan in plans:
        source, target = plan.chain[0], plan.chain[-1]
        src = rects[plan.out_port or source]
        end_rect = rects[plan.port or target]
        shape = "circle" if plan.port else items[target].shape
        shape = shape if shape in ("box", "circle") else "box"
        sx, sy = site_point(shape, end_rect, plan.site)
        r_s, r_t = items[source].rank, items[target].rank
        points: list[Point] = [(src.cx, src.bottom)]
        x_now = src.cx
        if plan.leaves != S:  # level out of the source's side to where it turns down
            x_now = plan.lane_x if plan.first_x is None else plan.first_x
            source_shape = items[source].shape if items[source].shape == "circle" else "box"
            points = [site_point(source_shape, src, plan.leaves), (x_now, src.cy)]
        elif plan.lane_x is not None and abs(plan.lane_x - x_now) > 0.01:
            # a link that will turn at both ends (and be cut at a junction) gets its own track
            turns_twice = not plan.side and abs(sx - plan.lane_x) > 0.01
            owner = ("own", id(plan)) if turns_twice else ("src", source)
            jogs.append(_Jog(plan, r_s, owner, x_now, plan.lane_x, len(points)))
            points += [(x_now, nan), (plan.lane_x, nan)]
            x_now = plan.lane_x
        if plan.side:
            points += [(x_now, sy), (sx, sy)]
        else:
            if abs(sx - x_now) > 0.01:
                owner = ("src", source) if plan.lane_x is None else ("dst", target, plan.site)
                jogs.append(_Jog(plan, r_t - 1, owner, x_now, sx, len(points)))
                points += [(x_now, nan), (sx, nan)]
            points.append((sx, sy))
        plan.points = points
    return jogs


def interval_tracks(
    spans: dict, margin: float = 0.5, above: set[tuple] | frozenset = frozenset()
) -> dict:
    """A track number for each key's (low, high) span, spans on one track never overlapping
    (within `margin`): the fewest tracks, leftmost spans first (interval colouring). A pair
    (a, b) in `above` puts a's track before b's (when the pairs form no cycle)."""
    order = sorted(spans, key=lambda key: spans[key])
    waiting = {key: {a for a, b in above if b == key and a != key and a in spans} for key in spans}
    taken: list[list[tuple[float, float]]] = []  # the spans on each track
    tracks: dict = {}
    while order:
        # the leftmost span whose spans-above are placed (or the leftmost, to break a cycle)
        key = next((k for k in order if waiting[k] <= tracks.keys()), order[0])
        order.remove(key)
        lo, hi = spans[key]
        first = max((tracks[a] + 1 for a in waiting[key] if a in tracks), default=0)
        t = first
        while t < len(taken) and any(
            lo <= end + margin and start <= hi + margin for start, end in taken[t]
        ):
            t += 1
        if t == len(taken):
            taken.append([])
        taken[t].append((lo, hi))
        tracks[key] = t
    return tracks


def _stacking(jogs: list[_Jog]) -> set[tuple]:
    """(a, b) owner pairs whose jogs must run a above b: a's line comes down at the x where
    b's line goes on down (a box right above an unrelated one), so that the two vertical
    pieces do not run along each other."""
    return {
        (a.owner, b.owner)
        for a in jogs
        for b in jogs
        if a.owner != b.owner and abs(a.x0 - b.x1) < 0.5
    }


def _allocate_tracks(
    plans: list[RoutePlan], jogs: list[_Jog], bands: list[tuple[float, float]], out_ranks: set[int]
) -> None:
    """Spread the jogs of each gap over tracks so no two owners' lines overlap (clear of
    the ports below the boxes of `out_ranks`)."""
    by_gap: dict[int, list[_Jog]] = defaultdict(list)
    for jog in jogs:
        by_gap[jog.gap].append(jog)
    for index, members in by_gap.items():
        spans: dict[tuple, list[float]] = {}
        for jog in members:
            lo, hi = sorted((jog.x0, jog.x1))
            span = spans.setdefault(jog.owner, [lo, hi])
            span[0], span[1] = min(span[0], lo), max(span[1], hi)
        track_of = interval_tracks(
            {owner: (lo, hi) for owner, (lo, hi) in spans.items()}, above=_stacking(members)
        )
        top = bands[index][0] + bands[index][1] + PORT * (index in out_ranks)
        bottom = bands[index + 1][0] - PORT  # ... and of those on the next rank's boxes
        step = (bottom - top) / (max(track_of.values(), default=0) + 2)
        for jog in members:
            y = top + step * (track_of[jog.owner] + 1)
            points = jog.plan.points
            for k in (jog.point, jog.point + 1):
                points[k] = (points[k][0], y)
    for plan in plans:
        plan.points = simplify(plan.points)


def simplify(points: list[Point]) -> list[Point]:
    """Drop repeated points and the middle of straight runs."""
    result: list[Point] = []
    for p in points:
        if result and abs(p[0] - result[-1][0]) < 0.01 and abs(p[1] - result[-1][1]) < 0.01:
            continue
        if len(result) >= 2:
            a, b = result[-2], result[-1]
            same_x = abs(a[0] - b[0]) < 0.01 and abs(b[0] - p[0]) < 0.01
            same_y = abs(a[1] - b[1]) < 0.01 and abs(b[1] - p[1]) < 0.01
            if same_x or same_y:
                result[-1] = p
                continue
        result.append(p)
    return result
