"""`TagsCondition`: a set of tags per sample, fed multi-hot.

Example:

>>> from keras_cgan.conditions import TagsCondition
>>> tags = TagsCondition(["blue hair", "red hair", "red eyes", "green eyes"])
>>> tags.input_shape, tags.num_labels
((4,), 4)
"""

import keras
import numpy as np
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.conditions.base import (
    CHECK_MARK, Condition, fits_per_sample, is_concrete, one_sample_hint, other_sample,
)


def _text(value):
    """A tag as a plain `str` (bytes decoded, numpy's `str_` unwrapped), for lookups and messages."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


@keras.saving.register_keras_serializable(package="keras_cgan")
class TagsCondition(Condition):
    """A set of tags ("blue hair", "red eyes"), fed multi-hot as `float32` `[B, T]`.

    A wrong tag set for the mismatch term is the set of another sample in the
    batch that differs from the true one (with `mismatch="closest"`, one
    that differs from it in the fewest tags: "red hair, green eyes" for
    "red hair, blue eyes", so the discriminator must check every tag); if
    the whole batch shares one set, one random tag is flipped instead, so
    the wrong set always differs. The code is a learned linear map of the
    multi-hot vector (the default `Condition.code`); the `acgan` head
    predicts each tag (sigmoid cross-entropy).

    Args:
        vocabulary: list of str. The tags, in the order of the multi-hot
            columns (at least 2).
        mismatch: str. `"other"` (any other set of the batch) or
            `"closest"` (a set of the batch that differs in the fewest
            tags, present or absent). Defaults to `"other"`.

    Example:

    >>> tags = TagsCondition(["blue hair", "red hair", "red eyes", "green eyes"])
    >>> tags.encode([["blue hair", "red eyes"]]).tolist()
    [[1.0, 0.0, 1.0, 0.0]]
    """

    dtype = "float32"
    independent_labels = True  # one sigmoid per label
    multi_hot = True

    def __init__(self, vocabulary, mismatch="other"):
        if mismatch not in checks.TAG_MISMATCHES:
            raise ValueError(f"`mismatch` must be one of {checks.TAG_MISMATCHES}. Received: mismatch={mismatch!r}")
        self.mismatch = mismatch
        if isinstance(vocabulary, (set, frozenset)):  # no order: the columns would differ between runs
            raise ValueError(
                "`vocabulary` must be an ordered list (a set's order changes between runs); pass "
                f"sorted(vocabulary). Received: vocabulary={vocabulary!r}"
            )
        given = vocabulary
        vocabulary = list(vocabulary) if not isinstance(vocabulary, str) else None
        if not vocabulary or len(vocabulary) < 2 or not all(isinstance(t, str) and t for t in vocabulary):
            raise ValueError(
                "`vocabulary` must be a list of at least 2 non-empty tag strings. "
                f"Received: vocabulary={given!r}"
            )
        vocabulary = [str(t) for t in vocabulary]  # numpy strings (`np.unique`) as plain ones
        if len(set(vocabulary)) != len(vocabulary):
            dup = sorted({t for t in vocabulary if vocabulary.count(t) > 1})
            raise ValueError(f"`vocabulary` has repeated tags: {dup}")
        self.vocabulary = vocabulary
        self.index = {tag: i for i, tag in enumerate(vocabulary)}

    @property
    def input_shape(self):
        """tuple. `(num_tags,)`."""
        return (len(self.vocabulary),)

    @property
    def num_tags(self):
        """int. The number of tags."""
        return len(self.vocabulary)

    @property
    def num_labels(self):
        """int. One auxiliary logit per tag."""
        return self.num_tags

    def encode(self, tag_sets):
        """Returns multi-hot `float32` `[N, T]` for a list of tag lists.

        Raises `ValueError` naming a tag that is not in the vocabulary.

        Args:
            tag_sets: list of lists of str (or bytes), one list per sample.
        """
        tag_sets = [tag_sets] if isinstance(tag_sets, (str, bytes)) else list(tag_sets)
        strings = [_text(tags) for tags in tag_sets if isinstance(tags, (str, bytes))]
        if strings:
            raise ValueError(
                f"`tag_sets` must be a list of tag lists, one per sample (`[[{strings[0]!r}, ...]]` for one sample); "
                f"got the string {strings[0]!r} where a tag list belongs."
            )
        out = np.zeros((len(tag_sets), self.num_tags), "float32")
        for row, tags in enumerate(tag_sets):
            for tag in tags:
                if not isinstance(tag, (str, bytes)):  # e.g. a multi-hot row: encoded already
                    raise ValueError(
                        f"`tag_sets` holds {tag!r} (tag set {row}), not a tag: pass lists of tag strings. A multi-hot "
                        "array is encoded already: give it to `fit`, `predict` or `generate` as it is."
                    )
                tag = _text(tag)  # as `tf.data` gives strings; numpy's as plain str
                if tag not in self.index:
                    raise ValueError(
                        f"tag {tag!r} (tag set {row}) is not in the vocabulary {self.vocabulary}"
                    )
                out[row, self.index[tag]] = 1.0
        return out

    def decode(self, multi_hot, threshold=0.5):
        """Returns the list of tags of each row of `multi_hot` `[N, T]` (one list for one row `[T]`).

        Args:
            multi_hot: array `[N, T]` or `[T]` of scores or multi-hot values.
            threshold: float. A tag is on above it. Defaults to `0.5`.
        """
        threshold = checks.number("threshold", threshold, low=None)
        multi_hot = np.asarray(multi_hot)
        if multi_hot.ndim not in (1, 2) or multi_hot.shape[-1] != self.num_tags:
            raise ValueError(
                f"`multi_hot` must be [N, {self.num_tags}] or [{self.num_tags}] (one value per tag). "
                f"Received shape: {multi_hot.shape}"
            )
        rows = [[self.vocabulary[i] for i in np.flatnonzero(row > threshold)] for row in np.atleast_2d(multi_hot)]
        return rows[0] if multi_hot.ndim == 1 else rows

    def wrong(self, condition, draw):
        """Another sample's tag set, or the true set with one tag flipped where none differs.

        Args:
            condition: multi-hot `[B, T]`.
            draw: callable `(sampler, shape, **kw)` drawing `[B, *shape]` values.
        """
        agree = None
        if self.mismatch == "closest":  # [B, B]: tags both have plus tags neither has
            agree = tf.matmul(condition, condition, transpose_b=True) + tf.matmul(
                1.0 - condition, 1.0 - condition, transpose_b=True)
            agree = tf.cast(tf.round(agree), "int32")
        wrong, valid = other_sample(condition, draw, closeness=agree)
        flip = draw(tf.random.stateless_uniform, (), dtype="int32", minval=0, maxval=self.num_tags)
        flipped = tf.abs(condition - tf.one_hot(flip, self.num_tags, dtype=condition.dtype))
        return tf.where(valid[:, None], wrong, flipped)

    def assert_valid(self, condition):
        """In-graph check that the batch is multi-hot.

        Args:
            condition: `float32` `[B, T]`.
        """
        return [
            tf.debugging.assert_equal(
                tf.reduce_all((condition == 0.0) | (condition == 1.0)),
                True,
                message=CHECK_MARK + "tag conditions must be multi-hot (0 or 1)",
            )
        ]

    def check(self, condition, where):
        """Raises `ValueError` if `condition` (an array or a `tf.TensorSpec`) does not fit.

        Args:
            condition: array, tensor or `tf.TensorSpec` of multi-hot tags.
            where: str. Names the argument in the message.
        """
        dtype = tf.as_dtype(condition.dtype)
        if dtype == tf.string:
            raise ValueError(f"{where}: tags must be multi-hot; encode them with `TagsCondition.encode`.")
        if not fits_per_sample(condition, (self.num_tags,)):
            raise ValueError(
                f"{where}: tag conditions must have shape [batch, {self.num_tags}] (one column per tag "
                f"of the vocabulary); got {tuple(condition.shape)}." + one_sample_hint(condition, self.input_shape)
            )
        if is_concrete(condition):
            values = np.asarray(condition)
            if values.size and not np.all((values == 0) | (values == 1)):
                raise ValueError(
                    f"{where}: tag conditions must be multi-hot (only 0 and 1); got values from {values.min()} to "
                    f"{values.max()}. Make them from tag lists with `TagsCondition.encode`."
                )

    def auxiliary_loss(self, logits, condition):
        """Sigmoid cross-entropy of one logit per tag `[B, T]` with the multi-hot tags.

        Args:
            logits: float tensor `[B, T]`.
            condition: multi-hot `[B, T]`.
        """
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=condition, logits=logits))

    def get_config(self):
        """Returns `{"vocabulary": [...], "mismatch": ...}`."""
        return {"vocabulary": list(self.vocabulary), "mismatch": self.mismatch}
