"""StackGAN: a small image first, then larger ones conditioned on it (Zhang et al. 2017)."""

from keras_cgan import _lazy

__getattr__, __dir__, __all__ = _lazy.attach(__name__, {
    "ConditioningAugmentation": "conditioning_augmentation",
    "build_networks": "networks",
    "stack_generator": "networks",
    "GrowStages": "stack_gan",
    "StackGAN": "stack_gan",
    "build_default": "presets",
})
