"""Blocks (issue 11): the block graph is acyclic whatever the names say (hypothesis), and on
real models the blocks are the architecture's own units, checked by name."""

from __future__ import annotations

import re

import models
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pptx_nnviz.ir import Edge, Graph, Node, topological_order
from pptx_nnviz.passes import Block, blocks, collapse
from pptx_nnviz.unit_names import UnitNames, family, is_automatic

# --------------------------------------------------------------------------- random DAGs

_WORDS = ("conv", "bn", "relu", "add", "concat", "pool", "expand", "project", "se")


@st.composite
def named_dags(draw: st.DrawFn, max_nodes: int = 40) -> Graph:
    """A model-like DAG (each layer takes one to three earlier layers, now and then a further
    input) whose layer names follow real schemes (`conv2_block1_1_conv`, `block2a_se`,
    `normal_left1_5`, automatic `dense_12`) but are drawn independently of the wiring, so
    units interleave and cut across the structure as badly as names can."""
    n = draw(st.integers(1, max_nodes))
    nodes, edges, taken = [], [], set()
    for j in range(n):
        scheme = draw(st.integers(0, 4))
        a, b = draw(st.integers(1, 3)), draw(st.integers(0, 3))
        word = draw(st.sampled_from(_WORDS))
        name = [
            f"dense_{j}",
            f"conv{a}_block{b}_{word}",
            f"block{a}{'abc'[b % 3]}_{word}",
            f"{word}_left{b}_{a}",
            f"stage_{a}_block_{b}_{word}_{j % 2}",
        ][scheme]
        while name in taken:
            name += "_x"
        taken.add(name)
        parents = [] if j == 0 or draw(st.integers(0, 9)) == 0 else None
        if parents is None:
            parents = sorted(draw(st.sets(st.integers(0, j - 1), min_size=1, max_size=3)))
        kind = "Concatenate" if word == "concat" else "Dense" if scheme == 0 else "Conv2D"
        kind = "InputLayer" if not parents else kind  # concatenations make dense stages
        category = "input" if not parents else "dense"
        nodes.append(Node(f"n{j}", name, kind, category, output_shapes=((None, 4),)))
        edges += [Edge(f"n{i}", f"n{j}", (None, 4)) for i in parents]
    targets = {e.source for e in edges}
    return Graph(
        "random",
        tuple(nodes),
        tuple(edges),
        inputs=tuple(x.id for x in nodes if x.category == "input"),
        outputs=tuple(x.id for x in nodes if x.id not in targets),
    )


@st.composite
def dense_stages(draw: st.DrawFn) -> Graph:
    """DenseNet-like stages (units that concatenate their input with what they computed),
    with extra forward edges and now and then a unit named after another stage."""
    nodes = [Node("in", "input", "InputLayer", "input")]
    edges: list[Edge] = []
    previous = "in"
    for stage in range(1, draw(st.integers(1, 3)) + 1):
        for unit in range(1, draw(st.integers(1, 4)) + 1):
            owner = stage if draw(st.integers(0, 5)) else draw(st.integers(1, 3))
            prefix = f"conv{owner}_block{unit}"
            last = previous
            for j in range(draw(st.integers(1, 3))):
                node = Node(
                    f"{prefix}_{j}_conv~{len(nodes)}", f"{prefix}_{j}_conv", "Conv2D", "conv"
                )
                nodes.append(node)
                edges.append(Edge(last, node.id))
                last = node.id
            concat = Node(
                f"{prefix}_concat~{len(nodes)}", f"{prefix}_concat", "Concatenate", "merge"
            )
            nodes.append(concat)
            edges += [Edge(previous, concat.id), Edge(last, concat.id)]
            previous = concat.id
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(nodes) - 2))
        j = draw(st.integers(i + 1, len(nodes) - 1))
        if (nodes[i].id, nodes[j].id) not in {(e.source, e.target) for e in edges}:
            edges.append(Edge(nodes[i].id, nodes[j].id))
    return Graph("dense", tuple(nodes), tuple(edges), ("in",), (previous,))


def _quotient_is_acyclic(graph: Graph, groups: list[set[str]]) -> bool:
    owner = {node_id: i for i, group in enumerate(groups) for node_id in group}
    links = {(owner[e.source], owner[e.target]) for e in graph.edges}
    try:
        topological_order(range(len(groups)), [(s, t) for s, t in links if s != t])
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(named_dags(), dense_stages()))
def test_blocks_never_make_a_cycle(graph):
    found = blocks(graph)
    ids = [n.id for block in found for n in block.nodes]
    assert sorted(ids) == sorted(n.id for n in graph.nodes)  # a partition
    assert _quotient_is_acyclic(graph, [b.ids() for b in found])
    overview = collapse(graph)  # raises on a cycle
    members = [m for node in overview.nodes for m in (node.members or (node.name,))]
    assert sorted(members) == sorted(n.name for n in graph.nodes)
    for node in overview.nodes:
        if node.inner is not None:  # a drill-down is a graph of its own
            topological_order(
                [n.id for n in node.inner.nodes], [(e.source, e.target) for e in node.inner.edges]
            )


@settings(max_examples=100, deadline=None)
@given(named_dags(max_nodes=12), st.randoms(use_true_random=False))
def test_blocks_do_not_depend_on_the_order_of_parallel_layers(graph, random):
    """Any topological order of the same graph gives blocks that make no cycle."""
    order = list(graph.nodes)
    ready = [n for n in order if not graph.predecessors(n.id)]
    seen: set[str] = set()
    shuffled = []
    while ready:
        node = ready.pop(random.randrange(len(ready)))
        shuffled.append(node)
        seen.add(node.id)
        for target in graph.successors(node.id):
            waiting = [p for p in graph.predecessors(target) if p not in seen]
            if target not in seen and not waiting and graph.node(target) not in ready:
                ready.append(graph.node(target))
    reordered = Graph(graph.name, tuple(shuffled), graph.edges, graph.inputs, graph.outputs)
    assert _quotient_is_acyclic(reordered, [b.ids() for b in blocks(reordered)])
    collapse(reordered)


def test_a_graph_not_in_topological_order_is_sorted_first():
    nodes = tuple(
        Node(i, name, "Dense", "dense")
        for i, name in [("c", "b1_conv"), ("a", "b1_relu"), ("b", "b2_conv")]
    )
    graph = Graph("g", nodes, (Edge("a", "b"), Edge("b", "c")), ("a",), ("c",))
    assert [n.id for b in blocks(graph) for n in b.nodes] == ["a", "b", "c"]


# --------------------------------------------------------------------------- unit names


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["conv2_block1_1_conv", "conv2_block1_add", "conv2_block2_1_conv"], "conv2_block1"),
        (["block35_1_mixed", "block35_1_conv", "block35_2_mixed"], "block35_1"),
        (["block5_sepconv1", "block5_sepconv1_bn", "block5_sepconv2"], "block5"),
        (["mixed9", "mixed9_0", "mixed9_1"], "mixed9"),
        (["expanded_conv_squeeze_excite_conv_1", "expanded_conv_3_expand"], "expanded_conv"),
        (["stem_conv", "stem_bn", "stem_activation"], "stem"),
        (["convnext_tiny_stage_0_block_1_gelu", "convnext_tiny_stage_0_block_1_dense"], None),
    ],
)
def test_unit_names(names, expected):
    keys = UnitNames((n, "Conv2D") for n in names)
    key = keys.key(names[0], "Conv2D")
    assert key == (expected or "convnext_tiny_stage_0_block_1")


def test_automatic_names_have_no_unit():
    keys = UnitNames([("conv2d_12", "Conv2D"), ("re_lu_3", "ReLU"), ("add", "Add")])
    assert keys.keys() == [None, None, None]
    assert family("conv2_block3") == "conv2_block" and family("block2b") == "block2"


# --------------------------------------------------------------------------- real models


def _blocks(name: str) -> dict[str, Block]:
    """The model's blocks by name (asserting the names are unique), printed for a look."""
    found = blocks(models.application_graph(name))
    print(name, [(b.name, len(b.nodes)) for b in found])
    by_name = {b.name: b for b in found}
    assert len(by_name) == len(found), f"{name}: two blocks share a name"
    return by_name


def _numbered(by_name: dict[str, Block], pattern: str) -> list[str]:
    return sorted((n for n in by_name if re.fullmatch(pattern, n)), key=_natural)


def _natural(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _explicit(block: Block) -> list[str]:
    return [n.name for n in block.nodes if not is_automatic(n.name, n.class_name)]


def test_resnet50_blocks_are_its_bottleneck_units():
    by_name = _blocks("ResNet50")
    units = _numbered(by_name, r"conv\d_block\d+")
    assert units == [
        f"conv{s}_block{b}" for s, n in [(2, 3), (3, 4), (4, 6), (5, 3)] for b in range(1, n + 1)
    ]
    for unit in units:
        assert all(n.name.startswith(unit + "_") for n in by_name[unit].nodes)


def test_convnext_stages_and_downsampling_are_separate():
    by_name = _blocks("ConvNeXtTiny")
    for stage, count in enumerate([3, 3, 9, 3]):
        units = _numbered(by_name, rf"convnext_tiny_stage_{stage}_block_\d+")
        assert len(units) == count
        for unit in units:
            explicit = [n.name for n in by_name[unit].nodes if "convnext" in n.name]
            assert all(n.startswith(unit + "_") for n in explicit), unit
    for k in range(3):
        down = by_name[f"convnext_tiny_downsampling_block_{k}"]
        assert [n.name for n in down.nodes] == [f"convnext_tiny_downsampling_block_{k}"]


def test_nasnet_normal_and_reduction_cells_are_separate():
    by_name = _blocks("NASNetMobile")
    cells = [n for n in by_name if n.startswith("cell ")]
    expected = {f"cell {i}" for i in [*range(4), *range(5, 9), *range(9, 13)]}
    assert expected | {"cell reduce_4", "cell reduce_8", "cell stem_1", "cell stem_2"} == set(cells)
    for cell in cells:
        for name in _explicit(by_name[cell]):
            own = re.search(r"_((?:stem_|reduce_)?\d+)$", name)
            assert own is None or f"cell {own.group(1)}" == cell, (cell, name)


def test_inception_v3_modules_are_blocks_of_their_own():
    by_name = _blocks("InceptionV3")
    assert _numbered(by_name, r"mixed\d+") == [f"mixed{i}" for i in range(11)]
    for i in range(11):
        names = [n.name for n in by_name[f"mixed{i}"].nodes]
        assert names[-1] == f"mixed{i}"  # the module ends with its concatenation
        assert not any(re.fullmatch(rf"mixed{j}", n) for j in range(11) if j != i for n in names)
    assert "mixed10" not in [n.name for n in by_name["mixed9"].nodes]


def test_densenet_dense_blocks_show_every_concatenation():
    graph = models.application_graph("DenseNet121")
    overview = collapse(graph)
    stages = {n.name: n for n in overview.nodes if n.class_name == "DenseBlock"}
    assert list(stages) == ["conv2", "conv3", "conv4", "conv5"]
    for stage, units in zip(stages.values(), [6, 12, 24, 16]):
        inner = stage.inner
        bodies = [n for n in inner.nodes if n.category == "block"]
        concats = [n for n in inner.nodes if n.class_name == "Concatenate"]
        assert [b.name for b in bodies] == [f"{stage.name}_block{k}" for k in range(1, units + 1)]
        assert len(concats) == units and all(b.repeat == 1 for b in bodies)  # nothing folded
        for k, concat in enumerate(concats):
            feeding = set(inner.predecessors(concat.id))
            assert bodies[k].id in feeding  # the unit's new features ...
            before = concats[k - 1].id if k else next(iter(inner.inputs))
            assert before in feeding  # ... joined to everything before it
        assert stage.params == sum(n.params for n in inner.nodes)
    transitions = [n.name for n in overview.nodes if n.name.startswith("pool")]
    assert transitions == ["pool1", "pool2", "pool3", "pool4"]


def test_efficientnet_blocks_are_its_mbconv_units():
    by_name = _blocks("EfficientNetB0")
    units = _numbered(by_name, r"block\d[a-z]")
    repeats = [1, 2, 2, 3, 3, 4, 1]
    assert units == [f"block{s}{'abcd'[k]}" for s, n in enumerate(repeats, 1) for k in range(n)]
    for unit in units:
        assert all(n.name.startswith(unit + "_") for n in by_name[unit].nodes)
    assert {"stem", "top"} <= set(by_name)


def test_mobilenet_v3_blocks_are_its_bottlenecks():
    by_name = _blocks("MobileNetV3Small")
    units = _numbered(by_name, r"expanded_conv(_\d+)?")
    assert units == ["expanded_conv"] + [f"expanded_conv_{k}" for k in range(1, 11)]
    for unit in units:
        for name in _explicit(by_name[unit]):
            rest = name.removeprefix(unit + "_")
            assert rest != name and not re.match(r"\d", rest), (unit, name)


# --------------------------------------------------------------------------- one style per deck


def _scenes(graph):
    from pptx_nnviz.deck import default_frame
    from pptx_nnviz.theme import get_theme
    from pptx_nnviz.views.architecture import architecture_slides

    theme = get_theme("light")
    return architecture_slides(graph, default_frame(theme), theme)


def test_resnet50_repeated_units_fold_by_structure():
    overview = collapse(models.application_graph("ResNet50"))
    folded = [(n.name, n.repeat) for n in overview.nodes if n.repeat > 1]
    assert folded == [
        ("conv2_block2 … conv2_block3", 2),
        ("conv3_block2 … conv3_block4", 3),
        ("conv4_block2 … conv4_block6", 5),
        ("conv5_block2 … conv5_block3", 2),
    ]


def test_resnet50_deck_has_one_style_stem_included():
    """The blocks draw each conv with its BN and ReLU: so does every other slide, `conv1`
    included (its conv, BN and ReLU one box), and no two slides draw the same."""
    scenes = _scenes(models.application_graph("ResNet50"))
    drawn = [s.diagram.graph for s in scenes]
    assert all(not any(n.op == "batch_norm" for n in g.nodes) for g in drawn)
    (conv1,) = [s.diagram.graph for s in scenes if s.title.endswith(": conv1")]
    (conv,) = [n for n in conv1.nodes if n.op == "conv"]
    assert conv.fused == ("BatchNormalization", "relu")
    assert not any(n.op == "activation" for n in conv1.nodes)
    labels = [tuple(sorted(_text(b) for b in s.boxes if b.link is None)) for s in scenes]
    assert len(set(labels)) == len(labels)


def test_nasnet_cells_of_one_family_flow_one_way():
    """Normal cells, the normal cells that first adjust their inputs and the reduction
    cells are one family of blocks: their slides that fit whole draw in one direction."""
    from pptx_nnviz.views.architecture import families

    graph = models.application_graph("NASNetMobile")
    cells = [n for n in collapse(graph).nodes if n.inner is not None]
    groups = families([n.inner for n in cells])
    normal = [i for i, n in enumerate(cells) if re.fullmatch(r"cell \d+( … cell \d+)?", n.name)]
    assert len(normal) == 6 and any(set(normal) <= set(group) for group in groups)
    flows = {}
    for scene in _scenes(graph)[1:]:
        if not scene.diagram.whole:
            continue  # a cell too big for a slide keeps the direction it fits best in
        (index,) = [i for i, n in enumerate(cells) if _shows(scene, n)]
        flows.setdefault(next(k for k, g in enumerate(groups) if index in g), set()).add(
            _direction(scene)
        )
    assert all(len(found) == 1 for found in flows.values()), flows


def test_nasnet_cells_of_one_family_are_labelled_at_one_density():
    """One family's slides say as much on every box: the label density most of them take
    (NASNet's cells: minimal, where the cells of three layers each once read full at 9 pt)."""
    from pptx_nnviz.views.architecture import families
    from pptx_nnviz.views.boxes import node_shape

    graph = models.application_graph("NASNetMobile")
    cells = [n for n in collapse(graph).nodes if n.inner is not None]
    groups = families([n.inner for n in cells])
    lines: dict[int, set[int]] = {}
    for scene in _scenes(graph)[1:]:
        (index,) = [i for i, n in enumerate(cells) if _shows(scene, n)]
        inner = cells[index].inner.by_id
        boxes = [
            b
            for b in scene.boxes
            if b.id in inner and inner[b.id].op != "context" and node_shape(inner[b.id]) == "box"
        ]
        counts = sorted(len(b.paragraphs) for b in boxes)
        if not counts:
            continue
        family = next(k for k, g in enumerate(groups) if index in g)
        lines.setdefault(family, set()).add(counts[len(counts) // 2])
    assert lines and all(len(found) == 1 for found in lines.values()), lines


def _text(box) -> str:
    return "\n".join("".join(r.text for r in p.runs) for p in box.paragraphs)


def _direction(scene) -> str:
    """TB when most connectors between layers run down the slide, else LR."""
    centre = {b.id: (b.rect.x + b.rect.w / 2, b.rect.y + b.rect.h / 2) for b in scene.boxes}
    down = across = 0
    for c in scene.connectors:
        if c.source in centre and c.target in centre:
            (x0, y0), (x1, y1) = centre[c.source], centre[c.target]
            down += abs(y1 - y0) > abs(x1 - x0)
            across += abs(y1 - y0) <= abs(x1 - x0)
    return "TB" if down >= across else "LR"


@pytest.mark.parametrize("units", [6, 12])
def test_columns_never_break_between_a_conv_and_its_bn_and_activation(units):
    """Drawn unfused, a chain of Conv, BN, ReLU wraps into columns only between the
    triples."""
    from pptx_nnviz.deck import default_frame
    from pptx_nnviz.fuse import fused_edges
    from pptx_nnviz.keras_loader import _keras, to_graph
    from pptx_nnviz.theme import get_theme
    from pptx_nnviz.views.architecture import layout_for

    keras = _keras()
    layers = [keras.Input((32, 32, 3))]
    for _ in range(units):
        layers += [
            keras.layers.Conv2D(8, 3, padding="same"),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
        ]
    graph = to_graph(keras.Sequential(layers))
    layout = layout_for(graph, default_frame(get_theme("light")), "TB")
    where = {
        b.id: (number, b.rect.x + b.rect.w / 2, b.rect.y)
        for number, page in enumerate(layout.pages)
        for b in page.boxes
        if b.kind == "node"
    }
    columns = {round(x) for _, x, _ in where.values()}
    assert len(columns) > 1  # it wraps
    pairs = fused_edges(graph)
    assert len(pairs) == 2 * units
    for source, target in pairs:
        (page_s, x_s, y_s), (page_t, x_t, y_t) = where[source], where[target]
        assert page_s == page_t and abs(x_s - x_t) < 1 and y_t > y_s, (source, target)


def _shows(scene, node) -> bool:
    """Whether the slide draws the inside of `node` (by its title)."""
    return re.match(rf".*: {re.escape(node.name)}( \(| —|$)", scene.title) is not None
