"""Plumbing folded, not lost (issue 17): the architecture view draws padding inside its conv,
hard sigmoids as one activation, preprocessing as one box, and no casts, identities, dropout
of rate 0, stochastic depth or unit-axis reshapes; each is named in the slide's notes, the
totals stay the model's, and --show-ops draws them all again."""

from __future__ import annotations

import pytest
from models import application_graph
from pptx import Presentation

from pptx_nnviz import load_graph, to_pptx
from pptx_nnviz.deck import default_frame
from pptx_nnviz.ir import Graph
from pptx_nnviz.keras_loader import _keras
from pptx_nnviz.scene import SlideScene
from pptx_nnviz.simplify import simplify
from pptx_nnviz.theme import get_theme
from pptx_nnviz.views import ViewOptions, build_view


def architecture(graph: Graph, show_ops: bool = False) -> list[SlideScene]:
    theme = get_theme("light")
    options = ViewOptions(show_ops=show_ops)
    return build_view("architecture", graph, default_frame(theme), theme, options)


def drawn_ids(scenes: list[SlideScene]) -> set[str]:
    """Every layer a diagram slide draws as a box (fused boxes' and blocks' members too)."""
    found = set()
    for scene in scenes:
        if scene.diagram is None:
            continue
        on_slide = {box.id for box in scene.boxes}
        for node in scene.diagram.graph.nodes:
            if node.id in on_slide:
                found.add(node.id)
    return found


def assert_paths_kept(full: Graph, simple: Graph) -> None:
    """Every node of `simple` is one of `full`'s, every edge a path of `full`, and the
    parameters add up to the same totals."""
    assert {n.id for n in simple.nodes} <= {n.id for n in full.nodes}
    for edge in simple.edges:
        assert edge.target in _reachable(full, edge.source), edge
    assert simple.trainable_params == full.trainable_params
    assert simple.non_trainable_params == full.non_trainable_params


def _reachable(graph: Graph, start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        for nxt in graph.successors(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def test_resnet50_stem_padding_is_folded_into_its_conv():
    full = application_graph("ResNet50")
    simple = simplify(full)
    assert not [n for n in simple.nodes if n.op == "pad"]
    conv = simple.node("conv1_conv")
    assert conv.name == "conv1_conv" and conv.folded == ("conv1_pad",)
    assert conv.hyperparam("padding") == "3×3×3×3" and conv.hyperparam("strides") == "2×2"
    assert conv.input_shapes == ((None, 224, 224, 3),)
    assert [simple.node(p).op for p in simple.predecessors("conv1_conv")] == ["input"]
    assert_paths_kept(full, simple)

    scenes = architecture(full)
    drawn = drawn_ids(scenes)
    assert "conv1_conv" in drawn and "conv1_pad" not in drawn and "pool1_pad" not in drawn
    notes = [s.notes for s in scenes if "conv1_conv" in {b.id for b in s.boxes}]
    assert notes and "Not drawn: conv1_pad (padding, at conv1_conv)" in notes[0]
    assert {"conv1_pad", "pool1_pad"} <= drawn_ids(architecture(full, show_ops=True))


def test_mobilenetv3_hard_sigmoid_is_one_activation():
    full = application_graph("MobileNetV3Small")
    simple = simplify(full)
    one_input = [n for n in simple.nodes if len(simple.edges_into(n.id)) == 1]
    assert not [n for n in one_input if n.op in ("add", "multiply")]
    hard = [n for n in simple.nodes if n.hyperparam("activation") == "hard_sigmoid"]
    spelled = [n for n in full.nodes if n.op == "add" and len(full.edges_into(n.id)) == 1]
    assert len(hard) == len(spelled) > 0
    for node in hard:  # the gate of a squeeze-and-excite: its 1×1 conv, then the ⊗
        assert node.op == "activation" and len(node.folded) == 2
        (source,) = simple.predecessors(node.id)
        assert simple.node(source).op == "conv"
        assert [simple.node(t).op for t in simple.successors(node.id)] == ["multiply"]
    assert not [n for n in simple.nodes if n.op in ("reshape", "pad")]
    assert_paths_kept(full, simple)
    drawn = drawn_ids(architecture(full))
    assert not drawn & {n.folded[0] for n in hard}


def test_efficientnet_stochastic_depth_and_se_reshape_are_notes():
    full = application_graph("EfficientNetB0")
    simple = simplify(full)
    assert not [n for n in simple.nodes if n.op in ("reshape", "pad")]
    dropouts = [n for n in simple.nodes if n.op == "dropout"]
    assert [n.name for n in dropouts] == ["top_dropout"]  # the head's real dropout stays
    assert "block2b_drop" in simple.node("block2b_add").folded
    assert simple.node("block1a_se_reduce").folded == ("block1a_se_reshape",)
    # the rescaling and the normalization (automatic names: their numbers vary) as one box
    (preprocess,) = [n for n in simple.nodes if n.op == "preprocess"]
    steps = [n.name for n in full.nodes if n.op == "preprocess"]
    assert (*preprocess.folded, preprocess.name) == tuple(steps) and len(steps) == 2
    assert_paths_kept(full, simple)
    notes = "\n".join(s.notes for s in architecture(full))
    assert "stochastic depth before" in notes and "block2b_drop" in notes


def plumbing_model():
    keras = _keras()
    layers = keras.layers
    image = keras.Input((16, 16, 3), name="image")
    x = layers.Rescaling(1 / 255, name="scale")(image)
    x = layers.Normalization(mean=[0.5] * 3, variance=[0.25] * 3, name="standardise")(x)
    x = layers.Conv2D(8, 3, strides=2, name="conv")(x)
    x = layers.Activation("linear", name="as_is")(x)
    x = layers.Dropout(0.0, name="no_drop")(x)
    x = keras.ops.cast(x, "float16")
    x = layers.Flatten(name="flatten")(x)
    out = layers.Dense(4, name="head", dtype="float16")(x)
    return keras.Model(image, out, name="plumbing")


REMOVED = ("scale", "as_is", "no_drop", "cast")


def _box_texts(path) -> list[str]:
    prs = Presentation(str(path))
    return [
        shape.text_frame.text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_text_frame and shape != slide.shapes.title
    ]


def test_plumbing_is_not_drawn_but_named_and_show_ops_brings_it_back(tmp_path):
    model = plumbing_model()
    full = load_graph(model)
    simple = simplify(full)
    assert [n.name for n in simple.nodes] == ["image", "standardise", "conv", "flatten", "head"]
    assert [n.op for n in simple.nodes if n.op == "preprocess"] == ["preprocess"]
    assert simple.total_params == full.total_params == model.count_params()
    assert_paths_kept(full, simple)

    path = to_pptx(model, tmp_path / "plumbing.pptx", views="title,architecture")
    texts = _box_texts(path)
    assert sum("Preprocess" in t for t in texts) == 1
    for word in ("Dropout", "Cast", "linear", "Rescaling", "Normalization"):
        assert not [t for t in texts if word in t], word
    assert [t for t in texts if "Flatten" in t]  # a flatten is a real step
    notes = Presentation(str(path)).slides[1].notes_slide.notes_text_frame.text
    line = next(x for x in notes.splitlines() if x.startswith("Not drawn: "))
    for name in REMOVED:
        assert name in line

    shown = to_pptx(model, tmp_path / "all.pptx", views="title,architecture", show_ops=True)
    texts = _box_texts(shown)
    for word in ("Dropout", "Cast"):
        assert [t for t in texts if word in t], word
    assert sum("Preprocess" in t for t in texts) == 2  # the rescaling and the normalization
    notes = Presentation(str(shown)).slides[1].notes_slide.notes_text_frame.text
    assert "Not drawn" not in notes


def test_hard_swish_spelled_out_is_one_activation():
    keras = _keras()
    layers = keras.layers
    image = keras.Input((8, 8, 4), name="image")
    x = layers.Conv2D(4, 1, name="conv")(image)
    gate = layers.ReLU(6.0, name="relu6")(x + 3.0) * (1.0 / 6.0)
    y = layers.Multiply(name="swish")([x, gate])
    out = layers.Conv2D(2, 1, name="out")(y)
    full = load_graph(keras.Model(image, out))
    simple = simplify(full)
    assert [n.name for n in simple.nodes] == ["image", "conv", "swish", "out"]
    swish = simple.node("swish")
    assert swish.op == "activation" and swish.hyperparam("activation") == "hard_swish"
    assert len(simple.edges_into("swish")) == 1 and "relu6" in swish.folded
    assert_paths_kept(full, simple)


def test_functions_stay_whoever_recorded_them():
    """Activations recorded as operations (keras.ops.silu, as in SwiGLU) name their function:
    only the identity goes; a hard sigmoid written with a divide is one activation too."""
    keras = _keras()
    layers = keras.layers
    tokens = keras.Input((10, 16), name="tokens")
    x = keras.ops.gelu(layers.Dense(16, name="up")(tokens))
    x = layers.ELU(name="elu")(keras.ops.silu(x))
    x = keras.ops.relu6(x + 3.0) / 6.0
    full = load_graph(keras.Model(tokens, x))
    simple = simplify(full)
    functions = [n.hyperparam("activation") for n in simple.nodes if n.op == "activation"]
    assert functions == ["gelu", "silu", None, "hard_sigmoid"]
    assert simple.node("elu").hyperparam("alpha") == "1"
    assert_paths_kept(full, simple)


@pytest.mark.parametrize(
    ("rates", "drawn"), [((0.1, 0.1, 0.1), True), ((0.1,), True), ((0.05, 0.1, 0.15), False)]
)
def test_residual_dropout_is_stochastic_depth_only_when_its_rate_varies(rates, drawn):
    """A Transformer's residual dropout (one rate everywhere) is a layer; rates growing from
    block to block are stochastic depth, a note on the add."""
    keras = _keras()
    layers = keras.layers
    x = inputs = keras.Input((10, 16), name="tokens")
    for i, rate in enumerate(rates):
        y = layers.Dense(16, name=f"ffn_{i}")(x)
        y = layers.Dropout(rate, name=f"drop_{i}")(y)
        x = layers.Add(name=f"residual_{i}")([x, y])
    full = load_graph(keras.Model(inputs, x))
    simple = simplify(full)
    assert (simple == full) is drawn
    if not drawn:
        assert not [n for n in simple.nodes if n.op == "dropout"]
        assert simple.node("residual_0").folded == ("drop_0",)
        assert simple.predecessors("residual_0") == ["tokens", "ffn_0"]
        assert_paths_kept(full, simple)


def test_show_ops_on_the_command_line(tmp_path):
    from click.testing import CliRunner

    from pptx_nnviz.cli import main

    saved = tmp_path / "plumbing.keras"
    plumbing_model().save(saved)
    for flag, shown in (([], False), (["--show-ops"], True)):
        out = tmp_path / f"deck{len(flag)}.pptx"
        args = ["deck", str(saved), "--views", "architecture", "-o", str(out), *flag]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        texts = _box_texts(out)
        assert bool([t for t in texts if "Dropout" in t]) is shown
        assert sum("Preprocess" in t for t in texts) == (2 if shown else 1)


def test_diff_deck_folds_the_plumbing_too(tmp_path):
    from pptx_nnviz import diff_pptx

    model = plumbing_model()
    path = diff_pptx(model, model, tmp_path / "changes.pptx")
    slide = Presentation(str(path)).slides[0]
    texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    assert [t for t in texts if "Preprocess" in t]
    assert not [t for t in texts if "Dropout" in t or "Cast" in t]
    assert "Not drawn: " in slide.notes_slide.notes_text_frame.text
