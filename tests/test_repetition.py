"""Repetition found by structure (issue 17, item 5): consecutive blocks with the same
operations, settings, shapes and wiring fold into one box "× N" with one drill-down,
whatever their names, on models too small to collapse and on big ones; no two drill-down
slides draw the same thing."""

from __future__ import annotations

import re

import models
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import _keras, to_graph
from pptx_nnviz.passes import collapse, fold_repeats, should_collapse
from pptx_nnviz.repeats import find_runs, graph_signature


def _shown(graph):
    """What the architecture overview draws (collapse above the threshold, else folds)."""
    return collapse(graph) if should_collapse(graph, "auto") else fold_repeats(graph)


def _repeated(graph) -> list:
    return [n for n in _shown(graph).nodes if n.repeat > 1]


def _diagram_labels(path) -> list[list[str]]:
    """Each architecture slide's box texts (title, navigation and caption left out)."""
    slides = []
    for slide in Presentation(str(path)).slides:
        labels = [
            shape.text_frame.text
            for shape in slide.shapes
            if shape.has_text_frame
            and shape != slide.shapes.title
            and shape.text_frame.text.strip()
            and not shape.name.startswith(("link", "caption", "legend", "portal"))
        ]
        slides.append(sorted(labels))
    return slides


def _no_duplicate_drawings(path) -> None:
    slides = [labels for labels in _diagram_labels(path) if len(labels) > 2]
    assert len({tuple(s) for s in slides}) == len(slides), "two slides draw the same"


@pytest.mark.parametrize(
    ("build", "count", "layers"),
    [(models.mlp_mixer, 4, 10), (models.conv_mixer, 6, 7), (models.wavenet, 6, 6)],
    ids=["mlp_mixer", "conv_mixer", "wavenet"],
)
def test_identical_blocks_with_automatic_names_fold(build, count, layers):
    graph = to_graph(build())
    assert not should_collapse(graph, "auto")  # too small to collapse: folded all the same
    (block,) = _repeated(graph)
    assert (block.repeat, block.inner_layers) == (count, layers)
    assert block.op == "block"
    drawn = [n for n in block.inner.nodes if n.op != "context"]
    assert len(drawn) == layers  # the drill-down shows one period
    shown = _shown(graph)
    folded = len(graph.nodes) - count * layers
    assert len(shown.nodes) == folded + 1  # everything else stays as it was


def test_the_period_starts_where_the_flow_forks():
    """ConvMixer's stem ends in GELU + BN like every block: the period is the residual
    depthwise stage then the pointwise one, not shifted by the stem's last two layers."""
    (block,) = _repeated(to_graph(models.conv_mixer()))
    ops = [n.op for n in block.inner.nodes if n.op != "context"]
    assert ops == ["depthwise_conv", "activation", "batch_norm", "add", "conv"] + [
        "activation",
        "batch_norm",
    ]


def test_wavenet_blocks_fold_only_where_dilations_repeat():
    """Blocks of other dilations are other blocks: 1, 2, 4, 1, 2, 4 is a stack of three
    blocks twice; 1, 2, 4, 8 repeats nothing."""
    (stack,) = _repeated(to_graph(models.wavenet((1, 2, 4, 1, 2, 4))))
    assert (stack.repeat, stack.inner_layers) == (2, 18)
    dilations = [n.hyperparam("dilation") for n in stack.inner.nodes if n.op == "conv"]
    assert [d for d in dilations if d] == ["2", "2", "4", "4"]
    assert _repeated(to_graph(models.wavenet((1, 2, 4, 8)))) == []


def test_different_settings_do_not_fold():
    keras = _keras()
    inp = keras.Input((16,))
    x = inp
    for units in (32, 32, 64, 64, 64):
        x = keras.layers.Dense(units, activation="relu")(x)
    shown = _repeated(to_graph(keras.Model(inp, x)))
    assert [(n.hyperparam("units"), n.repeat) for n in shown] == [("32", 2), ("64", 3)]


def test_a_400_layer_mlp_is_one_box():
    graph = to_graph(models.dense_400())
    assert should_collapse(graph, "auto")
    shown = collapse(graph)
    assert [n.op for n in shown.nodes] == ["input", "dense"]
    (dense,) = _repeated(graph)
    assert (dense.repeat, dense.hyperparam("units"), dense.hyperparam("activation")) == (
        400,
        "32",
        "relu",
    )
    assert dense.inner is None  # nothing to open: the box is the layer
    assert dense.trainable_params == sum(n.trainable_params for n in graph.nodes)


def test_mlp_mixer_deck_has_one_drill_down_marked_with_its_count(deck_dir):
    path = build_deck(to_graph(models.mlp_mixer()), deck_dir / "mixer.pptx", views=["architecture"])
    slides = _diagram_labels(path)
    assert len(slides) == 2  # the overview and one drill-down
    overview = " ".join(slides[0])
    assert re.search(r"×\s*4(?!\d)", overview)
    titles = [s.shapes.title.text for s in Presentation(str(path)).slides]
    assert "(×4)" in titles[1]
    _no_duplicate_drawings(path)


def _twin_submodels(between: bool):
    """A model using two separately built but identical nested models, one after the other
    or with a LayerNormalization between them."""
    keras = _keras()

    def sub(name: str):
        return keras.Sequential(
            [keras.Input((16,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(16)],
            name=name,
        )

    inp = keras.Input((16,))
    x = sub("first")(inp)
    if between:
        x = keras.layers.LayerNormalization()(x)
    x = sub("second")(x)
    return keras.Model(inp, keras.layers.Dense(4)(x), name="twins")


def test_identical_nested_models_in_a_row_fold(deck_dir):
    graph = to_graph(_twin_submodels(between=False))
    (twin,) = _repeated(graph)
    assert twin.repeat == 2 and twin.inner is not None
    path = build_deck(graph, deck_dir / "twins.pptx", views=["architecture"])
    assert len(_diagram_labels(path)) == 2
    _no_duplicate_drawings(path)


def test_identical_drawings_share_one_drill_down(deck_dir):
    graph = to_graph(_twin_submodels(between=True))
    nested = [n for n in graph.nodes if n.inner is not None]
    assert len(nested) == 2 and _repeated(graph) == []
    assert graph_signature(nested[0].inner) == graph_signature(nested[1].inner)
    path = build_deck(graph, deck_dir / "twins_apart.pptx", views=["architecture"])
    prs = Presentation(str(path))
    assert len(prs.slides) == 2  # the overview, one drill-down for both
    targets = {
        shape.name: shape.click_action.target_slide.slide_id
        for shape in prs.slides[0].shapes
        if shape.shape_type != MSO_SHAPE_TYPE.GROUP and shape.click_action.target_slide
    }
    assert len(targets) == 2 and len(set(targets.values())) == 1
    _no_duplicate_drawings(path)


def test_runs_need_consistent_wiring():
    """Same layers, but the third block also reads the model's input: not one run of three."""
    keras = _keras()
    inp = keras.Input((16,))
    x = inp
    for i in range(3):
        y = keras.layers.Dense(16, activation="relu")(x)
        x = keras.layers.Add()([x, y] if i < 2 else [inp, y])
    graph = to_graph(keras.Model(inp, x))
    units = [[n] for n in graph.nodes]
    runs = find_runs(units, graph, lambda i: graph.nodes[i].op != "input")
    assert all(run.count * run.period < 6 for run in runs)
