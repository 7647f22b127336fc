"""NextFrameGAN: past frames in, the next frame out; L2 averages futures, the GAN picks one."""

from keras_cgan.models.next_frame_gan.callbacks import RolloutGIF, junction_score, write_rollout_gif
from keras_cgan.models.next_frame_gan.networks import next_frame_discriminator, next_frame_generator
from keras_cgan.models.next_frame_gan.next_frame_gan import NextFrameGAN
from keras_cgan.models.next_frame_gan import presets
