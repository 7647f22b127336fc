"""N replicas must make the same update as one device (one strategy per process)."""

import numpy as np
import pytest

from tests.test_case import run_isolated

ONE_STEP = """
import keras, numpy as np, tensorflow as tf
from keras_cgan import ConditionalGAN, networks
keras.utils.set_random_seed(0)
with strategy.scope():
    g = networks.conditional_generator((8, 8, 1), 4, latent_dim=6, base_filters=8)
    d = networks.conditional_discriminator((8, 8, 1), 4, conditioning="{conditioning}", base_filters=8)
    gan = ConditionalGAN(g, d, condition=4, seed=3)
    gan.compile(generator_optimizer=keras.optimizers.Adam(1e-2), discriminator_optimizer=keras.optimizers.Adam(1e-2))
rng = np.random.default_rng(0)
images = rng.uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
labels = (np.arange(16) % 4).astype("int32")
ds = tf.data.Dataset.from_tensor_slices((labels, images)).batch(16)
history = gan.fit(ds, epochs=2, verbose=0)
emit({{
    "replicas": strategy.num_replicas_in_sync,
    "weights": np.concatenate([np.ravel(w) for w in gan.get_weights()]).tolist(),
    "logs": {{k: v[-1] for k, v in history.history.items()}},
}})
"""


@pytest.mark.parametrize("conditioning", ["concat", "projection"])
def test_two_replicas_update_like_one_device(conditioning):
    single = run_isolated(ONE_STEP.format(conditioning=conditioning), replicas=1)
    mirrored = run_isolated(ONE_STEP.format(conditioning=conditioning), replicas=2)
    assert (single["replicas"], mirrored["replicas"]) == (1, 2)
    a, b = np.array(single["weights"]), np.array(mirrored["weights"])
    assert a.shape == b.shape
    np.testing.assert_allclose(b, a, atol=1e-5)
    # Logged values are the global batch means, not divided by the replica count.
    for name, value in single["logs"].items():
        np.testing.assert_allclose(mirrored["logs"][name], value, rtol=1e-5, atol=1e-6)


def test_each_replica_draws_its_own_slice_of_the_global_noise():
    result = run_isolated(
        """
import numpy as np, tensorflow as tf
from keras_cgan import ConditionalGAN, networks
with strategy.scope():
    g = networks.conditional_generator((8, 8, 1), 4, latent_dim=6, base_filters=8)
    d = networks.conditional_discriminator((8, 8, 1), 4, base_filters=8)
    gan = ConditionalGAN(g, d, condition=4, seed=7)
per_replica = strategy.run(tf.function(lambda: gan.sample_noise(3)))
values = [np.asarray(t).tolist() for t in strategy.experimental_local_results(per_replica)]
gan.seed_state.assign([7, 0])
emit({"replicas": values, "global": tf.random.stateless_normal((6, 6), seed=[7, 0]).numpy().tolist()})
""",
        replicas=2,
    )
    first, second = (np.array(v) for v in result["replicas"])
    assert not np.allclose(first, second)
    np.testing.assert_allclose(np.concatenate([first, second]), np.array(result["global"]), atol=1e-6)
