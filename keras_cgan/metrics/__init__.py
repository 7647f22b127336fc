"""Measures of what a conditional generator makes."""

from keras_cgan.metrics.condition_accuracy import DigitsClassifier, condition_accuracy
from keras_cgan.metrics.attributes import attribute_accuracy, caption_accuracy, diversity, tag_face_accuracy
