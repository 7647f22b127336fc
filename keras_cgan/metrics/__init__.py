"""Measures of what a conditional generator makes."""

from keras_cgan.metrics.condition_accuracy import DigitsClassifier, condition_accuracy
