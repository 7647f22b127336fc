"""TF Serving REST bodies: build a `:predict` request, answer it as the server does.

TF Serving's REST API takes `POST /v1/models/<name>:predict` with either the
row format `{"signature_name": ..., "instances": [{input: value}, ...]}` or
the columnar format `{"signature_name": ..., "inputs": {input: batch}}`, and
answers `{"predictions": [...]}` or `{"outputs": ...}` respectively (with a
single output, its values directly; with several, keyed by output name).

Example:

>>> from keras_cgan import networks
>>> from keras_cgan.export import serving_request
>>> g = networks.conditional_generator((8, 8, 1), num_classes=10, latent_dim=2, base_filters=8)
>>> body = serving_request(g, {"noise": [[0.1, -0.3]], "condition": [7]})
>>> body
{'signature_name': 'serving_default', 'instances': [{'noise': [0.1, -0.3], 'condition': 7}]}
"""

import json

import numpy as np

from keras_cgan import checks
from keras_cgan.export import generator as generator_lib
from keras_cgan.export import runtimes
from keras_cgan.export.saved_model import SIGNATURE_NAME

REQUEST_FORMATS = ("instances", "inputs")


def serving_request(model, inputs=None, batch_size=1, request_format="instances", seed=0):
    """Builds the JSON body of a TF Serving REST `:predict` request.

    Args:
        model: a GAN model, generator or generator `.keras` path (used for
            input names, shapes and dtypes).
        inputs: dict or None. Inputs keyed by input name, batch-major.
            Defaults to random valid inputs of `batch_size` (for a GAN,
            conditions it accepts: multi-hot tags are 0s and 1s).
        batch_size: int. Batch size of the random inputs. Defaults to `1`.
        request_format: `"instances"` (row format) or `"inputs"` (columnar).
            Defaults to `"instances"`.
        seed: int >= 0. Seed of the random inputs. Defaults to `0`.

    Returns:
        dict, ready for `json.dumps`.
    """
    if request_format not in REQUEST_FORMATS:
        raise ValueError(
            f"`request_format` must be one of {REQUEST_FORMATS}. Received: {request_format!r}"
        )
    if inputs is None:
        checks.integer("batch_size", batch_size, low=1)
    model = generator_lib.load_model(model)
    generator = generator_lib.load_generator(model)
    if inputs is None:
        inputs = generator_lib.example_inputs(generator, batch_size, seed=seed, model=model)
    # In the inputs' dtypes; ids whole numbers; a GAN's conditions as `fit` checks them.
    inputs = generator_lib.check_inputs(generator, inputs, model=model)
    names = generator_lib.input_names(generator)
    if not len(inputs[names[0]]):  # was a body of no instances, which `answer_request` (and TF Serving) refuse
        raise ValueError(f"`inputs` hold no rows (a batch of 0): give at least one. Received shapes "
                         f"{ {name: inputs[name].shape for name in names} }")
    # Shortest decimal that reads back to the same float32 ("0.1", not "0.10000000149").
    inputs = {
        name: value.astype(str).astype("float64") if value.dtype.kind == "f" else value
        for name, value in inputs.items()
    }
    body = {"signature_name": SIGNATURE_NAME}
    if request_format == "inputs":
        body["inputs"] = {name: inputs[name].tolist() for name in names}
    else:
        size = len(inputs[names[0]])
        body["instances"] = [{name: inputs[name][i].tolist() for name in names} for i in range(size)]
    return body


def _parse_body(body):
    """`body` as a dict (parsed when given as JSON text), with exactly one of `instances` or `inputs`."""
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError as error:
            raise ValueError(f"`body` is not valid JSON ({error}). Received: {body[:80]!r}") from None
    if not isinstance(body, dict):
        raise ValueError(f"`body` must be a dict or its JSON text. Received: {type(body).__name__}")
    if ("instances" in body) == ("inputs" in body):
        raise ValueError(f'`body` needs exactly one of "instances" or "inputs". Received keys: {sorted(body)}')
    return body


def _column(runtime, name, values):
    """The values of input `name` in a body as one array in the signature's dtype.

    A `ValueError` names the input when its instances differ in shape or do
    not have the signature's shape (the signature would fail deep in its graph).
    """
    shape = runtime.input_shapes[name]  # (None, ...): the batch first
    try:
        array = np.asarray(values)
    except ValueError:  # numpy's 'inhomogeneous shape'
        raise ValueError(f"`body`: the instances' {name!r} differ in shape; each must be of shape {shape[1:]}.") from None
    if array.ndim != len(shape) or any(want not in (None, got) for want, got in zip(shape[1:], array.shape[1:])):
        generator_lib.refuse_channels(shape[1:], array.shape, f"body[{name!r}]")
        raise ValueError(
            f"`body`: {name!r} must be a batch of instances of shape {shape[1:]} (the signature takes {shape}). "
            f"Received: a batch of shape {array.shape}"
        )
    dtype = np.dtype(runtime.input_specs[name].dtype.as_numpy_dtype)
    return generator_lib.as_input_dtype(array, dtype, f"body[{name!r}]")


def answer_request(saved_model_path, body):
    """Answers a REST `:predict` body with a SavedModel, the way TF Serving does.

    The SavedModel is loaded from its highest version folder, the signature
    is picked by `signature_name` and fed by input name.

    Args:
        saved_model_path: str. The model base path (or a version folder).
        body: dict, or its JSON text (str or bytes). A request body from
            `serving_request`.

    Returns:
        dict. `{"predictions": [...]}` or `{"outputs": ...}`.
    """
    body = _parse_body(body)
    runtime = runtimes.SavedModelRuntime(
        saved_model_path, signature_name=body.get("signature_name", SIGNATURE_NAME)
    )
    names = runtime.input_names
    if "inputs" in body:
        columns = body["inputs"]
        if not isinstance(columns, dict):  # a single unnamed input
            columns = {names[0]: columns}
    else:
        rows = body["instances"]
        if not isinstance(rows, list) or not rows:
            received = "[]" if isinstance(rows, list) else type(rows).__name__  # `rows == []`: numpy broadcasts
            raise ValueError(f'`body`["instances"] must be a non-empty list of instances. Received: {received}')
        rows = [row if isinstance(row, dict) else {names[0]: row} for row in rows]
        for i, row in enumerate(rows):
            missing = sorted(set(names) - set(row))
            if missing:
                raise ValueError(
                    f"`body`: instance {i} lacks the inputs {missing}; the signature takes {names}. "
                    f"Received keys: {sorted(row)}"
                )
        columns = {name: [row[name] for row in rows] for name in names}
    missing = sorted(set(names) - set(columns))
    if missing:
        raise ValueError(f"`body` lacks the inputs {missing}; the signature takes {names}. Received: {sorted(columns)}")
    feed = {name: _column(runtime, name, columns[name]) for name in names}
    outputs = runtime(feed)
    if "inputs" in body:
        if len(outputs) == 1:
            return {"outputs": next(iter(outputs.values())).tolist()}
        return {"outputs": {name: value.tolist() for name, value in outputs.items()}}
    size = len(next(iter(outputs.values())))
    if len(outputs) == 1:
        return {"predictions": next(iter(outputs.values())).tolist()}
    return {"predictions": [{name: value[i].tolist() for name, value in outputs.items()} for i in range(size)]}
