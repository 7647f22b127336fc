"""Custom layers, one per file, all serializable."""

from keras_cgan.layers.conditioning_augmentation import ConditioningAugmentation
from keras_cgan.layers.de_emphasis import DeEmphasis
from keras_cgan.layers.nearest_upsampling import NearestUpsampling
from keras_cgan.layers.pre_emphasis import PreEmphasis
