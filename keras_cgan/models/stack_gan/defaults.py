"""StackGAN's default settings (`DEFAULT`; `AUGMENTED`: the papers') and the stage sizes it takes, without TensorFlow.

`presets.py` builds from them; `keras-cgan train stack_gan --help` shows
`DEFAULT` before TensorFlow is imported, and `check_network_sizes` is the
rule the networks hold stage sizes to, there, for `--size` and `--set
stages`, and in `examples/stack_gan.py`.

Example:

>>> from keras_cgan.models.stack_gan import defaults
>>> defaults.DEFAULT["conditioning"], defaults.AUGMENTED["conditioning"]
('concat_acgan', 'two_head')
>>> defaults.check_network_sizes([16, 32, 64])
(16, 32, 64)
"""

from keras_cgan import checks

STAGES = (2, 3)  # the stage counts a StackGAN takes

AUGMENTED = {
    "latent_dim": 32,
    "code_dim": 16,
    "base_filters": 32,
    "conditioning": "two_head",
    "kl_weight": 0.1,
    "logvar_init": -2.0,
    "r1_weight": 0.0,
}

# Chosen on benchmarks/generalisation.py (docs/generalisation.md): with these
# discriminators the augmentation cost letters, and without it the stripes'
# phase collapsed unless the mode-seeking term was at 8 from the first step.
DEFAULT = {
    **AUGMENTED,
    "code_dim": 32,
    "discriminator_filters": 32,
    "conditioning": "concat_acgan",
    # The classifier also learns generated images as holding no tag: learning
    # real images only, it read the asked letter on 0.96-1.00 of G's samples
    # where the judge read 0.32-0.70 (G had found cues real letters lack).
    # With it, at weight 3, the held-out letters and sizes at six seeds
    # average 0.906 (0.852 real-only at 6); at 6 the letters' variety fell.
    # Class ids have no "none": there, `presets.REAL_ONLY` (`negative_or_real_only`).
    "auxiliary_on_fake": "negative",
    # A flattened classifier must learn each form at every place: trained
    # alone on real 16-pixel letters (benchmarks/classifier_pooling.py) it
    # read fewer than a pooled one, and stage 1 drew them no better.
    "classifier_pooling": "max_avg",
    "auxiliary_weight": 3.0,
    "kl_weight": 0.0,
    "diversity_weight": 8.0,
    "diversity_warmup": 0,
    # On every example: on every second (`diversity_stride=2`) the steps take
    # 16% less time, but the held-out letters and sizes at six seeds drew a
    # little fewer (0.833 against 0.852, on the preset before "negative";
    # docs/stack_gan.md).
    "diversity_stride": 1,
    "translation": 0.0,
}


def check_sizes(sizes):
    """`sizes` as a tuple of ints; `ValueError` unless `STAGES` int stages, >= 4, each doubling the one before."""
    given = sizes
    try:
        sizes = tuple(checks.integers("sizes", sizes, low=4))  # not `int()`: 8.5 was cut to 8, "816" split
    except ValueError:
        sizes = ()
    if len(sizes) not in STAGES or any(b != 2 * a for a, b in zip(sizes, sizes[1:])):
        raise ValueError(
            f"`sizes` must be {' or '.join(map(str, STAGES))} stages that start at >= 4 and double at every stage "
            "(ints, e.g. (16, 32, 64)). "
            f"Received: sizes={given!r}"
        )
    return sizes


def check_network_sizes(sizes):
    """`sizes` as `build_networks` takes them: `check_sizes`'s stages, the first 4 times a power of two.

    The stage-1 generator doubles a 4x4 start. A `ValueError` names `sizes`
    otherwise.
    """
    sizes = check_sizes(sizes)
    if sizes[0] & (sizes[0] - 1):
        raise ValueError(f"`sizes` must start at 4 times a power of two (4, 8, 16, 32...). Received: sizes={sizes}")
    return sizes
