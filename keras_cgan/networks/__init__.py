"""Network builders returning functional `keras.Model`s."""

from keras_cgan.networks.dcgan import condition_encoder, conditional_discriminator, conditional_generator
