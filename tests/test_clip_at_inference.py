"""ClipAtInference: the identity while training, a clip to [-1, 1] otherwise; the linear output options."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_cgan.layers import ClipAtInference
from keras_cgan.models.conditional_gan import networks as cgan_networks
from keras_cgan.models.next_frame_gan import networks as video_networks
from tests.test_case import assert_keras_roundtrip

X = np.array([[-3.0, -1.0, -0.25, 0.5, 1.0, 2.5]], "float32")


def test_clips_at_inference_only():
    layer = ClipAtInference()
    np.testing.assert_array_equal(np.asarray(layer(X)), np.clip(X, -1, 1))
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), np.clip(X, -1, 1))
    np.testing.assert_array_equal(np.asarray(layer(X, training=True)), X)


def test_every_value_keeps_its_gradient_while_training():
    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(ClipAtInference()(x, training=True))
    np.testing.assert_array_equal(tape.gradient(total, x).numpy(), np.ones_like(X))


def test_model_saves_and_loads(tmp_path):
    inputs = keras.Input((6,))
    model = keras.Model(inputs, ClipAtInference(name="clip")(keras.layers.Dense(6)(inputs)))
    loaded = assert_keras_roundtrip(model, X, tmp_path)
    assert type(loaded.get_layer("clip")) is ClipAtInference


@pytest.mark.parametrize("build", [
    lambda activation: video_networks.next_frame_generator((8, 8, 1), 2, base_filters=4, output_activation=activation),
    lambda activation: cgan_networks.conditional_generator((8, 8, 1), 3, latent_dim=4, base_filters=4,
                                                           output_activation=activation),
])
def test_generators_take_a_linear_or_tanh_output(build):
    linear, tanh = build("linear"), build("tanh")
    assert any(isinstance(layer, ClipAtInference) for layer in linear.layers)
    assert not any(isinstance(layer, ClipAtInference) for layer in tanh.layers)
    with pytest.raises(ValueError, match="output_activation"):
        build("sigmoid")
