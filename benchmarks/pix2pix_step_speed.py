"""Pix2Pix training-step throughput against a TensorFlow-tutorial-style step.

The reference is the `train_step` of the TensorFlow pix2pix tutorial: one
generator forward pass under two tapes, the discriminator called on
`(input, target)` and on `(input, generated)`, both gradients taken and
applied. `Pix2Pix` runs the shared `GANModel.train_step` through `fit`.
Both use the same U-Net, the same PatchGAN and the same in-memory batch;
they are timed in alternating rounds in one process (so both see the same
machine load); the best and median steps/s and the CPU seconds per step
(steadier when other jobs share the cores) are reported.

    python benchmarks/pix2pix_step_speed.py                 # minutes on 2 CPU cores
    python benchmarks/pix2pix_step_speed.py --image-size 256 --base-filters 64 --batch-size 1

Writes benchmarks/results/pix2pix_step_speed.json.
"""

import argparse
import json
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_cgan import Pix2Pix, networks  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def tutorial_step(generator, discriminator, l1_weight=100.0):
    """The TensorFlow pix2pix tutorial's `train_step`, on given networks."""
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)

    @tf.function
    def step(input_image, target):
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            gen_output = generator(input_image, training=True)
            disc_real_output = discriminator([input_image, target], training=True)
            disc_generated_output = discriminator([input_image, gen_output], training=True)
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
    shape = (args.image_size, args.image_size, 3)
    generator = networks.unet_generator(shape, 3, base_filters=args.base_filters, norm=args.norm)
    discriminator = networks.patch_discriminator(
        shape, shape, receptive_field=args.receptive_field, base_filters=args.base_filters, norm=args.norm
    )
    return generator, discriminator


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--base-filters", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--receptive-field", type=int, default=70)
    parser.add_argument("--norm", default="batch", choices=["batch", "instance", "none"])
    parser.add_argument("--steps", type=int, default=10, help="steps per timed round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating timed rounds per step kind")
    parser.add_argument("--out", default=os.path.join(RESULTS, "pix2pix_step_speed.json"))
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    generator, discriminator = build(args)
    rng = np.random.default_rng(0)
    shape = (args.batch_size, args.image_size, args.image_size, 3)
    condition = tf.constant(rng.uniform(-1, 1, shape).astype("float32"))
    target = tf.constant(rng.uniform(-1, 1, shape).astype("float32"))

    model = Pix2Pix(generator, discriminator, seed=0)
    model.compile()
    data = tf.data.Dataset.from_tensors((condition, target)).repeat()
    reference = tutorial_step(generator, discriminator)

    def run_model():
        model.fit(data, steps_per_epoch=args.steps, epochs=1, verbose=0)

    def run_reference():
        for _ in range(args.steps):
            out = reference(condition, target)
        float(out[0])  # wait for the last step

    run_model(), run_reference()  # trace and warm up both
    times = {"pix2pix": [], "tutorial": []}
    cpu = {"pix2pix": [], "tutorial": []}  # CPU seconds per step (all threads of this process)
    for _ in range(args.rounds):
        for name, run in (("pix2pix", run_model), ("tutorial", run_reference)):
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            times[name].append(args.steps / (time.perf_counter() - start))
            cpu[name].append((time.process_time() - start_cpu) / args.steps)
    result = {
        "config": vars(args) | {"out": None},
        "generator_params": generator.count_params(),
        "discriminator_params": discriminator.count_params(),
        "steps_per_s": {k: {"best": max(v), "median": float(np.median(v)), "rounds": v} for k, v in times.items()},
        "ratio_best": max(times["pix2pix"]) / max(times["tutorial"]),
        "ratio_median": float(np.median(times["pix2pix"]) / np.median(times["tutorial"])),
        "cpu_seconds_per_step": {k: float(np.median(v)) for k, v in cpu.items()},
        # Throughput ratio by CPU time: less sensitive to other jobs on the machine.
        "ratio_cpu": float(np.median(cpu["tutorial"]) / np.median(cpu["pix2pix"])),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "tensorflow": tf.__version__},
        "note": "2 CPU cores shared with other jobs while measured; rounds alternate to share the load.",
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"{'step':<10} {'best steps/s':>13} {'median steps/s':>15}")
    for name, v in result["steps_per_s"].items():
        print(f"{name:<10} {v['best']:>13.3f} {v['median']:>15.3f}")
    print(f"ratio pix2pix / tutorial: best {result['ratio_best']:.3f}, median {result['ratio_median']:.3f}, "
          f"by CPU time per step {result['ratio_cpu']:.3f}")
    return result


if __name__ == "__main__":
    main()
