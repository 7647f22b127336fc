"""ONNX export via tf2onnx, checked with onnxruntime.

Inputs keep the generator's names and order (feed them by name anyway: the
tf2onnx command line orders inputs alphabetically); the batch dimension is
dynamic and named `batch`; the output is named `sample`.

Example:

>>> import os, tempfile
>>> from keras_cgan import networks
>>> from keras_cgan.export import to_onnx
>>> g = networks.conditional_generator((8, 8, 1), num_classes=10, latent_dim=4, base_filters=8)
>>> report = to_onnx(g, os.path.join(tempfile.mkdtemp(), "generator.onnx"))
>>> report.max_abs_error <= 1e-4
True
"""

import logging

import tensorflow as tf

from keras_cgan import checks
from keras_cgan.export import files
from keras_cgan.export import generator as generator_lib
from keras_cgan.export import parity
from keras_cgan.export import runtimes

# Opsets verified with tf2onnx 1.17 and onnxruntime on this stack.
SUPPORTED_OPSETS = (17, 18)


def write_onnx(generator, path, opset=17):
    """Converts `generator` (a float32 inference copy) to an ONNX file."""
    onnx = runtimes.needs("onnx", "ONNX export")
    tf2onnx = runtimes.needs("tf2onnx", "ONNX export")
    tf2onnx.logging.set_level(logging.ERROR)
    specs = generator_lib.input_specs(generator)
    names = generator_lib.input_names(generator)

    @tf.function(input_signature=specs)
    def serve(*args):
        return generator_lib.serve(generator, dict(zip(names, args)))

    model_proto, _ = tf2onnx.convert.from_function(serve, input_signature=specs, opset=opset)
    for value in list(model_proto.graph.input) + list(model_proto.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"  # dynamic batch, named
    onnx.checker.check_model(model_proto)
    onnx.save(model_proto, path)


def to_onnx(model, path, opset=17, check=True, inputs=None, overwrite=False, **parity_kwargs):
    """Exports the generator to ONNX and checks it with onnxruntime.

    Args:
        model: a GAN model with a `.generator`, a generator `keras.Model` or
            a path to a generator `.keras` file.
        path: str. The `.onnx` file to write.
        opset: int. ONNX opset, one of `SUPPORTED_OPSETS`. Defaults to `17`.
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
    if not checks.is_integer(opset) or opset not in SUPPORTED_OPSETS:
        raise ValueError(f"`opset` must be one of {SUPPORTED_OPSETS}. Received: opset={opset!r}")
    parity.check_options(to_onnx, parity_kwargs, inputs, check)  # before converting, not after
    path = files.file_target(path, ".onnx", overwrite)
    model = generator_lib.load_model(model)
    generator = generator_lib.inference_generator(model)
    return parity.write_checked(
        lambda tmp: write_onnx(generator, tmp, opset=opset), path, model, generator, check, inputs, overwrite,
        **parity_kwargs,
    )
