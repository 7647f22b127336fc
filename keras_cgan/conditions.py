"""How a condition is fed to the networks and how a wrong one is drawn.

Four kinds: `ClassCondition` (a class id), `TagsCondition` (multi-hot tags),
`TextCondition` (caption token ids) and `EmbeddingCondition` (precomputed
sentence embeddings). `wrong(c, draw)` returns either the wrong conditions or
`(wrong, valid)`, where `valid` `[B]` marks samples that have a true mismatch.

The matching-aware discriminator scores real samples paired with a *wrong*
condition as fake, so each kind of condition knows how to draw a condition
that really differs from the true one.

Example:

>>> from keras_cgan.conditions import ClassCondition
>>> ClassCondition(10).input_shape
()
"""

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_cgan")
class ClassCondition:
    """A class id in `[0, num_classes)`, fed as an `int32` scalar per sample.

    Args:
        num_classes: int. The number of classes (at least 2, so that a wrong
            class exists).
    """

    input_shape = ()
    dtype = "int32"

    def __init__(self, num_classes):
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"`num_classes` must be an int >= 2. Received: num_classes={num_classes!r}")
        self.num_classes = int(num_classes)

    def prepare(self, condition):
        """Casts a batch of class ids to `int32` `[B]`."""
        return tf.reshape(tf.cast(condition, "int32"), [-1])

    def wrong(self, condition, draw):
        """Returns a class different from `condition` for each sample.

        A uniform offset in `[1, num_classes)` added modulo `num_classes` can
        never give back the true class.
        """
        offset = draw(tf.random.stateless_uniform, (), dtype="int32", minval=1, maxval=self.num_classes)
        return (condition + offset) % self.num_classes

    def assert_valid(self, condition):
        """In-graph check that ids are in range (catches a bad batch mid-epoch)."""
        return [
            tf.debugging.assert_non_negative(condition, message="class ids must be >= 0"),
            tf.debugging.assert_less(
                condition,
                self.num_classes,
                message=f"class ids must be < num_classes={self.num_classes}",
            ),
        ]

    def check(self, condition, where):
        """Raises `ValueError` if `condition` (an array or a `tf.TensorSpec`) does not fit."""
        dtype = tf.as_dtype(condition.dtype)
        if not dtype.is_integer:
            raise ValueError(
                f"{where}: class conditions must be integer ids; got dtype {dtype.name}. "
                "Cast labels with `tf.cast(labels, 'int32')` (one-hot labels: `argmax`)."
            )
        shape = tuple(condition.shape)
        if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
            raise ValueError(
                f"{where}: class conditions must have shape [batch] or [batch, 1]; got {shape}."
            )
        if isinstance(condition, (np.ndarray, list)) or hasattr(condition, "numpy"):
            values = np.asarray(condition)
            if values.size and (values.min() < 0 or values.max() >= self.num_classes):
                raise ValueError(
                    f"{where}: class ids must be in [0, {self.num_classes}); "
                    f"got values from {values.min()} to {values.max()}."
                )

    def get_config(self):
        return {"num_classes": self.num_classes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)



def _is_concrete(condition):
    return isinstance(condition, (np.ndarray, list)) or hasattr(condition, "numpy")


def other_sample(condition, draw):
    """Pairs each sample with another sample of the batch whose condition differs.

    Each sample starts from a random other position `(i + r_i) % B` and walks
    forward to the first sample with a different condition, so a batch with
    duplicates still gets true mismatches. Where the whole batch holds one
    condition there is none: `valid` is then `False` for that sample and the
    mismatch term ignores it.

    Args:
        condition: tensor `[B, ...]`.
        draw: callable `(sampler, shape, **kw)` drawing `[B, *shape]` values.

    Returns:
        `(wrong, valid)`: the paired conditions `[B, ...]` and a `bool` `[B]`.
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
    first = tf.argmax(tf.cast(differs, "int32"), axis=1, output_type="int32")
    chosen = tf.gather(candidates, first, batch_dims=1)  # [B]
    valid = tf.reduce_any(differs, axis=1)
    return tf.gather(condition, chosen), valid


@keras.saving.register_keras_serializable(package="keras_cgan")
class TagsCondition:
    """A set of tags ("blue hair", "red eyes"), fed multi-hot as `float32` `[B, T]`.

    A wrong tag set for the mismatch term is the set of another sample in the
    batch that differs from the true one; if the whole batch shares one set,
    one random tag is flipped instead, so the wrong set always differs.

    Args:
        vocabulary: list of str. The tags, in the order of the multi-hot
            columns (at least 2).

    Example:

    >>> tags = TagsCondition(["blue hair", "red hair", "red eyes", "green eyes"])
    >>> tags.encode([["blue hair", "red eyes"]]).tolist()
    [[1.0, 0.0, 1.0, 0.0]]
    """

    dtype = "float32"

    def __init__(self, vocabulary):
        vocabulary = list(vocabulary) if not isinstance(vocabulary, str) else None
        if not vocabulary or len(vocabulary) < 2 or not all(isinstance(t, str) and t for t in vocabulary):
            raise ValueError(
                "`vocabulary` must be a list of at least 2 non-empty tag strings. "
                f"Received: vocabulary={vocabulary!r}"
            )
        if len(set(vocabulary)) != len(vocabulary):
            dup = sorted({t for t in vocabulary if vocabulary.count(t) > 1})
            raise ValueError(f"`vocabulary` has repeated tags: {dup}")
        self.vocabulary = vocabulary
        self.index = {tag: i for i, tag in enumerate(vocabulary)}

    @property
    def input_shape(self):
        return (len(self.vocabulary),)

    @property
    def num_tags(self):
        return len(self.vocabulary)

    def encode(self, tag_sets):
        """Returns multi-hot `float32` `[N, T]` for a list of tag lists.

        Raises `ValueError` naming a tag that is not in the vocabulary.
        """
        out = np.zeros((len(tag_sets), self.num_tags), "float32")
        for row, tags in enumerate(tag_sets):
            if isinstance(tags, str):
                raise ValueError(f"tag set {row} must be a list of tags, not the string {tags!r}")
            for tag in tags:
                if tag not in self.index:
                    raise ValueError(
                        f"tag {tag!r} (tag set {row}) is not in the vocabulary {self.vocabulary}"
                    )
                out[row, self.index[tag]] = 1.0
        return out

    def decode(self, multi_hot, threshold=0.5):
        """Returns the list of tags of each row of `multi_hot` `[N, T]`."""
        return [[self.vocabulary[i] for i in np.flatnonzero(row > threshold)] for row in np.asarray(multi_hot)]

    def prepare(self, condition):
        return tf.reshape(tf.cast(condition, "float32"), [-1, self.num_tags])

    def wrong(self, condition, draw):
        wrong, valid = other_sample(condition, draw)
        flip = draw(tf.random.stateless_uniform, (), dtype="int32", minval=0, maxval=self.num_tags)
        flipped = tf.abs(condition - tf.one_hot(flip, self.num_tags, dtype=condition.dtype))
        return tf.where(valid[:, None], wrong, flipped)

    def assert_valid(self, condition):
        return [
            tf.debugging.assert_equal(
                tf.reduce_all((condition == 0.0) | (condition == 1.0)),
                True,
                message="tag conditions must be multi-hot (0 or 1)",
            )
        ]

    def check(self, condition, where):
        dtype = tf.as_dtype(condition.dtype)
        if dtype == tf.string:
            raise ValueError(f"{where}: tags must be multi-hot; encode them with `TagsCondition.encode`.")
        shape = tuple(condition.shape)
        if len(shape) != 2 or shape[1] != self.num_tags:
            raise ValueError(
                f"{where}: tag conditions must have shape [batch, {self.num_tags}] (one column per tag "
                f"of the vocabulary); got {shape}."
            )
        if _is_concrete(condition):
            values = np.asarray(condition)
            if values.size and not np.all((values == 0) | (values == 1)):
                raise ValueError(f"{where}: tag conditions must be multi-hot (only 0 and 1).")

    def get_config(self):
        return {"vocabulary": list(self.vocabulary)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_cgan")
class TextCondition:
    """A caption as token ids `int32` `[B, L]` (0 = padding, 1 = unknown word).

    Captions are turned into ids by `keras.layers.TextVectorization` in the
    data pipeline (`data.captions.vectorizer`); the networks encode the ids
    with a trainable text encoder. The wrong caption of a sample is the
    caption of another sample of the batch that differs from its own; a
    batch made of one caption has none, and the mismatch term skips it.
    With `word_swap`, a share of the wrong captions differ from the true one
    in a single word. With `swap_groups` (words that can stand in for one
    another: colours, shape names, ...), that word is replaced by another
    word of its group ("a red circle at the top left" -> "a red *square* at
    the top left"): the wrong caption stays well formed and differs in one
    attribute, so the discriminator has to check each attribute, not only
    the most salient one (a colour). `data.captions.word_groups` finds such
    groups in a set of captions. Without groups the word is taken from the
    other caption at a position where the two differ, which only makes sense
    when all captions share one phrasing.

    Args:
        vocabulary_size: int. Size of the vectorizer's vocabulary (ids are in
            `[0, vocabulary_size)`).
        sequence_length: int. Tokens per caption (`output_sequence_length`).
        word_swap: float in `[0, 1]`. Share of wrong captions that differ in
            one word only. Defaults to `0.0`.
        swap_groups: list of lists of token ids, or None. Groups of
            interchangeable words (at least 2 ids each, no id in two groups,
            ids in `[2, vocabulary_size)`). Defaults to `None`.

    Example:

    >>> import keras
    >>> vec = keras.layers.TextVectorization(output_sequence_length=6)
    >>> vec.adapt(["a red circle", "a blue square"])
    >>> TextCondition.from_vectorizer(vec).input_shape
    (6,)
    >>> text = TextCondition.from_vectorizer(vec, 0.5, [["red", "blue"]])
    >>> sorted(str(vec.get_vocabulary()[i]) for i in text.swap_groups[0])
    ['blue', 'red']
    """

    dtype = "int32"

    def __init__(self, vocabulary_size, sequence_length, word_swap=0.0, swap_groups=None):
        for name, value, low in (("vocabulary_size", vocabulary_size, 3), ("sequence_length", sequence_length, 1)):
            if not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"`{name}` must be an int >= {low}. Received: {name}={value!r}")
        if not 0.0 <= word_swap <= 1.0:
            raise ValueError(f"`word_swap` must be in [0, 1]. Received: word_swap={word_swap!r}")
        self.vocabulary_size = int(vocabulary_size)
        self.sequence_length = int(sequence_length)
        self.word_swap = float(word_swap)
        self.swap_groups = self._check_groups(swap_groups) if swap_groups else None

    def _check_groups(self, groups):
        seen = set()
        out = []
        for g, group in enumerate(groups):
            ids = [int(i) for i in group]
            if len(set(ids)) < 2:
                raise ValueError(f"`swap_groups`: group {g} needs at least 2 different token ids; got {group!r}")
            bad = [i for i in ids if not 2 <= i < self.vocabulary_size]
            if bad:
                raise ValueError(
                    f"`swap_groups`: group {g} has token ids {bad} outside [2, {self.vocabulary_size}) "
                    "(0 is padding, 1 the unknown word)"
                )
            twice = seen & set(ids)
            if twice:
                raise ValueError(f"`swap_groups`: token ids {sorted(twice)} are in more than one group")
            seen |= set(ids)
            out.append(sorted(set(ids)))
        return out

    @classmethod
    def from_vectorizer(cls, vectorizer, word_swap=0.0, swap_groups=None):
        """Reads the sizes off an adapted `keras.layers.TextVectorization`.

        `swap_groups` may be given as words (`[["red", "blue"], ...]`); they
        are turned into the vectorizer's token ids.
        """
        length = vectorizer.get_config().get("output_sequence_length")
        if not length:
            raise ValueError("the TextVectorization needs `output_sequence_length` (fixed-length ids).")
        if swap_groups:
            index = {word: i for i, word in enumerate(vectorizer.get_vocabulary())}
            ids = []
            for group in swap_groups:
                missing = [w for w in group if isinstance(w, str) and w not in index]
                if missing:
                    raise ValueError(f"`swap_groups`: words {missing} are not in the vectorizer's vocabulary")
                ids.append([index[w] if isinstance(w, str) else int(w) for w in group])
            swap_groups = ids
        return cls(vectorizer.vocabulary_size(), length, word_swap=word_swap, swap_groups=swap_groups)

    @property
    def input_shape(self):
        return (self.sequence_length,)

    def prepare(self, condition):
        return tf.reshape(tf.cast(condition, "int32"), [-1, self.sequence_length])

    def words(self, condition):
        """The bag of words of each caption: multi-hot `float32` `[B, vocabulary_size]`.

        Padding (id 0) and the unknown word (id 1) are left out. This is what
        the `acgan` design's auxiliary head predicts from an image, word by
        word, so "triangle" is learned apart from "red" and new combinations
        of seen words are scored word by word too.
        """
        hot = tf.reduce_max(tf.one_hot(condition, self.vocabulary_size), axis=1)  # [B, V]
        return hot * tf.concat([tf.zeros([2]), tf.ones([self.vocabulary_size - 2])], 0)

    def wrong(self, condition, draw):
        partner, valid = other_sample(condition, draw)
        if self.word_swap == 0.0:
            return partner, valid
        swap = draw(tf.random.stateless_uniform, ()) < self.word_swap  # [B]
        if self.swap_groups:
            one_word, can = self._swap_in_group(condition, draw)
            swap = swap & can
            return tf.where(swap[:, None], one_word, partner), valid | swap
        # One random position where the captions differ gets the partner's word.
        score = draw(tf.random.stateless_uniform, (self.sequence_length,))  # [B, L]
        score = tf.where(tf.not_equal(condition, partner), score, -1.0)
        position = tf.one_hot(tf.argmax(score, axis=1), self.sequence_length, on_value=True, off_value=False)
        one_word = tf.where(position, partner, condition)  # [B, L], differs in one word where valid
        return tf.where(swap[:, None], one_word, partner), valid

    def _swap_in_group(self, condition, draw):
        """Replaces one grouped word of each caption by another word of its group.

        Returns `(captions [B, L], swapped [B])`; a caption without a grouped
        word is returned unchanged with `swapped` False.
        """
        size = np.zeros(self.vocabulary_size, "int32")  # group size of each token (0: none)
        rank = np.zeros(self.vocabulary_size, "int32")  # place of the token in its group
        group = np.zeros(self.vocabulary_size, "int32")
        table = np.zeros((len(self.swap_groups), max(map(len, self.swap_groups))), "int32")
        for g, ids in enumerate(self.swap_groups):
            table[g, : len(ids)] = ids
            size[ids], rank[ids], group[ids] = len(ids), np.arange(len(ids)), g
        grouped = tf.gather(tf.constant(size), condition) > 0  # [B, L]
        score = draw(tf.random.stateless_uniform, (self.sequence_length,))  # [B, L]
        position = tf.argmax(tf.where(grouped, score, -1.0), axis=1, output_type="int32")  # [B]
        token = tf.gather(condition, position, batch_dims=1)  # [B]
        n = tf.maximum(tf.gather(tf.constant(size), token), 2)
        offset = draw(tf.random.stateless_uniform, (), dtype="int32", minval=0, maxval=2**30) % (n - 1) + 1
        column = (tf.gather(tf.constant(rank), token) + offset) % n
        new = tf.gather_nd(tf.constant(table), tf.stack([tf.gather(tf.constant(group), token), column], 1))  # [B]
        at = tf.one_hot(position, self.sequence_length, on_value=True, off_value=False)  # [B, L]
        return tf.where(at, new[:, None], condition), tf.reduce_any(grouped, axis=1)

    def assert_valid(self, condition):
        return [
            tf.debugging.assert_non_negative(condition, message="token ids must be >= 0"),
            tf.debugging.assert_less(
                condition, self.vocabulary_size, message=f"token ids must be < vocabulary_size={self.vocabulary_size}"
            ),
            tf.debugging.assert_equal(
                tf.reduce_all(tf.reduce_any(condition > 0, axis=1)),
                True,
                message="empty caption: a caption has no tokens (all padding)",
            ),
        ]

    def check(self, condition, where):
        dtype = tf.as_dtype(condition.dtype)
        if dtype == tf.string:
            raise ValueError(
                f"{where}: captions must be token ids; vectorize them with "
                "`keras.layers.TextVectorization` in the data pipeline (see `data.captions`)."
            )
        if not dtype.is_integer:
            raise ValueError(f"{where}: captions must be integer token ids; got dtype {dtype.name}.")
        shape = tuple(condition.shape)
        if len(shape) != 2 or shape[1] != self.sequence_length:
            raise ValueError(
                f"{where}: captions must have shape [batch, {self.sequence_length}] token ids; got {shape}."
            )
        if _is_concrete(condition):
            values = np.asarray(condition)
            if values.size and (values.min() < 0 or values.max() >= self.vocabulary_size):
                raise ValueError(
                    f"{where}: token ids must be in [0, {self.vocabulary_size}); "
                    f"got values from {values.min()} to {values.max()}."
                )
            empty = np.flatnonzero(~np.any(values > 0, axis=1))
            if empty.size:
                raise ValueError(f"{where}: empty caption (no tokens) at row(s) {empty[:10].tolist()}.")

    def get_config(self):
        return {
            "vocabulary_size": self.vocabulary_size,
            "sequence_length": self.sequence_length,
            "word_swap": self.word_swap,
            "swap_groups": self.swap_groups,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_cgan")
class EmbeddingCondition:
    """A precomputed condition vector, e.g. a sentence embedding, `float32` `[B, E]`.

    The wrong condition of a sample is the vector of another sample of the
    batch that differs from its own (skipped where the batch has none).

    Args:
        dim: int. Size of the vectors.

    Example:

    >>> EmbeddingCondition(384).input_shape
    (384,)
    """

    dtype = "float32"

    def __init__(self, dim):
        if not isinstance(dim, (int, np.integer)) or dim < 1:
            raise ValueError(f"`dim` must be an int >= 1. Received: dim={dim!r}")
        self.dim = int(dim)

    @property
    def input_shape(self):
        return (self.dim,)

    def prepare(self, condition):
        return tf.reshape(tf.cast(condition, "float32"), [-1, self.dim])

    def wrong(self, condition, draw):
        return other_sample(condition, draw)

    def assert_valid(self, condition):
        return [tf.debugging.assert_all_finite(condition, "condition embeddings must be finite")]

    def check(self, condition, where):
        dtype = tf.as_dtype(condition.dtype)
        if not dtype.is_floating:
            raise ValueError(f"{where}: embedding conditions must be float vectors; got dtype {dtype.name}.")
        shape = tuple(condition.shape)
        if len(shape) != 2 or shape[1] != self.dim:
            raise ValueError(f"{where}: embedding conditions must have shape [batch, {self.dim}]; got {shape}.")
        if _is_concrete(condition) and not np.all(np.isfinite(np.asarray(condition))):
            raise ValueError(f"{where}: embedding conditions contain NaN or inf.")

    def get_config(self):
        return {"dim": self.dim}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def get(condition):
    """Returns a condition object from an int (number of classes), config or object."""
    if isinstance(condition, (int, np.integer)):
        return ClassCondition(int(condition))
    if isinstance(condition, dict):
        return keras.saving.deserialize_keras_object(condition)
    if hasattr(condition, "wrong") and hasattr(condition, "check"):
        return condition
    raise ValueError(
        "`condition` must be a number of classes or a condition object such as "
        f"`ClassCondition`, `TagsCondition`, `TextCondition` or `EmbeddingCondition`. Received: condition={condition!r}"
    )
