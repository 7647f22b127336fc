"""How well does a `concat_acgan` discriminator's classifier learn the condition from real images?

A generator trained against an auxiliary classifier draws a class only as
well as that classifier tells the classes apart. This benchmark takes the
classifier of `conditional_discriminator(conditioning="concat_acgan")` (its
own trunk, the image alone), trains it on real images of the
`benchmarks/generalisation.py` tasks with the discriminator's optimizer
(Adam 2e-4, beta_1 0.5) for as many steps and as large batches as the
suite trains that discriminator, and reports the share of held-out real
images whose condition it reads, once per `classifier_pooling` (one seed).

StackGAN tasks are read at both stage sizes: 16 pixels (average-pooled, as
stage 1's targets are; its discriminator trains all 2,000 steps) and 32
pixels (stage 2's, the last 1,000), batch 32; the share of images whose
first tag (form, letter, size, quadrant...) is its highest of those tags.
ConditionalGAN tasks are 16 pixels, one class each, 3,000 steps of 64.

    python benchmarks/classifier_pooling.py        # ~9 minutes on 2 busy CPU cores
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import _report  # noqa: E402  (the script's own folder is on the path)
import generalisation as suite  # noqa: E402
from keras_cgan.models.conditional_gan import defaults  # noqa: E402  (no TensorFlow: --help answers at once)

STACK_TASKS = ["shape_colour", "letter_colour", "size_colour", "quadrant_colour"]
CONDITIONAL_TASKS = ["shapes", "glyphs", "counts", "arrows"]


def pooled(images, size):
    """`[N, S, S, C]` images average-pooled to `[N, size, size, C]`."""
    n, side, _, channels = images.shape
    k = side // size
    return images.reshape(n, size, k, size, k, channels).mean((2, 4))


def classifier(shape, condition, pooling, filters):
    """The `concat_acgan` discriminator's classifier path: `image -> label logits`."""
    import keras

    from keras_cgan.models.conditional_gan import networks

    d = networks.conditional_discriminator(
        shape, condition=condition, conditioning="concat_acgan", base_filters=filters, classifier_pooling=pooling
    )
    return keras.Model(d.inputs[0], d.outputs[1])


def read_share(train, test, condition, pooling, steps, batch_size, args, score):
    """Trains the classifier on `train = (images, labels)` for `steps`; `score(logits, test labels)` on `test`."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    model = classifier(train[0].shape[1:], condition, pooling, args.filters)
    optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    # Keras hands the loss float labels; the condition takes its own dtype (class ids are ints).
    model.compile(optimizer, lambda y, logits: condition.auxiliary_loss(logits, keras.ops.cast(y, condition.dtype)))
    data = tf.data.Dataset.from_tensor_slices(train).shuffle(len(train[0]), seed=args.seed).repeat()
    model.fit(data.batch(batch_size, drop_remainder=True), steps_per_epoch=steps, epochs=1, verbose=0)
    return score(model.predict(test[0], batch_size=256, verbose=0), test[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=_report.real(0.0, above=True), default=1.0, help="multiplies every step count (e.g. 0.01 to try)")
    parser.add_argument("--filters", type=_report.at_least(1), default=32, help="the discriminator's base filters (the presets')")
    parser.add_argument("--poolings", nargs="+", default=list(defaults.CLASSIFIER_POOLINGS),
                        choices=defaults.CLASSIFIER_POOLINGS)
    parser.add_argument("--seed", type=int, default=0)
    _report.output_options(parser, "classifier_pooling")
    args = parser.parse_args(argv)
    out = _report.check_out(parser, "classifier_pooling", args.out)
    if round(1000 * args.scale) < 1:  # the fewest steps of a read (stage 2's 1,000) must stay at least one
        # round() takes 0.5 to 0 (to even), as the step counts below are rounded: 0.0005 itself leaves none.
        parser.error(f"--scale {args.scale}: leaves no training step; give more than 0.0005")
    from keras_cgan.conditions import ClassCondition, TagsCondition

    rows, start = [], time.time()

    def payload():
        return {"scale": args.scale, "filters": args.filters, "seed": args.seed, "seconds": round(time.time() - start, 1)}

    sizes = ((16, 2000), (suite.ST, 1000))  # (pixels, steps) of each StackGAN task's two reads
    count = len(sizes) * len(STACK_TASKS) + len(CONDITIONAL_TASKS)  # the rows below
    # each row is recorded as it finishes in the run's partial entry; the last one's write is the whole run
    with _report.kept_on_interrupt(out, args.run, what="rows") as finished:
        def keep(row):
            rows.append(row)
            finished.record(f"{row['family']} {row['task']} at {row['pixels']} pixels", "classifier_pooling",
                            dict(payload(), rows=rows), run=args.run, out=args.out, complete=len(rows) == count)

        for task in STACK_TASKS:
            _, _, first, second = suite.STACK_TASKS[task]
            condition = TagsCondition(list(first) + [f"{c} object" for c in second])
            tags, images, _, _ = suite.tag_images(task, 3000, args.seed)
            _, test_images, test_first, _ = suite.tag_images(task, 1000, args.seed + 5)
            first_tag = lambda logits, labels, k=len(first): float(np.mean(logits[:, :k].argmax(1) == labels))
            for size, steps in sizes:
                steps = round(steps * args.scale)
                row = {"family": "stack_gan", "task": task, "pixels": size, "read": "first tag", "steps": steps}
                train, test = (pooled(images, size), tags), (pooled(test_images, size), test_first)
                for pooling in args.poolings:
                    row[pooling] = read_share(train, test, condition, pooling, row["steps"], 32, args, first_tag)
                keep(row)
        for task in CONDITIONAL_TASKS:
            images, labels, classes = suite.class_images(task, 3000, args.seed)
            test_images, test_labels, _ = suite.class_images(task, 1000, args.seed + 5)
            condition = ClassCondition(classes)
            steps = round(3000 * args.scale)
            row = {"family": "conditional_gan", "task": task, "pixels": suite.CG, "read": "class", "steps": steps}
            for pooling in args.poolings:
                row[pooling] = read_share(
                    (images, labels), (test_images, test_labels), condition, pooling, row["steps"], 64, args,
                    lambda logits, y: float(np.mean(logits.argmax(1) == y)),
                )
            keep(row)
        _report.show(out, args.run, rows, ["family", "task", "pixels", "read", "steps"] + args.poolings)


if __name__ == "__main__":
    main()
