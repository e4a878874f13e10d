"""What a layer does and what a block is, in the words people write on slides.

Everything here reads the IR's operation vocabulary (`Node.op`), hyperparameters and shapes,
never a framework's class or a layer's name, so any importer gets the same words: a layer's
role ("Conv 3×3×64 relu", "BN", "image"), and a block's description from the operations of
its inner graph ("residual bottleneck, 256", "inception", "SE-MBConv 3×3, 40", "Transformer
layer", "Conv ×3"). Whether a name is the framework's automatic one decides only which of the
two a box shows first (`unit_names.is_automatic`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from .ir import NORM_OPS, PLUMBING_OPS, WEIGHTED_OPS, Graph, Node
from .unit_names import is_automatic

#: The word for each operation (merges drawn as symbols have their own, views/boxes.py).
OP_WORDS: dict[str, str] = {
    "input": "Input",
    "weights": "Weights",
    "conv": "Conv",
    "depthwise_conv": "DWConv",
    "separable_conv": "SepConv",
    "conv_transpose": "ConvT",
    "dense": "Dense",
    "embedding": "Embedding",
    "recurrent": "Recurrent",
    "attention": "Attention",
    "batch_norm": "BN",
    "layer_norm": "LayerNorm",
    "rms_norm": "RMSNorm",
    "group_norm": "GroupNorm",
    "norm": "Norm",
    "activation": "Activation",
    "dropout": "Dropout",
    "mask": "Mask",
    "top_k": "Top-k",
    "experts": "Experts",
    "pool": "Pool",
    "global_pool": "GlobalPool",
    "upsample": "Upsample",
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "divide": "Divide",
    "concat": "Concat",
    "average": "Average",
    "maximum": "Maximum",
    "minimum": "Minimum",
    "dot": "Dot",
    "matmul": "MatMul",
    "reshape": "Reshape",
    "flatten": "Flatten",
    "permute": "Permute",
    "repeat": "Repeat",
    "pad": "Pad",
    "crop": "Crop",
    "cast": "Cast",
    "identity": "Identity",
    "get_item": "GetItem",
    "preprocess": "Preprocess",
    "reduce": "Reduce",
    "model": "Model",
    "block": "Block",
}

#: Activation functions as people write them.
ACTIVATION_WORDS: dict[str, str] = {
    "relu": "ReLU",
    "relu6": "ReLU6",
    "gelu": "GELU",
    "silu": "SiLU",
    "swish": "Swish",
    "hard_swish": "h-swish",
    "hard_silu": "h-swish",
    "hard_sigmoid": "h-sigmoid",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softmax": "Softmax",
    "elu": "ELU",
    "selu": "SELU",
    "leaky_relu": "LeakyReLU",
}

#: Normalizations and activations folded into a box are listed by what they are (`fuse`
#: records them as the framework's words): the short names people use.
_FUSED_WORDS: tuple[tuple[str, str], ...] = (
    (r"(?i)^batch_?norm", "BN"),
    (r"(?i)^layer_?norm", "LayerNorm"),
    (r"(?i)^group_?norm", "GroupNorm"),
    (r"(?i)^rms_?norm", "RMSNorm"),
)

_GENERIC_INPUTS = frozenset({"input", "inputs", "x", "args", "arg", "tensor"})
_MAX_CHAIN_PARTS = 3


def activation_name(name: str) -> str:
    """An activation as people say it: 'keras_hub>gelu_approximate' -> 'gelu'."""
    return name.rsplit(">", 1)[-1].removesuffix("_approximate")


def activation_word(name: str) -> str:
    """'relu' -> 'ReLU', 'hard_sigmoid' -> 'h-sigmoid'; an unknown function as written."""
    plain = activation_name(name)
    return ACTIVATION_WORDS.get(plain.lower(), plain)


def fused_word(name: str) -> str:
    """A folded layer's short name: 'BatchNormalization' -> 'BN', 'relu' -> 'ReLU'."""
    for pattern, word in _FUSED_WORDS:
        if re.search(pattern, name):
            return word
    return activation_word(name)


def is_automatic_node(node: Node) -> bool:
    """Whether the node's name is the framework's automatic one: it says nothing about the
    layer. A block (`passes.collapse`) is automatic when its layers all are ('dense …
    dense_23'); its own class is the pass's, not theirs."""
    if node.op == "block":
        inner = [n for n in node.inner.nodes if n.op != "context"] if node.inner else []
        return bool(inner) and all(is_automatic_node(n) for n in inner)
    cls = node.class_name.removeprefix("from ")
    parts = node.name.split(" … ")  # a folded run: 'dense … dense_399'
    return all(is_automatic(part, cls) for part in parts)


def op_word(node: Node) -> str:
    """The word for what the node does: 'Conv', 'BN', 'ReLU', 'MaxPool'."""
    op = node.op
    if op == "activation":
        function = node.hyperparam("activation")
        return activation_word(function) if function else node.class_name
    if op in ("pool", "global_pool"):
        kind = _pool_kind(node)
        return ("Global" if op == "global_pool" else "") + (kind + "Pool" if kind else "Pool")
    if op in ("recurrent", "other"):
        return node.class_name  # the vocabulary has one word for LSTM, GRU, ...: keep theirs
    if op == "embedding" and node.input_shapes and len(node.input_shapes[0] or ()) >= 3:
        # an embedding of a sequence, not of ids: of the positions, rotated into each head
        # (rotary, no weights) or added to it (learned)
        rotary = node.params == 0 and len(node.input_shapes[0] or ()) == 4
        return "RoPE" if rotary else "Position embedding"
    if op == "top_k" and isinstance(node.setting("k"), int):
        return f"Top-{node.setting('k')}"
    if op == "experts":
        k = node.setting("top k")
        routed = f", top-{k}" if k else ""
        return f"expert FFN ×{node.setting('experts')}{routed}"
    if op == "attention" and node.inner is not None:
        return attention_kind(node.inner) or "Attention"
    if op == "attention" and node.hyperparam("heads"):
        return "Multi-Head Attention"
    return OP_WORDS.get(op, node.class_name)


def _pool_kind(node: Node) -> str:
    """'Max' or 'Avg' (the vocabulary has one `pool`; every framework spells the kind into
    the operation's type: MaxPooling2D, MaxPool, AdaptiveAvgPool2d)."""
    text = node.class_name.lower()
    return "Max" if "max" in text else "Avg" if "av" in text else ""


def settings(node: Node) -> str:
    """Key settings after the op's word: '3×3×64 /2 relu', '10 softmax', '0.5'."""
    h = dict(node.hyperparams)
    parts: list[str] = []
    if node.op in ("conv", "depthwise_conv", "separable_conv", "conv_transpose"):
        kernel = h.get("kernel", "")
        filters = f"×{h['filters']}" if "filters" in h else ""
        parts.append(kernel + filters if kernel else filters.lstrip("×"))
        if "strides" in h:
            parts.append(f"/{h['strides'].split('×')[0]}")
    elif node.op in ("dense", "recurrent"):
        parts.append(h.get("units", ""))
    elif node.op == "pool":
        parts.append(h.get("pool", ""))
    elif node.op == "dropout":
        parts.append(h.get("rate", ""))
    elif node.op == "embedding":
        parts.append(h.get("embedding dim", ""))
    if "activation" in h and node.op in WEIGHTED_OPS:
        parts.append(activation_name(h["activation"]))
    return " ".join(p for p in parts if p)


def layer_role(node: Node) -> str:
    """What the layer is, as a person labels its box: 'Conv 3×3×64 /2 relu', 'ReLU',
    'image' (an input named by its author), 'Input'; a block or nested model by its
    structure (`describe`)."""
    if node.op == "input":
        return input_role(node)
    if node.op in ("block", "model"):
        return container_role(node)
    if node.op == "activation":
        return op_word(node)
    part = node.hyperparam("part")  # what it is for, in a drawing made from a configuration
    return f"{part or op_word(node)} {settings(node)}".strip()


def input_role(node: Node) -> str:
    """An input by its author's name ('image', 'padding mask'); 'Input' when the name is the
    framework's own or a traced call's generic argument ('inputs', 'inputs_1')."""
    if is_automatic_node(node) or re.sub(r"_\d+$", "", node.name.lower()) in _GENERIC_INPUTS:
        return "Input"
    return node.name.replace("_", " ")


def container_role(node: Node) -> str:
    """A block or nested model by what it is: its inner graph's structure, else 'Model'."""
    if node.inner is not None and node.inner.nodes:
        return describe(node.inner)
    return "Model" if node.op == "model" else "block"


# --------------------------------------------------------------------------- blocks


_DESCRIBED: dict[int, tuple[Graph, str]] = {}  # id(graph) -> (graph, description)


def describe(graph: Graph) -> str:
    """What a block is, from its inner graph's operations: 'Transformer layer', 'SE-MBConv
    3×3, 40', 'residual bottleneck, 256', 'inception', 'dense unit', 'Conv ×3'. Boxes are
    measured many times while a layout is chosen: a graph is described once."""
    known = _DESCRIBED.get(id(graph))
    if known is not None and known[0] is graph:
        return known[1]
    if len(_DESCRIBED) > 4096:
        _DESCRIBED.clear()
    text = _describe(graph)
    _DESCRIBED[id(graph)] = (graph, text)
    return text


def attention_kind(graph: Graph) -> str:
    """What attention a graph computes, from its structure, or '' when it computes none:
    projections, two products around a softmax. 'cross-attention' when the queries come from
    another input than the keys, 'masked multi-head attention' under a causal mask,
    'grouped-query attention' when keys and values have fewer heads than the queries."""
    ops = Counter(n.op for n in graph.nodes)
    softmax = any(n.op == "activation" and op_word(n) == "Softmax" for n in graph.nodes)
    if ops["matmul"] < 2 or ops["dense"] < 2 or not softmax:  # Q, K, V may be one projection
        return ""
    projections = [n for n in graph.nodes if n.op == "dense"]
    heads = [h for h in map(_heads, projections[:3]) if h] or [
        n.output_shape[1]
        for n in graph.nodes
        if n.op == "matmul" and n.output_shape is not None and len(n.output_shape) == 4
    ][:1]
    read = {s for n in projections for s in graph.predecessors(n.id) if graph.node(s).op == "input"}
    if len(read) > 1:  # queries from one input, keys and values from another
        return "cross-attention"
    grouped = len(heads) >= 2 and min(heads) < max(heads)
    kind = "grouped-query attention" if grouped else "multi-head attention"
    if any(n.op in ("mask", "input") and n.setting("kind") == "causal" for n in graph.nodes):
        return f"masked {kind}"
    return kind if grouped or (heads and max(heads) > 1) else "attention"


def taught(graph: Graph) -> bool:
    """Whether a layer's inside is one lectures draw on a slide of its own: attention, a
    mixture of experts."""
    return bool(attention_kind(graph)) or any(n.op == "experts" for n in graph.nodes)


def _heads(projection: Node) -> int | None:
    """How many heads a projection makes: its setting, or the heads axis of its output
    (batch, length, heads, width)."""
    heads = projection.setting("heads")
    if isinstance(heads, int):
        return heads
    shape = projection.output_shape
    return shape[2] if shape is not None and len(shape) == 4 else None


def _describe(graph: Graph) -> str:
    body = [n for n in graph.nodes if n.op not in ("context", "weights", "input")]
    if not body:
        return "block"
    kind = attention_kind(graph)
    if kind:
        return kind
    experts = next((n for n in body if n.op == "experts"), None)
    if experts is not None:
        k = experts.setting("top k")
        chosen = f"top-{k} of {experts.setting('experts')}" if k else experts.setting("experts")
        return f"mixture of experts, {chosen}"
    ops = Counter(
        "attention" if n.op in ("block", "model") and n.inner and attention_kind(n.inner) else n.op
        for n in body
    )
    ops["skip"] = sum(_joins_a_fork(graph, n) for n in body if n.op == "add")
    channels = _channels(graph, body)
    width = f", {channels}" if channels else ""
    last = body[-1]
    if ops["block"] and all(n.op in ("block", "concat") for n in body):
        return f"dense block, {ops['block']} units" if ops["concat"] else _chain(body)
    if ops["attention"] and ops["skip"]:
        feed_forward = ops["dense"] or any(_feed_forward(n) for n in body)
        return "Transformer layer" if feed_forward and _norms(ops) else "attention block"
    if ops["depthwise_conv"]:
        kernel = next(n.hyperparam("kernel") for n in body if n.op == "depthwise_conv") or ""
        se = "SE-" if ops["multiply"] and ops["global_pool"] else ""
        # an inverted bottleneck expands and projects (or squeezes and excites) around it
        separable = "residual depthwise separable" if ops["skip"] else "depthwise separable"
        kind = "MBConv" if ops["conv"] >= 2 else separable
        return f"{se}{kind} {kernel}{width}".strip()
    if last.op == "concat" and ops["concat"] == 1 and _fan_out(graph) >= 3:
        return "inception"
    if last.op == "concat" and len(graph.edges_into(last.id)) == 2 and ops["concat"] == 1:
        return "dense unit"
    if ops["skip"] and ops["conv"] >= 3 and _bottleneck(body):
        return f"residual bottleneck{width}"
    if ops["skip"] and (ops["conv"] or ops["dense"]):
        return f"residual block{width}"
    if ops["multiply"] and ops["global_pool"]:
        return f"squeeze-excite{width}"
    if _fan_out(graph) >= 3 and ops["concat"]:
        return "inception"
    if _transition(body):
        return f"transition{width}"
    if _patchifies(graph, body):
        return "patch embedding"
    learned = [n for n in graph.nodes if n.op == "weights" and _feeds(graph, n, "add")]
    others = WEIGHTED_OPS - {"embedding"}
    if ops["embedding"] + len(learned) >= 2 and ops["add"] and not any(ops[o] for o in others):
        return _embeddings([n for n in graph.nodes if n in body or n in learned])
    return _chain(body)


def _embeddings(nodes: list[Node]) -> str:
    """Embeddings summed, by what each embeds: 'token + position embedding', 'token +
    position + segment embedding' (the ids embedded first are the tokens; weights added
    as they are, one vector per position, are the positions)."""
    words = []
    for node in nodes:
        if node.op == "weights":
            words.append("position")
        elif node.op == "embedding":
            ids = op_word(node) not in ("Position embedding", "RoPE")
            words.append(("segment" if "token" in words else "token") if ids else "position")
    order = ("token", "position", "segment")  # as the papers list them
    return " + ".join(sorted(words, key=order.index)) + " embedding"


def _feeds(graph: Graph, node: Node, op: str) -> bool:
    return any(graph.node(t).op == op for t in graph.successors(node.id))


def _joins_a_fork(graph: Graph, merge: Node) -> bool:
    """Whether two inputs of a merge come from one node (a residual connection joins a
    branch back to where it forked), not from unrelated sources (a position embedding
    added to the patches)."""
    reached: list[set[str]] = []
    for source in graph.predecessors(merge.id):
        seen, todo = set(), [source]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += graph.predecessors(node)
        if any(seen & other for other in reached):
            return True
        reached.append(seen)
    return False


def _feed_forward(node: Node) -> bool:
    """A sublayer of dense layers (an MLP, its output projection) or a mixture of experts."""
    if node.op not in ("block", "model") or node.inner is None:
        return False
    inner = node.inner
    ops = {n.op for n in inner.nodes}
    return ("dense" in ops or "experts" in ops) and not attention_kind(inner)


def _patchifies(graph: Graph, body: list[Node]) -> bool:
    """A convolution cutting the input into patches (stride as large as its kernel) whose
    output the block flattens into a sequence: a Vision Transformer's patch embedding."""
    convs = [n for n in body if n.op == "conv"]
    if len(convs) != 1:
        return False
    kernel, strides = convs[0].setting("kernel"), convs[0].setting("strides")
    patched = kernel is not None and kernel == strides and max(_flat_ints(kernel)) > 1
    sequence = body[-1].output_shape is not None and len(body[-1].output_shape) == 3
    return patched and sequence


def _flat_ints(value: object) -> list[int]:
    values = value if isinstance(value, tuple) else (value,)
    return [v for v in values if isinstance(v, int)] or [0]


def _transition(body: list[Node]) -> bool:
    """A 1×1 conv then an average pool: DenseNet's transition between dense blocks."""
    main = [n for n in body if n.op in WEIGHTED_OPS or n.op == "pool"]
    return (
        len(main) == 2
        and main[0].op == "conv"
        and set((main[0].hyperparam("kernel") or "").split("×")) == {"1"}
        and main[1].op == "pool"
        and _pool_kind(main[1]) == "Avg"
    )


def _norms(ops: Counter[str]) -> bool:
    return any(ops[o] for o in NORM_OPS)


def _channels(graph: Graph, body: list[Node]) -> int | None:
    """The block's output channels (feature maps, by the graph's axis order) or features."""
    shape = body[-1].output_shape
    if not shape or len(shape) < 3:
        return None
    axis = 1 if graph.axis_order == "channels_first" else -1
    return shape[axis]


def _fan_out(graph: Graph) -> int:
    """The most branches any node of the block starts."""
    counts = [
        len([e for e in graph.edges_from(n.id) if graph.node(e.target).op not in PLUMBING_OPS])
        for n in graph.nodes
    ]
    return max(counts, default=0)


def _bottleneck(body: list[Node]) -> bool:
    """A 1×1 conv reducing, a larger one, a 1×1 conv expanding (ResNet's bottleneck)."""
    kernels = [n.hyperparam("kernel") or "" for n in body if n.op == "conv"]
    ones = [set(k.split("×")) == {"1"} for k in kernels]
    return len(kernels) >= 3 and ones[0] and ones[-1] and not all(ones)


def _chain(body: list[Node]) -> str:
    """A plain run by its layers: 'Conv 3×3×64 relu ×2 → MaxPool 2×2', 'Dense 32 relu ×24';
    by their words when the settings vary ('Conv ×3 → MaxPool'), by counts when the run
    has many parts ('Conv ×5, MaxPool ×2')."""
    main = [n for n in body if n.op in WEIGHTED_OPS or n.op in ("pool", "global_pool")]
    main = main or [n for n in body if n.op not in PLUMBING_OPS] or body
    for key in (_chain_role, _chain_word):
        runs = _runs(main, key)
        if len(runs) <= _MAX_CHAIN_PARTS:
            return " → ".join(f"{w} ×{n}" if n > 1 else w for w, n in runs)
    counts: Counter[str] = Counter()
    for word, n in _runs(main, _chain_word):
        counts[word] += n
    return ", ".join(f"{w} ×{n}" if n > 1 else w for w, n in counts.items())


def _chain_role(node: Node) -> str:
    return container_role(node) if node.op in ("block", "model") else layer_role(node)


def _chain_word(node: Node) -> str:
    return container_role(node) if node.op in ("block", "model") else op_word(node)


def _runs(nodes: list[Node], key: Callable[[Node], str]) -> list[tuple[str, int]]:
    """Consecutive nodes with the same key: (key, how many)."""
    runs: list[tuple[str, int]] = []
    for node in nodes:
        word = key(node)
        if runs and runs[-1][0] == word:
            runs[-1] = (word, runs[-1][1] + 1)
        else:
            runs.append((word, 1))
    return runs
