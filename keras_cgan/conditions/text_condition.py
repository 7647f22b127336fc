"""`TextCondition`: a caption per sample, fed as token ids.

Example:

>>> import keras
>>> from keras_cgan.conditions import TextCondition
>>> text = TextCondition(vocabulary_size=20, sequence_length=6)
>>> tuple(text.code(keras.Input((6,), dtype="int32"), 16, "class", text_encoder="gru").shape)
(None, 16)
>>> text.num_labels
20
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from keras_cgan import checks
from keras_cgan.conditions.base import (
    CHECK_MARK, Condition, check_ids, fits_per_sample, is_concrete, one_sample_hint, other_sample,
)

TEXT_OPTIONS = ("standardize", "split", "ngrams")  # the vectorizer's settings a TextCondition keeps


def _group_lists(groups):
    """`swap_groups` as a list of lists; a `ValueError` for a string (not a group of words) or a bare id."""
    def is_list(value):
        return hasattr(value, "__iter__") and not isinstance(value, (str, bytes))

    given = groups
    groups = list(groups) if is_list(groups) else None
    if groups is None or not all(is_list(group) for group in groups):
        raise ValueError(
            "`swap_groups` must be a list of groups, each a list of words or token ids (`[['red', 'blue']]`). "
            f"Received: swap_groups={given!r}"
        )
    return [list(group) for group in groups]


@keras.saving.register_keras_serializable(package="keras_cgan")
class TextCondition(Condition):
    """A caption as token ids `int32` `[B, L]` (0 = padding, 1 = unknown word).

    Captions are turned into ids by `keras.layers.TextVectorization` in the
    data pipeline (`data.captions.vectorizer`); the networks encode the ids
    with a trainable text encoder (`code`). The wrong caption of a sample is
    the caption of another sample of the batch that differs from its own; a
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
    when all captions share one phrasing. The `acgan` head predicts the
    caption's bag of words (`words`), one logit per vocabulary word.

    Args:
        vocabulary_size: int. Size of the vectorizer's vocabulary (ids are in
            `[0, vocabulary_size)`).
        sequence_length: int. Tokens per caption (`output_sequence_length`).
        word_swap: float in `[0, 1]`. Share of wrong captions that differ in
            one word only. Defaults to `0.0`.
        swap_groups: list of lists of token ids, or None. Groups of
            interchangeable words (at least 2 ids each, no id in two groups,
            ids in `[2, vocabulary_size)`). Defaults to `None`.
        vocabulary: list of str or None. The vectorizer's tokens, id by id
            (`from_vectorizer` records them): saved with the model, so
            `vectorizer()` maps captions to the ids it was trained on.
            Defaults to `None`.
        text_options: dict or None. The vectorizer's `standardize`,
            `split` and `ngrams` (recorded by `from_vectorizer`). Defaults
            to `None` (Keras' defaults).

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
    independent_labels = True  # one sigmoid per label

    def __init__(self, vocabulary_size, sequence_length, word_swap=0.0, swap_groups=None, vocabulary=None,
                 text_options=None):
        self.vocabulary_size = checks.integer("vocabulary_size", vocabulary_size, low=3)
        self.sequence_length = checks.integer("sequence_length", sequence_length, low=1)
        self.word_swap = checks.number("word_swap", word_swap, high=1.0)
        groups = [] if swap_groups is None else _group_lists(swap_groups)
        self.swap_groups = self._check_groups(groups) if groups else None
        if vocabulary is not None:
            vocabulary = [w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in vocabulary]
            if len(vocabulary) != self.vocabulary_size or vocabulary[:2] != ["", "[UNK]"]:
                raise ValueError(
                    f"`vocabulary` must be the vectorizer's {self.vocabulary_size} tokens, '' and '[UNK]' first "
                    f"(`vec.get_vocabulary()`). Received {len(vocabulary)} starting {vocabulary[:3]}"
                )
            if len(set(vocabulary)) != len(vocabulary):
                raise ValueError("`vocabulary` repeats a token.")
        self.vocabulary = vocabulary
        if text_options is not None and (not isinstance(text_options, dict) or set(text_options) - set(TEXT_OPTIONS)):
            raise ValueError(
                f"`text_options` must be a dict of the vectorizer's {TEXT_OPTIONS} (`from_vectorizer` records "
                f"them) or None. Received: text_options={text_options!r}"
            )
        self.text_options = dict(text_options or {})

    def vectorizer(self):
        """A `keras.layers.TextVectorization` giving the ids this condition was built with.

        Needs `vocabulary` (recorded by `from_vectorizer`, unless the
        vectorizer standardized or split with Python functions).
        """
        if self.vocabulary is None:
            raise ValueError(
                "this TextCondition has no `vocabulary` (built without `from_vectorizer`, or from a vectorizer "
                "with Python functions): vectorize with the vectorizer it was trained with."
            )
        layer = keras.layers.TextVectorization(
            output_sequence_length=self.sequence_length, output_mode="int", **self.text_options
        )
        layer.set_vocabulary(self.vocabulary)
        return layer

    def _check_groups(self, groups):
        seen = set()
        out = []
        for g, group in enumerate(groups):
            if not all(checks.is_integer(i) for i in group):
                raise ValueError(
                    f"`swap_groups`: group {g} must hold token ids; got {group!r} (for words, build the condition "
                    "with `TextCondition.from_vectorizer(vec, swap_groups=...)`)"
                )
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

        Args:
            vectorizer: adapted `keras.layers.TextVectorization` with
                `output_sequence_length`.
            word_swap: float. As in the constructor. Defaults to `0.0`.
            swap_groups: list of lists of words or token ids, or None.
                Defaults to `None`.
        """
        if not isinstance(vectorizer, keras.layers.TextVectorization):
            raise ValueError(
                f"`vectorizer` must be an adapted `keras.layers.TextVectorization`. Received: vectorizer={vectorizer!r}"
            )
        config = vectorizer.get_config()
        if config.get("output_mode") != "int":
            raise ValueError(
                "`vectorizer` must give token ids: build it with `output_mode='int'` and `output_sequence_length`. "
                f"Received: output_mode={config.get('output_mode')!r}"
            )
        length = config.get("output_sequence_length")
        if not length:
            raise ValueError("the TextVectorization needs `output_sequence_length` (fixed-length ids).")
        if vectorizer.vocabulary_size() <= 2:
            raise ValueError(
                "`vectorizer` has no words, only padding and '[UNK]': call `vectorizer.adapt(captions)` "
                "(or `set_vocabulary`) first."
            )
        if swap_groups is not None:
            index = {word: i for i, word in enumerate(vectorizer.get_vocabulary())}
            ids = []
            for group in _group_lists(swap_groups):
                missing = [w for w in group if isinstance(w, str) and w not in index]
                if missing:
                    raise ValueError(f"`swap_groups`: words {missing} are not in the vectorizer's vocabulary")
                ids.append([index[w] if isinstance(w, str) else w for w in group])  # ids: checked as given
            swap_groups = ids
        options = {key: config.get(key) for key in TEXT_OPTIONS}
        plain = all(value is None or isinstance(value, (str, int, list, tuple)) for value in options.values())
        vocabulary = [str(word) for word in vectorizer.get_vocabulary()] if plain else None  # functions: not kept
        return cls(vectorizer.vocabulary_size(), length, word_swap=word_swap, swap_groups=swap_groups,
                   vocabulary=vocabulary, text_options=options if plain else None)

    @property
    def input_shape(self):
        """tuple. `(sequence_length,)`."""
        return (self.sequence_length,)

    @property
    def num_labels(self):
        """int. One auxiliary logit per vocabulary word."""
        return self.vocabulary_size

    @property
    def num_ids(self):
        """int. Token ids are in `[0, vocabulary_size)`."""
        return self.vocabulary_size

    def words(self, condition):
        """The bag of words of each caption: multi-hot `float32` `[B, vocabulary_size]`.

        Padding (id 0) and the unknown word (id 1) are left out. This is what
        the `acgan` design's auxiliary head predicts from an image, word by
        word, so "triangle" is learned apart from "red" and new combinations
        of seen words are scored word by word too.

        Args:
            condition: `int32` token ids `[B, L]`.
        """
        hot = tf.reduce_max(tf.one_hot(condition, self.vocabulary_size), axis=1)  # [B, V]
        return hot * tf.concat([tf.zeros([2]), tf.ones([self.vocabulary_size - 2])], 0)

    def code(self, inputs, units, prefix, text_encoder="mean"):
        """A trainable text encoder over word embeddings, `[B, units]`.

        `"mean"`: masked mean of the word embeddings (`{prefix}_words`,
        `{prefix}_mean`), then a dense ReLU layer (`{prefix}_text`).
        `"gru"`: a GRU (`{prefix}_gru`) over the word embeddings.

        Args:
            inputs: the token-id `keras.Input` `[B, L]`.
            units: int. Size of the code (and of the word embeddings).
            prefix: str. Prefix of the layer names.
            text_encoder: str. `"mean"` or `"gru"`. Defaults to `"mean"`.
        """
        if text_encoder not in checks.TEXT_ENCODERS:
            raise ValueError(f"`text_encoder` must be one of {checks.TEXT_ENCODERS}. Received: {text_encoder!r}")
        words = layers.Embedding(self.vocabulary_size, units, mask_zero=True, name=f"{prefix}_words")(inputs)
        # words: [B, L, units]
        if text_encoder == "gru":
            return layers.GRU(units, name=f"{prefix}_gru")(words)
        pooled = layers.GlobalAveragePooling1D(name=f"{prefix}_mean")(words)  # [B, units]
        return layers.Dense(units, activation="relu", name=f"{prefix}_text")(pooled)

    def wrong(self, condition, draw):
        """Another sample's caption, or (`word_swap`) the true one with one word changed.

        Returns `(wrong [B, L], valid [B])`.

        Args:
            condition: `int32` token ids `[B, L]`.
            draw: callable `(sampler, shape, **kw)` drawing `[B, *shape]` values.
        """
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
        """In-graph checks: ids in range, no empty caption.

        Args:
            condition: `int32` token ids `[B, L]`.
        """
        return [
            tf.debugging.assert_non_negative(condition, message=CHECK_MARK + "token ids must be >= 0"),
            tf.debugging.assert_less(
                condition, self.vocabulary_size, message=CHECK_MARK + f"token ids must be < vocabulary_size={self.vocabulary_size}"
            ),
            tf.debugging.assert_equal(
                tf.reduce_all(tf.reduce_any(condition > 0, axis=1)),
                True,
                message=CHECK_MARK + "empty caption: a caption has no tokens (all padding)",
            ),
        ]

    def check(self, condition, where):
        """Raises `ValueError` if `condition` (an array or a `tf.TensorSpec`) does not fit.

        Args:
            condition: array, tensor or `tf.TensorSpec` of token ids.
            where: str. Names the argument in the message.
        """
        dtype = tf.as_dtype(condition.dtype)
        if dtype == tf.string:
            raise ValueError(
                f"{where}: captions must be token ids; vectorize them with "
                "`keras.layers.TextVectorization` in the data pipeline (see `data.captions`)."
            )
        if not dtype.is_integer:
            raise ValueError(
                f"{where}: captions must be integer token ids; got dtype {dtype.name}. Cast whole ids with "
                "`.astype('int32')`."
            )
        if not fits_per_sample(condition, (self.sequence_length,)):
            raise ValueError(
                f"{where}: captions must have shape [batch, {self.sequence_length}] token ids; "
                f"got {tuple(condition.shape)}." + one_sample_hint(condition, self.input_shape)
            )
        check_ids(condition, self.vocabulary_size, "token ids", where)
        if is_concrete(condition):
            empty = np.flatnonzero(~np.any(np.asarray(condition) > 0, axis=1))
            if empty.size:
                raise ValueError(f"{where}: empty caption (no tokens) at row(s) {empty[:10].tolist()}.")
            unknown = np.flatnonzero(~np.any(np.asarray(condition) > 1, axis=1))
            if unknown.size:
                raise ValueError(
                    f"{where}: caption(s) at row(s) {unknown[:10].tolist()} hold only the unknown-word id 1 "
                    "and padding: no word of the vocabulary, so no condition."
                )

    def auxiliary_loss(self, logits, condition):
        """Sigmoid cross-entropy of one logit per vocabulary word with the caption's bag of words.

        Args:
            logits: float tensor `[B, vocabulary_size]`.
            condition: `int32` token ids `[B, L]`.
        """
        bag = self.words(condition)  # [B, V]
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=bag, logits=logits))

    def get_config(self):
        """Returns the constructor arguments."""
        return {
            "vocabulary_size": self.vocabulary_size,
            "sequence_length": self.sequence_length,
            "word_swap": self.word_swap,
            "swap_groups": self.swap_groups,
            "vocabulary": self.vocabulary,
            "text_options": self.text_options or None,
        }
