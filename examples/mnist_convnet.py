"""The MNIST convnet from the article that started pptx_nnviz (Keras's "simple MNIST convnet").

pptx-nnviz deck examples/mnist_convnet.py -o mnist.pptx
"""

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def build_model() -> keras.Model:
    """Conv2D 32, LeakyReLU, MaxPool, Conv2D 64, LeakyReLU, MaxPool, Flatten, Dropout, Dense."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(32, kernel_size=(3, 3)),
            layers.LeakyReLU(),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3)),
            layers.LeakyReLU(),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="mnist_convnet",
    )


if __name__ == "__main__":
    build_model().summary()
