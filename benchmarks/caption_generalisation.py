"""Does a text-to-image GAN draw captions it never saw (new combinations of seen words)?

First scores the pixel reader itself (`synthetic_shapes.read_attributes`) on
real images of the held-out and the training combinations: if it were wrong
on real images, the GAN's numbers would be the reader's. Then trains
`examples/text_to_image.py` once per `--flags` (each a string of that
script's flags; default: its default settings) and reports colour, shape and
position accuracy on captions of the eight held-out combinations, the same
on seen captions, diversity and training seconds as a JSON table.

    python benchmarks/caption_generalisation.py --run defaults   # the example's defaults, ~17 min on 2 CPU cores
    python benchmarks/caption_generalisation.py --flags "--design projection" \
        --flags "--design acgan --word-swap 0" --run "projection and acgan without word swap"

Writes run --run (default "default") of benchmarks/results/caption_generalisation.json,
one row per --flags; runs of other names are kept (the docs' table shows every run).
"""

import argparse
import os
import shlex

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import _examples  # noqa: E402  (the script's own folder is on the path)
import _report  # noqa: E402
from keras_cgan.cli.files import check_output_folder  # noqa: E402
from keras_cgan.data import synthetic_shapes  # noqa: E402


text_to_image = _examples.load("text_to_image")

ATTRIBUTES = ("colour", "shape", "position", "all")
COLUMNS = (["run", "design", "condition_at", "ema_decay", "steps"] + [f"unseen {a}" for a in ATTRIBUTES]
           + ["diversity", "seen colour", "seen shape", "seen position", "unseen shape, raw weights", "train s"])


def reader_accuracy(n, size, seed=1):
    """Accuracy of the pixel reader on real images of unseen and seen combinations."""
    from keras_cgan.metrics import caption_accuracy

    out = {}
    for name, combinations in (("unseen", synthetic_shapes.HELD_OUT), ("seen", synthetic_shapes.TRAIN_COMBINATIONS)):
        _, images, attributes = synthetic_shapes.load(n, seed=seed, size=size, combinations=combinations)
        out[name] = caption_accuracy(images, *attributes.T)
    return out


def steps(settings):
    """Training steps of one run of the example."""
    return settings.steps or settings.epochs * (settings.images // settings.batch_size)  # batches drop the remainder


def row(label, settings, result):
    """One table row of a run of the example (`settings` its parsed flags, `result` what it returned)."""
    unseen, seen = result["unseen_captions"], result["seen_captions"]
    return {
        "run": label, "design": settings.design, "condition_at": settings.condition_at,
        "ema_decay": settings.ema_decay, "steps": steps(settings),
        **{f"unseen {a}": unseen[a] for a in ATTRIBUTES}, "diversity": unseen["diversity"],
        **{f"seen {a}": seen[a] for a in ("colour", "shape", "position")},
        # with --ema-decay the scores above are the averaged generator's; this the trained weights'
        "unseen shape, raw weights": result.get("unseen_captions_raw_weights", unseen)["shape"],
        "train s": round(result["train_seconds"]),
    }


def example_settings(parser, flags, out):
    """`flags` parsed by examples/text_to_image.py's parser; a bad flag is `parser`'s one-line error."""
    example = text_to_image.build_parser()
    example.error = lambda message: parser.error(f"--flags {flags!r}: {message}")
    try:
        words = shlex.split(flags)
    except ValueError as e:
        parser.error(f"--flags {flags!r}: {e}")
    return text_to_image.parse(words + ["--out", out, "--verbose", "0"], example)  # checked as the example checks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flags", action="append", default=None,
                        help="flags of examples/text_to_image.py for one row (repeatable); default: its defaults")
    parser.add_argument("--reader-images", type=_report.at_least(1), default=2000, help="real images scored by the reader")
    _report.output_options(parser, "caption_generalisation")
    parser.add_argument("--runs-dir", default="runs/caption_generalisation")
    args = parser.parse_args(argv)
    if args.run.startswith("-"):
        parser.error(f"--run {args.run!r}: a run name; the example's flags go to --flags")
    out = _report.check_out(parser, "caption_generalisation", args.out)
    runs_flags = args.flags or [""]
    # Every row's flags checked before the first one trains.
    parsed = [example_settings(parser, flags, os.path.join(args.runs_dir, str(i)))
              for i, flags in enumerate(runs_flags)]
    for settings in parsed:  # each row's folder, before the first row trains
        try:
            check_output_folder(settings.out, f"--runs-dir {args.runs_dir}")
        except ValueError as e:
            parser.error(str(e))

    reader = reader_accuracy(args.reader_images, parsed[0].size)
    print("pixel reader on real images: " + "; ".join(
        f"{k} " + ", ".join(f"{a} {v[a]:.3f}" for a in ATTRIBUTES) for k, v in reader.items()), flush=True)

    rows, runs = [], {}
    payload = {"reader_on_real_images": reader, "runs": runs, "criteria": "unseen colour, shape, position each >= 0.8",
               "note": "2 CPU cores shared with other jobs: seconds are under contention"}
    # each row is recorded as it finishes in the run's partial entry; the last one's write is the whole run
    with _report.kept_on_interrupt(out, args.run, what="rows") as finished:
        for flags, settings in zip(runs_flags, parsed):
            result = text_to_image.run(settings)
            label = flags or "defaults"
            runs[label] = result
            rows.append(row(label, settings, result))
            finished.record(repr(label), "caption_generalisation", dict(payload, rows=rows), run=args.run,
                            out=args.out, complete=len(rows) == len(parsed))
        _report.show(out, args.run, rows, COLUMNS)


if __name__ == "__main__":
    main()
