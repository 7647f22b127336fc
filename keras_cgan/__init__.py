"""keras-cgan: conditional GANs as Keras models, with exports checked for parity."""

from keras_cgan import conditions, layers, losses, networks
from keras_cgan.conditions import ClassCondition, EmbeddingCondition, TagsCondition, TextCondition
from keras_cgan.models import SEGAN, ConditionalGAN, GANModel, GrowStages, NextFrameGAN, Pix2Pix, StackGAN

__version__ = "0.1.0"
