"""Two worker processes on 127.0.0.1 train like one worker with the same global batch."""

import numpy as np

from tests.test_case import run_isolated, run_workers

THREE_STEPS = """
import keras, numpy as np, tensorflow as tf
from keras_cgan import ConditionalGAN, networks
keras.utils.set_random_seed(0)
with strategy.scope():
    g = networks.conditional_generator((8, 8, 1), 4, latent_dim=6, base_filters=8)
    d = networks.conditional_discriminator((8, 8, 1), 4, base_filters=8)
    gan = ConditionalGAN(g, d, condition=4, seed=3)
    gan.compile(generator_optimizer=keras.optimizers.Adam(1e-2), discriminator_optimizer=keras.optimizers.Adam(1e-2))
rng = np.random.default_rng(0)
images = rng.uniform(-1, 1, (48, 8, 8, 1)).astype("float32")
labels = (np.arange(48) % 4).astype("int32")
history = gan.fit(tf.data.Dataset.from_tensor_slices((labels, images)).batch(16), epochs=1, verbose=0)
emit({
    "replicas": strategy.num_replicas_in_sync,
    "steps": int(gan.generator_optimizer.iterations.numpy()),
    "weights": np.concatenate([np.ravel(w) for w in gan.get_weights()]).tolist(),
    "logs": {k: float(np.ravel(v[-1])[0]) for k, v in history.history.items()},
})
"""


def test_two_workers_match_each_other_and_one_worker():
    first, second = run_workers(THREE_STEPS, workers=2)
    single = run_isolated(THREE_STEPS, replicas=1)
    assert (first["replicas"], second["replicas"], single["replicas"]) == (2, 2, 1)
    assert first["steps"] == single["steps"] == 3
    np.testing.assert_allclose(np.array(first["weights"]), np.array(second["weights"]), atol=1e-6)
    np.testing.assert_allclose(np.array(first["weights"]), np.array(single["weights"]), atol=1e-5)
    for name, value in single["logs"].items():
        np.testing.assert_allclose(first["logs"][name], value, atol=1e-4)
