"""Graph passes: fold big models into blocks so an overview fits one slide; hide the
framework's plumbing (`hide_plumbing`).

Blocks follow the architecture's own units:
1. Cut nodes split the graph into stretches: every path from the inputs to the outputs passes
   through them (a ResNet block's `add`/`out`, an Inception module's `mixedN` concatenation).
2. Every layer gets the key of its unit from the names of all layers (`unit_names`). A
   stretch whose named layers agree is that unit whole, automatic names included; a stretch
   holding several units (NASNet's cells, which take the two previous cells' outputs) is
   split by them.
3. The layers are put in one topological order that keeps each unit's layers together, and
   every block is a run of that order. Contracting runs of a topological order cannot make a
   cycle: every edge goes from a run to the same or a later run.
4. Neighbouring runs of one unit merge; a single layer between two runs of one unit, or an
   automatically named layer trailing a unit, joins it; chains of automatically named single
   layers form runs of up to MAX_RUN.
5. Dense stages (DenseNet): consecutive units of one family that each end by concatenating
   their input with what they computed become one block whose drill-down shows every unit
   and every concatenation.
6. Runs of repeated blocks, or of layers of the automatically named runs, found by
   structure whatever their names (`repeats`: operations, settings, shapes, wiring), fold
   into one box marked "× N"; their drill-down slide shows one period.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from .ir import Edge, Graph, Node, topological_order
from .repeats import Run, find_runs, producer_order, unit_signature
from .unit_names import UnitNames, family, is_automatic, tokens

#: Models with more layers than this are collapsed into blocks by default (--collapse auto).
AUTO_COLLAPSE_ABOVE = 80

MIN_RUN = 3  # runs of this many automatically named single layers become one block
MAX_RUN = 24  # ... and a longer run is cut into blocks of this many
MIN_UNIT_LAYERS = 3  # a stretch is split by unit when two units have this many named layers

_BLOCK_NAME = re.compile(r"^(.*?block_?\d+[a-z]?)(?:_|$)", re.IGNORECASE)


def block_key(name: str, class_name: str = "") -> str | None:
    """A layer's block guessed from its name alone (labels and notes; `blocks` reads all
    names together): 'conv2_block1_1_conv' -> 'conv2_block1', 'block2a_expand_conv' ->
    'block2a', 'normal_left1_5' -> 'cell 5', 'stem_conv' -> 'stem', None for `conv2d_12`."""
    if is_automatic(name, class_name):
        return None
    match = _BLOCK_NAME.match(name)
    if match:
        return match.group(1)
    cell = re.search(r"_((?:stem_|reduce_)?\d+)$", name)
    if cell and len(name.split("_")) >= 3:
        return f"cell {cell.group(1)}"
    parts = name.split("_")
    return "_".join(parts[:-1]) if len(parts) > 1 else name


@dataclass
class Block:
    """A run of layers in the blocks' topological order."""

    nodes: list[Node]
    key: str | None  # the unit's key; None for a run of automatically named layers
    run: str | None = None  # single layers that may form a run with others of the same value
    parts: list[Block] = field(default_factory=list)  # a dense stage: units and concatenations

    @property
    def name(self) -> str:
        if self.key is None or self.run is not None and len(self.nodes) > 1:
            first, last = self.nodes[0].name, self.nodes[-1].name
            return first if len(self.nodes) == 1 else f"{first} … {last}"
        return self.key

    @property
    def family(self) -> str | None:
        return None if self.run is not None else family(self.key)

    def ids(self) -> set[str]:
        return {n.id for n in self.nodes}


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


def find_blocks(graph: Graph) -> list[list[Node]]:
    """The graph's nodes partitioned into blocks (each a list of nodes in graph order)."""
    return [block.nodes for block in blocks(graph)]


def blocks(graph: Graph) -> list[Block]:
    """The graph's blocks, each a run of one topological order (see the module's steps)."""
    graph = in_topological_order(graph)
    names = UnitNames((n.name, n.class_name) for n in graph.nodes)
    keys = dict(zip((n.id for n in graph.nodes), names.keys()))
    cuts = cut_nodes(graph)
    regions: list[list[Node]] = [[]]
    for node in graph.nodes:
        regions[-1].append(node)
        if node.id in cuts:
            regions.append([])
    shared = {k for k, count in Counter(keys.values()).items() if count > 1}
    runs: list[Block] = []
    for region in (r for r in regions if r):
        runs += _region_runs(region, keys, shared, graph)
    return _dense_stages(_merge_runs(runs, graph), graph)


def in_topological_order(graph: Graph) -> Graph:
    """`graph` with its nodes in topological order (the given order where it already is)."""
    order = topological_order(
        [n.id for n in graph.nodes], [(e.source, e.target) for e in graph.edges]
    )
    if order == [n.id for n in graph.nodes]:
        return graph
    return replace(graph, nodes=tuple(graph.node(i) for i in order))


def _region_runs(
    region: list[Node], keys: dict[str, str | None], shared: set[str | None], graph: Graph
) -> list[Block]:
    """A stretch between cut nodes as runs of one unit each (`shared`: the keys of more than
    one layer)."""
    named = Counter(keys[n.id] for n in region if keys[n.id])
    if not named:
        run = "" if len(region) == 1 else None
        return [Block(region, None, run)]
    units = [k for k, count in named.items() if count >= MIN_UNIT_LAYERS]
    if len(units) < 2:
        closing = keys[region[-1].id]
        key = closing if closing else named.most_common(1)[0][0]
        numbered = len(region) == 1 and key not in shared and family(key) != key
        return [Block(region, key, family(key) if numbered else None)]
    own = {n.id: keys[n.id] for n in region}
    inside = set(own)
    for node in reversed(region):  # an automatic name joins the unit it feeds ...
        if own[node.id] is None:
            fed = [own[t] for t in graph.successors(node.id) if t in inside and own[t]]
            own[node.id] = fed[0] if fed else None
    for node in region:  # ... or else the unit feeding it
        if own[node.id] is None:
            feeding = [own[p] for p in graph.predecessors(node.id) if p in inside and own[p]]
            own[node.id] = feeding[0] if feeding else None
    result: list[Block] = []
    for node in _unit_order(region, own, graph):
        if result and result[-1].key == own[node.id]:
            result[-1].nodes.append(node)
        else:
            result.append(Block([node], own[node.id]))
    return result


def _unit_order(region: list[Node], own: dict[str, str | None], graph: Graph) -> list[Node]:
    """The region's nodes in a topological order that finishes a unit before the next one
    starts where the wiring allows (Kahn's algorithm preferring the current unit)."""
    position = {n.id: i for i, n in enumerate(region)}
    indegree = {n.id: sum(1 for p in graph.predecessors(n.id) if p in position) for n in region}
    ready = {i for i, n in enumerate(region) if indegree[n.id] == 0}
    result: list[Node] = []
    current: str | None = None
    while ready:
        same = [i for i in ready if own[region[i].id] == current]
        pick = min(same) if same else min(ready)
        ready.discard(pick)
        node = region[pick]
        current = own[node.id]
        result.append(node)
        for target in graph.successors(node.id):
            if target in position:
                indegree[target] -= 1
                if indegree[target] == 0:
                    ready.add(position[target])
    return result


def _merge_runs(runs: list[Block], graph: Graph) -> list[Block]:
    merged: list[Block] = []
    pieces: list[list[Block]] = []
    for index, run in enumerate(runs):
        after = runs[index + 1] if index + 1 < len(runs) else None
        if merged and _joins(merged[-1], run, after, graph):
            merged[-1].nodes = merged[-1].nodes + run.nodes
            if run.key is not None and run.key == merged[-1].key:
                merged[-1].run = None  # one unit, not a run of single layers
            pieces[-1].append(run)
        else:
            merged.append(Block(list(run.nodes), run.key, run.run))
            pieces.append([run])
    result: list[Block] = []
    for block, parts in zip(merged, pieces):
        short = block.run is not None and 1 < len(parts) < MIN_RUN
        result += parts if short else [block]  # a short run of single layers stays as it is
    return result


def _joins(before: Block, run: Block, after: Block | None, graph: Graph) -> bool:
    """Whether `run` belongs to the block `before` it."""
    if _is_io(before) or _is_io(run):
        return False
    if run.key is not None and run.key == before.key:
        return True
    if before.run is not None:  # a run of single layers grows by single layers like them
        return run.run == before.run and len(before.nodes) < MAX_RUN
    if before.key is None:
        return False
    if len(run.nodes) != 1 or after is None:
        return False
    if after.key == before.key:  # a single layer between two runs of one unit
        return True
    trailing = run.key is None and len(before.nodes) >= 2 and after.key is not None
    return trailing and set(graph.predecessors(run.nodes[0].id)) <= before.ids()


def _is_io(block: Block) -> bool:
    return any(n.category == "input" for n in block.nodes)


def _dense_stages(found: list[Block], graph: Graph) -> list[Block]:
    """Join consecutive dense units of one family (each concatenating its input with what it
    computed) into one stage block whose parts are the units' bodies and concatenations."""
    result: list[Block] = []
    for block in found:
        if _is_dense_unit(block, graph):
            last = result[-1] if result else None
            if last is not None and last.parts and last.parts[0].family == block.family:
                last.nodes += block.nodes
                last.parts += _dense_parts(block)
                continue
            if last is not None and _is_dense_unit(last, graph) and last.family == block.family:
                result[-1] = Block(last.nodes + block.nodes, None, None)
                result[-1].parts = _dense_parts(last) + _dense_parts(block)
                continue
        result.append(block)
    for block in result:
        if block.parts:
            stage = _common_tokens([p.key for p in block.parts[::2]])
            block.key = stage or block.parts[0].family
    return result


def _is_dense_unit(block: Block, graph: Graph) -> bool:
    if block.key is None or block.run is not None or len(block.nodes) < 2 or block.parts:
        return False
    last = block.nodes[-1]
    if last.class_name != "Concatenate":
        return False
    ids = block.ids()
    entering = {e.source for n in block.nodes for e in graph.edges_into(n.id)} - ids
    return bool(entering) and entering <= set(graph.predecessors(last.id))


def _dense_parts(unit: Block) -> list[Block]:
    return [Block(unit.nodes[:-1], unit.key), Block(unit.nodes[-1:], None, "")]


def _common_tokens(keys: list[str | None]) -> str:
    split = [tokens(k) for k in keys if k]
    common: list[str] = []
    for parts in zip(*split):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "_".join(common)


def signature(nodes: list[Node], graph: Graph) -> tuple:
    """What makes two blocks alike: operations, settings, output shapes and wiring, not
    names (`repeats.unit_signature`)."""
    return unit_signature(nodes, graph)


#: The last graphs collapsed: (id of the graph, fold) -> (graph, overview). The views of one
#: deck each draw the same overview.
_COLLAPSED: dict[tuple[int, bool], tuple[Graph, Graph]] = {}


def collapse(graph: Graph, *, fold: bool = True) -> Graph:
    """The overview graph: blocks of two or more layers become one node each (category
    "block", `inner` holding the block's own graph); runs of repeated blocks or layers, found
    by structure (`repeats`), fold into one node marked "× N"."""
    known = _COLLAPSED.get((id(graph), fold))
    if known is not None and known[0] is graph:
        return known[1]
    if len(_COLLAPSED) >= 8:
        _COLLAPSED.clear()
    shown = _collapsed(graph, fold)
    _COLLAPSED[(id(graph), fold)] = (graph, shown)
    return shown


def _collapsed(graph: Graph, fold: bool) -> Graph:
    graph = in_topological_order(graph)
    found = blocks(graph)
    atoms: list[Block] = []
    loose: set[int] = set()  # atoms from runs of automatically named single layers
    for block in found:
        if block.key is None and block.run is not None and len(block.nodes) > 1:
            loose.update(range(len(atoms), len(atoms) + len(block.nodes)))
            atoms += [Block([n], None, "") for n in block.nodes]
        else:
            atoms.append(block)
    runs = (
        find_runs(
            [a.nodes for a in atoms],
            graph,
            lambda i: not atoms[i].parts and not _is_io(atoms[i]),
        )
        if fold
        else []
    )
    return contract(graph, _groups(atoms, runs, loose))


def _groups(atoms: list[Block], runs: list[Run], loose: set[int]) -> list[list[Block]]:
    """The overview's groups: each run as its periods, the loose single layers left between
    runs back in runs of MIN_RUN to MAX_RUN, every other block alone."""
    groups: list[list[Block]] = []
    pending: list[Block] = []

    def flush() -> None:
        chunks = [pending[i : i + MAX_RUN] for i in range(0, len(pending), MAX_RUN)]
        for chunk in chunks:
            if len(chunk) >= MIN_RUN:
                groups.append([Block([b.nodes[0] for b in chunk], None, "")])
            else:
                groups.extend([b] for b in chunk)
        pending.clear()

    starts = {run.start: run for run in runs}
    index = 0
    while index < len(atoms):
        run = starts.get(index)
        if run is not None:
            flush()
            groups.append(_periods(atoms[run.start : run.end], run.period))
            index = run.end
            continue
        if index in loose:
            pending.append(atoms[index])
        else:
            flush()
            groups.append([atoms[index]])
        index += 1
    flush()
    return groups


def _periods(atoms: list[Block], period: int) -> list[Block]:
    """A run's periods, each one block (a period of one block: that block)."""
    if period == 1:
        return atoms
    result = []
    for i in range(0, len(atoms), period):
        part = atoms[i : i + period]
        key = next((a.key for a in part if a.key is not None), None)
        result.append(Block([n for a in part for n in a.nodes], key))
    return result


def fold_repeats(graph: Graph) -> Graph:
    """`graph` with its runs of repeated layers or stretches of layers (`repeats`) folded,
    every other layer as it is: what a model too small to collapse into blocks still
    repeats (an MLP-Mixer's four mixer blocks)."""
    graph = in_topological_order(graph)
    order = producer_order(graph)
    runs = find_runs([[n] for n in order], graph, lambda i: order[i].category != "input")
    if not runs:
        return graph
    atoms = [Block([n], None) for n in order]
    return contract(graph, _groups(atoms, runs, set()))


def contract(graph: Graph, groups: list[list[Block]]) -> Graph:
    """`graph` with each group of blocks (a block and its folded repetitions) as one node;
    single layers stay as they are. The groups must be runs of a topological order."""
    owner: dict[str, str] = {}
    nodes: list[Node] = []
    taken: set[str] = set()
    for run in groups:
        first = run[0]
        if len(first.nodes) == 1 and len(run) == 1 and not first.parts:
            node = first.nodes[0]
        elif all(len(block.nodes) == 1 and not block.parts for block in run):
            node = _repeated_node([block.nodes[0] for block in run])
        else:
            node = _block_node(graph, run, taken)
        taken.add(node.id)
        for block in run:
            for member in block.nodes:
                owner[member.id] = node.id
        nodes.append(node)
    edges: dict[tuple[str, str], Edge] = {}
    for edge in graph.edges:
        source, target = owner[edge.source], owner[edge.target]
        if source != target and (source, target) not in edges:
            edges[(source, target)] = replace(edge, source=source, target=target)
    by_id = {n.id: n for n in nodes}
    order = topological_order(by_id, list(edges))  # runs of a topological order: no cycle
    return Graph(
        name=graph.name,
        nodes=tuple(by_id[i] for i in order),
        edges=tuple(edges.values()),
        inputs=tuple(dict.fromkeys(owner[i] for i in graph.inputs)),
        outputs=tuple(dict.fromkeys(owner[o] for o in graph.outputs)),
        warnings=graph.warnings,
    )


def _repeated_node(run: list[Node]) -> Node:
    """A layer repeated len(run) times in a chain: the first, marked with the count (its
    inside, if any, is every repetition's)."""
    first, last = run[0], run[-1]
    counted = [n for n in run if not n.shared_with]
    return replace(
        first,
        name=first.name if first.name == last.name else f"{first.name} … {last.name}",
        output_shapes=last.output_shapes,
        trainable_params=sum(n.trainable_params for n in counted),
        non_trainable_params=sum(n.non_trainable_params for n in counted),
        repeat=len(run),
        members=tuple(n.name for n in run),
    )


def _block_node(graph: Graph, run: list[Block], taken: set[str]) -> Node:
    first, last = run[0], run[-1]
    if len(run) == 1:
        name = first.name
    elif first.key is None:  # automatic names: the run's first and last layers
        name = f"{first.nodes[0].name} … {last.nodes[-1].name}"
    else:
        name = f"{first.name} … {last.name}"
    members = tuple(n.name for block in run for n in block.nodes)
    inner = subgraph(graph, first.nodes, first.name)
    if first.parts:
        context = [Block([n], None) for n in inner.nodes if n.id.startswith("from:")]
        inner = contract(inner, [[b] for b in context + first.parts])
    member_ids = {n.id for block in run for n in block.nodes}
    inputs = tuple(
        dict.fromkeys(
            e.shape
            for n in first.nodes
            for e in graph.edges_into(n.id)
            if e.source not in member_ids
        )
    )
    counted = [n for block in run for n in block.nodes if not n.shared_with]
    node_id = base = "block:" + (re.sub(r"\W+", "_", first.name).strip("_") or "block")
    suffix = 2
    while node_id in taken:
        node_id, suffix = f"{base}~{suffix}", suffix + 1
    return Node(
        id=node_id,
        name=name,
        class_name="DenseBlock" if first.parts else "Block",
        category="block",
        op="block",
        input_shapes=inputs,
        output_shapes=last.nodes[-1].output_shapes,
        trainable_params=sum(n.trainable_params for n in counted),
        non_trainable_params=sum(n.non_trainable_params for n in counted),
        parent=first.nodes[0].parent,
        dtype=last.nodes[-1].dtype,
        trainable=all(n.trainable for n in counted),
        inner_layers=len(first.nodes),
        inner=inner,
        repeat=len(run),
        members=members,
    )


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
                    op="context",
                    class_name=f"from {source.class_name}",
                    trainable_params=0,
                    non_trainable_params=0,
                    inner=None,
                ),
            )
            edges.append(replace(edge, source=context_id))
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


def hide_plumbing(graph: Graph) -> Graph:
    """`graph` without its plumbing nodes (operations that only carry masks). A connection
    that ran through them is kept as a direct edge where no other path joins its two ends
    (a padding mask reaching the attention); where one does (the masked input already feeds
    the layer through Masking), nothing is added."""
    hidden = {n.id for n in graph.nodes if n.plumbing}
    if not hidden:
        return graph
    edges = [e for e in graph.edges if e.source not in hidden and e.target not in hidden]
    out: dict[str, set[str]] = {n.id: set() for n in graph.nodes if n.id not in hidden}
    for edge in edges:
        out[edge.source].add(edge.target)
    position = {n.id: i for i, n in enumerate(graph.nodes)}
    through = sorted(
        (
            (position[target.target], edge.source, target)
            for edge in graph.edges
            if edge.source not in hidden and edge.target in hidden
            for target in _beyond(graph, edge.target, hidden)
        ),
        key=lambda item: item[0],
    )
    for _, source, edge in through:
        if not _reaches(out, source, edge.target):
            out[source].add(edge.target)
            edges.append(Edge(source, edge.target, edge.shape))
    return replace(
        graph,
        nodes=tuple(n for n in graph.nodes if n.id not in hidden),
        edges=tuple(edges),
        inputs=tuple(i for i in graph.inputs if i not in hidden),
        outputs=tuple(o for o in graph.outputs if o not in hidden),
    )


def _beyond(graph: Graph, start: str, hidden: set[str]) -> list[Edge]:
    """The edges from hidden nodes reachable from `start` (hidden) into visible nodes."""
    found, stack, seen = [], [start], {start}
    while stack:
        for edge in graph.edges_from(stack.pop()):
            if edge.target not in hidden:
                found.append(edge)
            elif edge.target not in seen:
                seen.add(edge.target)
                stack.append(edge.target)
    return found


def _reaches(out: dict[str, set[str]], source: str, target: str) -> bool:
    stack, seen = [source], {source}
    while stack:
        for nxt in out[stack.pop()]:
            if nxt == target:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def should_collapse(graph: Graph, mode: str) -> bool:
    """--collapse auto folds models with more than AUTO_COLLAPSE_ABOVE layers."""
    if mode == "none":
        return False
    if mode == "all":
        return True
    return len(graph.nodes) > AUTO_COLLAPSE_ABOVE
