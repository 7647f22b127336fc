"""Image folder + captions file, vectorized with `keras.layers.TextVectorization`.

    images/0.png, images/1.png, ...
    captions.csv:   0,a red circle at the top left
                    1,a blue square at the bottom right

The vectorizer turns captions into fixed-length token ids, once, as the
`tf.data` pipeline is made; the model's text encoder is trained on those ids.
New captions at sampling time go through the same vectorizer (unknown words
map to id 1).

Example:

>>> from keras_cgan.data import captions
>>> vec = captions.vectorizer(["a red circle", "a blue square"], sequence_length=6)
>>> captions.vectorize(vec, ["a red square"]).shape
(1, 6)
"""

import re
import warnings

import numpy as np
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.data import image_folder


def check_captions(texts, where="captions"):
    """`texts` as a list of `str` (bytes decoded); `ValueError` naming the first empty caption, or a bare string."""
    if isinstance(texts, (str, bytes)):
        raise ValueError(f"{where}: give a list of captions, not one string. Received: {texts!r}")
    texts = [t.decode("utf-8") if isinstance(t, (bytes, np.bytes_)) else t for t in texts]
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}: caption {i} is empty ({text!r})")
    return texts


def _uncut(vec, texts):
    """Every caption's ids, uncut, as a `tf.RaggedTensor` `[N, None]`."""
    import keras

    config = dict(vec.get_config(), output_sequence_length=None, ragged=True)
    config.pop("vocabulary", None), config.pop("name", None)
    full = keras.layers.TextVectorization(**config)
    full.set_vocabulary(vec.get_vocabulary())
    return full(tf.constant(texts))


def _vectorized(vec, texts, where="captions"):
    """Every caption's ids, vectorized once, as a `tf.RaggedTensor` `[N, None]`.

    Refuses a caption longer than the vectorizer's `sequence_length`: its last tokens would be cut.
    """
    ids = _uncut(vec, texts)
    limit = vec.get_config()["output_sequence_length"]
    if limit is None:
        return ids
    lengths = np.asarray(ids.row_lengths())
    longer = np.flatnonzero(lengths > limit)
    if longer.size:
        i = int(np.argmax(lengths))
        raise ValueError(
            f"{where}: {longer.size} caption(s) hold more than sequence_length={limit} tokens, the longest "
            f"caption {i} ({texts[i]!r}) {lengths[i]}: their last words would be cut. Build the vectorizer with "
            f"sequence_length >= {lengths[i]}."
        )
    return ids


def _padded(vec, ids):
    """Ragged `ids` as `vec` returns them: `int32` `[N, sequence_length]` (the longest row's length when unset)."""
    return tf.cast(ids.to_tensor(shape=[None, vec.get_config()["output_sequence_length"]]), "int32")


def vectorizer(texts, sequence_length=8, max_tokens=None):
    """An adapted `keras.layers.TextVectorization` returning `int32` ids `[B, L]`.

    A caption longer than `sequence_length` words is refused, naming it.
    """
    import keras

    texts = check_captions(texts)
    vec = keras.layers.TextVectorization(
        max_tokens=max_tokens, output_sequence_length=sequence_length, output_mode="int"
    )
    vec.adapt(tf.constant(texts))
    _vectorized(vec, texts)
    return vec


def vectorize(vec, texts):
    """Token ids `int32` `[N, L]` of `texts`.

    Raises `ValueError` on an empty caption, on one longer than the
    vectorizer's `sequence_length`, and on one made only of words the
    vectorizer does not know (it would carry no condition); warns naming the
    unknown words of the others (each is read as the unknown-word id).
    """
    texts = check_captions(texts)
    ids = np.asarray(_padded(vec, _vectorized(vec, texts)))  # one pass of the vectorizer
    empty = np.flatnonzero(~np.any(ids > 0, axis=1))
    if empty.size:
        raise ValueError(f"caption {int(empty[0])} ({texts[empty[0]]!r}) has no tokens after vectorizing")
    unknown = np.flatnonzero(np.any(ids == 1, axis=1))  # 1: a word not in the vocabulary
    if unknown.size:
        i = int(unknown[0])
        pieces = re.split(r"[ \t\n\r\f\v]+", texts[i].strip())  # as the default split: ASCII whitespace
        words = [w for w, ids_of in zip(pieces, _uncut(vec, pieces).to_list()) if 1 in ids_of]
        message = (f"caption {i} ({texts[i]!r}) has words the vectorizer does not know: {words} (its vocabulary "
                   f"holds {vec.vocabulary_size() - 2} words)")
        if not np.any(ids[i] > 1):
            raise ValueError(f"{message}, and no other word: it carries no condition.")
        warnings.warn(f"{message}; each is read as the unknown-word id ({unknown.size} caption(s) hold such words).",
                      stacklevel=checks.user_stacklevel())
    return ids


def read(images_dir, captions_file, image_size=64):
    """Returns `(images [N, S, S, 3], captions [N] str)`.

    Raises `ValueError` naming the CSV line of a missing image or an empty caption.
    """
    images, texts = [], []
    for line, image_id, text in image_folder.read_rows(captions_file, folder=images_dir,
                                                       wanted=image_folder.CAPTION_COLUMNS):
        where = f"{captions_file}, line {line}"
        if not text:
            raise ValueError(f"{where}: empty caption for image {image_id!r}")
        texts.append(text)
        path = image_folder.image_path(images_dir, image_id, where, captions_file)
        images.append(image_folder.read_image(path, image_size))
    if not images:
        raise ValueError(f"{captions_file}: no rows")
    return np.stack(images), texts


def dataset(texts, images, vec, batch_size=64, seed=0):
    """`(token ids, image)` batches, the ids as `vectorize` gives them.

    The captions are vectorized once, here (which checks their lengths); each
    batch is padded in the pipeline as `vec` pads it.
    """
    texts = check_captions(texts)
    images = np.asarray(images, "float32")
    if len(images) != len(texts):
        raise ValueError(f"`texts` and `images` must pair up: {len(texts)} caption(s), {len(images)} image(s).")
    batch_size = checks.integer("batch_size", batch_size, low=1, high=len(texts))  # whole batches only
    seed = checks.integer("seed", seed)
    ids = _vectorized(vec, texts)
    ds = tf.data.Dataset.from_tensor_slices((ids, images)).cache()
    ds = ds.shuffle(len(texts), seed=seed).batch(batch_size, drop_remainder=True)
    ds = ds.map(lambda t, x: (_padded(vec, t), x), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def word_groups(vec, texts):
    """Groups of words that stand in for one another in `texts`.

    Two words are grouped when two captions are the same but for those two
    words at one place ("a red circle" / "a blue circle"); groups are joined
    through shared words. Pass the result as `swap_groups` to
    `TextCondition.from_vectorizer` so wrong captions differ in one attribute.

    Returns:
        list of lists of words (each sorted, at least 2 words), sorted.

    Example:

    >>> vec = vectorizer(["a red circle", "a blue circle", "a red square"], sequence_length=3)
    >>> word_groups(vec, ["a red circle", "a blue circle", "a red square"])
    [['blue', 'red'], ['circle', 'square']]
    """
    rows = np.unique(vectorize(vec, texts), axis=0)
    parent = {}

    def root(i):
        while parent.setdefault(i, i) != i:
            i = parent[i]
        return i

    for position in range(rows.shape[1]):
        buckets = {}
        for row in rows:
            if row[position] > 1:
                key = tuple(np.delete(row, position))
                buckets.setdefault(key, set()).add(int(row[position]))
        for words in buckets.values():
            first, *rest = sorted(words)
            for other in rest:
                parent[root(other)] = root(first)
    groups = {}
    for token in list(parent):
        groups.setdefault(root(token), []).append(token)
    vocabulary = vec.get_vocabulary()
    return sorted(sorted(str(vocabulary[t]) for t in g) for g in groups.values() if len(g) > 1)
