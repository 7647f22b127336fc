"""The synthetic clips behind the video example at their limits; the benchmark scripts' own checks; lint."""

import glob
import io
import os
import sys

import numpy as np
import pytest

from keras_cgan.data import synthetic_video
from tests.test_case import REPO, benchmark_module


def test_bouncing_digits_fit_frames_with_less_room_than_a_step():
    # At size 10 the 8-pixel digit has 2 pixels of room but steps up to 3: a step reflected once could land
    # past the far border (a broadcast error); it is reflected until it is inside.
    for size, speed in ((10, (1, 3)), (10, (5, 9)), (11, (1, 3))):
        clips = synthetic_video.bouncing_digits(200, size=size, length=12, speed=speed, seed=0)
        assert clips.shape == (200, 12, size, size, 1)
        assert np.all(clips.max(axis=(2, 3, 4)) > 0)  # a digit in every frame


def test_junction_clips_keep_the_context_before_the_junction():
    # Frames too small for the context cut the stem short: junction frames came before `context_frames`.
    for size in (16, 20, 24):
        longest = synthetic_video.max_context_frames(size)
        clips = synthetic_video.junction_clips(300, size, 40, longest, seed=0)
        assert clips.junction_frame.min() >= longest
        with pytest.raises(ValueError, match=f"context_frames={longest + 1}: junction clips of size={size} have room "
                                             f"for 1 to {longest} context frames before the junction; a larger size"):
            synthetic_video.junction_clips(2, size, 40, longest + 1, seed=0)
    assert synthetic_video.max_context_frames(16, speeds=(2,), sprites=["bar"]) == 7  # 2 rows, 2 pixels a frame


def test_junction_clips_hold_their_junction_frame():
    # A 6-frame clip with 4 context frames had junction frames up to 7, past its last frame.
    clips = synthetic_video.junction_clips(300, 16, 8, 4, seed=0)
    assert clips.junction_frame.max() == 7  # the latest junction is the last frame
    with pytest.raises(ValueError, match=r"length=7: junction clips with context_frames=4 need at least 8 frames .*; "
                                         r"give length=8 or more, or context_frames=3 or less\.$"):
        synthetic_video.junction_clips(2, 16, 7, 4, seed=0)


def test_junction_clips_refuse_speeds_too_fast_for_the_frame():
    # speeds=(2, 5) at size 16 failed inside numpy ("low >= high"): no room for an arm a full step long.
    with pytest.raises(ValueError, match=r"speeds=\(2, 5\): speeds up to 5 need a size of at least 17 .* at size=16 "
                                         r"give speeds up to 4, or a larger size\.$"):
        synthetic_video.junction_clips(2, 16, 14, 2, speeds=(2, 5), seed=0)
    # The bound is exact: the largest speed that fits draws clips, for wide and narrow sprites.
    for size in (16, 17, 20):
        for sprites, widest in ((None, 3), (["square2"], 2)):
            fastest = (size - widest - 4) // 2
            clips = synthetic_video.junction_clips(50, size, 14, 1, speeds=(fastest,), sprites=sprites, seed=0)
            assert clips.frames.shape == (50, 14, size, size, 1)
            with pytest.raises(ValueError, match=f"speeds=\\({fastest + 1},\\): speeds up to"):
                synthetic_video.junction_clips(2, size, 14, 1, speeds=(fastest + 1,), sprites=sprites, seed=0)


@pytest.mark.parametrize("speeds", [(), [], 3, (2.5,), (2.0, 3.0), ("2",), (True, 3)])
def test_junction_clips_name_speeds_that_are_no_ints(speeds):
    # Empty speeds failed in min() ("arg is an empty sequence"), an int alone in iteration, str speeds on `<`;
    # float speeds made clips.
    with pytest.raises(ValueError, match=r"^speeds=.*: give one or more int speeds \(pixels a frame\), each >= 2\.$"):
        synthetic_video.junction_clips(2, speeds=speeds, seed=0)
    assert synthetic_video.junction_clips(2, speeds=np.array([2, 3]), seed=0).frames.shape == (2, 14, 16, 16, 1)



@pytest.mark.parametrize("context", [0, -1, 2.0, True])
def test_junction_clips_name_a_context_that_is_no_positive_int(context):
    # 0 made clips, -1 failed with an IndexError, 2.0 on a slice.
    with pytest.raises(ValueError, match=rf"^context_frames={context}: give an int of 1 or more context frames\.$"):
        synthetic_video.junction_clips(2, context_frames=context, seed=0)

def error_of(main, argv, capsys):
    """The one error line `main(argv)` exits with (argparse's exit 2)."""
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, expected", [
    # --context 5 at --size 16 was the library's ValueError (a traceback); --length 6 an IndexError.
    (["--context", "5"], "--context 5: junction clips of --size 16 have room for 1 to 4 context frames before the "
                         "junction; a larger --size makes room for more"),
    (["--context", "0"], "argument --context: expected an int >= 1, received 0"),
    (["--size", "24", "--context", "8"], "--context 8: junction clips of --size 24 have room for 1 to 7"),
    (["--length", "6"], "--length 6: junction clips with --context 4 need at least 8 frames (the junction frame can "
                        "be the 4th after the context); give --length 8 or more, or --context 2 or less"),
    (["--size", "12"], "--size 12: junction frames are a multiple of 4 pixels, at least 16"),
])
def test_video_split_checks_context_length_and_size_before_any_clip(argv, expected, tmp_path, capsys, monkeypatch):
    video_split = benchmark_module("video_split")
    monkeypatch.setattr(video_split.synthetic_video, "junction_clips", lambda *a, **k: pytest.fail("made clips"))
    out = ["--out", str(tmp_path / "video_split.json")]
    assert f": error: {expected}" in error_of(video_split.main, argv + out, capsys)



@pytest.mark.parametrize("argv, expected", [
    # Each was the library's ValueError (a traceback naming its keywords) once every clip was made.
    (["--l2-weight", "0", "--gdl-weight", "0"],
     "--l2-weight, --l1-weight and --gdl-weight are all 0: the L2 baseline (no adversarial term) would have no loss; "
     "add --only gan to train the adversarial-only GAN alone"),
    (["--only", "gan", "--l2-weight", "0", "--gdl-weight", "0", "--adversarial-weight", "0"],
     "--l2-weight, --l1-weight, --gdl-weight and --adversarial-weight are all 0: the GAN would have no loss"),
    # Both were told to add --only gan, which has no loss either at --adversarial-weight 0.
    (["--l2-weight", "0", "--gdl-weight", "0", "--adversarial-weight", "0"],
     "--l2-weight, --l1-weight, --gdl-weight and --adversarial-weight are all 0: neither the L2 baseline nor the "
     "GAN would have a loss; set --l2-weight, --l1-weight or --gdl-weight above 0 (or --adversarial-weight above 0 "
     "with --only gan)"),
    (["--only", "l2", "--l2-weight", "0", "--gdl-weight", "0", "--adversarial-weight", "0"],
     "--l2-weight, --l1-weight and --gdl-weight are all 0: the L2 baseline (no adversarial term) would have no loss; "
     "set one of them above 0"),
    (["--variety", "2", "--latent-dim", "0"], "--variety 2: draws noise, which --latent-dim 0 leaves out"),
    (["--scales", "1", "8"], "--scales 1 8: the scales must be int factors >= 1, a list or tuple without repeats, "
     "leaving frames of at least 4x4 (frames of 16x16 take factors up to 4)"),
    (["--scales", "1", "1"], "--scales 1 1: the scales must be int factors >= 1, a list or tuple without repeats"),
    (["--scales", "0"], "argument --scales: expected an int >= 1, received 0"),
    (["--l2-weight", "-1"], "argument --l2-weight: expected a number >= 0, received '-1'"),
    (["--r1-weight", "-1"], "argument --r1-weight: expected a number >= 0, received '-1'"),
    # was: an OSError making the GIF folder once the L2 model had trained (no results written)
    (["--gif-dir", "FILE"], "--gif-dir FILE: FILE is a file, not a folder."),
])
def test_video_split_checks_the_model_flags_before_any_clip(argv, expected, tmp_path, capsys, monkeypatch):
    video_split = benchmark_module("video_split")
    monkeypatch.setattr(video_split.synthetic_video, "junction_clips", lambda *a, **k: pytest.fail("made clips"))
    file = tmp_path / "a_file"
    file.write_text("")
    argv = [str(file) if a == "FILE" else a for a in argv] + ["--out", str(tmp_path / "video_split.json")]
    assert f": error: {expected.replace('FILE', str(file))}" in error_of(video_split.main, argv, capsys)


@pytest.mark.parametrize("argv", [
    ["--only", "gan", "--l2-weight", "0", "--gdl-weight", "0"],  # the adversarial-only GAN, as the model takes it
    ["--only", "l2", "--variety", "2", "--latent-dim", "0"],  # the baseline draws once
    ["--scales", "1", "2", "4"],
])
def test_video_split_takes_the_model_flags_a_model_takes(argv, tmp_path, monkeypatch):
    video_split = benchmark_module("video_split")

    def made_clips(*args, **kwargs):
        raise KeyboardInterrupt  # past every check: stop before the clips

    monkeypatch.setattr(video_split.synthetic_video, "junction_clips", made_clips)
    with pytest.raises(SystemExit, match="^130$"):  # Ctrl-C's exit
        video_split.main(argv + ["--out", str(tmp_path / "video_split.json")])

def test_export_latency_figure_and_inputs_take_the_generators_classes(tmp_path):
    # The figure and the conditional inputs assumed 10 classes: a 5-class generator got ids 5-9 (a failed gather).
    from types import SimpleNamespace

    from keras_cgan import export, networks

    export_latency = benchmark_module("export_latency")
    generator = networks.conditional_generator((8, 8, 1), num_classes=5, latent_dim=4, base_filters=8)
    assert export_latency.input_mismatch(generator, "conditional") is None
    inputs = export_latency.figure_inputs(generator, 0)
    assert inputs["condition"].tolist() == [0, 1, 2, 3, 4] and inputs["noise"].shape == (5, 4)
    assert export_latency.conditional_data(generator, 16, 0)["condition"].max() == 4
    report = export.to_saved_model(generator, str(tmp_path / "saved"), inputs=inputs)
    reports = {kind: SimpleNamespace(path=report.path) for kind in export_latency.FIGURE_ROWS}
    export_latency.save_figure(reports, inputs, str(tmp_path / "figure.png"))  # one column per class
    assert os.path.isfile(tmp_path / "figure.png")


@pytest.mark.parametrize("argv, error", [
    (["--epochs", "abc"], "argument --epochs: expected an int, received 'abc'"),  # was: invalid int value: 'abc'
    (["--size", "1.5"], "argument --size: expected an int, received '1.5'"),
])
def test_discriminator_designs_words_a_shared_flag_that_is_no_int_as_the_example(argv, error, capsys, tmp_path):
    module = benchmark_module("discriminator_designs")
    out = ["--out", str(tmp_path / "designs.json")]
    assert error_of(module.main, argv + out, capsys).endswith(error)
    assert error_of(module.anime_tags.main, argv, capsys).endswith(error)  # the example's own message


def test_discriminator_designs_trains_with_the_shared_flags_as_ints(monkeypatch, tmp_path):
    module = benchmark_module("discriminator_designs")
    given = []

    def train(design, mismatch_weight, args, example, seed):
        given.append(args)
        raise KeyboardInterrupt  # stop before any training

    monkeypatch.setattr(module, "train", train)
    with pytest.raises(SystemExit, match="^130$"):  # Ctrl-C's exit
        module.main(["--epochs", "3", "--out", str(tmp_path / "designs.json")])
    assert (given[0].epochs, given[0].faces, given[0].size) == (3, 4096, 16)
    assert all(type(getattr(given[0], name)) is int for name in module.SHARED)


def test_scripts_have_no_unused_names():
    from pyflakes import api
    from pyflakes.reporter import Reporter

    out = io.StringIO()
    paths = sorted(glob.glob(os.path.join(REPO, "benchmarks", "*.py")))
    paths += sorted(glob.glob(os.path.join(REPO, "examples", "*.py")))
    assert sum(api.checkPath(path, Reporter(out, out)) for path in paths) == 0, out.getvalue()


@pytest.mark.parametrize("name, shown", [
    ("anime_tags", "--batch-size BATCH_SIZE (default: 64)"),
    ("stack_gan", "--grow-at [GROW_AT ...] epochs at which stages 2, 3 start (one per later stage; extra ones are "
                  "ignored) (default: [8, 14])"),
    ("text_to_image", "--epochs EPOCHS (default: 45)"),
    ("pix2pix", "--steps STEPS (default: 600)"),
    ("next_frame_gan", "--clips CLIPS (default: 2000)"),
    ("speech_enhancement", "--window WINDOW samples, a multiple of 64 (default: 16384)"),
])
def test_example_help_shows_the_defaults(name, shown, capsys):
    import importlib

    module = importlib.import_module(f"examples.{name}")
    with pytest.raises(SystemExit):
        module.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert shown in out  # was: no default shown
    assert "(default: None)" not in out and "(default: False)" not in out



def test_speech_enhancement_help_states_the_window_rule_of_the_preset(capsys, monkeypatch):
    import importlib

    from keras_cgan.models.segan.defaults import DEFAULT

    module = importlib.import_module("examples.speech_enhancement")
    monkeypatch.setitem(DEFAULT, "filters", (8, 16, 16))  # was: "a multiple of 64" whatever the filters
    with pytest.raises(SystemExit):
        module.main(["--help"])
    assert "samples, a multiple of 8 " in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("name, flag, below", [
    ("anime_tags", "--out", ""), ("text_to_image", "--out", ""), ("next_frame_gan", "--out", ""),
    ("speech_enhancement", "--out", ""), ("stack_gan", "--out", ""), ("stack_gan", "--grid", "/stages.png"),
    ("pix2pix", "--out", "/grid.png"),
])
def test_examples_name_an_output_path_under_a_file_before_training(name, flag, below, tmp_path, capsys, monkeypatch):
    # Was a FileExistsError or NotADirectoryError traceback; for next_frame_gan once its clips were made, for
    # stack_gan's --grid once it had trained.
    import keras

    monkeypatch.setattr(keras.Model, "fit", lambda *a, **k: pytest.fail("trained"))
    file = tmp_path / "a_file"
    file.write_text("")
    example = benchmark_module("_examples").load(name)
    line = error_of(example.main, [flag, f"{file}{below}"], capsys)
    assert line.endswith(f"error: {flag} {file}{below}: {file} is a file, not a folder.")


@pytest.mark.parametrize("name, argv, error", [
    ("anime_tags", ["--filters", "0"], "argument --filters: expected an int >= 1, received 0"),
    ("anime_tags", ["--mismatch-weight", "-1"], "argument --mismatch-weight: expected a number >= 0, received '-1'"),
    ("text_to_image", ["--latent-dim", "0"], "argument --latent-dim: expected an int >= 1, received 0"),
    ("text_to_image", ["--ema-decay", "1"], "argument --ema-decay: expected a number >= 0 and < 1, received '1'"),
    ("text_to_image", ["--word-swap", "1.5"], "argument --word-swap: expected a number >= 0 and <= 1, received '1.5'"),
    ("stack_gan", ["--code-dim", "0"], "argument --code-dim: expected an int >= 1, received 0"),
    ("stack_gan", ["--translation", "0.5"], "argument --translation: expected a number >= 0 and < 0.5, received '0.5'"),
    ("stack_gan", ["--diversity-warmup", "-1"], "argument --diversity-warmup: expected an int >= 0, received -1"),
    ("pix2pix", ["--l1-weight", "-1"], "argument --l1-weight: expected a number >= 0, received '-1'"),
    ("pix2pix", ["--l1-weight", "0"], "--l1-weight 0: the L1-only model (no adversarial term) would have no loss; "
                                      "give --l1-weight above 0 (the example trains it beside L1+cGAN)"),
    ("next_frame_gan", ["--adversarial-weight", "-1"],
     "argument --adversarial-weight: expected a number >= 0, received '-1'"),
    ("speech_enhancement", ["--adversarial-weight", "-1"],
     "argument --adversarial-weight: expected a number >= 0, received '-1'"),
])
def test_examples_name_a_model_setting_out_of_range(name, argv, error, tmp_path, capsys, monkeypatch):
    # Each was the library's traceback naming its keyword (`base_filters`, `ema_decay`...); speech_enhancement's
    # came once it had made its synthetic data, next_frame_gan's once its clips were made.
    import keras

    monkeypatch.setattr(keras.Model, "fit", lambda *a, **k: pytest.fail("trained"))
    out = str(tmp_path / ("grid.png" if name == "pix2pix" else "out"))
    example = benchmark_module("_examples").load(name)
    assert error_of(example.main, argv + ["--out", out], capsys).endswith(error)


def test_export_scripts_import_tensorflow_under_the_quiet_start(monkeypatch, capsys, tmp_path):
    # `python export/to_onnx.py ...` printed TensorFlow's start-up lines (absl's notice, oneDNN) although it sets
    # TF_CPP_MIN_LOG_LEVEL=2: it imports the API under `_quiet_tensorflow_start`, as the `keras-cgan` command does.
    import contextlib

    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.keras").write_bytes(b"")  # the options are checked first: a model file that exists

    import keras_cgan
    from keras_cgan.cli import export as export_cli

    events = []

    @contextlib.contextmanager
    def quiet():
        events.append("quiet")
        try:
            yield
        finally:
            events.append("loud")

    monkeypatch.setattr(keras_cgan, "_quiet_tensorflow_start", quiet)
    monkeypatch.setattr(keras_cgan, "import_api", lambda: events.append("api"))
    monkeypatch.setattr(export_cli, "run_export", lambda args: events.append(args.export_command) or 0)
    assert export_cli.script_main("onnx", ["g.keras", "-o", "g.onnx"]) == 0
    assert events == ["quiet", "api", "loud", "onnx"]

    def stopped():  # a Ctrl-C while TensorFlow loads: one line and status 130, the held lines given back
        raise KeyboardInterrupt

    events.clear()
    monkeypatch.setattr(keras_cgan, "import_api", stopped)
    monkeypatch.setattr(sys, "argv", ["to_onnx.py"])
    try:
        status = export_cli.script_main("onnx", ["g.keras", "-o", "g.onnx"])
    except KeyboardInterrupt:
        pytest.fail("the Ctrl-C left the script as a traceback")
    assert status == 130
    assert events == ["quiet", "loud"] and capsys.readouterr().err == "to_onnx.py: interrupted; nothing written.\n"
