"""StackGAN: a small image first, then larger ones conditioned on it (Zhang et al. 2017)."""

from keras_cgan.models.stack_gan.conditioning_augmentation import ConditioningAugmentation
from keras_cgan.models.stack_gan.networks import build_networks, stack_generator
from keras_cgan.models.stack_gan.stack_gan import GrowStages, StackGAN
from keras_cgan.models.stack_gan import presets
from keras_cgan.models.stack_gan.presets import build_default
