"""Custom layers, one concern per file, all serializable."""

from keras_cgan.layers.conditioning_augmentation import ConditioningAugmentation
from keras_cgan.layers.emphasis import DeEmphasis, PreEmphasis
from keras_cgan.layers.nearest_upsampling import NearestUpsampling
from keras_cgan.layers.replica_dropout import ReplicaDropout
