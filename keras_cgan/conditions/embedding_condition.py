"""`EmbeddingCondition`: a precomputed vector per sample (e.g. a sentence embedding).

Example:

>>> from keras_cgan.conditions import EmbeddingCondition
>>> EmbeddingCondition(384).input_shape
(384,)
>>> EmbeddingCondition(384).num_labels is None
True
"""

import keras
import numpy as np
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.conditions.base import Condition, fits_per_sample, is_concrete, one_sample_hint


@keras.saving.register_keras_serializable(package="keras_cgan")
class EmbeddingCondition(Condition):
    """A precomputed condition vector, e.g. a sentence embedding, `float32` `[B, E]`.

    The wrong condition of a sample is the vector of another sample of the
    batch that differs from its own (skipped where the batch has none; the
    default `Condition.wrong`). The code is a learned linear map of the
    vector (the default `Condition.code`). There is nothing to classify, so
    no `acgan` head (`num_labels` is None).

    Args:
        dim: int. Size of the vectors.

    Example:

    >>> EmbeddingCondition(384).input_shape
    (384,)
    """

    dtype = "float32"

    def __init__(self, dim):
        self.dim = checks.integer("dim", dim, low=1)

    @property
    def input_shape(self):
        """tuple. `(dim,)`."""
        return (self.dim,)

    def assert_valid(self, condition):
        """In-graph check that the vectors are finite.

        Args:
            condition: `float32` `[B, E]`.
        """
        return [tf.debugging.assert_all_finite(condition, "condition embeddings must be finite")]

    def check(self, condition, where):
        """Raises `ValueError` if `condition` (an array or a `tf.TensorSpec`) does not fit.

        Args:
            condition: array, tensor or `tf.TensorSpec` of vectors.
            where: str. Names the argument in the message.
        """
        dtype = tf.as_dtype(condition.dtype)
        if not dtype.is_floating:
            raise ValueError(
                f"{where}: embedding conditions must be float vectors; got dtype {dtype.name}."
                + ("" if dtype == tf.string else " Cast them with `.astype('float32')`.")
            )
        if not fits_per_sample(condition, (self.dim,)):
            raise ValueError(
                f"{where}: embedding conditions must have shape [batch, {self.dim}]; got {tuple(condition.shape)}."
                + one_sample_hint(condition, self.input_shape)
            )
        if is_concrete(condition) and not np.all(np.isfinite(np.asarray(condition))):
            raise ValueError(f"{where}: embedding conditions contain NaN or inf.")

    def get_config(self):
        """Returns `{"dim": ...}`."""
        return {"dim": self.dim}
