"""The graph IR against Keras's own view of real models."""

from __future__ import annotations

import models
import pytest

from pptx_nnviz.keras_loader import to_graph


def _check_against_keras(model, graph):
    assert graph.total_params == model.count_params()
    ids = {n.id for n in graph.nodes}
    for edge in graph.edges:
        assert edge.source in ids and edge.target in ids
    # Topological order: every edge goes forward.
    position = {n.id: i for i, n in enumerate(graph.nodes)}
    assert all(position[e.source] < position[e.target] for e in graph.edges)


def test_sequential_convnet(mnist_model):
    graph = to_graph(mnist_model)
    _check_against_keras(mnist_model, graph)
    assert [n.class_name for n in graph.nodes] == [
        "InputLayer",
        "Conv2D",
        "LeakyReLU",
        "MaxPooling2D",
        "Conv2D",
        "LeakyReLU",
        "MaxPooling2D",
        "Flatten",
        "Dropout",
        "Dense",
    ]
    assert [n.category for n in graph.nodes] == [
        "input",
        "conv",
        "activation",
        "pooling",
        "conv",
        "activation",
        "pooling",
        "reshape",
        "dropout",
        "dense",
    ]
    assert len(graph.edges) == 9
    for node, layer in zip(graph.nodes[1:], mnist_model.layers, strict=True):
        assert node.name == layer.name
        assert node.output_shape == tuple(layer.output.shape)
        assert node.params == layer.count_params()
    conv = graph.nodes[1]
    assert conv.hyperparam("filters") == "32"
    assert conv.hyperparam("kernel") == "3×3"
    assert graph.nodes[8].hyperparam("rate") == "0.5"
    assert graph.nodes[9].hyperparam("activation") == "softmax"
    assert graph.edges[0].shape == (None, 28, 28, 1)


def test_branches_and_merges():
    model = models.branching()
    graph = to_graph(model)
    _check_against_keras(model, graph)
    assert set(graph.predecessors("add")) == {"left", "right"}
    assert set(graph.predecessors("concat")) == {"add", "third"}
    assert graph.predecessors("gate") == ["concat"]  # Multiply(x, x): one edge
    assert set(graph.successors("image")) == {"left", "right", "third"}
    assert graph.node("concat").output_shape == (None, 16, 16, 12)
    assert graph.node("add").category == "merge"


def test_multiple_inputs_and_outputs():
    model = models.multi_io()
    graph = to_graph(model)
    _check_against_keras(model, graph)
    assert graph.inputs == ("text", "meta")
    assert graph.outputs == ("priority", "department")
    assert graph.node("lstm").category == "recurrent"
    assert graph.node("embed").category == "embedding"
    assert graph.node("lstm").output_shape == (None, 16)


def test_nested_model_collapsed_and_expanded():
    model = models.nested()
    collapsed = to_graph(model)
    _check_against_keras(model, collapsed)
    encoder = collapsed.node("encoder")
    assert encoder.category == "model"
    assert encoder.params == model.get_layer("encoder").count_params()
    assert encoder.inner_layers == 3  # its Input and two Dense layers
    expanded = to_graph(model, expand_nested=True)
    _check_against_keras(model, expanded)
    assert "encoder" not in expanded.by_id
    assert expanded.node("encoder/inner_a").parent == "encoder"
    assert expanded.predecessors("encoder/inner_a") == ["features"]
    assert expanded.successors("encoder/inner_b") == ["classifier"]


def test_shared_layer_called_twice():
    model = models.shared_layer()
    graph = to_graph(model)
    _check_against_keras(model, graph)
    first, second = graph.node("tower"), graph.node("tower:1")
    assert second.shared_with == "tower"
    assert first.params == model.get_layer("tower").count_params()
    assert second.params == 0
    assert set(graph.predecessors("difference")) == {"tower", "tower:1"}


def test_subclassed_model_is_traced():
    model = models.subclassed()
    graph = to_graph(model)
    assert [n.class_name for n in graph.nodes] == ["InputLayer", "Dense", "Dense"]
    assert graph.total_params == model.count_params() == 3 * 5 + 5 + 5 * 2 + 2
    assert graph.nodes[-1].output_shape == (None, 2) and not graph.warnings


@pytest.mark.parametrize("name", ["ResNet50", "InceptionV3", "MobileNetV2"])
def test_applications(name):
    model = models.application(name)
    graph = to_graph(model)
    _check_against_keras(model, graph)
    assert len(graph.nodes) == len(model.layers)
    for layer in model.layers:
        node = graph.node(layer.name)
        assert node.output_shape == tuple(layer.output.shape)
        assert node.params == layer.count_params()


def test_every_keras_layer_gets_an_operation_of_the_vocabulary():
    """The loader maps each layer and recorded operation onto ir.OPS (docs/ir.md)."""
    import keras

    from pptx_nnviz import load_graph
    from pptx_nnviz.ir import OPS

    inputs = keras.Input((32, 32, 3), name="image")
    x = keras.layers.ZeroPadding2D(1)(inputs)
    x = keras.layers.Conv2D(8, 3, strides=2)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    s = keras.layers.GlobalAveragePooling2D(keepdims=True)(x)
    s = keras.layers.Conv2D(8, 1, activation="sigmoid")(s)
    x = keras.layers.Multiply()([x, s])
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.0)(x)
    outputs = keras.layers.Dense(10)(x)
    graph = load_graph(keras.Model(inputs, outputs))
    ops = [n.op for n in graph.nodes]
    assert set(ops) <= set(OPS)
    assert ops == [
        "input", "pad", "conv", "batch_norm", "activation", "global_pool", "conv",
        "multiply", "depthwise_conv", "flatten", "dropout", "dense",
    ]  # fmt: skip


def test_hyperparameters_are_typed_and_their_text_follows_from_them():
    """`settings` holds each hyperparameter's value typed, under the keys `hyperparams`
    writes as text (docs/ir.md); a saved deck's manifest gives them back as they were."""
    import keras

    from pptx_nnviz import load_graph
    from pptx_nnviz.ir import setting_text
    from pptx_nnviz.manifest import graph_data, graph_from_data

    inputs = keras.Input((32, 32, 3), name="image")
    x = keras.layers.ZeroPadding2D(((1, 2), (3, 4)), name="pad")(inputs)
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu", name="conv")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = keras.layers.Dropout(0.25, name="drop")(x)
    graph = load_graph(keras.Model(inputs, keras.layers.Dense(10, name="head")(x)))
    conv = graph.node("conv")
    assert conv.setting("filters") == 8 and conv.setting("kernel") == (3, 3)
    assert conv.setting("strides") == (2, 2) and conv.setting("activation") == "relu"
    assert graph.node("pad").setting("padding") == (1, 2, 3, 4)
    assert graph.node("drop").setting("rate") == 0.25
    assert graph.node("head").setting("units") == 10
    for node in graph.nodes:
        assert [k for k, _ in node.settings] == [k for k, _ in node.hyperparams]
        assert node.hyperparams == tuple((k, setting_text(v)) for k, v in node.settings)
    import json

    again = graph_from_data(json.loads(json.dumps(graph_data(graph))))
    assert [n.settings for n in again.nodes] == [n.settings for n in graph.nodes]
