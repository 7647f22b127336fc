"""Tests of StackGAN: growth inside one fit (under MirroredStrategy in test_replicas.py), frozen inactive stages,
save/load after growth, config, conditioning augmentation and input errors."""

import pickle
import re
import warnings

import keras
import numpy as np
import pytest

from keras_cgan import GrowStages, StackGAN
from keras_cgan.models.stack_gan import ConditioningAugmentation
from keras_cgan.models.stack_gan import build_default
from keras_cgan.models.stack_gan import networks as stackgan_networks
from tests.test_case import assert_config_roundtrip, flat_weights

TINY = dict(latent_dim=4, code_dim=2, base_filters=4)


def _data(n=16, size=16, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    return (np.arange(n) % classes).astype("int32"), rng.uniform(-1, 1, (n, size, size, 3)).astype("float32")


def test_call_returns_largest_active_stage_and_all_stages_on_request():
    gan = build_default((4, 8, 16), 4, seed=0, **TINY)
    labels, _ = _data(4)
    assert np.asarray(gan(labels)).shape == (4, 4, 4, 3)
    gan.grow()
    assert np.asarray(gan(labels)).shape == (4, 8, 8, 3)
    stages = gan(labels, all_stages=True)
    assert [tuple(np.asarray(x).shape[1:3]) for x in stages] == [(4, 4), (8, 8)]
    assert tuple(gan.generator.output.shape[1:]) == (16, 16, 3)  # the export chain: all stages
    assert tuple(gan.generator_chain(2).output.shape[1:]) == (8, 8, 3)
    # The chain computes what the model does, stage by stage, from the same noise.
    noise = np.random.default_rng(0).standard_normal((4,) + gan.noise_shape).astype("float32")
    np.testing.assert_allclose(
        np.asarray(gan.generator_chain(2)([noise, labels])), np.asarray(gan(labels, noise=noise)), atol=1e-6
    )
    for args, kwargs in (((labels,), dict(all_stages=True, stages=1)), ((labels, False, None, True, 1), {})):
        with pytest.raises(ValueError, match=re.escape(  # was `stages`' `(images, stats)`, `all_stages` unheard
                "`all_stages=True` and `stages=1` were both given: `all_stages=True` returns every active stage's "
                "images, `stages` returns `(images, stats)` through that stage. Give one of them; for the images "
                "through stage 1, call `generate_stages(condition, stages=1)[0]`.")):
            gan(*args, **kwargs)
    with pytest.raises(ValueError, match="stages"):
        gan.grow(1)  # never shrinks
    gan.grow(3)
    with pytest.raises(ValueError, match="stages"):
        gan.grow()


def test_config_roundtrip_keeps_growth_state_and_weights_restore_it(tmp_path):
    gan = build_default((4, 8, 16), 4, seed=0, kl_weight=0.5, mismatch_weight=0.5, **TINY)
    gan.grow(2)
    clone = assert_config_roundtrip(gan)
    assert clone.stages() == 2 and clone.kl_weight == 0.5 and clone.sizes == [4, 8, 16]
    # A checkpoint (what BackupAndRestore writes) carries active_stages.
    gan.grow(3)
    path = str(tmp_path / "ckpt.weights.h5")
    gan.save_weights(path)
    fresh = build_default((4, 8, 16), 4, seed=0, kl_weight=0.5, **TINY)
    assert fresh.stages() == 1
    fresh.load_weights(path)
    assert fresh.stages() == 3
    np.testing.assert_array_equal(flat_weights(fresh.generator), flat_weights(gan.generator))


def test_kl_is_logged_and_kl_weight_zero_switches_augmentation_off():
    labels, images = _data(16, size=8)
    noises = [np.random.default_rng(s).standard_normal((4, 4)).astype("float32") for s in (1, 2)]
    logs = {}
    for kl_weight in (1.0, 0.0):
        keras.utils.set_random_seed(0)
        gan = build_default((4, 8), 4, seed=0, kl_weight=kl_weight, **TINY)
        gan.compile()
        history = gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)
        logs[kl_weight] = history.history["g_kl"][-1]
        stats = gan.condition_encoder(labels[:4])
        codes = [np.asarray(gan.augmentation([stats, n])) for n in noises]
        if kl_weight == 0:
            np.testing.assert_array_equal(codes[0], codes[1])  # deterministic: the mean
            np.testing.assert_array_equal(codes[0], np.asarray(stats)[:, :2])
        else:
            assert np.abs(codes[0] - codes[1]).max() > 1e-3
    assert logs[1.0] > 0 and logs[0.0] == 0.0


def test_conditioning_augmentation_kl_by_hand_and_config():
    layer = ConditioningAugmentation(1)
    # mu = 0, logvar = ln 2: KL = 0.5 * (0 + 2 - 1 - ln 2)
    stats = np.array([[0.0, np.log(2.0)], [1.0, 0.0]], "float32")
    np.testing.assert_allclose(np.asarray(layer.kl(stats)), [0.5 * (1 - np.log(2.0)), 0.5], rtol=1e-6)
    noise = np.array([[2.0], [-1.0]], "float32")
    np.testing.assert_allclose(np.asarray(layer([stats, noise])), [[2.0 * np.sqrt(2.0)], [0.0]], rtol=1e-6)
    clone = ConditioningAugmentation.from_config(ConditioningAugmentation(3, stochastic=False).get_config())
    assert clone.dim == 3 and not clone.stochastic
    with pytest.raises(ValueError, match="stats of width 4"):
        ConditioningAugmentation(2)([np.zeros((1, 3), "float32"), np.zeros((1, 2), "float32")])


def test_bad_inputs_raise_value_errors_naming_them():
    with pytest.raises(ValueError, match="double"):
        stackgan_networks.build_networks((8, 12), 4, **TINY)
    for sizes in [(16,), (4, 8, 16, 32)]:  # a StackGAN has 2 or 3 stages: named before any network is built
        with pytest.raises(ValueError, match=re.escape("`sizes` must be 2 or 3 stages") + ".*" + re.escape(
                f"Received: sizes={sizes}")):
            stackgan_networks.build_networks(sizes, 4, **TINY)
    for name, value in [("discriminator_filters", 0), ("refiner_filters", -4), ("base_filters", 2.5),
                        ("code_dim", True), ("latent_dim", None), ("channels", 0)]:
        with pytest.raises(ValueError, match=re.escape(f"`{name}` must be an int >= 1. Received: {name}={value!r}")):
            stackgan_networks.build_networks((4, 8), 4, **{**TINY, name: value})
    nets = stackgan_networks.build_networks((4, 8, 16), 4, **TINY)
    with pytest.raises(ValueError, match="One discriminator per stage"):
        StackGAN(nets["generators"], nets["discriminators"][:2], nets["condition_encoder"], condition=4)
    swapped = [nets["generators"][0], nets["generators"][2], nets["generators"][1]]
    with pytest.raises(ValueError, match="previous stage's image"):
        StackGAN(swapped, nets["discriminators"], nets["condition_encoder"], condition=4)
    with pytest.raises(ValueError, match="active_stages"):
        StackGAN(**nets, condition=4, active_stages=4)
    with pytest.raises(ValueError, match="kl_weight"):
        StackGAN(**nets, condition=4, kl_weight=-1)
    with pytest.raises(ValueError, match="increasing"):
        GrowStages([5, 2])
    gan = StackGAN(**nets, condition=4)
    with pytest.raises(ValueError, match=r"noise of width 6 \(latent 4 \+ code 2:"):
        gan(np.zeros(2, "int32"), noise=np.zeros((2, 4), "float32"))
    gan.compile()
    _, images = _data(8)
    with pytest.raises(ValueError, match="class conditions must have shape"):
        gan.fit(np.zeros((8, 3), "int32"), images, epochs=1, verbose=0)  # wrong condition width
    with pytest.raises(ValueError, match="targets have shape"):
        gan.fit(np.zeros(8, "int32"), images[:, :8, :8], epochs=1, verbose=0)


def test_update_order_and_ema_reach_the_stacked_step():
    labels, images = _data(8, size=8)
    after = {}
    for update in ("alternating", "simultaneous"):
        keras.utils.set_random_seed(0)
        gan = build_default((4, 8), 4, seed=0, active_stages=2, ema_decay=0.5, **TINY)
        start = [np.asarray(w) for w in gan._ema_sources()]
        gan.compile(update=update)
        gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)  # one step
        after[update] = (flat_weights(gan.generator), [flat_weights(d) for d in gan.discriminators])
        # One step of the bias-corrected average: every stage's average is its new weights.
        for average, weight in zip(gan.ema_variables, gan._ema_sources()):
            np.testing.assert_allclose(np.asarray(average), np.asarray(weight), atol=1e-6)
        assert max(np.abs(np.asarray(w) - i).max() for w, i in zip(gan._ema_sources(), start)) > 0
    # D updates do not depend on the order; G is scored by the updated Ds or by those of before.
    for d_alternating, d_simultaneous in zip(after["alternating"][1], after["simultaneous"][1]):
        np.testing.assert_allclose(d_alternating, d_simultaneous, atol=1e-6)
    assert np.abs(after["alternating"][0] - after["simultaneous"][0]).max() > 1e-6


def test_augmentation_draws_noise_independent_of_the_stage1_noise():
    # The code's sample eps and the stage-1 noise z are separate parts of the
    # noise: were eps a copy of z's first entries, stage 1 could undo it.
    gan = build_default((4, 8), 4, seed=0, **TINY)
    noise = np.asarray(gan.sample_noise(64))
    assert noise.shape == (64, TINY["latent_dim"] + TINY["code_dim"])
    stats = np.asarray(gan.condition_encoder(np.arange(64) % 4))
    mu, sigma = stats[:, :2], np.exp(0.5 * stats[:, 2:])
    code = np.asarray(gan.augmentation([stats, noise[:, TINY["latent_dim"] :]]))
    eps = (code - mu) / sigma
    np.testing.assert_allclose(eps, noise[:, TINY["latent_dim"] :], atol=1e-4)
    # The chain feeds the same eps: its output moves with eps when z is fixed.
    z_fixed = noise.copy()
    z_fixed[:, TINY["latent_dim"] :] = 0.0
    labels = np.arange(64) % 4
    assert np.abs(np.asarray(gan(labels, noise=noise)) - np.asarray(gan(labels, noise=z_fixed))).max() > 1e-4
    assert np.abs(np.corrcoef(eps[:, 0], noise[:, 0])[0, 1]) < 0.5


def test_diversity_term_compares_two_draws_of_the_last_stage():
    from keras_cgan.models.stack_gan import presets as stack_presets

    gan = stack_presets.build((8, 16), 4, preset="tiny", seed=0, diversity_weight=0.5, active_stages=2)
    images = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 3)).astype("float32")
    logs = {k: v[-1] for k, v in gan.fit(np.arange(16) % 4, images, batch_size=8, verbose=0).history.items()}
    assert logs["g_diversity"] > 0.0, logs
    parts = logs["g_stage1"] + logs["g_stage2"] + gan.kl_weight * logs["g_kl"]
    np.testing.assert_allclose(logs["g_loss"], parts - 0.5 * logs["g_diversity"], rtol=1e-4)


def test_a_stage_added_later_starts_its_own_weight_average():
    # Bias-corrected over each stage's own steps: one step after growth, stage 2's
    # average holds its trained weights, none of its untrained initial ones, while
    # stage 1's average still lags its weights.
    labels, images = _data(8, size=8)
    keras.utils.set_random_seed(0)
    gan = build_default((4, 8), 4, seed=0, ema_decay=0.9, **TINY)
    gan.compile()
    weights = lambda k: [w for network in gan._stage_networks(k) for w in network.weights]
    untrained = [np.asarray(w).copy() for w in weights(1)]
    gan.fit(labels, images, batch_size=8, epochs=3, verbose=0)  # stage 1 alone, three steps
    gan.grow()
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)  # both stages, one step
    averages = dict(zip([id(w) for w in gan._ema_sources()], gan.ema_variables))
    stage2 = [w for w in weights(1) if id(w) in averages]
    for weight in stage2:
        np.testing.assert_allclose(np.asarray(averages[id(weight)]), np.asarray(weight), atol=1e-6)
    assert max(np.abs(np.asarray(w) - u).max() for w, u in zip(weights(1), untrained)) > 0
    stage1 = [w for w in weights(0) if w.trainable and id(w) in averages]
    assert max(np.abs(np.asarray(averages[id(w)]) - np.asarray(w)).max() for w in stage1) > 1e-6


def test_the_averaged_generator_of_a_stack_gan_not_fully_grown_is_its_grown_chain():
    labels, images = _data(8, size=8)
    keras.utils.set_random_seed(0)
    gan = build_default((4, 8), 4, seed=0, ema_decay=0.5, active_stages=1, **TINY)
    gan.compile()
    gan.fit(labels, images, batch_size=8, epochs=2, verbose=0)
    averaged = gan.ema_generator()  # the whole chain held an 8-pixel stage that never trained
    assert tuple(averaged.outputs[0].shape[1:]) == (4, 4, 3) == tuple(gan.predict(labels[:2], verbose=0).shape[1:])
    noise = np.random.default_rng(1).standard_normal((2, averaged.inputs[0].shape[-1])).astype("float32")
    with gan.ema_weights():
        expected = np.asarray(gan(labels[:2], noise=noise))
    np.testing.assert_allclose(np.asarray(averaged([noise, labels[:2]])), expected, atol=1e-6)


def test_grow_stages_warns_when_the_fit_ends_before_a_growth():
    labels, images = _data(8, size=8)
    gan = build_default((4, 8), 4, **TINY, seed=0)
    gan.compile()
    with pytest.warns(UserWarning, match=r"before the growth at epoch\(s\) \[3\].*ends with 1 of its 2 stages.*initial_epoch=") as caught:
        gan.fit(labels, images, batch_size=8, epochs=2, callbacks=[GrowStages([3])], verbose=0)
    assert caught[0].filename == __file__  # the `fit` line (was: Keras' callback_list.py)
    assert str(pickle.loads(pickle.dumps(caught[0].message))) == str(caught[0].message)
    assert gan.stages() == 1
    gan.fit(labels, images, batch_size=8, initial_epoch=2, epochs=4, callbacks=[GrowStages([3, 9])], verbose=0)
    assert gan.stages() == 2  # the schedule's epochs are fit's; 9 is beyond a two-stage model and ignored


def _grow_warnings(gan, schedule, epochs):
    """The warnings `GrowStages(schedule)` gives at the start of a `fit` of `epochs` epochs (no training)."""
    callback = GrowStages(schedule)
    callback.set_model(gan)
    callback.set_params({"epochs": epochs})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        callback.on_train_begin()
    return [str(w.message) for w in caught]


def test_grow_stages_does_not_warn_about_growths_the_model_already_has():
    gan = build_default((4, 8), 4, **TINY, seed=0)
    gan.grow(2)  # grown by an earlier fit: a second fit with the same schedule misses nothing (was: warned)
    assert _grow_warnings(gan, [1], epochs=1) == []
    gan = build_default((4, 8, 16), 4, **TINY, seed=0)
    gan.grow(2)
    (message,) = _grow_warnings(gan, [10, 20], epochs=5)
    assert "epoch(s) [20]" in message and "ends with 2 of its 3 stages" in message  # was: [10, 20]
    assert _grow_warnings(build_default((4, 8), 4, **TINY, seed=0), [1], epochs=1) != []  # still warns when due


def test_grow_stages_warns_when_the_schedule_never_grows_the_last_stages():
    gan = build_default((4, 8), 4, **TINY, seed=0)
    (message,) = _grow_warnings(gan, [], epochs=5)  # was silent: stage 2 stayed as initialised
    assert "GrowStages([]) has no epoch for stage(s) [2] of the model's 2: they never grow" in message
    assert _grow_warnings(gan, [1], epochs=5) == []
    gan.grow(2)
    assert _grow_warnings(gan, [], epochs=5) == []  # grown by an earlier fit: nothing left to grow


def test_grow_stages_warns_on_the_chief_only(monkeypatch):
    monkeypatch.setattr("keras_cgan.callbacks.is_chief", lambda model: False)  # a worker other than the chief
    assert _grow_warnings(build_default((4, 8), 4, **TINY, seed=0), [1], epochs=1) == []


def test_the_command_line_prints_the_growth_warning_as_its_own_warning_lines(capsys):
    from keras_cgan.cli import train as train_cli

    callback = GrowStages([1])
    callback.set_model(build_default((4, 8), 4, **TINY, seed=0))
    callback.set_params({"epochs": 1})
    with pytest.warns(UserWarning, match="not the library's") as caught:
        with train_cli._warning_lines():  # what `keras-cgan train` wraps `fit` in
            callback.on_train_begin()
            warnings.warn("not the library's", UserWarning)  # Keras' or another's: shown as usual
    assert len(caught) == 1
    # was: `.../keras/src/callbacks/callback_list.py:237: UserWarning: GrowStages: ...` and the source line
    err = capsys.readouterr().err
    assert err.startswith("keras-cgan train: warning: GrowStages: this `fit` ends after epoch 0, ")
    # the command line's advice (was `fit`'s `initial_epoch=`, which a command-line user has not)
    assert err.endswith("2 stages. Run the same command with --resume and --epochs 2 or more for those growths.\n")


def test_generate_takes_ids_as_predict_does():
    gan = build_default((4, 8), 4, **TINY, seed=0)
    noise = np.random.default_rng(0).normal(size=(2,) + gan.noise_shape).astype("float32")
    expected = np.asarray(gan.generate(keras.ops.convert_to_tensor([0, 1]), noise=keras.ops.convert_to_tensor(noise)))
    np.testing.assert_allclose(np.asarray(gan.generate([0, 1], noise=noise)), expected, atol=1e-6)
    with pytest.raises(ValueError, match=re.escape("class ids must be in [0, 4)")):
        gan.generate([0, 9])  # failed in a strided slice before


def test_generate_stages_names_a_stage_count_it_lacks_and_takes_numpy_noise():
    gan = build_default((4, 8, 16), 4, **TINY, seed=0)
    condition = gan.prepare_condition(np.arange(2))
    # 0 gave the active stages, -1 all but the last, 4 the three there are, True one: each silently.
    for wrong in (0, -1, 4, True, 2.0, "2"):
        with pytest.raises(ValueError, match=re.escape(f"`stages` must be an int >= 1 and <= 3. Received: stages={wrong!r}")):
            gan.generate_stages(condition, stages=wrong)
    noise = np.random.default_rng(0).normal(size=(2,) + gan.noise_shape)  # float64 NumPy: Keras' "cannot mix" error
    images, _ = gan.generate_stages(condition, noise=noise, stages=3)  # stages not yet grown may be looked at
    assert [tuple(x.shape[1:3]) for x in images] == [(4, 4), (8, 8), (16, 16)]
    np.testing.assert_allclose(
        np.asarray(images[-1]), np.asarray(gan.generator([noise.astype("float32"), np.arange(2)])), atol=1e-6
    )


@pytest.mark.parametrize("name, value", [("image_size", "8"), ("image_size", 8.0), ("channels", 2.0), ("channels", True)])
def test_stage_discriminator_names_its_own_argument(name, value):
    # Was "`image_shape` must be (height, width, channels)", an argument it does not have.
    with pytest.raises(ValueError, match=re.escape(f"`{name}` must be an int >= 1. Received: {name}={value!r}")):
        stackgan_networks.stage_discriminator(**{"image_size": 8, "condition": 4, "base_filters": 4, name: value})


def test_a_text_encoder_that_does_not_exist_is_named_for_class_conditions_too():
    with pytest.raises(ValueError, match=r"`text_encoder` must be one of \('mean', 'gru'\). Received: 'nope'"):
        stackgan_networks.build_networks((4, 8), 4, **TINY, text_encoder="nope")  # was taken silently (unused)
