"""Network builders returning functional `keras.Model`s."""

from keras_cgan.networks.dcgan import conditional_discriminator, conditional_generator
from keras_cgan.networks.patchgan import patch_discriminator
from keras_cgan.networks.unet import unet_generator
