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

from keras_cgan.export.generator import example_inputs, inference_generator, load_generator
from keras_cgan.export.onnx import SUPPORTED_OPSETS, to_onnx
from keras_cgan.export.parity import TOLERANCES, ParityError, ParityReport, check_parity
from keras_cgan.export.runtimes import load_runtime
from keras_cgan.export.saved_model import to_saved_model
from keras_cgan.export.serving import answer_request, serving_request
from keras_cgan.export.tflite import QUANTIZATIONS, to_tflite
