"""ReplicaDropout: plain dropout on one device, one device's masks on N replicas."""

import keras
import numpy as np
import pytest

from keras_cgan.layers import ReplicaDropout
from tests.test_case import assert_keras_roundtrip, run_isolated


def test_training_drops_about_rate_and_rescales():
    x = np.ones((64, 256), "float32")
    y = np.asarray(ReplicaDropout(0.3, seed=1)(x, training=True))
    assert abs(np.mean(y == 0) - 0.3) < 0.02
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)


def test_inference_is_the_identity():
    x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    layer = ReplicaDropout(0.5, seed=1)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    np.testing.assert_array_equal(np.asarray(ReplicaDropout(0.0)(x, training=True)), x)


def test_noise_shape_and_mixed_precision():
    x = np.ones((3, 4, 5), "float32")
    y = np.asarray(ReplicaDropout(0.5, noise_shape=(None, 1, None), seed=2)(x, training=True))
    assert (y == y[:, :1]).all()  # one mask along the broadcast axis
    y = np.asarray(ReplicaDropout(0.5, noise_shape=(1, None, None), seed=2)(x, training=True))
    assert (y == y[:1]).all()
    with pytest.raises(ValueError, match="noise_shape"):
        ReplicaDropout(0.5, noise_shape=(3, None, None))
    for policy in ("mixed_float16", "mixed_bfloat16"):
        y = ReplicaDropout(0.5, seed=2, dtype=policy)(x, training=True)
        assert keras.backend.standardize_dtype(y.dtype) == policy.split("_")[1]
        assert set(np.unique(np.asarray(y, "float32"))) <= {0.0, 2.0}


def test_config_roundtrip():
    layer = ReplicaDropout(0.25, noise_shape=(None, 1), seed=5, name="drop")
    config = layer.get_config()
    assert ReplicaDropout.from_config(config).get_config() == config
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(clone) is ReplicaDropout and clone.get_config() == config


def test_model_saves_and_loads(tmp_path):
    inputs = keras.Input((8,))
    outputs = keras.layers.Dense(3)(ReplicaDropout(0.5, seed=3, name="drop")(keras.layers.Dense(16)(inputs)))
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    loaded = assert_keras_roundtrip(model, x, tmp_path)
    assert type(loaded.get_layer("drop")) is ReplicaDropout


# Masks of `LAYER` under two replicas, for global batches split unevenly, and
# the masks one device draws on the whole global batch from the same seed.
EQUALITY = """
import keras, numpy as np, tensorflow as tf
from keras_cgan.layers import ReplicaDropout
LAYER = {layer}
results = {{}}
for sizes in ([2, 2], [2, 1], [1, 0]):
    x = np.ones((sum(sizes), 3, 5), "float32")
    single = LAYER(0.5, seed=11)  # outside the scope: the one-device path
    with strategy.scope():
        mirrored = LAYER(0.5, seed=11)
    parts = np.split(x, np.cumsum(sizes)[:-1])
    per_replica = strategy.experimental_distribute_values_from_function(
        lambda ctx: tf.constant(parts[ctx.replica_id_in_sync_group])
    )
    step = tf.function(lambda t: strategy.run(lambda u: mirrored(u, training=True), args=(t,)))
    calls = []
    for _ in range(2):  # a second call must advance the seed the same way
        replicas = [np.asarray(t) != 0 for t in strategy.experimental_local_results(step(per_replica))]
        calls.append({{
            "replicas": [r.tolist() for r in replicas],
            "single": (np.asarray(single(x, training=True)) != 0).tolist(),
        }})
    results[str(sizes)] = calls
outside = LAYER(0.5, seed=11)
try:
    strategy.run(tf.function(lambda: outside(tf.ones((2, 3)), training=True)))
    results["outside"] = None
except ValueError as e:
    results["outside"] = str(e)
emit(results)
"""


def test_two_replicas_draw_the_masks_of_one_device():
    results = run_isolated(EQUALITY.format(layer="ReplicaDropout"), replicas=2)
    outside = results.pop("outside")
    for sizes, calls in results.items():
        first, second = calls
        for call in calls:
            parts = [np.array(r, bool).reshape(-1, 3, 5) for r in call["replicas"]]
            np.testing.assert_array_equal(np.concatenate(parts), np.array(call["single"]), err_msg=sizes)
            if all(len(p) for p in parts):  # the replicas' own rows differ
                assert not np.array_equal(parts[0][0], parts[1][0]), sizes
        assert first["single"] != second["single"], sizes  # the seed advanced
    # A layer made outside the strategy's scope would draw a seed per replica.
    assert outside is not None and "strategy.scope()" in outside
