"""Adversarial and reconstruction losses as pure functions.

Every adversarial loss is three element-wise terms on discriminator logits:

* ``real(logits)``: the penalty for scoring a sample the discriminator should
  call real (target 1),
* ``fake(logits)``: the penalty for scoring a sample it should call fake
  (target 0): generated samples and real samples with a wrong condition,
* ``generator(logits)``: the generator's penalty on its own samples.

Each function returns the mean over all elements, so it is the per-replica
batch mean; the training machinery scales it for the replica count.

Example:

>>> import numpy as np
>>> from keras_cgan import losses
>>> float(losses.discriminator_loss(np.array([0.0]), np.array([0.0]), "bce"))
1.3862943...
"""

import collections
import math

import numpy as np
import tensorflow as tf
from keras import ops

from keras_cgan import checks

AdversarialLoss = collections.namedtuple(
    "AdversarialLoss", ["name", "real", "fake", "generator", "needs_gradient_penalty"]
)


def _mean(x):
    return ops.mean(ops.cast(x, "float32"))


def _same_shape(loss, a, b, names=("y_true", "y_pred"), per_row=False):
    """Raises `ValueError` naming `loss` and both shapes unless `a` and `b` have the same shape (sizes unknown pass).

    A loss compares each prediction with its own target: a batch of 1 would
    broadcast against a batch of 2 silently. `per_row=True` compares the
    rows and their number of values (waveforms `[B, T]` and `[B, T, 1]` match).
    """
    shapes = [tf.TensorShape(x.shape if hasattr(x, "shape") else np.shape(x)) for x in (a, b)]
    compared = shapes
    if per_row and all(shape.rank for shape in shapes):
        compared = [tf.TensorShape([shape[0], shape[1:].num_elements()]) for shape in shapes]
    if not compared[0].is_compatible_with(compared[1]):
        what = "as many rows of as many values" if per_row else "the same shape"
        raise ValueError(
            f"`{loss}`: `{names[0]}` and `{names[1]}` must have {what} (a size of 1 would broadcast over the "
            f"other). Received: {names[0]} of shape {tuple(shapes[0])} and {names[1]} of shape {tuple(shapes[1])}."
        )


# The adversarial losses by name; `checks.ADVERSARIAL_LOSSES` names them (without TensorFlow) for the command line.
_ADVERSARIAL_LOSSES = {loss.name: loss for loss in (
    # Non-saturating GAN loss (Goodfellow et al. 2014) on logits.
    AdversarialLoss(
        "bce",
        real=lambda l: ops.softplus(-l),
        fake=lambda l: ops.softplus(l),
        generator=lambda l: ops.softplus(-l),
        needs_gradient_penalty=False,
    ),
    # Hinge loss (Lim & Ye 2017; Miyato et al. 2018).
    AdversarialLoss(
        "hinge",
        real=lambda l: ops.relu(1.0 - l),
        fake=lambda l: ops.relu(1.0 + l),
        generator=lambda l: -l,
        needs_gradient_penalty=False,
    ),
    # Least squares (Mao et al. 2017), targets a=0, b=c=1, with the paper's 1/2.
    AdversarialLoss(
        "lsgan",
        real=lambda l: 0.5 * ops.square(l - 1.0),
        fake=lambda l: 0.5 * ops.square(l),
        generator=lambda l: 0.5 * ops.square(l - 1.0),
        needs_gradient_penalty=False,
    ),
    # Wasserstein critic (Arjovsky et al. 2017); pair with a gradient penalty.
    AdversarialLoss(
        "wgan-gp",
        real=lambda l: -l,
        fake=lambda l: l,
        generator=lambda l: -l,
        needs_gradient_penalty=True,
    ),
)}
ADVERSARIAL_LOSSES = checks.ADVERSARIAL_LOSSES


def get(name):
    """Returns the `AdversarialLoss` called `name` (one of `ADVERSARIAL_LOSSES`)."""
    if isinstance(name, AdversarialLoss):
        return name
    if not isinstance(name, str) or name not in _ADVERSARIAL_LOSSES:  # a list was Python's "unhashable type"
        raise ValueError(
            f"`adversarial_loss` must be one of {ADVERSARIAL_LOSSES}. "
            f"Received: adversarial_loss={name!r}"
        )
    return _ADVERSARIAL_LOSSES[name]


def real_loss(logits, kind="bce"):
    """Mean penalty for `logits` the discriminator should score as real."""
    return _mean(get(kind).real(ops.cast(logits, "float32")))


def fake_loss(logits, kind="bce"):
    """Mean penalty for `logits` the discriminator should score as fake."""
    return _mean(get(kind).fake(ops.cast(logits, "float32")))


def discriminator_loss(real_logits, fake_logits, kind="bce"):
    """Unconditional discriminator loss: `real_loss + fake_loss`."""
    return real_loss(real_logits, kind) + fake_loss(fake_logits, kind)


def generator_loss(fake_logits, kind="bce"):
    """Mean generator penalty on the discriminator's logits for its samples."""
    return _mean(get(kind).generator(ops.cast(fake_logits, "float32")))


def _per_sample_grad_sq_norm(critic, inputs, scale=1.0):
    # Under float16 the inner gradient is taken of the scaled scores and
    # unscaled in float32, as a loss-scaled outer gradient is: unscaled, it
    # underflows in float16 layers.
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        scores = tf.reduce_sum(tf.cast(critic(inputs), "float32")) * scale
    grads = tf.cast(tape.gradient(scores, inputs), "float32") / scale
    return tf.reduce_sum(tf.reshape(tf.square(grads), [tf.shape(grads)[0], -1]), axis=1)


def gradient_penalty(critic, real, fake, alpha, scale=1.0):
    """WGAN-GP penalty `E[(||grad critic(x_hat)|| - 1)^2]` (Gulrajani et al. 2017).

    Args:
        critic: callable. Maps a batch of samples to one score per sample (the
            condition, if any, already bound).
        real: tensor. Real samples `[B, ...]`.
        fake: tensor. Generated samples, same shape as `real`.
        alpha: tensor. Interpolation weights `[B]` in `[0, 1]`.
        scale: float or scalar tensor. Loss scale of the inner gradient (the
            optimizer's dynamic scale under float16), divided out in float32.
            Defaults to `1.0`.
    """
    _same_shape("gradient_penalty", real, fake, ("real", "fake"))
    real = tf.cast(real, "float32")
    fake = tf.cast(fake, "float32")
    alpha = tf.reshape(tf.cast(alpha, "float32"), [-1] + [1] * (len(real.shape) - 1))
    x_hat = real + alpha * (fake - real)
    norm = tf.sqrt(_per_sample_grad_sq_norm(critic, x_hat, scale) + 1e-12)
    return tf.reduce_mean(tf.square(norm - 1.0))


def r1_penalty(critic, real, scale=1.0):
    """R1 penalty `E[||grad critic(x)||^2]` on real samples (Mescheder et al. 2018).

    The usual `gamma / 2` factor is the caller's weight. `scale`: as for
    `gradient_penalty`.
    """
    return tf.reduce_mean(_per_sample_grad_sq_norm(critic, tf.cast(real, "float32"), scale))


def l1_loss(y_true, y_pred):
    """Mean absolute error."""
    _same_shape("l1_loss", y_true, y_pred)
    return _mean(ops.abs(ops.cast(y_true, "float32") - ops.cast(y_pred, "float32")))


def l2_loss(y_true, y_pred):
    """Mean squared error."""
    _same_shape("l2_loss", y_true, y_pred)
    return _mean(ops.square(ops.cast(y_true, "float32") - ops.cast(y_pred, "float32")))


def lowpass_radius(sigma):
    """Half-width in pixels of the kernel `gaussian_lowpass` uses: `ceil(3 * sigma)`, at least 1."""
    return max(1, int(math.ceil(3.0 * float(sigma))))


def gaussian_lowpass(images, sigma):
    """Blur `[B, H, W, C]` images with a Gaussian of `sigma` pixels (reflected borders).

    `sigma=0` returns the images unchanged. The blur is separable, one
    depthwise pass per axis, so it is cheap next to a network.

    >>> import numpy as np
    >>> from keras_cgan import losses
    >>> flat = np.full((1, 8, 8, 3), 0.5, "float32")
    >>> bool(np.allclose(losses.gaussian_lowpass(flat, 1.5), flat))
    True
    """
    sigma = checks.number("sigma", sigma)
    images = tf.cast(images, "float32")
    if sigma == 0:
        return images
    radius = lowpass_radius(sigma)
    height, width = images.shape[1], images.shape[2]
    if height is not None and width is not None and radius >= min(height, width):
        raise ValueError(
            f"`sigma`={sigma:g} needs images larger than {radius} pixels (3 sigma) on each side; "
            f"these are {height}x{width}."
        )
    taps = tf.exp(-0.5 * tf.square(tf.range(-radius, radius + 1, dtype="float32") / sigma))
    taps /= tf.reduce_sum(taps)
    channels = images.shape[-1]
    for kernel_shape, paddings in (
        ([2 * radius + 1, 1, 1, 1], [[0, 0], [radius, radius], [0, 0], [0, 0]]),
        ([1, 2 * radius + 1, 1, 1], [[0, 0], [0, 0], [radius, radius], [0, 0]]),
    ):
        kernel = tf.tile(tf.reshape(taps, kernel_shape), [1, 1, channels, 1])
        images = tf.nn.depthwise_conv2d(
            tf.pad(images, paddings, mode="REFLECT"), kernel, [1, 1, 1, 1], "VALID"
        )
    return images


def lowpass_l1_loss(y_true, y_pred, sigma):
    """Mean absolute error between the Gaussian-blurred images (`gaussian_lowpass`)."""
    _same_shape("lowpass_l1_loss", y_true, y_pred)
    return l1_loss(gaussian_lowpass(y_true, sigma), gaussian_lowpass(y_pred, sigma))


def image_gradients(images):
    """Vertical and horizontal finite differences of images `[..., H, W, C]`.

    Returns `(dy, dx)` with `dy[..., i, j, :] = x[..., i + 1, j, :] - x[..., i, j, :]`
    of shape `[..., H - 1, W, C]` and `dx` the same along the width,
    `[..., H, W - 1, C]`. Unlike `tf.image.image_gradients` nothing is
    padded, so a mean runs over real differences only. Plain slicing: a
    tensor gives tensors, a NumPy array gives arrays of its dtype. The one
    image-gradient helper of the library (`gradient_difference_loss`,
    `metrics.image_quality`, `metrics.video`).

    >>> import numpy as np
    >>> from keras_cgan import losses
    >>> dy, dx = losses.image_gradients(np.array([[[[0.0], [1.0]], [[2.0], [4.0]]]]))
    >>> dy[0, ..., 0].tolist(), dx[0, ..., 0].tolist()
    ([[2.0, 3.0]], [[1.0], [2.0]])
    """
    dy = images[..., 1:, :, :] - images[..., :-1, :, :]  # [..., H-1, W, C]
    dx = images[..., :, 1:, :] - images[..., :, :-1, :]  # [..., H, W-1, C]
    return dy, dx


def gradient_difference_loss(y_true, y_pred, alpha=1.0, per_example=False):
    """Gradient difference loss (Mathieu et al. 2016), mean over pixels.

    `| |dy y| - |dy y_hat| |^alpha + | |dx y| - |dx y_hat| |^alpha`: it
    rewards predictions whose edges are where the target's edges are, which a
    blurry average lacks.

    Args:
        y_true, y_pred: tensors `[B, H, W, C]`.
        alpha: float. Exponent. Defaults to `1.0`.
        per_example: bool. Return one value per example `[B]` instead of
            the batch mean. Defaults to `False`.
    """
    _same_shape("gradient_difference_loss", y_true, y_pred)
    y_true = tf.cast(y_true, "float32")
    y_pred = tf.cast(y_pred, "float32")
    ty, tx, py, px = (tf.abs(g) for g in image_gradients(y_true) + image_gradients(y_pred))
    axis = [1, 2, 3] if per_example else None
    return tf.reduce_mean(tf.abs(ty - py) ** alpha, axis=axis) + tf.reduce_mean(tf.abs(tx - px) ** alpha, axis=axis)


def multi_resolution_stft_loss(y_true, y_pred, fft_sizes=(512, 1024, 2048), log_floor=1e-2):
    """Magnitude L1 + log-magnitude L1, averaged over STFT resolutions.

    For each FFT size (Hann window of that size, hop a quarter of it):
    `mean |S - S_hat| + mean |log S - log S_hat|` on the magnitudes, as in
    the multi-resolution STFT losses of Parallel WaveGAN (Yamamoto et al.
    2020), with the magnitude L1 in place of their spectral convergence
    ratio so that the loss is a mean over examples (exact on any number of
    replicas, finite on silent windows). Beside a waveform L1 it weights
    what listeners hear, quiet bands included, rather than the loudest
    samples.

    Args:
        y_true, y_pred: waveforms `[B, T]` or `[B, T, 1]`.
        fft_sizes: ints. FFT sizes; sizes longer than `T` are left out (if
            all are, `T` rounded down to a power of two is used).
        log_floor: float. Added to the magnitudes before the log. Bins far
            below it (a clean signal's empty bands) then count little: with
            a tiny floor (1e-5) their log-magnitude gradients dominate and,
            on noise that shares the speech band, kept SEGAN's output equal
            to its input. Defaults to `1e-2`.

    Example:

    >>> import numpy as np
    >>> t = np.sin(np.arange(2 * 4096) * 0.05).reshape(2, 4096, 1).astype("float32")
    >>> float(multi_resolution_stft_loss(t, t))
    0.0
    >>> float(multi_resolution_stft_loss(t, 0.5 * t)) > 0.5
    True
    """
    _same_shape("multi_resolution_stft_loss", y_true, y_pred, per_row=True)
    steps = tuple(y_true.shape[1:])  # read before the reshape: a traced batch of unknown size hides the length
    length = None if None in steps else math.prod(steps)
    y_true = tf.cast(tf.reshape(y_true, [tf.shape(y_true)[0], -1]), "float32")
    y_pred = tf.cast(tf.reshape(y_pred, [tf.shape(y_pred)[0], -1]), "float32")
    sizes = [n for n in fft_sizes if length is None or n <= length] or [2 ** int(math.log2(length))]
    total = 0.0
    for n in sizes:
        spec_true, spec_pred = (
            tf.abs(tf.signal.stft(y, frame_length=n, frame_step=n // 4, fft_length=n)) for y in (y_true, y_pred)
        )
        total += _mean(tf.abs(spec_true - spec_pred))
        total += _mean(tf.abs(tf.math.log(spec_true + log_floor) - tf.math.log(spec_pred + log_floor)))
    return total / len(sizes)
