"""TFLite export (float32, float16, dynamic-range or full int8), checked by LiteRT.

The converter reads a `keras.export.ExportArchive` SavedModel: the routes
`from_concrete_functions([cf], model)` and `from_saved_model` on a
`tf.saved_model.save` folder convert silently to a model whose outputs are
all NaN on this stack. The model keeps a `serving_default` signature with
named inputs and a `sample` output; int8 models keep float inputs/outputs.

Example:

>>> import os, tempfile
>>> from keras_cgan import networks
>>> from keras_cgan.export import to_tflite
>>> g = networks.conditional_generator((8, 8, 1), num_classes=10, latent_dim=4, base_filters=8)
>>> report = to_tflite(g, os.path.join(tempfile.mkdtemp(), "g.tflite"), quantization="float16")
>>> report.quantization, report.passed
('float16', True)
"""

import collections.abc
import os
import tempfile
import warnings

import numpy as np
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.export import files
from keras_cgan.export import generator as generator_lib
from keras_cgan.export import parity
from keras_cgan.export import saved_model as saved_model_lib

QUANTIZATIONS = (None, "float16", "dynamic", "int8")


def representative_samples(generator, data, what="representative_data"):
    """Turns representative data into a list of one-sample dicts keyed by input name.

    A full-int8 converter with several inputs matches calibration samples to
    inputs by name, so every sample must be a dict keyed by input name.

    Args:
        generator: `keras.Model`.
        data: a dict of batch-major arrays keyed by input name; an iterable
            (or a callable returning one) of such dicts; or, for a
            single-input generator, an array or an iterable of arrays.
        what: str. What the messages call `data`. Defaults to
            `"representative_data"`.
    """
    names = generator_lib.input_names(generator)
    if data is None:
        raise ValueError(
            "quantization='int8' needs `representative_data`: a few hundred typical inputs "
            f"keyed by input name {names} (e.g. real conditions and noise), used to calibrate "
            "activation ranges."
        )
    if callable(data):
        data = data()
    limits = generator_lib.id_limits(generator)  # once: every sample is checked against it
    if isinstance(data, np.ndarray):
        if len(names) > 1:
            raise ValueError(
                f"The generator has inputs {names}: `{what}` must be keyed by input name, not a single array."
            )
        data = {names[0]: data}
    if isinstance(data, dict):
        if sorted(data) != sorted(names):
            example = ", ".join(f"{name}=..." for name in names)
            raise ValueError(
                f"{what}: holds the arrays {sorted(data)}; the generator's inputs are {names}. Give one array of "
                f"typical inputs per input, under its name ({example})."  # a dict's keys, an .npz file's names
            )
        counts = {name: len(data[name]) for name in names if np.ndim(data[name])}  # a single value: its shape is named
        if len(set(counts.values())) > 1:
            raise ValueError(f"{what}: its arrays hold different numbers of samples {counts}; give each one row per "
                             "sample.")
        if counts and not max(counts.values()):
            raise ValueError(f"{what}: its arrays hold no samples; give a few hundred typical inputs.")
        generator_lib.check_inputs(generator, data, what=what, limits=limits)
        columns = data
        count = len(next(iter(columns.values())))
        data = [{name: np.asarray(value)[i : i + 1] for name, value in columns.items()} for i in range(count)]
    if isinstance(data, (str, bytes)) or not isinstance(data, collections.abc.Iterable):
        raise ValueError(
            f"`{what}` must be a dict of arrays keyed by input name {names}, an iterable of such "
            f"dicts, or a callable returning one. Received: {type(data).__name__}"
        )
    samples = []
    for item in data:
        if not isinstance(item, dict):
            if len(names) > 1:
                raise ValueError(
                    f"The generator has inputs {names}: every representative sample must be a "
                    f"dict keyed by input name. Received: {type(item).__name__}"
                )
            item = {names[0]: item}
        samples.append(generator_lib.check_inputs(generator, item, what=what, limits=limits))
    if not samples:
        raise ValueError(f"`{what}` is empty.")
    return samples


def write_tflite(generator, path, quantization=None, representative_data=None):
    """Converts `generator` (a float32 inference copy) to a `.tflite` file."""
    samples = representative_samples(generator, representative_data) if quantization == "int8" else None
    with tempfile.TemporaryDirectory() as workdir:
        saved = os.path.join(workdir, "saved_model")
        saved_model_lib.write_saved_model(generator, saved)
        converter = tf.lite.TFLiteConverter.from_saved_model(
            saved, signature_keys=[saved_model_lib.SIGNATURE_NAME]
        )
        if quantization is not None:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantization == "float16":
            converter.target_spec.supported_types = [tf.float16]
        if quantization == "int8":
            converter.representative_dataset = lambda: iter(samples)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        with warnings.catch_warnings():  # the calibrator uses the deprecated tf.lite.Interpreter
            warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
            flatbuffer = converter.convert()
    with open(path, "wb") as f:
        f.write(flatbuffer)


def to_tflite(
    model, path, quantization=None, representative_data=None, check=True, inputs=None, overwrite=False,
    **parity_kwargs
):
    """Exports the generator to TFLite and checks it with the LiteRT interpreter.

    Args:
        model: a GAN model with a `.generator`, a generator `keras.Model` or
            a path to a generator `.keras` file.
        path: str. The `.tflite` file to write.
        quantization: `None` (float32), `"float16"` (float16 weights),
            `"dynamic"` (int8 weights, float activations) or `"int8"` (int8
            weights and activations; float inputs and outputs). Defaults to
            `None`.
        representative_data: calibration inputs for `"int8"` (required
            then), keyed by input name; see `representative_samples`. The
            other modes do not calibrate: given with them, it is unused,
            with a `UserWarning`.
        check: bool. Check parity with Keras before moving the file into
            place. Defaults to `True`. With `False`, `inputs` and
            `**parity_kwargs` are unused (a `UserWarning` names them).
        inputs: dict or None. Inputs for the parity check, keyed by name.
        overwrite: bool. Replace an existing file at `path`. Defaults to
            `False` (an existing file is an error, raised before converting).
        **parity_kwargs: passed to `check_parity` (e.g. `tolerance`),
            checked before converting.

    Returns:
        The `ParityReport`, or the path if `check=False`.
    """
    if quantization not in QUANTIZATIONS:
        raise ValueError(
            f"`quantization` must be one of {QUANTIZATIONS}. Received: quantization={quantization!r}"
        )
    if representative_data is not None and quantization != "int8":
        warnings.warn(
            f"`representative_data` is unused with quantization={quantization!r}: only quantization='int8' "
            "calibrates on it; pass quantization='int8', or leave `representative_data` out.",
            UserWarning,
            stacklevel=checks.user_stacklevel(),  # the user's line, through `streaming.export_tflite` too
        )
    parity.check_options(to_tflite, parity_kwargs, inputs, check)  # before converting, not after
    path = files.file_target(path, ".tflite", overwrite)
    model = generator_lib.load_model(model)
    generator = generator_lib.inference_generator(model)
    if quantization == "int8":  # fail before converting
        representative_data = representative_samples(generator, representative_data)
    return parity.write_checked(
        lambda tmp: write_tflite(generator, tmp, quantization, representative_data), path, model, generator, check,
        inputs, overwrite, quantization=quantization, **parity_kwargs,
    )
