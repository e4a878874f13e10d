"""Does each saved view tell the truth about the graph's edges?

Reads the shapes' names on every slide of a view ("layer X", "cube X", "shape X", "op X",
"unit X 3" for a layer; "edge A -> B" for a connector, A and B shape names or layer ids;
"marker out A > B" for one of a pair of continuation markers) and compares them with the graph:

- missing: an edge whose two layers are both on one slide of the view with no connector
  joining them there, or on different slides with no shape on the source's slides naming the
  target (a continuation marker);
- invented: a connector between two layers with no path between them in the graph;
- bypass: a connector A -> B where the graph goes A -> ... -> B only through layers the view
  leaves out, and the slide does not name those layers (a folded Dropout named in its
  column's alt text is said; a silent shortcut is not).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from pptx_nnviz.ir import Graph

#: A view's slides by a word of their title.
VIEWS = {
    "architecture": "architecture",
    "detailed graph": "graph",
    "layered view": "layered",
    "neurons": "neurons",
}
_PREFIXES = ("layer ", "op ", "cube ", "shape ", "box ", "unit ", "")


@dataclass
class ViewReport:
    slides: int = 0
    missing: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    bypass: list[str] = field(default_factory=list)

    @property
    def problems(self) -> dict[str, list[str]]:
        found = {"missing": self.missing, "invented": self.invented, "bypass": self.bypass}
        return {k: v for k, v in found.items() if v}


@dataclass
class _Slide:
    shown: set[str] = field(default_factory=set)
    drawn: set[tuple[str, str]] = field(default_factory=set)
    text: str = ""  # every shape's name, text and alt text


def node_of(name: str, known: set[str]) -> str | None:
    """The layer a shape stands for, from its name; None for markers, dots, labels."""
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            if rest in known:
                return rest
            if prefix == "unit " and " " in rest and rest.rsplit(" ", 1)[0] in known:
                return rest.rsplit(" ", 1)[0]  # "unit dense_1 3": a unit of dense_1
    return None


def edge_of(name: str, known: set[str]) -> tuple[str, str] | None:
    """The two layers a connector joins, from its name "edge A -> B"; None when an end is a
    marker or a junction dot (the rest of the edge is drawn elsewhere)."""
    if not name.startswith("edge ") or " -> " not in name:
        return None
    a, b = name[5:].split(" -> ", 1)
    a, b = node_of(a.strip(), known), node_of(b.strip(), known)
    return (a, b) if a is not None and b is not None else None


def _shapes(shapes):
    for shape in shapes:
        yield shape
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shapes(shape.shapes)


def _read(slide, known: set[str]) -> _Slide:
    seen = _Slide()
    parts = []
    for shape in _shapes(slide.shapes):
        edge = edge_of(shape.name, known)
        if edge is not None:
            seen.drawn.add(edge)
            continue
        if shape.name.startswith("edge "):
            continue  # into a marker or a dot: the slide names the target elsewhere
        node = node_of(shape.name, known)
        if node is not None:
            seen.shown.add(node)
        descr = shape._element.xpath("./*[1]/p:cNvPr/@descr")
        parts += [shape.name, shape.text_frame.text if shape.has_text_frame else "", *descr]
    seen.text = "\n".join(parts)
    return seen


def _named(text: str, node_id: str, name: str) -> bool:
    return any(re.search(rf"(?<![\w.:/]){re.escape(n)}(?![\w:/])", text) for n in {node_id, name})


def check_views(path, graph: Graph) -> dict[str, ViewReport]:
    """Each view of the deck at `path` compared with `graph` (a graph not folded into blocks,
    as `load_graph` gives it)."""
    known = {n.id for n in graph.nodes}
    names = {n.id: n.name for n in graph.nodes}
    edges = {(e.source, e.target) for e in graph.edges}
    successors: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        successors[a].add(b)
    per_view: dict[str, list[_Slide]] = defaultdict(list)
    for slide in Presentation(str(path)).slides:
        title = slide.shapes.title.text_frame.text.lower() if slide.shapes.title else ""
        view = next((v for k, v in VIEWS.items() if k in title), None)
        if view is not None:
            per_view[view].append(_read(slide, known))
    reports = {}
    for view, slides in per_view.items():
        report = ViewReport(slides=len(slides))
        where: dict[str, set[int]] = defaultdict(set)
        for i, seen in enumerate(slides):
            for n in seen.shown:
                where[n].add(i)
        for a, b in sorted(edges):
            if a not in where or b not in where:
                continue
            together = where[a] & where[b]
            if together:
                if not any((a, b) in slides[i].drawn for i in together):
                    report.missing.append(f"{a} -> {b}")
            elif not any(_named(slides[i].text, b, names[b]) for i in where[a]):
                report.missing.append(f"{a} -> {b} (across slides)")
        for seen in slides:
            for a, b in sorted(seen.drawn):
                if (a, b) in edges:
                    continue
                hidden = _hidden_path(a, b, successors, set(where))
                if hidden is None:
                    report.invented.append(f"{a} -> {b}")
                elif not all(_named(seen.text, n, names[n]) for n in hidden):
                    report.bypass.append(f"{a} -> {b} past {', '.join(sorted(hidden))}")
        reports[view] = report
    return reports


def _hidden_path(
    a: str, b: str, successors: dict[str, set[str]], shown: set[str]
) -> set[str] | None:
    """The layers left out of the view on the ways from a to b that pass only through such
    layers; None if there is no such way (an arrow the model does not have)."""
    reach: dict[str, bool] = {}

    def leads(x: str) -> bool:  # does x (not shown) lead to b through layers not shown?
        if x not in reach:
            reach[x] = False
            reach[x] = any(y == b or (y not in shown and leads(y)) for y in successors[x])
        return reach[x]

    starts = [y for y in successors[a] if y not in shown and leads(y)]
    if not starts:
        return None
    on_way, stack = set(), list(starts)
    while stack:
        x = stack.pop()
        if x in on_way:
            continue
        on_way.add(x)
        stack += [y for y in successors[x] if y not in shown and y != b and leads(y)]
    return on_way


def assert_views_keep_edges(
    path, graph: Graph, views: tuple[str, ...] = (), fused: tuple[str, ...] = ()
) -> None:
    """Every view without missing, invented or unexplained edges; each of `views` has
    slides. The views in `fused` may draw a layer with the normalization and activation
    after it in one box (the architecture's `fuse.py`: the box says "+ BN" by class, not by
    name), so their bypasses are not counted."""
    reports = check_views(path, graph)
    for view in views:
        assert view in reports, f"no {view} slides in {path}"
    for view, report in reports.items():
        problems = report.problems
        if view in fused:
            problems.pop("bypass", None)
        assert problems == {}, f"{view}: {problems}"
