"""`keras-cgan train pix2pix`: image-to-image translation with a U-Net and a PatchGAN.

Built-in data: `synthetic_images` (label maps -> facades by default; `--set
task=gray2color` or `edges2photo`), the defaults of `examples/pix2pix.py`.
`--data DIR` reads the pix2pix datasets' layout: A|B images side by side, or
subfolders `A/` and `B/` matched by file name (`--set direction=BtoA` swaps
condition and target).
"""

import os
import warnings

import numpy as np

from keras_cgan.cli.recipes.spec import Data, Family, generate, register, size_option, to_rgb, wrong_layout
from keras_cgan.data.image_folder import EXTENSIONS
from keras_cgan.data.layouts import DIRECTIONS
from keras_cgan.data.synthetic_images import TASKS
from keras_cgan.models.pix2pix.defaults import (
    DEFAULT, NORMS, RECEPTIVE_FIELDS, UPSAMPLES, default_num_downs, num_downs_problem,
)

LAYOUT = """  DIR/<name>.jpg         A|B pairs: condition left, target right, one file per pair
  or DIR/A/<name>.png and DIR/B/<name>.png, matched by file name
  (the pix2pix datasets: pass facades/train, not facades/)"""
PREVIEW = 6


def check(options, data_options, built_in):
    """`--size` against the U-Net's halvings, `--set num_downs` (`Family.check`)."""
    size = size_option(options, "image side")
    downs = default_num_downs(size, size) if options["num_downs"] is None else options["num_downs"]
    problem = num_downs_problem(size, size, downs)
    if problem:
        fix = "pass a smaller --set num_downs=N or another --size" if downs > 1 else "give an even --size"
        raise ValueError(f"--size {size}: {problem}; {fix}.")
    channels = data_options.get("channels")
    if channels is not None and (built_in or channels not in (1, 3, 4)):  # was: ignored, or refused after TensorFlow
        raise ValueError(
            f"--set channels={channels}: the channels a --data folder's images are read with, 1, 3 or 4"
            + ("; the built-in tasks make their own: leave it out." if built_in else ".")
        )


def load_data(path, options, data_options, batch_size, seed):
    """Pairs from an A|B or A/ B/ folder at `path`, or a synthetic task made in code."""
    import tensorflow as tf

    from keras_cgan.data import files, paired_images, synthetic_images

    size = size_option(options, "image side")
    direction = data_options["direction"]
    if path is None:
        task = data_options["task"]  # one of TASKS (`option_choices`)
        count = int(data_options["examples"])
        if count < batch_size:
            raise ValueError(f"--set examples={count} is fewer than one batch of {batch_size}; lower --batch-size.")
        conditions, targets = synthetic_images.make_task(task, count, size, seed=seed)
        preview = synthetic_images.make_task(task, PREVIEW, size, seed=seed + 1000)
        if direction == "BtoA":  # the task's target becomes the condition, as for a folder of pairs
            conditions, targets, preview = targets, conditions, preview[::-1]
        train = (
            tf.data.Dataset.from_tensor_slices((conditions, targets))
            .shuffle(count, seed=seed, reshuffle_each_iteration=True)
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE)
        )
        steps = count // batch_size
        info = None
    else:
        channels = data_options.get("channels")
        try:
            scan = paired_images.scan_paired_folder(path, channels)
            train = paired_images.paired_image_dataset(
                path, direction=direction, image_size=size, batch_size=batch_size, seed=seed,
                drop_remainder=True, channels=channels, strict=bool(data_options.get("strict")), scan=scan,
            )
        except ValueError as error:
            message = str(error).replace("pass `channels=`", "pass --set channels=N (1 or 3)")
            if os.path.isdir(path) and not scan_error_names_a_file(message, path):
                subfolders = [n for n in files.entries(path) if os.path.isdir(os.path.join(path, n))]
                if subfolders and not {"a", "b"} <= {n.lower() for n in subfolders}:
                    message += f" It holds the folders {subfolders}: " + _folders_hint(subfolders)
            raise wrong_layout(path, FAMILY, error, message) from None
        if len(scan["a_files"]) < batch_size:
            raise ValueError(
                f"--data {path} holds {len(scan['a_files'])} pairs, fewer than one batch of {batch_size}; "
                f"lower --batch-size (at most {len(scan['a_files'])}).")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the size warning was given once, for the training set
            held_out = paired_images.paired_image_dataset(
                path, direction=direction, image_size=size, jitter=False, batch_size=PREVIEW, shuffle=False,
                channels=channels, scan=scan,
            )
        preview = tuple(np.asarray(t) for t in next(iter(held_out)))
        steps = len(scan["a_files"]) // batch_size
        info = {"layout": scan["layout"], "pairs": len(scan["a_files"])}
    derived = {"condition_channels": int(preview[0].shape[-1]), "target_channels": int(preview[1].shape[-1])}
    return Data(train, steps, preview, derived, info)


def _folders_hint(subfolders):
    """What to do with a folder of subfolders: name the sides A/ and B/ (trainA, trainB), or pass one (train, val)."""
    stems = lambda side: {n[:-1].lower() for n in subfolders if n[-1:].lower() == side}  # noqa: E731
    if stems("a") & stems("b"):  # trainA/ trainB/ (testA/ testB/ ...): one folder per side
        return "name the two sides of the pairs A/ and B/ (matched by file name), one such folder per split."
    return "pass one of them."


def scan_error_names_a_file(message, path):
    """True when a loader's error is about one file inside `path` (no folder hint then)."""
    return message.startswith(os.path.join(path, ""))


def build(options):
    """The `"default"` preset, with the options as overrides (`--filters` is `base_filters`)."""
    from keras_cgan.models.pix2pix import presets

    size = options["size"]
    try:
        return presets.build(
            (size, size, options["condition_channels"]), (size, size, options["target_channels"]),
            base_filters=options["filters"], norm=options["norm"], upsample=options["upsample"],
            receptive_field=options["receptive_field"], l1_weight=options["l1_weight"],
            **({} if options.get("num_downs") is None else {"num_downs": options["num_downs"]}),
            l1_lowpass=options["l1_lowpass"], adversarial_weight=options["adversarial_weight"], seed=options["seed"],
            spectral_norm=options["spectral_norm"], r1_weight=options["r1_weight"],
        )
    except ValueError as error:  # name the command line's spelling of the option
        message = str(error).replace("pass a smaller `num_downs`", "pass a smaller --set num_downs=N")
        raise ValueError(f"the model for --size {size}, --filters {options['filters']}: {message}") from None


def write_samples(gan, conditions, targets, path, seed):
    """One row per condition: input | output | target."""
    from keras_cgan.callbacks import save_image_grid

    outputs = generate(gan, conditions, seed)
    columns = [to_rgb(conditions), to_rgb(outputs)] + ([] if targets is None else [to_rgb(targets)])
    tiles = np.stack(columns, 1).reshape((-1,) + columns[0].shape[1:])  # row by row
    return save_image_grid(tiles, path, rows=len(conditions), scale=max(1, 64 // tiles.shape[1]))


FAMILY = register(
    Family(
        name="pix2pix",
        summary="Pix2Pix: image -> image (built-in synthetic facades, or A|B pairs with --data)",
        layout=LAYOUT,
        options={
            "size": 64,
            "filters": DEFAULT["base_filters"],
            "receptive_field": DEFAULT["receptive_field"],
            "norm": DEFAULT["norm"],
            "upsample": DEFAULT["upsample"],
            "l1_weight": DEFAULT["l1_weight"],
            "l1_lowpass": DEFAULT["l1_lowpass"],
            "adversarial_weight": DEFAULT["adversarial_weight"],
            "num_downs": None,
            "spectral_norm": DEFAULT["spectral_norm"],
            "r1_weight": DEFAULT["r1_weight"],
        },
        counts=("receptive_field", "num_downs", "examples", "channels"),
        data_options={"task": "labels2facade", "examples": 800, "direction": "AtoB", "channels": None, "strict": False},
        option_types={"receptive_field": (int, str)},  # a size in pixels, "auto" or "image"
        option_choices={"receptive_field": RECEPTIVE_FIELDS, "norm": NORMS, "upsample": UPSAMPLES,
                        "direction": DIRECTIONS, "task": TASKS},
        absent_means={"r1_weight": 0.0},  # runs made before the option existed
        synthetic_options=("task", "examples"),
        epochs=6,
        batch_size=8,
        load_data=load_data,
        data_endings=EXTENSIONS,
        build=build,
        write_samples=write_samples,
        check=check,
    )
)
