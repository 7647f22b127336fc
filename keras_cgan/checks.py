"""Checks of argument values, each raising a `ValueError` that names the argument.

One rule everywhere: an int argument takes a whole number (numpy's too) but
not a bool or a float (`int()` would silently cut `2.7` to `2`); a number
argument takes a finite real number but not a bool; a flag takes a bool.
Each check returns the value as a plain Python `int`, `float` or `bool`, so
configs stay JSON. `user_stacklevel` points the library's warnings at the
user's line.

Example:

>>> from keras_cgan import checks
>>> checks.integer("steps", 3, low=1)
3
>>> checks.integer("steps", 2.5, low=1)
Traceback (most recent call last):
...
ValueError: `steps` must be an int >= 1. Received: steps=2.5
>>> checks.number("weight", float("nan"))
Traceback (most recent call last):
...
ValueError: `weight` must be a finite number >= 0. Received: weight=nan
"""

import argparse
import math
import numbers
import os
import sys

import numpy as np


def _bounds(low, high, high_open=False, low_open=False):
    """The bounds as a message says them: `" >= 1 and < 0.5"`, each exactly as given (not rounded)."""
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {_exact(low)}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {_exact(high)}")
    return " " + " and ".join(parts) if parts else ""


def _exact(bound):
    """`bound` as text that reads back as it: `1` (for 1 or 1.0), `0.5`, `1234567.5`, `1e-07`."""
    return (str(int(bound)) if is_integer(bound) else repr(float(bound))).removesuffix(".0")


def is_integer(value):
    """Whether `value` is a whole number type (Python or numpy int), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def integer(name, value, low=None, high=None, optional=False):
    """`value` as an `int` when it is an int (not a bool) in `[low, high]` (both inclusive), `None` too if
    `optional`; else a `ValueError`."""
    if value is None and optional:
        return None
    if not is_integer(value) or (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"`{name}` must be an int{_bounds(low, high)}{' or None' if optional else ''}. "
                         f"Received: {name}={value!r}")
    return int(value)


def hop(value, window, overlap_add=False):
    """The step between windows of `window` samples (an int >= 1): `value` as an `int`, `window // 2` when None.

    It is at most the window (a longer step skips samples); with
    `overlap_add`, shorter than the window and dividing it, so the
    overlapping Hann windows sum to a constant. Else a `ValueError` naming
    `hop` and the window.

    >>> hop(None, 512), hop(128, 512, overlap_add=True)
    (256, 128)
    >>> hop(100, 64)
    Traceback (most recent call last):
    ...
    ValueError: `hop` must be an int >= 1 and <= the window (64): a longer hop skips samples. Received: hop=100
    """
    if value is None:
        if overlap_add and (window < 2 or window % (window // 2)):  # an odd window: was numpy's "cannot reshape"
            raise ValueError(f"`hop` defaults to half the window, {window // 2} for window={window}, which does "
                             "not divide it for the windows to overlap-add: give a hop that divides the window "
                             "and is shorter than it, or an even window.")
        if window < 2:
            raise ValueError(f"`hop` defaults to half the window, which is 0 for window={window}: give "
                             "hop=1, or a window of 2 samples or more.")
        return window // 2
    if not is_integer(value) or value < 1:
        raise ValueError(f"`hop` must be an int >= 1. Received: hop={value!r}")
    if overlap_add and (window % value or value == window):
        raise ValueError(f"`hop` must divide the window ({window}) and be shorter than it, for the windows to "
                         f"overlap-add. Received: hop={value!r}")
    if value > window:
        raise ValueError(f"`hop` must be an int >= 1 and <= the window ({window}): a longer hop skips samples. "
                         f"Received: hop={value!r}")
    return int(value)


def integers(name, values, low=None):
    """`values` as a non-empty list of `int`, each an int (not a bool) >= `low`; else a `ValueError`.

    >>> integers("batch_sizes", (1, 8), low=1)
    [1, 8]
    """
    given = values
    try:
        values = [] if isinstance(values, (str, bytes)) else list(values)
    except TypeError:  # not iterable
        values = []
    if not values or not all(is_integer(v) and (low is None or v >= low) for v in values):
        bound = "" if low is None else f" >= {low}"
        raise ValueError(f"`{name}` must be a non-empty list of ints{bound}. Received: {name}={given!r}")
    return [int(v) for v in values]


def at_least(low):
    """An `argparse` type: an int >= `low`, else the option's error (`argparse.ArgumentTypeError`).

    >>> at_least(1)("3")
    3
    """

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an int, received {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an int >= {low}, received {value}")
        return value

    parse.__name__ = f"int >= {low}"
    return parse


def between(low=0.0, high=None, low_open=False, high_open=False):
    """An `argparse` type: a number `number` takes within the bounds, else the option's error.

    >>> between(0, 1, high_open=True)("0.5")
    0.5
    >>> between(0, 1, high_open=True)("1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number >= 0 and < 1, received '1'
    """
    bounds = _bounds(low, high, high_open, low_open)

    def parse(text):
        try:
            return number("value", float(text), low, high, low_open=low_open, high_open=high_open)
        except ValueError:  # not a number, not finite, or out of bounds
            raise argparse.ArgumentTypeError(f"expected a number{bounds}, received {text!r}") from None

    parse.__name__ = "float"
    return parse


def number(name, value, low=0.0, high=None, low_open=False, high_open=False, optional=False):
    """`value` as a `float` when it is a finite real number (not a bool) within the bounds, `None` too if
    `optional`.

    `low` (default 0) and `high` are inclusive unless `low_open` / `high_open`;
    `None` leaves a side open.
    """
    if value is None and optional:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(
            f"`{name}` must be a finite number{_bounds(low, high, high_open, low_open)}"
            f"{' or None' if optional else ''}. Received: {name}={value!r}"
        )
    return float(value)


# Samples (targets, image and waveform conditions, video frames) are floats in [-1, 1]; the slack absorbs
# rounding (a resize, `x / 127.5 - 1` in float16). The data loaders and the models' checks share it.
SAMPLE_LIMIT = 1.0 + 1e-3


# The adversarial losses by name (`keras_cgan.losses` holds their terms): here, without TensorFlow, so a command
# line refuses another name, or lists them in its --help, before TensorFlow loads.
ADVERSARIAL_LOSSES = ("bce", "hinge", "lsgan", "wgan-gp")

# How `TagsCondition` draws a wrong tag set (its `mismatch`): here, without TensorFlow, for a command line's choices.
TAG_MISMATCHES = ("other", "closest")
# How a `TextCondition` codes a caption (`text_encoder`): the mean of its word embeddings, or a GRU over them.
TEXT_ENCODERS = ("mean", "gru")


# What samples are, for the hints on scaling them: images (video frames and other samples too) or audio waveforms.
SAMPLE_KINDS = ("image", "audio")


def _sample_kind(kind):
    if kind not in SAMPLE_KINDS:
        raise ValueError(f"`kind` must be one of {SAMPLE_KINDS}. Received: kind={kind!r}")
    return kind


# The highest peak of float audio (full scale, or beyond it by a gain); PCM read as floats (int16 and wider) passes
# it. `scaling_hint` parts a gain from PCM there, and the speech metrics tell the scale of an utterance by it.
FLOAT_AUDIO_PEAK = 255.0


def scaling_hint(low, high, kind="image", stream=False, samples=None):
    """How to bring samples spanning `[low, high]` into `[-1, 1]`: a sentence, led by a space.

    `kind` is what the samples are, one of `SAMPLE_KINDS`: `"image"` (the
    default; video frames and other samples too) or `"audio"` (waveforms).
    `stream`: the samples are one chunk of a stream, to be scaled as the rest
    of it (one fixed gain, not each chunk by its own peak). `samples`: the
    samples themselves, when known, which tell 8-bit PCM from float audio
    (`looks_8_bit`); with their bounds alone, or whole samples at a few
    levels, the 8-bit hint is a guess, said as one.

    >>> scaling_hint(0, 255)
    ' Images in [0, 255]: use `x / 127.5 - 1`; in [0, 1]: `2 * x - 1`.'
    >>> scaling_hint(-9000, 12000, "audio")
    ' Audio must be float samples in [-1, 1] (`data.audio.read_wav` reads any wav so); int16 PCM: divide by 32768.'
    >>> scaling_hint(-40000, 12000, "audio").split("; ", 1)[1]
    'int16 PCM beyond full scale (a gain, a sum): divide by 32768, then scale louder audio down, e.g. `x / np.abs(x).max()`.'
    """
    if _sample_kind(kind) == "audio":
        peak = max(-low, high)
        down = ("scale the whole stream down by one fixed gain (the same factor for every chunk, at most 1 over "
                "the stream's loudest peak), not each chunk by its own peak: its level would jump from chunk to "
                "chunk") if stream else \
            "scale louder audio down, e.g. `x / np.abs(x).max()`"
        eight_bit = looks_8_bit(low, high, samples)
        if eight_bit:
            how = "8-bit PCM (unsigned, silence at 128): use `(x - 128) / 128`"
        elif eight_bit is None:
            how = (f"8-bit PCM (unsigned, silence at 128): use `(x - 128) / 128` if its samples are whole "
                   f"numbers; if float audio peaking at {high:g}, {down}")
        elif low >= 0 and high >= 2 and peak <= FLOAT_AUDIO_PEAK:  # not 8-bit PCM: a gain
            how = f"it peaks at {high:g}: {down}"
        elif 2**24 < peak <= 2**31:
            how = "int32 PCM: divide by 2147483648"
        elif 32768 < peak <= 2**24:
            how = f"int16 PCM beyond full scale (a gain, a sum): divide by 32768, then {down}"
        elif FLOAT_AUDIO_PEAK < peak <= 32768:
            how = "int16 PCM: divide by 32768"
        else:  # a gain, or a sum of signals, beyond full scale
            how = down
        return f" Audio must be float samples in [-1, 1] (`data.audio.read_wav` reads any wav so); {how}."
    if low >= 0 and high <= 255:
        return " Images in [0, 255]: use `x / 127.5 - 1`; in [0, 1]: `2 * x - 1`."
    if -32768 <= low and high <= 32767 and max(-low, high) > FLOAT_AUDIO_PEAK:
        return " int16 PCM audio: divide by 32768."
    return " Scale the data to [-1, 1], e.g. `x / np.abs(x).max()`."


# Distinct levels at which whole samples around 128 are 8-bit PCM outright (speech spans dozens, room tone a few).
EIGHT_BIT_LEVELS = 16


def looks_8_bit(low, high, samples=None):
    """Whether samples spanning `[low, high]` look like unsigned 8-bit PCM read as floats; `None`: maybe.

    Its silence is 128, so any recording spans it, in whole numbers of
    `[0, 255]`; speech at `EIGHT_BIT_LEVELS` levels or more. Float audio scaled by
    mistake (peaking at 3) does not reach 128, and a float clip normalized
    to `[0, 1]` then scaled (`x * 200`) has whole extremes but no whole
    samples between. Whole samples at fewer levels (a quiet or short
    recording, or not audio at all) are `None`, as are the bounds alone
    (`samples` None): they can rule 8-bit out, not in.

    >>> looks_8_bit(0.0, 200.0, np.linspace(0.0, 200.0, 999)), looks_8_bit(0.0, 200.0, np.arange(201.0))
    (False, True)
    """
    if not (0 <= low <= 128 <= high <= 255 and float(low).is_integer() and float(high).is_integer()):
        return False
    if samples is None:
        return None
    values = np.asarray(samples).reshape(-1)
    if not np.all(values == np.round(values)):
        return False
    return True if np.unique(values).size >= EIGHT_BIT_LEVELS else None


def cast_hint(dtype, kind="image"):
    """How to bring integer samples of `dtype` (its name: `"uint8"`, ...) to floats in `[-1, 1]`: a sentence, led by a space.

    `kind` is what the samples are, as for `scaling_hint`.

    >>> print(cast_hint("uint8", "audio"))
     8-bit PCM audio (unsigned): use `(x.astype('float32') - 128) / 128`.
    """
    pcm16 = " int16 PCM audio: use `x.astype('float32') / 32768`."
    hints = {"uint8": " uint8 images: use `tf.cast(x, 'float32') / 127.5 - 1`.", "int16": pcm16}
    if _sample_kind(kind) == "audio":
        hints = {
            "uint8": " 8-bit PCM audio (unsigned): use `(x.astype('float32') - 128) / 128`.",
            "int8": " 8-bit PCM audio (signed): use `x.astype('float32') / 128`.",
            "int16": pcm16,
            "int32": " int32 PCM audio: use `x.astype('float32') / 2147483648`.",
        }
    return hints.get(str(dtype), " Cast them to float32 and scale them to [-1, 1].")


class NonFiniteDataError(ValueError, FloatingPointError):
    """Data hold NaN or inf: raised before a batch of them updates any weight, or makes any output.

    A `ValueError` (bad data) and a `FloatingPointError` (as `StopOnNaN`
    raises for a loss that became NaN).
    """


def range_of(what):
    """Why `what` must lie in [-1, 1]: targets are the generator's output; conditions share their range."""
    return "the generator's output range" if what == "targets" else "the targets' range"


# What a NaN among the samples would make NaN, by the use they are checked for.
NAN_EFFECTS = {
    "train": "which would make `d_loss`, `g_loss` and then every weight NaN",
    "evaluate": "which would make `d_loss` and `g_loss` NaN",
    "generate": "which would make the output NaN: repair or drop those samples",
    "score": "which would make the scores NaN or made up: repair or drop the utterance",
}


def check_finite(values, where, what="targets", use="generate"):
    """Raises `NonFiniteDataError` naming `where` and the first NaN or inf of the array `values`, and what it would do.

    `what` and `use` are as for `check_samples`, which calls it; the speech
    metrics call it with `use="score"`.
    """
    finite = np.isfinite(values)
    if not finite.all():
        index = np.unravel_index(int(np.argmin(finite)), values.shape)
        raise NonFiniteDataError(
            f"{where}: {what} must be finite; {where}[{index[0]}] holds {values[index]} (at index "
            f"{tuple(int(i) for i in index)}), {NAN_EFFECTS[use]}."
        )


def check_samples(samples, where, what="targets", kind="image", use="generate", why=None, stream=False):
    """Raises `ValueError` naming `where` unless `samples` are finite floats in `[-1, 1]`.

    Targets (images, waveforms, frames) and image or waveform conditions
    share the range of the generator's `tanh` output. Integer arrays
    (uint8 images, int16 PCM) are refused, not converted: scale them first.
    A `tf.TensorSpec` (or symbolic tensor) is checked for its dtype only; the
    step checks its values in-graph.

    Args:
        samples: array, tensor or `tf.TensorSpec` of a batch.
        where: str. Names the argument in the message (`"y"`, ...).
        what: str. What the samples are, for the message. Defaults to
            `"targets"`.
        kind: str. `"image"` or `"audio"`: which hints on scaling the
            message gives (`checks.scaling_hint`). Defaults to `"image"`.
        use: str. A key of `NAN_EFFECTS`: what the samples are for
            (`"train"`, `"evaluate"` or `"generate"`), which the message for
            NaN names. Defaults to `"generate"`.
        why: str or None. Why the samples must lie in `[-1, 1]`, said after
            the range: `""` says nothing. Defaults to the targets' range (for
            conditions; the generator's output range for targets).
        stream: bool. The samples are one chunk of a stream: the scaling
            hint asks for one gain for the whole stream. Defaults to `False`.
    """
    dtype = getattr(samples.dtype, "name", None) or str(samples.dtype)  # numpy's, TensorFlow's or Keras' dtype
    if "float" not in dtype:  # float16 to float64, bfloat16
        raise ValueError(f"{where}: {what} must be float values in [-1, 1]; got dtype {dtype}.{cast_hint(dtype, kind)}")
    if not (isinstance(samples, np.ndarray) or hasattr(samples, "numpy")):
        return
    values = np.asarray(samples)
    if not values.size:
        return
    check_finite(values, where, what, use)
    low, high = float(values.min()), float(values.max())
    if low < -SAMPLE_LIMIT or high > SAMPLE_LIMIT:
        why = range_of(what) if why is None else why
        raise ValueError(
            f"{where}: {what} must be in [-1, 1]{f' ({why})' if why else ''}; got values from {low:g} "
            f"to {high:g}.{scaling_hint(low, high, kind, stream, values)}"
        )


def mono(samples, name, where="", batch="pass one signal at a time"):
    """`samples` (an array) as one signal, 1-D, when at most one of their axes is longer than 1; else a `ValueError`.

    `[T]`, `[T, 1]` and `[1, T]` are one signal; `[T, 2]` (stereo) or
    `[B, T]` (a batch) are not: flattened, they were read as `2T`
    interleaved samples. The message names `name`, then `where` (said
    after the shape, e.g. `" for chunk 3"`), then what to do: mix channels
    down, or `batch` (what the caller takes a batch with).

    >>> mono(np.zeros((1, 3)), "waveform").shape
    (3,)
    >>> mono(np.zeros((3, 2)), "waveform")
    Traceback (most recent call last):
    ...
    ValueError: `waveform` must be one signal, of shape (T,), (T, 1) or (1, T). Received shape (3, 2); mix ...
    """
    samples = np.asarray(samples)
    if sum(size > 1 for size in samples.shape) > 1:
        raise ValueError(
            f"`{name}` must be one signal, of shape (T,), (T, 1) or (1, T). Received shape {samples.shape}{where}; "
            f"mix channels down first (to mono: `x.mean(axis=-1)`, as `data.audio.read_wav` does), or {batch}."
        )
    return samples.reshape(-1)


CHANNELS = 8  # audio of up to 7.1 channels: soundfile reads it as (T, C)


def one_signal_per_row(shape, name, batch, minimum=1, takes=None):
    """Raises `ValueError` when a batch of signals of `shape` (`[N, T]` or `[N, T, 1]`) is one signal of channels.

    soundfile reads stereo as `(T, 2)`: as a batch it is T utterances of 2
    samples. A batch is refused so when its rows hold 2 to `CHANNELS`
    samples, as many as a signal has channels, and it holds more rows than
    that (an unknown row count, a dataset's, counts as more). Longer rows,
    and rows of one sample (`(T, 1)` is mono), are left to the caller's own
    checks, as are other shapes. The message names `name` and the shape,
    says the rows are shorter than `minimum` samples (`takes` says whose,
    e.g. "the model's 1024-sample windows") when they are, and says to mix
    to mono, or `batch` (how the caller takes a batch).

    >>> one_signal_per_row((4, 1024), "x", "pass (N, T)")
    >>> one_signal_per_row((16000, 2), "clean", "pass (N, T)")
    Traceback (most recent call last):
    ...
    ValueError: `clean` has shape (16000, 2): read as 16000 utterances of 2 samples each. ...
    """
    if getattr(shape, "rank", 0) is None:  # a `tf.TensorShape(None)`: nothing to tell yet
        return
    shape = tuple(None if size is None else int(size) for size in shape)
    if len(shape) not in (2, 3) or shape[2:] not in ((), (1,)):
        return
    rows, length = shape[:2]
    if length is None or not 2 <= length <= CHANNELS or (rows is not None and rows <= length):
        return
    short = f", shorter than {takes or f'{minimum} samples'}" if length < minimum else ""
    count = "utterances" if rows is None else f"{rows} utterances"
    raise ValueError(
        f"`{name}` has shape {shape}: read as {count} of {length} samples each{short}. One signal of "
        f"several channels, as soundfile reads it ((T, 2) for stereo), is not a batch: mix it to mono first "
        f"(`x.mean(axis=-1)`), or {batch}."
    )


def single(values):
    """One array, tensor or spec in a list or tuple (`[x]`, `(x,)`, as Keras' single-input models take) is itself.

    >>> single([np.zeros(3)]).shape, single((1, 2))
    ((3,), (1, 2))
    """
    if isinstance(values, (list, tuple)) and len(values) == 1 and hasattr(values[0], "shape"):
        return values[0]
    return values


def flag(name, value):
    """`value` as a `bool` when it is one (Python or numpy); else a `ValueError`."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return bool(value)


def path(name, value, optional=False):
    """`value` as a str (`None` too if `optional`); else a `ValueError` naming `name` and the types taken.

    A path is what Python's file functions take: a str, bytes (in the file
    system's encoding) or an `os.PathLike` giving either.
    """
    if value is None and optional:
        return None
    try:
        text = os.fsdecode(value) if isinstance(value, (str, bytes, os.PathLike)) else None
    except TypeError:  # an `__fspath__` giving neither str nor bytes
        text = None
    if not text:
        raise ValueError(
            f"`{name}` must be a path (a non-empty str, bytes or os.PathLike){' or None' if optional else ''}. "
            f"Received: {name}={value!r}"
        )
    return text


def refuse_existing(path, overwrite, message):
    """A `ValueError(message)` when something is at `path` and `overwrite` (a bool) is not set.

    Nothing is replaced unasked. A broken symbolic link counts: it is in the
    way (a file written there would go where it points).

    >>> import tempfile
    >>> refuse_existing(tempfile.mkdtemp(), False, "out: exists; pass --overwrite to replace it.")
    Traceback (most recent call last):
    ...
    ValueError: out: exists; pass --overwrite to replace it.
    """
    if os.path.lexists(path) and not flag("overwrite", overwrite):
        raise ValueError(message)


def folder_problem(folder):
    """Why no file can be written in `folder` (made if missing), as text; `None` if it can.

    Looks at its nearest existing ancestor (itself if it exists): a file
    there means no folder can be made; a folder must be writable.

    >>> import tempfile
    >>> print(folder_problem(tempfile.mkdtemp() + "/new/folder"))
    None
    """
    existing = os.path.abspath(folder)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.exists(existing):
        return f"{existing} is a link to nothing (a broken symbolic link)"
    if not os.path.isdir(existing):
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"no permission to write in {existing}"
    return None


def user_stacklevel():
    """The `stacklevel` for `warnings.warn` of the first frame outside keras_cgan, Keras and TensorFlow: the user's line.

    A warning a callback gives points at the user's `fit` call, not at
    Keras' callback list; one given at construction, at the user's
    constructor call. The frameworks are looked up only when imported.
    """
    roots = tuple(
        os.path.dirname(os.path.abspath(module.__file__)) + os.sep
        for module in (sys.modules.get(name) for name in ("keras_cgan", "keras", "tensorflow"))
        if getattr(module, "__file__", None)
    )
    level, frame = 1, sys._getframe(1)  # the frame that calls `warnings.warn`
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(roots):
        level, frame = level + 1, frame.f_back
    return level


# The layout of TF Serving's model base path: numbered version folders, each a SavedModel. Here, without
# TensorFlow, for `export.to_saved_model` and the `-o` checks of `keras-cgan export` made before it loads.


def next_version(path):
    """1 + the highest numbered version folder under `path` (1 if none); a `ValueError` if it cannot be listed."""
    if not os.path.isdir(path):
        return 1
    try:
        names = os.listdir(path)
    except PermissionError:  # a folder one may write in but not list (chmod 300)
        raise ValueError(
            f"`path`: no permission to list the folder {path!r}, to find its next free version; make it readable "
            "(chmod u+rx), or give `version=`."
        ) from None
    return max((int(name) for name in names if name.isdigit()), default=0) + 1


def is_saved_model(path):
    """Whether `path` is itself a SavedModel (a version folder), not the base folder of version folders."""
    return os.path.isfile(os.path.join(path, "saved_model.pb"))


def named_as_version(path, version=None):
    """Whether `path`, given as a base folder without a `version`, is a new folder named as a version (`serving/1`)."""
    return version is None and os.path.basename(os.path.normpath(path)).isdigit() and next_version(path) == 1
