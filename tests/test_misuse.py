"""Misuses of the Python API: each gets a clear error naming the thing and the value, or a correct result.

One test per misuse: the silent cases (data
out of range or NaN, unchecked predict conditions, a sigmoid discriminator,
sample weights, unknown-word captions) and the unclear ones (an error from
deep inside TensorFlow before).
"""

import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import ConditionalGAN, export, networks
from keras_cgan.data import captions
from keras_cgan.models.input_checks import NonFiniteDataError
from tests import families

SHAPE, CLASSES = (8, 8, 1), 4


@pytest.fixture(scope="module")
def gan():
    """A compiled tiny class-conditional GAN (4 classes, 8x8x1), not trained."""
    return families.build("conditional")


@pytest.fixture(scope="module")
def pairs():
    return families.data("conditional", 16)


# ----------------------------------------------------- silent before: data


def test_uint8_image_targets_are_refused(gan, pairs):
    labels, images = pairs
    with pytest.raises(ValueError, match=r"y: targets must be float values in \[-1, 1\]; got dtype uint8.*127\.5"):
        gan.fit(labels, ((images + 1) * 127.5).astype("uint8"), epochs=1, verbose=0)


def test_float_image_targets_in_0_255_are_refused(gan, pairs):
    labels, images = pairs
    with pytest.raises(ValueError, match=r"y: targets must be in \[-1, 1\].*from 0\.\d+ to 254\.\d+.*x / 127\.5 - 1"):
        gan.fit(labels, (images + 1) * 127.5, epochs=1, verbose=0)


def test_out_of_range_targets_in_a_dataset_stop_the_first_step(pairs):
    gan = families.build("conditional")
    labels, images = pairs
    before = [np.asarray(w).copy() for w in gan.weights]
    ds = tf.data.Dataset.from_tensor_slices((labels, (images + 1) * 127.5)).batch(8)
    with pytest.raises(ValueError, match=r"dataset's targets must be in \[-1, 1\].*; at epoch 1, batch 0 they hold values from .* to 25\d"):
        gan.fit(ds, epochs=1, verbose=0)
    for w, kept in zip(gan.weights, before):
        np.testing.assert_array_equal(np.asarray(w), kept)


def test_pix2pix_uint8_on_both_sides_is_refused():
    gan = families.build("pix2pix")
    gray, color = families.data("pix2pix", 4)
    with pytest.raises(ValueError, match=r"x: condition images must be float values in \[-1, 1\]; got dtype uint8"):
        gan.fit(((gray + 1) * 127.5).astype("uint8"), ((color + 1) * 127.5).astype("uint8"), verbose=0)
    with pytest.raises(ValueError, match=r"x: condition images must be in \[-1, 1\].*to 2\d\d"):
        gan.predict((gray + 1) * 127.5, verbose=0)


def test_standardised_conditions_get_the_scaling_hint_not_the_pcm_one():
    gan = families.build("pix2pix")
    gray, color = families.data("pix2pix", 4)
    standardised = (gray - gray.mean()) / gray.std() * 3  # mean 0, values beyond [-1, 1]
    with pytest.raises(ValueError, match=r"x: condition images must be in \[-1, 1\] \(the targets' range\).*"
                                         r"np\.abs\(x\)\.max\(\)") as raised:
        gan.predict(standardised, verbose=0)
    assert "PCM" not in str(raised.value)
    ds = tf.data.Dataset.from_tensor_slices((gray, color * 3)).batch(4)
    with pytest.raises(ValueError, match=r"dataset's targets must be in \[-1, 1\] \(the generator's output "
                                         r"range\).*np\.abs\(x\)\.max\(\)") as raised:
        gan.fit(ds, epochs=1, verbose=0)
    assert "PCM" not in str(raised.value)


def test_segan_enhance_refuses_int16_pcm_and_out_of_range_floats():
    gan = families.build("segan")
    pcm = (np.sin(np.arange(600) * 0.05) * 16000).astype("int16")
    with pytest.raises(ValueError, match=r"waveform: `enhance` samples must be float .*dtype int16.*32768"):
        gan.enhance(pcm)
    with pytest.raises(ValueError, match=r"waveform: `enhance` samples must be in \[-1, 1\].*from -15999 to 15999"):
        gan.enhance(pcm.astype("float32"))
    assert gan.enhance(pcm / 32768.0).shape == (600,)  # scaled PCM is fine


def test_nan_target_stops_before_the_weights_are_written(pairs):
    gan = families.build("conditional")
    labels, images = pairs
    images = images.copy()
    images[11] = np.nan  # batch 2 of 4-sample batches
    with pytest.raises(NonFiniteDataError, match=r"y: targets must be finite; y\[11\] holds nan"):
        gan.fit(labels, images, batch_size=4, epochs=1, verbose=0)
    seen = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append([np.asarray(w).copy() for w in gan.weights]))
    ds = tf.data.Dataset.from_tensor_slices((labels, images)).batch(4)
    with pytest.raises(NonFiniteDataError, match=r"targets hold NaN or inf at epoch 1, batch 2; training stopped before this batch updated any weight"):
        gan.fit(ds, epochs=1, verbose=0, callbacks=[record])
    assert len(seen) == 2
    for w, last_good in zip(gan.weights, seen[-1]):
        np.testing.assert_array_equal(np.asarray(w), last_good)  # batch 2 wrote nothing
    assert all(np.all(np.isfinite(np.asarray(w))) for w in gan.weights)


# ------------------------------------------------ silent before: predict


def test_predict_refuses_one_hot_labels(gan):
    with pytest.raises(ValueError, match=r"x: class conditions must be integer ids; got dtype float64.*argmax"):
        gan.predict(np.eye(CLASSES)[:3], verbose=0)
    with pytest.raises(ValueError, match=r"x: class conditions must have shape \[batch\] or \[batch, 1\]; got \(3, 4\)"):
        gan.predict(np.eye(CLASSES, dtype="int32")[:3], verbose=0)


def test_predict_refuses_images_as_conditions(gan, pairs):
    _, images = pairs
    with pytest.raises(ValueError, match=r"x: class conditions must be integer ids; got dtype float32"):
        gan.predict(images, verbose=0)
    with pytest.raises(ValueError, match=r"condition: class conditions must have shape .*got \(2, 8, 8, 1\)"):
        gan(np.zeros((2,) + SHAPE, "int32"))


def test_predict_refuses_float_class_ids(gan):
    with pytest.raises(ValueError, match=r"x: class conditions must be integer ids; got dtype float64"):
        gan.predict([3.9], verbose=0)
    with pytest.raises(ValueError, match=r"condition: class ids must be in \[0, 4\); got values from 7 to 7"):
        gan(7)


# ------------------------------------------- silent before: construction


def test_sigmoid_discriminator_is_refused_at_compile():
    g = networks.conditional_generator(SHAPE, CLASSES, latent_dim=4, base_filters=8)
    image, label = keras.Input(SHAPE), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([keras.layers.Flatten()(image), keras.layers.Embedding(CLASSES, 3)(label)])
    d = keras.Model([image, label], keras.layers.Dense(1, activation="sigmoid", name="score")(h))
    gan = ConditionalGAN(g, d, condition=CLASSES)
    with pytest.raises(ValueError, match=r"ends in a sigmoid \(layer 'score'\), but adversarial_loss='bce'.*logits"):
        gan.compile(adversarial_loss="bce")
    reshaped = keras.Model([image, label], keras.layers.Reshape((1,))(keras.layers.Activation("softmax", name="s")(keras.layers.Dense(1)(h))))
    with pytest.raises(ValueError, match=r"ends in a softmax \(layer 's'\)"):
        ConditionalGAN(g, reshaped, condition=CLASSES).compile()


def test_an_adversarial_loss_the_library_does_not_name_is_refused_at_compile(gan):
    from keras_cgan import losses

    custom = losses.AdversarialLoss("softplus2", *losses.get("bce")[1:])
    with pytest.raises(ValueError, match=r"adversarial_loss.*Received: adversarial_loss='softplus2'"):
        gan.compile(adversarial_loss=custom)
    impostor = losses.AdversarialLoss("hinge", *losses.get("bce")[1:])  # would train as hinge
    with pytest.raises(ValueError, match=r"another AdversarialLoss under a listed name.*name='hinge'"):
        gan.compile(adversarial_loss=impostor)
    gan.compile(adversarial_loss=losses.AdversarialLoss(*losses.get("hinge")))  # an equal copy is the same loss
    assert gan.adversarial_loss == "hinge"


def test_batch_norm_in_a_discriminator_that_scores_real_and_fake_together_is_warned_of():
    from keras_cgan import Pix2Pix

    g = networks.conditional_generator(SHAPE, CLASSES, latent_dim=4, base_filters=8)
    image, label = keras.Input(SHAPE), keras.Input((), dtype="int32")
    inner = keras.Sequential(
        [keras.Input(SHAPE), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(name="bn")]
    )
    h = keras.layers.Concatenate()([keras.layers.Flatten()(inner(image)), keras.layers.Embedding(CLASSES, 3)(label)])
    d = keras.Model([image, label], keras.layers.Dense(1)(h))
    with pytest.warns(UserWarning, match=r"`discriminator` holds batch normalization \(layer 'bn'\): ConditionalGAN"):
        ConditionalGAN(g, d, condition=CLASSES)
    # Pix2Pix scores real and fake pairs apart under batch norm: nothing to warn of.
    unet = networks.unet_generator((16, 16, 1), 3, base_filters=4)
    patch = networks.patch_discriminator((16, 16, 1), (16, 16, 3), receptive_field=16, base_filters=4, norm="batch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Pix2Pix(unet, patch)


def test_sample_weight_is_refused(gan, pairs):
    labels, images = pairs
    with pytest.raises(ValueError, match=r"do not take `sample_weight`.*Received: sample_weight=array"):
        gan.fit(labels, images, sample_weight=np.ones(16), verbose=0)


def test_dataset_of_3_tuples_is_refused(gan, pairs):
    labels, images = pairs
    ds = tf.data.Dataset.from_tensor_slices((labels, images, np.ones(16, "float32"))).batch(8)
    with pytest.raises(ValueError, match=r"do not take `sample_weight`.*a dataset of 3-tuples"):
        gan.fit(ds, verbose=0)
    with pytest.raises(ValueError, match=r"do not take `sample_weight`"):
        gan.evaluate(labels, images, sample_weight=np.ones(16), verbose=0)


def test_caption_of_only_unknown_words_is_refused():
    vec = captions.vectorizer(["a red circle", "a blue square"], sequence_length=6)
    with pytest.raises(ValueError, match=r"caption 1 \('zebra giraffe'\) has words the vectorizer does not know: "
                                         r"\['zebra', 'giraffe'\].*and no other word"):
        captions.vectorize(vec, ["a red square", "zebra giraffe"])
    with pytest.warns(UserWarning, match=r"does not know: \['zebra'\]"):  # one unknown word among known ones
        assert captions.vectorize(vec, ["a zebra square"]).shape == (1, 6)
    with pytest.raises(ValueError, match=r"more than sequence_length=6 tokens, the longest caption 0 .* 7: their last"):
        captions.vectorize(vec, ["a red circle at the top left"])
    assert captions.vectorize(vec, [b"a red circle"]).shape == (1, 6)  # bytes, as tf.data and numpy hold them
    with pytest.raises(ValueError, match="give a list of captions, not one string"):
        captions.vectorize(vec, "a red circle")
    from keras_cgan import TextCondition

    with pytest.raises(ValueError, match=r"x: caption\(s\) at row\(s\) \[1\] hold only the unknown-word id 1"):
        TextCondition(8, 3).check(np.array([[2, 3, 0], [1, 1, 0]]), "x")
    with pytest.raises(ValueError, match=r"group 0 must hold token ids; got \['red', 'blue'\].*from_vectorizer"):
        TextCondition(8, 3, 0.5, [["red", "blue"]])


# ------------------------------------------------------- unclear before


def test_networks_built_for_fewer_classes_are_refused_at_construction():
    g = networks.conditional_generator(SHAPE, 5, latent_dim=4, base_filters=8)
    d = networks.conditional_discriminator(SHAPE, 5, base_filters=8)
    with pytest.raises(ValueError, match=r"generator's embedding '\w+' has input_dim=5, but the condition ClassCondition has 10 ids"):
        ConditionalGAN(g, d, condition=10)
    g10 = networks.conditional_generator(SHAPE, 10, latent_dim=4, base_filters=8)
    with pytest.raises(ValueError, match=r"discriminator's embedding '\w+' has input_dim=5"):
        ConditionalGAN(g10, d, condition=10)


def test_one_optimizer_for_both_networks_is_refused(gan):
    optimizer = keras.optimizers.Adam(1e-3)
    with pytest.raises(ValueError, match=r"are the same optimizer object \(Adam '\w+'\)"):
        gan.compile(generator_optimizer=optimizer, discriminator_optimizer=optimizer)


def test_empty_data_is_refused(gan, pairs):
    labels, images = pairs
    short = tf.data.Dataset.from_tensor_slices((labels, images)).batch(32, drop_remainder=True)
    with pytest.raises(ValueError, match=r"dataset is empty \(cardinality 0\)"):
        gan.fit(short, verbose=0)
    unknown = tf.data.Dataset.from_tensor_slices((labels, images)).filter(lambda c, x: c > 9).batch(4)
    with pytest.raises(ValueError, match=r"`fit` ran no training step"):
        gan.fit(unknown, verbose=0)
    with pytest.raises(ValueError, match=r"`x` holds no samples \(shape \(0,\)\)"):
        gan.fit(labels[:0], images[:0], verbose=0)


def test_steps_per_epoch_not_a_multiple_of_steps_per_execution_warns_with_the_steps_trained(pairs):
    labels, images = pairs
    gan = families.build("conditional", steps_per_execution=2)
    ds = tf.data.Dataset.from_tensor_slices((labels, images)).batch(4).repeat()
    with pytest.warns(UserWarning, match=r"`steps_per_epoch=3`.*`steps_per_execution=2`.*trains 4 steps"):
        gan.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)
    assert int(gan.generator_optimizer.iterations) == 4  # what the warning says Keras does
    short = tf.data.Dataset.from_tensor_slices((labels, images)).batch(4).take(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # data that ends with the epoch: nothing to warn of
        gan.fit(short, steps_per_epoch=3, epochs=1, verbose=0, diagnose=False)
    assert int(gan.generator_optimizer.iterations) == 7


def test_python_ints_and_lists_are_conditions(gan):
    assert tuple(gan(3).shape) == (1,) + SHAPE
    assert tuple(gan([3, 1]).shape) == (2,) + SHAPE
    assert gan.predict([3, 1], verbose=0).shape == (2,) + SHAPE
    noise = np.zeros((2, gan.noise_shape[0]), "float32")
    np.testing.assert_allclose(gan([3, 1], noise=noise), gan(np.array([3, 1]), noise=noise))


def test_save_to_h5_is_refused_before_writing(gan, tmp_path):
    path = tmp_path / "gan.h5"
    with pytest.raises(ValueError, match=r"saves to a `\.keras` file.*filepath='.*gan\.h5'.*gan\.keras"):
        gan.save(str(path))
    assert not path.exists()


def test_loading_a_segan_generator_names_the_missing_class(tmp_path):
    from keras_cgan.models.segan import streaming

    gan = families.build("segan")
    generator = gan.generator
    path, on_device = str(tmp_path / "g.keras"), str(tmp_path / "on_device.keras")
    generator.save(path)
    streaming.on_device_generator(gan).save(on_device)  # its `ZeroNoise`: registered by `streaming` alone
    # Keras imports only its own packages while loading, never keras_cgan: a
    # plain load without `import keras_cgan` names the class (not first);
    # after it, every class the library registers is found.
    script = (f"import keras\ntry:\n    keras.models.load_model({path!r})\nexcept Exception as e:\n    print(e)\n"
              f"import keras_cgan\nprint('loaded', keras.models.load_model({on_device!r}).name)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120).stdout
    assert "Could not locate class 'DeEmphasis'" in out and "keras_cgan.models.segan.emphasis" in out
    assert "loaded segan_on_device" in out
    # keras_cgan's loader puts the missing class first and says what to import.
    registry = keras.saving.get_custom_objects()
    kept = {name: registry.pop(name) for name in list(registry) if name.endswith("Emphasis")}
    try:
        with pytest.raises(ValueError, match=r"^'.*g\.keras' uses the class 'DeEmphasis', which is not registered.*`import keras_cgan`"):
            export.load_generator(path)
    finally:
        registry.update(kept)
    assert export.load_generator(path).name == generator.name


def test_check_parity_refuses_an_out_of_range_condition(tmp_path):
    gan = families.build("conditional")
    path = str(tmp_path / "g.onnx")
    export.to_onnx(gan, path)
    noise = np.zeros((2, gan.noise_shape[0]), "float32")
    with pytest.raises(ValueError, match=r"inputs\['condition'\]: class ids must be in \[0, 4\); got values from 1 to 12"):
        export.check_parity(gan, path, inputs={"noise": noise, "condition": np.array([1, 12], "int32")})
    with pytest.raises(ValueError, match=r"inputs\['condition'\]: ids must be in \[0, 4\).*from 1 to 12"):
        export.check_parity(gan.generator, path, inputs={"noise": noise, "condition": np.array([1, 12], "int32")})
    assert export.check_parity(gan, path, inputs={"noise": noise, "condition": np.array([1, 3], "int32")}).passed


def test_export_checks_each_id_input_against_its_own_embedding_and_names_the_argument(tmp_path):
    from keras import layers

    from keras_cgan.export import generator as generator_lib

    label, tokens, noise = (keras.Input((1,), dtype="int32", name="label"), keras.Input((3,), dtype="int32",
                            name="tokens"), keras.Input((2,), name="noise"))
    codes = [layers.Flatten()(layers.Embedding(4, 2)(label)),
             layers.GlobalAveragePooling1D()(layers.Embedding(100, 2)(tokens))]
    generator = keras.Model([label, tokens, noise], layers.Dense(2)(layers.Concatenate()(codes + [noise])))
    assert generator_lib.id_limits(generator) == {"label": 4, "tokens": 100}
    encoder = keras.Model([label, tokens], layers.Concatenate()(codes))
    outer = [keras.Input((1,), dtype="int32", name="c"), keras.Input((3,), dtype="int32", name="t")]
    assert generator_lib.id_limits(keras.Model(outer, encoder(outer))) == {"c": 4, "t": 100}  # nested: each its own
    assert export.example_inputs(generator, 64, seed=0)["tokens"].max() >= 4  # not capped at the label's 4
    valid = {"label": np.array([[3]]), "tokens": np.array([[99, 50, 7]]), "noise": np.zeros((1, 2), "float32")}
    assert export.serving_request(generator, valid)["instances"][0]["tokens"] == [99, 50, 7]
    with pytest.raises(ValueError, match=r"inputs\['label'\]: ids must be whole numbers. Received: \[3.9\]"):
        export.serving_request(generator, dict(valid, label=np.array([[3.9]])))
    with pytest.raises(ValueError, match=r"representative_data\['label'\]: ids must be whole numbers. Received: \[3.9\]"):
        export.to_tflite(generator, str(tmp_path / "g.tflite"), quantization="int8",
                         representative_data=dict(valid, label=np.array([[3.9]])))
    with pytest.raises(ValueError, match=r"representative_data\['label'\]: ids must be in \[0, 4\)"):
        export.to_tflite(generator, str(tmp_path / "g.tflite"), quantization="int8",
                         representative_data=dict(valid, label=np.array([[100.0]])))  # whole, but too large
    with pytest.raises(ValueError, match=r"representative_data\['tokens'\]: ids must be in \[0, 100\)"):
        export.to_tflite(generator, str(tmp_path / "g.tflite"), quantization="int8",
                         representative_data=dict(valid, tokens=np.array([[100, 0, 0]])))
    dashed = keras.Input((2,), name="class-id")
    with pytest.raises(ValueError, match=r"input 'class-id': .*starting with a letter.*keras.Input\(name='class_id'\)"):
        export.to_saved_model(keras.Model(dashed, layers.Dense(2)(dashed)), str(tmp_path / "sm"))
    assert not (tmp_path / "sm").exists()


def test_a_float32_generator_with_an_unregistered_layer_or_a_lambda_exports_as_it_is(tmp_path):
    from keras import layers

    class Twice(layers.Layer):  # not registered: its config cannot be rebuilt
        def call(self, x):
            return 2.0 * x

    noise = keras.Input((3,), name="noise")
    generator = keras.Model(noise, layers.Lambda(lambda x: x - 1.0)(Twice()(layers.Dense(2)(noise))))
    assert export.to_onnx(generator, str(tmp_path / "g.onnx")).passed


def test_a_single_condition_as_a_0_d_array_or_tensor_an_empty_batch_and_none_for_defaults():
    from keras_cgan.models.conditional_gan import presets

    gan = presets.build((8, 8, 1), 10, preset="tiny", generator_optimizer=None, embedding_dim=None)
    assert isinstance(gan.generator_optimizer, keras.optimizers.Adam)  # None: the default optimizer
    for single in (np.array(3), tf.constant(3), np.int64(3)):
        assert gan.predict(single, verbose=0).shape == (1, 8, 8, 1)
    for empty in (np.zeros((0,), "int32"), []):
        with pytest.raises(ValueError, match="`x` holds no conditions"):
            gan.predict(empty)


def test_the_library_networks_raise_no_batch_norm_warning_and_stack_gan_names_each_stage():
    from keras_cgan import StackGAN

    for family in families.FAMILIES:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            families.build(family)
        assert not [w for w in caught if "batch normalization" in str(w.message)], family

    def with_batch_norm(d):
        inputs = [keras.Input(t.shape[1:], dtype=t.dtype) for t in d.inputs]
        return keras.Model(inputs, d([keras.layers.BatchNormalization(name="bn")(inputs[0])] + inputs[1:]))

    gan = families.build("stackgan")
    first, last = gan.discriminators
    for discriminators, named in (([first, with_batch_norm(last)], r"discriminators\[-1\]"),
                                  ([with_batch_norm(first), last], r"discriminators\[0\]")):
        with pytest.warns(UserWarning, match=f"`{named}` holds batch normalization") as caught:
            StackGAN(gan.generators, discriminators, gan.condition_encoder, gan.condition)
        assert caught[0].filename == __file__  # the user's line, not the library's


def test_jit_compile_with_the_data_checks_is_refused_and_runs_without_them(pairs):
    gan = families.build("conditional")  # its own: the shared model keeps its checks
    with pytest.raises(ValueError, match=r"`jit_compile`: XLA compiles no assertion.*check_data=False"):
        gan.compile(jit_compile=True)  # the step failed on clean data: its checks' messages are strings
    gan.compile(jit_compile=True, check_data=False)
    labels, images = pairs
    assert np.isfinite(gan.fit(labels[:8], images[:8], batch_size=4, verbose=0).history["g_loss"][0])


def test_a_saved_jit_compile_with_the_data_checks_warns_at_the_load_line(gan):
    config = keras.saving.serialize_keras_object(gan)
    config["compile_config"]["jit_compile"] = True  # saved before `compile` refused it
    with pytest.warns(UserWarning, match="asks for jit_compile=True with check_data=True") as caught:
        loaded = keras.saving.deserialize_keras_object(config)
    assert caught[0].filename == __file__  # the user's line (was: Keras' serialization_lib.py)
    assert loaded.jit_compile is False


def test_python_generators_and_py_datasets_of_pairs_train(gan, pairs):
    labels, images = pairs

    def batches():
        while True:
            yield labels[:4], images[:4]

    class Pairs(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return labels[4 * index : 4 * index + 4], images[4 * index : 4 * index + 4]

    # Both were refused with "`fit(x, y)` needs targets `y`" though the targets are in the pairs.
    assert gan.fit(batches(), steps_per_epoch=2, verbose=0).history["g_loss"]
    assert gan.fit(Pairs(), verbose=0).history["g_loss"]


def test_a_dataset_of_unknown_sizes_trains_and_a_wrong_rank_is_still_named(gan, pairs):
    labels, images = pairs
    spec = (tf.TensorSpec((), tf.int32), tf.TensorSpec((None, None, 1), tf.float32))  # a decode_png pipeline's
    unknown = tf.data.Dataset.from_generator(lambda: zip(labels[:8], images[:8]), output_signature=spec).batch(4)
    assert gan.fit(unknown, verbose=0).history["g_loss"]
    flat = tf.data.Dataset.from_tensor_slices((labels[:8], images[:8, :, :, 0])).batch(4)
    with pytest.raises(ValueError, match=r"targets have shape \(8, 8\) per sample"):
        gan.fit(flat, verbose=0)


def test_conditions_of_unknown_sizes_are_taken_and_known_wrong_ones_named():
    from keras_cgan.conditions import ClassCondition, TagsCondition

    tags = TagsCondition(["blue hair", "red hair", "red eyes"])
    tags.check(tf.TensorSpec((None, None), tf.float32), "dataset condition")  # from_generator's spec
    ClassCondition(4).check(tf.TensorSpec(None, tf.int32), "dataset condition")  # unknown rank
    with pytest.raises(ValueError, match=r"tag conditions must have shape \[batch, 3\]"):
        tags.check(tf.TensorSpec((None, 4), tf.float32), "dataset condition")


def test_noise_predict_on_batch_and_evaluate_misuse_name_the_argument(pairs):
    gan = families.build("conditional")
    labels, images = pairs
    assert gan(labels[:2], noise=[[0.1] * 4] * 2).shape == (2, 8, 8, 1)  # a Python list ("cannot mix tensors")
    with pytest.raises(ValueError, match=r"`noise` must have shape \[batch, \*\(4,\)\], one row per condition \(2"):
        gan(labels[:2], noise=np.zeros((3, 4), "float32"))  # a Concatenate graph error before
    assert gan.predict_on_batch([1, 2]).shape == (2, 8, 8, 1)  # a StridedSlice error before
    with pytest.raises(ValueError, match=r"x: class ids must be in \[0, 4\)"):
        gan.predict_on_batch(np.array([9, 9]))  # a graph error before
    uncompiled = ConditionalGAN(gan.generator, gan.discriminator, condition=4)
    with pytest.raises(RuntimeError, match=r"must be compiled before `evaluate`"):
        uncompiled.evaluate(labels[:4], images[:4], verbose=0)
