"""`predict` and `generate` check a user's conditions alike whatever way they come: arrays, a `tf.data` dataset,
a `keras.Input`, or a graph tensor in a user's `tf.function`.

Each test failed before its fix.
"""

import re

import numpy as np
import pytest
import tensorflow as tf

from keras_cgan.models.input_checks import NonFiniteDataError
from tests import families


@pytest.fixture(scope="module")
def built():
    """`built(family)`: the family's tiny untrained GAN, built once for the module's tests."""
    gans = {}

    def gan(family):
        if family not in gans:
            gans[family] = families.build(family)
        return gans[family]

    return gan


def _dataset(conditions):
    return tf.data.Dataset.from_tensor_slices(conditions).batch(2)


# ------------------------------------------------------ a dataset's values


# StackGAN's class ids: ConditionalGAN's `prepare_condition`, which "conditional" runs.
@pytest.mark.parametrize("family", ["conditional", "pix2pix", "segan", "next_frame"])
def test_predict_on_a_dataset_checks_the_values_its_arrays_would_be_checked_for(family, built):
    # Only SEGAN checked a dataset's batches in `predict`: Pix2Pix and NextFrameGAN generated from condition
    # images out of [-1, 1], or holding NaN, which `predict` refuses as arrays.
    gan = built(family)
    conditions, _ = families.data(family, 4)
    if conditions.dtype.kind == "i":  # class ids: the condition's own in-graph check
        bad, message = conditions + 4, "The dataset's conditions are not valid at batch 0: class ids must be <"
    else:
        bad, message = conditions * 3, "The dataset's conditions must be in [-1, 1] (the targets' range); at batch 0"
    with pytest.raises(ValueError, match=re.escape(message)):
        gan.predict(_dataset(bad), verbose=0)
    if conditions.dtype.kind == "f":
        bad = conditions.copy()
        bad[3].flat[0] = np.nan
        with pytest.raises(NonFiniteDataError, match=re.escape("hold NaN or inf at batch 1; prediction stopped.")):
            gan.predict(_dataset(bad), verbose=0)
    samples = gan.predict(_dataset(conditions), verbose=0)  # good batches predict as before
    assert samples.shape == (4, *families.SHAPES[family][1]) and np.isfinite(samples).all()


def test_predict_on_arrays_and_on_a_dataset_runs_one_traced_step(built, monkeypatch):
    # Arrays, checked on the host, had a step of their own without the in-graph check of their values (a key of the
    # model's state): a model predicting arrays and a dataset traced its step twice, and a run nested in
    # `predict(arrays)` (a callback's `evaluate` of a dataset) skipped the check of its conditions.
    gan = built("pix2pix")  # the step and the checks are GANModel's, shared by every family
    conditions, _ = families.data("pix2pix", 4)
    traces, predict_step = [], gan.predict_step
    monkeypatch.setattr(gan, "predict_step", lambda data: traces.append(data) or predict_step(data))
    gan.make_predict_function(force=True)  # traced afresh, with the spy
    for run in (lambda: gan.predict(conditions, batch_size=2, verbose=0), lambda: gan.predict(_dataset(conditions))):
        assert np.isfinite(run()).all()
    assert len(traces) == 1
    bad = conditions.copy()
    bad[3].flat[0] = np.nan
    with pytest.raises(NonFiniteDataError, match=re.escape("x: ") + r".* must be finite; x\[3\] holds nan"):
        gan.predict(bad, verbose=0)


# ------------------------------------------------- a subclass's generate on a keras.Input


@pytest.mark.parametrize("family", ["conditional", "pix2pix", "segan"])  # StackGAN's node: test_api_edges.py
def test_a_subclass_generate_on_a_keras_input_does_its_work_once(family, built):
    # `halved.generate(keras.Input(...))` reached the model's call through `super().generate(...)`; the call ran
    # the subclass's `generate` inside the node, and the subclass halved the node's output again: a quarter.
    import keras

    gan = built(family)

    halved = families.halved(gan)
    conditions, _ = families.data(family, 4)
    inputs = [keras.Input(conditions.shape[1:], dtype=str(conditions.dtype))]
    given = [conditions]
    if gan.noise_shape is not None:
        inputs.append(keras.Input(gan.noise_shape))
        given.append(np.random.default_rng(1).normal(size=(4, *gan.noise_shape)).astype("float32"))
    wrapped = keras.Model(inputs, halved.generate(inputs[0], noise=inputs[1] if len(inputs) > 1 else None))
    expected = 0.5 * np.asarray(gan.generate(conditions, noise=given[1] if len(given) > 1 else None))
    np.testing.assert_allclose(np.asarray(wrapped(given)), expected, atol=1e-6)


def test_a_subclass_generate_on_a_keras_input_passes_its_noise_and_refuses_arguments_the_node_drops(built):
    # The node runs `self.generate(condition, noise=..., training=...)`: `noise` given through a subclass's
    # `**kwargs` was dropped (samples from fresh noise), and another argument (`scale`) silently took its default.
    import keras

    gan = built("conditional")

    class Scaled(type(gan)):
        def generate(self, condition, scale=0.5, **kwargs):
            return super().generate(condition, **kwargs) * scale

    scaled = Scaled.from_config(gan.get_config())
    scaled.set_weights(gan.get_weights())
    conditions, noise = np.arange(4) % 4, np.random.default_rng(1).normal(size=(4, *gan.noise_shape))
    inputs = [keras.Input((), dtype="int32"), keras.Input(gan.noise_shape)]
    wrapped = keras.Model(inputs, scaled.generate(inputs[0], noise=inputs[1]))
    expected = 0.5 * np.asarray(gan.generate(conditions, noise=noise.astype("float32")))
    np.testing.assert_allclose(np.asarray(wrapped([conditions, noise])), expected, atol=1e-6)
    with pytest.raises(ValueError, match=re.escape("passes on `noise` and `training` only: 'scale' would not")):
        scaled.generate(inputs[0], scale=0.25)


def test_a_subclass_generate_takes_its_condition_by_its_own_name_or_through_args(built):
    # The wrapper that sends a `keras.Input` to the model's call took the condition as `condition`: a subclass's
    # `generate(self, labels, ...)` called with `labels=...` met a TypeError ("missing ... 'condition'"), on arrays
    # and on a `keras.Input` alike.
    import keras

    gan = built("conditional")

    class Named(type(gan)):
        def generate(self, labels, noise=None, training=False):
            return super().generate(labels, noise=noise, training=training) * 0.5

    class Passed(type(gan)):  # all passed on: the node gets `noise` given after the condition, by position too
        def generate(self, *args, **kwargs):
            return super().generate(*args, **kwargs) * 0.5

    conditions, noise = np.arange(4) % 4, np.random.default_rng(1).normal(size=(4, *gan.noise_shape)).astype("float32")
    inputs = [keras.Input((), dtype="int32"), keras.Input(gan.noise_shape)]
    for subclass, name in ((Named, "labels"), (Passed, "condition")):
        model = subclass.from_config(gan.get_config())
        expected = 0.5 * np.asarray(type(gan).generate(model, conditions, noise=noise))  # the model's own weights
        np.testing.assert_allclose(np.asarray(model.generate(**{name: conditions}, noise=noise)), expected, atol=1e-6)
        # `Named` on a `keras.Input` given by its own name; `Passed` through `*args`, the noise by position.
        outputs = model.generate(labels=inputs[0], noise=inputs[1]) if subclass is Named else model.generate(*inputs)
        np.testing.assert_allclose(np.asarray(keras.Model(inputs, outputs)([conditions, noise])), expected, atol=1e-6)


def test_stackgan_generate_stages_on_a_keras_input_makes_a_node_as_generate_does():
    # `generate` on a `keras.Input` went through the model's call; `generate_stages` prepared the `keras.Input` with
    # TensorFlow ops and failed in Keras' "A KerasTensor cannot be used as input to a TensorFlow function".
    import keras

    from keras_cgan.models.stack_gan import build_default

    gan = build_default((4, 8), 4, latent_dim=4, code_dim=2, base_filters=4, active_stages=2, seed=0)  # not compiled
    conditions, noise = np.arange(4) % 4, np.random.default_rng(1).normal(size=(4, *gan.noise_shape)).astype("float32")
    inputs = [keras.Input((), dtype="int32"), keras.Input(gan.noise_shape)]
    for stages in (None, 1):  # the active stages (2); fewer
        images, stats = gan.generate_stages(inputs[0], noise=inputs[1], stages=stages)
        assert len(images) == (stages or gan.stages())
    want_images, want_stats = gan.generate_stages(conditions, noise=noise, stages=1)
    for got, want in zip(keras.Model(inputs, [*images, stats])([conditions, noise]), [*want_images, want_stats]):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-6)
    with pytest.raises(ValueError, match=re.escape("`noise` has width 3; this StackGAN takes noise of width 6")):
        gan.generate_stages(inputs[0], noise=keras.Input((3,)))


def test_the_methods_that_run_on_values_refuse_a_keras_input_by_name(built):
    # `predict(keras.Input(...))` met "int() argument must be ... not 'NoneType'", `predict_on_batch` "You cannot
    # convert it to a NumPy array" (as did `NextFrameGAN.rollout` and `SEGAN.enhance`), `fit` "object of type
    # 'KerasTensor' has no len()".
    import keras

    gan = built("conditional")
    conditions, targets = families.data("conditional", 4)
    labels, images = keras.Input((), dtype="int32"), keras.Input(targets.shape[1:])
    for run, name in (
        (lambda: gan.predict(labels, verbose=0), "x"),
        (lambda: gan.predict_on_batch(labels), "x"),
        (lambda: gan.fit(labels, targets, verbose=0), "x"),
        (lambda: gan.evaluate(conditions, images, verbose=0), "y"),
        (lambda: gan.fit(conditions, targets, validation_data=(labels, targets), verbose=0), "validation_data[0]"),
        (lambda: built("next_frame").rollout(keras.Input((2, 8, 8, 1)), 2), "context"),
        (lambda: built("segan").enhance(keras.Input((families.WINDOW,))), "waveform"),
    ):
        with pytest.raises(ValueError, match=re.escape(f"`{name}` is a `keras.Input` (symbolic") + ".* `gan.generate"):
            run()


# ---------------------------------------- sizes a user's tf.function leaves unknown


# Class ids (two shapes: asserted) and images (one shape: asserted, then set); SEGAN's and NextFrameGAN's sizes are
# checked by the same code.
@pytest.mark.parametrize("family", ["conditional", "pix2pix"])
def test_a_condition_of_the_wrong_size_in_a_tf_function_is_named(family, built):
    # With sizes left unknown (`TensorSpec([None, None, None, 1])`) a wrong size met TensorFlow's own error deep in
    # the generator (a concat, a TypeError in SEGAN's de-emphasis) or, in Pix2Pix and ConditionalGAN, made
    # samples of another shape, or twice as many, without a word.
    gan = built(family)
    conditions, _ = families.data(family, 4)
    if conditions.ndim == 1:  # class ids: `[batch]` or `[batch, 1]`
        conditions, wrong = conditions[:, None], np.stack([conditions] * 2, 1)
    else:
        wrong = conditions[:, : conditions.shape[1] // 2]
    expected = " or ".join(str(shape) for shape in gan.sample_shapes()["conditions"])

    @tf.function(input_signature=[tf.TensorSpec([None] * wrong.ndim, conditions.dtype)])
    def generate(condition):
        return gan.generate(condition)

    assert generate(conditions).shape == (4, *families.SHAPES[family][1])
    said = f"condition: conditions must have shape {expected} per sample, as the model takes them"
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(said)):
        generate(wrong)

    @tf.function(input_signature=[tf.TensorSpec([None, *wrong.shape[1:]], conditions.dtype)])
    def generate_static(condition):
        return gan.generate(condition)

    with pytest.raises(ValueError, match=r"ValueError: condition: .* shape"):  # known as it traces: the library's
        generate_static(wrong)
