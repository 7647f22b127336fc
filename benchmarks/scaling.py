"""Training throughput with 1 vs 2 replicas and 1 vs 2 workers, per-replica batch fixed.

For the conditional GAN and pix2pix, four setups each run in fresh processes
(one distribution strategy per process):

* `1 replica`: the default strategy, one process;
* `2 replicas`: `MirroredStrategy` over two logical CPU devices, one process;
* `1 worker`: `MultiWorkerMirroredStrategy` with a one-worker `TF_CONFIG`;
* `2 workers`: two processes on 127.0.0.1, `MultiWorkerMirroredStrategy`.

The per-replica batch is fixed, so the global batch grows with the replica
count (weak scaling, as on real GPUs). Each run trains `--warmup` steps (not
timed: tracing, first allocations), then `--steps` timed steps; it reports
steps/s and examples/s (global batch x steps/s). Two replicas on the two
cores of one machine share those cores, so do not expect a speedup here; the
point of the numbers is the overhead of each strategy on one machine.

Usage:

    python benchmarks/scaling.py                       # minutes on 2 CPU cores
    python benchmarks/scaling.py --steps 200 --per-replica-batch 64 --size 64
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

import _report  # the script's own folder is on the path

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

SETUPS = (  # name, strategy, processes, replicas
    ("1 replica", "default", 1, 1),
    ("2 replicas", "mirrored", 1, 2),
    ("1 worker", "multiworker", 1, 1),
    ("2 workers", "multiworker", 2, 2),
)


def child(config):
    """Runs in a fresh process: builds the model under the strategy, trains, prints the timing."""
    import numpy as np
    import tensorflow as tf

    if config["strategy"] == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    elif config["strategy"] == "multiworker":
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    else:
        strategy = tf.distribute.get_strategy()
    import keras

    from keras_cgan import ConditionalGAN, Pix2Pix, networks

    keras.utils.set_random_seed(0)
    size, filters = config["size"], config["filters"]
    with strategy.scope():
        if config["model"] == "cgan":
            g = networks.conditional_generator((size, size, 1), 10, latent_dim=32, base_filters=filters)
            d = networks.conditional_discriminator((size, size, 1), 10, base_filters=filters)
            gan = ConditionalGAN(g, d, condition=10, seed=0)
        else:
            g = networks.unet_generator((size, size, 3), 3, base_filters=filters, max_filters=4 * filters)
            d = networks.patch_discriminator((size, size, 3), (size, size, 3), receptive_field=16, base_filters=filters)
            gan = Pix2Pix(g, d, seed=0)
        gan.compile()
    replicas = strategy.num_replicas_in_sync
    batch = config["per_replica_batch"] * replicas
    rng = np.random.default_rng(0)
    n = batch * 4
    if config["model"] == "cgan":
        conditions = (np.arange(n) % 10).astype("int32")
        targets = rng.uniform(-1, 1, (n, size, size, 1)).astype("float32")
    else:
        conditions = rng.uniform(-1, 1, (n, size, size, 3)).astype("float32")
        targets = rng.uniform(-1, 1, (n, size, size, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((conditions, targets)).batch(batch, drop_remainder=True).repeat()
    ds = ds.prefetch(tf.data.AUTOTUNE)
    warmup, steps = config["warmup"], config["steps"]
    marks = {}

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch_index, logs=None):
            if batch_index == warmup - 1:
                marks["start"] = time.perf_counter()
            if batch_index == warmup + steps - 1:
                marks["end"] = time.perf_counter()

    gan.fit(ds, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[Timer()])
    seconds = marks["end"] - marks["start"]
    print("@@RESULT@@" + json.dumps({"replicas": replicas, "global_batch": batch, "seconds": seconds}), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(config, processes):
    """Starts `processes` children (a worker cluster when `multiworker`); returns the chief's result."""
    cluster = {"worker": [f"127.0.0.1:{free_port()}" for _ in range(processes)]}
    results = []
    with _report.stopped_on_exit([]) as procs:  # a failed worker's peer would wait for it
        for index in range(processes):
            env = _report.child_env(TF_CPP_MIN_LOG_LEVEL="2")
            env.pop("TF_CONFIG", None)
            if config["strategy"] == "multiworker":
                env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
            procs.append(
                subprocess.Popen(
                    [sys.executable, os.path.abspath(__file__), "--child", json.dumps(config)],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
                )
            )
        for proc in procs:
            out, err = proc.communicate(timeout=3600)
            if proc.returncode != 0:
                raise RuntimeError(f"{config} failed:\n{err[-3000:]}")
            results.append(json.loads([l for l in out.splitlines() if l.startswith("@@RESULT@@")][-1][10:]))
    # Workers finish the same steps in lock step; the slowest one sets the pace.
    return max(results, key=lambda r: r["seconds"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["cgan", "pix2pix"], choices=["cgan", "pix2pix"])
    parser.add_argument("--per-replica-batch", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (at least 1: the timer starts "
                        "at the end of the last one)")
    parser.add_argument("--steps", type=int, default=40, help="timed steps")
    parser.add_argument("--repeats", type=int, default=2, help="runs per setup; the fastest counts")
    parser.add_argument("--size", type=int, default=None, help="image side (default 16 cgan, 32 pix2pix)")
    parser.add_argument("--filters", type=int, default=16)
    _report.output_options(parser, "scaling")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _report.exit_with_parent()  # ends with the benchmark, even one killed outright (a peer would wait for it)
        return child(json.loads(args.child))

    _report.check_out(parser, "scaling", args.out)
    for flag in ("warmup", "steps", "repeats", "per_replica_batch", "filters", "size"):
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} {getattr(args, flag)}: must be at least 1")
    rows = []
    for model in args.models:
        size = args.size or (16 if model == "cgan" else 32)
        baseline = None
        for name, strategy, processes, replicas in SETUPS:
            config = dict(model=model, strategy=strategy, size=size, filters=args.filters,
                          per_replica_batch=args.per_replica_batch, warmup=args.warmup, steps=args.steps)
            runs = [launch(config, processes) for _ in range(args.repeats)]
            best = min(runs, key=lambda r: r["seconds"])
            assert best["replicas"] == replicas, (name, best)
            steps_per_s = args.steps / best["seconds"]
            row = {
                "model": model, "setup": name, "replicas": replicas, "global batch": best["global_batch"],
                "steps/s": round(steps_per_s, 2), "examples/s": round(steps_per_s * best["global_batch"], 1),
                "all runs (s)": " ".join(f"{r['seconds']:.2f}" for r in runs),
            }
            if name in ("1 replica", "1 worker"):
                baseline = row["examples/s"]
            row["examples/s vs 1"] = round(row["examples/s"] / baseline, 2)
            rows.append(row)
            print(row, flush=True)
    columns = ["model", "setup", "replicas", "global batch", "steps/s", "examples/s", "examples/s vs 1"]
    _report.write("scaling", {"args": vars(args)}, rows, columns, out=args.out, run=args.run)


if __name__ == "__main__":
    main()
