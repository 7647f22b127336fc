"""Pix2Pix: image-to-image translation with L1 + a PatchGAN discriminator (Isola et al. 2017)."""

from keras_cgan import _lazy

__getattr__, __dir__, __all__ = _lazy.attach(__name__, {
    "patch_discriminator": "patchgan",
    "Pix2Pix": "pix2pix",
    "unet_generator": "unet",
})
