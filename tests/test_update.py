"""The simultaneous update of `GANModel` (compile option `update`), on any family."""

import keras
import numpy as np
import pytest

from keras_cgan import ConditionalGAN, networks
from tests.test_case import flat_weights

SHAPE, CLASSES, LATENT = (8, 8, 1), 4, 6


def make_gan():
    keras.utils.set_random_seed(0)
    g = networks.conditional_generator(SHAPE, CLASSES, latent_dim=LATENT, base_filters=8)
    d = networks.conditional_discriminator(SHAPE, CLASSES, base_filters=8)
    return ConditionalGAN(g, d, condition=CLASSES, seed=1)


def data(n=8):
    rng = np.random.default_rng(0)
    return (np.arange(n) % CLASSES).astype("int32"), rng.uniform(-1, 1, (n,) + SHAPE).astype("float32")


def one_step(update, d_learning_rate):
    gan = make_gan()
    gan.compile(
        generator_optimizer=keras.optimizers.SGD(0.1),
        discriminator_optimizer=keras.optimizers.SGD(d_learning_rate),
        update=update,
    )
    labels, images = data()
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, shuffle=False)
    return flat_weights(gan.generator), flat_weights(gan.discriminator)


def test_simultaneous_scores_generator_with_discriminator_of_before_the_step():
    # Simultaneous: G's gradient comes from the D of before the step, i.e. what
    # the alternating update gives when D does not move (learning rate 0).
    g_sim, d_sim = one_step("simultaneous", 0.1)
    g_frozen_d, _ = one_step("alternating", 0.0)
    g_alt, d_alt = one_step("alternating", 0.1)
    np.testing.assert_allclose(g_sim, g_frozen_d, atol=1e-6)
    np.testing.assert_allclose(d_sim, d_alt, atol=1e-6)  # D's own update is the same in both
    assert np.max(np.abs(g_sim - g_alt)) > 1e-6  # the two orders do differ


def test_compile_config_keeps_update_and_execution_settings_through_a_keras_file(tmp_path):
    gan = make_gan()
    with pytest.raises(ValueError, match="update"):
        gan.compile(update="sequential")
    gan.compile(update="simultaneous", steps_per_execution=3, run_eagerly=True)
    config = gan.get_compile_config()
    assert config["update"] == "simultaneous"
    clone = make_gan()
    clone.compile_from_config(config)
    assert (clone.update, clone.steps_per_execution, clone.run_eagerly) == ("simultaneous", 3, True)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert (loaded.update, loaded.steps_per_execution, loaded.run_eagerly) == ("simultaneous", 3, True)
    default = make_gan()
    default.compile()
    assert default.update == "alternating"
