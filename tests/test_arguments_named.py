"""Odd and wrong arguments of the conditions, the callbacks and the StackGAN / SEGAN builders and layers:
each wrong value gets a `ValueError` naming the argument (and what to do) before anything trains, not a
`TypeError` from deep inside, a value silently cut or split, or a failure at the first sample written.
"""

import re

import keras
import numpy as np
import pytest

from keras_cgan import conditions
from keras_cgan.conditions import TagsCondition, TextCondition


def _vectorizer(texts=("a red circle", "a blue square"), **kwargs):
    vec = keras.layers.TextVectorization(output_sequence_length=4, **kwargs)
    vec.adapt(list(texts))
    return vec


# ------------------------------------------------------------------ conditions


def test_a_bool_is_no_number_of_classes():
    with pytest.raises(ValueError, match="`condition` must be a number of classes .*Received: condition=True"):
        conditions.get(True)
    assert conditions.get(np.int64(3)).num_classes == 3


@pytest.mark.parametrize("groups", [3, [2, 3], "ab", ["ab"], [None]])
def test_swap_groups_must_be_a_list_of_lists(groups):
    with pytest.raises(ValueError, match=re.escape(f"must be a list of groups, each a list of words or token ids "
                                                   f"(`[['red', 'blue']]`). Received: swap_groups={groups!r}")):
        TextCondition(6, 4, swap_groups=groups)
    with pytest.raises(ValueError, match="`swap_groups` must be a list of groups"):
        TextCondition.from_vectorizer(_vectorizer(), swap_groups=groups)  # "ab" was split into "a", "b"


def test_from_vectorizer_keeps_ids_as_given_and_takes_arrays():
    vec = _vectorizer()
    with pytest.raises(ValueError, match=r"`swap_groups`: group 0 must hold token ids; got \[2.5, 3\]"):
        TextCondition.from_vectorizer(vec, swap_groups=[[2.5, 3]])  # was cut to 2
    red, blue = (vec.get_vocabulary().index(w) for w in ("red", "blue"))
    assert TextCondition.from_vectorizer(vec, swap_groups=np.array([[red, blue]])).swap_groups == [sorted([red, blue])]
    assert TextCondition(6, 4, swap_groups=[]).swap_groups is None


def test_from_vectorizer_names_what_the_vectorizer_lacks():
    with pytest.raises(ValueError, match="`vectorizer` must be an adapted `keras.layers.TextVectorization`"):
        TextCondition.from_vectorizer("a red circle")
    with pytest.raises(ValueError, match=r"`vectorizer` has no words.*call `vectorizer.adapt\(captions\)`"):
        TextCondition.from_vectorizer(keras.layers.TextVectorization(output_sequence_length=4))
    multi_hot = keras.layers.TextVectorization(output_mode="multi_hot")
    multi_hot.adapt(["a red circle"])
    with pytest.raises(ValueError, match="`vectorizer` must give token ids.*Received: output_mode='multi_hot'"):
        TextCondition.from_vectorizer(multi_hot)


@pytest.mark.parametrize("options", [[1], "lower", {"lowercase": True}])
def test_text_options_must_be_the_vectorizers_settings(options):
    with pytest.raises(ValueError, match=r"`text_options` must be a dict of the vectorizer's \('standardize'"):
        TextCondition(4, 3, vocabulary=["", "[UNK]", "a", "b"], text_options=options)
    kept = TextCondition(4, 3, vocabulary=["", "[UNK]", "a", "b"], text_options={"split": "whitespace"})
    assert kept.vectorizer()(["b a"]).numpy().tolist() == [[3, 2, 0]]


def test_decode_threshold_is_a_number():
    tags = TagsCondition(["ä hair", "中 eyes"])
    assert tags.decode([0.9, 0.2]) == ["ä hair"]
    with pytest.raises(ValueError, match="`threshold` must be a finite number. Received: threshold='0.5'"):
        tags.decode([0.9, 0.2], threshold="0.5")
