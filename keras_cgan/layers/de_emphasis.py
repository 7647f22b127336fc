"""Fixed de-emphasis filter `y[n] = x[n] + a y[n-1]` as a layer (exports to TFLite builtins).

The IIR filter is run as one causal convolution with its impulse response
`a**k`, cut where it falls below `1e-8` (360 taps for `a = 0.95`), zero
state before each window, like `waveform.tf_deemphasis`.

Example:

>>> import numpy as np
>>> x = np.array([[[1.0], [0.0], [0.0]]], "float32")
>>> np.round(np.asarray(DeEmphasis(0.5)(x))[0, :, 0], 6).tolist()
[1.0, 0.5, 0.25]
"""

import math

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_cgan")
class DeEmphasis(keras.layers.Layer):
    """De-emphasis along the time axis of one-channel `[B, T, 1]` windows.

    No weights; the inverse of `PreEmphasis` with the same coefficient.

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
        length = int(x.shape[1])
        taps = min(length, int(math.ceil(math.log(1e-8) / math.log(self.coefficient))) + 1)
        kernel = ops.cast(np.reshape(self.coefficient ** np.arange(taps)[::-1], (taps, 1, 1)), x.dtype)
        padded = ops.pad(x, [[0, 0], [taps - 1, 0], [0, 0]])  # [B, T + taps - 1, 1]
        return ops.conv(padded, kernel, strides=1, padding="valid")  # [B, T, 1]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(coefficient=self.coefficient)
        return config
