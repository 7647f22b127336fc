"""Next-frame generator and (multi-scale) pair discriminator.

The condition is the last `context_frames` frames stacked on channels,
`[H, W, context_frames * C]`. The generator is a small U-Net: two stride-2
encoder blocks, noise joined at the bottleneck, two decoder blocks with skip
connections and a linear frame (`tanh` optional). The discriminator scores `(frame, context)`
pairs at one or more scales (Mathieu et al. 2016 use a multi-scale
discriminator): each scale is a small PatchGAN-like stack on the pair average
pooled by that factor, and all patch logits are concatenated, `[B, N]`.

Example:

>>> from keras_cgan.models.next_frame_gan import networks as video
>>> g = video.next_frame_generator((16, 16, 1), context_frames=4, latent_dim=8)
>>> d = video.next_frame_discriminator((16, 16, 1), context_frames=4, scales=(1, 2))
>>> [tuple(t.shape) for t in g.inputs], tuple(g.output.shape)
([(None, 8), (None, 16, 16, 4)], (None, 16, 16, 1))
>>> tuple(d.output.shape)
(None, 20)
"""

import keras
import numpy as np
from keras import layers

from keras_cgan import checks
from keras_cgan.layers import check_output_activation, image_output
from keras_cgan.models.next_frame_gan.defaults import frame_problem, scales_problem


def _check(frame_shape, context_frames, base_filters):
    """`frame_shape` as a tuple of 3 Python ints; a `ValueError` naming the argument that does not fit."""
    if not hasattr(frame_shape, "__len__") or len(frame_shape) != 3 or not all(
        checks.is_integer(d) and d >= 1 for d in frame_shape
    ):
        raise ValueError(f"`frame_shape` must be (height, width, channels), 3 ints >= 1. Received: {frame_shape!r}")
    problem = frame_problem(*frame_shape[:2])
    if problem:
        raise ValueError(f"`frame_shape` {problem}. Received: {frame_shape}")
    checks.integer("context_frames", context_frames, low=1)
    checks.integer("base_filters", base_filters, low=1)
    return tuple(int(d) for d in frame_shape)  # numpy ints too: Keras layers take Python ints only


def next_frame_generator(
    frame_shape, context_frames=4, latent_dim=8, base_filters=32, output_activation="linear", name="generator"
):
    """Builds `[noise, condition] -> next frame` (or `condition -> next frame`).

    Args:
        frame_shape: tuple. `(height, width, channels)`; height and width
            multiples of 4.
        context_frames: int. Frames stacked in the condition. Defaults to `4`.
        latent_dim: int. Size of the noise vector; `0` builds a generator
            without noise (input `condition` only). Defaults to `8`.
        base_filters: int. Filters of the first block; each stride-2 block
            doubles them. Defaults to `32`.
        output_activation: str. `"tanh"` (frames in [-1, 1]) or `"linear"`
            (clipped to [-1, 1] at inference only, `layers.ClipAtInference`).
            Where most target pixels sit at -1, the limit of `tanh`, the
            loss drives a `tanh` output's pre-activations towards -inf, its
            gradient vanishes and the generator can settle on blank frames;
            a linear output reaches -1 at a finite value and keeps
            learning. Defaults to `"linear"`.
    """
    frame_shape = _check(frame_shape, context_frames, base_filters)
    checks.integer("latent_dim", latent_dim, low=0)
    check_output_activation(output_activation)
    height, width, channels = frame_shape
    f = base_filters
    condition = keras.Input((height, width, context_frames * channels), name="condition")
    e1 = layers.LeakyReLU(0.2)(layers.Conv2D(f, 3, padding="same", name="enc_0")(condition))  # [B, H, W, f]
    e2 = layers.LeakyReLU(0.2)(layers.Conv2D(2 * f, 4, strides=2, padding="same", name="enc_1")(e1))
    e3 = layers.LeakyReLU(0.2)(layers.Conv2D(4 * f, 4, strides=2, padding="same", name="enc_2")(e2))
    inputs = [condition]
    x = e3  # [B, H/4, W/4, 4f]
    if latent_dim:
        noise = keras.Input((latent_dim,), name="noise")
        inputs = [noise, condition]
        z = layers.Dense((height // 4) * (width // 4) * f, name="noise_map")(noise)
        z = layers.Reshape((height // 4, width // 4, f))(z)
        x = layers.Concatenate(name="features_and_noise")([x, z])  # [B, H/4, W/4, 5f]
    x = layers.LeakyReLU(0.2)(layers.Conv2D(4 * f, 3, padding="same", name="bottleneck")(x))
    x = layers.ReLU()(layers.Conv2DTranspose(2 * f, 4, strides=2, padding="same", name="dec_1")(x))
    x = layers.Concatenate(name="skip_1")([x, e2])  # [B, H/2, W/2, 4f]
    x = layers.ReLU()(layers.Conv2D(2 * f, 3, padding="same", name="dec_1_conv")(x))
    x = layers.ReLU()(layers.Conv2DTranspose(f, 4, strides=2, padding="same", name="dec_0")(x))
    x = layers.Concatenate(name="skip_0")([x, e1])  # [B, H, W, 2f]
    x = layers.ReLU()(layers.Conv2D(f, 3, padding="same", name="dec_0_conv")(x))
    frame = image_output(x, channels, output_activation, name="to_frame")
    return keras.Model(inputs, frame, name=name)


def next_frame_discriminator(
    frame_shape,
    context_frames=4,
    base_filters=32,
    scales=(1, 2),
    patch=True,
    spectral_norm=False,
    name="discriminator",
):
    """Builds `[frame, condition] -> patch logits [B, N]` over one or more scales.

    Args:
        frame_shape: tuple. `(height, width, channels)`; height and width
            multiples of 4.
        context_frames: int. Frames stacked in the condition. Defaults to `4`.
        base_filters: int. Filters of the first block per scale. Defaults to `32`.
        scales: tuple of int. Downsampling factors the pair is judged at; `(1,)`
            is a single-scale discriminator. Defaults to `(1, 2)`.
        patch: bool. `True` scores every patch (a logit per `4s x 4s` cell);
            `False` gives one logit per scale from the whole frame, so a
            small local flaw (a split sprite) decides the score instead of
            being averaged with many flawless patches. Defaults to `True`.
        spectral_norm: bool. Wrap convolutions in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
    """
    frame_shape = _check(frame_shape, context_frames, base_filters)
    height, width, channels = frame_shape
    if isinstance(scales, (list, tuple, range, np.ndarray)):  # any one-axis sequence; its items checked below
        scales = tuple(scales.tolist() if isinstance(scales, np.ndarray) else scales)
    problem = scales_problem(height, width, scales)
    if problem:
        raise ValueError(f"`scales` {problem}. Received: scales={scales!r}")
    scales = tuple(int(s) for s in scales)
    patch = checks.flag("patch", patch)
    sn = layers.SpectralNormalization if checks.flag("spectral_norm", spectral_norm) else (lambda layer: layer)
    frame = keras.Input(frame_shape, name="frame")
    condition = keras.Input((height, width, context_frames * channels), name="condition")
    pair = layers.Concatenate(name="frame_and_context")([condition, frame])  # [B, H, W, (k+1)C]
    logits = []
    for s in scales:
        x = layers.AveragePooling2D(s, name=f"pool_{s}")(pair) if s > 1 else pair
        x = layers.LeakyReLU(0.2)(sn(layers.Conv2D(base_filters, 4, strides=2, padding="same", name=f"s{s}_0"))(x))
        x = layers.LeakyReLU(0.2)(sn(layers.Conv2D(2 * base_filters, 4, strides=2, padding="same", name=f"s{s}_1"))(x))
        if patch:
            x = sn(layers.Conv2D(1, 3, padding="same", name=f"s{s}_logits"))(x)  # [B, H/4s, W/4s, 1]
            logits.append(layers.Flatten(name=f"s{s}_flat")(x))
        else:
            x = layers.Flatten(name=f"s{s}_flat")(x)  # [B, H/4s * W/4s * 2F]
            logits.append(sn(layers.Dense(1, name=f"s{s}_logit"))(x))
    out = logits[0] if len(logits) == 1 else layers.Concatenate(name="all_scales")(logits)  # [B, N]
    return keras.Model([frame, condition], out, name=name)
