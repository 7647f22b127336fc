"""keras-cgan: conditional GANs as Keras models, with exports checked for parity.

The families (`ConditionalGAN`, `StackGAN`, `Pix2Pix`, `SEGAN`,
`NextFrameGAN`) are Keras models that map a condition to a sample: train
with `fit` on `(condition, target)` pairs, generate with `predict`.

Example:

>>> import keras_cgan
>>> sorted(keras_cgan.FAMILIES)
['ConditionalGAN', 'NextFrameGAN', 'Pix2Pix', 'SEGAN', 'StackGAN']
"""

from keras_cgan import callbacks, conditions, data, export, layers, losses, metrics, networks
from keras_cgan.conditions import ClassCondition, EmbeddingCondition, TagsCondition, TextCondition
from keras_cgan.models import SEGAN, ConditionalGAN, GANModel, GrowStages, NextFrameGAN, Pix2Pix, StackGAN
from keras_cgan.version import __version__

FAMILIES = {cls.__name__: cls for cls in (ConditionalGAN, StackGAN, Pix2Pix, SEGAN, NextFrameGAN)}
