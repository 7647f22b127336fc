"""A training job killed with SIGKILL mid-epoch resumes where it was."""

import os
import subprocess
import sys

import numpy as np

from tests.test_case import REPO

JOB = """
import os, signal, sys
import keras, numpy as np, tensorflow as tf
tf.config.experimental.enable_op_determinism()
from keras_cgan import ConditionalGAN, networks
backup, out, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
keras.utils.set_random_seed(0)
g = networks.conditional_generator((8, 8, 1), 4, latent_dim=6, base_filters=8)
d = networks.conditional_discriminator((8, 8, 1), 4, base_filters=8)
gan = ConditionalGAN(g, d, condition=4, seed=3)
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
            f.write(f"{epoch}\\n")

gan.fit(ds, epochs=4, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup), Crash(), Epochs()])
np.save(out, np.concatenate([np.ravel(w) for w in gan.get_weights()]))
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


def test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path):
    # 4 batches per epoch; step 10 is in the middle of the third epoch (epoch index 2).
    killed, out = run_job(tmp_path, "resumed", tmp_path / "backup", kill_at=10)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert not os.path.exists(out + ".npy")
    resumed, _ = run_job(tmp_path, "resumed", tmp_path / "backup", kill_at=-1)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    with open(out + ".epochs") as f:
        epochs = [int(line) for line in f]
    # first run: epochs 0, 1, 2 (killed in 2); second run: only the lost epoch 2 again, then 3.
    assert epochs == [0, 1, 2, 2, 3]
    straight, straight_out = run_job(tmp_path, "straight", tmp_path / "backup2", kill_at=-1)
    assert straight.returncode == 0, straight.stderr[-3000:]
    np.testing.assert_allclose(np.load(out + ".npy"), np.load(straight_out + ".npy"), atol=1e-6)
