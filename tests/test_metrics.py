"""One PSNR, one sharpness, one image-gradient helper: video's frame metrics are image_quality's."""

import numpy as np
import pytest

from keras_cgan import losses
from keras_cgan.metrics import image_quality
from keras_cgan.metrics import video as video_metrics


def frames(seed=0, shape=(3, 8, 10, 2)):
    return np.tanh(np.random.default_rng(seed).normal(0, 2, shape)).astype("float32")


def test_video_psnr_is_the_frame_mean_of_image_quality_psnr():
    t = frames(0)
    p = np.clip(t + np.random.default_rng(1).normal(0, 0.05, t.shape), -1, 1).astype("float32")
    per_image = np.asarray(image_quality.psnr(t, p, value_range=(-1.0, 1.0)))
    assert video_metrics.psnr(p, t) == pytest.approx(float(np.mean(per_image)), rel=1e-6)
    # max_val 2 on [-1, 1] is value_range (-1, 1); on [0, 1] the same error is the same dB
    assert video_metrics.psnr((p + 1) / 2, (t + 1) / 2, value_range=(0.0, 1.0)) == pytest.approx(
        video_metrics.psnr(p, t), rel=1e-5
    )
    # one frame, and a frame equal to its target: 10 log10(2^2 / 1e-10) dB, not inf
    assert video_metrics.psnr(p[0], t[0]) == pytest.approx(float(per_image[0]), rel=1e-6)
    assert video_metrics.psnr(t, t) == pytest.approx(10 * np.log10(4 / video_metrics.MIN_MSE))
    assert np.isfinite(video_metrics.psnr(np.concatenate([t[:1], p[1:]]), t))


def test_video_sharpness_is_image_quality_abs_sharpness_in_frame_units():
    x = frames(2)
    per_image = np.asarray(image_quality.sharpness(x, norm="abs"))  # on the [0, 1] scale
    assert video_metrics.sharpness(x) == pytest.approx(2.0 * float(np.mean(per_image)), rel=1e-6)
    # the same frames on [0, 1] measure half as much in their own units
    assert video_metrics.sharpness((x + 1) / 2, value_range=(0.0, 1.0)) == pytest.approx(
        video_metrics.sharpness(x) / 2, rel=1e-6
    )
    # clips [N, T, H, W, C] are frames too
    clips = x.reshape(3, 1, 8, 10, 2)
    assert video_metrics.sharpness(clips) == pytest.approx(video_metrics.sharpness(x), rel=1e-6)


def test_sharpness_norms_by_hand():
    step = -np.ones((1, 4, 4, 1), "float32")
    step[..., 2:, :] = 1.0  # a full-range vertical edge between columns 1 and 2
    # rms: horizontal differences 1 (on [0, 1]) in 4 of 12 places -> sqrt(1/3)
    np.testing.assert_allclose(image_quality.sharpness(step).numpy(), [np.sqrt(1 / 3)], rtol=1e-6)
    # abs: |dx| = 1 in column 1 of the 3x3 grid with both differences -> 3/9
    np.testing.assert_allclose(image_quality.sharpness(step, norm="abs").numpy(), [1 / 3], rtol=1e-6)
    magnitude = image_quality.gradient_magnitude(step)
    assert magnitude.shape == (1, 3, 3, 1) and float(magnitude.sum()) == 6.0  # raw values: |dx| = 2
    with pytest.raises(ValueError, match="norm"):
        image_quality.sharpness(step, norm="l2")


def test_sharpness_difference_uses_the_one_gradient_helper():
    t, p = frames(3).astype("float64"), frames(4).astype("float64")

    def magnitude(x):
        dy, dx = losses.image_gradients(x)
        return np.abs(dy)[..., :, :-1, :] + np.abs(dx)[..., :-1, :, :]

    diff = np.abs(magnitude(t) - magnitude(p)).reshape(len(t), -1).mean(axis=1)
    expected = float(np.mean(10 * np.log10(4.0 / diff)))
    assert video_metrics.sharpness_difference(p, t) == expected  # float64 throughout: exact
    assert video_metrics.sharpness_difference(t, t) == pytest.approx(10 * np.log10(4 / 1e-10))
