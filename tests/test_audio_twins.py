"""SEGAN's audio rules written once: each path that had its own copy now gives the one answer."""

import re

import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.data import audio as audio_data
from keras_cgan.metrics import audio as audio_metrics
from keras_cgan.models.segan import streaming
from keras_cgan.models.segan import waveform as waveform_lib
from keras_cgan.models.segan.emphasis import DeEmphasis, PreEmphasis
from tests.test_segan_edges import WINDOW, tiny_segan


@pytest.fixture(scope="module")
def gan():
    return tiny_segan()


@pytest.mark.parametrize("coefficient", [0.0, 0.5, 0.95])
def test_the_emphasis_layers_run_the_waveform_functions(coefficient, monkeypatch):
    # The layers had their own copy of preemphasize_windows / deemphasize_windows; now they run them, bit for bit.
    x = np.random.default_rng(0).uniform(-1, 1, (2, 600, 1)).astype("float32")
    pairs = ((PreEmphasis, waveform_lib.preemphasize_windows), (DeEmphasis, waveform_lib.deemphasize_windows))
    for layer, function in pairs:
        assert np.asarray(layer(coefficient)(x)).tobytes() == np.asarray(function(tf.constant(x), coefficient)).tobytes()
        calls = []
        monkeypatch.setattr(waveform_lib, function.__name__, lambda y, a: calls.append(a) or y)
        layer(coefficient)(x)
        assert calls == [coefficient]
        monkeypatch.undo()


def test_every_enhance_path_refuses_stereo_with_one_message(gan):
    # overlap_add, stream_enhance, StreamingEnhancer and enhance each worded their own; enhance took no (1, T, 1).
    stereo = np.zeros((300, 2), "float32")
    said = {}
    calls = {
        "x": lambda: waveform_lib.overlap_add(lambda f: f, stereo, window=WINDOW),
        "waveform": lambda: gan.enhance(stereo),
        "waveform ": lambda: streaming.stream_enhance(lambda f: f, stereo, window=WINDOW),
        "chunk": lambda: streaming.StreamingEnhancer(lambda f: f, WINDOW).process(stereo),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError) as refused:
            call()
        said[name] = str(refused.value).replace(f"`{name.strip()}`", "`x`").replace(" for chunk 1", "")
    assert len(set(said.values())) == 1, said
    assert said["x"] == ("`x` must be one signal, of shape (T,), (T, 1) or (1, T). Received shape (300, 2); mix "
                         "channels down first (to mono: `x.mean(axis=-1)`, as `data.audio.read_wav` does), or pass "
                         "one signal at a time.")
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 300).astype("float32")
    np.testing.assert_array_equal(gan.enhance(x[None, :, None]), gan.enhance(x))


def test_the_metrics_word_a_nan_as_the_models_do():
    # The metrics said "estimate must be finite; sample 7 is nan: repair or drop the utterance".
    estimate = np.zeros((50, 1))
    estimate[7, 0] = np.nan
    with pytest.raises(ValueError) as scored:
        audio_metrics.snr(np.zeros(50), estimate)
    with pytest.raises(ValueError) as checked:
        checks.check_samples(estimate, "estimate", "samples", "audio")
    assert type(scored.value) is type(checked.value) is checks.NonFiniteDataError
    assert str(scored.value).split(", which")[0] == str(checked.value).split(", which")[0]
    assert str(scored.value).endswith(", which would make the scores NaN or made up: repair or drop the utterance.")


def test_the_metrics_and_the_scaling_hint_part_float_audio_from_pcm_at_one_bound(monkeypatch):
    # The metrics' FLOAT_PEAK repeated the 255 of scaling_hint: one could move without the other.
    clean = np.linspace(-0.5, 0.5, 401)
    loud = 300 * clean
    assert "int16" not in checks.scaling_hint(-150.0, 150.0, "audio")
    assert np.isfinite(audio_metrics.snr(loud, clean))
    monkeypatch.setattr(checks, "FLOAT_AUDIO_PEAK", 100.0)
    assert "int16 PCM: divide by 32768" in checks.scaling_hint(-150.0, 150.0, "audio")
    with pytest.raises(ValueError, match=re.escape("clean holds float samples up to 150 but estimate up to 0.5")):
        audio_metrics.snr(loud, clean)


@pytest.mark.parametrize("coefficient", [0.0, 0.95])
def test_int8_calibration_speaks_of_pre_emphasis_only_with_a_coefficient(gan, coefficient, monkeypatch):
    # With preemphasis=0: "pre-emphasized with coefficient 0 ... Then pre-emphasize it (`preemphasis(x, 0)`)".
    monkeypatch.setattr(gan, "preemphasis", coefficient)
    frames = np.zeros((1, WINDOW, 1), "float32")
    frames[0, 3] = 2.5
    with pytest.raises(ValueError) as refused:
        streaming._calibration_frames(streaming.on_device_generator(gan), frames, gan)
    said = str(refused.value)
    assert said.startswith("`representative_data`: ")
    assert ("emphas" in said) == (coefficient > 0), said
    if not coefficient:
        assert said.startswith("`representative_data`: noisy windows must be in [-1, 1] (the targets' range); got "
                               "values from 0 to 2.5. Audio must be float samples in [-1, 1]")


SPEECH = 0.5 * np.sin(np.arange(4000) * 0.05)


@pytest.mark.parametrize("clean, estimate, scored", [
    # near-silent estimates on the PCM scale were refused with "score them on one scale": they are scored
    (SPEECH * 32767, SPEECH * 164, True),
    ((SPEECH * 32767).astype("int16"), SPEECH * 164, True),
    (SPEECH * 32767, np.zeros(4000), True),  # silence is on any scale
    (SPEECH * 164, SPEECH * 32767, True),
    # float audio against PCM is still refused: at 1.3 beyond full scale, against quiet PCM, 60 dB below
    (SPEECH * 32767, np.where(np.arange(4000) == 5, 1.3, SPEECH), False),
    ((SPEECH * 2000).astype("int16"), np.where(np.arange(4000) == 5, 1.0000001, SPEECH), False),
    (SPEECH * 32767, SPEECH * 10, False),
    (SPEECH, SPEECH * 32767, False),
    ((SPEECH * 2**31).astype("int32"), SPEECH * 32767, False),  # int16 PCM read as floats against int32: was 0 dB
], ids=["pcm-floats", "int16", "silence", "quiet-clean", "float-1.3", "quiet-int16", "float-x10", "pcm-estimate",
        "int32-int16"])
def test_the_metrics_refuse_only_an_utterance_clearly_on_the_other_scale(clean, estimate, scored):
    if scored:
        expected = audio_metrics.snr(np.asarray(clean, "float64") / 32768, estimate / 32768)
        np.testing.assert_allclose(audio_metrics.snr(clean, estimate), expected, rtol=1e-6)
    else:
        with pytest.raises(ValueError, match="score them on one scale"):
            audio_metrics.snr(clean, estimate)


@pytest.mark.parametrize("call, name", [
    (lambda stereo, path: audio_data.write_wav(path, stereo, 16000), "x"),
    (lambda stereo, path: audio_data.frame_pairs([stereo], [stereo], 64, 32), "noisy[0]"),
    (lambda stereo, path: next(iter(audio_data.noisy_mixtures([stereo], [np.ones(300)], window=64))), "clean[0]"),
    (lambda stereo, path: audio_data.frame(stereo, 64, 32), "x"),
], ids=["write_wav", "frame_pairs", "noisy_mixtures", "frame"])
def test_the_audio_data_functions_refuse_stereo_as_enhance_does(call, name, tmp_path):
    # Each read a [T, 2] signal as 2T interleaved samples, without a word.
    with pytest.raises(ValueError, match=re.escape(f"`{name}` must be one signal, of shape (T,), (T, 1) or (1, T). "
                                                   "Received shape (300, 2); mix channels down first")):
        call(np.zeros((300, 2), "float32"), str(tmp_path / "out.wav"))
    assert not (tmp_path / "out.wav").exists()


_SIGNAL = np.zeros(300, "float32")


@pytest.mark.parametrize("hop, said", [
    (2.5, "`hop` must be an int >= 1. Received: hop=2.5"),
    (True, "`hop` must be an int >= 1. Received: hop=True"),
    (WINDOW + 1, f"`hop` must be an int >= 1 and <= the window ({WINDOW}): a longer hop skips samples. Received: "
                 f"hop={WINDOW + 1}"),  # was "Need window >= 1 and 1 <= hop <= window. Received: ..."
], ids=["float", "bool", "over-window"])
def test_the_framing_functions_check_a_hop_by_one_rule(hop, said):
    # frame, frame_pairs and paired_dataset had their own copy of the hop's default and check (with the models').
    for call in (lambda: audio_data.frame(_SIGNAL, WINDOW, hop),
                 lambda: audio_data.frame_pairs([_SIGNAL], [_SIGNAL], WINDOW, hop),
                 lambda: audio_data.paired_dataset("no such folder", window=WINDOW, hop=hop)):
        with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
            call()


@pytest.mark.parametrize("hop", [WINDOW, 3 * WINDOW // 4, 2 * WINDOW], ids=["window", "not-dividing", "over-window"])
def test_the_overlap_add_paths_check_a_hop_by_one_rule(gan, hop):
    said = (f"`hop` must divide the window ({WINDOW}) and be shorter than it, for the windows to overlap-add. "
            f"Received: hop={hop}")
    for call in (lambda: waveform_lib.overlap_add(lambda frames: frames, _SIGNAL, WINDOW, hop),
                 lambda: gan.enhance(_SIGNAL, hop=hop),
                 lambda: streaming.StreamingEnhancer(lambda frame: frame, WINDOW, hop=hop)):
        with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
            call()


@pytest.mark.parametrize("window", [0, 1, 2.5])
def test_overlap_add_names_a_window_too_short_for_a_hop(window):
    # 0 and 1 were a ZeroDivisionError; 2.5 "`hop` must divide the window (2.5). Received: hop=1.0".
    with pytest.raises(ValueError, match=f"^{re.escape(f'`window` must be an int >= 2. Received: window={window}')}$"):
        waveform_lib.overlap_add(lambda frames: frames, _SIGNAL, window)
    assert waveform_lib.overlap_add(lambda frames: 2 * frames, np.ones(5, "float32"), 2).shape == (5,)


@pytest.mark.parametrize("window", [5, 9])
def test_an_odd_window_without_a_hop_is_named_where_its_default_hop_cannot_overlap_add(window):
    # Its default hop (window // 2) does not divide it: was numpy's "cannot reshape array of size 5 into shape (2,2)".
    said = (f"`hop` defaults to half the window, {window // 2} for window={window}, which does not divide it for the "
            "windows to overlap-add: give a hop that divides the window and is shorter than it, or an even window.")
    for call in (lambda: waveform_lib.overlap_add(lambda frames: frames, _SIGNAL, window),
                 lambda: streaming.StreamingEnhancer(lambda frame: frame, window)):
        with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
            call()
    assert waveform_lib.overlap_add(lambda frames: frames, _SIGNAL, window, hop=1).shape == _SIGNAL.shape
    assert audio_data.frame(_SIGNAL, window, None).shape[1] == window  # framing takes any hop up to the window
