"""The spine of a drawing: the path drawn as one straight column, the rest beside it.

The spine carries the data that matters. At a merge whose inputs are broadcast into its output
(an element-wise ⊗ or ⊕ whose output is, dim by dim, the largest of its inputs), an input with
a dim fixed at 1 where the output's is larger (squeeze-and-excite's 1×1×C scale of an H×W×C
map, a gate or attention mask) is a side input: the spine never runs through it, so the
branch feeding it (a global pool, its 1×1 convolutions) becomes a loop beside the spine that
joins the merge from the side. The spine is then the longest path (most ranks) through the
other links. Merges of inputs as large as their output keep the longest path: a ResNet
bottleneck's conv path (256 -> 64 -> 64 -> 256 channels) stays the spine beside its 256-channel
shortcut; a concatenation (its output larger than the broadcast of its inputs: Inception,
U-Net, DenseNet) has no side input.

Shapes come from the graph's edges and nodes, batch dim included; a dim unknown on either side
(None) counts as equal, except that a dim fixed at 1 against an output's unknown one is
broadcast (a pooled 1×1×C scaling a map of any size).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .model import Item, Link

if TYPE_CHECKING:
    from ..ir import Graph

Shape = tuple[int | None, ...]
Edge = tuple[str, str]


@dataclass(frozen=True)
class Tensors:
    """The shapes of the tensors the graph's edges carry and its nodes produce (a missing or
    empty shape is unknown)."""

    edges: Mapping[Edge, Shape] = field(default_factory=dict)
    outputs: Mapping[str, Shape] = field(default_factory=dict)

    @staticmethod
    def of(graph: Graph) -> Tensors:
        """The shapes of a model graph's edges and of its single-output nodes."""
        return Tensors(
            {(e.source, e.target): e.shape for e in graph.edges},
            {n.id: n.output_shapes[0] for n in graph.nodes if len(n.output_shapes) == 1},
        )


def side_inputs(edges: Iterable[Edge], tensors: Tensors | None) -> frozenset[Edge]:
    """The edges that are broadcast into their merge (see the module's docstring), never all
    of a merge's inputs."""
    if tensors is None:
        return frozenset()
    inputs: dict[str, list[Edge]] = defaultdict(list)
    out_shape: dict[str, Shape] = dict(tensors.outputs)
    for s, t in dict.fromkeys(edges):
        inputs[t].append((s, t))
        if not out_shape.get(s) and tensors.edges.get((s, t)):
            out_shape[s] = tensors.edges[(s, t)]  # a node's output is what its edges carry
    side: set[Edge] = set()
    for merge, into in inputs.items():
        output = out_shape.get(merge)
        shapes = [tensors.edges.get(e) for e in into]
        if len(into) < 2 or not output or not all(shapes) or not _broadcasts(shapes, output):
            continue
        small = [e for e, shape in zip(into, shapes) if _is_scale(shape, output)]
        if len(small) < len(into):
            side.update(small)
    return frozenset(side)


def _aligned(shape: Shape, rank: int) -> Shape | None:
    """The shape padded with leading 1s to `rank` dims, as broadcasting aligns it."""
    if len(shape) > rank:
        return None
    return (1,) * (rank - len(shape)) + tuple(shape)


def _broadcasts(shapes: list[Shape], output: Shape) -> bool:
    """Whether the output is, dim by dim, the broadcast of the inputs: every known input dim
    other than 1 equals the output's (None matches anything)."""
    aligned = [_aligned(shape, len(output)) for shape in shapes]
    if any(shape is None for shape in aligned):
        return False
    for k, dim in enumerate(output):
        dims = [shape[k] for shape in aligned]  # type: ignore[index]
        if dim is None or None in dims:
            continue
        if any(d not in (1, dim) for d in dims) or dim not in dims:
            return False
    return True


def _is_scale(shape: Shape, output: Shape) -> bool:
    """A dim fixed at 1 where the output's is larger or unknown: the input is broadcast."""
    aligned = _aligned(shape, len(output))
    return aligned is not None and any(a == 1 and b != 1 for a, b in zip(aligned, output))


def main_path(items: dict[str, Item], links: list[Link]) -> frozenset[Edge]:
    """The graph edges of the spine: the longest path (most ranks) through the piece's links
    that are not side inputs, earliest on ties."""
    links = [link for link in links if not link.side]
    successors: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        successors[link.source].append(link)
    best: dict[str, tuple[int, Link | None]] = {}
    for v in sorted(items, key=lambda v: -items[v].rank):
        length, step = 0, None
        for link in successors[v]:
            span = best[link.target][0] + items[link.target].rank - items[v].rank
            if span > length:
                length, step = span, link
        best[v] = (length, step)
    if not best:
        return frozenset()
    start = min(items, key=lambda v: (-best[v][0], items[v].rank))
    steps = []
    step = best[start][1]
    while step is not None:
        steps.append(step)
        step = best[step.target][1]
    # Where another input reaches a merge as deep as the main path (a siamese pair's two
    # towers), the path before it is not the main one: the merge centres on its towers.
    depth: dict[str, list[int]] = defaultdict(list)
    outputs: dict[str, int] = defaultdict(int)
    for link in links:
        depth[link.target].append(items[link.source].rank)
        outputs[link.source] += 1
    for k in range(len(steps) - 1, -1, -1):
        if depth[steps[k].target].count(items[steps[k].source].rank) > 1:
            steps = steps[k + 1 :]
            break
    # A fork or merge of three or more branches (an Inception module) centres on them too.
    return frozenset(
        step.edge for step in steps if len(depth[step.target]) < 3 and outputs[step.source] < 3
    )
