import keras
import numpy as np
import pytest

from keras_cgan import ConditionalGAN, networks


@pytest.fixture
def policy(request):
    keras.config.set_dtype_policy(request.param)
    yield request.param
    keras.config.set_dtype_policy("float32")


def build():
    g = networks.conditional_generator((8, 8, 1), 4, latent_dim=4, base_filters=8)
    d = networks.conditional_discriminator((8, 8, 1), 4, base_filters=8)
    gan = ConditionalGAN(g, d, condition=4, seed=0)
    gan.compile()
    return gan


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"], indirect=True)
def test_mixed_precision_trains_two_steps(policy):
    gan = build()
    scaled = isinstance(gan.generator_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == isinstance(gan.discriminator_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16")  # both optimizers, not just one
    before = [np.asarray(v).copy() for v in gan.generator.trainable_variables]
    labels = np.arange(8) % 4
    images = np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    history = gan.fit(labels, images, batch_size=4, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert gan.generator.trainable_variables[0].dtype == "float32"  # float32 master weights
    assert any(not np.array_equal(a, np.asarray(b)) for a, b in zip(before, gan.generator.trainable_variables))
