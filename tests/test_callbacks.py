import os
import re

import keras
import numpy as np
import pytest
from PIL import Image

from keras_cgan import ConditionalGAN, networks
from keras_cgan.callbacks import KeepBestGenerator, SampleGrid, StopOnNaN, image_grid


def make_gan(**compile_kwargs):
    g = networks.conditional_generator((8, 8, 1), 4, latent_dim=4, base_filters=8)
    d = networks.conditional_discriminator((8, 8, 1), 4, base_filters=8)
    gan = ConditionalGAN(g, d, condition=4, seed=0)
    gan.compile(**compile_kwargs)
    return gan


def data():
    rng = np.random.default_rng(0)
    return np.arange(16) % 4, rng.uniform(-1, 1, (16, 8, 8, 1)).astype("float32")


def test_image_grid_places_images_row_by_row():
    images = np.stack([np.full((2, 2, 1), v) for v in (-1.0, 1.0, 1.0)])
    grid = image_grid(images, rows=2)
    assert grid.shape == (2 * 3 + 1, 2 * 3 + 1)
    assert grid[1, 1] == 0 and grid[1, 4] == 255 and grid[4, 1] == 255 and grid[4, 4] == 0


def test_sample_grid_writes_a_png_per_period(tmp_path):
    gan = make_gan()
    labels, images = data()
    path = str(tmp_path / "grid_{epoch}.png")
    gan.fit(labels, images, batch_size=8, epochs=2, verbose=0,
            callbacks=[SampleGrid(np.repeat(np.arange(4), 3), path, rows=4, every=1)])
    assert sorted(os.listdir(tmp_path)) == ["grid_1.png", "grid_2.png"]
    assert Image.open(tmp_path / "grid_2.png").size == (3 * 9 + 1, 4 * 9 + 1)


def test_stop_on_nan_raises_and_names_the_loss():
    gan = make_gan(check_data=False)  # NaN reaches the losses instead of stopping at the data check
    labels, images = data()
    images[3] = np.nan
    with pytest.raises(FloatingPointError, match="`d_loss` became nan at batch 0"):
        gan.fit(labels, images, batch_size=8, epochs=2, verbose=0, callbacks=[StopOnNaN()])


def test_stop_on_nan_keeps_the_backup(tmp_path):
    gan = make_gan(check_data=False)
    labels, images = data()
    backup = str(tmp_path / "backup")
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    images[3] = np.nan
    with pytest.raises(FloatingPointError, match="became nan"):
        gan.fit(labels, images, batch_size=8, epochs=3, verbose=0,
                callbacks=[keras.callbacks.BackupAndRestore(backup), StopOnNaN()])
    assert os.listdir(backup)


def test_stop_on_nan_leaves_the_best_generator_keep_best_generator_kept():
    gan = make_gan(check_data=False)
    labels, images = data()
    images[12] = np.nan  # in the second batch: the first is scored, the second turns the weights to NaN
    keep = KeepBestGenerator(lambda model: 0.5, every=1)
    callbacks = [keep, StopOnNaN()]  # fit runs StopOnNaN first, wherever it is listed
    with pytest.raises(FloatingPointError, match=r"at batch 1; training stopped\. KeepBestGenerator put back its "
                       r"best generator \(score 0\.5, after 1 training steps\)\."):
        gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
    assert not np.all(np.isfinite(gan.discriminator.get_weights()[0]))  # the NaN step was applied
    for got, want in zip(gan.generator.get_weights(), keep.best_weights):
        np.testing.assert_array_equal(got, want)
    # A later fit without it leaves the weights as they are: a keeper belongs to its own fit.
    with pytest.raises(FloatingPointError) as error:
        gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, shuffle=False, callbacks=[StopOnNaN()])
    assert "KeepBestGenerator" not in str(error.value)


def test_keep_best_generator_restores_the_best_scored_weights():
    from keras_cgan import NextFrameGAN, networks

    def next_frame_gan(**kwargs):
        g = networks.next_frame_generator((8, 8, 1), 2, latent_dim=2, base_filters=4)
        d = networks.next_frame_discriminator((8, 8, 1), 2, base_filters=4, scales=(1,))
        gan = NextFrameGAN(g, d, context_frames=2, seed=0, **kwargs)
        gan.compile()
        return gan

    gan = next_frame_gan()
    rng = np.random.default_rng(0)
    cond, target = rng.uniform(-1, 1, (6, 8, 8, 2)).astype("float32"), rng.uniform(-1, 1, (6, 8, 8, 1)).astype("float32")
    scores, seen = iter([0.2, 0.9, 0.1, 0.5]), []

    def score(model):
        seen.append(model.generator.get_weights())
        return next(scores)

    keep = KeepBestGenerator(score, every=2)
    gan.fit(cond, target, batch_size=2, epochs=2, verbose=0, callbacks=[keep])  # 6 batches: scores at 2, 4, 6
    assert [b for b, _ in keep.history] == [2, 4, 6] and keep.best_batch == 4 and keep.best_score == 0.9
    for got, want in zip(gan.generator.get_weights(), seen[1]):
        np.testing.assert_array_equal(got, want)
    assert not np.allclose(seen[1][0], seen[2][0])  # training moved on after the best score

    # With the model's average (ema_decay) the averaged weights are scored and
    # kept, and training continues from the raw ones.
    gan = next_frame_gan(ema_decay=0.5)
    seen.clear()
    keep = KeepBestGenerator(lambda model: seen.append(model.generator.get_weights()) or 1.0, every=3, restore_best=False)
    gan.fit(cond, target, batch_size=2, epochs=1, verbose=0, callbacks=[keep])  # scored once, after batch 3
    with gan.ema_weights():
        averaged = gan.generator.get_weights()
    for got, want, kept in zip(seen[0], averaged, keep.best_weights):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(kept, want)
    assert not np.allclose(gan.generator.get_weights()[0], averaged[0])

    # Restored, the best is the average too: sampling and export of the averaged generator give it.
    gan = next_frame_gan(ema_decay=0.5)
    scores, seen = iter([0.9, 0.1]), []
    keep = KeepBestGenerator(lambda model: seen.append(model.generator.get_weights()) or next(scores), every=3)
    gan.fit(cond, target, batch_size=2, epochs=2, verbose=0, callbacks=[keep])  # scored after batches 3 and 6
    with gan.sampling_weights():
        for got, want in zip(gan.generator.get_weights(), seen[0]):
            np.testing.assert_array_equal(got, want)

    # Keras calls back once per execution; `every` still counts training steps,
    # and the final weights are scored once.
    for per_execution, every, expected in ((2, 4, [4, 8, 12]), (3, 5, [6, 12]), (4, 4, [4, 10, 12])):
        gan = next_frame_gan()
        gan.compile(steps_per_execution=per_execution)  # 6 steps an epoch: 4 then 2 at 4 an execution
        keep = KeepBestGenerator(lambda model: 1.0, every=every, restore_best=False)
        gan.fit(cond, target, batch_size=1, epochs=2, verbose=0, callbacks=[keep])  # 12 steps
        assert [b for b, _ in keep.history] == expected, per_execution
    with pytest.raises(ValueError, match="every"):
        KeepBestGenerator(lambda model: 0.0, every=0)


def test_keep_best_generator_never_keeps_a_non_finite_score(capsys):
    gan = make_gan()
    labels, images = data()
    scores, seen = iter([float("nan"), 0.3, float("inf"), 0.1]), []
    keep = KeepBestGenerator(lambda model: seen.append(model.generator.get_weights()) or next(scores), every=1,
                             verbose=1)
    gan.fit(labels, images, batch_size=8, epochs=2, verbose=0, callbacks=[keep])  # scored after batches 1 to 4
    assert [b for b, _ in keep.history] == [1, 2, 3, 4]
    assert keep.best_score == 0.3 and keep.best_batch == 2
    for got, want in zip(gan.generator.get_weights(), seen[1]):
        np.testing.assert_array_equal(got, want)
    assert "score nan (best none finite yet)" in capsys.readouterr().out


def test_sample_writers_start_afresh_each_fit_and_refuse_the_wrong_family(tmp_path):
    from keras_cgan.callbacks import AudioSamples
    from keras_cgan.models.conditional_gan import presets

    labels, images = data()
    grid = SampleGrid(np.arange(4), str(tmp_path / "grid.png"), rows=1, every=1)
    make_gan().fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[grid])
    os.remove(tmp_path / "grid.png")
    other = presets.build((8, 8, 1), 4, preset="tiny", latent_dim=6)  # another model, another noise size
    other.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[grid])
    assert os.path.isfile(tmp_path / "grid.png")  # the second fit wrote its own grid
    with pytest.raises(ValueError, match=r"`clips\[0\]` must be one signal"):
        AudioSamples([np.zeros((100, 2), "float32")], str(tmp_path / "audio"))
    with pytest.raises(ValueError, match="AudioSamples enhances speech \\(SEGAN\\); the model is a ConditionalGAN"):
        other.fit(labels, images, batch_size=8, epochs=1, verbose=0,
                  callbacks=[AudioSamples([np.zeros(100, "float32")], str(tmp_path / "audio"))])


def test_keep_best_generator_keeps_a_best_per_stage_count():
    from keras_cgan import GrowStages
    from keras_cgan.models.stack_gan import presets

    gan = presets.build((8, 16), 4, preset="tiny", seed=0)
    labels = np.arange(16) % 4
    images = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 3)).astype("float32")
    initial = gan.generators[1].get_weights()
    scores, seen = iter([0.9, 0.8, 0.1, 0.2]), []  # the 8x8 scores beat the 16x16 ones
    keep = KeepBestGenerator(lambda model: seen.append(model.generator.get_weights()) or next(scores), every=1)
    gan.fit(labels, images, batch_size=8, epochs=2, verbose=0, callbacks=[GrowStages([1]), keep])  # grown at batch 3
    # The best of the final growth is put back, not stage 1's with stage 2 at its initial weights.
    assert [b for b, _ in keep.history] == [1, 2, 3, 4] and keep.best_batch == 4 and keep.best_stages == 2
    for got, want in zip(gan.generator.get_weights(), seen[3]):
        np.testing.assert_array_equal(got, want)
    assert not np.allclose(gan.generators[1].get_weights()[0], initial[0])

    # A best scored before the model grew is not put back.
    gan = presets.build((8, 16), 4, preset="tiny", seed=0)
    keep = KeepBestGenerator(lambda model: 1.0, every=1, restore_best=False)
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[keep])
    gan.grow()
    grown = gan.generator.get_weights()
    assert keep.best_stages == 1 and keep.restore() is False
    for got, want in zip(gan.generator.get_weights(), grown):
        np.testing.assert_array_equal(got, want)


def test_keep_best_generator_leaves_the_training_noise_alone():
    labels, images = data()

    def trained(callbacks):
        keras.utils.set_random_seed(0)
        gan = make_gan()
        gan.fit(labels, images, batch_size=8, epochs=2, verbose=0, callbacks=callbacks)
        return [np.asarray(w) for w in gan.weights]  # the seed state among them

    def score(model):  # both draw noise from the model's stream
        return float(np.mean(model.predict(labels[:4], verbose=0)) + np.mean(model(labels[:4])))

    for got, want in zip(trained([KeepBestGenerator(score, every=1, restore_best=False)]), trained([])):
        np.testing.assert_array_equal(got, want)


def test_grids_refuse_rows_their_images_cannot_fill(tmp_path):
    from keras_cgan.callbacks import save_image_grid

    with pytest.raises(ValueError, match=r"`rows=8` leaves empty rows: 4 conditions, 1 a row, fill 4 rows\. "
                                         r"Pass `rows=4`"):
        SampleGrid(np.arange(4), str(tmp_path / "grid.png"), rows=8)
    with pytest.raises(ValueError, match=r"`rows=4` leaves empty rows: 5 images, 2 a row, fill 3 rows"):
        save_image_grid(np.zeros((5, 2, 2, 1)), str(tmp_path / "grid.png"), rows=4)
    assert image_grid(np.zeros((10, 2, 2, 1)), rows=4).shape == (4 * 3 + 1, 3 * 3 + 1)  # a short last row is kept
    with pytest.raises(ValueError, match=r"`col_labels` needs 3 labels, one per column \(10 conditions in 4 rows "
                                         r"make 3 columns\); got 4\."):
        SampleGrid(np.arange(10) % 4, str(tmp_path / "grid.png"), rows=4, col_labels=list("abcd"))
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("rows", [0, -1, 2.5, True, "2"])
def test_grids_name_rows_that_are_no_positive_int(tmp_path, rows):
    from keras_cgan.callbacks import save_image_grid

    error = re.escape(f"`rows` must be an int >= 1. Received: rows={rows!r}")
    with pytest.raises(ValueError, match=error):  # 0: was a ZeroDivisionError; "2": a TypeError
        image_grid(np.zeros((4, 2, 2, 1)), rows)
    with pytest.raises(ValueError, match=error):
        save_image_grid(np.zeros((4, 2, 2, 1)), str(tmp_path / "grid.png"), rows)
    assert image_grid(np.zeros((4, 2, 2, 1)), np.int64(2)).shape == (7, 7)


def test_save_image_grid_names_a_scale_or_images_it_cannot_draw(tmp_path):
    from keras_cgan.callbacks import save_image_grid

    for scale in (0, 2.5):  # was: PIL's "height and width must be > 0", a TypeError
        with pytest.raises(ValueError, match=re.escape(f"`scale` must be an int >= 1. Received: scale={scale!r}")):
            save_image_grid(np.zeros((4, 2, 2, 1)), str(tmp_path / "grid.png"), 2, scale=scale)
    with pytest.raises(ValueError, match=re.escape("`images` must be [N, H, W, C] (grayscale: `images[..., None]`). "
                                                   "Received shape (4, 2, 2).")):
        image_grid(np.zeros((4, 2, 2)), 2)  # was: "not enough values to unpack"
    assert not os.listdir(tmp_path)


def test_save_spectrograms_names_rows_that_hold_none(tmp_path):
    from keras_cgan.callbacks import save_spectrograms

    with pytest.raises(ValueError, match=re.escape("`rows` must hold at least one (label, waveform) pair")):
        save_spectrograms(str(tmp_path / "s.png"), [])  # was: "max() arg is an empty sequence"


def test_collapse_monitor_warns_afresh_in_each_fit(tmp_path):
    import warnings

    from keras_cgan.callbacks import CollapseMonitor, CollapseWarning

    gan = make_gan(check_data=False)  # NaN reaches the losses
    labels, images = data()
    images[3] = np.nan
    monitor = CollapseMonitor(path=str(tmp_path / "diagnostics.txt"))
    for _ in range(2):  # the second fit still fails: it says so, as a resumed run would
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[monitor])
        assert [w.category for w in caught if issubclass(w.category, CollapseWarning)] == [CollapseWarning]
        assert sorted(monitor.seen) == ["nan"]
    assert (tmp_path / "diagnostics.txt").read_text().count("nan: ") == 2  # the file keeps both fits' warnings


def test_keep_best_generator_prints_on_the_chief_only(capsys, monkeypatch):
    from keras_cgan import callbacks

    gan = make_gan()
    labels, images = data()
    monkeypatch.setattr(callbacks, "is_chief", lambda model: False)  # a multi-worker run's other workers
    keep = KeepBestGenerator(lambda model: 1.0, every=1, verbose=1)
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[keep])
    assert [b for b, _ in keep.history] == [1, 2] and "KeepBestGenerator" not in capsys.readouterr().out


def test_keep_best_generator_says_when_it_has_no_best_to_put_back():
    gan = make_gan()
    labels, images = data()
    keep = KeepBestGenerator(lambda model: float("nan"), every=1)
    with pytest.warns(UserWarning, match=r"KeepBestGenerator: no score was finite in this fit \(the "
                                         r"last: nan\), so there is no best to put back: the generator keeps its final"
                      ) as caught:
        gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[keep])
    assert keep.best_weights is None and len(keep.history) == 2
    (warned,) = [w for w in caught if "KeepBestGenerator" in str(w.message)]
    assert warned.filename == __file__  # the `fit` line (was: Keras' callback_list.py)


def test_the_command_line_prints_library_warnings_as_its_own_lines_whatever_module_shows_them(capsys, monkeypatch):
    # Python 3.14 shows warnings from `_py_warnings`, not `warnings`: the library's were shown as anyone's.
    import types
    import warnings

    from keras_cgan.cli import train as train_cli

    keep = KeepBestGenerator(lambda model: float("nan"), every=1)
    keep.set_model(make_gan())
    keep.on_train_begin()
    with train_cli._warning_lines():  # what `keras-cgan train` wraps `fit` in
        shown = warnings._showwarnmsg  # as 3.14 has it: the same code, another module's
        monkeypatch.setattr(warnings, "_showwarnmsg", types.FunctionType(
            shown.__code__, dict(vars(warnings), __name__="_py_warnings"), shown.__name__))
        keep.on_train_end()
        with pytest.warns(UserWarning, match="not the library's"):
            warnings.warn("not the library's", UserWarning)  # Keras' or another's: shown as usual
    assert capsys.readouterr().err.startswith("keras-cgan train: warning: KeepBestGenerator: no score was finite")


def test_collapse_monitor_warns_when_its_file_cannot_be_appended_to(tmp_path):
    # Was: the IsADirectoryError of the write, which stopped training (under several workers, the chief alone).
    from keras_cgan.callbacks import CollapseMonitor, CollapseWarning

    path = tmp_path / "diagnostics.txt"
    monitor = CollapseMonitor(path=str(path))
    path.mkdir()  # made a folder after training began
    with pytest.warns(CollapseWarning) as caught:
        monitor.check({"d_loss": float("nan")})
    assert str(caught[0].message).startswith("CollapseMonitor: `d_loss` became nan at epoch 1.")
    assert str(caught[0].message).endswith(f" (not appended to `path` {str(path)!r}: Is a directory)")
    assert caught[0].filename == __file__  # the caller's line (was: keras_cgan/callbacks.py)


def test_sample_writers_make_collectives_only_when_every_worker_agrees_to(tmp_path, monkeypatch):
    from keras_cgan import distribute
    from keras_cgan.callbacks import CollapseMonitor

    labels, images = data()
    shared = distribute.worker_messages
    calls = []
    monkeypatch.setattr(distribute, "worker_messages", lambda strategy, message: pytest.fail(
        "a collective by default: a callback given to the chief alone would wait for the others"))
    grid = SampleGrid(np.arange(4), str(tmp_path / "grid.png"), rows=1, every=5, log_dir=str(tmp_path / "logs"))
    monitor = CollapseMonitor(path=str(tmp_path / "diagnostics.txt"))
    gan = make_gan()
    gan.fit(labels, images, batch_size=8, epochs=2, verbose=0, callbacks=[grid, monitor])
    assert os.path.isfile(tmp_path / "grid.png")  # the chief (a single process) still writes

    # Opted in (every worker runs the same callbacks): one agreement when training begins, at every epoch end,
    # whatever it logs or writes there, and when it ends.
    monkeypatch.setattr(distribute, "worker_messages", lambda strategy, message: calls.append(message) or shared(
        strategy, message))
    grid = SampleGrid(np.arange(4), str(tmp_path / "grid2.png"), rows=1, every=5)  # no log_dir, no epoch's grid
    monitor = CollapseMonitor()
    grid.agree_across_workers = monitor.agree_across_workers = True
    gan.fit(labels, images, batch_size=8, epochs=3, verbose=0, callbacks=[grid, monitor])
    assert len(calls) == 1 + 1 + 3 + 1  # the monitor's begin; the grid's begin, 3 epoch ends, end
    assert os.path.isfile(tmp_path / "grid2.png")


def test_backup_and_restore_is_written_by_the_chief_alone(tmp_path, monkeypatch):
    from keras_cgan import distribute
    from keras_cgan.callbacks import backup_and_restore

    labels, images = data()
    folder = str(tmp_path / "backup")
    gan = make_gan()
    chief = backup_and_restore(folder, gan.distribute_strategy, delete_checkpoint=False)
    assert type(chief) is keras.callbacks.BackupAndRestore
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[chief])
    saved = {name: os.path.getmtime(os.path.join(folder, name)) for name in os.listdir(folder)}

    monkeypatch.setattr(distribute, "is_chief", lambda strategy: False)  # another worker of the run
    other = make_gan()
    other.fit(labels, images, batch_size=8, epochs=3, verbose=0,
              callbacks=[backup_and_restore(folder, other.distribute_strategy)])  # deletes by default, on the chief
    assert int(other.generator_optimizer.iterations.numpy()) == 2 + 2 * 2  # restored at epoch 1, trained 2 more
    assert {name: os.path.getmtime(os.path.join(folder, name)) for name in os.listdir(folder)} == saved
