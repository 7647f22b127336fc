"""Pix2Pix training-step throughput against a TensorFlow-tutorial-style loop.

The reference is the TensorFlow pix2pix tutorial's training loop: its
`train_step` (one generator forward pass under two tapes, the discriminator
called on `(input, target)` and on `(input, generated)`, both gradients taken
and applied) called for each batch of a `tf.data` dataset, as the tutorial's
`fit` does. `Pix2Pix` trains through `model.fit` on the same dataset (the
shared `GANModel.train_step`), in both update orders:
`compile(update="simultaneous")` (the tutorial's: both gradients from one
forward pass) and the default `"alternating"` (the PyTorch reference's: D is
updated first and G is scored by the updated D, one more D forward pass on
the fake batch). All use the same U-Net, the same PatchGAN and the same
batch; each round trains `--steps` steps per kind, in one process, and the
order of the kinds rotates every round so all see the same machine load. Both
loops create their dataset iterator each round, as a training run does once.
Reported, from the end of each round's first step to its last (a training
run pays the set-up once): median and fastest steps/s (wall clock) and the
median CPU seconds per step (steadier when other jobs share the cores), as
ratios to the tutorial loop; and the steps/s of the whole calls, set-up
included.

    python benchmarks/pix2pix_step_speed.py                 # ~8 min on 2 quiet CPU cores
    python benchmarks/pix2pix_step_speed.py --image-size 256 --base-filters 64 --batch-size 1
    python benchmarks/pix2pix_step_speed.py --r1-weight 0.3 --run r1  # and the step with an R1 penalty

Writes benchmarks/results/pix2pix_step_speed.json.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import _report  # noqa: E402  (the script's own folder is on the path)
from keras_cgan.models.pix2pix import defaults  # noqa: E402  (no TensorFlow: --help answers at once)

RESULTS = _report.RESULTS


def tutorial_step(generator, discriminator, l1_weight=100.0):
    """The TensorFlow pix2pix tutorial's `train_step`, on given networks."""
    import keras
    import tensorflow as tf

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)

    @tf.function
    def step(input_image, target):
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            gen_output = generator(input_image, training=True)
            disc_real_output = discriminator([target, input_image], training=True)
            disc_generated_output = discriminator([gen_output, input_image], training=True)
            gan_loss = bce(tf.ones_like(disc_generated_output), disc_generated_output)
            l1 = tf.reduce_mean(tf.abs(target - gen_output))
            gen_total_loss = gan_loss + l1_weight * l1
            disc_loss = bce(tf.ones_like(disc_real_output), disc_real_output) + bce(
                tf.zeros_like(disc_generated_output), disc_generated_output
            )
        g_grads = gen_tape.gradient(gen_total_loss, generator.trainable_variables)
        d_grads = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
        g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
        d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))
        return gen_total_loss, disc_loss

    return step


def build(args):
    from keras_cgan import networks

    shape = (args.image_size, args.image_size, 3)
    generator = networks.unet_generator(shape, 3, base_filters=args.base_filters, norm=args.norm)
    discriminator = networks.patch_discriminator(
        shape, shape, receptive_field=args.receptive_field, base_filters=args.base_filters, norm=args.norm
    )
    return generator, discriminator


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image-size", type=_report.at_least(8), default=128)
    parser.add_argument("--base-filters", type=_report.at_least(1), default=32)
    parser.add_argument("--batch-size", type=_report.at_least(1), default=4)
    parser.add_argument("--receptive-field", type=_report.receptive_field, default=70,
                        choices=defaults.RECEPTIVE_FIELDS)
    parser.add_argument("--norm", default="batch", choices=defaults.NORMS)
    parser.add_argument("--steps", type=int, default=20, help="steps per timed round")
    parser.add_argument("--rounds", type=_report.at_least(1), default=10, help="interleaved timed rounds per step kind")
    parser.add_argument("--steps-per-execution", type=_report.at_least(1), default=1,
                        help="Keras `steps_per_execution` of the Pix2Pix runs (the reference loops in Python)")
    parser.add_argument("--r1-weight", type=_report.real(0.0), default=0.0,
                        help="also time the alternating step with an R1 penalty of this weight on real pairs")
    _report.output_options(parser, "pix2pix_step_speed")
    args = parser.parse_args(argv)
    _report.check_out(parser, "pix2pix_step_speed", args.out)
    import keras
    import tensorflow as tf

    from keras_cgan import Pix2Pix
    spe = args.steps_per_execution
    if spe < 1 or args.steps % spe or args.steps // spe < 2:
        # Each round times the steps after its first mark, one mark per execution.
        parser.error(f"--steps {args.steps}: must be a multiple of --steps-per-execution ({spe}) holding at least "
                     "two executions")

    keras.utils.set_random_seed(0)
    try:
        generator, discriminator = build(args)
    except ValueError as e:  # a size the U-Net cannot halve
        parser.error(f"--image-size {args.image_size}: {e}")
    rng = np.random.default_rng(0)
    shape = (args.batch_size, args.image_size, args.image_size, 3)
    condition = tf.constant(rng.uniform(-1, 1, shape).astype("float32"))
    target = tf.constant(rng.uniform(-1, 1, shape).astype("float32"))
    data = tf.data.Dataset.from_tensors((condition, target)).repeat()

    def clock():
        return time.perf_counter(), time.process_time()

    class StepClock(keras.callbacks.Callback):
        """Wall and CPU clocks at the end of every executed step."""

        def __init__(self, marks):
            super().__init__()
            self.marks = marks

        def on_train_batch_end(self, batch, logs=None):
            self.marks.append(clock())

    def fit_runner(update, r1_weight=0.0):
        # All models train the same two networks; only the step differs.
        model = Pix2Pix(generator, discriminator, seed=0)
        model.compile(update=update, steps_per_execution=args.steps_per_execution, r1_weight=r1_weight)

        def run(marks):
            model.fit(data, steps_per_epoch=args.steps, epochs=1, verbose=0, callbacks=[StepClock(marks)])

        return run

    reference = tutorial_step(generator, discriminator)

    def run_reference(marks):
        # The tutorial's loop: `for step, (input_image, target) in train_ds...`
        for input_image, target_image in data.take(args.steps):
            out = reference(input_image, target_image)
            float(out[0])
            marks.append(clock())

    runs = {
        "pix2pix simultaneous": fit_runner("simultaneous"),
        "pix2pix alternating": fit_runner("alternating"),
        "tutorial": run_reference,
    }
    if args.r1_weight > 0:
        runs[f"pix2pix alternating, R1 {args.r1_weight:g}"] = fit_runner("alternating", args.r1_weight)
    for run in runs.values():  # trace and warm up
        run([])
    names = list(runs)
    # Per round: steps/s of the whole call (with iterator set-up) and, from
    # the end of the first executed step to the last, the steady steps/s and
    # CPU seconds per step (all threads of this process).
    times = {name: [] for name in names}
    steady = {name: [] for name in names}
    cpu = {name: [] for name in names}
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:  # rotate the order
            marks = []
            start = time.perf_counter()
            runs[name](marks)
            times[name].append(args.steps / (time.perf_counter() - start))
            counted = args.steps * (len(marks) - 1) / len(marks)
            steady[name].append(counted / (marks[-1][0] - marks[0][0]))
            cpu[name].append((marks[-1][1] - marks[0][1]) / counted)
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{n} {steady[n][-1]:.3f}" for n in names), flush=True)

    def summary(name):
        return {"fastest": max(steady[name]), "median": float(np.median(steady[name])),
                "cpu": float(np.median(cpu[name])), "whole": float(np.median(times[name]))}

    tutorial = summary("tutorial")
    rows = []
    for name in names:
        this = summary(name)
        rows.append({
            "step": name,
            "fastest steps/s": this["fastest"],
            "median steps/s": this["median"],
            "CPU s/step": this["cpu"],
            "median / tutorial": this["median"] / tutorial["median"],
            "CPU time: tutorial / this": tutorial["cpu"] / this["cpu"],
            "whole calls: median steps/s": this["whole"],
            "whole calls / tutorial": this["whole"] / tutorial["whole"],
        })
    payload = {
        "config": vars(args) | {"out": None},
        "generator_params": generator.count_params(),
        "discriminator_params": discriminator.count_params(),
        "steady_steps_per_s_rounds": steady,
        "cpu_seconds_per_step_rounds": cpu,
        "whole_call_steps_per_s_rounds": times,
        "load_average_at_end": list(os.getloadavg()),
        "note": "2 CPU cores shared with other jobs while measured (see load_average_at_end); "
                "rounds interleave and rotate so all steps see the same load.",
    }
    _report.write("pix2pix_step_speed", payload, rows, list(rows[0]), out=args.out, run=args.run)
    return payload


if __name__ == "__main__":
    main()
