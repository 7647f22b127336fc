"""tf.data loaders and synthetic data."""

from keras_cgan.data import synthetic_images
from keras_cgan.data.paired_images import paired_array_dataset, paired_image_dataset, scan_paired_folder
