"""StackGAN training-step cost of the mode-seeking term and the classifier's fake rows, side by side in one process.

The default StackGAN (`presets.build`) on 8 tags and 16 -> 32 pixel images,
batch 32, as `benchmarks/generalisation.py` trains it, in four forms: the
term on every example (the default), on every second example of the batch
(`diversity_stride=2`) and without the term (`diversity_weight=0`), and with
the tag classifier learning from real images only (`presets.REAL_ONLY`, the
preset before `auxiliary_on_fake="negative"`); each with stage 1 alone and
with both stages. Every round trains `--steps` steps of
every model through `fit`, the starting model rotating each round so
machine load spreads over all; reported are the median steps/s and CPU seconds per
step (steadier when other jobs share the cores) over the rounds, as ratios
to the default.

    python benchmarks/stackgan_step_speed.py --rounds 7     # ~7 min on 2 quiet CPU cores

Writes benchmarks/results/stackgan_step_speed.json.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import _report  # noqa: E402  (the script's own folder is on the path)


def forms():
    """Name -> preset overrides of each form measured."""
    from keras_cgan.models.stack_gan import presets

    return {
        "term on every example (default)": {},
        "term on every second example (diversity_stride=2)": {"diversity_stride": 2},
        "no term (diversity_weight=0)": {"diversity_weight": 0.0},
        "classifier on real images only (REAL_ONLY)": presets.REAL_ONLY,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=_report.at_least(1), default=90, help="steps per model per round")
    parser.add_argument("--rounds", type=_report.at_least(1), default=5)
    parser.add_argument("--batch-size", type=_report.at_least(1), default=32)
    parser.add_argument("--steps-per-execution", type=_report.at_least(1), default=9)
    _report.output_options(parser, "stackgan_step_speed")
    args = parser.parse_args(argv)
    _report.check_out(parser, "stackgan_step_speed", args.out)
    import keras
    import tensorflow as tf

    from keras_cgan.conditions import TagsCondition
    from keras_cgan.models.stack_gan import presets

    vocabulary = [f"shape {i}" for i in range(4)] + [f"colour {i}" for i in range(4)]
    rng = np.random.default_rng(0)
    n = 20 * args.batch_size
    tags = np.zeros((n, len(vocabulary)), "float32")
    tags[np.arange(n), rng.integers(0, 4, n)] = 1.0
    tags[np.arange(n), 4 + rng.integers(0, 4, n)] = 1.0
    images = rng.uniform(-1, 1, (n, 32, 32, 3)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((tags, images)).repeat().batch(args.batch_size, drop_remainder=True)

    models, measured = {}, forms()
    for stages in (1, 2):
        for form, overrides in measured.items():
            keras.utils.set_random_seed(0)
            models[(form, stages)] = presets.build(
                (16, 32), TagsCondition(vocabulary), seed=0, active_stages=stages,
                steps_per_execution=args.steps_per_execution, **overrides)
    for model in models.values():  # trace and warm up
        model.fit(data, steps_per_epoch=2 * args.steps_per_execution, epochs=1, verbose=0)

    keys = list(models)
    wall = {k: [] for k in keys}
    cpu = {k: [] for k in keys}
    for r in range(args.rounds):
        for key in keys[r % len(keys):] + keys[: r % len(keys)]:  # rotate the order
            start, start_cpu = time.perf_counter(), time.process_time()
            models[key].fit(data, steps_per_epoch=args.steps, epochs=1, verbose=0)
            wall[key].append(args.steps / (time.perf_counter() - start))
            cpu[key].append((time.process_time() - start_cpu) / args.steps)
        print(f"round {r + 1}/{args.rounds}", flush=True)

    rows = []
    for form, stages in keys:
        base = (next(iter(measured)), stages)
        rows.append({
            "form": form,
            "stages": stages,
            "median steps/s": float(np.median(wall[(form, stages)])),
            "CPU s/step": float(np.median(cpu[(form, stages)])),
            "median / default": float(np.median(wall[(form, stages)]) / np.median(wall[base])),
            "CPU time: default / this": float(np.median(cpu[base]) / np.median(cpu[(form, stages)])),
        })
    payload = {
        "config": vars(args) | {"out": None},
        "steps_per_s_rounds": {f"{form} | stages {stages}": v for (form, stages), v in wall.items()},
        "cpu_seconds_per_step_rounds": {f"{form} | stages {stages}": v for (form, stages), v in cpu.items()},
        "load_average_at_end": list(os.getloadavg()),
    }
    _report.write("stackgan_step_speed", payload, rows, list(rows[0]), out=args.out, run=args.run)
    return payload


if __name__ == "__main__":
    main()
