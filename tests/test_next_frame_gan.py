"""Tests of NextFrameGAN, its networks and the gradient difference loss."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import NextFrameGAN, networks
from keras_cgan.data import video
from keras_cgan.losses import gradient_difference_loss
from tests.test_case import (
    assert_config_roundtrip,
    assert_keras_roundtrip,
    flat_weights,
)

SHAPE = (8, 8, 1)
K = 2


def make_gan(latent_dim=4, scales=(1, 2), **kwargs):
    g = networks.next_frame_generator(SHAPE, K, latent_dim=latent_dim, base_filters=4)
    d = networks.next_frame_discriminator(SHAPE, K, base_filters=4, scales=scales)
    kwargs.setdefault("seed", 0)
    return NextFrameGAN(g, d, context_frames=K, **kwargs)


def clips(n=6, length=5):
    return np.random.default_rng(0).uniform(-1, 1, (n, length) + SHAPE).astype("float32")


def test_networks_shapes_and_scales():
    g = networks.next_frame_generator((16, 16, 1), 4, latent_dim=8, base_filters=4)
    assert [tuple(t.shape) for t in g.inputs] == [(None, 8), (None, 16, 16, 4)]
    assert [t.name for t in g.inputs][1] == "condition"
    g0 = networks.next_frame_generator((16, 16, 3), 2, latent_dim=0, base_filters=4)
    assert len(g0.inputs) == 1 and tuple(g0.output.shape) == (None, 16, 16, 3)
    # patch logits: 16/4 = 4x4 at scale 1, 2x2 at scale 2
    d = networks.next_frame_discriminator((16, 16, 1), 4, base_filters=4, scales=(1, 2))
    assert tuple(d.output.shape) == (None, 16 + 4)
    d1 = networks.next_frame_discriminator((16, 16, 1), 4, base_filters=4, scales=(1,))
    assert tuple(d1.output.shape) == (None, 16)
    d2 = networks.next_frame_discriminator((16, 16, 1), 4, base_filters=4, scales=(1, 2), patch=False)
    assert tuple(d2.output.shape) == (None, 2)  # one logit per scale


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"frame_shape": (10, 16, 1)}, "multiples of 4"),
        ({"frame_shape": (16, 16)}, "frame_shape"),
        ({"context_frames": 0}, "context_frames"),
        ({"scales": (8,)}, "scales"),
        ({"frame_shape": 16}, "frame_shape"),  # was a TypeError: object of type 'int' has no len()
        ({"base_filters": 0}, "`base_filters` must be an int >= 1"),  # was Keras' 'Received filters=0'
    ],
)
def test_discriminator_rejects_bad_arguments(kwargs, match):
    args = {"frame_shape": (16, 16, 1), "context_frames": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        networks.next_frame_discriminator(**args)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"frame_shape": 16}, "frame_shape"),
        ({"base_filters": 0}, "`base_filters` must be an int >= 1"),
        ({"latent_dim": 2.5}, "`latent_dim` must be an int >= 0"),  # was 'Cannot convert (2.5,) to a shape'
    ],
)
def test_generator_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        networks.next_frame_generator(**{"frame_shape": (16, 16, 1), "context_frames": 2, **kwargs})


def test_gradient_difference_loss_by_hand():
    y_true = np.zeros((1, 2, 2, 1), "float32")
    y_true[0, 0, 0, 0] = 1.0  # |dy| = [1, 0], |dx| = [1, 0] (per row/col)
    y_pred = np.zeros((1, 2, 2, 1), "float32")
    # prediction flat: gradient differences are |1-0| and |0-0| in each direction
    assert float(gradient_difference_loss(y_true, y_pred)) == pytest.approx(0.5 + 0.5)
    assert float(gradient_difference_loss(y_true, y_true)) == 0.0
    # a constant shift has the same gradients
    assert float(gradient_difference_loss(y_true, y_true + 0.3)) == pytest.approx(0.0, abs=1e-6)


def test_construction_checks_networks():
    g = networks.next_frame_generator(SHAPE, 3, latent_dim=4, base_filters=4)
    d = networks.next_frame_discriminator(SHAPE, K, base_filters=4)
    with pytest.raises(ValueError, match="condition input has shape"):
        NextFrameGAN(g, d, context_frames=K)
    g = networks.next_frame_generator(SHAPE, K, latent_dim=4, base_filters=4)
    d = networks.next_frame_discriminator((12, 12, 1), K, base_filters=4)
    with pytest.raises(ValueError, match="discriminator's frame input"):
        NextFrameGAN(g, d, context_frames=K)
    with pytest.raises(ValueError, match="l2_weight"):
        make_gan(l2_weight=-1.0)


def test_fit_on_window_dataset_updates_both_networks():
    gan = make_gan(adversarial_warmup=0)
    gan.compile()
    ds = video.window_dataset(clips(), K, batch_size=4)
    g0, d0 = flat_weights(gan.generator), flat_weights(gan.discriminator)
    logs = gan.fit(ds, epochs=1, verbose=0).history
    assert {"d_loss", "d_real", "d_fake", "g_loss", "g_adv", "g_l2", "g_gdl"} <= set(logs)
    assert all(np.isfinite(v[-1]) for v in logs.values())
    assert not np.array_equal(g0, flat_weights(gan.generator))
    assert not np.array_equal(d0, flat_weights(gan.discriminator))
    # the generator loss is the weighted sum of its parts (test_step: one batch, no update)
    cond, target = video.window_arrays(clips(), K)
    ev = gan.evaluate(cond[:4], target[:4], batch_size=4, verbose=0, return_dict=True)
    expected = 0.25 * ev["g_adv"] + ev["g_l2"] + ev["g_gdl"]
    assert ev["g_loss"] == pytest.approx(expected, rel=1e-4)


def test_defaults_are_the_measured_ones():
    # measured on benchmarks/generalisation.py and benchmarks/video_split.py (docs/next_frame_gan.md)
    gan = make_gan()
    gan.compile()
    assert (gan.adversarial_weight, gan.adversarial_warmup, gan.l2_weight, gan.gdl_weight, gan.variety_samples) == (
        0.25, 500, 1.0, 1.0, 1)
    assert float(gan.generator_optimizer.learning_rate) == pytest.approx(1e-3)
    assert gan.generator_optimizer.global_clipnorm == pytest.approx(1.0)
    assert float(gan.discriminator_optimizer.learning_rate) == pytest.approx(5e-4)
    assert gan.discriminator_optimizer.global_clipnorm is None
    assert float(gan.discriminator_optimizer.beta_1) == pytest.approx(0.5)
    gan.compile(generator_optimizer=keras.optimizers.SGD(0.1))  # explicit optimizers still win
    assert isinstance(gan.generator_optimizer, keras.optimizers.SGD)


def test_adversarial_warmup_ramps_the_weight():
    gan = make_gan(adversarial_weight=0.4, adversarial_warmup=4)
    gan.compile()
    weight = lambda: float(gan.warmed_up(gan.adversarial_weight, gan.adversarial_warmup))  # noqa: E731
    assert weight() == 0.0
    gan.generator_optimizer.iterations.assign(1)
    assert weight() == pytest.approx(0.1)
    gan.generator_optimizer.iterations.assign(9)
    assert weight() == pytest.approx(0.4)
    gan.generator_optimizer.iterations.assign(2)
    cond, target = video.window_arrays(clips(), K)
    ev = gan.evaluate(cond[:4], target[:4], batch_size=4, verbose=0, return_dict=True)
    assert ev["g_loss"] == pytest.approx(0.2 * ev["g_adv"] + ev["g_l2"] + ev["g_gdl"], rel=1e-4)
    with pytest.raises(ValueError, match="adversarial_warmup"):
        make_gan(adversarial_warmup=-1)


def test_regression_baseline_ignores_discriminator():
    gan = make_gan(adversarial_weight=0.0, l1_weight=1.0, gdl_weight=0.0)
    gan.compile()
    cond, target = video.window_arrays(clips(), K)
    logs = gan.fit(cond, target, batch_size=6, epochs=1, verbose=0).history
    assert "g_adv" not in logs and "g_gdl" not in logs
    assert logs["g_loss"][-1] == pytest.approx(logs["g_l2"][-1] + logs["g_l1"][-1], rel=1e-4)


def test_variety_loss_counts_the_best_draw_only():
    cond, target = (tf.constant(a) for a in video.window_arrays(clips(4, 3), K))
    far = -target
    for samples, expected in ((1, None), (2, "best")):
        gan = make_gan(adversarial_weight=0.0, gdl_weight=0.0, variety_samples=samples)
        if samples == 2:
            # the second draw is exact for examples 0-1 and as far as the first for 2-3
            gan.generate = lambda condition, noise=None, training=False: tf.concat([target[:2], far[2:]], 0)
        loss, parts = gan.generator_objective(cond, target, far, training=False)
        plain = float(np.mean(np.square(2 * np.asarray(target))))
        if expected is None:
            assert float(loss) == pytest.approx(plain, rel=1e-5)
        else:  # examples 0-1 take the exact draw (0), 2-3 keep the far one
            per_example = np.mean(np.square(2 * np.asarray(target)), axis=(1, 2, 3))
            assert float(loss) == pytest.approx(per_example[2:].sum() / 4, rel=1e-5)
            assert float(parts["g_l2"]) == pytest.approx(float(loss), rel=1e-5)
    with pytest.raises(ValueError, match="variety_samples"):
        make_gan(variety_samples=0)
    with pytest.raises(ValueError, match="noise input"):
        make_gan(latent_dim=0, variety_samples=2)


def test_variety_loss_trains():
    gan = make_gan(variety_samples=3, adversarial_weight=0.2)
    gan.compile()
    cond, target = video.window_arrays(clips(), K)
    before = flat_weights(gan.generator)
    logs = gan.fit(cond, target, batch_size=6, epochs=2, verbose=0).history
    assert np.isfinite(logs["g_loss"][-1]) and not np.allclose(before, flat_weights(gan.generator))


def test_generator_without_noise_and_hinge_loss():
    gan = make_gan(latent_dim=0, scales=(1,))
    gan.compile(adversarial_loss="wgan-gp")
    cond, target = video.window_arrays(clips(), K)
    logs = gan.fit(cond, target, batch_size=6, epochs=1, verbose=0).history
    assert np.isfinite(logs["d_penalty"][-1])
    out = gan.predict(cond[:3], verbose=0)
    np.testing.assert_allclose(out, gan.predict(cond[:3], verbose=0))  # deterministic without noise
    assert out.shape == (3,) + SHAPE


def test_fit_rejects_wrong_context_count():
    gan = make_gan()
    gan.compile()
    cond, target = video.window_arrays(clips(), 3)  # 3 frames stacked, model wants 2
    with pytest.raises(ValueError, match=r"x: conditions have shape \(8, 8, 3\)"):
        gan.fit(cond, target, batch_size=4, verbose=0)
    ds = video.window_dataset(clips(), 3, batch_size=4)
    with pytest.raises(ValueError, match="dataset condition"):
        gan.fit(ds, verbose=0)


def test_rollout_feeds_predictions_back():
    # A linear generator `2 * last - previous` extrapolates a ramp exactly.
    condition = keras.Input(SHAPE[:2] + (K,), name="condition")
    out = keras.layers.Conv2D(1, 1, use_bias=False, name="extrapolate")(condition)
    g = keras.Model(condition, out)
    g.get_layer("extrapolate").set_weights([np.array([-1.0, 2.0]).reshape(1, 1, 2, 1)])
    d = networks.next_frame_discriminator(SHAPE, K, base_filters=4)
    gan = NextFrameGAN(g, d, context_frames=K)
    context = np.stack([np.full((3,) + SHAPE, v, "float32") for v in (0.0, 0.1, 0.2)], axis=1)  # [3, 3, ...]
    frames = gan.rollout(context, steps=4)
    assert frames.shape == (3, 4) + SHAPE
    np.testing.assert_allclose(frames[:, :, 0, 0, 0], [[0.3, 0.4, 0.5, 0.6]] * 3, atol=1e-5)
    with pytest.raises(ValueError, match="context"):
        gan.rollout(context[:, :1], steps=2)
    with pytest.raises(ValueError, match="steps"):
        gan.rollout(context, steps=0)


def test_rollout_noise_is_used():
    gan = make_gan()
    context = clips(2, 2)
    noise = np.random.default_rng(1).normal(size=(2, 3, 4)).astype("float32")
    a = gan.rollout(context, 3, noise=noise)
    np.testing.assert_allclose(a, gan.rollout(context, 3, noise=noise), atol=1e-6)
    assert not np.allclose(a, gan.rollout(context, 3, noise=-noise))


def test_config_and_keras_roundtrip(tmp_path):
    gan = make_gan(l1_weight=0.5, gdl_weight=2.0, adversarial_weight=0.3, adversarial_warmup=10, variety_samples=2)
    gan.compile(adversarial_loss="lsgan")
    cond, target = video.window_arrays(clips(), K)
    gan.fit(cond, target, batch_size=6, epochs=1, verbose=0)
    clone = assert_config_roundtrip(gan)
    assert (clone.context_frames, clone.l1_weight, clone.gdl_weight, clone.adversarial_warmup) == (K, 0.5, 2.0, 10)
    assert clone.variety_samples == 2
    noise = np.random.default_rng(2).normal(size=(4, 4)).astype("float32")
    loaded = assert_keras_roundtrip(gan, tf.constant(cond[:4]), tmp_path, noise=tf.constant(noise))
    assert loaded.adversarial_loss == "lsgan" and loaded.adversarial_weight == 0.3
    np.testing.assert_allclose(flat_weights(loaded.discriminator), flat_weights(gan.discriminator))


def test_rollout_of_an_empty_batch_and_predict_on_unstacked_clips_say_what_to_do():
    gan = make_gan()
    with pytest.raises(ValueError, match="`context` holds no clips"):  # was a Conv2D shape error
        gan.rollout(clips(2, 2)[:0], steps=1)
    with pytest.raises(ValueError, match="stack_context"):
        gan.predict(clips(2, 2), verbose=0)  # [B, k, H, W, C]: frames not stacked on channels


def test_a_generator_without_any_loss_is_refused():
    with pytest.raises(ValueError, match="all 0: the generator would have no loss"):  # trained nothing, silently
        make_gan(l2_weight=0.0, gdl_weight=0.0, adversarial_weight=0.0)
    make_gan(l2_weight=0.0, gdl_weight=0.0, adversarial_weight=0.0, l1_weight=1.0)
