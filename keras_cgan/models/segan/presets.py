"""SEGAN's default networks and settings, defined once.

`keras-cgan train segan`, `examples/speech_enhancement.py` and the tests all
build through `build`; a preset names a whole setting (network sizes, model
arguments, compile arguments) and keyword overrides change single values:

- `"default"`: the on-device sized SEGAN (`networks.SMALL_FILTERS`, six
  encoder layers of 16 to 128 filters, kernel 11, a 32-channel `z`) at
  16 kHz, with a multi-resolution STFT loss beside L1 (`stft_weight=3`) and
  spectral normalization in the discriminator, compiled with the family's defaults (least squares, Adam 1e-3 for G, 2e-4 for D).
- `"tiny"`: the tests' (two encoder layers of 4 and 8 filters, kernel 5,
  no STFT term and no spectral normalization: on tiny random windows the
  STFT term's log-magnitude gradients, and in float16 the normalization's
  power iteration, make SGD steps depend on summation order, which the
  tests that compare 1 and 2 replicas cannot tell from a bug).

`DEFAULT` is kept in `defaults.py`, which imports without TensorFlow.

Example:

>>> from keras_cgan.models.segan import presets
>>> gan = presets.build(256, preset="tiny", seed=0)
>>> gan.generator.output.shape
(None, 256, 1)
"""

from keras_cgan.models import presets as presets_lib
from keras_cgan.models.presets import pick
from keras_cgan.models.segan.defaults import DEFAULT
from keras_cgan.models.segan.networks import segan_discriminator, segan_generator
from keras_cgan.models.segan.segan import SEGAN

PRESETS = {
    "default": DEFAULT,
    "tiny": {
        **DEFAULT, "filters": (4, 8), "kernel_size": 5, "latent_channels": None, "stft_weight": 0.0, "spectral_norm": False,
    },
}

# The settings each part takes; an override goes to every part that names it.
GENERATOR = ("filters", "kernel_size", "latent_channels", "residual", "preemphasis")
DISCRIMINATOR = ("filters", "kernel_size", "spectral_norm")
MODEL = (
    "l1_weight", "preemphasis", "sample_rate", "mismatch_weight", "l1_domain", "stft_weight", "stft_log_floor",  # SEGAN
) + presets_lib.GAN_MODEL
COMPILE = presets_lib.COMPILE


def settings(preset="default", **overrides):
    """The settings of `preset` with `overrides` on top.

    Raises `ValueError` naming an unknown preset or a setting no part takes.
    """
    return presets_lib.resolve(PRESETS, [GENERATOR, DISCRIMINATOR, MODEL, COMPILE], preset, overrides)


def build(window, *, preset="default", **overrides):
    """A compiled `SEGAN` of `preset`, with `overrides` on top.

    Args:
        window: int. Samples per window, a multiple of `2**len(filters)`
            (16384 is about 1 s at 16 kHz).
        preset: str. A key of `PRESETS`. Defaults to `"default"`.
        **overrides: any name of `GENERATOR`, `DISCRIMINATOR`, `MODEL` or
            `COMPILE` (e.g. `filters=networks.PAPER_FILTERS`,
            `adversarial_weight=0.0` for the L1-only baseline, `seed=0`); it
            goes to every part that takes it.

    Returns:
        A compiled `SEGAN`.
    """
    values = settings(preset, **overrides)
    generator = segan_generator(window, **pick(values, GENERATOR))
    discriminator = segan_discriminator(window, **pick(values, DISCRIMINATOR))
    gan = SEGAN(generator, discriminator, **pick(values, MODEL))
    gan.compile(**pick(values, COMPILE))
    return gan
