"""Does the generator obey the condition? Four discriminators, one budget.

Trains the quickstart's class-conditional GAN on the scikit-learn digits with
(a) the preset's discriminator (concat plus a classifier that sees the image
alone, real+wrong label scored fake),
(b) the matching-aware concat discriminator without the classifier,
(c) a plain concat discriminator (no wrong-label term) and
(d) a discriminator that never sees the label,
and reports, at the same epochs, how often a classifier trained on held-out
real digits recognises the requested class in generated digits, and at the
last scored epoch how varied the digits of one class are (beside real digits'): a
generator that draws only the easiest form of each digit can score above
real digits.

    python benchmarks/condition_fidelity.py --run one_seed     # ~5 minutes on 2 CPU cores
    python benchmarks/condition_fidelity.py --seeds 3 --mismatch-weight 1   # the docs' table (run default), ~15 min
    python benchmarks/condition_fidelity.py --epochs 400 --eval-every 50 --run "400 epochs"
    python benchmarks/condition_fidelity.py --set condition_at=every_block --run condition_at=every_block
    python benchmarks/condition_fidelity.py --variant "preset's" --seeds 5 --run "preset's D, 5 seeds"  # each seed kept
    python benchmarks/condition_fidelity.py --variant "preset's" --seeds 3 --mismatch-weight 1 \
        --run "the preset's D alone, three seeds, with diversity"

Writes run --run (default "default", the one the docs' table reads) of
benchmarks/results/condition_fidelity.json; runs of other names are kept.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import _report  # noqa: E402  (the script's own folder is on the path)
from keras_cgan.models.conditional_gan import defaults  # noqa: E402  (no TensorFlow: --help answers at once)

VARIANTS = {
    "the preset's D (concat + classifier + wrong labels)": {},
    "matching-aware D (concat + wrong labels)": dict(conditioning="concat", mismatch_weight=1.0),
    "plain concat D": dict(conditioning="concat", mismatch_weight=0.0),
    "D without the condition": dict(conditioning="none", mismatch_weight=0.0),
}


def build(variant, args, seed):
    """The quickstart's model and compile settings, with the variant's discriminator and the `--set` overrides."""
    from keras_cgan.models.conditional_gan import presets

    if variant.get("mismatch_weight", 1.0) > 0:  # the matching-aware term, where it is on, at --mismatch-weight
        variant = {**variant, "mismatch_weight": args.mismatch_weight}
    return presets.build((8, 8, 1), 10, preset="digits", base_filters=args.filters, seed=seed,
                         **{**dict(args.set), **variant})


def train(variant, args, judge, seed):
    import keras

    from keras_cgan.data import digits
    from keras_cgan.metrics import condition_accuracy, diversity

    keras.utils.set_random_seed(seed)
    gan = build(variant, args, seed)
    labels = np.repeat(np.arange(10), 100)
    scores, fake = {}, None

    class Score(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            nonlocal fake
            if (epoch + 1) % args.eval_every == 0:
                fake = gan.predict(labels, batch_size=500, verbose=0)
                scores[epoch + 1] = condition_accuracy(judge, fake, labels)

    start = time.time()
    # Every seed trains on the split-0 half: the judge learnt the other half.
    data = digits.dataset(args.batch_size, seed=0, shuffle_seed=seed)
    gan.fit(data, epochs=args.epochs, verbose=0, callbacks=[Score()])
    return scores, time.time() - start, diversity(fake, labels)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=_report.at_least(1), default=80)
    parser.add_argument("--eval-every", type=_report.at_least(1), default=10)
    parser.add_argument("--batch-size", type=_report.at_least(1), default=64)
    parser.add_argument("--filters", type=_report.at_least(1), default=32)
    parser.add_argument("--seeds", type=int, default=1, help="repeat with this many seeds (0, 1, ...) and average")
    parser.add_argument("--variant", action="append", default=[], metavar="TEXT",
                        help="run only the discriminators whose name contains TEXT (repeatable; default: all)")
    parser.add_argument("--set", action="append", default=[], type=_report.key_value, metavar="KEY=VALUE",
                        help="a preset override for every discriminator, e.g. condition_at=every_block (repeatable)")
    parser.add_argument("--mismatch-weight", type=_report.real(0.0), default=defaults.DEFAULT["mismatch_weight"],
                        help="the matching-aware term's weight where it is on (default: the preset's)")
    _report.output_options(parser, "condition_fidelity")
    args = parser.parse_args(argv)
    out = _report.check_out(parser, "condition_fidelity", args.out)
    if args.seeds < 1:
        parser.error(f"--seeds {args.seeds}: must be at least 1")
    if not 1 <= args.eval_every <= args.epochs:
        parser.error(f"--eval-every {args.eval_every}: must be between 1 and --epochs ({args.epochs}); "
                     "otherwise no epoch is scored")
    owned = {"preset", "base_filters", "seed"} | {k for variant in VARIANTS.values() for k in variant}
    clash = sorted(owned & set(dict(args.set)))
    if clash:
        parser.error(f"--set {clash[0]}: the benchmark sets it (its flags or its discriminator variants)")
    from keras_cgan.models.conditional_gan import presets

    try:
        presets.settings("digits", **dict(args.set))
    except ValueError as e:  # an unknown key: named before the judge and the first model train
        parser.error(f"--set: {e}")
    chosen = {n: v for n, v in VARIANTS.items() if not args.variant or any(t in n for t in args.variant)}
    if not chosen:
        parser.error(f"--variant {args.variant}: no discriminator name contains it; names: {list(VARIANTS)}")
    for name, variant in chosen.items():  # each built once, untrained: a setting one of them refuses is named first
        try:
            build(variant, args, seed=0)
        except ValueError as e:
            parser.error(f"--set, for the discriminator {name!r}: {e}")

    from keras_cgan.data import digits
    from keras_cgan.metrics import DigitsClassifier, condition_accuracy, diversity

    # each discriminator is recorded as it finishes in the run's partial entry; the last one's write is the whole run
    with _report.kept_on_interrupt(out, args.run, what="discriminators") as finished:
        judge = DigitsClassifier().fit(*digits.load("holdout"))
        real_images, real_labels = digits.load("train")
        real = {"real_digit_accuracy": condition_accuracy(judge, real_images, real_labels),
                "real_diversity": diversity(real_images, real_labels)}
        rows, runs = [], {}
        for name, variant in chosen.items():
            per_seed = [train(variant, args, judge, seed) for seed in range(args.seeds)]
            by_seed = {e: [scores[e] for scores, _, _ in per_seed] for e in sorted(per_seed[0][0])}
            mean = {e: float(np.mean(values)) for e, values in by_seed.items()}
            spread = [d for _, _, d in per_seed]  # each seed's, at the last scored epoch
            runs[name] = {"accuracy_by_epoch": mean, "seconds": float(np.mean([t for _, t, _ in per_seed])),
                          "by_seed": by_seed, "diversity": float(np.mean(spread)), "diversity_by_seed": spread}
            rows.append({"discriminator": name, **{f"epoch {e}": value for e, value in mean.items()},
                         "diversity": float(np.mean(spread))})
            print(f"{name}: {mean}, diversity {np.mean(spread):.3f}", flush=True)
            finished.record(name, "condition_fidelity", {"args": vars(args), "runs": runs, **real, "rows": rows},
                            run=args.run, out=args.out, complete=len(runs) == len(chosen))
        steps_per_epoch = len(real_labels) // args.batch_size
        columns = ["discriminator"] + [f"epoch {e}" for e in sorted(runs[next(iter(runs))]["accuracy_by_epoch"])]
        columns.append("diversity")
        print(f"\ncondition accuracy of generated digits ({steps_per_epoch} steps/epoch, "
              f"batch {args.batch_size}; judge on real digits: {real['real_digit_accuracy']:.3f}; chance 0.1), and "
              f"their diversity at the last scored epoch (real digits: {real['real_diversity']:.3f})\n")
        _report.show(out, args.run, rows, columns)


if __name__ == "__main__":
    main()
