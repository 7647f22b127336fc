"""Fixed pre-emphasis and de-emphasis filters as layers (no weights; export to TFLite builtins).

`PreEmphasis`: `y[n] = x[n] - a x[n-1]`. `DeEmphasis`, its inverse:
`y[n] = x[n] + a y[n-1]`, run as one causal convolution with the impulse
response `a**k`, cut where it falls below `1e-8` (361 taps for `a = 0.95`).
Both start each window from a zero state, like `waveform.tf_preemphasis` and
`waveform.tf_deemphasis`.

Example:

>>> import numpy as np
>>> x = np.array([[[1.0], [1.0], [2.0]]], "float32")
>>> np.asarray(PreEmphasis(0.5)(x))[0, :, 0].tolist()
[1.0, 0.5, 1.5]
>>> impulse = np.array([[[1.0], [0.0], [0.0]]], "float32")
>>> np.round(np.asarray(DeEmphasis(0.5)(impulse))[0, :, 0], 6).tolist()
[1.0, 0.5, 0.25]
"""

import math

import keras
import numpy as np
from keras import ops

from keras_cgan.models.segan import waveform


class _EmphasisFilter(keras.layers.Layer):
    """A fixed first-order filter along the time axis with a coefficient in `[0, 1)`."""

    def __init__(self, coefficient, **kwargs):
        super().__init__(**kwargs)
        self.coefficient = waveform.check_coefficient(coefficient, "coefficient")

    def call(self, x):
        return x if self.coefficient == 0.0 else self._filter(x)  # a coefficient of 0 passes x through

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(coefficient=self.coefficient)
        return config


@keras.saving.register_keras_serializable(package="keras_cgan")
class PreEmphasis(_EmphasisFilter):
    """Pre-emphasis along the time axis of `[B, T, C]`, zero state before each window.

    Args:
        coefficient: float in `[0, 1)`. `0` passes the input through.
    """

    def _filter(self, x):
        return ops.concatenate([x[:, :1], x[:, 1:] - self.coefficient * x[:, :-1]], axis=1)  # [B, T, C]


@keras.saving.register_keras_serializable(package="keras_cgan")
class DeEmphasis(_EmphasisFilter):
    """De-emphasis along the time axis of one-channel `[B, T, 1]` windows; inverts `PreEmphasis`.

    Args:
        coefficient: float in `[0, 1)`. `0` passes the input through.
    """

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] != 1:
            raise ValueError(
                f"DeEmphasis {self.name!r} takes one-channel windows [batch, time, 1]; got shape {tuple(input_shape)}. "
                "De-emphasize each channel apart."
            )

    def _filter(self, x):
        length = int(x.shape[1])
        taps = min(length, int(math.ceil(math.log(1e-8) / math.log(self.coefficient))) + 1)
        kernel = ops.cast(np.reshape(self.coefficient ** np.arange(taps)[::-1], (taps, 1, 1)), x.dtype)
        padded = ops.pad(x, [[0, 0], [taps - 1, 0], [0, 0]])  # [B, T + taps - 1, 1]
        return ops.conv(padded, kernel, strides=1, padding="valid")  # [B, T, 1]
