"""Pix2Pix: networks, the three objectives, fit/predict/save, MirroredStrategy."""

import re
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import Pix2Pix, losses, networks
from keras_cgan.models.pix2pix import patchgan
from tests.test_case import (
    assert_config_roundtrip,
    assert_keras_roundtrip,
    benchmark_module,
    flat_weights,
)

SIZE = 16


def tiny(norm="batch", receptive_field=16, in_channels=1, out_channels=3, dropout=0.5, **kwargs):
    g = networks.unet_generator(
        (SIZE, SIZE, in_channels), out_channels, base_filters=4, norm=norm, dropout=dropout
    )
    d = networks.patch_discriminator(
        (SIZE, SIZE, in_channels), (SIZE, SIZE, out_channels), receptive_field=receptive_field,
        base_filters=4, norm=norm,
    )
    return Pix2Pix(g, d, seed=0, **kwargs)


def pairs(n=8, in_channels=1, out_channels=3, seed=0):
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(-1, 1, (n, SIZE // 4, SIZE // 4, in_channels))
    c = np.kron(coarse, np.ones((1, 4, 4, 1))).astype("float32")  # smooth blocks
    x = np.tanh(np.repeat(c[..., :1], out_channels, -1) * 2).astype("float32")  # learnable map
    return c, x


def test_batch_norm_in_a_nested_discriminator_scores_real_and_fake_pairs_apart():
    # Batch statistics must not mix real and generated pairs, also when D wraps a model holding the batch norm.
    base = tiny()
    inner = base.discriminator
    inputs = [keras.Input(t.shape[1:]) for t in inner.inputs]
    gan = Pix2Pix(base.generator, keras.Model(inputs, inner(inputs)), seed=0)
    c, x = pairs()
    fake = np.random.default_rng(1).uniform(-1, 1, x.shape).astype("float32")
    real_scores, _ = gan._real_and_fake_scores(c, x, fake, training=True)
    np.testing.assert_allclose(real_scores, gan._scores(c, x, True), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ networks


def test_unet_shapes_skips_and_single_named_input():
    g = networks.unet_generator((32, 32, 1), 3, base_filters=4)
    assert [t.name for t in g.inputs] == ["condition"]
    assert tuple(g.output.shape) == (None, 32, 32, 3)
    # log2(32) = 5 encoder blocks down to 1x1, one skip per encoder block but the last.
    assert len([l for l in g.layers if l.name.startswith("down_") and l.name[5:].isdigit()]) == 5
    assert len([l for l in g.layers if l.name.startswith("skip_")]) == 4
    assert len([l for l in g.layers if isinstance(l, keras.layers.Dropout)]) == 3
    out = g(np.zeros((2, 32, 32, 1), "float32"))
    assert np.all(np.abs(out) <= 1.0)


def test_unet_instance_norm_uses_group_norm_per_channel():
    g = networks.unet_generator((16, 16, 3), 3, base_filters=4, norm="instance")
    groups = [l for l in g.layers if isinstance(l, keras.layers.GroupNormalization)]
    assert groups and all(l.groups == l.input.shape[-1] for l in groups)  # one group per channel
    assert not [l for l in g.layers if isinstance(l, keras.layers.BatchNormalization)]


def test_unet_resize_upsampling_keeps_shapes_and_exports_with_parity(tmp_path):
    from keras_cgan import export

    keras.utils.set_random_seed(0)
    g = networks.unet_generator((16, 32, 1), 3, base_filters=4, num_downs=3, upsample="resize")
    assert tuple(g.output.shape) == (None, 16, 32, 3)
    assert not [l for l in g.layers if isinstance(l, keras.layers.Conv2DTranspose)]
    assert [l.name for l in g.layers if l.name.endswith("_resize")] == ["up_0_resize", "up_1_resize", "to_image_resize"]
    # Static shapes survive a dynamic batch, so TFLite lowers the convolutions to builtins.
    for report in (export.to_tflite(g, tmp_path / "g.tflite"), export.to_onnx(g, tmp_path / "g.onnx")):
        assert report.max_abs_error <= 1e-4, report


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(image_shape=(16, 16, 3), upsample="bilinear"), "upsample"),
        (dict(image_shape=(30, 30, 3), num_downs=2), "divisible"),
        (dict(image_shape=(16, 16, 3), norm="layer"), "norm"),
        (dict(image_shape=(16, 16, 3), dropout=1.0), "dropout"),
        (dict(image_shape=(16, 16)), "image_shape"),
        (dict(image_shape=16), "image_shape"),  # was a TypeError: object of type 'int' has no len()
        (dict(image_shape=(16, 16, 3), base_filters=0), "`base_filters` must be an int >= 1"),  # was Keras' filters=0
        (dict(image_shape=(16, 16, 3), max_filters=0.5), "`max_filters` must be an int >= 1"),
        # Each was taken silently (True as 1, 16.5 cut, "16" read) or failed in a bare TypeError.
        (dict(image_shape=(16.5, 16, 3)), r"`image_shape` must be \(height, width, channels\), 3 ints"),
        (dict(image_shape=("16", 16, 3)), "`image_shape` must be"),
        (dict(image_shape=(16, 16, True)), "`image_shape` must be"),
        (dict(image_shape=(16, 16, 3), output_channels=True), "`output_channels` must be an int >= 1"),
        (dict(image_shape=(16, 16, 3), output_channels=3.0), "`output_channels` must be an int >= 1"),
        (dict(image_shape=(16, 16, 3), num_downs=True), "`num_downs` must be an int >= 1"),
        (dict(image_shape=(16, 16, 3), num_downs=2.0), "`num_downs` must be an int >= 1"),
        (dict(image_shape=(16, 16, 3), dropout=None), "`dropout` must be a finite number >= 0 and < 1"),
        (dict(image_shape=(16, 16, 3), dropout="0.5"), "`dropout` must be a finite number"),
        (dict(image_shape=(16, 16, 3), dropout_blocks=1.5), "`dropout_blocks` must be an int >= 0"),
        (dict(image_shape=(16, 16, 3), dropout_blocks=None), "`dropout_blocks` must be an int >= 0"),
    ],
)
def test_unet_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        networks.unet_generator(**kwargs)


@pytest.mark.parametrize("shape, downs", [((256, 256, 1), 8), ((48, 48, 3), 4), ((12, 20, 3), 2)])
def test_unet_default_depth_fits_sizes_that_are_no_power_of_two(shape, downs):
    # log2 of the shorter side was 5 for 48x48 and 3 for 12x20: both refused by default.
    g = networks.unet_generator(shape, 1, base_filters=2, max_filters=4)
    assert tuple(g.output.shape) == (None, *shape[:2], 1)
    assert len([layer for layer in g.layers if layer.name.startswith("down_") and layer.name[5:].isdigit()]) == downs


@pytest.mark.parametrize("name, value", [("base_filters", 0), ("max_filters", 2.5)])
def test_patch_discriminator_names_a_filter_count_that_is_no_positive_int(name, value):
    with pytest.raises(ValueError, match=re.escape(f"`{name}` must be an int >= 1. Received: {name}={value}")):
        networks.patch_discriminator((16, 16, 3), (16, 16, 3), **{name: value})


def test_the_preset_names_a_shape_that_is_not_height_width_channels():
    from keras_cgan.models.pix2pix import presets

    # A target given as its channel count was `target_shape[-1]`'s TypeError ('int' object is not subscriptable).
    with pytest.raises(ValueError, match=re.escape("`target_shape` must be (height, width, channels), 3 ints >= 1. Received: 3")):
        presets.build((16, 16, 3), 3, preset="tiny")
    with pytest.raises(ValueError, match=re.escape("`condition_shape` must be (height, width, channels)")):
        presets.build((16, 16), (16, 16, 3), preset="tiny")


@pytest.mark.parametrize("field, blocks", [(16, 1), (34, 2), (70, 3), (142, 4), (286, 5)])
def test_patch_receptive_field_formula(field, blocks):
    assert patchgan.patch_receptive_field(blocks) == field


def test_patch_receptive_field_measured_by_gradient():
    # A logit of the 16x16 PatchGAN must depend on exactly a 16x16 input window.
    d = networks.patch_discriminator((64, 64, 1), (64, 64, 1), receptive_field=16, base_filters=2, norm="none")
    image = tf.random.normal((1, 64, 64, 1))
    with tf.GradientTape() as tape:
        tape.watch(image)
        logit = d([tf.zeros_like(image), image])[0, 16, 16, 0]
    grad = np.abs(tape.gradient(logit, image)[0, ..., 0].numpy()) > 0
    rows, cols = np.where(grad.any(1))[0], np.where(grad.any(0))[0]
    assert rows.max() - rows.min() + 1 <= 16 and cols.max() - cols.min() + 1 <= 16
    assert rows.max() - rows.min() + 1 >= 13  # 'same' padding trims at most the border taps


@pytest.mark.parametrize(
    "field, grid", [(1, 32), (16, 16), (34, 8), (70, 4), (286, 1), ("image", 1)]
)
def test_patch_discriminator_output_grid(field, grid):
    d = networks.patch_discriminator((32, 32, 1), (32, 32, 3), receptive_field=field, base_filters=4)
    assert [t.name for t in d.inputs] == ["image", "condition"]
    assert tuple(d.output.shape) == (None, grid, grid, 1)


@pytest.mark.parametrize("side, field", [(16, 16), (32, 16), (48, 16), (64, 34), (128, 34), (256, 70)])
def test_auto_receptive_field_is_the_largest_at_most_half_the_image(side, field):
    assert patchgan.auto_receptive_field(side, side) == field
    assert patchgan.auto_receptive_field(side, 4 * side) == field  # the shorter side counts
    auto = networks.patch_discriminator((side, side, 1), (side, side, 3), receptive_field="auto", base_filters=2)
    fixed = networks.patch_discriminator((side, side, 1), (side, side, 3), receptive_field=field, base_filters=2)
    assert [type(layer).__name__ for layer in auto.layers] == [type(layer).__name__ for layer in fixed.layers]
    assert auto.output.shape == fixed.output.shape


@pytest.mark.parametrize("field", [1, 16, "image"])
def test_patch_discriminator_spectral_norm_wraps_every_conv(field):
    d = networks.patch_discriminator((16, 16, 1), (16, 16, 3), receptive_field=field, base_filters=4,
                                     spectral_norm=True)
    convs = [layer for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    wrapped = [layer for layer in d.layers if isinstance(layer, keras.layers.SpectralNormalization)]
    assert not convs and wrapped and all(isinstance(w.layer, keras.layers.Conv2D) for w in wrapped)
    x = tf.random.normal((2, 16, 16, 3))
    for _ in range(30):  # power iteration converges over training calls
        d([x, x[..., :1]], training=True)
    for w in wrapped:
        kernel = w.layer.kernel.numpy().reshape(-1, w.layer.kernel.shape[-1])
        assert np.linalg.svd(kernel, compute_uv=False)[0] == pytest.approx(1.0, abs=0.05), w.name


def test_patch_discriminator_bad_arguments():
    with pytest.raises(ValueError, match="receptive_field"):
        networks.patch_discriminator((16, 16, 1), (16, 16, 3), receptive_field=50)
    for wrong in (True, 70.0):  # True == 1 built a PixelGAN; 70.0 a float field
        with pytest.raises(ValueError, match=re.escape(f"Received: receptive_field={wrong!r}")):
            networks.patch_discriminator((16, 16, 1), (16, 16, 3), receptive_field=wrong)
    with pytest.raises(ValueError, match="same height and width"):
        networks.patch_discriminator((16, 16, 1), (32, 32, 3))
    for wrong in ("no", 1):  # built a spectrally normalized D, silently
        with pytest.raises(ValueError, match="spectral_norm"):
            networks.patch_discriminator((16, 16, 1), (16, 16, 3), spectral_norm=wrong)


# --------------------------------------------------------------------- model


def test_construction_checks_networks():
    g = networks.unet_generator((SIZE, SIZE, 1), 3, base_filters=4)
    d_wrong = networks.patch_discriminator((SIZE, SIZE, 3), (SIZE, SIZE, 3), base_filters=4)
    with pytest.raises(ValueError, match="condition input has shape"):
        Pix2Pix(g, d_wrong)
    d = networks.patch_discriminator((SIZE, SIZE, 1), (SIZE, SIZE, 3), base_filters=4)
    old_order = keras.Model([d.inputs[1], d.inputs[0]], d.outputs)  # 0.1's [condition, image]
    with pytest.raises(ValueError, match=r"\[image, condition\]"):
        Pix2Pix(g, old_order)
    with pytest.raises(ValueError, match="both 0"):
        Pix2Pix(g, d, l1_weight=0, adversarial_weight=0)
    with pytest.raises(ValueError, match="l1_weight"):
        Pix2Pix(g, d, l1_weight=-1)
    with pytest.raises(ValueError, match="l1_lowpass"):
        Pix2Pix(g, d, l1_lowpass=-0.5)
    with pytest.raises(ValueError, match="too wide for the generator's 16-pixel images"):
        Pix2Pix(g, d, l1_lowpass=6.0)  # 18-pixel kernel half-width


def test_weights_that_train_no_generator_say_which_to_set():
    # The error said only that both were 0, not which to set for the baseline or the GAN.
    with pytest.raises(ValueError) as error:
        tiny(l1_weight=0, adversarial_weight=0)
    assert str(error.value) == (
        "`l1_weight` and `adversarial_weight` are both 0: the generator would have no loss and never learn. Set "
        "`l1_weight` above 0 for the supervised (L1-only) baseline (the default: 100), or `adversarial_weight` above 0 "
        "for the GAN (the default: 1)."
    )
    assert tiny(l1_weight=0).adversarial_weight == 1.0 and tiny(adversarial_weight=0).l1_weight == 100.0


def test_fit_rejects_wrong_condition_shape_before_training():
    model = tiny()
    model.compile()
    c, x = pairs()
    with pytest.raises(ValueError, match="conditions have shape"):
        model.fit(np.repeat(c, 3, -1), x, batch_size=4, epochs=1, verbose=0)


@pytest.mark.parametrize(
    "shape, hint",
    [
        ((2, 32, 32, 1), "Resize them to 16x16 (e.g. `tf.image.resize`), or build a model for their size."),
        ((2, 16, 16, 3), "Convert them to 1 channel(s)."),
        ((16, 16, 1), "One image without its batch axis? Pass `x[None]`"),  # was "(16, 1) per sample" alone
        ((2, 16, 16), "Add the channel axis: `x[..., None]`."),
    ],
)
def test_a_condition_of_another_shape_is_told_what_to_do(shape, hint):
    with pytest.raises(ValueError, match=re.escape(hint)):
        tiny().predict(np.zeros(shape, "float32"), verbose=0)


def test_a_dataset_condition_of_unknown_sizes_gets_the_hint_of_what_is_known():
    # Sizes left unknown were compared exactly: 3 channels of unknown size were told to resize.
    for spec, hint in (((None, None, None, 3), "Convert them to 1 channel(s)."),
                       ((None, None, 1), "One image without its batch axis?")):
        with pytest.raises(ValueError, match=re.escape(hint)):
            tiny().check_condition(tf.TensorSpec(spec), "x")


def test_generator_objective_is_weighted_sum_of_parts():
    model = tiny(l1_weight=7.0, adversarial_weight=0.5)
    model.compile(adversarial_loss="lsgan")
    c, x = pairs(4)
    fake = model.generate(c, training=False)
    loss, parts = model.generator_objective(c, x, fake, training=False)
    np.testing.assert_allclose(float(parts["g_l1"]), np.mean(np.abs(x - fake)), rtol=1e-5)
    np.testing.assert_allclose(float(loss), 0.5 * float(parts["g_adv"]) + 7.0 * float(parts["g_l1"]), rtol=1e-5)
    d_loss, d_parts = model.discriminator_objective(c, x, fake, training=False)
    np.testing.assert_allclose(float(d_loss), 0.5 * (float(d_parts["d_real"]) + float(d_parts["d_fake"])), rtol=1e-5)


def test_adaptive_adversarial_weight_balances_the_gradients_at_the_output():
    model = tiny(norm="instance", dropout=0.0, l1_weight=7.0, adversarial_weight=0.5, adaptive_adversarial=True)
    model.compile()
    c, x = pairs(4)
    fake = model.generate(c, training=False)
    loss, parts = model.generator_objective(c, x, fake, training=True)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(fake)
        rec = 7.0 * tf.reduce_mean(tf.abs(x - fake))
        adv = tf.reduce_mean(tf.math.softplus(-model.discriminator([fake, tf.constant(c)], training=True)))  # bce
    want = np.linalg.norm(tape.gradient(rec, fake)) / np.linalg.norm(tape.gradient(adv, fake))
    np.testing.assert_allclose(float(parts["g_adaptive"]), want, rtol=1e-4)
    np.testing.assert_allclose(
        float(loss), 0.5 * want * float(parts["g_adv"]) + 7.0 * float(parts["g_l1"]), rtol=1e-4)
    # Not part of evaluation, and no effect without an adversarial term.
    assert "g_adaptive" not in model.generator_objective(c, x, fake, training=False)[1]
    baseline = tiny(adversarial_weight=0.0, adaptive_adversarial=True)
    baseline.compile()
    assert "g_adaptive" not in baseline.generator_objective(c, x, fake, training=True)[1]


def test_l1_lowpass_compares_blurred_images():
    model = tiny(l1_lowpass=1.5)
    model.compile()
    c, x = pairs(4)
    fake = model.generate(c, training=False)
    _, parts = model.generator_objective(c, x, fake, training=False)
    want = losses.l1_loss(losses.gaussian_lowpass(x, 1.5), losses.gaussian_lowpass(fake, 1.5))
    np.testing.assert_allclose(float(parts["g_l1"]), float(want), rtol=1e-5)
    assert abs(float(parts["g_l1"]) - np.mean(np.abs(x - fake))) > 1e-3


@pytest.mark.parametrize(
    "variant, kwargs, logged",
    [
        ("l1", dict(adversarial_weight=0.0), {"g_l1"}),
        ("cgan", dict(l1_weight=0.0), {"g_adv"}),
        ("l1+cgan", dict(), {"g_adv", "g_l1"}),
    ],
)
def test_three_variants_train_from_one_class(variant, kwargs, logged):
    model = tiny(**kwargs)
    model.compile()
    c, x = pairs()
    g_before, d_before = flat_weights(model.generator), flat_weights(model.discriminator)
    history = model.fit(c, x, batch_size=4, epochs=1, verbose=0)
    g_parts = {k for k in history.history if k.startswith("g_") and k != "g_loss"}
    assert g_parts == logged, variant
    assert not np.array_equal(g_before, flat_weights(model.generator))
    assert not np.array_equal(d_before, flat_weights(model.discriminator))  # D trains (or probes)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_l1_only_generator_ignores_discriminator():
    # With adversarial_weight=0 the generator's gradient must not depend on D.
    model = tiny(adversarial_weight=0.0)
    model.compile()
    c, x = pairs(4)
    grads = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            fake = model.generate(c, training=False)
            loss, _ = model.generator_objective(c, x, fake, training=False)
        grads.append(np.concatenate([g.numpy().ravel() for g in tape.gradient(loss, model.generator.trainable_variables)]))
        model.discriminator.set_weights([w * 3.0 for w in model.discriminator.get_weights()])
    np.testing.assert_allclose(grads[0], grads[1])


def test_l1_only_model_trains_its_generator_as_the_generator_fit_alone():
    # benchmarks/generalisation.py fits the L1-only baseline's generator alone (`supervised_l1`, no probe D):
    # built as the suite builds it, it ends with the same weights, dropout and all.
    from keras_cgan.models.pix2pix import presets

    suite = benchmark_module("generalisation")
    args = types.SimpleNamespace(seed=0, steps=12)  # 6 chunks of 2 steps
    models = []
    for _ in range(2):
        keras.utils.set_random_seed(0)
        models.append(presets.build((SIZE, SIZE, 1), (SIZE, SIZE, 3), preset="tiny", dropout=0.5,
                                    adversarial_weight=0.0, generator_optimizer=keras.optimizers.Adam(1e-2), seed=0))
    before = flat_weights(models[0].generator)
    data = pairs(1024)  # 128 batches an epoch: prefetching after the first batch read stays in the first shuffle
    suite.train(models[0], data, 8, args)
    suite.supervised_l1(models[1], data, 8, args)
    after = flat_weights(models[0].generator)
    assert np.abs(after - before).max() > 1e-3  # trained
    np.testing.assert_allclose(flat_weights(models[1].generator), after, atol=1e-6)


def test_l1_training_reduces_l1_and_predict_is_deterministic():
    model = tiny(adversarial_weight=0.0, norm="instance", dropout=0.0)
    model.compile(generator_optimizer=keras.optimizers.Adam(5e-3))
    c, x = pairs(8)
    before = float(np.mean(np.abs(model.predict(c, verbose=0) - x)))
    model.fit(c, x, batch_size=2, epochs=5, verbose=0)
    after = float(np.mean(np.abs(model.predict(c, verbose=0) - x)))
    assert after < 0.7 * before, (before, after)
    first, second = model.predict(c, verbose=0), model.predict(c, verbose=0)
    np.testing.assert_array_equal(first, second)  # dropout off in predict
    assert first.shape == (8, SIZE, SIZE, 3)


@pytest.mark.parametrize("loss", ["hinge", "wgan-gp"])
def test_other_adversarial_losses_train(loss):
    model = tiny(norm="none" if loss == "wgan-gp" else "batch")
    model.compile(adversarial_loss=loss)
    c, x = pairs()
    history = model.fit(c, x, batch_size=4, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    if loss == "wgan-gp":
        assert history.history["d_penalty"][-1] > 0


def test_fit_on_dataset_and_evaluate():
    model = tiny()
    model.compile()
    c, x = pairs()
    ds = tf.data.Dataset.from_tensor_slices((c, x)).batch(4)
    model.fit(ds, epochs=1, verbose=0)
    logs = model.evaluate(ds, verbose=0, return_dict=True)
    assert {"d_loss", "g_loss", "g_l1", "g_adv"} <= set(logs)


def test_config_and_keras_roundtrip(tmp_path):
    model = tiny(l1_weight=50.0, discriminator_scale=1.0, l1_lowpass=1.0, adaptive_adversarial=True)
    model.compile(adversarial_loss="hinge")
    c, x = pairs(4)
    model.fit(c, x, batch_size=4, epochs=1, verbose=0)
    clone = assert_config_roundtrip(model)
    assert clone.l1_weight == 50.0 and clone.discriminator_scale == 1.0 and clone.l1_lowpass == 1.0
    assert clone.adaptive_adversarial
    loaded = assert_keras_roundtrip(model, c, tmp_path)
    assert loaded.adversarial_loss == "hinge"
    np.testing.assert_allclose(flat_weights(loaded.discriminator), flat_weights(model.discriminator))


def test_generator_alone_saves_for_export(tmp_path):
    model = tiny()
    c, _ = pairs(2)
    path = str(tmp_path / "generator.keras")
    model.generator.save(path)
    loaded = keras.models.load_model(path)
    assert [t.name for t in loaded.inputs] == ["condition"]
    np.testing.assert_allclose(loaded.predict(c, verbose=0), model.predict(c, verbose=0), atol=1e-6)


def tutorial_step(generator, discriminator, condition, target, learning_rate, l1_weight=100.0):
    """The TensorFlow pix2pix tutorial's train_step, written out by hand."""
    condition, target = tf.constant(condition), tf.constant(target)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
        gen_output = generator(condition, training=True)
        disc_real_output = discriminator([target, condition], training=True)
        disc_generated_output = discriminator([gen_output, condition], training=True)
        gen_loss = bce(tf.ones_like(disc_generated_output), disc_generated_output) + l1_weight * tf.reduce_mean(
            tf.abs(target - gen_output)
        )
        disc_loss = bce(tf.ones_like(disc_real_output), disc_real_output) + bce(
            tf.zeros_like(disc_generated_output), disc_generated_output
        )
    g_vars, d_vars = generator.trainable_variables, discriminator.trainable_variables
    g_grads, d_grads = gen_tape.gradient(gen_loss, g_vars), disc_tape.gradient(disc_loss, d_vars)
    keras.optimizers.SGD(learning_rate).apply_gradients(zip(g_grads, g_vars))
    keras.optimizers.SGD(learning_rate).apply_gradients(zip(d_grads, d_vars))


@pytest.mark.parametrize("norm", ["batch", "instance"])
def test_simultaneous_step_equals_the_tutorial_step(norm):
    c, x = pairs(4)
    reference = tiny(norm=norm, dropout=0.0)  # dropout off: both sides draw no noise
    start = reference.generator.get_weights(), reference.discriminator.get_weights()
    tutorial_step(reference.generator, reference.discriminator, c, x, learning_rate=0.1)
    results = {}
    for update in ("simultaneous", "alternating"):
        model = tiny(norm=norm, dropout=0.0, discriminator_scale=1.0)
        model.generator.set_weights(start[0])
        model.discriminator.set_weights(start[1])
        model.compile(
            generator_optimizer=keras.optimizers.SGD(0.1),
            discriminator_optimizer=keras.optimizers.SGD(0.1),
            update=update,
        )
        model.fit(c, x, batch_size=4, epochs=1, verbose=0, shuffle=False)
        d_trained = np.concatenate([np.ravel(v) for v in model.discriminator.trainable_weights])
        results[update] = flat_weights(model.generator), flat_weights(model.discriminator), d_trained
    # All weights, batch-norm moving statistics included.
    np.testing.assert_allclose(results["simultaneous"][0], flat_weights(reference.generator), atol=1e-6)
    np.testing.assert_allclose(results["simultaneous"][1], flat_weights(reference.discriminator), atol=1e-6)
    # The alternating update scores G with the updated D: a different step.
    assert np.max(np.abs(results["alternating"][0] - flat_weights(reference.generator))) > 1e-5
    # D's own update is the same (its moving statistics see one more call).
    np.testing.assert_allclose(results["alternating"][2], results["simultaneous"][2], atol=1e-6)
