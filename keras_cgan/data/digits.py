"""The 8x8 handwritten digits shipped with scikit-learn, as conditional pairs.

The 1797 digits are split once, by a fixed seed, into a half the GAN trains on
and a held-out half for the classifier that scores generated digits, so the
judge has never seen the GAN's training images.

Example:

>>> from keras_cgan.data import digits
>>> images, labels = digits.load("train")
>>> images.shape, images.dtype, int(labels.max())
((898, 8, 8, 1), dtype('float32'), 9)
"""

import numpy as np
import tensorflow as tf

from keras_cgan import checks

SPLITS = ("train", "holdout", "all")


def load(split="train", seed=0):
    """Returns `(images, labels)`: images `[N, 8, 8, 1]` in `[-1, 1]`, labels `int32`.

    Args:
        split: str. `"train"` (half of the digits), `"holdout"` (the other
            half) or `"all"`. Defaults to `"train"`.
        seed: int >= 0. Seed of the split. Defaults to `0`.
    """
    from sklearn.datasets import load_digits

    if split not in SPLITS:
        raise ValueError(f"`split` must be one of {SPLITS}. Received: split={split!r}")
    seed = checks.integer("seed", seed, low=0)
    data = load_digits()
    images = (data.images[..., None] / 8.0 - 1.0).astype("float32")  # 0..16 -> [-1, 1]
    labels = data.target.astype("int32")
    if split == "all":
        return images, labels
    order = np.random.default_rng(seed).permutation(len(labels))
    half = len(labels) // 2
    index = order[:half] if split == "train" else order[half:]
    return images[index], labels[index]


def dataset(batch_size=64, split="train", seed=0, repeat=False, shuffle_seed=None):
    """A shuffled `tf.data.Dataset` of `(label, image)` batches for `fit`.

    `seed` picks the split (as in `load`) and, unless `shuffle_seed` is
    given, the order. To repeat a run over several seeds while a judge
    trained on `load("holdout")` stays unseen, keep `seed` and vary
    `shuffle_seed`.
    """
    images, labels = load(split, seed)
    shuffle_seed = checks.integer("shuffle_seed", shuffle_seed, optional=True)
    # Whole batches only: without `repeat`, a batch larger than the split would leave nothing.
    batch_size = checks.integer("batch_size", batch_size, low=1, high=None if repeat else len(labels))
    ds = tf.data.Dataset.from_tensor_slices((labels, images)).cache()
    if repeat:
        ds = ds.repeat()
    ds = ds.shuffle(len(labels), seed=seed if shuffle_seed is None else shuffle_seed)
    ds = ds.batch(batch_size, drop_remainder=True)
    return ds.prefetch(tf.data.AUTOTUNE)
