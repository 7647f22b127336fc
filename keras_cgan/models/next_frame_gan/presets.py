"""NextFrameGAN's default networks and settings, defined once.

`keras-cgan train next_frame_gan`, `examples/next_frame_gan.py` and the tests
all build through `build`; a preset names a whole setting (network sizes,
model arguments, compile arguments) and keyword overrides change single
values:

- `"default"`: a generator of 32 base filters with 8 noise dims, a
  discriminator at scales 1 and 2, the adversarial weight 0.25 ramped up
  over 500 steps (G first learns the predictable motion, then D's verdict
  on split sprites pushes it to commit), compiled with the family's
  defaults (Adam 1e-3 for G with its gradient's norm limited to 1, Adam
  5e-4 for D).
- `"tiny"`: the tests' (4 base filters, 2 noise dims, one scale).

`DEFAULT` is kept in `defaults.py`, which imports without TensorFlow.

Example:

>>> from keras_cgan.models.next_frame_gan import presets
>>> gan = presets.build((8, 8, 1), 2, preset="tiny", seed=0)
>>> gan.generator.output.shape
(None, 8, 8, 1)
"""

from keras_cgan.models import presets as presets_lib
from keras_cgan.models.presets import pick
from keras_cgan.models.next_frame_gan.defaults import DEFAULT
from keras_cgan.models.next_frame_gan.networks import next_frame_discriminator, next_frame_generator
from keras_cgan.models.next_frame_gan.next_frame_gan import NextFrameGAN

PRESETS = {
    "default": DEFAULT,
    "tiny": {**DEFAULT, "latent_dim": 2, "base_filters": 4, "scales": (1,)},
}

# The settings each part takes; an override goes to every part that names it.
GENERATOR = ("latent_dim", "base_filters", "output_activation")
DISCRIMINATOR = ("base_filters", "scales", "patch", "spectral_norm")
MODEL = (
    "l2_weight", "l1_weight", "gdl_weight", "adversarial_warmup", "variety_samples",  # NextFrameGAN
) + presets_lib.GAN_MODEL
COMPILE = presets_lib.COMPILE


def settings(preset="default", **overrides):
    """The settings of `preset` with `overrides` on top.

    Raises `ValueError` naming an unknown preset or a setting no part takes.
    """
    return presets_lib.resolve(PRESETS, [GENERATOR, DISCRIMINATOR, MODEL, COMPILE], preset, overrides)


def build(frame_shape, context_frames, *, preset="default", **overrides):
    """A compiled `NextFrameGAN` of `preset`, with `overrides` on top.

    Args:
        frame_shape: tuple. `(height, width, channels)` of one frame; height
            and width multiples of 4.
        context_frames: int. Past frames the generator sees.
        preset: str. A key of `PRESETS`. Defaults to `"default"`.
        **overrides: any name of `GENERATOR`, `DISCRIMINATOR`, `MODEL` or
            `COMPILE` (e.g. `base_filters=64`, `adversarial_weight=0.0` for
            the L2 baseline, `seed=0`); it goes to every part that takes it.

    Returns:
        A compiled `NextFrameGAN`.
    """
    values = settings(preset, **overrides)
    generator = next_frame_generator(frame_shape, context_frames, **pick(values, GENERATOR))
    discriminator = next_frame_discriminator(frame_shape, context_frames, **pick(values, DISCRIMINATOR))
    gan = NextFrameGAN(generator, discriminator, context_frames=context_frames, **pick(values, MODEL))
    gan.compile(**pick(values, COMPILE))
    return gan
