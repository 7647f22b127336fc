"""keras-cgan: conditional GANs as Keras models, with exports checked for parity."""

from keras_cgan import conditions, losses, networks
from keras_cgan.conditions import ClassCondition
from keras_cgan.models import ConditionalGAN, GANModel
from keras_cgan.models import Pix2Pix

__version__ = "0.1.0"
