"""The interface every condition type implements, and the shared wrong-pair draw.

A condition object answers every question the library asks about one kind
of condition, so the networks and models never branch on its type:

* how it is fed: `input_shape` (per sample), `sample_shapes` (the shapes a
  batch may come in) and `dtype`;
* how a batch is checked and cast: `check`, `assert_valid`, `prepare`;
* how a *wrong* condition is drawn for the matching-aware term: `wrong`;
* how it is turned into a code `[B, units]` inside a network: `code`
  (and `projection_code` for the projection discriminator);
* what the `acgan` auxiliary head predicts: `num_labels` and
  `auxiliary_loss`;
* how it is saved: `get_config` / `from_config` (and
  `keras.saving.register_keras_serializable` on the class).

A new kind of condition is one subclass of `Condition`.

Example:

>>> import keras
>>> class Bits(Condition):
...     dtype = "float32"
...     input_shape = (3,)
...     def code(self, inputs, units, prefix, text_encoder="mean"):
...         return keras.layers.Dense(units, name=f"{prefix}_bits")(inputs)
>>> bits = Bits()
>>> tuple(bits.code(keras.Input(bits.input_shape), 8, "class").shape)
(None, 8)
>>> bits.num_labels is None
True
"""

import numpy as np
import tensorflow as tf
from keras import layers


def is_concrete(condition):
    """Whether `condition` holds values (an array or eager tensor), not only a spec.

    Args:
        condition: array, list, tensor or `tf.TensorSpec`.
    """
    return isinstance(condition, (np.ndarray, list)) or hasattr(condition, "numpy")


# Starts the message of every in-graph condition check, so `fit` can name the batch that failed it.
CHECK_MARK = "keras_cgan condition check: "


def fits_per_sample(samples, want):
    """Whether a batch (array, tensor or `tf.TensorSpec`) can hold samples of shape `want`.

    Sizes a dataset leaves unknown (`None`, or an unknown rank, as
    `from_generator` or an un-resized `decode_png` gives) fit: the step
    meets the real ones.
    """
    shape = tf.TensorShape(samples.shape)
    if shape.rank is None:
        return True
    got = shape.as_list()[1:]
    return len(got) == len(want) and all(g is None or w is None or g == w for g, w in zip(got, want))


def one_sample_hint(condition, want):
    """A hint for one sample's condition given without its batch axis (shape `want`); else ""."""
    if tf.TensorShape(condition.shape).as_list() != list(want):
        return ""
    return " For one sample, add the batch axis: `[condition]` or `condition[None]`."


def check_ids(condition, limit, what, where):
    """Raises `ValueError` naming `where` if concrete ids fall outside `[0, limit)`.

    Args:
        condition: array, list, tensor or `tf.TensorSpec` (a spec is not checked).
        limit: int. One past the largest valid id.
        what: str. What the ids are, for the message (e.g. "class ids").
        where: str. Where they came from, for the message.
    """
    if is_concrete(condition):
        values = np.asarray(condition)
        if values.size and (values.min() < 0 or values.max() >= limit):
            raise ValueError(
                f"{where}: {what} must be in [0, {limit}); got values from {values.min()} to {values.max()}."
            )


def other_sample(condition, draw, closeness=None):
    """Pairs each sample with another sample of the batch whose condition differs.

    Each sample starts from a random other position `(i + r_i) % B` and walks
    forward to the first sample with a different condition, so a batch with
    duplicates still gets true mismatches. Where the whole batch holds one
    condition there is none: `valid` is then `False` for that sample and the
    mismatch term ignores it.

    Args:
        condition: tensor `[B, ...]`.
        draw: callable `(sampler, shape, **kw)` drawing `[B, *shape]` values.
        closeness: `int32` tensor `[B, B]` >= 0, or None. If given, the
            walk takes the first differing sample of the highest closeness
            to the true one (a random one of the closest).

    Returns:
        `(wrong, valid)`: the paired conditions `[B, ...]` and a `bool` `[B]`.

    Example:

    >>> import tensorflow as tf
    >>> draw = lambda sampler, shape, **kw: sampler((4,) + shape, seed=[0, 0], **kw)
    >>> wrong, valid = other_sample(tf.constant([0, 0, 1, 1]), draw)
    >>> wrong.numpy().tolist(), valid.numpy().tolist()
    ([1, 1, 0, 0], [True, True, True, True])
    """
    batch = tf.shape(condition)[0]
    flat = tf.reshape(condition, [batch, -1])
    # [B, B]: same[i, j] is True when samples i and j have the same condition.
    same = tf.reduce_all(tf.equal(flat[:, None, :], flat[None, :, :]), axis=-1)
    start = draw(tf.random.stateless_uniform, (), dtype="int32", minval=1, maxval=2**30)
    start = start % tf.maximum(batch - 1, 1) + 1  # [B] in [1, B)
    steps = tf.range(batch)[None, :]  # [1, B]
    rows = tf.range(batch)[:, None]
    candidates = (rows + start[:, None] + steps) % batch  # [B, B]: j to try, in order
    differs = tf.logical_not(tf.gather(same, candidates, batch_dims=1))  # [B, B]
    rank = tf.cast(differs, "int32")
    if closeness is not None:
        rank = tf.where(differs, tf.gather(closeness, candidates, batch_dims=1) + 1, 0)
    first = tf.argmax(rank, axis=1, output_type="int32")
    chosen = tf.gather(candidates, first, batch_dims=1)  # [B]
    valid = tf.reduce_any(differs, axis=1)
    return tf.gather(condition, chosen), valid


def shapes_of(input_shape):
    """The per-sample shapes a condition of `input_shape` may come in: that shape, and a scalar's as a column `(1,)`.

    >>> shapes_of(()), shapes_of((12,))
    ([(), (1,)], [(12,)])
    """
    shape = tuple(input_shape)
    return [shape, (1,)] if shape == () else [shape]


class Condition:
    """Base class of condition types: how a condition is fed, coded, mismatched and predicted.

    Subclasses set `input_shape` (per sample, a tuple; a property when it
    depends on the constructor) and `dtype`, and override what differs from
    the defaults here: `sample_shapes` (default: `[input_shape]`), `code`
    (default: one dense layer), `wrong` (default: another sample's
    condition, `other_sample`), `check` (default: dtype kind and shape),
    `num_labels` and `auxiliary_loss` (default: no auxiliary
    head), `independent_labels` (default False: not one sigmoid per label,
    so `auxiliary_on_fake="negative"` is refused), `multi_hot` (default
    False: values other than 0 and 1 are valid), `get_config`. Register
    the subclass with `keras.saving.register_keras_serializable` so saved
    models reload it.
    """

    input_shape = ()
    dtype = "float32"
    # One sigmoid per label (tags, caption words): an image may hold several
    # labels or none, so D's classifier can learn a generated image as none.
    independent_labels = False
    # Values are 0 or 1, one per label (tags): what example inputs draw for it.
    multi_hot = False

    @property
    def num_labels(self):
        """int or None. Width of the `acgan` auxiliary head (classes, tags, words); None if it has none."""
        return None

    @property
    def sample_shapes(self):
        """Sequence of tuples. The per-sample shapes a batch may have (default: `shapes_of(input_shape)`).

        The default `check` refuses others, and the model's step asserts them
        where a dataset leaves the sizes unknown.
        """
        return shapes_of(self.input_shape)

    @property
    def num_ids(self):
        """int or None. How many integer ids a condition may hold (classes, vocabulary words), so how
        many rows an embedding of it needs; None for float conditions."""
        return None

    def prepare(self, condition):
        """Casts a batch to `dtype` and shape `[B, *input_shape]`.

        Args:
            condition: array or tensor holding a batch of conditions.
        """
        return tf.reshape(tf.cast(condition, self.dtype), [-1, *self.input_shape])

    def check(self, condition, where):
        """Raises `ValueError` if `condition` (an array or a `tf.TensorSpec`) does not fit.

        The default checks that integer conditions get integer values and
        that the shape is `[batch, *shape]` for one of `sample_shapes`.

        Args:
            condition: array, tensor or `tf.TensorSpec` of a batch.
            where: str. Names the argument in the message (`"x"`, ...).
        """
        name = type(self).__name__
        dtype = tf.as_dtype(condition.dtype)
        if dtype == tf.string or (tf.as_dtype(self.dtype).is_integer and not dtype.is_integer):
            raise ValueError(f"{where}: {name} conditions must have dtype {self.dtype}; got dtype {dtype.name}.")
        if not any(fits_per_sample(condition, shape) for shape in self.sample_shapes):
            shapes = " or ".join(f"[batch, *{tuple(shape)}]" for shape in self.sample_shapes)
            raise ValueError(
                f"{where}: {name} conditions must have shape {shapes}; got {tuple(condition.shape)}."
                + one_sample_hint(condition, self.input_shape)
            )

    def assert_valid(self, condition):
        """In-graph checks of a prepared batch, as a list of assert ops (default: none).

        Args:
            condition: prepared tensor `[B, *input_shape]`.
        """
        return []

    def wrong(self, condition, draw):
        """Draws a wrong condition per sample for the matching-aware term.

        Returns either the wrong conditions `[B, ...]` (every one a true
        mismatch) or `(wrong, valid)`, where the `bool` `valid` `[B]` marks
        the samples that have one. The default takes another sample's
        condition (`other_sample`).

        Args:
            condition: prepared tensor `[B, *input_shape]`.
            draw: callable `(sampler, shape, **kw)` drawing `[B, *shape]`
                random values (for example `tf.random.stateless_uniform`),
                the same on every replica for a given global position.
        """
        return other_sample(condition, draw)

    def code(self, inputs, units, prefix, text_encoder="mean"):
        """Builds, from Keras layers, the `[B, units]` code of a condition input.

        The default is one dense layer named `{prefix}_dense`.

        Args:
            inputs: the condition `keras.Input` (or a tensor of that shape).
            units: int. Size of the code.
            prefix: str. Prefix of the layer names.
            text_encoder: str. For conditions with a choice of encoder
                (captions: `"mean"` or `"gru"`); others ignore it.
                Defaults to `"mean"`.
        """
        return layers.Dense(units, name=f"{prefix}_dense")(inputs)

    def projection_code(self, inputs, units, text_encoder="mean"):
        """The `[B, units]` code the projection discriminator dots with its features.

        Defaults to `code(inputs, units, "projection", text_encoder)`.

        Args:
            inputs: the condition `keras.Input`.
            units: int. Width of the discriminator's features.
            text_encoder: str. As for `code`. Defaults to `"mean"`.
        """
        return self.code(inputs, units, "projection", text_encoder)

    def auxiliary_loss(self, logits, condition):
        """Mean loss of the `acgan` auxiliary head's `logits` `[B, num_labels]` for `condition`.

        Args:
            logits: float tensor `[B, num_labels]`.
            condition: prepared tensor `[B, *input_shape]`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no auxiliary head (num_labels={self.num_labels}); "
            "implement `num_labels` and `auxiliary_loss` to use the acgan design."
        )

    def get_config(self):
        """The constructor arguments as a dict (default: `{}`, for a class without any)."""
        if type(self).__init__ is not object.__init__:
            raise NotImplementedError(f"{type(self).__name__} takes constructor arguments: implement `get_config`.")
        return {}

    @classmethod
    def from_config(cls, config):
        """Builds the condition back from `get_config()`.

        Args:
            config: dict. The output of `get_config`.
        """
        return cls(**config)
