"""Real Keras models for the tests (built offline; keras.applications with weights=None)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from pptx_nnviz.keras_loader import _keras

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example(name: str):
    """The model of a bundled example file (examples/NAME.py, its build_model())."""
    spec = importlib.util.spec_from_file_location(f"{name}_example", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_model()


def mnist_convnet():
    return example("mnist_convnet")


def dense_chain(n: int = 60):
    keras = _keras()
    layers = [keras.Input((32,))]
    layers += [keras.layers.Dense(32, activation="relu", name=f"dense_{i}") for i in range(n)]
    return keras.Sequential(layers, name=f"dense_chain_{n}")


def branching():
    keras = _keras()
    inp = keras.Input((16, 16, 3), name="image")
    a = keras.layers.Conv2D(8, 3, padding="same", name="left")(inp)
    b = keras.layers.Conv2D(8, 1, padding="same", name="right")(inp)
    added = keras.layers.Add(name="add")([a, b])
    c = keras.layers.Conv2D(4, 1, name="third")(inp)
    merged = keras.layers.Concatenate(name="concat")([added, c])
    mult = keras.layers.Multiply(name="gate")([merged, merged])
    out = keras.layers.GlobalAveragePooling2D(name="gap")(mult)
    return keras.Model(inp, keras.layers.Dense(3, name="head")(out), name="branching")


def multi_io():
    keras = _keras()
    text = keras.Input((20,), name="text")
    meta = keras.Input((5,), name="meta")
    x = keras.layers.Embedding(100, 8, name="embed")(text)
    x = keras.layers.LSTM(16, name="lstm")(x)
    y = keras.layers.Dense(16, activation="relu", name="meta_dense")(meta)
    z = keras.layers.Concatenate(name="join")([x, y])
    priority = keras.layers.Dense(1, activation="sigmoid", name="priority")(z)
    department = keras.layers.Dense(4, activation="softmax", name="department")(z)
    return keras.Model([text, meta], [priority, department], name="multi_io")


def nested():
    keras = _keras()
    inner_in = keras.Input((8,), name="inner_in")
    inner = keras.Model(
        inner_in,
        keras.layers.Dense(4, name="inner_b")(keras.layers.Dense(6, name="inner_a")(inner_in)),
        name="encoder",
    )
    inp = keras.Input((8,), name="features")
    x = inner(inp)
    out = keras.layers.Dense(2, name="classifier")(x)
    return keras.Model(inp, out, name="outer")


def shared_layer():
    keras = _keras()
    left = keras.Input((10,), name="left")
    right = keras.Input((10,), name="right")
    tower = keras.layers.Dense(6, name="tower")
    distance = keras.layers.Subtract(name="difference")([tower(left), tower(right)])
    return keras.Model([left, right], keras.layers.Dense(1, name="score")(distance), name="siamese")


def subclassed():
    keras = _keras()

    class TinyNet(keras.Model):
        def __init__(self):
            super().__init__(name="tiny_net")
            self.hidden = keras.layers.Dense(5)
            self.out = keras.layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    import numpy as np

    model = TinyNet()
    model(np.zeros((1, 3), dtype="float32"))
    return model


def opaque_subclassed():
    """A subclassed model whose call branches on values: it cannot be traced symbolically."""
    keras = _keras()

    class Opaque(keras.Model):
        def __init__(self):
            super().__init__(name="opaque")
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            if float(keras.ops.sum(x)) > 1e9:
                x = -x
            return self.dense(x)

    import numpy as np

    model = Opaque()
    model(np.zeros((1, 3), dtype="float32"))
    return model


def application(name: str):
    keras = _keras()
    return getattr(keras.applications, name)(weights=None)


def lstm_model():
    keras = _keras()
    return keras.Sequential(
        [
            keras.Input((40,), name="tokens"),
            keras.layers.Embedding(5000, 32, name="embedding"),
            keras.layers.LSTM(64, return_sequences=True, name="lstm_1"),
            keras.layers.LSTM(32, name="lstm_2"),
            keras.layers.Dropout(0.2, name="dropout"),
            keras.layers.Dense(1, activation="sigmoid", name="sentiment"),
        ],
        name="lstm_sentiment",
    )


@functools.cache
def application_graph(name: str):
    """The graph of keras.applications.NAME, built once per test session (the Keras model
    itself is dropped: a few of them hold gigabytes of weights)."""
    from pptx_nnviz.keras_loader import to_graph

    return to_graph(application(name))


def mnist_variant(extra_conv: bool = True, dropout: bool = True, units: int = 10):
    """The MNIST convnet changed as a person would between two lectures: one more Conv2D
    after the second, the dropout taken out, the Dense's units changed. Automatic names
    (conv2d_7...) differ from the original's, as they do in a new Python session."""
    keras = _keras()
    layers = keras.layers
    stack = [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3)),
        layers.LeakyReLU(),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3)),
        layers.LeakyReLU(),
    ]
    if extra_conv:
        stack.append(layers.Conv2D(64, kernel_size=(3, 3), padding="same"))
    stack += [layers.MaxPooling2D(pool_size=(2, 2)), layers.Flatten()]
    if dropout:
        stack.append(layers.Dropout(0.5))
    stack.append(layers.Dense(units, activation="softmax"))
    return keras.Sequential(stack, name="mnist_convnet")


def small_resnet_variant():
    """examples/small_resnet.py changed: a batch normalization inserted after the stem, the
    dropout taken out, 12 classes instead of 10 (layers keep their chosen names)."""
    keras = _keras()
    layers = keras.layers
    spec = importlib.util.spec_from_file_location("small_resnet_v2", EXAMPLES / "small_resnet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="stem")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = module.residual_block(x, 32, "block1")
    x = layers.MaxPooling2D(name="pool1")(x)
    x = module.residual_block(x, 64, "block2")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(12, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="small_resnet")


def resnet50_variant():
    """ResNet50 with one block changed: conv3_block2's 3×3 convolution has 96 filters
    instead of 128 (its batch normalization and the next convolution follow)."""
    keras = _keras()
    base = keras.applications.ResNet50(weights=None)

    def clone(layer):
        config = layer.get_config()
        if layer.name == "conv3_block2_2_conv":
            config["filters"] = 96
        return layer.__class__.from_config(config)

    return keras.models.clone_model(base, clone_function=clone)


def mlp_mixer(blocks: int = 4):
    """An MLP-Mixer with automatic names: patch embedding, then blocks of token mixing
    (LayerNorm, Permute, Dense, GELU, Dense, Permute, residual Add) and channel mixing
    (LayerNorm, Dense, GELU, Dense, residual Add)."""
    keras = _keras()
    layers = keras.layers
    inp = keras.Input((32, 32, 3))
    x = layers.Conv2D(64, 4, strides=4)(inp)
    x = layers.Reshape((64, 64))(x)
    for _ in range(blocks):
        y = layers.LayerNormalization()(x)
        y = layers.Permute((2, 1))(y)
        y = layers.Dense(128, activation="gelu")(y)
        y = layers.Dense(64)(y)
        y = layers.Permute((2, 1))(y)
        x = layers.Add()([x, y])
        y = layers.LayerNormalization()(x)
        y = layers.Dense(256, activation="gelu")(y)
        y = layers.Dense(64)(y)
        x = layers.Add()([x, y])
    x = layers.LayerNormalization()(x)
    x = layers.GlobalAveragePooling1D()(x)
    out = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inp, out, name=f"mlp_mixer_{blocks}")


def conv_mixer(blocks: int = 6):
    """A ConvMixer with automatic names: a patch convolution, then blocks of a residual
    depthwise conv + GELU + BN and a pointwise conv + GELU + BN."""
    keras = _keras()
    layers = keras.layers
    inp = keras.Input((32, 32, 3))
    x = layers.Conv2D(64, 2, strides=2)(inp)
    x = layers.Activation("gelu")(x)
    x = layers.BatchNormalization()(x)
    for _ in range(blocks):
        y = layers.DepthwiseConv2D(5, padding="same")(x)
        y = layers.Activation("gelu")(y)
        y = layers.BatchNormalization()(y)
        x = layers.Add()([x, y])
        x = layers.Conv2D(64, 1)(x)
        x = layers.Activation("gelu")(x)
        x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling2D()(x)
    out = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inp, out, name=f"conv_mixer_{blocks}")


def wavenet(dilations: tuple[int, ...] = (1, 1, 1, 1, 1, 1)):
    """A gated WaveNet stack with automatic names: per block a dilated causal Conv1D pair
    (tanh and sigmoid) multiplied, 1×1 convs to a skip output and a residual Add; the skips
    and the last residual summed at the end."""
    keras = _keras()
    layers = keras.layers
    inp = keras.Input((128, 1))
    x = layers.Conv1D(32, 2, padding="causal")(inp)
    skips = []
    for rate in dilations:
        t = layers.Conv1D(32, 2, dilation_rate=rate, padding="causal", activation="tanh")(x)
        s = layers.Conv1D(32, 2, dilation_rate=rate, padding="causal", activation="sigmoid")(x)
        z = layers.Multiply()([t, s])
        skips.append(layers.Conv1D(32, 1)(z))
        x = layers.Add()([x, layers.Conv1D(32, 1)(z)])
    x = layers.Activation("relu")(layers.Add()([*skips, x]))
    out = layers.Conv1D(256, 1, activation="softmax")(x)
    return keras.Model(inp, out, name="wavenet")


def wavenet_dilated():
    """The same stack with dilations 1, 2, 4, 1, 2, 4: two identical stacks of three."""
    return wavenet((1, 2, 4, 1, 2, 4))


def dense_400():
    """400 Dense(32, relu) layers in a chain, automatic names."""
    keras = _keras()
    layers = [keras.Input((32,))]
    layers += [keras.layers.Dense(32, activation="relu") for _ in range(400)]
    return keras.Sequential(layers, name="dense_400")
