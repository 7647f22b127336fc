import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import ClassCondition, ConditionalGAN, networks
from keras_cgan.models.conditional_gan.conditional_gan import translate
from keras_cgan.models.conditional_gan.networks import conditioning_of
from tests.test_case import assert_config_roundtrip, assert_keras_roundtrip, weights_changed

SHAPE, CLASSES, LATENT = (8, 8, 1), 4, 6


def make_gan(conditioning="concat", **kwargs):
    g = networks.conditional_generator(SHAPE, CLASSES, latent_dim=LATENT, base_filters=8)
    d = networks.conditional_discriminator(SHAPE, CLASSES, conditioning=conditioning, base_filters=8)
    return ConditionalGAN(g, d, condition=CLASSES, seed=1, **kwargs)


def data(n=16):
    rng = np.random.default_rng(0)
    return (np.arange(n) % CLASSES).astype("int32"), rng.uniform(-1, 1, (n,) + SHAPE).astype("float32")


def test_predict_returns_one_image_per_condition_with_fresh_noise():
    gan = make_gan()
    images = gan.predict(np.array([0, 0, 1]), verbose=0)
    assert images.shape == (3,) + SHAPE
    assert not np.allclose(images[0], images[1])  # same class, different noise


def test_explicit_noise_makes_call_deterministic():
    gan = make_gan()
    noise = np.ones((2, LATENT), "float32")
    a = gan(np.array([1, 2]), noise=noise)
    np.testing.assert_allclose(a, gan(np.array([1, 2]), noise=noise))


@pytest.mark.parametrize("conditioning", ["concat", "projection"])
def test_config_and_keras_file_round_trip(conditioning, tmp_path):
    gan = make_gan(conditioning, mismatch_weight=0.5)
    gan.compile()
    labels, images = data()
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)
    assert_config_roundtrip(gan)
    noise = np.random.default_rng(1).standard_normal((4, LATENT)).astype("float32")
    loaded = assert_keras_roundtrip(gan, np.array([0, 1, 2, 3]), tmp_path, noise=noise)
    assert loaded.mismatch_weight == 0.5
    assert loaded.adversarial_loss == gan.adversarial_loss
    assert int(loaded.generator_optimizer.iterations) == int(gan.generator_optimizer.iterations) == 2
    for a, b in zip(loaded.discriminator_optimizer.variables, gan.discriminator_optimizer.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b))


def trainable(model):
    return [np.asarray(v).copy() for v in model.trainable_variables]


def test_train_step_updates_both_networks():
    gan = make_gan()
    gan.compile()
    g0, d0 = trainable(gan.generator), trainable(gan.discriminator)
    labels, images = data()
    logs = gan.train_step((tf.constant(labels), tf.constant(images)))
    assert all(weights_changed(g0, trainable(gan.generator)))
    assert all(weights_changed(d0, trainable(gan.discriminator)))
    assert set(logs) == {"d_loss", "d_real", "d_fake", "d_mismatch", "g_loss", "g_adv"}
    assert all(np.isfinite(float(v)) for v in logs.values())
    expected = float(logs["d_real"]) + float(logs["d_fake"]) + float(logs["d_mismatch"])
    np.testing.assert_allclose(float(logs["d_loss"]), expected, rtol=1e-5)


def test_generator_update_leaves_discriminator_untouched():
    gan = make_gan()
    gan.compile(discriminator_optimizer=keras.optimizers.SGD(0.0), generator_optimizer=keras.optimizers.SGD(0.5))
    d0 = trainable(gan.discriminator)
    labels, images = data()
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)
    assert not any(weights_changed(d0, trainable(gan.discriminator)))


def test_discriminator_update_leaves_generator_untouched():
    gan = make_gan()
    gan.compile(generator_optimizer=keras.optimizers.SGD(0.0), discriminator_optimizer=keras.optimizers.SGD(0.5))
    g0 = trainable(gan.generator)
    labels, images = data()
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)
    assert not any(weights_changed(g0, trainable(gan.generator)))


class _BatchSizes(keras.layers.Layer):
    """Identity that records the batch size of every call (eager only)."""

    seen = []

    def call(self, x):
        if x.shape[0] is not None:
            _BatchSizes.seen.append(int(x.shape[0]))
        return x


def test_discriminator_scores_real_fake_and_mismatch_in_one_call():
    g = networks.conditional_generator(SHAPE, CLASSES, latent_dim=LATENT, base_filters=8)
    image, label = keras.Input(SHAPE), keras.Input((), dtype="int32")
    inner = networks.conditional_discriminator(SHAPE, CLASSES, base_filters=8)
    d = keras.Model([image, label], inner([_BatchSizes()(image), label]))
    gan = ConditionalGAN(g, d, condition=CLASSES)
    gan.compile(run_eagerly=True)
    labels, images = data(8)
    _BatchSizes.seen.clear()
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)
    assert _BatchSizes.seen == [24, 8]  # D step: [real|c, fake|c, real|wrong]; G step: fake


def test_mismatch_weight_zero_is_the_plain_cgan():
    gan = make_gan(mismatch_weight=0.0)
    gan.compile()
    labels, images = data()
    history = gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)
    assert "d_mismatch" not in history.history
    np.testing.assert_allclose(
        history.history["d_loss"][0], history.history["d_real"][0] + history.history["d_fake"][0], rtol=1e-5
    )


def test_wrong_condition_is_never_the_true_one_and_covers_the_others():
    condition = ClassCondition(5)
    true = tf.constant(np.repeat(np.arange(5), 400), "int32")
    seed = iter(range(100))
    draw = lambda sampler, shape, **kw: sampler((len(true),) + shape, seed=[next(seed), 0], **kw)
    wrong = condition.wrong(true, draw).numpy()
    assert not np.any(wrong == true.numpy())
    for c in range(5):
        assert set(wrong[true.numpy() == c]) == set(range(5)) - {c}


@pytest.mark.parametrize("loss", ["bce", "hinge", "lsgan", "wgan-gp"])
def test_every_adversarial_loss_trains(loss):
    gan = make_gan()
    gan.compile(adversarial_loss=loss, r1_weight=1.0 if loss == "bce" else 0.0)
    labels, images = data()
    history = gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert ("d_penalty" in history.history) == (loss in ("bce", "wgan-gp"))


def test_evaluate_reports_losses_without_training():
    gan = make_gan()
    gan.compile()
    networks_weights = lambda: [np.asarray(w).copy() for w in gan.generator.weights + gan.discriminator.weights]
    before = networks_weights()
    labels, images = data()
    result = gan.evaluate(labels, images, batch_size=8, verbose=0, return_dict=True)
    assert np.isfinite(result["d_loss"]) and np.isfinite(result["g_loss"])
    assert not any(weights_changed(before, networks_weights()))


def test_fit_validates_on_validation_data_and_names_bad_validation_targets():
    gan = make_gan()
    gan.compile()
    labels, images = data()
    history = gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, validation_data=(labels[:8], images[:8]))
    assert np.isfinite(history.history["val_d_loss"][-1]) and np.isfinite(history.history["val_g_loss"][-1])
    with pytest.raises(ValueError, match=r"validation_data\[1\]: targets must be in \[-1, 1\]"):
        gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, validation_data=(labels[:8], 3 * images[:8]))
    split = gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, validation_split=0.25)
    assert np.isfinite(split.history["val_g_loss"][-1])
    bad = tf.data.Dataset.from_tensor_slices((labels[:8], 3 * images[:8])).batch(8)  # values seen only in the graph
    with pytest.raises(ValueError, match=r"The validation targets must be in \[-1, 1\].* at the validation data"):
        gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, validation_data=bad)


# ------------------------------------------------------------------ bad input


def test_fit_before_compile_says_so():
    labels, images = data()
    with pytest.raises(RuntimeError, match="compile"):
        make_gan().fit(labels, images, epochs=1, verbose=0)


def test_float_labels_are_refused():
    gan = make_gan()
    gan.compile()
    labels, images = data()
    with pytest.raises(ValueError, match="integer"):
        gan.fit(labels.astype("float32"), images, epochs=1, verbose=0)


def test_labels_out_of_range_are_refused():
    gan = make_gan()
    gan.compile()
    labels, images = data()
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        gan.fit(labels + 1, images, epochs=1, verbose=0)


def test_labels_out_of_range_in_a_dataset_stop_the_step():
    gan = make_gan()
    gan.compile()
    labels, images = data()
    ds = tf.data.Dataset.from_tensor_slices((labels + 1, images)).batch(8)
    # One line naming the batch, as for targets (it was TensorFlow's graph error).
    with pytest.raises(ValueError, match=r"^The dataset's conditions are not valid at epoch 1, batch 0: class ids "
                       r"must be < num_classes=4; training stopped before this batch updated any weight\.$"):
        gan.fit(ds, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"conditions are not valid at batch 0: .* evaluation stopped"):
        gan.evaluate(ds, verbose=0)


def test_targets_of_the_wrong_shape_are_refused():
    gan = make_gan()
    gan.compile()
    labels, _ = data()
    ds = tf.data.Dataset.from_tensor_slices((labels, np.zeros((16, 16, 16, 1), "float32"))).batch(8)
    with pytest.raises(ValueError, match=r"\(16, 16, 1\)"):
        gan.fit(ds, epochs=1, verbose=0)


def test_dataset_without_targets_is_refused():
    gan = make_gan()
    gan.compile()
    with pytest.raises(ValueError, match=r"\(condition, target\)"):
        gan.fit(tf.data.Dataset.from_tensor_slices(np.arange(4)).batch(2), epochs=1, verbose=0)


def test_mismatched_networks_are_refused_at_construction():
    g = networks.conditional_generator(SHAPE, CLASSES, latent_dim=LATENT, base_filters=8)
    d = networks.conditional_discriminator((16, 16, 1), CLASSES, base_filters=8)
    with pytest.raises(ValueError, match=r"\(8, 8, 1\).*\(16, 16, 1\)"):
        ConditionalGAN(g, d, condition=CLASSES)


def test_user_networks_work_unchanged():
    noise, label = keras.Input((3,)), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([noise, keras.layers.Embedding(CLASSES, 3)(label)])
    g = keras.Model([noise, label], keras.layers.Reshape(SHAPE)(keras.layers.Dense(64, activation="tanh")(h)))
    image, label2 = keras.Input(SHAPE), keras.Input((), dtype="int32")
    f = keras.layers.Concatenate()([keras.layers.Flatten()(image), keras.layers.Embedding(CLASSES, 3)(label2)])
    d = keras.Model([image, label2], keras.layers.Dense(1)(f))
    gan = ConditionalGAN(g, d, condition=CLASSES)
    gan.compile()
    labels, images = data()
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0)
    assert gan.predict(np.array([1, 2]), verbose=0).shape == (2,) + SHAPE


def test_discriminator_with_several_outputs_per_sample_is_refused():
    g = networks.conditional_generator(SHAPE, CLASSES, latent_dim=LATENT, base_filters=8)
    image, label = keras.Input(SHAPE), keras.Input((), dtype="int32")
    d = keras.Model([image, label], keras.layers.Conv2D(1, 3, padding="same")(image))
    with pytest.raises(ValueError, match="one logit per sample"):
        ConditionalGAN(g, d, condition=CLASSES)


def test_bad_constructor_arguments_name_themselves():
    with pytest.raises(ValueError, match="mismatch_weight"):
        make_gan(mismatch_weight=-1)
    with pytest.raises(ValueError, match="num_classes"):
        ClassCondition(1)
    with pytest.raises(ValueError, match="conditioning"):
        networks.conditional_discriminator(SHAPE, CLASSES, conditioning="film")
    # Keras' 'Received: output_dim=0' / 'units=0' / 'filters=0' and a TypeError for a shape given as a number
    # named nothing the caller passed.
    for build, kwargs, message in [
        (networks.conditional_generator, {"latent_dim": 0}, "`latent_dim` must be an int >= 1. Received: latent_dim=0"),
        (networks.conditional_generator, {"base_filters": 0}, "`base_filters` must be an int >= 1"),
        (networks.conditional_discriminator, {"base_filters": 2.5}, "`base_filters` must be an int >= 1"),
        (networks.conditional_generator, {"image_shape": 8}, "`image_shape` must be (height, width, channels)"),
        (networks.conditional_discriminator, {"image_shape": 8}, "`image_shape` must be (height, width, channels)"),
    ]:
        with pytest.raises(ValueError, match=re.escape(message)):
            build(**{"image_shape": SHAPE, "num_classes": CLASSES, **kwargs})


def test_diversity_term_enters_the_generator_loss_and_vanishes_without_noise():
    gan = make_gan(diversity_weight=0.5)
    gan.compile()
    labels, images = data()
    logs = {k: v[-1] for k, v in gan.fit(labels, images, batch_size=8, epochs=1, verbose=0).history.items()}
    assert logs["g_diversity"] > 0.0, logs
    np.testing.assert_allclose(logs["g_loss"], logs["g_adv"] - 0.5 * logs["g_diversity"], rtol=1e-5)

    gan = make_gan(diversity_weight=0.5)
    project = gan.generator.get_layer("project")  # Dense on [noise, condition code]
    kernel = np.asarray(project.kernel)
    kernel[:LATENT] = 0.0  # samples no longer depend on the noise
    project.kernel.assign(kernel)
    project.trainable = False
    gan.compile()
    logs = gan.fit(labels, images, batch_size=8, epochs=1, verbose=0).history
    assert logs["g_diversity"][-1] == 0.0, logs


def test_diversity_term_alone_pushes_samples_of_one_condition_apart():
    gan = make_gan(diversity_weight=1.0, diversity_limit=10.0, adversarial_weight=0.0)
    gan.compile(generator_optimizer=keras.optimizers.SGD(0.5))
    labels, images = data(32)
    variety = gan.fit(labels, images, batch_size=8, epochs=4, verbose=0).history["g_diversity"]
    assert variety[-1] > 1.5 * variety[0], variety


def test_diversity_warmup_ramps_the_weight_in_the_training_step():
    labels, images = data()
    gan = make_gan(diversity_weight=0.5, diversity_warmup=4)
    gan.compile()
    for done, weight in [(0, 0.0), (1, 0.125), (2, 0.25), (9, 0.5)]:  # generator steps taken -> weight
        gan.generator_optimizer.iterations.assign(done)
        logs = gan.train_on_batch(labels[:8], images[:8], return_dict=True)
        assert logs["g_diversity"] > 0.0, logs
        np.testing.assert_allclose(logs["g_loss"], logs["g_adv"] - weight * logs["g_diversity"], rtol=1e-5, atol=1e-6)


def test_diversity_limit_caps_the_term():
    gan = make_gan(diversity_weight=1.0, diversity_limit=1e-3)  # far below what two draws differ by
    gan.compile()
    labels, images = data()
    logs = gan.fit(labels, images, batch_size=8, epochs=1, verbose=0).history
    np.testing.assert_allclose(logs["g_diversity"][-1], 1e-3, rtol=1e-5)


def test_diversity_stride_takes_every_kth_example_of_the_batch():
    gan = make_gan(diversity_weight=1.0, diversity_limit=10.0)
    labels = tf.constant(np.arange(7) % CLASSES, "int32")
    calls = []
    generate = gan.generate

    def recording(condition, noise=None, training=False):
        out = generate(condition, noise=noise, training=training)
        calls.append((np.asarray(condition), np.asarray(noise), np.asarray(out)))
        return out

    object.__setattr__(gan, "generate", recording)
    seed = np.asarray(gan.seed_state)
    _, every = gan.with_diversity(0.0, {}, labels, training=False)
    condition, noise, out = calls[-1]
    assert len(condition) == 14  # both draws of all 7 in one call
    per_example = lambda d: np.abs(d).reshape(len(d), -1).mean(1)
    ratios = np.minimum(per_example(out[:7] - out[7:]) / (per_example(noise[:7] - noise[7:]) + 1e-8), 10.0)
    np.testing.assert_allclose(float(every["g_diversity"]), ratios.mean(), rtol=1e-5)

    gan.diversity_stride = 3
    gan.seed_state.assign(seed)  # the same noise draws
    _, strided = gan.with_diversity(0.0, {}, labels, training=False)
    condition, _, _ = calls[-1]
    np.testing.assert_array_equal(condition, np.tile(np.asarray(labels)[[0, 3, 6]], 2))
    np.testing.assert_allclose(float(strided["g_diversity"]), ratios[[0, 3, 6]].mean(), rtol=1e-5)


def test_diversity_settings_survive_config_and_keras_file(tmp_path):
    gan = make_gan(diversity_weight=0.25, diversity_limit=2.0, diversity_stride=2, diversity_warmup=100)
    gan.compile()
    assert_config_roundtrip(gan)
    noise = np.ones((2, LATENT), "float32")
    loaded = assert_keras_roundtrip(gan, np.array([1, 2]), tmp_path, noise=noise)
    assert (loaded.diversity_weight, loaded.diversity_limit, loaded.diversity_warmup) == (0.25, 2.0, 100)
    assert loaded.diversity_stride == 2


def test_diversity_arguments_name_themselves():
    gan = make_gan(diversity_weight=0.25, diversity_limit=2.0)
    # The refusals, on the same networks (built once).
    refused = lambda **kwargs: ConditionalGAN(gan.generator, gan.discriminator, condition=CLASSES, **kwargs)  # noqa: E731
    with pytest.raises(ValueError, match="diversity_weight"):
        refused(diversity_weight=-1.0)
    with pytest.raises(ValueError, match="diversity_limit"):
        refused(diversity_weight=1.0, diversity_limit=0.0)
    with pytest.raises(ValueError, match="diversity_warmup"):
        refused(diversity_weight=1.0, diversity_warmup=-1)
    for stride in (0, 1.5, True):
        with pytest.raises(ValueError, match="diversity_stride"):
            refused(diversity_weight=1.0, diversity_stride=stride)
    assert (gan.get_config()["diversity_weight"], gan.get_config()["diversity_limit"]) == (0.25, 2.0)


def test_translation_shifts_each_image_d_sees_by_at_most_its_share():
    gan = make_gan(translation=0.25)  # 8-pixel images: up to 2 pixels each way
    image = tf.random.stateless_uniform((1,) + SHAPE, seed=(0, 1))
    moved = np.asarray(gan._translated(tf.tile(image, [64, 1, 1, 1]), blocks=2))  # two blocks of 32 rows
    # The image under every shift from -3 to 3 on both axes, in one call of `translate` (one row per shift).
    candidates = [(dy, dx) for dy in range(-3, 4) for dx in range(-3, 4)]
    shifted = np.asarray(translate(tf.tile(image, [len(candidates), 1, 1, 1]), tf.constant(candidates)))
    shifts = []
    for out in moved:
        fits = [shift for shift, candidate in zip(candidates, shifted) if np.array_equal(candidate, out)]
        assert len(fits) == 1, fits
        shifts.append(fits[0])
    shifts = np.array(shifts)
    # Every shift from -2 to 2 on both axes, drawn per image: the two blocks differ row by row.
    assert set(shifts[:, 0]) == set(shifts[:, 1]) == {-2, -1, 0, 1, 2}, shifts
    assert np.any(shifts[:32] != shifts[32:]), shifts
    with pytest.raises(ValueError, match="translation"):
        make_gan(translation=0.5)


def test_translation_applies_while_training_only_and_survives_config(tmp_path):
    gan = make_gan(translation=0.25)
    gan.compile()
    labels, images = data()
    condition, images = gan.prepare_condition(labels), tf.constant(images)
    unmoved = np.reshape(gan.discriminator([images, condition], training=False), [-1])
    # Evaluation sees the images as they are; training sees them shifted.
    np.testing.assert_allclose(gan._heads(images, condition, training=False)[0], unmoved, atol=1e-6)
    assert np.abs(np.asarray(gan._heads(images, condition, training=True)[0]) - unmoved).max() > 1e-4
    gan.translation = 0.0  # the only difference
    np.testing.assert_allclose(gan._heads(images, condition, training=True)[0], unmoved, atol=1e-6)
    gan.translation = 0.25
    assert gan.fit(labels, images, batch_size=8, epochs=1, verbose=0).history["d_loss"][-1] > 0
    assert_config_roundtrip(gan)
    loaded = assert_keras_roundtrip(gan, np.array([1, 2]), tmp_path, noise=np.ones((2, LATENT), "float32"))
    assert loaded.translation == 0.25


@pytest.mark.parametrize("loss", ["bce", "wgan-gp"])
def test_translation_with_a_gradient_penalty_trains(loss):
    gan = make_gan(translation=0.25)
    gan.compile(adversarial_loss=loss, r1_weight=1.0 if loss == "bce" else 0.0)
    before = [np.asarray(w).copy() for w in gan.discriminator.trainable_weights]
    labels, images = data()
    logs = gan.fit(labels, images, batch_size=8, epochs=1, verbose=0).history
    assert np.isfinite(logs["d_penalty"][-1]) and logs["d_penalty"][-1] > 0, logs
    assert all(weights_changed(before, [np.asarray(w) for w in gan.discriminator.trainable_weights]))


def test_translation_of_samples_that_are_not_images_is_refused():
    noise, label = keras.Input((4,)), keras.Input((), dtype="int32")
    code = keras.layers.Embedding(CLASSES, 4)(label)
    g = keras.Model([noise, label], keras.layers.Dense(16)(keras.layers.Concatenate()([noise, code])))
    sample, label_d = keras.Input((16,)), keras.Input((), dtype="int32")
    d = keras.Model([sample, label_d], keras.layers.Dense(1)(sample))
    assert ConditionalGAN(g, d, condition=CLASSES).translation == 0.0
    with pytest.raises(ValueError, match="`translation` shifts images"):
        ConditionalGAN(g, d, condition=CLASSES, translation=0.1)


@pytest.mark.parametrize("shape", [(32, 64, 3), (8, 16, 1), (20, 12, 3), (6, 10, 1)])
def test_the_generator_builds_non_square_and_odd_image_shapes(shape):
    generator = networks.conditional_generator(shape, num_classes=3, base_filters=4, latent_dim=4)
    assert tuple(generator.output.shape[1:]) == shape


def test_digits_shuffle_seed_reorders_the_same_split():
    from keras_cgan.data import digits

    def labels_and_sums(**kwargs):
        batches = list(digits.dataset(898, **kwargs).as_numpy_iterator())
        (labels, images), = batches
        return labels, np.round(images.reshape(len(images), -1).sum(1), 4)

    base = labels_and_sums(seed=0)
    again = labels_and_sums(seed=0, shuffle_seed=1)
    other_split = labels_and_sums(seed=1)
    assert sorted(base[1]) == sorted(again[1])  # the same digits...
    assert not np.array_equal(base[1], again[1])  # ...in another order
    assert sorted(base[1]) != sorted(other_split[1])  # `seed` alone picks another half


def test_a_design_the_discriminator_lacks_says_which_conditioning_builds_it():
    from keras_cgan.models.conditional_gan import presets

    with pytest.raises(ValueError, match=r"`design='acgan'`.*conditioning='acgan' or 'concat_acgan'.*design=None"):
        presets.build(SHAPE, CLASSES, preset="tiny", design="acgan")


def test_noise_of_another_width_is_named_and_lists_are_taken():
    gan = make_gan()
    assert gan.generate([1, 2], noise=[[0.0] * LATENT] * 2).shape == (2,) + SHAPE
    with pytest.raises(ValueError, match=rf"`noise` must have shape \[batch, \*\({LATENT},\)\].*\(2, 5\)"):
        gan.generate([1, 2], noise=np.zeros((2, 5), "float32"))  # was Keras' "Input 0 ... is incompatible"


@pytest.mark.parametrize("conditioning, named", [
    ("concat", "with a `conditioning='concat'` discriminator (one logit)"),  # was: a 'single' discriminator
    ("two_head", "with a 'two_head' discriminator"),
    ("acgan", "and `auxiliary_weight=0`"),
])
def test_a_weight_that_leaves_the_generator_no_loss_is_refused(conditioning, named):
    # `fit` trained D alone and left G as initialised, silently.
    weights = {"auxiliary_weight": 0.0} if conditioning == "acgan" else {}
    labels, images = data(8)
    gan = make_gan(conditioning, adversarial_weight=0.0, **weights)
    gan.compile()
    with pytest.raises(ValueError, match=r"`adversarial_weight=0` " + re.escape(named) + r" leaves? the generator no "
                                         r"loss term: `fit` would train the discriminator alone.*`diversity_weight > 0`"):
        gan.fit(labels, images, batch_size=4, epochs=1, verbose=0)
    # It is refused at `fit`, not when built: a model saved so (the supervised baseline once documented) loads.
    again = ConditionalGAN.from_config(gan.get_config())
    assert again.adversarial_weight == 0.0


def test_the_conditioning_of_a_built_discriminator_is_read_off_its_layers():
    # Errors name the `conditioning` the user built D with, not the internal design 'single'.
    for conditioning, read in [("concat", "concat"), ("projection", "projection"), ("none", "none"), ("acgan", None)]:
        d = networks.conditional_discriminator(SHAPE, CLASSES, conditioning=conditioning, base_filters=8,
                                               spectral_norm=conditioning == "none")
        assert conditioning_of(d) == read
    image, condition = keras.Input(SHAPE), keras.Input(())
    own = keras.Model([image, condition], keras.layers.Dense(1, name="realism")(keras.layers.Flatten()(image)))
    assert conditioning_of(own) is None  # was 'none': the builder's layer name, on another's model
    assert "with a one-logit discriminator leaves" in str(pytest.raises(
        ValueError, ConditionalGAN(networks.conditional_generator(SHAPE, CLASSES, latent_dim=LATENT, base_filters=8),
                                   own, condition=CLASSES, adversarial_weight=0.0)._check_generator_loss).value)


def test_without_the_adversarial_term_a_classifier_or_the_mode_seeking_term_trains_the_generator():
    labels, images = data(8)
    for gan in (make_gan("acgan", adversarial_weight=0.0), make_gan("tacgan", adversarial_weight=0.0),
                *(make_gan(c, adversarial_weight=0.0, diversity_weight=1.0) for c in ("concat", "two_head", "acgan"))):
        gan.compile()
        before = [np.asarray(w).copy() for w in gan.generator.trainable_weights]
        gan.train_on_batch(labels, images)
        assert all(weights_changed(before, gan.generator.trainable_weights))
