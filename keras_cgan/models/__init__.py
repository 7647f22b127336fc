"""The five families, one folder each, built on the shared `GANModel` step."""

from keras_cgan.models.gan_model import GANModel
from keras_cgan.models.conditional_gan import ConditionalGAN
from keras_cgan.models.next_frame_gan import NextFrameGAN
from keras_cgan.models.pix2pix import Pix2Pix
from keras_cgan.models.segan import SEGAN
from keras_cgan.models.stack_gan import GrowStages, StackGAN
