"""SEGAN generator and discriminator on raw waveforms (Pascual et al. 2017).

The generator is a fully convolutional 1D encoder-decoder: strided
convolutions halve the time axis down to a bottleneck, where a latent `z` is
concatenated, and transposed convolutions double it back, each joined to the
encoder layer of the same length by a skip connection. By default the output
layer subtracts a learned noise estimate from the input (`residual=True`). The discriminator
scores a `(waveform, condition)` pair, so it judges whether the waveform is
the clean version *of that noisy input*, not only whether it sounds clean.

`SMALL_FILTERS` (the default) keeps the model on-device sized; `PAPER_FILTERS`
with `kernel_size=31` is the paper's 22-layer network.

Example:

>>> from keras_cgan.models.segan import networks as segan
>>> g = segan.segan_generator(window=1024, filters=(4, 8), kernel_size=5)
>>> [tuple(t.shape) for t in g.inputs], tuple(g.output.shape)
([(None, 256, 8), (None, 1024, 1)], (None, 1024, 1))
"""

import keras
from keras import layers

from keras_cgan import checks
from keras_cgan.models.segan import waveform as waveform_lib
from keras_cgan.models.segan import defaults
from keras_cgan.models.segan.defaults import SMALL_FILTERS, check_window
from keras_cgan.models.segan.emphasis import DeEmphasis, PreEmphasis

PAPER_FILTERS = defaults.PAPER_FILTERS  # defined beside SMALL_FILTERS, so scripts read it without TensorFlow


def _check(window, filters, kernel_size):
    filters = tuple(checks.integers("filters", filters, low=1))
    window = check_window(checks.integer("window", window, low=1), len(filters))
    # At most the window: kernel_size=10**9 was an out-of-memory error 10 s into building.
    kernel_size = checks.integer("kernel_size", kernel_size, low=1, high=window)
    return window, filters, kernel_size


def segan_generator(
    window=16384,
    filters=SMALL_FILTERS,
    kernel_size=15,
    latent_channels=None,
    residual=True,
    preemphasis=0.95,
    name="segan_generator",
):
    """Builds `[noise, noisy waveform] -> enhanced waveform`.

    Args:
        window: int. Samples per window; a multiple of `2**len(filters)`.
            Defaults to `16384` (about 1 s at 16 kHz).
        filters: list of ints. Filters of each encoder layer; the decoder
            mirrors them. Defaults to `SMALL_FILTERS`.
        kernel_size: int. Width of every convolution. Defaults to `15`
            (the paper uses `31`).
        latent_channels: int or `0`. Channels of the latent `z` at the
            bottleneck, an input named `"noise"` of shape
            `(window / 2**len(filters), latent_channels)`; `0` builds a
            generator without `z` (one input). Defaults to `filters[-1]`.
        residual: bool. Subtract a linear noise estimate, which starts at
            zero, from the input: the untrained generator passes the noisy
            input through and training learns only the correction, which is
            much faster on CPU. `False` gives the paper's `tanh`
            output. Defaults to `True`.
        preemphasis: float in `[0, 1)`. The pre-emphasis of the model the
            generator is for (`SEGAN` checks they match): its input arrives
            pre-emphasized and its output is de-emphasized. Pre-emphasis
            divides the lowest frequencies by up to 20 (hum, most of pink
            noise), so the encoder also sees the input de-emphasized back
            to a plain waveform (a second channel); and with
            `residual=True` the noise estimate is pre-emphasized before it
            is subtracted, so the last layer estimates the noise as a plain
            waveform and the output after de-emphasis is exactly
            `input - estimate`, with L1 gradients that are not 40x
            unbalanced across frequencies. `0` for a model without
            pre-emphasis. Defaults to `0.95`.

    Returns:
        A `keras.Model` with inputs `[noise, condition]` (or `condition`
        alone) of shape `(window, 1)` and an output of the same shape.
    """
    window, filters, kernel_size = _check(window, filters, kernel_size)
    residual = checks.flag("residual", residual)  # "no" would build the residual network
    preemphasis = waveform_lib.check_coefficient(preemphasis)
    latent_channels = filters[-1] if latent_channels is None else checks.integer(
        "latent_channels", latent_channels, low=0)
    condition = keras.Input((window, 1), name="condition")  # pre-emphasized
    x = condition
    if preemphasis:
        plain = DeEmphasis(preemphasis, name="plain_input")(condition)
        x = layers.Concatenate(name="both_domains")([condition, plain])  # [B, T, 2]
    skips = []
    for i, f in enumerate(filters):
        x = layers.Conv1D(f, kernel_size, strides=2, padding="same", name=f"enc_{i}")(x)
        x = layers.PReLU(shared_axes=[1], name=f"enc_{i}_prelu")(x)
        skips.append(x)
    inputs = [condition]
    if latent_channels > 0:
        noise = keras.Input((window // 2 ** len(filters), latent_channels), name="noise")
        x = layers.Concatenate(name="bottleneck_and_z")([x, noise])  # [B, T/2^k, C + Cz]
        inputs = [noise, condition]
    for i in range(len(filters) - 2, -1, -1):
        x = layers.Conv1DTranspose(filters[i], kernel_size, strides=2, padding="same", name=f"dec_{i}")(x)
        x = layers.PReLU(shared_axes=[1], name=f"dec_{i}_prelu")(x)
        x = layers.Concatenate(name=f"skip_{i}")([x, skips[i]])  # [B, T/2^(i+1), 2 * filters[i]]
    if residual:
        # The network estimates the noise and subtracts it. (An `Add` here
        # breaks the TFLite converter, which fuses it into the transposed
        # convolution's bias; `Subtract` converts.)
        noise_estimate = layers.Conv1DTranspose(
            1, kernel_size, strides=2, padding="same", kernel_initializer="zeros", name="to_waveform"
        )(x)
        noise_estimate = PreEmphasis(preemphasis, name="noise_preemphasis")(noise_estimate)
        waveform = layers.Subtract(name="input_minus_noise")([condition, noise_estimate])
    else:
        waveform = layers.Conv1DTranspose(
            1, kernel_size, strides=2, padding="same", activation="tanh", name="to_waveform"
        )(x)
    return keras.Model(inputs if len(inputs) > 1 else condition, waveform, name=name)


def segan_discriminator(
    window=16384,
    filters=SMALL_FILTERS,
    kernel_size=15,
    spectral_norm=True,
    name="segan_discriminator",
):
    """Builds `[waveform, condition] -> one logit` for (clean|enhanced, noisy) pairs.

    Args:
        window: int. Samples per window. Defaults to `16384`.
        filters: list of ints. Filters of each strided convolution.
            Defaults to `SMALL_FILTERS`.
        kernel_size: int. Width of every convolution. Defaults to `15`.
        spectral_norm: bool. Wrap every convolution and the output layer in
            `keras.layers.SpectralNormalization` (Miyato et al. 2018), which
            bounds how fast the discriminator's scores can grow; without
            it the least-squares discriminator's scores ran away (d_fake
            ~1e4) after some hundred steps. Defaults to `True`.
    """
    window, filters, kernel_size = _check(window, filters, kernel_size)
    spectral_norm = checks.flag("spectral_norm", spectral_norm)
    sn = (lambda layer: layers.SpectralNormalization(layer, name=f"{layer.name}_sn")) if spectral_norm else (
        lambda layer: layer
    )
    waveform = keras.Input((window, 1), name="waveform")
    condition = keras.Input((window, 1), name="condition")
    x = layers.Concatenate(name="pair")([waveform, condition])  # [B, T, 2]
    for i, f in enumerate(filters):
        x = sn(layers.Conv1D(f, kernel_size, strides=2, padding="same", name=f"conv_{i}"))(x)
        x = layers.LeakyReLU(0.3, name=f"conv_{i}_lrelu")(x)
    x = sn(layers.Conv1D(1, 1, name="squeeze"))(x)  # [B, T/2^k, 1]
    x = layers.Flatten()(x)
    logit = sn(layers.Dense(1, name="logit"))(x)
    return keras.Model([waveform, condition], logit, name=name)
