"""Custom layers shared by several families, one per file, all serializable.

Layers that only one family uses live in that family's folder
(`models/stack_gan/conditioning_augmentation.py`, `models/segan/emphasis.py`).
"""

from keras_cgan.layers.clip_at_inference import ClipAtInference, check_output_activation, image_output
from keras_cgan.layers.nearest_upsampling import NearestUpsampling
from keras_cgan.layers.replica_dropout import ReplicaDropout
