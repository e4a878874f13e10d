"""Custom layers opened (issue 11): a layer whose call runs on symbolic tensors is traced and
drawn with its inside as a drill-down; tracing leaves the user's model unchanged; where tracing
fails, one box and a warning saying why."""

from __future__ import annotations

from collections import Counter

import models
import pytest
from deck_checks import all_shapes, check_deck
from openxml_audit import validate_pptx
from pptx import Presentation

from pptx_nnviz import load_graph
from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import _keras, to_graph
from pptx_nnviz.views import ViewOptions

keras_hub = pytest.importorskip("keras_hub")

SMALL = dict(num_layers=2, num_heads=2, hidden_dim=64, intermediate_dim=128)


@pytest.fixture(scope="module")
def bert():
    return keras_hub.models.BertBackbone(vocabulary_size=1000, max_sequence_length=32, **SMALL)


@pytest.fixture(scope="module")
def gpt2():
    return keras_hub.models.GPT2Backbone(vocabulary_size=1000, max_sequence_length=32, **SMALL)


@pytest.fixture(scope="module")
def vit():
    return keras_hub.models.ViTBackbone(
        image_shape=(32, 32, 3),
        patch_size=8,
        num_layers=2,
        num_heads=2,
        hidden_dim=64,
        mlp_dim=128,
    )


def _inside(graph, layer_name):
    node = next(n for n in graph.nodes if n.name == layer_name)
    assert node.inner is not None and node.category == "model", layer_name
    return node, node.inner


def _counted(graph) -> int:
    return sum(n.params for n in graph.nodes if not n.shared_with)


def _layers(inner) -> Counter:
    return Counter(n.class_name for n in inner.nodes if n.category != "input")


def test_bert_transformer_layers_are_opened(bert):
    graph = to_graph(bert)
    assert not graph.warnings
    for k in range(2):
        node, inner = _inside(graph, f"transformer_layer_{k}")
        assert _layers(inner) == {
            "MultiHeadAttention": 1,
            "Dropout": 2,
            "Add": 2,
            "LayerNormalization": 2,
            "Dense": 2,
        }
        assert _counted(inner) == node.params == bert.get_layer(node.name).count_params()
        by_name = {n.name: n for n in inner.nodes}
        assert by_name["feedforward_intermediate_dense"].output_shape == (None, None, 128)
        assert by_name["feedforward_output_dense"].output_shape == (None, None, 64)
        # the residuals: each Add joins the block's way in with what it computed
        assert set(inner.predecessors("add")) == {"self_attention_dropout", "inputs"}
        assert set(inner.predecessors("add_1")) == {
            "feedforward_dropout",
            "self_attention_layer_norm",
        }
        # the padding mask reaches the attention although its casts are hidden
        assert "padding_mask" in inner.predecessors("self_attention_layer")
        assert not any(n.plumbing for n in inner.nodes)


def test_gpt2_decoder_layers_are_opened(gpt2):
    graph = to_graph(gpt2)
    assert not graph.warnings
    node, inner = _inside(graph, "transformer_layer_0")
    assert _layers(inner) == {
        "CachedMultiHeadAttention": 1,
        "Dropout": 2,
        "Add": 2,
        "LayerNormalization": 2,
        "Dense": 2,
    }
    assert _counted(inner) == node.params
    # shapes the trace had to fix (the causal mask needs a length) read as unknown again
    assert {n.output_shape for n in inner.nodes if n.category == "dense"} == {
        (None, None, 128),
        (None, None, 64),
    }


def test_vit_opens_every_level_and_accounts_for_constant_weights(vit):
    graph = to_graph(vit)
    assert not graph.warnings
    patching, inner = _inside(graph, "vit_patching_and_embedding")
    weights = next(n for n in inner.nodes if n.class_name == "Weights")
    assert "class_token" in weights.name and _counted(inner) == patching.params
    assert {inner.node(t).class_name for t in inner.successors(weights.id)} == {
        "Concatenate",
        "Add",
    }
    encoder, blocks = _inside(graph, "vit_encoder")
    assert _counted(blocks) == encoder.params
    block, inside = _inside(blocks, "transformer_block_1")
    assert {"MultiHeadAttention", "Add", "LayerNormalization"} <= set(_layers(inside))
    _, mlp = _inside(inside, "mlp")
    assert _layers(mlp)["Dense"] == 2 and _counted(inside) == block.params
    flat = to_graph(vit, expand_nested=True)  # the same, drawn in place
    assert flat.total_params == vit.count_params() and not flat.warnings
    assert not any(n.inner for n in flat.nodes)
    assert sum(n.class_name == "MultiHeadAttention" for n in flat.nodes) == 2


def _state(model) -> tuple:
    layers = model._flatten_layers(include_self=True, recursive=True)
    return tuple((x.name, len(x._inbound_nodes), len(x._outbound_nodes)) for x in layers)


def _summary(model) -> str:
    lines: list[str] = []
    model.summary(print_fn=lambda text, **_: lines.append(text))
    return "\n".join(lines)


def test_tracing_leaves_the_model_unchanged(bert, gpt2, vit):
    from keras.src.backend.common import global_state

    for model in (bert, gpt2, vit):
        before, text = _state(model), _summary(model)
        names = dict(global_state.get_global_attribute("object_name_uids") or {})
        to_graph(model)
        to_graph(model, expand_nested=True)
        assert _state(model) == before
        assert _summary(model) == text
        after = global_state.get_global_attribute("object_name_uids") or {}
        assert dict(after) == names  # the trace's operations took no automatic names
        assert "compute_output_spec" not in vars(model.get_layer(model.layers[-1].name))


def test_the_same_model_gives_the_same_graph_twice(bert):
    assert to_graph(bert) == to_graph(bert)  # op names come from a fresh count each time


def test_bert_deck_draws_its_transformer_layer_once_for_both(bert, tmp_path):
    graph = to_graph(bert)
    path = build_deck(graph, tmp_path / "bert.pptx", views=["architecture"])
    prs = Presentation(str(path))
    titles = [s.shapes.title.text_frame.text for s in prs.slides]
    layers = [s for s, t in zip(prs.slides, titles) if "transformer_layer" in t]
    assert len(layers) == 1 and "transformer_layer (×2)" in layers[0].shapes.title.text_frame.text
    boxes = {s.name for s in all_shapes(layers[0].shapes)}
    assert {"self_attention_layer", "add", "add_1", "feedforward_layer_norm"} <= boxes
    assert {"feedforward_intermediate_dense", "feedforward_output_dense"} <= boxes
    assert any("self_attention_layer — multi-head attention" in t for t in titles), titles
    for report in check_deck(path):
        assert report.problems == {}, f"slide {report.number}: {report.problems}"
    assert validate_pptx(path).is_valid


def test_vit_deck_at_depth_three(vit, tmp_path):
    graph = to_graph(vit)
    path = build_deck(
        graph, tmp_path / "vit.pptx", views=["architecture"], options=ViewOptions(depth=3)
    )
    titles = [s.shapes.title.text_frame.text for s in Presentation(str(path)).slides]
    assert any("transformer_block_1" in t for t in titles)
    for report in check_deck(path):
        assert report.problems == {}, f"slide {report.number}: {report.problems}"


def test_a_user_layer_made_of_layers_is_opened():
    keras = _keras()

    class Residual(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.inner = keras.layers.Dense(units, activation="relu", name="inner")
            self.norm = keras.layers.LayerNormalization(name="norm")

        def call(self, x):
            return self.norm(x + self.inner(x))

    inp = keras.Input((8,), name="features")
    out = keras.layers.Dense(1, name="head")(Residual(8, name="residual")(inp))
    model = keras.Model(inp, out)
    graph = load_graph(model)
    node, inner = _inside(graph, "residual")
    assert [n.class_name for n in inner.nodes] == [
        "InputLayer",
        "Dense",
        "Add",
        "LayerNormalization",
    ]
    assert _counted(inner) == node.params == 8 * 8 + 8 + 16
    assert inner.nodes[0].name == "x"  # the input is named after call()'s parameter


def test_a_layer_whose_sublayers_return_tuples_holding_none_is_opened():
    """T5's and DeiT's layers: a sublayer returns (tensor, None)."""
    keras = _keras()

    class Scored(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = keras.layers.Dense(8, name="proj")

        def call(self, x):
            return self.proj(x), None

    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.scored = Scored(name="scored")
            self.norm = keras.layers.LayerNormalization(name="norm")

        def call(self, x):
            y, _ = self.scored(x)
            return self.norm(x + y)

    inp = keras.Input((8,), name="features")
    out = keras.layers.Dense(1, name="head")(Block(name="block")(inp))
    model = keras.Model(inp, out)
    graph = load_graph(model)
    assert not graph.warnings
    node, inner = _inside(graph, "block")
    assert [n.class_name for n in inner.nodes] == [
        "InputLayer",
        "Scored",
        "Add",
        "LayerNormalization",
    ]
    assert _counted(inner) == node.params == 8 * 8 + 8 + 16
    assert sum(n.params for n in graph.nodes) == model.count_params()


def test_a_layer_that_cannot_be_traced_is_one_box_with_a_warning():
    import tensorflow as tf

    keras = _keras()

    class TensorFlowInside(keras.layers.Layer):
        """Calls TensorFlow directly: fine on TensorFlow's tensors, not on Keras's."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(4)

        def build(self, shape):
            self.dense.build(shape)

        def call(self, x):
            return tf.nn.relu(self.dense(x))

    inp = keras.Input((3,))
    model = keras.Model(inp, TensorFlowInside(name="tf_inside")(inp))
    graph = to_graph(model)
    node = graph.node("tf_inside")
    assert node.inner is None and node.category == "other" and node.params == 16
    assert len(graph.warnings) == 1
    assert "'tf_inside' is drawn as one box" in graph.warnings[0]
    assert "\n" not in graph.warnings[0]


def test_a_subclassed_model_that_cannot_be_traced_is_one_box():
    graph = to_graph(models.opaque_subclassed())
    assert len(graph.nodes) == 1 and graph.nodes[0].params == 8
    assert "cannot be traced" in graph.warnings[0] and "one box" in graph.warnings[0]
