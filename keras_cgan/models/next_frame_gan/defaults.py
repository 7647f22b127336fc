"""NextFrameGAN's default settings, without TensorFlow.

`presets.py` builds from `DEFAULT`; `keras-cgan train next_frame_gan --help`
shows it before TensorFlow is imported.

Example:

>>> from keras_cgan.models.next_frame_gan import defaults
>>> defaults.DEFAULT["scales"]
(1, 2)
"""

DEFAULT = {
    "latent_dim": 8,
    "base_filters": 32,
    "scales": (1, 2),
    "adversarial_weight": 0.25,
    "adversarial_warmup": 500,
    "spectral_norm": False,
    "r1_weight": 0.0,
}
