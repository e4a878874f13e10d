"""Lecture builds: a diagram revealed click by click, in the order the data flows.

`diagram_steps` decides what each click shows (pure: ids of the scene's boxes); every box
appears with the connectors arriving at it, and what no step names (title, legend, caption,
navigation) is there from the start. `timing_xml` writes PowerPoint's animation tree for
those steps (python-pptx has no animation API): one main sequence, one click group per step,
an entrance effect per shape, and the build list of the shapes with text.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .errors import InputError
from .ir import Graph

#: --build modes: no builds; one click per rank of layers; one click per block (a unit the
#: layer names tell, or a box of a folded overview).
BUILD_MODES = ("none", "layers", "blocks")
FADE_MS = 400  # a short fade: long enough to see, short enough not to slow a lecture


def parse_build(mode: str | None) -> str:
    """'Layers' -> 'layers'; None -> 'none'; anything else is refused with the choices."""
    chosen = (mode or "none").strip().lower()
    if chosen not in BUILD_MODES:
        raise InputError(f"unknown build {mode!r}; choose from {', '.join(BUILD_MODES)}")
    return chosen


def levels(graph: Graph, mode: str) -> dict[str, int]:
    """The click (0, 1, ...) at which each node appears: its rank along the flow, or with
    "blocks" the rank of its unit (the layers of one named unit appear together)."""
    from .layout import rank_nodes

    edges = [(e.source, e.target) for e in graph.edges]
    ids = [n.id for n in graph.nodes]
    if mode != "blocks" or any(n.category == "block" for n in graph.nodes):
        return rank_nodes(ids, edges)
    group = _unit_groups(graph)
    group_edges = list(
        dict.fromkeys((group[s], group[t]) for s, t in edges if group[s] != group[t])
    )
    group_ranks = rank_nodes(list(dict.fromkeys(group[i] for i in ids)), group_edges)
    return {node: group_ranks[group[node]] for node in ids}


def _unit_groups(graph: Graph) -> dict[str, str]:
    """Node id -> its unit: the named blocks `passes.blocks` finds; a layer in no named
    block of several layers is a unit of its own."""
    from .passes import blocks

    group = {n.id: n.id for n in graph.nodes}
    for block in blocks(graph):
        if block.key is not None and block.run is None and len(block.nodes) > 1:
            for node in block.nodes:
                group[node.id] = f"unit {block.nodes[0].id}"
    return group


@dataclass(frozen=True)
class _Link:
    """What the steps need of a connector: the boxes it joins and the edge it draws."""

    source: str
    target: str
    edge: tuple[str, str]


def diagram_steps(
    graph: Graph,
    box_ids: Sequence[str],
    links: Sequence[_Link],
    mode: str,
    grouped: dict[str, str] | None = None,
) -> tuple[tuple[str, ...], ...]:
    """The box ids each click reveals, in order. Layer boxes appear at their level; a
    stand-in (junction, port, marker) with the layer its edge arrives at, or right after
    the layer its edge leaves when that one ends on another slide; a stand-in `grouped`
    with a layer (its ports, in one group on the slide) with that layer."""
    if mode == "none":
        return ()
    level = levels(graph, mode)
    on_page = [b for b in box_ids if b in graph.by_id]
    key: dict[str, float] = {b: level[b] for b in on_page}
    present = set(on_page)
    for link in links:
        source, target = link.edge
        when = (
            level[target] if target in present else level[source] + 1 if source in present else None
        )
        if when is None:
            continue
        for end in (link.source, link.target):
            if end not in present:
                key[end] = min(key.get(end, math.inf), when)
    for member, owner in (grouped or {}).items():
        if owner in key and member in key:
            key[member] = key[owner]
    order = sorted(set(key.values()))
    return tuple(tuple(b for b in box_ids if key.get(b) == value) for value in order)


def scene_steps(graph: Graph, boxes: Sequence, connectors: Sequence, mode: str) -> tuple:
    """`diagram_steps` of a scene's boxes and connectors (scene.Box, scene.Connector)."""
    links = [_Link(c.source, c.target, c.edge) for c in connectors if c.edge[0]]
    grouped = {
        b.id: b.group.removeprefix("with ")
        for b in boxes
        if b.group.startswith("with ") and b.id not in graph.by_id
    }
    return diagram_steps(graph, [b.id for b in boxes], links, mode, grouped)


# --------------------------------------------------------------------------- XML


@dataclass(frozen=True)
class Target:
    """A shape an effect reveals: its id on the slide, and whether it is a text shape
    (`p:sp`; those go in the build list)."""

    shape_id: int
    text: bool


def timing_xml(clicks: Sequence[Sequence[Target]], effect: str = "fade") -> str:
    """`p:timing` revealing each click's shapes together on one click (the first effect
    of a click starts on the click, the others with it)."""
    counter = iter(range(3, 1_000_000_000))
    groups = []
    for shapes in clicks:
        if not shapes:
            continue
        click, together = next(counter), next(counter)
        effects = "".join(
            _effect_xml(target, counter, "clickEffect" if k == 0 else "withEffect", effect)
            for k, target in enumerate(shapes)
        )
        groups.append(
            f'<p:par><p:cTn id="{click}" fill="hold"><p:stCondLst>'
            '<p:cond delay="indefinite"/></p:stCondLst><p:childTnLst>'
            f'<p:par><p:cTn id="{together}" fill="hold"><p:stCondLst><p:cond delay="0"/>'
            f"</p:stCondLst><p:childTnLst>{effects}</p:childTnLst></p:cTn></p:par>"
            "</p:childTnLst></p:cTn></p:par>"
        )
    texts = dict.fromkeys(t.shape_id for shapes in clicks for t in shapes if t.text)
    builds = "".join(f'<p:bldP spid="{i}" grpId="0" animBg="1"/>' for i in texts)
    return (
        '<p:timing xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
        '<p:tnLst><p:par><p:cTn id="1" dur="indefinite" restart="never" nodeType="tmRoot">'
        '<p:childTnLst><p:seq concurrent="1" nextAc="seek">'
        f'<p:cTn id="2" dur="indefinite" nodeType="mainSeq"><p:childTnLst>{"".join(groups)}'
        "</p:childTnLst></p:cTn>"
        '<p:prevCondLst><p:cond evt="onPrev" delay="0"><p:tgtEl><p:sldTgt/></p:tgtEl>'
        "</p:cond></p:prevCondLst>"
        '<p:nextCondLst><p:cond evt="onNext" delay="0"><p:tgtEl><p:sldTgt/></p:tgtEl>'
        "</p:cond></p:nextCondLst></p:seq></p:childTnLst></p:cTn></p:par></p:tnLst>"
        + (f"<p:bldLst>{builds}</p:bldLst>" if builds else "")
        + "</p:timing>"
    )


def _effect_xml(target: Target, counter: Iterator[int], node_type: str, effect: str) -> str:
    """One entrance effect: the shape made visible, faded in unless `effect` is "appear"."""
    spid = target.shape_id
    group = ' grpId="0"' if target.text else ""
    preset = 10 if effect == "fade" else 1
    outer, show = next(counter), next(counter)
    fade = ""
    if effect == "fade":
        fade = (
            f'<p:animEffect transition="in" filter="fade"><p:cBhvr><p:cTn id="{next(counter)}" '
            f'dur="{FADE_MS}"/><p:tgtEl><p:spTgt spid="{spid}"/></p:tgtEl></p:cBhvr>'
            "</p:animEffect>"
        )
    return (
        f'<p:par><p:cTn id="{outer}" presetID="{preset}" presetClass="entr" presetSubtype="0" '
        f'fill="hold"{group} nodeType="{node_type}"><p:stCondLst><p:cond delay="0"/>'
        "</p:stCondLst><p:childTnLst><p:set><p:cBhvr>"
        f'<p:cTn id="{show}" dur="1" fill="hold"><p:stCondLst><p:cond delay="0"/></p:stCondLst>'
        f'</p:cTn><p:tgtEl><p:spTgt spid="{spid}"/></p:tgtEl><p:attrNameLst>'
        "<p:attrName>style.visibility</p:attrName></p:attrNameLst></p:cBhvr>"
        f'<p:to><p:strVal val="visible"/></p:to></p:set>{fade}</p:childTnLst></p:cTn></p:par>'
    )
