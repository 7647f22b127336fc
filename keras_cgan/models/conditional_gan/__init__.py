"""Conditional GAN: class labels, tags or text in, an image out (Mirza & Osindero 2014)."""

from keras_cgan.models.conditional_gan.conditional_gan import ConditionalGAN
from keras_cgan.models.conditional_gan.networks import condition_encoder, conditional_discriminator, conditional_generator
from keras_cgan.models.conditional_gan import presets
