"""The ConditionalGAN's default settings and the choices of its arguments, without TensorFlow.

`presets.py` builds from `DEFAULT`; `keras-cgan train conditional_gan --help`
shows it before TensorFlow is imported.

Example:

>>> from keras_cgan.models.conditional_gan import defaults
>>> defaults.DEFAULT["conditioning"], defaults.AUXILIARY_ON_FAKE
('concat_acgan', (False, True, 'negative'))
"""

# The discriminator designs of `networks.conditional_discriminator` (`conditioning`).
CONDITIONINGS = ("concat", "projection", "acgan", "concat_acgan", "tacgan", "two_head", "none")
ACGAN = ("acgan", "concat_acgan")  # those that build the `acgan` design, whose classifier `"negative"` trains
# What D's classifier learns from generated images: nothing, their condition, or no label at all.
AUXILIARY_ON_FAKE = (False, True, "negative")
AUXILIARY_ON_FAKE_FLAGS = {"0": False, "1": True, "negative": "negative"}  # the examples' --auxiliary-on-fake
CLASSIFIER_POOLINGS = ("flatten", "max_avg")  # of `networks.conditional_discriminator`
CONDITION_AT = ("input", "every_block")  # where `networks.conditional_generator` feeds the condition's code

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
