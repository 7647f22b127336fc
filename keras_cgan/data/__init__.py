"""Paired `(condition, target)` datasets, one module per modality."""

from keras_cgan.data import digits
