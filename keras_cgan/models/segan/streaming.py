"""On-device SEGAN: a fixed-window TFLite enhancer and a streaming reference.

`export_tflite` converts the generator of a trained `SEGAN` for one window
(batch 1, `z = 0` built in, a single input named `condition`) with
`tf.lite.TFLiteConverter.from_keras_model`, the route that converts
correctly on this stack (`from_concrete_functions` and `from_saved_model` on
a `tf.saved_model.save` folder silently give NaN). The model works in the
pre-emphasized domain, as the generator does.

`StreamingEnhancer` is what an app does with it: pre-emphasize incoming
samples, run the interpreter on every new window (one thread), overlap-add
with a Hann cross-fade, de-emphasize, and emit samples as they are final.
Its output equals `SEGAN.enhance()` on the same audio.

Example:

>>> import numpy as np, tempfile, os
>>> from keras_cgan import SEGAN, networks
>>> from keras_cgan.models.segan import streaming as audio_tflite
>>> g = networks.segan_generator(window=1024, filters=(4, 8), kernel_size=5)
>>> gan = SEGAN(g, networks.segan_discriminator(window=1024, filters=(4, 8), kernel_size=5))
>>> path = audio_tflite.export_tflite(gan, os.path.join(tempfile.mkdtemp(), "segan.tflite"))
>>> x = np.random.default_rng(0).normal(0, 0.1, 3000).astype("float32")
>>> y = audio_tflite.stream_enhance(path, x, window=1024, preemphasis=gan.preemphasis)
>>> float(np.abs(y - gan.enhance(x)).max()) < 1e-4
True
"""

import numpy as np
import keras
from keras import layers

from keras_cgan.models.segan import waveform as waveform_lib

QUANTIZATIONS = (None, "float16", "dynamic_int8")


def on_device_generator(model):
    """The generator for one window (batch 1), `z = 0` inside, input `condition`.

    Args:
        model: a `SEGAN` (or its generator).
    """
    generator = getattr(model, "generator", model)
    window = int(generator.outputs[0].shape[1])
    condition = keras.Input((window, 1), batch_size=1, name="condition")
    if len(generator.inputs) == 2:
        noise_shape = tuple(generator.inputs[0].shape[1:])
        noise = layers.Lambda(
            lambda c: keras.ops.zeros((keras.ops.shape(c)[0],) + noise_shape, dtype="float32"),
            output_shape=noise_shape,
            name="zero_z",
        )(condition)
        out = generator([noise, condition], training=False)
    else:
        out = generator(condition, training=False)
    return keras.Model(condition, out, name="segan_on_device")


def export_tflite(model, path, quantization=None):
    """Writes the on-device generator as a `.tflite` file and returns `path`.

    Args:
        model: a `SEGAN` (or its generator), float32.
        path: str. Output file.
        quantization: `None` (float32), `"float16"` (float16 weights) or
            `"dynamic_int8"` (int8 weights, float activations). Defaults
            to `None`.
    """
    import tensorflow as tf

    if quantization not in QUANTIZATIONS:
        raise ValueError(f"`quantization` must be one of {QUANTIZATIONS}. Received: {quantization!r}")
    converter = tf.lite.TFLiteConverter.from_keras_model(on_device_generator(model))
    if quantization is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "float16":
        converter.target_spec.supported_types = [tf.float16]
    with open(path, "wb") as f:
        f.write(converter.convert())
    return path


class TFLiteWindow:
    """Runs a `.tflite` enhancer on one `[window]` frame at a time (LiteRT interpreter).

    Args:
        path: str. A file from `export_tflite`.
        num_threads: int. Interpreter threads. Defaults to `1`.
    """

    def __init__(self, path, num_threads=1):
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=path, num_threads=num_threads)
        self.interpreter.allocate_tensors()
        self._input = self.interpreter.get_input_details()[0]
        self._output = self.interpreter.get_output_details()[0]
        self.window = int(self._input["shape"][1])

    def __call__(self, frames):
        """Maps `[b, window, 1]` (or one `[window]`) frames to outputs of the same shape."""
        frames = np.asarray(frames, "float32")
        single = frames.ndim == 1
        frames = frames.reshape(-1, self.window, 1)
        outputs = []
        for one in frames:
            self.interpreter.set_tensor(self._input["index"], one[None])
            self.interpreter.invoke()
            outputs.append(self.interpreter.get_tensor(self._output["index"])[0])
        out = np.stack(outputs)
        return out.reshape(-1) if single else out


class StreamingEnhancer:
    """Enhances audio chunk by chunk, window by window, as an app would.

    The first `window - hop` output samples are withheld until the windows
    covering them have been computed (latency `window - hop` samples);
    `flush()` pads with silence and returns the rest.

    Args:
        run_window: callable mapping one pre-emphasized `[window]` frame to
            its output, e.g. `TFLiteWindow(path)`.
        window: int. Window length.
        hop: int. Window step; must divide `window`. Defaults to `window // 2`.
        preemphasis: float. The model's coefficient. Defaults to `0.95`.
    """

    def __init__(self, run_window, window, hop=None, preemphasis=0.95):
        self.run_window = run_window
        self.window = int(window)
        self.hop = waveform_lib.check_hop(self.window, hop)
        self.preemphasis = waveform_lib.check_coefficient(preemphasis)
        self._hann = waveform_lib.hann(self.window)
        self._norm = waveform_lib.overlap_norm(self.window, self.hop)
        self._buffer = np.zeros(self.window - self.hop, "float32")  # leading zeros, as enhance()
        self._acc = np.zeros(self.window, "float64")
        self._to_skip = self.window - self.hop
        self._seen = 0
        self._emitted = 0
        self._last_in = 0.0
        self._last_out = 0.0

    def process(self, chunk):
        """Feeds samples; returns the enhanced samples now final (maybe none)."""
        chunk = np.asarray(chunk, "float32").reshape(-1)
        if chunk.size == 0:
            return np.zeros(0, "float32")
        self._seen += chunk.size
        emphasized = waveform_lib.preemphasis(chunk, self.preemphasis, state=self._last_in)
        self._last_in = float(chunk[-1])
        self._buffer = np.concatenate([self._buffer, emphasized])
        return self._run_ready()

    def _run_ready(self):
        ready = []
        while self._buffer.size >= self.window:
            out = np.asarray(self.run_window(self._buffer[: self.window]), "float64").reshape(-1)
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
        """Pads with silence until every fed sample is out; returns the remaining samples."""
        parts = []
        start = self._emitted
        while self._emitted < self._seen:
            self._buffer = np.concatenate([self._buffer, np.zeros(self.hop, "float32")])
            parts.append(self._run_ready())
        rest = np.concatenate(parts) if parts else np.zeros(0, "float32")
        return rest[: self._seen - start].astype("float32")


def stream_enhance(path_or_runner, waveform, window=None, hop=None, preemphasis=0.95, chunk_size=1600):
    """Enhances a long signal through `StreamingEnhancer`, `chunk_size` samples at a time.

    Args:
        path_or_runner: str (a `.tflite` file) or a callable on one frame.
        waveform: 1D array.
        window: int. Defaults to the TFLite model's window.
        hop: int. Defaults to `window // 2`.
        preemphasis: float. The model's coefficient. Defaults to `0.95`.
        chunk_size: int. Samples per `process` call (100 ms at 16 kHz).
    """
    runner = TFLiteWindow(path_or_runner) if isinstance(path_or_runner, str) else path_or_runner
    window = window or runner.window
    streamer = StreamingEnhancer(runner, window, hop, preemphasis)
    x = np.asarray(waveform, "float32").reshape(-1)
    parts = [streamer.process(x[i : i + chunk_size]) for i in range(0, x.size, chunk_size)]
    parts.append(streamer.flush())
    return np.concatenate(parts)
