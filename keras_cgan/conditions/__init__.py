"""How a condition is fed, coded, mismatched and predicted: one type per file.

Four kinds: `ClassCondition` (a class id), `TagsCondition` (multi-hot tags),
`TextCondition` (caption token ids) and `EmbeddingCondition` (precomputed
sentence embeddings), each a subclass of `Condition` (`base.py`), which
documents the interface the networks and models use. `wrong(c, draw)`
returns either the wrong conditions or `(wrong, valid)`, where `valid` `[B]`
marks samples that have a true mismatch.

The matching-aware discriminator scores real samples paired with a *wrong*
condition as fake, so each kind of condition knows how to draw a condition
that really differs from the true one; it also builds its own code
(`code`) and, for the `acgan` design, says how many labels the auxiliary
head predicts (`num_labels`) and scores it (`auxiliary_loss`). A new kind of
condition is one new subclass.

Example:

>>> from keras_cgan.conditions import ClassCondition
>>> ClassCondition(10).input_shape
()
>>> get(10).num_classes
10
"""

import keras

from keras_cgan import checks
from keras_cgan.conditions.base import Condition, other_sample
from keras_cgan.conditions.class_condition import ClassCondition
from keras_cgan.conditions.embedding_condition import EmbeddingCondition
from keras_cgan.conditions.tags_condition import TagsCondition
from keras_cgan.conditions.text_condition import TextCondition

__all__ = [
    "ClassCondition",
    "Condition",
    "EmbeddingCondition",
    "TagsCondition",
    "TextCondition",
    "get",
    "other_sample",
]

_INTERFACE = (
    "input_shape", "dtype", "prepare", "check", "assert_valid", "wrong", "code", "projection_code",
    "num_labels", "auxiliary_loss", "get_config",
)


def get(condition):
    """Returns a condition object from an int (number of classes), config or object.

    Args:
        condition: int (a `ClassCondition` of that many classes), a config
            dict from `keras.saving.serialize_keras_object`, or a condition
            object (a `Condition`, or any object with its whole interface).
    """
    if checks.is_integer(condition):  # not a bool: `True` is no number of classes
        return ClassCondition(int(condition))
    if isinstance(condition, dict):
        restored = keras.saving.deserialize_keras_object(condition)
        if isinstance(restored, dict):  # a plain dict, not a Keras config: deserializing hands it back
            raise ValueError(
                "`condition` as a dict must be a condition's config from `keras.saving.serialize_keras_object` "
                f"(with its 'class_name'); pass the condition object itself, e.g. ClassCondition(10). Received: "
                f"condition={condition!r}"
            )
        return get(restored)
    if isinstance(condition, Condition):
        return condition
    if hasattr(condition, "wrong") and hasattr(condition, "check"):
        missing = [name for name in _INTERFACE if not hasattr(condition, name)]
        if not missing:
            return condition
        raise ValueError(
            f"`condition` {type(condition).__name__} lacks {missing} of the condition interface; "
            "subclass `keras_cgan.conditions.Condition`, which gives defaults."
        )
    raise ValueError(
        "`condition` must be a number of classes or a condition object such as "
        f"`ClassCondition`, `TagsCondition`, `TextCondition` or `EmbeddingCondition`. Received: condition={condition!r}"
    )
