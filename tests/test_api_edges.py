"""Edges of the shared model API a Keras user meets: a subclass's `generate`, graph tensors of unknown rank, a
frozen network, empty Keras arguments, and callbacks counting steps on data of unknown size.

Each test failed before its fix (the work done twice, an error naming nothing, a crash in `apply_gradients`, a
refusal, or steps counted that never ran).
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_cgan.callbacks import CollapseMonitor, KeepBestGenerator
from tests import families


def _noise(gan, rows):
    return None if gan.noise_shape is None else np.random.default_rng(1).normal(size=(rows,) + gan.noise_shape)


# ------------------------------------------------------- a subclass's generate


@pytest.mark.parametrize("family", ["conditional", "segan", "stackgan"])
def test_a_subclass_generate_calling_super_does_its_work_once(family):
    # `gan.generate(...)` on a user's batch went through the model's call, which ran the subclass's `generate`
    # again: its work was done twice (here: a quarter, not a half), for arrays and tensors alike.
    gan = families.build(family)

    halved = families.halved(gan)
    conditions, _ = families.data(family, 4)
    noise = _noise(gan, 4)
    expected = 0.5 * np.asarray(gan.generate(conditions, noise=noise))  # the family's own, the same weights
    for given in (conditions, tf.constant(conditions)):
        np.testing.assert_allclose(np.asarray(halved.generate(given, noise=noise)), expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(halved(conditions, noise=noise)), expected, atol=1e-6)


@pytest.mark.parametrize("family", ["conditional", "segan", "stackgan"])
def test_generate_on_a_keras_input_makes_a_functional_model(family):
    # `gan.generate(keras.Input(...))` raised "A KerasTensor cannot be used as input to a TensorFlow function".
    import keras

    gan = families.build(family)
    conditions, _ = families.data(family, 4)
    inputs = keras.Input(conditions.shape[1:], dtype=str(conditions.dtype))
    wrapped = keras.Model(inputs, gan.generate(inputs))
    samples = np.asarray(wrapped(conditions))
    assert samples.shape == np.asarray(gan.generate(conditions)).shape and np.isfinite(samples).all()


# ------------------------------------------------- tensors of unknown rank


@pytest.mark.parametrize("family, way", [("conditional", "generate"), ("pix2pix", "call")])
def test_a_condition_of_unknown_rank_in_a_tf_function_generates(family, way):
    # `tf.TensorSpec(None)` in a signature: "Cannot take the length of shape with unknown rank", naming nothing.
    gan = families.build(family)
    conditions, _ = families.data(family, 4)
    noise = [] if gan.noise_shape is None else [np.float32(_noise(gan, 4))]  # pix2pix draws none
    signature = [tf.TensorSpec(None, tf.as_dtype(a.dtype)) for a in [conditions, *noise]]

    @tf.function(input_signature=signature)
    def generate(condition, *noise):
        noise = noise[0] if noise else None
        return gan.generate(condition, noise=noise) if way == "generate" else gan(condition, noise=noise)

    expected = np.asarray(gan.generate(conditions, noise=noise[0] if noise else None))
    np.testing.assert_allclose(np.asarray(generate(conditions, *noise)), expected, atol=1e-6)
    wrong = np.zeros((4, 3), conditions.dtype) if family == "conditional" else conditions[:, :10]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"keras_cgan shape check: conditions"):
        generate(wrong, *noise)  # checked in-graph, as the step checks a dataset's unknown sizes


# ------------------------------------------------------------ frozen networks


@pytest.mark.parametrize("frozen, update", [("generator", "alternating"), ("discriminator", "simultaneous")])
def test_a_frozen_network_stays_put_while_the_other_trains(frozen, update):
    # `gan.generator.trainable = False` to train D alone: "not enough values to unpack" in `apply_gradients`.
    gan = families.build("conditional", optimizer="sgd", learning_rate=0.1, update=update)
    getattr(gan, frozen).trainable = False
    trained = "discriminator" if frozen == "generator" else "generator"
    before = {name: [np.asarray(w).copy() for w in getattr(gan, name).weights] for name in (frozen, trained)}
    labels, images = families.data("conditional", 4)
    logs = gan.train_on_batch(labels, images, return_dict=True)
    assert np.isfinite(logs["d_loss"]) and np.isfinite(logs["g_loss"])
    for w, kept in zip(getattr(gan, frozen).weights, before[frozen]):
        np.testing.assert_array_equal(np.asarray(w), kept)
    moved = [not np.array_equal(np.asarray(w), kept) for w, kept in zip(getattr(gan, trained).weights, before[trained])]
    assert any(moved)
    optimizers = {"generator": gan.generator_optimizer, "discriminator": gan.discriminator_optimizer}
    assert {name: int(optimizer.iterations) for name, optimizer in optimizers.items()} == {frozen: 0, trained: 1}


def test_a_frozen_stage_leaves_the_loss_scale_to_a_stage_that_trains():
    # Under float16 the loss was scaled by the first stage's optimizer, frozen here: its scale, never lowered by a
    # step it skips, kept the other stage's gradients overflowing, so that stage never trained (scale falling).
    import keras

    keras.config.set_dtype_policy("mixed_float16")
    try:
        gan = families.build("stackgan", optimizer="sgd", learning_rate=0.01)
    finally:
        keras.config.set_dtype_policy("float32")
    gan.discriminators[0].trainable = False
    frozen, trained = gan.discriminator_optimizers
    frozen.dynamic_scale.assign(2.0**40)  # a scale that overflows float16 gradients
    x, y = families.data("stackgan", 4)
    gan.train_on_batch(x, y)
    assert int(trained.iterations) == 1 and float(trained.dynamic_scale) == 2.0**15
    assert int(frozen.iterations) == 0 and float(frozen.dynamic_scale) == 2.0**40


# ------------------------------------------------- empty Keras arguments


def test_empty_metrics_losses_and_class_weights_mean_none():
    gan = families.build("conditional")
    labels, images = families.data("conditional", 4)
    gan.compile(metrics=[], loss={}, weighted_metrics=(), loss_weights=None)  # refused: `metrics` "is not used"
    history = gan.fit(labels, images, batch_size=4, verbose=0, diagnose=False, class_weight={})
    assert np.isfinite(history.history["g_loss"][0])
    for unused in ({"metrics": ["mae"]}, {"weighted_metrics": ["mae"]}, {"loss_weights": [2.0]}):
        name = next(iter(unused))  # the last two were taken, and silently did nothing
        with pytest.raises(ValueError, match=rf"`{name}` is not used by a GAN; pass `generator_optimizer`"):
            gan.compile(**unused)
    with pytest.raises(ValueError, match=r"GANs do not take `sample_weight` \(nor `class_weight`\).*"
                                         r"Received: class_weight=\{0: 2\.0\}"):
        gan.fit(labels, images, class_weight={0: 2.0})


# ------------------------------- callbacks counting steps on data of unknown size


def test_callbacks_count_the_steps_that_ran_on_data_of_unknown_size():
    # 5 batches an epoch of a `from_generator` dataset at 2 steps per execution: each epoch's last execution runs 1
    # step, but was counted 2, so KeepBestGenerator scored after steps 2, 4, 5, 7, 9 and 10 (its history saying 6,
    # 8, 10 and 12), and CollapseMonitor, which also counted 2 for the execution Keras begins to find the data
    # ended, checked after step 5 for no multiple of 4.
    gan = families.build("conditional")
    gan.compile(steps_per_execution=2)
    labels, images = families.data("conditional", 20)
    data = tf.data.Dataset.from_generator(
        lambda: ((labels[i:i + 4], images[i:i + 4]) for i in range(0, 20, 4)),
        output_signature=(tf.TensorSpec((None,), "int32"), tf.TensorSpec((None, 8, 8, 1), "float32")))
    assert int(data.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    steps = lambda: gan._steps_run("train")  # noqa: E731
    first = steps()
    scored, checked = [], []
    keep = KeepBestGenerator(lambda model: scored.append(steps() - first) or 0.0, every=2, restore_best=False)
    monitor = CollapseMonitor(every=4)
    check = monitor.check

    def counted(logs, batch=None):
        if batch is not None:  # not an epoch's end
            checked.append(steps() - first)
        return check(logs, batch=batch)

    monitor.check = counted
    gan.fit(data, epochs=2, verbose=0, callbacks=[keep, monitor])
    assert steps() - first == 10
    assert scored == [2, 4, 7, 9, 10] and [at for at, _ in keep.history] == scored
    # Before the executions that reach steps 4 and 8, and before the one that would reach 12 and finds no data.
    assert checked == [2, 7, 10]
