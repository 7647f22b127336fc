"""SavedModel export for TF Serving: `path/<version>/` with a named signature.

The `serving_default` signature takes the generator's inputs by name
(`condition`, and `noise` where the family has noise; a dynamic batch
dimension) and returns `{"sample": ...}`. The folder is ready for
`tensorflow_model_server --model_base_path=<path>`.

Example:

>>> import os, tempfile
>>> from keras_cgan import networks
>>> from keras_cgan.export import to_saved_model
>>> g = networks.conditional_generator((8, 8, 1), num_classes=10, latent_dim=4, base_filters=8)
>>> report = to_saved_model(g, os.path.join(tempfile.mkdtemp(), "generator"))
>>> os.path.basename(report.path), report.passed
('1', True)
"""

import os
import re
import warnings

import keras

from keras_cgan import checks
from keras_cgan.checks import is_saved_model, named_as_version, next_version  # TF-free: `keras-cgan export` checks -o early
from keras_cgan.export import files
from keras_cgan.export import generator as generator_lib
from keras_cgan.export import parity

SIGNATURE_NAME = "serving_default"


def write_saved_model(generator, path):
    """Writes `generator` (already a float32 inference copy) as a SavedModel.

    This is a `keras.export.ExportArchive` folder, the route LiteRT converts
    correctly (`tf.saved_model.save` folders convert to all-NaN models).
    """
    specs = {spec.name: spec for spec in generator_lib.input_specs(generator)}
    for name in specs:
        renamed = re.sub(r"[^0-9A-Za-z]", "_", name)  # as TF renames a signature's arguments
        renamed = renamed if renamed[:1].isalpha() else "arg_" + renamed
        if renamed != name:
            raise ValueError(
                f"input {name!r}: a SavedModel signature names its inputs with letters, digits and '_', "
                f"starting with a letter; rename the generator's input (keras.Input(name={renamed!r}))."
            )
    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint(
        SIGNATURE_NAME,
        lambda inputs: generator_lib.serve(generator, inputs),
        input_signature=[specs],
    )
    archive.write_out(path, verbose=False)


def to_saved_model(model, path, version=None, check=True, inputs=None, overwrite=False, **parity_kwargs):
    """Exports the generator as a versioned SavedModel for TF Serving.

    Args:
        model: a GAN model with a `.generator`, a generator `keras.Model` or
            a path to a generator `.keras` file.
        path: str. The model base path (not a version folder: one that is
            refused, a new folder named as one is warned about); the export
            goes to `path/<version>/`.
        version: int or None. Version folder; `None` takes the next free
            number (1 for a new path). Defaults to `None`.
        check: bool. Reload the SavedModel and check parity with Keras
            before moving it into place. Defaults to `True`. With `False`,
            `inputs` and `**parity_kwargs` are unused (a `UserWarning` names
            them).
        inputs: dict or None. Inputs for the parity check, keyed by name.
        overwrite: bool. Replace the folder of an existing `version`.
            Defaults to `False`.
        **parity_kwargs: passed to `check_parity` (e.g. `tolerance`),
            checked before converting.

    Returns:
        The `ParityReport` (its `path` is the version folder), or the
        version folder if `check=False`.
    """
    parity.check_options(to_saved_model, parity_kwargs, inputs, check)  # before converting, not after
    path = os.path.abspath(checks.path("path", path))
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"`path` must be a folder (the model base path), not a file. Received: path={path!r}")
    files.check_writable(path)
    if is_saved_model(path):
        raise ValueError(
            f"`path` is itself a SavedModel (a version folder): give its base folder "
            f"{os.path.dirname(path)!r}; versions go in numbered folders under it. Received: path={path!r}"
        )
    name = os.path.basename(path)
    if named_as_version(path, version):
        warnings.warn(
            f"`path` {path!r} is named like a version folder: the export goes to {os.path.join(path, '1')!r}, "
            f"where TF Serving "
            f"pointed at {os.path.dirname(path)!r} finds no SavedModel. To make version {name}, give the model "
            f"base path and `version={name}`.",
            UserWarning,
            stacklevel=2,
        )
    version = next_version(path) if version is None else checks.integer("version", version, low=0)
    target = os.path.join(path, str(version))
    if os.path.lexists(target):  # the folder listed again only to name the next free version
        checks.refuse_existing(target, overwrite, (
            f"`version`: {target!r} exists; pass `overwrite=True` to replace it, or `version=None` for the "
            f"next free one ({next_version(path)}). Received: version={version}"
        ))
    model = generator_lib.load_model(model)
    generator = generator_lib.inference_generator(model)
    return parity.write_checked(  # a new model base path is removed again if the export fails
        lambda tmp: write_saved_model(generator, tmp), target, model, generator, check, inputs, overwrite,
        folder=True, **parity_kwargs,
    )
