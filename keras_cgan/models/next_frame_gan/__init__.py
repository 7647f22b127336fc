"""NextFrameGAN: past frames in, the next frame out; L2 averages futures, the GAN picks one."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["callbacks", "defaults", "networks", "next_frame_gan", "presets"],
    submod_attrs={
        "callbacks": ["RolloutGIF", "junction_score", "write_rollout_gif"],
        "networks": ["next_frame_discriminator", "next_frame_generator"],
        "next_frame_gan": ["NextFrameGAN"],
    },
)
