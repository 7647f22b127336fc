"""A training job killed mid-epoch resumes where it was, for every family.

ConditionalGAN: a real subprocess is killed with SIGKILL and started again
with the same command. The other families: one subprocess per test run
interrupts `fit` with an exception at a given batch (what `BackupAndRestore`
sees of a crash is the same: nothing after its last save), fits again, and
compares with an uninterrupted fit. That one process also makes the
uninterrupted ConditionalGAN run the killed one is compared with. Both with op determinism on and fixed
seeds, so resumed and uninterrupted runs must agree to float rounding.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests import families
from tests.test_case import REPO, run_isolated, write_pix2pix_pairs

JOB = """
import json, os, signal, sys
import keras, numpy as np, tensorflow as tf
tf.config.experimental.enable_op_determinism()
from keras_cgan import ConditionalGAN, networks
backup, out, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
keras.utils.set_random_seed(0)
g = networks.conditional_generator((8, 8, 1), 4, latent_dim=6, base_filters=8)
d = networks.conditional_discriminator((8, 8, 1), 4, base_filters=8)
gan = ConditionalGAN(g, d, condition=4, seed=3, ema_decay=0.9)
gan.compile()
rng = np.random.default_rng(0)
images = rng.uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
labels = (np.arange(64) % 4).astype("int32")
ds = tf.data.Dataset.from_tensor_slices((labels, images)).batch(16)

class Crash(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.generator_optimizer.iterations.numpy())
        if step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

class Epochs(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        with open(out + ".epochs", "a") as f:
            f.write(f"{epoch} {int(self.model.generator_optimizer.iterations.numpy())}\\n")

gan.fit(ds, epochs=4, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup), Crash(), Epochs()])
np.save(out, np.concatenate([np.ravel(w).astype("float64") for w in gan.get_weights()]))
with open(out + ".json", "w") as f:
    json.dump({"seed_state": np.asarray(gan.seed_state).tolist(),
               "ema": np.concatenate([np.ravel(v) for v in gan.ema_variables]).tolist(),
               "steps": int(gan.generator_optimizer.iterations.numpy())}, f)
"""


def run_job(tmp_path, name, backup, kill_at):
    script = tmp_path / "job.py"
    script.write_text(JOB)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO)
    out = str(tmp_path / name)
    proc = subprocess.run(
        [sys.executable, str(script), str(backup), out, str(kill_at)], env=env, capture_output=True, text=True, timeout=600
    )
    return proc, out


def test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path, interrupted):
    # 4 batches per epoch; step 10 is in the middle of the third epoch (epoch index 2).
    killed, out = run_job(tmp_path, "resumed", tmp_path / "backup", kill_at=10)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert not os.path.exists(out + ".npy")
    resumed, _ = run_job(tmp_path, "resumed", tmp_path / "backup", kill_at=-1)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    with open(out + ".epochs") as f:
        epochs = [tuple(int(v) for v in line.split()) for line in f]
    # (epoch, optimizer steps at its start). First run: epochs 0, 1, 2 (killed
    # in 2 at step 10). Second run: the lost epoch 2 again from the state saved
    # after epoch 1 (step 8, so no completed epoch is retrained), then 3.
    assert epochs == [(0, 0), (1, 4), (2, 8), (2, 8), (3, 12)]
    straight_out = str(interrupted[0] / "straight")  # JOB run to the end in the `interrupted` process
    with open(out + ".json") as f, open(straight_out + ".json") as g:
        resumed_state, straight_state = json.load(f), json.load(g)
    assert resumed_state["steps"] == straight_state["steps"] == 16
    # The noise stream continues (the seed state is restored, not restarted)...
    assert resumed_state["seed_state"] == straight_state["seed_state"]
    assert resumed_state["seed_state"][1] > 16  # advanced by every step's draws
    # ... the generator average too (an average restarted at resume would differ) ...
    np.testing.assert_allclose(resumed_state["ema"], straight_state["ema"], atol=1e-6)
    # ... and every weight: both networks, both optimizers' slots, seed, average.
    np.testing.assert_allclose(np.load(out + ".npy"), np.load(straight_out + ".npy"), atol=1e-6)
    assert not os.path.exists(tmp_path / "backup")  # a finished run removes its backup


INTERRUPTED = """
import os, shutil, sys
import keras, numpy as np, tensorflow as tf
tf.config.experimental.enable_op_determinism()
from tests import families

class Crash(Exception):
    pass

class Interrupt(keras.callbacks.Callback):
    def __init__(self, at):
        super().__init__()
        self.at = at
    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.generator_optimizer.iterations.numpy()) == self.at:
            raise Crash()  # what a crash leaves: nothing after the last save

def run(family, backup, interrupt_at=None):
    gan = families.build(family, ema_decay=0.8)
    callbacks = [keras.callbacks.BackupAndRestore(backup)]
    if interrupt_at:
        callbacks.append(Interrupt(interrupt_at))
    epochs = []
    callbacks.append(keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: epochs.append(e)))
    try:
        gan.fit(families.dataset(family, 24, 8), epochs=3, verbose=0, callbacks=callbacks)
    except Crash:
        return None, epochs
    return families.flat(gan.weights), epochs

# the uninterrupted run of JOB (ConditionalGAN), for the SIGKILL test: JOB as its own process runs it
sys.argv = ["job", os.path.join({out!r}, "straight_backup"), os.path.join({out!r}, "straight"), "-1"]
exec(compile({job!r}, "job", "exec"), {{"__name__": "__main__"}})

result = {{}}
for family in {families}:
    base = os.path.join({out!r}, family)
    _, first = run(family, base + "_backup", interrupt_at=5)  # 3 steps per epoch: in epoch 1
    resumed, second = run(family, base + "_backup")
    straight, _ = run(family, base + "_straight")
    result[family] = {{"resumed": resumed, "straight": straight, "epochs": first + second}}
emit(result)
"""


OTHERS = [f for f in families.FAMILIES if f != "conditional"]


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """(its folder, its result): one process for INTERRUPTED and the uninterrupted JOB."""
    out = tmp_path_factory.mktemp("interrupted")
    return out, run_isolated(INTERRUPTED.format(families=OTHERS, out=str(out), job=JOB))


def test_interrupted_fit_resumes_like_an_uninterrupted_one_for_every_family(interrupted):
    result = interrupted[1]
    for family in OTHERS:
        assert result[family]["epochs"] == [0, 1, 1, 2], family  # epoch 0 is not trained again
        np.testing.assert_allclose(
            np.array(result[family]["resumed"]), np.array(result[family]["straight"]), atol=1e-6, err_msg=family
        )


def test_resume_compares_the_data_files_by_name_and_size(tmp_path, capsys):
    from PIL import Image

    from keras_cgan.cli import main

    data = write_pix2pix_pairs(tmp_path / "pairs")
    out = str(tmp_path / "run")
    tiny = ["--size", "16", "--filters", "4", "--batch-size", "2", "--set", "receptive_field=16", "--verbose", "0"]
    assert main(["train", "pix2pix", "--data", str(data), "--out", out, "--epochs", "1"] + tiny) == 0
    with open(os.path.join(out, "data_files.json")) as f:
        recorded = json.load(f)["files"]
    assert sorted(recorded) == [f"{side}/{i}.png" for side in "AB" for i in range(4)]
    assert recorded["A/0.png"] == os.path.getsize(data / "A" / "0.png")
    capsys.readouterr()

    # The data folder moved: the same files elsewhere resume silently (was: a warning that only counts were checked).
    moved = tmp_path / "moved"
    os.rename(data, moved)
    resume = ["train", "pix2pix", "--out", out, "--resume", "--data", str(moved), "--verbose", "0"]
    assert main(resume + ["--epochs", "2"]) == 0
    assert "warning" not in capsys.readouterr().err

    # Other files, as many: a warning names what differs (was: silent, the counts being equal).
    for side in "AB":
        os.rename(moved / side / "1.png", moved / side / "9.png")
    then = os.path.getsize(moved / "A" / "0.png")
    Image.fromarray(np.zeros((16, 16, 3), "uint8")).save(moved / "A" / "0.png")
    now = os.path.getsize(moved / "A" / "0.png")
    assert main(resume + ["--epochs", "3"]) == 0
    assert f"warning: --resume: the data folder {moved} holds other files than when the run last trained on it " \
        "(data_files.json, by name and size): 2 files only then (A/1.png, B/1.png); 2 files only now (A/9.png, " \
        f"B/9.png); 1 of another size (A/0.png: {then} bytes then, {now} now). Training goes on with them; if they " \
        "are not the run's data, stop and resume with the right --data." in capsys.readouterr().err
    assert main(resume + ["--epochs", "4"]) == 0  # what the run now trains on is recorded: said once
    assert "warning" not in capsys.readouterr().err


def test_a_run_that_cannot_be_saved_at_the_end_says_so_and_resume_saves_it(tmp_path, capsys, monkeypatch):
    # Was: the OSError's traceback (under several workers, on the chief alone: the others were left in a barrier).
    from keras_cgan.cli import main, train

    out = str(tmp_path / "run")
    command = ["train", "conditional_gan", "--out", out, "--epochs", "1", "--steps-per-epoch", "2", "--verbose", "0",
               "--filters", "4", "--set", "latent_dim=4", "--batch-size", "8"]

    class Full:
        def save(self, path):
            raise OSError(28, "No space left on device")

    served = train.served_generator
    monkeypatch.setattr(train, "served_generator", lambda gan, warn=None: Full())
    assert main(command) == 2
    assert f"error: --out {out}: the trained run could not be saved ([Errno 28] No space left on device); make room " \
        "or fix the folder, then run the same command with --resume to save it." in capsys.readouterr().err
    monkeypatch.setattr(train, "served_generator", served)
    assert main(command + ["--resume"]) == 0
    assert {"gan.keras", "generator.keras", "samples.png"} <= set(os.listdir(out))


def test_data_files_leave_out_unreadable_folders_and_the_run_folder(tmp_path, monkeypatch):
    from keras_cgan.cli import run_folder

    for name in ("A/0.png", "lost+found/x", "B/1.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"12345")

    def denied(listing):  # as for root-owned `lost+found` (the tests may run as root, who reads everything)
        def list_folder(path="."):
            if os.path.basename(os.fspath(path)) == "lost+found":
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return listing(path)
        return list_folder

    monkeypatch.setattr(os, "scandir", denied(os.scandir))
    monkeypatch.setattr(os, "listdir", denied(os.listdir))
    assert run_folder.data_files(str(tmp_path)) == {"A/0.png": 5, "B/1.png": 5}  # was: a PermissionError
    (tmp_path / "runs" / "p2p").mkdir(parents=True)
    (tmp_path / "runs" / "p2p" / "config.json").write_text("{}")
    listing = run_folder.data_files(str(tmp_path), exclude=str(tmp_path / "runs" / "p2p"))
    assert listing == {"A/0.png": 5, "B/1.png": 5}


def test_resume_compares_the_data_files_of_the_runs_own_data_only(tmp_path, capsys):
    import shutil

    from keras_cgan.cli import main

    data = write_pix2pix_pairs(tmp_path / "pairs")
    other = tmp_path / "other"
    shutil.copytree(data, other)
    (other / "A" / "3.png").unlink()
    out = str(data / "runs" / "p2p")  # the runs kept beside A/ and B/
    tiny = ["--size", "16", "--filters", "4", "--batch-size", "2", "--set", "receptive_field=16", "--verbose", "0"]
    assert main(["train", "pix2pix", "--data", str(data), "--out", out, "--epochs", "1"] + tiny) == 0
    capsys.readouterr()
    # Was: a warning that the data folder holds other files (the run's own), at every resume.
    assert main(["train", "pix2pix", "--out", out, "--resume", "--epochs", "2", "--verbose", "0"]) == 0
    assert "warning" not in capsys.readouterr().err
    # Was: a warning naming --data other, 'Training goes on', then the refusal of another --data.
    assert main(["train", "pix2pix", "--out", out, "--resume", "--data", str(other), "--epochs", "3",
                 "--verbose", "0"]) == 2
    err = capsys.readouterr().err
    assert "holds other files" not in err and "Training goes on" not in err and str(other) in err


@pytest.mark.parametrize("saved", [1, 0])
def test_a_backup_that_cannot_be_written_mid_training_is_an_error_of_one_line(tmp_path, capsys, monkeypatch, saved):
    # Was: the OSError's traceback, on one machine and on the chief of several (the other workers: one line).
    from keras_cgan.callbacks import SharedBackup
    from keras_cgan.cli import main
    from keras_cgan.models.gan_model import GANModel

    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    def fit(self, *args, callbacks=(), **kwargs):  # the backups of `saved` epochs, then one onto a full disk
        backup = next(c for c in callbacks if isinstance(c, SharedBackup))
        backup.set_model(self)
        for epoch in range(saved):
            backup.on_epoch_end(epoch)
        monkeypatch.setattr(GANModel, "save_weights", full)
        backup.on_epoch_end(saved)

    monkeypatch.setattr(GANModel, "fit", fit)
    out = tmp_path / "run"
    assert main(["train", "conditional_gan", "--out", str(out), "--epochs", "3", "--verbose", "0", "--filters", "4",
                 "--set", "latent_dim=4", "--batch-size", "8"]) == 2
    backup = out / "backup"
    then = (f"{backup} keeps the last finished epoch: make room or fix the folder, then run the same command with "
            "--resume to continue from it." if saved else
            "Nothing had trained: make room or fix the folder, then run the same command again.")
    assert capsys.readouterr().err == \
        f"keras-cgan train: error: training stopped: {backup}: No space left on device. {then}\n"
    if saved:  # the last finished epoch's backup is kept
        assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 1, "batch": 0}
        assert (backup / "latest.weights.h5").is_file()
    else:  # nothing trained: the run folder is gone, as after any failure before the first epoch
        assert not out.exists()


@pytest.mark.parametrize("how", ["python", "tensorflow"])
def test_a_data_file_unreadable_mid_training_is_an_error_of_one_line_naming_it(tmp_path, capsys, monkeypatch, how):
    # Was: "training stopped: Graph execution error:", the file nowhere; not a backup problem either way.
    import tensorflow as tf

    from keras_cgan.cli import main
    from keras_cgan.models.gan_model import GANModel

    (tmp_path / "1.png").write_bytes(b"read")
    gone = tmp_path / "0.png"

    def denied(path):  # a loader's read inside tf.data (`audio.paired_dataset`)
        if path.decode() == str(gone):
            raise PermissionError(13, "Permission denied", str(gone))
        return path

    def fit(self, *args, **kwargs):  # the first step reads a file, the second one it cannot
        read = tf.io.read_file if how == "tensorflow" else lambda path: tf.numpy_function(denied, [path], tf.string)
        iterator = iter(tf.data.Dataset.from_tensor_slices([str(tmp_path / "1.png"), str(gone)]).map(read))
        step = tf.function(lambda iterator: next(iterator))  # as `fit` steps
        step(iterator)
        step(iterator)

    monkeypatch.setattr(GANModel, "fit", fit)
    assert main(["train", "conditional_gan", "--out", str(tmp_path / "run"), "--epochs", "1", "--verbose", "0",
                 "--filters", "4", "--set", "latent_dim=4", "--batch-size", "8"]) == 2
    said = f"{gone}; No such file or directory" if how == "tensorflow" else f"[Errno 13] Permission denied: '{gone}'"
    assert capsys.readouterr().err == f"keras-cgan train: error: training stopped: {said}. Nothing had trained: " \
        "fix it, then run the same command again.\n"
