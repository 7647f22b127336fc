"""The ConditionalGAN's default networks and settings, defined once.

`keras-cgan train conditional_gan`, `keras-cgan quickstart`, the examples
and the tests all build through `build`; a preset names a whole setting
(network sizes, model arguments, compile arguments) and keyword overrides
change single values:

- `"default"`: the command line's model (32 filters, 32 noise dims, a
  `concat_acgan` discriminator with the matching-aware term at weight 2 and a
  classifier trained on real images only, and the mode-seeking term
  `diversity_weight=4`, rising from 0 over the first 1000 generator
  steps). Conditions without labels (`EmbeddingCondition`) get `concat`:
  there is no class to predict.
- `"digits"`: the quickstart's, the default compiled with 8 steps per
  execution (tiny 8x8 images: per-step overhead dominates).
- `"tiny"`: the tests' (a few hundred weights, a `concat` discriminator,
  the matching-aware term at 1 and the mode-seeking term off: the tests
  that check them turn them on).

`DEFAULT` is kept in `defaults.py`, which imports without TensorFlow.

Example:

>>> from keras_cgan.models.conditional_gan import presets
>>> gan = presets.build((8, 8, 1), 10, preset="tiny", mismatch_weight=0.5, seed=0)
>>> gan.generator.output.shape, gan.mismatch_weight
((None, 8, 8, 1), 0.5)
>>> presets.PRESETS["default"]["base_filters"]
32
"""

from keras_cgan.models import presets as presets_lib
from keras_cgan.models.presets import pick
from keras_cgan.models.conditional_gan import networks
from keras_cgan.models.conditional_gan.defaults import DEFAULT
from keras_cgan.models.conditional_gan.conditional_gan import ConditionalGAN

PRESETS = {
    "default": DEFAULT,
    "digits": {**DEFAULT, "steps_per_execution": 8},
    "tiny": {**DEFAULT, "latent_dim": 4, "base_filters": 8, "conditioning": "concat", "diversity_weight": 0.0,
             "diversity_warmup": 0, "mismatch_weight": 1.0},
}

# The settings each part takes; an override goes to every part that names it.
GENERATOR = (
    "latent_dim", "base_filters", "embedding_dim", "text_encoder", "encoder", "condition_at", "output_activation",
)
DISCRIMINATOR = (
    "conditioning", "base_filters", "embedding_dim", "spectral_norm", "text_encoder", "encoder", "classifier_pooling",
)
MODEL = (
    "mismatch_weight", "design", "auxiliary_weight", "auxiliary_on_fake", "diversity_weight", "diversity_limit",
    "diversity_stride", "diversity_warmup", "translation",
) + presets_lib.GAN_MODEL
COMPILE = presets_lib.COMPILE


def settings(preset="default", **overrides):
    """The settings of `preset` with `overrides` on top.

    Raises `ValueError` naming an unknown preset or a setting no part takes.
    """
    return presets_lib.resolve(PRESETS, [GENERATOR, DISCRIMINATOR, MODEL, COMPILE], preset, overrides)


def without_labels(values, condition, overrides):
    """`values` with a `concat` D if the condition has no labels for the preset's classifier to predict.

    A design named in `overrides` is kept (and raises if it needs labels);
    a preset design without a classifier is kept too.
    """
    if (getattr(condition, "num_labels", 0) is None and "conditioning" not in overrides
            and values.get("conditioning") in networks.LABELLED):
        return {**values, "conditioning": "concat"}
    return values


def build(image_shape, condition, *, preset="default", **overrides):
    """A compiled `ConditionalGAN` of `preset`, with `overrides` on top.

    Args:
        image_shape: tuple. `(height, width, channels)` of the images.
        condition: int (number of classes) or condition object
            (`TagsCondition`, `TextCondition`, ...).
        preset: str. A key of `PRESETS`. Defaults to `"default"`.
        **overrides: any name of `GENERATOR`, `DISCRIMINATOR`, `MODEL` or
            `COMPILE` (e.g. `base_filters=64`, `conditioning="acgan"`,
            `seed=0`, `steps_per_execution=8`); it goes to every part that
            takes it.

    Returns:
        A compiled `ConditionalGAN`.
    """
    values = without_labels(settings(preset, **overrides), condition, overrides)
    generator = networks.conditional_generator(image_shape, condition=condition, **pick(values, GENERATOR))
    discriminator = networks.conditional_discriminator(image_shape, condition=condition, **pick(values, DISCRIMINATOR))
    gan = ConditionalGAN(generator, discriminator, condition=condition, **pick(values, MODEL))
    gan.compile(**pick(values, COMPILE))
    return gan
