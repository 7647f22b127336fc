"""N replicas make the update of one device: every family, every case, one process per strategy.

Starting a process (Python, TensorFlow, Keras, logical devices) costs more
than most checks, and one process holds one MirroredStrategy: this file
starts two, side by side, one on the default strategy and one on a
`MirroredStrategy` over two logical CPUs. Each runs its parts in turn
(`RUNNER`), each reseeded (`keras.utils.set_random_seed(0)`, as a fresh
process starts) with its own `emit`; a part that raises keeps its traceback,
and only the tests reading it fail.

Both run `CASES`; each battery test compares one (family, case) of the two
runs: weights within 1e-5, logged losses within 1e-4.

* `uneven`: 19 pairs in global batches of 8 (the last one splits 2/1 over
  two replicas), then a user dataset of 17 without `drop_remainder` (the
  last batch of 1 leaves a replica empty).
* `regularized`: an L2 regularizer on G and D (every stage), dropout on in
  the U-Net, the simultaneous update (the other cases alternate), and
  gradient clipping (G `global_clipnorm`, D `clipnorm`): the limit holds for
  the global batch's gradient, not for each replica's part of it.
* `tags`, `text`: batch-wide wrong-condition draws at a global batch of 2
  (one sample per replica: the partner must come from the other replica);
  `tags` clips every gradient element (`clipvalue`).
* `float16`: mixed_float16 with binding clipping limits, two steps. The
  first injects an inf gradient into both objectives on the last replica
  only: that step is skipped everywhere, the loss scales are lowered and no
  weight becomes non-finite. In the second the limits apply to the gradient
  once the loss scale is taken out.
* `unknown_sizes`: ConditionalGAN on a `from_generator` dataset of unknown
  rank (batches of 8, then 1: a replica left empty borrows a class id), and
  the step's errors for a wrong target size, unequal row counts and, in
  `predict`, a wrong condition size; then a bad class id in the second
  replica's rows, which must count no step, and `distribute.first_row` of a
  tensor of unknown rank.
* `shared_rows`: `distribute.first_row` and `gather_batch` of int32, int64
  and float64 rows above 2**24, which keep their dtype and values.
* `on_batch`: ConditionalGAN's `train_on_batch`, `test_on_batch` and
  `predict_on_batch` on a batch of 5 (3/2 over two replicas), which they
  split as `fit` does (Keras gives each replica the whole batch); StackGAN's
  run in `test_multi_worker.py`.
* `distributed_dataset`: `fit` and `evaluate` on a dataset the user
  distributed (`strategy.experimental_distribute_dataset`), which trains as
  the plain dataset does.
* `outside_scope`: networks built outside the strategy's scope, the model
  and its `compile` inside it.

ConditionalGAN and StackGAN add the mode-seeking term (`diversity_weight=1`,
a ratio taken per example; StackGAN's on every third example of the global
batch) in the `uneven`, `tags` and `text` cases. StackGAN's `tags` and `text`
cases use `concat_acgan` discriminators whose classifier learns generated
images as holding no label (`auxiliary_on_fake="negative"`).
Pix2Pix balances its adversarial term by gradient norms over the global
batch (`adaptive_adversarial=True`) in the `uneven` and `float16` cases.

The MirroredStrategy process then runs `MIRRORED_PARTS`, read by the tests
at the end of this file: every ConditionalGAN design (`concat`: the
`tags` and `text` cases), NextFrameGAN on
junction data and StackGAN growing from one stage to three inside one fit
train under the strategy, and `ReplicaDropout` draws the masks one device
draws (compared with a layer outside the scope, in the same process). To
add a part, add a snippet to `MIRRORED_PARTS` and a test that reads
`result(mirrored, name)`.
"""

import numpy as np
import pytest

from tests import families
from tests.test_case import collect_isolated, start_isolated, stop_isolated

CASES = """
import warnings
import keras, numpy as np, tensorflow as tf
from tests import families

def fit_logs(history):
    return {k: float(np.ravel(v[-1])[0]) for k, v in history.history.items()}

def snapshot(gan):
    return families.flat(gan.weights)  # networks, seed state, weight averages

def trainable(gan):
    # What an optimizer moves: batch-norm statistics and spectral-norm kernels
    # also move in the forward pass of a skipped step.
    nets = gan.generator_networks() + gan.discriminator_networks()
    spectral = {id(w) for n in nets for l in n._flatten_layers() if isinstance(l, keras.layers.SpectralNormalization) for w in l.weights}
    return families.flat([w for n in nets for w in n.trainable_weights if id(w) not in spectral])

def inject_inf_on_last_replica(gan, armed):
    # An objective whose gradient is inf on the last replica only (everywhere on one device) while `armed`.
    @tf.custom_gradient
    def poisoned(loss):
        ctx = tf.distribute.get_replica_context()
        last = (ctx.replica_id_in_sync_group == ctx.num_replicas_in_sync - 1) & armed
        return tf.identity(loss), lambda dy: dy * tf.where(last, float("inf"), 1.0)
    for name in ("discriminator_objective", "generator_objective"):
        objective = getattr(gan, name)
        def wrapped(*args, _objective=objective, **kwargs):
            loss, parts = _objective(*args, **kwargs)
            return poisoned(loss), parts
        object.__setattr__(gan, name, wrapped)

# Element-wise clipping at 1e-3 with a step of 1: a replica that clipped its own part would step twice as far.
CONDITIONED_STEP = {"tags": {"learning_rate": 1.0, "clip": ({"clipvalue": 1e-3}, {"clipvalue": 1e-3})}, "text": {"learning_rate": 0.01}}

results = {"replicas": strategy.num_replicas_in_sync}
for family in families.FAMILIES:
    # uneven last batches, arrays then a user dataset; the per-example mode-seeking term and D's shifts where a
    # family has them
    with strategy.scope():
        gan = families.build(family, optimizer="sgd", learning_rate=0.01, **families.RANDOMISED.get(family, {}), **families.ADAPTIVE.get(family, {}))
    x, y = families.data(family, 19)
    first = fit_logs(gan.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False))
    x, y = families.data(family, 17, seed=1)
    second = fit_logs(gan.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=1, verbose=0))
    results[f"{family}/uneven"] = {"weights": snapshot(gan), "logs": {**first, **{"ds_" + k: v for k, v in second.items()}}}

    # regularizers on G and D (every stage); dropout on where the family has it; simultaneous update
    with strategy.scope():
        gan = families.regularize(families.build(
            family, optimizer="sgd", learning_rate=0.01, update="simultaneous", clip=families.BINDING_CLIP,
            **({"dropout": 0.5} if family == "pix2pix" else {})))
    x, y = families.data(family, 16)
    logs = fit_logs(gan.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False))
    results[f"{family}/regularized"] = {"weights": snapshot(gan), "logs": logs}

    # float16 with binding limits, two steps: an inf on the last replica only in the first, which every replica
    # skips; in the second the limits apply to the unscaled gradient
    keras.config.set_dtype_policy("mixed_float16")
    try:
        with strategy.scope():
            gan = families.build(family, optimizer="sgd", clip=families.BINDING_CLIP, **families.ADAPTIVE.get(family, {}))
            armed = tf.Variable(True, trainable=False)
        inject_inf_on_last_replica(gan, armed)
        before, first = trainable(gan), {}
        active = [o for _, o in gan.generator_groups() + gan.discriminator_groups()]
        for optimizer in active:
            # Far from float16's overflow: at 2**15 SEGAN's G overflowed on the whole batch of one device and not
            # on the half of each replica, a property of float16 (one device then skips where two step).
            optimizer.dynamic_scale.assign(2.0**8)

        class AfterTheFirstStep(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if batch == 0:
                    first.update({
                        "unchanged": bool(np.array_equal(np.array(before), np.array(trainable(gan)))),
                        "finite": bool(np.all(np.isfinite(snapshot(gan)))),
                        "scales": [float(o.dynamic_scale.numpy()) for o in active],
                        "iterations": [int(o.iterations.numpy()) for o in active],
                    })
                    armed.assign(False)

        x, y = families.data(family, 16)
        logs = fit_logs(gan.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False, callbacks=[AfterTheFirstStep()]))
        results[f"{family}/float16"] = {"weights": snapshot(gan), "logs": logs, "first_step": first,
                                        "iterations": [int(o.iterations.numpy()) for o in active]}
    finally:
        keras.config.set_dtype_policy("float32")

for family in ("conditional", "stackgan"):
    for kind in ("tags", "text"):
        with strategy.scope():
            gan = families.conditioned(
                family, kind, optimizer="sgd", **CONDITIONED_STEP[kind], **families.RANDOMISED[family],
                **families.CLASSIFIED.get(family, {}))
        x = families.conditions_of(kind, 8)
        _, y = families.data(family, 8)
        before = trainable(gan)
        logs = fit_logs(gan.fit(x, y, batch_size=2, epochs=1, verbose=0, shuffle=False))
        results[f"{family}/{kind}"] = {"weights": snapshot(gan), "logs": logs, "changed": trainable(gan) != before}

# Keras' multi-step loop fails on several replicas: fit and evaluate refuse it there; compile, predict and
# one device run.
with strategy.scope():
    gan = families.build("conditional")
gan.compile(steps_per_execution=2)
x, y = families.data("conditional", 8)
gan.predict(x, verbose=0)
refused = []
for method in (lambda: gan.evaluate(x, y, batch_size=4, verbose=0),
               lambda: gan.fit(x, y, batch_size=4, epochs=1, verbose=0)):
    try:
        method()
    except ValueError as error:
        refused.append(str(error))
results["steps_per_execution"] = refused

# A dataset whose spec leaves every size unknown (`from_generator`): the step checks the sizes and row counts.
# Its last batch of 1 leaves a replica empty, which borrows a row of unknown rank (the class ids).
def unknown(*batches, spec=(tf.TensorSpec(None, tf.int32), tf.TensorSpec(None, tf.float32))):
    return tf.data.Dataset.from_generator(lambda: iter(batches), output_signature=spec)

with strategy.scope():
    gan = families.build("conditional", optimizer="sgd", learning_rate=0.01)
x, y = families.data("conditional", 9)
logs = fit_logs(gan.fit(unknown((x[:8], y[:8]), (x[8:], y[8:])), epochs=1, verbose=0))
results["conditional/unknown_sizes"] = {"weights": snapshot(gan), "logs": logs}
refused = []
for method in (lambda: gan.fit(unknown((x[:8], np.zeros((8, 10, 8, 1), "float32"))), verbose=0),
               lambda: gan.evaluate(unknown((x[:8], y[:7])), verbose=0),
               lambda: gan.predict(unknown(np.zeros((8, 3), "int32"), spec=tf.TensorSpec(None, tf.int32)), verbose=0)):
    try:
        method()
        refused.append(None)
    except ValueError as error:
        refused.append(str(error))
results["unknown_sizes"] = {"refused": refused, "steps": int(gan.generator_optimizer.iterations.numpy())}

# A bad class id in the second replica's rows: no step is counted.
try:
    gan.fit(tf.data.Dataset.from_tensor_slices((np.array([0, 1, 2, 9], "int32"), y[:4])).batch(4), verbose=0)
except ValueError as error:
    assert "class ids must be < num_classes=4" in str(error), error
results["bad_id"] = {"steps": int(gan.generator_optimizer.iterations.numpy())}

# `distribute.first_row` of a tensor of unknown rank; a batch of one row leaves the second replica empty.
from keras_cgan import distribute
@tf.function
def first_rows(batch):
    return strategy.run(lambda t: distribute.first_row(tf.compat.v1.placeholder_with_default(t, None)), (batch,))
batch = next(iter(strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors(np.array([[5, 6]], "int32")))))
try:
    results["first_row"] = [row.numpy().tolist() for row in strategy.experimental_local_results(first_rows(batch))]
except ValueError as error:
    results["first_row"] = str(error)

# `first_row` and `gather_batch` keep a row's dtype and values: ids above 2**24 and float64 went through float32
# (16777217 came back as 16777216). 2 + 1 rows, and one row that leaves the second replica empty.
@tf.function
def shared(batch):
    def step(t):
        offset, total = distribute.batch_position(tf.shape(t)[0])
        return distribute.first_row(t), distribute.gather_batch(t, offset, total)
    return strategy.run(step, (batch,))
results["shared_rows"] = {}
for dtype in ("int32", "int64", "float64"):
    for rows in (3, 1):
        data = (np.arange(rows * 2).reshape(rows, 2) + 2**24 + 1).astype(dtype)
        batch = next(iter(strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors(data))))
        first, gathered = (strategy.experimental_local_results(t) for t in shared(batch))
        results["shared_rows"][f"{dtype} {rows}"] = [
            [t.dtype.name for t in first + gathered],
            [t.numpy().tolist() for t in first] == [data[:1].tolist()] * len(first),
            [t.numpy().tolist() for t in gathered] == [data.tolist()] * len(gathered),
        ]

# One batch of 5 rows (3/2 over two replicas): Keras' `*_on_batch` gave each replica all of it.
for family in ("conditional",):
    with strategy.scope():
        gan = families.build(family, optimizer="sgd", **families.RANDOMISED[family])
    x, y = families.data(family, 5)
    trained = gan.train_on_batch(x, y, return_dict=True)
    tested = gan.test_on_batch(x, y, return_dict=True)
    logs = {**trained, **{"test_" + k: v for k, v in tested.items()}}
    results[f"{family}/on_batch"] = {"weights": snapshot(gan), "logs": logs}
    results[f"{family}/predict_on_batch"] = gan.predict_on_batch(x).tolist()

# A dataset the user distributed trains as the plain dataset does (19 pairs: a last batch split 2/1). The
# default strategy distributes a dataset as the dataset itself: one device runs the plain one for both.
dataset_runs = []
for distributed in (False, True) if strategy.num_replicas_in_sync > 1 else (False,):
    with strategy.scope():
        gan = families.build("conditional", optimizer="sgd", **families.RANDOMISED["conditional"])
    x, y = families.data("conditional", 19)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    dataset = strategy.experimental_distribute_dataset(dataset) if distributed else dataset
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logs = fit_logs(gan.fit(dataset, epochs=1, verbose=0))
        evaluated = gan.evaluate(dataset, verbose=0, return_dict=True)
    logs.update({"eval_" + k: v for k, v in evaluated.items()})
    dataset_runs.append({"weights": snapshot(gan), "logs": logs, "warnings": [str(w.message) for w in caught]})
results["conditional/distributed_dataset"], results["conditional/plain_dataset"] = dataset_runs[-1], dataset_runs[0]

# Networks built outside the strategy's scope of the model: compile failed in TensorFlow (`colocate_vars_with`).
from keras_cgan import ConditionalGAN, networks
g = networks.conditional_generator((8, 8, 1), 4, latent_dim=4, base_filters=4)
d = networks.conditional_discriminator((8, 8, 1), 4, base_filters=4)
try:
    with strategy.scope():
        ConditionalGAN(g, d, condition=4).compile()
    results["outside_scope"] = None
except ValueError as error:
    results["outside_scope"] = str(error)
emit(results)
"""

# The MirroredStrategy process alone runs these after `CASES`: each family trains under the strategy (every
# ConditionalGAN design but the battery's `concat`, NextFrameGAN on junction data, StackGAN growing inside one
# fit), and dropout draws the masks of one device.
CONDITION_DESIGNS = """
import numpy as np, tensorflow as tf
from keras_cgan import ConditionalGAN, TagsCondition, TextCondition, networks
tags = TagsCondition(["a", "b", "c"])
text = TextCondition(9, 4)
rng = np.random.default_rng(0)
data = {"tags": (tags, np.eye(3, dtype="float32")[np.arange(16) % 3]),
        "text": (text, rng.integers(1, 9, (16, 4)).astype("int32"))}
out = {}
# `concat` on tags and on text is the battery's `conditional/tags` and `conditional/text`, compared with one device.
for kind, design in [("tags", "projection"), ("tags", "acgan"), ("text", "two_head"), ("text", "acgan")]:
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

MIRRORED_PARTS = {
    "condition_designs": CONDITION_DESIGNS,
    "next_frame": NEXT_FRAME,
    "stack_gan_growth": STACK_GAN_GROWTH,
    "replica_dropout": REPLICA_DROPOUT,
}

# Runs each part of `PARTS` in turn, reseeded as a fresh process starts, with its own globals: `strategy`, and
# an `emit` that keeps what the part sends. A part that raises keeps its traceback; the others still run.
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

KEYS = [f"{family}/{case}" for family in families.FAMILIES for case in ("uneven", "regularized", "float16")] + [
    f"{family}/{kind}" for family in ("conditional", "stackgan") for kind in ("tags", "text")
] + ["conditional/unknown_sizes", "conditional/on_batch", "conditional/distributed_dataset"]


@pytest.fixture(scope="module")
def processes():
    """What each part emitted or its traceback, per process: (default strategy, MirroredStrategy)."""
    # Side by side; a generous timeout: a shared machine can make these runs several times slower.
    started = [start_isolated(f"PARTS = {parts!r}\n" + RUNNER, replicas)
               for replicas, parts in ((1, {"cases": CASES}), (2, {"cases": CASES, **MIRRORED_PARTS}))]
    try:
        return tuple(collect_isolated(proc, timeout=3600) for proc in started)
    finally:
        for proc in started:
            stop_isolated(proc)


@pytest.fixture(scope="module")
def runs(processes):
    """The battery (`CASES`) of each process: (one replica, two replicas)."""
    return tuple(result(parts, "cases") for parts in processes)


@pytest.fixture(scope="module")
def mirrored(processes):
    """The parts of the MirroredStrategy process, read with `result(mirrored, name)`."""
    return processes[1]


def result(parts, name):
    """What part `name` emitted; fails with the part's traceback if it raised."""
    assert name in parts, f"part {name!r} did not run: add it to MIRRORED_PARTS"
    run = parts[name]
    assert "error" not in run, f"part {name!r} failed:\n{run.get('error')}"
    return run["result"]


@pytest.mark.parametrize("key", KEYS)
def test_two_replicas_make_the_update_of_one_device(runs, key):
    one, two = runs
    assert (one["replicas"], two["replicas"]) == (1, 2)
    a, b = one[key], two[key]
    np.testing.assert_allclose(np.array(b["weights"]), np.array(a["weights"]), atol=1e-5, err_msg=key)
    assert set(a["logs"]) == set(b["logs"]), key
    for name, value in a["logs"].items():
        np.testing.assert_allclose(b["logs"][name], value, atol=1e-4, rtol=1e-4, err_msg=f"{key} {name}")


@pytest.mark.parametrize("family", families.FAMILIES)
def test_float16_inf_on_one_replica_skips_the_step_on_every_replica(runs, family):
    for run in runs:
        result = run[f"{family}/float16"]
        first = result["first_step"]
        assert first["finite"] and first["unchanged"], (run["replicas"], family)
        # Each active optimizer skipped its first step and halved its scale (from 2**8), then took the second.
        assert first["iterations"] == [0] * len(first["iterations"]), first
        assert first["scales"] == [2.0**7] * len(first["scales"]), first
        assert result["iterations"] == [1] * len(result["iterations"]), result


def test_fit_and_evaluate_refuse_steps_per_execution_on_several_replicas_only(runs):
    one, two = runs
    assert one["steps_per_execution"] == []
    evaluate, fit = two["steps_per_execution"]
    assert "`evaluate` with `steps_per_execution=2` on 2 replicas" in evaluate, evaluate
    assert "`fit` with `steps_per_execution=2` on 2 replicas" in fit, fit


def test_the_step_names_wrong_sizes_and_row_counts_of_a_dataset_of_unknown_sizes_on_every_replica(runs):
    for run in runs:
        fit, evaluate, predict = run["unknown_sizes"]["refused"]
        assert run["unknown_sizes"]["steps"] == 2, run["unknown_sizes"]  # the wrong batch took no step
        assert fit.startswith("The dataset's targets have shape (10, 8, 1) per sample at epoch 1, batch 0, but the "
                              "model takes (8, 8, 1); training stopped before this batch updated any weight."), fit
        # Each replica counts its own part of the batch.
        rows = "8 conditions but 7 targets at" if run["replicas"] == 1 else "4 conditions but 3 targets (on one of 2"
        assert evaluate.startswith(f"The dataset's batch holds {rows}"), evaluate
        assert predict.startswith("The dataset's conditions have shape (3,) per sample at batch 0, but the model "
                                  "takes () or (1,); prediction stopped."), predict


def test_a_bad_class_id_on_one_replica_counts_no_step(runs):
    for run in runs:
        assert run["bad_id"]["steps"] == 2, run["bad_id"]  # the two of the unknown-sizes run before it


def test_first_row_takes_a_tensor_of_unknown_rank_on_every_replica(runs):
    for run in runs:  # "Cannot take the length of shape with unknown rank" on 2 replicas before
        assert run["first_row"] == [[[5, 6]]] * run["replicas"], run["first_row"]


def test_rows_shared_across_replicas_keep_their_dtype_and_values(runs):
    for run in runs:
        for case, (dtypes, first_rows, batches) in run["shared_rows"].items():
            assert dtypes == [case.split()[0]] * 2 * run["replicas"], (case, dtypes)
            assert first_rows and batches, (run["replicas"], case, first_rows, batches)


def test_predict_on_batch_splits_the_batch_over_the_replicas(runs):
    one, two = runs  # Keras gave each replica the whole batch: 10 rows for 5 on two replicas
    a, b = np.array(one["conditional/predict_on_batch"]), np.array(two["conditional/predict_on_batch"])
    assert a.shape[0] == b.shape[0] == 5, (a.shape, b.shape)
    np.testing.assert_allclose(b, a, atol=1e-5)


def test_fit_on_a_distributed_dataset_trains_as_on_the_dataset(runs):
    for run in runs:
        distributed, plain = run["conditional/distributed_dataset"], run["conditional/plain_dataset"]
        np.testing.assert_allclose(np.array(distributed["weights"]), np.array(plain["weights"]), atol=1e-6)
        assert distributed["logs"] == pytest.approx(plain["logs"], abs=1e-6)
        assert not [w for w in distributed["warnings"] if "shuffle" in w], distributed["warnings"]


def test_the_mode_seeking_term_ran_in_the_battery(runs):
    for run in runs:
        for key in [f"{family}/{case}" for family in families.RANDOMISED for case in ("uneven", "tags", "text")]:
            assert run[key]["logs"].get("g_diversity", 0.0) > 0, (run["replicas"], key, run[key]["logs"])


def test_logs_name_the_regularization_terms(runs):
    one, _ = runs
    for family in families.FAMILIES:
        logs = one[f"{family}/regularized"]["logs"]
        assert logs["d_reg"] > 0 and logs["g_reg"] > 0, (family, logs)
        assert "d_reg" not in one[f"{family}/uneven"]["logs"], family


def test_networks_built_outside_the_scope_are_named_at_compile(runs):
    one, two = runs
    assert one["outside_scope"] is None  # the default strategy has no scope to be outside of
    assert two["outside_scope"].startswith("Weights of this model (") and "were made outside the " \
        "MirroredStrategy's scope it is compiled in: build the networks, make the model and compile it" \
        in two["outside_scope"], two["outside_scope"]


# The parts of the MirroredStrategy process (`MIRRORED_PARTS`).


def test_every_design_trains_one_step_under_mirrored_strategy(mirrored):
    got = result(mirrored, "condition_designs")
    assert got["replicas"] == 2
    assert set(got["runs"]) == {"projection", "acgan", "two_head", "text_acgan"}  # concat: the tags and text cases
    for design, run in got["runs"].items():
        assert run["finite"] and run["changed"], design
    assert "d_aux" in got["runs"]["acgan"]["parts"] and "d_match" in got["runs"]["two_head"]["parts"]
    assert "g_aux" in got["runs"]["text_acgan"]["parts"]


def test_the_tags_and_text_cases_train_on_every_replica_count(runs):
    # With the comparison with one device, what `test_every_design_trains_one_step_under_mirrored_strategy` proves
    # of the other designs: ConditionalGAN's cases are its `concat` design.
    for run in runs:
        for family in ("conditional", "stackgan"):
            for kind in ("tags", "text"):
                got = run[f"{family}/{kind}"]
                assert got["changed"] and all(np.isfinite(v) for v in got["logs"].values()), (family, kind, got["logs"])


def test_junction_data_trains_one_step_under_mirrored_strategy(mirrored):
    got = result(mirrored, "next_frame")
    assert {"d_loss", "g_loss", "g_adv", "g_l2"} <= set(got)
    assert all(np.isfinite(v) for v in got.values())
    assert 0.0 < got["g_l2"] < 4.0


def test_growth_one_to_three_inside_one_fit_under_mirrored_strategy(mirrored):
    got = result(mirrored, "stack_gan_growth")
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


def test_two_replicas_draw_the_masks_of_one_device(mirrored):
    results = dict(result(mirrored, "replica_dropout"))
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
