"""Workers of a multi-worker run stop together, in-process: each worker a thread over a fake collective.

A `FakeWorker` is a `MultiWorkerMirroredStrategy` to the library: its
`reduce` waits for every worker's thread and sums what they sent, as the
all-reduce does between processes. tests/test_multi_worker.py runs the
real thing (two processes) once.
"""

import dataclasses
import importlib
import os
import threading
import time
import types
import uuid
import warnings

import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import distribute
from tests.test_case import write_pix2pix_pairs


class Collective:
    """A SUM all-reduce between `workers` threads."""

    def __init__(self, workers):
        self.workers = workers
        self.sent = [None] * workers
        self.barrier = threading.Barrier(workers, timeout=20)  # a worker that never calls: BrokenBarrierError

    def all_reduce(self, worker, value):
        self.sent[worker] = value
        self.barrier.wait()
        total = sum(self.sent)
        self.barrier.wait()  # every worker has read the sum before the next round writes
        return total


class FakeWorker(tf.distribute.MultiWorkerMirroredStrategy):
    """Worker `index` (0: the chief) of a `Collective`, with `local` replicas."""

    def __init__(self, collective, index, local=1):  # no cluster, no TensorFlow runtime of its own
        self.collective, self.index, self.local = collective, index, local

    extended = property(lambda self: types.SimpleNamespace(
        should_checkpoint=self.index == 0, worker_devices=[f"/cpu:{i}" for i in range(self.local)]))
    num_replicas_in_sync = property(lambda self: self.collective.workers * self.local)
    cluster_resolver = property(lambda self: types.SimpleNamespace(task_type="worker", task_id=self.index))

    def experimental_distribute_values_from_function(self, function):
        return [function(types.SimpleNamespace(replica_id_in_sync_group=self.index * self.local + i))
                for i in range(self.local)]

    def reduce(self, reduction, values, axis=None):
        assert reduction == "SUM" and axis is None
        local = sum(np.asarray(v, "float64") for v in values)
        return tf.constant(self.collective.all_reduce(self.index, local), "float32")


def on_workers(count, action, local=1):
    """`action(strategy)` on `count` fake workers at once; what each returned or raised, in worker order."""
    collective = Collective(count)
    results = [None] * count

    def run(index):
        try:
            results[index] = action(FakeWorker(collective, index, local))
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_a_check_that_fails_on_one_worker_stops_every_worker_with_its_message():
    # Was: only the chief's failure was told; a worker failing alone left the chief waiting in the next collective.
    errors = {2: ValueError("--data /w2/pairs: no such folder.")}
    raised = on_workers(3, lambda strategy: distribute.stop_alike(strategy, errors.get(strategy.index)), local=2)
    assert raised[2] is errors[2]
    told = "Worker 2 stopped, so this worker stops too. On worker 2: --data /w2/pairs: no such folder."
    assert [(type(e), str(e)) for e in raised[:2]] == [(ValueError, told)] * 2

    # Several fail: each raises its own; the others hear the chief first; any error type, named.
    errors = {0: OSError(28, "No space left on device"), 1: ValueError("--data /w1: cannot be read")}
    raised = on_workers(3, lambda strategy: distribute.stop_alike(strategy, errors.get(strategy.index)))
    assert raised[:2] == [errors[0], errors[1]]
    assert str(raised[2]) == ("The chief worker stopped, so this worker stops too. On the chief: "
                              "OSError: [Errno 28] No space left on device")

    # Nobody fails: no error anywhere; the chief's message alone still reaches everyone.
    assert on_workers(2, lambda strategy: distribute.stop_alike(strategy, None)) == [[], []]  # no notes either
    sent = {0: "café " + "x" * distribute.MESSAGE_BYTES, 1: None}
    heard = on_workers(2, lambda strategy: distribute.worker_messages(strategy, sent[strategy.index]))
    # Cut to MESSAGE_BYTES bytes (é is two); the worker without a message is left out.
    assert heard == [[("the chief", sent[0][: distribute.MESSAGE_BYTES - 1])]] * 2


class Model:
    """What the backup and history callbacks use of a model, on one fake worker."""

    def __init__(self, strategy, save_error=None, load_error=None):
        self.distribute_strategy, self.save_error, self.load_error = strategy, save_error, load_error
        self.built, self.optimizer, self.loaded = True, None, []

    def save_weights(self, filepath, overwrite=True):
        if self.save_error:
            raise self.save_error
        with tf.io.gfile.GFile(filepath, "w") as f:  # as Keras writes: a remote backup too
            f.write("weights")

    def load_weights(self, filepath):
        if self.load_error:
            raise self.load_error
        self.loaded.append(filepath)


def _on_both(make, hook, models=None):
    """`make(strategy)` on a chief and a worker, then `hook(callback)`; `models`: worker -> `Model` keywords."""

    def action(strategy):
        callback = make(strategy)
        callback.agree_across_workers = True  # as `keras-cgan train` sets it on every worker's callbacks
        callback.set_model(Model(strategy, **(models or {}).get(strategy.index, {})))
        hook(callback)
        return callback

    return on_workers(2, action)


def test_the_backup_written_by_the_chief_stops_every_worker_when_it_fails(tmp_path):
    # Was: the chief's OSError; the other worker, in the next collective, a "Socket closed".
    from keras_cgan.callbacks import backup_and_restore

    folder = str(tmp_path / "backup")
    full = OSError(28, "No space left on device")
    chief, other = _on_both(lambda strategy: backup_and_restore(folder, strategy), lambda c: c.on_epoch_end(0),
                            models={0: {"save_error": full}})
    assert chief is full and full.filename == folder  # the backup named (was: no file)
    assert str(other) == "The chief worker stopped, so this worker stops too. On the chief: " \
        f"OSError: [Errno 28] No space left on device: '{folder}'"

    # Written: by the chief alone (the other worker's save would raise); both restore it.
    chief, other = _on_both(lambda strategy: backup_and_restore(folder, strategy), lambda c: c.on_epoch_end(0),
                            models={1: {"save_error": AssertionError("worker 1 wrote the backup")}})
    assert not isinstance(other, Exception)
    assert sorted(os.listdir(folder)) == ["latest.weights.h5", "training_metadata.json"]
    chief, other = _on_both(lambda strategy: backup_and_restore(folder, strategy), lambda c: c.on_train_begin())
    assert chief.model.loaded == other.model.loaded == [os.path.join(folder, "latest.weights.h5")]

    # A worker that cannot read it stops the chief too (was: the chief trained on, waiting for it).
    chief, other = _on_both(lambda strategy: backup_and_restore(folder, strategy), lambda c: c.on_train_begin(),
                            models={1: {"load_error": OSError("unable to open file (truncated file)")}})
    assert str(other) == "unable to open file (truncated file)"
    assert str(chief) == "Worker 1 stopped, so this worker stops too. On worker 1: " \
        "OSError: unable to open file (truncated file)"
    # Whatever it raised (here the storage's, of a gs:// backup; was: the chief trained on).
    chief, other = _on_both(lambda strategy: backup_and_restore(folder, strategy), lambda c: c.on_train_begin(),
                            models={1: {"load_error": tf.errors.UnavailableError(None, None, "gs://b: try again")}})
    assert str(chief) == "Worker 1 stopped, so this worker stops too. On worker 1: UnavailableError: gs://b: try again"


class Cut(Model):
    """Reads the weights file (through `tf.io.gfile`, as Keras does): `"cut"` is one a kill cut short."""

    delay = 0.0  # seconds before it reads

    def load_weights(self, filepath):
        time.sleep(self.delay)
        with tf.io.gfile.GFile(filepath) as f:
            if f.read() == "cut":
                raise OSError("unable to open file (truncated file)")
        self.loaded.append(filepath)


def _broken_backup(folder):
    """`folder` (a path or a `tf.io.gfile` URL) as a kill while the chief wrote the latest weights leaves it."""
    tf.io.gfile.makedirs(folder)
    for name, text in (("latest.weights.h5", "cut"), ("latest.weights.h5.bkp", "weights"),
                       ("training_metadata.json.bkp", '{"epoch": 2, "batch": 0}')):
        with tf.io.gfile.GFile(f"{folder}/{name}", "w") as f:
            f.write(text)


def _restore_on_both(folder, slow=None, collective=None):
    """`on_train_begin` of a `backup_and_restore(folder)` on a chief and a worker, then the backup of the epoch
    they resumed at; `slow`: the worker that reads late. `collective`: a list the chief's all-reduces are appended to,
    by where (`"begin"`, `"save"`)."""
    from keras_cgan.callbacks import backup_and_restore

    def action(strategy):
        callback = backup_and_restore(folder, strategy, double_checkpoint=True)
        callback.agree_across_workers = True
        callback.set_model(Cut(strategy))
        callback.model.delay = 0.5 if strategy.index == slow else 0.0
        if collective is not None and strategy.index == 0:
            reduce = strategy.reduce
            strategy.reduce = lambda *args, **kwargs: collective.append(place) or reduce(*args, **kwargs)
        place = "begin"
        callback.on_train_begin()
        place = "save"
        callback.on_epoch_end(callback.model._initial_epoch)
        return callback

    return on_workers(2, action)


def test_a_broken_latest_backup_is_replaced_by_the_previous_copy_once_every_worker_read_it(tmp_path):
    folder = tmp_path / "backup"
    _broken_backup(str(folder))
    reduced = []
    chief, other = _restore_on_both(str(folder), slow=1, collective=reduced)
    assert chief.model._initial_epoch == other.model._initial_epoch == 2  # both read the previous copy
    assert other.model.loaded[-1].endswith("previous.weights.h5")  # not the latest, replaced before it read
    # The chief copied it over the latest (as Keras does) before its next write, which copied the latest over the
    # previous copy: that one is readable still (was "cut" without the copy).
    assert (folder / "latest.weights.h5.bkp").read_text() == "weights"
    assert (folder / "training_metadata.json.bkp").read_text() == '{"epoch": 2, "batch": 0}'
    assert (folder / "training_metadata.json").read_text() == '{"epoch": 3, "batch": 0}'
    # One agreement when training begins (every worker's restore), one per write: the copy rides in the first
    # write's (was: an agreement of its own when training began, in every fit).
    assert reduced == ["begin", "save"]


def test_resume_from_the_previous_copy_is_said_by_the_chief_and_a_later_read_forgets_it(tmp_path, capsys):
    from keras_cgan.cli import train

    folder = tmp_path / "backup"
    _broken_backup(str(folder))

    def action(strategy):
        callback = train._backup(str(folder))
        callback.agree_across_workers = True
        callback.set_model(Cut(strategy))
        callback.on_train_begin()
        return callback

    chief, other = on_workers(2, action)
    latest = os.path.join(str(folder), "latest.weights.h5")
    assert chief.unreadable[0] == other.unreadable[0] == latest
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warned == [f"keras-cgan train: warning: --resume: the backup {latest} cannot be read (unable to open file "
                      f"(truncated file)); its previous copy {latest}.bkp, one save older, was loaded instead."]  # was twice
    # Read again, the latest readable: neither said nor put back by the next write (was: the first read's kept).
    (folder / "latest.weights.h5").write_text("weights of epoch 3")
    chief.agree_across_workers = False  # the chief alone from here
    chief.restore()
    assert chief.unreadable is None and not capsys.readouterr().err
    chief.on_epoch_end(3)
    assert (folder / "latest.weights.h5.bkp").read_text() == "weights of epoch 3"


class Flaky(Cut):
    """Worker 1 cannot read the latest weights (a storage hiccup on its side); every other read works."""

    def load_weights(self, filepath):
        if self.distribute_strategy.index == 1 and filepath.endswith("latest.weights.h5"):
            raise OSError("unable to open file (bad object header version number)")
        super().load_weights(filepath)


@pytest.mark.parametrize("agree", [True, False])
def test_a_worker_alone_falling_back_to_the_previous_copy_is_said(tmp_path, agree):
    # Was: silent; worker 1 trained on from the weights and the epoch of one save older, the chief from the latest.
    from keras_cgan.callbacks import backup_and_restore

    folder = tmp_path / "backup"
    _broken_backup(str(folder))
    (folder / "latest.weights.h5").write_text("weights")
    (folder / "training_metadata.json").write_text('{"epoch": 3, "batch": 0}')

    def action(strategy):
        callback = backup_and_restore(str(folder), strategy, double_checkpoint=True)
        callback.agree_across_workers = agree
        callback.set_model(Flaky(strategy))
        if agree:
            callback.on_train_begin()
            return callback
        with warnings.catch_warnings(record=True) as caught:  # one worker at a time: no collective without `agree`
            warnings.simplefilter("always")
            callback.on_train_begin()
        return [str(w.message) for w in caught]

    collective = Collective(2)
    chief, other = on_workers(2, action) if agree else [action(FakeWorker(collective, i)) for i in range(2)]
    latest = os.path.join(str(folder), "latest.weights.h5")
    said = (f"the backup {latest} cannot be read (unable to open file (bad object header version number)); its previous "
            "copy, one save older, was loaded instead")
    if agree:  # every worker stops, the one that fell back named
        assert type(chief) is type(other) is ValueError and str(chief) == str(other) == (
            f"The workers read different copies of the backup in {folder}: on worker 1, {said}; the chief read the "
            "latest. Their weights and epochs would differ: check that every worker sees the same files there, then "
            "run again.")
    else:  # no collective: the worker says it itself
        assert chief == [] and other == [f"This worker (not the chief): {said}. The chief may have read the latest "
                                         "copy, and the workers' weights then differ: set `agree_across_workers` on "
                                         "every worker's copy of the callback for them to agree on the copy read."]


def test_a_backup_on_remote_storage_falls_back_to_its_previous_copy(monkeypatch):
    import keras

    # Was: its previous copy looked for with os.path: never found at a gs:// (here ram://) URL.
    folder = f"ram://backup-{uuid.uuid4().hex}"
    _broken_backup(folder)
    gfile = importlib.import_module("tensorflow.io.gfile")  # as Keras loads it: it replaces `tf.io.gfile`
    copied, copy = [], gfile.copy
    monkeypatch.setattr(gfile, "copy", lambda source, target, overwrite=False: copied.append(
        (source, target, overwrite)) or copy(source, target, overwrite))  # ram:// appends to a file it overwrites
    # Keras' own write of the backup left out: its copies fail on ram:// (NotFoundError), not on gs://.
    monkeypatch.setattr(keras.callbacks.BackupAndRestore, "_save_model", lambda self: None)
    chief, other = _restore_on_both(folder)
    assert chief.model._initial_epoch == other.model._initial_epoch == 2
    assert copied.count((f"{folder}/latest.weights.h5.bkp", f"{folder}/latest.weights.h5", True)) == 1  # the chief's
    assert (f"{folder}/training_metadata.json.bkp", f"{folder}/training_metadata.json", True) in copied


def test_a_failed_copy_over_the_latest_backup_stops_every_worker(tmp_path, monkeypatch):
    # Was: the chief alone copied, outside any agreement: its ENOSPC left the other worker waiting for it.
    import shutil

    folder = tmp_path / "backup"
    _broken_backup(str(folder))
    full = OSError(28, "No space left on device")

    def refused(copy):
        def copy_but_over_the_latest(source, target, *args, **kwargs):
            if str(target) == str(folder / "latest.weights.h5"):
                raise full
            return copy(source, target, *args, **kwargs)
        return copy_but_over_the_latest

    gfile = importlib.import_module("tensorflow.io.gfile")
    monkeypatch.setattr(gfile, "copy", refused(gfile.copy))
    monkeypatch.setattr(shutil, "copyfile", refused(shutil.copyfile))
    chief, other = _restore_on_both(str(folder))
    assert chief is full
    assert str(other) == "The chief worker stopped, so this worker stops too. On the chief: " \
        "OSError: [Errno 28] No space left on device"


def test_the_history_written_by_the_chief_stops_every_worker_when_it_fails(tmp_path):
    from keras_cgan.cli import train

    path = tmp_path / "history.csv"
    path.mkdir()  # in the way of the chief's write
    chief, other = _on_both(lambda strategy: train._history_logger(str(path)),
                            lambda c: c.on_epoch_end(0, {"d_loss": 1.0}))
    assert isinstance(chief, IsADirectoryError)
    assert str(other).startswith("The chief worker stopped, so this worker stops too. On the chief: "
                                 "IsADirectoryError: ")
    path.rmdir()
    _on_both(lambda strategy: train._history_logger(str(path)), lambda c: c.on_epoch_end(0, {"d_loss": 1.0}))
    assert path.read_text().splitlines() == ["epoch,d_loss", "0,1.0"]  # once: the chief's


@pytest.mark.parametrize("family, read", [  # was: every family's endings for each (a pix2pix run's wav, a segan's png)
    ("pix2pix", ["A/0.png", "B/0.JPG", "clips/a.gif"]),
    ("segan", ["clean_trainset_wav/a.wav"]),
    ("conditional_gan", ["A/0.png", "B/0.JPG", "clips/a.gif", "tags.csv"]),
    ("stack_gan", ["A/0.png", "B/0.JPG", "clips/a.gif", "tags.csv"]),
    ("next_frame_gan", ["A/0.png", "B/0.JPG", "clips/a.gif", "clips/b.mp4"]),
])
def test_data_files_list_only_what_the_familys_loader_reads(tmp_path, family, read):
    from keras_cgan.cli import run_folder
    from keras_cgan.cli.recipes import FAMILIES

    for name in ("A/0.png", "B/0.JPG", "clean_trainset_wav/a.wav", "tags.csv", "clips/a.gif", "clips/b.mp4",
                 "README.md", "notes.txt", "A/.DS_Store", "A/Thumbs.db"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"123")
    assert sorted(run_folder.data_files(str(tmp_path), endings=FAMILIES[family].data_endings)) == read


TINY = ["--size", "16", "--filters", "4", "--batch-size", "2", "--set", "receptive_field=16", "--verbose", "0"]


class Stop(Exception):
    pass


def test_resume_keeps_the_runs_preview_unless_the_data_changed(tmp_path, capsys, monkeypatch):
    # Was: every --resume wrote preview.npz again from the data; a README beside it warned that the data changed.
    from keras_cgan.cli import main
    from keras_cgan.cli.recipes import spec
    from keras_cgan.models.gan_model import GANModel

    data, out = write_pix2pix_pairs(tmp_path / "pairs"), str(tmp_path / "run")
    family, made = spec.FAMILIES["pix2pix"], {}

    def once(name, make):  # the first run's data and model, reused: what --resume writes is checked, not them
        return lambda *args: made[name] if name in made else made.setdefault(name, make(*args))

    monkeypatch.setitem(spec.FAMILIES, "pix2pix", dataclasses.replace(
        family, load_data=once("data", family.load_data), build=once("gan", family.build)))
    monkeypatch.setattr(GANModel, "fit", lambda self, *args, **kwargs: None)  # the files, not the training
    monkeypatch.setattr(GANModel, "save", lambda self, *args, **kwargs: (_ for _ in ()).throw(Stop()))  # stop there
    with pytest.raises(Stop):
        main(["train", "pix2pix", "--data", str(data), "--out", out, "--epochs", "1"] + TINY)
    preview = os.path.join(out, "preview.npz")
    with np.load(preview) as saved:
        conditions, targets = saved["conditions"], saved["targets"]
    np.savez(preview, conditions=conditions[::-1], targets=targets[::-1])  # the run's own, unlike the data's
    for name in ("README.md", "notes.txt", ".DS_Store", "voice.wav"):  # a wav is no pix2pix data (was: a warning)
        (data / name).write_text("not data")
    capsys.readouterr()

    resume = ["train", "pix2pix", "--out", out, "--resume", "--epochs", "2", "--verbose", "0"]
    with pytest.raises(Stop):
        main(resume)
    assert "warning" not in capsys.readouterr().err
    with np.load(preview) as kept:
        np.testing.assert_array_equal(kept["conditions"], conditions[::-1])

    from PIL import Image

    Image.fromarray(np.zeros((16, 16, 3), "uint8")).save(data / "A" / "0.png")  # other data, as many pairs
    with pytest.raises(Stop):
        main(resume)
    err = capsys.readouterr().err
    assert "1 of another size (A/0.png: " in err
    assert "note: --resume: preview.npz (the examples samples are drawn for) is made again from the data as it " \
        "is now" in err
    with np.load(preview) as renewed:
        assert not np.array_equal(renewed["conditions"], conditions[::-1])


def test_a_final_save_failing_otherwise_than_with_an_oserror_reaches_every_worker(tmp_path, monkeypatch):
    # Was: only an OSError was told to the other workers; any other error left them in a "Socket closed".
    from keras_cgan.cli import main
    from keras_cgan.models.gan_model import GANModel

    stopped = []
    stop_alike = distribute.stop_alike
    monkeypatch.setattr(distribute, "stop_alike", lambda strategy, error: stopped.append(error) or stop_alike(
        strategy, error))
    monkeypatch.setattr(GANModel, "fit", lambda self, *args, **kwargs: None)
    monkeypatch.setattr(GANModel, "save", lambda self, *args, **kwargs: (_ for _ in ()).throw(Stop("no")))
    with pytest.raises(Stop):
        main(["train", "pix2pix", "--data", str(write_pix2pix_pairs(tmp_path / "pairs")), "--out", str(tmp_path / "run"),
              "--epochs", "1"] + TINY)
    assert isinstance(stopped[-1], Stop)  # the last agreement carried it
