"""Guards of a long run: NaN stops it without touching the last good checkpoint,
the averaged generator samples, TensorBoard gets losses and media from one
callback family, and a global batch the replicas cannot share fails before training."""

import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_cgan.callbacks import AudioSamples, SampleGrid, StopOnNaN
from tests import families


def _weights(model):
    return [np.asarray(w).copy() for w in model.weights]


@pytest.mark.parametrize("saver", ["model_checkpoint", "backup_and_restore"])
def test_nan_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, saver):
    gan = families.build("conditional", learning_rate=1e-3)
    # The step's own data check would stop the NaN batch before its update
    # (tests/test_misuse.py): turned off here, a NaN reaches the losses.
    gan.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5), check_data=False)
    conditions, targets = families.data("conditional", 32)
    targets[20] = np.nan  # batch index 2 of 8-sample batches
    seen = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(_weights(gan)))
    if saver == "model_checkpoint":
        path = str(tmp_path / "last.weights.h5")
        save = keras.callbacks.ModelCheckpoint(path, save_weights_only=True, save_freq=1)
    else:
        path = str(tmp_path / "backup" / "latest.weights.h5")
        save = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"), save_freq=1)
    # The saver is listed first: GANModel.fit still runs the guard before it.
    with pytest.raises(FloatingPointError, match=r"`d_\w+` became nan at batch 2; training stopped"):
        gan.fit(conditions, targets, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[save, record, StopOnNaN()])
    assert len(seen) == 2  # batches 0 and 1 ended normally; batch 2 was stopped by the guard
    assert not np.all(np.isfinite(np.asarray(gan.generator.weights[0])))  # the NaN step did reach the weights
    restored = families.build("conditional", learning_rate=1e-3)
    restored.load_weights(path)
    for kept, last_good in zip(_weights(restored), seen[-1]):
        np.testing.assert_array_equal(kept, last_good)  # the file holds batch 1's weights


def _events(log_dir):
    files = [os.path.join(log_dir, f) for f in os.listdir(log_dir) if f.startswith("events")]
    values = {}
    for path in files:
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                values.setdefault(value.tag, []).append((event.step, value))
    return values


def test_tensorboard_gets_losses_images_and_audio_from_the_sample_writers(tmp_path):
    gan = families.build("conditional", learning_rate=1e-3, ema_decay=0.5)
    conditions = np.repeat(np.arange(4), 2)
    grid = SampleGrid(conditions, str(tmp_path / "grid_{epoch}.png"), rows=4, every=2, log_dir=str(tmp_path / "tb"), ema=True)
    gan.fit(families.dataset("conditional", 16, 8), epochs=3, verbose=0, callbacks=[grid])
    values = _events(str(tmp_path / "tb"))
    for name in gan.loss_names[:2]:  # d_loss, g_loss: one scalar per epoch
        assert [step for step, _ in values[name]] == [1, 2, 3]
        assert values[name][0][1].metadata.plugin_data.plugin_name == "scalars"
    # Images at epoch 2 (every=2) and after the last (3), as the PNG files.
    assert [step for step, _ in values["samples"]] == [2, 3]
    assert sorted(os.listdir(tmp_path)) == ["grid_2.png", "grid_3.png", "tb"]
    image = tf.io.decode_png(tf.make_ndarray(values["samples"][-1][1].tensor)[2]).numpy()
    # The logged grid is the averaged generator's (ema=True), for the writer's fixed noise.
    with gan.ema_weights():
        expected = np.asarray(gan(conditions, training=False, noise=grid.noise))
    from keras_cgan.callbacks import image_grid

    np.testing.assert_array_equal(image[..., 0], image_grid(expected, 4))
    assert not np.allclose(expected, np.asarray(gan(conditions, training=False, noise=grid.noise)), atol=1e-4)


def test_tensorboard_audio_for_segan(tmp_path):
    gan = families.build("segan", learning_rate=1e-3)
    clip = np.sin(np.arange(600) * 0.05).astype("float32") * 0.5
    writer = AudioSamples([clip], str(tmp_path / "wav"), log_dir=str(tmp_path / "tb"))
    gan.fit(families.dataset("segan", 8, 8), epochs=1, verbose=0, callbacks=[writer])
    assert os.listdir(tmp_path / "wav") == ["epoch_001_clip_0.wav"]
    values = _events(str(tmp_path / "tb"))
    assert values["enhanced"][0][1].metadata.plugin_data.plugin_name == "audio"
    wav = tf.make_ndarray(values["enhanced"][0][1].tensor)[0, 0]
    audio, rate = tf.audio.decode_wav(wav)
    assert int(rate) == gan.sample_rate and audio.shape == (600, 1)
    np.testing.assert_allclose(audio[:, 0], np.clip(gan.enhance(clip), -1, 1), atol=1e-4)  # 16-bit WAV
    assert {"noisy", "d_loss", "g_l1"} <= set(values)


def test_sample_writer_with_ema_needs_a_model_with_ema_decay(tmp_path):
    gan = families.build("conditional")
    with pytest.raises(ValueError, match="ema_decay"):
        gan.fit(*families.data("conditional", 8), batch_size=8, epochs=1, verbose=0,
                callbacks=[SampleGrid(np.arange(4), str(tmp_path / "g.png"), rows=2, ema=True)])
    with pytest.raises(ValueError, match="ema_decay"):
        gan.ema_generator()
    with pytest.raises(ValueError, match="ema_decay"):
        families.build("conditional", ema_decay=1.0)


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_ema_follows_the_generator_in_both_update_orders(update):
    gan = families.build("conditional", ema_decay=0.5)
    gan.compile(update=update)
    start = [np.asarray(w).copy() for w in gan._ema_sources()]
    gan.fit(families.dataset("conditional", 8, 8), epochs=1, verbose=0)  # one step
    first = [np.asarray(w).copy() for w in gan._ema_sources()]
    # Bias-corrected: after one step the average is the new weights, nothing of the initial ones.
    for average, weight in zip(gan.ema_variables, first):
        np.testing.assert_allclose(np.asarray(average), weight, atol=1e-6)
    gan.fit(families.dataset("conditional", 8, 8), epochs=1, verbose=0)  # step 2: decay (0.5 - 0.25) / (1 - 0.25)
    for average, weight, previous in zip(gan.ema_variables, gan._ema_sources(), first):
        np.testing.assert_allclose(np.asarray(average), previous / 3 + 2 * np.asarray(weight) / 3, atol=1e-6)
    assert max(np.abs(np.asarray(w) - i).max() for w, i in zip(gan._ema_sources(), start)) > 0


def test_sampling_weights_are_the_average_when_kept_else_the_trained_ones():
    averaged, plain = families.build("conditional", ema_decay=0.5), families.build("conditional")
    for gan in (averaged, plain):
        gan.fit(families.dataset("conditional", 8, 8), epochs=2, verbose=0)  # two steps: the average lags
    trained = [np.asarray(w).copy() for w in averaged._ema_sources()]
    with averaged.sampling_weights():
        held = [np.asarray(w) for w in averaged._ema_sources()]
    for weight, average in zip(held, averaged.ema_variables):
        np.testing.assert_array_equal(weight, np.asarray(average))
    assert max(np.abs(h - t).max() for h, t in zip(held, trained)) > 0  # the average differs from the weights
    for weight, kept in zip(averaged._ema_sources(), trained):  # and they come back after
        np.testing.assert_array_equal(np.asarray(weight), kept)
    before = [np.asarray(w).copy() for w in plain.generator.weights]
    with plain.sampling_weights() as model:
        assert model is plain
        for weight, kept in zip(plain.generator.weights, before):
            np.testing.assert_array_equal(np.asarray(weight), kept)


def test_nan_messages_say_what_the_data_were_for():
    from keras_cgan.models.segan import streaming

    gan = families.build("segan")
    conditions, targets = families.data("segan", 4)
    bad = conditions.copy()
    bad[1, 5] = np.nan
    train = "which would make `d_loss`, `g_loss` and then every weight NaN"
    losses = "would make `d_loss` and `g_loss` NaN"
    output = "which would make the output NaN: repair or drop those samples"
    cases = [  # outside `fit` each spoke of training: "`d_loss`, `g_loss` and then every weight NaN"
        (lambda: gan.fit(bad, targets, verbose=0), train),
        (lambda: gan.evaluate(bad, targets, verbose=0), losses),
        (lambda: gan.fit(conditions, targets, validation_data=(bad, targets), verbose=0), losses),
        (lambda: gan.evaluate(tf.data.Dataset.from_tensor_slices((bad, targets)).batch(4), verbose=0), losses),
        (lambda: gan.predict(bad, verbose=0), output),
        (lambda: gan(bad), output),
        (lambda: gan.enhance(bad[1]), output),
        (lambda: streaming.stream_enhance(lambda f: f, bad[1], window=families.WINDOW), output),
        (lambda: families.build("pix2pix").predict(np.full((1, 16, 16, 1), np.nan, "float32"), verbose=0), output),
    ]
    for call, said in cases:
        with pytest.raises(ValueError, match=re.escape(said)) as raised:
            call()
        assert "weight" not in str(raised.value) or said == train


def test_nan_in_clips_to_roll_out_is_named_as_making_the_output_nan():
    # `rollout` and `RolloutGIF` spoke of training ("`d_loss`, `g_loss` and then every weight NaN").
    from keras_cgan.models.input_checks import check_samples
    from keras_cgan.models.next_frame_gan.callbacks import RolloutGIF

    gan = families.build("next_frame")
    clips = np.zeros((1, 2, 8, 8, 1), "float32")
    clips[0, 1, 3, 3, 0] = np.nan
    output = "which would make the output NaN: repair or drop those samples"
    for call in (lambda: gan.rollout(clips, steps=2), lambda: RolloutGIF(clips, "unused", steps=2),
                 lambda: check_samples(clips, "clips")):
        with pytest.raises(ValueError, match=re.escape(output)):
            call()


def test_what_samples_are_checked_for_holds_on_its_own_thread_and_ends_with_its_block():
    # A `fit` on one thread made another thread's `predict` speak of training, and two checks ending out of
    # order left the model's later `predict` calls speaking of training.
    import threading

    gan = families.build("segan")
    bad = families.data("segan", 2)[0]
    bad[0, 3] = np.nan
    output = "which would make the output NaN"
    entered, leave = threading.Event(), threading.Event()

    def train_check():
        with gan._checked_for("train"):
            entered.set()
            leave.wait(30)

    thread = threading.Thread(target=train_check)
    thread.start()
    try:
        assert entered.wait(30)
        with pytest.raises(ValueError, match=re.escape(output)):
            gan.predict(bad, verbose=0)
    finally:
        leave.set()
        thread.join()
    first, second = gan._checked_for("train"), gan._checked_for("evaluate")
    first.__enter__(), second.__enter__()
    with pytest.raises(ValueError, match=re.escape("would make `d_loss` and `g_loss` NaN")):
        gan.check_condition(bad, "x")
    first.__exit__(None, None, None), second.__exit__(None, None, None)
    with pytest.raises(ValueError, match=re.escape(output)):
        gan.predict(bad, verbose=0)
