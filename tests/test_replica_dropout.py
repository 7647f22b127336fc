"""ReplicaDropout: plain dropout on one device, one device's masks on N replicas."""

import keras
import numpy as np
import pytest

from keras_cgan.layers import ReplicaDropout
from tests.test_case import assert_keras_roundtrip


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
