"""`SEGAN`: speech enhancement GAN on raw waveforms."""


import keras
import tensorflow as tf

from keras_cgan import checks
from keras_cgan import losses as losses_lib
from keras_cgan.conditions.base import fits_per_sample
from keras_cgan.models.segan import waveform as waveform_lib
from keras_cgan.models.segan.emphasis import DeEmphasis, PreEmphasis
from keras_cgan.models.gan_model import GANModel
from keras_cgan.models.input_checks import refuse_symbolic

L1_DOMAINS = ("waveform", "emphasized")


@keras.saving.register_keras_serializable(package="keras_cgan")
class SEGAN(GANModel):
    """Maps a noisy waveform window to a clean one; D judges (noisy, clean) pairs.

    The model takes and returns plain waveforms `[B, window, 1]`. Inside,
    the noisy input is pre-emphasized, the generator works in the
    pre-emphasized domain and its output is de-emphasized (`self.generator`
    alone, saved or exported, takes and returns pre-emphasized windows). The loss is the
    paper's: least-squares adversarial loss on the discriminator's score of
    the pre-emphasized `(enhanced, noisy)` pair plus `l1_weight` times the
    L1 distance to the clean target (see `l1_domain`). `adversarial_weight=0` trains
    the L1-only supervised baseline.

    With `mismatch_weight > 0` the discriminator also sees real clean speech
    paired with *another* window's noisy input (rolled in the batch) as fake,
    so it must check the match and not only cleanliness.

    Noisy and clean windows are float samples in `[-1, 1]`: `fit`,
    `evaluate` and `predict` refuse integer PCM and values out of range, a
    dataset's in the step (`compile(check_data=True)`).

    Loading: the generator holds keras-cgan layers (`PreEmphasis`,
    `DeEmphasis`), which Keras finds once `keras_cgan` is imported. Keras
    imports only its own packages while it loads a file, so run `import keras_cgan`
    before `keras.models.load_model("segan_generator.keras")` (or load with
    `keras_cgan.export.load_generator`, which names a missing class first).

    Args:
        generator: `keras.Model`, inputs `[noise, condition]` (or `condition`
            alone) of shape `(window, 1)`, e.g. `networks.segan_generator()`.
        discriminator: `keras.Model`, inputs `[waveform, condition]`, one
            logit per sample, e.g. `networks.segan_discriminator()`.
        l1_weight: float. Weight of the L1 term. Defaults to `100.0`.
        preemphasis: float in `[0, 1)`. Pre-emphasis coefficient; `0` turns
            it off. Defaults to `0.95`.
        sample_rate: int. Rate the model was made for. Defaults to `16000`.
        mismatch_weight: float. Weight of the (clean, wrong noisy) term.
            Defaults to `0.0` (the paper's SEGAN).
        l1_domain: `"waveform"` or `"emphasized"`. Where the L1 term is
            measured. The paper uses the pre-emphasized signals, which
            under-weights low frequencies 20-fold (de-emphasis then amplifies
            any low-frequency error, hum included); `"waveform"` measures it
            on the output waveform, what SNR measures. Defaults to
            `"waveform"`.
        stft_weight: float. Weight of a multi-resolution STFT loss
            (`losses.multi_resolution_stft_loss`) on the output waveform,
            beside L1: it weights the spectrum listeners hear, quiet bands
            included, which the sample-wise L1 leaves to the loudest
            samples. Defaults to `0.0` (the paper's SEGAN).
        stft_log_floor: float. The STFT loss's `log_floor`: magnitudes far
            below it count little in its log term. Defaults to `1e-2`.
        adversarial_weight: float. `0` gives the L1-only baseline.
            Defaults to `1.0`.
        seed: int. Seed of `z` and of every random choice. Defaults to `None`.
        ema_decay: float or None. As for `GANModel`: keeps an average of the
            generator's weights (`ema_weights()`, `ema_generator()`).
            Defaults to `None`.

    Example:

    >>> import numpy as np
    >>> from keras_cgan import SEGAN, networks
    >>> g = networks.segan_generator(window=1024, filters=(4, 8), kernel_size=5)
    >>> d = networks.segan_discriminator(window=1024, filters=(4, 8), kernel_size=5)
    >>> gan = SEGAN(g, d, seed=0)
    >>> gan.compile()
    >>> clean = np.sin(np.arange(8 * 1024) * 0.05).reshape(8, 1024, 1).astype("float32") * 0.5
    >>> noisy = clean + np.random.default_rng(0).normal(0, 0.1, clean.shape).astype("float32")
    >>> history = gan.fit(noisy, clean, batch_size=4, epochs=1, verbose=0)
    >>> gan.enhance(noisy.reshape(-1)[:1500]).shape
    (1500,)

    Reference:
        Pascual, Bonafonte & Serra 2017, "SEGAN: Speech Enhancement
        Generative Adversarial Network".
    """

    sample_kind = "audio"  # its checks give hints for waveforms (int16 PCM...), not images
    loss_names = ("d_loss", "d_real", "d_fake", "d_mismatch", "d_penalty", "g_loss", "g_adv", "g_l1", "g_stft")

    def __init__(
        self,
        generator,
        discriminator,
        l1_weight=100.0,
        preemphasis=0.95,
        sample_rate=16000,
        mismatch_weight=0.0,
        l1_domain="waveform",
        stft_weight=0.0,
        stft_log_floor=1e-2,
        **kwargs,
    ):
        super().__init__(generator, discriminator, **kwargs)
        self.l1_weight = checks.number("l1_weight", l1_weight)
        self.preemphasis = waveform_lib.check_coefficient(preemphasis)
        self.sample_rate = checks.integer("sample_rate", sample_rate, low=1)
        self.mismatch_weight = checks.number("mismatch_weight", mismatch_weight)
        if l1_domain not in L1_DOMAINS:
            raise ValueError(f"`l1_domain` must be one of {L1_DOMAINS}. Received: l1_domain={l1_domain!r}")
        self.l1_domain = l1_domain
        self.stft_weight = checks.number("stft_weight", stft_weight)
        if not (self.l1_weight or self.stft_weight or self.adversarial_weight):
            raise ValueError(
                "`l1_weight`, `stft_weight` and `adversarial_weight` are all 0: the generator would have no loss and "
                "never learn. Set `l1_weight` above 0 for the L1-only baseline (the default: 100), or "
                "`adversarial_weight` above 0 for the GAN (the default: 1)."
            )
        self.stft_log_floor = checks.number("stft_log_floor", stft_log_floor, low_open=True)
        self._check_networks()
        self._enhance_fn = None

    @property
    def window(self):
        return int(self.generator.outputs[0].shape[1])

    def _check_networks(self):
        g, d = self.generator, self.discriminator
        condition = g.inputs[-1]
        shape = tuple(condition.shape[1:])
        if len(shape) != 2 or shape[1] != 1 or shape[0] is None:
            raise ValueError(
                f"The generator's condition input must be a mono window (window, 1); it is {shape}."
            )
        if condition.name != "condition" and not str(condition.name).startswith("condition"):
            raise ValueError(f"The generator's last input must be named 'condition'; it is {condition.name!r}.")
        if tuple(g.outputs[0].shape[1:]) != shape:
            raise ValueError(
                f"The generator returns {tuple(g.outputs[0].shape[1:])} per sample; it must return "
                f"the shape of its condition {shape}."
            )
        if len(d.inputs) != 2 or any(tuple(t.shape[1:]) != shape for t in d.inputs):
            raise ValueError(
                "The discriminator must take [waveform, condition], each of shape "
                f"{shape}; it takes {[tuple(t.shape[1:]) for t in d.inputs]}."
            )
        for layer in g.layers:
            if isinstance(layer, (PreEmphasis, DeEmphasis)) and layer.coefficient != self.preemphasis:
                raise ValueError(
                    f"The generator was built for pre-emphasis {layer.coefficient} (layer {layer.name!r}) "
                    f"but the model's `preemphasis` is {self.preemphasis}: build it with "
                    f"`segan_generator(preemphasis={self.preemphasis})`."
                )
        if tuple(d.outputs[0].shape[1:]) not in ((), (1,)):
            raise ValueError(
                "The discriminator must return one logit per sample; it returns "
                f"{tuple(d.outputs[0].shape[1:])} per sample."
            )

    def compile(self, generator_optimizer=None, discriminator_optimizer=None, adversarial_loss="lsgan", **kwargs):
        """Like `GANModel.compile`, with SEGAN's defaults.

        Args:
            generator_optimizer: optimizer (or name / config). Defaults to
                `Adam(1e-3, beta_1=0.5)`.
            discriminator_optimizer: the same for the discriminator. Defaults
                to `Adam(2e-4, beta_1=0.5)`: a slower discriminator keeps the
                least-squares game stable.
            adversarial_loss: Defaults to `"lsgan"`, the paper's.
            **kwargs: passed to `GANModel.compile`.
        """
        if generator_optimizer is None:
            generator_optimizer = keras.optimizers.Adam(1e-3, beta_1=0.5)
        if discriminator_optimizer is None:
            discriminator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
        super().compile(
            generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer,
            adversarial_loss=adversarial_loss,
            **kwargs,
        )

    # ------------------------------------------------------------- the model

    def check_condition(self, condition, where):
        (want,) = self.sample_shapes()["conditions"]
        if not fits_per_sample(condition, want):
            self._refuse_channels(condition, where)
            raise ValueError(
                f"{where}: noisy windows have shape {tuple(condition.shape[1:])} per sample; the model takes "
                f"{want}. Use `enhance()` for audio of any length."
            )
        self._check_values(condition, where, "noisy windows")

    def check_target(self, target, where):
        if not fits_per_sample(target, (self.window, 1)):
            self._refuse_channels(target, where)
        super().check_target(target, where)

    def _refuse_channels(self, samples, where):
        """A `ValueError` naming `where` when `samples` are one signal of channels (stereo `(T, 2)`), not windows."""
        checks.one_signal_per_row(
            samples.shape, where, f"pass windows as (N, {self.window}, 1); `enhance()` takes mono audio of any length",
            minimum=self.window, takes=f"the model's {self.window}-sample windows",
        )

    def sample_shapes(self):
        return {**super().sample_shapes(), "conditions": [(self.window, 1)]}

    def checked_samples(self, condition, target):
        """Clean and noisy windows: both must be finite and in `[-1, 1]`."""
        return {"targets": target, "conditions": condition}

    def generate(self, condition, noise=None, training=False):
        if not self._prepared(condition):  # a user's lists, arrays or tensors: checked as `predict` checks them
            condition, noise = self._user_batch(condition, noise)
        condition = tf.cast(condition, "float32")
        emphasized = waveform_lib.preemphasize_windows(condition, self.preemphasis)
        with self._own_batch():
            out = super().generate(emphasized, noise=noise, training=training)
        return waveform_lib.deemphasize_windows(tf.cast(out, "float32"), self.preemphasis)

    def _score(self, waveform, condition, training):
        return tf.reshape(tf.cast(self.discriminator([waveform, condition], training=training), "float32"), [-1])

    def _emphasized(self, condition, target, fake):
        coef = self.preemphasis
        condition = waveform_lib.preemphasize_windows(tf.cast(condition, "float32"), coef)
        target = waveform_lib.preemphasize_windows(tf.cast(target, "float32"), coef)
        fake = waveform_lib.preemphasize_windows(tf.cast(fake, "float32"), coef)
        return condition, target, fake

    def discriminator_objective(self, condition, target, fake, training):
        adv = self._adversarial()
        condition, target, fake = self._emphasized(condition, target, fake)
        batch = tf.shape(target)[0]
        waves, conds = [target, fake], [condition, condition]
        if self.mismatch_weight > 0:
            waves.append(target)
            # Another window's noisy input, from the global batch.
            conds.append(self.across_batch(lambda everything: tf.roll(everything, shift=1, axis=0), condition))
        # One batched call over all pairs.  # [k*B, window, 1]
        scores = self._score(tf.concat(waves, 0), tf.concat(conds, 0), training)
        parts = {
            "d_real": tf.reduce_mean(adv.real(scores[:batch])),
            "d_fake": tf.reduce_mean(adv.fake(scores[batch : 2 * batch])),
        }
        loss = parts["d_real"] + parts["d_fake"]
        if self.mismatch_weight > 0:
            # A global batch of one window has no other to pair it with: the roll gave its own, a real pair.
            partnered = tf.cast(self._rows(batch).total > 1, "float32")
            parts["d_mismatch"] = tf.reduce_mean(adv.fake(scores[2 * batch :])) * partnered
            loss += self.mismatch_weight * parts["d_mismatch"]
        penalty = self.discriminator_penalty(lambda w: self._score(w, condition, training), target, fake)
        if penalty is not None:
            parts["d_penalty"] = penalty
            loss += penalty
        return loss, parts

    def generator_objective(self, condition, target, fake, training):
        g_l1 = losses_lib.l1_loss(target, fake)  # "waveform": what SNR measures
        parts = {"g_l1": g_l1}
        loss = 0.0
        if self.stft_weight > 0:
            parts["g_stft"] = losses_lib.multi_resolution_stft_loss(target, fake, log_floor=self.stft_log_floor)
            loss += self.stft_weight * parts["g_stft"]
        condition, target, fake = self._emphasized(condition, target, fake)
        if self.l1_domain == "emphasized":
            parts["g_l1"] = losses_lib.l1_loss(target, fake)
        judged = fake if self.adversarial_weight > 0 else tf.stop_gradient(fake)
        parts["g_adv"] = tf.reduce_mean(self._adversarial().generator(self._score(judged, condition, training)))
        loss += self.l1_weight * parts["g_l1"]
        if self.adversarial_weight > 0:
            loss += self.adversarial_weight * parts["g_adv"]
        return loss, parts

    # -------------------------------------------------------------- enhance

    def window_function(self):
        """A `tf.function` mapping pre-emphasized `[b, window, 1]` frames to outputs, `z = 0`."""
        if self._enhance_fn is None:
            generator, noise_shape = self.generator, self.noise_shape

            @tf.function(input_signature=[tf.TensorSpec([None, self.window, 1], "float32")])
            def run(frames):
                if noise_shape is None:
                    return generator(frames, training=False)
                noise = tf.zeros(tf.concat([tf.shape(frames)[:1], noise_shape], 0))
                return generator([noise, frames], training=False)

            self._enhance_fn = run
        return self._enhance_fn

    def enhance(self, waveform, hop=None, batch_size=16):
        """Enhances mono audio of any length (at `sample_rate`), same length out.

        The audio is pre-emphasized, cut into windows every `hop` samples,
        each window enhanced with `z = 0` (deterministic), the outputs
        overlap-added with a Hann cross-fade and de-emphasized.

        Args:
            waveform: 1D array (or `(T, 1)`, `(1, T)`) of float samples in `[-1, 1]`,
                at least one. Integer PCM (int16) is refused, not converted: divide it
                by 32768 first (`data.audio.read_wav` does).
            hop: int. Window step; must divide the window and be shorter.
                Defaults to half the window.
            batch_size: int. Windows per generator call. Defaults to `16`.

        Returns:
            float32 array of shape `(T,)`.
        """
        refuse_symbolic(waveform, "waveform", "enhance", takes="an array or tensor of samples")
        hop = waveform_lib.check_hop(self.window, hop)  # before the audio is filtered
        batch_size = checks.integer("batch_size", batch_size, low=1)
        x = waveform_lib.checked_signal(waveform, "waveform", "`enhance` samples", self.sample_kind).astype("float32")
        fn = self.window_function()
        emphasized = waveform_lib.preemphasis(x, self.preemphasis)
        out = waveform_lib._overlap_add(  # checked above, not again
            lambda frames: fn(tf.constant(frames)).numpy(), emphasized, self.window, hop, batch_size
        )
        return waveform_lib.deemphasis(out, self.preemphasis)

    def get_config(self):
        config = super().get_config()
        config.update(
            l1_weight=self.l1_weight,
            preemphasis=self.preemphasis,
            sample_rate=self.sample_rate,
            mismatch_weight=self.mismatch_weight,
            l1_domain=self.l1_domain,
            stft_weight=self.stft_weight,
            stft_log_floor=self.stft_log_floor,
        )
        return config
