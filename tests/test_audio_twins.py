"""SEGAN's audio rules written once: each path that had its own copy now gives the one answer."""

import numpy as np
import pytest
import tensorflow as tf

from keras_cgan.models.segan import waveform as waveform_lib
from keras_cgan.models.segan.emphasis import DeEmphasis, PreEmphasis


@pytest.mark.parametrize("coefficient", [0.0, 0.5, 0.95])
def test_the_emphasis_layers_run_the_waveform_functions(coefficient, monkeypatch):
    # The layers had their own copy of tf_preemphasis / tf_deemphasis; now they run them, bit for bit.
    x = np.random.default_rng(0).uniform(-1, 1, (2, 600, 1)).astype("float32")
    pairs = ((PreEmphasis, waveform_lib.tf_preemphasis), (DeEmphasis, waveform_lib.tf_deemphasis))
    for layer, function in pairs:
        assert np.asarray(layer(coefficient)(x)).tobytes() == np.asarray(function(tf.constant(x), coefficient)).tobytes()
        calls = []
        monkeypatch.setattr(waveform_lib, function.__name__, lambda y, a: calls.append(a) or y)
        layer(coefficient)(x)
        assert calls == [coefficient]
        monkeypatch.undo()
