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
