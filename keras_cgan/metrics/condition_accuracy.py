"""Does a generated sample show the condition it was asked for?

A classifier trained on real data labels each generated sample; the condition
accuracy is the fraction it labels with the requested class. Any classifier
works: a callable returning class ids `[N]` or scores `[N, num_classes]`.

Example:

>>> import numpy as np
>>> from keras_cgan.metrics import condition_accuracy
>>> always_three = lambda images: np.full(len(images), 3)
>>> condition_accuracy(always_three, np.zeros((4, 8, 8, 1)), [3, 3, 1, 2])
0.5
"""

import numpy as np

from keras_cgan.metrics._checks import unit_range


def condition_accuracy(classifier, samples, conditions):
    """Fraction of `samples` that `classifier` assigns to their `conditions`.

    `conditions` are class ids, `[N]` (or any shape of `N` ids: a column
    `[N, 1]`, a row `[1, N]`); one-hot rows `[N, num_classes]` are refused.
    """
    conditions = np.asarray(conditions)
    if conditions.ndim == 2 and conditions.shape[0] == len(samples) and conditions.shape[1] > 1:
        raise ValueError(
            f"`conditions` must be class ids [N]. Received shape {conditions.shape} (for one-hot rows, pass "
            "conditions.argmax(-1))."
        )
    conditions = conditions.reshape(-1)
    if len(samples) != len(conditions):
        raise ValueError(
            f"`samples` and `conditions` must have the same length; got {len(samples)} and {len(conditions)}."
        )
    if not len(conditions):
        raise ValueError("`samples` and `conditions` are empty: no sample to score.")
    predicted = np.asarray(classifier(samples))
    if predicted.ndim == 2 and predicted.shape[1] > 1:  # scores per class
        predicted = predicted.argmax(axis=-1)
    elif predicted.ndim == 2 and np.issubdtype(predicted.dtype, np.floating) and np.any(predicted % 1):
        raise ValueError(  # one score column: a binary classifier's probability, not class ids
            "`classifier` returned one score per sample ([N, 1]); return class ids [N] or scores "
            "[N, num_classes] (for two classes: both columns)."
        )
    if predicted.size != len(conditions):
        raise ValueError(f"`classifier` returned shape {predicted.shape} for {len(conditions)} samples.")
    return float(np.mean(predicted.reshape(-1) == conditions))


class DigitsClassifier:
    """An SVM on raw pixels for 8x8 digits in `[-1, 1]` (scikit-learn).

    Train it on digits the GAN never saw (`digits.load("holdout")`); it
    scores about 0.98 on the GAN's real training half.

    Example:

    >>> from keras_cgan.data import digits
    >>> judge = DigitsClassifier().fit(*digits.load("holdout"))
    >>> x, y = digits.load("train")
    >>> condition_accuracy(judge, x, y) > 0.95
    True
    """

    def __init__(self, gamma=0.001 * 64, C=10.0):
        from sklearn.svm import SVC

        self.model = SVC(gamma=gamma, C=C)

    @staticmethod
    def _features(images):
        images = np.asarray(images, dtype="float32")
        if images.ndim < 2 or np.prod(images.shape[1:]) != 64:
            raise ValueError(f"DigitsClassifier reads 8x8 one-channel digits [N, 8, 8, 1]. Received shape {images.shape}.")
        if not len(images):
            raise ValueError(f"DigitsClassifier got an empty batch, shape {images.shape}: give at least one digit.")
        images = unit_range(images, "images", "float32")
        return ((images.reshape(len(images), -1) + 1.0) / 2.0).clip(0.0, 1.0)

    def fit(self, images, labels):
        """Fits the classifier on images `[N, H, W, C]` and their labels; returns itself."""
        self.model.fit(self._features(images), np.asarray(labels).reshape(-1))
        return self

    def __call__(self, images):
        return self.model.predict(self._features(images))
