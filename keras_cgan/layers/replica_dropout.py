"""Dropout whose masks do not depend on how the batch is split across replicas.

`keras.layers.Dropout` draws each replica's mask from the same seed, so under
`tf.distribute.MirroredStrategy` every replica drops the same units of its
own rows. `ReplicaDropout` draws the mask of the whole global batch from one
seed and keeps this replica's rows: N replicas see exactly the masks one
device sees on the global batch, uneven splits (and empty replicas) included.

Example:

>>> import numpy as np
>>> layer = ReplicaDropout(0.5, seed=1)
>>> x = np.ones((2, 4), "float32")
>>> np.asarray(layer(x, training=True)).tolist()
[[2.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 2.0]]
>>> np.asarray(layer(x)).tolist()  # inference: the identity
[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
"""

import keras
import tensorflow as tf

from keras_cgan.distribute import batch_position


@keras.saving.register_keras_serializable(package="keras_cgan")
class ReplicaDropout(keras.layers.Dropout):
    """`keras.layers.Dropout` with one mask for the global batch, sliced per replica.

    Create it (its model) under `strategy.scope()`: its seed state is then a
    mirrored variable, equal on every replica and advanced once per call.

    Args:
        rate: float. The fraction of the input units to drop, in `[0, 1]`.
        noise_shape: tuple or None. Shape of the mask; `None` entries take
            the input's size. The batch entry must be `None` (one mask per
            row) or `1` (one mask for every row). Defaults to `None` (the
            input's shape).
        seed: int or None. The seed of the masks. Defaults to `None`.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, noise_shape=noise_shape, seed=seed, **kwargs)
        if self.noise_shape is not None and (not self.noise_shape or self.noise_shape[0] not in (None, 1)):
            raise ValueError(
                "`noise_shape` must have `None` or `1` as its batch entry (the per-replica "
                f"batch size is not known in advance). Received: noise_shape={noise_shape}"
            )

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs  # no collective: inference and export graphs stay clean
        if self.rate >= 1:
            return tf.zeros_like(inputs)
        shape = tf.shape(inputs)
        noise_shape = self.noise_shape or (None,) * len(inputs.shape)
        row = [shape[i] if d is None else d for i, d in enumerate(noise_shape[1:], 1)]  # one row's mask shape
        seed = self._next_seed()
        if noise_shape[0] == 1:  # one mask shared by every row: no slicing
            u = tf.random.stateless_uniform(tf.stack([1] + row), seed)
        else:
            offset, total = batch_position(shape[0])
            u = tf.random.stateless_uniform(tf.stack([total] + row), seed)  # [total, ...]
            u = u[offset : offset + shape[0]]
        keep = tf.cast(u >= self.rate, inputs.dtype)
        return inputs * keep * tf.cast(1.0 / (1.0 - self.rate), inputs.dtype)

    def _next_seed(self):
        """The `[2]` int32 seed, equal on every replica; advances the state once."""
        ctx = tf.distribute.get_replica_context()
        state = self.seed_generator.state
        if ctx is not None and ctx.num_replicas_in_sync > 1 and not isinstance(
            state.value, tf.distribute.DistributedValues
        ):
            # One plain variable shared by the replicas: each would advance it
            # in turn and draw from a different seed.
            raise ValueError(
                f"ReplicaDropout {self.name!r} was created outside the scope of the strategy "
                "it runs under; create it (and its model) under `strategy.scope()`."
            )
        seed = self.seed_generator.next()
        return tf.cast(tf.math.floormod(seed, tf.int32.max - 1), "int32")  # int32 for XLA, as Keras does
