"""Each family trains under a MirroredStrategy over two logical CPUs: one process for every part.

A process holds one MirroredStrategy (`run_isolated`), and starting one costs
more than most parts: `PARTS` run in turn in ONE process, each reseeded
(`keras.utils.set_random_seed(0)`, as a fresh process starts) with its own
`emit`. A part that raises keeps its traceback, and its test fails with it;
the others still run. To add a part, add a snippet to `PARTS` and a test that
reads `runs[name]`. The replica battery (every family, every case, compared
with one device) is `test_replicas.py`.
"""

import numpy as np
import pytest

from tests.test_case import run_isolated

CONDITION_DESIGNS = """
import numpy as np, tensorflow as tf
from keras_cgan import ConditionalGAN, TagsCondition, TextCondition, networks
tags = TagsCondition(["a", "b", "c"])
text = TextCondition(9, 4)
rng = np.random.default_rng(0)
data = {"tags": (tags, np.eye(3, dtype="float32")[np.arange(16) % 3]),
        "text": (text, rng.integers(1, 9, (16, 4)).astype("int32"))}
out = {}
for kind, design in [("tags", "concat"), ("tags", "projection"), ("tags", "acgan"), ("text", "two_head"),
                     ("text", "acgan")]:
    condition, c = data[kind]
    with strategy.scope():
        g = networks.conditional_generator((8, 8, 3), condition=condition, latent_dim=4, base_filters=4)
        d = networks.conditional_discriminator((8, 8, 3), condition=condition, conditioning=design, base_filters=4)
        gan = ConditionalGAN(g, d, condition=condition, seed=0)
        gan.compile()
    x = rng.uniform(-1, 1, (16, 8, 8, 3)).astype("float32")
    before = np.concatenate([np.ravel(w) for w in gan.get_weights()])
    logs = gan.fit(tf.data.Dataset.from_tensor_slices((c, x)).batch(16), epochs=1, verbose=0).history
    after = np.concatenate([np.ravel(w) for w in gan.get_weights()])
    out[design if kind == "tags" or design != "acgan" else "text_acgan"] = {"finite": bool(all(np.isfinite(v[-1]) for v in logs.values())),
                   "changed": bool(not np.allclose(before, after)), "parts": sorted(logs)}
emit({"replicas": strategy.num_replicas_in_sync, "runs": out})
"""

NEXT_FRAME = """
import numpy as np
from keras_cgan import NextFrameGAN, networks
from keras_cgan.data import synthetic_video, video
clips = synthetic_video.junction_clips(4, size=16, length=6, context_frames=2, seed=0).frames
ds = video.window_dataset(clips, 2, batch_size=4)
with strategy.scope():
    g = networks.next_frame_generator((16, 16, 1), 2, latent_dim=4, base_filters=4)
    d = networks.next_frame_discriminator((16, 16, 1), 2, base_filters=4)
    gan = NextFrameGAN(g, d, context_frames=2, seed=0)
    gan.compile()
logs = gan.fit(ds.take(1), epochs=1, verbose=0).history
emit({k: float(v[-1]) for k, v in logs.items()})
"""

STACK_GAN_GROWTH = """
import os, tempfile
import keras, numpy as np
from keras_cgan import GrowStages
from keras_cgan.models.stack_gan import build_default
from tests.test_case import flat_weights

labels = (np.arange(16) % 4).astype("int32")
images = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 3)).astype("float32")
with strategy.scope():
    gan = build_default((4, 8, 16), 4, latent_dim=4, code_dim=2, base_filters=4, seed=0)
    gan.compile()
nets = lambda: [gan.generators[1], gan.generators[2], gan.discriminators[1], gan.discriminators[2]]
initial = [flat_weights(m) for m in nets()]
changed = {}

class Probe(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        changed[epoch] = [bool(np.any(flat_weights(m) != w)) for m, w in zip(nets(), initial)]

history = gan.fit(labels, images, batch_size=8, epochs=3, callbacks=[GrowStages([1, 2]), Probe()], verbose=0)
noise = np.random.default_rng(1).standard_normal((4,) + gan.noise_shape).astype("float32")
expected = np.asarray(gan(labels[:4], noise=noise))
with tempfile.TemporaryDirectory() as folder:
    gan.save(os.path.join(folder, "gan.keras"))
    loaded = keras.models.load_model(os.path.join(folder, "gan.keras"))
emit({
    "changed": changed,
    "active": history.history["active_stages"],
    "g_kl": history.history["g_kl"],
    "g_iterations": [int(o.iterations.numpy()) for o in gan.generator_optimizers],
    "d_iterations": [int(o.iterations.numpy()) for o in gan.discriminator_optimizers],
    "shape": list(expected.shape),
    "loaded_stages": loaded.stages(),
    "max_diff": float(np.max(np.abs(np.asarray(loaded(labels[:4], noise=noise)) - expected))),
})
"""

# Masks of `LAYER` under two replicas, for global batches split unevenly, and
# the masks one device draws on the whole global batch from the same seed.
REPLICA_DROPOUT = """
import keras, numpy as np, tensorflow as tf
from keras_cgan.layers import ReplicaDropout
LAYER = ReplicaDropout
results = {}
for sizes in ([2, 2], [2, 1], [1, 0]):
    x = np.ones((sum(sizes), 3, 5), "float32")
    single = LAYER(0.5, seed=11)  # outside the scope: the one-device path
    with strategy.scope():
        mirrored = LAYER(0.5, seed=11)
    parts = np.split(x, np.cumsum(sizes)[:-1])
    per_replica = strategy.experimental_distribute_values_from_function(
        lambda ctx: tf.constant(parts[ctx.replica_id_in_sync_group])
    )
    step = tf.function(lambda t: strategy.run(lambda u: mirrored(u, training=True), args=(t,)))
    calls = []
    for _ in range(2):  # a second call must advance the seed the same way
        replicas = [np.asarray(t) != 0 for t in strategy.experimental_local_results(step(per_replica))]
        calls.append({
            "replicas": [r.tolist() for r in replicas],
            "single": (np.asarray(single(x, training=True)) != 0).tolist(),
        })
    results[str(sizes)] = calls
outside = LAYER(0.5, seed=11)
try:
    strategy.run(tf.function(lambda: outside(tf.ones((2, 3)), training=True)))
    results["outside"] = None
except ValueError as e:
    results["outside"] = str(e)
emit(results)
"""

PARTS = {
    "condition_designs": CONDITION_DESIGNS,
    "next_frame": NEXT_FRAME,
    "stack_gan_growth": STACK_GAN_GROWTH,
    "replica_dropout": REPLICA_DROPOUT,
}

# Runs each part with its own globals: `strategy`, and an `emit` that keeps what the part sends.
RUNNER = """
import traceback
import keras
results = {}
for name, code in PARTS.items():
    keras.utils.set_random_seed(0)
    sent = []
    try:
        exec(code, {"strategy": strategy, "emit": sent.append})
        results[name] = {"result": sent[-1]} if sent else {"error": "the part emitted nothing"}
    except Exception:
        results[name] = {"error": traceback.format_exc()[-4000:]}
emit(results)
"""


@pytest.fixture(scope="module")
def runs():
    # The four processes this one replaces had 3600 s between them (a loaded machine is slow).
    return run_isolated(f"PARTS = {PARTS!r}\n" + RUNNER, replicas=2, timeout=3600)


def result(runs, name):
    """What part `name` emitted; fails with the part's traceback if it raised."""
    assert name in runs, f"part {name!r} did not run: add it to PARTS"
    run = runs[name]
    assert "error" not in run, f"part {name!r} under MirroredStrategy failed:\n{run.get('error')}"
    return run["result"]


def test_every_design_trains_one_step_under_mirrored_strategy(runs):
    got = result(runs, "condition_designs")
    assert got["replicas"] == 2
    assert set(got["runs"]) == {"concat", "projection", "acgan", "two_head", "text_acgan"}
    for design, run in got["runs"].items():
        assert run["finite"] and run["changed"], design
    assert "d_aux" in got["runs"]["acgan"]["parts"] and "d_match" in got["runs"]["two_head"]["parts"]
    assert "g_aux" in got["runs"]["text_acgan"]["parts"]


def test_junction_data_trains_one_step_under_mirrored_strategy(runs):
    got = result(runs, "next_frame")
    assert {"d_loss", "g_loss", "g_adv", "g_l2"} <= set(got)
    assert all(np.isfinite(v) for v in got.values())
    assert 0.0 < got["g_l2"] < 4.0


def test_growth_one_to_three_inside_one_fit_under_mirrored_strategy(runs):
    got = result(runs, "stack_gan_growth")
    # Epoch 0: stage 1 alone -> stages 2 and 3 (G and D) untouched; epoch 1: stage 2 trains, 3 untouched.
    assert got["changed"]["0"] == [False, False, False, False]
    assert got["changed"]["1"] == [True, False, True, False]
    assert got["changed"]["2"] == [True, True, True, True]
    assert got["active"] == [1.0, 2.0, 3.0]
    assert all(kl > 0 for kl in got["g_kl"])
    # 2 steps per epoch: each stage's optimizers counted only the steps it was active.
    assert got["g_iterations"] == [6, 4, 2] and got["d_iterations"] == [6, 4, 2]
    assert got["shape"] == [4, 16, 16, 3]
    assert got["loaded_stages"] == 3
    assert got["max_diff"] < 1e-5


def test_two_replicas_draw_the_masks_of_one_device(runs):
    results = dict(result(runs, "replica_dropout"))
    outside = results.pop("outside")
    for sizes, calls in results.items():
        first, second = calls
        for call in calls:
            parts = [np.array(r, bool).reshape(-1, 3, 5) for r in call["replicas"]]
            np.testing.assert_array_equal(np.concatenate(parts), np.array(call["single"]), err_msg=sizes)
            if all(len(p) for p in parts):  # the replicas' own rows differ
                assert not np.array_equal(parts[0][0], parts[1][0]), sizes
        assert first["single"] != second["single"], sizes  # the seed advanced
    # A layer made outside the strategy's scope would draw a seed per replica.
    assert outside is not None and "strategy.scope()" in outside
