"""Real Keras models whose edges the secondary views lose most easily: a WaveNet-style gated
stack, a feature pyramid, a multi-input model and a keras_hub encoder-decoder (built from a
tiny config, no weights)."""

from __future__ import annotations

from pptx_nnviz.keras_loader import _keras


def wavenet(blocks: int = 3):
    """Dilated causal Conv1D pairs gated by tanh * sigmoid, a residual Add per block and the
    blocks' skip outputs summed into the head."""
    keras = _keras()
    layers = keras.layers
    inp = keras.Input((64, 1), name="audio")
    x = layers.Conv1D(16, 1, name="causal_in")(inp)
    skips = []
    for i in range(blocks):
        rate = 2**i
        f = layers.Conv1D(16, 2, dilation_rate=rate, padding="causal", name=f"filter_{i}")(x)
        g = layers.Conv1D(16, 2, dilation_rate=rate, padding="causal", name=f"gate_{i}")(x)
        f = layers.Activation("tanh", name=f"tanh_{i}")(f)
        g = layers.Activation("sigmoid", name=f"sigmoid_{i}")(g)
        z = layers.Multiply(name=f"gated_{i}")([f, g])
        skips.append(layers.Conv1D(16, 1, name=f"skip_{i}")(z))
        residual = layers.Conv1D(16, 1, name=f"residual_{i}")(z)
        x = layers.Add(name=f"res_add_{i}")([x, residual])
    s = layers.Add(name="skip_sum")(skips)
    s = layers.Activation("relu", name="post_relu")(s)
    s = layers.Conv1D(16, 1, activation="relu", name="post_conv")(s)
    out = layers.Conv1D(8, 1, activation="softmax", name="logits")(s)
    return keras.Model(inp, out, name="wavenet_stack")


def fpn():
    """A three-level feature pyramid: a bottom-up conv path, 1x1 lateral convs, top-down
    UpSampling added to the laterals, a 3x3 output conv per level."""
    keras = _keras()
    layers = keras.layers
    inp = keras.Input((64, 64, 3), name="image")
    c1 = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", name="c1")(inp)
    c2 = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="c2")(c1)
    c3 = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="c3")(c2)
    p3 = layers.Conv2D(32, 1, name="lateral3")(c3)
    up3 = layers.UpSampling2D(name="up3")(p3)
    p2 = layers.Add(name="merge2")([up3, layers.Conv2D(32, 1, name="lateral2")(c2)])
    up2 = layers.UpSampling2D(name="up2")(p2)
    p1 = layers.Add(name="merge1")([up2, layers.Conv2D(32, 1, name="lateral1")(c1)])
    outs = [
        layers.Conv2D(32, 3, padding="same", name=f"out{i}")(p)
        for i, p in ((3, p3), (2, p2), (1, p1))
    ]
    return keras.Model(inp, outs, name="fpn")


def multi_input():
    """An image branch and a tabular branch joined into one head, with a skip of the tabular
    features past the join."""
    keras = _keras()
    layers = keras.layers
    image = keras.Input((32, 32, 3), name="image")
    table = keras.Input((12,), name="table")
    x = layers.Conv2D(8, 3, activation="relu", name="conv")(image)
    x = layers.MaxPooling2D(name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(16, activation="relu", name="image_dense")(x)
    t = layers.Dense(16, activation="relu", name="table_dense")(table)
    t = layers.Dropout(0.2, name="table_drop")(t)
    j = layers.Concatenate(name="join")([x, t])
    h = layers.Dense(16, activation="relu", name="head")(j)
    h = layers.Concatenate(name="with_table")([h, table])
    out = layers.Dense(3, activation="softmax", name="classes")(h)
    return keras.Model([image, table], out, name="multi_input")


def bart_tiny():
    """keras_hub's BART backbone from a tiny config (random weights, nothing downloaded)."""
    import keras_hub

    return keras_hub.models.BartBackbone(
        vocabulary_size=50,
        num_layers=1,
        num_heads=2,
        hidden_dim=8,
        intermediate_dim=16,
        max_sequence_length=16,
        name="bart_tiny",
    )
