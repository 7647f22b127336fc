"""`StackGAN`: a small image first, then larger ones, grown stage by stage."""

import copy
import warnings

import keras
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.models.conditional_gan import ConditionalGAN
from keras_cgan.models.stack_gan import networks as stackgan_networks
from keras_cgan.models.stack_gan.defaults import STAGES


def _stage_list(name, models):
    """`models` (one per stage) as a list; a `ValueError` naming `name` for one model, a string or a non-sequence."""
    if not isinstance(models, (str, bytes, keras.Model)):
        try:
            return list(models)
        except TypeError:  # was Python's "'int' object is not iterable"
            pass
    raise ValueError(f"`{name}` must be a list of {' or '.join(map(str, STAGES))} keras.Models, one per stage. "
                     f"Received: {name}={models!r}")


@keras.saving.register_keras_serializable(package="keras_cgan")
class StackGAN(ConditionalGAN):
    """Stacked conditional GAN: stage 1 draws a small image, refiners double it.

    Stage 1 generates from the condition code and noise; each later stage
    refines the previous stage's image with the condition code again. The
    code is *conditioning-augmented*: an encoder maps the condition to a
    Gaussian and the generator gets a sample of it, with a KL term towards
    N(0, I) (`kl_weight`; `0` switches augmentation off: the code is the
    mean and no KL is added). Every stage has its own discriminator, trained
    with `ConditionalGAN`'s matching-aware objective (real image + wrong
    condition scored as fake; `two_head` discriminators give StackGAN++'s
    unconditional realism head plus conditional match head). Real images are
    average-pooled to each stage's size.

    Growth: `active_stages` (a model variable, so checkpoints, `.keras` files
    and `keras.callbacks.BackupAndRestore` carry it) says how many stages
    train and generate. Train stage 1 alone, then `grow()` (or the
    `GrowStages` callback) to train stages 1+2 jointly, then all. Every
    stage's variables and optimizer state exist from `compile` on, each stage
    has its own optimizers (so a new stage's Adam starts from step 0), and
    only active stages' gradients are applied: inactive stages stay exactly
    as initialised. One `tf.function` is traced per active-stage count and
    picked by the variable's value at each call, so growth inside one `fit`
    works under any distribution strategy.

    `call` / `predict` return the largest active stage's image;
    `call(c, all_stages=True)` or `generate_stages(c)` return all of them.
    The noise is `[z, eps]`: stage 1's noise, then the augmentation's own
    sample (`noise_shape` is `(latent_dim + code_dim,)`).
    `model.generator` is the whole chain `[noise, condition] -> image at the
    largest size` for export (`generator_chain(stages)` for a shorter one).

    Args:
        generators: list of 2 or 3 `keras.Model`s: the stage-1 generator
            `[noise, code] -> image`, then refiners `[image, code] -> image`
            at twice the size (`networks.stackgan_networks`).
        discriminators: list of `keras.Model`s `[image, condition] -> logit(s)`,
            one per stage, all of one design.
        condition_encoder: `keras.Model` `condition -> [B, 2 * code_dim]`
            (mean, then log-variance).
        condition: int or condition object (see `ConditionalGAN`).
        kl_weight: float. Weight of the conditioning-augmentation KL term;
            `0` turns augmentation off. Defaults to `1.0`.
        active_stages: int. Stages active at construction. Defaults to `1`.
        mismatch_weight, design, auxiliary_weight, auxiliary_on_fake, adversarial_weight, seed:
            as for `ConditionalGAN`.
        diversity_weight, diversity_limit, diversity_stride, diversity_warmup:
            as for `ConditionalGAN`; the term compares two draws of the
            last active stage, and the warm-up counts generator steps from
            the start of training, not from when a stage was added.
        ema_decay: as for `GANModel`; each stage's average is bias-corrected
            over its own steps, so it starts when the stage is added.
        translation: as for `ConditionalGAN`; each stage's D sees its images
            shifted by up to that share of their side.

    Example:

    >>> import numpy as np
    >>> from keras_cgan import StackGAN
    >>> from keras_cgan.models.stack_gan import networks as stackgan
    >>> nets = stackgan.build_networks((8, 16), condition=10, latent_dim=4, code_dim=4, base_filters=8)
    >>> gan = StackGAN(**nets, condition=10, seed=0)
    >>> gan.compile()
    >>> images = np.random.uniform(-1, 1, (32, 16, 16, 3)).astype("float32")
    >>> history = gan.fit(np.arange(32) % 10, images, batch_size=16, epochs=1, verbose=0)
    >>> gan.predict(np.arange(4), verbose=0).shape     # stage 1 only: 8x8
    (4, 8, 8, 3)
    >>> gan.grow()
    2
    >>> gan.predict(np.arange(4), verbose=0).shape
    (4, 16, 16, 3)

    Reference:
        Zhang et al. 2017, "StackGAN: Text to Photo-realistic Image Synthesis
        with Stacked Generative Adversarial Networks" (ICCV); Zhang et al.
        2018, "StackGAN++: Realistic Image Synthesis with Stacked Generative
        Adversarial Networks".
    """

    _discriminator_argument = "discriminators[-1]"
    loss_names = ConditionalGAN.loss_names + (
        "g_kl", "active_stages",
        *(f"d_stage{k}" for k in range(1, max(STAGES) + 1)),
        *(f"g_stage{k}" for k in range(1, max(STAGES) + 1)),
    )

    def __init__(
        self, generators, discriminators, condition_encoder, condition, kl_weight=1.0, active_stages=1, **kwargs
    ):
        generators, discriminators = _stage_list("generators", generators), _stage_list("discriminators", discriminators)
        if len(generators) not in STAGES:
            raise ValueError(f"`generators` must hold {' or '.join(map(str, STAGES))} stages. Received {len(generators)}.")
        if len(discriminators) != len(generators):
            raise ValueError(
                f"One discriminator per stage: got {len(generators)} generators and {len(discriminators)} discriminators."
            )
        for name, models in (("generators", generators), ("discriminators", discriminators)):
            for k, model in enumerate(models):
                if not isinstance(model, keras.Model):
                    raise ValueError(f"`{name}[{k}]` must be a keras.Model. Received: {type(model)}")
        if not isinstance(condition_encoder, keras.Model):
            raise ValueError(f"`condition_encoder` must be a keras.Model. Received: {type(condition_encoder)}")
        kl_weight = checks.number("kl_weight", kl_weight)
        active_stages = checks.integer("active_stages", active_stages, low=1, high=len(generators))
        self.sizes = self._check_stages(generators, condition_encoder)
        chain = stackgan_networks.generator_chain(condition_encoder, generators, stochastic=kl_weight > 0)
        super().__init__(chain, discriminators[-1], condition, **kwargs)
        self.generators = generators
        self.discriminators = discriminators
        self.condition_encoder = condition_encoder
        self.kl_weight = kl_weight
        self.augmentation = chain.get_layer("augmentation")
        for k, (d, size) in enumerate(zip(discriminators, self.sizes)):
            self._check_stage_discriminator(k, d, size)
            if k < len(discriminators) - 1:  # the last was looked at as `discriminators[-1]`
                self._warn_batch_norm(d, f"discriminators[{k}]")
        self.active_stages = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(active_stages),
            dtype="int32",
            trainable=False,
            name="active_stages",
        )

    # ---------------------------------------------------------------- checks

    @staticmethod
    def _check_stages(generators, condition_encoder):
        stats_width = int(condition_encoder.outputs[0].shape[-1])
        if stats_width % 2:
            raise ValueError(f"The condition encoder must return [mean, log-variance]: an even width; got {stats_width}.")
        code_dim = stats_width // 2
        first = generators[0]
        if len(first.inputs) != 2 or tuple(first.inputs[1].shape[1:]) != (code_dim,):
            raise ValueError(
                f"The stage-1 generator must take [noise, code [{code_dim}]]; its inputs are "
                f"{[tuple(t.shape[1:]) for t in first.inputs]}."
            )
        sizes = [tuple(first.outputs[0].shape[1:])]
        for k, refiner in enumerate(generators[1:], start=2):
            if len(refiner.inputs) != 2 or tuple(refiner.inputs[0].shape[1:]) != sizes[-1]:
                raise ValueError(
                    f"Stage {k}'s generator must take [image {sizes[-1]}, code] (the previous stage's image); its "
                    f"inputs are {[tuple(t.shape[1:]) for t in refiner.inputs]}."
                )
            if tuple(refiner.inputs[1].shape[1:]) != (code_dim,):
                raise ValueError(
                    f"Stage {k}'s generator takes a code of shape {tuple(refiner.inputs[1].shape[1:])}; the "
                    f"condition encoder makes ({code_dim},)."
                )
            sizes.append(tuple(refiner.outputs[0].shape[1:]))
        stackgan_networks.check_sizes([s[0] for s in sizes])
        return [s[0] for s in sizes]

    def _check_stage_discriminator(self, k, discriminator, size):
        want = tuple(self.generators[k].outputs[0].shape[1:])
        if len(discriminator.inputs) != 2 or tuple(discriminator.inputs[0].shape[1:]) != want:
            raise ValueError(
                f"Stage {k + 1}'s discriminator must take [image {want}, condition]; its inputs are "
                f"{[tuple(t.shape[1:]) for t in discriminator.inputs]}."
            )
        if tuple(discriminator.inputs[1].shape[1:]) != tuple(self.condition.input_shape):
            raise ValueError(
                f"Stage {k + 1}'s discriminator takes conditions of shape {tuple(discriminator.inputs[1].shape[1:])}; "
                f"the condition needs {tuple(self.condition.input_shape)}."
            )
        self._check_embeddings(discriminator, f"stage {k + 1} discriminator")
        widths = [tuple(o.shape[1:]) for o in discriminator.outputs]
        if widths != [tuple(o.shape[1:]) for o in self.discriminator.outputs]:
            raise ValueError(
                f"All discriminators must have one design; stage {k + 1}'s outputs {widths} differ from the "
                f"last stage's {[tuple(o.shape[1:]) for o in self.discriminator.outputs]}."
            )

    # ---------------------------------------------------------------- growth

    def scoring_networks(self):
        """Every stage's discriminator (all must return logits)."""
        return list(self.discriminators)

    @property
    def num_stages(self):
        return len(self.generators)

    def stages(self):
        """The number of active stages, as a Python int."""
        with tf.init_scope():  # read eagerly, also while a tf.function traces
            return int(self.active_stages.numpy())

    def grow(self, stages=None):
        """Activates one more stage (or `stages` in all); learned weights are kept.

        Returns the number of active stages. Growing never shrinks: asking for
        fewer stages than are active raises `ValueError`.
        """
        current = self.stages()
        stages = current + 1 if stages is None else checks.integer("stages", stages)
        if not current <= stages <= self.num_stages:
            raise ValueError(
                f"`stages` must be in [{current}, {self.num_stages}] (active: {current}). Received: stages={stages}"
            )
        self.active_stages.assign(stages)
        return stages

    # ------------------------------------------------------------ generation

    def generate_stages(self, condition, noise=None, training=False, stages=None):
        """Returns `(images, stats)`: one image batch per stage up to `stages` (default: active).

        `stages` may exceed the active count (to look at stages not yet
        trained), up to `num_stages`. A user's conditions are checked and
        prepared as `generate` takes them; on a `keras.Input`, as for
        `generate`, the model's call makes the node of a functional model
        (of the stages active now, when `stages` is not given).
        """
        # Not `stages or ...`: 0 gave the active stages, -1 all but the last, 4 the 3 there are, silently.
        stages = self.stages() if stages is None else checks.integer("stages", stages, low=1, high=self.num_stages)
        if not self._prepared(condition):  # a user's ids, lists, arrays or tensors
            if self._symbolic(condition):  # a `keras.Input`: only the model's call takes it
                if noise is not None:
                    self._check_noise_width(noise)  # before Keras wraps the error in its own
                return self(condition, noise=noise, training=training, stages=stages)
            condition, noise = self._user_batch(condition, noise)
        if noise is None:
            noise = self.sample_noise(tf.shape(tf.nest.flatten(condition)[0])[0])
        noise = tf.convert_to_tensor(noise)  # a NumPy array met the code tensor in Keras' "cannot mix" error
        self._check_noise_width(noise)
        z, eps = stackgan_networks.split_noise(noise, int(self.generators[0].inputs[0].shape[-1]))
        stats = self.condition_encoder(condition, training=training)
        code = self.augmentation([stats, eps])
        images = [self.generators[0]([z, code], training=training)]
        for refiner in self.generators[1:stages]:
            images.append(refiner([images[-1], code], training=training))
        return images, stats

    def _check_noise_width(self, noise):
        """Raises `ValueError` naming `noise` unless its last axis (when known) is the width the model takes."""
        latent, width = int(self.generators[0].inputs[0].shape[-1]), self.noise_shape[0]
        shape = tf.TensorShape(noise.shape)
        if shape.rank and shape[-1] is not None and shape[-1] != width:
            raise ValueError(
                f"`noise` has width {shape[-1]}; this StackGAN takes noise of width {width} "
                f"(latent {latent} + code {width - latent}: the stage-1 noise, then the augmentation sample)."
            )

    def generate(self, condition, noise=None, training=False):
        # A user's ids, lists, arrays or tensors are checked as `predict` checks them (in `generate_stages`).
        return self.generate_stages(condition, noise, training)[0][-1]

    def __call__(self, *args, **kwargs):
        # Checked before Keras wraps the error in its own; by name or by place in `call`'s signature.
        given = {**dict(zip(("condition", "training", "noise", "all_stages", "stages"), args)), **kwargs}
        all_stages, stages = given.get("all_stages"), given.get("stages")
        if all_stages and stages is not None:  # was: `stages` won in silence, `(images, stats)` returned
            raise ValueError(
                f"`all_stages=True` and `stages={stages!r}` were both given: `all_stages=True` returns every active "
                "stage's images, `stages` returns `(images, stats)` through that stage. Give one of them; for the "
                f"images through stage {stages!r}, call `generate_stages(condition, stages={stages!r})[0]`."
            )
        return super().__call__(*args, **kwargs)

    def call(self, condition, training=False, noise=None, all_stages=False, stages=None):
        """The largest active stage's images; every active stage's with `all_stages=True`.

        `stages` (an int) returns `generate_stages(condition, noise, training,
        stages)`, `(images, stats)`: its node in a functional model. It is
        refused together with `all_stages=True` (they ask for other things).
        """
        condition = self.prepare_condition(condition)
        with self._own_batch():
            if stages is not None:
                return self.generate_stages(condition, noise, training, stages)
            if not all_stages:  # a subclass's `generate` makes the model's output, as it does `predict`'s
                return self.generate(condition, noise, training)
            return self.generate_stages(condition, noise, training)[0]

    def sampling_generator(self):
        """The chain of the grown stages: `self.generator` once every stage grew."""
        grown = self.stages()
        return self.generator if grown == self.num_stages else self.generator_chain(grown)

    def generator_chain(self, stages=None):
        """A `[noise, condition] -> image` model through the first `stages` stages (default: all).

        It shares weights with this model; export it with `keras_cgan.export`.
        """
        stages = self.num_stages if stages is None else checks.integer("stages", stages, low=1, high=self.num_stages)
        return stackgan_networks.generator_chain(
            self.condition_encoder, self.generators[:stages], stochastic=self.kl_weight > 0,
            name=f"stackgan_generator_{self.sizes[stages - 1]}",
        )

    # -------------------------------------------------------------- training

    def compile(self, generator_optimizer="adam", discriminator_optimizer="adam", **kwargs):
        """As `GANModel.compile`; each stage gets its own copy of each optimizer.

        Every copy is built on its stage's variables here (inside the
        distribution strategy's scope), so growing later creates nothing.
        """
        super().compile(generator_optimizer, discriminator_optimizer, **kwargs)
        with self.distribute_strategy.scope():
            self.generator_optimizers = [self.generator_optimizer] + [
                self._copy_optimizer(self.generator_optimizer) for _ in range(self.num_stages - 1)
            ]
            self.discriminator_optimizers = [self.discriminator_optimizer] + [
                self._copy_optimizer(self.discriminator_optimizer) for _ in range(self.num_stages - 1)
            ]
            for k in range(1, self.num_stages):
                self.generator_optimizers[k].build(self._generator_variables(k))
                self.discriminator_optimizers[k].build(self.discriminators[k].trainable_variables)

    def _build_optimizers(self):
        # GANModel.compile builds the first optimizers on the first stage only.
        self.generator_optimizer.build(self._generator_variables(0))
        self.discriminator_optimizer.build(self.discriminators[0].trainable_variables)

    @staticmethod
    def _copy_optimizer(optimizer):
        return keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))

    def _stage_networks(self, k):
        """The networks stage `k` (0-based) trains; stage 1 owns the condition encoder."""
        return ([self.condition_encoder] if k == 0 else []) + [self.generators[k]]

    def _generator_variables(self, k):
        """Trainable variables of stage `k` (0-based)."""
        return [v for network in self._stage_networks(k) for v in network.trainable_variables]

    def _stage_targets(self, target, stages):
        """Real images average-pooled to each of the first `stages` sizes."""
        target = tf.cast(target, "float32")
        full = self.sizes[-1]
        return [
            target if size == full else tf.nn.avg_pool2d(target, full // size, full // size, "VALID")  # [B, s, s, C]
            for size in self.sizes[:stages]
        ]

    # The shared step (`GANModel.train_step`) trains the active stages: one
    # group of variables and optimizers per stage, one loss per role.

    def trace_key(self):
        return self.stages()

    def training_sample(self, condition, training):
        return self.generate_stages(condition, training=training)  # (images, stats)

    def generator_groups(self):
        return [(self._generator_variables(k), self.generator_optimizers[k]) for k in range(self.stages())]

    def discriminator_groups(self):
        return [(self.discriminators[k].trainable_variables, self.discriminator_optimizers[k]) for k in range(self.stages())]

    def generator_networks(self):
        return [self.condition_encoder] + self.generators[: self.stages()]

    def discriminator_networks(self):
        return self.discriminators[: self.stages()]

    def _ema_steps(self):
        # Each stage's average counts its own optimizer's steps, so a stage added
        # later starts its average from its first trained weights.
        stage_of = {id(w): k for k in range(self.num_stages) for n in self._stage_networks(k) for w in n.weights}
        return [self.generator_optimizers[stage_of[id(w)]].iterations for w in self._ema_sources()]

    def _per_stage(self, objective, role, condition, target, images, training):
        """Sums `objective` (ConditionalGAN's) over the stages; logs each stage and the summed parts."""
        total, logs = 0.0, {}
        for k, (image, real) in enumerate(zip(images, self._stage_targets(target, len(images)))):
            loss, parts = objective(condition, real, image, training, discriminator=self.discriminators[k])
            total += loss
            logs[f"{role}_stage{k + 1}"] = loss
            for name, value in parts.items():
                logs[name] = logs.get(name, 0.0) + value
        return total, logs

    def discriminator_objective(self, condition, target, fake, training):
        images, _ = fake
        return self._per_stage(super().discriminator_objective, "d", condition, target, images, training)

    def generator_objective(self, condition, target, fake, training):
        images, stats = fake
        judged = lambda c, real, image, tr, discriminator: self.judged_by_discriminator(c, image, tr, discriminator)
        total, logs = self._per_stage(judged, "g", condition, target, images, training)
        logs["g_kl"] = tf.reduce_mean(self.augmentation.kl(stats)) if self.kl_weight > 0 else tf.constant(0.0)
        logs["active_stages"] = tf.constant(float(len(images)))
        return self.with_diversity(total + self.kl_weight * logs["g_kl"], logs, condition, training)

    # --------------------------------------------------------- serialization

    def get_config(self):
        config = super().get_config()
        del config["generator"], config["discriminator"]
        config.update(
            generators=[keras.layers.serialize(g) for g in self.generators],
            discriminators=[keras.layers.serialize(d) for d in self.discriminators],
            condition_encoder=keras.layers.serialize(self.condition_encoder),
            kl_weight=self.kl_weight,
            active_stages=self.stages(),
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)
        config["generators"] = [keras.layers.deserialize(g) for g in config["generators"]]
        config["discriminators"] = [keras.layers.deserialize(d) for d in config["discriminators"]]
        config["condition_encoder"] = keras.layers.deserialize(config["condition_encoder"])
        return cls(**config)


class MissedGrowthWarning(UserWarning):
    """`GrowStages`' warning that a `fit` ends before growths: `fact` says so, `missed` lists their epochs."""

    def __init__(self, fact, missed, advice):
        super().__init__(f"{fact} {advice}")
        self.fact, self.missed, self.advice = fact, missed, advice

    def __reduce__(self):  # copied and pickled whole (a warning's `args` hold the message alone)
        return type(self), (self.fact, self.missed, self.advice)


class GrowStages(keras.callbacks.Callback):
    """Grows a `StackGAN` at the start of given epochs.

    `GrowStages([10, 20])`: stage 1 alone for epochs 0-9, stages 1+2 from
    epoch 10, all three from epoch 20. The target count is computed from the
    epoch, so a run resumed by `BackupAndRestore` lands in the same state.
    Epochs are `fit`'s: a later `fit` counts from its `initial_epoch` (0 by
    default), so pass `initial_epoch=` to go on with the schedule. Epochs
    past the last growth train all stages; a model never shrinks; epochs
    beyond the model's later stages are ignored (one schedule serves two-
    and three-stage models). A `fit` that ends before a growth to a stage
    the model lacks warns (on the chief), as does a schedule that never
    grows the model's last stages (too few epochs).

    Args:
        epochs: list of int. Epoch (0-based) at which each later stage starts.

    Example:

    >>> GrowStages([10, 20]).stages_at(15)
    2
    """

    def __init__(self, epochs):
        super().__init__()
        given = epochs
        try:
            epochs = None if isinstance(epochs, (str, bytes)) else list(epochs)
        except TypeError:  # `GrowStages(10)`, one epoch not in a list
            epochs = None
        if epochs is None or not all(checks.is_integer(e) and e >= 0 for e in epochs) or epochs != sorted(epochs):
            raise ValueError(
                f"`epochs` must be increasing, non-negative int epochs in a list (`[10]` for one). Received: "
                f"epochs={given!r}"
            )
        epochs = [int(e) for e in epochs]
        self.epochs = epochs

    def stages_at(self, epoch):
        """How many stages are active at (0-based) `epoch`."""
        return 1 + sum(epoch >= e for e in self.epochs)

    def on_train_begin(self, logs=None):
        if not isinstance(self.model, StackGAN):
            raise ValueError(f"GrowStages needs a StackGAN model; got {type(self.model).__name__}.")
        from keras_cgan.callbacks import is_chief

        if not is_chief(self.model):  # every worker runs callbacks; one warns
            return
        stages = self.model.num_stages
        reached = max(1 + len(self.epochs), self.model.stages())
        if reached < stages:  # was: the later stages stayed as initialised, in silence
            warnings.warn(
                f"GrowStages({self.epochs}) has no epoch for stage(s) {list(range(reached + 1, stages + 1))} of "
                f"the model's {stages}: they never grow, and stay as initialised. Give one epoch (0-based) per later "
                f"stage, {stages - 1} in increasing order.",
                stacklevel=checks.user_stacklevel(),  # the `fit` call, not Keras' callback list
            )
        ends = (self.params or {}).get("epochs")
        if ends is None:
            return
        # Growth `i` (0-based) brings stage `i + 2`; a model that has it already misses nothing.
        missed = [e for i, e in enumerate(self.epochs[: self.model.num_stages - 1])
                  if e >= ends and i + 2 > self.model.stages()]
        if missed:
            grown = max(self.model.stages(), self.stages_at(ends - 1))
            fact = (f"GrowStages: this `fit` ends after epoch {ends - 1}, before the growth at epoch(s) {missed} "
                    f"(0-based); the model ends with {grown} of its {self.model.num_stages} stages.")
            warnings.warn(
                MissedGrowthWarning(fact, missed, "Fit for more epochs, or go on in a later `fit` with "
                                    "`initial_epoch=` (GrowStages reads `fit`'s epochs, which start there)."),
                stacklevel=checks.user_stacklevel(),  # the `fit` call, not Keras' callback list
            )

    def on_epoch_begin(self, epoch, logs=None):
        want = min(self.stages_at(epoch), self.model.num_stages)
        if want > self.model.stages():
            self.model.grow(want)
