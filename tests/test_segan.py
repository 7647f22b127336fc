"""SEGAN: networks, model, framing, on-device enhancer, audio data, metrics, CLI."""

import argparse
import os
import re
import shutil
import warnings

import keras
import numpy as np
import pytest
import soundfile as sf
import tensorflow as tf

from keras_cgan import SEGAN, checks, export, losses, networks
from keras_cgan.cli import enhance as enhance_cli
from keras_cgan.models.segan import streaming
from keras_cgan.models.segan import waveform as wf
from keras_cgan.data import audio, synthetic_speech
from keras_cgan.models.segan.emphasis import DeEmphasis, PreEmphasis
from keras_cgan.metrics import audio as audio_metrics
from tests.test_case import (
    assert_config_roundtrip,
    assert_keras_roundtrip,
    flat_weights,
)

WINDOW = 1024
TINY = dict(window=WINDOW, filters=(4, 8), kernel_size=5)


def tiny_segan(**kwargs):
    g = networks.segan_generator(**TINY, preemphasis=kwargs.get("preemphasis", 0.95))
    d = networks.segan_discriminator(**TINY)
    return SEGAN(g, d, seed=0, **kwargs)


def gain_segan(gain=0.5, window=WINDOW):
    """A SEGAN whose generator is `gain * x` (linear, no z): enhance must give `gain * x`."""
    condition = keras.Input((window, 1), name="condition")
    conv = keras.layers.Conv1D(1, 1, use_bias=False)
    g = keras.Model(condition, conv(condition))
    conv.set_weights([np.full((1, 1, 1), gain, "float32")])
    d = networks.segan_discriminator(window=window, filters=(4, 8), kernel_size=5)
    return SEGAN(g, d)


def toy_pairs(n=8, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n * WINDOW).reshape(n, WINDOW, 1)
    clean = (0.4 * np.sin(t * rng.uniform(0.02, 0.2, (n, 1, 1)))).astype("float32")
    noisy = clean + rng.normal(0, 0.1, clean.shape).astype("float32")
    return noisy, clean


# ------------------------------------------------------------------ networks


def test_generator_shapes_and_latent():
    g = networks.segan_generator(**TINY)
    assert [tuple(t.shape[1:]) for t in g.inputs] == [(WINDOW // 4, 8), (WINDOW, 1)]
    assert g.inputs[1].name == "condition"
    assert tuple(g.output.shape[1:]) == (WINDOW, 1)
    no_z = networks.segan_generator(latent_channels=0, **TINY)
    assert len(no_z.inputs) == 1
    d = networks.segan_discriminator(**TINY)
    assert tuple(d.output.shape[1:]) == (1,)


def test_untrained_residual_generator_passes_input_through():
    # residual=True: the correction layer starts at zero, so enhance() is the identity.
    gan = tiny_segan()
    x = np.random.default_rng(2).uniform(-0.5, 0.5, 2500).astype("float32")
    np.testing.assert_allclose(gan.enhance(x), x, atol=1e-5)
    paper = networks.segan_generator(residual=False, **TINY)
    assert paper.layers[-1].name == "to_waveform" and paper.layers[-1].activation.__name__ == "tanh"


@pytest.mark.parametrize("coefficient", [0.95, 0.0])
def test_residual_output_is_input_minus_waveform_estimate(coefficient):
    # The noise estimate is pre-emphasized before the subtraction, so after the
    # model's de-emphasis the output is exactly `noisy - estimate`: the last
    # layer estimates the noise in the waveform domain, where the L1 is measured.
    gan = tiny_segan(preemphasis=coefficient)
    g = gan.generator
    last = g.get_layer("to_waveform")
    rng = np.random.default_rng(3)
    last.kernel.assign(rng.normal(0, 0.2, last.kernel.shape))
    last.bias.assign([0.1])  # a constant estimate: de-emphasized it would ramp up to 20x
    x = np.clip(rng.normal(0, 0.3, (2, WINDOW, 1)), -1, 1).astype("float32")  # generate checks arrays as predict does
    z = tf.zeros((2, WINDOW // 4, 8))
    estimate = keras.Model(g.inputs, last.output)([z, wf.preemphasize_windows(tf.constant(x), coefficient)])
    np.testing.assert_allclose(np.asarray(gan.generate(x, noise=z)), x - np.asarray(estimate), atol=1e-5)


def test_pre_emphasis_layer_by_hand():
    x = np.array([[[1.0], [1.0], [0.0]]], "float32")
    np.testing.assert_allclose(np.asarray(PreEmphasis(0.95)(x))[0, :, 0], [1.0, 0.05, -0.95], atol=1e-7)
    np.testing.assert_array_equal(np.asarray(PreEmphasis(0.0)(x)), x)
    assert PreEmphasis.from_config(PreEmphasis(0.9).get_config()).coefficient == 0.9
    with pytest.raises(ValueError, match="coefficient"):
        PreEmphasis(1.0)
    # DeEmphasis is its inverse (the generator's plain-waveform view of its input)
    np.testing.assert_allclose(np.asarray(DeEmphasis(0.5)(x))[0, :, 0], [1.0, 1.5, 0.75], atol=1e-7)
    w = np.random.default_rng(4).normal(size=(2, 700, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(DeEmphasis(0.95)(PreEmphasis(0.95)(w))), w, atol=1e-4)
    with pytest.raises(ValueError, match="coefficient"):
        DeEmphasis(-0.1)


def test_generator_sees_the_input_in_both_domains():
    g = networks.segan_generator(**TINY)
    assert tuple(g.get_layer("enc_0").input.shape[1:]) == (WINDOW, 2)
    x = np.random.default_rng(5).normal(0, 0.3, (1, WINDOW, 1)).astype("float32")
    both = keras.Model(g.inputs, g.get_layer("both_domains").output)
    views = np.asarray(both([tf.zeros((1, WINDOW // 4, 8)), wf.preemphasize_windows(tf.constant(x), 0.95)]))
    np.testing.assert_allclose(views[..., 1:], x, atol=1e-4)  # the plain waveform
    assert tuple(networks.segan_generator(**TINY, preemphasis=0.0).get_layer("enc_0").input.shape[1:]) == (WINDOW, 1)


def test_segan_rejects_generator_of_another_preemphasis():
    g = networks.segan_generator(**TINY)  # preemphasis=0.95
    with pytest.raises(ValueError, match=r"segan_generator\(preemphasis=0.0\)"):
        SEGAN(g, networks.segan_discriminator(**TINY), preemphasis=0.0)


def test_generator_rejects_bad_window():
    with pytest.raises(ValueError, match="window"):
        networks.segan_generator(window=1000, filters=(4, 8, 8, 8))


def test_default_generator_is_small():
    # The on-device default: far smaller than the paper's 22-layer network.
    g = networks.segan_generator()
    assert g.count_params() < 1_000_000
    assert tuple(g.inputs[0].shape[1:]) == (16384 // 64, 128)


# ------------------------------------------------------------- emphasis, OLA


def test_preemphasis_by_hand_and_inverse():
    np.testing.assert_allclose(wf.preemphasis([1.0, 1.0, 0.0], 0.95), [1.0, 0.05, -0.95], atol=1e-7)
    x = np.random.default_rng(0).normal(size=(2, 500)).astype("float32")
    np.testing.assert_allclose(wf.deemphasis(wf.preemphasis(x, 0.95), 0.95), x, atol=1e-5)
    tx = tf.constant(x[..., None])
    back = wf.deemphasize_windows(wf.preemphasize_windows(tx, 0.95), 0.95)
    np.testing.assert_allclose(back.numpy(), x[..., None], atol=1e-5)
    # the Keras-ops windows agree with NumPy (zero state)
    np.testing.assert_allclose(wf.deemphasize_windows(tx, 0.95).numpy()[..., 0], wf.deemphasis(x, 0.95), atol=1e-4)


def test_emphasis_filters_windows_with_a_channel_axis_along_their_samples():
    # A served SEGAN answer is a `[16384, 1]` window: filtered along its channel axis of 1, it came back unchanged.
    x = np.random.default_rng(1).normal(size=(2, 300)).astype("float32")
    for fn in (wf.preemphasis, wf.deemphasis):
        windows = fn(x[..., None], 0.95, state=0.5)  # [B, T, 1]
        assert windows.shape == (2, 300, 1)
        np.testing.assert_allclose(windows[..., 0], fn(x, 0.95, state=0.5), atol=1e-6)
        np.testing.assert_allclose(fn(x[0, :, None], 0.95), fn(x[0], 0.95)[:, None], atol=1e-6)  # [T, 1]
        assert np.abs(fn(x[0, :, None], 0.95) - x[0, :, None]).max() > 0.1  # was: unchanged


def test_overlap_add_refuses_more_than_one_signal():
    # A stereo [T, 2] signal was flattened into 2T interleaved samples.
    x = np.random.default_rng(2).normal(size=(300, 2)).astype("float32")
    with pytest.raises(ValueError, match=r"`x` must be one signal, of shape \(T,\), \(T, 1\) or \(1, T\)\. Received "
                                         r"shape \(300, 2\); mix channels down first"):
        wf.overlap_add(lambda frames: frames, x, window=64)
    with pytest.raises(ValueError, match=r"^`x` is empty \(0 samples\)"):
        wf.overlap_add(lambda frames: frames, np.zeros((0, 1)), window=64)  # an empty [T, 1] read
    for one in (x[:, :1], x[None, :, 0]):  # [T, 1] and [1, T]
        np.testing.assert_allclose(wf.overlap_add(lambda frames: frames, one, window=64), x[:, 0], atol=1e-5)


@pytest.mark.parametrize("length,hop", [(1, 512), (1000, 512), (5000, 256), (3333, 768)])
def test_enhance_any_length_is_seamless(length, hop):
    # A linear generator (gain 0.5): overlap-add must give exactly 0.5 x,
    # whatever the length, with no seam where windows meet.
    if WINDOW % hop:
        with pytest.raises(ValueError, match="hop"):
            gain_segan().enhance(np.zeros(10), hop=hop)
        return
    x = np.random.default_rng(1).uniform(-0.5, 0.5, length).astype("float32")
    y = gain_segan(0.5).enhance(x, hop=hop, batch_size=3)
    assert y.shape == (length,)
    np.testing.assert_allclose(y, 0.5 * x, atol=1e-5)


def test_enhance_rejects_stereo_and_empty():
    model = gain_segan()
    with pytest.raises(ValueError, match="mono"):
        model.enhance(np.zeros((100, 2)))
    with pytest.raises(ValueError, match="empty"):
        model.enhance(np.zeros(0))
    with pytest.raises(ValueError, match=r"`batch_size` must be an int >= 1. Received: batch_size=0"):
        model.enhance(np.zeros(100), batch_size=0)  # range() arg 3 must not be zero
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 300).astype("float32")
    np.testing.assert_allclose(model.enhance(x[None]), model.enhance(x), atol=1e-6)  # (1, T) was "mix channels down"


def test_discriminator_spectral_norm_bounds_each_layer():
    d = networks.segan_discriminator(**TINY)  # spectral norm is the default
    wrapped = [l for l in d.layers if isinstance(l, keras.layers.SpectralNormalization)]
    assert len(wrapped) == len(TINY["filters"]) + 2  # every conv, the squeeze and the logit
    plain = networks.segan_discriminator(spectral_norm=False, **TINY)
    assert not any(isinstance(l, keras.layers.SpectralNormalization) for l in plain.layers)
    conv = wrapped[0].layer
    conv.kernel.assign(conv.kernel * 10.0)  # far from norm 1
    x = [np.random.default_rng(0).normal(size=(2, WINDOW, 1)).astype("float32")] * 2
    for _ in range(20):  # power iterations converge over training calls
        d(x, training=True)
    sigma = np.linalg.svd(np.reshape(conv.kernel.numpy(), (-1, conv.filters)), compute_uv=False)[0]
    assert abs(sigma - 1.0) < 0.05, sigma


# -------------------------------------------------------------------- model


def test_fit_logs_parts_and_updates_both_networks():
    gan = tiny_segan(mismatch_weight=1.0)
    gan.compile()
    assert gan.adversarial_loss == "lsgan"
    # SEGAN's defaults: a discriminator 5x slower than the generator
    assert np.isclose(float(gan.generator_optimizer.learning_rate), 1e-3)
    assert np.isclose(float(gan.discriminator_optimizer.learning_rate), 2e-4)
    g0, d0 = flat_weights(gan.generator), flat_weights(gan.discriminator)
    noisy, clean = toy_pairs()
    history = gan.fit(noisy, clean, batch_size=4, epochs=1, verbose=0).history
    for name in ("d_loss", "d_real", "d_fake", "d_mismatch", "g_loss", "g_adv", "g_l1"):
        assert np.isfinite(history[name][0]), name
    assert not np.allclose(flat_weights(gan.generator), g0)
    assert not np.allclose(flat_weights(gan.discriminator), d0)
    assert gan.predict(noisy[:3], verbose=0).shape == (3, WINDOW, 1)


def test_a_window_alone_in_its_batch_is_not_trained_as_a_mismatch_of_itself():
    gan = tiny_segan(mismatch_weight=1.0)
    gan.compile()
    noisy, clean = toy_pairs()
    logs = gan.train_on_batch(noisy[:1], clean[:1], return_dict=True)
    assert logs["d_mismatch"] == 0.0  # the roll paired the window with its own noisy input: a real pair
    assert gan.train_on_batch(noisy[:2], clean[:2], return_dict=True)["d_mismatch"] > 0.0


def test_r1_penalty_is_part_of_the_discriminator_loss():
    gan = tiny_segan()
    gan.compile(r1_weight=10.0)
    noisy, clean = (tf.constant(a) for a in toy_pairs(4))
    loss, parts = gan.discriminator_objective(noisy, clean, gan(noisy), training=False)
    assert float(parts["d_penalty"]) > 0
    np.testing.assert_allclose(
        float(loss), float(parts["d_real"] + parts["d_fake"] + parts["d_penalty"]), rtol=1e-6
    )
    history = gan.fit(*toy_pairs(4), batch_size=4, epochs=1, verbose=0).history
    assert np.isfinite(history["d_penalty"][0])
    gan.compile()  # off by default
    assert "d_penalty" not in gan.discriminator_objective(noisy, clean, gan(noisy), training=False)[1]


@pytest.mark.parametrize("domain", ["waveform", "emphasized"])
def test_l1_only_baseline_loss_is_l1_term(domain):
    gan = tiny_segan(adversarial_weight=0.0, l1_weight=100.0, l1_domain=domain)
    gan.compile()
    noisy, clean = toy_pairs(4)
    fake = gan(noisy)
    loss, parts = gan.generator_objective(tf.constant(noisy), tf.constant(clean), fake, training=False)
    np.testing.assert_allclose(float(loss), 100.0 * float(parts["g_l1"]), rtol=1e-6)
    # the L1 is measured on the output waveform or on pre-emphasized signals
    e = (lambda x: wf.preemphasis(x[..., 0], 0.95)) if domain == "emphasized" else (lambda x: x[..., 0])
    np.testing.assert_allclose(float(parts["g_l1"]), np.mean(np.abs(e(clean) - e(np.asarray(fake)))), rtol=1e-4)


def test_discriminator_judges_the_pair():
    # The same clean waveform scores differently under different noisy inputs.
    gan = tiny_segan()
    noisy, clean = toy_pairs(2)
    same = gan._score(tf.constant(clean[:1]), tf.constant(noisy[:1]), False)
    other = gan._score(tf.constant(clean[:1]), tf.constant(noisy[1:2]), False)
    assert abs(float(same[0]) - float(other[0])) > 1e-6


def test_fit_rejects_wrong_window():
    gan = tiny_segan()
    gan.compile()
    with pytest.raises(ValueError, match="enhance"):
        gan.fit(np.zeros((4, 512, 1)), np.zeros((4, 512, 1)), epochs=1, verbose=0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="preemphasis"):
        SEGAN(networks.segan_generator(**TINY), networks.segan_discriminator(**TINY), preemphasis=1.0)
    with pytest.raises(ValueError, match="preemphasis"):
        networks.segan_generator(**TINY, preemphasis=1.0)
    with pytest.raises(ValueError, match="l1_weight"):
        tiny_segan(l1_weight=-1)
    with pytest.raises(ValueError, match="l1_domain"):
        tiny_segan(l1_domain="spectrum")
    g = networks.segan_generator(**TINY)
    d = networks.segan_discriminator(window=512, filters=(4, 8), kernel_size=5)
    with pytest.raises(ValueError, match="discriminator"):
        SEGAN(g, d)


def test_config_and_keras_roundtrip(tmp_path):
    gan = tiny_segan(l1_weight=50.0, preemphasis=0.9, sample_rate=8000, l1_domain="emphasized")
    gan.compile()
    gan.fit(*toy_pairs(4), batch_size=4, epochs=1, verbose=0)
    clone = assert_config_roundtrip(gan)
    assert clone.sample_rate == 8000 and clone.preemphasis == 0.9 and clone.l1_domain == "emphasized"
    noisy, _ = toy_pairs(2)
    noise = np.zeros((2, WINDOW // 4, 8), "float32")
    loaded = assert_keras_roundtrip(gan, noisy, tmp_path, atol=1e-5, noise=noise)
    x = noisy.reshape(-1)[:1500]
    np.testing.assert_allclose(loaded.enhance(x), gan.enhance(x), atol=1e-5)


# ---------------------------------------------------------------- on-device


def test_tflite_streaming_matches_enhance(tmp_path):
    gan = tiny_segan()
    gan.compile()
    gan.fit(*toy_pairs(4), batch_size=4, epochs=1, verbose=0)
    x = toy_pairs(4, seed=3)[0].reshape(-1)[:3333]
    expected = gan.enhance(x)
    # the on-device model goes through keras_cgan.export: parity-checked, named input `condition`
    report = streaming.export_tflite(gan, str(tmp_path / "segan.tflite"))
    assert report.passed and report.format == "tflite" and report.max_abs_error <= 1e-4
    runtime = export.load_runtime(report.path)
    assert isinstance(runtime, export.runtimes.TFLiteRuntime)
    assert runtime.input_names == ["condition"] and runtime.input_shapes["condition"] == (None, WINDOW, 1)
    # one window, no framing: the interpreter equals the Keras generator at z = 0
    frame = wf.preemphasis(x[:WINDOW], 0.95)[None, :, None]
    keras_out = gan.window_function()(tf.constant(frame)).numpy()
    np.testing.assert_allclose(runtime({"condition": frame})["sample"], keras_out, atol=1e-5)
    runner = streaming.window_runner(runtime)
    assert runner.window == WINDOW
    np.testing.assert_allclose(runner(frame[0, :, 0]), keras_out.reshape(-1), atol=1e-5)
    # streaming in odd-sized chunks, exactly as an app would
    streamed = streaming.stream_enhance(runtime, x, preemphasis=0.95, chunk_size=700)
    assert streamed.shape == x.shape
    assert np.abs(streamed - expected).max() <= 1e-4
    # the quantization names are export's
    for quantization in ("float16", "dynamic"):
        q = streaming.export_tflite(gan, str(tmp_path / f"{quantization}.tflite"), quantization)
        assert q.quantization == quantization and q.passed
        out = streaming.stream_enhance(q.path, x, preemphasis=0.95)
        assert np.all(np.isfinite(out)) and np.abs(out - expected).max() < 0.05
    # full int8 calibrates on (and is checked on) speech-like pre-emphasized frames; de-emphasis
    # integrates its error (gain up to 1 / (1 - 0.95)), so it is checked per window only
    frames = wf.preemphasis(toy_pairs(4, seed=5)[0].reshape(-1), 0.95).reshape(-1, WINDOW, 1)
    q = streaming.export_tflite(
        gan, str(tmp_path / "int8.tflite"), "int8", representative_data=frames, inputs={"condition": frames}
    )
    assert q.quantization == "int8" and q.passed and q.snr_db >= 20
    with pytest.raises(ValueError, match="quantization"):
        streaming.export_tflite(gan, str(tmp_path / "old.tflite"), "dynamic_int8")


def test_stream_enhance_refuses_an_export_with_noise_input(tmp_path):
    gan = tiny_segan()
    path = export.to_tflite(gan, str(tmp_path / "with_noise.tflite"), check=False)
    with pytest.raises(ValueError, match="on_device_generator"):
        streaming.stream_enhance(path, np.zeros(3000, "float32"))


def test_on_device_generator_exports_to_onnx_and_streams(tmp_path):
    gan = tiny_segan()
    x = toy_pairs(2, seed=4)[0].reshape(-1)[:2500]
    report = export.to_onnx(streaming.on_device_generator(gan), str(tmp_path / "segan.onnx"))
    streamed = streaming.stream_enhance(report.path, x, preemphasis=0.95, chunk_size=999)
    assert np.abs(streamed - gan.enhance(x)).max() <= 1e-4


def test_zero_noise_names_a_shape_that_is_no_list_of_ints():
    assert streaming.ZeroNoise.from_config(streaming.ZeroNoise((4, 2)).get_config()).noise_shape == (4, 2)
    for wrong in (5, (4, 2.5), ("8",)):  # a TypeError, a shape cut to (4, 2), a shape read from text
        with pytest.raises(ValueError, match=re.escape(f"`noise_shape` must be a non-empty list of ints >= 1. "
                                                       f"Received: noise_shape={wrong!r}")):
            streaming.ZeroNoise(wrong)


def test_streamer_emits_samples_before_the_end():
    streamer = streaming.StreamingEnhancer(lambda frame: frame, WINDOW, preemphasis=0.95)
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 4 * WINDOW).astype("float32")
    first = streamer.process(x[: 2 * WINDOW])
    assert 0 < first.size <= 2 * WINDOW
    rest = np.concatenate([streamer.process(x[2 * WINDOW :]), streamer.flush()])
    np.testing.assert_allclose(np.concatenate([first, rest]), x, atol=1e-5)


def test_stream_enhance_checks_the_signal_and_its_settings_as_enhance_does():
    identity = lambda frame: frame
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 3 * WINDOW + 7).astype("float32")
    for odd in (x[:1], x[: WINDOW - 1], x[: WINDOW + 1], x):  # any length, odd hops and chunks
        for hop, chunk in ((WINDOW // 2, 1600), (WINDOW // 8, 3)):
            y = streaming.stream_enhance(identity, odd, window=WINDOW, hop=hop, chunk_size=chunk)
            np.testing.assert_allclose(y, odd, atol=1e-5)
    np.testing.assert_allclose(streaming.stream_enhance(identity, x[:, None], window=WINDOW), x, atol=1e-5)
    cases = [
        # Each went through: int16 PCM as samples of thousands, [T, 2] as 2T interleaved samples, NaN to NaN out.
        (dict(waveform=np.full(100, 1000, "int16")), "got dtype int16. int16 PCM audio: use `x.astype('float32') / 32768`"),
        (dict(waveform=np.zeros((100, 2), "float32")), "`waveform` must be one signal, of shape (T,), (T, 1) or (1, T). "
                                                        "Received shape (100, 2)"),
        (dict(waveform=np.array([0.0, np.nan], "float32")), "`stream_enhance` samples must be finite"),
        (dict(chunk_size=0), "`chunk_size` must be an int >= 1. Received: chunk_size=0"),  # was range()'s error
        (dict(chunk_size=2.5), "`chunk_size` must be an int >= 1. Received: chunk_size=2.5"),  # was a TypeError
        (dict(window=None), "Pass `window=` (the frame length)"),  # was an AttributeError
    ]
    for kwargs, match in cases:
        with pytest.raises(ValueError, match=re.escape(match)):
            streaming.stream_enhance(identity, **{"waveform": x, "window": WINDOW, **kwargs})
    with pytest.raises(ValueError, match=re.escape("`run_window` must be a callable")):
        streaming.StreamingEnhancer(None, WINDOW)  # failed at the first full window


def test_stream_enhance_checks_the_signal_once_not_each_chunk_again(monkeypatch):
    # It checked the whole waveform, then each chunk of it again (its shape and range, 100 times for 10 s of audio).
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 3 * WINDOW).astype("float32")
    expected = streaming.stream_enhance(lambda frame: frame, x, window=WINDOW, chunk_size=100)
    checked, mono = [], checks.mono
    monkeypatch.setattr(checks, "mono", lambda samples, name, *args: checked.append(name) or mono(samples, name, *args))
    y = streaming.stream_enhance(lambda frame: frame, x, window=WINDOW, chunk_size=100)
    assert checked == ["waveform"]
    np.testing.assert_array_equal(y, expected)


def test_enhance_checks_the_signal_once_and_its_hop_before_filtering(monkeypatch):
    # overlap_add checked the waveform's shape again, and a hop not dividing the window was told after pre-emphasis.
    model = gain_segan()
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 3 * WINDOW).astype("float32")
    expected = model.enhance(x)
    checked, mono, preemphasis = [], checks.mono, wf.preemphasis
    monkeypatch.setattr(checks, "mono", lambda samples, name, *args: checked.append(name) or mono(samples, name, *args))
    monkeypatch.setattr(wf, "preemphasis", lambda *args: checked.append("preemphasis") or preemphasis(*args))
    np.testing.assert_array_equal(model.enhance(x), expected)
    assert checked == ["waveform", "preemphasis"]
    for kwargs in (dict(hop=3), dict(batch_size=0)):
        with pytest.raises(ValueError, match=f"`{next(iter(kwargs))}` must"):
            model.enhance(x, **kwargs)
    assert checked == ["waveform", "preemphasis"]  # neither the audio read nor filtered


def test_audio_checks_give_hints_for_waveforms_not_images():
    gan = tiny_segan()
    gan.compile()
    x = np.zeros(WINDOW, "float32")
    windows = np.zeros((2, WINDOW, 1), "float32")
    loud = "Audio must be float samples in [-1, 1] (`data.audio.read_wav` reads any wav so); scale louder audio down"
    cases = [  # each said "Images in [0, 255]: use `x / 127.5 - 1`" or "uint8 images"
        (lambda: gan.enhance([0, 1.5]), loud),
        (lambda: gan.enhance(np.array([0.0, 3000.0])), "int16 PCM: divide by 32768."),
        (lambda: gan.enhance(np.array([0.0, 1e8])), "int32 PCM: divide by 2147483648."),
        (lambda: gan.enhance(np.full(100, 128, "uint8")), "8-bit PCM audio (unsigned): use `(x.astype('float32') - 128) / 128`"),
        (lambda: gan.enhance(np.full(100, 7, "int32")), "int32 PCM audio: use `x.astype('float32') / 2147483648`"),
        (lambda: streaming.stream_enhance(lambda f: f, [0, 1.5], window=WINDOW), loud),
        (lambda: gan.predict(windows + 1.5, verbose=0), loud),
        (lambda: gan.fit(windows, windows - 200, verbose=0), loud),
        (lambda: gan.fit(tf.data.Dataset.from_tensor_slices((windows + 1.5, windows)).batch(2), verbose=0), loud),
    ]
    for call, hint in cases:
        with pytest.raises(ValueError, match=re.escape(hint)) as raised:
            call()
        assert "mage" not in str(raised.value)
    assert gan.enhance(x).shape == (WINDOW,)
    said = "`waveform` is empty (0 samples): there is nothing to enhance; pass at least one sample."
    for empty in (np.zeros(0, "float32"), np.zeros((0, 1), "float32")):  # stream_enhance gave an empty output
        for enhance in (gan.enhance, lambda w: streaming.stream_enhance(lambda f: f, w, window=WINDOW)):
            with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
                enhance(empty)


def test_streamer_checks_each_chunk_as_enhance_checks_its_audio():
    identity = lambda frame: frame
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 3 * WINDOW).astype("float32")
    streamer = streaming.StreamingEnhancer(identity, WINDOW)
    first = streamer.process(x[:1000])
    cases = [  # each went through: NaN made NaN out, 1.5 and int16 PCM were enhanced unscaled, [n, 2] interleaved
        (np.array([0.0, np.nan], "float32"),
         "chunk: the samples of chunk 2 (from sample 1000 of the stream) must be finite; chunk[1] holds nan"),
        ([0.0, 1.5], "chunk: the samples of chunk 2 (from sample 1000 of the stream) must be in [-1, 1]"),
        (np.full(10, 1000, "int16"), "got dtype int16. int16 PCM audio: use `x.astype('float32') / 32768`"),
        (np.zeros((10, 2), "float32"),
         "`chunk` must be one signal, of shape (T,), (T, 1) or (1, T). Received shape (10, 2) for chunk 2"),
    ]
    for chunk, match in cases:
        with pytest.raises(ValueError, match=re.escape(match)):
            streamer.process(chunk)
    # A refused chunk left the stream as it was: the rest enhances as if it never came.
    rest = [streamer.process(x[1000:2000]), streamer.process(x[2000:, None]), streamer.flush()]
    np.testing.assert_allclose(np.concatenate([first] + rest), x, atol=1e-5)


def test_a_flushed_streamer_enhances_the_next_stream_as_a_new_one():
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 5000).astype("float32")
    run = lambda frame: 2 * frame  # noqa: E731
    streamer = streaming.StreamingEnhancer(run, WINDOW)
    for part in (x[:2500], x[2500:]):  # the second came after the first's padding: 2560 samples, shifted
        out = np.concatenate([streamer.process(part), streamer.flush()])
        np.testing.assert_allclose(out, streaming.stream_enhance(run, part, window=WINDOW), atol=1e-6)


def test_streamer_names_a_window_the_runner_does_not_take():
    def run(frame):
        return frame

    run.window = WINDOW  # as `window_runner` states an export's frame length
    x = np.zeros(3000, "float32")
    with pytest.raises(ValueError, match=re.escape(f"`window` must be the frame length the model takes ({WINDOW}); "
                                                   "leave `window` out of `stream_enhance`")):  # was "cannot reshape"
        streaming.stream_enhance(run, x, window=WINDOW // 2)
    with pytest.raises(ValueError, match=re.escape(f"`run_window` returned 10 values for a frame of {WINDOW} samples")):
        streaming.stream_enhance(lambda frame: frame[:10], x, window=WINDOW)  # was "could not be broadcast"
    np.testing.assert_array_equal(streaming.stream_enhance(run, x, window=WINDOW), x)


# --------------------------------------------------------------------- data


def make_folder(root, names=("a.wav", "b.wav"), length=3000, rate=16000):
    rng = np.random.default_rng(0)
    for kind in ("clean", "noisy"):
        os.makedirs(root / f"{kind}_trainset_wav", exist_ok=True)
        for name in names:
            audio.write_wav(str(root / f"{kind}_trainset_wav" / name), rng.uniform(-0.5, 0.5, length), rate)
    return root


def test_paired_dataset_windows_and_short_files(tmp_path):
    # a.wav: 3000 samples -> windows at 0, 512, 1024, 1536, 2048 (last padded); b.wav: shorter than a window
    root = make_folder(tmp_path, names=("a.wav",), length=3000)
    audio.write_wav(str(root / "clean_trainset_wav" / "b.wav"), np.full(300, 0.25), 16000)
    audio.write_wav(str(root / "noisy_trainset_wav" / "b.wav"), np.full(300, 0.5), 16000)
    ds = audio.paired_dataset(str(root), window=WINDOW, hop=512, batch_size=64, shuffle=False)
    noisy, clean = next(iter(ds))
    assert tuple(noisy.shape) == (5 + 1, WINDOW, 1) and tuple(clean.shape) == (6, WINDOW, 1)
    last = clean.numpy()[-1, :, 0]  # b.wav, zero-padded
    np.testing.assert_allclose(last[:300], 0.25, atol=1e-4)
    np.testing.assert_array_equal(last[300:], 0.0)


def test_shuffle_reads_the_files_in_a_new_order_each_epoch(tmp_path):
    root = tmp_path / "voicebank"
    for kind in ("clean", "noisy"):
        os.makedirs(root / f"{kind}_trainset_wav")
        for k in range(8):  # one window per file, its value the file's number
            audio.write_wav(str(root / f"{kind}_trainset_wav" / f"{k}.wav"), np.full(WINDOW, k / 10), 16000)
    ds = audio.paired_dataset(str(root), window=WINDOW, hop=WINDOW, batch_size=8, seed=0, shuffle_buffer=1)
    orders = [tuple(np.round(clean[:, 0, 0].numpy() * 10).astype(int)) for _, clean in ds.repeat(3)]
    assert all(sorted(order) == list(range(8)) for order in orders)  # each file once an epoch
    assert len(set(orders)) == 3 and tuple(range(8)) not in orders  # not the sorted order, and new each epoch


def test_a_float_wav_beyond_full_scale_is_named_before_training(tmp_path):
    root = make_folder(tmp_path)
    sf.write(str(root / "clean_trainset_wav" / "b.wav"), np.full(3000, 1.4), 16000, subtype="FLOAT")
    with pytest.raises(ValueError, match=r"b\.wav: samples reach 1\.4, beyond \[-1, 1\]"):
        audio.paired_dataset(str(root), window=WINDOW)
    sf.write(str(root / "clean_trainset_wav" / "b.wav"), np.full(3000, np.nan), 16000, subtype="FLOAT")
    with pytest.raises(ValueError, match=r"b\.wav: the file holds NaN or infinite samples"):
        audio.paired_dataset(str(root), window=WINDOW)
    sf.write(str(root / "clean_trainset_wav" / "b.wav"), np.full(3000, 1.005), 16000, subtype="FLOAT")
    assert audio.read_wav(str(root / "clean_trainset_wav" / "b.wav")).max() == 1.0  # rounding over 1: clipped
    square = np.where(np.sin(2 * np.pi * 500 * np.arange(44100) / 44100) >= 0, 1.0, -1.0)  # full scale
    assert np.abs(audio.resample(square, 44100, 16000)).max() > 1.1  # the filter overshoots ...
    path = str(tmp_path / "full_scale.wav")
    sf.write(path, square, 44100, subtype="FLOAT")
    assert np.abs(audio.read_wav(path, 16000)).max() <= 1  # ... and read_wav clips it


def test_stereo_8bit_and_other_rate_are_converted(tmp_path):
    t = np.arange(8000) / 8000.0
    tone = 0.5 * np.sin(2 * np.pi * 200 * t)
    path = str(tmp_path / "stereo8.wav")
    sf.write(path, np.stack([tone, tone], axis=1), 8000, subtype="PCM_U8")
    x = audio.read_wav(path, 16000)
    assert x.ndim == 1 and x.size == 16000
    expected = 0.5 * np.sin(2 * np.pi * 200 * np.arange(16000) / 16000.0)
    assert np.abs(x[100:-100] - expected[100:-100]).max() < 0.03  # 8-bit steps + resampling


def test_unmatched_names_error_names_the_files(tmp_path):
    root = make_folder(tmp_path)
    os.remove(root / "noisy_trainset_wav" / "b.wav")
    audio.write_wav(str(root / "noisy_trainset_wav" / "c.wav"), np.zeros(100), 16000)
    with pytest.raises(ValueError, match=r"b\.wav.*clean_trainset_wav.*c\.wav"):
        audio.paired_dataset(str(root), window=WINDOW)


@pytest.mark.parametrize("damage", ["empty", "truncated_header", "truncated_data", "not_audio"])
def test_broken_wav_error_names_the_file(tmp_path, damage):
    root = make_folder(tmp_path)
    bad = root / "noisy_trainset_wav" / "b.wav"
    if damage == "empty":
        sf.write(str(bad), np.zeros(0), 16000, subtype="PCM_16")
    elif damage == "truncated_header":
        bad.write_bytes(bad.read_bytes()[:20])
    elif damage == "truncated_data":  # readable, but shorter than its clean pair
        bad.write_bytes(bad.read_bytes()[:2044])
    else:
        bad.write_bytes(b"this is not a wav file at all" * 4)
    with pytest.raises(ValueError, match="b.wav"):
        audio.paired_dataset(str(root), window=WINDOW)


def test_pair_length_mismatch_and_missing_folder(tmp_path):
    root = make_folder(tmp_path, names=("a.wav",))
    audio.write_wav(str(root / "noisy_trainset_wav" / "a.wav"), np.zeros(2000), 16000)
    with pytest.raises(ValueError, match="a.wav"):
        audio.read_pair(str(root / "noisy_trainset_wav" / "a.wav"), str(root / "clean_trainset_wav" / "a.wav"), 16000)
    with pytest.raises(ValueError, match="testset"):
        audio.paired_dataset(str(root), split="test")


def test_synthetic_pairs_snr_and_held_out_split():
    noisy, clean = synthetic_speech.make_pairs(4, seconds=0.5, snr_db=(0, 10), seed=0)
    assert noisy.shape == clean.shape == (4, 8000)
    assert np.abs(noisy).max() <= 1.0
    snrs = [audio_metrics.snr(c, n) for c, n in zip(clean, noisy)]
    assert all(-0.01 <= s <= 10.01 for s in snrs), snrs
    _, test_clean = synthetic_speech.make_pairs(4, seconds=0.5, split="test", seed=0)
    assert not np.allclose(test_clean, clean)
    assert np.mean(np.abs(clean) < 1e-4) > 0.05  # pauses
    with pytest.raises(ValueError, match="split"):
        synthetic_speech.make_pairs(1, split="valid")


def test_noisy_mixtures_draw_pairs_at_the_asked_snr():
    rng = np.random.default_rng(0)
    speech = [0.5 * np.sin(np.arange(n) * 0.05) for n in (3000, 700)]  # one shorter than a window
    noise = [rng.normal(0, 0.1, 5000), rng.uniform(-0.2, 0.2, 900)]
    batches = iter(audio.noisy_mixtures(speech, noise, window=1024, batch_size=8, snr_db=(0, 10), seed=1))
    first, second = next(batches), next(batches)
    noisy, clean = (np.asarray(t)[..., 0] for t in first)
    assert noisy.shape == clean.shape == (8, 1024)
    assert np.abs(noisy).max() <= 1.0
    full = np.abs(clean).max(axis=1) > 0.45  # windows of the long utterance (the short one is padded)
    snrs = [audio_metrics.snr(c, n) for c, n in zip(clean[full], noisy[full])]
    assert snrs and all(-1.0 <= s <= 11.0 for s in snrs), snrs  # a window's SNR is near the utterance's
    assert np.ptp(snrs) > 1.0  # drawn per example
    assert not np.allclose(np.asarray(second[0]), np.asarray(first[0]))  # new pairs every step
    with pytest.raises(ValueError, match="noises"):
        audio.noisy_mixtures(speech, [], window=1024)


def test_reshaped_noise_varies_in_spectrum_and_keeps_the_snr():
    rng = np.random.default_rng(0)
    white = rng.normal(size=4096)
    low_over_high, crest = [], []
    for _ in range(30):
        y = audio.reshape_noise_window(white, rng)
        assert y.shape == white.shape and y.dtype == np.float32 and np.isfinite(y).all()
        power = np.abs(np.fft.rfft(y)) ** 2
        low_over_high.append(10 * np.log10(power[:256].sum() / power[-1024:].sum()))  # < 1 kHz vs > 4 kHz
        crest.append(np.abs(y).max() / np.sqrt(np.mean(y**2)))
    assert np.ptp(low_over_high) > 20.0, low_over_high  # tilts and resonances differ per draw
    assert np.abs(white).max() / white.std() < 4.5 and np.mean(np.array(crest) > 6) > 0.25, crest  # clicks
    short = audio.reshape_noise_window(white[:16], rng)  # shorter than a click's burst
    assert short.shape == (16,) and np.isfinite(short).all()
    speech = [0.5 * np.sin(np.arange(3000) * 0.05)]
    plain, reshaped = (
        next(iter(audio.noisy_mixtures(speech, [white], window=1024, batch_size=8, snr_db=5.0, seed=1,
                                       reshape_noise=r)))
        for r in (0.0, 1.0))
    assert not np.allclose(np.asarray(plain[0]), np.asarray(reshaped[0]))
    noisy, clean = (np.asarray(t)[..., 0] for t in reshaped)
    snrs = [audio_metrics.snr(c, n) for c, n in zip(clean, noisy)]
    assert all(3.0 <= s <= 7.0 for s in snrs), snrs  # still mixed at the asked SNR
    with pytest.raises(ValueError, match="reshape_noise"):
        audio.noisy_mixtures(speech, [white], window=1024, reshape_noise=2)


def test_stft_loss_is_a_mean_over_examples_and_trains():
    rng = np.random.default_rng(0)
    a, b = (rng.normal(0, 0.3, (4, WINDOW, 1)).astype("float32") for _ in range(2))
    whole = float(losses.multi_resolution_stft_loss(a, b, fft_sizes=(64, 128)))
    halves = [float(losses.multi_resolution_stft_loss(a[i : i + 2], b[i : i + 2], fft_sizes=(64, 128))) for i in (0, 2)]
    np.testing.assert_allclose(whole, np.mean(halves), rtol=1e-5)  # exact on any split across replicas
    assert float(losses.multi_resolution_stft_loss(a, a)) == 0.0
    gan = tiny_segan(stft_weight=2.0)
    gan.compile()
    noisy, clean = toy_pairs(4)
    loss, parts = gan.generator_objective(tf.constant(noisy), tf.constant(clean), gan(noisy), training=False)
    np.testing.assert_allclose(
        float(loss), 2.0 * float(parts["g_stft"]) + 100.0 * float(parts["g_l1"]) + float(parts["g_adv"]), rtol=1e-5
    )
    assert SEGAN.from_config(gan.get_config()).stft_weight == 2.0
    assert np.isfinite(gan.fit(noisy, clean, batch_size=4, epochs=1, verbose=0).history["g_stft"][0])


def test_stft_loss_traced_with_an_unknown_batch_equals_the_eager_loss():
    # The FFT sizes longer than the window are dropped in a traced step as well; kept, they give NaN.
    rng = np.random.default_rng(0)
    a, b = (rng.normal(0, 0.3, (2, 1024, 1)).astype("float32") for _ in range(2))
    spec = tf.TensorSpec([None, 1024, 1], "float32")
    traced = tf.function(losses.multi_resolution_stft_loss, input_signature=[spec, spec])
    np.testing.assert_allclose(float(traced(a, b)), float(losses.multi_resolution_stft_loss(a, b)), rtol=1e-5)


def test_stft_loss_log_floor_mutes_bins_far_below_it():
    # A silent band (here: silence) differing by 1e-6: the log term sees a ratio of ~1e5
    # with a floor of 1e-6, and next to nothing with the default floor of 1e-2.
    silent = np.zeros((2, WINDOW, 1), "float32")
    tiny = silent + np.random.default_rng(0).normal(0, 1e-6, silent.shape).astype("float32")
    assert float(losses.multi_resolution_stft_loss(silent, tiny, fft_sizes=(64,), log_floor=1e-6)) > 0.3
    assert float(losses.multi_resolution_stft_loss(silent, tiny, fft_sizes=(64,))) < 1e-3
    assert SEGAN.from_config(tiny_segan(stft_log_floor=1e-5).get_config()).stft_log_floor == 1e-5
    with pytest.raises(ValueError, match="stft_log_floor"):
        tiny_segan(stft_log_floor=0.0)


# ------------------------------------------------------------------ metrics


def test_metrics_by_hand_and_ordering():
    clean = np.sin(np.arange(16000) * 0.1)
    assert audio_metrics.snr(clean, 1.1 * clean) == pytest.approx(20.0, abs=1e-6)
    assert audio_metrics.segmental_snr(clean, clean) == pytest.approx(35.0)  # clipped at 35 dB
    assert audio_metrics.segmental_snr(clean, np.zeros_like(clean)) == pytest.approx(0.0, abs=1e-6)
    noisy, speech = synthetic_speech.make_pairs(2, seconds=2.0, snr_db=0, noise_types=("white",), seed=1)
    less_noisy = speech + 0.3 * (noisy - speech)
    scores = audio_metrics.evaluate(speech, noisy, metrics=("pesq", "stoi"))
    better = audio_metrics.evaluate(speech, less_noisy, metrics=("pesq", "stoi"))
    assert better["pesq"] > scores["pesq"] and better["stoi"] > scores["stoi"]
    with pytest.raises(ValueError, match="metric"):
        audio_metrics.evaluate(speech, noisy, metrics=("mos",))


def test_metrics_refuse_nan_and_pcm_against_float_naming_the_utterance():
    clean = 0.5 * np.sin(np.arange(4000) * 0.05)
    broken = clean.copy()
    broken[7] = np.nan
    pcm = (clean * 32767).astype("int16")
    cases = [  # NaN scored nan (SNR), 1e-05 (STOI) or failed in PESQ; int16 against floats scored ~0 dB
        (lambda: audio_metrics.snr(clean, broken),
         "estimate: samples must be finite; estimate[7] holds nan (at index (7,)), which would make the scores NaN"),
        (lambda: audio_metrics.stoi(broken, clean), "clean: samples must be finite; clean[7] holds nan"),
        (lambda: audio_metrics.evaluate([clean, clean], [clean, broken], metrics="snr"),
         "estimates[1]: samples must be finite; estimates[1][7] holds nan"),
        (lambda: audio_metrics.snr(pcm, clean), "clean holds integer samples (int16, up to 16383) but estimate floats "
                                                "(up to 0.5): score them on one scale. int16 PCM audio: use"),
    ]
    cases += [  # too short: PESQ's BufferTooShortError, STOI's AxisError (under ~410 samples) or a made-up 1e-05
        (lambda: audio_metrics.pesq(clean[:3000], clean[:3000]), "clean and estimate hold 3000 samples (0.188 s at "
                                                                  "16000 Hz); PESQ needs at least 4000 (0.25 s): pass"),
        (lambda: audio_metrics.stoi(clean, clean), "clean and estimate hold 4000 samples (0.25 s at 16000 Hz); STOI "
                                                   "needs at least 6554 (0.41 s): pass a longer utterance."),
        (lambda: audio_metrics.evaluate([clean, clean[:300]], [clean, clean[:300]], 8000, ("pesq", "stoi")),
         "clean[1] and estimates[1] hold 300 samples (0.0375 s at 8000 Hz); STOI needs at least 3277 (0.41 s): score "
         "longer utterances, or leave 'stoi' out of `metrics`."),
    ]
    for call, said in cases:
        with pytest.raises(ValueError, match=re.escape(said)):
            call()
    assert audio_metrics.snr(pcm, pcm) > 100 and audio_metrics.snr(pcm / 32767, clean) > 40  # one scale is fine
    # The fewest samples are scored: PESQ's 1/4 s, and STOI's 4097 samples at 10 kHz (no 1e-05, no warning).
    noise = 0.3 * np.random.default_rng(0).standard_normal(4097)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert audio_metrics.pesq(noise[:4000], noise[:4000]) > 4 and audio_metrics.stoi(noise, noise, 10000) > 0.99


# ---------------------------------------------------------------------- CLI


def _enhance(*argv):
    from keras_cgan.cli import main

    return main(["enhance"] + [str(a) for a in argv])


def test_enhance_command_resamples_and_keeps_length(tmp_path):
    gan = gain_segan(0.5)
    gan.compile()
    model_path = str(tmp_path / "gain.keras")
    gan.save(model_path)
    x = 0.4 * np.sin(2 * np.pi * 300 * np.arange(12345) / 22050)
    noisy = str(tmp_path / "in.wav")
    sf.write(noisy, np.stack([x, x], 1), 22050)  # stereo at another rate
    parser = argparse.ArgumentParser()
    enhance_cli.add_enhance_subcommand(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["enhance", noisy, "-o", str(tmp_path / "out.wav"), "--model", model_path])
    assert args.func(args) == 0
    out, rate = sf.read(str(tmp_path / "out.wav"))
    assert rate == 22050 and out.shape == (12345,)
    assert np.abs(out[200:-200] - 0.5 * x[200:-200]).max() < 0.01
    # the on-device model exported through keras_cgan.export streams to the same result
    tflite = streaming.export_tflite(gan, str(tmp_path / "gain.tflite")).path
    assert streaming.read_metadata(tflite) == {"sample_rate": 16000, "preemphasis": gan.preemphasis}
    args = parser.parse_args(["enhance", noisy, "-o", str(tmp_path / "out_tflite.wav"), "--model", tflite])
    assert args.func(args) == 0
    np.testing.assert_allclose(sf.read(str(tmp_path / "out_tflite.wav"))[0], out, atol=1e-4)
    # A full-scale square wave: resampled to the model's rate it overshoots to 1.18, which enhance refused.
    square = np.sign(np.sin(2 * np.pi * 440 * np.arange(12345) / 44100))
    sf.write(noisy, square, 44100)
    args = parser.parse_args(["enhance", noisy, "-o", str(tmp_path / "square.wav"), "--model", model_path])
    assert args.func(args) == 0


@pytest.fixture(scope="module")
def gain_files(tmp_path_factory):
    """A saved gain SEGAN, its .tflite (rate and pre-emphasis stored), a folder of two noisy wavs."""
    root = tmp_path_factory.mktemp("enhance")
    gan = gain_segan(0.5)
    gan.compile()
    gan.save(str(root / "gain.keras"))
    tflite = streaming.export_tflite(gan, str(root / "gain.tflite"), check=False)
    os.makedirs(root / "noisy")
    rng = np.random.default_rng(0)
    for name, length, rate in (("a.wav", 5000, 16000), ("b.wav", 3000, 8000)):
        sf.write(str(root / "noisy" / name), rng.uniform(-0.3, 0.3, length), rate)
    return root, str(tflite)


def test_enhance_a_folder_in_one_process(gain_files, tmp_path):
    root, _ = gain_files
    out = tmp_path / "clean"  # made by the command
    assert _enhance(root / "noisy", "-o", out, "--model", root / "gain.keras") == 0
    assert sorted(os.listdir(out)) == ["a.wav", "b.wav"]
    assert sf.info(str(out / "b.wav")).samplerate == 8000 and sf.info(str(out / "b.wav")).frames == 3000
    new = str(tmp_path / "new") + os.sep  # a file into a folder named with a trailing "/": made by the command
    assert _enhance(root / "noisy" / "a.wav", "-o", new, "--model", root / "gain.keras") == 0
    assert os.listdir(new) == ["a.wav"]


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing input", "nothing.wav: no such file"),
        ("missing output folder", "does not exist"),
        ("missing model", "--model"),
        ("wrong preemphasis", "--preemphasis 0.9"),
        ("wrong sample rate", "--sample-rate 8000"),
        ("broken input", "bad.wav"),
        ("existing output", "--overwrite"),
        ("output without extension", "ending in one of .wav"),
        ("input beyond full scale", "loud.wav: samples reach 1.5"),
    ],
)
def test_enhance_errors_name_the_file_or_option(gain_files, tmp_path, capsys, case, expected):
    root, tflite = gain_files
    noisy, out, model = root / "noisy" / "a.wav", tmp_path / "out.wav", tflite
    extra = []
    if case == "missing input":
        noisy = tmp_path / "nothing.wav"
    elif case == "missing output folder":
        out = tmp_path / "no" / "out.wav"
    elif case == "missing model":
        model = tmp_path / "missing.keras"
    elif case == "wrong preemphasis":
        extra = ["--preemphasis", "0.9"]
    elif case == "wrong sample rate":
        extra = ["--sample-rate", "8000"]
    elif case == "broken input":
        noisy = tmp_path / "bad.wav"
        noisy.write_bytes(b"RIFF1234WAVEfmt ")
    elif case == "existing output":
        out.write_bytes(b"keep me")
    elif case == "output without extension":
        out = tmp_path / "out"
    elif case == "input beyond full scale":
        noisy = tmp_path / "loud.wav"
        sf.write(str(noisy), np.full(3000, 1.5), 16000, subtype="FLOAT")
    assert _enhance(noisy, "-o", out, "--model", model, *extra) == 2
    error = capsys.readouterr().err
    assert error.startswith("keras-cgan enhance: error:") and expected in error and "Traceback" not in error
    assert not os.path.exists(out) or out.read_bytes() == b"keep me"


def test_a_tflite_ending_in_upper_case_is_read_with_its_stored_settings(gain_files, tmp_path, capsys):
    # `GAIN.TFLITE` skipped its stored pre-emphasis in stream_enhance, and enhance took it for no model file
    root, tflite = gain_files
    upper = str(tmp_path / "GAIN.TFLITE")
    shutil.copyfile(tflite, upper)
    stored = streaming.read_metadata(upper)["preemphasis"]
    x = np.random.default_rng(1).uniform(-0.3, 0.3, 2 * WINDOW).astype("float32")
    with pytest.raises(ValueError, match=re.escape(f"preemphasis=0.5 contradicts the {stored} stored in {upper!r}")):
        streaming.stream_enhance(upper, x, preemphasis=0.5)
    np.testing.assert_allclose(streaming.stream_enhance(upper, x), streaming.stream_enhance(tflite, x), atol=1e-6)
    noisy = root / "noisy" / "a.wav"
    assert _enhance(noisy, "-o", tmp_path / "upper.wav", "--model", upper) == 0
    assert "warning" not in capsys.readouterr().err
    assert _enhance(noisy, "-o", tmp_path / "lower.wav", "--model", tflite) == 0
    np.testing.assert_allclose(sf.read(str(tmp_path / "upper.wav"))[0], sf.read(str(tmp_path / "lower.wav"))[0])


@pytest.mark.parametrize(
    "model, option, said",
    [  # a .tflite that stores no settings took 0 as 16000 Hz, -5 failed in resampling ("up and down must be >= 1"),
        # 1.5 was "`preemphasis` must be", the option unnamed; nan matched a .keras model's pre-emphasis
        ("bare.tflite", ["--sample-rate", "0"], "--sample-rate must be >= 1. Received: 0"),
        ("bare.tflite", ["--sample-rate", "-5"], "--sample-rate must be >= 1. Received: -5"),
        ("bare.tflite", ["--preemphasis", "1.5"], "--preemphasis must be a number >= 0 and < 1. Received: 1.5"),
        ("gain.keras", ["--preemphasis", "nan"], "--preemphasis must be a number >= 0 and < 1. Received: nan"),
    ],
)
def test_enhance_refuses_a_sample_rate_or_preemphasis_no_model_has(gain_files, tmp_path, capsys, model, option, said):
    root, _ = gain_files
    if model == "bare.tflite" and not os.path.exists(root / model):  # exported without the SEGAN's settings
        export.to_tflite(streaming.on_device_generator(keras.models.load_model(str(root / "gain.keras"))),
                         str(root / model), check=False)
    assert _enhance(root / "noisy" / "a.wav", "-o", tmp_path / "out.wav", "--model", root / model, *option) == 2
    assert f"keras-cgan enhance: error: {said}\n" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "out.wav")


@pytest.mark.parametrize("kind", ["keras", "tflite"])
@pytest.mark.parametrize("hop", [WINDOW + 1, WINDOW, 3])
def test_enhance_names_a_hop_that_does_not_fit_the_models_window(gain_files, tmp_path, capsys, kind, hop):
    root, tflite = gain_files
    model = root / "gain.keras" if kind == "keras" else tflite
    assert _enhance(root / "noisy", "-o", tmp_path / "out", "--model", model, "--hop", hop) == 2
    error = capsys.readouterr().err  # was: "`hop` must divide the window", the option unnamed
    assert f"error: --hop {hop}: must divide the window of the model {model} ({WINDOW} samples)" in error
    assert not os.path.exists(tmp_path / "out")  # before the output folder is made


def test_enhance_hop_is_the_models_check_named_by_the_option(monkeypatch):
    # --hop is refused exactly when waveform.check_hop refuses it (was: a copy of its rule)
    enhance_cli._check_hop(256, WINDOW, "m.keras")
    enhance_cli._check_hop(None, WINDOW, "m.keras")

    def stricter(window, hop):
        raise ValueError("`hop` refused")

    monkeypatch.setattr(wf, "check_hop", stricter)
    error = rf"^--hop 256: must divide the window of the model m.keras \({WINDOW} samples\)"
    with pytest.raises(ValueError, match=error):
        enhance_cli._check_hop(256, WINDOW, "m.keras")


def test_pair_at_another_rate_of_the_same_duration_trains(tmp_path):
    from keras_cgan.cli import main

    root = tmp_path / "voicebank"
    rng = np.random.default_rng(0)
    for kind, rate, frames in (("clean", 16000, 34922), ("noisy", 44100, 96253)):  # 2.1826 s each
        os.makedirs(root / f"{kind}_trainset_wav")
        sf.write(str(root / f"{kind}_trainset_wav" / "p1.wav"), rng.uniform(-0.3, 0.3, frames), rate)
    noisy, clean = audio.read_pair(
        str(root / "noisy_trainset_wav" / "p1.wav"), str(root / "clean_trainset_wav" / "p1.wav"), 16000
    )
    assert noisy.shape == clean.shape
    flags = ["--size", "1024", "--filters", "2", "--batch-size", "2", "--epochs", "1", "--steps-per-epoch", "1"]
    assert main(["train", "segan", "--data", str(root), "--out", str(tmp_path / "run"), "--verbose", "0"] + flags) == 0


def test_generate_takes_arrays_as_predict_does():
    gan = tiny_segan()
    noisy, _ = toy_pairs(2)
    noise = np.random.default_rng(0).normal(size=(2,) + gan.noise_shape).astype("float32")
    expected = np.asarray(gan.generate(tf.constant(noisy), noise=tf.constant(noise)))
    np.testing.assert_allclose(np.asarray(gan.generate(noisy, noise=noise)), expected, atol=1e-6)
    with pytest.raises(ValueError, match="holds no conditions"):
        gan.generate(np.zeros((0, WINDOW, 1), "float32"))  # reached the networks unchecked


def test_the_default_preset_normalizes_the_discriminator_as_its_figures_were_measured():
    from keras_cgan.models.segan import presets

    gan = presets.build(4096, seed=0)
    layers = [layer for layer in gan.discriminator._flatten_layers() if isinstance(layer, keras.layers.SpectralNormalization)]
    assert layers, "the default SEGAN's discriminator has no spectral normalization"


def test_weights_that_train_no_generator_are_refused():
    # l1_weight=0, stft_weight=0, adversarial_weight=0 built a SEGAN whose fit left the generator as initialised.
    with pytest.raises(ValueError, match=r"^`l1_weight`, `stft_weight` and `adversarial_weight` are all 0: the "
                                         r"generator would have no loss and never learn\. Set `l1_weight` above 0 for "
                                         r"the L1-only baseline \(the default: 100\), or `adversarial_weight` above 0"):
        tiny_segan(l1_weight=0.0, stft_weight=0.0, adversarial_weight=0.0)
    for weights in (dict(stft_weight=1.0), dict(adversarial_weight=1.0), dict(l1_weight=1.0)):  # any one trains it
        tiny_segan(**{"l1_weight": 0.0, "stft_weight": 0.0, "adversarial_weight": 0.0, **weights})


def test_several_voicebank_pairs_are_named_with_advice_the_command_line_can_follow(tmp_path, capsys):
    # `train segan --data` on a folder of both the 28- and 56-speaker sets advised "give `clean_dir` and
    # `noisy_dir`", which the command has no option for; its layout named only clean_trainset_wav.
    from keras_cgan.cli import main

    for spk in ("28spk", "56spk"):
        for kind in ("clean", "noisy"):
            os.makedirs(tmp_path / f"{kind}_trainset_{spk}_wav")
            sf.write(str(tmp_path / f"{kind}_trainset_{spk}_wav" / "p1.wav"), np.zeros(3000), 16000)
    assert main(["train", "segan", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--epochs", "1"]) == 2
    said = capsys.readouterr().err
    assert "keep one pair there (move the others out), or rename the pair to read clean_trainset_wav" in said
    assert "clean_dir" not in said and "DIR/clean_trainset_28spk_wav/" in said
    with pytest.raises(ValueError, match=r"\(those names are read first\)\. Or give the two folders to read as "
                                         r"`clean_dir` and `noisy_dir`\.$"):
        audio.paired_dataset(str(tmp_path), window=1024)


@pytest.mark.parametrize("low, high, said", [
    (-40000, 12000, "int16 PCM beyond full scale (a gain, a sum): divide by 32768, then scale louder audio down"),
    (-65536, 65535, "divide by 32768, then scale"),
    (-3e8, 3e8, "int32 PCM: divide by 2147483648"),
    (0, 255, "8-bit PCM (unsigned, silence at 128): use `(x - 128) / 128`"),
    (12, 200, "8-bit PCM"),
    (-1.5, 1.4, "scale louder audio down, e.g. `x / np.abs(x).max()`"),
])
def test_audio_scaling_hints_bring_the_samples_to_full_scale_not_near_silence(low, high, said):
    # A float peak of 40000 was "int32 PCM: divide by 2147483648" (a peak of 2e-5); 8-bit PCM got `x / max`.
    from keras_cgan.checks import scaling_hint

    hint = scaling_hint(low, high, "audio")
    assert said in hint and ("2147483648" in hint) == (high > 2**24)


def test_signed_8_bit_audio_gets_its_own_cast():
    # int8 samples were told "Cast them to float32 and scale them to [-1, 1]", no factor.
    with pytest.raises(ValueError, match=re.escape("got dtype int8. 8-bit PCM audio (signed): use "
                                                   "`x.astype('float32') / 128`.")):
        gain_segan(0.5).enhance(np.full(300, -100, "int8"))


def test_enhance_and_stream_range_errors_say_the_range_plainly_and_a_stream_gets_one_gain():
    # "(the targets' range)" meant nothing to an `enhance` caller, and a chunk was told `x / np.abs(x).max()`,
    # a gain of its own per chunk.
    gan = gain_segan(0.5)
    loud = np.full(300, 1.5, "float32")
    for call in (lambda: gan.enhance(loud), lambda: streaming.stream_enhance(lambda f: f, loud, window=WINDOW)):
        with pytest.raises(ValueError, match=r"samples must be in \[-1, 1\]; got values from 1\.5 to 1\.5\.") as raised:
            call()
        assert "range)" not in str(raised.value)
    stream = streaming.StreamingEnhancer(lambda f: f, WINDOW)
    with pytest.raises(ValueError, match=r"chunk 1 .* must be in \[-1, 1\]; got .*scale the whole stream down by "
                                         r"one fixed gain .*not each chunk by its own peak") as raised:
        stream.process(loud)
    assert "np.abs(x).max()" not in str(raised.value)


def test_a_streamer_built_with_another_window_is_told_to_pass_the_runners_and_refused_chunks_are_not_counted():
    # The constructor said "leave `window` out of `stream_enhance`", a function its caller never called; a
    # refused chunk was counted, so the next one was named a chunk further on.
    def run(frame):
        return frame

    run.window = WINDOW
    with pytest.raises(ValueError, match=re.escape(f"its `window` attribute): pass window=run_window.window. "
                                                   f"Received: window={WINDOW // 2}")):
        streaming.StreamingEnhancer(run, WINDOW // 2)
    streamer = streaming.StreamingEnhancer(run, WINDOW)
    streamer.process(np.zeros(100, "float32"))
    for bad in (np.full(10, np.nan, "float32"), np.full(10, 2.0, "float32")):
        with pytest.raises(ValueError, match=r"chunk 2 \(from sample 100 of the stream\)"):
            streamer.process(bad)
    streamer.process(np.zeros(100, "float32"))
    with pytest.raises(ValueError, match=r"chunk 3 \(from sample 200 of the stream\)"):
        streamer.process([2.0])


def test_a_subclass_naming_a_sample_kind_not_known_is_refused_as_it_is_defined():
    # `sample_kind = "speech"` trained on data in range, then a range error read "`kind` must be one of ...".
    with pytest.raises(ValueError, match=re.escape("MySEGAN.sample_kind must be one of ('image', 'audio') (what its "
                                                   "samples are, for the hints on scaling them). Received: "
                                                   "sample_kind='speech'")):
        class MySEGAN(SEGAN):
            sample_kind = "speech"

    class Quiet(SEGAN):
        sample_kind = "audio"

    assert Quiet.sample_kind == "audio"


def test_metrics_of_one_utterance_name_its_arguments_not_a_first_row():
    # `evaluate(clean, estimate)` of one utterance named "clean[0]" and "estimates[0]", a batch never given.
    clean = 0.5 * np.sin(np.arange(4000) * 0.05)
    broken = clean.copy()
    broken[7] = np.nan
    with pytest.raises(ValueError, match=r"^clean holds integer samples \(int16, up to 16383\) but estimates floats"):
        audio_metrics.evaluate((clean * 32767).astype("int16"), clean, metrics="snr")
    with pytest.raises(ValueError, match=r"^estimates: samples must be finite; estimates\[7\] holds nan"):
        audio_metrics.evaluate(clean[:, None], broken, metrics="snr")
