"""Image quality: PSNR, SSIM (TensorFlow's) and a sharpness measure.

PSNR and SSIM reward closeness to the one target, so they favour the blurry
average an L1/L2 model predicts. Sharpness makes "blurry" a number: the RMS
image gradient (square root of the mean gradient energy over pixels and
channels), or with `norm="abs"` the mean gradient magnitude `|dy| + |dx|`.
`sharpness_ratio(generated, real)` near 1 means outputs carry as much fine
detail as real images; an averaging model falls clearly below 1.

All functions take batches `[B, H, W, C]` with values in `value_range` and
measure on the `[0, 1]` scale. These are the library's one PSNR and one
sharpness: `metrics.video` averages them over frames. Image gradients are
`losses.image_gradients`.

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

from keras_cgan.losses import image_gradients

SHARPNESS_NORMS = ("rms", "abs")


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
    dy, dx = image_gradients(_to_unit(images, value_range))  # [B, H-1, W, C], [B, H, W-1, C]
    return tf.reduce_mean(tf.square(dy), axis=[1, 2, 3]) + tf.reduce_mean(tf.square(dx), axis=[1, 2, 3])


def gradient_magnitude(images):
    """Per-pixel `|dy| + |dx|` where both differences exist, `[..., H - 1, W - 1, C]`.

    On the values as given (no `value_range` scaling); a tensor gives a
    tensor, a NumPy array an array of its dtype.
    """
    dy, dx = image_gradients(images)
    return abs(dy[..., :, :-1, :]) + abs(dx[..., :-1, :, :])


def sharpness(images, value_range=(-1.0, 1.0), norm="rms"):
    """Per-image sharpness: the size of the image gradient on the `[0, 1]` scale, `[B]`.

    Args:
        images: `[B, H, W, C]` with values in `value_range`.
        value_range: `(low, high)`. Defaults to `(-1.0, 1.0)`.
        norm: `"rms"`: the RMS gradient, `sqrt(gradient_energy)`. `"abs"`:
            the mean gradient magnitude `|dy| + |dx|` over the
            `(H - 1) x (W - 1)` pixels with both differences
            (`gradient_magnitude`; Mathieu et al. 2016). Defaults to `"rms"`.
    """
    if norm not in SHARPNESS_NORMS:
        raise ValueError(f"`norm` must be one of {SHARPNESS_NORMS}. Received: norm={norm!r}")
    if norm == "abs":
        return tf.reduce_mean(gradient_magnitude(_to_unit(images, value_range)), axis=[1, 2, 3])
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
