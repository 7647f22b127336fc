"""The shared step of `GANModel` on one device: regularization, loss scales, penalties."""

import keras
import numpy as np
import pytest

from keras_cgan import ConditionalGAN, Pix2Pix, networks
from keras_cgan.models.stack_gan import build_default
from tests import families
from tests.test_case import flat_weights


@pytest.fixture
def float16():
    keras.config.set_dtype_policy("mixed_float16")
    yield
    keras.config.set_dtype_policy("float32")


def _conditional(regularizer=None):
    keras.utils.set_random_seed(0)
    g = networks.conditional_generator((8, 8, 1), 4, latent_dim=4, base_filters=8)
    d = networks.conditional_discriminator((8, 8, 1), 4, base_filters=8)
    if regularizer is not None:
        for network in (g, d):
            for w in network.trainable_weights:
                if len(w.shape) > 1:
                    w.regularizer = regularizer
    gan = ConditionalGAN(g, d, condition=4, seed=0)
    gan.compile(generator_optimizer=keras.optimizers.SGD(0.1), discriminator_optimizer=keras.optimizers.SGD(0.1))
    return gan


def test_regularizers_enter_their_network_loss_and_are_logged():
    labels, images = families.data("conditional", 8)
    plain, regularized = _conditional(), _conditional(keras.regularizers.L2(10.0))
    d_reg = float(sum(np.asarray(l) for l in regularized.discriminator.losses))
    g_reg = float(sum(np.asarray(l) for l in regularized.generator.losses))
    assert d_reg > 1 and g_reg > 1
    logs = {}
    for name, gan in (("plain", plain), ("regularized", regularized)):
        history = gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)
        logs[name] = {k: v[-1] for k, v in history.history.items()}
    assert "d_reg" not in logs["plain"] and "g_reg" not in logs["plain"]
    np.testing.assert_allclose(logs["regularized"]["d_reg"], d_reg, rtol=1e-5)
    np.testing.assert_allclose(logs["regularized"]["g_reg"], g_reg, rtol=1e-3)  # after D's update
    # The regularizer is in the loss and in the update: the weights shrink.
    np.testing.assert_allclose(
        logs["regularized"]["d_loss"], logs["plain"]["d_loss"] + logs["regularized"]["d_reg"], rtol=1e-4
    )
    assert np.abs(flat_weights(plain.discriminator) - flat_weights(regularized.discriminator)).max() > 1e-2
    assert np.abs(flat_weights(regularized.discriminator)).sum() < np.abs(flat_weights(plain.discriminator)).sum()


def test_stackgan_float16_uses_one_loss_scale_for_its_one_generator_loss(float16):
    # Stage 2's optimizer has its own dynamic scale: once it differs from
    # stage 1's (after overflows of stage 1), the update must not change.
    labels, images = (np.arange(8) % 4).astype("int32"), np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 3))
    keras.utils.set_random_seed(0)
    gan = build_default((4, 8), 4, latent_dim=4, code_dim=2, base_filters=4, active_stages=2, seed=0)
    gan.compile(generator_optimizer=keras.optimizers.SGD(1e-3), discriminator_optimizer=keras.optimizers.SGD(1e-3))
    optimizers = gan.generator_optimizers + gan.discriminator_optimizers
    start, initial_scale = gan.get_weights(), float(optimizers[0].dynamic_scale.numpy())
    weights = {}
    for stage2_scale in (2.0**15, 2.0**9):
        # The second fit starts where the first did (weights, seed state, optimizer counts) and reuses its traced step.
        gan.set_weights(start)
        for optimizer in optimizers:
            optimizer.iterations.assign(0)
            optimizer.step_counter.assign(0)
            optimizer.dynamic_scale.assign(initial_scale)
        gan.generator_optimizers[1].dynamic_scale.assign(stage2_scale)
        keras.utils.set_random_seed(0)
        gan.fit(labels, images.astype("float32"), batch_size=8, epochs=1, verbose=0)
        assert [int(o.iterations.numpy()) for o in gan.generator_optimizers] == [1, 1]
        weights[stage2_scale] = flat_weights(gan.generators[1])
    np.testing.assert_allclose(weights[2.0**9], weights[2.0**15], rtol=1e-6, atol=1e-9)


def _pix2pix_with_r1(small_critic):
    keras.utils.set_random_seed(0)
    g = networks.unet_generator((16, 16, 1), 3, base_filters=4, max_filters=8, num_downs=2, dropout=0.0)
    d = networks.patch_discriminator((16, 16, 1), (16, 16, 3), receptive_field=16, base_filters=4, norm="batch")
    if small_critic:  # input gradients far below float16's smallest normal number
        last = d.layers[-1]
        last.kernel.assign(np.asarray(last.kernel) * 1e-4)
    model = Pix2Pix(g, d, seed=0)
    model.compile(r1_weight=1.0)
    return model


def test_r1_penalty_under_float16_matches_float32():
    conditions, targets = families.data("pix2pix", 4)
    values = {}
    for policy in ("float32", "mixed_float16"):
        keras.config.set_dtype_policy(policy)
        try:
            model = _pix2pix_with_r1(small_critic=True)
            values[policy] = model.evaluate(conditions, targets, batch_size=4, verbose=0, return_dict=True)["d_penalty"]
        finally:
            keras.config.set_dtype_policy("float32")
    assert values["float32"] > 0
    np.testing.assert_allclose(values["mixed_float16"], values["float32"], rtol=0.05)


def test_evaluate_runs_penalty_critics_in_inference_mode():
    # A batch-norm critic in training mode would move its statistics in evaluate.
    model = _pix2pix_with_r1(small_critic=False)
    conditions, targets = families.data("pix2pix", 4)
    before = [np.asarray(w).copy() for w in model.discriminator.weights]
    model.evaluate(conditions, targets, batch_size=4, verbose=0)
    for a, b in zip(before, model.discriminator.weights):
        np.testing.assert_array_equal(a, np.asarray(b))
