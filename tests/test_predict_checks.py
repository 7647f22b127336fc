"""`predict` and `generate` check a user's conditions alike whatever way they come: arrays, a `tf.data` dataset,
a `keras.Input`, or a graph tensor in a user's `tf.function`.

Each test failed before its fix.
"""

import re

import numpy as np
import pytest
import tensorflow as tf

from keras_cgan.models.input_checks import NonFiniteDataError
from tests import families


def _dataset(conditions):
    return tf.data.Dataset.from_tensor_slices(conditions).batch(2)


# ------------------------------------------------------ a dataset's values


@pytest.mark.parametrize("family", families.FAMILIES)
def test_predict_on_a_dataset_checks_the_values_its_arrays_would_be_checked_for(family):
    # Only SEGAN checked a dataset's batches in `predict`: Pix2Pix and NextFrameGAN generated from condition
    # images out of [-1, 1], or holding NaN, which `predict` refuses as arrays.
    gan = families.build(family)
    conditions, _ = families.data(family, 4)
    if conditions.dtype.kind == "i":  # class ids: the condition's own in-graph check
        bad, message = conditions + 4, "The dataset's conditions are not valid at batch 0: class ids must be <"
    else:
        bad, message = conditions * 3, "The dataset's conditions must be in [-1, 1] (the targets' range); at batch 0"
    with pytest.raises(ValueError, match=re.escape(message)):
        gan.predict(_dataset(bad), verbose=0)
    if conditions.dtype.kind == "f":
        bad = conditions.copy()
        bad[3].flat[0] = np.nan
        with pytest.raises(NonFiniteDataError, match=re.escape("hold NaN or inf at batch 1; prediction stopped.")):
            gan.predict(_dataset(bad), verbose=0)
    samples = gan.predict(_dataset(conditions), verbose=0)  # good batches predict as before
    assert samples.shape == (4, *families.SHAPES[family][1]) and np.isfinite(samples).all()


# ------------------------------------------------- a subclass's generate on a keras.Input


@pytest.mark.parametrize("family", ["conditional", "pix2pix", "segan", "stackgan"])
def test_a_subclass_generate_on_a_keras_input_does_its_work_once(family):
    # `halved.generate(keras.Input(...))` reached the model's call through `super().generate(...)`; the call ran
    # the subclass's `generate` inside the node, and the subclass halved the node's output again: a quarter.
    import keras

    gan = families.build(family)

    class Halved(type(gan)):
        def generate(self, condition, noise=None, training=False):
            return super().generate(condition, noise=noise, training=training) * 0.5

    halved = Halved.from_config(gan.get_config())
    halved.set_weights(gan.get_weights())
    conditions, _ = families.data(family, 4)
    inputs = [keras.Input(conditions.shape[1:], dtype=str(conditions.dtype))]
    given = [conditions]
    if gan.noise_shape is not None:
        inputs.append(keras.Input(gan.noise_shape))
        given.append(np.random.default_rng(1).normal(size=(4, *gan.noise_shape)).astype("float32"))
    wrapped = keras.Model(inputs, halved.generate(inputs[0], noise=inputs[1] if len(inputs) > 1 else None))
    expected = 0.5 * np.asarray(gan.generate(conditions, noise=given[1] if len(given) > 1 else None))
    np.testing.assert_allclose(np.asarray(wrapped(given)), expected, atol=1e-6)

