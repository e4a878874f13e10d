"""The spine (issue 17): the straight column of a block follows the data that matters.

In a squeeze-and-excite block the feature map runs straight into the ⊗ and the SE branch (a
global pool down to 1×1×C and back) is a loop beside it joining from the side; a ResNet
bottleneck keeps its conv path straight with the shortcut beside it. Shapes alone decide.
"""

from __future__ import annotations

import models
import pytest

from pptx_nnviz.deck import default_frame
from pptx_nnviz.geometry import Rect
from pptx_nnviz.ir import Edge, Graph
from pptx_nnviz.layout import Tensors
from pptx_nnviz.layout.spine import side_inputs
from pptx_nnviz.scene import SlideScene
from pptx_nnviz.theme import get_theme
from pptx_nnviz.views.architecture import architecture_slides

# --------------------------------------------------------------------------- shapes alone


def _side(inputs: dict[str, tuple], output: tuple) -> set[str]:
    """The inputs of a merge `m` that are side inputs, given their shapes and its output's."""
    edges = [(source, "m") for source in inputs]
    tensors = Tensors({(s, "m"): shape for s, shape in inputs.items()}, {"m": output})
    return {s for s, _ in side_inputs(edges, tensors)}


def test_a_broadcast_scale_is_a_side_input():
    se = {"map": (None, 56, 56, 96), "scale": (None, 1, 1, 96)}
    assert _side(se, (None, 56, 56, 96)) == {"scale"}
    assert _side({"map": (None, 56, 56, 96), "scale": (None, 96)}, (None, 56, 56, 96)) == {"scale"}
    # spatial dims unknown (MobileNetV3 built without an input size): 1 against None broadcasts
    se = {"map": (None, None, None, 96), "scale": (None, 1, 1, 96)}
    assert _side(se, (None, None, None, 96)) == {"scale"}
    mask = {"map": (None, 28, 28, 64), "mask": (None, 28, 28, 1)}  # a spatial attention mask
    assert _side(mask, (None, 28, 28, 64)) == {"mask"}


def test_full_size_inputs_and_concatenations_have_no_side_input():
    bottleneck = {"conv": (None, 56, 56, 256), "shortcut": (None, 56, 56, 256)}
    assert _side(bottleneck, (None, 56, 56, 256)) == set()
    concat = {"wide": (None, 28, 28, 64), "one": (None, 28, 28, 1)}
    assert _side(concat, (None, 28, 28, 65)) == set(), "a concatenation broadcasts nothing"
    outer = {"rows": (None, 8, 1), "columns": (None, 1, 8)}
    assert _side(outer, (None, 8, 8)) == set(), "never every input of a merge"
    assert _side({"a": (None, 4), "b": ()}, (None, 4)) == set(), "an unknown shape decides nothing"


# --------------------------------------------------------------------------- real models


@pytest.fixture(scope="module")
def scenes() -> dict[str, list[SlideScene]]:
    theme = get_theme("light")
    return {
        name: architecture_slides(models.application_graph(name), default_frame(theme), theme)
        for name in ("EfficientNetB0", "MobileNetV3Small", "ResNet50")
    }


def _broadcast(edge: Edge, output: tuple) -> bool:
    """A 1 in the edge's shape where the merge's output is larger (or unknown)."""
    shape = (1,) * (len(output) - len(edge.shape)) + tuple(edge.shape)
    return len(edge.shape) > 0 and any(a == 1 and b != 1 for a, b in zip(shape, output))


def _se_merges(graph: Graph) -> list[tuple[str, Edge, Edge]]:
    """(⊗, its feature-map input, its scale input) of every merge scaling a map by a
    broadcast tensor."""
    found = []
    for node in graph.nodes:
        into = graph.edges_into(node.id)
        if len(into) != 2 or node.output_shape is None:
            continue
        full = [e for e in into if e.shape == node.output_shape]
        scale = [e for e in into if _broadcast(e, node.output_shape)]
        if len(full) == 1 and len(scale) == 1:
            found.append((node.id, full[0], scale[0]))
    return found


def _across(scene: SlideScene) -> int:
    """The coordinate (0: x, 1: y) the slide's flow keeps: x top to bottom, y left to right
    (most one-segment connectors run along the flow)."""
    straight = [c.points for c in scene.connectors if len(c.points) == 2]
    vertical = sum(abs(p[0] - q[0]) < 0.01 for p, q in straight)
    return 0 if 2 * vertical > len(straight) else 1


def _straight_in(scene: SlideScene, edge: Edge, axis: int) -> None:
    """The edge is one straight connector along the flow (keeping coordinate `axis`)."""
    parts = [c for c in scene.connectors if c.edge == (edge.source, edge.target)]
    assert len(parts) == 1 and len(parts[0].points) == 2, f"{edge} is not straight"
    p, q = parts[0].points
    assert abs(p[axis] - q[axis]) < 0.01, f"{edge} runs across the flow"


def _centre(rect: Rect, axis: int) -> float:
    return rect.cx if axis == 0 else rect.cy


def _stretched(scene: SlideScene, node: str) -> bool:
    """Drawn as a bar whose outputs leave at ports (its centre is not where they leave)."""
    return any(b.id.endswith(f" out of {node}") for b in scene.boxes)


def _check_spine(scene: SlideScene, merge: str, spine: Edge, side: Edge, branch: list[str]):
    """`spine` runs straight into the merge, in one column with its source and the merge's
    next box (unless that wraps to the next column or row); `side` arrives across the flow;
    the `branch` feeding it stands beside the column."""
    graph = scene.diagram.graph
    rects = {b.id: b.rect for b in scene.boxes}
    axis = _across(scene)
    _straight_in(scene, spine, axis)
    line = _centre(rects[merge], axis)
    column = [merge] + ([] if _stretched(scene, spine.source) else [spine.source])
    for after in graph.successors(merge)[:1]:
        flow = 1 - axis
        if _centre(rects[after], flow) > _centre(rects[merge], flow):  # not a wrap
            column.append(after)
    for node in column:
        assert abs(_centre(rects[node], axis) - line) < 0.5, f"{scene.title}: {node} off the spine"
    parts = [c for c in scene.connectors if c.edge == (side.source, side.target)]
    (a, b) = parts[-1].points[-2:]
    assert abs(a[axis] - b[axis]) > 1, f"{scene.title}: {side} does not join from the side"
    for node in branch:
        assert abs(_centre(rects[node], axis) - line) > 1, f"{scene.title}: {node} on the spine"


def _branch(graph: Graph, side: Edge, fork: str) -> list[str]:
    """The nodes of the side branch, from the side input back to the fork it leaves."""
    nodes, node = [], side.source
    while node != fork and len(graph.predecessors(node)) == 1:
        nodes.append(node)
        node = graph.predecessors(node)[0]
    return nodes


@pytest.mark.parametrize(("model", "blocks"), [("EfficientNetB0", 12), ("MobileNetV3Small", 7)])
def test_squeeze_and_excite_joins_a_straight_feature_map_from_the_side(scenes, model, blocks):
    seen = 0
    for scene in scenes[model][1:]:  # the drill-downs
        graph = scene.diagram.graph
        for merge, spine, side in _se_merges(graph):
            branch = _branch(graph, side, spine.source)
            assert len(branch) >= 2, f"{scene.title}: the SE branch is a loop off the fork"
            _check_spine(scene, merge, spine, side, branch)
            seen += 1
    assert seen >= blocks, f"{model}: {seen} squeeze-and-excite blocks"


def test_efficientnet_block_spine_is_one_column(scenes):
    """block2b: every box but the SE branch and the block's input (a bar over the column
    and the shortcut), down to the residual ⊕, in one straight column."""
    scene = next(s for s in scenes["EfficientNetB0"] if s.title.endswith(": block2b"))
    graph = scene.diagram.graph
    rects = {b.id: b.rect for b in scene.boxes}
    merge, spine, side = _se_merges(graph)[0]
    column = {*_branch(graph, spine, ""), merge}  # up from the ⊗ to the block's input
    node = merge
    while graph.successors(node):
        node = graph.successors(node)[0]
        column.add(node)
    assert graph.node(node).class_name == "Add"
    assert len(column) == len(graph.nodes) - len(_branch(graph, side, spine.source)) - 1
    assert len({round(rects[v].cx, 1) for v in column}) == 1, "the spine is one column"


def test_resnet_bottleneck_keeps_its_conv_path_straight(scenes):
    """The conv path (256 -> 64 -> 64 -> 256 channels) is the spine; the shortcut, though it
    carries the most data all the way, joins the ⊕ from the side."""
    checked = 0
    for scene in scenes["ResNet50"][1:]:
        graph = scene.diagram.graph
        for node in graph.nodes:
            into = graph.edges_into(node.id)
            if node.class_name != "Add" or len(into) != 2:
                continue
            depth = _depths(graph)
            conv, shortcut = sorted(into, key=lambda e: -depth[e.source])
            convs = _branch(graph, conv, "")
            assert any(graph.node(v).output_shape[-1] < node.output_shape[-1] for v in convs)
            _check_spine(scene, node.id, conv, shortcut, [])
            rects = {b.id: b.rect for b in scene.boxes}
            assert len({round(rects[v].cx, 1) for v in [node.id, *convs]}) == 1
            checked += 1
    assert checked >= 8  # conv1 and pool1 aside, every stage's first and repeated block


def _depths(graph: Graph) -> dict[str, int]:
    """Longest distance from the graph's sources (nodes are in topological order)."""
    depth: dict[str, int] = {}
    for node in graph.nodes:
        depth[node.id] = max((depth[p] + 1 for p in graph.predecessors(node.id)), default=0)
    return depth
