"""`NextFrameGAN`: predict the next video frame from the previous ones."""

import keras
import numpy as np
import tensorflow as tf

from keras_cgan import checks, losses
from keras_cgan.checks import check_samples
from keras_cgan.conditions.base import fits_per_sample
from keras_cgan.models.gan_model import GANModel
from keras_cgan.models.input_checks import refuse_symbolic


@keras.saving.register_keras_serializable(package="keras_cgan")
class NextFrameGAN(GANModel):
    """A GAN that predicts the next frame from the last `context_frames` frames.

    The condition is the last `context_frames` frames stacked on channels,
    `[B, H, W, context_frames * C]` (oldest first; see
    `keras_cgan.data.video.stack_context`); the target is the next frame
    `[B, H, W, C]`. The discriminator judges `(frame, context)` pairs, so a
    frame must be both realistic and a plausible continuation. The generator
    loss is `adversarial_weight * adversarial + l2_weight * L2 + l1_weight * L1
    + gdl_weight * gradient difference` (Mathieu et al. 2016).

    With `adversarial_weight=0` this is the regression baseline: where the
    future is ambiguous (a sprite that may turn left or right) it predicts
    the average of the futures, a sprite split in two. The adversarial term
    makes the prediction commit to one future; the noise input of the
    generator lets it choose a different one per draw.

    Args:
        generator: `keras.Model` with inputs `[noise, condition]` or
            `condition` alone (the condition input named `"condition"`),
            returning a frame, e.g. `networks.next_frame_generator(...)`.
        discriminator: `keras.Model` with inputs `[frame, condition]`
            returning logits per sample (any shape, e.g. multi-scale patches).
        context_frames: int. Frames in the condition. Defaults to `4`.
        l2_weight: float. Weight of the mean squared error. Defaults to `1.0`.
        l1_weight: float. Weight of the mean absolute error. Defaults to `0.0`.
        gdl_weight: float. Weight of the gradient difference loss. Defaults
            to `1.0`.
        adversarial_weight: float. Weight of the adversarial term; `0` is the
            regression baseline. Defaults to `0.25`.
        adversarial_warmup: int. Generator steps over which the adversarial
            weight ramps linearly from 0 to `adversarial_weight`, so the
            generator first learns the predictable motion and the
            discriminator learns to spot blur before it pushes; `0` gives
            the full weight from the start. Defaults to `500`.
        variety_samples: int. Noise draws per example for the
            reconstruction terms; each example's L2/L1/GDL counts only for
            its draw closest to the truth ("best of many", variety loss),
            so the reconstruction no longer pulls every draw toward the
            average of the futures. The adversarial term judges the first
            draw. `1` is the plain loss. Needs a generator with noise.
            Defaults to `1`.
        seed: int. Seed of the noise. Defaults to `None`.
        ema_decay: float or None. As for `GANModel`: keeps an average of the
            generator's weights (`ema_weights()`, `ema_generator()`).
            Defaults to `None`.

    Example:

    >>> import numpy as np
    >>> from keras_cgan import NextFrameGAN, networks
    >>> g = networks.next_frame_generator((8, 8, 1), context_frames=2, base_filters=8)
    >>> d = networks.next_frame_discriminator((8, 8, 1), context_frames=2, base_filters=8, scales=(1,))
    >>> gan = NextFrameGAN(g, d, context_frames=2, seed=0)
    >>> gan.compile()
    >>> clips = np.random.uniform(-1, 1, (16, 3, 8, 8, 1)).astype("float32")
    >>> context = np.concatenate([clips[:, 0], clips[:, 1]], axis=-1)  # [16, 8, 8, 2]
    >>> history = gan.fit(context, clips[:, 2], batch_size=8, epochs=1, verbose=0)
    >>> gan.rollout(clips[:2, :2], steps=3).shape
    (2, 3, 8, 8, 1)

    Reference:
        Mathieu, Couprie & LeCun 2016, "Deep multi-scale video prediction
        beyond mean square error".
    """

    loss_names = (
        "d_loss", "d_real", "d_fake", "d_penalty", "g_loss", "g_adv", "g_l2", "g_l1", "g_gdl",
    )  # fmt: skip

    def __init__(
        self,
        generator,
        discriminator,
        context_frames=4,
        l2_weight=1.0,
        l1_weight=0.0,
        gdl_weight=1.0,
        adversarial_weight=0.25,
        adversarial_warmup=500,
        variety_samples=1,
        **kwargs,
    ):
        super().__init__(generator, discriminator, adversarial_weight=adversarial_weight, **kwargs)
        self.adversarial_warmup = checks.integer("adversarial_warmup", adversarial_warmup, low=0)
        self.context_frames = checks.integer("context_frames", context_frames, low=1)
        self.l2_weight = checks.number("l2_weight", l2_weight)
        self.l1_weight = checks.number("l1_weight", l1_weight)
        self.gdl_weight = checks.number("gdl_weight", gdl_weight)
        self.variety_samples = checks.integer("variety_samples", variety_samples, low=1)
        if not (self.l2_weight or self.l1_weight or self.gdl_weight or self.adversarial_weight):
            raise ValueError(
                "`l2_weight`, `l1_weight`, `gdl_weight` and `adversarial_weight` are all 0: the generator would have "
                "no loss and never learn. Set at least one above 0 (the defaults: l2_weight=1, gdl_weight=1)."
            )
        self._check_networks()
        if self.variety_samples > 1 and self.noise_shape is None:
            raise ValueError(
                f"`variety_samples={self.variety_samples}` needs a generator with a noise input; this one takes "
                "the condition alone (build it with `latent_dim > 0`)."
            )

    @property
    def frame_shape(self):
        """`(height, width, channels)` of one frame."""
        return tuple(self.generator.outputs[0].shape[1:])

    @property
    def condition_shape(self):
        h, w, c = self.frame_shape
        return (h, w, self.context_frames * c)

    def _check_networks(self):
        g, d = self.generator, self.discriminator
        if len(g.inputs) not in (1, 2):
            raise ValueError(
                f"The generator must take [noise, condition] or condition alone; it has {len(g.inputs)} inputs."
            )
        if len(self.frame_shape) != 3:
            raise ValueError(f"The generator must return frames [B, H, W, C]; it returns {self.frame_shape}.")
        got = tuple(g.inputs[-1].shape[1:])
        if got != self.condition_shape:
            raise ValueError(
                f"The generator's condition input has shape {got} per sample; {self.context_frames} "
                f"context frames of shape {self.frame_shape} stacked on channels need {self.condition_shape}."
            )
        if len(d.inputs) != 2:
            raise ValueError(f"The discriminator must take inputs [frame, condition]; it has {len(d.inputs)}.")
        if tuple(d.inputs[0].shape[1:]) != self.frame_shape:
            raise ValueError(
                f"The generator makes frames of shape {self.frame_shape} but the discriminator's frame "
                f"input has shape {tuple(d.inputs[0].shape[1:])}."
            )
        if tuple(d.inputs[1].shape[1:]) != self.condition_shape:
            raise ValueError(
                f"The discriminator's condition input has shape {tuple(d.inputs[1].shape[1:])}; "
                f"it must be {self.condition_shape}."
            )

    def check_condition(self, condition, where):
        if not fits_per_sample(condition, self.condition_shape):
            clips = len(condition.shape) == 5  # [B, k, H, W, C]: frames not yet stacked
            raise ValueError(
                f"{where}: conditions have shape {tuple(condition.shape[1:])} per sample; the last {self.context_frames} frames "
                f"of shape {self.frame_shape} stacked on channels make {self.condition_shape}."
                + (" Stack the frames with `keras_cgan.data.video.stack_context(frames)` (or roll out clips with "
                   "`rollout`)." if clips else "")
            )
        self._check_values(condition, where, "context frames")

    def sample_shapes(self):
        return {**super().sample_shapes(), "conditions": [tuple(self.condition_shape)]}

    def checked_samples(self, condition, target):
        """The next frame and the context frames: both must be finite and in `[-1, 1]`."""
        return {"targets": target, "conditions": condition}

    def compile(self, generator_optimizer=None, discriminator_optimizer=None, **kwargs):
        """`GANModel.compile` with next-frame defaults for the optimizers.

        Args:
            generator_optimizer: optimizer, name or config. Defaults to
                `Adam(1e-3, beta_1=0.5, global_clipnorm=1.0)`: a step the
                discriminator's verdict cannot blow up (without the limit,
                the faster discriminator below drives bouncing_ball of
                `benchmarks/generalisation.py` to blank frames).
            discriminator_optimizer: optimizer, name or config. Defaults to
                `Adam(5e-4, beta_1=0.5)`, half the generator's rate: a
                discriminator fast enough to see split sprites, so the
                generator commits to one future
                (`benchmarks/generalisation.py`, `docs/generalisation.md`).
            **kwargs: passed to `GANModel.compile` (`adversarial_loss`,
                `r1_weight`, ...).
        """
        if generator_optimizer is None:
            generator_optimizer = keras.optimizers.Adam(1e-3, beta_1=0.5, global_clipnorm=1.0)
        if discriminator_optimizer is None:
            discriminator_optimizer = keras.optimizers.Adam(5e-4, beta_1=0.5)
        super().compile(generator_optimizer, discriminator_optimizer, **kwargs)

    # ------------------------------------------------------------ objectives

    def _scores(self, frames, condition, training):
        scores = tf.cast(self.discriminator([frames, condition], training=training), "float32")
        return tf.reshape(scores, [tf.shape(frames)[0], -1])  # [B, N] patch logits

    def discriminator_objective(self, condition, target, fake, training):
        adv = self._adversarial()
        condition = tf.cast(condition, fake.dtype)
        target = tf.cast(target, fake.dtype)
        batch = tf.shape(target)[0]
        # One batched call: [real | context, fake | context].  # [2B, ...]
        scores = self._scores(tf.concat([target, fake], 0), tf.concat([condition, condition], 0), training)
        parts = {
            "d_real": tf.reduce_mean(adv.real(scores[:batch])),
            "d_fake": tf.reduce_mean(adv.fake(scores[batch:])),
        }
        loss = parts["d_real"] + parts["d_fake"]
        critic = lambda frames: tf.reduce_mean(self._scores(frames, condition, training), axis=1)
        penalty = self.discriminator_penalty(critic, target, fake)
        if penalty is not None:
            parts["d_penalty"] = penalty
            loss += penalty
        return loss, parts

    def _reconstruction(self, target, fake):
        """Per-example reconstruction parts `{name: [B]}` and their weighted sum `[B]`."""
        diff = tf.cast(target, "float32") - tf.cast(fake, "float32")
        parts = {"g_l2": tf.reduce_mean(tf.square(diff), axis=[1, 2, 3])}
        total = self.l2_weight * parts["g_l2"]
        if self.l1_weight > 0:
            parts["g_l1"] = tf.reduce_mean(tf.abs(diff), axis=[1, 2, 3])
            total += self.l1_weight * parts["g_l1"]
        if self.gdl_weight > 0:
            parts["g_gdl"] = losses.gradient_difference_loss(target, fake, per_example=True)
            total += self.gdl_weight * parts["g_gdl"]
        return parts, total

    def generator_objective(self, condition, target, fake, training):
        condition = tf.cast(condition, fake.dtype)
        parts, total = self._reconstruction(target, fake)
        if self.variety_samples > 1:
            # Best of K draws (variety loss): each example's reconstruction
            # loss counts only for the draw closest to the truth, so draws may
            # commit to different futures instead of all averaging them.
            draws = [(parts, total)] + [
                self._reconstruction(target, self.generate(condition, training=training))
                for _ in range(self.variety_samples - 1)
            ]
            best = tf.argmin(tf.stack([t for _, t in draws], axis=0), axis=0)  # [B]
            pick = lambda values: tf.gather(tf.stack(values, axis=1), best, axis=1, batch_dims=1)
            parts = {name: pick([p[name] for p, _ in draws]) for name in parts}
            total = pick([t for _, t in draws])
        parts = {name: tf.reduce_mean(value) for name, value in parts.items()}
        loss = tf.reduce_mean(total)
        if self.adversarial_weight > 0:
            scores = self._scores(fake, condition, training)
            parts["g_adv"] = tf.reduce_mean(self._adversarial().generator(scores))
            loss += self.warmed_up(self.adversarial_weight, self.adversarial_warmup) * parts["g_adv"]
        return loss, parts

    # --------------------------------------------------------------- rollout

    def rollout(self, context, steps, noise=None):
        """Feeds predictions back to make a clip.

        Args:
            context: float array `[B, T, H, W, C]` in `[-1, 1]` with
                `T >= context_frames`; the last `context_frames` frames
                start the rollout.
            steps: int. Frames to predict.
            noise: array `[B, steps, latent_dim]` or None. One noise vector
                per step for generators with noise; drawn when `None`.

        Returns:
            float32 numpy `[B, steps, H, W, C]`.
        """
        refuse_symbolic(context, "context", "rollout", takes="arrays or tensors")
        check_samples(np.asarray(context), "context", "context frames", use="generate")
        context = np.asarray(context, np.float32)
        k = self.context_frames
        if context.ndim != 5 or tuple(context.shape[2:]) != self.frame_shape or context.shape[1] < k:
            raise ValueError(
                f"`context` must be [batch, T >= {k}, *{self.frame_shape}]. Received shape {context.shape}."
            )
        if not len(context):
            raise ValueError(f"`context` holds no clips (an empty batch, shape {context.shape}): nothing to roll out.")
        steps = checks.integer("steps", steps, low=1)
        if noise is not None:
            noise = np.asarray(noise, np.float32)
            wanted = (len(context), steps) + tuple(self.noise_shape or ())
            if self.noise_shape is None or noise.shape != wanted:
                raise ValueError(
                    f"`noise` must be [batch, steps, *noise_shape] = {wanted} (one noise vector per predicted "
                    f"frame). Received shape {noise.shape}."
                    + (" This generator takes no noise: pass `noise=None`." if self.noise_shape is None else "")
                )
        frames = list(np.moveaxis(context[:, -k:], 1, 0))  # k x [B, H, W, C]
        out = []
        for step in range(steps):
            condition = np.concatenate(frames[-k:], axis=-1)  # [B, H, W, k*C]
            step_noise = None if noise is None else tf.constant(noise[:, step])
            with self._own_batch():  # the context was checked above; later frames are the generator's
                frame = np.asarray(self.generate(tf.constant(condition), noise=step_noise, training=False), "float32")
            frames.append(frame)
            out.append(frame)
        return np.stack(out, axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(
            context_frames=self.context_frames,
            l2_weight=self.l2_weight,
            l1_weight=self.l1_weight,
            gdl_weight=self.gdl_weight,
            adversarial_warmup=self.adversarial_warmup,
            variety_samples=self.variety_samples,
        )
        return config
