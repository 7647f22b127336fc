"""Paired `(condition, target)` datasets, one module per modality."""

from keras_cgan.data import digits
from keras_cgan.data import synthetic_faces
from keras_cgan.data import synthetic_shapes
from keras_cgan.data import tags
from keras_cgan.data import captions
