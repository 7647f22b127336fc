"""Clip to `[-1, 1]` at inference; the identity while training.

A linear output layer learns where a `tanh` one saturates (most targets at
-1, its limit), but may overshoot the data range by a little. This layer
keeps training linear, so every pixel keeps its gradient and the
discriminator sees the raw values, and clips what `predict` and the exported
models return.

Example:

>>> import numpy as np
>>> x = np.array([[-1.25, 0.5, 1.5]], "float32")
>>> np.asarray(ClipAtInference()(x)).tolist(), np.asarray(ClipAtInference()(x, training=True)).tolist()
([[-1.0, 0.5, 1.0]], [[-1.25, 0.5, 1.5]])
"""

import keras
from keras import ops


OUTPUT_ACTIVATIONS = ("tanh", "linear")


def check_output_activation(output_activation):
    """Raises `ValueError` unless `output_activation` is one of `OUTPUT_ACTIVATIONS`."""
    if output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(
            f"`output_activation` must be one of {OUTPUT_ACTIVATIONS}. Received: {output_activation!r}"
        )


def image_output(x, channels, output_activation, name):
    """An image generator's last layer: a 3x3 convolution to `channels`, `tanh` or linear + `ClipAtInference`."""
    check_output_activation(output_activation)
    activation = "tanh" if output_activation == "tanh" else None
    x = keras.layers.Conv2D(channels, 3, padding="same", activation=activation, name=name)(x)
    return x if output_activation == "tanh" else ClipAtInference(name="clip_at_inference")(x)


@keras.saving.register_keras_serializable(package="keras_cgan")
class ClipAtInference(keras.layers.Layer):
    """`clip(x, -1, 1)` when `training` is false, `x` when it is true; any shape.

    `training=None` (a plain `model(x)`) clips: a training loop of your own
    must pass `training=True`, or values beyond the range get no gradient.
    """

    def call(self, x, training=None):
        return x if training else ops.clip(x, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape
