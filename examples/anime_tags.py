"""Tag faces: "blue hair, red eyes" -> a face with blue hair and red eyes.

Trains a tag-conditional GAN on the synthetic tag faces (6 hair x 6 eye
colours), writes a grid with one row per hair colour and one column per eye
colour, and prints per-attribute accuracy read off the generated pixels
(hair right, both eyes right) and the diversity of faces made for one tag set.

    python examples/anime_tags.py                       # ~10 minutes on 2 CPU cores
    python examples/anime_tags.py --design two_head --epochs 60 --size 32
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from keras_cgan import checks  # noqa: E402
from keras_cgan.cli.files import check_output_folder  # noqa: E402
from keras_cgan.cli.main import HelpFormatter  # noqa: E402
from keras_cgan.models.conditional_gan.defaults import CONDITIONINGS, DEFAULT  # noqa: E402


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=HelpFormatter)
    parser.add_argument("--design", default="acgan", choices=CONDITIONINGS)
    parser.add_argument("--mismatch-weight", type=checks.between(0.0), default=DEFAULT["mismatch_weight"])
    parser.add_argument("--epochs", type=checks.at_least(1), default=30)
    parser.add_argument("--steps", type=checks.at_least(0), default=0, help="stop after this many steps (0: all epochs)")
    parser.add_argument("--faces", type=checks.at_least(1), default=4096, help="training faces (at least one batch)")
    parser.add_argument("--batch-size", type=checks.at_least(1), default=64)
    parser.add_argument("--size", type=checks.at_least(16), default=16, help="image size, a multiple of 16")
    parser.add_argument("--filters", type=checks.at_least(1), default=DEFAULT["base_filters"])
    parser.add_argument("--latent-dim", type=checks.at_least(1), default=DEFAULT["latent_dim"])
    parser.add_argument("--samples", type=checks.at_least(2), default=20, help="generated faces scored per tag set (>= 2)")
    parser.add_argument("--out", default="runs/anime_tags")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2)
    return parser


def build(args, **overrides):
    """The ConditionalGAN's `"default"` preset with the example's flags and `overrides`, compiled (8 steps per execution)."""
    from keras_cgan.data import synthetic_faces
    from keras_cgan.models.conditional_gan import presets

    return presets.build(
        (args.size, args.size, 3), synthetic_faces.condition(), conditioning=args.design,
        base_filters=args.filters, latent_dim=args.latent_dim, mismatch_weight=args.mismatch_weight,
        seed=args.seed, **{"steps_per_execution": 8, **overrides},
    )


def evaluate(gan, samples, size, seed=1):
    """Per-attribute accuracy and diversity over all 36 tag sets."""
    from keras_cgan.data import synthetic_faces
    from keras_cgan.metrics import diversity, tag_face_accuracy

    hair, eyes = synthetic_faces.grid_pairs()
    hair, eyes = np.repeat(hair, samples), np.repeat(eyes, samples)
    fake = gan.predict(synthetic_faces.tags_of(hair, eyes), batch_size=256, verbose=0)
    groups = hair * len(synthetic_faces.COLOUR_NAMES) + eyes
    _, real, _, _ = synthetic_faces.load(len(hair), seed=seed, size=size, pairs=(hair, eyes))
    result = tag_face_accuracy(fake, hair, eyes)
    result.update(
        diversity=diversity(fake, groups),
        real_diversity=diversity(real, groups),
        collapsed_diversity=diversity(np.repeat(fake[:1], len(fake), 0), groups),
    )
    return result


def run(args):
    import keras

    from keras_cgan.callbacks import save_image_grid
    from keras_cgan.data import synthetic_faces

    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    gan = build(args)
    ds = synthetic_faces.dataset(args.batch_size, n=args.faces, seed=args.seed, size=args.size)
    if args.steps:
        ds = ds.repeat().take(args.steps)
    start = time.time()
    gan.fit(ds, epochs=1 if args.steps else args.epochs, verbose=args.verbose)
    seconds = time.time() - start
    hair, eyes = synthetic_faces.grid_pairs()
    noise = np.random.default_rng(0).standard_normal((1, args.latent_dim)).astype("float32")
    grid = gan(synthetic_faces.tags_of(hair, eyes), noise=np.repeat(noise, len(hair), 0), training=False)
    save_image_grid(np.asarray(grid), os.path.join(args.out, "grid.png"), rows=6, scale=max(1, 96 // args.size),
                    row_labels=synthetic_faces.HAIR_TAGS, col_labels=synthetic_faces.EYE_TAGS)
    gan.generator.save(os.path.join(args.out, "generator.keras"))
    result = dict(evaluate(gan, args.samples, args.size), train_seconds=seconds, design=args.design,
                  mismatch_weight=args.mismatch_weight)
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    print("rows: " + ", ".join(synthetic_faces.HAIR_TAGS) + "; columns: " + ", ".join(synthetic_faces.EYE_TAGS))
    print(f"hair accuracy {result['hair']:.3f}  both-eyes accuracy {result['both_eyes']:.3f}  "
          f"all {result['all']:.3f}")
    print(f"diversity {result['diversity']:.3f} (real faces {result['real_diversity']:.3f}, "
          f"collapsed generator {result['collapsed_diversity']:.3f})  trained in {seconds:.0f} s")
    print(f"written: {args.out}/grid.png, generator.keras, result.json")
    return result


def parse(argv=None, parser=None):
    """The flags, refusing before training what cannot work (errors from `parser`, default `build_parser()`)."""
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    if args.size % 16:
        parser.error(f"--size {args.size}: the tag faces are drawn at multiples of 16 pixels "
                     f"(e.g. {16 * max(1, args.size // 16)} or {16 * (args.size // 16 + 1)})")
    if args.faces < args.batch_size:
        parser.error(f"--faces {args.faces}: fewer than one batch of --batch-size {args.batch_size}")
    return args


def main(argv=None):
    parser = build_parser()
    args = parse(argv, parser)
    try:  # before any data or training: a file where a folder should be is named now (not in parse():
        check_output_folder(args.out, f"--out {args.out}")  # callers that never write --out use it)
    except ValueError as e:
        parser.error(str(e))
    return run(args)


if __name__ == "__main__":
    main()
