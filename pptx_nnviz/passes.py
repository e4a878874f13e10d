"""Graph passes: fold big models into blocks so an overview fits one slide.

Blocks are found from the graph's structure and the layers' names:
1. Cut nodes split the graph: every path from the inputs to the outputs passes through them
   (a ResNet block's `add`/`out`, an Inception module's `mixedN` concatenation).
2. The stretches between cut nodes, and runs of single layers, merge while they share a
   block name (`conv2_block1_*`, `block2a_*`, `block_3_*`).
3. Consecutive blocks with the same inside (same layer types and settings, same wiring) fold
   into one box marked "× N"; their drill-down slide is drawn once.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from .ir import Edge, Graph, Node, topological_order

#: Models with more layers than this are collapsed into blocks by default (--collapse auto).
AUTO_COLLAPSE_ABOVE = 80

_BLOCK_NAME = re.compile(r"^(.*?block_?\d+[a-z]?)(?:_|$)", re.IGNORECASE)


def _snake(class_name: str) -> str:
    """Keras's default layer name for a class: Conv2D -> conv2d, BatchNormalization ->
    batch_normalization."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def block_key(name: str, class_name: str = "") -> str | None:
    """The block a layer belongs to by its name, or None for Keras's automatic names
    (`conv2d_12`): 'conv2_block1_1_conv' -> 'conv2_block1', 'block2a_expand_conv' ->
    'block2a', 'normal_left1_5' -> 'cell 5', 'stem_conv' -> 'stem', 'mixed3' -> 'mixed3'."""
    if class_name and re.fullmatch(re.escape(_snake(class_name)) + r"(_\d+)?", name):
        return None
    match = _BLOCK_NAME.match(name)
    if match:
        return match.group(1)
    tokens = name.split("_")
    cell = re.search(r"_((?:stem_)?\d+)$", name)
    if cell and len(tokens) >= 3:
        return f"cell {cell.group(1)}"
    return "_".join(tokens[:-1]) if len(tokens) > 1 else name


def _related(a: str | None, b: str | None) -> bool:
    """Same block name, or one a token-prefix of the other (expanded_conv, expanded_conv_bn)."""
    if a is None or b is None:
        return False
    ta, tb = a.split("_"), b.split("_")
    shorter = min(len(ta), len(tb))
    return ta[:shorter] == tb[:shorter]


def cut_nodes(graph: Graph) -> set[str]:
    """Nodes that every input-to-output path passes through (in topological order, no edge
    jumps over them)."""
    position = {n.id: i for i, n in enumerate(graph.nodes)}
    reach = [0] * (len(graph.nodes) + 1)  # furthest target of edges leaving position i
    for edge in graph.edges:
        i = position[edge.source]
        reach[i] = max(reach[i], position[edge.target])
    cuts = set()
    furthest = -1
    sources = {n.id for n in graph.nodes if not graph.predecessors(n.id)}
    for i, node in enumerate(graph.nodes):
        if furthest <= i and (i == 0 or node.id not in sources):
            cuts.add(node.id)
        furthest = max(furthest, reach[i])
    return cuts


MAX_REGION = 40  # a stretch between cut nodes longer than this is split by layer names
MIN_RUN = 3  # runs of this many unnamed single layers become one block
MAX_RUN = 24  # ... and a longer run is cut into blocks of this many
MAX_BLOCK = 64  # pieces stop merging into a block (by name) past this many layers


def find_blocks(graph: Graph, *, split_by_name: bool = True) -> list[list[Node]]:
    """The graph's nodes partitioned into blocks (each a list of nodes in graph order)."""
    cuts = cut_nodes(graph)
    regions: list[list[Node]] = [[]]
    for node in graph.nodes:
        regions[-1].append(node)
        if node.id in cuts:
            regions.append([])
    pieces = []
    for region in (r for r in regions if r):
        long = split_by_name and len(region) > MAX_REGION
        pieces += _split_by_name(region, graph) if long else [region]
    blocks: list[list[Node]] = []
    keys: list[str | None] = []
    for piece in pieces:
        key = _region_key(piece)
        if (
            blocks
            and not _is_io(piece)
            and not _is_io(blocks[-1])
            and len(blocks[-1]) + len(piece) <= MAX_BLOCK
            and (
                _related(key, keys[-1])
                or key is None
                and keys[-1] is None
                and len(piece) == 1
                and _unnamed_run(blocks[-1])
                and len(blocks[-1]) < MAX_RUN
            )
        ):
            blocks[-1].extend(piece)
            keys[-1] = _common(keys[-1], key)
        else:
            blocks.append(list(piece))
            keys.append(key)
    # A short run of unnamed single layers is clearer left as it is.
    result: list[list[Node]] = []
    for block, key in zip(blocks, keys):
        if key is None and len(block) < MIN_RUN and _unnamed_run(block):
            result += [[n] for n in block]
        else:
            result.append(block)
    return result


def _unnamed_run(block: list[Node]) -> bool:
    return all(block_key(n.name, n.class_name) is None for n in block)


def _common(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    ta, tb = a.split("_"), b.split("_")
    shared = [x for x, y in zip(ta, tb) if x == y]
    return "_".join(shared[: len(shared)]) or a


def _split_by_name(region: list[Node], graph: Graph) -> list[list[Node]]:
    """Split a long stretch by its layers' block names (NASNet's cells). An unnamed layer
    joins the block of the named layer it feeds (or else of the one feeding it); blocks
    that would depend on each other both ways are merged. Keeps the stretch whole if names
    say nothing."""
    ids = {n.id for n in region}
    keys: dict[str, str | None] = {n.id: block_key(n.name, n.class_name) for n in region}
    if len(set(keys.values()) - {None}) < 2:
        return [region]
    for node in reversed(region):
        if keys[node.id] is None:
            fed = [keys[t] for t in graph.successors(node.id) if t in ids and keys[t]]
            keys[node.id] = fed[0] if fed else None
    for node in region:
        if keys[node.id] is None:
            feeding = [keys[p] for p in graph.predecessors(node.id) if p in ids and keys[p]]
            keys[node.id] = feeding[0] if feeding else None
    groups: dict[str | None, list[Node]] = {}
    for node in region:
        groups.setdefault(keys[node.id], []).append(node)
    return _merge_cycles(list(groups.values()), graph)


def _merge_cycles(blocks: list[list[Node]], graph: Graph) -> list[list[Node]]:
    """Merge blocks that reach each other (strongly connected once contracted), keeping the
    order of first appearance."""
    owner = {n.id: i for i, block in enumerate(blocks) for n in block}
    links: dict[int, set[int]] = {i: set() for i in range(len(blocks))}
    for i, block in enumerate(blocks):
        for node in block:
            for t in graph.successors(node.id):
                if t in owner and owner[t] != i:
                    links[i].add(owner[t])
    component = _strongly_connected(links)
    merged: dict[int, list[Node]] = {}
    for i, block in enumerate(blocks):
        merged.setdefault(component[i], []).extend(block)
    order = {n.id: k for k, n in enumerate(graph.nodes)}
    return [sorted(b, key=lambda n: order[n.id]) for b in merged.values()]


def _strongly_connected(links: dict[int, set[int]]) -> dict[int, int]:
    """Tarjan's algorithm, iterative: vertex -> id of its strongly connected component."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    component: dict[int, int] = {}
    counter = 0
    for root in links:
        if root in index:
            continue
        work = [(root, iter(sorted(links[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            vertex, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[vertex])
                if low[vertex] == index[vertex]:
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component[member] = vertex
                        if member == vertex:
                            break
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(links[child]))))
            elif child in on_stack:
                low[vertex] = min(low[vertex], index[child])
    return component


def _region_key(region: list[Node]) -> str | None:
    counts = Counter(k for k in (block_key(n.name, n.class_name) for n in region) if k)
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def _is_io(region: list[Node]) -> bool:
    return any(n.category == "input" for n in region)


def signature(nodes: list[Node], graph: Graph) -> tuple:
    """What makes two blocks alike: layer types, settings and wiring (not names, not shapes:
    DenseNet's blocks differ only in how many channels they receive)."""
    index = {n.id: i for i, n in enumerate(nodes)}
    wiring = tuple(
        sorted(
            (index[e.source], index[e.target])
            for n in nodes
            for e in graph.edges_from(n.id)
            if e.target in index
        )
    )
    # Dropout rates often grow with depth (EfficientNet's drop-connect): not a difference.
    layers = tuple((n.class_name, () if n.category == "dropout" else n.hyperparams) for n in nodes)
    return layers, wiring


def collapse(graph: Graph, *, fold: bool = True) -> Graph:
    """The overview graph: blocks of two or more layers become one node each (category
    "block", `inner` holding the block's own graph); identical neighbours fold into one."""
    try:
        return _collapse(graph, find_blocks(graph), fold)
    except ValueError:  # blocks split by name made a cycle: keep to the graph's structure
        return _collapse(graph, find_blocks(graph, split_by_name=False), fold)


def _collapse(graph: Graph, blocks: list[list[Node]], fold: bool) -> Graph:
    groups: list[list[list[Node]]] = []
    for block in blocks:
        if (
            fold
            and groups
            and len(block) > 1
            and signature(block, graph) == signature(groups[-1][0], graph)
        ):
            groups[-1].append(block)
        else:
            groups.append([block])
    owner: dict[str, str] = {}
    nodes: list[Node] = []
    for run in groups:
        first = run[0]
        if len(first) == 1 and len(run) == 1:
            owner[first[0].id] = first[0].id
            nodes.append(first[0])
            continue
        node = _block_node(graph, run)
        for block in run:
            for member in block:
                owner[member.id] = node.id
        nodes.append(node)
    edges: dict[tuple[str, str], Edge] = {}
    for edge in graph.edges:
        source, target = owner[edge.source], owner[edge.target]
        if source != target and (source, target) not in edges:
            edges[(source, target)] = Edge(source, target, edge.shape)
    by_id = {n.id: n for n in nodes}
    order = topological_order(by_id, list(edges))  # raises ValueError on a cycle
    return Graph(
        name=graph.name,
        nodes=tuple(by_id[i] for i in order),
        edges=tuple(edges.values()),
        inputs=tuple(dict.fromkeys(owner[i] for i in graph.inputs)),
        outputs=tuple(dict.fromkeys(owner[o] for o in graph.outputs)),
        warnings=graph.warnings,
    )


def _block_node(graph: Graph, run: list[list[Node]]) -> Node:
    first, last = run[0], run[-1]
    names = [_block_name(block) for block in run]
    name = names[0] if len(run) == 1 else f"{names[0]} … {names[-1]}"
    members = tuple(n.name for block in run for n in block)
    inner = subgraph(graph, first, f"{names[0]}")
    member_ids = {n.id for block in run for n in block}
    inputs = tuple(
        dict.fromkeys(
            e.shape for n in first for e in graph.edges_into(n.id) if e.source not in member_ids
        )
    )
    return Node(
        id="block:" + re.sub(r"\W+", "_", names[0]).strip("_"),
        name=name,
        class_name="Block",
        category="block",
        input_shapes=inputs,
        output_shapes=last[-1].output_shapes,
        trainable_params=sum(n.trainable_params for b in run for n in b if not n.shared_with),
        non_trainable_params=sum(
            n.non_trainable_params for b in run for n in b if not n.shared_with
        ),
        parent=first[0].parent,
        dtype=last[-1].dtype,
        trainable=all(n.trainable for b in run for n in b),
        inner_layers=len(first),
        inner=inner,
        repeat=len(run),
        members=members,
    )


def _block_name(block: list[Node]) -> str:
    key = _region_key(block)
    if key is None or len(block) > 1 and _unnamed_run(block):
        return f"{block[0].name} … {block[-1].name}"
    return key


def subgraph(graph: Graph, members: list[Node], name: str) -> Graph:
    """The block's own graph, with the layers feeding it as context inputs ("from ...")."""
    ids = {n.id for n in members}
    context: dict[str, Node] = {}
    edges = []
    for edge in (e for n in members for e in graph.edges_into(n.id)):
        if edge.source not in ids:
            source = graph.node(edge.source)
            context_id = f"from:{source.id}"
            context.setdefault(
                context_id,
                replace(
                    source,
                    id=context_id,
                    category="input",
                    class_name=f"from {source.class_name}",
                    trainable_params=0,
                    non_trainable_params=0,
                    inner=None,
                ),
            )
            edges.append(Edge(context_id, edge.target, edge.shape))
        else:
            edges.append(edge)
    outputs = tuple(
        n.id for n in members if not any(e.target in ids for e in graph.edges_from(n.id))
    )
    return Graph(
        name=name,
        nodes=tuple(context.values()) + tuple(members),
        edges=tuple(edges),
        inputs=tuple(context),
        outputs=outputs,
    )


def should_collapse(graph: Graph, mode: str) -> bool:
    """--collapse auto folds models with more than AUTO_COLLAPSE_ABOVE layers."""
    if mode == "none":
        return False
    if mode == "all":
        return True
    return len(graph.nodes) > AUTO_COLLAPSE_ABOVE
