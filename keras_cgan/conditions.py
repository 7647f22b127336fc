"""How a condition is fed to the networks and how a wrong one is drawn.

The matching-aware discriminator scores real samples paired with a *wrong*
condition as fake, so each kind of condition knows how to draw a condition
that really differs from the true one.

Example:

>>> from keras_cgan.conditions import ClassCondition
>>> ClassCondition(10).input_shape
()
"""

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_cgan")
class ClassCondition:
    """A class id in `[0, num_classes)`, fed as an `int32` scalar per sample.

    Args:
        num_classes: int. The number of classes (at least 2, so that a wrong
            class exists).
    """

    input_shape = ()
    dtype = "int32"

    def __init__(self, num_classes):
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"`num_classes` must be an int >= 2. Received: num_classes={num_classes!r}")
        self.num_classes = int(num_classes)

    def prepare(self, condition):
        """Casts a batch of class ids to `int32` `[B]`."""
        return tf.reshape(tf.cast(condition, "int32"), [-1])

    def wrong(self, condition, draw):
        """Returns a class different from `condition` for each sample.

        A uniform offset in `[1, num_classes)` added modulo `num_classes` can
        never give back the true class.
        """
        offset = draw(tf.random.stateless_uniform, (), dtype="int32", minval=1, maxval=self.num_classes)
        return (condition + offset) % self.num_classes

    def assert_valid(self, condition):
        """In-graph check that ids are in range (catches a bad batch mid-epoch)."""
        return [
            tf.debugging.assert_non_negative(condition, message="class ids must be >= 0"),
            tf.debugging.assert_less(
                condition,
                self.num_classes,
                message=f"class ids must be < num_classes={self.num_classes}",
            ),
        ]

    def check(self, condition, where):
        """Raises `ValueError` if `condition` (an array or a `tf.TensorSpec`) does not fit."""
        dtype = tf.as_dtype(condition.dtype)
        if not dtype.is_integer:
            raise ValueError(
                f"{where}: class conditions must be integer ids; got dtype {dtype.name}. "
                "Cast labels with `tf.cast(labels, 'int32')` (one-hot labels: `argmax`)."
            )
        shape = tuple(condition.shape)
        if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
            raise ValueError(
                f"{where}: class conditions must have shape [batch] or [batch, 1]; got {shape}."
            )
        if isinstance(condition, (np.ndarray, list)) or hasattr(condition, "numpy"):
            values = np.asarray(condition)
            if values.size and (values.min() < 0 or values.max() >= self.num_classes):
                raise ValueError(
                    f"{where}: class ids must be in [0, {self.num_classes}); "
                    f"got values from {values.min()} to {values.max()}."
                )

    def get_config(self):
        return {"num_classes": self.num_classes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def get(condition):
    """Returns a condition object from an int (number of classes), config or object."""
    if isinstance(condition, (int, np.integer)):
        return ClassCondition(int(condition))
    if isinstance(condition, dict):
        return keras.saving.deserialize_keras_object(condition)
    if hasattr(condition, "wrong") and hasattr(condition, "check"):
        return condition
    raise ValueError(
        "`condition` must be a number of classes or a condition object such as "
        f"`ClassCondition`. Received: condition={condition!r}"
    )
