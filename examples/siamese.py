"""A siamese network: one shared encoder applied to two images, their distance, a score.

pptx-nnviz deck examples/siamese.py -o siamese.pptx
"""

import keras
from keras import layers


def encoder_tower() -> keras.Model:
    """The shared tower: two convolutions, pooling and a 16-number code."""
    image = keras.Input((28, 28, 1), name="digit")
    x = layers.Conv2D(16, 3, activation="relu", name="conv1")(image)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(32, 3, activation="relu", name="conv2")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(image, layers.Dense(16, name="code")(x), name="encoder")


def build_model() -> keras.Model:
    encoder = encoder_tower()
    left = keras.Input((28, 28, 1), name="left")
    right = keras.Input((28, 28, 1), name="right")
    distance = layers.Subtract(name="difference")([encoder(left), encoder(right)])
    x = layers.Dense(16, activation="relu", name="head")(distance)
    score = layers.Dense(1, activation="sigmoid", name="same_digit")(x)
    return keras.Model([left, right], score, name="siamese")


if __name__ == "__main__":
    build_model().summary()
