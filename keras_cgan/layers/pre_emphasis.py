"""Fixed pre-emphasis filter `y[n] = x[n] - a x[n-1]` as a layer (exports to TFLite builtins).

Example:

>>> import numpy as np
>>> x = np.array([[[1.0], [1.0], [2.0]]], "float32")
>>> np.asarray(PreEmphasis(0.5)(x))[0, :, 0].tolist()
[1.0, 0.5, 1.5]
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_cgan")
class PreEmphasis(keras.layers.Layer):
    """Pre-emphasis along the time axis of `[B, T, C]`, zero state before each window.

    No weights: the same filter as `waveform.tf_preemphasis`, whose inverse is
    the model's de-emphasis.

    Args:
        coefficient: float in `[0, 1)`. `0` passes the input through.
    """

    def __init__(self, coefficient, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(coefficient) < 1.0:
            raise ValueError(f"`coefficient` must be in [0, 1). Received: coefficient={coefficient!r}")
        self.coefficient = float(coefficient)

    def call(self, x):
        if self.coefficient == 0.0:
            return x
        return ops.concatenate([x[:, :1], x[:, 1:] - self.coefficient * x[:, :-1]], axis=1)  # [B, T, C]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(coefficient=self.coefficient)
        return config
