"""A small residual network for CIFAR-10: skip connections, merges and blocks.

pptx-nnviz deck examples/small_resnet.py -o small_resnet.pptx
pptx-nnviz figure examples/small_resnet.py -o small_resnet.svg
"""

import keras
from keras import layers


def residual_block(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    """Two 3x3 convolutions with batch norm, added to the block's input."""
    shortcut = x
    if x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, name=f"{name}_project")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv1")(x)
    x = layers.BatchNormalization(name=f"{name}_bn1")(x)
    x = layers.Activation("relu", name=f"{name}_relu1")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv2")(x)
    x = layers.BatchNormalization(name=f"{name}_bn2")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def build_model() -> keras.Model:
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="stem")(inputs)
    x = residual_block(x, 32, "block1")
    x = layers.MaxPooling2D(name="pool1")(x)
    x = residual_block(x, 64, "block2")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="small_resnet")


if __name__ == "__main__":
    build_model().summary()
