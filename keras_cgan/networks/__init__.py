"""Network builders returning functional `keras.Model`s."""

from keras_cgan.networks.dcgan import condition_encoder, conditional_discriminator, conditional_generator
from keras_cgan.networks.patchgan import patch_discriminator
from keras_cgan.networks.segan import segan_discriminator, segan_generator
from keras_cgan.networks.unet import unet_generator
from keras_cgan.networks.video import next_frame_discriminator, next_frame_generator
from keras_cgan.networks.stackgan import build_networks as stackgan_networks
from keras_cgan.networks.stackgan import stack_generator
