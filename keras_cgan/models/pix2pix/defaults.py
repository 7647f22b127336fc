"""Pix2Pix's default settings and the values and image sizes its networks take, without TensorFlow.

`presets.py` builds from `DEFAULT`; `keras-cgan train pix2pix --help` shows
it before TensorFlow is imported.

Example:

>>> from keras_cgan.models.pix2pix import defaults
>>> defaults.DEFAULT["base_filters"], defaults.NORMS
(32, ('batch', 'instance', 'none'))
>>> defaults.num_downs_problem(24, 24, 4)
'height and width must be divisible by 2**num_downs = 16'
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


def default_num_downs(height, width):
    """The most halvings that divide both sides, at most `log2` of the shorter one (1 at least).

    `log2(side)` on square power-of-two images (a 1x1 bottleneck); other
    sizes stop where a side turns odd.

    >>> default_num_downs(256, 256), default_num_downs(48, 48), default_num_downs(12, 20)
    (8, 4, 2)
    """
    downs = 1
    while 2 ** (downs + 1) <= min(height, width) and not height % 2 ** (downs + 1) and not width % 2 ** (downs + 1):
        downs += 1
    return downs


def num_downs_problem(height, width, num_downs):
    """Why the U-Net's `num_downs` stride-2 blocks cannot halve `height` x `width` evenly, as text; `None` if they can.

    `unet` builds with it, and `keras-cgan train pix2pix` checks `--size`
    and `--set num_downs` with it before TensorFlow is imported.
    """
    step = 2 ** min(num_downs, 64)  # no image is 2**64 pixels a side: a larger power (10**9 halvings) is not made
    if height % step or width % step:
        shown = step if num_downs <= 64 else f"2**{num_downs}"
        return f"height and width must be divisible by 2**num_downs = {shown}"
    return None
