"""The generator an export is made from: loaded, copied to float32, inference mode.

Every export format starts here. `inference_generator` accepts a trained GAN
model (anything with a `.generator`), a generator `keras.Model`, or a path to
a `.keras` file holding either, and returns a float32 copy, so a model trained
under `mixed_float16` still exports (LiteRT cannot convert float16 compute).

Example:

>>> from keras_cgan import networks
>>> from keras_cgan.export import generator as generator_lib
>>> g = networks.conditional_generator((8, 8, 1), num_classes=10, latent_dim=4, base_filters=8)
>>> copy = generator_lib.inference_generator(g)
>>> [spec.name for spec in generator_lib.input_specs(copy)]
['noise', 'condition']
>>> {k: v.shape for k, v in generator_lib.example_inputs(copy, 2).items()}
{'noise': (2, 4), 'condition': (2,)}
"""

import os
import re
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.export import files

# Name of the output of every export when the generator has a single output.
OUTPUT_NAME = "sample"

_HALF_DTYPES = ("float16", "bfloat16", "mixed_float16", "mixed_bfloat16")


def load_model(model):
    """`model`, or the GAN or generator a `.keras` file holds when `model` is a path (str, bytes, PathLike) to one."""
    if files.is_path(model):
        path = checks.path("model", model)
        if not os.path.exists(path):
            raise ValueError(
                f"No model file at {path!r}: give a `.keras` (or `.h5`) file saved with `model.save(...)` (a "
                "`keras-cgan train` run folder holds its generator as RUN/generator.keras), or the model itself."
            )
        kind = files.model_format(path, wanted=("keras",))  # a rename named when the ending or its case is wrong
        if kind != "keras":
            held = "a folder" if os.path.isdir(path) else files.describe(kind) if kind else "not a Keras model file"
            raise ValueError(
                f"{path!r} is {held}: expected a `.keras` (or `.h5`) file saved with `model.save(...)`."
            )
        try:
            model = keras.models.load_model(path, compile=False)
        except Exception as error:  # keras raises many types for a bad file.
            raise ValueError(_load_error(path, error)) from error
    return model


def grown_generator(gan):
    """`(generator, note)`: the generator `gan` samples from, and why it is not `gan.generator` (or None).

    A StackGAN that has grown fewer stages than it holds samples from the
    chain of its grown stages; its whole chain adds stages that never trained.
    """
    generator = gan.sampling_generator() if hasattr(gan, "sampling_generator") else gan.generator
    if generator is gan.generator:
        return generator, None
    if not hasattr(gan, "stages"):
        return generator, f"{type(gan).__name__} samples from its `sampling_generator()`, not `.generator`"
    grown = gan.stages()  # a StackGAN's
    note = (
        f"{grown} of {gan.num_stages} stages grew; the {gan.sizes[grown - 1]}-pixel chain of the grown stages is "
        "used, as `sample` draws"
    )
    return generator, note


def untrained_stages(generator):
    """`(a trained stage, [later stages never trained])` of the models `generator` chains, or None.

    Told by batch norm, whose moving statistics move at the first training
    step: a nested model whose statistics are all still zeros (means) and
    ones (variances) never ran in training. Models without batch norm tell
    nothing.
    """
    trained, later = None, []
    for layer in generator.layers:  # in call order
        if not isinstance(layer, keras.Model):
            continue
        norms = [n for n in layer._flatten_layers() if isinstance(n, keras.layers.BatchNormalization)]
        fresh = all(np.all(np.asarray(n.moving_mean) == 0) and np.all(np.asarray(n.moving_variance) == 1) for n in norms)
        if norms and not fresh:
            trained = trained or layer.name
        elif norms and trained:
            later.append(layer.name)
    return (trained, later) if later else None


def load_generator(model):
    """Returns the generator `keras.Model` held by `model`.

    A StackGAN not fully grown gives the chain of its grown stages, with a
    `UserWarning` (`grown_generator`). A generator given itself is returned
    whole; a `UserWarning` says so when it chains stages that never trained
    after one that did (`untrained_stages`), as a StackGAN's `.generator`
    does before every stage grew.

    Args:
        model: a GAN model with a `.generator`, a generator `keras.Model`, or
            a path (str, bytes or `os.PathLike`) to a `.keras` file of either.
    """
    model = load_model(model)
    generator = getattr(model, "generator", model)
    if generator is not model:
        generator, note = grown_generator(model)
        if note:
            warnings.warn(f"{note} (`grow()` the model to export every stage).", UserWarning)
    elif isinstance(generator, keras.Model) and (untrained := untrained_stages(generator)):
        trained, later = untrained
        warnings.warn(
            f"The generator {generator.name!r} chains {later}, which never ran in training (their batch-norm "
            f"statistics are as initialised) while {trained!r} did: the whole chain is used. A StackGAN not "
            "fully grown holds such stages in its `.generator`: pass the GAN itself to export the chain of its "
            "grown stages, or `grow()` it and train them.",
            UserWarning,
        )
    if not isinstance(generator, keras.Model):
        raise ValueError(
            "Expected a GAN model with a `.generator`, a generator keras.Model or a path to a "
            f"`.keras` file. Received: {type(model).__name__}"
        )
    if not generator.inputs or not generator.outputs:
        raise ValueError(
            f"The generator {generator.name!r} must be a functional keras.Model with named "
            "inputs (built with keras.Input(..., name=...))."
        )
    return generator


def _load_error(path, error):
    """The message for a `.keras` file that does not load; a missing custom class comes first."""
    missing = re.search(r"Could not locate (?:class|function) '([^']+)'", str(error))
    if missing:
        return (
            f"{path!r} uses the class {missing.group(1)!r}, which is not registered: import the module that "
            "defines it before loading (Keras finds keras-cgan's own classes after `import keras_cgan`). Keras "
            f"said: {error}"
        )
    return f"{path!r} is not a loadable Keras model: {error}"


def _float32_dtypes(config):
    """Returns `config` with every half/mixed dtype policy replaced by float32."""
    if isinstance(config, dict):
        out = {}
        for key, value in config.items():
            if key == "dtype":
                name = value
                if isinstance(value, dict):  # a serialized DTypePolicy.
                    name = value.get("config", {}).get("name")
                if name in _HALF_DTYPES:
                    value = "float32"
            out[key] = _float32_dtypes(value)
        return out
    if isinstance(config, (list, tuple)):
        return type(config)(_float32_dtypes(v) for v in config)
    return config


def inference_generator(model):
    """A float32 copy of the generator held by `model`, with the same weights.

    The copy is rebuilt from the generator's config with every dtype policy
    set to float32, then given the trained weights cast to float32. Exports
    call it with `training=False` (dropout off, batch norm on moving stats).
    A float32 generator whose config cannot be rebuilt (an unregistered
    custom layer, a Python `Lambda`) is used as it is.

    Args:
        model: what `load_generator` accepts; a copy made here is returned
            as it is (loaded, checked and warned about once).
    """
    if getattr(model, "_keras_cgan_inference_copy", False):
        return model
    generator = load_generator(model)
    config = _float32_dtypes(generator.get_config())
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        copy = generator.__class__.from_config(config)
    except (TypeError, ValueError) as error:
        policies = {layer.dtype_policy.name for layer in generator._flatten_layers() if hasattr(layer, "dtype_policy")}
        if policies <= {"float32"}:
            return generator  # already what a copy would be
        raise ValueError(
            f"the {generator.name!r} generator computes in {sorted(policies - {'float32'})} and cannot be rebuilt "
            f"in float32 from its config ({error}); register its custom layers with "
            "`@keras.saving.register_keras_serializable()`, or build it under the float32 policy."
        ) from error
    finally:
        keras.config.set_dtype_policy(previous)
    weights = [
        w.astype("float32") if np.issubdtype(np.asarray(w).dtype, np.floating) else w
        for w in generator.get_weights()
    ]
    copy.set_weights(weights)
    copy._keras_cgan_inference_copy = True  # `to_*` hand it to `check_parity`
    return copy


def input_names(generator):
    """Names of the generator's inputs, in the generator's order."""
    return [tensor.name for tensor in generator.inputs]


def input_specs(generator):
    """`tf.TensorSpec`s of the inputs, named, with a dynamic batch dimension."""
    return [
        tf.TensorSpec((None,) + tuple(t.shape[1:]), tf.as_dtype(t.dtype), name=t.name)
        for t in generator.inputs
    ]


def output_names(generator):
    """Names of the exported outputs: `"sample"`, or the output names if several."""
    if len(generator.outputs) == 1:
        return [OUTPUT_NAME]
    return list(generator.output_names)


def serve(generator, inputs):
    """Runs `generator` in inference mode on a dict of named inputs.

    Returns a dict of named outputs; used as the body of every export.
    """
    ordered = [inputs[name] for name in input_names(generator)]
    outputs = generator(ordered if len(ordered) > 1 else ordered[0], training=False)
    return dict(zip(output_names(generator), tf.nest.flatten(outputs)))


def _inputs_upstream(tensor, memo):
    """Names of the model inputs `tensor` is computed from."""
    if id(tensor) not in memo:
        operation, node_index, _ = tensor._keras_history
        if isinstance(operation, keras.layers.InputLayer):
            memo[id(tensor)] = {tensor.name}
        else:
            node = operation._inbound_nodes[node_index]
            memo[id(tensor)] = set().union(*(_inputs_upstream(x, memo) for x in node.input_tensors))
    return memo[id(tensor)]


def _embedding_sizes(operation):
    """The `input_dim` of every Embedding in `operation` (none for an op that is not a layer)."""
    if not isinstance(operation, keras.layers.Layer):
        return []
    return [inner.input_dim for inner in operation._flatten_layers() if isinstance(inner, keras.layers.Embedding)]


def id_limits(generator):
    """`{input name: ids must be below this}` for each input that feeds an Embedding.

    The limit is the smallest `input_dim` of the Embeddings the input reaches,
    through nested functional models too. In a subclassed model (no graph to
    follow) every integer input gets the smallest Embedding's.
    """
    by_depth = getattr(generator, "_nodes_by_depth", None)
    if by_depth is None:
        sizes = _embedding_sizes(generator)
        integers = [t.name for t in generator.inputs if "int" in keras.backend.standardize_dtype(t.dtype)]
        return {name: min(sizes) for name in integers} if sizes else {}
    limits, memo = {}, {}

    def reach(tensors, size):
        for name in set().union(*(_inputs_upstream(x, memo) for x in tensors)):
            limits[name] = min(limits.get(name, size), size)

    for node in [node for nodes in by_depth.values() for node in nodes]:  # this graph's calls only
        layer = node.operation
        inner = id_limits(layer) if isinstance(layer, keras.Model) and hasattr(layer, "_nodes_by_depth") else None
        if inner is not None and len(layer.inputs) == len(node.input_tensors):  # nested: map its inputs to ours
            for tensor, outer in zip(layer.inputs, node.input_tensors):
                if tensor.name in inner:
                    reach([outer], inner[tensor.name])
        elif sizes := _embedding_sizes(layer):
            reach(node.input_tensors, min(sizes))
    return limits


def example_inputs(generator, batch_size, seed=0, model=None):
    """Random valid inputs keyed by input name, as numpy arrays.

    Inputs named `*noise*` get standard normal values; a `"condition"` of
    multi-hot tags (told by the GAN `model`'s condition) 0s and 1s; other
    float inputs (images, waveforms, embeddings) uniform values in
    `[-1, 1]`; integer inputs (class ids, token ids) ids below the size of
    the Embeddings they feed (below 2 if none).

    Args:
        generator: `keras.Model`.
        batch_size: int. Leading dimension of every array.
        seed: int >= 0. Seed of the draws. Defaults to `0`.
        model: the GAN model the generator comes from, or None (then float
            conditions are drawn as other float inputs). Defaults to `None`.
    """
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))  # was numpy's "expected non-negative integer"
    limits = id_limits(generator)
    inputs = {}
    for tensor in generator.inputs:
        shape = (batch_size,) + tuple(tensor.shape[1:])
        dtype = np.dtype(keras.backend.standardize_dtype(tensor.dtype))
        if np.issubdtype(dtype, np.integer):
            value = rng.integers(0, limits.get(tensor.name, 2), shape)
        elif tensor.name == "condition" and getattr(getattr(model, "condition", None), "multi_hot", False):
            value = rng.integers(0, 2, shape)
        elif "noise" in tensor.name:
            value = rng.standard_normal(shape)
        else:
            value = rng.uniform(-1.0, 1.0, shape)
        inputs[tensor.name] = value.astype(dtype)
    return inputs


def as_input_dtype(value, dtype, where):
    """`value` as an input's `dtype`; ids given as floats must be whole numbers (3.9 is not cut to 3)."""
    array = np.asarray(value)
    if dtype is None:
        return array
    if np.issubdtype(dtype, np.integer) and array.dtype.kind == "f":
        bad = array[~np.isfinite(array) | (array != np.round(array))]
        if bad.size:
            raise ValueError(f"{where}: ids must be whole numbers. Received: {bad[:4].tolist()}")
    return array.astype(dtype)


def check_emphasized(values, coefficient, where):
    """Raises `ValueError` naming `where` unless `values` are audio in [-1, 1] pre-emphasized with `coefficient`.

    `x[n] - a x[n-1]` of audio in [-1, 1] reaches `1 + a` on a loud tone;
    audio passes with the samples' slack (`checks.SAMPLE_LIMIT`), so its
    pre-emphasis passes up to `(1 + a) * checks.SAMPLE_LIMIT`. `coefficient`
    None: not known (a generator alone), any below 1. The one rule of the
    served `condition` (`check_condition`) and of SEGAN's int8 calibration
    frames; NaN is left to the caller.
    """
    a = 1.0 if coefficient is None else float(coefficient)
    low, high = float(np.min(values)), float(np.max(values))
    if low < -(1.0 + a) * checks.SAMPLE_LIMIT or high > (1.0 + a) * checks.SAMPLE_LIMIT:
        told, call = (f"coefficient {a:g}", f"{a:g}") if coefficient is not None else \
            ("the model's coefficient (below 1)", "gan.preemphasis")
        raise ValueError(
            f"{where}: the generator takes noisy windows of audio in [-1, 1] pre-emphasized with {told}, which "
            f"stay in [-{1 + a:g}, {1 + a:g}]; got values from {low:g} to {high:g}."
            f"{checks.scaling_hint(low, high, 'audio', samples=values)} Then pre-emphasize it "
            f"(`keras_cgan.models.segan.waveform.preemphasis(x, {call})`)."
        )


def check_condition(model, condition, where):
    """The GAN `model`'s check of its conditions (`check_condition`, as `fit` makes it), on its generator's `condition`.

    A GAN whose generator takes its conditions pre-emphasized (a SEGAN's,
    told by the model's `preemphasis` coefficient: the served signature
    takes pre-emphasized windows) is checked on what the user gives it:
    their values by `check_emphasized`, their shape, dtype and finiteness by
    the GAN.
    """
    coefficient = float(getattr(model, "preemphasis", 0.0) or 0.0)
    if not coefficient or condition.dtype.kind != "f":  # plain conditions; integer PCM is the GAN's to name
        model.check_condition(condition, where)
        return
    # NaN and ±inf kept, for the GAN to name as not finite; the range is checked below
    model.check_condition(np.where(np.isfinite(condition), np.clip(condition, -1.0, 1.0), condition), where)
    if condition.size and getattr(model, "check_data", True):  # `compile(check_data=False)`: no values
        check_emphasized(condition, coefficient, where)


def refuse_channels(window, shape, where):
    """A `ValueError` naming `where` when `shape` is one signal (mono, or of channels) given for windows.

    `window` is the input's shape per sample: a SEGAN's `condition` takes
    windows `(L, 1)`; other inputs are left alone. Channels (stereo `(T, 2)`)
    are told by `checks.one_signal_per_row`, as `SEGAN.predict` and the
    metrics tell them.
    """
    window = tuple(window)
    if len(window) != 2 or window[1] != 1:
        return
    length = window[0]
    # (T,), (T, 1, 1): one signal, as `enhance` reads it; (0, T) is an empty batch
    if length and all(shape) and sum(size > 1 for size in shape) == 1:
        raise ValueError(
            f"`{where}` has shape {tuple(shape)}: one signal, not a batch of windows. Cut it into windows of shape "
            f"(N, {length}, 1) first (`keras_cgan.data.audio.frame(x, {length}, hop)[..., None]`)."
        )
    checks.one_signal_per_row(
        shape, where, f"pass windows as (N, {length}, 1) (`keras_cgan.data.audio.frame` cuts a signal into them)",
        minimum=length or 1, takes=f"the model's {length}-sample windows" if length else None,
    )


def check_inputs(generator, inputs, model=None, what="inputs", limits=None):
    """Checks a dict of named numpy inputs against the generator's inputs; returns them in its dtypes.

    Shapes and batch sizes always; values too: integer inputs (class or
    token ids) must be whole numbers below the size of the embedding they
    feed (given as floats too) and float inputs finite. Where `model` is the GAN itself (it has
    `check_condition`), the `"condition"` input gets the checks `fit` makes.

    Args:
        generator: `keras.Model`.
        inputs: dict of numpy arrays keyed by input name.
        model: the GAN model the generator comes from, or None.
        what: str. The argument the messages name. Defaults to `"inputs"`.
        limits: dict or None. `id_limits(generator)`, when the caller checks
            many inputs. Defaults to `None` (computed here).

    Returns:
        dict of numpy arrays keyed by input name, each in its input's dtype.
    """
    if not isinstance(inputs, dict):
        raise ValueError(
            f"`{what}` must be a dict keyed by input name {input_names(generator)}. "
            f"Received: {type(inputs).__name__}"
        )
    names = input_names(generator)
    if sorted(inputs) != sorted(names):
        raise ValueError(f"`{what}` must have the keys {names}. Received: {sorted(inputs)}")
    sizes = set()
    for tensor in generator.inputs:
        value = np.asarray(inputs[tensor.name])
        if value.dtype.kind not in "biuf":  # strings, Python objects: no input takes them
            raise ValueError(f"{what}[{tensor.name!r}] must hold numbers. Received: an array of {value.dtype}")
        if value.ndim == 0 or tuple(value.shape[1:]) != tuple(tensor.shape[1:]):
            refuse_channels(tensor.shape[1:], value.shape, f"{what}[{tensor.name!r}]")
            raise ValueError(
                f"{what}[{tensor.name!r}] must have shape (batch,) + {tuple(tensor.shape[1:])}. "
                f"Received: {value.shape}"
            )
        sizes.add(value.shape[0])
    if len(sizes) != 1:
        raise ValueError(f"All of `{what}` must have the same batch size. Received: {sorted(sizes)}")
    if model is not None and hasattr(model, "check_condition") and "condition" in inputs:
        check_condition(model, np.asarray(inputs["condition"]), f"{what}['condition']")
    limits = id_limits(generator) if limits is None else limits
    checked = {}
    for tensor in generator.inputs:
        name = tensor.name
        value = np.asarray(inputs[name])
        dtype = np.dtype(keras.backend.standardize_dtype(tensor.dtype))
        if value.size and np.issubdtype(dtype, np.integer):
            value = as_input_dtype(value, dtype, f"{what}[{name!r}]")  # ids given as floats: whole numbers
            if name in limits and (value.min() < 0 or value.max() >= limits[name]):
                raise ValueError(
                    f"{what}[{name!r}]: ids must be in [0, {limits[name]}) (the size of the embedding it "
                    f"feeds); got values from {value.min()} to {value.max()}."
                )
        elif value.size and np.issubdtype(value.dtype, np.floating) and not np.all(np.isfinite(value)):
            raise ValueError(f"{what}[{name!r}] holds NaN or inf.")
        checked[name] = value.astype(dtype)
    return checked
