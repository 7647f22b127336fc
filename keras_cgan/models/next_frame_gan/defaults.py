"""NextFrameGAN's default settings and the frames its networks take, without TensorFlow.

`presets.py` builds from `DEFAULT`; `keras-cgan train next_frame_gan --help`
shows it before TensorFlow is imported.

Example:

>>> from keras_cgan.models.next_frame_gan import defaults
>>> defaults.DEFAULT["scales"]
(1, 2)
>>> defaults.frame_problem(18, 16)
'height and width must be multiples of 4 (the networks halve the frame twice)'
>>> defaults.scales_problem(16, 16, (1, 2)) is None
True
>>> print(defaults.scales_problem(16, 16, (1, 8)))
must be int factors >= 1, a list or tuple without repeats, leaving frames of at least 4x4 (frames of 16x16 ...
"""

from keras_cgan import checks

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


def scales_problem(height, width, scales):
    """Why the discriminator cannot judge frames of `height` x `width` at `scales`, as text; `None` if it can.

    `scales` must be a non-empty list or tuple of distinct int factors (not
    bools), each leaving a pooled frame of at least 4x4 for the two stride-2
    blocks. The text follows the argument's name; `networks` builds with it, and
    `keras-cgan train next_frame_gan` checks `--set scales` with it before
    TensorFlow is imported.
    """
    ok = isinstance(scales, (list, tuple)) and len(scales) > 0 and all(
        checks.is_integer(s) and s >= 1 and height // s >= FRAME_STEP and width // s >= FRAME_STEP for s in scales
    )
    if ok and len(set(scales)) == len(scales):
        return None
    return (f"must be int factors >= 1, a list or tuple without repeats, leaving frames of at least "
            f"{FRAME_STEP}x{FRAME_STEP} (frames of {height}x{width} take factors up to {max(1, min(height, width) // FRAME_STEP)})")
