"""Conditioning augmentation: a condition embedding becomes a Gaussian to sample from.

StackGAN (Zhang et al. 2017) does not feed the text embedding to the
generator directly: an encoder maps it to a mean and a log-variance, the
generator gets a sample `mu + exp(logvar / 2) * eps`, and a KL term keeps the
Gaussian near N(0, I). Few conditions then cover a smooth region of codes,
and the sample is one more source of variety.

Example:

>>> import numpy as np
>>> layer = ConditioningAugmentation(2)
>>> stats = np.array([[1.0, -1.0, 0.0, 0.0]], "float32")   # mu = (1, -1), logvar = 0
>>> noise = np.array([[0.5, 0.5, 9.0]], "float32")          # eps = the first 2 entries
>>> np.asarray(layer([stats, noise])).tolist()
[[1.5, -0.5]]
>>> np.asarray(ConditioningAugmentation(2, stochastic=False)([stats, noise])).tolist()
[[1.0, -1.0]]
"""

import keras
from keras import ops

from keras_cgan import checks


@keras.saving.register_keras_serializable(package="keras_cgan")
class ConditioningAugmentation(keras.layers.Layer):
    """Samples a condition code from `N(mu, exp(logvar))`.

    Inputs `[stats, noise]`: `stats` `[B, 2 * dim]` holds `mu` then `logvar`;
    the first `dim` entries of `noise` `[B, >= dim]` are the standard normal
    `eps` (drawn by the caller, so the layer itself is deterministic and
    exports with parity). Output `[B, dim]`.

    Args:
        dim: int. Size of the code.
        stochastic: bool. `False` switches augmentation off: the output is
            `mu` (the noise still enters, times 0, so the graph keeps the
            same inputs). Defaults to `True`.
        max_logvar: float. `logvar` is clipped to `[-max_logvar, max_logvar]`.
            Defaults to `10.0`.

    Reference:
        Zhang et al. 2017, "StackGAN: Text to Photo-realistic Image Synthesis
        with Stacked Generative Adversarial Networks", section 3.1.
    """

    def __init__(self, dim, stochastic=True, max_logvar=10.0, **kwargs):
        super().__init__(**kwargs)
        self.dim = checks.integer("dim", dim, low=1)
        max_logvar = checks.number("max_logvar", max_logvar, low_open=True)
        self.stochastic = checks.flag("stochastic", stochastic)
        self.max_logvar = float(max_logvar)

    def build(self, input_shape):
        stats_shape, noise_shape = input_shape
        if stats_shape[-1] is not None and stats_shape[-1] != 2 * self.dim:
            raise ValueError(
                f"ConditioningAugmentation(dim={self.dim}) needs stats of width {2 * self.dim} "
                f"(mu then logvar); got {stats_shape[-1]}."
            )
        if noise_shape[-1] is not None and noise_shape[-1] < self.dim:
            raise ValueError(
                f"ConditioningAugmentation(dim={self.dim}) needs noise of width >= {self.dim}; "
                f"got {noise_shape[-1]}."
            )

    def split(self, stats):
        """`(mu, logvar)` of `stats` `[B, 2 * dim]`, logvar clipped."""
        mu, logvar = stats[:, : self.dim], stats[:, self.dim :]
        return mu, ops.clip(logvar, -self.max_logvar, self.max_logvar)

    def call(self, inputs):
        stats, noise = inputs
        mu, logvar = self.split(stats)
        eps = ops.cast(noise[:, : self.dim], mu.dtype)
        if not self.stochastic:
            return mu + 0.0 * eps
        return mu + ops.exp(0.5 * logvar) * eps

    def kl(self, stats):
        """Per-sample `KL(N(mu, exp(logvar)) || N(0, I))`, shape `[B]`."""
        mu, logvar = self.split(ops.cast(stats, "float32"))
        return 0.5 * ops.sum(ops.square(mu) + ops.exp(logvar) - 1.0 - logvar, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.dim)

    def get_config(self):
        config = super().get_config()
        config.update(dim=self.dim, stochastic=self.stochastic, max_logvar=self.max_logvar)
        return config
