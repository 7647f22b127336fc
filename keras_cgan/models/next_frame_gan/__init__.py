"""NextFrameGAN: past frames in, the next frame out; L2 averages futures, the GAN picks one."""

from keras_cgan import _lazy

__getattr__, __dir__, __all__ = _lazy.attach(__name__, {
    "RolloutGIF": "callbacks",
    "junction_score": "callbacks",
    "write_rollout_gif": "callbacks",
    "next_frame_discriminator": "networks",
    "next_frame_generator": "networks",
    "NextFrameGAN": "next_frame_gan",
})
