"""Custom layers, one per file, all serializable."""

from keras_cgan.layers.conditioning_augmentation import ConditioningAugmentation
