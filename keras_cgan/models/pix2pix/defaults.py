"""Pix2Pix's default settings and the values its networks take, without TensorFlow.

`presets.py` builds from `DEFAULT`; `keras-cgan train pix2pix --help` shows
it before TensorFlow is imported.

Example:

>>> from keras_cgan.models.pix2pix import defaults
>>> defaults.DEFAULT["base_filters"], defaults.NORMS
(32, ('batch', 'instance', 'none'))
"""

RECEPTIVE_FIELDS = (1, 16, 34, 70, 142, 286, "image", "auto")  # of `patchgan.patch_discriminator`
NORMS = ("batch", "instance", "none")  # of the U-Net and the PatchGAN
UPSAMPLES = ("transpose", "resize")  # of `unet.unet_generator`

DEFAULT = {
    "base_filters": 32,
    "norm": "instance",
    "upsample": "transpose",
    "receptive_field": "auto",  # the largest PatchGAN field at most half the image: 16 at 32 px, 34 at 64
    "l1_weight": 100.0,
    "l1_lowpass": 0.0,
    "adversarial_weight": 1.0,
    "spectral_norm": False,
    "r1_weight": 0.3,  # keeps D from winning outright on data the defaults were not tuned on
}
