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
from keras_cgan.models.conditional_gan.conditional_gan import ConditionalGAN

DEFAULT = {
    "latent_dim": 32,
    "base_filters": 32,
    # A concat D plus a classifier that sees the image alone, and the
    # mode-seeking term (benchmarks/generalisation.py): at or above the plain
    # concat D at diversity 1 on all six tasks (glyphs 0.74 -> 0.90, counts
    # 0.63 -> 0.92, both terms' weights then 4 and 1); at diversity 1 the
    # classifier drew one sample per count.
    "conditioning": "concat_acgan",
    # Its classifier learns from real images only: G must draw what real
    # images of a class look like, not cues D found in G's own samples
    # (glyphs 0.88 -> 0.90, counts 0.81 -> 0.84; at seed 1 0.84 -> 0.89 and
    # 0.73 -> 0.97).
    "auxiliary_on_fake": False,
    # The matching-aware term (real image + wrong class scored fake) at twice
    # its weight: glyphs and counts pass at all five seeds (three of five at
    # 1; glyphs at seed 2 0.856 -> 0.964, counts at seed 4 0.868 -> 0.975),
    # with the digits as before (0.988 at epoch 80, mean of three seeds).
    "mismatch_weight": 2.0,
    "adversarial_loss": "bce",
    # The mode-seeking term at 4, its weight rising from 0 over the first 1000
    # generator steps (measured with the matching-aware term at 1): glyphs and
    # counts passed at 3 of 5 seeds (none at 2 from the first step). At 4 from
    # the first step the tag faces' eye colours fell (0.95 -> 0.83); with the
    # ramp they held (0.958), and the digits ended at 0.988 (0.997 at 2;
    # docs/generalisation.md).
    "diversity_weight": 4.0,
    "diversity_warmup": 1000,
    "diversity_stride": 1,  # the term on every example
    "spectral_norm": False,
    "r1_weight": 0.0,
    "translation": 0.0,
}

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
