"""Each family's presets: the one place its default networks are written.

Every family builds and trains a step from its `"tiny"` preset; the settings
each part takes are its builder's arguments; and the command line, the
quickstart, the examples and the tests' tiny models build through
`presets.build` and write no network by hand.
"""

import ast
import inspect
import os

import keras
import numpy as np
import pytest

from keras_cgan import networks
from keras_cgan.cli import quickstart, recipes
from keras_cgan.models import GANModel, conditional_gan, next_frame_gan, pix2pix, segan, stack_gan
from tests.test_case import REPO

PRESETS = {
    "conditional_gan": conditional_gan.presets,
    "pix2pix": pix2pix.presets,
    "segan": segan.presets,
    "next_frame_gan": next_frame_gan.presets,
    "stack_gan": stack_gan.presets,
}
# family -> (data-dependent arguments of `build`, condition shape, target shape)
TINY = {
    "conditional_gan": (((8, 8, 1), 4), (), (8, 8, 1)),
    "pix2pix": (((16, 16, 1), (16, 16, 3)), (16, 16, 1), (16, 16, 3)),
    "segan": ((256,), (256, 1), (256, 1)),
    "next_frame_gan": (((8, 8, 1), 2), (8, 8, 2), (8, 8, 1)),
    "stack_gan": (((8, 16), 4), (), (16, 16, 3)),
}
EXTRA = {"stack_gan": {"active_stages": 2}}  # both stages train and generate
# family -> (the parts' builders, the family class), to check the settings' names
PARTS = {
    "conditional_gan": (
        {"GENERATOR": networks.conditional_generator, "DISCRIMINATOR": networks.conditional_discriminator},
        conditional_gan.ConditionalGAN,
    ),
    "pix2pix": ({"GENERATOR": networks.unet_generator, "DISCRIMINATOR": networks.patch_discriminator}, pix2pix.Pix2Pix),
    "segan": ({"GENERATOR": networks.segan_generator, "DISCRIMINATOR": networks.segan_discriminator}, segan.SEGAN),
    "next_frame_gan": (
        {"GENERATOR": networks.next_frame_generator, "DISCRIMINATOR": networks.next_frame_discriminator},
        next_frame_gan.NextFrameGAN,
    ),
    "stack_gan": ({"NETWORKS": stack_gan.networks.build_networks}, stack_gan.StackGAN),
}
# What `load_data` adds to the options, per family.
DERIVED = {
    "conditional_gan": {"size": 8, "channels": 1, "num_classes": 10, "vocabulary": None},
    "pix2pix": {"condition_channels": 3, "target_channels": 3},
    "segan": {},
    "next_frame_gan": {"channels": 1},
    "stack_gan": {"channels": 3, "vocabulary": ["red hair", "blue eyes"]},
}


def _parameters(*functions):
    return {name for function in functions for name in inspect.signature(function).parameters}


@pytest.mark.parametrize("family", sorted(PRESETS))
def test_tiny_preset_builds_a_compiled_gan_that_trains_one_step(family):
    args, condition_shape, target_shape = TINY[family]
    gan = PRESETS[family].build(*args, preset="tiny", seed=0, **EXTRA.get(family, {}))
    rng = np.random.default_rng(0)
    if condition_shape == ():
        conditions = np.arange(4, dtype="int32") % 4
    else:
        conditions = rng.uniform(-1, 1, (4,) + condition_shape).astype("float32")
    targets = rng.uniform(-1, 1, (4,) + target_shape).astype("float32")
    history = gan.fit(conditions, targets, batch_size=4, epochs=1, verbose=0)
    assert int(gan.generator_optimizer.iterations.numpy()) == 1
    assert all(np.isfinite(values[-1]) for values in history.history.values()), history.history
    assert np.asarray(gan(conditions, training=False)).shape == (4,) + target_shape


@pytest.mark.parametrize("family", sorted(PRESETS))
def test_presets_name_only_settings_their_parts_take(family):
    presets = PRESETS[family]
    builders, model_class = PARTS[family]
    assert {"default", "tiny"} <= set(presets.PRESETS)
    for part, builder in builders.items():
        assert set(getattr(presets, part)) <= _parameters(builder), part
    assert set(presets.MODEL) <= _parameters(*(c.__init__ for c in model_class.__mro__ if issubclass(c, GANModel)))
    assert set(presets.COMPILE) <= _parameters(GANModel.compile, keras.Model.compile)
    parts = [getattr(presets, part) for part in builders] + [presets.MODEL, presets.COMPILE]
    for name, values in presets.PRESETS.items():
        assert set(values) <= {n for part in parts for n in part}, name


def test_unknown_preset_or_setting_raises_a_value_error_naming_it():
    with pytest.raises(ValueError, match="preset='huge'"):
        conditional_gan.presets.build((8, 8, 1), 4, preset="huge")
    with pytest.raises(ValueError, match="base_filter"):
        pix2pix.presets.build((16, 16, 1), (16, 16, 3), preset="tiny", base_filter=8)


def test_overrides_reach_the_networks_the_model_and_compile():
    gan = conditional_gan.presets.build(
        (8, 8, 1), 4, preset="tiny", conditioning="acgan", base_filters=4, mismatch_weight=0.5,
        adversarial_loss="hinge", steps_per_execution=2, seed=0,
    )
    assert gan.design == "acgan" and len(gan.discriminator.outputs) == 2
    assert gan.mismatch_weight == 0.5 and gan.adversarial_loss == "hinge" and gan.steps_per_execution == 2
    small = conditional_gan.presets.build((8, 8, 1), 4, preset="tiny", seed=0)
    assert gan.generator.count_params() < small.generator.count_params()  # base_filters went to G too


def test_conditional_gan_default_classifier_falls_back_to_concat_for_conditions_without_labels():
    from keras_cgan import EmbeddingCondition

    shape, embedding = (8, 8, 1), EmbeddingCondition(3)
    tiny = {"latent_dim": 2, "base_filters": 4, "seed": 0}
    assert conditional_gan.presets.build(shape, 4, **tiny).design == "acgan"  # the preset's concat_acgan
    assert conditional_gan.presets.build(shape, embedding, **tiny).design == "single"  # concat: no labels
    with pytest.raises(ValueError, match="concat_acgan.*EmbeddingCondition"):  # asked for by name: not replaced
        conditional_gan.presets.build(shape, embedding, conditioning="concat_acgan", **tiny)


def test_stack_gan_default_classifier_falls_back_to_concat_for_conditions_without_labels():
    from keras_cgan import EmbeddingCondition

    tiny = {"latent_dim": 4, "code_dim": 2, "base_filters": 4, "seed": 0}
    assert stack_gan.presets.build((8, 16), 4, **tiny).design == "acgan"  # the preset's concat_acgan
    assert stack_gan.presets.build((8, 16), EmbeddingCondition(3), **tiny).design == "single"
    with pytest.raises(ValueError, match="concat_acgan.*EmbeddingCondition"):
        stack_gan.presets.build((8, 16), EmbeddingCondition(3), conditioning="concat_acgan", **tiny)
    # a design without a classifier needs no labels: kept
    assert stack_gan.presets.build((8, 16), EmbeddingCondition(3), preset="augmented", **tiny).design == "two_head"


def test_stack_gan_default_classifier_learns_fakes_as_no_tag_only_where_that_can_act():
    from keras_cgan import TextCondition
    from keras_cgan.data import synthetic_faces

    tiny = {"latent_dim": 4, "code_dim": 2, "base_filters": 4, "discriminator_filters": 4, "seed": 0}
    classifier = lambda gan: (gan.auxiliary_on_fake, gan.auxiliary_weight)
    tags = synthetic_faces.condition()
    assert classifier(stack_gan.presets.build((8, 16), tags, **tiny)) == ("negative", 3.0)
    text = TextCondition(vocabulary_size=9, sequence_length=3)
    assert classifier(stack_gan.presets.build((8, 16), text, **tiny)) == ("negative", 3.0)
    # where "negative" cannot act: real images only, at 6; another value named: that one, at 6
    assert classifier(stack_gan.presets.build((8, 16), 4, **tiny)) == (False, 6.0)  # class ids: no "none of them"
    for design in ("projection", "tacgan", "two_head"):
        gan = stack_gan.presets.build((8, 16), tags, conditioning=design, **tiny)
        assert classifier(gan) == (False, 6.0), design
    assert classifier(stack_gan.presets.build((8, 16), tags, auxiliary_on_fake=False, **tiny)) == (False, 6.0)
    assert classifier(stack_gan.presets.build((8, 16), 4, auxiliary_weight=2.0, **tiny)) == (False, 2.0)
    assert classifier(stack_gan.presets.build((8, 16), tags, preset="augmented", **tiny)) == (True, 1.0)  # untouched
    with pytest.raises(ValueError, match="independent_labels"):  # asked for by name: not replaced
        stack_gan.presets.build((8, 16), 4, auxiliary_on_fake="negative", **tiny)


def test_stack_gan_build_default_stays_an_uncompiled_default_network():
    gan = stack_gan.build_default((8, 16), 4, latent_dim=4, code_dim=2, base_filters=4, seed=0)
    assert not gan.compiled and gan.kl_weight == 1.0 and gan.sizes == [8, 16]
    with pytest.raises(ValueError, match="does not compile"):
        stack_gan.build_default((8, 16), 4, adversarial_loss="hinge")


class _Built(Exception):
    """Raised by the recording `presets.build`: the caller asked the preset for its model."""


def _record(monkeypatch, presets):
    calls = []

    def build(*args, **kwargs):
        calls.append((args, kwargs))
        raise _Built

    monkeypatch.setattr(presets, "build", build)
    return calls


def _same_as_preset(presets, kwargs, preset, ignore=("seed",)):
    """The overrides of a call, less those that only restate the preset."""
    values = presets.PRESETS[preset]
    return {k: v for k, v in kwargs.items() if k not in ignore and not (k in values and values[k] == v)}


@pytest.mark.parametrize("family", sorted(PRESETS))
def test_cli_recipe_builds_the_default_preset_with_its_default_options(family, monkeypatch):
    calls = _record(monkeypatch, PRESETS[family])
    recipe = recipes.get(family)
    options = dict(recipe.options, seed=0, mixed_precision="none", **DERIVED[family])
    with pytest.raises(_Built):
        recipe.build(options)
    (_, kwargs), = calls
    preset = kwargs.pop("preset", "default")
    assert preset == "default"
    assert _same_as_preset(PRESETS[family], kwargs, preset) == {}  # the CLI's defaults are the preset's


@pytest.mark.parametrize("family", sorted(PRESETS))
def test_cli_stabiliser_options_reach_the_preset(family, monkeypatch):
    """`--set r1_weight=...` (and `spectral_norm=true` where the family's D takes it), as the warnings suggest."""
    calls = _record(monkeypatch, PRESETS[family])
    recipe = recipes.get(family)
    asked = {"r1_weight": 1.0, **({"spectral_norm": True} if "spectral_norm" in recipe.options else {})}
    options = dict(recipe.options, seed=0, mixed_precision="none", **DERIVED[family], **asked)
    with pytest.raises(_Built):
        recipe.build(options)
    (_, kwargs), = calls
    assert {k: kwargs.get(k) for k in asked} == asked
    try:
        PRESETS[family].settings(spectral_norm=True)
        takes = True
    except ValueError:  # no part of the family takes it
        takes = False
    assert ("spectral_norm" in recipe.options) == takes  # offered exactly where the family's D takes it


def test_quickstart_builds_the_digits_preset(monkeypatch, tmp_path):
    calls = _record(monkeypatch, conditional_gan.presets)
    with pytest.raises(_Built):
        quickstart.main(["--out", str(tmp_path), "--epochs", "1", "--verbose", "0"])
    (args, kwargs), = calls
    assert args == ((8, 8, 1), 10) and kwargs.pop("preset") == "digits"
    assert _same_as_preset(conditional_gan.presets, kwargs, "digits") == {}


# Calls that write a network or a family model by hand.
BY_HAND = {name for name in dir(networks) if not name.startswith("_") and callable(getattr(networks, name))} | {
    "ConditionalGAN", "StackGAN", "Pix2Pix", "SEGAN", "NextFrameGAN", "build_networks", "build_default",
}
BUILD_THROUGH_PRESETS = (
    [os.path.join("examples", n) for n in sorted(os.listdir(os.path.join(REPO, "examples"))) if n.endswith(".py")]
    + [os.path.join("keras_cgan", "cli", "recipes", f"{family}.py") for family in sorted(PRESETS)]
    + [os.path.join("keras_cgan", "cli", "quickstart.py"), os.path.join("tests", "families.py")]
)


def _called_names(path):
    with open(os.path.join(REPO, path)) as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute):
                owner = function.value.id if isinstance(function.value, ast.Name) else None
                yield owner, function.attr
            elif isinstance(function, ast.Name):
                yield None, function.id


@pytest.mark.parametrize("path", BUILD_THROUGH_PRESETS)
def test_builds_through_presets_and_writes_no_network_by_hand(path):
    called = list(_called_names(path))
    assert ("presets", "build") in called, f"{path} does not call presets.build"
    by_hand = sorted({name for _, name in called if name in BY_HAND})
    assert by_hand == [], f"{path} builds {by_hand} by hand; build through the family's presets"


def test_a_preset_that_is_no_name_raises_a_value_error():
    with pytest.raises(ValueError, match=r"preset=\['tiny'\]"):  # was TypeError: unhashable type: 'list'
        conditional_gan.presets.settings(["tiny"])


def test_shapes_of_numpy_ints_build_and_others_are_named():
    shape = tuple(np.array([8, 8, 1]))  # np.int64 sides; Keras' Dense refused them deep inside
    gan = conditional_gan.presets.build(shape, 4, preset="tiny", seed=0)
    assert gan.generator.output.shape[1:] == (8, 8, 1)
    assert next_frame_gan.presets.build(shape, 2, preset="tiny").generator.output.shape[1:] == (8, 8, 1)
    with pytest.raises(ValueError, match=r"`image_shape` must be \(height, width, channels\), 3 ints"):
        conditional_gan.presets.build((8.0, 8.0, 1.0), 4, preset="tiny")  # was Keras' "units=256.0"
    with pytest.raises(ValueError, match="`frame_shape`"):
        next_frame_gan.presets.build(("8", 8, 1), 2, preset="tiny")
    with pytest.raises(ValueError, match=r"`scales`.*frames of 4x4 take factors up to 1"):
        next_frame_gan.presets.build((4, 4, 1), 2)  # the default's (1, 2) cannot judge 4x4 frames at 2
    with pytest.raises(ValueError, match="`scales` must be int factors >= 1, a list or tuple"):  # was TypeError: 'int' object is not iterable
        next_frame_gan.presets.build((8, 8, 1), 2, preset="tiny", scales=2)
    for scales in (np.array([1, 2]), range(1, 3)):  # any one-axis sequence, as before the check
        assert next_frame_gan.presets.build((8, 8, 1), 2, preset="tiny", scales=scales)
    with pytest.raises(ValueError, match=r"`scales` must be int factors >= 1.*scales=\(1, True\)"):
        next_frame_gan.presets.build((8, 8, 1), 2, preset="tiny", scales=(1, True))  # True read as 1 through numpy


@pytest.mark.parametrize("value", ["no", 1, None])
def test_discriminator_flags_of_conditional_and_next_frame_gans_are_bools(value):
    # "no" and 1 built a spectrally normalized (or patch) discriminator, None a plain one, all silently.
    with pytest.raises(ValueError, match=f"`spectral_norm` must be True or False. Received: spectral_norm={value!r}"):
        conditional_gan.presets.build((8, 8, 1), 4, preset="tiny", spectral_norm=value)
    with pytest.raises(ValueError, match=f"`spectral_norm` must be True or False. Received: spectral_norm={value!r}"):
        next_frame_gan.presets.build((8, 8, 1), 2, preset="tiny", spectral_norm=value)
    with pytest.raises(ValueError, match=f"`patch` must be True or False. Received: patch={value!r}"):
        next_frame_gan.presets.build((8, 8, 1), 2, preset="tiny", patch=value)
