"""Attention, normalizations and mixtures of experts drawn as they are taught: Keras's
attention built-ins opened from their configuration (Q, K, V projections with their heads, the
scaled scores, the mask, the softmax, the weighted sum, the output projection), the kind of
attention named from the structure (self, causal, cross, grouped-query), RMSNorm told from
LayerNorm by its weights, and a mixture of experts by its router and top-k."""

from __future__ import annotations

import keras
import pytest
from deck_checks import all_shapes, check_deck
from openxml_audit import validate_pptx
from pptx import Presentation

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.roles import attention_kind, describe, layer_role
from pptx_nnviz.simplify import simplify


def _decoder(name: str, **extra):
    """A keras_hub decoder-only backbone of one small layer, with grouped queries."""
    keras_hub = pytest.importorskip("keras_hub")
    config = dict(vocabulary_size=64, num_layers=1, num_query_heads=2, hidden_dim=32)
    config.update(intermediate_dim=64, num_key_value_heads=1, **extra)
    return getattr(keras_hub.models, name)(**config)


def _attention(graph):
    return next(n for n in graph.nodes if n.op == "attention")


def _encoder(causal: bool = False, mask: bool = False) -> keras.Model:
    tokens = keras.Input((None, 32), name="tokens")
    inputs = [tokens]
    kwargs = {"use_causal_mask": True} if causal else {}
    if mask:
        padding = keras.Input((None, None), dtype="bool", name="padding")
        inputs.append(padding)
        kwargs["attention_mask"] = padding
    attended = keras.layers.MultiHeadAttention(4, 8, dropout=0.1, name="attend")(
        tokens, tokens, **kwargs
    )
    x = keras.layers.LayerNormalization(name="norm")(
        keras.layers.Add(name="residual")([tokens, attended])
    )
    return keras.Model(inputs, keras.layers.Dense(32, name="head")(x))


def test_multi_head_attention_is_drawn_from_its_configuration():
    model = _encoder(mask=True)
    graph = to_graph(model)
    node = _attention(graph)
    inner = node.inner
    assert inner is not None and node.category == "attention"
    parts = [n.hyperparam("part") for n in inner.nodes]
    assert parts[:2] == [None, "Q projection"] and "K projection" in parts
    assert {"V projection", "Q·Kᵀ / √8", "padding mask", "weights · V", "output projection"} <= set(
        parts
    )
    assert [layer_role(n) for n in inner.nodes if n.hyperparam("part") == "Q projection"] == [
        "Q projection 4 heads × 8"
    ]
    # self-attention: one input feeds the three projections
    assert inner.inputs == ("sequence",) and len(inner.successors("sequence")) == 3
    layer = model.get_layer("attend")
    assert node.params == sum(n.params for n in inner.nodes) == layer.count_params()
    assert graph.total_params == model.count_params()
    assert layer_role(node) == "multi-head attention"


def test_the_kind_of_attention_is_read_from_the_structure():
    assert attention_kind(_attention(to_graph(_encoder())).inner) == "multi-head attention"
    causal = _attention(to_graph(_encoder(causal=True))).inner
    assert attention_kind(causal) == "masked multi-head attention"
    assert any(n.op == "mask" and n.setting("kind") == "causal" for n in causal.nodes)

    decoder = keras.Input((None, 16), name="decoder_sequence")
    memory = keras.Input((None, 24), name="encoder_output")
    cross = keras.layers.MultiHeadAttention(2, 8, name="cross")(decoder, memory)
    inner = _attention(to_graph(keras.Model([decoder, memory], cross))).inner
    assert attention_kind(inner) == "cross-attention"
    q = next(n for n in inner.nodes if n.hyperparam("part") == "Q projection")
    v = next(n for n in inner.nodes if n.hyperparam("part") == "V projection")
    assert inner.predecessors(q.id) == ["query"] and inner.predecessors(v.id) == ["value"]

    x = keras.Input((None, 32), name="x")
    grouped = keras.layers.GroupQueryAttention(8, 4, 2, name="gqa")(x, x)
    graph = to_graph(keras.Model(x, grouped))
    node = _attention(graph)
    assert attention_kind(node.inner) == "grouped-query attention"
    assert node.params == sum(n.params for n in node.inner.nodes) == graph.total_params


def test_a_deck_opens_attention_on_a_slide_of_its_own(tmp_path):
    path = build_deck(to_graph(_encoder(mask=True)), tmp_path / "mha.pptx", views=["architecture"])
    prs = Presentation(str(path))
    slide = next(s for s in prs.slides if "attend" in s.shapes.title.text_frame.text)
    assert "multi-head attention" in slide.shapes.title.text_frame.text
    texts = {s.text_frame.text for s in all_shapes(slide.shapes) if s.has_text_frame}
    for words in ("Q projection", "K projection", "V projection", "Q·Kᵀ", "Softmax", "weights · V"):
        assert any(words in t for t in texts), (words, texts)
    for report in check_deck(path):
        assert report.problems == {}, f"slide {report.number}: {report.problems}"
    assert validate_pptx(path).is_valid


def test_rms_norm_is_told_from_layer_norm_by_its_weights():
    class ScaleNorm(keras.layers.Layer):  # only a scale: RMSNorm, whatever its class says
        def build(self, shape):
            self.scale = self.add_weight(shape=(shape[-1],), name="scale")

        def call(self, x):
            return x * keras.ops.rsqrt(keras.ops.mean(x * x, axis=-1, keepdims=True)) * self.scale

    class CenteredNorm(ScaleNorm):  # a scale and an offset: LayerNorm
        def build(self, shape):
            super().build(shape)
            self.offset = self.add_weight(shape=(shape[-1],), name="offset")

    ScaleNorm.__name__, CenteredNorm.__name__ = "MyLayerNorm", "MyOtherNormalization"
    x = keras.Input((None, 8))
    y = CenteredNorm(name="centred")(ScaleNorm(name="scaled")(x))
    z = keras.layers.LayerNormalization(rms_scaling=True, name="rms")(y)
    graph = to_graph(keras.Model(x, z))
    ops = {n.name: n.op for n in graph.nodes}
    assert (
        ops["scaled"] == "rms_norm" and ops["centred"] == "layer_norm" and ops["rms"] == "rms_norm"
    )


def test_a_mixture_of_experts_reads_router_top_k_and_experts():
    graph = simplify(to_graph(_decoder("MixtralBackbone", num_experts=4, top_k=2)))
    layer = next(n for n in graph.nodes if n.inner is not None)
    assert describe(layer.inner) == "Transformer layer"
    moe = next(n for n in layer.inner.nodes if n.inner and describe(n.inner).startswith("mixture"))
    assert describe(moe.inner) == "mixture of experts, top-2 of 4"
    experts = next(n for n in moe.inner.nodes if n.op == "experts")
    assert layer_role(experts) == "expert FFN ×4, top-2"
    assert moe.params == sum(n.params for n in moe.inner.nodes) and experts.params > moe.params // 2
    attention = next(n for n in layer.inner.nodes if n.inner and attention_kind(n.inner))
    assert attention_kind(attention.inner) == "masked grouped-query attention"
    norms = [n for n in layer.inner.nodes if n.op.endswith("norm")]
    assert norms and all(n.op == "rms_norm" for n in norms)


def test_weights_added_to_a_sequence_are_drawn_as_its_other_input():
    """A position embedding a layer adds as a weight of its own: an input of the add (not
    parameters of the add), and no residual connection (nothing forked)."""

    class Patches(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.patchify = keras.layers.Conv2D(16, 4, strides=4, name="patchify")
            self.flat = keras.layers.Reshape((16, 16), name="flat")

        def build(self, shape):
            self.positions = self.add_weight(shape=(16, 16), name="positions")

        def call(self, images):
            return self.flat(self.patchify(images)) + self.positions

    images = keras.Input((16, 16, 3), name="images")
    model = keras.Model(images, Patches(name="patches")(images))
    graph = to_graph(model)
    node = next(n for n in graph.nodes if n.inner is not None)
    add = next(n for n in node.inner.nodes if n.op == "add")
    sources = [node.inner.node(s) for s in node.inner.predecessors(add.id)]
    assert len(sources) == 2 and add.params == 0
    weights = next(s for s in sources if s.op == "weights")
    assert weights.name == "positions" and weights.params == 16 * 16
    assert describe(node.inner) == "patch embedding"
    assert node.params == sum(n.params for n in node.inner.nodes) == model.count_params()


def test_a_vit_deck_opens_its_blocks_and_their_attention_at_the_default_depth(tmp_path):
    keras_hub = pytest.importorskip("keras_hub")
    vit = keras_hub.models.ViTBackbone(
        image_shape=(32, 32, 3),
        patch_size=8,
        num_layers=2,
        num_heads=2,
        hidden_dim=32,
        mlp_dim=64,
    )
    path = build_deck(to_graph(vit), tmp_path / "vit.pptx", views=["architecture"])
    prs = Presentation(str(path))
    titles = [s.shapes.title.text_frame.text for s in prs.slides]
    assert any(t.endswith("vit_encoder") for t in titles), titles
    assert any("mha — multi-head attention" in t for t in titles), titles
    block = next(s for s, t in zip(prs.slides, titles) if "transformer_block" in t)
    boxes = {s.name: s for s in all_shapes(block.shapes)}
    norm, attention = boxes["ln_1"], boxes["mha"]
    # drawn as a column: the norm above the attention, one under the other
    assert norm.top + norm.height <= attention.top
    assert abs((norm.left + norm.width / 2) - (attention.left + attention.width / 2)) < 2 * 12700
    for report in check_deck(path):
        assert report.problems == {}, f"slide {report.number}: {report.problems}"


def test_a_custom_layer_wrapping_one_operation_is_that_operation():
    """A weightless custom layer whose call is one operation (keras_hub's Padder pads) is
    drawn as that operation, so a pad before a conv folds into it; a recorded activation
    function is coloured as an activation."""

    class Padder(keras.layers.Layer):
        def call(self, x):
            return keras.ops.pad(x, [[0, 0], [1, 1], [0, 0]])

    x = keras.Input((None, 8), name="features")
    y = keras.ops.gelu(keras.layers.Conv1D(8, 3, name="stem")(Padder(name="padder")(x)))
    graph = to_graph(keras.Model(x, y))
    padder = next(n for n in graph.nodes if n.name == "padder")
    assert padder.op == "pad" and padder.class_name == "Padder"
    assert not any(n.name == "padder" for n in simplify(graph).nodes)
    gelu = next(n for n in graph.nodes if n.op == "activation")
    assert gelu.category == "activation" and layer_role(gelu) == "GELU"


def test_summed_embeddings_read_token_position_segment():
    class Embeddings(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.tokens = keras.layers.Embedding(50, 16, name="tokens")
            self.segments = keras.layers.Embedding(2, 16, name="segments")

        def build(self, shapes):
            self.positions = self.add_weight(shape=(12, 16), name="positions")

        def call(self, ids, segments):
            return self.tokens(ids) + self.positions + self.segments(segments)

    ids = keras.Input((12,), dtype="int32", name="ids")
    segments = keras.Input((12,), dtype="int32", name="segment_ids")
    graph = to_graph(keras.Model([ids, segments], Embeddings(name="embed")(ids, segments)))
    node = next(n for n in graph.nodes if n.inner is not None)
    assert describe(node.inner) == "token + position + segment embedding"


def test_a_traced_attention_has_its_parts_labelled():
    graph = simplify(to_graph(_decoder("LlamaBackbone")))
    layer = next(n for n in graph.nodes if n.inner is not None)
    attention = next(n for n in layer.inner.nodes if n.inner and attention_kind(n.inner))
    parts = {n.name: n.hyperparam("part") for n in attention.inner.nodes if n.hyperparam("part")}
    assert parts["query"] == "Q projection" and parts["key"] == "K projection"
    assert parts["value"] == "V projection" and parts["attention_output"] == "output projection"
    assert {"Q·Kᵀ", "weights · V", "scale"} <= set(parts.values())
    rotary = [n for n in attention.inner.nodes if layer_role(n) == "RoPE"]
    assert len(rotary) == 2  # on the queries and on the keys
    feed_forward = {n.name: layer_role(n) for n in layer.inner.nodes if n.op == "dense"}
    assert feed_forward == {
        "feedforward_gate_dense": "gate projection 64",
        "feedforward_intermediate_dense": "up projection 64",
        "feedforward_output_dense": "down projection (SwiGLU) 32",
    }
