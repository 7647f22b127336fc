"""Pix2Pix: image-to-image translation with L1 + a PatchGAN discriminator (Isola et al. 2017)."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["defaults", "patchgan", "pix2pix", "presets", "unet"],
    submod_attrs={
        "patchgan": ["patch_discriminator"],
        "pix2pix": ["Pix2Pix"],
        "unet": ["unet_generator"],
    },
)
