"""Runs an export in its own runtime, feeding and reading tensors by name.

Each runtime is a callable `runtime(inputs) -> outputs` over dicts of numpy
arrays keyed by name: a reloaded SavedModel signature (as TF Serving calls
it), an onnxruntime session, or a LiteRT signature runner. Feeding by name
matters: tf2onnx's command line orders inputs alphabetically, so positional
feeding silently swaps inputs of the same shape. Every runtime also tells
its `input_names`, `output_names` and `input_shapes` (`None` for a dynamic
dimension, e.g. the batch).

Example:

>>> from keras_cgan.export import runtimes
>>> runtimes.detect_format("generator.onnx")
'onnx'
"""

import importlib
import os

import numpy as np

from keras_cgan import checks
from keras_cgan.export import files

FORMATS = ("saved_model", "onnx", "tflite")


def needs(module, what):
    """Imports `module`; a missing one is an `ImportError` saying `what` needs it and how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"{what} needs `{module}`: pip install 'keras-cgan[export]'. ({error})") from error


def resolve_saved_model(path):
    """Returns the SavedModel folder at `path` or its highest numbered version; the folder is listed once.

    A `ValueError` names `path` when it cannot be read (no permission, a
    pipe), or holds no SavedModel (a folder named `*.onnx` or `*.tflite`:
    give that file instead).
    """
    path = checks.path("path", path)
    label = repr(path)
    files.check_readable(path, label)  # a pipe: named, not opened
    try:
        folder = files.saved_model_folder(path)
    except PermissionError:  # where `os.access` says yes and the system no (root, ACLs)
        raise files.unreadable(label, True) from None
    if folder is not None:
        return folder
    ending = os.path.splitext(path)[1]
    if os.path.isdir(path) and files.ENDINGS.get(ending.lower()) in FORMATS:
        raise ValueError(files.named_folder(label, ending))
    raise ValueError(
        f"No SavedModel at {path!r}: expected `saved_model.pb` in it or in a numbered "
        "version folder `<path>/<version>/`."
    )


def _dimension(size):
    """A static dimension as an int; a dynamic one (None, -1, a symbolic name) as None."""
    return int(size) if isinstance(size, (int, np.integer)) and size >= 0 else None


def detect_format(path):
    """The export format of `path`: `"saved_model"`, `"onnx"` or `"tflite"`.

    A folder is a SavedModel whatever its name, a file is told by its ending
    in any case (`files.model_format`: a `ValueError` names the path when
    its name and content disagree, or it cannot be read). A path is a str,
    bytes or `os.PathLike`.
    """
    path = checks.path("path", path)
    kind = files.model_format(path, wanted=FORMATS)  # `G.KERAS` is told apart from an export, not renamed
    if kind in FORMATS:
        return kind
    what, hint = "Cannot tell the export format of", ""
    if not os.path.lexists(path):
        what = "No export at"
    elif kind == "keras":
        what, hint = "A Keras model file, not an export, at", " (export the model with keras_cgan.export first)"
    raise ValueError(f"{what} {path!r}: expected a SavedModel folder, a `.onnx` or a `.tflite` file{hint}.")


class SavedModelRuntime:
    """The `serving_default` signature of a reloaded SavedModel."""

    format = "saved_model"
    quantization = None

    def __init__(self, path, signature_name="serving_default"):
        import tensorflow as tf

        self.path = resolve_saved_model(path)
        self._tf = tf
        self._loaded = tf.saved_model.load(self.path)
        if signature_name not in self._loaded.signatures:
            raise ValueError(
                f"SavedModel {self.path!r} has no signature {signature_name!r}; it has "
                f"{sorted(self._loaded.signatures)}"
            )
        self._signature = self._loaded.signatures[signature_name]
        self.input_specs = dict(self._signature.structured_input_signature[1])
        self.input_names = list(self.input_specs)
        self.input_shapes = {
            name: tuple(_dimension(d) for d in spec.shape.as_list()) for name, spec in self.input_specs.items()
        }
        self.output_names = list(self._signature.structured_outputs)

    def __call__(self, inputs):
        feed = {
            name: self._tf.constant(np.asarray(inputs[name]), dtype=spec.dtype)
            for name, spec in self.input_specs.items()
        }
        return {name: value.numpy() for name, value in self._signature(**feed).items()}


_ONNX_DTYPES = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
    "tensor(int32)": np.int32,
    "tensor(int64)": np.int64,
    "tensor(bool)": np.bool_,
}


class OnnxRuntime:
    """An onnxruntime session on the CPU.

    Args:
        path: str (bytes, `os.PathLike`). A `.onnx` file.
        num_threads: int or None. Intra- and inter-op threads; `None` lets
            onnxruntime choose. Defaults to `None`.
    """

    format = "onnx"
    quantization = None

    def __init__(self, path, num_threads=None):
        onnxruntime = needs("onnxruntime", "Running an ONNX export")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        if num_threads is not None:
            options.intra_op_num_threads = int(num_threads)
            options.inter_op_num_threads = int(num_threads)
        self.path = checks.path("path", path)
        files.check_readable(self.path, repr(self.path))  # onnxruntime would wait on a pipe
        try:
            self._session = onnxruntime.InferenceSession(self.path, options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime's own types (InvalidProtobuf, Fail...), not ValueError
            raise ValueError(f"{self.path!r} is not an ONNX model onnxruntime can load: {error}") from None
        self.input_names = [i.name for i in self._session.get_inputs()]
        self.input_shapes = {i.name: tuple(_dimension(d) for d in i.shape) for i in self._session.get_inputs()}
        self.output_names = [o.name for o in self._session.get_outputs()]
        self._dtypes = {i.name: _ONNX_DTYPES[i.type] for i in self._session.get_inputs()}

    def __call__(self, inputs):
        feed = {name: np.asarray(inputs[name]).astype(self._dtypes[name]) for name in self.input_names}
        return dict(zip(self.output_names, self._session.run(self.output_names, feed)))


def tflite_quantization(interpreter):
    """Guesses how a `.tflite` model was quantized from its ops and tensors.

    Returns `"int8"` (activations quantized: the graph has QUANTIZE ops),
    `"float16"` (float16 weights), `"dynamic"` (int8 weights, float
    activations) or `None` (float32).
    """
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    dtypes = {np.dtype(t["dtype"]) for t in interpreter.get_tensor_details()}
    if "QUANTIZE" in ops:
        return "int8"
    if np.dtype("float16") in dtypes:
        return "float16"
    if np.dtype("int8") in dtypes:
        return "dynamic"
    return None


class TFLiteRuntime:
    """A LiteRT (`ai_edge_litert`) signature runner.

    Args:
        path: str (bytes, `os.PathLike`). A `.tflite` file with a named
            signature (as `keras_cgan.export.to_tflite` writes).
        signature_name: str. Defaults to `"serving_default"`.
        num_threads: int. Interpreter threads. Defaults to `1`.
    """

    format = "tflite"

    def __init__(self, path, signature_name="serving_default", num_threads=1):
        interpreter = needs("ai_edge_litert.interpreter", "Running a TFLite export")
        self.path = checks.path("path", path)
        files.check_readable(self.path, repr(self.path))  # LiteRT would wait on a pipe
        try:
            self._interpreter = interpreter.Interpreter(model_path=self.path, num_threads=num_threads)
        except ValueError as error:  # which names no file
            raise ValueError(f"{self.path!r} is not a TFLite model LiteRT can load: {error}") from None
        signatures = self._interpreter.get_signature_list()
        if signature_name not in signatures:
            raise ValueError(
                f"TFLite model {self.path!r} has no signature {signature_name!r}; it has "
                f"{sorted(signatures)}. Convert with keras_cgan.export.to_tflite."
            )
        self._runner = self._interpreter.get_signature_runner(signature_name)
        details = self._runner.get_input_details()
        self.input_names = list(signatures[signature_name]["inputs"])
        self.input_shapes = {
            name: tuple(_dimension(d) for d in details[name]["shape_signature"]) for name in self.input_names
        }
        self.output_names = list(signatures[signature_name]["outputs"])
        self._dtypes = {name: np.dtype(details[name]["dtype"]) for name in self.input_names}
        self.quantization = tflite_quantization(self._interpreter)

    def __call__(self, inputs):
        feed = {name: np.asarray(inputs[name]).astype(self._dtypes[name]) for name in self.input_names}
        return {name: np.array(value) for name, value in self._runner(**feed).items()}


def load_runtime(path, num_threads=None):
    """Loads the export at `path` in its runtime (format from the path).

    Args:
        path: str (bytes, `os.PathLike`). A SavedModel folder (or its
            versioned parent), a `.onnx` or a `.tflite` file.
        num_threads: int or None. Threads of the onnxruntime session or the
            LiteRT interpreter (`None`: onnxruntime chooses, LiteRT uses 1).
            A reloaded SavedModel runs on TensorFlow's process-wide threads
            (`tf.config.threading`). Defaults to `None`.
    """
    path = checks.path("path", path)
    if os.path.isdir(path):  # a SavedModel whatever its name, its folder listed once (`resolve_saved_model`)
        return SavedModelRuntime(path)
    kind = detect_format(path)
    if kind != "saved_model" and not os.path.isfile(path):
        raise ValueError(f"No `.{kind}` file at {path!r}: give the path of an existing export (keras_cgan.export "
                         f"writes one with to_{kind}).")
    if kind == "onnx":
        return OnnxRuntime(path, num_threads=num_threads)
    if kind == "tflite":
        return TFLiteRuntime(path, num_threads=1 if num_threads is None else num_threads)
    return SavedModelRuntime(path)
