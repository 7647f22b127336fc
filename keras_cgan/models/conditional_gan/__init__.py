"""Conditional GAN: class labels, tags or text in, an image out (Mirza & Osindero 2014)."""

from keras_cgan import _lazy

__getattr__, __dir__, __all__ = _lazy.attach(__name__, {
    "ConditionalGAN": "conditional_gan",
    "condition_encoder": "networks",
    "conditional_discriminator": "networks",
    "conditional_generator": "networks",
})
