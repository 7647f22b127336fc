"""tf.data loaders per modality and data made in code."""
