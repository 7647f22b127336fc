"""The training machinery every GAN family shares.

`GANModel` is a `keras.Model` that maps a condition to a sample. Families
subclass it and write two loss functions; this module owns everything else:
optimizers, the update (alternating or simultaneous), replica scaling, noise,
metrics, serialization and input checks.

A family implements:

* `discriminator_objective(condition, target, fake, training)` returning
  `(loss, parts)`, where `fake` is the generator's output for `condition`;
* `generator_objective(condition, target, fake, training)` returning
  `(loss, parts)`;
* optionally `check_condition(...)` / `check_target(...)` to validate input;
* optionally `objectives(condition, target, fake, training)`, both losses at
  once, to share work between them in the simultaneous update.

Losses are per-replica batch means. The machinery divides them by the number
of replicas before differentiating, because Keras optimizers sum gradients over
replicas; so N replicas make the same update as one device, and the logged
values (`keras.metrics.Mean` over replicas) are the true global batch means.
"""

import contextlib
import copy

import keras
import numpy as np
import tensorflow as tf

from keras_cgan import losses as losses_lib

UPDATES = ("alternating", "simultaneous")


def _replica_position():
    """Returns `(replica_id, num_replicas)` in the current replica context."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None:  # cross-replica context, e.g. a plain eager call.
        return 0, 1
    return ctx.replica_id_in_sync_group, ctx.num_replicas_in_sync


def _multi_worker():
    extended = tf.distribute.get_strategy().extended
    return isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy) and bool(
        getattr(extended, "_in_multi_worker_mode", lambda: False)()
    )


def _dataset_batch_size(dataset):
    """The batch size of a batched `tf.data.Dataset`, or `None` if it cannot be read."""
    flat = tf.nest.flatten(dataset.element_spec)
    if flat and flat[0].shape.rank and flat[0].shape[0] is not None:
        return int(flat[0].shape[0])
    # `.batch(n)` without drop_remainder leaves the batch dimension unknown:
    # read `n` from the batch op under any maps and prefetches.
    for _ in range(32):
        if dataset is None:
            break
        size = getattr(dataset, "_batch_size", None)
        if size is not None:
            value = tf.get_static_value(size)
            return None if value is None or value < 0 else int(value)
        dataset = getattr(dataset, "_input_dataset", None)
    return None


class GANModel(keras.Model):
    """A conditional GAN as a `keras.Model`: `condition -> sample`.

    Args:
        generator: `keras.Model`. Inputs `[noise, condition]` (or `condition`
            alone for families without noise); output a sample.
        discriminator: `keras.Model`. Scores samples; the family decides its
            inputs.
        adversarial_weight: float. Weight of the adversarial term in the
            generator loss; `0` trains the supervised baseline only. Defaults
            to `1.0`.
        seed: int or None. Seed of the noise and of every random choice made
            in a training step. Defaults to `None`.
        ema_decay: float in `[0, 1)` or None. Keeps an exponential moving
            average of the generator's weights, updated after every step
            (`ema = decay * ema + (1 - decay) * weights`). The averages are
            model weights, so `.keras` files, `BackupAndRestore` and
            `ModelCheckpoint` carry them; sample with
            `with model.ema_weights(): ...` and export `model.ema_generator()`.
            Defaults to `None` (no average).
    """

    # Names of the logged values; a family lists its parts here.
    loss_names = ("d_loss", "g_loss")

    def __init__(self, generator, discriminator, adversarial_weight=1.0, seed=None, ema_decay=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(generator, keras.Model):
            raise ValueError(f"`generator` must be a keras.Model. Received: {type(generator)}")
        if not isinstance(discriminator, keras.Model):
            raise ValueError(
                f"`discriminator` must be a keras.Model. Received: {type(discriminator)}"
            )
        if adversarial_weight < 0:
            raise ValueError(
                f"`adversarial_weight` must be >= 0. Received: adversarial_weight={adversarial_weight}"
            )
        self.generator = generator
        self.discriminator = discriminator
        self.adversarial_weight = float(adversarial_weight)
        self.seed = seed
        # The seed state is a weight (unlike a keras.random.SeedGenerator's), so
        # checkpoints carry it and a resumed run draws the noise it would have.
        initial = seed if seed is not None else int(np.random.randint(1, 2**31 - 1))
        self.seed_state = self.add_weight(
            shape=(2,),
            initializer=lambda shape, dtype: tf.constant([initial, 0], dtype),
            dtype="int64",
            trainable=False,
            name="seed_state",
        )
        if ema_decay is not None and not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"`ema_decay` must be in [0, 1) or None. Received: ema_decay={ema_decay}")
        self.ema_decay = None if ema_decay is None else float(ema_decay)
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
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names}
        self.built = True  # both networks are built models.

    # ------------------------------------------------------------------ noise

    @property
    def noise_shape(self):
        """Shape of one noise vector, or `None` if the generator takes none."""
        if len(self.generator.inputs) < 2:
            return None
        return tuple(self.generator.inputs[0].shape[1:])

    def replica_draw(self, sampler, batch_size, shape=(), **kwargs):
        """Draws random values for this replica's slice of the global batch.

        Every replica draws the values for the whole global batch from the
        same seed and keeps its own slice, so replicas get different values
        and N replicas see exactly what one device would.

        Args:
            sampler: `tf.random.stateless_*` function taking `(shape, seed)`
                plus keyword arguments.
            batch_size: int tensor. The local (per-replica) batch size.
            shape: tuple. Shape of one sample's values.
            **kwargs: passed to `sampler` (`dtype`, `minval`, ...).
        """
        replica_id, num_replicas = _replica_position()
        seed = self.next_seed()
        full = sampler((batch_size * num_replicas,) + tuple(shape), seed=seed, **kwargs)
        return full[replica_id * batch_size : (replica_id + 1) * batch_size]

    def next_seed(self):
        """Returns the current `[2]` seed and advances the state."""
        seed = self.seed_state.value * 1  # a copy, read before the update
        self.seed_state.assign_add(tf.constant([0, 1], "int64"))
        return seed

    def sample_noise(self, batch_size):
        return self.replica_draw(tf.random.stateless_normal, batch_size, self.noise_shape)

    def generate(self, condition, noise=None, training=False):
        if self.noise_shape is None:
            return self.generator(condition, training=training)
        if noise is None:
            noise = self.sample_noise(tf.shape(tf.nest.flatten(condition)[0])[0])
        return self.generator([noise, condition], training=training)

    def call(self, condition, training=False, noise=None):
        return self.generate(self.prepare_condition(condition), noise=noise, training=training)

    def prepare_condition(self, condition):
        """Casts and checks a batch of conditions once per step; families override."""
        return condition

    # ------------------------------------------------------------------- EMA

    def _ema_sources(self):
        """The generator weights the average follows (floating point, batch-norm statistics included)."""
        return [w for w in self.generator.weights if "float" in str(w.dtype)]

    def _update_ema(self):
        decay = self.ema_decay
        for average, weight in zip(self.ema_variables, self._ema_sources()):
            average.assign(decay * average + (1.0 - decay) * tf.cast(weight, average.dtype))

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

    def ema_generator(self):
        """A copy of the generator holding the averaged weights, for saving and export."""
        self._require_ema()
        generator = self.generator
        clone = generator.__class__.from_config(generator.get_config())
        clone.set_weights([np.asarray(w) for w in generator.weights])
        for weight, average in zip(
            [w for w in clone.weights if "float" in str(w.dtype)], self.ema_variables
        ):
            weight.assign(np.asarray(average))
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
        **kwargs,
    ):
        """Configures both optimizers, the adversarial loss and the update order.

        Args:
            generator_optimizer: optimizer, its name or its config. A string
                or config makes a fresh optimizer. Defaults to `"adam"`.
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
            **kwargs: passed to `keras.Model.compile` (e.g. `jit_compile`,
                `steps_per_execution`). `optimizer`, `loss` and `metrics`
                are not used by GANs.
        """
        for unused in ("optimizer", "loss", "metrics"):
            if kwargs.get(unused) is not None:
                raise ValueError(
                    f"`{unused}` is not used by a GAN; pass `generator_optimizer`, "
                    f"`discriminator_optimizer` and `adversarial_loss` instead."
                )
            kwargs.pop(unused, None)
        if update not in UPDATES:
            raise ValueError(f"`update` must be one of {UPDATES}. Received: update={update!r}")
        kwargs.setdefault("jit_compile", False)  # XLA was slower on CPU; fails under Mirrored.
        super().compile(optimizer=None, **kwargs)
        self.adversarial_loss = losses_lib.get(adversarial_loss).name
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.r1_weight = float(r1_weight)
        self.update = update
        with self.distribute_strategy.scope():
            self.generator_optimizer = self._fresh_optimizer(generator_optimizer)
            self.discriminator_optimizer = self._fresh_optimizer(discriminator_optimizer)
            if self._uses_float16():
                # Keras' auto_scale_loss wraps only `self.optimizer`: wrap both.
                self.generator_optimizer = self._loss_scaled(self.generator_optimizer)
                self.discriminator_optimizer = self._loss_scaled(self.discriminator_optimizer)
            self._build_optimizers()

    def _build_optimizers(self):
        """Builds both optimizers on their variables; families with several networks per role override."""
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    def _uses_float16(self):
        return any(
            getattr(layer, "compute_dtype", None) == "float16"
            for network in (self.generator, self.discriminator)
            for layer in network.layers
        )

    @staticmethod
    def _loss_scaled(optimizer):
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return optimizer
        return keras.optimizers.LossScaleOptimizer(optimizer)

    @staticmethod
    def _fresh_optimizer(identifier):
        if isinstance(identifier, keras.optimizers.Optimizer):
            return identifier
        if isinstance(identifier, str):
            # DCGAN's Adam settings are the right default for GANs.
            if identifier.lower() == "adam":
                return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
        return keras.optimizers.get(identifier)

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
            "jit_compile": bool(self.jit_compile),
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer"):
            config[key] = keras.optimizers.deserialize(config[key])
        self.compile(**config)

    # ------------------------------------------------------------ the update

    @property
    def metrics(self):
        return list(self.trackers.values())

    def _adversarial(self):
        return losses_lib.get(self.adversarial_loss)

    def discriminator_objective(self, condition, target, fake, training):
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
        penalty = None
        if self._adversarial().needs_gradient_penalty and self.gradient_penalty_weight > 0:
            alpha = self.replica_draw(tf.random.stateless_uniform, tf.shape(target)[0])
            for critic in critics:
                term = self.gradient_penalty_weight * losses_lib.gradient_penalty(critic, target, fake, alpha)
                penalty = term if penalty is None else penalty + term
        if self.r1_weight > 0:
            for critic in critics:
                term = self.r1_weight * losses_lib.r1_penalty(critic, target)
                penalty = term if penalty is None else penalty + term
        return penalty

    def generator_objective(self, condition, target, fake, training):
        raise NotImplementedError

    def objectives(self, condition, target, fake, training):
        """Both losses, `((d_loss, d_parts), (g_loss, g_parts))`, for the simultaneous update.

        The default calls the two objectives. A family may override it to
        run the discriminator once over the fake batch for both losses; the
        D loss need not detach `fake` (only D's variables are differentiated
        for it).
        """
        return (
            self.discriminator_objective(condition, target, tf.stop_gradient(fake), training),
            self.generator_objective(condition, target, fake, training),
        )

    def train_step(self, data):
        condition, target = self.unpack(data)
        condition = self.prepare_condition(condition)
        num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        if self.update == "simultaneous":
            logs = self._simultaneous_step(condition, target, num_replicas, g_vars, d_vars)
        else:
            logs = self._alternating_step(condition, target, num_replicas, g_vars, d_vars)
        if self.ema_variables:
            self._update_ema()
        return self._log(**logs)

    def _alternating_step(self, condition, target, num_replicas, g_vars, d_vars):
        # One generator forward pass serves both updates (as in the PyTorch
        # DCGAN and pix2pix references): D learns on a detached copy, then G
        # is scored by the updated D. The G tape is paused, not closed, while
        # D updates (a tape can be entered again).
        g_tape = tf.GradientTape()
        with g_tape:
            fake = self.generate(condition, training=True)
        with tf.GradientTape() as d_tape:
            d_loss, d_parts = self.discriminator_objective(
                condition, target, tf.stop_gradient(fake), training=True
            )
            # `scale_loss` is the identity except for a LossScaleOptimizer.
            scaled_d_loss = self.discriminator_optimizer.scale_loss(d_loss / num_replicas)
        d_grads = d_tape.gradient(scaled_d_loss, d_vars)
        self.discriminator_optimizer.apply_gradients(zip(d_grads, d_vars))
        with g_tape:
            g_loss, g_parts = self.generator_objective(condition, target, fake, training=True)
            scaled_g_loss = self.generator_optimizer.scale_loss(g_loss / num_replicas)
        g_grads = g_tape.gradient(scaled_g_loss, g_vars)
        self.generator_optimizer.apply_gradients(zip(g_grads, g_vars))
        return dict(d_loss=d_loss, g_loss=g_loss, **d_parts, **g_parts)

    def _simultaneous_step(self, condition, target, num_replicas, g_vars, d_vars):
        # Both gradients from one forward pass (the TensorFlow tutorials' step).
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generate(condition, training=True)
            (d_loss, d_parts), (g_loss, g_parts) = self.objectives(condition, target, fake, training=True)
            scaled_d_loss = self.discriminator_optimizer.scale_loss(d_loss / num_replicas)
            scaled_g_loss = self.generator_optimizer.scale_loss(g_loss / num_replicas)
        d_grads = d_tape.gradient(scaled_d_loss, d_vars)
        g_grads = g_tape.gradient(scaled_g_loss, g_vars)
        self.discriminator_optimizer.apply_gradients(zip(d_grads, d_vars))
        self.generator_optimizer.apply_gradients(zip(g_grads, g_vars))
        return dict(d_loss=d_loss, g_loss=g_loss, **d_parts, **g_parts)

    def test_step(self, data):
        condition, target = self.unpack(data)
        condition = self.prepare_condition(condition)
        fake = self.generate(condition, training=False)
        d_loss, d_parts = self.discriminator_objective(condition, target, fake, training=False)
        g_loss, g_parts = self.generator_objective(condition, target, fake, training=False)
        return self._log(d_loss=d_loss, g_loss=g_loss, **d_parts, **g_parts)

    def _log(self, **values):
        for name, value in values.items():
            self.trackers[name].update_state(value)
        logs = {name: self.trackers[name].result() for name in values}
        if _multi_worker():
            # Keras reduces logs with `axis=0` across workers, which scalars do
            # not have (keras-team/keras#20585): give each log one axis.
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    def predict_step(self, data):
        condition, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self.generate(self.prepare_condition(condition), training=False)

    @staticmethod
    def unpack(data):
        condition, target, _ = keras.utils.unpack_x_y_sample_weight(data)
        if target is None:
            raise ValueError(
                "A GAN trains on pairs: the dataset must yield `(condition, target)`."
            )
        return condition, target

    # ---------------------------------------------------------- input checks

    def check_condition(self, condition_spec_or_array, where):
        """Raises `ValueError` if conditions do not fit; `where` names the argument."""

    def check_target(self, target, where):
        expected = tuple(self.generator.outputs[0].shape[1:])
        got = tuple(target.shape[1:])
        if got != expected:
            raise ValueError(
                f"{where}: targets have shape {got} per sample but the generator "
                f"makes samples of shape {expected}."
            )

    def _check_fit_data(self, x, y):
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            if not isinstance(spec, tuple) or len(spec) < 2:
                raise ValueError(
                    "The dataset must yield `(condition, target)` pairs. "
                    f"Received element_spec={spec}"
                )
            self.check_condition(spec[0], "dataset condition")
            self.check_target(spec[1], "dataset target")
        elif x is not None:
            if y is None:
                raise ValueError("`fit(x, y)` needs targets `y` beside the conditions `x`.")
            self.check_condition(x, "x")
            self.check_target(np.asarray(y), "y")

    def fit(self, x=None, y=None, **kwargs):
        if not getattr(self, "compiled", False) or not hasattr(self, "generator_optimizer"):
            raise RuntimeError(
                f"{type(self).__name__} must be compiled before `fit`: call "
                "`model.compile(generator_optimizer=..., discriminator_optimizer=...)`."
            )
        self._check_fit_data(x, y)
        self._check_global_batch(x, kwargs.get("batch_size"))
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # a dataset shuffles itself
        if kwargs.get("callbacks"):
            # Guards (StopOnNaN) see a step's logs before any callback saves its
            # weights, whatever the order the user listed them in.
            callbacks = list(kwargs["callbacks"])
            kwargs["callbacks"] = sorted(callbacks, key=lambda c: not getattr(c, "runs_first", False))
        return super().fit(x, y, **kwargs)

    def _check_global_batch(self, x, batch_size):
        """Raises `ValueError` if the global batch does not split evenly over the replicas."""
        replicas = self.distribute_strategy.num_replicas_in_sync
        if replicas == 1 or x is None:
            return
        if isinstance(x, tf.data.Dataset):
            batch, where = _dataset_batch_size(x), "the dataset's batch size"
        else:
            batch, where = (32 if batch_size is None else int(batch_size)), "`batch_size`"
        if batch is not None and batch % replicas:
            raise ValueError(
                f"{where} is {batch}, the global batch, which {replicas} replicas cannot share "
                f"evenly: use a multiple of {replicas} (e.g. {replicas * max(1, round(batch / replicas))}), "
                "so N replicas make the same update as one device."
            )

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
