"""StackGAN's default networks and settings, defined once.

`keras-cgan train stack_gan`, `examples/stack_gan.py` and the tests all build
through `build`; a preset names a whole setting (network sizes, model
arguments, compile arguments) and keyword overrides change single values:

- `"default"`: a stage-1 generator of 32 filters and 32 noise dims, no
  conditioning augmentation (`kl_weight=0`: the generator gets the
  condition encoder's 32-wide mean), `concat_acgan` discriminators of 32
  filters whose tag classifier pools its features over the image, learns
  generated images as holding no tag (`auxiliary_on_fake="negative"`) and
  weighs 3 (`auxiliary_weight`, in both networks' losses), and the
  mode-seeking term at weight 8 from the first step (the command line's
  and the example's). For class ids, which have no "no label", and
  designs "negative" does not act on, the classifier learns from real
  images only and weighs 6 (`REAL_ONLY`); with another
  `auxiliary_on_fake` named it weighs 6 too.
- `"augmented"`: StackGAN's conditioning augmentation (a 16-dim code, KL
  weight 0.1, log-variance starting at -2: a standard deviation of 0.37)
  with `two_head` discriminators of 16 filters and no mode-seeking term.
- `"tiny"`: the tests' (`"augmented"` with 4 filters, 4 noise dims, a
  2-dim code).

`DEFAULT` and `AUGMENTED` are kept in `defaults.py`, which imports without TensorFlow.

Example:

>>> from keras_cgan.models.stack_gan import presets
>>> gan = presets.build((8, 16), 4, preset="tiny", seed=0)
>>> gan.sizes, gan.stages()
([8, 16], 1)
"""

from keras_cgan import conditions as conditions_lib
from keras_cgan.models import presets as presets_lib
from keras_cgan.models.presets import pick
from keras_cgan.models.conditional_gan import presets as conditional_presets
from keras_cgan.models.conditional_gan.defaults import ACGAN
from keras_cgan.models.stack_gan.defaults import AUGMENTED, DEFAULT
from keras_cgan.models.stack_gan.networks import build_networks
from keras_cgan.models.stack_gan.stack_gan import StackGAN

# Where "negative" cannot act (class ids, other designs): real images only;
# with another `auxiliary_on_fake` named, that one. At 6 rather than 3 G
# follows it closer (on the tags, 9 of 12 held-out rows passed at three
# seeds against 8; at 10 the two worst rose no further).
REAL_ONLY = {"auxiliary_on_fake": False, "auxiliary_weight": 6.0}

PRESETS = {
    "default": DEFAULT,
    "augmented": AUGMENTED,
    "tiny": {**AUGMENTED, "latent_dim": 4, "code_dim": 2, "base_filters": 4},
}

# The settings each part takes; an override goes to every part that names it.
NETWORKS = (  # every stage's generator and discriminator and the condition encoder
    "latent_dim", "code_dim", "base_filters", "refiner_filters", "discriminator_filters", "conditioning", "channels",
    "text_encoder", "logvar_init", "classifier_pooling",
)
MODEL = ("kl_weight", "active_stages") + conditional_presets.MODEL
COMPILE = conditional_presets.COMPILE


def settings(preset="default", **overrides):
    """The settings of `preset` with `overrides` on top.

    Raises `ValueError` naming an unknown preset or a setting no part takes.
    """
    return presets_lib.resolve(PRESETS, [NETWORKS, MODEL, COMPILE], preset, overrides)


def negative_or_real_only(values, preset_values, condition, overrides):
    """`values` with `REAL_ONLY` wherever the preset's `"negative"` classifier does not train.

    That is a condition without independent labels (class ids), a design
    whose classifier `"negative"` does not act on (anything but `acgan` and
    `concat_acgan`), or `auxiliary_on_fake` overridden with another value:
    the weight of 3 was chosen for `"negative"`. Values named in
    `overrides` are kept (and raise if they do not fit); a preset without
    `"negative"` is left as it is.
    """
    if preset_values.get("auxiliary_on_fake") != "negative":
        return values
    independent = getattr(conditions_lib.get(condition), "independent_labels", False)
    acts = independent and values.get("conditioning") in ACGAN
    if values.get("auxiliary_on_fake") == "negative" and (acts or "auxiliary_on_fake" in overrides):
        return values
    return {**values, **{k: v for k, v in REAL_ONLY.items() if k not in overrides}}


def _model(sizes, condition, values):
    nets = build_networks(sizes, condition, **pick(values, NETWORKS))
    return StackGAN(**nets, condition=condition, **pick(values, MODEL))


def build(sizes, condition, *, preset="default", **overrides):
    """A compiled `StackGAN` of `preset`, with `overrides` on top.

    Args:
        sizes: tuple of int. Image side of each stage (2 or 3), each twice
            the one before, e.g. `(16, 32, 64)`.
        condition: int (number of classes) or condition object, e.g.
            `data.synthetic_faces.condition()`.
        preset: str. A key of `PRESETS`. Defaults to `"default"`.
        **overrides: any name of `NETWORKS`, `MODEL` or `COMPILE` (e.g.
            `base_filters=64`, `kl_weight=1.0`, `active_stages=3`, `seed=0`);
            it goes to every part that takes it.

    Returns:
        A compiled `StackGAN` (training stage 1 only unless `active_stages`
        says otherwise; grow it with `GrowStages` or `grow()`). For a
        condition without labels (captions) the default's `concat_acgan`
        discriminators become `concat` unless `conditioning` is given, and
        where the default's classifier cannot learn generated images as
        holding no tag (class ids; designs other than `acgan` and
        `concat_acgan`) it learns from real images only, at weight 6
        (`REAL_ONLY`), and with another `auxiliary_on_fake` named it
        weighs 6 too (named values are kept).
    """
    values = conditional_presets.without_labels(settings(preset, **overrides), condition, overrides)
    values = negative_or_real_only(values, PRESETS[preset], condition, overrides)
    gan = _model(sizes, condition, values)
    gan.compile(**pick(values, COMPILE))
    return gan


def build_default(sizes=(16, 32, 64), condition=None, kl_weight=1.0, seed=None, **overrides):
    """An uncompiled `StackGAN` with the `"augmented"` preset's networks (the name of earlier releases).

    Unlike `build`, it does not compile and keeps `StackGAN`'s own
    `kl_weight` default of `1.0`: conditioning augmentation and `two_head`
    discriminators, as in the StackGAN papers.

    Args:
        sizes: tuple of int. Image size of each stage, doubling. Defaults to
            `(16, 32, 64)`.
        condition: int (classes) or condition object, e.g.
            `data.synthetic_faces.condition()`.
        kl_weight: float. Conditioning-augmentation KL weight. Defaults to `1.0`.
        seed: int or None.
        **overrides: any name of `NETWORKS` or `MODEL` (`latent_dim`,
            `mismatch_weight`, `active_stages`...).

    Example:

    >>> gan = build_default((8, 16), condition=10, latent_dim=8, code_dim=4, base_filters=8, seed=0)
    >>> gan.sizes, gan.stages()
    ([8, 16], 1)
    """
    values = settings("augmented", kl_weight=kl_weight, seed=seed, **overrides)
    compile_settings = sorted(pick(overrides, COMPILE))
    if compile_settings:
        raise ValueError(f"`build_default` does not compile; pass {compile_settings} to `compile` or use `build`.")
    return _model(sizes, condition, values)
