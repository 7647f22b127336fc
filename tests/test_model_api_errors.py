"""The shared model API's errors: data of shapes (or row counts) a dataset leaves unknown, in `fit`, `evaluate`
and `predict`, structures where one batch belongs, a failed check that must not count a step, and a user's
`CallbackList`.

Each test failed before its fix (a TensorFlow shape error, a traceback, or a step counted).
"""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests import families


@pytest.fixture(scope="module")
def gan():
    """A compiled tiny class-conditional GAN (4 classes, 8x8x1); tests that train build their own."""
    return families.build("conditional")


def _unknown(conditions, targets, rank=False):
    """A `from_generator` dataset of one batch whose spec leaves every size (or the rank) unknown."""
    def spec(a):
        return tf.TensorSpec((None,) * a.ndim if rank else None, tf.as_dtype(a.dtype))

    return tf.data.Dataset.from_generator(lambda: iter([(conditions, targets)]),
                                          output_signature=(spec(conditions), spec(targets)))


def _counts(gan):
    return int(gan.generator_optimizer.iterations), int(gan.discriminator_optimizer.iterations)


# ------------------------------------------------- sizes a dataset leaves unknown


@pytest.mark.parametrize("rank", [False, True], ids=["unknown-rank", "unknown-sizes"])
def test_targets_of_a_wrong_size_in_an_unknown_shape_dataset_are_named(rank):
    gan = families.build("conditional")
    labels, _ = families.data("conditional", 4)
    before = [np.asarray(w).copy() for w in gan.weights]
    wide = np.zeros((4, 10, 8, 1), "float32")  # a ConcatOp error inside D before
    with pytest.raises(ValueError, match=r"The dataset's targets have shape \(10, 8, 1\) per sample at epoch 1, "
                                         r"batch 0, but the model takes \(8, 8, 1\); training stopped before"):
        gan.fit(_unknown(labels, wide, rank), verbose=0)
    assert _counts(gan) == (0, 0)
    for w, kept in zip(gan.weights, before):
        np.testing.assert_array_equal(np.asarray(w), kept)


def test_class_ids_of_a_wrong_size_are_named_and_ids_as_a_column_train():
    gan = families.build("conditional")
    labels, images = families.data("conditional", 4)
    assert gan.fit(_unknown(labels[:, None], images), verbose=0).history["g_loss"]  # [batch, 1] fits
    with pytest.raises(ValueError, match=r"The dataset's conditions have shape \(3,\) per sample at epoch 1, batch 0, "
                                         r"but the model takes \(\) or \(1,\)"):
        gan.fit(_unknown(np.zeros((4, 3), "int32"), images), verbose=0)  # a gradient ConcatOffset error before
    with pytest.raises(ValueError, match=r"The dataset's conditions have shape \(3,\) per sample at batch 0, "
                                         r"but the model takes .*; evaluation stopped\. \(`evaluate` checks"):  # `fit`
        gan.evaluate(_unknown(np.zeros((4, 3), "int32"), images), verbose=0)


def test_pix2pix_trains_on_an_unknown_rank_dataset_and_names_a_wrong_condition_size():
    gan = families.build("pix2pix")
    gray, color = families.data("pix2pix", 2)
    # "as_list() is not defined on an unknown TensorShape" inside the generator, even for right data, before.
    assert gan.fit(_unknown(gray, color), verbose=0).history["g_loss"]
    with pytest.raises(ValueError, match=r"The dataset's conditions have shape \(18, 16, 1\) per sample .* the model "
                                         r"takes \(16, 16, 1\).*Resize or reshape the conditions in the pipeline"):
        gan.fit(_unknown(np.zeros((2, 18, 16, 1), "float32"), color), verbose=0)


def test_a_dataset_of_single_samples_is_told_to_batch():
    gan = families.build("pix2pix")
    gray, color = families.data("pix2pix", 2)
    samples = tf.data.Dataset.from_generator(
        lambda: iter(zip(gray, color)),
        output_signature=(tf.TensorSpec(None, tf.float32), tf.TensorSpec(None, tf.float32)))
    with pytest.raises(ValueError, match=r"have shape \(16, [13]\) per sample .* the model takes \(16, 16, [13]\).* "
                                         r"Its elements look like single samples: batch the dataset"):
        gan.fit(samples, verbose=0)  # "Resize or reshape the conditions" before


def _conditions(*batches, rank=False):
    """A `from_generator` dataset of conditions alone (for `predict`), one element per batch, sizes unknown."""
    spec = tf.TensorSpec(None if rank else (None,) * batches[0].ndim, tf.as_dtype(batches[0].dtype))
    return tf.data.Dataset.from_generator(lambda: iter(batches), output_signature=spec)


@pytest.mark.parametrize("rank", [False, True], ids=["unknown-rank", "unknown-sizes"])
def test_predict_names_conditions_of_a_wrong_size_as_fit_does(gan, rank):
    labels, _ = families.data("conditional", 4)
    column, wide = labels[:, None], np.zeros((4, 3), "int32")  # both [batch, n], as the spec may state
    # A Concatenate "Dimension 0 in both shapes must be equal, but are 4 and 12" before (the batch's shape is known
    # when predict traces), and a raw graph error for a later batch (traced again with the sizes left unknown).
    message = (r"The dataset's conditions have shape \(3,\) per sample at batch {}, but the model takes \(\) or "
               r"\(1,\); prediction stopped\. \(`predict` checks the shapes")
    with pytest.raises(ValueError, match=message.format(0)):
        gan.predict(_conditions(wide, rank=rank), verbose=0)
    with pytest.raises(ValueError, match=message.format(1)):
        gan.predict(_conditions(column, wide, rank=rank), verbose=0)
    assert gan.predict(_conditions(column, column[:2], rank=rank), verbose=0).shape == (6, 8, 8, 1)


def test_pix2pix_predict_names_a_wrong_image_size_and_takes_an_unknown_rank():
    gan = families.build("pix2pix")
    gray, _ = families.data("pix2pix", 2)
    with pytest.raises(ValueError, match=r"The dataset's conditions have shape \(18, 16, 1\) per sample at batch 0, "
                                         r"but the model takes \(16, 16, 1\); prediction stopped"):
        gan.predict(_conditions(np.zeros((2, 18, 16, 1), "float32")), verbose=0)  # a Keras input-spec error before
    assert gan.predict(_conditions(gray, rank=True), verbose=0).shape == (2, 16, 16, 3)


def test_the_step_asserts_unknown_sizes_with_no_string_op():
    """A batch that passes pays for no message: every `Assert` of the step takes constant strings and ints."""
    gan = families.build("pix2pix")
    unknown = (tf.TensorSpec(None, "float32"), tf.TensorSpec(None, "float32"))
    graph = tf.function(gan.train_step).get_concrete_function(unknown).graph
    asserts = [op for op in graph.get_operations() if op.type == "Assert"]
    assert len(asserts) == 3, [op.name for op in asserts]  # the conditions' and the targets' shapes, the row counts
    for op in asserts:
        for data in op.inputs[1:]:  # the shapes' sizes were joined into a string (`StringJoin`) every step before
            assert data.dtype == tf.int32 or data.op.type == "Const", (op.name, data)


def test_conditions_and_targets_of_different_row_counts_are_named():
    gan = families.build("conditional")
    labels, images = families.data("conditional", 4)
    # A ConcatOp (or its gradient's ConcatOffset) error inside D before, or no error at all.
    with pytest.raises(ValueError, match=r"The dataset's batch holds 4 conditions but 3 targets at epoch 1, batch 0; "
                                         r"training stopped before this batch updated any weight\. Each condition"):
        gan.fit(_unknown(labels, images[:3]), verbose=0)
    assert _counts(gan) == (0, 0)

    def zipped(drop_remainder):
        return tf.data.Dataset.zip(tuple(tf.data.Dataset.from_tensor_slices(a).batch(n, drop_remainder)
                                         for a, n in ((labels, 4), (images, 3))))

    with pytest.raises(ValueError, match=r"The dataset's batch holds 4 conditions but 3 targets at batch 0; "
                                         r"evaluation stopped\."):
        gan.evaluate(zipped(False), verbose=0)
    with pytest.raises(ValueError, match=r"The dataset yields batches of 4 conditions but 3 targets; .*zip the "
                                         r"datasets before `batch`"):
        gan.fit(zipped(True), verbose=0)  # stated by the spec: refused before training
    with pytest.raises(ValueError, match=r"validation_data yields batches of 4 conditions but 3 targets"):
        gan.fit(labels, images, validation_data=zipped(True), verbose=0)
    assert _counts(gan) == (0, 0)


def test_a_python_generators_wrong_target_size_is_named():
    gan = families.build("pix2pix")
    gray, _ = families.data("pix2pix", 2)

    def batches():
        yield gray, np.zeros((2, 16, 17, 3), "float32")

    # Keras states the generator's sizes: an EnsureShape "Dimension 2 in both shapes must be equal" error before.
    with pytest.raises(ValueError, match=r"The training targets have shape \(16, 17, 3\) per sample at epoch 1, batch "
                                         r"0, but the model takes \(16, 16, 3\); training stopped before"):
        gan.fit(batches(), steps_per_epoch=1, verbose=0)


def test_without_the_data_checks_a_wrong_size_is_still_named():
    gan = families.build("pix2pix")
    gan.compile(check_data=False)
    gray, color = families.data("pix2pix", 2)
    wide = np.zeros((2, 16, 17, 3), "float32")
    # TensorFlow's "Shape of tensor ... [2,16,17,3] is not compatible with expected shape [?,16,16,3]" before.
    with pytest.raises(ValueError, match=r"The dataset's targets have shape \(16, 17, 3\) per sample at epoch 1, "
                                         r"batch 0, but the model takes \(16, 16, 3\); training stopped\. \("):
        gan.fit(_unknown(gray, wide, rank=True), verbose=0)
    with pytest.raises(ValueError, match=r"The dataset's conditions have shape \(18, 16, 1\) per sample at batch 0, "
                                         r"but the model takes \(16, 16, 1\); evaluation stopped"):
        gan.evaluate(_unknown(np.zeros((2, 18, 16, 1), "float32"), color), verbose=0)


# ------------------------------------------- a failed check counts no step


def test_a_failed_condition_check_moves_no_weight_and_counts_no_step():
    gan = families.build("conditional")
    labels, images = families.data("conditional", 4)
    before = [np.asarray(w).copy() for w in gan.weights]  # the seed state too
    bad = tf.data.Dataset.from_tensor_slices((np.array([0, 7, 1, 2], "int32"), images)).batch(4)
    with pytest.raises(ValueError, match=r"conditions are not valid at epoch 1, batch 0: class ids must be < "):
        gan.fit(bad, verbose=0)
    assert _counts(gan) == (0, 0)  # (1, 1) before: the optimizers counted a step they did not take
    for w, kept in zip(gan.weights, before):
        np.testing.assert_array_equal(np.asarray(w), kept)
    gan.fit(labels, images, batch_size=4, verbose=0)
    assert _counts(gan) == (1, 1)


def test_a_failed_condition_check_in_predict_draws_no_noise():
    gan = families.build("conditional")
    labels, _ = families.data("conditional", 4)
    before = gan.seed_state.numpy()
    bad = tf.data.Dataset.from_tensor_slices(np.array([0, 7, 1, 2], "int32")).batch(4)
    with pytest.raises(ValueError, match=r"conditions are not valid at batch 0: class ids must be < "):
        gan.predict(bad, verbose=0)
    np.testing.assert_array_equal(gan.seed_state.numpy(), before)  # advanced by one draw before
    gan.predict(labels, verbose=0)
    assert gan.seed_state.numpy()[1] > before[1]

def test_a_failed_condition_check_counts_no_stage_step_in_stackgan():
    gan = families.build("stackgan")  # two active stages, an optimizer each per role
    _, images = families.data("stackgan", 4)
    bad = tf.data.Dataset.from_tensor_slices((np.array([0, 1, 9, 2], "int32"), images)).batch(4)
    with pytest.raises(ValueError, match=r"class ids must be < num_classes=4"):
        gan.fit(bad, verbose=0)
    assert [int(o.iterations) for o in gan.generator_optimizers + gan.discriminator_optimizers] == [0] * 4


# ----------------------------------------- a structure where one batch belongs


def test_predict_refuses_a_dict_of_conditions(gan):
    labels, _ = families.data("conditional", 4)
    message = r"x: conditions must be one array or tensor of shape \[batch, \.\.\.\]; received a dict with keys \['condition'\]"
    with pytest.raises(ValueError, match=message):
        gan.predict({"condition": labels}, verbose=0)  # "Expected any non-tensor type" before
    with pytest.raises(ValueError, match=message):
        gan.predict_on_batch({"condition": labels})
    with pytest.raises(ValueError, match=r"dataset condition: conditions must be one .*received a dict"):
        gan.predict(tf.data.Dataset.from_tensor_slices({"condition": labels}).batch(2), verbose=0)  # AttributeError


def test_generate_takes_what_predict_takes(gan):
    # `generate([0, 1])` failed in a strided slice ("slice index 0 of dimension 0 out of bounds"), a numpy batch
    # with "you cannot mix tensors and non-tensors", and `[0, 9]` or strings met no check.
    noise = np.random.default_rng(0).normal(size=(2,) + gan.noise_shape).astype("float32")
    expected = np.asarray(gan.generate(tf.constant([0, 1]), noise=tf.constant(noise)))  # a step's prepared batch
    for ids in ([0, 1], np.array([0, 1]), np.array([[0], [1]]), [np.array([0, 1])]):
        np.testing.assert_allclose(np.asarray(gan.generate(ids, noise=noise)), expected, atol=1e-6)
    assert gan.generate(3).shape == (1, 8, 8, 1)
    with pytest.raises(ValueError, match=re.escape("condition: class ids must be in [0, 4); got values from 0 to 9.")):
        gan.generate([0, 9])
    with pytest.raises(ValueError, match=re.escape("condition: conditions are strings ('cat')")):
        gan.generate(["cat"])
    with pytest.raises(ValueError, match=re.escape("`noise` must have shape [batch, *(4,)], one row per condition (2 ")):
        gan.generate([0, 1], noise=noise[:1])
    with pytest.raises(ValueError, match=re.escape("`noise` must have shape [batch, *(4,)], one row per condition (2 ")):
        gan.generate([0, 1], noise=tf.Variable(noise[:1]))  # a variable has no `ndim`: Concatenate's error
    for run in (gan.generate, gan, gan.predict_on_batch):  # "class conditions must be integer ids; got dtype float64"
        with pytest.raises(ValueError, match=r"`(condition|x)` holds no conditions \(an empty batch\)"):
            run([])
    with pytest.raises(ValueError, match=r"`condition` holds no conditions \(an empty batch\)"):
        gan.generate(tf.Variable(np.zeros((0,), "int32")))  # a variable has no `ndim`: samples of shape (0, 8, 8, 8)


@pytest.mark.parametrize("family", families.FAMILIES)
def test_generate_checks_a_users_tensor_as_it_checks_arrays(family, monkeypatch):
    # A tensor was taken as a step's prepared batch: ids out of range or 5x the range gave silent output (an
    # Embedding error for ids past the table), a wrong size the networks' error, an empty batch a reduction error.
    gan = families.build(family)
    conditions, targets = families.data(family, 2)
    noise = None if gan.noise_shape is None else np.zeros((2,) + gan.noise_shape, "float32")
    np.testing.assert_allclose(np.asarray(gan.generate(tf.constant(conditions), noise=noise)),
                               np.asarray(gan.generate(conditions, noise=noise)), atol=1e-6)
    classes = family in ("conditional", "stackgan")
    bad, message = ([-1, 1], r"condition: class ids must be in \[0, 4\)") if classes else (
        conditions * 5, r"condition: .* must be in \[-1, 1\]")
    with pytest.raises(ValueError, match=message):
        gan.generate(tf.constant(bad))
    with pytest.raises(ValueError, match=r"`condition` holds no conditions \(an empty batch\)"):
        gan.generate(tf.constant(conditions[:0]))
    if family == "stackgan":  # the stages of a user's tensor too
        with pytest.raises(ValueError, match=message):
            gan.generate_stages(tf.constant(bad))
    # The steps take their prepared batches as they are: the conditions are checked once, before `fit`.
    checked = []
    check = gan.check_condition
    monkeypatch.setattr(gan, "check_condition", lambda c, where: checked.append(where) or check(c, where))
    gan.fit(conditions, targets, batch_size=1, epochs=2, verbose=0, diagnose=False)
    assert checked == ["x"]


def test_the_call_checks_a_condition_given_by_keyword(gan):
    # `gan(condition=...)` skipped the checks of `gan(...)`: ids out of range met an assert inside
    # `ConditionalGAN.call()`, a list of ids Keras' error.
    with pytest.raises(ValueError, match=re.escape("condition: class ids must be in [0, 4); got values from 0 to 9.")):
        gan(condition=tf.constant([0, 9]))
    noise = np.zeros((2,) + gan.noise_shape, "float32")
    np.testing.assert_allclose(np.asarray(gan(condition=[0, 1], noise=noise)), np.asarray(gan([0, 1], noise=noise)))


def test_fit_refuses_nested_conditions_and_targets(gan):
    labels, images = families.data("conditional", 4)
    nested = tf.data.Dataset.from_tensor_slices(((labels, labels), images)).batch(2)
    with pytest.raises(ValueError, match=r"dataset condition: conditions must be one .*received a tuple of 2"):
        gan.fit(nested, verbose=0)  # "'tuple' object has no attribute 'dtype'" before
    with pytest.raises(ValueError, match=r"dataset target: targets must be one .*received a tuple of 2"):
        gan.fit(tf.data.Dataset.from_tensor_slices((labels, (images, images))).batch(2), verbose=0)
    with pytest.raises(ValueError, match=r"validation_data condition: conditions must be one .*a tuple of 2"):
        gan.fit(labels, images, validation_data=nested, verbose=0)
    with pytest.raises(ValueError, match=r"x: conditions must be one .*received a tuple of 2"):
        gan.fit((labels, labels), images, verbose=0)  # "got 2 conditions and 4 targets" before

    def batches():
        yield (labels, labels), images

    with pytest.raises(ValueError, match=r"a batch's condition: conditions must be one .*received a tuple of 2"):
        gan.fit(batches(), steps_per_epoch=1, verbose=0)


def test_one_array_in_a_list_or_tuple_is_that_array(gan):
    labels, _ = families.data("conditional", 4)
    state = gan.seed_state.numpy()

    def sampled(run):  # each call draws its noise from the same seed state
        gan.seed_state.assign(state)
        return np.asarray(run())

    expected = sampled(lambda: gan.predict(labels, verbose=0))
    # Keras' single-input models take `[x]` and `(x,)`: "x: conditions must be one array ...; received a list of 1"
    # before.
    for run in (lambda: gan.predict([labels], verbose=0), lambda: gan.predict((labels,), verbose=0),
                lambda: gan([labels]), lambda: gan.predict_on_batch((labels,))):
        np.testing.assert_allclose(sampled(run), expected, atol=1e-6)
    with pytest.raises(ValueError, match=r"x: conditions must be one array or tensor .*received a list of 2"):
        gan.predict([labels, labels], verbose=0)


def test_a_dataset_of_one_array_tuples_trains_as_keras_takes_it():
    from keras_cgan.callbacks import CollapseMonitor

    gan = families.build("conditional")
    labels, images = families.data("conditional", 4)
    # "dataset condition: conditions must be one array or tensor ...; received a tuple of 1" before
    for pair in (((labels,), images), ((labels,), (images,))):
        data = tf.data.Dataset.from_tensor_slices(pair).batch(2)
        monitor = CollapseMonitor()
        logs = gan.fit(data, epochs=1, verbose=0, validation_data=data, callbacks=[monitor]).history
        assert np.isfinite(logs["d_loss"][0]) and np.isfinite(logs["val_g_loss"][0])
        assert monitor.targets.shape == images.shape  # probed as one array ([1, 4, 8, 8, 1] from `(t,)` before)
        assert np.isfinite(gan.evaluate(data, verbose=0, return_dict=True)["d_loss"])
        assert gan.predict(data, verbose=0).shape == images.shape
        assert gan.predict(tf.data.Dataset.from_tensor_slices((labels,)).map(lambda c: ((c,),)).batch(2),
                           verbose=0).shape == images.shape
    # Arrays as well: "`x` and `y` must hold as many samples; got 4 conditions and 1 targets" before
    for targets in ([images], (images,)):
        assert np.isfinite(gan.fit(labels, targets, batch_size=2, verbose=0).history["d_loss"][0])
    assert np.isfinite(gan.fit([labels[0]], [images[0]], verbose=0).history["d_loss"][0])  # a batch of one
    with pytest.raises(ValueError, match=r"got 4 conditions and 1 targets \(a list holding one array of 3 row\(s\)\)"):
        gan.fit(labels, [images[:3]], verbose=0)
    with pytest.raises(ValueError, match=r"got 4 conditions and 1 targets\.$"):  # a nested list is no array
        gan.fit(labels, [images[0].tolist()], verbose=0)

def test_pix2pix_refuses_a_python_list_of_images():
    gan = families.build("pix2pix")
    gray, color = families.data("pix2pix", 2)
    message = r"conditions must be one array or tensor .*received a list of 2.*`np\.stack`"
    with pytest.raises(ValueError, match="x: " + message):
        gan.predict([gray[0], gray[1]], verbose=0)  # "expects 1 named input(s)" before
    with pytest.raises(ValueError, match="condition: " + message):
        gan([gray[0], gray[1]])
    with pytest.raises(ValueError, match="x: " + message):
        gan.fit([gray[0], gray[1]], color, verbose=0)  # "'list' object has no attribute 'shape'" before
    assert gan.predict(np.stack([gray[0], gray[1]]), verbose=0).shape == (2, 16, 16, 3)


# ------------------------------------------------------- callbacks, one batch


def test_fit_and_evaluate_take_a_callback_list(gan):
    labels, images = families.data("conditional", 8)
    epochs = []
    callbacks = keras.callbacks.CallbackList([keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: epochs.append(e))])
    history = gan.fit(labels, images, batch_size=4, epochs=2, verbose=0, callbacks=callbacks)  # TypeError before
    assert epochs == [0, 1] and len(history.history["g_loss"]) == 2
    bad = images.copy()
    bad[5] = 3.0  # batch 1
    with pytest.raises(ValueError, match=r"targets must be in \[-1, 1\].*at batch 1 they hold"):
        # The CallbackList was passed as it was, without the callback that names the batch ("the first batch").
        gan.evaluate(tf.data.Dataset.from_tensor_slices((labels, bad)).batch(4), verbose=0, callbacks=callbacks)


def test_train_and_test_on_batch_keep_their_checks(gan):
    labels, images = families.data("conditional", 4)
    with pytest.raises(ValueError, match=r"`train_on_batch\(x, y\)` needs targets"):
        gan.train_on_batch(labels)
    with pytest.raises(ValueError, match=r"GANs do not take `sample_weight`"):
        gan.test_on_batch(labels, images, sample_weight=np.ones(4))
    with pytest.raises(ValueError, match=r"y: targets must be finite; y\[2\] holds nan"):
        gan.test_on_batch(labels, np.where(np.arange(4)[:, None, None, None] == 2, np.nan, images))
    assert set(gan.train_on_batch(labels, images, return_dict=True)) >= {"d_loss", "g_loss"}


def test_the_model_counts_steps_per_execution_as_the_callbacks_do():
    from keras_cgan.callbacks import KeepBestGenerator

    # Keras calls batch callbacks once per execution of 2 steps: a callback scoring every 2 steps scores when the
    # model has trained them, an epoch's short last execution (5 batches: 2, 2, 1) included.
    gan = families.build("conditional")
    gan.compile(steps_per_execution=2)
    steps = lambda model: int(model.generator_optimizer.iterations.numpy())
    scored = []
    keep = KeepBestGenerator(lambda model: scored.append(steps(model)) or 0.0, every=2, restore_best=False)
    labels, images = families.data("conditional", 20)
    gan.fit(labels, images, batch_size=4, epochs=2, verbose=0, callbacks=[keep])
    assert steps(gan) == 10
    assert scored == [2, 4, 7, 9, 10]  # at the end of the executions that reached steps 2, 4, 6, 8 and 10
    # The model's own count: steps_per_epoch=3 runs two whole executions on data that lasts; the callbacks count
    # the 4 steps (3 before: scores at steps 12, 16 and 18).
    dataset = tf.data.Dataset.from_tensor_slices((labels, images)).batch(4).repeat()
    scored.clear()
    with pytest.warns(UserWarning, match=r"`steps_per_execution=2`: .* each epoch trains 4 steps"):
        gan.fit(dataset, steps_per_epoch=3, epochs=2, verbose=0, callbacks=[keep])
    assert steps(gan) == 18
    assert scored == [12, 14, 16, 18]


def _bar_at_two_steps_per_execution(monkeypatch):
    """`(gan, (labels, images), shown)`: a tiny GAN at 2 steps per execution, 20 pairs, and the list of the
    progress bar's updates as `(step, target)`."""
    shown = []
    update = keras.utils.Progbar.update
    monkeypatch.setattr(keras.utils.Progbar, "update",
                        lambda bar, current, *a, **k: shown.append((current, bar.target)) or update(bar, current, *a, **k))
    gan = families.build("conditional")
    gan.compile(steps_per_execution=2)
    return gan, families.data("conditional", 20), shown


def test_the_progress_bar_stops_at_its_target_when_the_data_ends_within_an_execution(monkeypatch):
    # 5 batches at 2 steps per execution: Keras reports each execution's last step, 6 for the one that trains
    # batch 5 alone, and its bar showed 6/5 (the quickstart's 16/14); a user's own ProgbarLogger is left as it is.
    gan, (labels, images), shown = _bar_at_two_steps_per_execution(monkeypatch)
    data = tf.data.Dataset.from_tensor_slices((labels, images)).batch(4)
    gan.fit(data, epochs=2, verbose=1)
    assert shown == [(2, 5), (4, 5), (5, 5), (5, 5)] * 2, shown
    shown.clear()
    gan.evaluate(data, verbose=1)
    gan.predict(labels[:12], batch_size=4, verbose=1)  # 3 batches
    assert shown == [(2, 5), (4, 5), (5, 5), (5, 5), (2, 3), (3, 3), (3, 3)], shown
    shown.clear()
    gan.fit(data, verbose=1, callbacks=[keras.callbacks.ProgbarLogger()])
    assert (6, 5) in shown
    # Data of unknown size (`filter`) may outlast the epoch: `steps_per_epoch=3` trains whole executions, 4 steps,
    # and callbacks count 4 (3 before, the bar showing 4/3).
    steps = lambda: int(gan.generator_optimizer.iterations.numpy())
    before, shown[:] = steps(), []
    with pytest.warns(UserWarning, match=r"`steps_per_epoch=3` is not a multiple .* each epoch trains 4 steps"):
        gan.fit(data.filter(lambda c, t: True), steps_per_epoch=3, verbose=1)
    assert steps() - before == 4 and shown == [(2, 4), (4, 4), (4, 4)], shown


def test_the_progress_bar_counts_the_steps_that_ran_on_data_of_unknown_size(monkeypatch):
    # 5 batches of a `filter`ed dataset at 2 steps per execution: the bar showed 6 steps in the first epoch and kept
    # 6 as the target of the next (6/6); it now shows 5, learns 5 after the first epoch as Keras does, and evaluate
    # and predict show 5 too.
    gan, (labels, images), shown = _bar_at_two_steps_per_execution(monkeypatch)
    data = tf.data.Dataset.from_tensor_slices((labels, images)).filter(lambda c, t: True).batch(4)
    assert int(data.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    gan.fit(data, epochs=2, verbose=1, validation_data=data)
    assert shown == [(2, None), (4, None), (5, None), (5, 5)] + [(2, 5), (4, 5), (5, 5), (5, 5)], shown
    assert gan._steps_run("train") == 10 and gan._steps_run("test") == 10  # validation: 5 steps an epoch
    shown.clear()
    gan.evaluate(data, verbose=1)
    gan.predict(data.map(lambda c, t: c), verbose=1)
    assert shown == [(2, None), (4, None), (5, None), (5, 5)] * 2, shown


def test_train_and_test_on_batch_send_a_dataset_or_a_generator_to_fit_or_evaluate(gan):
    # "A GAN trains on pairs: the dataset must yield `(condition, target)`" for a dataset of pairs before, and a
    # TypeError (no len()) for a generator with targets.
    labels, images = families.data("conditional", 4)
    dataset = tf.data.Dataset.from_tensor_slices((labels, images)).batch(4)
    with pytest.raises(ValueError, match=r"`train_on_batch` takes one batch, as arrays `x` and `y`\. Received: x as "
                                         r"a tf\.data\.Dataset; pass it to `fit`\."):
        gan.train_on_batch(dataset)
    with pytest.raises(ValueError, match=r"`test_on_batch` takes one batch.*x as a generator; pass it to `evaluate`"):
        gan.test_on_batch((pair for pair in [(labels, images)]), images)


def test_a_part_the_family_does_not_list_in_loss_names_is_named(monkeypatch):
    gan = families.build("pix2pix")
    objective = gan.generator_objective

    def with_extra_part(*args, **kwargs):
        loss, parts = objective(*args, **kwargs)
        return loss, {**parts, "g_extra": loss}

    monkeypatch.setattr(gan, "generator_objective", with_extra_part)
    gray, color = families.data("pix2pix", 4)
    # A bare KeyError: 'g_extra' before.
    with pytest.raises(ValueError, match=r"objectives return the part\(s\) \['g_extra'\], which its `loss_names` "
                                         r"\('d_loss', .*\) does not list"):
        gan.fit(gray, color, batch_size=4, verbose=0)


@pytest.mark.parametrize("condition, hint", [
    (None, "give class ids as ints"),
    ("tags", "encode tag sets first: `gan.condition.encode("),
    ("text", "vectorize captions first with the `keras.layers.TextVectorization` the condition was built from "
             "(`gan.condition.vectorizer()(captions)` rebuilds it from `from_vectorizer`)"),
])
def test_conditions_given_as_strings_say_how_to_make_numbers_of_them(condition, hint):
    gan = families.build("conditional") if condition is None else families.conditioned("conditional", condition)
    images = np.zeros((2, 8, 8, 1), "float32")
    # Keras' "Unrecognized data type: x=a red square (of type str)" before, or a cast error of the strings.
    if condition is None:  # tensors are no strings: np.dtype(tf.int32) failed ("Cannot interpret 'tf.int32'...")
        labels = tf.constant([0, 1])
        assert gan.predict(labels, verbose=0).shape[0] == 2 and gan(labels).shape[0] == 2
        assert np.isfinite(gan.fit(labels, tf.constant(images), verbose=0).history["d_loss"][0])
        strings = tf.data.Dataset.from_tensor_slices((["red", "blue"], images)).batch(2)
        with pytest.raises(ValueError, match=r"got dtype string\. Map class names to ids first"):  # told to tf.cast
            gan.fit(strings, verbose=0)
        with pytest.raises(ValueError, match=r"`x` holds no samples"):  # an IndexError on empty strings
            gan.fit(np.array([], dtype=str), np.zeros((0, 8, 8, 1), "float32"), verbose=0)
    # Ragged tag sets (numpy's "inhomogeneous shape" before), object arrays (a DataFrame column) and string tensors
    # (told to `tf.cast` them to int32, which TensorFlow cannot do).
    for run, given in ((lambda: gan.predict("a red square", verbose=0), "'a red square'"),
                       (lambda: gan.predict(["red", "blue"], verbose=0), "'red'"),
                       (lambda: gan.predict([["red", "blue"], ["red"]], verbose=0), "'red'"),
                       (lambda: gan.predict(np.array(["red", "blue"], object), verbose=0), "'red'"),
                       (lambda: gan.predict(tf.constant(["red", "blue"]), verbose=0), "b'red'"),
                       (lambda: gan.fit([["red", "blue"], ["red"]], images, verbose=0), "'red'"),
                       (lambda: gan.fit(np.array(["red", "blue"]), images, verbose=0), "'red'")):
        with pytest.raises(ValueError, match=re.escape(f"x: conditions are strings ({given}); the model takes "
                                                       f"numbers: {hint}")):
            run()


def test_compile_names_a_steps_per_execution_or_run_eagerly_keras_would_take():
    gan = families.build("conditional")
    for key, wrong in (("steps_per_execution", 0), ("steps_per_execution", "8"), ("run_eagerly", 1)):
        with pytest.raises(ValueError, match=f"`{key}` must be"):  # 0 trained no step; "8" and 1 were taken
            gan.compile(**{key: wrong})
    gan.compile(steps_per_execution=np.int64(2), run_eagerly=False)
    assert gan.steps_per_execution == 2
