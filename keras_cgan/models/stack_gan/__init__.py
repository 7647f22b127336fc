"""StackGAN: a small image first, then larger ones conditioned on it (Zhang et al. 2017)."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["conditioning_augmentation", "defaults", "networks", "presets", "stack_gan"],
    submod_attrs={
        "conditioning_augmentation": ["ConditioningAugmentation"],
        "networks": ["build_networks", "stack_generator"],
        "stack_gan": ["GrowStages", "StackGAN"],
        "presets": ["build_default"],
    },
)
