"""Conditional GAN: class labels, tags or text in, an image out (Mirza & Osindero 2014)."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["conditional_gan", "defaults", "networks", "presets"],
    submod_attrs={
        "conditional_gan": ["ConditionalGAN"],
        "networks": ["condition_encoder", "conditional_discriminator", "conditional_generator"],
    },
)
