"""Parity: an export must agree with Keras, or it is not handed over.

`check_parity` runs the export in its own runtime (reloaded SavedModel,
onnxruntime, LiteRT) on the same inputs as the Keras generator at two batch
sizes and returns a `ParityReport`: max/mean absolute error, SNR against the
float32 Keras output, output ranges, file size and latency. NaN, a missing or
misshapen output, or a tolerance miss raises `ParityError`.

Tolerances (max absolute error vs Keras float32):

| format / quantization | tolerance | also required |
|---|---|---|
| SavedModel | 1e-5 | |
| ONNX, TFLite float32 | 1e-4 | |
| TFLite float16 | 1e-2 | |
| TFLite dynamic / int8 | per model: 10% of the Keras output span | SNR >= 20 dB |

Example:

>>> import tempfile, os
>>> from keras_cgan import networks
>>> from keras_cgan.export import to_onnx, check_parity
>>> g = networks.conditional_generator((8, 8, 1), num_classes=10, latent_dim=4, base_filters=8)
>>> path = os.path.join(tempfile.mkdtemp(), "g.onnx")
>>> _ = to_onnx(g, path)
>>> check_parity(g, path).passed
True
"""

import contextlib
import dataclasses
import difflib
import inspect
import json
import math
import time
import warnings

import numpy as np

from keras_cgan import checks
from keras_cgan.export import files
from keras_cgan.export import generator as generator_lib
from keras_cgan.export import runtimes

# Max absolute error per (format, quantization); None: per model (see module doc).
TOLERANCES = {
    ("saved_model", None): 1e-5,
    ("onnx", None): 1e-4,
    ("tflite", None): 1e-4,
    ("tflite", "float16"): 1e-2,
    ("tflite", "dynamic"): None,
    ("tflite", "int8"): None,
}
# `check_parity` arguments a `to_*` function sets itself (not in its `**parity_kwargs`): an export that fails its
# check always raises, so nothing failed is left at the target (`check=False`, then `check_parity(...,
# raise_on_failure=False)` reports instead).
_SET_BY_EXPORT = ("model", "exported_path", "inputs", "quantization", "gan", "raise_on_failure")
# Per-model tolerance of int8 exports, as a fraction of the Keras output span.
QUANTIZED_SPAN_FRACTION = 0.1
# Required SNR of int8 exports against the float32 Keras output.
QUANTIZED_MIN_SNR_DB = 20.0


class ParityError(ValueError):
    """An export disagrees with Keras. `error.report` holds the measurements."""

    def __init__(self, report, note=""):
        self.report = report
        super().__init__(
            f"{report.format} export {report.path!r} fails parity with Keras{note}: "
            + "; ".join(report.problems)
            + f"\n{report}"
        )


@contextlib.contextmanager
def reported_at(path):
    """Raises a `ParityError` of an export checked at a temporary path as one naming `path`, left unwritten."""
    try:
        yield
    except ParityError as error:
        error.report.path = path
        raise ParityError(error.report, note=" (so it was not written)") from None


@dataclasses.dataclass
class ParityReport:
    """What `check_parity` measured.

    Attributes:
        format: `"saved_model"`, `"onnx"` or `"tflite"`.
        path: the export checked (for a SavedModel, its version folder).
        quantization: TFLite quantization (`None` for float32 and others).
        batch_sizes: the batch sizes compared.
        max_abs_error / mean_abs_error: vs Keras, over every batch size.
        snr_db: signal-to-noise ratio of the export vs Keras float32 (dB).
        keras_range / export_range: `(min, max)` of the outputs.
        file_bytes: size of the export checked on disk.
        latency_ms: `{batch_size: median milliseconds per call}`.
        tolerance / min_snr_db: the bars applied.
        problems: every failure found; empty when the export passes.
    """

    format: str
    path: str
    quantization: object = None
    batch_sizes: tuple = ()
    max_abs_error: float = math.nan
    mean_abs_error: float = math.nan
    snr_db: float = math.nan
    keras_range: tuple = (math.nan, math.nan)
    export_range: tuple = (math.nan, math.nan)
    file_bytes: int = 0
    latency_ms: dict = dataclasses.field(default_factory=dict)
    tolerance: float = math.nan
    min_snr_db: object = None
    problems: list = dataclasses.field(default_factory=list)

    @property
    def passed(self):
        return not self.problems

    def to_dict(self):
        """The report as a plain dict (with `passed`)."""
        out = dataclasses.asdict(self)
        out["passed"] = self.passed
        out["latency_ms"] = {str(k): v for k, v in self.latency_ms.items()}
        return out

    def to_json(self):
        """The report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, default=float)

    def __str__(self):
        kind = self.format + (f" ({self.quantization})" if self.quantization else "")
        latency = ", ".join(f"batch {b}: {ms:.3f} ms" for b, ms in self.latency_ms.items())
        snr = "inf" if self.snr_db == math.inf else f"{self.snr_db:.1f}"
        bar = f"<= {self.tolerance:.3g}" + (f", SNR >= {self.min_snr_db:g} dB" if self.min_snr_db else "")
        rows = [
            ("export", f"{kind}  {self.path}"),
            ("result", "PASS" if self.passed else "FAIL: " + "; ".join(self.problems)),
            ("max abs error", f"{self.max_abs_error:.3g}  (bar {bar})"),
            ("mean abs error", f"{self.mean_abs_error:.3g}"),
            ("SNR vs Keras fp32", f"{snr} dB"),
            ("Keras range", "[{:.4g}, {:.4g}]".format(*self.keras_range)),
            ("export range", "[{:.4g}, {:.4g}]".format(*self.export_range)),
            ("file size", f"{self.file_bytes / 1024:.1f} KiB"),
            ("latency", latency),
        ]
        return "\n".join(f"{name:>18}: {value}" for name, value in rows)


def snr_db(reference, estimate):
    """SNR of `estimate` against `reference` in dB (`inf` when they are equal)."""
    reference = np.asarray(reference, "float64")
    noise = np.sum((reference - np.asarray(estimate, "float64")) ** 2)
    signal = np.sum(reference**2)
    if noise == 0:
        return math.inf
    return float(10 * np.log10(max(signal, 1e-30) / noise))


def keras_outputs(generator, inputs):
    """Runs the generator in inference mode; raises if its outputs are not finite."""
    outputs = {
        name: np.asarray(value) for name, value in generator_lib.serve(generator, inputs).items()
    }
    for name, value in outputs.items():
        if not np.all(np.isfinite(value)):
            raise ValueError(
                f"The generator {generator.name!r} itself outputs NaN or inf ({name!r}); "
                "there is nothing valid to export. Check its weights."
            )
    return outputs


def _slice(inputs, size):
    return {name: np.asarray(value)[:size] for name, value in inputs.items()}


def _latency_ms(runtime, inputs, runs):
    runtime(inputs)  # warm-up (allocation, resize)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        runtime(inputs)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


def check_parity(
    model,
    exported_path,
    inputs=None,
    batch_sizes=(1, 8),
    tolerance=None,
    min_snr_db=None,
    quantization="auto",
    latency_runs=10,
    seed=0,
    raise_on_failure=True,
    gan=None,
):
    """Runs an export in its own runtime and compares it with Keras.

    Args:
        model: the GAN model, generator or generator `.keras` path exported.
        exported_path: str. A SavedModel folder (or its versioned parent), a
            `.onnx` or a `.tflite` file.
        inputs: dict or None. Inputs keyed by input name, batch-major. The
            first sample and the whole batch are compared. They are checked
            first (`generator.check_inputs`: shapes, ids below the
            embedding size, finite values, and the model's own condition
            check when `model` is the GAN). Defaults to random valid inputs
            at `batch_sizes`.
        batch_sizes: tuple of int. Batch sizes compared when `inputs` is
            None. Defaults to `(1, 8)`.
        tolerance: float or None. Max absolute error allowed. Defaults to
            the table in this module's docstring.
        min_snr_db: float or None. Minimum SNR vs Keras float32. Defaults to
            20 dB for int8/dynamic TFLite exports, no bar otherwise.
        quantization: str or None. TFLite quantization; `"auto"` reads it
            from the model's ops. Defaults to `"auto"`.
        latency_runs: int. Timed calls per batch size. Defaults to `10`.
        seed: int >= 0. Seed of the random inputs. Defaults to `0`.
        raise_on_failure: bool. Raise `ParityError` on a failure. Defaults
            to `True`.
        gan: the GAN `model` is the generator of, or None. Its conditions
            are what the inputs are drawn and checked as (multi-hot tags as
            0s and 1s). Defaults to `model` itself.

    Returns:
        ParityReport.
    """
    batch_sizes, tolerance, min_snr_db, latency_runs, seed = _checked_numbers(
        inputs, batch_sizes, tolerance, min_snr_db, latency_runs, seed
    )
    model = generator_lib.load_model(model)  # once: the generator and the GAN's condition check use it
    gan = model if gan is None else gan
    generator = generator_lib.inference_generator(model)
    if inputs is None:
        inputs = generator_lib.example_inputs(generator, max(batch_sizes), seed=seed, model=gan)
    else:
        generator_lib.check_inputs(generator, inputs, model=gan)
        size = len(next(iter(inputs.values())))
        if size == 0:
            raise ValueError("`inputs` must hold at least one sample. Received: a batch of 0")
        batch_sizes = (1, size) if size > 1 else (1,)
    batch_sizes = tuple(sorted(set(int(b) for b in batch_sizes)))

    runtime = runtimes.load_runtime(exported_path)
    if quantization == "auto":
        quantization = runtime.quantization
    report = ParityReport(
        format=runtime.format,
        path=runtime.path,  # of a SavedModel base folder, the version checked
        quantization=quantization,
        batch_sizes=batch_sizes,
        file_bytes=files.size_bytes(runtime.path),
    )
    key = (runtime.format, quantization)
    if key not in TOLERANCES:
        raise ValueError(f"Unknown quantization {quantization!r} for format {runtime.format!r}")
    quantized = key in (("tflite", "dynamic"), ("tflite", "int8"))
    if min_snr_db is None and quantized:
        min_snr_db = QUANTIZED_MIN_SNR_DB
    report.min_snr_db = min_snr_db

    expected_inputs = sorted(generator_lib.input_names(generator))
    if sorted(runtime.input_names) != expected_inputs:
        report.problems.append(
            f"inputs are named {sorted(runtime.input_names)}, expected {expected_inputs}"
        )
    else:  # same names: the export of another generator still fails in its runtime, with that runtime's error
        for tensor in generator.inputs:
            shape, exported = (None,) + tuple(tensor.shape[1:]), tuple(runtime.input_shapes[tensor.name])
            fits = all(None in (a, b) or a == b for a, b in zip(exported[1:], shape[1:]))  # None: any size
            if len(exported) != len(shape) or not fits:
                report.problems.append(
                    f"input {tensor.name!r} has shape {exported} in the export, the generator takes {shape}: "
                    "give the model this export was made from"
                )
        fixed = {shape[0] for shape in runtime.input_shapes.values() if shape[:1] != (None,)}  # as on devices
        other = [size for size in batch_sizes if size not in fixed]
        if fixed and other and not report.problems:
            report.problems.append(
                f"the export takes a fixed batch of {min(fixed)} (input shapes {runtime.input_shapes}), so it "
                f"cannot run batch {', '.join(map(str, other))}: check it at batch size {min(fixed)} only"
            )
    wanted = generator_lib.output_names(generator)
    if sorted(runtime.output_names) != sorted(wanted):
        report.problems.append(f"outputs are named {sorted(runtime.output_names)}, expected {wanted}")
    if report.problems:
        return _finish(report, raise_on_failure)

    errors, refs, gots = [], [], []
    for size in batch_sizes:
        feed = _slice(inputs, size)
        expected = keras_outputs(generator, feed)
        got = runtime(feed)
        for name in wanted:
            ref, out = expected[name], np.asarray(got[name])
            if ref.shape != out.shape:
                report.problems.append(
                    f"output {name!r} has shape {out.shape} at batch {size}, Keras gives {ref.shape}"
                )
                continue
            if not np.all(np.isfinite(out)):
                report.problems.append(
                    f"output {name!r} has {int(np.sum(~np.isfinite(out)))} NaN/inf values of "
                    f"{out.size} at batch {size}"
                )
                continue
            errors.append(np.abs(out.astype("float64") - ref.astype("float64")).ravel())
            refs.append(ref.ravel())
            gots.append(out.ravel())
        report.latency_ms[size] = _latency_ms(runtime, feed, latency_runs)

    if refs:
        ref_all, got_all, err_all = (np.concatenate(v) for v in (refs, gots, errors))
        report.max_abs_error = float(err_all.max())
        report.mean_abs_error = float(err_all.mean())
        report.snr_db = snr_db(ref_all, got_all)
        report.keras_range = (float(ref_all.min()), float(ref_all.max()))
        report.export_range = (float(got_all.min()), float(got_all.max()))
        if tolerance is None:
            tolerance = TOLERANCES[key]
            if tolerance is None:
                tolerance = QUANTIZED_SPAN_FRACTION * float(ref_all.max() - ref_all.min())
        report.tolerance = float(tolerance)
        if not report.problems:
            if report.max_abs_error > report.tolerance:
                report.problems.append(
                    f"max abs error {report.max_abs_error:.3g} > tolerance {report.tolerance:.3g}"
                    + _clipping_hint(report)
                )
            if min_snr_db is not None and report.snr_db < min_snr_db:
                report.problems.append(f"SNR {report.snr_db:.1f} dB < {min_snr_db:g} dB")
    return _finish(report, raise_on_failure)


def _checked_numbers(inputs, batch_sizes, tolerance, min_snr_db, latency_runs, seed):
    """`check_parity`'s numeric options, checked: a `ValueError` names the one at fault."""
    if inputs is None:
        batch_sizes = checks.integers("batch_sizes", batch_sizes, low=1)
    tolerance = checks.number("tolerance", tolerance, low=None, optional=True)
    min_snr_db = checks.number("min_snr_db", min_snr_db, low=None, optional=True)
    latency_runs, seed = checks.integer("latency_runs", latency_runs, low=1), checks.integer("seed", seed, low=0)
    return batch_sizes, tolerance, min_snr_db, latency_runs, seed


def write_checked(write, target, model, generator, check, inputs, overwrite, folder=False, **parity_kwargs):
    """Writes an export at a temporary path, checks it, and moves it to `target`: how every `to_*` function ends.

    The generator must first give finite outputs (else there is nothing valid
    to export). `write(tmp)` writes the export; `check_parity` runs it there,
    and only an export that passes is moved into place (a failure names
    `target`, left unwritten).

    Args:
        write: callable. Writes the export at the temporary path it is given.
        target: str. The absolute path of the export file or folder.
        model: the loaded GAN model or generator exported (its conditions
            draw and check the parity inputs).
        generator: its float32 inference copy.
        check: bool. Check parity before moving into place.
        inputs: dict or None. Inputs for the parity check, keyed by name.
        overwrite: bool. Replace an existing `target` (its owner refused it
            before converting unless set).
        folder: bool. `target` is a folder. Defaults to `False`.
        **parity_kwargs: passed to `check_parity`.

    Returns:
        The `ParityReport` (its `path` is `target`), or `target` if `check=False`.
    """
    keras_outputs(generator, generator_lib.example_inputs(generator, 2))
    with files.atomic_target(target, overwrite=overwrite, folder=folder) as tmp, reported_at(target):
        write(tmp)
        report = check_parity(generator, tmp, inputs=inputs, gan=model, **parity_kwargs) if check else None
    if report is None:
        return target
    report.path = target
    return report


def check_options(export, options, inputs=None, check=True):
    """Checks the `**parity_kwargs` of `export` (a `to_*` function) before it converts, not after.

    A keyword `check_parity` does not take (or that `export` sets itself) is a
    `TypeError` naming it and every keyword `export` accepts; a value of the
    wrong type a `ValueError`, as `check_parity` raises. With `check=False`,
    `inputs` or parity keywords given are unused: a `UserWarning` names them.
    """
    checks.flag("check", check)
    own = [name for name in inspect.signature(export).parameters if name not in ("model", "path", "parity_kwargs")]
    passed_on = [name for name in inspect.signature(check_parity).parameters if name not in _SET_BY_EXPORT]
    if "raise_on_failure" in options:
        raise TypeError(
            f"{export.__name__}() takes no `raise_on_failure`: an export that fails its check always raises and "
            "leaves nothing at the target. To keep a failed export and read its report, pass `check=False`, then "
            "call `check_parity(model, path, raise_on_failure=False)`."
        )
    unknown = [name for name in options if name not in passed_on]
    if unknown:
        close = difflib.get_close_matches(unknown[0], own + passed_on, n=1)
        raise TypeError(
            f"{export.__name__}() got an unexpected keyword argument {unknown[0]!r}"
            + (f" (did you mean {close[0]!r}?)" if close else "")
            + f". It takes {', '.join(own)}, and for the parity check {', '.join(passed_on)}."
        )
    arguments = inspect.signature(check_parity).bind(None, None, inputs=inputs, **options)
    arguments.apply_defaults()
    _checked_numbers(**{name: arguments.arguments[name] for name in inspect.signature(_checked_numbers).parameters})
    unused = (["inputs"] if inputs is not None else []) + list(options)
    if unused and not check:
        them = "it" if len(unused) == 1 else "them"
        warnings.warn(
            f"{', '.join(f'`{name}`' for name in unused)} {'is' if len(unused) == 1 else 'are'} unused with "
            f"check=False: only the parity check reads {them}; pass check=True, or leave {them} out.",
            UserWarning,
            stacklevel=checks.user_stacklevel(),  # the user's line, through `streaming.export_tflite` too
        )


def _clipping_hint(report):
    """For int8: says so when the export's outputs stop short of Keras' (a calibrated range too narrow)."""
    if report.quantization != "int8":
        return ""
    (k_low, k_high), (e_low, e_high) = report.keras_range, report.export_range
    if k_low >= e_low - report.tolerance / 2 and k_high <= e_high + report.tolerance / 2:
        return ""
    return (
        f" (int8 outputs stop at [{e_low:.3g}, {e_high:.3g}] where Keras reaches [{k_low:.3g}, {k_high:.3g}]: "
        "the output range was calibrated on `representative_data` that did not cover these inputs; "
        "pass more, and more typical, samples)"
    )


def _finish(report, raise_on_failure):
    if raise_on_failure and report.problems:
        raise ParityError(report)
    return report
