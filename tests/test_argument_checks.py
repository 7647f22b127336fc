"""Argument values: a whole number is an int (not a float cut by `int()`, not a bool), a weight a finite
number, a flag a bool; each wrong value gets a `ValueError` naming the argument before anything runs.
`train_on_batch` and `test_on_batch` check their batch as `fit` does; a failed `compile` changes nothing.
"""

import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import callbacks, checks, export
from keras_cgan.data import paired_images, video
from keras_cgan.models import GrowStages, conditional_gan, next_frame_gan, pix2pix, segan, stack_gan
from keras_cgan.models.input_checks import _CHECK_MARK, Position
from keras_cgan.models.next_frame_gan import RolloutGIF
from tests import families

NAN = float("nan")


def _conditional(**overrides):
    return conditional_gan.presets.build((8, 8, 1), 4, preset="tiny", **overrides)


def _next_frame(**overrides):
    return next_frame_gan.presets.build((8, 8, 1), 2, preset="tiny", **overrides)


# (what is built, the argument, a wrong value); each must raise naming the argument and the value.
WRONG = [
    (_conditional, "seed", 1.7),
    (_conditional, "seed", True),
    (_conditional, "seed", 2**63),
    (_conditional, "ema_decay", False),
    (_conditional, "ema_decay", 1.0),
    (_conditional, "adversarial_weight", NAN),
    (_conditional, "mismatch_weight", NAN),
    (_conditional, "auxiliary_weight", -1.0),
    (_conditional, "diversity_warmup", 2.7),
    (_conditional, "diversity_warmup", True),
    (_conditional, "diversity_limit", 0.0),
    (_conditional, "translation", 0.5),
    (_next_frame, "adversarial_warmup", 2.5),
    (_next_frame, "variety_samples", True),
    (_next_frame, "gdl_weight", NAN),
    (lambda **o: segan.presets.build(families.WINDOW, preset="tiny", **o), "sample_rate", 22050.5),
    (lambda **o: segan.presets.build(families.WINDOW, preset="tiny", **o), "stft_weight", NAN),
    (lambda **o: segan.presets.build(families.WINDOW, preset="tiny", **o), "preemphasis", "0.95"),
    (lambda **o: pix2pix.presets.build((16, 16, 1), (16, 16, 3), preset="tiny", **o), "l1_weight", NAN),
    (lambda **o: pix2pix.presets.build((16, 16, 1), (16, 16, 3), preset="tiny", **o), "adaptive_adversarial", "no"),
    (lambda **o: stack_gan.presets.build((8, 16), 4, preset="tiny", **o), "kl_weight", NAN),
    (lambda **o: stack_gan.presets.build((8, 16), 4, preset="tiny", **o), "active_stages", 1.0),
    (lambda **o: callbacks.SampleGrid(np.arange(4), "grid.png", rows=2, **o), "every", 2.5),
    (lambda **o: callbacks.SampleGrid(np.arange(4), "grid.png", **o), "rows", 0),
    (lambda **o: callbacks.SampleGrid(np.arange(4), "grid.png", rows=2, **o), "scale", 1.5),
    (lambda **o: callbacks.KeepBestGenerator(lambda model: 0.0, **o), "every", True),
    (lambda **o: callbacks.CollapseMonitor(**o), "min_std", -1.0),
    (lambda **o: callbacks.CollapseMonitor(**o), "saturation", 0.0),
    (lambda **o: video.window_dataset(np.zeros((1, 6, 8, 8, 1), "float32"), 2, **o), "stride", 0),
    (lambda **o: video.window_dataset(np.zeros((1, 6, 8, 8, 1), "float32"), 2, **o), "batch_size", 2.5),
    # Python's "unhashable type: 'list'"; Keras' "`output_dim` must be a positive integer"; built in silence (a
    # kernel wider than the window; 10**9 was out of memory 10 s in), and Keras' "name used 2 times".
    (_conditional, "adversarial_loss", []),
    (lambda **o: conditional_gan.networks.condition_encoder(4, **o), "units", 0),
    (lambda **o: segan.presets.build(families.WINDOW, preset="tiny", **o), "kernel_size", 2 * families.WINDOW),
    (lambda **o: next_frame_gan.networks.next_frame_discriminator((8, 8, 1), 2, base_filters=4, **o), "scales", (1, 1)),
    (lambda **o: stack_gan.networks.condition_augmentation_encoder(4, **o), "logvar_init", 1e9),  # an inf code
    # Python's "'int' object is not iterable"; one model was Keras' "object is not iterable" too.
    (lambda **o: stack_gan.StackGAN(**{"generators": [], "discriminators": [], "condition_encoder": None, "condition": 4, **o}),
     "generators", 0),
    (lambda **o: stack_gan.StackGAN(**{"generators": [], "discriminators": [], "condition_encoder": None, "condition": 4, **o}),
     "discriminators", None),
]


@pytest.mark.parametrize("build, name, value", WRONG, ids=[f"{name}={value!r}" for _, name, value in WRONG])
def test_a_wrong_value_is_refused_naming_the_argument(build, name, value):
    with pytest.raises(ValueError, match=f"`{name}` must be .*Received: " + re.escape(f"{name}={value!r}")):
        build(**{name: value})


def test_whole_numbers_from_numpy_are_accepted_and_stored_as_python_ints():
    gan = _conditional(seed=np.int64(5), diversity_warmup=np.int32(10))
    assert (gan.seed, gan.diversity_warmup) == (5, 10)
    assert _conditional(seed=-3).seed == -3  # stateless seeds are int64: negative ones are seeds too
    assert type(gan.get_config()["seed"]) is int  # the config stays JSON
    assert checks.number("weight", np.float32(0.5)) == 0.5 and checks.flag("check", np.bool_(True)) is True


@pytest.mark.parametrize("check, given", [
    (lambda value, optional: checks.integer("seed", value, low=0, optional=optional), "`seed` must be an int >= 0"),
    (lambda value, optional: checks.number("tolerance", value, low=None, optional=optional),
     "`tolerance` must be a finite number"),
    (lambda value, optional: checks.path("log_dir", value, optional=optional),
     "`log_dir` must be a path (a non-empty str, bytes or os.PathLike)"),
], ids=["integer", "number", "path"])
def test_an_optional_argument_takes_none_and_its_message_says_so(check, given):
    # Each caller wrote `None if x is None else checks.integer(...)`; the message did not say None is taken.
    assert check(None, True) is None
    for optional, taken in ((True, " or None"), (False, "")):
        with pytest.raises(ValueError, match=f"^{re.escape(f'{given}{taken}. Received: ')}"):
            check(None if not optional else [], optional)


def test_compile_refuses_negative_or_nan_penalties_and_a_string_flag():
    gan = families.build("conditional")
    for arguments in ({"r1_weight": -1.0}, {"gradient_penalty_weight": NAN}, {"check_data": "false"}):
        name, value = next(iter(arguments.items()))
        with pytest.raises(ValueError, match=f"`{name}` must be .*Received: " + re.escape(f"{name}={value!r}")):
            gan.compile(**arguments)


def test_a_failed_compile_leaves_the_model_compiled_as_it_was():
    gan = families.build("conditional")
    before = gan.get_compile_config()
    with pytest.raises(ValueError, match="`discriminator_optimizer` must be a Keras optimizer.*'sgdd'"):
        gan.compile(adversarial_loss="hinge", r1_weight=5.0, update="simultaneous", check_data=False,
                    discriminator_optimizer="sgdd")
    assert gan.get_compile_config() == before


def test_train_on_batch_and_test_on_batch_check_the_batch_as_fit_does():
    gan = families.build("conditional")
    x, y = families.data("conditional", 8)
    weights = [np.asarray(w) for w in gan.generator.weights]
    for method in (gan.train_on_batch, gan.test_on_batch):
        with pytest.raises(ValueError, match=r"y: targets must be in \[-1, 1\]"):
            method(x, y * 3)
        with pytest.raises(ValueError, match=r"y: targets must be float values in \[-1, 1\]; got dtype uint8"):
            method(x, np.zeros(y.shape, "uint8"))
        with pytest.raises(ValueError, match=r"y: targets have shape \(4, 4, 1\) per sample"):
            method(x, y[:, :4, :4])
        with pytest.raises(ValueError, match="sample_weight"):
            method(x, y, sample_weight=np.ones(len(x)))
    assert all(np.array_equal(w, np.asarray(v)) for w, v in zip(weights, gan.generator.weights))
    logs = gan.train_on_batch(x, y, return_dict=True)
    assert math.isfinite(logs["g_loss"]) and not all(
        np.array_equal(w, np.asarray(v)) for w, v in zip(weights, gan.generator.weights)
    )
    with pytest.raises(ValueError, match=r"`test_on_batch\(x, y\)` needs targets"):
        gan.test_on_batch(x)
    uncompiled = conditional_gan.ConditionalGAN(gan.generator, gan.discriminator, gan.condition)
    with pytest.raises(RuntimeError, match="must be compiled before `train_on_batch`"):
        uncompiled.train_on_batch(x, y)


def test_a_failed_in_graph_check_of_one_batch_names_the_batch():
    gan = families.build("conditional")
    failed = tf.errors.InvalidArgumentError(None, None, f"[{_CHECK_MARK}targets] [1] [-3] [2.5]")
    for method, training, stopped in (("train_on_batch", True, "training stopped"), ("test_on_batch", False,
                                                                                       "evaluation stopped")):
        error = gan._data_error(failed, Position(where=f"the batch passed to `{method}`"), "The", training)
        assert isinstance(error, ValueError) and str(error).startswith("The targets must be in [-1, 1]")
        assert f"at the batch passed to `{method}` they hold values from -3 to 2.5; {stopped}" in str(error)


def test_sample_grid_checks_its_arguments_and_conditions_before_training(tmp_path):
    with pytest.raises(ValueError, match="`path` must end in an image extension.*grid'"):
        callbacks.SampleGrid(np.arange(4), str(tmp_path / "grid"), rows=2)
    with pytest.raises(ValueError, match="`path` may hold `{epoch}` and no other field"):
        callbacks.SampleGrid(np.arange(4), str(tmp_path / "grid_{step}.png"), rows=2)
    with pytest.raises(ValueError, match="`col_labels` needs 2 labels"):
        callbacks.SampleGrid(np.arange(4), str(tmp_path / "grid.png"), rows=2, col_labels=["a"])
    gan = families.build("conditional")
    x, y = families.data("conditional", 8)
    weights = [np.asarray(w) for w in gan.generator.weights]
    grid = callbacks.SampleGrid(np.arange(6), str(tmp_path / "grid.png"), rows=2, every=10)  # class 5 of 4
    wrong_class = r"SampleGrid conditions: class ids must be in \[0, 4\); got values from 0 to 5"
    with pytest.raises(ValueError, match=wrong_class):
        gan.fit(x, y, epochs=10, batch_size=8, callbacks=[grid], verbose=0)
    assert all(np.array_equal(w, np.asarray(v)) for w, v in zip(weights, gan.generator.weights))


def test_rollout_and_its_gif_check_noise_and_clips_before_generating():
    gan = families.build("next_frame")
    clips = np.zeros((2, 4, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match=r"`noise` must be \[batch, steps, \*noise_shape\] = \(2, 3, "):
        gan.rollout(clips, steps=3, noise=np.zeros((2, 2) + gan.noise_shape, "float32"))
    assert gan.rollout(clips, steps=3, noise=np.zeros((2, 3) + gan.noise_shape, "float32")).shape == (2, 3, 8, 8, 1)
    with pytest.raises(ValueError, match=r"clips: clip frames must be in \[-1, 1\]"):
        RolloutGIF(clips + 2, "rollouts")
    gif = RolloutGIF(np.zeros((2, 4, 16, 16, 1), "float32"), "rollouts")
    gif.set_model(gan)
    with pytest.raises(ValueError, match=r"`clips` hold frames of shape \(16, 16, 1\); the model predicts"):
        gif.on_train_begin()
    short = RolloutGIF(np.zeros((2, gan.context_frames, 8, 8, 1), "float32"), "rollouts")
    short.set_model(gan)
    with pytest.raises(ValueError, match=f"`clips` need more than context_frames={gan.context_frames} frames"):
        short.on_train_begin()


def test_whole_number_arguments_of_stages_exports_and_loaders():
    gan = stack_gan.presets.build((8, 16), 4, preset="tiny")
    with pytest.raises(ValueError, match="`stages` must be an int >= 1 and <= 2. Received: stages=0"):
        gan.generator_chain(0)
    with pytest.raises(ValueError, match="`stages` must be an int. Received: stages=1.9"):
        gan.grow(1.9)
    with pytest.raises(ValueError, match=r"`stages` must be in \[1, 2\] \(active: 1\). Received: stages=3"):
        gan.grow(3)
    with pytest.raises(ValueError, match=r"`epochs` must be increasing, non-negative int epochs.*1\.5"):
        GrowStages([1.5, 3])
    for wrong in (3, "12"):  # one epoch not in a list; a string is not a list of epochs
        with pytest.raises(ValueError, match=rf"`epochs` must be .* in a list \(`\[10\]`.*Received: epochs={wrong!r}"):
            GrowStages(wrong)
    with pytest.raises(ValueError, match="`batch_size` must be an int >= 1. Received: batch_size=0"):
        export.serving_request(families.build("conditional").generator, batch_size=0)
    with pytest.raises(ValueError, match="`version` must be an int >= 0. Received: version=2.7"):
        export.to_saved_model(families.build("conditional").generator, "unused", version=2.7)
    with pytest.raises(ValueError, match=r"`batch_sizes` must be a non-empty list of ints >= 1. Received: batch_sizes=\(1, 0\)"):
        export.check_parity(families.build("conditional").generator, "unused.onnx", batch_sizes=(1, 0))
    with pytest.raises(ValueError, match=r"`filters` must be a non-empty list of ints >= 1. Received: filters=\(16, 1.5\)"):
        segan.networks.segan_generator(1024, filters=(16, 1.5))
    with pytest.raises(ValueError, match=r"`latent_channels` must be an int >= 0. Received: latent_channels=-3"):
        segan.networks.segan_generator(1024, latent_channels=-3)
    with pytest.raises(ValueError, match=r"`scales` must be int factors >= 1.*scales=\(1.5,\)"):
        next_frame_gan.networks.next_frame_discriminator((16, 16, 1), context_frames=4, scales=(1.5,))
    with pytest.raises(ValueError, match=r"`a` and `b` must hold square images.*\(2, 12, 8, 3\)"):
        paired_images.paired_array_dataset(np.zeros((2, 12, 8, 3), "uint8"), np.zeros((2, 12, 8, 3), "uint8"))
    with pytest.raises(ValueError, match="`image_size` must be an int >= 1. Received: image_size=4.5"):
        paired_images.paired_array_dataset(np.zeros((2, 8, 8, 3), "uint8"), np.zeros((2, 8, 8, 3), "uint8"),
                                           image_size=4.5)


def test_keras_integer_layers_refuse_floats():
    from keras_cgan.layers import NearestUpsampling

    with pytest.raises(ValueError, match="`size` must be an int >= 1. Received: size=2.0"):
        NearestUpsampling(2.0)
    assert keras.layers.deserialize(keras.layers.serialize(NearestUpsampling(np.int64(2)))).size == 2
