"""Quickstart: a class-conditional GAN on the scikit-learn digits.

Trains with `fit`, writes a sample grid (one row per class), saves the
generator as `.keras` and prints how often a classifier trained on held-out
real digits recognises the class each generated digit was asked for.

    keras-cgan quickstart --epochs 100 --out runs/digits
    python -m keras_cgan.cli.quickstart --help
"""

import argparse
import json
import os
import time

import numpy as np

from keras_cgan import checks
from keras_cgan.cli import run_folder
from keras_cgan.cli.files import check_output_folder
from keras_cgan.cli.status import errors_to_status, seed

# The quickstart's model is the ConditionalGAN's "digits" preset; these flags change it (None: the preset's).
PRESET_FLAGS = {"latent_dim": "latent_dim", "filters": "base_filters", "mismatch_weight": "mismatch_weight"}


def build_parser(parser=None):
    """The quickstart's arguments, added to `parser` (a new parser if None)."""
    parser = parser or argparse.ArgumentParser(
        prog="keras-cgan quickstart", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--epochs", type=int, default=100, help="training epochs (default 100)")
    parser.add_argument("--batch-size", type=int, default=64, help="global batch size (default 64)")
    parser.add_argument("--latent-dim", type=int, help="noise size (default: the digits preset's)")
    parser.add_argument("--filters", type=int, help="base filters of G and D (default: the digits preset's)")
    parser.add_argument(
        "--mismatch-weight", type=float, help="weight of the real+wrong-label term (default: the digits preset's)"
    )
    parser.add_argument(
        "--samples-per-class", type=int, default=100, help="generated digits scored per class (default 100)"
    )
    parser.add_argument("--out", default="runs/digits", help="output folder (default runs/digits)")
    parser.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    parser.add_argument("--verbose", type=int, default=1, help="Keras progress bar: 0, 1 or 2 (default 1)")
    return parser


def _check(args):
    """Refuses bad option values before anything is trained (`ValueError` naming the option)."""
    _check_options(args)
    _check_batch_size(args)


def _check_batch_size(args):
    """`--batch-size` against the digits it trains on (`ValueError`): the check of `_check` that loads them."""
    from keras_cgan.data import digits

    train_digits = len(digits.load("train", seed=args.seed)[1])
    if args.batch_size > train_digits:
        raise ValueError(
            f"--batch-size {args.batch_size}: the training half of the digits holds {train_digits} images; "
            f"give at most {train_digits}."
        )


def _check_options(args):
    """The checks of `_check` that need no TensorFlow: `keras-cgan` makes them before it imports it."""
    for name in ("epochs", "batch_size", "latent_dim", "filters", "samples_per_class"):
        if getattr(args, name) is not None:
            checks.integer("--" + name.replace("_", "-"), getattr(args, name), low=1)
    checks.integer("--verbose", args.verbose, low=0, high=2)
    if args.mismatch_weight is not None:
        checks.number("--mismatch-weight", args.mismatch_weight)
    # quickstart rewrites the four files of its own folder, never another run's.
    check_output_folder(args.out, f"--out {args.out}")
    if os.path.isfile(os.path.join(args.out, run_folder.CONFIG)):  # what `keras-cgan train` writes first
        raise ValueError(
            f"--out {args.out}: a `keras-cgan train` run folder; quickstart would overwrite its model. "
            "Give another folder."
        )
    models = [n for n in ("gan.keras", "generator.keras") if os.path.isfile(os.path.join(args.out, n))]
    if models and not os.path.isfile(os.path.join(args.out, "result.json")):
        raise ValueError(f"--out {args.out}: holds {models[0]} that quickstart did not write. Give another folder.")


def run(args):
    """Trains the digits cGAN, writes samples and the generator, prints condition accuracy."""
    _check(args)
    return _run_checked(args)


def _run_checked(args):
    """`run` once `_check` has passed."""
    created = not os.path.isdir(args.out)
    os.makedirs(args.out, exist_ok=True)
    try:
        return _train_and_score(args)
    finally:
        if created and not os.listdir(args.out):  # failed before writing anything: the command can run again
            os.rmdir(args.out)


def _train_and_score(args):
    import keras

    from keras_cgan.callbacks import SampleGrid
    from keras_cgan.data import digits
    from keras_cgan.metrics import DigitsClassifier, condition_accuracy
    from keras_cgan.models.conditional_gan import presets

    keras.utils.set_random_seed(args.seed)
    start = time.time()

    given = {key: getattr(args, flag) for flag, key in PRESET_FLAGS.items() if getattr(args, flag) is not None}
    gan = presets.build((8, 8, 1), 10, preset="digits", seed=args.seed, **given)
    grid_path = os.path.join(args.out, "samples.png")
    gan.fit(
        digits.dataset(args.batch_size, "train", seed=args.seed),
        epochs=args.epochs,
        verbose=args.verbose,
        callbacks=[SampleGrid(
            np.repeat(np.arange(10), 10), grid_path, rows=10, every=args.epochs, scale=4,
            row_labels=[f"class {k}" for k in range(10)], col_labels=[f"z{j}" for j in range(1, 11)],
        )],
    )
    train_seconds = time.time() - start

    generator_path = os.path.join(args.out, "generator.keras")
    gan.generator.save(generator_path)
    gan.save(os.path.join(args.out, "gan.keras"))

    judge = DigitsClassifier().fit(*digits.load("holdout", seed=args.seed))
    real_images, real_labels = digits.load("train", seed=args.seed)
    labels = np.repeat(np.arange(10), args.samples_per_class)
    fake = gan.predict(labels, batch_size=500, verbose=0)
    result = {
        "condition_accuracy": condition_accuracy(judge, fake, labels),
        "real_digit_accuracy": condition_accuracy(judge, real_images, real_labels),
        "epochs": args.epochs,
        "train_seconds": round(train_seconds, 1),
        "samples": grid_path,
        "generator": generator_path,
    }
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(
        f"\ncondition accuracy of generated digits: {result['condition_accuracy']:.3f} "
        f"(the same classifier on real digits: {result['real_digit_accuracy']:.3f})\n"
        f"trained in {train_seconds:.0f} s; samples: {grid_path}; generator: {generator_path}"
    )
    return result


def add_quickstart_subcommand(subparsers, help=None):
    """Adds `quickstart` to a `keras-cgan` parser."""
    parser = build_parser(subparsers.add_parser("quickstart", help=help))
    parser.set_defaults(func=_command, check=_check_options)
    return parser


def _command(args):
    """`run` as a command, once `_check_options` has passed (`keras-cgan` makes it before it imports TensorFlow).

    Returns 0 when done, 2 (and one `error:` line) for a bad option.
    """
    if errors_to_status(command="quickstart")(_check_batch_size)(args) == 2:
        return 2
    _run_checked(args)
    return 0


def main(argv=None):
    """Parses `argv` and runs; returns the result (`ValueError` for a bad option)."""
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    _args = build_parser().parse_args()
    raise SystemExit(errors_to_status(command="quickstart")(_check_options)(_args) or _command(_args))
