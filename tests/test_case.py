"""Helpers shared by the tests of every family."""

import importlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap

import keras
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Prepended to snippets run by `run_isolated` / `start_isolated(..., replicas=2)`: two logical CPU
# devices and one MirroredStrategy over them (one strategy per process).
_MIRRORED_PRELUDE = """
import tensorflow as tf
_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(_cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
assert strategy.num_replicas_in_sync == 2
"""
_DEFAULT_PRELUDE = """
import tensorflow as tf
strategy = tf.distribute.get_strategy()
"""


def run_isolated(code, replicas=1, timeout=600, seed=0):
    """Runs `code` in a fresh Python process and returns what it `emit`s.

    The snippet sees `strategy` (a `MirroredStrategy` over two logical CPUs
    when `replicas=2`, the default strategy otherwise) and `emit(obj)`, which
    sends one JSON-serializable object back. A fresh process per strategy is
    needed: one process can hold one MirroredStrategy over the same devices.
    It starts seeded, as the tests of this process are (`conftest.py`):
    `keras.utils.set_random_seed(seed)`, so weights a snippet initialises are
    the same every run and a bound on them cannot fail one run in ten;
    `seed=None` leaves the process unseeded.
    """
    return collect_isolated(start_isolated(code, replicas, seed), timeout)


def start_isolated(code, replicas=1, seed=0):
    """Starts `run_isolated(code, replicas, seed=seed)` in the background; `collect_isolated` waits for it.

    Processes started together run side by side, e.g. one per strategy. Their
    output goes to temporary files, not pipes, so one never stalls on a full
    pipe while another is waited on.

    >>> runs = [start_isolated("emit(strategy.num_replicas_in_sync)", r) for r in (1, 2)]  # doctest: +SKIP
    >>> [collect_isolated(p) for p in runs]  # doctest: +SKIP
    [1, 2]
    """
    prelude = _MIRRORED_PRELUDE if replicas == 2 else _DEFAULT_PRELUDE
    return _launch(prelude + _seeding(seed) + textwrap.dedent(code))


def _seeding(seed):
    """The line that seeds a snippet's Python, NumPy, TensorFlow and Keras draws; none for `seed=None`."""
    return "" if seed is None else f"import keras\nkeras.utils.set_random_seed({seed})\n"


# Every snippet's `emit(obj)`: one JSON line the parent finds by its marker.
_EMIT = """
import json as _json
def emit(obj):
    print('@@RESULT@@' + _json.dumps(obj), flush=True)
"""


def _launch(code, **env):
    """Starts `_EMIT + code` in a fresh Python, output to temporary files; `env` adds variables."""
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO, **env)
    proc = subprocess.Popen([sys.executable, "-c", _EMIT + code], stdout=out, stderr=err, text=True, env=env)
    proc.output_files = (out, err)
    return proc


def stop_isolated(proc):
    """Kills a process of `start_isolated` if it still runs, reaps it and closes its output files."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for f in proc.output_files:
        f.close()


def collect_isolated(proc, timeout=600):
    """What a process of `start_isolated` emitted; raises `AssertionError` with its stderr if it failed."""
    try:
        proc.wait(timeout=timeout)
        for f in proc.output_files:
            f.seek(0)
        out, err = (f.read() for f in proc.output_files)
    finally:
        stop_isolated(proc)
    if proc.returncode != 0:
        raise AssertionError(f"isolated run failed ({proc.returncode}):\n{err[-4000:]}")
    for line in out.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@") :])
    raise AssertionError(f"isolated run emitted nothing:\n{out[-2000:]}")


def benchmark_module(name):
    """`benchmarks/<name>.py` as a module (the benchmarks import their helpers from their own folder)."""
    sys.path.insert(0, os.path.join(REPO, "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def flat_weights(model):
    """All of a model's weights as one float64 vector."""
    return np.concatenate([np.asarray(w).astype("float64").ravel() for w in model.get_weights()])


def assert_config_roundtrip(model):
    """`from_config(get_config())` gives a model with the same config."""
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    return clone


def assert_keras_roundtrip(model, inputs, tmp_path, atol=1e-6, **call_kwargs):
    """Saves `model` to `.keras`, loads it back and compares outputs on `inputs`."""
    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    expected = np.asarray(model(inputs, training=False, **call_kwargs))
    got = np.asarray(loaded(inputs, training=False, **call_kwargs))
    np.testing.assert_allclose(got, expected, atol=atol)
    return loaded


def weights_changed(before, after):
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_workers(code, workers=2, timeout=600, seed=0):
    """Runs `code` in `workers` processes under MultiWorkerMirroredStrategy on 127.0.0.1.

    Each process gets `TF_CONFIG` for its task, `strategy` and `emit(obj)`,
    seeded as in `run_isolated`; returns what each worker emitted, in task order.
    """
    cluster = {"worker": [f"127.0.0.1:{free_port()}" for _ in range(workers)]}
    script = "import tensorflow as tf\nstrategy = tf.distribute.MultiWorkerMirroredStrategy()\n" + _seeding(seed)
    script += textwrap.dedent(code)
    procs = []
    try:
        for index in range(workers):
            tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
            procs.append(_launch(script, TF_CONFIG=tf_config))
        return [collect_isolated(proc, timeout=timeout) for proc in procs]
    finally:
        for proc in procs:
            stop_isolated(proc)


def run_scripts(runs, timeout=120):
    """Runs each `(script, argv)` of `runs` in one fresh Python, as `python SCRIPT ARGV...` would.

    Returns `(exit status, stdout and stderr, which of tensorflow / keras were
    imported by then)` for each, in order: one process for many scripts'
    `--help` and option errors.
    """
    code = (
        "import contextlib, io, json, os, runpy, sys\n"
        f"for script, argv in {[(script, list(argv)) for script, argv in runs]!r}:\n"
        "    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))  # as `python SCRIPT` puts it first\n"
        "    sys.argv, status = [script, *argv], None\n"
        "    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(out):\n"
        "        try:\n"
        "            runpy.run_path(script, run_name='__main__')\n"
        "        except SystemExit as exit_:\n"
        "            status = exit_.code\n"
        "    imported = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
        "    print(json.dumps([status, out.getvalue(), imported]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = [tuple(json.loads(line)) for line in proc.stdout.splitlines()]
    assert len(results) == len(runs), proc.stdout[-2000:]
    return results


def write_pix2pix_pairs(data):
    """Four random 16x16 pix2pix pairs (A/ colour, B/ gray) in `data` (a `pathlib.Path`); returns it."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for side, shape in (("A", (16, 16, 3)), ("B", (16, 16))):
        (data / side).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(rng.integers(0, 255, shape).astype("uint8")).save(data / side / f"{i}.png")
    return data


def test_isolated_snippets_start_seeded_unless_told_not_to():
    # Unseeded, a snippet drew new initial weights every run: a bound on a trained number failed one run in ten.
    code = """
    import keras, numpy as np
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    emit([float(np.random.rand())] + np.asarray(layer.kernel).ravel().tolist())
    """
    runs = [start_isolated(code), start_isolated(code, seed=None)]
    try:
        seeded, unseeded = (collect_isolated(proc) for proc in runs)
    finally:
        for proc in runs:
            stop_isolated(proc)
    keras.utils.set_random_seed(0)
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    expected = [float(np.random.rand())] + np.asarray(layer.kernel).ravel().tolist()
    np.testing.assert_allclose(seeded, expected, rtol=1e-6)
    assert not np.allclose(unseeded, expected)
