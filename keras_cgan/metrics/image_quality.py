"""Image quality: PSNR, SSIM (TensorFlow's) and a sharpness measure.

PSNR and SSIM reward closeness to the one target, so they favour the blurry
average an L1/L2 model predicts. Sharpness makes "blurry" a number: the RMS
image gradient (square root of the mean gradient energy over pixels and
channels). `sharpness_ratio(generated, real)` near 1 means outputs carry as
much fine detail as real images; an averaging model falls clearly below 1.

All functions take batches `[B, H, W, C]` with values in `value_range`.

Example:

>>> import numpy as np
>>> from keras_cgan.metrics import image_quality
>>> real = np.random.default_rng(0).uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
>>> round(float(image_quality.sharpness_ratio(0.5 * real, real)), 3)
0.5
>>> float(np.mean(image_quality.psnr(real, real))) > 100
True
"""

import numpy as np
import tensorflow as tf


def _to_unit(images, value_range):
    lo, hi = value_range
    if hi <= lo:
        raise ValueError(f"`value_range` must be (low, high) with low < high. Received: {value_range}")
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
        raise ValueError(f"Expected images of shape [B, H, W, C]. Received shape {images.shape}")
    return (tf.cast(images, "float32") - lo) / (hi - lo)


def _check_pair(y_true, y_pred):
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"`y_true` and `y_pred` must have the same shape. Received {tuple(y_true.shape)} and "
            f"{tuple(y_pred.shape)}."
        )


def psnr(y_true, y_pred, value_range=(-1.0, 1.0)):
    """Per-image peak signal-to-noise ratio in dB (`tf.image.psnr`), shape `[B]`."""
    y_true, y_pred = _to_unit(y_true, value_range), _to_unit(y_pred, value_range)
    _check_pair(y_true, y_pred)
    return tf.image.psnr(y_true, y_pred, max_val=1.0)


def ssim(y_true, y_pred, value_range=(-1.0, 1.0), filter_size=11):
    """Per-image structural similarity (`tf.image.ssim`), shape `[B]`.

    `filter_size` shrinks to the image size for images smaller than it.
    """
    y_true, y_pred = _to_unit(y_true, value_range), _to_unit(y_pred, value_range)
    _check_pair(y_true, y_pred)
    size = min(int(filter_size), int(y_true.shape[1]), int(y_true.shape[2]))
    return tf.image.ssim(y_true, y_pred, max_val=1.0, filter_size=size)


def gradient_energy(images, value_range=(-1.0, 1.0)):
    """Per-image mean squared finite difference, vertical plus horizontal, `[B]`."""
    x = _to_unit(images, value_range)
    dy = x[:, 1:, :, :] - x[:, :-1, :, :]  # [B, H-1, W, C]
    dx = x[:, :, 1:, :] - x[:, :, :-1, :]  # [B, H, W-1, C]
    return tf.reduce_mean(tf.square(dy), axis=[1, 2, 3]) + tf.reduce_mean(tf.square(dx), axis=[1, 2, 3])


def sharpness(images, value_range=(-1.0, 1.0)):
    """Per-image RMS gradient, `sqrt(gradient_energy)`, shape `[B]`."""
    return tf.sqrt(gradient_energy(images, value_range))


def sharpness_ratio(generated, real, value_range=(-1.0, 1.0)):
    """Sharpness of `generated` over sharpness of `real`, both averaged over images.

    The two batches need not be paired; `1.0` means as much fine detail as
    real images, below 1 blurrier, above 1 noisier.
    """
    fake = tf.reduce_mean(sharpness(generated, value_range))
    true = tf.reduce_mean(sharpness(real, value_range))
    return fake / tf.maximum(true, 1e-12)


def quality_report(y_true, y_pred, value_range=(-1.0, 1.0)):
    """Mean PSNR, mean SSIM and the sharpness ratio of `y_pred` to `y_true`, as floats."""
    return {
        "psnr": float(np.mean(psnr(y_true, y_pred, value_range))),
        "ssim": float(np.mean(ssim(y_true, y_pred, value_range))),
        "sharpness_ratio": float(sharpness_ratio(y_pred, y_true, value_range)),
    }
