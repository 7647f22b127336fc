"""On-device SEGAN: a one-window generator for any export, and a streaming enhancer.

`on_device_generator` wraps the generator of a trained `SEGAN` for one
window at a time: a single input named `condition` (pre-emphasized frames
`[b, window, 1]`), `z = 0` built in, the function `SEGAN.window_function`
computes. It is a plain generator `keras.Model`, so `keras_cgan.export`
exports it like any other: `export.to_tflite(on_device_generator(gan), path,
quantization=...)` converts it, checks it against Keras in LiteRT and writes
it atomically (`export_tflite` is that call). The model works in the
pre-emphasized domain, as the generator does.

`StreamingEnhancer` is what an app does with it: pre-emphasize incoming
samples, run the model on every new window, overlap-add with a Hann
cross-fade, de-emphasize, and emit samples as they are final.
`stream_enhance` runs a whole signal through it, on an export in its
runtime (`export.load_runtime`: LiteRT, one thread, for a `.tflite` file).
Its output equals `SEGAN.enhance()` on the same audio.

`export_tflite` of a `SEGAN` stores the model's sample rate and
pre-emphasis in the `.tflite` file (a TFLite metadata entry named
`keras_cgan.segan`, JSON); `read_metadata` gets them back, and
`stream_enhance` uses them and refuses a contradicting `preemphasis`.

Example:

>>> import numpy as np, tempfile, os
>>> from keras_cgan import SEGAN, networks
>>> from keras_cgan.models.segan import streaming
>>> g = networks.segan_generator(window=1024, filters=(4, 8), kernel_size=5)
>>> gan = SEGAN(g, networks.segan_discriminator(window=1024, filters=(4, 8), kernel_size=5))
>>> report = streaming.export_tflite(gan, os.path.join(tempfile.mkdtemp(), "segan.tflite"))
>>> report.passed
True
>>> x = np.random.default_rng(0).normal(0, 0.1, 3000).astype("float32")
>>> y = streaming.stream_enhance(report.path, x, preemphasis=gan.preemphasis)
>>> float(np.abs(y - gan.enhance(x)).max()) < 1e-4
True
"""

import json
import os

import keras
import numpy as np

from keras_cgan import checks, export
from keras_cgan.checks import check_samples
from keras_cgan.export.files import check_readable, is_path
from keras_cgan.export.generator import check_emphasized
from keras_cgan.export.tflite import representative_samples
from keras_cgan.models.segan import waveform as waveform_lib

INPUT_NAME = "condition"
METADATA_NAME = "keras_cgan.segan"


@keras.saving.register_keras_serializable(package="keras_cgan")
class ZeroNoise(keras.layers.Layer):
    """Zeros of shape `[batch] + noise_shape`, the batch size read from its input.

    The generator's `z` at inference (`z = 0`), made inside the model so the
    on-device generator has the one input `condition`.

    Args:
        noise_shape: tuple of ints. The noise shape without the batch dimension.
    """

    def __init__(self, noise_shape, **kwargs):
        super().__init__(**kwargs)
        self.noise_shape = tuple(checks.integers("noise_shape", noise_shape, low=1))  # `int()` cut 2.5, read "8"

    def call(self, x):
        return keras.ops.zeros((keras.ops.shape(x)[0],) + self.noise_shape, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.noise_shape

    def get_config(self):
        config = super().get_config()
        config.update({"noise_shape": self.noise_shape})
        return config


def on_device_generator(model):
    """The generator for one window at a time: input `condition`, `z = 0` inside.

    Args:
        model: a `SEGAN` (or its generator).

    Returns:
        A `keras.Model` from `condition` `[b, window, 1]` (pre-emphasized)
        to the enhanced window of the same shape; export it with
        `keras_cgan.export` (`to_tflite`, `to_onnx`, `to_saved_model`).
    """
    generator = getattr(model, "generator", model)
    window = int(generator.outputs[0].shape[1])
    condition = keras.Input((window, 1), name=INPUT_NAME)
    if len(generator.inputs) == 2:
        noise = ZeroNoise(generator.inputs[0].shape[1:], name="zero_z")(condition)
        out = generator([noise, condition], training=False)
    else:
        out = generator(condition, training=False)
    return keras.Model(condition, out, name="segan_on_device")


def export_tflite(model, path, quantization=None, **kwargs):
    """Exports `on_device_generator(model)` with `keras_cgan.export.to_tflite`.

    Args:
        model: a `SEGAN` (or its generator).
        path: str. The `.tflite` file to write.
        quantization: one of `keras_cgan.export.QUANTIZATIONS`: `None`
            (float32), `"float16"`, `"dynamic"` (int8 weights) or `"int8"`
            (needs `representative_data`: pre-emphasized frames
            `[n, window, 1]`). Defaults to `None`.
        **kwargs: passed to `to_tflite` (`representative_data`, `check`,
            `tolerance`, ...).

    Returns:
        The `ParityReport` (its `path` is the file), or the path if
        `check=False`.
    """
    on_device = on_device_generator(model)
    if quantization == "int8" and kwargs.get("representative_data") is not None:
        kwargs["representative_data"] = _calibration_frames(on_device, kwargs["representative_data"], model)
    result = export.to_tflite(on_device, path, quantization=quantization, **kwargs)
    if hasattr(model, "sample_rate") and hasattr(model, "preemphasis"):
        write_metadata(
            getattr(result, "path", result),
            {"sample_rate": int(model.sample_rate), "preemphasis": float(model.preemphasis)},
        )
    return result


def _calibration_frames(on_device, data, model):
    """`representative_data` as `to_tflite` takes it, once its frames are pre-emphasized audio of `[-1, 1]`.

    With a coefficient of 0 they are the audio itself, checked as a served
    `condition` is (`check_samples`), the message saying nothing of pre-emphasis.

    int16-scaled frames calibrated every activation range 32768 times too
    wide: the int8 model's outputs were all 0 and its parity check blamed
    too few samples.
    """
    samples = representative_samples(on_device, data)  # shapes, NaN; a generator of samples read once
    frames = np.concatenate([sample[INPUT_NAME] for sample in samples])  # [n, window, 1]
    coefficient = getattr(model, "preemphasis", None)
    if coefficient == 0.0:  # no pre-emphasis: plain noisy windows, told as the served ones are
        check_samples(frames, "`representative_data`", "noisy windows", "audio")
    else:
        check_emphasized(frames, coefficient, "`representative_data`")
    return samples


def write_metadata(path, values):
    """Stores `values` (a JSON-able dict) in the `.tflite` file `path`, as metadata `keras_cgan.segan`.

    The model's graph and weights are unchanged; the file is replaced
    atomically. An existing `keras_cgan.segan` entry is replaced.
    """
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    with open(path, "rb") as f:
        model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(f.read(), 0))
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(json.dumps(values, sort_keys=True).encode("utf-8"), np.uint8)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name, entry.buffer = METADATA_NAME, len(model.buffers) - 1
    model.metadata = [m for m in (model.metadata or []) if _name(m.name) != METADATA_NAME] + [entry]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(builder.Output())
    os.replace(tmp, path)


def _name(name):
    return name.decode("utf-8") if isinstance(name, bytes) else name


def read_metadata(path):
    """The dict `write_metadata` stored in a `.tflite` file (`sample_rate`, `preemphasis`), or None."""
    from tensorflow.lite.python import schema_py_generated as schema

    path = checks.path("path", path)
    check_readable(path, repr(path))  # a pipe would wait forever
    if not os.path.isfile(path):
        raise ValueError(f"No `.tflite` file at {path!r}: give the path of one (`export_tflite` writes it).")
    with open(path, "rb") as f:
        data = f.read()
    try:
        model = schema.Model.GetRootAsModel(data, 0)
        for i in range(model.MetadataLength()):
            entry = model.Metadata(i)
            if _name(entry.Name()) == METADATA_NAME:
                return json.loads(model.Buffers(entry.Buffer()).DataAsNumpy().tobytes().decode("utf-8"))
    except Exception as error:  # not a flatbuffer TFLite file
        raise ValueError(f"{path}: not a readable .tflite file ({error}).") from None
    return None


def window_runner(runtime):
    """A callable on one pre-emphasized `[window]` frame, running an on-device export.

    Args:
        runtime: a runtime from `keras_cgan.export.load_runtime` of an
            export of `on_device_generator` (one input, `condition`).

    Returns:
        A function `frame -> output` with attribute `window`.
    """
    if list(runtime.input_names) != [INPUT_NAME]:
        raise ValueError(
            f"Expected an export of `on_device_generator(gan)` with the one input {INPUT_NAME!r}. "
            f"Received an export with inputs {list(runtime.input_names)} "
            f"({getattr(runtime, 'path', runtime)!r})."
        )
    window = runtime.input_shapes[INPUT_NAME][1]
    (output_name,) = runtime.output_names

    def run(frame):
        frame = np.asarray(frame, "float32").reshape(1, window, 1)
        return runtime({INPUT_NAME: frame})[output_name].reshape(-1)

    run.window = window
    return run


class StreamingEnhancer:
    """Enhances audio chunk by chunk, window by window, as an app would.

    The first `window - hop` output samples are withheld until the windows
    covering them have been computed (latency `window - hop` samples);
    `flush()` pads with silence and returns the rest: the stream ends there,
    and the next `process` starts a new one.

    Args:
        run_window: callable mapping one pre-emphasized `[window]` frame to
            its output, e.g. `window_runner(export.load_runtime(path))`.
        window: int. Window length.
        hop: int. Window step; must divide `window` and be shorter. Defaults
            to `window // 2`.
        preemphasis: float. The model's coefficient. Defaults to `0.95`.
    """

    def __init__(self, run_window, window, hop=None, preemphasis=0.95):
        if not callable(run_window):
            raise ValueError(
                "`run_window` must be a callable on one [window] frame, e.g. "
                f"`window_runner(export.load_runtime(path))`. Received: run_window={run_window!r}"
            )
        self.run_window = run_window
        self.window = checks.integer("window", window, low=2)
        if getattr(run_window, "window", self.window) != self.window:  # was numpy's "cannot reshape array of size"
            raise ValueError(
                f"`window` must be the frame length `run_window` takes ({run_window.window}, its `window` attribute): "
                f"pass window=run_window.window. Received: window={window}"
            )
        self.hop = waveform_lib.check_hop(self.window, hop)
        self.preemphasis = waveform_lib.check_coefficient(preemphasis)
        self._hann = waveform_lib.hann(self.window)
        self._norm = waveform_lib.overlap_norm(self.window, self.hop)
        self._start()

    def _start(self):
        """The state of a new stream."""
        self._buffer = np.zeros(self.window - self.hop, "float32")  # leading zeros, as enhance()
        self._acc = np.zeros(self.window, "float64")
        self._to_skip = self.window - self.hop
        self._seen = 0
        self._chunks = 0
        self._emitted = 0
        self._last_in = 0.0
        self._last_out = 0.0

    def process(self, chunk):
        """Feeds samples; returns the enhanced samples now final (maybe none).

        Args:
            chunk: the next samples, of shape `(n,)`, `(n, 1)` or `(1, n)`:
                floats in `[-1, 1]`, checked as `SEGAN.enhance` checks its
                audio (a refused chunk leaves the stream as it was).
        """
        return self._feed(self._checked(chunk))

    def _feed(self, chunk):
        """Feeds checked float32 samples `[n]` (`stream_enhance` checks its whole signal once, not chunk by chunk)."""
        if chunk.size == 0:
            return np.zeros(0, "float32")
        self._seen += chunk.size
        emphasized = waveform_lib.preemphasis(chunk, self.preemphasis, state=self._last_in)
        self._last_in = float(chunk[-1])
        self._buffer = np.concatenate([self._buffer, emphasized])
        return self._run_ready()

    def _checked(self, chunk):
        """`chunk` as float32 samples, once its dtype, shape and values pass `enhance`'s checks (named by its number)."""
        number = self._chunks + 1  # counted once it passes: a refused chunk leaves the stream as it was
        x = np.asarray(chunk)
        what = f"the samples of chunk {number} (from sample {self._seen} of the stream)"
        x = checks.mono(x, "chunk", f" for chunk {number}")
        if x.dtype.kind != "f" or not (x.size == 0 or -checks.SAMPLE_LIMIT <= x.min() <= x.max() <= checks.SAMPLE_LIMIT):
            # Only a refused chunk (or a non-float one) pays for the message's search; NaN fails the comparison.
            check_samples(x, "chunk", what, "audio", use="generate", why="", stream=True)
        self._chunks = number
        return x.astype("float32", copy=False)

    def _run_ready(self):
        ready = []
        while self._buffer.size >= self.window:
            out = np.asarray(self.run_window(self._buffer[: self.window]), "float64").reshape(-1)
            if out.size != self.window:  # was numpy's "operands could not be broadcast together"
                raise ValueError(
                    f"`run_window` returned {out.size} values for a frame of {self.window} samples; it must return "
                    "one output per sample, e.g. of shape (window,) or (1, window, 1)."
                )
            self._acc += out * self._hann
            ready.append(self._acc[: self.hop] / self._norm)  # these samples are final
            self._acc = np.concatenate([self._acc[self.hop :], np.zeros(self.hop)])
            self._buffer = self._buffer[self.hop :]
        out = np.concatenate(ready) if ready else np.zeros(0)
        skip = min(self._to_skip, out.size)  # outputs of the leading zeros
        out, self._to_skip = out[skip:], self._to_skip - skip
        if out.size == 0:
            return np.zeros(0, "float32")
        out = waveform_lib.deemphasis(out, self.preemphasis, state=self._last_out)
        self._last_out = float(out[-1])
        self._emitted += out.size
        return out

    def flush(self):
        """Pads with silence until every fed sample is out; returns the remaining samples, and starts a new stream."""
        parts = []
        start = self._emitted
        while self._emitted < self._seen:
            self._buffer = np.concatenate([self._buffer, np.zeros(self.hop, "float32")])
            parts.append(self._run_ready())
        rest = np.concatenate(parts) if parts else np.zeros(0, "float32")
        rest = rest[: self._seen - start].astype("float32")
        self._start()  # the next stream followed the padding: its output came shifted, longer than its input
        return rest


def stream_enhance(path_or_runner, waveform, window=None, hop=None, preemphasis=None, chunk_size=1600):
    """Enhances a long signal through `StreamingEnhancer`, `chunk_size` samples at a time.

    Args:
        path_or_runner: an export of `on_device_generator` (the path, a str,
            bytes or `os.PathLike`, of a `.tflite` or `.onnx` file or a
            SavedModel folder, run by `export.load_runtime`: one LiteRT
            thread for `.tflite`), a runtime from `load_runtime`, or a
            callable on one `[window]` frame.
        waveform: 1D array (or `(T, 1)`, `(1, T)`) of float samples in
            `[-1, 1]`, at least one, as `SEGAN.enhance` takes.
        window: int. Defaults to the export's window (a plain callable
            needs it, unless it has a `window` attribute).
        hop: int. Defaults to `window // 2`.
        preemphasis: float. The model's coefficient. Defaults to the one
            stored in a `.tflite` file by `export_tflite`, else `0.95`; a
            value contradicting the stored one is a `ValueError`.
        chunk_size: int. Samples per `process` call (100 ms at 16 kHz).
    """
    chunk_size = checks.integer("chunk_size", chunk_size, low=1)  # 0 was range()'s error, 2.5 a TypeError
    # as `enhance` checks it: int16 PCM, NaN, 1.5 went through; empty was an empty output
    x = waveform_lib.checked_signal(waveform, "waveform", "`stream_enhance` samples")
    runner = path_or_runner
    if is_path(runner):  # a missing or unreadable file named before its metadata is read
        runner = export.load_runtime(runner)
        if runner.format == "tflite":  # `.TFLITE` too
            stored = (read_metadata(runner.path) or {}).get("preemphasis")
            if stored is not None and preemphasis is not None and abs(float(preemphasis) - stored) > 1e-6:
                raise ValueError(
                    f"preemphasis={preemphasis} contradicts the {stored} stored in {runner.path!r} "
                    "(the coefficient the model was trained with)."
                )
            preemphasis = stored if preemphasis is None else preemphasis
    preemphasis = 0.95 if preemphasis is None else preemphasis
    if hasattr(runner, "input_names"):  # an export runtime: dicts of named tensors
        runner = window_runner(runner)
    if window is None and not hasattr(runner, "window"):
        raise ValueError("Pass `window=` (the frame length): the callable has no `window` attribute to read it from.")
    if window is not None and getattr(runner, "window", window) != window:
        raise ValueError(
            f"`window` must be the frame length the model takes ({runner.window}); leave `window` out of "
            f"`stream_enhance` to use it. Received: window={window}"
        )
    window = runner.window if window is None else window
    streamer = StreamingEnhancer(runner, window, hop, preemphasis)
    x = x.astype("float32")
    parts = [streamer._feed(x[i : i + chunk_size]) for i in range(0, x.size, chunk_size)]  # checked above
    parts.append(streamer.flush())
    return np.concatenate(parts)
