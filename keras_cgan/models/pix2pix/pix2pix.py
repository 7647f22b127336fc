"""`Pix2Pix`: image-to-image translation with a conditional PatchGAN and L1."""

import keras
import tensorflow as tf

from keras_cgan import checks
from keras_cgan import losses as losses_lib
from keras_cgan.conditions.base import fits_per_sample
from keras_cgan.models.gan_model import GANModel, batch_norm_layers


@keras.saving.register_keras_serializable(package="keras_cgan")
class Pix2Pix(GANModel):
    """Image-to-image translation: `condition image -> image` (Isola et al. 2017).

    The generator (a U-Net) maps the condition image to an output image. The
    discriminator (a PatchGAN) sees the pair `(condition, image)` and scores
    each patch: real pairs `(condition, target)` as real, generated pairs
    `(condition, generator(condition))` as fake. The generator minimises

        adversarial_weight * adversarial + l1_weight * |blur(target) - blur(output)|_1

    (`blur` is the identity unless `l1_lowpass > 0`), and the three
    variants of the paper run from this one class:

    * L1 only (`adversarial_weight=0`): the supervised baseline. It predicts
      the per-pixel median of the possible outputs, which is blurry wherever
      the condition leaves detail open. The discriminator still trains beside
      it as a probe (its `d_fake` says how easily the outputs are told from
      real), but it never changes the generator.
    * cGAN only (`l1_weight=0`): sharp but free to drift from the target.
    * L1 + cGAN (the defaults, `l1_weight=100`): L1 fixes the low
      frequencies, the PatchGAN the texture.

    `compile(update="simultaneous")` takes both gradients from one forward
    pass, as the TensorFlow pix2pix tutorial does: D scores the fake pairs
    once and both losses use those scores. The default `"alternating"` (the
    paper's PyTorch code) updates D first and scores G with the updated D,
    one more D pass over the fake batch. A discriminator with batch norm
    scores real and fake pairs in separate calls (batch statistics would mix
    them otherwise); without it, the D update scores them in one batched call.

    `predict(conditions)` (and `model(conditions)`) runs the generator in
    inference mode: dropout is off and batch norm uses its moving statistics,
    so outputs are deterministic and match an exported generator. The paper
    kept dropout on at test time; in practice (and in the paper's own
    observation) that noise makes little difference to the outputs.

    Args:
        generator: `keras.Model` with one image input (named `"condition"`)
            returning an image, e.g. `networks.unet_generator(...)`.
        discriminator: `keras.Model` with inputs `[image, condition]`
            returning logits (a patch map `[B, h, w, 1]` or one per sample),
            e.g. `networks.patch_discriminator(...)`.
        l1_weight: float. Weight of the L1 term; `0` trains the cGAN-only
            variant. Defaults to `100.0` (the paper).
        adversarial_weight: float. Weight of the adversarial term; `0` trains
            the L1-only baseline. Defaults to `1.0`.
        l1_lowpass: float. Standard deviation in pixels of a Gaussian blur
            applied to target and output before the L1 term, so L1 holds
            only the low frequencies and texture finer than the blur is left
            to the PatchGAN (frequency separation, Fritsche et al. 2019).
            Defaults to `0.0`: the paper's per-pixel L1.
        discriminator_scale: float. Factor on the discriminator loss; the
            paper halves it to slow D relative to G. Defaults to `0.5`.
        adaptive_adversarial: bool. Rescale the adversarial term in every
            step so its gradient at the generated image has the norm of the
            L1 term's, times `adversarial_weight` (VQGAN's adaptive weight,
            `GANModel.balanced_weight`; logged as `g_adaptive`); no effect
            without both terms. Defaults to `False`: a fixed weight.
        seed: int. Seed of the training step's random choices. Defaults to
            `None`.
        ema_decay: float or None. As for `GANModel`: keeps an average of the
            generator's weights (`ema_weights()`, `ema_generator()`).
            Defaults to `None`.

    Example:

    >>> import numpy as np
    >>> from keras_cgan import Pix2Pix, networks
    >>> g = networks.unet_generator((16, 16, 1), output_channels=3, base_filters=8)
    >>> d = networks.patch_discriminator((16, 16, 1), (16, 16, 3), receptive_field=16, base_filters=8)
    >>> model = Pix2Pix(g, d, seed=0)
    >>> model.compile()
    >>> gray = np.random.uniform(-1, 1, (8, 16, 16, 1)).astype("float32")
    >>> color = np.random.uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    >>> history = model.fit(gray, color, batch_size=4, epochs=1, verbose=0)
    >>> model.predict(gray, verbose=0).shape
    (8, 16, 16, 3)

    Reference:
        Isola, Zhu, Zhou & Efros 2017, "Image-to-Image Translation with
        Conditional Adversarial Networks", arXiv 1611.07004.
    """

    loss_names = ("d_loss", "d_real", "d_fake", "d_penalty", "g_loss", "g_adv", "g_l1", "g_adaptive")
    scores_in_one_call = False  # real and fake pairs go in separate calls under batch norm

    def __init__(
        self, generator, discriminator, l1_weight=100.0, discriminator_scale=0.5, l1_lowpass=0.0,
        adaptive_adversarial=False, **kwargs
    ):
        super().__init__(generator, discriminator, **kwargs)
        self.l1_weight = checks.number("l1_weight", l1_weight)
        if self.l1_weight == 0 and self.adversarial_weight == 0:
            raise ValueError(
                "`l1_weight` and `adversarial_weight` are both 0: the generator would have no loss and never learn. "
                "Set `l1_weight` above 0 for the supervised (L1-only) baseline (the default: 100), or "
                "`adversarial_weight` above 0 for the GAN (the default: 1)."
            )
        self.discriminator_scale = checks.number("discriminator_scale", discriminator_scale, low_open=True)
        self.l1_lowpass = checks.number("l1_lowpass", l1_lowpass)
        self.adaptive_adversarial = checks.flag("adaptive_adversarial", adaptive_adversarial)
        self._check_networks()
        side, radius = min(self.generator.outputs[0].shape[1:3]), losses_lib.lowpass_radius(l1_lowpass)
        if l1_lowpass > 0 and radius >= side:
            raise ValueError(
                f"`l1_lowpass`={l1_lowpass:g} blurs over {radius} pixels (3 sigma), too wide for the "
                f"generator's {side}-pixel images; use a smaller sigma."
            )

    def _check_networks(self):
        g, d = self.generator, self.discriminator
        if len(g.inputs) != 1:
            raise ValueError(
                f"The generator must take one input, the condition image; it has {len(g.inputs)}."
            )
        condition_shape = tuple(g.inputs[0].shape[1:])
        image_shape = tuple(g.outputs[0].shape[1:])
        if len(condition_shape) != 3 or len(image_shape) != 3:
            raise ValueError(
                f"The generator must map images to images; it maps {condition_shape} to {image_shape}."
            )
        if len(d.inputs) != 2:
            raise ValueError(
                f"The discriminator must take inputs [image, condition]; it has {len(d.inputs)} input(s)."
            )
        if [t.name for t in d.inputs] == ["condition", "image"]:
            raise ValueError(
                "The discriminator takes [condition, image] (keras-cgan 0.1's order); every discriminator "
                "now takes [image, condition]: rebuild it with `networks.patch_discriminator`."
            )
        for i, (want, what) in enumerate(((image_shape, "image"), (condition_shape, "condition"))):
            got = tuple(d.inputs[i].shape[1:])
            if got != want:
                raise ValueError(
                    f"The discriminator's {what} input has shape {got} per sample; the generator's "
                    f"{what} has shape {want}."
                )

    def check_condition(self, condition, where):
        """Raises `ValueError` unless conditions are images of the generator's input shape, floats in `[-1, 1]`.

        Args:
            condition: array, tensor or `tf.TensorSpec` of a batch.
            where: str. Names the argument in the message.
        """
        (want,) = self.sample_shapes()["conditions"]
        if not fits_per_sample(condition, want):
            got = tuple(condition.shape[1:])
            fits = lambda shape, other: tf.TensorShape(shape).is_compatible_with(other)  # None fits any size
            if fits(condition.shape, want):
                hint = "One image without its batch axis? Pass `x[None]` (a dataset: `.batch(n)`)."
            elif fits(got, want[:-1]):
                hint = "Add the channel axis: `x[..., None]`."
            elif len(got) == 3 and fits(got[:2], want[:2]):
                hint = f"Convert them to {want[-1]} channel(s)."
            else:  # the U-Net's size is fixed when it is built
                hint = f"Resize them to {want[0]}x{want[1]} (e.g. `tf.image.resize`), or build a model for their size."
            raise ValueError(
                f"{where}: conditions have shape {got} per sample but the generator takes {want}. {hint}"
            )
        self._check_values(condition, where, "condition images")

    def sample_shapes(self):
        return {**super().sample_shapes(), "conditions": [tuple(self.generator.inputs[0].shape[1:])]}

    def checked_samples(self, condition, target):
        """Targets and condition images: both must be finite and in `[-1, 1]`."""
        return {"targets": target, "conditions": condition}

    def _scores(self, condition, images, training):
        return tf.cast(self.discriminator([images, condition], training=training), "float32")

    def _batch_coupled(self):
        # Batch norm mixes the samples of a call: real and fake pairs are then
        # scored in separate calls (as in the paper's code and the TF tutorial).
        return bool(batch_norm_layers(self.discriminator))

    def _real_and_fake_scores(self, condition, target, fake, training):
        if self._batch_coupled():
            return self._scores(condition, target, training), self._scores(condition, fake, training)
        batch = tf.shape(target)[0]
        # One batched call over real and fake pairs.  # [2B, h, w, 1]
        scores = self._scores(
            tf.concat([condition, condition], 0), tf.concat([target, fake], 0), training
        )
        return scores[:batch], scores[batch:]

    def _discriminator_loss(self, real_scores, fake_scores, condition, target, fake, training):
        adv = self._adversarial()
        parts = {
            "d_real": tf.reduce_mean(adv.real(real_scores)),
            "d_fake": tf.reduce_mean(adv.fake(fake_scores)),
        }
        loss = parts["d_real"] + parts["d_fake"]
        penalty = self._penalty(condition, target, tf.stop_gradient(fake), training)
        if penalty is not None:
            parts["d_penalty"] = penalty
            loss += penalty
        return self.discriminator_scale * loss, parts

    def discriminator_objective(self, condition, target, fake, training):
        target = tf.cast(target, fake.dtype)
        condition = tf.cast(condition, fake.dtype)
        real_scores, fake_scores = self._real_and_fake_scores(condition, target, fake, training)
        return self._discriminator_loss(real_scores, fake_scores, condition, target, fake, training)

    def objectives(self, condition, target, fake, training):
        """Both losses from one D pass over the fake pairs (the simultaneous update)."""
        if self.adversarial_weight == 0:
            return super().objectives(condition, target, fake, training)
        target = tf.cast(target, fake.dtype)
        condition = tf.cast(condition, fake.dtype)
        # Separate calls: G's gradient then flows back through D on the fake
        # half only, not through a [2B] batch whose real half it never needs.
        real_scores = self._scores(condition, target, training)
        fake_scores = self._scores(condition, fake, training)
        d = self._discriminator_loss(real_scores, fake_scores, condition, target, fake, training)
        return d, self._generator_loss(fake_scores, condition, target, fake, training)

    def _penalty(self, condition, target, fake, training):
        # The critic's score of a sample is the mean of its patch logits.
        def critic(images):
            scores = self._scores(condition, images, training=training)
            return tf.reduce_mean(tf.reshape(scores, [tf.shape(scores)[0], -1]), axis=1)

        return self.discriminator_penalty(critic, target, fake)

    def generator_objective(self, condition, target, fake, training):
        fake_scores = None
        if self.adversarial_weight > 0:  # the L1-only baseline skips the D call
            condition = tf.cast(condition, fake.dtype)
            fake_scores = self._scores(condition, fake, training)
        return self._generator_loss(fake_scores, condition, target, fake, training)

    def _l1(self, target, images):
        return losses_lib.lowpass_l1_loss(tf.cast(target, images.dtype), images, self.l1_lowpass)

    def _generator_loss(self, fake_scores, condition, target, fake, training):
        parts, loss = {}, 0.0
        if fake_scores is not None:
            parts["g_adv"] = tf.reduce_mean(self._adversarial().generator(fake_scores))
            weight = self.adversarial_weight
            if self.adaptive_adversarial and self.l1_weight > 0 and training:
                adversarial = self._adversarial().generator
                parts["g_adaptive"] = self.balanced_weight(
                    lambda images: self.l1_weight * self._l1(target, images),
                    lambda images: tf.reduce_mean(adversarial(self._scores(condition, images, training))),
                    fake,
                )
                weight = weight * parts["g_adaptive"]
            loss += weight * parts["g_adv"]
        if self.l1_weight > 0:
            parts["g_l1"] = losses_lib.lowpass_l1_loss(target, fake, self.l1_lowpass)
            loss += self.l1_weight * parts["g_l1"]
        return loss, parts

    def get_config(self):
        config = super().get_config()
        config.update(
            l1_weight=self.l1_weight, discriminator_scale=self.discriminator_scale,
            l1_lowpass=self.l1_lowpass, adaptive_adversarial=self.adaptive_adversarial,
        )
        return config
