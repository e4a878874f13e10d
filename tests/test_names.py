"""Names a person would write (issue 17, item 4), on decks of real models whose layers all
have Keras's automatic names: no box label is an automatic name or shows `?`, the caption
explains the symbol for an unknown size once, inputs read their authors' names, and block
boxes say what the block is (from its structure), never how many layers it holds.

The label checks follow /work/shared/tools/semantic.py: a box's first line (its parts
around '…') must not be a Keras automatic name."""

from __future__ import annotations

import re

import models
import pytest
from pptx import Presentation

from pptx_nnviz.deck import build_deck
from pptx_nnviz.ir import Node
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.roles import describe, layer_role
from pptx_nnviz.text import format_shape
from pptx_nnviz.unit_names import snake_case
from pptx_nnviz.views import ViewOptions
from pptx_nnviz.views.boxes import display_name

NOT_DIAGRAM = ("summary", "parameters", "detailed graph", "layered view", "neurons", "appendix")
GENERIC = re.compile(r"Block of \d+ layers|\(\d+ layers\)|\d+ layers")


def _keras():
    import keras

    return keras


# --------------------------------------------------------------------------- models


def mlp():
    keras = _keras()
    x = inp = keras.Input((784,))
    for units in (256, 128, 64):
        x = keras.layers.Dense(units, activation="relu")(x)
    return keras.Model(inp, keras.layers.Dense(10, activation="softmax")(x))


def long_mlp():
    keras = _keras()
    x = inp = keras.Input((32,))
    for _ in range(100):
        x = keras.layers.Dense(32, activation="relu")(x)
    return keras.Model(inp, keras.layers.Dense(4, activation="softmax")(x))


def convnet():
    keras, layers = _keras(), _keras().layers
    x = inp = keras.Input((32, 32, 3))
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Dense(128, activation="relu")(layers.Flatten()(x))
    return keras.Model(inp, layers.Dense(10, activation="softmax")(x))


def se_block(x, expand: int, out: int, stride: int = 1):
    """A MobileNetV3 block: expand, depthwise, squeeze-and-excite, project, residual."""
    layers = _keras().layers
    start = x
    x = layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(expand, 1, use_bias=False)(x)))
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    s = layers.GlobalAveragePooling2D(keepdims=True)(x)
    s = layers.Conv2D(expand // 4, 1, activation="relu")(s)
    s = layers.Conv2D(expand, 1, activation="hard_sigmoid")(s)
    x = layers.Multiply()([x, s])
    x = layers.BatchNormalization()(layers.Conv2D(out, 1, use_bias=False)(x))
    return layers.Add()([start, x]) if stride == 1 and start.shape[-1] == out else x


def se_mobilenet():
    keras, layers = _keras(), _keras().layers
    x = inp = keras.Input((64, 64, 3))
    x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
    x = se_block(se_block(x, 64, 24, 2), 96, 24)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, layers.Dense(10, activation="softmax")(x))


def sequence():
    keras, layers = _keras(), _keras().layers
    x = inp = keras.Input((None, 64))
    x = layers.Conv1D(64, 3, padding="same", activation="relu")(x)
    x = layers.Dense(16, activation="relu")(layers.LSTM(32, return_sequences=True)(x))
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inp, layers.Dense(2, activation="softmax")(x))


def named_inputs():
    keras, layers = _keras(), _keras().layers
    image = keras.Input((96, 96, 3), name="image")
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    extra = keras.Input((8,))  # no name: reads "Input"
    a = layers.GlobalAveragePooling2D()(layers.Conv2D(16, 3, activation="relu")(image))
    b = layers.GlobalAveragePooling1D()(layers.Embedding(1000, 16)(tokens))
    x = layers.Concatenate()([a, b, extra])
    return keras.Model([image, tokens, extra], layers.Dense(1, activation="sigmoid")(x))


MODELS = {
    "mlp": (mlp, "auto"),
    "long_mlp": (long_mlp, "auto"),
    "convnet": (convnet, "auto"),
    "se_mobilenet": (se_mobilenet, "all"),
    "sequence": (sequence, "auto"),
    "named_inputs": (named_inputs, "auto"),
}


# --------------------------------------------------------------------------- decks


def _automatic_name() -> re.Pattern:
    """Keras's automatic layer names, as semantic.py builds them from keras.layers."""
    keras = _keras()
    names = {"input_layer", "functional", "sequential", "lambda", "keras_tensor"}
    names |= {snake_case(c.__name__) for c in vars(keras.layers).values() if isinstance(c, type)}
    names |= {"add", "multiply", "subtract", "concatenate", "get_item", "reshape", "cast"}
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    return re.compile(rf"^({alternatives})(_\d+)?$")


def _leaves(shapes):
    for shape in shapes:
        if shape.shape_type == 6:  # a group
            yield from _leaves(shape.shapes)
        else:
            yield shape


def _alt_text(shape) -> str:
    return shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr") or ""


def diagram_boxes(path) -> list[tuple[str, object]]:
    """(slide title, shape) of every labelled box on the architecture and drill-down slides
    (not captions, legends or navigation)."""
    found = []
    for slide in Presentation(str(path)).slides:
        title = slide.shapes.title.text if slide.shapes.title is not None else ""
        if slide.shapes.title is None or any(w in title.lower() for w in NOT_DIAGRAM):
            continue
        for shape in _leaves(slide.shapes):
            if shape.is_placeholder or not shape.has_text_frame:  # titles, the subtitle
                continue
            if shape.name.startswith(("link", "caption", "legend", "group legend", "portal")):
                continue
            if shape.text_frame.text.strip():
                found.append((title, shape))
    return found


@pytest.fixture(scope="module", params=list(MODELS))
def deck(request, tmp_path_factory):
    build, collapse = MODELS[request.param]
    graph = to_graph(build())
    path = tmp_path_factory.mktemp("names") / f"{request.param}.pptx"
    build_deck(graph, path, views=["title", "architecture"], options=ViewOptions(collapse=collapse))
    return request.param, graph, path


def test_no_box_label_is_an_automatic_name_or_a_question_mark(deck):
    name, graph, path = deck
    automatic = _automatic_name()
    boxes = diagram_boxes(path)
    assert len(boxes) >= 3
    for title, shape in boxes:
        text = shape.text_frame.text
        first = text.split("\n")[0].strip()
        parts = [p.strip(" ()") for p in re.split(r"…|×\d+", first) if p.strip(" ()")]
        assert not any(automatic.match(p) for p in parts), f"{name}, {title}: {first!r}"
        assert "?" not in text, f"{name}, {title}: {text!r}"
        assert not GENERIC.search(text), f"{name}, {title}: {text!r}"
        lines = [line.strip() for line in text.split("\n")]
        assert len(lines) == len(set(lines)), f"{name}: lines repeat each other: {lines}"


def test_keras_names_stay_in_alt_text_and_notes(deck):
    name, graph, path = deck
    prs = Presentation(str(path))
    notes = "\n".join(s.notes_slide.notes_text_frame.text for s in prs.slides)
    alt = {shape.name: _alt_text(shape) for _, shape in diagram_boxes(path)}
    for node in graph.nodes:
        if node.id in alt:  # drawn as its own box (or a run's first): its alt text names it
            text = alt[node.id]
            assert text.startswith((f"{node.name}: {node.class_name}", f"{node.name} … ")), text
    drawn = [n for n in graph.nodes if n.id in alt]
    assert drawn and all(n.name in notes for n in drawn)


def test_unknown_sizes_are_symbols_the_caption_explains(tmp_path):
    graph = to_graph(sequence())
    path = build_deck(graph, tmp_path / "seq.pptx", views=["title", "architecture"])
    prs = Presentation(str(path))
    texts = [shape.text_frame.text for _, shape in diagram_boxes(path)]
    assert any(t.split("\n")[0] == "Input" and "L×64" in t for t in texts), texts
    assert any("L×32" in t for t in texts)
    slide = prs.slides[1]
    caption = "".join(s.text_frame.text for s in slide.shapes if s.name.startswith("caption"))
    assert caption.count("L: any sequence length") == 1, caption
    subtitle = "\n".join(s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
    assert "L×64 → 2" in subtitle and "?" not in subtitle, subtitle
    # a model whose sizes are all known has nothing to explain
    known = build_deck(to_graph(mlp()), tmp_path / "mlp.pptx", views=["architecture"])
    caption = "".join(
        s.text_frame.text
        for s in Presentation(str(known)).slides[0].shapes
        if s.name.startswith("caption")
    )
    assert "any" not in caption


def test_format_shape_symbols_follow_the_axis_order():
    assert format_shape((None, None, 64)) == "L×64"
    assert format_shape((None, None)) == "L"
    assert format_shape((None, None, None, 3)) == "H×W×3"
    assert format_shape((None, 3, None, None), "channels_first") == "3×H×W"
    assert format_shape((None, 224, 224, None)) == "224×224×n"
    # a sequence split into heads knows one of its leading sizes: its length is L, not H
    assert format_shape((None, None, 8, 64)) == "L×8×64"
    assert format_shape((None, 8, None, None)) == "8×L×n"
    assert "?" not in format_shape(None)


def test_inputs_read_their_authors_names(tmp_path):
    graph = to_graph(named_inputs())
    path = build_deck(graph, tmp_path / "inputs.pptx", views=["architecture"])
    firsts = {
        shape.name: shape.text_frame.text.split("\n")
        for _, shape in diagram_boxes(path)
        if graph.by_id.get(shape.name) and graph.node(shape.name).op == "input"
    }
    lines = sorted(firsts.values())
    assert lines == [["Input", "8"], ["image", "96×96×3"], ["tokens", "L"]], lines


def test_block_boxes_say_what_the_block_is(tmp_path):
    graph = to_graph(se_mobilenet())
    path = build_deck(
        graph, tmp_path / "se.pptx", views=["architecture"], options=ViewOptions(collapse="all")
    )
    overview = [s for t, s in diagram_boxes(path) if "overview" in t]
    blocks = [s.text_frame.text for s in overview if s.name.startswith("block:")]
    assert blocks and any("SE-MBConv 3×3" in b for b in blocks), blocks
    graph = to_graph(long_mlp())
    path = build_deck(graph, tmp_path / "long.pptx", views=["architecture"])
    overview = [s.text_frame.text for t, s in diagram_boxes(path) if "architecture" in t]
    assert "Dense 32 relu × 100\n32 · 106K params" in overview, overview  # one box, × 100


# --------------------------------------------------------------------------- roles


def _bottleneck():
    keras, layers = _keras(), _keras().layers
    inp = keras.Input((16, 16, 64))
    x = layers.Conv2D(16, 1, activation="relu")(inp)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(64, 1)(x)
    return keras.Model(inp, layers.ReLU()(layers.Add()([inp, x])))


def _inception():
    keras, layers = _keras(), _keras().layers
    inp = keras.Input((16, 16, 32))
    a = layers.Conv2D(8, 1)(inp)
    b = layers.Conv2D(8, 3, padding="same")(layers.Conv2D(8, 1)(inp))
    c = layers.Conv2D(8, 5, padding="same")(layers.Conv2D(8, 1)(inp))
    d = layers.Conv2D(8, 1)(layers.MaxPooling2D(3, 1, padding="same")(inp))
    return keras.Model(inp, layers.Concatenate()([a, b, c, d]))


def _dense_unit():
    keras, layers = _keras(), _keras().layers
    inp = keras.Input((16, 16, 32))
    x = layers.Conv2D(64, 1)(layers.ReLU()(layers.BatchNormalization()(inp)))
    x = layers.Conv2D(16, 3, padding="same")(layers.ReLU()(layers.BatchNormalization()(x)))
    return keras.Model(inp, layers.Concatenate()([inp, x]))


def _transformer():
    keras, layers = _keras(), _keras().layers
    inp = keras.Input((None, 32))
    x = layers.MultiHeadAttention(4, 8)(inp, inp)
    x = layers.LayerNormalization()(layers.Add()([inp, x]))
    y = layers.Dense(32)(layers.Dense(64, activation="gelu")(x))
    return keras.Model(inp, layers.LayerNormalization()(layers.Add()([x, y])))


def _se_unit():
    keras = _keras()
    inp = keras.Input((16, 16, 24))
    return keras.Model(inp, se_block(inp, 96, 24))


def _conv_chain():
    keras, layers = _keras(), _keras().layers
    x = inp = keras.Input((16, 16, 3))
    for _ in range(3):
        x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    return keras.Model(inp, x)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (_bottleneck, "residual bottleneck, 64"),
        (_inception, "inception"),
        (_dense_unit, "dense unit"),
        (_transformer, "Transformer layer"),
        (_se_unit, "SE-MBConv 3×3, 24"),
        (_conv_chain, "Conv 3×3×32 relu ×3"),
    ],
)
def test_a_block_is_described_by_its_structure(build, expected):
    """The inner graph of a block (here a whole small model with automatic names) says what
    it is from its operations, whatever the layers are called."""
    assert describe(to_graph(build())) == expected


def test_roles_read_the_operation_not_the_class():
    """An importer naming its classes otherwise (ONNX's 'Conv', PyTorch's 'BatchNorm2d') gets
    the words a Keras model gets."""
    keras_graph = to_graph(models.mnist_convnet())
    conv = next(n for n in keras_graph.nodes if n.op == "conv")
    onnx = Node("Conv_0", "Conv_0", "Conv", "conv", op="conv", hyperparams=conv.hyperparams)
    assert layer_role(onnx) == layer_role(conv)
    assert layer_role(conv).startswith("Conv 3×3×32") and "Conv2D" not in layer_role(conv)
    norm = Node("bn", "bn", "BatchNorm2d", "normalization", op="batch_norm")
    assert layer_role(norm) == "BN"


def test_a_traced_layer_reads_its_call_arguments_and_structure():
    """A custom layer (automatic name) drawn by what it is; inside, its inputs by the names of
    its call's arguments."""
    keras, layers = _keras(), _keras().layers

    class Encoder(layers.Layer):
        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.attention = layers.MultiHeadAttention(2, 8)
            self.norm = layers.LayerNormalization()
            self.dense = layers.Dense(16)

        def call(self, hidden_states, padding_mask=None):
            attended = self.attention(hidden_states, hidden_states, attention_mask=padding_mask)
            x = self.norm(hidden_states + attended)
            return x + self.dense(x)

    x, mask = keras.Input((None, 16)), keras.Input((None, None), name="padding_mask")
    graph = to_graph(keras.Model([x, mask], Encoder()(x, padding_mask=mask)))
    encoder = next(n for n in graph.nodes if n.inner is not None)
    assert display_name(encoder) == "Transformer layer"
    inner = [display_name(n) for n in encoder.inner.nodes if n.op == "input"]
    assert inner == ["hidden states", "padding mask"], inner
    assert [display_name(graph.node(i)) for i in graph.inputs] == ["Input", "padding mask"]
