"""keras-cgan: conditional GANs as Keras models, with exports checked for parity.

The families (`ConditionalGAN`, `StackGAN`, `Pix2Pix`, `SEGAN`,
`NextFrameGAN`) are Keras models that map a condition to a sample: train
with `fit` on `(condition, target)` pairs, generate with `predict`.

Example:

>>> import keras_cgan
>>> sorted(keras_cgan.FAMILIES)
['ConditionalGAN', 'NextFrameGAN', 'Pix2Pix', 'SEGAN', 'StackGAN']
"""

import os as _os
import sys as _sys

# The command line hides TensorFlow's C++ log lines (grappler's `remapper failed` and the like) unless
# TF_CPP_MIN_LOG_LEVEL is set; it must be set before TensorFlow is first imported, just below.
if _sys.argv and (_os.path.basename(_sys.argv[0]) == "keras-cgan" or _sys.argv[0].endswith(_os.path.join("keras_cgan", "cli", "__main__.py"))):
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from keras_cgan import callbacks, conditions, data, export, layers, losses, metrics, networks
from keras_cgan.conditions import ClassCondition, EmbeddingCondition, TagsCondition, TextCondition
from keras_cgan.models import SEGAN, ConditionalGAN, GANModel, GrowStages, NextFrameGAN, Pix2Pix, StackGAN
from keras_cgan.version import __version__

FAMILIES = {cls.__name__: cls for cls in (ConditionalGAN, StackGAN, Pix2Pix, SEGAN, NextFrameGAN)}
