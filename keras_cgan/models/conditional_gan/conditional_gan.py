"""`ConditionalGAN`: class-conditional image generation with a matching-aware D."""

import keras
import numpy as np
import tensorflow as tf

from keras_cgan import checks
from keras_cgan import conditions as conditions_lib
from keras_cgan import distribute
from keras_cgan.models.conditional_gan import networks
from keras_cgan.models.conditional_gan.defaults import AUXILIARY_ON_FAKE
from keras_cgan.models.gan_model import GANModel


def translate(images, shifts):
    """Shifts each image `[N, H, W, C]` by its `shifts[n] = (down, right)` pixels, repeating the edges.

    Differentiable in `images` (a gather), as DiffAugment's translation is.

    >>> translate(tf.reshape(tf.range(4.0), [1, 1, 4, 1]), tf.constant([[0, 1]]))[0, 0, :, 0].numpy()
    array([0., 0., 1., 2.], dtype=float32)
    """
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    rows = tf.clip_by_value(tf.range(height)[None, :] - shifts[:, :1], 0, height - 1)  # [N, H]
    cols = tf.clip_by_value(tf.range(width)[None, :] - shifts[:, 1:], 0, width - 1)  # [N, W]
    images = tf.gather(images, rows, axis=1, batch_dims=1)
    return tf.gather(images, cols, axis=2, batch_dims=1)


@keras.saving.register_keras_serializable(package="keras_cgan")
class ConditionalGAN(GANModel):
    """A conditional GAN whose discriminator judges realism *and* match.

    Each training step scores three kinds of pairs in one discriminator call:
    a real image with its own condition (target real), a generated image with
    the condition it was made from (target fake) and a real image with a
    wrong condition (target fake, weighted by `mismatch_weight`; Reed et al.
    2016). Without the third term D may only check realism, and G can learn
    to ignore the condition.

    Two-output discriminators change what is scored. `acgan`: D also learns
    to classify real and fake images by their condition and G to make fakes
    it classifies right (Odena et al. 2017); the condition object gives the
    head's width (`num_labels`) and its loss (`auxiliary_loss`). `tacgan`
    (Gong et al. 2019) adds a twin classifier that learns the classes of
    generated images while the first learns real ones only; G makes fakes
    the first classifies right and the twin classifies badly, which cancels
    AC-GAN's pull towards the easiest-to-classify sample of each class. `two_head`
    (StackGAN++): the realism head scores real images real (with either
    condition) and fakes fake; the match head scores real+right condition as
    match, and fake+its condition and real+wrong condition as mismatch.

    Args:
        generator: `keras.Model` with inputs `[noise, condition]` returning an
            image, e.g. `networks.conditional_generator(...)`.
        discriminator: `keras.Model` with inputs `[image, condition]`
            returning one logit per sample (`concat`, `projection`, `none`),
            `[logit, class logits]` (`acgan`), `[logit, class logits, twin
            class logits]` (`tacgan`) or `[realism, match]` (`two_head`); see
            `networks.conditional_discriminator`.
        condition: int or condition object. The number of classes, or a
            condition such as `ClassCondition(10)`, `TagsCondition(vocab)`,
            `TextCondition(vocabulary_size, length)`, `EmbeddingCondition(dim)`.
        mismatch_weight: float. Weight of the real-image/wrong-condition term;
            `0` gives the plain conditional GAN. Defaults to `1.0`.
        design: str or None. `"single"` (one logit), `"acgan"`, `"tacgan"`
            or `"two_head"`; `None` reads it off the discriminator's outputs
            (three are `tacgan`; two whose second has width 1 are `two_head`,
            wider `acgan`).
        auxiliary_weight: float. Weight of the `acgan` and `tacgan` class
            losses, added for D on real (and fake) images and for G on fake
            ones. Defaults to `1.0`.
        auxiliary_on_fake: bool or `"negative"`. What D's auxiliary
            classifier learns from generated images. `True`: the condition
            they were made from (Odena et al. 2017). `False`: nothing; it
            learns from real images only, so it cannot learn the generator's
            own cues for a class and G has to draw what real images of the
            class look like (for captioned shapes it is what makes shapes
            right). `"negative"`: that they hold none of the labels (every
            label's target 0, as in Omni-GAN, Zhou et al. 2021), so cues
            seen only in generated images stop counting for a label; for
            the `acgan` design (`concat_acgan` discriminators too) and
            conditions whose labels are independent sigmoids (tags, text).
            `tacgan` always trains its first classifier on real images only
            and its twin on generated ones. Defaults to `True`
            (ConditionalGAN's preset uses `False`, StackGAN's `"negative"`).
        diversity_weight: float. Weight of a mode-seeking term for the
            generator (the diversity-sensitive term of Yang et al. 2019,
            DSGAN): two noise draws for the same
            condition should give samples that differ in proportion to how
            much the draws differ, `mean|G(c, z1) - G(c, z2)| / mean|z1 - z2|`
            per example, capped at `diversity_limit`; the generator
            maximizes it. It costs one more generator pass over twice the
            batch (both draws in one call). `0` turns it off. Defaults to `0.0`.
        diversity_limit: float. The cap on that ratio: samples need not
            differ more than this. Defaults to `1.0`.
        diversity_stride: int. The term is taken on every `k`-th example of
            the global batch, so its extra pass costs `1/k` of what it costs
            on every example; on replicas that each hold at least `k`
            examples it is the one-device term. `1` takes every example.
            Defaults to `1`.
        diversity_warmup: int. Generator steps over which the mode-seeking
            weight rises linearly from 0 to `diversity_weight`, so the
            condition is learned first and variety is asked for later. `0`
            applies the full weight from the first step. Defaults to `0`.
        translation: float in `[0, 0.5)`. While training, every image D
            sees (real, generated, in D's and in G's loss) is shifted each
            way by a whole number of pixels drawn per image, up to this
            share of its side, edges repeated (DiffAugment's translation,
            Zhao et al. 2020). `0` turns it off. Defaults to `0.0`.
        adversarial_weight: float. Weight of the generator's adversarial
            loss. `0` leaves the generator the classifier term of an `acgan`
            or `tacgan` discriminator (`auxiliary_weight > 0`) and the
            mode-seeking term; with neither it is refused. Defaults to `1.0`.
        seed: int. Seed of noise and wrong conditions. Defaults to `None`.
        ema_decay: float or None. As for `GANModel`: keeps an average of the
            generator's weights (`ema_weights()`, `ema_generator()`).
            Defaults to `None`.

    Example:

    >>> import numpy as np
    >>> from keras_cgan import ConditionalGAN, networks
    >>> g = networks.conditional_generator((8, 8, 1), num_classes=10, latent_dim=8)
    >>> d = networks.conditional_discriminator((8, 8, 1), num_classes=10)
    >>> gan = ConditionalGAN(g, d, condition=10, seed=0)
    >>> gan.compile()
    >>> images = np.random.uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    >>> labels = np.arange(32) % 10
    >>> history = gan.fit(labels, images, batch_size=16, epochs=1, verbose=0)
    >>> gan.predict(np.arange(10), verbose=0).shape
    (10, 8, 8, 1)

    Reference:
        Mirza & Osindero 2014, "Conditional Generative Adversarial Nets";
        Reed et al. 2016, "Generative Adversarial Text to Image Synthesis";
        Odena et al. 2017, "Conditional Image Synthesis with Auxiliary
        Classifier GANs"; Gong et al. 2019, "Twin Auxiliary Classifiers GAN";
        Zhang et al. 2018, "StackGAN++".
    """

    varied_per_condition = True  # CollapseMonitor: one condition, many samples

    loss_names = (
        "d_loss", "d_real", "d_fake", "d_mismatch", "d_match", "d_aux", "d_twin", "d_penalty",
        "g_loss", "g_adv", "g_match", "g_aux", "g_twin", "g_diversity",
    )
    designs = ("single", "acgan", "tacgan", "two_head")

    def __init__(
        self,
        generator,
        discriminator,
        condition,
        mismatch_weight=1.0,
        design=None,
        auxiliary_weight=1.0,
        auxiliary_on_fake=True,
        diversity_weight=0.0,
        diversity_limit=1.0,
        diversity_stride=1,
        diversity_warmup=0,
        translation=0.0,
        **kwargs,
    ):
        super().__init__(generator, discriminator, **kwargs)
        diversity_weight = checks.number("diversity_weight", diversity_weight)
        diversity_limit = checks.number("diversity_limit", diversity_limit, low_open=True)
        diversity_stride = checks.integer("diversity_stride", diversity_stride, low=1)
        diversity_warmup = checks.integer("diversity_warmup", diversity_warmup, low=0)
        translation = checks.number("translation", translation, high=0.5, high_open=True)
        if translation > 0 and len(generator.outputs[0].shape) != 4:
            raise ValueError(
                f"`translation` shifts images [batch, height, width, channels]; the generator makes samples of shape "
                f"{tuple(generator.outputs[0].shape)}."
            )
        mismatch_weight = checks.number("mismatch_weight", mismatch_weight)
        auxiliary_weight = checks.number("auxiliary_weight", auxiliary_weight)
        if design is not None and design not in self.designs:
            raise ValueError(f"`design` must be one of {self.designs} or None. Received: design={design!r}")
        self.condition = conditions_lib.get(condition)
        if auxiliary_on_fake not in AUXILIARY_ON_FAKE:
            raise ValueError(
                f"`auxiliary_on_fake` must be one of {AUXILIARY_ON_FAKE}. Received: auxiliary_on_fake={auxiliary_on_fake!r}"
            )
        if auxiliary_on_fake == "negative" and not getattr(self.condition, "independent_labels", False):
            raise ValueError(
                "`auxiliary_on_fake='negative'` needs a condition whose labels are independent (tags, text): a "
                f"generated image is taught as holding none of them. {type(self.condition).__name__} does not set "
                "`independent_labels = True`; use True or False."
            )
        self.mismatch_weight = mismatch_weight
        self.auxiliary_weight = auxiliary_weight
        self.auxiliary_on_fake = "negative" if auxiliary_on_fake == "negative" else bool(auxiliary_on_fake)
        self.diversity_weight = diversity_weight
        self.diversity_limit = diversity_limit
        self.diversity_stride = diversity_stride
        self.diversity_warmup = diversity_warmup
        self.translation = translation
        self._explicit_design = design
        self._check_networks()
        self.design = design or self._detect_design()
        if self.auxiliary_on_fake == "negative" and self.design != "acgan":
            raise ValueError(
                f"`auxiliary_on_fake='negative'` acts on an `acgan` discriminator's classifier (`conditioning='acgan'` "
                f"or 'concat_acgan'); this is {self._described_discriminator()}."
            )
        self._check_heads()

    def _check_generator_loss(self):
        """Raises `ValueError` (from `fit`) when no term of the generator loss reaches the generator.

        With `adversarial_weight=0` a classifier term (`acgan`, `tacgan`, with
        `auxiliary_weight > 0`) or the mode-seeking term must be left to train
        it. Checked at `fit`, not when built, so such a model still loads.
        """
        classifier = self.design in ("acgan", "tacgan") and self.auxiliary_weight > 0
        if self.adversarial_weight > 0 or classifier or self.diversity_weight > 0:
            return
        if self.design in ("acgan", "tacgan"):
            problem, fix = "`adversarial_weight=0` and `auxiliary_weight=0` leave", "Set either above 0, or `diversity_weight > 0`."
        else:
            problem = f"`adversarial_weight=0` with {self._described_discriminator()} leaves"
            fix = (
                "Another term must train the generator: an `acgan` or `tacgan` discriminator with "
                "`auxiliary_weight > 0` (the presets' `conditioning='acgan'`, 'concat_acgan' or 'tacgan'), or "
                "`diversity_weight > 0`; otherwise keep `adversarial_weight` above 0 (the default 1.0)."
            )
        raise ValueError(
            f"{problem} the generator no loss term: `fit` would train the discriminator alone and leave the "
            f"generator as initialised. {fix}"
        )

    def _described_discriminator(self):
        """The discriminator named as the user built it: by its `conditioning`, not the internal design 'single'."""
        if self.design != "single":
            return f"a {self.design!r} discriminator"
        conditioning = networks.conditioning_of(self.discriminator)
        if conditioning is None:
            return "a one-logit discriminator"
        return f"a `conditioning={conditioning!r}` discriminator (one logit)"

    def _check_networks(self):
        g, d = self.generator, self.discriminator
        want = tuple(self.condition.input_shape)
        if len(g.inputs) != 2:
            raise ValueError(
                f"The generator must take inputs [noise, condition]; it has {len(g.inputs)} input(s)."
            )
        if tuple(g.inputs[1].shape[1:]) != want:
            raise ValueError(
                f"The generator's condition input has shape {tuple(g.inputs[1].shape[1:])} per "
                f"sample; the condition needs {want}."
            )
        if len(d.inputs) != 2:
            raise ValueError(
                f"The discriminator must take inputs [image, condition]; it has {len(d.inputs)} input(s)."
            )
        image_shape = tuple(g.outputs[0].shape[1:])
        if tuple(d.inputs[0].shape[1:]) != image_shape:
            raise ValueError(
                f"The generator makes images of shape {image_shape} but the discriminator's "
                f"image input has shape {tuple(d.inputs[0].shape[1:])}."
            )
        if tuple(d.inputs[1].shape[1:]) != want:
            raise ValueError(
                f"The discriminator's condition input has shape {tuple(d.inputs[1].shape[1:])} "
                f"per sample; the condition needs {want}."
            )
        self._check_embeddings(g, "generator")
        self._check_embeddings(d, "discriminator")
        if len(d.outputs) not in (1, 2, 3):
            raise ValueError(
                f"The discriminator must return one logit, two outputs ([logit, class logits] "
                f"or [realism, match]) or three ([logit, class logits, twin class logits]); it "
                f"returns {len(d.outputs)} outputs."
            )
        if tuple(d.outputs[0].shape[1:]) not in ((), (1,)):
            raise ValueError(
                "The discriminator must return one logit per sample (shape [batch] or "
                f"[batch, 1]); it returns {tuple(d.outputs[0].shape[1:])} per sample."
            )

    def _check_embeddings(self, network, role):
        """Raises `ValueError` if an embedding of the condition has fewer rows than the condition has ids.

        Such a network was built for fewer classes (or a smaller vocabulary)
        and would fail mid-`fit` on the first larger id.
        """
        limit = getattr(self.condition, "num_ids", None)
        if limit is None:
            return
        for layer in network._flatten_layers(include_self=False, recursive=True):
            fed_by_input = any(
                isinstance(getattr(getattr(t, "_keras_history", None), "operation", None), keras.layers.InputLayer)
                for node in layer._inbound_nodes
                for t in node.input_tensors
            )
            if isinstance(layer, keras.layers.Embedding) and fed_by_input and layer.input_dim < limit:
                raise ValueError(
                    f"The {role}'s embedding {layer.name!r} has input_dim={layer.input_dim}, but the condition "
                    f"{type(self.condition).__name__} has {limit} ids (0 to {limit - 1}): the {role} was built "
                    f"for fewer classes or words. Build it for condition={limit}."
                )

    def _detect_design(self):
        outputs = self.discriminator.outputs
        if len(outputs) == 1:
            return "single"
        if len(outputs) == 3:
            return "tacgan"
        return "two_head" if tuple(outputs[1].shape[1:]) in ((), (1,)) else "acgan"

    def _check_heads(self):
        outputs = self.discriminator.outputs
        want = {"single": 1, "acgan": 2, "tacgan": 3, "two_head": 2}[self.design]
        if len(outputs) != want:
            builds = {"single": "'concat' or 'projection'", "acgan": "'acgan' or 'concat_acgan'"}.get(
                self.design, repr(self.design))
            raise ValueError(
                f"`design={self.design!r}` needs a discriminator with {want} output(s); it has {len(outputs)}. Build "
                f"it with `conditioning={builds}` (`networks.conditional_discriminator`, or the presets' override), "
                "or pass `design=None` to read the design off the discriminator."
            )
        if self.design == "two_head" and tuple(outputs[1].shape[1:]) not in ((), (1,)):
            raise ValueError(
                "A two_head discriminator's second output must be one match logit per sample; it "
                f"returns {tuple(outputs[1].shape[1:])} per sample."
            )
        if self.design in ("acgan", "tacgan"):
            labels = self.condition.num_labels
            if labels is None:
                raise ValueError(
                    f"design={self.design!r} needs a condition with labels (`num_labels`: class, tag or text "
                    f"conditions; the auxiliary head predicts them); got {type(self.condition).__name__}."
                )
            for head in outputs[1:]:
                if tuple(head.shape[1:]) != (labels,):
                    raise ValueError(
                        f"The {self.design} discriminator's class head returns {tuple(head.shape[1:])} per "
                        f"sample; the condition needs ({labels},) logits."
                    )

    def generate(self, condition, noise=None, training=False):
        """As `GANModel.generate`; `noise` of another width than the generator's raises a `ValueError` naming it."""
        shape = None if noise is None else tf.TensorShape(noise.shape if hasattr(noise, "shape") else np.shape(noise))
        if shape is not None and not shape[1:].is_compatible_with(self.noise_shape):
            raise ValueError(
                f"`noise` must have shape [batch, *{self.noise_shape}] (the generator's noise input: its "
                f"`latent_dim`). Received shape {tuple(shape)}."
            )
        return super().generate(condition, noise=noise, training=training)

    def check_condition(self, condition, where):
        """Raises `ValueError` if conditions do not fit (the condition object decides).

        Args:
            condition: array, tensor or `tf.TensorSpec` of a batch.
            where: str. Names the argument in the message.
        """
        self.condition.check(condition, where)

    def sample_shapes(self):
        """As `GANModel.sample_shapes`; the condition's are its own (class ids: `[batch]` or `[batch, 1]`)."""
        shapes = getattr(self.condition, "sample_shapes", None) or conditions_lib.base.shapes_of(self.condition.input_shape)
        return {**super().sample_shapes(), "conditions": list(shapes)}

    def prepare_condition(self, condition):
        """Casts and reshapes a batch of conditions, checking them in-graph first.

        The shared step calls this once, before the generator and the
        discriminator see the batch, so a bad id fails with this message.
        """
        condition = self.condition.prepare(condition)
        with tf.control_dependencies(self.condition.assert_valid(condition)):
            return tf.identity(condition)

    def _wrong_condition(self, condition):
        """Returns `(wrong, valid)`: wrong conditions and a float mask `[B]` of true mismatches.

        Partners come from the global batch, as on one device, whatever the
        number of replicas.
        """

        def pick(everything):  # [global B, ...]
            batch = tf.shape(everything)[0]
            wrong = self.condition.wrong(
                everything, lambda sampler, shape, **kw: self.replica_draw(sampler, batch, shape, **kw)
            )
            if isinstance(wrong, (tuple, list)):
                return wrong[0], tf.cast(wrong[1], "float32")
            return wrong, tf.ones([batch], "float32")

        return self.across_batch(pick, condition)

    def _heads(self, images, condition, training, discriminator=None, blocks=1):
        """Runs D once: `(realism [B], second)`.

        `second` is None, match `[B]`, class logits `[B, K]` or (`tacgan`)
        the pair `(class logits, twin class logits)`.

        `discriminator` defaults to `self.discriminator` (families with several,
        such as `StackGAN`, pass one per stage). `images` are `blocks` batches
        of this replica's rows, one after the other; while training, each
        image is shifted by its own draw (`translation`).
        """
        discriminator = self.discriminator if discriminator is None else discriminator
        if training and self.translation > 0:
            images = self._translated(images, blocks)
        out = discriminator([images, condition], training=training)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        realism = tf.reshape(tf.cast(out[0], "float32"), [-1])
        if self.design == "single":
            return realism, None
        second = tf.cast(out[1], "float32")
        if self.design == "tacgan":
            return realism, (second, tf.cast(out[2], "float32"))
        return realism, (tf.reshape(second, [-1]) if self.design == "two_head" else second)

    def _translated(self, images, blocks):
        """`images` shifted by a random whole number of pixels each way, up to `translation` of a side.

        The shift is drawn per row of the global batch (so replicas draw what
        one device would) and edges are repeated into the space it opens.
        """
        batch = tf.shape(images)[0] // blocks
        side = tf.shape(images)[1:3]
        limit = tf.cast(tf.floor(self.translation * tf.cast(side, "float32") + 0.5), "int32")  # [2], halves up
        unit = self.replica_draw(tf.random.stateless_uniform, batch, (blocks, 2))  # [B, blocks, 2] in [0, 1)
        shifts = tf.cast(tf.floor(unit * tf.cast(2 * limit + 1, "float32")), "int32") - limit
        shifts = tf.reshape(tf.transpose(shifts, [1, 0, 2]), [-1, 2])  # [blocks * B, 2], block by block
        return translate(images, shifts)

    def _scores(self, images, condition, training):
        return self._heads(images, condition, training)[0]

    def discriminator_objective(self, condition, target, fake, training, discriminator=None):
        """D's loss and its named parts for one batch (real, fake, mismatch, aux or match, penalty).

        Args:
            condition: prepared conditions `[B, ...]`.
            target: real images `[B, H, W, C]`.
            fake: generated images `[B, H, W, C]`.
            training: bool. Passed to the discriminator.
            discriminator: `keras.Model` or None. Defaults to `self.discriminator`.
        """
        adv = self._adversarial()
        target = tf.cast(target, fake.dtype)
        batch = tf.shape(target)[0]
        mismatch = self.mismatch_weight > 0
        if mismatch:
            wrong, valid = self._wrong_condition(condition)
            # One batched call: [real|c, fake|c, real|wrong c].  # [3B, ...]
            realism, second = self._heads(
                tf.concat([target, fake, target], 0), tf.concat([condition, condition, wrong], 0), training,
                discriminator, blocks=3,
            )
        else:
            realism, second = self._heads(
                tf.concat([target, fake], 0), tf.concat([condition, condition], 0), training, discriminator, blocks=2
            )
        real_s, fake_s = realism[:batch], realism[batch : 2 * batch]
        masked_mean = lambda x: tf.reduce_sum(x * valid) / tf.cast(batch, "float32")
        parts = {"d_fake": tf.reduce_mean(adv.fake(fake_s))}
        if self.design == "two_head":
            # Realism head: a real image is real whatever condition it is shown with.
            real_any = tf.concat([real_s, realism[2 * batch :]], 0) if mismatch else real_s
            parts["d_real"] = tf.reduce_mean(adv.real(real_any))
            parts["d_match"] = tf.reduce_mean(adv.real(second[:batch])) + tf.reduce_mean(
                adv.fake(second[batch : 2 * batch])
            )
            loss = parts["d_real"] + parts["d_fake"] + parts["d_match"]
            if mismatch:
                parts["d_mismatch"] = masked_mean(adv.fake(second[2 * batch :]))
                loss += self.mismatch_weight * parts["d_mismatch"]
        else:
            parts["d_real"] = tf.reduce_mean(adv.real(real_s))
            loss = parts["d_real"] + parts["d_fake"]
            if mismatch:
                parts["d_mismatch"] = masked_mean(adv.fake(realism[2 * batch :]))
                loss += self.mismatch_weight * parts["d_mismatch"]
            if self.design == "tacgan":
                classes, twin = second
                parts["d_aux"] = self.condition.auxiliary_loss(classes[:batch], condition)
                parts["d_twin"] = self.condition.auxiliary_loss(twin[batch : 2 * batch], condition)
                loss += self.auxiliary_weight * (parts["d_aux"] + parts["d_twin"])
            if self.design == "acgan":
                parts["d_aux"] = self.condition.auxiliary_loss(second[:batch], condition)
                if self.auxiliary_on_fake == "negative":
                    fake_logits = second[batch : 2 * batch]
                    parts["d_aux"] += tf.reduce_mean(
                        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(fake_logits), logits=fake_logits)
                    )
                elif self.auxiliary_on_fake:
                    parts["d_aux"] += self.condition.auxiliary_loss(second[batch : 2 * batch], condition)
                loss += self.auxiliary_weight * parts["d_aux"]
        penalty = self._penalty(condition, target, fake, training, discriminator)
        if penalty is not None:
            parts["d_penalty"] = penalty
            loss += penalty
        return loss, parts

    def _penalty(self, condition, target, fake, training, discriminator=None):
        critics = [lambda images: self._heads(images, condition, training, discriminator)[0]]
        if self.design == "two_head":
            critics.append(lambda images: self._heads(images, condition, training, discriminator)[1])
        return self.discriminator_penalty(critics, target, fake)

    def generator_objective(self, condition, target, fake, training):
        """G's loss and its named parts for one batch (adversarial, match or aux, diversity).

        Args:
            condition: prepared conditions `[B, ...]`.
            target: real images (unused by this family).
            fake: generated images `[B, H, W, C]`.
            training: bool. Passed to the networks.
        """
        loss, parts = self.judged_by_discriminator(condition, fake, training)
        return self.with_diversity(loss, parts, condition, training)

    def judged_by_discriminator(self, condition, fake, training, discriminator=None):
        """G's adversarial loss and its parts (match or aux) from one discriminator.

        `discriminator` defaults to `self.discriminator` (StackGAN passes one per stage).
        """
        adv = self._adversarial()
        realism, second = self._heads(fake, condition, training, discriminator)
        g_adv = tf.reduce_mean(adv.generator(realism))
        parts = {"g_adv": g_adv}
        loss = self.adversarial_weight * g_adv
        if self.design == "two_head":
            parts["g_match"] = tf.reduce_mean(adv.generator(second))
            loss += self.adversarial_weight * parts["g_match"]
        elif self.design == "acgan":
            parts["g_aux"] = self.condition.auxiliary_loss(second, condition)
            loss += self.auxiliary_weight * parts["g_aux"]
        elif self.design == "tacgan":
            # Classified right by the real-image classifier, no easier for the twin than real images.
            parts["g_aux"] = self.condition.auxiliary_loss(second[0], condition)
            parts["g_twin"] = self.condition.auxiliary_loss(second[1], condition)
            loss += self.auxiliary_weight * (parts["g_aux"] - parts["g_twin"])
        return loss, parts

    def with_diversity(self, loss, parts, condition, training):
        """Adds the mode-seeking term (`diversity_weight > 0`) to G's loss and parts.

        The term is the mean over examples of
        `min(mean|x1 - x2| / mean|z1 - z2|, diversity_limit)`, where `x1`, `x2`
        are the generator's samples for `condition` under two fresh noise
        draws, made in one call of twice the examples; G maximizes it. It is
        taken on the examples whose place in the global batch is a multiple
        of `diversity_stride`, so replicas add up to the one-device value
        (see `_strided` for when batch statistics differ). Its weight rises
        from 0 over the first `diversity_warmup` generator steps.
        """
        if self.diversity_weight <= 0:
            return loss, parts
        batch = tf.shape(tf.nest.flatten(condition)[0])[0]
        z1, z2 = self.sample_noise(batch), self.sample_noise(batch)
        share = 1.0
        if self.diversity_stride > 1:
            (condition, z1, z2), share = self._strided((condition, z1, z2), batch)
        count = tf.shape(z1)[0]
        both = tf.nest.map_structure(lambda c: tf.concat([c, c], 0), condition)
        x = tf.cast(self.generate(both, noise=tf.concat([z1, z2], 0), training=training), "float32")
        mean_abs = lambda d: tf.reduce_mean(tf.reshape(tf.abs(d), [tf.shape(d)[0], -1]), axis=1)  # [count]
        ratio = mean_abs(x[:count] - x[count:]) / (mean_abs(z1 - z2) + 1e-8)
        parts = {**parts, "g_diversity": tf.reduce_mean(tf.minimum(ratio, self.diversity_limit)) * share}
        return loss - self.warmed_up(self.diversity_weight, self.diversity_warmup) * parts["g_diversity"], parts

    def _strided(self, tensors, batch):
        """This replica's rows of `tensors` whose global place is a multiple of `diversity_stride`.

        Returns `(rows, weight)`: the weight turns the mean over the rows into
        this replica's part of the mean over every chosen row of the global
        batch, as the step weighs replica means by their share of the batch.
        A replica holding no chosen row computes a copy of global row 0 with
        weight 0 (networks cannot run on an empty batch). Synchronized batch
        normalization counts that copy in its statistics, so the step is the
        one-device step when every replica holding rows holds at least
        `diversity_stride` of them, or when row 0 is the only chosen row.
        """
        k = self.diversity_stride
        rows = self._rows(batch)
        start = tf.minimum(tf.math.floormod(-rows.first, k), batch)  # the first row whose global place is k * i
        index = tf.range(start, batch, k)
        chosen = tf.shape(index)[0]
        picked = tf.nest.map_structure(lambda t: tf.gather(t, index), tensors)
        if tf.distribute.get_strategy().num_replicas_in_sync > 1:
            borrowed = tf.nest.map_structure(distribute.first_row, tensors)
            picked = tf.nest.map_structure(
                lambda mine, row: tf.cond(chosen > 0, lambda: mine, lambda: row), picked, borrowed
            )
        everywhere = (rows.total + k - 1) // k  # chosen rows in the global batch
        f = lambda n: tf.cast(n, "float32")
        weight = tf.math.divide_no_nan(f(rows.total) * f(chosen), f(rows.count) * f(everywhere))
        return picked, weight

    def get_config(self):
        """The constructor arguments, with the condition serialized."""
        config = super().get_config()
        config.update(
            condition=keras.saving.serialize_keras_object(self.condition),
            mismatch_weight=self.mismatch_weight,
            design=self._explicit_design,
            auxiliary_weight=self.auxiliary_weight,
            auxiliary_on_fake=self.auxiliary_on_fake,
            diversity_weight=self.diversity_weight,
            diversity_limit=self.diversity_limit,
            diversity_stride=self.diversity_stride,
            diversity_warmup=self.diversity_warmup,
            translation=self.translation,
        )
        return config
