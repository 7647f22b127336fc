"""Each loss against a value worked out by hand."""

import re

import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import losses


def close(value, expected):
    np.testing.assert_allclose(float(value), expected, rtol=1e-5, atol=1e-6)


def test_bce_is_non_saturating_logistic_loss():
    # softplus(0) = ln 2; softplus(-2) = ln(1 + e^-2); softplus(-1) = ln(1 + e^-1)
    close(losses.discriminator_loss(np.array([0.0]), np.array([0.0]), "bce"), 2 * np.log(2))
    close(losses.real_loss(np.array([2.0]), "bce"), np.log1p(np.exp(-2.0)))
    close(losses.fake_loss(np.array([-1.0]), "bce"), np.log1p(np.exp(-1.0)))
    close(losses.generator_loss(np.array([-1.0]), "bce"), np.log1p(np.exp(1.0)))


def test_hinge():
    close(losses.real_loss(np.array([0.5, 2.0]), "hinge"), (0.5 + 0.0) / 2)
    close(losses.fake_loss(np.array([-2.0, 0.5]), "hinge"), (0.0 + 1.5) / 2)
    close(losses.generator_loss(np.array([-2.0, 0.5]), "hinge"), 0.75)


def test_least_squares():
    close(losses.real_loss(np.array([1.0, 3.0]), "lsgan"), (0.0 + 2.0) / 2)
    close(losses.fake_loss(np.array([2.0]), "lsgan"), 2.0)
    close(losses.generator_loss(np.array([0.0]), "lsgan"), 0.5)


def test_wasserstein():
    close(losses.discriminator_loss(np.array([1.0, 3.0]), np.array([1.0]), "wgan-gp"), -2.0 + 1.0)
    close(losses.generator_loss(np.array([1.0, 3.0]), "wgan-gp"), -2.0)
    assert losses.get("wgan-gp").needs_gradient_penalty


def test_gradient_penalty_of_a_linear_critic_is_its_slope_minus_one_squared():
    critic = lambda x: tf.reduce_sum(x * tf.constant([3.0, 4.0]), axis=1)  # |grad| = 5
    real, fake = tf.ones((4, 2)), tf.zeros((4, 2))
    close(losses.gradient_penalty(critic, real, fake, tf.fill([4], 0.3)), (5.0 - 1.0) ** 2)


def test_gradient_penalty_interpolates_from_real_towards_fake():
    critic = lambda x: tf.reduce_sum(x * x, axis=1)  # grad = 2 x_hat
    real, fake = tf.constant([[1.0, 0.0]]), tf.constant([[0.0, 0.0]])
    close(losses.gradient_penalty(critic, real, fake, tf.constant([0.0])), (2.0 - 1.0) ** 2)
    close(losses.gradient_penalty(critic, real, fake, tf.constant([0.5])), 0.0)


def test_r1_is_mean_squared_gradient_norm_on_real():
    critic = lambda x: tf.reduce_sum(x * x, axis=1)
    close(losses.r1_penalty(critic, tf.constant([[1.0, 2.0]])), 4.0 + 16.0)


def test_reconstruction():
    close(losses.l1_loss(np.array([1.0, 2.0]), np.array([2.0, 0.0])), 1.5)
    close(losses.l2_loss(np.array([1.0, 2.0]), np.array([2.0, 0.0])), 2.5)


def test_gaussian_lowpass_keeps_low_and_removes_high_frequencies():
    y, x = np.mgrid[0:32, 0:32].astype("float32")
    ramp = np.stack([x / 31.0, y / 31.0, np.full_like(x, 0.3)], -1)[None]  # [1, 32, 32, 3]
    grid = (x % 4 < 1).astype("float32")[None, ..., None]  # 1-pixel lines, period 4
    assert losses.gaussian_lowpass(ramp, 2.0).shape == ramp.shape
    # Inside the image a linear ramp is unchanged by a symmetric blur; the grid flattens to its mean.
    np.testing.assert_allclose(np.asarray(losses.gaussian_lowpass(ramp, 2.0))[0, 8:-8, 8:-8], ramp[0, 8:-8, 8:-8], atol=1e-5)
    blurred = np.asarray(losses.gaussian_lowpass(grid, 2.0))[:, 8:-8, 8:-8]  # away from the reflected borders
    assert np.ptp(blurred) < 0.02 * np.ptp(grid) and abs(blurred.mean() - grid.mean()) < 0.01
    np.testing.assert_array_equal(np.asarray(losses.gaussian_lowpass(grid, 0.0)), grid)
    # So the low-pass L1 between two phases of the same texture is ~0, the plain L1 is not.
    shifted = np.roll(grid, 2, axis=2)
    assert float(losses.lowpass_l1_loss(grid, shifted, 2.0)) < 0.05 < 0.4 < float(losses.l1_loss(grid, shifted))
    for sigma in (-1.0, float("nan"), None, "2"):  # NaN and None met float() or int(), "2" was taken as a number
        with pytest.raises(ValueError, match=re.escape(f"`sigma` must be a finite number >= 0. Received: sigma={sigma!r}")):
            losses.gaussian_lowpass(grid, sigma)
    with pytest.raises(ValueError, match="larger than 33 pixels"):
        losses.gaussian_lowpass(grid, 11.0)  # the reflected border would not fit in 32 pixels


def test_image_gradients_are_unpadded_forward_differences():
    x = np.array([[0.0, 1.0, 3.0], [2.0, 2.0, 7.0]])[None, ..., None]  # [1, 2, 3, 1]
    dy, dx = losses.image_gradients(x)
    assert isinstance(dy, np.ndarray) and dy.dtype == x.dtype  # arrays stay arrays (exact float64)
    np.testing.assert_array_equal(dy[0, ..., 0], [[2.0, 1.0, 4.0]])
    np.testing.assert_array_equal(dx[0, ..., 0], [[1.0, 2.0], [0.0, 5.0]])
    tdy, tdx = losses.image_gradients(tf.constant(x, "float32"))
    assert tdy.shape == (1, 1, 3, 1) and tdx.shape == (1, 2, 2, 1)
    np.testing.assert_array_equal(tdx.numpy(), dx)
    # any leading dimensions: clips [N, T, H, W, C]
    assert losses.image_gradients(np.zeros((2, 3, 4, 5, 1)))[1].shape == (2, 3, 4, 4, 1)
    # the gradient difference loss is built on them: |dy| of a flat prediction vs x
    close(losses.gradient_difference_loss(x, np.zeros_like(x)), np.mean(np.abs(dy)) + np.mean(np.abs(dx)))


def test_losses_refuse_shapes_that_would_broadcast_and_name_both():
    # A batch of 1 against a batch of 2 broadcast silently: a loss over pairs that do not exist.
    one, two = np.zeros((1, 8, 8, 1), "float32"), np.ones((2, 8, 8, 1), "float32")
    for name, loss in (("gradient_difference_loss", losses.gradient_difference_loss), ("l1_loss", losses.l1_loss),
                       ("l2_loss", losses.l2_loss), ("lowpass_l1_loss", lambda a, b: losses.lowpass_l1_loss(a, b, 1.0))):
        with pytest.raises(ValueError, match=re.escape(
                f"`{name}`: `y_true` and `y_pred` must have the same shape (a size of 1 would broadcast over the "
                "other). Received: y_true of shape (1, 8, 8, 1) and y_pred of shape (2, 8, 8, 1).")):
            loss(one, two)
    with pytest.raises(ValueError, match=re.escape("`gradient_penalty`: `real` and `fake` must have the same shape")):
        losses.gradient_penalty(lambda x: tf.reduce_sum(x, [1, 2, 3]), one, two, tf.ones([2]))
    waves = np.zeros((2, 4096), "float32")
    with pytest.raises(ValueError, match=re.escape("`multi_resolution_stft_loss`: `y_true` and `y_pred` must have as "
                                                   "many rows of as many values")):
        losses.multi_resolution_stft_loss(waves[:1, :, None], waves)
    close(losses.multi_resolution_stft_loss(waves, waves[..., None]), 0.0)  # [B, T] and [B, T, 1] are one shape
    # Sizes a graph leaves unknown pass (the step checks the batch's rows).
    unknown = tf.function(losses.gradient_difference_loss, input_signature=[tf.TensorSpec([None, 8, 8, 1])] * 2)
    close(unknown(two, two), 0.0)


def test_unknown_adversarial_loss_names_the_argument():
    with pytest.raises(ValueError, match="adversarial_loss"):
        losses.get("mse")


def test_the_names_a_command_line_offers_are_the_losses():
    # `checks.ADVERSARIAL_LOSSES` names the losses without TensorFlow, for a command line's choices: each has its
    # loss here, and no loss goes unoffered (once an import-time assert).
    from keras_cgan import checks

    assert tuple(losses._ADVERSARIAL_LOSSES) == checks.ADVERSARIAL_LOSSES == losses.ADVERSARIAL_LOSSES
    assert [losses.get(name).name for name in checks.ADVERSARIAL_LOSSES] == list(checks.ADVERSARIAL_LOSSES)
