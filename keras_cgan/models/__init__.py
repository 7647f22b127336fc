"""The five families, one folder each, built on the shared `GANModel` step.

This `__init__` (and each family's) imports a module when it or one of its names is first used, so that a family's
`defaults` (its preset values, which `keras-cgan train --help` shows) imports without TensorFlow;
`keras_cgan.import_api` (on first use of the package's API) imports them all.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["conditional_gan", "gan_model", "input_checks", "next_frame_gan", "pix2pix", "presets", "segan",
                "stack_gan"],
    submod_attrs={
        "gan_model": ["GANModel"],
        "conditional_gan": ["ConditionalGAN"],
        "next_frame_gan": ["NextFrameGAN"],
        "pix2pix": ["Pix2Pix"],
        "segan": ["SEGAN"],
        "stack_gan": ["GrowStages", "StackGAN"],
    },
)
