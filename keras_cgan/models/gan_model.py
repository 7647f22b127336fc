"""The training machinery every GAN family shares.

`GANModel` is a `keras.Model` that maps a condition to a sample. Families
subclass it and write two loss functions; this module owns everything else:
optimizers, the update (alternating or simultaneous), replica scaling, noise,
metrics and serialization. The input checks are in `input_checks`.

A family implements:

* `discriminator_objective(condition, target, fake, training)` returning
  `(loss, parts)`, where `fake` is the generator's output for `condition`;
* `generator_objective(condition, target, fake, training)` returning
  `(loss, parts)`;
* `loss_names`, a class attribute: `"d_loss"`, `"g_loss"` and the name of
  every part the objectives return (each is logged);
* optionally `check_condition(...)` / `check_target(...)` to validate input,
  `checked_samples(...)` to name the batch tensors the step checks for
  finite values in `[-1, 1]` (targets always; image or waveform conditions),
  and `sample_shapes()`, the per-sample shapes the step checks where a
  dataset leaves them unknown (targets always; conditions per family);
* optionally `objectives(condition, target, fake, training)`, both losses at
  once, to share work between them in the simultaneous update.

Losses are means over the replica's rows. The machinery weights each by the
replica's share of the global batch before differentiating, because Keras
optimizers sum gradients over replicas; so N replicas (even, uneven, or one
left empty by a short last batch) make the update of one device, and the
logged values are the true global batch means.
"""

import collections
import contextlib
import copy
import functools
import inspect
import os
import threading
import types
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_cgan import checks, distribute
from keras_cgan import losses as losses_lib
from keras_cgan.callbacks import steps_per_execution
from keras_cgan.models.input_checks import (
    DATASETS, InputChecks, Position, batches_of_pairs, refuse_symbolic, symbolic,
)

UPDATES = ("alternating", "simultaneous")
STEP_KINDS = ("train", "test", "predict")

_SQUASHING = ("sigmoid", "softmax", "log_softmax")
_SHAPE_ONLY = (keras.layers.Reshape, keras.layers.Flatten, keras.layers.Permute)


def _squashed_outputs(network):
    """`[(layer name, activation)]` of the network's outputs that end in a sigmoid or softmax.

    Follows an output back through shape-only layers (`Reshape`, `Flatten`,
    `Permute`) and into nested models and wrappers (`SpectralNormalization`).
    """
    found = []
    for output in getattr(network, "outputs", None) or []:
        tensor = output
        for _ in range(32):
            history = getattr(tensor, "_keras_history", None)
            if history is None:
                break
            layer = history.operation
            if isinstance(layer, keras.Model) and getattr(layer, "outputs", None):
                found += _squashed_outputs(layer)
                break
            if isinstance(layer, keras.layers.Softmax):
                found.append((layer.name, "softmax"))
                break
            inner = getattr(layer, "layer", None)
            activation = getattr(layer, "activation", None) or getattr(inner, "activation", None)
            if getattr(activation, "__name__", None) in _SQUASHING:
                found.append((layer.name, activation.__name__))
                break
            if not isinstance(layer, _SHAPE_ONLY):
                break
            tensor = layer._inbound_nodes[history.node_index].input_tensors[0]
    return found



def _through_call(generate):
    """`generate` (the model's, or a subclass's own) that hands a `keras.Input` to the model's call first.

    The call makes the functional node and runs `self.generate` on the batch
    it prepared, so a subclass's work runs once, inside the node: reached
    through `super().generate(...)`, the node's output got it again.
    """
    signature = inspect.signature(generate)
    if len(signature.parameters) < 2:  # no condition to look at
        return generate
    first = list(signature.parameters.values())[1]  # after `self`: the condition, whatever its name (`labels`...)

    @functools.wraps(generate)
    def generate_or_call(self, *args, **kwargs):
        try:
            given = dict(list(signature.bind(self, *args, **kwargs).arguments.items())[1:])
        except TypeError:  # arguments `generate` does not take: its own error
            return generate(self, *args, **kwargs)
        for name in [n for n in given if signature.parameters[n].kind is inspect.Parameter.VAR_KEYWORD]:
            given.update(given.pop(name))  # the arguments given after the condition, a `**kwargs`' own included
        condition = given.pop(first.name, None)
        if first.kind is inspect.Parameter.VAR_POSITIONAL:  # `generate(self, *args, **kwargs)`, passed on as they came:
            condition, rest = (condition[0], condition[1:]) if condition else (given.pop("condition", None), ())
            given.update(zip(("noise", "training"), rest))  # the order of `GANModel.generate`
            given.update({f"{first.name}[{i}]": value for i, value in enumerate(rest[2:], start=3)})
        if condition is None or self._prepared(condition) or not self._symbolic(condition):
            return generate(self, *args, **kwargs)
        noise, training = given.pop("noise", None), given.pop("training", False)
        if given:  # the node runs `self.generate(condition, noise=..., training=...)`: these would be dropped
            raise ValueError(
                f"`{type(self).__name__}.generate` on a `keras.Input` makes its node through the model's call, "
                f"which passes on `noise` and `training` only: {', '.join(map(repr, given))} would not reach it. "
                "Set those as attributes of the model, or call `generate` on tensors."
            )
        return self(condition, noise=noise, training=training)

    return generate_or_call


def _user_callbacks(callbacks):
    """The user's `callbacks` as a list (a `keras.callbacks.CallbackList` unpacked), to add the library's to."""
    if isinstance(callbacks, keras.callbacks.CallbackList):
        return list(callbacks.callbacks)  # Keras rebuilds the list, keeping its History and ProgbarLogger
    return list(callbacks or [])


class _StepBar(keras.callbacks.ProgbarLogger):
    """Keras' progress bar, never past its target, counting the steps that ran.

    Keras reports an execution's last step (`begin + steps_per_execution - 1`)
    also when the data ended within it: 14 batches at 8 steps per execution
    showed 16/14, and data of unknown size (a `filter`ed dataset) showed 16
    steps where 14 ran, a count Keras then kept as every later epoch's
    target. Where the size is unknown the bar reads the steps that ran from
    the model (`GANModel._steps_run`) instead, and learns the count after the
    first epoch, as Keras does.
    """

    _kind, _start = None, 0

    def _begin(self, kind):
        self._kind = kind if self.target is None and steps_per_execution(self.model) > 1 else None
        if self._kind:
            self._start = self.model._steps_run(kind)

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self._begin("train")

    def on_test_begin(self, logs=None):
        super().on_test_begin(logs)
        if not self._called_in_fit:  # `fit`'s validation is silent
            self._begin("test")

    def on_predict_begin(self, logs=None):
        super().on_predict_begin(logs)
        self._begin("predict")

    def _update_progbar(self, batch, logs=None):
        if self.target is not None:
            batch = min(batch, self.target - 1)
        elif self._kind:
            batch = self.model._steps_run(self._kind) - self._start - 1
        super()._update_progbar(batch, logs)


def _with_step_bar(callbacks, verbose):
    """`callbacks` and a `_StepBar` where Keras would add its own progress bar (`verbose` not 0, none given)."""
    if verbose == 0 or any(isinstance(c, keras.callbacks.ProgbarLogger) for c in callbacks):
        return callbacks
    return callbacks + [_StepBar()]


def _multi_worker():
    extended = tf.distribute.get_strategy().extended
    return isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy) and bool(
        getattr(extended, "_in_multi_worker_mode", lambda: False)()
    )


def batch_norm_layers(network):
    """The trainable `BatchNormalization` layers of `network`, nested models included.

    A frozen one (`trainable=False`) normalizes with its moving statistics, so
    it does not mix the samples of a call.
    """
    return [
        layer for layer in network._flatten_layers(include_self=False, recursive=True)
        if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable
    ]


def _nonfinite_anywhere(grads):
    """A bool tensor, the same on every replica: some replica has a non-finite gradient (any group's).

    Also on one device: each `LossScaleOptimizer` checks only its own group, and
    groups that share one loss scale must skip together.
    """
    present = [g for g in grads if g is not None]
    if not present:
        return None
    local = tf.logical_not(tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in present]))
    return distribute.all_replicas_any(local)


def _clipped_across_replicas(optimizer, grads):
    """`grads` clipped as `optimizer` says (`clipnorm`, `global_clipnorm`,
    `clipvalue`), measured on the global batch's gradient.

    Keras clips each replica's gradient before it sums them, but a replica
    holds only its rows' part of the global gradient: with a norm limit of 1,
    two replicas could step twice as far, in another direction, as one
    device. Here the replicas' parts are summed first, clipped in Keras'
    order, and each replica gets an equal share of the result; Keras' own
    clipping of a share is then a no-op and its sum gives the clipped
    gradient. Unchanged on one replica or without a limit.
    """
    ctx, _, replicas = distribute._replica_context()
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    limits = [(kind, getattr(inner, kind, None)) for kind in ("clipnorm", "global_clipnorm", "clipvalue")]
    limits = [(kind, limit) for kind, limit in limits if limit and limit > 0]
    if ctx is None or not limits:
        return grads
    if inner.gradient_accumulation_steps:
        raise ValueError(
            f"The optimizer {inner.name!r} clips ({limits[0][0]}={limits[0][1]}) and accumulates gradients "
            f"(gradient_accumulation_steps={inner.gradient_accumulation_steps}): on {replicas} replicas the "
            "clip would apply to each micro-batch, not to their mean. Use one or the other."
        )
    kind, limit = limits[0]
    # The gradients are still scaled: by the loss scale, or the optimizer's fixed factor.
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        limit = limit * tf.cast(optimizer.dynamic_scale, "float32")
    elif inner.loss_scale_factor:
        limit = limit * inner.loss_scale_factor
    present = [i for i, g in enumerate(grads) if g is not None]
    summed = ctx.all_reduce("SUM", [grads[i] for i in present])
    if kind == "clipnorm":
        factors = [tf.minimum(1.0, limit / tf.maximum(tf.norm(_values(g)), 1e-30)) for g in summed]
        clipped = [_scaled(g, f) for g, f in zip(summed, factors)]
    elif kind == "global_clipnorm":
        norm = tf.linalg.global_norm([_values(g) for g in summed])
        clipped = [_scaled(g, tf.minimum(1.0, limit / norm)) for g in summed]
    else:
        clipped = [_mapped(g, lambda v: tf.clip_by_value(v, -tf.cast(limit, v.dtype), tf.cast(limit, v.dtype)))
                   for g in summed]
    grads = list(grads)
    for i, g in zip(present, clipped):
        grads[i] = _scaled(g, 1.0 / replicas)
    return grads


def _values(grad):
    return grad.values if isinstance(grad, tf.IndexedSlices) else grad


def _mapped(grad, fn):
    """`fn` applied to a gradient's values, keeping `IndexedSlices` sparse."""
    if isinstance(grad, tf.IndexedSlices):
        return tf.IndexedSlices(fn(grad.values), grad.indices, grad.dense_shape)
    return fn(grad)


def _scaled(grad, factor):
    return _mapped(grad, lambda v: v * tf.cast(factor, v.dtype))


def _poisoned(grads, bad):
    """Makes one gradient NaN where `bad`: a `LossScaleOptimizer` then skips the
    step and lowers its scale on every replica alike (it decides from its own
    replica's gradients, before they are summed)."""
    grads = list(grads)
    for i, g in enumerate(grads):
        if g is not None:
            grads[i] = g + tf.where(bad, tf.constant(float("nan"), g.dtype), tf.constant(0, g.dtype))
            break
    return grads


# Where a replica's rows sit in the global batch of `total` rows: it holds
# `count` real rows, from global row `offset` on, and computes rows from
# global row `first` on. An empty replica (an uneven last batch) computes a
# copy of global row 0 (`first=0`, `count=0`) with weight 0.
_Rows = collections.namedtuple("_Rows", ["first", "total", "count", "offset"])


class _StepState(threading.local):
    """Per-step values a step shares with the draws it makes while it traces.

    Thread-local: `MirroredStrategy` traces each replica's step in a thread of its own.
    """

    rows = None  # a `_Rows` while a step traces
    own = 0  # > 0 while the model runs on a batch it prepared itself (`call`, a family's loop)


class GANModel(InputChecks, keras.Model):
    """A conditional GAN as a `keras.Model`: `condition -> sample`.

    Args:
        generator: `keras.Model`. Inputs `[noise, condition]` (or `condition`
            alone for families without noise); output a sample.
        discriminator: `keras.Model`. Scores samples; the family decides its
            inputs.
        adversarial_weight: float. Weight of the adversarial term in the
            generator loss; `0` trains the supervised baseline only (families
            with a supervised term). Defaults to `1.0`.
        seed: int or None. Seed of the noise and of every random choice made
            in a training step. Defaults to `None`.
        ema_decay: float in `[0, 1)` or None. Keeps an exponential moving
            average of the generator's weights, updated after every step
            (`ema = decay * ema + (1 - decay) * weights`, bias-corrected as
            Adam's moments are, over the generator optimizer's steps: the
            random initial weights carry no weight, a StackGAN stage's count
            starts when it is added, and a new `compile()` starts the
            average afresh). The averages are
            model weights, so `.keras` files, `BackupAndRestore` and
            `ModelCheckpoint` carry them; sample with
            `with model.ema_weights(): ...` and export `model.ema_generator()`.
            Defaults to `None` (no average).
    """

    # Names of the logged values; a family lists its parts here.
    loss_names = ("d_loss", "g_loss")
    # Whether D scores real and generated samples in one batched call (Pix2Pix splits it under batch norm).
    scores_in_one_call = True
    _discriminator_argument = "discriminator"  # the constructor argument that holds `self.discriminator`
    varied_per_condition = False  # True where one condition has many right samples (CollapseMonitor checks it)

    def __init_subclass__(cls, **kwargs):
        """A subclass's own `generate` gives a `keras.Input` to the model's call first (`_through_call`)."""
        super().__init_subclass__(**kwargs)
        if "generate" in vars(cls):
            cls.generate = _through_call(vars(cls)["generate"])

    def __init__(self, generator, discriminator, adversarial_weight=1.0, seed=None, ema_decay=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(generator, keras.Model):
            raise ValueError(f"`generator` must be a keras.Model. Received: {type(generator)}")
        if not isinstance(discriminator, keras.Model):
            raise ValueError(
                f"`discriminator` must be a keras.Model. Received: {type(discriminator)}"
            )
        self.generator = generator
        self.discriminator = discriminator
        self._warn_batch_norm(discriminator, self._discriminator_argument)
        self.adversarial_weight = checks.number("adversarial_weight", adversarial_weight)
        self.seed = checks.integer("seed", seed, low=-(2**63), high=2**63 - 1, optional=True)
        # The seed state is a weight (unlike a keras.random.SeedGenerator's), so
        # checkpoints carry it and a resumed run draws the noise it would have.
        initial = self.seed if self.seed is not None else int(np.random.randint(1, 2**31 - 1))
        self.seed_state = self.add_weight(
            shape=(2,),
            initializer=lambda shape, dtype: tf.constant([initial, 0], dtype),
            dtype="int64",
            trainable=False,
            name="seed_state",
        )
        self.ema_decay = checks.number("ema_decay", ema_decay, high=1.0, high_open=True, optional=True)
        self.ema_variables = []
        if self.ema_decay is not None:
            for i, weight in enumerate(self._ema_sources()):
                self.ema_variables.append(
                    self.add_weight(
                        shape=tuple(weight.shape),
                        initializer=lambda shape, dtype, w=weight: tf.identity(w),
                        dtype=weight.dtype,
                        trainable=False,
                        aggregation="only_first_replica",  # replicas hold equal weights
                        name=f"ema_{i}",
                    )
                )
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names + ("d_reg", "g_reg")}
        # The train, test and predict steps run so far (`_steps_run`). Not a weight: no file or checkpoint holds it.
        self._step_counts = types.SimpleNamespace(variable=tf.Variable(
            tf.zeros([len(STEP_KINDS)], "int64"), trainable=False, name="steps_run",
            aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
        ))
        self._step = _StepState()
        self.built = True  # both networks are built models.

    # ------------------------------------------------------------------ noise

    @property
    def noise_shape(self):
        """Shape of one noise vector, or `None` if the generator takes none."""
        if len(self.generator.inputs) < 2:
            return None
        return tuple(self.generator.inputs[0].shape[1:])

    def _rows(self, batch_size):
        """This replica's place in the global batch: the step's, or computed for `batch_size`."""
        if self._step.rows is not None:
            return self._step.rows
        offset, total = distribute.batch_position(batch_size)
        return _Rows(first=offset, total=total, count=batch_size, offset=offset)

    def replica_draw(self, sampler, batch_size, shape=(), **kwargs):
        """Draws random values for this replica's rows of the global batch.

        Every replica draws the values of the whole global batch from the same
        seed and keeps the rows at its true position in it (replicas may hold
        different numbers of rows), so N replicas see exactly what one device
        would.

        Args:
            sampler: `tf.random.stateless_*` function taking `(shape, seed)`
                plus keyword arguments.
            batch_size: int tensor. The local (per-replica) batch size.
            shape: tuple. Shape of one sample's values.
            **kwargs: passed to `sampler` (`dtype`, `minval`, ...).
        """
        rows = self._rows(batch_size)
        full = sampler((rows.total,) + tuple(shape), seed=self.next_seed(), **kwargs)
        return full[rows.first : rows.first + batch_size]

    def across_batch(self, function, tensor):
        """Applies `function` to the global batch of `tensor`; returns this replica's rows.

        For batch-wide choices, such as pairing each sample with another
        sample's condition: the partner comes from the global batch, as on one
        device. `replica_draw` calls inside `function` draw for the global batch.
        """
        local = tf.shape(tensor)[0]
        rows = self._rows(local)
        everything = distribute.gather_batch(tensor[: rows.count], rows.offset, rows.total)
        saved = self._step.rows
        self._step.rows = _Rows(first=0, total=rows.total, count=rows.total, offset=0)
        try:
            result = function(everything)
        finally:
            self._step.rows = saved
        return tf.nest.map_structure(lambda t: t[rows.first : rows.first + local], result)

    def next_seed(self):
        """Returns the current `[2]` seed and advances the state."""
        seed = self.seed_state.value * 1  # a copy, read before the update
        self.seed_state.assign_add(tf.constant([0, 1], "int64"))
        return seed

    def sample_noise(self, batch_size):
        """Standard normal noise `[batch_size, *noise_shape]`, drawn for the global batch by position."""
        return self.replica_draw(tf.random.stateless_normal, batch_size, self.noise_shape)

    @_through_call  # a `keras.Input`: the model's call makes its node in a functional model
    def generate(self, condition, noise=None, training=False):
        """The generator's output for a batch `condition`.

        A user's conditions, Python numbers and lists, arrays and tensors
        alike, are checked and prepared as `predict` and the model's call,
        `gan(condition, noise=...)`, take them. Within a step or the model's
        call the batch is the one the model prepared, taken as it is. A
        subclass may override it and call `super().generate(...)`: its own
        work then runs once in `generate` (on a `keras.Input` too, whose
        node the model's call makes), the model's call and `predict`.
        """
        if not self._prepared(condition):
            # Prepared here, not by the model's call: that runs `self.generate`, which may be a subclass's
            # whose `super().generate(...)` led here (its own work would then be done twice).
            condition, noise = self._user_batch(condition, noise)
        if self.noise_shape is None:
            return self.generator(condition, training=training)
        if noise is None:
            noise = self.sample_noise(tf.shape(tf.nest.flatten(condition)[0])[0])
        return self.generator([noise, condition], training=training)

    def _user_batch(self, condition, noise=None):
        """A user's `condition` and `noise` checked, converted and prepared as the model's call takes them."""
        condition = self._condition_batch(condition, "condition")
        noise = None if noise is None else self._noise_batch(noise, condition)
        def convert(x):  # as Keras' `__call__` converts its inputs
            return self.dtype_policy.convert_input(x, self.autocast, self.input_dtype)

        condition = self.prepare_condition(tf.nest.map_structure(convert, condition))
        return condition, None if noise is None else convert(noise)

    _symbolic = staticmethod(symbolic)  # whether a condition is a `keras.Input`, which only the model's call takes

    def _prepared(self, condition):
        """Whether `condition` is a batch the model prepared: within a step or `_own_batch()`, not a user's."""
        return self._step.rows is not None or self._step.own > 0

    @contextlib.contextmanager
    def _own_batch(self):
        """Context in which `generate` takes its conditions as prepared (the model's call, a family's loop)."""
        self._step.own += 1
        try:
            yield
        finally:
            self._step.own -= 1

    def call(self, condition, training=False, noise=None):
        condition = self.prepare_condition(condition)
        with self._own_batch():
            return self.generate(condition, noise=noise, training=training)

    def prepare_condition(self, condition):
        """Casts and checks a batch of conditions once per step; families override."""
        return condition

    # ------------------------------------------------------------------- EMA

    def _ema_sources(self):
        """The generator weights the average follows (floating point, batch-norm statistics included)."""
        return [w for w in self.generator.weights if "float" in str(w.dtype)]

    def _ema_steps(self):
        """The step count of each `_ema_sources()` weight's average: its optimizer's updates so far."""
        return [self.generator_optimizer.iterations] * len(self.ema_variables)

    def reset_ema(self):
        """Sets the weight average (`ema_decay`) to the generator's current weights."""
        for average, weight in zip(self.ema_variables, self._ema_sources()):
            average.assign(weight)

    def _update_ema(self):
        # The bias-corrected average, updated in place: at step t the decay is
        # (d - d^t) / (1 - d^t), so the first step replaces the random initial
        # weights (at a fixed 0.999, 5% of them would remain after 3,000 steps).
        decay, corrected = tf.constant(self.ema_decay, "float32"), {}
        for average, weight, steps in zip(self.ema_variables, self._ema_sources(), self._ema_steps()):
            if id(steps) not in corrected:  # once per optimizer
                step = tf.maximum(tf.cast(steps, "float32"), 1.0)
                corrected[id(steps)] = (decay - decay**step) / (1.0 - decay**step)
            d = tf.cast(corrected[id(steps)], average.dtype)
            average.assign(d * average + (1.0 - d) * tf.cast(weight, average.dtype))

    def _require_ema(self):
        if not self.ema_variables:
            raise ValueError(
                f"This {type(self).__name__} keeps no weight average: build it with `ema_decay=` "
                "(e.g. 0.999) to sample or export the averaged generator."
            )

    @contextlib.contextmanager
    def ema_weights(self):
        """Context in which the generator holds the averaged weights (`ema_decay`).

        Example:

        >>> with gan.ema_weights():  # doctest: +SKIP
        ...     samples = gan.predict(conditions)
        """
        self._require_ema()
        sources = self._ema_sources()
        kept = [np.asarray(w) for w in sources]
        for weight, average in zip(sources, self.ema_variables):
            weight.assign(average)
        try:
            yield self
        finally:
            for weight, value in zip(sources, kept):
                weight.assign(value)

    def sampling_weights(self):
        """Context in which the generator holds the weights to sample with.

        The averaged weights when the model keeps an average (`ema_decay`),
        else the trained ones as they are.

        Example:

        >>> with gan.sampling_weights():  # doctest: +SKIP
        ...     samples = gan.predict(conditions)
        """
        return self.ema_weights() if self.ema_variables else contextlib.nullcontext(self)

    def sampling_generator(self):
        """The generator `predict` samples with, as a model to save or export (here `self.generator`)."""
        return self.generator

    def ema_generator(self):
        """A copy of `sampling_generator()` holding the averaged weights, for saving and export."""
        with self.ema_weights():
            generator = self.sampling_generator()
            clone = generator.__class__.from_config(generator.get_config())
            clone.set_weights([np.asarray(w) for w in generator.weights])
        return clone

    # --------------------------------------------------------------- compile

    def compile(
        self,
        generator_optimizer="adam",
        discriminator_optimizer="adam",
        adversarial_loss="bce",
        gradient_penalty_weight=10.0,
        r1_weight=0.0,
        update="alternating",
        check_data=True,
        **kwargs,
    ):
        """Configures both optimizers, the adversarial loss and the update order.

        Args:
            generator_optimizer: optimizer, its name or its config. A string
                or config makes a fresh optimizer; `None` or `"adam"` is
                `Adam(2e-4, beta_1=0.5)`. Defaults to `"adam"`.
            discriminator_optimizer: the same for the discriminator.
            adversarial_loss: one of `"bce"`, `"hinge"`, `"lsgan"`,
                `"wgan-gp"`. Defaults to `"bce"`.
            gradient_penalty_weight: float. Weight of the WGAN-GP penalty, used
                with `"wgan-gp"` only. Defaults to `10.0`.
            r1_weight: float. Weight of the R1 penalty on real samples; `0`
                turns it off. Defaults to `0.0`.
            update: `"alternating"` or `"simultaneous"`. Alternating (the
                PyTorch pix2pix and DCGAN references) updates D, then scores
                the generator with the updated D: one more D pass on the fake
                batch. Simultaneous (the TensorFlow tutorials) takes both
                gradients from one forward pass, so G is scored by the D of
                before the step, and `objectives` may share D's pass over the
                fake batch between the two losses. Defaults to `"alternating"`.
            check_data: bool. Checks every batch in the step (in-graph, no
                host sync): targets, and image or waveform conditions, must be
                finite and in `[-1, 1]`, and, where the dataset leaves the
                sizes unknown, of the model's shapes and as many conditions as
                targets. A bad batch stops `fit` with an error naming the epoch
                and batch before it updates any weight. `False` gives these up
                for speed: sizes a dataset states are still checked before
                `fit` starts, and a wrong size of a tensor of one possible
                shape is still named (but the failed step may have updated
                some weights), while wrong values train on, and conditions that
                may take several shapes (class ids as `[batch]` or
                `[batch, 1]`) or unequal row counts meet TensorFlow's own error.
                Defaults to `True`.
            **kwargs: passed to `keras.Model.compile` (e.g.
                `steps_per_execution`; `jit_compile` with `check_data=False`
                only, as XLA drops the checks' assertions). `optimizer`, `loss`,
                `loss_weights`, `metrics` and `weighted_metrics` are not used by
                GANs (empty ones, `[]` or `{}`, are taken as none).
        """
        for unused in ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"):
            value = kwargs.pop(unused, None)
            if value is not None and not (isinstance(value, (list, tuple, dict)) and not value):  # `[]`: none
                raise ValueError(
                    f"`{unused}` is not used by a GAN; pass `generator_optimizer`, "
                    f"`discriminator_optimizer` and `adversarial_loss` instead."
                )
        if update not in UPDATES:
            raise ValueError(f"`update` must be one of {UPDATES}. Received: update={update!r}")
        shared = generator_optimizer is discriminator_optimizer
        if shared and isinstance(generator_optimizer, keras.optimizers.Optimizer):
            raise ValueError(
                "`generator_optimizer` and `discriminator_optimizer` are the same optimizer object "
                f"({type(generator_optimizer).__name__} {generator_optimizer.name!r}); each network needs "
                "its own (its own slots and step count). Pass two optimizers, or a name such as \"adam\"."
            )
        self._check_logits(adversarial_loss)
        # Every argument is checked before any is applied: a failed re-compile leaves the model as it was.
        loss = losses_lib.get(adversarial_loss)
        if losses_lib.get(loss.name) != loss:  # the model keeps (and saves) the loss by its name
            raise ValueError(
                f"`adversarial_loss` must be one of {losses_lib.ADVERSARIAL_LOSSES}, by name or as the library's "
                f"own; another AdversarialLoss under a listed name would be replaced by it. Received: {loss}"
            )
        loss_name = loss.name
        gradient_penalty_weight = checks.number("gradient_penalty_weight", gradient_penalty_weight)
        r1_weight = checks.number("r1_weight", r1_weight)
        check_data = checks.flag("check_data", check_data)
        if "steps_per_execution" in kwargs:  # Keras took 0 (no step trained) and "8"
            kwargs["steps_per_execution"] = checks.integer("steps_per_execution", kwargs["steps_per_execution"], low=1)
        if kwargs.get("run_eagerly") is not None:
            kwargs["run_eagerly"] = checks.flag("run_eagerly", kwargs["run_eagerly"])
        if kwargs.get("jit_compile") is None or (check_data and kwargs["jit_compile"] == "auto"):
            # Off by default (XLA was slower on CPU; fails under Mirrored); Keras' "auto" would pick it on a
            # GPU, where the data checks cannot run.
            kwargs["jit_compile"] = False
        if check_data and kwargs["jit_compile"] is not False:
            raise ValueError(
                "`jit_compile`: XLA compiles no assertion, so the step's data checks (`check_data=True`) cannot "
                "run under it; pass `check_data=False` with it (and check the data before `fit`), or leave "
                f"`jit_compile` off (the default: XLA was slower on CPU). Received: jit_compile={kwargs['jit_compile']!r}"
            )
        strategy = self.distribute_strategy
        stray = [w.path for w in self.weights if not strategy.extended.variable_created_in_scope(w.value)]
        if stray:  # the optimizers' slots could not sit beside them: a TensorFlow error about `colocate_vars_with`
            if not tf.distribute.has_strategy() and strategy is tf.distribute.get_strategy():
                raise ValueError(  # the model outside the scope its networks were built in
                    f"This {type(self).__name__} was made outside the strategy scope its networks were built in "
                    f"({stray[0]}, ...): make the model, and compile it, inside that `with strategy.scope():`."
                )
            raise ValueError(
                f"Weights of this model ({stray[0]}, ...) were made outside the {type(strategy).__name__}'s scope "
                "it is compiled in: build the networks, make the model and compile it, all inside one "
                "`with strategy.scope():`."
            )
        with strategy.scope():
            optimizers = [
                self._fresh_optimizer(identifier, name)
                for name, identifier in (("generator_optimizer", generator_optimizer),
                                         ("discriminator_optimizer", discriminator_optimizer))
            ]
        super().compile(optimizer=None, **kwargs)
        self.adversarial_loss = loss_name
        self.gradient_penalty_weight = gradient_penalty_weight
        self.r1_weight = r1_weight
        self.update = update
        self.check_data = check_data
        with self.distribute_strategy.scope():
            self.generator_optimizer, self.discriminator_optimizer = optimizers
            if self._uses_float16():
                # Keras' auto_scale_loss wraps only `self.optimizer`: wrap both.
                self.generator_optimizer = self._loss_scaled(self.generator_optimizer)
                self.discriminator_optimizer = self._loss_scaled(self.discriminator_optimizer)
            self._build_optimizers()

    def scoring_networks(self):
        """Every discriminator the model trains, at any stage (their outputs must be logits)."""
        return [self.discriminator]

    def _check_logits(self, adversarial_loss):
        for network in self.scoring_networks():
            for layer, activation in _squashed_outputs(network):
                raise ValueError(
                    f"The discriminator {network.name!r} ends in a {activation} (layer {layer!r}), but "
                    f"adversarial_loss={adversarial_loss!r}, like every keras-cgan loss, takes raw scores "
                    "(logits) and applies the sigmoid itself: squashed scores train nothing useful. "
                    "Remove the final activation (e.g. `Dense(1)`)."
                )

    def _build_optimizers(self):
        """Builds both optimizers on their variables; families with several networks per role override."""
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    def _uses_float16(self):
        """Whether a layer computes in float16 (nested ones too).

        Input layers and models do not count: they take the global policy
        (their own is not saved), so a float32 GAN loaded under
        `mixed_float16` would get loss-scaled optimizers, into which its
        saved optimizer state no longer loads.
        """
        return any(
            getattr(layer, "compute_dtype", None) == "float16"
            for network in (self.generator, self.discriminator)
            for layer in network._flatten_layers(include_self=False, recursive=True)
            if not isinstance(layer, (keras.layers.InputLayer, keras.Model))
        )

    @staticmethod
    def _loss_scaled(optimizer):
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return optimizer
        return keras.optimizers.LossScaleOptimizer(optimizer)

    @staticmethod
    def _fresh_optimizer(identifier, name="optimizer"):
        if isinstance(identifier, keras.optimizers.Optimizer):
            return identifier
        identifier = "adam" if identifier is None else identifier  # None: the default, as in every family
        if isinstance(identifier, str):
            # DCGAN's Adam settings are the right default for GANs.
            if identifier.lower() == "adam":
                return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
        try:
            return keras.optimizers.get(identifier)
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"`{name}` must be a Keras optimizer, its name (e.g. \"adam\") or its config. "
                f"Received: {name}={identifier!r} ({error})"
            ) from error

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        return {
            "generator_optimizer": keras.optimizers.serialize(self.generator_optimizer),
            "discriminator_optimizer": keras.optimizers.serialize(self.discriminator_optimizer),
            "adversarial_loss": self.adversarial_loss,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "r1_weight": self.r1_weight,
            "update": self.update,
            "check_data": self.check_data,
            "jit_compile": bool(self.jit_compile),
            "steps_per_execution": int(self.steps_per_execution),
            "run_eagerly": bool(self.run_eagerly),
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer"):
            config[key] = keras.optimizers.deserialize(config[key])
        if config.get("jit_compile") and config.get("check_data", True):
            warnings.warn(  # saved before `compile` refused the pair; its steps failed on any data
                "The saved compile config asks for jit_compile=True with check_data=True, which cannot train; "
                "loaded with jit_compile=False.", stacklevel=checks.user_stacklevel(),  # `load_model`, not Keras
            )
            config["jit_compile"] = False
        self.compile(**config)

    # ------------------------------------------------------------ the update

    @property
    def metrics(self):
        return list(self.trackers.values())

    def _adversarial(self):
        return losses_lib.get(self.adversarial_loss)

    def discriminator_objective(self, condition, target, fake, training):
        """The discriminator's loss, `(loss, {part: per-example values})`; each family defines it."""
        raise NotImplementedError

    def discriminator_penalty(self, critics, target, fake):
        """The compiled gradient penalties (WGAN-GP, R1) summed over `critics`, or `None`.

        Args:
            critics: callable or list of callables, each mapping a batch of
                samples to one score per sample (the condition already bound).
            target: real samples `[B, ...]`.
            fake: generated samples, same shape.
        """
        critics = list(critics) if isinstance(critics, (list, tuple)) else [critics]
        optimizer = getattr(self, "discriminator_optimizer", None)
        scale = 1.0
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            scale = tf.cast(optimizer.dynamic_scale, "float32")
        penalty = None
        if self._adversarial().needs_gradient_penalty and self.gradient_penalty_weight > 0:
            alpha = self.replica_draw(tf.random.stateless_uniform, tf.shape(target)[0])
            for critic in critics:
                term = self.gradient_penalty_weight * losses_lib.gradient_penalty(critic, target, fake, alpha, scale)
                penalty = term if penalty is None else penalty + term
        if self.r1_weight > 0:
            for critic in critics:
                term = self.r1_weight * losses_lib.r1_penalty(critic, target, scale)
                penalty = term if penalty is None else penalty + term
        return penalty

    def warmed_up(self, weight, steps):
        """`weight` times `min(1, generator steps taken / steps)`: a term that rises from 0.

        `steps=0`, or a model not yet compiled, gives `weight` itself.
        """
        if not steps or not hasattr(self, "generator_optimizer"):
            return weight
        progress = tf.cast(self.generator_optimizer.iterations, "float32") / float(steps)
        return weight * tf.minimum(progress, 1.0)

    def balanced_weight(self, reconstruction, adversarial, sample):
        """`||d reconstruction / d sample|| / ||d adversarial / d sample||` over the global batch.

        The adaptive adversarial weight of VQGAN (Esser et al. 2021), taken at
        the generated sample rather than the generator's last layer: scaled by
        it, the adversarial gradient reaching the generator has the norm of
        the reconstruction gradient, whatever the discriminator's confidence.
        `reconstruction` and `adversarial` map a sample (detached here) to a
        replica's mean loss. The gradients are gathered into the global batch
        before the norms are taken, so every replica gets the weight of one
        device. Not differentiated through; at most 1e4.
        """
        sample = tf.cast(tf.stop_gradient(sample), "float32")
        rows = self._step.rows  # None outside a step: one device, the whole batch
        share = 1.0 if rows is None else tf.cast(rows.count, "float32") / tf.cast(tf.maximum(rows.total, 1), "float32")
        scale = self.generator_optimizer.scale_loss  # float16: keep small gradients above underflow
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(sample)
            losses = [scale(tf.cast(loss(sample), "float32") * share) for loss in (reconstruction, adversarial)]
        norms = []
        for loss in losses:
            grad = tf.cast(tape.gradient(loss, sample), "float32")
            if rows is not None:
                # An empty replica's copy of row 0 adds its gradient (batch norm) to row 0's.
                grad = distribute.gather_batch(grad, rows.first, rows.total)
            norms.append(tf.norm(grad))
        del tape
        return tf.stop_gradient(tf.minimum(norms[0] / (norms[1] + 1e-8), 1e4))

    def generator_objective(self, condition, target, fake, training):
        """The generator's loss, `(loss, {part: per-example values})`; each family defines it."""
        raise NotImplementedError

    def objectives(self, condition, target, fake, training):
        """Both losses, `((d_loss, d_parts), (g_loss, g_parts))`, for the simultaneous update.

        The default calls the two objectives. A family may override it to
        run the discriminator once over the fake batch for both losses; the
        D loss need not detach `fake` (only D's variables are differentiated
        for it).
        """
        return (
            self.discriminator_objective(condition, target, tf.nest.map_structure(tf.stop_gradient, fake), training),
            self.generator_objective(condition, target, fake, training),
        )

    # A family supplies what differs; the step below is the only one.

    def training_sample(self, condition, training):
        """What the objectives receive as `fake`: the generator's output (families may return more)."""
        return self.generate(condition, training=training)

    def generator_groups(self):
        """`[(variables, optimizer), ...]`: the generator side's variables and who updates them."""
        return [(self.generator.trainable_variables, self.generator_optimizer)]

    def discriminator_groups(self):
        """`[(variables, optimizer), ...]`: the discriminator side's variables and who updates them."""
        return [(self.discriminator.trainable_variables, self.discriminator_optimizer)]

    def generator_networks(self):
        """Networks whose `losses` (weight regularizers; see `_regularized`) enter the generator loss."""
        return [self.generator]

    def discriminator_networks(self):
        """Networks whose `losses` (weight regularizers; see `_regularized`) enter the discriminator loss."""
        return [self.discriminator]

    def trace_key(self):
        """A Python value; one step function is traced per value (e.g. StackGAN's active stages)."""
        return None

    def _dispatch(self, attr, make, force):
        """Makes `self.<attr>` pick one Keras step function per `trace_key()`."""
        if getattr(self, attr) is not None and not force:
            return getattr(self, attr)
        functions = {}

        def function(*args, **kwargs):
            key = self.trace_key()
            if key not in functions:
                make(force=True)  # Keras' builder sets `self.<attr>`; keep it, restore the dispatcher.
                functions[key] = getattr(self, attr)
                setattr(self, attr, function)
            return functions[key](*args, **kwargs)

        setattr(self, attr, function)
        return function

    def make_train_function(self, force=False):
        """The traced train step for the current `trace_key()` (one per key, kept)."""
        return self._dispatch("train_function", super().make_train_function, force)

    def make_test_function(self, force=False):
        """The traced test step for the current `trace_key()`."""
        return self._dispatch("test_function", super().make_test_function, force)

    def make_predict_function(self, force=False):
        """The traced predict step for the current `trace_key()`."""
        return self._dispatch("predict_function", super().make_predict_function, force)

    # ------------------------------------------------------------ the step

    def train_step(self, data):
        with self._global_batch(self._shape_checked(*self.unpack(data))) as ((condition, target), share):
            condition, target = self._checked_batch(condition, target)
            with tf.control_dependencies(tf.nest.flatten(condition)):  # no update, nor step count, before the checks
                fake_tape = tf.GradientTape()
                with fake_tape:
                    fake = self.training_sample(condition, training=True)
                if self.update == "simultaneous":
                    # Both gradients from one forward pass (the TensorFlow tutorials'
                    # step): G is scored by the D of before the step.
                    d_tape = tf.GradientTape()
                    with fake_tape, d_tape:
                        (d_loss, d_parts), (g_loss, g_parts) = self.objectives(condition, target, fake, training=True)
                        d_loss, d_parts = self._regularized(d_loss, d_parts, self.discriminator_networks(), "d_reg")
                        g_loss, g_parts = self._regularized(g_loss, g_parts, self.generator_networks(), "g_reg")
                    self._apply(d_tape, d_loss, share, self.discriminator_groups())
                    self._apply(fake_tape, g_loss, share, self.generator_groups())
                else:
                    # One generator pass serves both updates (the PyTorch DCGAN and
                    # pix2pix references): D learns on a detached copy, then G is
                    # scored by the updated D. The G tape is paused meanwhile.
                    with tf.GradientTape() as d_tape:
                        d_loss, d_parts = self.discriminator_objective(
                            condition, target, tf.nest.map_structure(tf.stop_gradient, fake), training=True
                        )
                        d_loss, d_parts = self._regularized(d_loss, d_parts, self.discriminator_networks(), "d_reg")
                    self._apply(d_tape, d_loss, share, self.discriminator_groups())
                    with fake_tape:
                        g_loss, g_parts = self.generator_objective(condition, target, fake, training=True)
                        g_loss, g_parts = self._regularized(g_loss, g_parts, self.generator_networks(), "g_reg")
                    self._apply(fake_tape, g_loss, share, self.generator_groups())
                if self.ema_variables:
                    self._update_ema()
                self._count_step("train")
                return self._log(d_loss=d_loss, g_loss=g_loss, **d_parts, **g_parts)

    def test_step(self, data):
        with self._global_batch(self._shape_checked(*self.unpack(data))) as ((condition, target), _):
            condition, target = self._checked_batch(condition, target)
            with tf.control_dependencies(tf.nest.flatten(condition)):
                fake = self.training_sample(condition, training=False)
                d_loss, d_parts = self.discriminator_objective(condition, target, fake, training=False)
                d_loss, d_parts = self._regularized(d_loss, d_parts, self.discriminator_networks(), "d_reg")
                g_loss, g_parts = self.generator_objective(condition, target, fake, training=False)
                g_loss, g_parts = self._regularized(g_loss, g_parts, self.generator_networks(), "g_reg")
                self._count_step("test")
                return self._log(d_loss=d_loss, g_loss=g_loss, **d_parts, **g_parts)

    def predict_step(self, data):
        condition, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        with self._global_batch(self._shape_checked(checks.single(condition))[0]) as (condition, _):
            condition, _ = self._checked_batch(condition, None)  # values (image, waveform conditions), as `fit`'s
            with tf.control_dependencies(tf.nest.flatten(condition)):  # no noise drawn on a batch that fails
                samples = self.generate(condition, training=False)
                self._count_step("predict")
            # float32 under a mixed policy too, as every family's samples are (their range needs no more)
            rows = self._step.rows.count
            return tf.nest.map_structure(
                lambda t: tf.cast(t[:rows], "float32") if t.dtype.is_floating else t[:rows], samples
            )


    def _count_step(self, kind):
        self._step_counts.variable.assign_add(tf.one_hot(STEP_KINDS.index(kind), len(STEP_KINDS), dtype="int64"))

    def _steps_run(self, kind="train"):
        """The `kind` steps (`"train"`, `"test"` or `"predict"`) this model ran so far, as a Python int.

        Counts the steps themselves, also where Keras reports whole
        executions of `steps_per_execution` (the last one of data of unknown
        size may run short).
        """
        if kind not in STEP_KINDS:
            raise ValueError(f"`kind` must be one of {STEP_KINDS}. Received: kind={kind!r}")
        return int(self._step_counts.variable[STEP_KINDS.index(kind)].numpy())

    @contextlib.contextmanager
    def _global_batch(self, data):
        """Places this replica's rows in the global batch for the whole step.

        Yields `(data, share)`: the data to compute on and the replica's share
        of the global batch, the weight of its per-replica mean losses. Keras
        optimizers sum gradients over replicas, so N replicas (even, uneven
        or empty) make the update of one device. A replica left empty by an
        uneven last batch computes a copy of global row 0 with weight 0
        (networks cannot run on an empty batch, and collectives need every
        replica); with two replicas batch statistics are then exactly those of
        one device.
        """
        count = tf.shape(tf.nest.flatten(data)[0])[0]
        offset, total = distribute.batch_position(count)
        first = offset
        if tf.distribute.get_strategy().num_replicas_in_sync > 1:
            borrowed = tf.nest.map_structure(distribute.first_row, data)
            data = tf.nest.map_structure(
                lambda mine, row: tf.cond(count > 0, lambda: mine, lambda: row), data, borrowed
            )
            first = tf.where(count > 0, offset, 0)
        self._step.rows = _Rows(first=first, total=total, count=count, offset=offset)
        try:
            yield data, tf.cast(count, "float32") / tf.cast(tf.maximum(total, 1), "float32")
        finally:
            self._step.rows = None

    @staticmethod
    def _regularized(loss, parts, networks, name):
        """Adds the networks' `losses` to `loss`, logged as `name`.

        Weight regularizers count once per step. A term a layer adds per call
        (`add_loss`, `activity_regularizer`) is read after the objective, so
        it counts from the network's last call before that only (an
        objective calls D several times); put such terms in the objective
        instead.
        """
        extra = [tf.cast(l, "float32") for network in networks for l in network.losses]
        if not extra:
            return loss, parts
        parts = dict(parts, **{name: tf.add_n(extra)})
        return loss + parts[name], parts

    def _apply(self, tape, loss, share, groups):
        """Differentiates one loss once and applies it, group by group, with one loss scale.

        Under float16 every group's step is skipped on every replica (and
        each scale lowered) when any replica's gradients, of any group, are not
        finite: Keras' `LossScaleOptimizer` decides from its own replica and
        its own variables only. A group without variables (a frozen network)
        is skipped: its optimizer takes no step.
        """
        variables = [v for group, _ in groups for v in group]
        # The scale of an optimizer that applies: a frozen group's would never fall after an overflow.
        lead = next((optimizer for group, optimizer in groups if group), groups[0][1])
        with tape:
            scaled = lead.scale_loss(loss * share)
        grads = tape.gradient(scaled, variables)
        scaling = isinstance(lead, keras.optimizers.LossScaleOptimizer)
        bad = _nonfinite_anywhere(grads) if scaling else None
        start = 0
        for group, optimizer in groups:
            if not group:  # a frozen network (`trainable = False`): nothing to update, its optimizer stays put
                continue
            part = grads[start : start + len(group)]
            start += len(group)
            if scaling and optimizer is not lead:
                # One loss, one scale: each optimizer unscales by its own.
                ratio = tf.cast(optimizer.dynamic_scale, "float32") / tf.cast(lead.dynamic_scale, "float32")
                part = [None if g is None else g * tf.cast(ratio, g.dtype) for g in part]
            part = _clipped_across_replicas(optimizer, part)
            if bad is not None:
                part = _poisoned(part, bad)
            optimizer.apply_gradients(zip(part, group))

    def _log(self, **values):
        # Weighted by the replica's rows: the logs are global batch means on
        # any number of replicas, and an epoch's mean weights steps by their
        # batch size, as Keras' own loss tracker does.
        unlisted = [name for name in values if name not in self.trackers]
        if unlisted:
            raise ValueError(
                f"{type(self).__name__}'s objectives return the part(s) {unlisted}, which its `loss_names` "
                f"{tuple(self.loss_names)} does not list: add every logged part to the class's `loss_names`."
            )
        size = self._step.rows.count
        weight = tf.cast(size, "float32")
        for name, value in values.items():
            value = tf.where(size > 0, tf.cast(value, "float32"), 0.0)  # an empty replica's mean is NaN
            self.trackers[name].update_state(value, sample_weight=weight)
        logs = {name: self.trackers[name].result() for name in values}
        ctx = tf.distribute.get_replica_context()
        if ctx is not None and ctx.num_replicas_in_sync > 1:
            # Keras averages the replicas' returned values: return the global
            # weighted mean on every replica (each holds its own sums).
            sums = ctx.all_reduce(
                "SUM", tf.stack([tf.stack([self.trackers[n].total.value, self.trackers[n].count.value]) for n in values])
            )  # [names, 2]
            logs = dict(zip(values, tf.unstack(tf.math.divide_no_nan(sums[:, 0], sums[:, 1]))))
        if _multi_worker():
            # Keras reduces logs with `axis=0` across workers, which scalars do
            # not have (keras-team/keras#20585): give each log one axis.
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs


    def _warn_batch_norm(self, discriminator, where):
        found = batch_norm_layers(discriminator) if self.scores_in_one_call else []
        if found:
            warnings.warn(
                f"`{where}` holds batch normalization (layer {found[0].name!r}): {type(self).__name__} scores "
                "real and generated samples in one call, so their batch statistics mix and D can tell them "
                "apart by the batch. Use a discriminator without it (spectral, layer or group normalization).",
                stacklevel=checks.user_stacklevel(),
            )

    def _check_replicated_execution(self, method):
        per_execution = steps_per_execution(self)
        replicas = self.distribute_strategy.num_replicas_in_sync
        if per_execution > 1 and replicas > 1 and not self.run_eagerly:
            # Keras 3.15's fit fails so on TF 2.21 for any model (a `while/cond/Placeholder` error), and a GAN's
            # evaluate too; predict runs.
            raise ValueError(
                f"`{method}` with `steps_per_execution={per_execution}` on {replicas} replicas: Keras 3.15's "
                "multi-step loop fails under a strategy of several replicas on TensorFlow 2.21. Set "
                "`model.steps_per_execution = 1` (it keeps the compiled losses and optimizer state) there."
            )


    def fit(self, x=None, y=None, diagnose=True, **kwargs):
        """As `keras.Model.fit`, with the checks of the data and a `CollapseMonitor` by default.

        Args:
            x, y: `(condition, target)` pairs as a `tf.data.Dataset` (`y`
                unset), or arrays of conditions and targets.
            diagnose: bool. Add a `keras_cgan.callbacks.CollapseMonitor`
                probed with the first rows of `x`, which warns once per kind
                about NaN losses, constant or saturated output and a
                discriminator that wins outright. A monitor passed in
                `callbacks` replaces it. Defaults to `True`.
            **kwargs: passed to `keras.Model.fit`.
        """
        self._require_compiled("fit")
        self._check_generator_loss()
        self._check_replicated_execution("fit")
        x, y = self._check_fit_data(x, y, kwargs)
        self._check_validation_data(kwargs)
        if kwargs.get("steps_per_epoch"):
            kwargs["steps_per_epoch"] = self._whole_executions(kwargs["steps_per_epoch"], x, kwargs.get("batch_size"))
        if isinstance(x, DATASETS):
            kwargs.setdefault("shuffle", False)  # a dataset shuffles itself
        # Guards (StopOnNaN) see a step's logs before any callback saves its
        # weights, whatever the order the user listed them in.
        callbacks = sorted(_user_callbacks(kwargs.get("callbacks")), key=lambda c: not getattr(c, "runs_first", False))
        callbacks = self._with_monitor(callbacks, x, y, diagnose)
        position = Position()
        kwargs["callbacks"] = _with_step_bar(callbacks, kwargs.get("verbose", "auto")) + [position]
        source = "The dataset's" if isinstance(x, DATASETS) else "The training"
        history = self._run_checked(lambda: super(GANModel, self).fit(x, y, **kwargs), position, source, "fit")
        if position.epochs_begun and not position.train_batches:
            raise ValueError(
                "`fit` ran no training step: the data yielded no batch (an empty dataset or generator). "
                "A `batch(..., drop_remainder=True)` with fewer samples than a batch makes an empty dataset."
            )
        return history

    def _check_generator_loss(self):
        """Raises `ValueError` when `fit` would leave the generator untrained (families with no supervised term)."""

    def _require_compiled(self, method):
        if not getattr(self, "compiled", False) or not hasattr(self, "generator_optimizer"):
            raise RuntimeError(
                f"{type(self).__name__} must be compiled before `{method}`: call "
                "`model.compile(generator_optimizer=..., discriminator_optimizer=...)`."
            )

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """As `keras.Model.train_on_batch` (one step on one batch), with the checks of `fit`.

        The batch's values are checked on the host, as `fit` checks arrays;
        `compile(check_data=False)` leaves only the dtype and shape checks.
        On several replicas the batch is split over them, as `fit` splits
        it, so they make the step of one device.
        """
        weights = {"sample_weight": sample_weight, "class_weight": class_weight}
        return self._on_batch("train_on_batch", super().train_on_batch, x, y, weights, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """As `keras.Model.test_on_batch` (the losses on one batch), with the checks of `fit`; split over replicas."""
        weights = {"sample_weight": sample_weight}
        return self._on_batch("test_on_batch", super().test_on_batch, x, y, weights, return_dict)

    def _on_batch(self, method, run, x, y, weights, return_dict):
        """`run(x, y)`, Keras' `method` on one batch, after the checks of `fit` and with its clear data errors."""
        self._require_compiled(method)
        self._check_replicated_execution(method)
        if isinstance(x, DATASETS) or batches_of_pairs(x):
            kind = "a tf.data.Dataset" if isinstance(x, tf.data.Dataset) else f"a {type(x).__name__}"
            whole = "fit" if method == "train_on_batch" else "evaluate"
            raise ValueError(
                f"`{method}` takes one batch, as arrays `x` and `y`. Received: x as {kind}; pass it to `{whole}`."
            )
        x, y = self._check_fit_data(x, y, weights, method=method)
        training = method == "train_on_batch"
        if self.distribute_strategy.num_replicas_in_sync > 1:
            make_function = self.make_train_function if training else self.make_test_function
            run = functools.partial(self._split_batch, make_function)
        position = Position(where=f"the batch passed to `{method}`")
        return self._run_checked(lambda: run(x, y, return_dict=return_dict), position, "The", method, training)

    def _split_batch(self, make_function, x, y, return_dict=False):
        """One step on the batch split over the replicas, as `fit` splits a batch.

        Keras' `train_on_batch` and `test_on_batch` give every replica the
        whole batch: N replicas would step on it N times over (with other
        noise). Here they make the step of one device.
        """
        data = self.distribute_strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors((x, y)))
        function = make_function()
        self.reset_metrics()
        logs = {name: np.asarray(value).item() for name, value in sorted(function(iter(data)).items())}
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def _whole_executions(self, steps_per_epoch, x, batch_size):
        """The steps an epoch of `steps_per_epoch` trains; a warning when Keras rounds it up to whole executions.

        Keras 3.15 runs every execution in full: on data that outlasts the
        epoch, `steps_per_epoch=14` with `steps_per_execution=8` trains 16
        steps per epoch. Data that ends first stops the epoch in time. `fit`
        passes Keras the steps it trains, so callbacks count them.
        """
        per_execution = steps_per_execution(self)
        if per_execution == 1 or steps_per_epoch % per_execution == 0:
            return steps_per_epoch
        if isinstance(x, tf.data.Dataset):
            batches = int(x.cardinality())  # -1 infinite, -2 unknown (`filter`): either may outlast the epoch
            batches = float("inf") if batches < 0 else batches
        else:
            first = tf.nest.flatten(x)[0]  # arrays after `_check_fit_data`; anything else is not counted
            if not hasattr(first, "shape"):
                return steps_per_epoch
            batches = -(-len(first) // (batch_size or 32))
        trained = min(-(-steps_per_epoch // per_execution) * per_execution, batches)
        if trained <= steps_per_epoch:
            return steps_per_epoch
        warnings.warn(
            f"`steps_per_epoch={steps_per_epoch}` is not a multiple of the compiled "
            f"`steps_per_execution={per_execution}`: Keras runs whole executions, so each epoch trains "
            f"{trained} steps on data that lasts that long. Pass a multiple of {per_execution}.",
            stacklevel=3,
        )
        return trained

    @staticmethod
    def _with_monitor(callbacks, x, y, diagnose):
        """`callbacks` with a `CollapseMonitor` (unless `diagnose=False`); those without given conditions probe `x`."""
        from keras_cgan.callbacks import CollapseMonitor, probe_batch

        monitors = [c for c in callbacks if isinstance(c, CollapseMonitor)]
        if not monitors and diagnose:
            monitors = [CollapseMonitor()]
            callbacks = callbacks + monitors
        probed = [m for m in monitors if m.conditions is None or m.probe_from_data]  # not the user's conditions
        if probed:
            probe = probe_batch(x, y)
            for monitor in probed:
                monitor.set_probe(*probe, from_data=True)
        return callbacks

    def evaluate(self, x=None, y=None, **kwargs):
        """As `keras.Model.evaluate`, with the checks of `fit` (pairs, shapes, values)."""
        self._require_compiled("evaluate")
        self._check_replicated_execution("evaluate")
        method = "evaluate"
        if kwargs.get("_use_cached_eval_dataset"):
            # `fit`'s validation pass: checked when `fit` began; its values are checked in the step.
            position, source, method = Position(where="the validation data"), "The validation", "fit"
        else:
            x, y = self._check_fit_data(x, y, kwargs, method="evaluate")
            position = Position()
            callbacks = _with_step_bar(_user_callbacks(kwargs.get("callbacks")), kwargs.get("verbose", "auto"))
            kwargs["callbacks"] = callbacks + [position]
            source = "The dataset's" if isinstance(x, DATASETS) else "The evaluation"
        run = lambda: super(GANModel, self).evaluate(x, y, **kwargs)  # noqa: E731
        return self._run_checked(run, position, source, method, training=False)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """As `keras.Model.predict`, with the condition checks of `fit`; Python ints and lists are accepted.

        A dataset's conditions are checked batch by batch in the step (their
        values, and the sizes its spec leaves unknown), as `fit` checks them.
        """
        refuse_symbolic(x, "x", "predict")
        x = self._condition_batch(x, "x")
        position = Position()
        callbacks = _with_step_bar(_user_callbacks(callbacks), verbose) + [position]
        run = lambda: super(GANModel, self).predict(x, batch_size, verbose, steps, callbacks)  # noqa: E731
        source = "The dataset's" if isinstance(x, DATASETS) else "The"
        return self._run_checked(run, position, source, "predict", training=False)

    def predict_on_batch(self, x):
        """As `keras.Model.predict_on_batch`, with the condition checks of `predict`; Python ints and lists too.

        On several replicas the batch is split over them, as `predict` splits
        it: one sample per condition.
        """
        refuse_symbolic(x, "x", "predict_on_batch")
        if self.distribute_strategy.num_replicas_in_sync > 1:
            # Keras gives every replica the whole batch (N times the rows); `predict` splits it over them.
            x = self._as_batch(x, "x")
            return self.predict(x, batch_size=len(tf.nest.flatten(x)[0]), verbose=0)
        return super().predict_on_batch(self._condition_batch(x, "x"))

    def __call__(self, *args, **kwargs):
        if not args and "condition" in kwargs:  # `gan(condition=...)`, checked as `gan(...)` is
            args = (kwargs.pop("condition"),)
        if args:
            args = (self._condition_batch(args[0], "condition"),) + args[1:]
        if kwargs.get("noise") is not None and args:
            kwargs["noise"] = self._noise_batch(kwargs["noise"], args[0])
        return super().__call__(*args, **kwargs)

    def _noise_batch(self, noise, condition):
        """`noise` as an array or tensor of one row per condition; `ValueError` naming it."""
        if self.noise_shape is None:
            raise ValueError(f"`noise`: this {type(self).__name__}'s generator takes no noise; leave it out.")
        noise = np.asarray(noise, "float32") if isinstance(noise, (list, tuple)) else noise
        if tf.is_tensor(noise) and noise.shape.rank is None:  # a `tf.function`'s `TensorSpec(None)`
            noise = tf.ensure_shape(noise, (None, *self.noise_shape), name="keras_cgan_noise_shape")
        rows = [tf.nest.flatten(condition)[0], noise]
        rows = [t.shape[0] if tf.TensorShape(t.shape).rank else None for t in rows]  # a `tf.Variable` has no `ndim`
        if None not in rows and rows[0] != rows[1]:  # the width is each family's to explain (StackGAN's code)
            raise ValueError(
                f"`noise` must have shape [batch, *{self.noise_shape}], one row per condition "
                f"({rows[0]} here). Received shape {tuple(noise.shape)}."
            )
        return noise

    def save(self, filepath, *args, **kwargs):
        """As `keras.Model.save`; a GAN saves to a `.keras` file only (checked before anything is written)."""
        if isinstance(filepath, (str, os.PathLike)) and not os.fspath(filepath).endswith(".keras"):
            path = os.fspath(filepath)
            raise ValueError(
                f"A {type(self).__name__} saves to a `.keras` file (both networks, their optimizer state "
                f"and the model's config). Received: filepath={path!r}. Use "
                f"`save({os.path.splitext(path)[0] + '.keras'!r})`; legacy `.h5` files cannot hold a GAN "
                "(`save_weights('....weights.h5')` saves the weights alone)."
            )
        return super().save(filepath, *args, **kwargs)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras' version averages the first batch across workers, which fails
        # under MultiWorkerMirroredStrategy (keras-team/keras#20585). A GANModel
        # needs no symbolic build: its networks are built at construction and
        # its optimizers in `compile`.
        return

    # --------------------------------------------------------- serialization

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.layers.serialize(self.generator),
            "discriminator": keras.layers.serialize(self.discriminator),
            "adversarial_weight": self.adversarial_weight,
            "seed": self.seed,
            "ema_decay": self.ema_decay,
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialization consumes nested configs
        for key in ("generator", "discriminator"):
            config[key] = keras.layers.deserialize(config[key])
        return cls(**config)
