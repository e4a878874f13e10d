"""Framework-neutral graph of a model: one node per layer call, edges carry tensor shapes.

Nothing here knows about Keras or PowerPoint; loaders produce a `Graph`, the layout and the
renderers consume it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

Shape = tuple[int | None, ...]
#: A hyperparameter's value, typed: a count, a rate, a name, a flag, or sizes per axis.
Setting = int | float | str | bool | tuple[int | float | None, ...]

#: Layer categories, in legend order. Each gets its own colour in every theme.
CATEGORIES: tuple[str, ...] = (
    "input",
    "conv",
    "pooling",
    "dense",
    "normalization",
    "activation",
    "dropout",
    "reshape",
    "merge",
    "embedding",
    "recurrent",
    "attention",
    "model",
    "block",
    "other",
)

#: The operation vocabulary (docs/ir.md): what a node does, whatever framework recorded it.
#: Importers map their classes onto these words; passes, views and symbols read them, never a
#: framework's class names.
OPS: tuple[str, ...] = (
    # sources
    "input",  # a model input
    "weights",  # parameters a traced call uses as constants
    "context",  # inside a block's drill-down: a layer outside the block feeding it
    # layers with weights
    "conv",
    "depthwise_conv",
    "separable_conv",
    "conv_transpose",
    "dense",
    "embedding",
    "recurrent",
    "attention",
    # normalization
    "batch_norm",
    "layer_norm",
    "rms_norm",
    "group_norm",
    "norm",  # any other normalization
    # element-wise
    "activation",  # `Node.hyperparam("activation")` names the function
    "dropout",  # `rate`; also noise layers active only in training
    "top_k",  # routing: the k largest scores (`k`), a mixture of experts' choice
    "experts",  # a bank of feed-forward experts tokens are routed to (`experts`, `top k`)
    "mask",  # inside attention: the scores masked before the softmax (`kind`: causal, padding)
    # pooling and resampling
    "pool",
    "global_pool",
    "upsample",
    # merges
    "add",
    "subtract",
    "multiply",
    "divide",
    "concat",
    "average",
    "maximum",
    "minimum",
    "dot",
    "matmul",
    # plumbing: axes, types and padding
    "reshape",
    "flatten",
    "permute",
    "repeat",
    "pad",
    "crop",
    "cast",
    "identity",
    "get_item",
    "preprocess",  # rescaling, normalising with fixed statistics, resizing inputs
    "reduce",  # a mean, sum or max over axes (not a pooling layer)
    # containers
    "model",  # a nested model
    "block",  # a folded run of layers (passes.collapse)
    "other",
)

#: Operations of layers with weights of their own (the heads of a box that fuses its
#: normalization and activation).
WEIGHTED_OPS = frozenset(
    {
        "conv",
        "depthwise_conv",
        "separable_conv",
        "conv_transpose",
        "dense",
        "embedding",
        "recurrent",
        "attention",
        "experts",
    }
)
#: The normalizations.
NORM_OPS = frozenset({"batch_norm", "layer_norm", "rms_norm", "group_norm", "norm"})

#: Operations that only move, retype or pad data: no arithmetic a reader needs to see.
PLUMBING_OPS = frozenset(
    {"reshape", "flatten", "permute", "repeat", "pad", "crop", "cast", "identity", "get_item"}
)

#: The axis order of feature-map shapes: channels last (N, H, W, C) or first (N, C, H, W).
AXIS_ORDERS = ("channels_last", "channels_first")


@dataclass(frozen=True)
class Node:
    """One call of one layer (a layer called twice gives two nodes)."""

    id: str
    name: str
    class_name: str
    category: str
    input_shapes: tuple[Shape, ...] = ()
    output_shapes: tuple[Shape, ...] = ()
    trainable_params: int = 0
    non_trainable_params: int = 0
    hyperparams: tuple[tuple[str, str], ...] = ()
    parent: str | None = None
    dtype: str = ""
    trainable: bool = True
    shared_with: str | None = None  # id of the first call of the same layer
    inner_layers: int = 0  # layers inside a collapsed nested model or block
    inner: Graph | None = field(default=None, compare=False, repr=False)  # what is inside
    repeat: int = 1  # a folded run of identical blocks: how many
    members: tuple[str, ...] = ()  # a block's layer names (of every repetition)
    fused: tuple[str, ...] = ()  # classes drawn inside this box after it (BN, activation)
    fused_before: tuple[str, ...] = ()  # ... and before it (a pre-activation's BN, ReLU)
    plumbing: bool = False  # an operation that only carries masks (hidden unless show_ops)
    op: str = "other"  # what it does, in the vocabulary of OPS
    settings: tuple[tuple[str, Setting], ...] = ()  # hyperparams' typed values, same keys
    #: names of the operations `simplify` removed next to this node or folded into it (a
    #: padding, a cast, a stochastic depth): not drawn, listed in the slide's notes
    folded: tuple[str, ...] = ()

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def output_shape(self) -> Shape | None:
        return self.output_shapes[0] if len(self.output_shapes) == 1 else None

    def hyperparam(self, key: str) -> str | None:
        """A hyperparameter as display text ('3×3')."""
        return dict(self.hyperparams).get(key)

    def setting(self, key: str) -> Setting | None:
        """A hyperparameter's typed value ((3, 3))."""
        return dict(self.settings).get(key)


def with_part(node: Node, part: str) -> Node:
    """The node labelled with the part it plays in a drawing (`part`, shown as its role:
    'Q projection', 'router'); a node labelled already keeps its label."""
    if node.hyperparam("part"):
        return node
    return replace(
        node,
        hyperparams=(("part", part), *node.hyperparams),
        settings=(("part", part), *node.settings),
    )


def setting_text(value: Setting) -> str:
    """A typed hyperparameter as the IR writes it for display: sizes joined with '×',
    numbers as written, flags 'yes' / 'no'."""
    if isinstance(value, tuple):
        return "×".join(setting_text(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    shape: Shape = ()
    label: str = ""  # a short mark of plumbing folded into the edge ("transposed", "[CLS]")


@dataclass(frozen=True)
class Graph:
    """A directed acyclic graph of layer calls, nodes in topological order."""

    name: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)
    axis_order: str = "channels_last"  # of feature-map shapes (AXIS_ORDERS); batch first

    @cached_property
    def by_id(self) -> dict[str, Node]:
        return {node.id: node for node in self.nodes}

    def node(self, node_id: str) -> Node:
        return self.by_id[node_id]

    @cached_property
    def _out_edges(self) -> dict[str, list[Edge]]:
        out: dict[str, list[Edge]] = {node.id: [] for node in self.nodes}
        for edge in self.edges:
            out[edge.source].append(edge)
        return out

    @cached_property
    def _in_edges(self) -> dict[str, list[Edge]]:
        into: dict[str, list[Edge]] = {node.id: [] for node in self.nodes}
        for edge in self.edges:
            into[edge.target].append(edge)
        return into

    def edges_from(self, node_id: str) -> list[Edge]:
        return self._out_edges[node_id]

    def edges_into(self, node_id: str) -> list[Edge]:
        return self._in_edges[node_id]

    def successors(self, node_id: str) -> list[str]:
        return [edge.target for edge in self._out_edges[node_id]]

    def predecessors(self, node_id: str) -> list[str]:
        return [edge.source for edge in self._in_edges[node_id]]

    def nearest(self, node_id: str, kept: set[str], forward: bool = True) -> list[str]:
        """The `kept` nodes reached from `node_id` (downstream, or upstream) through nodes
        that are not kept, in the order a depth-first walk finds them."""
        step = self.successors if forward else self.predecessors
        found: list[str] = []
        stack, seen = list(step(node_id)), set()
        while stack:
            other = stack.pop()
            if other in seen:
                continue
            seen.add(other)
            if other in kept:
                found.append(other)
            else:
                stack.extend(step(other))
        return found

    @cached_property
    def trainable_params(self) -> int:
        return sum(n.trainable_params for n in self.nodes if n.shared_with is None)

    @cached_property
    def non_trainable_params(self) -> int:
        return sum(n.non_trainable_params for n in self.nodes if n.shared_with is None)

    @property
    def total_params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    def categories(self) -> list[str]:
        """Categories present in the graph, in legend order."""
        used = {node.category for node in self.nodes}
        return [c for c in CATEGORIES if c in used]


def topological_order(node_ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """Kahn's algorithm, stable with respect to the given node order; raises on cycles."""
    order = list(node_ids)
    position = {n: i for i, n in enumerate(order)}
    indegree = dict.fromkeys(order, 0)
    children: dict[str, list[str]] = {n: [] for n in order}
    for source, target in edges:
        children[source].append(target)
        indegree[target] += 1
    ready = [(position[n], n) for n in order if indegree[n] == 0]
    heapq.heapify(ready)
    result: list[str] = []
    while ready:
        _, n = heapq.heappop(ready)
        result.append(n)
        for child in children[n]:
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(ready, (position[child], child))
    if len(result) != len(order):
        raise ValueError("the graph has a cycle")
    return result
