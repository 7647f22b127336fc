"""Pix2Pix's default networks and settings, defined once.

`keras-cgan train pix2pix`, `examples/pix2pix.py` and the tests all build
through `build`; a preset names a whole setting (network sizes, model
arguments, compile arguments) and keyword overrides change single values:

- `"default"`: a U-Net of 32 base filters and a PatchGAN whose patches are
  at most about half the image (`"auto"`: 16x16 at 32 pixels, 34x34 at 64,
  70x70 at 256), both with
  instance norm, L1 weighted 100, an R1 penalty of 0.3 on real pairs (the
  command line's and the example's).
- `"tiny"`: the tests' (2 down-sampling blocks, at most 8 filters, batch
  norm, no dropout: replica-invariant).

`DEFAULT` is kept in `defaults.py`, which imports without TensorFlow.

Example:

>>> from keras_cgan.models.pix2pix import presets
>>> gan = presets.build((16, 16, 1), (16, 16, 3), preset="tiny", adversarial_weight=0.0, seed=0)
>>> gan.generator.output.shape, gan.adversarial_weight
((None, 16, 16, 3), 0.0)
"""

from keras_cgan.models import presets as presets_lib
from keras_cgan.models.presets import pick
from keras_cgan.models.pix2pix.defaults import DEFAULT
from keras_cgan.models.pix2pix.patchgan import patch_discriminator
from keras_cgan.models.pix2pix.pix2pix import Pix2Pix
from keras_cgan.models.pix2pix.unet import check_image_shape, unet_generator

PRESETS = {
    "default": DEFAULT,
    # Batch norm, synchronized over replicas, sees the global batch. Not instance
    # norm: the U-Net keeps a conv bias before it, whose true gradient is 0, so
    # Adam turns rounding noise into full steps there.
    "tiny": {
        **DEFAULT, "base_filters": 4, "max_filters": 8, "num_downs": 2, "dropout": 0.0, "norm": "batch",
        "receptive_field": 16,
    },
}

# The settings each part takes; an override goes to every part that names it.
GENERATOR = ("base_filters", "max_filters", "num_downs", "dropout", "dropout_blocks", "norm", "upsample")
DISCRIMINATOR = ("receptive_field", "base_filters", "max_filters", "norm", "spectral_norm")
MODEL = (
    "l1_weight", "discriminator_scale", "l1_lowpass", "adaptive_adversarial",  # Pix2Pix
) + presets_lib.GAN_MODEL
COMPILE = presets_lib.COMPILE


def settings(preset="default", **overrides):
    """The settings of `preset` with `overrides` on top.

    Raises `ValueError` naming an unknown preset or a setting no part takes.
    """
    return presets_lib.resolve(PRESETS, [GENERATOR, DISCRIMINATOR, MODEL, COMPILE], preset, overrides)


def build(condition_shape, target_shape, *, preset="default", **overrides):
    """A compiled `Pix2Pix` of `preset`, with `overrides` on top.

    Args:
        condition_shape: tuple. `(height, width, channels)` of the input images.
        target_shape: tuple. `(height, width, channels)` of the output images.
        preset: str. A key of `PRESETS`. Defaults to `"default"`.
        **overrides: any name of `GENERATOR`, `DISCRIMINATOR`, `MODEL` or
            `COMPILE` (e.g. `base_filters=64`, `norm="batch"`,
            `adversarial_weight=0.0` for the L1-only baseline, `seed=0`); it
            goes to every part that takes it.

    Returns:
        A compiled `Pix2Pix`.
    """
    values = settings(preset, **overrides)
    check_image_shape(condition_shape, "condition_shape")
    check_image_shape(target_shape, "target_shape")
    generator = unet_generator(condition_shape, target_shape[-1], **pick(values, GENERATOR))
    discriminator = patch_discriminator(condition_shape, target_shape, **pick(values, DISCRIMINATOR))
    gan = Pix2Pix(generator, discriminator, **pick(values, MODEL))
    gan.compile(**pick(values, COMPILE))
    return gan
