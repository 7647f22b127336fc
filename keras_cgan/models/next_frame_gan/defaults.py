"""NextFrameGAN's default settings and the frames its networks take, without TensorFlow.

`presets.py` builds from `DEFAULT`; `keras-cgan train next_frame_gan --help`
shows it before TensorFlow is imported.

Example:

>>> from keras_cgan.models.next_frame_gan import defaults
>>> defaults.DEFAULT["scales"]
(1, 2)
>>> defaults.frame_problem(18, 16)
'height and width must be multiples of 4 (the networks halve the frame twice)'
"""

FRAME_STEP = 4  # the generator's and discriminator's two stride-2 blocks halve the frame twice

DEFAULT = {
    "latent_dim": 8,
    "base_filters": 32,
    "scales": (1, 2),
    "adversarial_weight": 0.25,
    "adversarial_warmup": 500,
    "spectral_norm": False,
    "r1_weight": 0.0,
}


def frame_problem(height, width):
    """Why the networks cannot take frames of `height` x `width` pixels, as text; `None` if they can.

    `networks` builds with it, and `keras-cgan train next_frame_gan` checks
    `--size` with it before TensorFlow is imported.
    """
    if height % FRAME_STEP or width % FRAME_STEP:
        return f"height and width must be multiples of {FRAME_STEP} (the networks halve the frame twice)"
    return None
