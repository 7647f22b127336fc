"""`ClassCondition`: a class id per sample.

Example:

>>> from keras_cgan.conditions import ClassCondition
>>> ClassCondition(10).input_shape
()
>>> ClassCondition(10).num_labels
10
"""

import keras
import tensorflow as tf
from keras import layers

from keras_cgan import checks
from keras_cgan.conditions.base import CHECK_MARK, Condition, check_ids, fits_per_sample


@keras.saving.register_keras_serializable(package="keras_cgan")
class ClassCondition(Condition):
    """A class id in `[0, num_classes)`, fed as an `int32` scalar per sample.

    The code is a learned embedding of the class; the `acgan` head predicts
    the class (softmax cross-entropy).

    Args:
        num_classes: int. The number of classes (at least 2, so that a wrong
            class exists).
    """

    input_shape = ()
    dtype = "int32"

    def __init__(self, num_classes):
        self.num_classes = checks.integer("num_classes", num_classes, low=2)

    @property
    def num_labels(self):
        """int. One auxiliary logit per class."""
        return self.num_classes

    @property
    def num_ids(self):
        """int. Class ids are in `[0, num_classes)`."""
        return self.num_classes

    def prepare(self, condition):
        """Casts a batch of class ids to `int32` `[B]`.

        Args:
            condition: class ids `[B]` or `[B, 1]`.
        """
        return tf.reshape(tf.cast(condition, "int32"), [-1])

    def wrong(self, condition, draw):
        """Returns a class different from `condition` for each sample.

        A uniform offset in `[1, num_classes)` added modulo `num_classes` can
        never give back the true class.

        Args:
            condition: `int32` class ids `[B]`.
            draw: callable `(sampler, shape, **kw)` drawing `[B, *shape]` values.
        """
        offset = draw(tf.random.stateless_uniform, (), dtype="int32", minval=1, maxval=self.num_classes)
        return (condition + offset) % self.num_classes

    def assert_valid(self, condition):
        """In-graph check that ids are in range (catches a bad batch mid-epoch).

        Args:
            condition: `int32` class ids `[B]`.
        """
        return [
            tf.debugging.assert_non_negative(condition, message=CHECK_MARK + "class ids must be >= 0"),
            tf.debugging.assert_less(
                condition,
                self.num_classes,
                message=CHECK_MARK + f"class ids must be < num_classes={self.num_classes}",
            ),
        ]

    def check(self, condition, where):
        """Raises `ValueError` if `condition` (an array or a `tf.TensorSpec`) does not fit.

        Args:
            condition: array, tensor or `tf.TensorSpec` of class ids.
            where: str. Names the argument in the message.
        """
        dtype = tf.as_dtype(condition.dtype)
        if not dtype.is_integer:
            fix = (
                "Map class names to ids first (`keras.layers.StringLookup`, or a dict)." if dtype == tf.string
                else "Cast labels with `tf.cast(labels, 'int32')` (one-hot labels: `argmax`)."
            )
            raise ValueError(f"{where}: class conditions must be integer ids; got dtype {dtype.name}. {fix}")
        if not any(fits_per_sample(condition, shape) for shape in self.sample_shapes):
            shape = tuple(condition.shape)
            raise ValueError(
                f"{where}: class conditions must have shape [batch] or [batch, 1]; got {shape}."
            )
        check_ids(condition, self.num_classes, "class ids", where)

    def code(self, inputs, units, prefix, text_encoder="mean"):
        """An embedding of the class, `[B, units]`, named `{prefix}_embedding`.

        Args:
            inputs: the class-id `keras.Input`.
            units: int. Size of the code.
            prefix: str. Prefix of the layer name.
            text_encoder: str. Ignored.
        """
        return layers.Embedding(self.num_classes, units, name=f"{prefix}_embedding")(inputs)

    def projection_code(self, inputs, units, text_encoder="mean"):
        """The class embedding of the projection discriminator, named `class_projection`.

        Args:
            inputs: the class-id `keras.Input`.
            units: int. Width of the discriminator's features.
            text_encoder: str. Ignored.
        """
        return layers.Embedding(self.num_classes, units, name="class_projection")(inputs)

    def auxiliary_loss(self, logits, condition):
        """Softmax cross-entropy of the class logits `[B, num_classes]` with the ids `[B]`.

        Args:
            logits: float tensor `[B, num_classes]`.
            condition: `int32` class ids `[B]`.
        """
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=condition, logits=logits))

    def get_config(self):
        """Returns `{"num_classes": ...}`."""
        return {"num_classes": self.num_classes}
