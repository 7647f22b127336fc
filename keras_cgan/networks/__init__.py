"""Network builders returning functional `keras.Model`s."""

from keras_cgan.networks.dcgan import conditional_discriminator, conditional_generator
from keras_cgan.networks.segan import segan_discriminator, segan_generator
