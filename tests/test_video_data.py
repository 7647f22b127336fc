"""Tests of the video loaders, sliding windows, synthetic clips, metrics and GIFs."""

import os

import numpy as np
import pytest
from PIL import Image

from keras_cgan.data import FileContentError, synthetic_video, video
from keras_cgan.metrics import video as video_metrics
from keras_cgan.models.next_frame_gan.callbacks import RolloutGIF, write_rollout_gif


def write_frames(folder, frames, names=None):
    os.makedirs(folder, exist_ok=True)
    for i, frame in enumerate(frames):
        name = names[i] if names else f"frame_{i:03d}.png"
        Image.fromarray(frame).save(os.path.join(folder, name))


def ramp_clip(length, size=8):
    # frame t is filled with value 10 * t: easy to check order
    return np.stack([np.full((size, size), 10 * t, np.uint8) for t in range(length)])


# ------------------------------------------------------------------ loaders


def test_frame_folder_sorted_by_name_and_scaled(tmp_path):
    clip = ramp_clip(5)
    names = ["b_01.png", "a_00.png", "d_03.png", "c_02.png", "e_04.png"]  # written out of order
    order = [1, 0, 3, 2, 4]
    write_frames(str(tmp_path / "clip"), clip[order], names)
    frames = video.load_frame_folder(str(tmp_path / "clip"))
    assert frames.shape == (5, 8, 8, 1) and frames.dtype == np.float32
    np.testing.assert_allclose(frames[:, 0, 0, 0], np.arange(5) * 10 / 127.5 - 1.0, atol=1e-6)
    rgb = video.load_frame_folder(str(tmp_path / "clip"), channels=3)
    assert rgb.shape == (5, 8, 8, 3)


def test_numbered_frames_load_in_number_order_and_a_broken_frame_is_named(tmp_path):
    clip = ramp_clip(12)
    write_frames(str(tmp_path / "clip"), clip, [f"frame{t + 1}.png" for t in range(12)])  # ffmpeg's %d names
    frames = video.load_frame_folder(str(tmp_path / "clip"))
    np.testing.assert_allclose(frames[:, 0, 0, 0], np.arange(12) * 10 / 127.5 - 1.0, atol=1e-6)
    (tmp_path / "clip" / "frame13.png").write_bytes(b"not an image")
    with pytest.raises(FileContentError, match=r"cannot read frame 'frame13\.png'"):
        video.load_frame_folder(str(tmp_path / "clip"))


def test_load_clips_reads_folders_and_gif(tmp_path):
    write_frames(str(tmp_path / "a_folder"), ramp_clip(6))
    frames = [Image.fromarray(f) for f in ramp_clip(7)]
    frames[0].save(tmp_path / "b_video.gif", save_all=True, append_images=frames[1:], duration=100)
    clips = video.load_clips(str(tmp_path), channels=1)
    assert [os.path.basename(p) for p in clips] == ["a_folder", "b_video.gif"]
    assert clips[str(tmp_path / "b_video.gif")].shape == (7, 8, 8, 1)
    np.testing.assert_allclose(clips[str(tmp_path / "b_video.gif")][:, 0, 0, 0], np.arange(7) * 10 / 127.5 - 1, atol=1e-6)
    cond, target = video.window_arrays(clips, context_frames=4)
    assert cond.shape == (2 + 3, 8, 8, 4) and target.shape == (5, 8, 8, 1)


def test_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "root" / "clip_empty").mkdir(parents=True)
    with pytest.raises(ValueError, match="clip_empty.*no frame images"):
        video.load_clips(str(tmp_path / "root"))
    (tmp_path / "nothing").mkdir()
    with pytest.raises(ValueError, match="holds no clips"):
        video.load_clips(str(tmp_path / "nothing"))


def test_frames_of_different_sizes_name_the_clip_and_frame(tmp_path):
    folder = str(tmp_path / "clip_mixed")
    write_frames(folder, list(ramp_clip(3)))
    Image.fromarray(np.zeros((6, 8), np.uint8)).save(os.path.join(folder, "frame_009.png"))
    with pytest.raises(ValueError, match=r"clip_mixed.*frame_009\.png.*one size"):
        video.load_frame_folder(folder)


def test_frame_modes_gray_alpha_and_mixed_clips(tmp_path):
    rng = np.random.default_rng(0)
    for t in range(3):
        Image.fromarray(rng.integers(0, 256, (4, 4, 2), dtype="uint8"), "LA").save(tmp_path / "la" / f"{t}.png") \
            if os.makedirs(tmp_path / "la", exist_ok=True) is None else None
    assert video.load_frame_folder(str(tmp_path / "la")).shape == (3, 4, 4, 1)  # gray + alpha is gray
    write_frames(str(tmp_path / "mixed"), [np.full((4, 4), 90, "uint8"), np.full((4, 4, 3), 90, "uint8")])
    with pytest.raises(ValueError, match=r"frame 'frame_001.png' has 3 channel\(s\) but frame 'frame_000.png' has 1"):
        video.load_frame_folder(str(tmp_path / "mixed"))
    clip = video.load_frame_folder(str(tmp_path / "mixed"), channels=1)
    np.testing.assert_allclose(clip, 90 / 127.5 - 1, atol=1 / 127.5)


def test_a_gif_with_transparency_loads_with_transparent_pixels_white(tmp_path):
    frames = [Image.new("P", (4, 4), 0), Image.new("P", (4, 4), 1)]  # red, then the transparent colour
    for frame in frames:
        frame.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    frames[0].save(tmp_path / "sprite.gif", save_all=True, append_images=frames[1:], disposal=2, transparency=1,
                   optimize=False)
    clip = video.load_video_file(str(tmp_path / "sprite.gif"))
    assert clip.shape == (2, 4, 4, 3)
    np.testing.assert_allclose(clip[0], np.broadcast_to([1.0, -1.0, -1.0], (4, 4, 3)), atol=1e-6)
    np.testing.assert_allclose(clip[1], 1.0, atol=1e-6)


def test_integer_clips_other_than_uint8_are_refused_with_the_conversion():
    with pytest.raises(ValueError, match=r"Clip 'clip 0': frames of dtype uint16; .* frames / 32767.5 - 1"):
        video.check_clips([np.zeros((5, 4, 4, 1), "uint16")], context_frames=2)


def test_16_bit_gray_frames_keep_their_tones(tmp_path):
    folder = tmp_path / "clip_16bit"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((6, 6), 32768, "uint16")).save(folder / f"{i}.png")
    frames = video.load_frame_folder(str(folder))
    assert frames.shape == (3, 6, 6, 1)
    np.testing.assert_allclose(frames, 128 / 127.5 - 1, atol=1e-6)


def test_float_clips_outside_the_unit_range_are_named():
    # Float frames in 0..255 (or NaN) were taken as they were: a model trained on them silently, on values a
    # tanh generator cannot reach.
    for frames, said in [(np.full((5, 4, 4, 1), 200.0), r"must lie in \[-1, 1\]; they span \[200, 200\]\. Images in"),
                         (np.full((5, 4, 4, 1), np.nan), r"hold NaN or infinite values"),
                         (np.full((5, 4, 4, 1), -3.0), r"must lie in \[-1, 1\]; they span \[-3, -3\]\. Scale the")]:
        with pytest.raises(ValueError, match=r"Clip 'clip 0': float frames " + said):
            video.window_arrays([frames], context_frames=2)
    conditions, _ = video.window_arrays([np.linspace(-1, 1, 80).reshape(5, 4, 4, 1)], context_frames=2)
    assert conditions.shape == (3, 4, 4, 2)


def test_float_clips_pass_the_loader_only_if_the_model_takes_them():
    # The loader let frames up to 1.01 through; the model refuses beyond 1.001 (`checks.SAMPLE_LIMIT`), so a clip
    # spanning [-1, 1.005] loaded and then failed at `fit`.
    from keras_cgan.models.input_checks import check_samples

    with pytest.raises(ValueError, match=r"they span \[-1, 1\.005\]"):
        video.window_arrays([np.linspace(-1, 1.005, 80).reshape(5, 4, 4, 1)], context_frames=2)
    _, targets = video.window_arrays([np.linspace(-1.0005, 1.0005, 80).reshape(5, 4, 4, 1)], context_frames=2)
    check_samples(targets, "y")  # what the loader takes, the model takes


def test_a_root_of_frames_and_float_frames_are_named(tmp_path):
    # A folder of frames passed as the root of clips was "holds no clips" with no word of the frames in it.
    write_frames(str(tmp_path / "clip"), ramp_clip(3))
    with pytest.raises(ValueError, match=r"holds no clips .*: it holds 3 images, frames of one clip\? Put them in a "
                                         r"sub-folder of it\."):
        video.load_clips(str(tmp_path / "clip"))
    assert video.load_clips(str(tmp_path))[str(tmp_path / "clip")].shape == (3, 8, 8, 1)
    # A 32-bit float TIFF frame was converted to RGB by clipping each value to 0..255 (0.5 became 0: black).
    Image.fromarray(np.full((8, 8), 0.5, "float32")).save(tmp_path / "clip" / "frame_003.tif")
    with pytest.raises(FileContentError, match=r"cannot read frame 'frame_003\.tif' \(32-bit float pixels"):
        video.load_frame_folder(str(tmp_path / "clip"))


def test_short_clip_is_a_clear_error():
    clips = {"long": np.zeros((6, 8, 8, 1), "float32"), "short_one": np.zeros((4, 8, 8, 1), "float32")}
    with pytest.raises(ValueError, match=r"short_one.*4 frame\(s\).*context_frames \+ 1 = 5"):
        video.window_dataset(clips, context_frames=4)
    with pytest.raises(ValueError, match="'short_one'"):
        video.window_arrays(clips, context_frames=4)
    clips = {"a": np.zeros((6, 8, 8, 1)), "b_small": np.zeros((6, 4, 4, 1))}
    with pytest.raises(ValueError, match="b_small.*one frame shape"):
        video.window_arrays(clips, context_frames=2)


def test_window_dataset_matches_window_arrays_and_stacks_oldest_first():
    rng = np.random.default_rng(0)
    clips = [rng.uniform(-1, 1, (n, 4, 4, 2)).astype("float32") for n in (5, 7)]
    cond, target = video.window_arrays(clips, context_frames=3, stride=2)
    ds_cond, ds_target = (np.concatenate(x) for x in zip(*video.window_dataset(clips, 3, batch_size=2, stride=2)))
    np.testing.assert_array_equal(ds_cond, cond)
    np.testing.assert_array_equal(ds_target, target)
    assert len(cond) == 1 + 2  # starts 0 of clip 1; 0 and 2 of clip 2
    # channels [f0c0, f0c1, f1c0, ...]: oldest frame first
    np.testing.assert_array_equal(cond[0, ..., 2:4], clips[0][1])
    np.testing.assert_array_equal(target[2], clips[1][5])
    np.testing.assert_array_equal(video.unstack_context(cond, 2)[1], clips[1][:3])


# ---------------------------------------------------------------- synthetic


def test_junction_ambiguity_is_real():
    left = synthetic_video.junction_clips(40, size=16, length=14, seed=3, branch=0)
    right = synthetic_video.junction_clips(40, size=16, length=14, seed=3, branch=1)
    j = left.junction_frame
    assert (j >= 4).all() and (j == right.junction_frame).all()
    for n in range(40):
        # everything before the junction frame is identical for both futures...
        np.testing.assert_array_equal(left.frames[n, : j[n]], right.frames[n, : j[n]])
        # ...and the junction frame differs
        assert not np.array_equal(left.frames[n, j[n]], right.frames[n, j[n]])
    idx = np.arange(40)
    # the regression optimum (mean of both futures) is not one sprite; each future is
    average = (left.frames[idx, j] + right.frames[idx, j]) / 2
    assert video_metrics.mode_split(average)["one_sprite"] == 0.0
    assert video_metrics.mode_split(left.frames[idx, j])["one_sprite"] == 1.0


def test_junction_clips_vary_and_positions_are_true():
    clips = synthetic_video.junction_clips(200, size=16, length=14, seed=0)
    assert clips.frames.shape == (200, 14, 16, 16, 1)
    assert 0.35 < clips.branch.mean() < 0.65
    assert len(set(clips.sprite)) == len(synthetic_video.SPRITES)
    assert len({tuple(f[0, :, :, 0].ravel() > -1) for f in clips.frames}) > 150  # layouts differ
    for n in range(0, 200, 7):
        for t in range(14):
            rows, cols = np.nonzero(clips.frames[n, t, :, :, 0] == synthetic_video.SPRITE)
            r, c = clips.positions[n, t]
            assert 0 <= rows.min() - r <= 1 and 0 <= cols.min() - c <= 1  # masks may miss a corner
    with pytest.raises(ValueError, match="speed"):
        synthetic_video.junction_clips(2, speeds=(1,))


def test_bouncing_digits_stay_inside_and_move():
    clips = synthetic_video.bouncing_digits(5, size=16, length=10, seed=0)
    assert clips.shape == (5, 10, 16, 16, 1)
    assert clips.min() >= -1.0 and clips.max() <= 1.0
    assert np.all(clips.max(axis=(2, 3, 4)) > 0)  # a digit in every frame
    assert np.abs(np.diff(clips, axis=1)).max() > 0.5


# ------------------------------------------------------------------ metrics


def test_count_sprites_one_split_faded():
    frame = np.full((10, 10, 1), -1.0)
    frame[2:4, 2:4] = 1.0
    assert video_metrics.count_sprites(frame) == "one"
    two = frame.copy()
    two[6:8, 6:8] = 1.0
    assert video_metrics.count_sprites(two) == "split"
    faint = frame.copy()
    faint[6:8, 6:8] = 0.4  # below threshold, but bright mass away from the blob
    assert video_metrics.count_sprites(faint) == "split"
    assert video_metrics.count_sprites(np.full((10, 10, 1), -0.5)) == "faded"
    result = video_metrics.mode_split(np.stack([frame, two, frame, np.full((10, 10, 1), -1.0)]))
    assert result == {"one_sprite": 0.5, "split": 0.25, "faded": 0.25, "count": 4}
    rollouts = np.stack([np.stack([frame, frame]), np.stack([frame, two])])
    assert video_metrics.intact_rollouts(rollouts) == 0.5
    white = np.ones((10, 10, 1))  # a washed-out frame is one blob, but no sprite
    assert video_metrics.count_sprites(white) == "one"
    assert video_metrics.count_sprites(white, max_pixels=9) == "split"
    assert video_metrics.count_sprites(frame, max_pixels=4) == "one"


def test_matches_future():
    futures = np.full((2, 2, 10, 10, 1), -1.0)
    futures[:, 0, 2:4, 2:4] = 1.0  # left future
    futures[:, 1, 2:4, 6:8] = 1.0  # right future
    pred = np.full((2, 10, 10, 1), -1.0)
    pred[0, 2:4, 6:8] = 1.0  # commits to the right future
    pred[1, 7:9, 7:9] = 1.0  # one sprite, but in no possible future
    assert video_metrics.matches_future(pred, futures) == 0.5


def test_psnr_and_sharpness_by_hand():
    a = np.zeros((2, 4, 4, 1))
    b = a + 0.2  # mse 0.04 -> 10 log10(4 / 0.04) = 20 dB
    assert video_metrics.psnr(a, b) == pytest.approx(20.0)
    edge = np.full((1, 4, 4, 1), -1.0)
    edge[:, :, 2:] = 1.0  # one vertical edge of height 2 in |dx| per row
    # gradients cropped to 3x3: |dx| = 2 in column 1 of each of 3 rows -> 6 / 9
    assert video_metrics.sharpness(edge) == pytest.approx(6 / 9)
    assert video_metrics.sharpness(edge * 0.5) == pytest.approx(3 / 9)
    assert video_metrics.sharpness_difference(edge, edge) > video_metrics.sharpness_difference(edge * 0.5, edge)
    with pytest.raises(ValueError, match="one shape"):
        video_metrics.psnr(a, a[:1])


# --------------------------------------------------------------------- GIFs


def test_rollout_gif_panels(tmp_path):
    context = np.full((2, 3, 4, 4, 1), -1.0)
    context[:, :2, 0, 0] = [[[0.5], [0.0]]]  # distinct frames (Pillow merges identical ones)
    prediction = np.full((2, 2, 4, 4, 1), 1.0)
    prediction[:, 1, 0, 0] = 0.5
    truth = np.zeros((2, 2, 4, 4, 1))
    path = str(tmp_path / "r.gif")
    frames = write_rollout_gif(path, context, prediction, truth, scale=2)
    assert frames.shape == (5, 2 * (8 + 2) + 2, 3 * (8 + 2) + 2, 3)
    with Image.open(path) as gif:
        assert gif.n_frames == 5
    # after the context: panel 1 holds the last context frame (black), 2 the
    # prediction (white, red frame), 3 the truth (gray)
    top, left = 2, 2
    assert tuple(frames[3, top + 3, left + 3]) == (0, 0, 0)
    assert tuple(frames[3, top + 3, left + 10 + 3]) == (255, 255, 255)
    assert tuple(frames[3, top, left + 10]) == (255, 0, 0)
    assert tuple(frames[3, top + 3, left + 20 + 3]) == (127, 127, 127)


def test_rollout_callback_writes_gif_and_tensorboard(tmp_path):
    from keras_cgan import NextFrameGAN, networks

    g = networks.next_frame_generator((8, 8, 1), 2, latent_dim=2, base_filters=4)
    d = networks.next_frame_discriminator((8, 8, 1), 2, base_filters=4, scales=(1,))
    gan = NextFrameGAN(g, d, context_frames=2, seed=0)
    gan.compile()
    clips = np.random.default_rng(0).uniform(-1, 1, (3, 4, 8, 8, 1)).astype("float32")
    cond, target = video.window_arrays(clips, 2)
    cb = RolloutGIF(clips[:2], str(tmp_path / "gifs"), steps=3, every=2, log_dir=str(tmp_path / "tb"))
    gan.fit(cond, target, batch_size=3, epochs=2, verbose=0, callbacks=[cb])
    assert os.listdir(tmp_path / "gifs") == ["rollout_epoch_002.gif"]
    with Image.open(tmp_path / "gifs" / "rollout_epoch_002.gif") as gif:
        assert gif.n_frames == 2 + 3
    events = [n for n in os.listdir(tmp_path / "tb") if n.startswith("events")]
    assert len(events) == 1
    import tensorflow as tf

    records = [tf.compat.v1.Event.FromString(r.numpy()) for r in tf.data.TFRecordDataset(str(tmp_path / "tb" / events[0]))]
    values = {v.tag: v for r in records for v in r.summary.value}
    assert values["rollout"].metadata.plugin_data.plugin_name == "images"
    png = tf.make_ndarray(values["rollout"].tensor)[2]
    assert tf.io.decode_png(png).shape == (2 * (32 + 2) + 2, 5 * (3 * (32 + 2) + 2), 3)
    gif = tf.make_ndarray(values["rollout_gif"].tensor)[2]
    assert gif[:6] == b"GIF89a"
    assert values["g_loss"].metadata.plugin_data.plugin_name == "scalars"
