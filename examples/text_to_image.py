"""Captioned shapes: "a red circle at the top left" -> that picture.

Trains a text-conditional GAN on synthetic captioned shapes. Captions are
vectorized with `keras.layers.TextVectorization` in the data pipeline and
encoded by a trainable text encoder inside both networks. Eight
(colour, shape, position) combinations never appear in training; the script
samples from captions of those new combinations, writes a grid and prints
colour, shape and position accuracy read off the generated pixels.

Defaults: an `acgan` discriminator whose auxiliary head predicts each word of
the caption from the image, trained on real images only
(`auxiliary_on_fake=False`), and half of the wrong captions differing from
the true one in one attribute word (`word_swap=0.5` with the word groups
found by `captions.word_groups`), scored fake at twice the weight of the
other terms (`mismatch_weight=2`, the presets'). The generator gets the
caption code before every upsampling block, not only with the noise
(`condition_at="every_block"`),
and the script samples from an exponential moving average of its weights
(`ema_decay=0.995`; the trained weights are scored too).

    python examples/text_to_image.py                    # 2880 steps: ~5 min on 2 CPU cores
    python examples/text_to_image.py --condition-at input --ema-decay 0 --epochs 30   # the earlier setting
    python examples/text_to_image.py --design two_head --word-swap 0 --auxiliary-on-fake 1
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
    ACGAN, AUXILIARY_ON_FAKE_FLAGS, CONDITION_AT, CONDITIONINGS, DEFAULT,
)



def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=HelpFormatter)
    parser.add_argument("--design", default="acgan", choices=CONDITIONINGS)
    parser.add_argument("--text-encoder", default="mean", choices=checks.TEXT_ENCODERS)
    parser.add_argument("--mismatch-weight", type=checks.between(0.0), default=2.0,
                        help="weight of the real+wrong-caption term")
    parser.add_argument("--auxiliary-weight", type=checks.between(0.0), default=5.0,
                        help="acgan, concat_acgan and tacgan: weight of the per-word loss")
    parser.add_argument("--auxiliary-on-fake", default="0", choices=list(AUXILIARY_ON_FAKE_FLAGS),
                        help="acgan and concat_acgan: 1 trains D's word classifier on fakes too (their words), "
                        "negative as images of no word, 0 on real images only")
    parser.add_argument(
        "--word-swap", type=checks.between(0.0, 1.0), default=0.5,
        help="share of wrong captions that differ in one word"
    )
    parser.add_argument(
        "--swap-from", default="groups", choices=["groups", "partner"],
        help="swapped word: another word of its group (captions.word_groups) or the other caption's word",
    )
    parser.add_argument("--condition-at", default="every_block", choices=CONDITION_AT,
                        help="generator: feed the text code at the input only or before every block")
    parser.add_argument("--ema-decay", type=checks.between(0.0, 1.0, high_open=True), default=0.995,
                        help="keep an average of the generator's weights and sample from it (0: off)")
    parser.add_argument("--adversarial-loss", default=DEFAULT["adversarial_loss"], choices=checks.ADVERSARIAL_LOSSES)
    parser.add_argument("--diversity-weight", type=checks.between(0.0), default=0.0,
                        help="mode-seeking term (the preset's is 4.0; this example's results were measured without it)")
    parser.add_argument("--epochs", type=checks.at_least(1), default=45)
    parser.add_argument("--steps", type=checks.at_least(0), default=0, help="stop after this many steps (0: all epochs)")
    parser.add_argument("--images", type=checks.at_least(1), default=4096, help="training images")
    parser.add_argument("--batch-size", type=checks.at_least(1), default=64)
    parser.add_argument("--size", type=int, default=24)
    parser.add_argument("--filters", type=checks.at_least(1), default=DEFAULT["base_filters"])
    parser.add_argument("--latent-dim", type=checks.at_least(1), default=DEFAULT["latent_dim"])
    parser.add_argument("--samples", type=checks.at_least(2), default=25, help="generated images scored per caption (>= 2)")
    parser.add_argument("--out", default="runs/text_to_image")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2)
    return parser


def run(args):
    import keras

    from keras_cgan import TextCondition
    from keras_cgan.callbacks import save_image_grid
    from keras_cgan.data import captions, synthetic_shapes
    from keras_cgan.metrics import caption_accuracy, diversity
    from keras_cgan.models.conditional_gan import presets

    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    texts, images, _ = synthetic_shapes.load(args.images, seed=args.seed, size=args.size)
    vec = captions.vectorizer(texts, sequence_length=8)
    groups = captions.word_groups(vec, texts) if args.swap_from == "groups" else None
    condition = TextCondition.from_vectorizer(vec, word_swap=args.word_swap, swap_groups=groups)
    gan = presets.build(
        (args.size, args.size, 3), condition, conditioning=args.design, base_filters=args.filters,
        latent_dim=args.latent_dim, text_encoder=args.text_encoder, condition_at=args.condition_at,
        mismatch_weight=args.mismatch_weight, auxiliary_weight=args.auxiliary_weight,
        auxiliary_on_fake=AUXILIARY_ON_FAKE_FLAGS[args.auxiliary_on_fake], seed=args.seed,
        ema_decay=args.ema_decay or None,
        adversarial_loss=args.adversarial_loss, diversity_weight=args.diversity_weight, steps_per_execution=8,
    )
    ds = captions.dataset(texts, images, vec, args.batch_size, seed=args.seed)
    if args.steps:
        ds = ds.repeat().take(args.steps)
    start = time.time()
    gan.fit(ds, epochs=1 if args.steps else args.epochs, verbose=args.verbose)
    seconds = time.time() - start

    def score(combinations):
        attrs = np.repeat(np.asarray(combinations), args.samples, 0)
        new_texts = [synthetic_shapes.caption(*a) for a in attrs]
        fake = gan.predict(captions.vectorize(vec, new_texts), batch_size=256, verbose=0)
        groups = np.repeat(np.arange(len(combinations)), args.samples)
        return fake, dict(caption_accuracy(fake, *attrs.T), diversity=diversity(fake, groups))

    seen_combinations = synthetic_shapes.TRAIN_COMBINATIONS[:: max(1, len(synthetic_shapes.TRAIN_COMBINATIONS) // 8)]
    extra, generator = {}, gan.generator
    if args.ema_decay:  # score the trained weights too, then sample from the average
        extra["unseen_captions_raw_weights"] = score(synthetic_shapes.HELD_OUT)[1]
        extra["seen_captions_raw_weights"] = score(seen_combinations)[1]
        generator = gan.ema_generator()
        with gan.ema_weights():
            fake, unseen = score(synthetic_shapes.HELD_OUT)
            _, seen = score(seen_combinations)
    else:
        fake, unseen = score(synthetic_shapes.HELD_OUT)
        _, seen = score(seen_combinations)
    columns = min(8, args.samples)
    order = np.arange(len(fake)).reshape(len(synthetic_shapes.HELD_OUT), args.samples)[:, :columns].reshape(-1)
    save_image_grid(fake[order], os.path.join(args.out, "unseen_captions.png"), rows=len(synthetic_shapes.HELD_OUT),
                    scale=max(1, 96 // args.size),
                    row_labels=[synthetic_shapes.caption(*c) for c in synthetic_shapes.HELD_OUT],
                    col_labels=[f"z{j + 1}" for j in range(columns)])
    generator.save(os.path.join(args.out, "generator.keras"))
    result = {"unseen_captions": unseen, "seen_captions": seen, **extra, "train_seconds": seconds,
              "args": vars(args), "swap_groups": groups}
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    print("grid rows (captions never seen in training):")
    for combination in synthetic_shapes.HELD_OUT:
        print("  " + synthetic_shapes.caption(*combination))
    scored = [("unseen", unseen), ("seen", seen)]
    if args.ema_decay:
        scored += [("unseen, raw weights", extra["unseen_captions_raw_weights"]),
                   ("seen, raw weights", extra["seen_captions_raw_weights"])]
    for name, r in scored:
        print(f"{name} captions: colour {r['colour']:.3f}  shape {r['shape']:.3f}  position {r['position']:.3f}  "
              f"all {r['all']:.3f}  diversity {r['diversity']:.3f}")
    print(f"trained in {seconds:.0f} s; written: {args.out}/unseen_captions.png, generator.keras, result.json")
    return result


def parse(argv=None, parser=None):
    """The flags, refusing before training what cannot work (errors from `parser`, default `build_parser()`)."""
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    if args.images < args.batch_size:
        parser.error(f"--images {args.images}: fewer than one batch of --batch-size {args.batch_size}")
    if args.auxiliary_on_fake == "negative" and args.design not in ACGAN:
        parser.error(f"--auxiliary-on-fake negative acts on an acgan discriminator's classifier (--design "
                     f"{' or '.join(ACGAN)}), not --design {args.design}: give --auxiliary-on-fake 0 or 1, or one "
                     "of those designs")
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
