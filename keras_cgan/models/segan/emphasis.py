"""Fixed pre-emphasis and de-emphasis filters as layers (no weights; export to TFLite builtins).

`PreEmphasis`: `y[n] = x[n] - a x[n-1]`. `DeEmphasis`, its inverse:
`y[n] = x[n] + a y[n-1]`, run as one causal convolution with the impulse
response `a**k`, cut where it falls below `1e-8` (361 taps for `a = 0.95`).
Both start each window from a zero state: they run
`waveform.preemphasize_windows` and `waveform.deemphasize_windows`, as
`SEGAN` does around its generator.

Example:

>>> import numpy as np
>>> x = np.array([[[1.0], [1.0], [2.0]]], "float32")
>>> np.asarray(PreEmphasis(0.5)(x))[0, :, 0].tolist()
[1.0, 0.5, 1.5]
>>> impulse = np.array([[[1.0], [0.0], [0.0]]], "float32")
>>> np.round(np.asarray(DeEmphasis(0.5)(impulse))[0, :, 0], 6).tolist()
[1.0, 0.5, 0.25]
"""

import keras

from keras_cgan.models.segan import waveform


class _EmphasisFilter(keras.layers.Layer):
    """A fixed first-order filter along the time axis with a coefficient in `[0, 1)`."""

    def __init__(self, coefficient, **kwargs):
        super().__init__(**kwargs)
        self.coefficient = waveform.check_coefficient(coefficient, "coefficient")

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

    def call(self, x):
        return waveform.preemphasize_windows(x, self.coefficient)  # [B, T, C]


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

    def call(self, x):
        return waveform.deemphasize_windows(x, self.coefficient)  # [B, T, 1]
