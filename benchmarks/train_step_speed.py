"""Train-step throughput: our shared step vs a keras.io-style reference.

The reference is written the way the keras.io conditional GAN example writes
its `train_step`: one `tf.GradientTape` per network, the generator run once
for the discriminator update and again for its own update. Both models use
the same networks, batch, optimizers and data and run side by side in one
process, in interleaved rounds; each model's throughput is taken from its
fastest round (the round least disturbed by anything else running on the
machine) and the median round is kept in the JSON.

    python benchmarks/train_step_speed.py          # ~2 minutes on 2 CPU cores
    python benchmarks/train_step_speed.py --steps 200 --rounds 5 --batch-size 128
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import _report  # noqa: E402  (the script's own folder is on the path)


def keras_io_style_cgan(generator, discriminator, latent_dim):
    """The keras.io "Conditional GAN" model, on our networks; its class is made once Keras is imported."""
    import keras
    import tensorflow as tf

    class KerasIOStyleCGAN(keras.Model):
        """The keras.io "Conditional GAN" train_step."""

        def __init__(self, generator, discriminator, latent_dim):
            super().__init__()
            self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
            self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
            self.g_tracker = keras.metrics.Mean(name="g_loss")
            self.d_tracker = keras.metrics.Mean(name="d_loss")

        @property
        def metrics(self):
            return [self.g_tracker, self.d_tracker]

        def compile(self, d_optimizer, g_optimizer, **kwargs):
            super().compile(**kwargs)
            self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

        def call(self, labels):
            noise = tf.random.normal((tf.shape(labels)[0], self.latent_dim))
            return self.generator([noise, labels])

        def train_step(self, data):
            labels, real_images = data
            batch_size = tf.shape(real_images)[0]
            noise = tf.random.normal((batch_size, self.latent_dim))
            generated = self.generator([noise, labels], training=True)
            combined = tf.concat([generated, real_images], axis=0)
            combined_labels = tf.concat([labels, labels], axis=0)
            targets = tf.concat([tf.zeros((batch_size, 1)), tf.ones((batch_size, 1))], axis=0)
            with tf.GradientTape() as tape:
                predictions = self.discriminator([combined, combined_labels], training=True)
                d_loss = self.loss_fn(targets, predictions)
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

            noise = tf.random.normal((batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                fake = self.generator([noise, labels], training=True)
                predictions = self.discriminator([fake, labels], training=True)
                g_loss = self.loss_fn(tf.ones((batch_size, 1)), predictions)
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            self.g_tracker.update_state(g_loss)
            self.d_tracker.update_state(d_loss)
            return {"g_loss": self.g_tracker.result(), "d_loss": self.d_tracker.result()}

    return KerasIOStyleCGAN(generator, discriminator, latent_dim)


def adam():
    import keras

    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def build(kind, args):
    import keras

    from keras_cgan import ConditionalGAN, networks

    keras.utils.set_random_seed(0)
    g = networks.conditional_generator((8, 8, 1), 10, latent_dim=args.latent_dim, base_filters=args.filters)
    d = networks.conditional_discriminator((8, 8, 1), 10, base_filters=args.filters)
    if kind == "reference":
        model = keras_io_style_cgan(g, d, args.latent_dim)
        model.compile(d_optimizer=adam(), g_optimizer=adam(), jit_compile=False,
                      steps_per_execution=args.steps_per_execution)
    else:
        model = ConditionalGAN(g, d, condition=10, mismatch_weight=1.0 if kind == "ours+mismatch" else 0.0)
        model.compile(generator_optimizer=adam(), discriminator_optimizer=adam(),
                      steps_per_execution=args.steps_per_execution)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=_report.at_least(1), default=64)
    parser.add_argument("--filters", type=_report.at_least(1), default=32)
    parser.add_argument("--latent-dim", type=_report.at_least(1), default=32)
    parser.add_argument("--steps", type=_report.at_least(1), default=100, help="steps per timed round")
    parser.add_argument("--rounds", type=_report.at_least(1), default=15)
    parser.add_argument("--steps-per-execution", type=_report.at_least(1), default=10,
                        help="steps per tf.function call, the same for both (amortises Python overhead)")
    _report.output_options(parser, "train_step_speed")
    args = parser.parse_args(argv)
    _report.check_out(parser, "train_step_speed", args.out)

    import keras
    import tensorflow as tf

    from keras_cgan.data import digits

    class StepTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.start

    images, labels = digits.load("all")
    ds = tf.data.Dataset.from_tensor_slices((labels, images)).repeat().batch(args.batch_size, drop_remainder=True)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    kinds = ["reference", "ours", "ours+mismatch"]
    models = {k: build(k, args) for k in kinds}
    for model in models.values():  # trace and warm up
        model.fit(ds, steps_per_epoch=20, epochs=1, verbose=0)
    seconds = {k: [] for k in kinds}
    for _ in range(args.rounds):
        for kind in kinds:
            timer = StepTimer()
            models[kind].fit(ds, steps_per_epoch=args.steps, epochs=1, verbose=0, callbacks=[timer])
            seconds[kind].append(timer.seconds)
    rows = []
    best = {k: args.steps * args.batch_size / min(v) for k, v in seconds.items()}
    median = {k: args.steps * args.batch_size / float(np.median(v)) for k, v in seconds.items()}
    for kind in kinds:
        throughput, ref = best[kind], best["reference"]
        rows.append({
            "train step": {"reference": "keras.io-style reference (2 tapes, G run twice)",
                           "ours": "ConditionalGAN, mismatch_weight=0",
                           "ours+mismatch": "ConditionalGAN, mismatch_weight=1 (D sees 3B)"}[kind],
            "examples/s": round(throughput, 1),
            "vs reference": round(throughput / ref, 3),
            "vs reference (median rounds)": round(median[kind] / median["reference"], 3),
        })
    _report.write("train_step_speed", {"args": vars(args), "seconds_per_round": seconds},
                  rows, ["train step", "examples/s", "vs reference", "vs reference (median rounds)"], args.out,
                  run=args.run)


if __name__ == "__main__":
    main()
