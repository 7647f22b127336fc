"""One PSNR, one sharpness, one image-gradient helper: video's frame metrics are image_quality's."""

import re

import numpy as np
import pytest
import tensorflow as tf

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
    assert video_metrics.sharpness_difference(p, t) == pytest.approx(expected, rel=1e-7)  # checked as float32
    assert video_metrics.sharpness_difference(t, t) == pytest.approx(10 * np.log10(4 / 1e-10))


# ---------------------------------------------------------------- where the detail is

def scene(shape=(2, 16, 16, 1)):
    """Flat background at -0.5 with a bright square per image: flat areas and sharp edges, in [-1, 1]."""
    x = np.full(shape, -0.5)
    x[0, 3:9, 4:12] = 0.5
    x[1, 6:14, 2:8] = 0.8
    return x


def box_blur(x):
    """3x3 mean, edges repeated: changes only pixels next to an edge, never a flat one."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    return np.mean([padded[:, i: i + x.shape[1], j: j + x.shape[2]] for i in range(3) for j in range(3)], axis=0)


def checker_where_flat(x, amplitude=0.1):
    checker = amplitude * (-1.0) ** np.indices(x.shape[1:3]).sum(0)[None, ..., None]
    return x + checker * image_quality.flat_mask(x)[..., None]


def test_flat_error_sees_a_checkerboard_but_not_blur():
    truth = scene()
    assert image_quality.flat_error(truth, truth) == 0.0
    # blur moves only pixels beside edges; a checkerboard of 0.1 ([-1, 1] units) is 0.05 on [0, 1]
    assert image_quality.flat_error(truth, box_blur(truth)) == pytest.approx(0.0, abs=1e-12)
    assert image_quality.flat_error(truth, checker_where_flat(truth)) == pytest.approx(0.05)
    # the same truth on [0, 1]: the same number
    unit = (truth + 1) / 2
    assert image_quality.flat_error(unit, (checker_where_flat(truth) + 1) / 2, value_range=(0.0, 1.0)) == (
        pytest.approx(0.05))
    stripes = np.tile([[-1.0], [1.0]], (1, 8, 4, 1))  # [1, 8, 8, 1], no flat pixel
    assert image_quality.flat_error(stripes, stripes) is None
    with pytest.raises(ValueError, match="same shape"):
        image_quality.flat_error(truth, truth[:1])


def test_flat_error_where_keeps_only_the_flat_pixels_asked_for():
    truth = scene()
    flat = image_quality.flat_mask(truth)
    top = np.zeros(flat.shape, bool)
    top[:, : truth.shape[1] // 2] = True
    noisy_bottom = np.where(top[..., None], truth, checker_where_flat(truth))
    assert image_quality.flat_error(truth, noisy_bottom) > 0.01  # the bottom's flat pixels count...
    assert image_quality.flat_error(truth, noisy_bottom, where=top) == 0.0  # ...unless `where` leaves them out
    assert image_quality.flat_error(truth, noisy_bottom, where=~top) == pytest.approx(0.05)
    assert image_quality.flat_error(truth, truth, where=np.zeros(flat.shape, bool)) is None
    with pytest.raises(ValueError, match="`where` has shape"):
        image_quality.flat_error(truth, truth, where=top[0])


def test_edge_similarity_sees_blur_and_misplaced_edges_but_not_flat_artefacts():
    truth = scene()
    assert image_quality.edge_similarity(truth, truth) == 1.0
    assert image_quality.edge_similarity(truth, checker_where_flat(truth)) == 1.0  # edges untouched
    blurred = image_quality.edge_similarity(truth, box_blur(truth))
    assert blurred < 0.9
    # edges at half strength everywhere: 2 * 1 * 0.5 / (1 + 0.25) = 0.8, by hand
    assert image_quality.edge_similarity(truth, 0.5 * truth) == pytest.approx(0.8)
    # the same squares moved 3 pixels down and right: as sharp, in the wrong place
    moved = np.roll(truth, (3, 3), axis=(1, 2))
    assert float(image_quality.sharpness_ratio(moved, truth)) == pytest.approx(1.0)
    assert image_quality.edge_similarity(truth, moved) < 0.2
    assert image_quality.edge_similarity(np.zeros((1, 4, 4, 1)), np.ones((1, 4, 4, 1))) is None


def test_spectral_match_is_zero_for_the_truth_and_grows_with_blur_and_noise():
    truth = scene()
    assert image_quality.spectral_match(truth, truth) == 0.0
    noise = truth + np.random.default_rng(0).normal(0, 0.1, truth.shape)
    blurred, noisy = image_quality.spectral_match(truth, box_blur(truth)), image_quality.spectral_match(truth, noise)
    assert blurred > 0.1 and noisy > 0.1
    assert image_quality.spectral_match(truth, box_blur(box_blur(truth))) > blurred  # more blur, farther
    # a spectrum ignores where detail is: moved squares match it exactly (edge_similarity sees those)
    assert image_quality.spectral_match(truth, np.roll(truth, 3, axis=2)) == pytest.approx(0.0, abs=1e-12)


def test_detail_measures_of_a_flat_truth_say_there_is_nothing_to_compare():
    flat, truth = np.full((2, 8, 8, 1), 0.3), scene((2, 8, 8, 1))
    with pytest.raises(ValueError, match=r"`real` has no gradient energy: every image of shape \(2, 8, 8, 1\) is flat"):
        image_quality.sharpness_ratio(truth, flat)  # was: about 1e11 (a division by 1e-12)
    with pytest.raises(ValueError, match="`real` has no gradient energy"):
        image_quality.sharpness_ratio(flat, flat)  # was: 0.0
    assert float(image_quality.sharpness_ratio(flat, truth)) == 0.0  # a flat output has no detail: fine
    assert image_quality.spectral_match(flat, truth) is None  # was: about 19
    assert image_quality.spectral_match(flat, flat) is None  # as edge_similarity: the truth has nothing to match
    assert image_quality.spectral_match(truth, flat) > 1
    report = image_quality.quality_report(flat, truth)
    assert report["sharpness_ratio"] is None and report["spectral_match"] is None and report["edge_similarity"] is None
    assert report["flat_error"] > 0


def test_radial_power_puts_a_grating_in_its_band():
    cols = np.arange(16)
    grating = np.cos(2 * np.pi * cols / 4)[None, None, :, None].repeat(16, 1)  # 4 cycles across 16 pixels
    power = image_quality.radial_power(grating)
    assert int(np.argmax(power)) + 1 == 4  # band k is k cycles per image width
    assert np.count_nonzero(power > 1e-12) == 1


def test_quality_report_adds_the_detail_measures():
    truth = scene()
    report = image_quality.quality_report(truth.astype("float32"), truth.astype("float32"))
    assert {"psnr", "ssim", "sharpness_ratio"} <= set(report)
    assert report["flat_error"] == 0.0 and report["edge_similarity"] == 1.0 and report["spectral_match"] == 0.0


def test_detail_measures_check_the_value_range_and_take_8_bit_images():
    truth = scene()
    noisy = np.clip(truth + 0.05 * np.random.default_rng(0).standard_normal(truth.shape), -1, 1)
    eight_bit = [np.round((x + 1) * 127.5).astype("uint8") for x in (truth, noisy)]
    as_read = [x / 127.5 - 1 for x in eight_bit]  # the same images on [-1, 1]
    for measure in (image_quality.flat_error, image_quality.edge_similarity, image_quality.spectral_match):
        with pytest.raises(ValueError, match=r"far outside value_range=\(-1.0, 1.0\).*value_range=\(0, 255\)"):
            measure(*eight_bit)
        assert measure(*eight_bit, value_range=(0, 255)) == pytest.approx(measure(*as_read)), measure.__name__


def test_gradient_magnitude_of_8_bit_images_does_not_wrap_around():
    step = np.zeros((1, 3, 3, 1), "uint8")
    step[..., 1:, :] = 255  # a full-range vertical edge
    expected = image_quality.gradient_magnitude(step.astype("float32"))
    np.testing.assert_array_equal(image_quality.gradient_magnitude(step), expected)
    np.testing.assert_array_equal(image_quality.gradient_magnitude(255 - step), expected)  # 255 -> 0 too
    np.testing.assert_array_equal(image_quality.gradient_magnitude(tf.constant(255 - step)).numpy(), expected)


def test_sharpness_of_images_one_pixel_high_or_wide_is_refused():
    for shape in ((2, 1, 8, 1), (2, 8, 1, 3)):
        message = "`images` must be at least 2 pixels high and wide to have a gradient. Received shape "
        message = re.escape(f"{message}{shape}.")
        for norm in image_quality.SHARPNESS_NORMS:
            with pytest.raises(ValueError, match=message):
                image_quality.sharpness(np.zeros(shape, "float32"), norm=norm)
        with pytest.raises(ValueError, match=message):  # NaN before
            image_quality.gradient_energy(np.zeros(shape, "float32"))


def test_metrics_score_what_they_are_given_or_say_why_not():
    from keras_cgan.metrics import attributes, audio, condition_accuracy

    rng = np.random.default_rng(0)
    clean = 0.5 * np.sin(np.arange(8000) * 0.05)
    estimate = clean + 0.05 * rng.standard_normal(8000)
    # one 1-D utterance is one utterance, not 8000 one-sample ones
    assert audio.evaluate(clean, estimate, metrics=("snr",))["snr"] == pytest.approx(audio.snr(clean, estimate))
    assert audio.snr(clean[:, None], estimate[None, :]) == pytest.approx(audio.snr(clean, estimate))
    assert audio.evaluate(clean, estimate[:, None], metrics=("snr",))["snr"] == pytest.approx(audio.snr(clean, estimate))
    # (T, 1, 1) too, as `snr` and `enhance` read it (was: T one-sample utterances, a mean of made-up SNRs)
    for shape in [(-1, 1, 1), (1, -1, 1)]:
        assert audio.evaluate(clean.reshape(shape), estimate.reshape(shape), metrics=("snr", "segsnr")) == \
            pytest.approx(audio.evaluate(clean, estimate, metrics=("snr", "segsnr")))
    ragged = audio.evaluate([clean, clean[:5000]], [estimate, estimate[:5000]], metrics=("snr",))["snr"]
    assert ragged == pytest.approx((audio.snr(clean, estimate) + audio.snr(clean[:5000], estimate[:5000])) / 2)
    with pytest.raises(ValueError, match=r"`clean` must be one signal.*\(2, 8000\).*evaluate"):
        audio.snr(np.stack([clean, clean]), np.stack([estimate, estimate]))
    # frames or clips of the same frames: one figure
    truth = rng.uniform(-1, 1, (2, 3, 8, 8, 1))
    blurred = truth.copy()
    blurred[0] *= 0.2
    flat = (-1, 8, 8, 1)
    assert video_metrics.sharpness_difference(blurred, truth) == pytest.approx(
        video_metrics.sharpness_difference(blurred.reshape(flat), truth.reshape(flat)))
    # a column of class ids is ids; a column of probabilities is refused
    images = np.zeros((2, 8, 8, 1))
    assert condition_accuracy(lambda x: np.full((len(x), 1), 3), images, [3, 3]) == 1.0
    with pytest.raises(ValueError, match=r"one score per sample \(\[N, 1\]\)"):
        condition_accuracy(lambda x: np.full((len(x), 1), 0.7), images, [1, 1])
    # 8-bit images read as [-1, 1] are refused; tags group the samples
    eight_bit = rng.integers(0, 256, (4, 8, 8, 3)).astype("uint8")
    with pytest.raises(ValueError, match=r"far outside value_range=\(-1.0, 1.0\).*value_range=\(0, 255\)"):
        image_quality.sharpness(eight_bit)
    with pytest.raises(ValueError, match=r"x / 127.5 - 1"):
        attributes.diversity(eight_bit)
    samples = eight_bit / 127.5 - 1
    tags = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    assert attributes.diversity(samples, groups=tags) == attributes.diversity(samples, groups=[0, 0, 1, 1])


# ---------------------------------------------------------------- odd but legal inputs, and errors naming the argument


@pytest.mark.parametrize("value_range", [1, (0, 1, 2), "01"])
def test_a_value_range_that_is_no_pair_is_named(value_range):
    with pytest.raises(ValueError, match=r"`value_range` must be \(low, high\)"):  # was: a TypeError on unpacking
        image_quality.psnr(frames(), frames(), value_range)


@pytest.mark.parametrize("filter_size", [0, -3, 2.5, 7.0, True])
def test_ssim_names_a_filter_size_that_is_no_positive_int(filter_size):
    # 0, -3: was TensorFlow's conv error; 7.0: a TypeError from tf.image.ssim; True: taken as 1
    error = f"`filter_size` must be an int >= 1. Received: filter_size={filter_size!r}"
    with pytest.raises(ValueError, match=re.escape(error)):
        image_quality.ssim(frames(), frames(), filter_size=filter_size)
    assert image_quality.ssim(frames(), frames(), filter_size=np.int64(3)).shape == (3,)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 1, 8, 3)])
def test_spectral_match_refuses_images_without_a_spectrum(shape):
    with pytest.raises(ValueError, match="^`y_true` must be at least 2 pixels high and wide to have a spectrum"):
        image_quality.spectral_match(np.zeros(shape), np.zeros(shape))  # was: NaN, then "images must be"
    checker = np.array([[1.0, -1.0], [-1.0, 1.0]])[None, ..., None]
    assert image_quality.spectral_match(checker, checker) == 0.0


def test_quality_report_names_its_own_arguments():
    t = np.linspace(-1, 1, 16).reshape(2, 1, 8, 1)
    with pytest.raises(ValueError, match=re.escape("`y_true` and `y_pred` must be at least 2 pixels high and wide")):
        image_quality.quality_report(t, t)  # was: "`generated` must be ...", sharpness_ratio's argument


def test_spectral_match_of_a_flat_truth_computes_no_spectrum(monkeypatch):
    def refuse(x):
        raise AssertionError("the spectrum of a flat truth was computed")

    monkeypatch.setattr(image_quality, "_radial_power", refuse)
    assert image_quality.spectral_match(np.zeros((2, 8, 8, 1)), frames(shape=(2, 8, 8, 1))) is None


def test_video_metrics_convert_each_array_once(monkeypatch):
    converted, to_unit = [], image_quality._to_unit

    def counted(images, *args, **kwargs):
        converted.append(not tf.is_tensor(images))  # a tensor is the checked batch, reused
        return to_unit(images, *args, **kwargs)

    monkeypatch.setattr(image_quality, "_to_unit", counted)
    t = frames(shape=(3, 8, 8, 1))
    for measure, arrays in ((video_metrics.psnr, 2), (video_metrics.sharpness, 1)):  # was: 4 and 2
        converted.clear()
        measure(*[t] * arrays)
        assert sum(converted) == arrays


def test_attribute_and_speech_scores_of_nothing_say_so():
    from keras_cgan.metrics import attributes, audio

    empty = np.zeros((0, 16, 16, 3))
    for refuse, names in ((lambda: attributes.tag_face_accuracy(empty, [], []), "`images`, `hair`, `eyes`"),
                          (lambda: attributes.caption_accuracy(empty, [], [], []), "`images`, `colours`, `shapes`"),
                          (lambda: attributes.attribute_accuracy(np.zeros_like, empty, np.zeros((0, 2))),
                           "`samples`, `attributes`")):
        with pytest.raises(ValueError, match=re.escape(names)):  # was: NaN (a reshape error for attributes)
            refuse()
    with pytest.raises(ValueError, match=re.escape("`clean` and `estimates` hold no utterance")):
        audio.evaluate(np.zeros((0, 100)), np.zeros((0, 100)), metrics="snr")  # was: NaN
    # was: "cannot reshape array of size 6 into shape (4,newaxis)"
    with pytest.raises(ValueError, match=re.escape("`classifier` returned shape (6,) for attributes of shape (4, 1)")):
        attributes.attribute_accuracy(lambda s: np.zeros(6), np.zeros((4, 4)), np.zeros((4, 1)))
    assert attributes.attribute_accuracy(lambda s: np.zeros(4), np.zeros((4, 4)), np.zeros(4)) == {
        "attribute_0": 1.0, "all": 1.0}


def test_segmental_snr_names_frames_it_cannot_make():
    from keras_cgan.metrics import audio

    clean = np.sin(np.arange(2000) * 0.1)
    for kwargs, name in (({"hop": 0}, "`hop` must be an int >= 1"), ({"frame_length": 0}, "`frame_length`"),
                         ({"frame_length": -5}, "`frame_length`"), ({"low": 10, "high": -10}, "`low`"),
                         ({"hop": True}, "`hop` must be an int >= 1"),  # was: taken as a hop of 1
                         ({"frame_length": 256.0}, "`frame_length` must be an int >= 1")):  # was: a TypeError
        with pytest.raises(ValueError, match=name):  # was: ZeroDivisionError, or a number
            audio.segmental_snr(clean, 0.5 * clean, **kwargs)
    assert audio.segmental_snr(clean, 0.5 * clean, frame_length=np.int64(256), hop=np.int32(128)) > 0


def test_evaluate_takes_one_metric_name():
    from keras_cgan.metrics import audio

    clean = np.sin(np.arange(2000) * 0.1)  # was: "Unknown metric 's'"
    assert audio.evaluate(clean, 0.5 * clean, metrics="snr") == audio.evaluate(clean, 0.5 * clean, metrics=("snr",))
    # was: SciPy's "up and down must be >= 1"
    with pytest.raises(ValueError, match="`sample_rate` must be a finite number > 0"):
        audio.stoi(clean, clean, sample_rate=0)
    with pytest.raises(ValueError, match="Received: sample_rate=True"):  # was: taken as 1 Hz
        audio.stoi(clean, clean, sample_rate=True)


def test_stoi_and_pesq_are_nan_with_a_warning_where_they_cannot_score_an_utterance():
    from keras_cgan.metrics import audio

    rng = np.random.default_rng(0)
    speech = 0.5 * np.sin(np.arange(8000) * 0.05) * np.sin(np.arange(8000) * 0.002)
    click = np.zeros(8000)  # 12.5 ms of sound in 0.5 s: pystoi keeps 4 frames and scored a made-up 1e-05
    click[4000:4200] = 0.5 * np.sin(np.arange(200) * 0.1)
    noise = 0.01 * rng.standard_normal(8000)
    for call, said in [
        (lambda: audio.stoi(click, click + noise), "STOI is NaN: less than 0.41 s of clean is speech"),
        (lambda: audio.stoi(np.zeros(8000), noise), "STOI is NaN: clean is silent"),  # was 0
        (lambda: audio.pesq(np.zeros(8000), noise), "PESQ is NaN: PESQ detects no speech in clean"),  # was raised
        (lambda: audio.pesq(speech, np.zeros(8000)), "PESQ is NaN: estimate is silent"),  # was "cannot convert NaN"
    ]:
        with pytest.warns(UserWarning, match=re.escape(said)):
            assert np.isnan(call())
    # In a set: the mean over the utterances scored, the others named (was 1e-05 in the mean, or PESQ's error).
    clean, estimates = [speech, click, np.zeros(8000)], [speech + noise, click + noise, noise]
    with pytest.warns(UserWarning) as told:
        scores = audio.evaluate(clean, estimates, metrics=("stoi", "pesq", "snr"))
    assert scores["snr"] < 0  # every utterance scored
    assert scores["stoi"] == pytest.approx(audio.stoi(speech, speech + noise))
    assert scores["pesq"] == pytest.approx(audio.pesq(speech, speech + noise))
    said = sorted(str(w.message) for w in told)
    assert said[0].startswith("PESQ leaves out 2 of 3 utterances, which it cannot score (PESQ detects no speech in "
                              "clean[1]")
    assert said[0].endswith("): the mean is over the other 1.")
    assert said[1].startswith("STOI leaves out 2 of 3 utterances, which it cannot score (less than 0.41 s of clean[1] "
                              "is speech") and "; clean[2] is silent (all zeros)" in said[1]
    with pytest.warns(UserWarning, match="none is left: NaN"):
        assert np.isnan(audio.evaluate([click], [click], metrics="stoi")["stoi"])


def test_sprite_metrics_refuse_8_bit_frames_and_unmatched_shapes():
    frame = np.full((8, 8, 1), -1.0)
    frame[2:4, 2:4] = 1.0
    with pytest.raises(ValueError, match=r"`frame` must be in \[-1, 1\]\. Received values from 0 to 255"):
        video_metrics.count_sprites(np.where(frame > 0, 255, 0).astype("uint8"))  # was: "one" for any dot
    pred = np.stack([frame, frame, frame])
    with pytest.raises(ValueError, match="`futures` must hold the possible true frames of each of the 3"):
        video_metrics.matches_future(pred, pred[:2, None])  # was: 2 of 3 scored, 0.667
    with pytest.raises(ValueError, match="`futures` must hold"):
        video_metrics.matches_future(pred, pred)  # one future each, not under an F axis
    assert video_metrics.matches_future(pred, pred[:, None]) == 1.0
    with pytest.raises(ValueError, match=r"frames \[N, H, W, C\] are not rollouts \(use `mode_split`\)"):
        video_metrics.intact_rollouts(pred)  # frames, not rollouts: was 0.0
    shapes = r"`rollouts` must be \[N, T, H, W, C\] or grayscale \[N, T, H, W\] with N, T >= 1"
    with pytest.raises(ValueError, match=shapes):
        video_metrics.intact_rollouts(np.zeros((0, 3, 8, 8, 1)))  # was: NaN and a RuntimeWarning
    with pytest.raises(ValueError, match=r"Received shape \(8, 8, 1\)"):
        video_metrics.intact_rollouts(frame)
    assert video_metrics.intact_rollouts(pred[None]) == 1.0


def test_intact_rollouts_takes_grayscale_rollouts_as_the_other_sprite_metrics_take_grayscale_frames():
    frame = np.full((8, 8), -1.0)
    frame[2:4, 2:4] = 1.0
    assert video_metrics.count_sprites(frame) == "one"
    rollouts = np.stack([np.stack([frame] * 3), np.stack([frame, frame, np.full((8, 8), -1.0)])])  # [N, T, H, W]
    assert video_metrics.intact_rollouts(rollouts) == 0.5  # was: refused as not [N, T, H, W, C]
    assert video_metrics.intact_rollouts(rollouts[..., None]) == 0.5


def test_sprite_metrics_say_which_reading_of_a_shape_they_refuse_and_how_to_give_it():
    frame = np.full((8, 8, 1), -1.0)
    frame[2:4, 2:4] = 1.0
    clip = np.stack([frame] * 3)  # [T, H, W, C]
    # one rollout [T, H, W, C]: was "have frames 1 pixel(s) wide: frames [N, H, W, C] are not rollouts"
    with pytest.raises(ValueError, match=re.escape("last axis reads as 1 channel(s), not a width")) as error:
        video_metrics.intact_rollouts(clip)
    assert "one rollout [T, H, W, C] is `rollouts[None]`" in str(error.value)
    assert video_metrics.intact_rollouts(clip[None]) == 1.0
    # grayscale rollouts of frames 3 pixels wide: the error says how to give them, and that works
    narrow = np.full((2, 3, 8, 3), -1.0)
    narrow[..., 2:4, 1] = 1.0
    with pytest.raises(ValueError, match=re.escape("Grayscale frames 3 pixel(s) wide: pass `rollouts[..., None]`")):
        video_metrics.intact_rollouts(narrow)
    assert video_metrics.intact_rollouts(narrow[..., None]) == 1.0
    # one frame given for a batch: was 8 rows scored as 8 frames (0.25 one sprite); empty: was all fractions 0
    for refuse in (lambda x: video_metrics.mode_split(x), lambda x: video_metrics.matches_future(x, x[:, None])):
        with pytest.raises(ValueError, match=re.escape("Received shape (8, 8, 1), whose last axis reads as 1")):
            refuse(frame)
        with pytest.raises(ValueError, match=re.escape("with N >= 1. Received shape (0, 8, 8, 1).")):
            refuse(frame[None][:0])
    with pytest.raises(ValueError, match=re.escape("`frames` must be [N, H, W, C] or grayscale [N, H, W]")):
        video_metrics.mode_split(clip[None])  # clips: was SciPy's "structure and input must have equal rank"
    with pytest.raises(ValueError, match=re.escape("`frame` must be one frame [H, W, C] or [H, W]. Received shape (1,")):
        video_metrics.count_sprites(frame[None])


def test_attribute_readers_refuse_8_bit_images():
    from keras_cgan.data import synthetic_faces, synthetic_shapes
    from keras_cgan.metrics import caption_accuracy, tag_face_accuracy

    _, faces, hair, eyes = synthetic_faces.load(4)
    assert tag_face_accuracy(faces[:1], hair[:1], eyes[:1])["all"] == 1.0  # a batch of one
    with pytest.raises(ValueError, match=r"`images` must be in \[-1, 1\]\. Received values from \d+ to \d+ \(8-bit"):
        tag_face_accuracy(((faces + 1) * 127.5).astype("uint8"), hair, eyes)  # was: accuracy 0.0
    with pytest.raises(ValueError, match=r"tag faces are \[N, S, S, 3\] .* got \(16, 16, 3\)"):
        tag_face_accuracy(faces[0], hair[:1], eyes[:1])  # was: "images: 16" of "the same length"
    _, images, labels = synthetic_shapes.load(4)
    with pytest.raises(ValueError, match=r"`images` must be in \[-1, 1\]\. Received values from \d+ to \d+ \(8-bit"):
        caption_accuracy(((images + 1) * 127.5).astype("uint8"), *labels.T)


def test_condition_accuracy_names_one_hot_conditions_empty_batches_and_8_bit_digits():
    from keras_cgan.data import digits
    from keras_cgan.metrics import DigitsClassifier, condition_accuracy

    zeros = lambda x: np.zeros(len(x), int)
    with pytest.raises(ValueError, match=r"`conditions` must be class ids \[N\]\. Received shape \(3, 3\)"):
        condition_accuracy(zeros, np.zeros((3, 8, 8, 1)), np.eye(3))  # was: "got 3 and 9"
    with pytest.raises(ValueError, match="are empty"):
        condition_accuracy(zeros, np.zeros((0, 8, 8, 1)), [])  # was: NaN and a RuntimeWarning
    judge = DigitsClassifier().fit(*digits.load("holdout"))
    x, y = digits.load("train")
    with pytest.raises(ValueError, match=r"`images` must be in \[-1, 1\]\. Received values from 0 to 255"):
        condition_accuracy(judge, ((x + 1) * 127.5).astype("uint8"), y)  # was: about 0.24, silently
    with pytest.raises(ValueError, match=r"reads 8x8 one-channel digits \[N, 8, 8, 1\]. Received shape \(2, 16, 16, 1\)"):
        condition_accuracy(judge, np.zeros((2, 16, 16, 1)), [0, 0])  # was: scikit-learn's "X has 256 features"
    assert condition_accuracy(judge, x[:1], y[:1]) == 1.0
    with pytest.raises(ValueError, match=r"DigitsClassifier got an empty batch, shape \(0, 8, 8, 1\)"):
        judge(np.zeros((0, 8, 8, 1)))  # was: IndexError from images[0]


def test_condition_accuracy_names_a_length_mismatch_before_emptiness_and_takes_a_row_of_ids():
    from keras_cgan.metrics import condition_accuracy

    threes = lambda x: np.full(len(x), 3)
    with pytest.raises(ValueError, match="must have the same length; got 4 and 0"):
        condition_accuracy(threes, np.zeros((4, 8, 8, 1)), [])  # was: "are empty"
    assert condition_accuracy(threes, np.zeros((4, 8, 8, 1)), [[3, 3, 1, 2]]) == 0.5  # was: refused as one-hot
    assert condition_accuracy(threes, np.zeros((4, 8, 8, 1)), [[3], [3], [1], [2]]) == 0.5
    with pytest.raises(ValueError, match=r"must be class ids \[N\]\. Received shape \(1, 3\)"):
        condition_accuracy(threes, np.zeros((1, 8, 8, 1)), [[0, 0, 1]])  # one sample's one-hot row


def test_the_metrics_refuse_8_bit_values_in_one_wording():
    from keras_cgan.data import digits
    from keras_cgan.metrics import DigitsClassifier, diversity, tag_face_accuracy

    eight_bit = np.full((2, 8, 8, 1), 255.0)
    eight_bit[:, :4] = 0
    judge = DigitsClassifier().fit(*digits.load("holdout"))
    for name, refuse in (("samples", lambda: diversity(eight_bit)),
                         ("images", lambda: tag_face_accuracy(np.repeat(eight_bit, 3, -1), [0, 0], [0, 0])),
                         ("images", lambda: judge(eight_bit)),
                         ("frame", lambda: video_metrics.count_sprites(eight_bit[0])),
                         ("frames", lambda: video_metrics.mode_split(eight_bit)),  # was: `frame`
                         ("frames", lambda: video_metrics.matches_future(eight_bit, eight_bit[:, None] / 255)),
                         ("futures", lambda: video_metrics.matches_future(eight_bit / 255, eight_bit[:, None])),
                         ("rollouts", lambda: video_metrics.intact_rollouts(eight_bit[None]))):
        with pytest.raises(ValueError) as error:
            refuse()
        message = str(error.value)
        assert message.startswith(f"`{name}` must be in [-1, 1]. Received values from 0 to 255"), message


def test_image_metrics_name_the_argument_that_is_off_the_scale_or_no_image_batch():
    images = frames(shape=(2, 8, 8, 1))
    eight_bit = np.round((images + 1) * 127.5)
    for name, refuse in (("y_pred", lambda: image_quality.psnr(images, eight_bit)),  # was: "images hold values"
                         ("y_true", lambda: image_quality.ssim(eight_bit, images)),
                         ("generated", lambda: image_quality.sharpness_ratio(eight_bit, images)),
                         ("real", lambda: image_quality.sharpness_ratio(images, eight_bit)),
                         ("y_true", lambda: image_quality.spectral_match(eight_bit, images)),
                         ("y_pred", lambda: image_quality.quality_report(images, eight_bit)),
                         ("images", lambda: image_quality.sharpness(eight_bit))):
        with pytest.raises(ValueError, match=rf"^`{name}` holds values from 0 to 255, far outside value_range"):
            refuse()
    # was: "Expected images of shape [B, H, W, C]", not saying which
    with pytest.raises(ValueError, match=re.escape("`y_pred` must be images [B, H, W, C]. Received shape (8, 8, 1).")):
        image_quality.psnr(images, images[0])
    with pytest.raises(ValueError, match=re.escape("`real` must be at least 2 pixels high and wide")):
        image_quality.sharpness_ratio(images, images[:, :1])


def test_video_frame_metrics_name_frames_they_cannot_score():
    t = frames(shape=(3, 8, 8, 1))
    eight_bit = np.round((t + 1) * 127.5)
    # was: -10 dB, 8-bit frames scored on the [-1, 1] scale
    with pytest.raises(ValueError, match=r"^`targets` holds values from 0 to 255, far outside value_range"):
        video_metrics.sharpness_difference(t, eight_bit)
    assert video_metrics.sharpness_difference(eight_bit, eight_bit, value_range=(0, 255)) == pytest.approx(
        10 * np.log10(255**2 / 1e-10))
    for name, measure in (("predictions", lambda x, **kw: video_metrics.psnr(x, x, **kw)),
                          ("frames", video_metrics.sharpness),
                          ("predictions", lambda x, **kw: video_metrics.sharpness_difference(x, x, **kw))):
        with pytest.raises(ValueError, match=rf"^`{name}` holds values from 0 to 255"):  # was: "images hold"
            measure(eight_bit)
        # was: NaN and a RuntimeWarning, and a [H, W] frame read as H frames (or a reshape error)
        for shape in ((0, 8, 8, 1), (8, 8)):
            with pytest.raises(ValueError, match=re.escape(f"`{name}` must hold at least one frame [H, W, C]")):
                measure(np.zeros(shape))
        with pytest.raises(ValueError, match=r"`value_range` must be \(low, high\)"):
            measure(t, value_range=1)  # psnr, sharpness_difference: was a TypeError
    # a side of 1 pixel has no gradient: was NaN
    with pytest.raises(ValueError, match=re.escape("`predictions` must be at least 2 pixels high and wide")):
        video_metrics.sharpness_difference(t[:, :1], t[:, :1])
    with pytest.raises(ValueError, match=re.escape("`frames` must be at least 2 pixels high and wide")):
        video_metrics.sharpness(t[:, :, :1])


def test_batch_measures_of_no_image_say_so():
    empty, images = np.zeros((0, 8, 8, 1), "float32"), frames(shape=(2, 8, 8, 1))
    for name, args in (("generated", (empty, images)), ("real", (images, empty))):
        with pytest.raises(ValueError, match=re.escape(f"`{name}` holds no image (shape (0, 8, 8, 1))")):
            image_quality.sharpness_ratio(*args)  # was: NaN
    with pytest.raises(ValueError, match=re.escape("`y_true` holds no image (shape (0, 8, 8, 1))")):
        image_quality.quality_report(empty, empty)  # was: NaN, with RuntimeWarnings
    assert image_quality.spectral_match(empty, empty) is None  # as edge_similarity and flat_error: was NaN
    assert image_quality.edge_similarity(empty, empty) is None and image_quality.flat_error(empty, empty) is None
