"""A small U-Net for image segmentation: an encoder, a bottleneck and a decoder joined by skips.

pptx-nnviz deck examples/small_unet.py -o unet.pptx
"""

import keras
from keras import layers


def conv_pair(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    """Two 3x3 convolutions with ReLU, as in the original U-Net."""
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv1")(x)
    return layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv2")(x)


def build_model() -> keras.Model:
    inputs = keras.Input((64, 64, 1), name="image")
    e1 = conv_pair(inputs, 16, "enc1")
    e2 = conv_pair(layers.MaxPooling2D(name="pool1")(e1), 32, "enc2")
    b = conv_pair(layers.MaxPooling2D(name="pool2")(e2), 64, "bottleneck")
    d2 = layers.UpSampling2D(name="up2")(b)
    d2 = conv_pair(layers.Concatenate(name="skip2")([d2, e2]), 32, "dec2")
    d1 = layers.UpSampling2D(name="up1")(d2)
    d1 = conv_pair(layers.Concatenate(name="skip1")([d1, e1]), 16, "dec1")
    outputs = layers.Conv2D(1, 1, activation="sigmoid", name="mask")(d1)
    return keras.Model(inputs, outputs, name="small_unet")


if __name__ == "__main__":
    build_model().summary()
