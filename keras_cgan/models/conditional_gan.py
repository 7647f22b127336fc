"""`ConditionalGAN`: class-conditional image generation with a matching-aware D."""

import keras
import tensorflow as tf

from keras_cgan import conditions as conditions_lib
from keras_cgan.models.base import GANModel


@keras.saving.register_keras_serializable(package="keras_cgan")
class ConditionalGAN(GANModel):
    """A conditional GAN whose discriminator judges realism *and* match.

    Each training step scores three kinds of pairs in one discriminator call:
    a real image with its own condition (target real), a generated image with
    the condition it was made from (target fake) and a real image with a
    wrong condition (target fake, weighted by `mismatch_weight`; Reed et al.
    2016). Without the third term D may only check realism, and G can learn
    to ignore the condition.

    Args:
        generator: `keras.Model` with inputs `[noise, condition]` returning an
            image, e.g. `networks.conditional_generator(...)`.
        discriminator: `keras.Model` with inputs `[image, condition]`
            returning one logit per sample.
        condition: int or condition object. The number of classes, or a
            condition such as `ClassCondition(10)`.
        mismatch_weight: float. Weight of the real-image/wrong-condition term;
            `0` gives the plain conditional GAN. Defaults to `1.0`.
        adversarial_weight: float. Weight of the generator's adversarial
            loss. Defaults to `1.0`.
        seed: int. Seed of noise and wrong conditions. Defaults to `None`.

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
        Reed et al. 2016, "Generative Adversarial Text to Image Synthesis".
    """

    loss_names = ("d_loss", "d_real", "d_fake", "d_mismatch", "d_penalty", "g_loss", "g_adv")

    def __init__(self, generator, discriminator, condition, mismatch_weight=1.0, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        if mismatch_weight < 0:
            raise ValueError(f"`mismatch_weight` must be >= 0. Received: mismatch_weight={mismatch_weight}")
        self.condition = conditions_lib.get(condition)
        self.mismatch_weight = float(mismatch_weight)
        self._check_networks()

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
        if tuple(d.outputs[0].shape[1:]) not in ((), (1,)):
            raise ValueError(
                "The discriminator must return one logit per sample (shape [batch] or "
                f"[batch, 1]); it returns {tuple(d.outputs[0].shape[1:])} per sample."
            )

    def check_condition(self, condition, where):
        self.condition.check(condition, where)

    def prepare_condition(self, condition):
        condition = self.condition.prepare(condition)
        with tf.control_dependencies(self.condition.assert_valid(condition)):
            return tf.identity(condition)

    def _wrong_condition(self, condition):
        batch = tf.shape(condition)[0]
        draw = lambda sampler, shape, **kw: self.replica_draw(sampler, batch, shape, **kw)
        return self.condition.wrong(condition, draw)

    def _scores(self, images, condition, training):
        return tf.reshape(tf.cast(self.discriminator([images, condition], training=training), "float32"), [-1])

    def discriminator_objective(self, condition, target, fake, training):
        adv = self._adversarial()
        target = tf.cast(target, fake.dtype)
        batch = tf.shape(target)[0]
        if self.mismatch_weight > 0:
            wrong = self._wrong_condition(condition)
            # One batched call: [real|c, fake|c, real|wrong c].  # [3B, ...]
            scores = self._scores(
                tf.concat([target, fake, target], 0), tf.concat([condition, condition, wrong], 0), training
            )
            real_s, fake_s, wrong_s = scores[:batch], scores[batch : 2 * batch], scores[2 * batch :]
        else:
            scores = self._scores(tf.concat([target, fake], 0), tf.concat([condition, condition], 0), training)
            real_s, fake_s = scores[:batch], scores[batch:]
        parts = {
            "d_real": tf.reduce_mean(adv.real(real_s)),
            "d_fake": tf.reduce_mean(adv.fake(fake_s)),
        }
        loss = parts["d_real"] + parts["d_fake"]
        if self.mismatch_weight > 0:
            parts["d_mismatch"] = tf.reduce_mean(adv.fake(wrong_s))
            loss += self.mismatch_weight * parts["d_mismatch"]
        penalty = self._penalty(condition, target, fake)
        if penalty is not None:
            parts["d_penalty"] = penalty
            loss += penalty
        return loss, parts

    def _penalty(self, condition, target, fake):
        from keras_cgan import losses

        critic = lambda images: self._scores(images, condition, training=True)
        penalty = None
        if self._adversarial().needs_gradient_penalty and self.gradient_penalty_weight > 0:
            alpha = self.replica_draw(tf.random.stateless_uniform, tf.shape(target)[0])
            penalty = self.gradient_penalty_weight * losses.gradient_penalty(critic, target, fake, alpha)
        if self.r1_weight > 0:
            r1 = self.r1_weight * losses.r1_penalty(critic, target)
            penalty = r1 if penalty is None else penalty + r1
        return penalty

    def generator_objective(self, condition, target, fake, training):
        g_adv = tf.reduce_mean(self._adversarial().generator(self._scores(fake, condition, training)))
        return self.adversarial_weight * g_adv, {"g_adv": g_adv}

    def get_config(self):
        config = super().get_config()
        config.update(
            condition=keras.saving.serialize_keras_object(self.condition),
            mismatch_weight=self.mismatch_weight,
        )
        return config
