"""Steps 6-7, arrange: units into blocks, blocks into columns, columns onto pages.

A unit that fits a column is one block. A unit too long for a column is folded into a U
when its skip edges join mirrored halves (they then run straight across), or else cut into
pieces at its narrowest places; edges between pieces on one page run through the gaps
between columns via small junction dots (a connector has at most five segments), and only
edges to another page end at labelled markers, both named after the same edge.
Blocks joined by one link stack in a column (that link straight down); a new column starts
where a column is full, the link running from the end of one column to the start of the
next; pages take as many columns as fit across.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property

from ..geometry import Point, Rect
from ..text import line_height, shorten_middle, text_width
from .fold import draw_fold
from .model import (
    JUNCTION,
    MIRRORED,
    SITE_INDEX,
    TRANSPOSED,
    Drawing,
    E,
    Item,
    Link,
    N,
    Page,
    Path,
    PlacedBox,
    Route,
    S,
    Spacing,
    Style,
    W,
)
from .piece import lay_out_piece
from .plan import BlockPlan
from .route import interval_tracks, simplify
from .units import Unit

MARKER_MAX_WIDTH = 170.0


@dataclass
class Problem:
    """The graph as the arrangement needs it, for one style and direction."""

    node_ids: list[str]
    edges: list[tuple[str, str]]
    ranks: dict[str, int]
    sizes: dict[str, tuple[float, float]]  # normalised (across, along)
    shapes: dict[str, str]
    labels: dict[str, str]
    style: Style
    direction: str
    spacing: Spacing
    capacity: tuple[float, float]  # normalised (across, along) room for a column's boxes
    page: tuple[float, float]  # normalised (across, along) room for everything on a page
    units: list[Unit] = field(default_factory=list)  # where the flow narrows (units.py)
    side: frozenset[tuple[str, str]] = frozenset()  # side inputs, never on the spine (spine.py)

    @cached_property
    def _successors(self) -> dict[str, list[str]]:
        successors: dict[str, list[str]] = defaultdict(list)
        for s, t in self.edges:
            successors[s].append(t)
        return successors

    def edges_within(self, nodes: list[str]) -> list[tuple[str, str]]:
        """The edges between `nodes` (in the graph's edge order per source)."""
        inside = set(nodes)
        return [(s, t) for s in nodes for t in self._successors.get(s, ()) if t in inside]


@dataclass
class Block:
    """What a column holds: a unit drawn whole ("unit"), a piece of a unit too long for a
    column ("piece"), or a unit folded into a U ("fold", two columns wide)."""

    kind: str
    drawing: Drawing
    entry: str | None  # where the single link from the previous block arrives
    exit: str | None  # where the single link to the next block leaves
    narrow_before: bool  # joined to the previous block by that single link
    link_in: tuple[str, str] | None = None
    items: dict[str, Item] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    first: frozenset[str] = frozenset()
    last: frozenset[str] = frozenset()

    @property
    def stacks(self) -> bool:
        return self.kind == "unit"


@dataclass
class Portal:
    """A long edge between pieces: it leaves through `exit` and arrives through `entry`."""

    exit: str
    entry: str
    edge: tuple[str, str]
    source_block: int
    target_block: int


def node_items(problem: Problem, nodes: list[str], first_rank: int) -> dict[str, Item]:
    return {
        v: Item(v, problem.ranks[v] - first_rank, *problem.sizes[v], "node", problem.shapes[v])
        for v in nodes
    }


def inner_links(problem: Problem, nodes: list[str]) -> list[Link]:
    return [Link(s, t, (s, t), side=(s, t) in problem.side) for s, t in problem.edges_within(nodes)]


# --------------------------------------------------------------------------- blocks


def blocks_of(problem: Problem, plans: list[BlockPlan]) -> tuple[list[Block], list[Portal]]:
    """Each plan drawn: a unit whole, a U, or pieces joined by portals."""
    blocks: list[Block] = []
    portals: list[Portal] = []
    for plan in plans:
        unit = plan.unit
        narrow = unit.link_in is not None
        if plan.kind == "unit":
            blocks.append(_unit_block(problem, unit, narrow))
        elif plan.kind == "fold":
            drawing = draw_fold(problem, plan)
            blocks.append(Block("fold", drawing, unit.entry, unit.exit, narrow, unit.link_in))
        else:
            pieces, piece_portals = _pieces(problem, unit, plan.cuts, narrow, len(blocks))
            blocks += pieces
            portals += piece_portals
    return blocks, portals


def _unit_block(problem: Problem, unit: Unit, narrow: bool) -> Block:
    items = node_items(problem, unit.nodes, unit.first)
    links = inner_links(problem, unit.nodes)
    first = frozenset([unit.entry]) if unit.entry else frozenset()
    last = frozenset([unit.exit]) if unit.exit else frozenset()
    drawing = lay_out_piece(items, links, problem.spacing, first, last, problem.capacity[0])
    return Block(
        "unit", drawing, unit.entry, unit.exit, narrow, unit.link_in, items, links, first, last
    )


def _pieces(
    problem: Problem, unit: Unit, cuts: tuple[int, ...], narrow: bool, offset: int
) -> tuple[list[Block], list[Portal]]:
    """A unit cut before the ranks `cuts`; edges between pieces get a junction dot at the
    bottom of their source's piece and at the top of their target's."""
    ranks = problem.ranks
    bounds = list(zip([unit.first, *cuts], [c - 1 for c in cuts] + [unit.last]))
    piece_of = {v: k for k, (a, b) in enumerate(bounds) for v in unit.nodes if a <= ranks[v] <= b}
    members: list[list[str]] = [[] for _ in bounds]
    for v in unit.nodes:
        members[piece_of[v]].append(v)
    exits: list[dict[str, Item]] = [{} for _ in bounds]
    entries: list[dict[str, Item]] = [{} for _ in bounds]
    extra_links: list[list[Link]] = [[] for _ in bounds]
    portals: list[Portal] = []
    for s, t in problem.edges_within(unit.nodes):
        if piece_of[s] == piece_of[t]:
            continue
        i, j = piece_of[s], piece_of[t]
        out_id, in_id = f"portal out {s} > {j}", f"portal in {s} > {j}"
        side = (s, t) in problem.side
        if out_id not in exits[i]:
            exits[i][out_id] = _junction(out_id, bounds[i][1] - bounds[i][0] + 1, (s,))
            entries[j][in_id] = _junction(in_id, 0, (s,))
            extra_links[i].append(Link(s, out_id, (s, t), arrow=False, side=side))
            portals.append(Portal(out_id, in_id, (s, t), offset + i, offset + j))
        extra_links[j].append(Link(in_id, t, (s, t), side=side))
    blocks = []
    for k, (a, _) in enumerate(bounds):
        shift = 1 if entries[k] else 0
        items = node_items(problem, members[k], a - shift)
        items.update(entries[k])
        bottom = bounds[k][1] - a + 1 + shift
        items.update({key: replace(item, rank=bottom) for key, item in exits[k].items()})
        links = inner_links(problem, members[k]) + extra_links[k]
        entry = unit.entry if k == 0 else None
        exit_ = unit.exit if k == len(bounds) - 1 else None
        first = frozenset([entry]) if entry else frozenset()
        last = frozenset([exit_]) if exit_ else frozenset()
        drawing = lay_out_piece(items, links, problem.spacing, first, last, problem.capacity[0])
        blocks.append(
            Block(
                "piece",
                drawing,
                entry,
                exit_,
                narrow and k == 0,
                unit.link_in if k == 0 else None,
                items,
                links,
                first,
                last,
            )
        )
    return blocks, portals


def _junction(item_id: str, rank: int, refs: tuple[str, ...]) -> Item:
    return Item(item_id, rank, JUNCTION, JUNCTION, "junction", "circle", refs=refs)


# --------------------------------------------------------------------------- columns


def columns_of(problem: Problem, blocks: list[Block]) -> list[list[int]]:
    """Blocks grouped into columns: fewest columns, then most even lengths (a dynamic
    programme over the block sequence)."""
    gap = problem.spacing.rank_gap
    capacity = problem.capacity[1]
    n = len(blocks)
    inf = (float("inf"), float("inf"))
    best: list[tuple[float, float]] = [inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = (0.0, 0.0)
    for j in range(1, n + 1):
        height = 0.0
        for i in range(j - 1, -1, -1):
            height += blocks[i].drawing.height + (gap if i < j - 1 else 0.0)
            if i < j - 1 and (
                height > capacity
                or not blocks[i].stacks
                or not blocks[i + 1].stacks
                or not blocks[i + 1].narrow_before
            ):
                break
            if best[i] != inf:
                candidate = (best[i][0] + 1, best[i][1] + (capacity - height) ** 2)
                if candidate < best[j]:
                    best[j], back[j] = candidate, i
    columns = []
    j = n
    while j > 0:
        columns.append(list(range(back[j], j)))
        j = back[j]
    return columns[::-1]


# --------------------------------------------------------------------------- pages


@dataclass
class _Placed:
    """A block's drawing moved to its place on the page (normalised frame)."""

    block: int
    column: int
    dx: float
    dy: float


def arrange(problem: Problem, blocks: list[Block], portals: list[Portal]) -> list[Page]:
    """Columns onto pages, with markers where an edge leaves the page; then each page's
    boxes and routes in the slide's frame."""
    columns = columns_of(problem, blocks)
    breaks: set[int] = set()  # columns that must start a page
    while True:
        page_of_column = _paginate(problem, blocks, columns, breaks)
        for _ in range(3):  # portals to another page become markers, which changes sizes
            if not _portals_to_markers(problem, blocks, portals, columns, page_of_column):
                break
            page_of_column = _paginate(problem, blocks, columns, breaks)
        # the portals as the final pages have them (a page too wide then moves a column on)
        _portals_to_markers(problem, blocks, portals, columns, page_of_column)
        pages, crowded = [], set()
        for page in sorted(set(page_of_column)):
            members = [c for c, p in enumerate(page_of_column) if p == page]
            pages.append(_assemble(problem, blocks, portals, columns, members, page_of_column))
            width, height = (pages[-1].width, pages[-1].height)
            if problem.direction == "LR":
                width, height = height, width
            if len(members) > 1 and height > problem.page[1]:
                crowded.update(members[1:])  # the bands between its columns need more room
            elif len(members) > 1 and width > problem.page[0]:
                crowded.add(members[-1])  # its last column moves on
        if not crowded:
            return pages
        breaks |= crowded


def _column_width(problem: Problem, blocks: list[Block], column: list[int]) -> float:
    left, right = _stack_offsets(blocks, column)
    return right - left


def _stack_offsets(blocks: list[Block], column: list[int]) -> tuple[float, float]:
    """Horizontal extent of a column whose blocks are aligned on their links."""
    offsets = _offsets(blocks, column)
    left = min(offsets[b] for b in column)
    right = max(offsets[b] + blocks[b].drawing.width for b in column)
    return left, right


def _offsets(blocks: list[Block], column: list[int]) -> dict[int, float]:
    offsets = {column[0]: 0.0}
    for previous, b in zip(column, column[1:]):
        exit_rect = blocks[previous].drawing.rects[blocks[previous].exit]
        entry_rect = blocks[b].drawing.rects[blocks[b].entry]
        offsets[b] = offsets[previous] + exit_rect.cx - entry_rect.cx
    return offsets


def _marker_width(problem: Problem) -> float:
    return min(MARKER_MAX_WIDTH, problem.capacity[0] / 3)


def _paginate(
    problem: Problem, blocks: list[Block], columns: list[list[int]], breaks: set[int]
) -> list[int]:
    """Columns side by side while they fit across the page; a column in `breaks` starts a
    new one (markers for links continuing on another page stand above or below a column)."""
    gap = problem.spacing.column_gap
    pages, page, used = [], 0, 0.0
    for k, column in enumerate(columns):
        width = _column_width(problem, blocks, column)
        after = used + (gap if used else 0.0) + width
        if used and (after > problem.capacity[0] or k in breaks):
            page += 1
            after = width
        used = after
        pages.append(page)
    return pages


def _portals_to_markers(
    problem: Problem,
    blocks: list[Block],
    portals: list[Portal],
    columns: list[list[int]],
    page_of_column: list[int],
) -> bool:
    """Portals whose ends are on different pages are labelled markers (both named after the
    same edge), those on one page junction dots; the pieces whose portals changed are laid
    out again."""
    page_of_block = {b: page_of_column[c] for c, column in enumerate(columns) for b in column}
    changed: set[int] = set()
    for portal in portals:
        apart = page_of_block[portal.source_block] != page_of_block[portal.target_block]
        label = _edge_label(problem, portal.edge)
        for block, item_id in (
            (portal.source_block, portal.exit),
            (portal.target_block, portal.entry),
        ):
            item = blocks[block].items[item_id]
            if (item.kind == "marker") == apart:
                continue
            new = (
                _marker(problem, item, label) if apart else _junction(item_id, item.rank, item.refs)
            )
            blocks[block].items[item_id] = new
            changed.add(block)
    for b in changed:
        block = blocks[b]
        block.drawing = lay_out_piece(
            block.items, block.links, problem.spacing, block.first, block.last, problem.capacity[0]
        )
    return bool(changed)


def _edge_label(problem: Problem, edge: tuple[str, str]) -> str:
    """'source → target', each name shortened in the middle to fit a marker (both markers
    of a cut carry the same label)."""
    size = problem.style.font
    half = (_marker_width(problem) - 12 - text_width(" → ", size)) / 2
    s, t = (shorten_middle(problem.labels.get(v, v), half, size) for v in edge)
    return f"{s} → {t}"


def _marker(problem: Problem, item: Item, label: str) -> Item:
    size = problem.style.font
    w, h = text_width(label, size) + 12, line_height(size) + 8
    across, along = (w, h) if problem.direction == "TB" else (h, w)
    return replace(item, width=across, height=along, kind="marker", shape="box", label=label)


@dataclass
class _Sheet:
    """A page being assembled in the normalised frame: what stands on it so far."""

    items: dict[str, Item] = field(default_factory=dict)
    rects: dict[str, Rect] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)
    columns: dict[int, tuple[float, float, float]] = field(default_factory=dict)  # l, r, bottom
    placed: dict[int, _Placed] = field(default_factory=dict)
    wraps: dict[int, Path] = field(default_factory=dict)  # column -> its wrap to the next
    bands: list[Portal] = field(default_factory=list)


def _assemble(
    problem: Problem,
    blocks: list[Block],
    portals: list[Portal],
    columns: list[list[int]],
    members: list[int],
    page_of_column: list[int],
) -> Page:
    """One page: its columns side by side, the links between its blocks (straight down a
    column, or wrapping to the next), long edges between its pieces along the bands around
    the columns, markers where a link continues on another page; then the slide's frame."""
    sheet = _Sheet()
    _place_columns(problem, blocks, columns, members, sheet)
    _link_blocks(problem, blocks, sheet)
    sheet.bands = [
        p for p in portals if p.source_block in sheet.placed and p.target_block in sheet.placed
    ]
    gap_x = _gap_positions(problem.spacing, sheet)
    top = _band_routes(problem.spacing, sheet, gap_x)
    _wrap_routes(problem.spacing, sheet, gap_x)
    first, last = min(sheet.placed), max(sheet.placed)
    span = (0.0, max(right for _, right, _ in sheet.columns.values()))  # the page across
    if first > 0 and blocks[first].link_in is not None:
        _page_marker(problem, blocks[first].link_in, "in", sheet, top, span)
    if last + 1 < len(blocks) and blocks[last + 1].link_in is not None:
        column = sheet.placed[last].column
        bottom = sheet.columns[column][2] + problem.spacing.lane_gap * (
            sum(sheet.placed[p.source_block].column == column for p in sheet.bands)
        )
        beside = blocks[last].kind == "fold"  # a U's last box stands at its top
        _page_marker(problem, blocks[last + 1].link_in, "out", sheet, bottom, span, beside)
    return _finish(problem, sheet.items, sheet.rects, sheet.paths)


def _place_columns(
    problem: Problem,
    blocks: list[Block],
    columns: list[list[int]],
    members: list[int],
    sheet: _Sheet,
) -> None:
    """The page's columns side by side, each a stack of blocks aligned on their links."""
    spacing = problem.spacing
    x = 0.0
    for c in members:
        column = columns[c]
        offsets = _offsets(blocks, column)
        left = min(offsets[b] for b in column)
        y = 0.0
        for b in column:
            sheet.placed[b] = _Placed(b, c, x + offsets[b] - left, y)
            y += blocks[b].drawing.height + spacing.rank_gap
        right = x + max(offsets[b] + blocks[b].drawing.width for b in column) - left
        sheet.columns[c] = (x, right, y - spacing.rank_gap)
        x = right + spacing.column_gap
    for b, where in sheet.placed.items():
        drawing = blocks[b].drawing
        sheet.items.update(drawing.items)
        for key, rect in drawing.rects.items():
            sheet.rects[key] = rect.moved(where.dx, where.dy)
        sheet.paths += [_moved_path(p, where.dx, where.dy) for p in drawing.paths]


def _wrap_site(problem: Problem, block: Block, source: str, sheet: _Sheet) -> str:
    """Where a wrap leaves its column's last box: sideways (E) from a U's last box (at its
    top) and, top to bottom, from any box whose E site takes no input (two turns); else
    from below (S), down past the column's end and back (three turns). Left to right a
    wrap always leaves below the normalised box, which is its right side on the slide."""
    if block.kind == "fold":
        return E
    used = any(p.target == source and p.target_site == E for p in sheet.paths)
    return E if problem.direction == "TB" and not used else S


def _link_blocks(problem: Problem, blocks: list[Block], sheet: _Sheet) -> None:
    """The single link into each block: straight down within a column, else a wrap from the
    previous column's last box (its points come once the gaps have their tracks)."""
    rects = sheet.rects
    for b in sorted(sheet.placed):
        block = blocks[b]
        if not block.narrow_before or block.link_in is None or b - 1 not in sheet.placed:
            continue
        s, t = block.link_in
        if sheet.placed[b - 1].column == sheet.placed[b].column:
            points = [(rects[s].cx, rects[s].bottom), (rects[t].cx, rects[t].y)]
            sheet.paths.append(Path(s, t, S, N, points, (s, t)))
        else:
            wrap = Path(s, t, _wrap_site(problem, blocks[b - 1], s, sheet), W, [], (s, t))
            sheet.wraps[sheet.placed[b - 1].column] = wrap
            sheet.paths.append(wrap)


def _gap_positions(spacing: Spacing, sheet: _Sheet) -> dict[tuple[int, int], float]:
    """A distinct x in the gap right of each column for every vertical line running there:
    long edges leaving the column (those from further right nearer the column), then its
    wrap."""
    users: dict[int, list[object]] = defaultdict(list)
    for portal in sorted(sheet.bands, key=lambda p: -sheet.rects[p.exit].cx):
        users[sheet.placed[portal.source_block].column].append(portal)
    for column, wrap in sheet.wraps.items():
        users[column].append(wrap)
    positions = {}
    for column, members in users.items():
        left = sheet.columns[column][1]
        step = spacing.column_gap / (len(members) + 1)
        for k, user in enumerate(members):
            positions[(column, id(user))] = left + step * (k + 1)
    return positions


def _band_routes(spacing: Spacing, sheet: _Sheet, gap_x: dict[tuple[int, int], float]) -> float:
    """Long edges between pieces on the page: down below the source's column, along its
    bottom, up the gap beside it to a junction at the top, then across above the columns
    and down into the entry (at most four segments each: LibreOffice redraws longer
    connectors its own way). Returns the top of the band above the columns."""
    rects, items = sheet.rects, sheet.items
    top_track = _top_tracks(sheet.bands, sheet.placed, gap_x, rects)
    below: dict[int, int] = defaultdict(int)
    top = 0.0
    for portal in sorted(sheet.bands, key=lambda p: -rects[p.exit].cx):
        column = sheet.placed[portal.source_block].column
        below[column] += 1
        y_bottom = sheet.columns[column][2] + spacing.lane_gap * below[column]
        y_top = -spacing.lane_gap * (top_track[id(portal)] + 1)
        top = min(top, y_top - spacing.lane_gap)
        out, into = rects[portal.exit], rects[portal.entry]
        xg = gap_x[(column, id(portal))]
        corner = f"junction {portal.exit} > {portal.entry}"
        h = JUNCTION / 2
        rects[corner] = Rect(xg - h, y_top - h, JUNCTION, JUNCTION)
        items[corner] = Item(corner, -1, JUNCTION, JUNCTION, "junction", "circle")
        up = [(out.cx, out.bottom), (out.cx, y_bottom), (xg, y_bottom), (xg, y_top + h)]
        side = E if into.cx > xg else W
        across = [(xg + (h if side == E else -h), y_top), (into.cx, y_top), (into.cx, into.y)]
        sheet.paths.append(Path(portal.exit, corner, S, S, simplify(up), portal.edge, False))
        sheet.paths.append(
            Path(corner, portal.entry, side, N, simplify(across), portal.edge, False)
        )
    return top


def _wrap_routes(spacing: Spacing, sheet: _Sheet, gap_x: dict[tuple[int, int], float]) -> None:
    """Each wrap from its column's last box along the gap into the next column's first."""
    for column, path in sheet.wraps.items():
        xg = gap_x[(column, id(path))]
        a, b = sheet.rects[path.source], sheet.rects[path.target]
        if path.source_site == E:
            points = [(a.right, a.cy), (xg, a.cy), (xg, b.cy), (b.x, b.cy)]
        else:
            below = sheet.columns[column][2] + spacing.rank_gap / 2
            points = [(a.cx, a.bottom), (a.cx, below), (xg, below), (xg, b.cy), (b.x, b.cy)]
        path.points = simplify(points)


def _top_tracks(
    band_routes: list[Portal],
    placed: dict[int, _Placed],
    gap_x: dict[tuple[int, int], float],
    rects: dict[str, Rect],
) -> dict[int, int]:
    """A track above the columns for each long edge crossing there, shared by edges whose
    runs do not overlap (those between neighbouring columns, say)."""
    spans = {}
    for portal in band_routes:
        xg = gap_x[(placed[portal.source_block].column, id(portal))]
        spans[id(portal)] = tuple(sorted((xg, rects[portal.entry].cx)))
    return interval_tracks(spans, margin=4.0)


def _page_marker(
    problem: Problem,
    link: tuple[str, str],
    direction: str,
    sheet: _Sheet,
    limit: float,
    span: tuple[float, float],
    beside: bool = False,
) -> None:
    """A marker for a link that continues on another page: above the page's first box (and
    above `limit`, the band over the columns), below its last one (under `limit`, its
    column's bottom band), beside it when that box is a U's last; within the page's `span`
    across, its label shortened to fit."""
    s, t = link
    marker_id = f"marker {direction} {s} > {t}"
    item = _marker(problem, Item(marker_id, 0, 0.0, 0.0), _edge_label(problem, link))
    w, h, gap = item.width, item.height, problem.spacing.rank_gap
    rects = sheet.rects
    if direction == "in":
        a = rects[t]
        x = min(max(a.cx - w / 2, span[0]), max(span[1] - w, span[0]))
        rect = Rect(x, min(a.y, limit) - gap - h, w, h)
        points = [(rect.cx, rect.bottom), (rect.cx, rect.bottom + gap / 2)]
        points += [(a.cx, rect.bottom + gap / 2), (a.cx, a.y)]
        path = Path(marker_id, t, S, N, simplify(points), link)
    elif beside:
        a = rects[s]
        rect = Rect(a.right + problem.spacing.node_gap, a.cy - h / 2, w, h)
        path = Path(s, marker_id, E, W, [(a.right, a.cy), (rect.x, a.cy)], link)
    else:
        a = rects[s]
        x = min(max(a.cx - w / 2, span[0]), max(span[1] - w, span[0]))
        rect = Rect(x, max(a.bottom, limit) + gap, w, h)
        points = [(a.cx, a.bottom), (a.cx, rect.y - gap / 2), (rect.cx, rect.y - gap / 2)]
        path = Path(s, marker_id, S, N, simplify([*points, (rect.cx, rect.y)]), link)
    sheet.items[marker_id] = item
    rects[marker_id] = rect
    sheet.paths.append(path)


def _moved_path(path: Path, dx: float, dy: float) -> Path:
    return replace(path, points=[(x + dx, y + dy) for x, y in path.points])


def _finish(
    problem: Problem, items: dict[str, Item], rects: dict[str, Rect], paths: list[Path]
) -> Page:
    """Shift the page to the origin, transpose a left-to-right layout, number the sites."""
    xs = [r.x for r in rects.values()] + [p[0] for path in paths for p in path.points]
    ys = [r.y for r in rects.values()] + [p[1] for path in paths for p in path.points]
    x0, y0 = min(xs), min(ys)
    transpose = problem.direction == "LR"

    def point(p: Point) -> Point:
        x, y = p[0] - x0, p[1] - y0
        return (y, x) if transpose else (x, y)

    def rect_of(r: Rect) -> Rect:
        moved = r.moved(-x0, -y0)
        return moved.transposed() if transpose else moved

    def site(item_id: str, compass: str) -> int:
        shape = "circle" if items[item_id].shape == "circle" else "box"
        name = TRANSPOSED[compass] if transpose else compass
        return SITE_INDEX[shape][name]

    boxes = tuple(
        PlacedBox(
            key,
            rect_of(rect),
            items[key].kind,
            items[key].label,
            items[key].refs,
            "circle" if items[key].shape == "circle" else "box",
        )
        for key, rect in rects.items()
    )
    routes = tuple(
        Route(
            p.source,
            p.target,
            site(p.source, p.source_site),
            site(p.target, p.target_site),
            tuple(point(q) for q in p.points),
            p.edge,
            p.arrow,
        )
        for p in paths
    )
    width = max([b.rect.right for b in boxes] + [q[0] for r in routes for q in r.points])
    height = max([b.rect.bottom for b in boxes] + [q[1] for r in routes for q in r.points])
    return Page(boxes, routes, width, height)


__all__ = ["MIRRORED", "Problem", "arrange", "blocks_of"]
