"""StackGAN on tag faces: a 16x16 face first, then 32x32, then 64x64.

Trains stage 1 alone, then stages 1+2 jointly, then all three (growth at
given epochs inside one `fit`), writes a grid of every stage for the same
conditions and noise, and prints per-stage tag accuracy read off the pixels,
the sharpness of stage 3 against stage 1 upsampled to 64x64, and diversity.

    python examples/stack_gan.py                           # the default budget
    python examples/stack_gan.py --epochs 48 --grow-at 16 32 --batch-size 64
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
from keras_cgan.models.conditional_gan.defaults import (  # noqa: E402
    AUXILIARY_ON_FAKE_FLAGS, CLASSIFIER_POOLINGS, CONDITIONINGS,
)
from keras_cgan.models.stack_gan.defaults import DEFAULT, check_network_sizes  # noqa: E402

SIZES = (16, 32, 64)  # --sizes when training


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=HelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="stage sizes (default: 16 32 64, or --load's own)")
    parser.add_argument("--epochs", type=checks.at_least(1), default=28)
    parser.add_argument("--steps-per-epoch", type=checks.at_least(1), default=40)
    parser.add_argument("--grow-at", type=int, nargs="*", default=[8, 14],
                        help="epochs at which stages 2, 3 start (one per later stage; extra ones are ignored)")
    parser.add_argument("--batch-size", type=checks.at_least(1), default=32)
    parser.add_argument("--faces", type=checks.at_least(1), default=2048, help="training faces (at least one batch)")
    parser.add_argument("--filters", type=checks.at_least(1), default=DEFAULT["base_filters"])
    parser.add_argument("--latent-dim", type=checks.at_least(1), default=DEFAULT["latent_dim"])
    parser.add_argument("--code-dim", type=checks.at_least(1), default=DEFAULT["code_dim"])
    parser.add_argument("--kl-weight", type=checks.between(0.0), default=DEFAULT["kl_weight"])
    parser.add_argument(
        "--design", default=DEFAULT["conditioning"], choices=[c for c in CONDITIONINGS if c != "none"]
    )
    parser.add_argument(
        "--auxiliary-on-fake", default=None, choices=list(AUXILIARY_ON_FAKE_FLAGS),
        help="acgan and concat_acgan: 1 trains D's tag classifier on generated faces too (their tags), negative "
        "as faces of no tag, 0 on real faces only (default: the preset's, negative on acgan and concat_acgan, "
        "else 0)",
    )
    parser.add_argument("--discriminator-filters", type=checks.at_least(1), default=None,
                        help=f"filters of every discriminator's first block (default: {DEFAULT['discriminator_filters']})")
    parser.add_argument("--diversity-weight", type=checks.between(0.0), default=None,
                        help="weight of the mode-seeking term (default: the preset's)")
    parser.add_argument("--diversity-warmup", type=checks.at_least(0), default=None,
                        help="generator steps over which that weight rises from 0 (default: the preset's)")
    parser.add_argument("--auxiliary-weight", type=checks.between(0.0), default=None,
                        help="weight of the tag classifier's terms in D's and G's losses "
                        "(default: the preset's, 3 where the classifier learns negative, as by default on acgan and "
                        "concat_acgan, else 6)")
    parser.add_argument("--classifier-pooling", default=None, choices=CLASSIFIER_POOLINGS,
                        help=f"concat_acgan: how the tag classifier's trunk ends (default: {DEFAULT['classifier_pooling']})")
    parser.add_argument("--translation", type=checks.between(0.0, 0.5, high_open=True), default=None,
                        help="largest shift of the images D sees while training, as a share of their side "
                        f"(default: {DEFAULT['translation']})")
    parser.add_argument(
        "--tag-mismatch", default="other", choices=checks.TAG_MISMATCHES,
        help="wrong tag sets of the mismatch term: any other set of the batch, or one differing in the fewest tags",
    )
    parser.add_argument("--samples", type=checks.at_least(2), default=8, help="generated faces scored per tag set (>= 2)")
    parser.add_argument("--out", default="runs/stackgan")
    parser.add_argument("--grid", default=None, help="also write the stage grid here (e.g. docs/stackgan_stages.png)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2)
    parser.add_argument("--load", default=None, help="evaluate this saved .keras StackGAN instead of training")
    return parser


def build(args):
    """StackGAN's `"default"` preset with the example's flags, compiled."""
    from keras_cgan.data import synthetic_faces
    from keras_cgan.models.stack_gan import presets

    return presets.build(
        tuple(args.sizes), synthetic_faces.condition(args.tag_mismatch), base_filters=args.filters,
        latent_dim=args.latent_dim, code_dim=args.code_dim, conditioning=args.design, kl_weight=args.kl_weight,
        seed=args.seed,
        **({} if args.auxiliary_on_fake is None else
           {"auxiliary_on_fake": AUXILIARY_ON_FAKE_FLAGS[args.auxiliary_on_fake]}),
        **{k: v for k in ("discriminator_filters", "diversity_weight", "diversity_warmup", "auxiliary_weight",
                          "classifier_pooling", "translation")
           if (v := getattr(args, k)) is not None},
    )


def dataset(args):
    import tensorflow as tf

    from keras_cgan.data import synthetic_faces

    ds = synthetic_faces.dataset(args.batch_size, n=args.faces, seed=args.seed, size=args.sizes[-1])
    return ds.repeat(), tf.data.AUTOTUNE


def stage_images(gan, tags, noise, batch=96):
    """Every stage's images `[N, S_k, S_k, 3]` for `tags`, in inference mode."""
    out = None
    for start in range(0, len(tags), batch):
        images = gan(tags[start : start + batch], noise=noise[start : start + batch], all_stages=True)
        images = [np.asarray(x) for x in images]
        out = images if out is None else [np.concatenate([a, b]) for a, b in zip(out, images)]
    return out


def upsample(images, size, method):
    import tensorflow as tf

    return np.asarray(tf.image.resize(images, (size, size), method=method))


def evaluate(images_by_stage, hair, eyes, real, real_groups):
    """Per-stage tag accuracy, sharpness ratios and diversity within a tag set (last stage, and real faces)."""
    from keras_cgan.metrics import diversity, tag_face_accuracy
    from keras_cgan.metrics.image_quality import sharpness

    size = images_by_stage[-1].shape[1]
    result = {}
    for k, images in enumerate(images_by_stage, start=1):
        acc = tag_face_accuracy(images, hair, eyes)
        result[f"stage{k}"] = {"hair": acc["hair"], "both_eyes": acc["both_eyes"], "all": acc["all"]}
    last = float(np.mean(sharpness(images_by_stage[-1])))
    first_bilinear = float(np.mean(sharpness(upsample(images_by_stage[0], size, "bilinear"))))
    first_nearest = float(np.mean(sharpness(upsample(images_by_stage[0], size, "nearest"))))
    result["sharpness_last_over_stage1_bilinear"] = last / first_bilinear
    result["sharpness_last_over_stage1_nearest"] = last / first_nearest
    result["sharpness_last_over_real"] = last / float(np.mean(sharpness(real)))
    groups = hair * 6 + eyes
    result["diversity"] = diversity(images_by_stage[-1], groups)
    result["real_diversity_per_tags"] = diversity(real, real_groups)
    return result


def write_grid(images_by_stage, path, col_labels):
    """Rows: stage 1, 2, 3 (each nearest-upsampled to the largest size); one column per condition, labelled."""
    from keras_cgan.callbacks import save_image_grid

    size = images_by_stage[-1].shape[1]
    rows = [upsample(images[: len(col_labels)], size, "nearest") for images in images_by_stage]
    row_labels = [f"stage {k}, {x.shape[1]}x{x.shape[1]}" for k, x in enumerate(images_by_stage, start=1)]
    save_image_grid(np.concatenate(rows), path, rows=len(rows), row_labels=row_labels, col_labels=col_labels)


def check_sizes(parser, sizes, flag):
    """Sizes the networks take (`check_network_sizes`) from 16 on (tag faces are scored at multiples of 16)."""
    if not 2 <= len(sizes) <= 3:
        parser.error(f"{flag}: give two or three stage sizes, received {' '.join(map(str, sizes))}")
    try:
        drawn = check_network_sizes(sizes)[0] >= 16
    except ValueError:
        drawn = False
    if not drawn:
        parser.error(f"{flag}: stage sizes {' '.join(map(str, sizes))} cannot be drawn and scored; the first is "
                     "16, 32, 64, ... and each later one twice the one before (e.g. 16 32 64)")


def check_growth(parser, args):
    """Refuses a --grow-at that does not start every later stage, in order, within --epochs."""
    later = len(args.sizes) - 1
    starts = args.grow_at[:later]  # the later stages' start epochs (as GrowStages reads them)
    if len(starts) < later:
        parser.error(f"--grow-at {' '.join(map(str, args.grow_at)) or '(none)'}: {later + 1} stages "
                     f"(--sizes {' '.join(map(str, args.sizes))}) need {later} start epochs, one per later stage")
    if starts != sorted(starts) or starts[0] < 0:
        parser.error(f"--grow-at {' '.join(map(str, args.grow_at))}: the stages start in order, give increasing epochs >= 0")
    if starts[-1] >= args.epochs:
        parser.error(f"--epochs {args.epochs}: the last stage starts at epoch {starts[-1]} (--grow-at); "
                     "give more epochs, or grow earlier")


def main(argv=None):
    parser = build_parser()
    parser.set_defaults(sizes=None)  # given or not: --load takes the model's own
    args = parser.parse_args(argv)
    if args.sizes is not None:
        check_sizes(parser, args.sizes, "--sizes")
    if args.grid:
        from PIL import Image

        Image.init()
        if os.path.splitext(args.grid)[1].lower() not in Image.registered_extensions():
            parser.error(f"--grid {args.grid}: the grid image's file name, e.g. stages.png")  # before training
    folders = {f"--out {args.out}": args.out}
    if args.grid:
        folders[f"--grid {args.grid}"] = os.path.dirname(os.path.abspath(args.grid))
    for label, folder in folders.items():
        try:  # before any data or training: a file where a folder should be is named now
            check_output_folder(folder, label)
        except ValueError as e:
            parser.error(str(e))
    if not args.load:
        args.sizes = args.sizes or list(SIZES)
        check_growth(parser, args)
        if args.faces < args.batch_size:
            parser.error(f"--faces {args.faces}: fewer than one batch of --batch-size {args.batch_size}")
    import keras

    from keras_cgan import GrowStages
    from keras_cgan.data import synthetic_faces

    keras.utils.set_random_seed(args.seed)
    if args.load:  # checked before --out is made
        gan, seconds = keras.models.load_model(args.load), None  # not trained here
        active = [int(size) for size in gan.sizes[: gan.stages()]]  # the stages it draws
        if args.sizes is not None and args.sizes != active:
            parser.error(f"--sizes {' '.join(map(str, args.sizes))}: the model {args.load} draws stages of "
                         f"{' '.join(map(str, active))} pixels; "
                         "leave --sizes out to use them")
        if len(active) < 2:
            parser.error(f"--load {args.load}: the model has grown one stage of {gan.num_stages}; the stages are "
                         "compared once a second one has grown")
        check_sizes(parser, active, f"--load {args.load}")
        args.sizes = active
    os.makedirs(args.out, exist_ok=True)
    if not args.load:
        gan = build(args)
        train, _ = dataset(args)
        start = time.time()
        gan.fit(
            train, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch,
            callbacks=[GrowStages(args.grow_at)], verbose=args.verbose,
        )
        seconds = time.time() - start
        gan.save(os.path.join(args.out, "stackgan.keras"))

    hair, eyes = synthetic_faces.grid_pairs()
    hair, eyes = np.repeat(hair, args.samples), np.repeat(eyes, args.samples)
    tags = synthetic_faces.tags_of(hair, eyes)
    noise = np.random.default_rng(args.seed + 1).standard_normal((len(tags),) + gan.noise_shape).astype("float32")
    images = stage_images(gan, tags, noise)
    _, real, real_hair, real_eyes = synthetic_faces.load(512, seed=args.seed + 7, size=args.sizes[-1])
    result = evaluate(images, hair, eyes, real, real_hair * 6 + real_eyes)
    params = int(sum(np.prod(w.shape) for w in gan.generator.trainable_weights))
    result.update(
        seconds=seconds, steps=None if args.load else args.epochs * args.steps_per_epoch, stages=gan.stages(),
        generator_params=params,
        args=vars(args),
    )

    # One column per hair colour with eyes two colours on, the same noise for every stage.
    pick = [np.flatnonzero((hair == h) & (eyes == (h + 2) % 6))[0] for h in range(6)]
    picked = [x[pick] for x in images]
    labels = [f"{synthetic_faces.HAIR_TAGS[hair[i]]}\n{synthetic_faces.EYE_TAGS[eyes[i]]}" for i in pick]
    for path in [os.path.join(args.out, "stages.png")] + ([args.grid] if args.grid else []):
        write_grid(picked, path, labels)
    with open(os.path.join(args.out, "result_loaded.json" if args.load else "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps({k: v for k, v in result.items() if k != "args"}, indent=2))
    return result


if __name__ == "__main__":
    main()
