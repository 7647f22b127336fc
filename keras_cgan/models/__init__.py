"""The five families, one folder each, built on the shared `GANModel` step.

Each name is imported when first used: a family's `defaults` (its preset values, which `keras-cgan train --help`
shows) imports without TensorFlow.
"""

from keras_cgan import _lazy

__getattr__, __dir__, __all__ = _lazy.attach(__name__, {
    "GANModel": "gan_model",
    "ConditionalGAN": "conditional_gan",
    "NextFrameGAN": "next_frame_gan",
    "Pix2Pix": "pix2pix",
    "SEGAN": "segan",
    "GrowStages": "stack_gan",
    "StackGAN": "stack_gan",
})
