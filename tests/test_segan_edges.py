"""SEGAN's entry points check audio values alike: a dataset in `predict`, `AudioSamples` clips, the scaling hints."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import SEGAN, callbacks
from keras_cgan.checks import scaling_hint
from keras_cgan.metrics import audio as audio_metrics
from keras_cgan.models.input_checks import NonFiniteDataError
from keras_cgan.models.segan import streaming

WINDOW = 1024
INT16 = "int16 PCM: divide by 32768."


def tiny_segan():
    """A SEGAN of a 1x1 convolution and a one-layer discriminator: quick to build and to trace."""
    condition, waveform = keras.Input((WINDOW, 1), name="condition"), keras.Input((WINDOW, 1))
    generator = keras.Model(condition, keras.layers.Conv1D(1, 1)(condition))
    pair = keras.layers.GlobalAveragePooling1D()(keras.layers.Concatenate()([waveform, condition]))
    return SEGAN(generator, keras.Model([waveform, condition], keras.layers.Dense(1)(pair)), seed=0)


def speech(n=2, scale=1.0):
    """`n` windows of noise-like audio at `scale` (`32768`: int16 PCM read as floats)."""
    return (np.random.default_rng(0).uniform(-0.3, 0.3, (n, WINDOW, 1)) * scale).astype("float32")


def test_predict_checks_a_datasets_noisy_windows_as_it_checks_arrays():
    # Arrays got the int16 hint; a dataset of the same windows was enhanced into noise, NaN into NaN.
    gan = tiny_segan()
    gan.compile()
    pcm = speech(scale=32768)
    with pytest.raises(ValueError, match=re.escape(INT16)):
        gan.predict(pcm, verbose=0)
    for data in (tf.data.Dataset.from_tensor_slices(pcm).batch(2), tf.data.Dataset.from_tensor_slices((pcm,)).batch(2)):
        with pytest.raises(ValueError, match=r"The dataset's conditions must be in \[-1, 1\].*at batch 0 .*"
                                             r"prediction stopped\..*" + re.escape(INT16)):
            gan.predict(data, verbose=0)
    with pytest.raises(NonFiniteDataError, match="prediction stopped"):
        gan.predict(tf.data.Dataset.from_tensor_slices(speech() * np.nan).batch(2), verbose=0)
    good = speech()
    assert gan.predict(tf.data.Dataset.from_tensor_slices(good).batch(2), verbose=0).shape == good.shape


def test_predict_on_a_dataset_checks_no_values_with_check_data_off():
    gan = tiny_segan()
    gan.compile(check_data=False)
    assert gan.predict(tf.data.Dataset.from_tensor_slices(speech(scale=4)).batch(2), verbose=0).shape == (2, WINDOW, 1)


def test_audio_samples_clips_get_the_pcm_hints_enhance_gives(tmp_path):
    # The callback said "must be float in [-1, 1]. Received dtype int16." and "values from -9830.4 to ...", no hint.
    pcm = speech(1, 32768).reshape(-1)
    cases = [
        (pcm.astype("int16"), "int16 PCM audio: use `x.astype('float32') / 32768`."),
        (pcm, INT16),
        (np.arange(120.0, 140.0), "8-bit PCM (unsigned, silence at 128)"),
    ]
    gan = tiny_segan()
    for clip, hint in cases:
        with pytest.raises(ValueError, match=re.escape(hint)):
            gan.enhance(clip)
        with pytest.raises(ValueError, match=r"^clips\[1\]: noisy clips must be .*" + re.escape(hint)):
            callbacks.AudioSamples([np.zeros(10), clip], str(tmp_path))
    with pytest.raises(NonFiniteDataError, match=r"^clips\[0\]: noisy clips must be finite; clips\[0\]\[3\] holds nan"):
        callbacks.AudioSamples([np.array([0.0, 0.1, 0.2, np.nan])], str(tmp_path))


@pytest.mark.parametrize("low, high", [(0.0, 3.0), (0.01, 2.5), (0.0, 200.5), (0.25, 128.75), (0.0, 100.0)])
def test_non_negative_float_audio_is_not_called_8_bit_pcm(low, high):
    # A float clip scaled by 3 by mistake (all >= 0 here) was told "8-bit PCM: use `(x - 128) / 128`".
    hint = scaling_hint(low, high, "audio")
    assert "8-bit" not in hint and f"it peaks at {high:g}: scale louder audio down, e.g. `x / np.abs(x).max()`" in hint


@pytest.mark.parametrize("low, high", [(0, 255), (12, 200), (120, 136)])
def test_whole_samples_around_128_are_8_bit_pcm(low, high):
    samples = np.arange(low, high + 1.0)
    assert "8-bit PCM (unsigned, silence at 128): use `(x - 128) / 128`" in scaling_hint(low, high, "audio", samples=samples)
    # their bounds alone: a guess, said as one
    said = scaling_hint(float(low), float(high), "audio")
    assert f"8-bit PCM (unsigned, silence at 128): use `(x - 128) / 128` if its samples are whole numbers; if " \
           f"float audio peaking at {high}, scale louder audio down" in said


def test_enhance_and_a_stream_of_mis_scaled_non_negative_audio_are_told_to_scale_it_down():
    clip = np.abs(np.sin(np.arange(3000) * 0.01)) * 3
    with pytest.raises(ValueError, match=re.escape("it peaks at 3: scale louder audio down")):
        tiny_segan().enhance(clip)
    with pytest.raises(ValueError, match=re.escape("it peaks at 3: scale the whole stream down by one fixed gain")):
        streaming.StreamingEnhancer(lambda frame: frame, WINDOW).process(clip)


def test_int8_export_refuses_calibration_frames_of_int16_scale(tmp_path):
    # They calibrated every range 32768 times too wide: outputs all 0, and the parity check asked for more samples.
    gan = tiny_segan()
    frames = speech(4, 32768)
    for model, bound in ((gan, r"coefficient 0.95, which stay in \[-1.95, 1.95\]"),
                         (gan.generator, r"the model's coefficient \(below 1\), which stay in \[-2, 2\]")):
        with pytest.raises(ValueError, match=r"`representative_data`: the generator takes noisy windows of audio in "
                                             rf"\[-1, 1\] pre-emphasized with {bound}; got values from .*" + re.escape(INT16)):
            streaming.export_tflite(model, str(tmp_path / "g.tflite"), quantization="int8", representative_data=frames)
    assert not list(tmp_path.iterdir())


def test_metrics_refuse_pcm_scaled_floats_against_floats_as_they_refuse_int16():
    # int16 against floats was refused; the same samples as floats (`x.astype(float)`) scored SNR 0 dB, PESQ at its floor.
    clean = speech(1).reshape(-1)
    pcm = clean * 32768
    with pytest.raises(ValueError, match=r"clean\[0\] holds float samples up to 9.*but estimates\[0\] up to 0\.29.*: "
                                         r"score them on one scale\..*" + re.escape(INT16)):
        audio_metrics.evaluate([pcm], [clean], metrics="snr")
    with pytest.raises(ValueError, match=r"^estimate holds float samples up to"):
        audio_metrics.snr(clean, pcm)
    assert audio_metrics.snr(pcm, pcm.astype("int16")) > 40  # one scale: scored
    assert audio_metrics.snr(clean, 1.5 * clean) == pytest.approx(6.02, abs=0.01)  # a gain beyond full scale: scored


def test_the_streaming_exports_warnings_point_at_the_users_line(tmp_path):
    # Was: at keras_cgan/models/segan/streaming.py, its call of `to_tflite`.
    (tmp_path / "g.tflite").touch()  # an existing file: refused after the warnings, before converting
    with pytest.warns(UserWarning) as caught, pytest.raises(ValueError, match="g.tflite.* exists; pass `overwrite=True`"):
        streaming.export_tflite(tiny_segan(), str(tmp_path / "g.tflite"), representative_data=speech(1), check=False,
                                tolerance=0.1)
    assert [str(w.message).split(" ")[0] for w in caught] == ["`representative_data`", "`tolerance`"]
    assert [w.filename for w in caught] == [__file__] * 2
