"""Every family's network builders in one namespace (each lives in its family's folder).

Each builder returns a functional `keras.Model` that a family accepts, and that
users may replace with their own networks of the same inputs and outputs.
"""

from keras_cgan.models.conditional_gan.networks import condition_encoder, conditional_discriminator, conditional_generator
from keras_cgan.models.next_frame_gan.networks import next_frame_discriminator, next_frame_generator
from keras_cgan.models.pix2pix.patchgan import patch_discriminator
from keras_cgan.models.pix2pix.unet import unet_generator
from keras_cgan.models.segan.networks import segan_discriminator, segan_generator
from keras_cgan.models.stack_gan.networks import build_networks as stackgan_networks
from keras_cgan.models.stack_gan.networks import stack_generator
