"""Two worker processes on 127.0.0.1 train every family like one worker with the same global batch.

One launch of two workers trains all families in sequence (a launch costs
more than the training); one single-worker process runs the same code beside
them.
Each family trains 3 steps of global batch 8 with a weight average
(`ema_decay`), binding gradient-clipping limits (measured on the global
batch's gradient, not each worker's part) and its sample writer; only the
chief may write files. Then ConditionalGAN and StackGAN (noise and per-row
draws of the global batch) run `train_on_batch`, `test_on_batch` and
`predict_on_batch` on a batch of 5, which they split 3/2 over the workers as
`fit` does (Keras gives each replica the whole batch). A sample writer that
cannot write on the chief alone (before training, or mid-run) stops both
workers with the chief's message; so does `keras-cgan train` refusing a run
folder on the chief, or a data folder on the other worker alone (every worker
then names it), and it trains on both.
"""

import os

import numpy as np

from tests import families
from tests.test_case import collect_isolated, run_workers, start_isolated, stop_isolated

ON_BATCH = ("conditional", "stackgan")

EVERY_FAMILY = """
import json, os
import numpy as np
from tests import families
from keras_cgan.callbacks import AudioSamples, SampleGrid
from keras_cgan.models.next_frame_gan.callbacks import RolloutGIF

task = json.loads(os.environ.get("TF_CONFIG", '{{"task": {{"index": 0}}}}'))["task"]["index"]
folder = os.path.join({out!r}, f"replicas{{strategy.num_replicas_in_sync}}_task{{task}}")
result = {{"replicas": strategy.num_replicas_in_sync}}
for family in families.FAMILIES:
    with strategy.scope():
        # SGD: see families._optimizer
        gan = families.build(
            family, ema_decay=0.5, optimizer="sgd", clip=families.BINDING_CLIP,
            **families.RANDOMISED.get(family, {{}}),
        )
    conditions, targets = families.data(family, 4, seed=1)
    log_dir = os.path.join(folder, family, "logs")
    writer = {{
        "conditional": lambda: SampleGrid(conditions, os.path.join(folder, family, "grid.png"), rows=2, every=1, log_dir=log_dir, ema=True),
        "pix2pix": lambda: SampleGrid(conditions, os.path.join(folder, family, "grid.png"), rows=2, every=1, log_dir=log_dir),
        "stackgan": lambda: SampleGrid(conditions, os.path.join(folder, family, "grid.png"), rows=2, every=1, log_dir=log_dir),
        "segan": lambda: AudioSamples([conditions.reshape(-1)[:300]], os.path.join(folder, family), log_dir=log_dir),
        "next_frame": lambda: RolloutGIF(np.random.default_rng(0).uniform(-1, 1, (2, 3, 8, 8, 1)), os.path.join(folder, family), log_dir=log_dir),
    }}[family]()
    history = gan.fit(families.dataset(family, 24, 8), epochs=1, verbose=0, callbacks=[writer])
    result[family] = {{
        "steps": int(gan.generator_optimizer.iterations.numpy()),
        "weights": families.flat(gan.weights),
        "ema": families.flat(gan.ema_variables),
        "generator": families.flat(gan.generator.weights),
        "logs": {{k: float(np.ravel(v[-1])[0]) for k, v in history.history.items()}},
    }}
    if family in {on_batch!r}:
        x, y = families.data(family, 5, seed=2)
        logs = gan.train_on_batch(x, y, return_dict=True)
        logs.update({{"test_" + k: v for k, v in gan.test_on_batch(x, y, return_dict=True).items()}})
        predicted = np.asarray(gan.predict_on_batch(x)).tolist()
        result[family]["on_batch"] = {{"weights": families.flat(gan.weights), "logs": logs, "predicted": predicted}}

# The chief alone cannot write (a file in the way of its sample folder; a full disk mid-run): with
# `agree_across_workers` every worker stops alike, with the chief's message, instead of the others waiting
# for it in the next collective.
from keras_cgan.callbacks import SampleWriter

class Failing(SampleWriter):
    def write(self, epoch):
        raise OSError(f"no space left at epoch {{epoch + 1}}")

if task == 0:
    open(os.path.join(folder, "in_the_way"), "w").close()
result["stopped"] = {{}}
for case, writer in (("begin", SampleGrid(conditions, os.path.join(folder, "in_the_way", "grid.png"), rows=2)),
                     ("write", Failing())):
    writer.agree_across_workers = True  # the same callback on every worker
    steps = int(gan.generator_optimizer.iterations.numpy())
    try:
        gan.fit(families.dataset(family, 24, 8), epochs=1, verbose=0, callbacks=[writer])
    except (OSError, ValueError) as error:
        result["stopped"][case] = [type(error).__name__, str(error), int(gan.generator_optimizer.iterations.numpy()) - steps]

# The command line on both workers: a run folder the chief refuses to overwrite stops both; a run trains.
if "TF_CONFIG" in os.environ:
    import contextlib, io
    from keras_cgan import distribute
    from keras_cgan.cli import main

    distribute.make_strategy = lambda name: strategy  # one per process: a second one's collectives collide

    taken = os.path.join({out!r}, "cli_taken")
    os.makedirs(taken, exist_ok=True)
    open(os.path.join(taken, "notes.txt"), "w").close()
    tiny = ["--strategy", "multiworker", "--epochs", "1", "--steps-per-epoch", "2", "--verbose", "0",
            "--filters", "4", "--set", "latent_dim=4", "--batch-size", "8"]
    # Worker 1 alone cannot read its copy of the data (here: it has none): every worker stops before training.
    faces = os.path.join({out!r}, "faces")
    if task == 0:
        from PIL import Image
        os.makedirs(os.path.join(faces, "images"))
        with open(os.path.join(faces, "tags.csv"), "w") as f:
            f.write("id,tags\\n" + "".join(f"{{i}},{{['blue', 'red'][i % 2]}} hair\\n" for i in range(8)))
        for i in range(8):
            Image.fromarray(np.full((8, 8, 3), 30 * i, "uint8")).save(os.path.join(faces, "images", f"{{i}}.png"))
    distribute.barrier(strategy)  # the chief has written the folder
    own_data = ["--data", faces if task == 0 else faces + "_on_worker1", "--size", "8"]
    result["cli"] = []
    for run, extra in ((taken, []), (os.path.join({out!r}, "cli_run"), []), (os.path.join({out!r}, "cli_data"), own_data)):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = main(["train", "conditional_gan", "--out", run] + tiny + extra)
        result["cli"].append([status, err.getvalue()])
emit(result)
"""


def test_two_workers_match_each_other_and_one_worker_for_every_family(tmp_path):
    code = EVERY_FAMILY.format(out=str(tmp_path), on_batch=ON_BATCH)
    # One worker alone runs beside the two. Generous timeouts: a shared
    # machine can make the launch 10x slower than on an idle one.
    alone = start_isolated(code, replicas=1)
    try:
        first, second = run_workers(code, workers=2, timeout=1800)
    except BaseException:
        stop_isolated(alone)
        raise
    single = collect_isolated(alone, timeout=1800)
    assert (first["replicas"], second["replicas"], single["replicas"]) == (2, 2, 1)
    for family in families.FAMILIES:
        a, b, one = first[family], second[family], single[family]
        assert a["steps"] == b["steps"] == one["steps"] == 3, family
        # Workers hold identical weights (networks, seed state and the average).
        np.testing.assert_allclose(np.array(a["weights"]), np.array(b["weights"]), atol=1e-6, err_msg=family)
        # ... equal to one worker's with the same global batch.
        np.testing.assert_allclose(np.array(a["weights"]), np.array(one["weights"]), atol=1e-5, err_msg=family)
        assert set(a["logs"]) == set(one["logs"]), family
        assert ("g_diversity" in one["logs"]) == (family in families.RANDOMISED), (family, one["logs"])
        for name, value in one["logs"].items():
            np.testing.assert_allclose(a["logs"][name], value, atol=1e-4, err_msg=f"{family} {name}")
        # The average moved and differs from the last weights (decay 0.5 over 3 steps).
        assert not np.allclose(a["ema"], a["generator"]), family

    # `*_on_batch` on 5 rows make the step, losses and samples of one worker. Keras'
    # own gave each replica the whole batch: 10 samples, and a step on other noise.
    for family in ON_BATCH:
        a, b, one = (run[family]["on_batch"] for run in (first, second, single))
        np.testing.assert_allclose(np.array(a["weights"]), np.array(b["weights"]), atol=1e-6, err_msg=family)
        np.testing.assert_allclose(np.array(a["weights"]), np.array(one["weights"]), atol=1e-5, err_msg=family)
        assert set(a["logs"]) == set(one["logs"]), family
        for name, value in one["logs"].items():
            np.testing.assert_allclose(a["logs"][name], value, atol=1e-4, err_msg=f"{family} on_batch {name}")
        predicted = [np.array(run["predicted"]) for run in (a, b, one)]
        assert [len(p) for p in predicted] == [5, 5, 5], [p.shape for p in predicted]  # 10 rows before
        np.testing.assert_allclose(predicted[0], predicted[2], atol=1e-5, err_msg=family)

    # A check or a write that fails on the chief alone stops every worker: before training, or at the epoch's end.
    at = os.path.join(str(tmp_path / "replicas2_task0"), "in_the_way", "grid.png")
    begin = f"`path`: no file can be written at {at!r}: {os.path.dirname(at)} is a file, not a folder. Pass another path."
    told = "The chief worker stopped, so this worker stops too. On the chief: "
    assert first["stopped"] == {"begin": ["ValueError", begin, 0], "write": ["OSError", "no space left at epoch 1", 3]}
    assert second["stopped"] == {"begin": ["ValueError", told + begin, 0],
                                 "write": ["ValueError", told + "OSError: no space left at epoch 1", 3]}
    assert single["stopped"]["write"] == first["stopped"]["write"]

    # The command line: the chief's refusal stops the other worker too; a run trains on both.
    taken = tmp_path / "cli_taken"
    refused = f"error: --out {taken}: the run folder exists. Pass --resume to continue it, or choose another --out"
    assert first["cli"][0][0] == second["cli"][0][0] == 2, (first["cli"][0], second["cli"][0])
    assert refused in first["cli"][0][1]
    assert f"error: {told}{refused[len('error: '):]}" in second["cli"][0][1]
    assert first["cli"][1][0] == second["cli"][1][0] == 0, (first["cli"][1], second["cli"][1])
    assert sorted(os.listdir(taken)) == ["notes.txt"]
    missing = f"--data {tmp_path / 'faces'}_on_worker1: no such folder."
    assert first["cli"][2][0] == second["cli"][2][0] == 2, (first["cli"][2], second["cli"][2])
    assert f"error: {missing}" in second["cli"][2][1]
    assert f"error: Worker 1 stopped, so this worker stops too. On worker 1: {missing}" in first["cli"][2][1]
    assert not (tmp_path / "cli_data").exists()  # was: the chief trained on, waiting for worker 1
    assert {"config.json", "gan.keras", "generator.keras", "logs", "samples.png"} <= set(os.listdir(tmp_path / "cli_run"))

    # Only the chief (worker 0) wrote samples and logs; a single worker is its own chief.
    chief, other = tmp_path / "replicas2_task0", tmp_path / "replicas2_task1"
    assert not other.exists(), sorted(os.listdir(other))
    for folder in (chief, tmp_path / "replicas1_task0"):
        written = {family: sorted(os.listdir(folder / family)) for family in families.FAMILIES}
        assert written["conditional"] == written["pix2pix"] == written["stackgan"] == ["grid.png", "logs"]
        assert written["segan"] == ["epoch_001_clip_0.wav", "logs"]
        assert written["next_frame"] == ["logs", "rollout_epoch_001.gif"]
