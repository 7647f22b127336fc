"""GAN families built on the shared `GANModel` machinery."""

from keras_cgan.models.base import GANModel
from keras_cgan.models.conditional_gan import ConditionalGAN
from keras_cgan.models.pix2pix import Pix2Pix
