"""L1-only vs L1+cGAN pix2pix with the same budget: PSNR, SSIM, sharpness and where the detail is.

The seed's claim, measured: a generator trained to be close to the target
(L1 alone) predicts the median of the possible outputs and is blurry; adding
the PatchGAN makes it sharp, at a small cost in PSNR. Both variants train the
same U-Net and PatchGAN from the same initial weights, on the same batches,
for the same number of steps (in the L1-only run the discriminator trains
beside the generator as a probe but never touches it). They are scored on
held-out pairs in inference mode (dropout off).

L1+cGAN runs once per `--l1-weight` (default: the paper's 100) and per
`--l1-lowpass` (default: 0, the paper's per-pixel L1, and 1: L1 between the
images blurred by a Gaussian of sigma 1 pixel, so the finest texture is left
to the PatchGAN). The L1-only baseline runs once, at the first weight, with
the per-pixel L1: with Adam, scaling its only loss term leaves its updates
unchanged (measured: identical at 100 and 10). The discriminator carries the
preset's R1 penalty on real pairs (`--r1-weight 0` for none). With
`--ema-decay D` each model keeps a generator weight average and every variant
is scored with it.

    python benchmarks/pix2pix_blur.py --eval-every 400 --grid docs/pix2pix_blur.png   # ~25 min, 2 CPU cores
    python benchmarks/pix2pix_blur.py --tasks labels2facade --variants l1+cgan --l1-lowpass 1 --seed 1 \
        --run "lowpass1,seed=1"
    python benchmarks/pix2pix_blur.py --tasks labels2facade --variants l1+cgan --l1-weight 10 --l1-lowpass 0 \
        --run l1_weight=10

Writes run --run (default "default", the docs' main table) of benchmarks/results/pix2pix_blur.json
(rewritten after every run; runs of other names are kept) and,
with --grid, a PNG of input | L1 only | each L1+cGAN run | target for each
task, its rows and columns labelled in the picture. On labels2facade it also
reports the RMS gradient inside each label region (`region_sharpness`, real
in `region_sharpness_real`): the real sky is smooth, so sharpness bought with
high-frequency noise shows there, while the wall, window and door ratios say
whether the texture came back.

Sharpness alone cannot tell drawn structure from ringing or checkerboards, so
every run also reports `metrics.image_quality`'s `flat_error` (mean absolute
error where the truth is flat, 0 = clean; null when the truth has no flat
pixel), `edge_similarity` (1 = the truth's edges, as strong and in place) and
`spectral_match` (mean |log10| power ratio over frequency bands, 0 = the
truth's spectrum).
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from keras_cgan import checks  # noqa: E402
from keras_cgan.data import synthetic_images  # noqa: E402
from keras_cgan.models.pix2pix import defaults  # noqa: E402  (no TensorFlow: --help answers at once)
import _report  # noqa: E402  (the script's own folder is on the path)

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
VARIANTS = {"l1": dict(adversarial_weight=0.0), "l1+cgan": dict(adversarial_weight=1.0)}


def build(condition_shape, target_shape, args):
    from keras_cgan import networks

    g = networks.unet_generator(
        condition_shape, target_shape[-1], base_filters=args.base_filters, norm=args.norm,
        upsample=args.upsample,
    )
    d = networks.patch_discriminator(
        condition_shape, target_shape, receptive_field=args.receptive_field,
        base_filters=args.base_filters, norm=args.norm,
    )
    return g, d


def quality_report(targets, outputs):
    """`keras_cgan.metrics.quality_report`, imported on first use (with TensorFlow)."""
    from keras_cgan.metrics import quality_report as report

    return report(targets, outputs)


def trajectory(test, every, task):
    """A `Trajectory` callback; its class is made once Keras is imported."""
    import keras

    class Trajectory(keras.callbacks.Callback):
        """Scores the held-out pairs after every epoch of `every` steps."""

        def __init__(self, test, every, task):
            super().__init__()
            self.test, self.every, self.task, self.points = test, every, task, []

        def on_epoch_end(self, epoch, logs=None):
            outputs = predict(self.model, self.test[0])
            point = dict(step=(epoch + 1) * self.every, **quality_report(self.test[1], outputs))
            if self.task == "labels2facade":
                point["region_sharpness"] = region_sharpness(self.test[0], outputs)
            self.points.append(point)
            print(f"  step {point['step']:>6}  psnr {point['psnr']:6.2f}  ssim {point['ssim']:.3f}  "
                  f"sharpness ratio {cell(point['sharpness_ratio'])}", flush=True)

    return Trajectory(test, every, task)


def train_variant(task, variant, l1_weight, lowpass, train, init_weights, args, test=None):
    import keras
    import tensorflow as tf

    from keras_cgan import Pix2Pix

    conditions, targets = train
    keras.utils.set_random_seed(args.seed)
    g, d = build(conditions.shape[1:], targets.shape[1:], args)
    g.set_weights(init_weights[0])
    d.set_weights(init_weights[1])
    model = Pix2Pix(g, d, l1_weight=l1_weight, l1_lowpass=lowpass, seed=args.seed, ema_decay=args.ema_decay,
                    **VARIANTS[variant])
    model.compile(
        generator_optimizer=keras.optimizers.Adam(args.learning_rate, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(args.learning_rate, beta_1=0.5),
        adversarial_loss=args.adversarial_loss,
        r1_weight=args.r1_weight,
    )
    ds = (
        tf.data.Dataset.from_tensor_slices(train)
        .shuffle(len(conditions), seed=args.seed)
        .repeat()
        .batch(args.batch_size, drop_remainder=True)
        .prefetch(2)
    )
    # With --eval-every, the same batches in the same order, scored along the way.
    every = args.eval_every or args.steps
    scores = trajectory(test, every, task) if args.eval_every else None
    start = time.perf_counter()
    history = model.fit(ds, steps_per_epoch=every, epochs=args.steps // every, verbose=0,
                        callbacks=[scores] if scores else [])
    seconds = time.perf_counter() - start
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    if scores:
        logs["trajectory"] = scores.points
    return model, logs, seconds


def predict(model, conditions):
    """The model's outputs, from the weight average when it keeps one (`--ema-decay`)."""
    with model.sampling_weights():
        return model.predict(conditions, batch_size=32, verbose=0)


def region_sharpness(conditions, images):
    """labels2facade: RMS image gradient inside each label region (sky, wall, window, door).

    Only differences between two pixels of the same region count, so region
    borders are left out. The real sky is a smooth gradient (near 0): a
    generator that buys sharpness with high-frequency noise shows it there.
    """
    from keras_cgan.losses import image_gradients

    palette = np.array(list(synthetic_images.LABEL_COLORS.values()), "float32") * 2 - 1  # [R, 3]
    labels = np.argmin(((conditions[..., None, :] - palette) ** 2).sum(-1), -1)  # [N, H, W]
    x = (np.asarray(images, "float32") + 1) / 2
    gradients = dict(zip((1, 2), image_gradients(x)))  # axis -> dy [N, H-1, W, C], dx [N, H, W-1, C]
    out = {}
    for r, name in enumerate(synthetic_images.LABEL_COLORS):
        energy, count = 0.0, 0
        for axis, diff in gradients.items():
            a = np.take(labels, range(labels.shape[axis] - 1), axis=axis)
            b = np.take(labels, range(1, labels.shape[axis]), axis=axis)
            same = (a == r) & (b == r)
            energy += float((diff[same] ** 2).sum())
            count += int(same.sum()) * x.shape[-1]
        out[name] = float(np.sqrt(2 * energy / max(count, 1)))  # dy^2 + dx^2, as metrics.sharpness
    return out


def cell(value, digits=3):
    """A measure that may be None (no flat pixel, no edge, a flat truth) as text."""
    return "-" if value is None else f"{value:.{digits}f}"


def to_rgb(x):
    return np.repeat(x, 3, -1) if x.shape[-1] == 1 else x


def run_name(variant, l1_weight, lowpass, l1_weights):
    """`"l1"`; `"l1+cgan"`, plus ` l1_weight=W` after the first weight and ` l1_lowpass=S` for S > 0."""
    name = variant
    if variant != "l1" and l1_weight != l1_weights[0]:
        name += f" l1_weight={l1_weight:g}"
    return name + (f" l1_lowpass={lowpass:g}" if lowpass else "")


def grid_rows(conditions, outputs, targets, count):
    """Tiles of `count` rows of input | each run (L1 only first) | target, `[count * columns, H, W, 3]` in [-1, 1]."""
    return np.stack(
        [np.stack([to_rgb(conditions[i])] + [out[i] for out in outputs.values()] + [targets[i]]) for i in range(count)]
    ).reshape((-1,) + targets.shape[1:-1] + (3,))


def column_label(name):
    """A run name as a column heading: `"l1+cgan l1_lowpass=1"` -> `"L1+cGAN\nl1_lowpass=1"`."""
    head, *rest = name.split(" ")
    return "\n".join([{"l1": "L1 only", "l1+cgan": "L1+cGAN"}[head]] + rest)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=["labels2facade", "edges2photo"],
                        choices=synthetic_images.TASKS)
    parser.add_argument("--size", type=_report.at_least(8), default=64)
    parser.add_argument("--train", type=_report.at_least(1), default=800, help="training pairs per task")
    parser.add_argument("--test", type=_report.at_least(1), default=128, help="held-out pairs per task")
    parser.add_argument("--steps", type=_report.at_least(1), default=1600)
    parser.add_argument("--batch-size", type=_report.at_least(1), default=8)
    parser.add_argument("--base-filters", type=_report.at_least(1), default=32)
    parser.add_argument("--receptive-field", type=_report.receptive_field, default=34,
                        choices=defaults.RECEPTIVE_FIELDS)
    parser.add_argument("--norm", default="instance", choices=defaults.NORMS)
    parser.add_argument("--upsample", default="transpose", choices=list(defaults.UPSAMPLES),
                        help="U-Net decoder: transposed convolutions (the paper) or resize-convolutions")
    parser.add_argument("--l1-weight", type=_report.real(0.0), nargs="+", default=[100.0],
                        help="L1+cGAN runs once per weight; the first is also the L1-only run's")
    parser.add_argument("--l1-lowpass", type=_report.real(0.0), nargs="+", default=[0.0, 1.0],
                        help="L1+cGAN runs once per sigma (pixels) of the blur before its L1 term "
                             "(Pix2Pix(l1_lowpass=)); the L1-only run keeps the per-pixel L1")
    parser.add_argument("--adversarial-loss", default="bce", choices=checks.ADVERSARIAL_LOSSES)
    parser.add_argument("--r1-weight", type=_report.real(0.0), default=defaults.DEFAULT["r1_weight"],
                        help="R1 penalty on real pairs (compile(r1_weight=)); default: the preset's")
    parser.add_argument("--learning-rate", type=_report.real(0.0, above=True), default=2e-4)
    parser.add_argument("--ema-decay", type=_report.real(0.0, 1.0, below=True), default=None,
                        help="keep a generator weight average (Pix2Pix(ema_decay=)); every variant is scored with it")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--eval-every", type=_report.at_least(0), default=0,
                        help="also score the held-out pairs every N steps (N divides --steps)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--grid", default=None, help="PNG path for input | L1 | L1+cGAN | target")
    parser.add_argument("--grid-rows", type=_report.at_least(1), default=4)
    _report.output_options(parser, "pix2pix_blur")
    args = parser.parse_args(argv)
    out = _report.check_out(parser, "pix2pix_blur", args.out)
    _report.check_picture(parser, args.grid, "--grid")
    import keras

    from keras_cgan.callbacks import save_image_grid

    if "l1" in args.variants and args.l1_weight[0] == 0:  # Pix2Pix's own error, once the data was made
        parser.error(f"--l1-weight {args.l1_weight[0]:g}: the first weight is also the L1-only run's, which would "
                     "have no loss; give a weight above 0 first (or --variants l1+cgan for the cGAN alone)")
    if args.eval_every and args.steps % args.eval_every:
        parser.error(f"--eval-every {args.eval_every} must divide --steps {args.steps}")
    try:  # the networks once, before any data: a size the U-Net cannot halve is named now
        build((args.size, args.size, 3), (args.size, args.size, 3), args)
    except ValueError as e:
        parser.error(f"--size {args.size}: {e}")

    results, grids, row_labels, col_labels = {}, [], [], None

    def payload():
        return {
            "config": vars(args),
            "results": results,
            "criteria": {
                f"labels2facade {name} sharpness ratio in [0.8, 1.2]": (
                    r["sharpness_ratio"] is not None and 0.8 <= r["sharpness_ratio"] <= 1.2)  # None: a flat truth
                for name, r in results.get("labels2facade", {}).items() if name.startswith("l1+cgan")
            },
            "note": "2 CPU cores shared with other jobs while measured; train_seconds are wall time under load.",
        }

    # each model is recorded as it finishes in the run's partial entry; the last one's write is the whole run
    with _report.kept_on_interrupt(out, args.run) as finished:
        for t, task in enumerate(args.tasks):
            train = synthetic_images.make_task(task, args.train, args.size, seed=args.seed)
            test_c, test_x = synthetic_images.make_task(task, args.test, args.size, seed=args.seed + 1000)
            keras.utils.set_random_seed(args.seed)
            g, d = build(train[0].shape[1:], train[1].shape[1:], args)
            init = (g.get_weights(), d.get_weights())
            results[task], outputs = {}, {}
            # The L1-only baseline is the paper's per-pixel L1, once; L1+cGAN once per weight and low-pass.
            runs = [("l1", args.l1_weight[0], 0.0)] if "l1" in args.variants else []
            if "l1+cgan" in args.variants:
                runs += [("l1+cgan", w, s) for w in args.l1_weight for s in args.l1_lowpass]
            for r, (variant, l1_weight, lowpass) in enumerate(runs):
                name = run_name(variant, l1_weight, lowpass, args.l1_weight)
                model, logs, seconds = train_variant(
                    task, variant, l1_weight, lowpass, train, init, args, (test_c, test_x)
                )
                outputs[name] = predict(model, test_c)
                report = quality_report(test_x, outputs[name])
                if task == "labels2facade":
                    report["region_sharpness"] = region_sharpness(test_c, outputs[name])
                    report["region_sharpness_real"] = region_sharpness(test_c, test_x)
                trajectory = logs.pop("trajectory", None)
                results[task][name] = dict(
                    report, l1_weight=l1_weight, l1_lowpass=lowpass, train_seconds=seconds, final_logs=logs
                )
                if trajectory:
                    results[task][name]["trajectory"] = trajectory
                print(f"{task:<14} {name:<24} psnr {report['psnr']:6.2f}  ssim {report['ssim']:.3f}  "
                      f"sharpness ratio {cell(report['sharpness_ratio'])}  flat error {cell(report['flat_error'], 4)}  "
                      f"edge similarity {cell(report['edge_similarity'])}  "
                      f"spectral match {cell(report['spectral_match'])}  ({seconds:.0f} s)", flush=True)
                finished.record(f"{task} {name}", "pix2pix_blur", payload(), run=args.run, out=args.out,
                                complete=(t, r) == (len(args.tasks) - 1, len(runs) - 1))
            if outputs:
                ordered = {k: outputs[k] for k in sorted(outputs, key=lambda name: name != "l1")}  # L1 first
                count = min(args.grid_rows, args.test)  # was: an IndexError after training for --test below 4
                grids.append(grid_rows(test_c, ordered, test_x, count))
                row_labels += [task] * count
                col_labels = ["input"] + [column_label(name) for name in ordered] + ["target"]
    print("\n| task | variant | PSNR (dB) | SSIM | sharpness / real | flat error | edge similarity | spectral match |"
          "\n|---|---|---|---|---|---|---|---|")
    for task, by_variant in results.items():
        for variant, r in by_variant.items():
            print(f"| {task} | {variant} | {r['psnr']:.2f} | {r['ssim']:.3f} | {cell(r['sharpness_ratio'], 2)} | "
                  f"{cell(r['flat_error'], 4)} | {cell(r['edge_similarity'])} | {cell(r['spectral_match'])} |")
    if args.grid and grids:
        save_image_grid(np.concatenate(grids), args.grid, rows=len(row_labels), row_labels=row_labels,
                        col_labels=col_labels)
        print(f"grid: {args.grid}")
    return finished.result


if __name__ == "__main__":
    main()
