"""The diff view: the architecture of the new version with its added, changed and removed
layers marked, and a table of parameter changes per layer (or per block of a folded model).

Removed layers are drawn where they were: the new graph gets them back as ghosts, joined to
their old neighbours by dashed connectors, and is laid out as a whole.
"""

from __future__ import annotations

from dataclasses import replace

from ..diff import ADDED, CHANGED, REMOVED, SAME, GraphDiff, diff_rows, signed
from ..ir import Edge, Graph, Node, topological_order
from ..passes import collapse, should_collapse
from ..scene import MUTED, Box, Connector, Frame, Paragraph, SlideScene
from ..text import format_count
from ..theme import ColorRef, Theme
from .architecture import Marking, architecture_slides
from .legend import LegendMark
from .summary import table_slides

GHOST = "removed:"  # id prefix of a removed layer drawn back in
#: The three marks: added (thick solid outline), changed (thick dashed outline), removed
#: (a ghost: no fill, dotted outline, muted text). Told apart without colour too.
MARKS = {
    ADDED: LegendMark("added", None, ColorRef("accent3", -0.25), 3.0),
    CHANGED: LegendMark("changed", None, ColorRef("accent6", -0.1), 3.0, dashed=True),
    REMOVED: LegendMark("removed", ColorRef("bg1"), ColorRef("tx1", 0.5), 1.0, dashed=True),
}
GHOST_LINE = ColorRef("tx1", 0.6)


def union_graph(diff: GraphDiff) -> Graph:
    """The new graph with the removed layers back in as ghosts (id "removed:<old id>",
    named as before), joined to their old neighbours; an old edge that would close a cycle
    with the new wiring is left out."""
    back_names = {n.name for n in diff.new.nodes}
    ghosts: dict[str, Node] = {}
    for change in diff.of(REMOVED):
        old = change.old
        assert old is not None
        name = old.name if old.name not in back_names else f"{old.name} (old)"
        ghosts[old.id] = replace(old, id=GHOST + old.id, name=name, inner=None)
    if not ghosts:
        return replace(diff.new, name=_union_name(diff))

    def here(old_id: str) -> str | None:
        return GHOST + old_id if old_id in ghosts else diff.match.get(old_id)

    edges = list(diff.new.edges)
    seen = {(e.source, e.target) for e in edges}
    successors: dict[str, set[str]] = {}
    for e in edges:
        successors.setdefault(e.source, set()).add(e.target)
    for edge in diff.old.edges:
        if edge.source not in ghosts and edge.target not in ghosts:
            continue
        source, target = here(edge.source), here(edge.target)
        if source is None or target is None or (source, target) in seen:
            continue
        if _reaches(successors, target, source):
            continue
        edges.append(Edge(source, target, edge.shape))
        seen.add((source, target))
        successors.setdefault(source, set()).add(target)
    order = [c.new.id if c.new else GHOST + c.old.id for c in diff.changes]  # type: ignore[union-attr]
    nodes = {**diff.new.by_id, **{g.id: g for g in ghosts.values()}}
    ordered = topological_order(order, [(e.source, e.target) for e in edges])
    return Graph(
        name=_union_name(diff),
        nodes=tuple(nodes[i] for i in ordered),
        edges=tuple(edges),
        inputs=diff.new.inputs,
        outputs=diff.new.outputs,
    )


def _union_name(diff: GraphDiff) -> str:
    old, new = diff.old.name, diff.new.name
    return f"{new} vs {old}" if old != new else f"{new} (changes)"


def _reaches(successors: dict[str, set[str]], start: str, goal: str) -> bool:
    stack, seen = [start], {start}
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in successors.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


class Statuses:
    """The status of any box a diff's diagrams draw: a layer, a ghost, a block or a fused
    layer (from its members), a block's context input (never marked)."""

    def __init__(self, diff: GraphDiff, union: Graph) -> None:
        self.by_name: dict[str, str] = {}
        for node in union.nodes:
            if node.id.startswith(GHOST):
                self.by_name[node.name] = REMOVED
            else:
                change = diff.by_new_id.get(node.id)
                self.by_name[node.name] = change.status if change else SAME
        self.details = {c.new.id: c.details for c in diff.changes if c.new is not None}

    def of(self, node: Node) -> str:
        if node.id.startswith("from:"):
            return SAME
        statuses = {self.by_name.get(name, SAME) for name in (node.members or (node.name,))}
        if len(statuses) == 1:
            return statuses.pop()
        return CHANGED if statuses - {SAME} else SAME


def diff_marking(statuses: Statuses) -> Marking:
    """Boxes restyled by status; connectors to or from a ghost dashed and pale."""

    def box(node: Node, drawn: Box) -> Box:
        status = statuses.of(node)
        if status == SAME:
            return drawn
        mark = MARKS[status]
        detail = "; ".join(statuses.details.get(node.id, ()))
        alt = f"{mark.name.capitalize()}" + (f" ({detail})" if detail else "") + ": "
        restyled = replace(
            drawn,
            line=mark.line,
            line_width=mark.width,
            dashed=mark.dashed,
            alt_text=alt + drawn.alt_text,
        )
        if status == REMOVED:
            paragraphs = tuple(
                Paragraph(tuple(replace(r, color=MUTED, strike=True) for r in p.runs), p.align)
                for p in drawn.paragraphs
            )
            restyled = replace(restyled, fill=mark.fill, paragraphs=paragraphs, link=None)
        return restyled

    def connector(drawn: Connector) -> Connector:
        if any(end.startswith(GHOST) for end in drawn.edge):
            return replace(drawn, dashed=True, color=GHOST_LINE)
        return drawn

    return Marking(box, connector, tuple(MARKS.values()))


def diff_slides(
    diff: GraphDiff,
    frame: Frame,
    theme: Theme,
    direction: str | None = None,
    collapse_mode: str = "auto",
    depth: int = 2,
    show_ops: bool = False,
) -> list[SlideScene]:
    """The marked architecture (overview and drill-downs; the plumbing folded unless
    `show_ops`) and the table of changes."""
    from . import ViewOptions, drawn_graph, with_not_drawn

    union = union_graph(diff)
    statuses = Statuses(diff, union)
    drawn = drawn_graph(union, ViewOptions(show_ops=show_ops))
    slides = architecture_slides(
        drawn, frame, theme, direction, collapse_mode, depth, marking=diff_marking(statuses)
    )
    slides = with_not_drawn(slides, union, drawn)
    notes = _notes(diff)
    slides = [replace(s, notes=notes + "\n" + s.notes) for s in slides]
    folded = collapse(union) if should_collapse(union, collapse_mode) else None
    return slides + delta_slides(diff, frame, folded, statuses)


def _notes(diff: GraphDiff) -> str:
    return (
        f"Changes from {diff.old.name} to {diff.new.name}: {diff.counts()}. Added layers have "
        "a thick solid outline, changed ones a thick dashed outline; removed layers are drawn "
        "pale with a dotted outline where they were."
    )


def delta_slides(
    diff: GraphDiff, frame: Frame, folded: Graph | None, statuses: Statuses
) -> list[SlideScene]:
    """A table of what changed, per layer, or per block of a folded model."""
    header = ("", "Layer (type)" if folded is None else "Block", "Change", "Params", "Δ params")
    rows = diff_rows(diff) if folded is None else _block_rows(diff, folded, statuses)
    if not rows:
        rows = [("", "(no layer changed)", "", "", "")]
    old, new = diff.old.total_params, diff.new.total_params
    rows.append(
        (
            "",
            "Total",
            diff.counts(),
            f"{format_count(old)} → {format_count(new)}",
            signed(new - old),
        )
    )
    return table_slides(
        diff.new,
        frame,
        f"{_union_name(diff)}: parameter changes",
        header,
        rows,
        ("ctr", "l", "l", "r", "r"),
        _notes(diff),
        with_totals=False,
        bold_rows=frozenset({len(rows) - 1}),
    )


def _block_rows(diff: GraphDiff, folded: Graph, statuses: Statuses) -> list[tuple[str, ...]]:
    """Per block (or single layer) of the folded model with any change: its layers added,
    removed and changed, and its parameters before and after."""
    by_name = {}
    for change in diff.changes:
        node = change.new or change.old
        assert node is not None
        name = node.name if change.new else _ghost_name(change.old, statuses)  # type: ignore[arg-type]
        by_name[name] = change
    marks = {ADDED: "+", REMOVED: "−", CHANGED: "~"}
    rows = []
    for node in folded.nodes:
        changes = [by_name[m] for m in (node.members or (node.name,)) if m in by_name]
        counted = {s: sum(1 for c in changes if c.status == s) for s in (ADDED, REMOVED, CHANGED)}
        if not any(counted.values()):
            continue
        before = sum(c.old.params for c in changes if c.old is not None)
        after = sum(c.new.params for c in changes if c.new is not None)
        what = ", ".join(f"{n} {s}" for s, n in counted.items() if n)
        rows.append(
            (
                marks[statuses.of(node)] if statuses.of(node) != SAME else "",
                node.name + (f" ×{node.repeat}" if node.repeat > 1 else ""),
                f"{what} (of {len(changes)} layers)",
                f"{format_count(before)} → {format_count(after)}",
                signed(after - before),
            )
        )
    return rows


def _ghost_name(node: Node, statuses: Statuses) -> str:
    """The name a removed layer has in the union graph (suffixed where a new layer took it)."""
    suffixed = f"{node.name} (old)"
    return suffixed if statuses.by_name.get(suffixed) == REMOVED else node.name
