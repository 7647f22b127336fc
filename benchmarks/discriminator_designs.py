"""Which discriminator makes faces with the right hair *and* both right eyes?

Trains the tag-conditional GAN on synthetic tag faces with each discriminator
design (concat, projection, acgan, concat_acgan, tacgan, two_head) with and without the
matching-aware term (real image + wrong tags scored fake), all at the same
step budget, and reports hair accuracy, both-eyes accuracy, all-tags accuracy
and diversity (mean pairwise distance of faces for one tag set; 0 for a
collapsed generator) as a JSON table.

    python benchmarks/discriminator_designs.py --mismatch-on 1   # the docs' table (run default), ~15 min on 2 cores
    python benchmarks/discriminator_designs.py --epochs 30 --seeds 3 --run "30 epochs, three seeds"
    python benchmarks/discriminator_designs.py --designs concat_acgan --set condition_at=every_block \
        --run "concat_acgan, condition_at=every_block"

Writes run --run (default "default", the one the docs' table reads) of
benchmarks/results/discriminator_designs.json; runs of other names are kept.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import _examples  # noqa: E402  (the script's own folder is on the path)
import _report  # noqa: E402


anime_tags = _examples.load("anime_tags")

DESIGNS = ("concat", "projection", "acgan", "concat_acgan", "tacgan", "two_head")
METRICS = ("hair", "both_eyes", "all", "diversity")


# The flags shared with the example, checked as the example checks them.
SHARED = ("epochs", "faces", "batch_size", "size", "filters", "latent_dim", "samples")


def example_settings(parser, args):
    """`args`' shared flags parsed and checked by examples/anime_tags.py; a bad one is `parser`'s one-line error.

    The shared flags come in as text (their defaults as ints), so even a value
    that is no int gets the example's wording; `args` takes the parsed values.
    """
    example = anime_tags.build_parser()
    example.error = parser.error
    example = anime_tags.parse([f"--{name.replace('_', '-')}={getattr(args, name)}" for name in SHARED], example)
    vars(args).update({name: getattr(example, name) for name in SHARED})
    return example


def train(design, mismatch_weight, args, example, seed):
    """One run of the example's model (`example`: its settings from `example_settings`)."""
    import keras

    from keras_cgan.data import synthetic_faces

    keras.utils.set_random_seed(seed)
    settings = argparse.Namespace(**vars(example))
    settings.design, settings.mismatch_weight, settings.seed = design, mismatch_weight, seed
    gan = anime_tags.build(settings, **dict(args.set))  # compiled, 8 steps per execution
    ds = synthetic_faces.dataset(args.batch_size, n=args.faces, seed=seed, size=args.size)
    start = time.time()
    gan.fit(ds, epochs=args.epochs, verbose=0)
    seconds = time.time() - start
    return dict(anime_tags.evaluate(gan, args.samples, args.size), seconds=seconds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # The flags of SHARED are checked by the example (`example_settings`), with its wording.
    parser.add_argument("--epochs", default=8)
    parser.add_argument("--faces", default=4096)
    parser.add_argument("--batch-size", default=64)
    parser.add_argument("--size", default=16)
    parser.add_argument("--filters", default=32)
    parser.add_argument("--latent-dim", default=32)
    parser.add_argument("--samples", default=10, help="faces scored per tag set (36 sets)")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--designs", default=",".join(DESIGNS), help=f"comma-separated, of {', '.join(DESIGNS)}")
    parser.add_argument("--mismatch-on", type=_report.real(0.0, above=True), default=anime_tags.DEFAULT["mismatch_weight"],
                        help="the matching-aware term's weight in the 'on' rows (default: the preset's)")
    parser.add_argument("--set", action="append", default=[], type=_report.key_value, metavar="KEY=VALUE",
                        help="a preset override for every design, e.g. condition_at=every_block (repeatable)")
    _report.output_options(parser, "discriminator_designs")
    args = parser.parse_args(argv)
    out = _report.check_out(parser, "discriminator_designs", args.out)
    example = example_settings(parser, args)
    if args.seeds < 1:
        parser.error(f"--seeds {args.seeds}: must be at least 1")
    designs = args.designs.split(",")
    unknown = [d for d in designs if d not in DESIGNS]
    if unknown:
        parser.error(f"--designs {unknown[0]!r}: not a design; the designs are {', '.join(DESIGNS)}")
    repeated = sorted({d for d in designs if designs.count(d) > 1})
    if repeated:
        parser.error(f"--designs {args.designs}: {repeated[0]} twice; name each design once (--seeds repeats runs)")
    clash = sorted({"conditioning", "mismatch_weight", "base_filters", "latent_dim", "seed"} & set(dict(args.set)))
    if clash:
        parser.error(f"--set {clash[0]}: the benchmark sets it (use --designs or its own flags)")
    from keras_cgan.models.conditional_gan import presets

    try:
        presets.settings(**dict(args.set))
    except ValueError as e:  # an unknown key
        parser.error(f"--set: {e}")
    for design in designs:  # each design built once, untrained: a setting one of them refuses is named first
        try:
            anime_tags.build(argparse.Namespace(**{**vars(example), "design": design}), **dict(args.set))
        except ValueError as e:
            parser.error(f"--set (design {design}): {e}")

    rows, runs = [], {}
    steps = args.epochs * (args.faces // args.batch_size)
    columns = ["design", "mismatch"] + list(METRICS) + ["seconds"]

    def payload():
        real = runs[next(iter(runs))]["real_diversity"]
        return {"args": vars(args), "steps": steps, "runs": runs, "real_diversity": real}

    mismatches = (args.mismatch_on, 0.0)  # each design with its mismatch loss, and without
    # each design is recorded as it finishes in the run's partial entry; the last one's write is the whole run
    with _report.kept_on_interrupt(out, args.run, what="designs") as finished:
        for design in designs:
            for mismatch in mismatches:
                per_seed = [train(design, mismatch, args, example, seed) for seed in range(args.seeds)]
                mean = {k: float(np.mean([r[k] for r in per_seed])) for k in per_seed[0]}
                name = f"{design}, mismatch {'on' if mismatch else 'off'}"
                runs[name] = dict(mean, by_seed={m: [float(r[m]) for r in per_seed] for m in METRICS})
                rows.append({"design": design, "mismatch": "on" if mismatch else "off",
                             **{m: mean[m] for m in METRICS}, "seconds": round(mean["seconds"])})
                print(f"{name}: " + ", ".join(f"{m} {mean[m]:.3f}" for m in METRICS)
                      + f" (both eyes by seed {[round(r['both_eyes'], 3) for r in per_seed]})", flush=True)
                finished.record(name, "discriminator_designs", dict(payload(), rows=rows), run=args.run,
                                out=args.out, complete=len(runs) == len(mismatches) * len(designs))
        print(f"\ntag faces {args.size}x{args.size}, {steps} steps of batch {args.batch_size} per run; "
              f"diversity of real faces {payload()['real_diversity']:.3f}, of a collapsed generator 0.000\n")
        _report.show(out, args.run, rows, columns)


if __name__ == "__main__":
    main()
