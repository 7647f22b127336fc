"""The shared model API's errors: data of shapes a dataset leaves unknown, structures where one batch
belongs, a failed check that must not count a step, and a user's `CallbackList`.

Each test failed before its fix (a TensorFlow shape error, a traceback, or a step counted).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests import families


@pytest.fixture(scope="module")
def gan():
    """A compiled tiny class-conditional GAN (4 classes, 8x8x1); tests that train build their own."""
    return families.build("conditional")


def _unknown(conditions, targets, rank=False):
    """A `from_generator` dataset of one batch whose spec leaves every size (or the rank) unknown."""
    def spec(a):
        return tf.TensorSpec((None,) * a.ndim if rank else None, tf.as_dtype(a.dtype))

    return tf.data.Dataset.from_generator(lambda: iter([(conditions, targets)]),
                                          output_signature=(spec(conditions), spec(targets)))


def _counts(gan):
    return int(gan.generator_optimizer.iterations), int(gan.discriminator_optimizer.iterations)


# ------------------------------------------------------- callbacks, one batch


def test_fit_and_evaluate_take_a_callback_list(gan):
    labels, images = families.data("conditional", 8)
    epochs = []
    callbacks = keras.callbacks.CallbackList([keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: epochs.append(e))])
    history = gan.fit(labels, images, batch_size=4, epochs=2, verbose=0, callbacks=callbacks)  # TypeError before
    assert epochs == [0, 1] and len(history.history["g_loss"]) == 2
    bad = images.copy()
    bad[5] = 3.0  # batch 1
    with pytest.raises(ValueError, match=r"targets must be in \[-1, 1\].*at batch 1 they hold"):
        # The CallbackList was passed as it was, without the callback that names the batch ("the first batch").
        gan.evaluate(tf.data.Dataset.from_tensor_slices((labels, bad)).batch(4), verbose=0, callbacks=callbacks)


def test_train_and_test_on_batch_keep_their_checks(gan):
    labels, images = families.data("conditional", 4)
    with pytest.raises(ValueError, match=r"`train_on_batch\(x, y\)` needs targets"):
        gan.train_on_batch(labels)
    with pytest.raises(ValueError, match=r"GANs do not take `sample_weight`"):
        gan.test_on_batch(labels, images, sample_weight=np.ones(4))
    with pytest.raises(ValueError, match=r"y: targets must be finite; y\[2\] holds nan"):
        gan.test_on_batch(labels, np.where(np.arange(4)[:, None, None, None] == 2, np.nan, images))
    assert set(gan.train_on_batch(labels, images, return_dict=True)) >= {"d_loss", "g_loss"}
