"""Pix2Pix: train L1-only and L1+cGAN side by side and compare their outputs.

Writes a grid with one row per held-out example: input | L1 only | L1+cGAN |
target. The L1 model averages what the input leaves open (wall textures,
colours) and comes out blurry; the PatchGAN makes the same U-Net sharp. On
the synthetic facades the L1+cGAN run compares blurred images in its L1 term
(`--l1-lowpass 1`, sigma 1 pixel), leaving the finest texture to the
PatchGAN: with the paper's per-pixel L1 (`--l1-lowpass 0`, the default of the
other tasks and of `--data`) it stays about a third blurrier there.

    python examples/pix2pix.py --task labels2facade            # offline, minutes on 2 CPU cores
    python examples/pix2pix.py --task gray2color --size 64 --steps 1000
    python examples/pix2pix.py --data facades/train --direction BtoA --size 256 --steps 20000

`--data` takes a folder of A|B images (the layout of the pix2pix datasets) or
a folder with subfolders A/ and B/ matched by file name; the synthetic tasks
need no download (they use the photographs shipped with scikit-image).
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from keras_cgan import checks  # noqa: E402
from keras_cgan.cli.files import check_output_folder  # noqa: E402
from keras_cgan.cli.main import HelpFormatter  # noqa: E402
from keras_cgan.data import synthetic_images  # noqa: E402
from keras_cgan.data.layouts import DIRECTIONS  # noqa: E402
from keras_cgan.models.pix2pix.defaults import DEFAULT, NORMS, RECEPTIVE_FIELDS  # noqa: E402


def datasets(args):
    """Training dataset and a held-out batch `(conditions, targets)`."""
    import tensorflow as tf

    from keras_cgan.data import paired_image_dataset

    if args.data:
        train = paired_image_dataset(
            args.data, direction=args.direction, image_size=args.size, batch_size=args.batch_size,
            seed=args.seed,
        ).repeat()
        held_out = paired_image_dataset(
            args.val or args.data, direction=args.direction, image_size=args.size, jitter=False,
            batch_size=args.rows, shuffle=False,
        )
        conditions, targets = (t.numpy() for t in next(iter(held_out)))
        return train, (conditions, targets)
    pairs = synthetic_images.make_task(args.task, args.train, args.size, seed=args.seed)
    held_out = synthetic_images.make_task(args.task, args.rows, args.size, seed=args.seed + 1000)
    train = (
        tf.data.Dataset.from_tensor_slices(pairs)
        .shuffle(len(pairs[0]), seed=args.seed)
        .repeat()
        .batch(args.batch_size, drop_remainder=True)
        .prefetch(2)
    )
    return train, held_out


def make_model(condition_shape, target_shape, adversarial_weight, args):
    """Pix2Pix's `"default"` preset with the example's flags, compiled."""
    import keras

    from keras_cgan.models.pix2pix import presets

    keras.utils.set_random_seed(args.seed)  # both variants start from the same weights
    # The L1-only baseline keeps the paper's per-pixel L1; --l1-lowpass applies to L1+cGAN.
    return presets.build(
        condition_shape, target_shape, base_filters=args.base_filters, norm=args.norm,
        receptive_field=args.receptive_field, l1_weight=args.l1_weight,
        l1_lowpass=args.l1_lowpass if adversarial_weight else 0.0, adversarial_weight=adversarial_weight,
        seed=args.seed,
    )


def _field(text):
    return int(text) if text.isdigit() else text


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--task", default="labels2facade", choices=synthetic_images.TASKS)
    parser.add_argument("--data", default=None, help="folder of A|B images or with A/ and B/")
    parser.add_argument("--val", default=None, help="held-out folder for the grid (default: --data)")
    parser.add_argument("--direction", default="AtoB", choices=DIRECTIONS)
    parser.add_argument("--size", type=checks.at_least(8), default=64, help="image side, a power of two (8, 16, 32, ...)")
    parser.add_argument("--train", type=checks.at_least(1), default=800, help="synthetic training pairs")
    parser.add_argument("--steps", type=checks.at_least(1), default=600)
    parser.add_argument("--batch-size", type=checks.at_least(1), default=8)
    parser.add_argument("--base-filters", type=checks.at_least(1), default=DEFAULT["base_filters"])
    parser.add_argument("--receptive-field", type=_field, choices=RECEPTIVE_FIELDS,
                        default=DEFAULT["receptive_field"],
                        help="PatchGAN field in pixels, 'auto' (at most half the image) or 'image'")
    parser.add_argument("--norm", default=DEFAULT["norm"], choices=NORMS)
    parser.add_argument("--l1-weight", type=checks.between(0.0), default=DEFAULT["l1_weight"])
    parser.add_argument("--l1-lowpass", type=checks.between(0.0), default=None,
                        help="Gaussian sigma (pixels) before the L1 term of L1+cGAN (Pix2Pix(l1_lowpass=)); "
                             "0 = the paper's per-pixel L1. Default: 1 on the synthetic labels2facade, else 0")
    parser.add_argument("--rows", type=checks.at_least(1), default=6, help="held-out examples in the grid")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="pix2pix_grid.png", help="the grid image written (a .png file)")
    return parser


def default_lowpass(args):
    """`--l1-lowpass` if given, else 1 on the synthetic facades and 0 (the paper's L1) elsewhere.

    Measured by benchmarks/pix2pix_blur.py: on the facades (bricks of random phase) the
    per-pixel L1 keeps the GAN at 0.68 of real sharpness and the low-pass reaches ~1.0;
    on edges2photo the per-pixel L1+cGAN is at 0.94 already and the low-pass overshoots (1.4).
    """
    if args.l1_lowpass is not None:
        return args.l1_lowpass
    return 1.0 if args.task == "labels2facade" and not args.data else 0.0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.size & (args.size - 1):  # the U-Net halves the image down to one pixel
        lower = 2 ** (args.size.bit_length() - 1)
        parser.error(f"--size {args.size}: the U-Net halves the image down to 1 pixel, give a power of two "
                     f"(e.g. {lower} or {2 * lower})")
    if not args.l1_weight:  # Pix2Pix's own error, once the data was made
        parser.error(f"--l1-weight {args.l1_weight:g}: the L1-only model (no adversarial term) would have no loss; "
                     "give --l1-weight above 0 (the example trains it beside L1+cGAN)")
    from PIL import Image

    Image.init()
    if os.path.splitext(args.out)[1].lower() not in Image.registered_extensions():
        parser.error(f"--out {args.out}: the grid image's file name, e.g. grid.png")  # before training
    try:  # before any data or training: a file where a folder should be is named now
        check_output_folder(os.path.dirname(os.path.abspath(args.out)), f"--out {args.out}")
    except ValueError as e:
        parser.error(str(e))
    args.l1_lowpass = default_lowpass(args)

    from keras_cgan.callbacks import save_image_grid
    from keras_cgan.metrics import quality_report

    train, (conditions, targets) = datasets(args)
    columns = [np.repeat(conditions, 3, -1) if conditions.shape[-1] == 1 else conditions]
    reports = {}
    for name, adversarial_weight in (("L1 only", 0.0), ("L1+cGAN", 1.0)):
        model = make_model(conditions.shape[1:], targets.shape[1:], adversarial_weight, args)
        model.fit(train, steps_per_epoch=args.steps, epochs=1, verbose=2)
        outputs = model.predict(conditions, verbose=0)  # inference mode: dropout off
        report = quality_report(targets, outputs)
        ratio = report["sharpness_ratio"]  # None when every target is flat
        print(f"{name:<8} PSNR {report['psnr']:.2f} dB  SSIM {report['ssim']:.3f}  "
              f"sharpness / real {'-' if ratio is None else f'{ratio:.2f}'}")
        reports[name] = report
        columns.append(outputs)
    columns.append(targets)
    gan_label = "L1+cGAN" + (f"\nl1_lowpass={args.l1_lowpass:g}" if args.l1_lowpass else "")
    save_image_grid(
        np.stack(columns, 1).reshape((-1,) + targets.shape[1:]), args.out, rows=len(targets),  # [rows * 4, H, W, C]
        row_labels=[f"test {i + 1}" for i in range(len(targets))],
        col_labels=["input", "L1 only", gan_label, "target"],
    )
    print(f"wrote {args.out}: input | L1 only | L1+cGAN | target")
    return reports


if __name__ == "__main__":
    main()
