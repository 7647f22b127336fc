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


@keras.saving.register_keras_serializable(package="keras_cgan")
class ClipAtInference(keras.layers.Layer):
    """`clip(x, -1, 1)` when `training` is false, `x` when it is true; any shape."""

    def call(self, x, training=None):
        return x if training else ops.clip(x, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape
