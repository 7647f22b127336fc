"""Export a generator to SavedModel (TF Serving), ONNX and TFLite, checked for parity.

Every `to_*` function takes a trained GAN model, a generator `keras.Model`
or a path to a generator `.keras` file; exports a float32 inference copy of
the generator with named inputs (`condition`, and `noise` where the family
has noise) and a `sample` output; runs the export in its own runtime against
Keras at two batch sizes; and writes to a temporary path that is moved into
place only when the check passes.

Example:

>>> import os, tempfile
>>> from keras_cgan import networks, export
>>> g = networks.conditional_generator((8, 8, 1), num_classes=10, latent_dim=4, base_filters=8)
>>> report = export.to_onnx(g, os.path.join(tempfile.mkdtemp(), "generator.onnx"))
>>> report.passed
True
"""

import lazy_loader

# A module is imported when it or one of its names is first used: `keras-cgan export` checks its options with
# `files` (and `keras-cgan` reads a run folder's config.json with it) before TensorFlow is imported.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["files", "generator", "onnx", "parity", "runtimes", "saved_model", "serving", "tflite"],
    submod_attrs={
        "generator": ["example_inputs", "inference_generator", "load_generator"],
        "onnx": ["SUPPORTED_OPSETS", "to_onnx"],
        "parity": ["TOLERANCES", "ParityError", "ParityReport", "check_parity"],
        "runtimes": ["load_runtime"],
        "saved_model": ["to_saved_model"],
        "serving": ["answer_request", "serving_request"],
        "tflite": ["QUANTIZATIONS", "to_tflite"],
    },
)
