"""StackGAN (16 -> 32 -> 64, grown in one fit) vs a single-stage GAN trained directly at 64x64.

Both train on the same tag faces, with the same batch size and the same
number of steps, and are scored on the 36 tag sets (each with its own
seeded noise, since their noise shapes differ):
tag accuracy read off the 64x64 pixels (hair, both eyes, all), sharpness
of the 64x64 images over real faces' (1 = as much edge detail as real; for
StackGAN also over stage 1 bilinearly upsampled), and diversity (mean
pairwise RMS distance of faces made for one tag set; 0 = collapsed).

    python benchmarks/stackgan.py                          # default budget, both variants
    python benchmarks/stackgan.py --variants single      # run "single" of benchmarks/results/stackgan.json

Writes benchmarks/results/stackgan.json (via benchmarks/_report.py), one run per --variants set.
"""

import argparse
import json
import os
import time

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import _examples  # noqa: E402  (the script's own folder is on the path)
import _report  # noqa: E402

VARIANTS = ("stackgan", "single")


def _example():
    return _examples.load("stack_gan")


def build_single(args):
    from keras_cgan import ConditionalGAN, networks
    from keras_cgan.data import synthetic_faces

    tags = synthetic_faces.condition()
    shape = (args.sizes[-1],) * 2 + (3,)
    g = networks.conditional_generator(shape, condition=tags, latent_dim=args.latent_dim, base_filters=args.single_filters)
    d = networks.conditional_discriminator(
        shape, condition=tags, conditioning=args.design, base_filters=max(args.filters // 2, 4)
    )
    gan = ConditionalGAN(g, d, condition=tags, seed=args.seed)
    gan.compile()
    return gan


def run(variant, args, example):
    import keras

    from keras_cgan import GrowStages
    from keras_cgan.data import synthetic_faces

    keras.utils.set_random_seed(args.seed)
    gan = example.build(args) if variant == "stackgan" else build_single(args)  # compiled
    train, _ = example.dataset(args)
    callbacks = [GrowStages(args.grow_at)] if variant == "stackgan" else []
    start = time.time()
    history = gan.fit(train, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, callbacks=callbacks, verbose=args.verbose)
    seconds = time.time() - start

    hair, eyes = synthetic_faces.grid_pairs()
    hair, eyes = np.repeat(hair, args.samples), np.repeat(eyes, args.samples)
    tags = synthetic_faces.tags_of(hair, eyes)
    noise = np.random.default_rng(args.seed + 1).standard_normal((len(tags),) + gan.noise_shape).astype("float32")
    if variant == "stackgan":
        images = example.stage_images(gan, tags, noise)
    else:
        images = [np.asarray(gan.predict(tags, batch_size=96, verbose=0))]
    _, real, real_hair, real_eyes = synthetic_faces.load(512, seed=args.seed + 7, size=args.sizes[-1])
    result = example.evaluate(images, hair, eyes, real, real_hair * 6 + real_eyes)
    last = result[f"stage{len(images)}"]
    row = {
        "model": variant,
        "hair": last["hair"], "both eyes": last["both_eyes"], "all": last["all"],
        "sharpness / real": result["sharpness_last_over_real"],
        "sharpness / stage 1 bilinear": result["sharpness_last_over_stage1_bilinear"] if variant == "stackgan" else "",
        "diversity": result["diversity"],
        "G params": int(sum(np.prod(w.shape) for w in gan.generator.trainable_weights)),
        "steps": args.epochs * args.steps_per_epoch,
        "seconds": round(seconds),
    }
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    return row, dict(result, final_logs=logs, seconds=seconds)


def from_example(path, args):
    """The StackGAN row from an `examples/stack_gan.py` result, checked to match this budget."""
    with open(path) as f:
        result = json.load(f)
    for key in ("sizes", "epochs", "steps_per_epoch", "batch_size", "faces", "seed", "samples", "latent_dim"):
        if result["args"][key] != getattr(args, key):
            raise ValueError(f"{path}: {key}={result['args'][key]!r} differs from this run's {getattr(args, key)!r}")
    last = result[f"stage{len(args.sizes)}"]
    row = {
        "model": "stackgan",
        "hair": last["hair"], "both eyes": last["both_eyes"], "all": last["all"],
        "sharpness / real": result["sharpness_last_over_real"],
        "sharpness / stage 1 bilinear": result["sharpness_last_over_stage1_bilinear"],
        "diversity": result["diversity"],
        "G params": result.get("generator_params", ""),
        "steps": result["steps"],
        "seconds": round(result["seconds"]),
    }
    return row, dict(result, source=path)


def main(argv=None):
    example = _example()
    parser = example.build_parser()
    parser.description = __doc__.split("\n\n")[0]
    # The example's own outputs and its --load do nothing here: hidden from --help and refused.
    unused = ("out", "grid", "load")
    parser.set_defaults(**dict.fromkeys(unused))
    for action in parser._actions:
        if action.dest in unused:
            action.help = argparse.SUPPRESS
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--single-filters", type=_report.at_least(1), default=16, help="base filters of the single-stage generator")
    parser.add_argument("--json", default=None, help="output path (default benchmarks/results/stackgan.json)")
    parser.add_argument(
        "--stackgan-result", default=None,
        help="take the StackGAN row from this result.json of examples/stack_gan.py run with the same arguments "
        "instead of training it again",
    )
    args = parser.parse_args(argv)
    given = [f"--{name}" for name in unused if getattr(args, name) is not None]
    if given:
        parser.error(f"{given[0]}: an option of examples/stack_gan.py this benchmark ignores "
                     "(its results go to --json; it trains each variant or reads --stackgan-result)")
    example.check_sizes(parser, args.sizes, "--sizes")  # as the example checks them, before training
    example.check_growth(parser, args)
    out = _report.check_out(parser, "stackgan", args.json, option="--json")
    given = None  # the StackGAN row of --stackgan-result, read and checked before any variant trains
    if args.stackgan_result:
        if "stackgan" not in args.variants:
            parser.error(f"--stackgan-result {args.stackgan_result}: gives the stackgan row, which --variants "
                         f"{' '.join(args.variants)} leaves out")
        try:
            given = from_example(args.stackgan_result, args)
        except OSError as e:
            parser.error(f"--stackgan-result {args.stackgan_result}: {e.strerror or e}")
        except (LookupError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as e:
            parser.error(f"--stackgan-result {args.stackgan_result}: not a result.json of examples/stack_gan.py "
                         f"({type(e).__name__}: {e})")
        except ValueError as e:  # a setting that differs from this run's
            parser.error(f"--stackgan-result {e}")
    rows, details = [], {}
    payload = {
        "config": vars(args),
        "details": details,
        "note": "2 CPU cores shared with other jobs while measured; seconds are wall time under load.",
    }
    name = "+".join(args.variants)
    # each variant is recorded as it finishes in the run's partial entry; the last one's write is the whole run
    with _report.kept_on_interrupt(out, name, what="variants") as finished:
        for variant in args.variants:
            if variant == "stackgan" and given:
                row, detail = given
            else:
                row, detail = run(variant, args, example)
            rows.append(row)
            details[variant] = detail
            print(row, flush=True)
            finished.record(variant, "stackgan", dict(payload, rows=rows), run=name, out=args.json,
                            complete=len(rows) == len(args.variants))
        columns = ["model", "hair", "both eyes", "all", "sharpness / real", "sharpness / stage 1 bilinear",
                   "diversity", "G params", "steps", "seconds"]
        _report.show(out, name, rows, columns)


if __name__ == "__main__":
    main()
