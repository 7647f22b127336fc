"""Pre-emphasis, de-emphasis and overlap-add framing of waveforms.

Pre-emphasis `y[n] = x[n] - a x[n-1]` boosts high frequencies before the
network; de-emphasis is its inverse, the IIR filter `x[n] = y[n] + a x[n-1]`.
Both come in two forms: `preemphasis` / `deemphasis` in NumPy (exact,
stateful, on a signal: for `enhance` and streaming), and
`preemphasize_windows` / `deemphasize_windows` in Keras ops (on a batch of
windows, each from zero state: inside the model and its `PreEmphasis` /
`DeEmphasis` layers).

`overlap_add` enhances audio of any length with a fixed-window function:
frames of `window` samples every `hop` samples, each output weighted by a
periodic Hann window and summed, so neighbouring windows cross-fade and no
click appears at a seam.

Example:

>>> import numpy as np
>>> from keras_cgan.models.segan import waveform
>>> x = np.random.default_rng(0).normal(size=1000).astype("float32")
>>> y = waveform.overlap_add(lambda frames: 2 * frames, x, window=256, hop=128)
>>> bool(np.allclose(y, 2 * x, atol=1e-5))
True
"""

import math

import numpy as np
from keras import ops
from scipy import signal

from keras_cgan import checks


def check_coefficient(coefficient, name="preemphasis"):
    """Returns the emphasis coefficient as a float; `ValueError` naming `name` unless in `[0, 1)`."""
    return checks.number(name, coefficient, high=1.0, high_open=True)


def _samples_last(x):
    """`x` as float64 with its samples on the last axis, and the function that restores its layout.

    A trailing axis of 1, `[..., T, 1]` (the generator's windows, a served
    answer), is a channel: the samples are on the axis before it.
    """
    x = np.asarray(x, "float64")
    if x.ndim >= 2 and x.shape[-1] == 1:
        return x[..., 0], lambda out: out[..., None]
    return x, lambda out: out


def preemphasis(x, coefficient=0.95, state=0.0):
    """NumPy pre-emphasis along the last axis (`T` of `[..., T, 1]`); `state` is the sample before `x`."""
    x, layout = _samples_last(x)
    previous = np.concatenate([np.full(x.shape[:-1] + (1,), state), x[..., :-1]], axis=-1)
    return layout(x - coefficient * previous).astype("float32")


def deemphasis(y, coefficient=0.95, state=0.0):
    """NumPy de-emphasis (exact IIR) along the last axis (`T` of `[..., T, 1]`); `state` is the previous output."""
    y, layout = _samples_last(y)
    if coefficient == 0.0:
        return layout(y).astype("float32")
    zi = np.full(y.shape[:-1] + (1,), coefficient * state)
    out, _ = signal.lfilter([1.0], [1.0, -coefficient], y, axis=-1, zi=zi)
    return layout(out).astype("float32")


def preemphasize_windows(x, coefficient):
    """Pre-emphasis of `[B, T, C]` windows, zero state before each window (`PreEmphasis` runs it)."""
    if coefficient == 0.0:
        return x
    return ops.concatenate([x[:, :1], x[:, 1:] - coefficient * x[:, :-1]], axis=1)  # [B, T, C]


def deemphasize_windows(y, coefficient, tolerance=1e-8):
    """De-emphasis of `[B, T, 1]` windows as a causal FIR convolution (`DeEmphasis` runs it).

    The IIR impulse response `a**k` is cut where it falls below `tolerance`
    (361 taps for `a = 0.95`), which keeps it one fast convolution.
    """
    if coefficient == 0.0:
        return y
    length = int(y.shape[1])
    taps = min(length, int(math.ceil(math.log(tolerance) / math.log(coefficient))) + 1)
    kernel = ops.cast(np.reshape(coefficient ** np.arange(taps)[::-1], (taps, 1, 1)), y.dtype)
    padded = ops.pad(y, [[0, 0], [taps - 1, 0], [0, 0]])  # [B, T + taps - 1, 1]
    return ops.conv(padded, kernel, strides=1, padding="valid")  # [B, T, 1]


def hann(window):
    """Periodic Hann window of `window` samples."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(window) / window)).astype("float64")


def check_hop(window, hop):
    """The hop (default `window // 2`); raises `ValueError` unless it divides `window` and is shorter
    (`checks.hop`)."""
    return checks.hop(hop, window, overlap_add=True)


def overlap_norm(window, hop):
    """Sum of the shifted Hann windows at each of the `hop` phases."""
    return hann(window).reshape(window // hop, hop).sum(axis=0)


def refuse_empty(x, name):
    """`x`, one signal, unless it holds no sample: then a `ValueError` naming `name`.

    `SEGAN.enhance`, `streaming.stream_enhance` and `overlap_add` say it in
    the same words.
    """
    if x.size == 0:
        raise ValueError(f"`{name}` is empty (0 samples): there is nothing to enhance; pass at least one sample.")
    return x


def checked_signal(waveform, name, what, kind="audio"):
    """`waveform`, the one signal `SEGAN.enhance` or `streaming.stream_enhance` takes, checked: as a 1-D array.

    Its samples are checked by `checks.check_samples` (`what` names them in
    the message; `kind` is the model's sample kind), then it must be one
    signal (`checks.mono`) of at least one sample (`refuse_empty`), each
    error naming `name`.
    """
    x = np.asarray(waveform)
    checks.check_samples(x, name, what, kind, use="generate", why="")
    return refuse_empty(checks.mono(x, name), name)


def num_frames(length, window, hop):
    """Frames that cover `length` samples after `window - hop` leading zeros."""
    return (window - hop + length - 1) // hop + 1


def overlap_add(fn, x, window, hop=None, batch_size=16):
    """Applies a fixed-window function to a signal of any length.

    Args:
        fn: callable. Maps `[b, window, 1]` float32 frames to outputs of the
            same shape.
        x: 1D array, `[T, 1]` or `[1, T]`. The signal (at least one sample).
        window: int. Frame length, at least 2.
        hop: int. Frame step; must divide `window` and be shorter. Defaults
            to `window // 2`.
        batch_size: int. Frames per call of `fn`. Defaults to `16`.

    Returns:
        float32 array of `len(x)` samples.
    """
    window = checks.integer("window", window, low=2)
    hop = check_hop(window, hop)
    batch_size = checks.integer("batch_size", batch_size, low=1)
    return _overlap_add(fn, refuse_empty(checks.mono(np.asarray(x, "float32"), "x"), "x"), window, hop, batch_size)


def _overlap_add(fn, x, window, hop, batch_size):
    """`overlap_add` of a 1-D float32 signal of at least one sample, `hop` and `batch_size` checked ints."""
    count = num_frames(x.size, window, hop)
    lead = window - hop
    padded = np.zeros((count - 1) * hop + window, "float32")
    padded[lead : lead + x.size] = x
    index = np.arange(count)[:, None] * hop + np.arange(window)[None, :]  # [F, window]
    frames = padded[index]
    outputs = []
    for start in range(0, count, batch_size):
        chunk = frames[start : start + batch_size, :, None]  # [b, window, 1]
        outputs.append(np.asarray(fn(chunk), "float64").reshape(len(chunk), window))
    outputs = np.concatenate(outputs) * hann(window)  # [F, window]
    total = np.zeros(padded.size, "float64")
    for f in range(count):
        total[f * hop : f * hop + window] += outputs[f]
    norm = np.tile(overlap_norm(window, hop), padded.size // hop + 1)[: padded.size]
    return (total / norm)[lead : lead + x.size].astype("float32")
