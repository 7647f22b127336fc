"""Tiny models and data of every family, for the scale and resilience tests.

`build(family)` returns a compiled GAN built in the current strategy scope
from the family's `"tiny"` preset; `data(family, n)` returns `(conditions,
targets)` arrays made in code. Every network here is replica-invariant (batch
norm is synchronized, so it sees the global batch; no dropout), so N replicas
or workers must make the update of one device. To add a family, add one
entry to each dict.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_cgan.models import conditional_gan, next_frame_gan, pix2pix, segan, stack_gan

FAMILIES = ("conditional", "pix2pix", "segan", "next_frame", "stackgan")
WINDOW = 256

# family -> (its presets module, the data-dependent arguments of `presets.build`)
BUILDERS = {
    "conditional": (conditional_gan.presets, ((8, 8, 1), 4)),
    "pix2pix": (pix2pix.presets, ((16, 16, 1), (16, 16, 3))),
    "segan": (segan.presets, (WINDOW,)),
    "next_frame": (next_frame_gan.presets, ((8, 8, 1), 2)),
    "stackgan": (stack_gan.presets, ((8, 16), 4)),
}
EXTRA = {"stackgan": {"active_stages": 2}}  # train both stages from the first step
# Terms that draw values per row of the global batch, the mode-seeking term's noise and D's shifts
# (`translation`): off in the tiny presets; on in the replica battery (uneven, tags, text), the
# multi-worker and the mixed-precision tests.
# StackGAN takes the term on every third example of the global batch (`diversity_stride=3`).
RANDOMISED = {
    "conditional": {"diversity_weight": 1.0, "translation": 0.25},
    "stackgan": {"diversity_weight": 1.0, "diversity_stride": 3, "translation": 0.25},
}
# StackGAN's tags and text cases in the battery: `concat_acgan` discriminators whose classifier
# learns generated images as holding no label (a mean over the fake rows of each replica).
CLASSIFIED = {"stackgan": {"conditioning": "concat_acgan", "auxiliary_on_fake": "negative"}}
# A weight computed from gradient norms over the global batch: on in the replica battery's uneven and
# float16 cases.
ADAPTIVE = {"pix2pix": {"adaptive_adversarial": True}}

SHAPES = {  # family -> (condition shape per sample, target shape per sample)
    "conditional": ((), (8, 8, 1)),
    "pix2pix": ((16, 16, 1), (16, 16, 3)),
    "segan": ((WINDOW, 1), (WINDOW, 1)),
    "next_frame": ((8, 8, 2), (8, 8, 1)),
    "stackgan": ((), (16, 16, 3)),
}


def _optimizer(name, learning_rate, **clip):
    # SGD for exact comparisons: Adam's first steps are about lr * sign(g), so
    # it turns float rounding on a parameter whose gradient is ~0 (a bias
    # before batch norm) into a full step.
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate, **clip)
    return keras.optimizers.Adam(learning_rate, beta_1=0.5, **clip)


# G's and D's clipping arguments small enough to bind on every family's first
# steps: clipped on the global batch or on each replica's part, the weights differ.
BINDING_CLIP = ({"global_clipnorm": 0.05}, {"clipnorm": 0.01})


def build(family, seed=3, learning_rate=1e-2, optimizer="adam", update="alternating", clip=({}, {}), **kwargs):
    """A compiled tiny GAN of `family` (build it inside `strategy.scope()` to distribute it).

    `clip`: the generator's and the discriminator's clipping arguments
    (`{"global_clipnorm": 0.1}`...). `kwargs` are overrides of the preset
    (`ema_decay=0.5`, `dropout=0.5`...).
    """
    keras.utils.set_random_seed(0)
    presets, args = BUILDERS[family]
    return presets.build(
        *args, preset="tiny", seed=seed, generator_optimizer=_optimizer(optimizer, learning_rate, **clip[0]),
        discriminator_optimizer=_optimizer(optimizer, learning_rate, **clip[1]), update=update,
        **{**EXTRA.get(family, {}), **kwargs},
    )


def data(family, n=24, seed=0):
    """`(conditions, targets)` numpy arrays of `n` pairs in `[-1, 1]`."""
    rng = np.random.default_rng(seed)
    condition_shape, target_shape = SHAPES[family]
    if family in ("conditional", "stackgan"):
        conditions = (np.arange(n) % 4).astype("int32")
    else:
        conditions = rng.uniform(-1, 1, (n,) + condition_shape).astype("float32")
    targets = rng.uniform(-1, 1, (n,) + target_shape).astype("float32")
    if family == "segan":
        targets = 0.5 * conditions
    return conditions, targets


def dataset(family, n=24, batch_size=8):
    conditions, targets = data(family, n)
    return tf.data.Dataset.from_tensor_slices((conditions, targets)).batch(batch_size)


def flat(values):
    """Weights (a list of arrays or variables) as one float64 list, JSON-ready."""
    return np.concatenate([np.ravel(np.asarray(v)).astype("float64") for v in values]).tolist()


def _tags_condition():
    from keras_cgan import TagsCondition

    return TagsCondition(["red hair", "blue hair", "red eyes", "blue eyes"])


def _text_condition():
    from keras_cgan import TextCondition

    return TextCondition(vocabulary_size=9, sequence_length=3)


def conditioned(family, condition, seed=3, learning_rate=1e-2, optimizer="adam", clip=({}, {}), **kwargs):
    """A compiled conditional or StackGAN model on a `TagsCondition` or `TextCondition`.

    `clip` as for `build`; `kwargs` are preset overrides.
    """
    keras.utils.set_random_seed(0)
    condition = {"tags": _tags_condition, "text": _text_condition}[condition]()
    presets, (shape, _) = BUILDERS[family]
    return presets.build(
        shape, condition, preset="tiny", seed=seed, generator_optimizer=_optimizer(optimizer, learning_rate, **clip[0]),
        discriminator_optimizer=_optimizer(optimizer, learning_rate, **clip[1]), **{**EXTRA.get(family, {}), **kwargs},
    )


def conditions_of(condition, n, seed=0):
    """`n` distinct-enough tag vectors or captions for `conditioned` models."""
    rng = np.random.default_rng(seed)
    if condition == "tags":
        return np.eye(4, dtype="float32")[np.arange(n) % 4] + np.eye(4, dtype="float32")[(np.arange(n) + 1) % 4]
    return rng.integers(2, 9, (n, 3)).astype("int32")


def halved(gan):
    """A copy of `gan` (same weights) whose subclass `generate` halves what `super().generate` gives."""

    class Halved(type(gan)):
        def generate(self, condition, noise=None, training=False):
            return super().generate(condition, noise=noise, training=training) * 0.5

    copy = Halved.from_config(gan.get_config())
    copy.set_weights(gan.get_weights())
    return copy


def regularize(gan, factor=1e-2):
    """Puts an L2 regularizer on the first kernel of every generator and discriminator network."""
    for network in gan.generator_networks() + gan.discriminator_networks():
        kernel = next(w for w in network.trainable_weights if len(w.shape) > 1)
        kernel.regularizer = keras.regularizers.L2(factor)
    return gan
