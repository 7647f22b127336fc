"""Nearest-neighbour upsampling that keeps static shapes (exports to TFLite builtins).

`keras.layers.UpSampling2D` repeats rows with `tf.repeat`, which loses the
static height when the batch is dynamic; TFLite then cannot lower the next
`Conv2D` to a builtin op. This layer computes the same values with a
reshape and a tile.

Example:

>>> import numpy as np
>>> x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
>>> np.asarray(NearestUpsampling(2)(x))[0, :, :, 0].tolist()
[[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]]
"""

import keras
from keras import ops

from keras_cgan import checks


@keras.saving.register_keras_serializable(package="keras_cgan")
class NearestUpsampling(keras.layers.Layer):
    """Repeats every pixel `size x size` times: `[B, H, W, C] -> [B, H*size, W*size, C]`.

    Args:
        size: int. The factor (>= 1), the same for height and width.
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = checks.integer("size", size, low=1)

    def build(self, input_shape):
        if len(input_shape) != 4 or None in tuple(input_shape[1:]):  # a 5D input lost an axis, silently
            raise ValueError(
                f"NearestUpsampling {self.name!r} takes images [batch, height, width, channels] of known sizes; got "
                f"shape {tuple(input_shape)}. For images of unknown size use `keras.layers.UpSampling2D`."
            )

    def call(self, x):
        h, w, c = x.shape[1], x.shape[2], x.shape[3]
        s = self.size
        x = ops.reshape(x, (-1, h, 1, w, 1, c))
        x = ops.tile(x, (1, 1, s, 1, s, 1))  # [B, H, s, W, s, C]
        return ops.reshape(x, (-1, h * s, w * s, c))

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        return (b, h * self.size, w * self.size, c)

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size)
        return config
