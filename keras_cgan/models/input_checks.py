"""The checks of the data a GAN trains on, predicts from and evaluates on.

Samples (targets, image and waveform conditions) must be finite floats in
`[-1, 1]`, conditions and targets must have the shapes the networks take, and
each batch must pair as many conditions as targets. Arrays and the shapes a
dataset states are checked before `fit` starts; what a dataset leaves unknown
(`from_generator`, `tf.py_function`) is checked by in-graph asserts in the
step, whose failures `_data_error` turns into one clear error naming the epoch
and batch.

`InputChecks` holds the methods `GANModel` uses for this; families override
`check_condition`, `check_target`, `checked_samples` and `sample_shapes`.
"""

import contextlib
import inspect
import re
import threading

import keras
import numpy as np
import tensorflow as tf

from keras_cgan.checks import (
    NAN_EFFECTS, SAMPLE_KINDS, SAMPLE_LIMIT, NonFiniteDataError, check_samples, range_of, scaling_hint, single,
)
from keras_cgan.conditions import base as conditions_base
from keras_cgan.conditions.base import fits_per_sample

_CHECK_MARK = "keras_cgan data check: "
_SHAPE_MARK = "keras_cgan shape check: "
_ROWS_MARK = "keras_cgan row check"

SAMPLE_WEIGHT_MESSAGE = (
    "GANs do not take `sample_weight` (nor `class_weight`): every loss of the step is a batch mean over "
    "real, generated and mismatched pairs, and no example weight enters it, so it would be dropped "
    "silently. Yield `(condition, target)` pairs; to weight examples, repeat or resample them in the "
    "data pipeline (e.g. `tf.data.Dataset.sample_from_datasets`)."
)


class _Uses(threading.local):
    """Per thread, `{id(model): {block: use}}`: the `_checked_for` blocks open on each model, the innermost last."""

    def __init__(self):
        self.by_model = {}


_USES = _Uses()


def as_batch(values, scalar_condition):
    """Python numbers and lists become a numpy batch (a scalar a batch of one where conditions are scalars).

    One array in a list or tuple is that array (`single`).
    """
    if isinstance(values, (bool, int, float, np.generic)) or (
        isinstance(values, (list, tuple)) and not any(hasattr(v, "shape") and np.ndim(v) for v in values)
    ):
        values = np.asarray(values)
    values = single(values)
    if scalar_condition and getattr(values, "ndim", None) == 0:  # `ndim` None: a tensor of unknown rank
        values = values[None] if isinstance(values, np.ndarray) else tf.reshape(values, [1])  # 0-d array, tensor
    return values


def _check_one_batch(values, where, what="condition"):
    """Raises `ValueError` naming `where` when `values` is a dict, list or tuple of batches, not one batch.

    Every family takes one condition input and makes one sample per condition.
    """
    if isinstance(values, dict):
        got = f"a dict with keys {list(values)}"
    elif isinstance(values, (list, tuple)):
        got = f"a {type(values).__name__} of {len(values)}"
    else:
        return
    raise ValueError(
        f"{where}: {what}s must be one array or tensor of shape [batch, ...]; received {got}. A GAN takes a "
        f"single {what} input: stack samples into one batch (`np.stack`) and pass the tensor itself, not a "
        "dict, list or tuple holding it."
    )


def symbolic(values):
    """Whether `values` hold a `keras.Input` (symbolic), which only a model's call takes."""
    return any(keras.backend.is_keras_tensor(t) for t in tf.nest.flatten(values))


def refuse_symbolic(values, where, method, takes="arrays, tensors, a dataset"):
    """Raises `ValueError` naming `where` when `values` hold a `keras.Input` (symbolic), which `method` cannot run on;
    `takes` says what it runs on."""
    if symbolic(values):
        raise ValueError(
            f"`{where}` is a `keras.Input` (symbolic: a shape and dtype, no values); `{method}` runs on values "
            f"({takes}). To build a functional model, call the model on it instead: "
            "`gan(inputs)` or `gan.generate(inputs)`."
        )


def _failed_check(*data):
    """The error of an in-graph check whose static shapes fail it as the step traces: the text of its `Assert`."""
    return tf.errors.InvalidArgumentError(None, None, "".join(f"[{item}] " for item in data).strip())


class Position(keras.callbacks.Callback):
    """Where `fit` / `evaluate` is: the epoch and batch, for the data-check message."""

    async_safe = True

    def __init__(self, where=None):
        super().__init__()
        self.epoch, self.batch, self.epochs_begun, self.train_batches = 0, None, 0, 0
        self.where = where  # names the batch when there are no epochs (`train_on_batch`)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.batch = epoch, None
        self.epochs_begun += 1

    def on_train_batch_begin(self, batch, logs=None):
        self.batch = batch

    def on_train_batch_end(self, batch, logs=None):
        self.train_batches += 1  # logs unread: no host sync

    def on_test_batch_begin(self, batch, logs=None):
        self.batch = batch

    def on_predict_batch_begin(self, batch, logs=None):
        self.batch = batch


# What `fit` takes as a dataset of `(condition, target)` batches (`x` alone): one that shuffles itself.
DATASETS = (tf.data.Dataset, tf.distribute.DistributedDataset)


def batches_of_pairs(data):
    """Whether `data` yields `(condition, target)` batches the step checks one at a time.

    A Python generator, a `PyDataset`, or a dataset a strategy distributed
    (`strategy.experimental_distribute_dataset`), whose batches are split
    over the replicas already.
    """
    return isinstance(data, (keras.utils.PyDataset, tf.distribute.DistributedDataset)) or inspect.isgenerator(data)


def _first_text(values):
    """The first value of `values` when it is a str or bytes (nested lists, numpy and eager string tensors); else None.

    Reads first elements only (a ragged list of tag sets too, which numpy cannot stack).
    """
    for _ in range(8):  # down the first elements of nested lists
        if isinstance(values, (str, bytes)):
            return values
        if isinstance(values, tf.Tensor) and values.dtype == tf.string and tf.executing_eagerly():
            values = values.numpy()
        if isinstance(values, np.ndarray):
            if not values.size or values.dtype.kind not in "USTO":
                return None
            values = values.reshape(-1)[0]
            values = values.item() if isinstance(values, np.generic) else values
        elif isinstance(values, (list, tuple)) and values:
            values = values[0]
        else:
            return None
    return None


class InputChecks:
    """The input checks of `GANModel`: shapes, values and pairs, on the host and in the step.

    They read the model's `generator`, `condition` (where it has one),
    `compile(check_data=...)`, `prepare_condition` and `distribute_strategy`.
    """

    # What the samples are, for the hints on scaling them (`checks.SAMPLE_KINDS`); a family of waveforms says "audio".
    sample_kind = "image"

    def __init_subclass__(cls, **kwargs):
        """A subclass's `sample_kind` is checked as the class is defined, not when a message first needs it."""
        super().__init_subclass__(**kwargs)
        if cls.sample_kind not in SAMPLE_KINDS:
            raise ValueError(
                f"{cls.__name__}.sample_kind must be one of {SAMPLE_KINDS} (what its samples are, for the hints on "
                f"scaling them). Received: sample_kind={cls.sample_kind!r}"
            )

    # ---------------------------------------------- hooks a family overrides

    def check_condition(self, condition_spec_or_array, where):
        """Raises `ValueError` if conditions do not fit; `where` names the argument."""

    def check_target(self, target, where):
        """Raises `ValueError` naming `where` unless targets have the generator's output shape and are
        finite floats in `[-1, 1]` (values are checked for arrays; a dataset's in the step)."""
        (expected,) = self.sample_shapes()["targets"]
        if not fits_per_sample(target, expected):
            raise ValueError(
                f"{where}: targets have shape {tuple(target.shape[1:])} per sample but the generator "
                f"makes samples of shape {expected}."
            )
        self._check_values(target, where, "targets")

    def checked_samples(self, condition, target):
        """The batch tensors the step checks in-graph, `{what: tensor}`: finite and in `[-1, 1]`.

        Targets always; families whose condition is itself a sample (an
        image, a waveform, frames) add it. A `None` (the targets in
        `predict`) is not checked.

        Args:
            condition: the batch's conditions, as the dataset yields them.
            target: the batch's targets, or `None` in `predict`.
        """
        return {"targets": target}

    def sample_shapes(self):
        """The per-sample shapes a batch may have, `{what: [shape, ...]}` (`None` for a size of any length).

        Targets have the generator's output shape; families add the shapes
        their conditions may have. `fit` checks the shapes a dataset states
        when it starts (`check_condition`, `check_target`); the step checks
        those it leaves unknown (`from_generator`, `tf.py_function`).
        """
        return {"targets": [tuple(self.generator.outputs[0].shape[1:])]}

    # -------------- before a run: arrays, Python values and a dataset's spec

    def _check_values(self, samples, where, what):
        """`check_samples` on the dtype always, on the values unless `compile(check_data=False)`.

        The samples are for generation, unless checked within `_checked_for` (on this thread).
        """
        open_blocks = _USES.by_model.get(id(self))
        use = next(reversed(open_blocks.values())) if open_blocks else "generate"
        if getattr(self, "check_data", True) or not (isinstance(samples, np.ndarray) or hasattr(samples, "numpy")):
            check_samples(samples, where, what, self.sample_kind, use)
        else:
            check_samples(tf.TensorSpec(samples.shape, samples.dtype), where, what, self.sample_kind, use)

    @contextlib.contextmanager
    def _checked_for(self, use):
        """Within it, `_check_values` checks samples for `use` (`"train"` or `"evaluate"`), which its NaN message
        names: on this thread only, and on no other once it ends, in whatever order blocks end."""
        by_model = _USES.by_model
        open_blocks = by_model.setdefault(id(self), {})
        block = object()  # this block's own key: blocks of the same use end apart
        open_blocks[block] = use
        try:
            yield
        finally:
            del open_blocks[block]
            if not open_blocks:  # no block left on the model: no entry kept for its id
                by_model.pop(id(self), None)

    def _scalar_condition(self):
        """Whether one condition is a scalar (a class id), so a Python number is a batch of one."""
        condition = getattr(self, "condition", None)
        return condition is not None and tuple(condition.input_shape) == ()

    def _as_batch(self, condition, where):
        """`as_batch` for this model's conditions; strings are refused first, naming `where` (numbers are taken).

        Before numpy stacks them: a ragged list of tag sets would fail there, naming nothing.
        """
        first = _first_text(condition)
        if first is None:
            return as_batch(condition, self._scalar_condition())
        encode = {
            "ClassCondition": "give class ids as ints",
            "TextCondition": "vectorize captions first with the `keras.layers.TextVectorization` the condition was "
                             "built from (`gan.condition.vectorizer()(captions)` rebuilds it from `from_vectorizer`)",
            "TagsCondition": "encode tag sets first: `gan.condition.encode([['blue hair', 'red eyes'], ...])`",
        }.get(type(getattr(self, "condition", None)).__name__, "give numbers (ids, vectors, images)")
        raise ValueError(f"{where}: conditions are strings ({first!r}); the model takes numbers: {encode}.")

    def _condition_batch(self, condition, where):
        """Python numbers and lists as a numpy batch, checked as `fit` checks conditions; an empty batch is refused."""
        condition = self._as_batch(condition, where)
        if isinstance(condition, tf.data.Dataset):
            spec = condition.element_spec
            spec = single(spec[0] if isinstance(spec, tuple) else spec)  # Keras reads `x`, `(x,)` or `(x, y)`
            _check_one_batch(spec, "dataset condition")
            self.check_condition(spec, "dataset condition")
        else:
            _check_one_batch(condition, where)
            shape = getattr(condition, "shape", None)  # a `tf.Variable` has no `ndim`
            if shape is not None and tf.TensorShape(shape).rank and shape[0] == 0:
                raise ValueError(f"`{where}` holds no conditions (an empty batch): nothing to generate.")
            if hasattr(condition, "shape") and hasattr(condition, "dtype"):
                self.check_condition(condition, where)  # the sizes known as a `tf.function` traces
            if tf.is_tensor(condition) and not condition.shape[1:].is_fully_defined():
                # A graph tensor of sizes unknown until it runs (`tf.TensorSpec([None, None, None, 1])` or
                # `tf.TensorSpec(None)` in a `tf.function`'s signature): checked and shaped in-graph, as the step
                # checks a dataset's sizes.
                condition = self._shape_checked(condition, where=where)[0]
        return condition

    def _check_fit_data(self, x, y, kwargs, method="fit"):
        """`fit`'s (or `evaluate`'s...) data checked: pairs without weights, shapes, values; arrays converted."""
        if isinstance(kwargs.get("class_weight"), dict) and not kwargs["class_weight"]:
            kwargs.pop("class_weight")  # `{}`: no class weighted
        for unsupported in ("sample_weight", "class_weight"):
            if kwargs.get(unsupported) is not None:
                raise ValueError(f"{SAMPLE_WEIGHT_MESSAGE} Received: {unsupported}={kwargs[unsupported]!r}")
        if isinstance(x, tf.data.Dataset):
            self._check_dataset(x, "dataset")
        elif x is not None and not batches_of_pairs(x):  # those the step checks batch by batch (Keras refuses a `y`)
            x, y = self._check_arrays(x, y, ("x", "y"), method)
        return x, y

    def _check_dataset(self, dataset, name):
        """Checks that `dataset` yields `(condition, target)` pairs of the model's shapes; `name` names it."""
        spec = dataset.element_spec
        if not isinstance(spec, tuple) or len(spec) < 2:
            raise ValueError(f"The {name} must yield `(condition, target)` pairs. Received element_spec={spec}")
        if len(spec) > 2:
            raise ValueError(f"{SAMPLE_WEIGHT_MESSAGE} Received: a dataset of {len(spec)}-tuples, element_spec={spec}")
        spec = [single(part) for part in spec]  # `((c,), (t,))` as Keras' single-input models take it
        if int(dataset.cardinality()) == 0:
            raise ValueError(
                f"The {name} is empty (cardinality 0): there is nothing to train on. A "
                "`batch(..., drop_remainder=True)` with fewer samples than a batch makes an empty dataset."
            )
        _check_one_batch(spec[0], f"{name} condition")
        _check_one_batch(spec[1], f"{name} target", "target")
        rows = [part.shape[0] if part.shape.rank else None for part in spec[:2]]
        if None not in rows and rows[0] != rows[1]:  # the step checks batch sizes the spec leaves unknown
            raise ValueError(
                f"The {name} yields batches of {rows[0]} conditions but {rows[1]} targets; each condition pairs "
                "with the target in its row: batch conditions and targets together (zip the datasets before "
                "`batch`)."
            )
        self.check_condition(spec[0], f"{name} condition")
        self.check_target(spec[1], f"{name} target")

    def _check_arrays(self, x, y, names, method, use=None):
        """Conditions `x` and targets `y` as arrays (Python lists converted), checked; `names` name them.

        `use` is what they are for (`"train"`, `"evaluate"`); defaults to what `method` does with them.
        """
        x_name, y_name = names
        refuse_symbolic(x, x_name, method)
        refuse_symbolic(y, y_name, method)
        if y is None:
            raise ValueError(f"`{method}(x, y)` needs targets `y` beside the conditions `x`.")
        x = self._as_batch(x, x_name)
        _check_one_batch(x, x_name)
        one, container = single(y), type(y).__name__  # `[y]` holds the targets; `[image]` with one condition: a batch
        wrapped = one is not y
        y = one if wrapped and len(one) == len(x) else y
        y = np.asarray(y) if isinstance(y, (list, tuple)) else y
        if len(x) == 0:
            raise ValueError(f"`{x_name}` holds no samples (shape {tuple(np.shape(x))}): there is nothing to train on.")
        if len(x) != len(y):
            held = f" (a {container} holding one array of {len(one)} row(s))" if wrapped else ""
            raise ValueError(
                f"`{x_name}` and `{y_name}` must hold as many samples; got {len(x)} conditions and {len(y)} "
                f"targets{held}."
            )
        if use is None:
            use = "train" if method in ("fit", "train_on_batch") else "evaluate"
        with self._checked_for(use):
            self.check_condition(x, x_name)
            self.check_target(y if hasattr(y, "dtype") else np.asarray(y), y_name)
        return x, y

    def _check_validation_data(self, kwargs):
        """`fit`'s `validation_data`, checked as the training data are, before training starts."""
        data = kwargs.get("validation_data")
        if data is None or batches_of_pairs(data):
            return
        if isinstance(data, tf.data.Dataset):
            self._check_dataset(data, "validation_data")
            return
        if isinstance(data, (tuple, list)) and len(data) == 3:
            raise ValueError(f"{SAMPLE_WEIGHT_MESSAGE} Received: validation_data as a 3-tuple.")
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            kind = f"a {len(data)}-tuple" if isinstance(data, (tuple, list)) else type(data).__name__
            raise ValueError(
                f"`validation_data` must be `(conditions, targets)` or a dataset of such pairs. Received: {kind}."
            )
        kwargs["validation_data"] = self._check_arrays(
            *data, ("validation_data[0]", "validation_data[1]"), "fit", use="evaluate"
        )

    @staticmethod
    def unpack(data):
        condition, target, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if target is None:
            raise ValueError(
                "A GAN trains on pairs: the dataset must yield `(condition, target)`."
            )
        if sample_weight is not None:
            raise ValueError(f"{SAMPLE_WEIGHT_MESSAGE} Received: sample_weight={sample_weight!r}")
        return single(condition), single(target)

    # ---------------------------- in the step: what a dataset leaves unknown

    def _shape_checked(self, condition, target=None, where=None):
        """`condition` and `target` (`None` in `predict`) once the step checked their per-sample sizes and rows.

        Sizes and row counts the static shapes state are checked as the step
        traces (no cost per step); the step asserts those they leave unknown
        (`from_generator`, `tf.py_function`), unless `compile(check_data=False)`.
        A tensor of one possible shape gets it (an unknown rank too), as the
        networks need it. `where` names a user's argument (a graph tensor
        given to `generate`): its failed assertion says what to do itself.
        """
        checking = getattr(self, "check_data", True)
        batch = {"conditions": condition} if target is None else {"conditions": condition, "targets": target}
        for what, shapes in self.sample_shapes().items():
            if what not in batch:
                continue
            tensor = batch[what]
            _check_one_batch(tensor, f"a batch's {what[:-1]}", what[:-1])  # from a Python generator
            static = tensor.shape
            expected = " or ".join(str(tuple(shape)) for shape in shapes)
            if static.rank is not None and static[1:].is_fully_defined():
                if any(fits_per_sample(tensor, shape) for shape in shapes):
                    continue  # checked when `fit` began, or `predict`'s batch as it traces
                raise _failed_check(_SHAPE_MARK + what, expected, " ".join(str(size) for size in static.as_list()))
            checks = []
            if checking:
                got = tf.shape(tensor)  # [rank], known at run time only
                ok = tf.reduce_any([self._fits_shape(got, shape) for shape in shapes])
                # int data: `Assert` needs no guard; `_data_error` writes the sizes as a tuple
                said = [] if where is None else [
                    f"{where}: {what} must have shape {expected} per sample, as the model takes them; the shape "
                    f"of this batch follows (batch first). Resize or reshape them."
                ]
                checks.append(tf.debugging.Assert(ok, said + [_SHAPE_MARK + what, expected, got], summarize=-1))
            with tf.control_dependencies(checks):
                batch[what] = (
                    tf.ensure_shape(tensor, (None, *shapes[0]), name=f"keras_cgan_{what}_shape")  # named for its error
                    if len(shapes) == 1 else tf.identity(tensor)
                )
        if target is None:
            return batch["conditions"], None
        condition, target = batch["conditions"], batch["targets"]
        rows = [t.shape[0] if t.shape.rank else None for t in (condition, target)]
        if None not in rows:
            if rows[0] != rows[1]:
                raise _failed_check(_ROWS_MARK, str(rows[0]), str(rows[1]))
        elif checking:  # e.g. a zip of two datasets batched without `drop_remainder`
            counts = [tf.shape(condition)[0], tf.shape(target)[0]]  # int data: `Assert` needs no guard
            with tf.control_dependencies([tf.debugging.Assert(counts[0] == counts[1], [_ROWS_MARK] + counts)]):
                condition, target = tf.identity(condition), tf.identity(target)
        return condition, target

    @staticmethod
    def _fits_shape(got, shape):
        """A bool tensor: the run-time shape `got` ([rank] int32) is `[batch, *shape]` (`None` fits any size)."""
        want = tf.constant([-1] + [-1 if size is None else size for size in shape], "int32")
        padded = tf.concat([got, tf.fill([len(shape) + 1], -2)], 0)[: len(shape) + 1]  # the first rank + 1 sizes
        return tf.logical_and(tf.size(got) == len(shape) + 1, tf.reduce_all((padded == want) | (want < 0)))

    def _batch_checks(self, condition, target):
        """In-graph asserts on this replica's batch (no host sync); the step's updates wait for them."""
        if not getattr(self, "check_data", True):
            return []
        checks = []
        for what, tensor in self.checked_samples(condition, target).items():
            if tensor is None:  # `predict`'s targets
                continue
            values = tf.cast(tensor, "float32")
            ok = tf.reduce_all(tf.abs(values) <= SAMPLE_LIMIT)  # one pass; False for NaN and inf

            def fail(values=values, ok=ok, what=what):
                # Only a bad batch pays for the numbers of the message.
                finite = tf.cast(tf.reduce_all(tf.math.is_finite(values)), "int32")
                numbers = [tf.strings.as_string(x) for x in (finite, tf.reduce_min(values), tf.reduce_max(values))]
                # String data: `Assert` adds no guard of its own.
                with tf.control_dependencies([tf.debugging.Assert(ok, [_CHECK_MARK + what] + numbers)]):
                    return tf.identity(ok)

            checks.append(tf.cond(ok, lambda ok=ok: tf.identity(ok), fail))
        return checks

    def _checked_batch(self, condition, target):
        """The batch (`_shape_checked` already; `target` `None` in `predict`) once its in-graph checks pass: values,
        then the condition's own.

        The prepared condition comes out of an op that waits for every check,
        so a step that depends on it neither updates a weight nor counts a
        step on a bad batch. (On several replicas, a replica whose own rows
        pass may still draw its seeds: no collective op waits for the others.)
        """
        with tf.control_dependencies(self._batch_checks(condition, target)):
            condition = self.prepare_condition(condition)  # a family's own asserts (class ids) gate its output
            return tf.nest.map_structure(tf.identity, condition), target

    # ------------------------------ a failed in-graph check as a clear error

    def _run_checked(self, run, position, source, method, training=True):
        """Runs `method` (`fit`, `evaluate`, `predict`...), turning a failed in-graph data check into a clear error."""
        try:
            return run()
        except tf.errors.InvalidArgumentError as error:
            clear = self._data_error(error, position, source, training, method)
            if clear is error:
                raise
            raise clear from error

    def _data_error(self, error, position, source, training=True, method="fit"):
        """The clear error for a failed in-graph data check (`error` itself for any other error).

        `method` names the method that ran (`"fit"`, `"evaluate"`, `"predict"`...); `training` whether it trains.
        """
        text = str(error)
        found = re.search(re.escape(_CHECK_MARK) + r"(\w+)\] \[(\d)\] \[([^\]]*)\] \[([^\]]*)\]", text)
        condition = re.search(re.escape(conditions_base.CHECK_MARK) + r"([^\]]*)\]", text)
        shape = re.search(re.escape(_SHAPE_MARK) + r"(\w+)\] \[([^\]]*)\] \[([^\]]*)\]", text)
        rows = re.search(re.escape(_ROWS_MARK) + r"\] \[(\d+)\] \[(\d+)\]", text)
        # `compile(check_data=False)` asserts nothing, but sets the shape of a tensor of one shape (`tf.ensure_shape`)
        node = re.search(r"keras_cgan_(conditions|targets)_shape", text)
        ensured = node and re.search(r"Shape of tensor \S+ \[([^\]]*)\] is not compatible with expected shape "
                                     r"\[([^\]]*)\]", text)
        if not (found or condition or shape or rows or ensured):
            return error
        at = "the first batch" if position.batch is None else f"batch {position.batch}"
        if position.where:
            at = position.where
        elif training:
            at = f"epoch {position.epoch + 1}, {at}"
        if method == "predict":
            stopped = "prediction stopped."
        elif not training:
            stopped = "evaluation stopped."
        else:  # every op of the step waits for the asserts; not for `tf.ensure_shape`, which may fail mid-step
            stopped = "training stopped." if ensured else "training stopped before this batch updated any weight."
        if ensured:
            got, expected = (
                tuple(None if size == "?" else int(size) for size in sizes.split(",")[1:]) for sizes in ensured.groups()
            )
            shape = (node.group(1), str(expected), got)
        elif shape:
            what, expected, sizes = shape.groups()  # sizes as `Assert` prints a shape: `4 10 8 1`, batch first
            shape = (what, expected, tuple(int(size) for size in sizes.split()[1:]))
        if shape:
            what, expected, got = shape
            # samples never batched: each lacks the first axis of a shape the model takes
            unbatched = any(tuple(want[1:]) == got for want in self.sample_shapes()[what] if len(want) == len(got) + 1)
            fix = (
                "Its elements look like single samples: batch the dataset (`dataset.batch(n)`)."
                if unbatched else f"Resize or reshape the {what} in the pipeline."
            )
            return ValueError(
                f"{source} {what} have shape {got} per sample at {at}, but the model takes {expected}; {stopped} "
                f"(`{method}` checks the shapes a dataset states before it starts; those that `from_generator` or "
                f"`tf.py_function` leave unknown, a Python generator's and a distributed dataset's, in the step.) {fix}"
            )
        if rows:
            conditions, targets = rows.groups()
            replicas = self.distribute_strategy.num_replicas_in_sync
            part = f" (on one of {replicas} replicas, each holding a part of the batch)" if replicas > 1 else ""
            return ValueError(
                f"{source} batch holds {conditions} conditions but {targets} targets{part} at {at}; {stopped} Each "
                "condition pairs with the target in its row: batch conditions and targets together (zip the "
                "datasets before `batch`, or yield as many of each)."
            )
        if not found:
            return ValueError(f"{source} conditions are not valid at {at}: {condition.group(1)}; {stopped}")
        what, finite, low, high = found.groups()
        if finite == "0":
            use = "generate" if method == "predict" else "train" if training else "evaluate"
            made = NAN_EFFECTS[use].split(":")[0].removeprefix("which ")  # "would make ... NaN"
            return NonFiniteDataError(
                f"{source} {what} hold NaN or inf at {at}; {stopped} NaN {what} {made}. Drop or "
                "repair the bad samples (`compile(check_data=False)` turns this check off)."
            )
        low, high = float(low), float(high)
        return ValueError(
            f"{source} {what} must be in [-1, 1] ({range_of(what)}); at {at} they hold values from "
            f"{low:g} to {high:g}; {stopped}{scaling_hint(low, high, self.sample_kind)}"
        )
