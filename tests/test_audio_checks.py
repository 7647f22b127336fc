"""SEGAN's audio checks: one rule for each kind of value, the same verdict on every path."""

import re
import types

import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import checks, export
from keras_cgan.data import audio as audio_data
from keras_cgan.data import synthetic_speech
from keras_cgan.export import serving
from keras_cgan.metrics import audio as audio_metrics
from keras_cgan.models.segan import streaming
from tests.test_segan_edges import WINDOW, tiny_segan


@pytest.fixture(scope="module")
def gan():
    return tiny_segan()


def _verdict(call):
    """`None` when `call()` passes, else the start of its `ValueError`'s message."""
    try:
        call()
    except ValueError as error:
        return str(error).split(":")[0]
    return None


@pytest.mark.parametrize("peak", [1.95, 1.9515, 1.95194, 1.95196, 1.953, 3.0])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_served_windows_and_int8_calibration_frames_get_one_verdict_at_the_pre_emphasis_bound(gan, peak, sign):
    # Served windows were refused beyond 1 + a + 0.001 (1.951), calibration frames beyond (1 + a) * 1.001 (1.95195):
    # a frame at 1.9515 calibrated an int8 export whose served signature refused it.
    frames = np.zeros((2, WINDOW, 1), "float32")
    frames[0, 5], frames[1, 9] = sign * peak, -sign * 0.5
    served = _verdict(lambda: export.serving_request(gan, {"condition": frames}))
    calibrated = _verdict(lambda: streaming._calibration_frames(streaming.on_device_generator(gan), frames, gan))
    refused = peak > (1 + gan.preemphasis) * 1.001
    assert (served is not None, calibrated is not None) == (refused, refused)
    if refused:
        assert (served, calibrated) == ("inputs['condition']", "`representative_data`")


def test_the_calibration_of_a_generator_alone_allows_any_coefficient_below_one(gan):
    frames = np.zeros((1, WINDOW, 1), "float32")
    frames[0, 3] = 1.999
    on_device = streaming.on_device_generator(gan)
    assert len(streaming._calibration_frames(on_device, frames, gan.generator)) == 1
    frames[0, 3] = 2.01
    with pytest.raises(ValueError, match=re.escape("`representative_data`: the generator takes noisy windows of audio "
                                                   "in [-1, 1] pre-emphasized with the model's coefficient (below 1), "
                                                   "which stay in [-2, 2]; got values from 0 to 2.01.")):
        streaming._calibration_frames(on_device, frames, gan.generator)


@pytest.mark.parametrize("clip", [
    (np.linspace(-0.3, 0.3, 50) * 32768).astype("int16"),  # int16 PCM
    np.linspace(-0.3, 0.3, 50) * 32768,  # the same read as floats
    np.array([0.0, 0.1, np.nan, 0.2]),
    np.linspace(-1.0, 1.5, 50),  # a gain beyond full scale
    np.arange(100.0, 150.0),  # 8-bit PCM read as floats
    np.zeros((50, 2)),  # stereo: "`clips[1]` must be mono, 1D ... mix it down first"
], ids=["int16", "pcm-floats", "nan", "gain", "8-bit", "stereo"])
def test_audio_samples_refuses_a_clip_as_enhance_refuses_it(gan, clip, tmp_path):
    # The callback wrote its own check: "must be finite and in [-1, 1]; sample 2 is nan", "Received dtype int16".
    from keras_cgan import callbacks

    with pytest.raises(ValueError) as enhanced:
        gan.enhance(clip)
    with pytest.raises(ValueError) as written:
        callbacks.AudioSamples([np.zeros(10), clip], str(tmp_path))
    assert type(written.value) is type(enhanced.value)
    said = str(written.value).replace("clips[1]", "waveform").replace("noisy clips", "`enhance` samples")
    assert said == str(enhanced.value)


def _unit(n=400):
    """Float audio normalized to [0, 1]: its min exactly 0, its max exactly 1."""
    x = np.sin(np.arange(n) * 0.1) + 0.3 * np.sin(np.arange(n) * 0.37)
    return (x - x.min()) / (x.max() - x.min())


@pytest.mark.parametrize("clip, eight_bit", [
    (_unit() * 200, False),  # float audio with min 0 and a whole peak: was told "8-bit PCM"
    (_unit() * 255, False),
    (np.round(_unit() * 255), True),  # 8-bit PCM read as floats: whole numbers, many levels
    (np.round(128 + 20 * (_unit() - 0.5)), True),
    # whole numbers at a few levels: 8-bit room tone or a short clip was told "it peaks at 131: `x / max`" (which
    # then passed, at [0.95, 1]); now both hints, as for bounds alone
    (np.round(128 + 6 * (_unit() - 0.5)), None),
    (np.array([0.0, 128.0, 255.0] * 10), None),
], ids=["x200", "x255", "pcm8", "quiet-pcm8", "room-tone-pcm8", "three-levels"])
def test_the_8_bit_hint_is_given_for_8_bit_samples_only(gan, clip, eight_bit):
    with pytest.raises(ValueError) as refused:
        gan.enhance(clip)
    said = str(refused.value)
    hint = "8-bit PCM (unsigned, silence at 128): use `(x - 128) / 128`"
    told = {f"{hint}.": True, f"{hint} if its samples are whole numbers; if float audio peaking at": None,
            f"it peaks at {clip.max():g}": False}
    assert [verdict for text, verdict in told.items() if text in said] == [eight_bit]
    with pytest.raises(ValueError, match=re.escape("8-bit PCM audio (unsigned): use `(x.astype('float32') - 128) / 128`")):
        gan.enhance(clip.astype("uint8"))  # an unsigned dtype: told by its dtype


@pytest.mark.parametrize("peak", [1.0000001, 1.0005, 1.3])
def test_metrics_take_an_estimate_beyond_full_scale_and_refuse_pcm_against_it(peak):
    # int16 against an estimate at 1.0000001 (a model's output: not clipped) scored ~0 dB, as did any estimate
    # beyond 1.001 against PCM read as floats; the estimate on its own was scored, and still is.
    clean = 0.5 * np.sin(np.arange(2000) * 0.05)
    estimate = clean.copy()
    estimate[5] = peak
    assert audio_metrics.snr(clean, estimate) > 0
    for pcm, said in (((clean * 32767).astype("int16"), "integer samples (int16"), (clean * 32767, "float samples")):
        with pytest.raises(ValueError, match=rf"^clean holds {re.escape(said)}.* but estimate .*up to "
                                             rf"{re.escape(f'{peak:g}')}\)?: score them on one scale"):
            audio_metrics.snr(pcm, estimate)


@pytest.mark.parametrize("call, name, batch", [
    (lambda x: audio_metrics.snr(x, x), "clean",
     "score a batch with `evaluate(clean, estimates)`"),
    (lambda x: audio_metrics.evaluate([x], [x], metrics="snr"), "clean[0]",
     "pass one utterance per item"),
], ids=["snr", "evaluate"])
def test_the_metrics_refuse_stereo_with_the_mono_rule_of_enhance(call, name, batch):
    # The metrics had their own rule and words: "clean must be one mono utterance, 1-D. Received shape: (300, 2)".
    stereo = np.zeros((300, 2))
    with pytest.raises(ValueError) as scored:
        call(stereo)
    with pytest.raises(ValueError) as checked:
        checks.mono(stereo, name)
    assert str(scored.value) == str(checked.value).replace("pass one signal at a time", batch)


def test_stereo_as_soundfile_reads_it_is_not_taken_for_a_batch_of_two_sample_utterances():
    # `metrics.evaluate` scored (T, 2) as T utterances of 2 samples (SNR a mean of them; PESQ "Buffer needs to be
    # at least 1/4 of a second long", STOI an AxisError); the model's methods said "noisy windows have shape (2,)
    # per sample; ... Use `enhance()`", not what the array was.
    gan = tiny_segan()
    gan.compile()
    stereo = np.random.default_rng(0).uniform(-0.5, 0.5, (3000, 2)).astype("float32")
    said = ("has shape {}: read as 3000 utterances of 2 samples each{}. One signal of several channels, as soundfile "
            "reads it ((T, 2) for stereo), is not a batch: mix it to mono first (`x.mean(axis=-1)`), or {}.")
    windows = f"pass windows as (N, {WINDOW}, 1); `enhance()` takes mono audio of any length"
    served = f"pass windows as (N, {WINDOW}, 1) (`keras_cgan.data.audio.frame` cuts a signal into them)"
    runtime = types.SimpleNamespace(input_shapes={"condition": (None, WINDOW, 1)},
                                    input_specs={"condition": tf.TensorSpec((None, WINDOW, 1))})
    for call, name, shape, short, batch in [
        (lambda: audio_metrics.evaluate(stereo, stereo, metrics="snr"), "clean", (3000, 2), "",
         "pass utterances as (N, T) or as a list of 1-D arrays (a list when there are more utterances than samples "
         "in each)"),
        (lambda: gan.evaluate(stereo, stereo, verbose=0), "x", (3000, 2), "", windows),
        (lambda: gan.predict(stereo[..., None], verbose=0), "x", (3000, 2, 1), "", windows),
        (lambda: gan(stereo), "condition", (3000, 2), "", windows),
        # Were "inputs['condition'] must have shape (batch,) + (1024, 1). Received: (3000, 2)", no word of channels.
        (lambda: export.serving_request(gan, {"condition": stereo}), "inputs['condition']", (3000, 2), "", served),
        (lambda: streaming._calibration_frames(streaming.on_device_generator(gan), stereo[..., None], gan),
         "representative_data['condition']", (3000, 2, 1), "", served),
        (lambda: serving._column(runtime, "condition", stereo.tolist()), "body['condition']", (3000, 2), "", served),
    ]:
        short = f", shorter than the model's {WINDOW}-sample windows" if batch in (windows, served) else short
        with pytest.raises(ValueError, match="^" + re.escape(f"`{name}` " + said.format(shape, short, batch)) + "$"):
            call()
    with pytest.raises(ValueError, match=re.escape("(3000, 2); mix channels down first (to mono: `x.mean(axis=-1)`")):
        gan.enhance(stereo)
    assert audio_metrics.evaluate(stereo.T, stereo.T, metrics="snr")["snr"] > 100  # (N, T): two utterances
    # More utterances than samples in each are scored as a list, as the message says (was: "pass (N, T)" alone).
    assert audio_metrics.evaluate(list(stereo[:3]), list(stereo[:3]), metrics="snr")["snr"] > 100
    # Rows longer than a signal has channels, or of one sample (mono), are not channels: each call's own message.
    # Was: more windows of another size than samples in each (a dataset's unknown count too), or mono (T, 1),
    # were called "one signal of several channels", and mono (T, 1) clean named `clean` for stereo estimates.
    short = np.zeros((40, 16, 1), "float32")
    for call, said in [
        (lambda: gan.predict(short, verbose=0), "x: noisy windows have shape (16, 1) per sample"),
        (lambda: gan.evaluate(tf.data.Dataset.from_tensor_slices((short, short)).batch(4), verbose=0),
         "dataset condition: noisy windows have shape (16, 1) per sample"),
        (lambda: gan.predict(stereo[:, :1], verbose=0), "x: noisy windows have shape (1,) per sample"),
        (lambda: audio_metrics.evaluate(stereo[:, :1], stereo, metrics="snr"), "`estimates` has shape (3000, 2)"),
    ]:
        with pytest.raises(ValueError, match="^" + re.escape(said)):
            call()


_SPEECH = 0.5 * np.sin(np.arange(4000) * 0.05) + 0.1 * np.sin(np.arange(4000) * 0.31)
_NOISY = _SPEECH + 0.1 * np.random.default_rng(0).standard_normal(4000)
_U8 = np.round(128 + 128 * _SPEECH)  # unsigned 8-bit PCM, as whole floats


@pytest.mark.parametrize("clean, estimate, name, hint", [
    # each was scored with its silence, 128, counted as signal: SNR 9 dB too high, against 8-bit PCM too
    (_U8.astype("uint8"), np.round(128 + 128 * _NOISY).astype("uint8"), "clean", "(x.astype('float32') - 128) / 128"),
    (_U8, np.round(128 + 128 * _NOISY), "clean", "(x - 128) / 128"),
    (_U8.astype("int16"), np.round(128 + 128 * _NOISY).astype("int16"), "clean", "(x - 128) / 128"),  # was scored
    (_SPEECH, _U8, "estimate", "(x - 128) / 128"),
    ([_SPEECH, _SPEECH], [_NOISY, _U8], "estimates[1]", "(x - 128) / 128"),
], ids=["uint8", "floats", "int16", "float-estimate", "evaluate"])
def test_the_metrics_refuse_unsigned_8_bit_pcm_naming_it(clean, estimate, name, hint):
    batch = isinstance(clean, list)  # 1/4 s utterances: too short for STOI, so SNR alone
    score = (lambda c, e: audio_metrics.evaluate(c, e, metrics="snr")) if batch else audio_metrics.snr
    with pytest.raises(ValueError, match=rf"^{re.escape(name)} holds unsigned 8-bit PCM .*silent at 128.*"
                                         rf"{re.escape(hint)}"):
        score(clean, estimate)


@pytest.mark.parametrize("step", [1 / 128, 1 / 127])
def test_the_metrics_score_8_bit_audio_scaled_to_float_as_float(step):
    clean = np.round(_SPEECH / step) * step
    by_hand = 10 * np.log10(np.sum(clean**2) / np.sum((clean - _NOISY) ** 2))
    np.testing.assert_allclose(audio_metrics.snr(clean, _NOISY), by_hand, rtol=1e-9)


def test_evaluate_checks_each_utterance_once(monkeypatch):
    # It checked every utterance, then each metric checked it again: 3 times for two metrics.
    expected = audio_metrics.evaluate([_SPEECH, _SPEECH[:3000]], [_NOISY, _NOISY[:3000]], metrics=("snr", "segsnr"))
    checked, check_finite = [], checks.check_finite
    monkeypatch.setattr(checks, "check_finite", lambda x, where, *args, **kwargs: checked.append(where)
                        or check_finite(x, where, *args, **kwargs))
    scored = audio_metrics.evaluate([_SPEECH, _SPEECH[:3000]], [_NOISY, _NOISY[:3000]], metrics=("snr", "segsnr"))
    assert checked == ["clean[0]", "estimates[0]", "clean[1]", "estimates[1]"]
    assert scored == expected


@pytest.mark.parametrize("kwargs, said", [
    # each was an error of tf.data at the first batch, or went through (True as a fraction)
    (dict(reshape_noise="0.5"), "`reshape_noise` must be a finite number >= 0 and <= 1. Received: reshape_noise='0.5'"),
    (dict(reshape_noise=True), "`reshape_noise` must be a finite number >= 0 and <= 1. Received: reshape_noise=True"),
    (dict(seed=2.5), "`seed` must be an int >= 0 or None. Received: seed=2.5"),
    (dict(snr_db=(10, 0)), "`snr_db` must be an SNR in dB, or a range (low, high) with low <= high. Received: "
                           "snr_db=(10, 0)"),
    (dict(snr_db=float("nan")), "`snr_db` must be a finite number. Received: snr_db=nan"),
    (dict(batch_size=2.5), "`batch_size` must be an int >= 1. Received: batch_size=2.5"),
    (dict(sample_rate=0), "`sample_rate` must be an int >= 1. Received: sample_rate=0"),
    (dict(window=1), "`window` must be an int >= 2. Received: window=1"),  # was "Need ... hop=0", no hop taken
], ids=["reshape-str", "reshape-bool", "seed", "snr-reversed", "snr-nan", "batch-size", "sample-rate", "window"])
def test_noisy_mixtures_checks_its_numbers_as_the_library_does(kwargs, said):
    with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
        audio_data.noisy_mixtures([_SPEECH], [_NOISY], **{"window": 256, **kwargs})


@pytest.mark.parametrize("snr_db", [(10, 0), float("nan"), (0, 5, 10)], ids=["reversed", "nan", "three"])
def test_make_pairs_reads_snr_db_as_noisy_mixtures_does(snr_db):
    # make_pairs read it on its own: numpy's "high - low < 0", "range exceeds valid bounds", "too many values to unpack"
    with pytest.raises(ValueError) as mixed:
        audio_data.noisy_mixtures([_SPEECH], [_NOISY], window=256, snr_db=snr_db)
    with pytest.raises(ValueError) as made:
        synthetic_speech.make_pairs(1, seconds=0.01, snr_db=snr_db)
    assert str(made.value) == str(mixed.value)


@pytest.mark.parametrize("window, hop, said", [
    (0, 0, "`window` must be an int >= 1. Received: window=0"),  # was a ZeroDivisionError
    (64, 100, "`hop` must be an int >= 1 and <= the window (64): a longer hop skips samples. Received: hop=100"),
    (1, None, "`hop` defaults to half the window, which is 0 for window=1: give hop=1, or a window of 2 samples or "
              "more."),  # was "Need ... hop=0", a hop not given

], ids=["zero", "hop-over-window", "no-default-hop"])
def test_frame_checks_its_window_as_frame_pairs_does(window, hop, said):
    for call in (lambda: audio_data.frame(_SPEECH, window, hop),
                 lambda: audio_data.frame_pairs([_NOISY], [_SPEECH], window, hop)):
        with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
            call()


def test_frame_pairs_checks_each_signal_once(monkeypatch):
    # It checked each signal's shape, then `frame` checked it again.
    expected = audio_data.frame_pairs([_NOISY, _NOISY[:500]], [_SPEECH, _SPEECH[:500]], 256, 128)
    checked, mono = [], checks.mono
    monkeypatch.setattr(checks, "mono", lambda samples, name, *args: checked.append(name) or mono(samples, name, *args))
    framed = audio_data.frame_pairs([_NOISY, _NOISY[:500]], [_SPEECH, _SPEECH[:500]], 256, 128)
    assert checked == ["noisy[0]", "clean[0]", "noisy[1]", "clean[1]"]
    for got, want in zip(framed, expected):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", [(3000,), (3000, 1, 1), (1, 3000)])
def test_one_signal_given_for_served_or_calibration_windows_is_told_to_be_framed(gan, shape):
    # Was "must have shape (batch,) + (1024, 1). Received: (3000, 1, 1)": not that it is one signal, nor what to do.
    signal = np.zeros(shape, "float32")
    said = (f"has shape {shape}: one signal, not a batch of windows. Cut it into windows of shape (N, {WINDOW}, 1) "
            f"first (`keras_cgan.data.audio.frame(x, {WINDOW}, hop)[..., None]`).")
    for call, name in [
        (lambda: export.serving_request(gan, {"condition": signal}), "inputs['condition']"),
        (lambda: streaming._calibration_frames(streaming.on_device_generator(gan), signal, gan),
         "representative_data['condition']"),
    ]:
        with pytest.raises(ValueError, match="^" + re.escape(f"`{name}` {said}") + "$"):
            call()


def test_serving_request_refuses_a_batch_of_no_windows(gan):
    # Was a body of no instances, which `answer_request` refuses ("must be a non-empty list of instances").
    with pytest.raises(ValueError, match=re.escape("`inputs` hold no rows (a batch of 0): give at least one. Received "
                                                   f"shapes {{'condition': (0, {WINDOW}, 1)}}")):
        export.serving_request(gan, {"condition": np.zeros((0, WINDOW, 1), "float32")})
    # Without the channel axis it is an empty batch of the wrong shape (was: "(0, 1024): one signal").
    with pytest.raises(ValueError, match=re.escape(f"must have shape (batch,) + ({WINDOW}, 1). Received: (0, {WINDOW})")):
        export.serving_request(gan, {"condition": np.zeros((0, WINDOW), "float32")})
