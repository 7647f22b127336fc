"""Pix2Pix: image-to-image translation with L1 + a PatchGAN discriminator (Isola et al. 2017)."""

from keras_cgan.models.pix2pix.patchgan import patch_discriminator
from keras_cgan.models.pix2pix.pix2pix import Pix2Pix
from keras_cgan.models.pix2pix.unet import unet_generator
from keras_cgan.models.pix2pix import presets
