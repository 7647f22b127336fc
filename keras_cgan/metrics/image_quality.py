"""Image quality: PSNR, SSIM (TensorFlow's), sharpness, and where the detail is.

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

Sharpness cannot tell drawn structure from ringing or a checkerboard: both
raise the gradient energy. Three NumPy measures of paired batches separate
them. `flat_error` is the mean absolute error where the truth is flat
(artefacts show there); `edge_similarity` is 1 when the prediction has the
truth's edges, as strong and in the same place (blur and misplaced structure
lower it); `spectral_match` is 0 when the two power spectra agree, band by
band (blur lacks high-frequency power, noise and checkerboards add it).

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

from keras_cgan import checks
from keras_cgan.losses import image_gradients

SHARPNESS_NORMS = ("rms", "abs")


def _check_images(shape, value_range, name):
    if np.ndim(value_range) != 1 or len(value_range) != 2:
        raise ValueError(f"`value_range` must be (low, high), e.g. (0, 255). Received: {value_range!r}")
    lo, hi = value_range
    if hi <= lo:
        raise ValueError(f"`value_range` must be (low, high) with low < high. Received: {value_range}")
    if len(shape) != 4:
        raise ValueError(f"`{name}` must be images [B, H, W, C]. Received shape {tuple(shape)}.")
    return lo, hi


def _to_unit(images, value_range, name="images"):
    images = tf.convert_to_tensor(images)
    lo, hi = _check_images(images.shape, value_range, name)
    unit = (tf.cast(images, "float32") - lo) / (hi - lo)
    if tf.executing_eagerly() and tf.size(unit) > 0:
        _check_scale(float(tf.reduce_min(unit)), float(tf.reduce_max(unit)), value_range, name)
    return unit


def _check_scale(low, high, value_range, name):
    """`ValueError` naming `name` when images spanning `low..high` on the `[0, 1]` scale are on another."""
    lo, hi = value_range
    if low < -0.5 or high > 1.5:  # e.g. 0..255 read as -1..1
        raise ValueError(
            f"`{name}` holds values from {low * (hi - lo) + lo:g} to {high * (hi - lo) + lo:g}, far outside "
            f"value_range={tuple(value_range)}; pass the images' own range (value_range=(0, 255) for 8-bit)."
        )


def _check_pair(y_true, y_pred):
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"`y_true` and `y_pred` must have the same shape. Received {tuple(y_true.shape)} and "
            f"{tuple(y_pred.shape)}."
        )


def psnr(y_true, y_pred, value_range=(-1.0, 1.0)):
    """Per-image peak signal-to-noise ratio in dB (`tf.image.psnr`), shape `[B]`."""
    y_true, y_pred = _to_unit(y_true, value_range, "y_true"), _to_unit(y_pred, value_range, "y_pred")
    _check_pair(y_true, y_pred)
    return tf.image.psnr(y_true, y_pred, max_val=1.0)


def ssim(y_true, y_pred, value_range=(-1.0, 1.0), filter_size=11):
    """Per-image structural similarity (`tf.image.ssim`), shape `[B]`.

    `filter_size` shrinks to the image size for images smaller than it.
    """
    filter_size = checks.integer("filter_size", filter_size, low=1)
    y_true, y_pred = _to_unit(y_true, value_range, "y_true"), _to_unit(y_pred, value_range, "y_pred")
    _check_pair(y_true, y_pred)
    size = min(filter_size, int(y_true.shape[1]), int(y_true.shape[2]))
    return tf.image.ssim(y_true, y_pred, max_val=1.0, filter_size=size)


def _two_pixels(shape, names, to_have):
    """A `ValueError` naming `names` when images of `shape` are under 2 pixels high or wide (a mean of nothing)."""
    if any(size is not None and size < 2 for size in shape[1:3]):
        raise ValueError(
            f"{names} must be at least 2 pixels high and wide to have {to_have}. Received shape {tuple(shape)}."
        )


def _gradient_unit(images, value_range, name="images"):
    """`_to_unit(images)`, refused when a side is 1 pixel (no difference one way: a mean of nothing, NaN)."""
    unit = _to_unit(images, value_range, name)
    _two_pixels(unit.shape, f"`{name}`", "a gradient")
    return unit


def gradient_energy(images, value_range=(-1.0, 1.0)):
    """Per-image mean squared finite difference, vertical plus horizontal, `[B]`."""
    dy, dx = image_gradients(_gradient_unit(images, value_range))  # [B, H-1, W, C], [B, H, W-1, C]
    return tf.reduce_mean(tf.square(dy), axis=[1, 2, 3]) + tf.reduce_mean(tf.square(dx), axis=[1, 2, 3])


def gradient_magnitude(images):
    """Per-pixel `|dy| + |dx|` where both differences exist, `[..., H - 1, W - 1, C]`.

    On the values as given (no `value_range` scaling); a tensor gives a
    tensor, a NumPy array an array of its dtype. Integer images (uint8)
    are cast to float32 first, so a step from 255 to 0 measures 255.
    """
    if tf.is_tensor(images):
        images = images if images.dtype.is_floating else tf.cast(images, "float32")
    else:
        images = np.asarray(images)
        images = images if np.issubdtype(images.dtype, np.floating) else images.astype("float32")
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
    unit = _gradient_unit(images, value_range)
    if norm == "abs":
        return tf.reduce_mean(gradient_magnitude(unit), axis=[1, 2, 3])
    return tf.sqrt(gradient_energy(unit, (0.0, 1.0)))


def sharpness_ratio(generated, real, value_range=(-1.0, 1.0)):
    """Sharpness of `generated` over sharpness of `real`, both averaged over images.

    The two batches need not be paired; `1.0` means as much fine detail as
    real images, below 1 blurrier, above 1 noisier. A `ValueError` when a
    batch is empty or every `real` image is flat (no gradient: nothing to
    compare with).
    """
    generated, real = _gradient_unit(generated, value_range, "generated"), _gradient_unit(real, value_range, "real")
    for name, images in (("generated", generated), ("real", real)):
        if images.shape[0] == 0:  # was: NaN
            raise ValueError(f"`{name}` holds no image (shape {tuple(images.shape)}): no sharpness to average.")
    fake = tf.reduce_mean(sharpness(generated, (0.0, 1.0)))
    true = tf.reduce_mean(sharpness(real, (0.0, 1.0)))
    if tf.executing_eagerly() and float(true) == 0:  # was: divided by 1e-12, about 1e11
        raise ValueError(
            f"`real` has no gradient energy: every image of shape {tuple(real.shape)} is flat, so there is no "
            "sharpness to compare `generated` with. Pass real images that have some detail."
        )
    return fake / true


# ---------------------------------------------------------------- where the detail is (NumPy)

def _unit_array(images, value_range, name="images"):
    """`images` as a float64 array on the `[0, 1]` scale, checked `[B, H, W, C]` and on that scale."""
    images = np.asarray(images, "float64")
    lo, hi = _check_images(images.shape, value_range, name)
    unit = (images - lo) / (hi - lo)
    if unit.size:
        _check_scale(float(unit.min()), float(unit.max()), value_range, name)
    return unit


def _unit_pair(y_true, y_pred, value_range):
    y_true, y_pred = _unit_array(y_true, value_range, "y_true"), _unit_array(y_pred, value_range, "y_pred")
    _check_pair(y_true, y_pred)
    return y_true, y_pred


def flat_mask(images, value_range=(-1.0, 1.0), tolerance=0.01):
    """`[B, H, W]`: pixels whose 3x3 neighbourhood varies by less than `tolerance` in every channel.

    On the `[0, 1]` scale; the image border repeats its edge pixels.

    >>> import numpy as np
    >>> x = np.zeros((1, 4, 4, 1)); x[0, :, 2:] = 1.0
    >>> flat_mask(x)[0].astype(int).tolist()
    [[1, 0, 0, 1], [1, 0, 0, 1], [1, 0, 0, 1], [1, 0, 0, 1]]
    """
    x = _unit_array(images, value_range)
    height, width = x.shape[1:3]
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")  # [B, H + 2, W + 2, C]
    shifts = np.stack([padded[:, i: i + height, j: j + width] for i in range(3) for j in range(3)])  # [9, B, H, W, C]
    return (shifts.max(0) - shifts.min(0)).max(-1) < tolerance


def flat_error(y_true, y_pred, value_range=(-1.0, 1.0), tolerance=0.01, where=None):
    """Mean absolute error on the `[0, 1]` scale over the truth's flat pixels (`flat_mask`), pooled over the batch.

    0 is a perfect flat area; ringing, checkerboards and noise where the truth
    is flat raise it, as does a wrong colour there. `where` (`[B, H, W]`
    booleans) keeps only those flat pixels: e.g. the background outside a
    texture whose phase the input leaves free, where the gaps of a sample at
    another phase are not flat. Returns `None` when no pixel is left (nothing
    to measure).

    >>> import numpy as np
    >>> truth = np.zeros((1, 6, 6, 1)); truth[0, :, 3:] = 1.0
    >>> checker = 0.1 * (-1.0) ** np.indices((6, 6)).sum(0)[None, ..., None]
    >>> flat_error(truth, truth), round(flat_error(truth, truth + checker), 3)
    (0.0, 0.05)
    >>> print(flat_error(truth[:, :, 2:4], truth[:, :, 2:4]))
    None
    >>> left = np.indices((1, 6, 6))[2] < 2
    >>> flat_error(truth, truth + checker * ~left[..., None], where=left)
    0.0
    """
    y_true, y_pred = _unit_pair(y_true, y_pred, value_range)
    flat = flat_mask(y_true, (0.0, 1.0), tolerance)  # [B, H, W]
    if where is not None:
        where = np.asarray(where, bool)
        if where.shape != flat.shape:
            raise ValueError(f"`where` has shape {where.shape}; flat_error needs one boolean per pixel, {flat.shape}.")
        flat = flat & where
    if not flat.any():
        return None
    return float(np.abs(y_pred - y_true)[flat].mean())


def edge_similarity(y_true, y_pred, value_range=(-1.0, 1.0), threshold=0.1):
    """Gradient-magnitude similarity where the truth has edges, pooled over the batch; 1 = the truth's edges.

    Per pixel and channel `2 g_t g_p / (g_t^2 + g_p^2)` of the gradient
    magnitudes `g = |dy| + |dx|` (`gradient_magnitude`, `[0, 1]` scale;
    Xue et al. 2014's GMS), averaged where `g_t > threshold`. 1 means edges
    as strong and where the truth has them; blur weakens them (0.8 at half
    their strength) and edges moved off the truth's take it toward 0.
    Texture of the right strength but not aligned pixel for pixel (another
    phase, another image) keeps partial credit, about 0.5 to 0.7. Edges the
    truth lacks do not count here: `flat_error` sees those.
    Returns `None` when the truth has no pixel above `threshold`.

    >>> import numpy as np
    >>> truth = np.zeros((1, 6, 6, 1)); truth[0, :, 3:] = 1.0
    >>> edge_similarity(truth, truth), round(edge_similarity(truth, 0.5 * truth), 3)
    (1.0, 0.8)
    >>> edge_similarity(truth, np.roll(truth, 2, axis=2))
    0.0
    """
    y_true, y_pred = _unit_pair(y_true, y_pred, value_range)
    g_true, g_pred = gradient_magnitude(y_true), gradient_magnitude(y_pred)  # [B, H-1, W-1, C]
    edges = g_true > threshold
    if not edges.any():
        return None
    g_true, g_pred = g_true[edges], g_pred[edges]
    return float(np.mean(2 * g_true * g_pred / (g_true**2 + g_pred**2)))


def radial_power(images, value_range=(-1.0, 1.0)):
    """Power spectrum averaged over images, channels and rings of radius `k / min(H, W)` cycles per pixel, `[K]`.

    Band `k` (1 to the corner, `round(sqrt(2) min(H, W) / 2)`) holds the
    frequencies nearest that radius; the mean (band 0) is left out, and the
    FFT treats each image as periodic. `[0, 1]` scale.

    >>> import numpy as np
    >>> checker = (-1.0) ** np.indices((8, 8)).sum(0)[None, ..., None]  # all power at the corner
    >>> np.round(radial_power(checker), 3).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 16.0]
    """
    x = _unit_array(images, value_range)
    _two_pixels(x.shape, "`images`", "a spectrum")
    return _radial_power(x)


def _radial_power(x):
    height, width = x.shape[1:3]
    x = x - x.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fft2(x, axes=(1, 2))) ** 2 / (height * width)).mean(axis=(0, 3))  # [H, W]
    radius = np.hypot(*np.meshgrid(np.fft.fftfreq(height), np.fft.fftfreq(width), indexing="ij"))
    band = np.rint(radius * min(height, width)).astype(int).ravel()
    total, count = np.bincount(band, power.ravel())[1:], np.bincount(band)[1:]
    return total[count > 0] / count[count > 0]


def _flat(unit):
    """Whether every image of `unit` (`[B, H, W, C]`) is constant in every channel: no gradient, no spectrum."""
    return not np.ptp(unit, axis=(1, 2)).any()


def spectral_match(y_true, y_pred, value_range=(-1.0, 1.0), floor=1e-3):
    """Mean over frequency bands of `|log10|` of the prediction's power over the truth's (`radial_power`).

    0 = the same power at every frequency; 1 = off by a factor of 10 on
    average. Blur lacks high-frequency power, noise and checkerboards add
    it; a spectrum ignores where detail is, so pair it with
    `edge_similarity`. `floor` times the truth's mean band power is added to
    both, so bands where neither has power count as matched. Returns `None`
    when every truth image is flat (no power in any band), or there is none:
    nothing to match.

    >>> import numpy as np
    >>> truth = np.zeros((1, 8, 8, 1)); truth[0, :, 4:] = 1.0
    >>> spectral_match(truth, truth)
    0.0
    >>> checker = 0.1 * (-1.0) ** np.indices((8, 8)).sum(0)[None, ..., None]
    >>> round(spectral_match(truth, truth + checker), 2)  # all from the corner band, empty in the truth
    0.55
    >>> print(spectral_match(np.zeros((1, 8, 8, 1)), checker))
    None
    """
    y_true, y_pred = _unit_pair(y_true, y_pred, value_range)
    _two_pixels(y_true.shape, "`y_true`", "a spectrum")  # `y_pred` has its shape
    if not len(y_true) or _flat(y_true):  # was: NaN for none; for flat, any prediction's power over 1e-20, about 19
        return None
    p_true, p_pred = _radial_power(y_true), _radial_power(y_pred)
    eps = floor * p_true.mean() + 1e-20
    return float(np.mean(np.abs(np.log10((p_pred + eps) / (p_true + eps)))))


def quality_report(y_true, y_pred, value_range=(-1.0, 1.0)):
    """Mean PSNR, mean SSIM, the sharpness ratio of `y_pred` to `y_true` and the three detail measures.

    Floats, except `None` for `flat_error` when the truth has no flat pixel,
    for `edge_similarity` when it has no edge, and for `sharpness_ratio` and
    `spectral_match` when every truth image is flat. A `ValueError` for an
    empty batch, or images under 2 pixels high or wide (no gradient).
    """
    y_true, y_pred = _unit_pair(y_true, y_pred, value_range)  # checked here, so errors name these two
    if not len(y_true):  # was: NaN for PSNR, SSIM and the sharpness ratio, with RuntimeWarnings
        raise ValueError(f"`y_true` holds no image (shape {y_true.shape}): there is nothing to report.")
    _two_pixels(y_true.shape, "`y_true` and `y_pred`", "a gradient")  # was: naming `generated`, sharpness_ratio's
    unit = (0.0, 1.0)
    true = float(np.mean(sharpness(y_true, unit)))  # 0 when every image is flat
    return {
        "psnr": float(np.mean(psnr(y_true, y_pred, unit))),
        "ssim": float(np.mean(ssim(y_true, y_pred, unit))),
        "sharpness_ratio": float(np.mean(sharpness(y_pred, unit))) / true if true else None,
        "flat_error": flat_error(y_true, y_pred, unit),
        "edge_similarity": edge_similarity(y_true, y_pred, unit),
        "spectral_match": spectral_match(y_true, y_pred, unit),
    }
