"""What `keras-cgan train` needs to know about a family, and the registry of families.

A `Family` says how to load its data (the built-in synthetic set or a
`--data` folder), how to build and compile its default model from a dict of
options, and how to write samples. `register(family)` makes it available to
`keras-cgan train NAME`; the family modules next to this one each register
one.

Example:

>>> from keras_cgan.cli import recipes as train
>>> sorted(train.FAMILIES)[:2]
['conditional_gan', 'next_frame_gan']
>>> train.get("pix2pix").options["size"]
64
"""

import collections
import dataclasses
import os
from typing import Callable, Optional

import numpy as np

Data = collections.namedtuple("Data", ["train", "steps", "preview", "derived", "info"], defaults=(None,))
Data.__doc__ = """What a family's `load_data` returns.

Fields:
    train: `tf.data.Dataset` of `(condition, target)` batches of the global
        batch size (one pass over the data; the command repeats it).
    steps: int or None. Batches in one pass, when known.
    preview: `(conditions, targets)` numpy arrays kept in the run folder for
        sample grids (`targets` may be None).
    derived: dict. Model options read off the data (shapes, classes, tags).
    info: dict or None. What the data is (layout, number of files, ...),
        written to the `data` section of `config.json`.
"""


@dataclasses.dataclass(frozen=True)
class Family:
    """One `keras-cgan train` family.

    Args:
        name: str. The command-line name, e.g. `"pix2pix"`.
        summary: str. One line for `--help`.
        layout: str. The `--data` folder layout, shown in `--help` and in
            the error for a wrong folder.
        options: dict. Model options and their defaults; `--size`,
            `--filters` and `--set KEY=VALUE` change them.
        data_options: dict. Options of the data (synthetic set size, ...).
        epochs: int. Default `--epochs`.
        batch_size: int. Default global `--batch-size`.
        steps_per_epoch: int or None. Default `--steps-per-epoch` of the
            built-in data (`None`: one pass over it). With `--data` the
            default is one pass over the folder.
        load_data: `(path or None, options, data_options, batch_size, seed)
            -> Data`.
        data_endings: tuple of str or None. The endings (lower case) of
            the files `load_data` reads in a `--data` folder: `--resume`
            compares those (by name and size) with the files the run
            trained on, and nothing else in the folder. None: every file.
        build: `(options) -> compiled GANModel`; called inside the strategy
            scope; `options` includes `seed` and the `derived` values.
        write_samples: `(gan, conditions, targets, path, seed) -> path`.
        sample_extension: str. Extension of the sample file (`".png"`).
        callbacks: `(options) -> list` of extra Keras callbacks for `fit`
            (e.g. StackGAN's growth schedule), or None.
        synthetic_options: tuple of str. The `data_options` that describe
            the built-in data only (refused with `--data`, left out of its
            `config.json`).
        option_types: dict. The type of each option whose default is
            `None` (`int` when not given), or the types an option takes
            when it is not its default's alone (e.g. `(int, str)`).
        option_choices: dict. The values an option may take, where they
            are a fixed set (checked with the types, before any data loads).
        counts: tuple of str. The numeric options that count something
            (at least 1, as `size` and `filters`); every other number is at
            least 0.
        option_notes: dict. A few words per option for `--help`, where its
            default alone does not say it (e.g. what `null` means).
        absent_means: dict. For options added after runs were made: the
            value a run folder without the option was trained with, so
            `--resume` and a rebuild from a backup make that model
            (`saved_options`).
        check: `(options, data_options, built_in) -> None`, or None. The
            checks of option values that the types and `option_choices`
            do not make (a size the networks halve, options that must fit
            together; `built_in`: whether the built-in data is used), with
            no TensorFlow: a `ValueError` naming the options as the command
            line spells them. Run before TensorFlow is imported, and again
            on a resumed run's values.
    """

    name: str
    summary: str
    layout: str
    options: dict
    data_options: dict
    epochs: int
    batch_size: int
    load_data: Callable
    build: Callable
    write_samples: Callable
    steps_per_epoch: Optional[int] = None
    sample_extension: str = ".png"
    callbacks: Optional[Callable] = None
    data_endings: Optional[tuple] = None
    synthetic_options: tuple = ()
    option_types: dict = dataclasses.field(default_factory=dict)
    option_choices: dict = dataclasses.field(default_factory=dict)
    counts: tuple = ()
    option_notes: dict = dataclasses.field(default_factory=dict)
    absent_means: dict = dataclasses.field(default_factory=dict)
    check: Optional[Callable] = None

    def saved_options(self, model):
        """The model options a run folder trained with: its `model` section, completed by `absent_means`."""
        return {**self.absent_means, **model}


FAMILIES = {}


def register(family):
    """Adds `family` to `FAMILIES` (an existing name is replaced); returns it."""
    if not isinstance(family, Family):
        raise ValueError(f"`family` must be a keras_cgan.cli.recipes.Family. Received: {type(family).__name__}")
    FAMILIES[family.name] = family
    return family


def get(name):
    """The registered family called `name`; `ValueError` listing the known ones otherwise."""
    if name not in FAMILIES:
        raise ValueError(f"Unknown family {name!r}; expected one of {sorted(FAMILIES)}.")
    return FAMILIES[name]


def wrong_layout(path, family, error, message=None):
    """The `ValueError` for a `--data` folder the family's loader refused with `error` (a `ValueError` or a str).

    The family's layout follows the message, unless `error` is a `files.FileContentError`: the layout is right
    and one file's content is at fault. `message` replaces `str(error)` (e.g. to spell an option as on the command
    line). A message starting with `path/` or `path: ` is shortened so that the folder is named once.
    """
    from keras_cgan.data.files import FileContentError

    message = str(error) if message is None else message
    for named in (os.path.join(path, ""), f"{path}: "):  # not "--data DIR: DIR/A/1.png" or "--data DIR: DIR: ..."
        if message.startswith(named):
            message = message[len(named):]
            break
    if isinstance(error, FileContentError):
        return ValueError(f"--data {path}: {message}")
    return ValueError(f"--data {path}: {message}\nExpected layout for {family.name}:\n{family.layout}")


# ------------------------------------------------------------ shared helpers


def fixed_noise(gan, count, seed):
    """Noise `[count, ...]` drawn with numpy from `seed`, or None for a family without noise."""
    if gan.noise_shape is None:
        return None
    return np.random.default_rng(seed).standard_normal((count,) + tuple(gan.noise_shape)).astype("float32")


def generate(gan, conditions, seed=0, batch_size=64):
    """Runs `gan` in inference mode on `conditions` (eagerly, no distribution); float32 numpy."""
    noise = fixed_noise(gan, len(conditions), seed)
    outputs = []
    for start in range(0, len(conditions), batch_size):
        part = slice(start, start + batch_size)
        out = gan(conditions[part], training=False, noise=None if noise is None else noise[part])
        outputs.append(np.asarray(out).astype("float32"))
    return np.concatenate(outputs)


def to_rgb(images):
    """`[N, H, W, C]` -> 3 channels (gray repeated, alpha dropped)."""
    images = np.asarray(images, "float32")
    return np.repeat(images, 3, -1) if images.shape[-1] == 1 else images[..., :3]


def size_option(options, what):
    """`options["size"]` as an int >= 1 (the error names `--size` and `what`)."""
    size = options.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"--size must be a positive int ({what}). Received: {size!r}")
    return size
