"""Each loss against a value worked out by hand."""

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


def test_unknown_adversarial_loss_names_the_argument():
    with pytest.raises(ValueError, match="adversarial_loss"):
        losses.get("mse")
