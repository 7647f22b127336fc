"""The benchmark scripts refuse bad arguments in one line, before they train."""

import json
import os
import re
import shlex

import pytest

from tests.test_case import REPO, benchmark_module, run_scripts

_report = benchmark_module("_report")


def error_of(main, argv, capsys):
    """The one error line `main(argv)` exits with (argparse's exit 2)."""
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def no_training(*args, **kwargs):
    raise AssertionError("trained before the arguments were checked")


def past_the_checks(*args, **kwargs):
    raise KeyboardInterrupt  # every check passed: stop before any work


# ---------------------------------------------------------------- _report


def test_record_refuses_a_file_it_did_not_write(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"a": 1}')
    with pytest.raises(ValueError, match="not a results file"):
        _report.record("scaling", {"rows": []}, out=str(other))
    assert json.loads(other.read_text()) == {"a": 1}
    other.write_text(json.dumps({"benchmark": "video_split", "schema": _report.SCHEMA, "runs": []}))
    with pytest.raises(ValueError, match="results of 'video_split', not of scaling"):
        _report.writable("scaling", str(other))
    other.write_text("not json")
    with pytest.raises(ValueError, match="not a results file of scaling"):
        _report.writable("scaling", str(other))


def test_out_may_be_new_or_the_benchmarks_own_file(tmp_path):
    new = str(tmp_path / "new.json")
    assert _report.writable("scaling", new) == new
    own = tmp_path / "own.json"
    own.write_text(json.dumps({"benchmark": "scaling", "schema": _report.SCHEMA, "runs": []}))
    assert _report.writable("scaling", str(own)) == str(own)


def test_out_naming_a_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        _report.writable("scaling", str(tmp_path))


def test_record_command_names_a_missing_result_in_one_line(tmp_path, capsys):
    line = error_of(_report.main, ["record", "scaling", str(tmp_path / "missing.json")], capsys)
    assert line.endswith("missing.json: cannot read it as JSON (No such file or directory)")


@pytest.mark.parametrize("parse, text, error", [
    (_report.real(0.0, 0.0001234567), "1", "expected a number >= 0 and <= 0.0001234567, received '1'"),  # was 0.000123457
    (_report.real(1e-7, above=True), "0", "expected a number > 1e-07, received '0'"),
    (_report.real(0.0, 1234567.5, below=True), "2e6", "expected a number >= 0 and < 1234567.5, received '2e6'"),
    (_report.real(0.0), "nan", "expected a number >= 0, received 'nan'"),
    (_report.real(0.0), "inf", "expected a number >= 0, received 'inf'"),
    (_report.real(0.0), "lots", "expected a number >= 0, received 'lots'"),
])
def test_real_is_checks_number_with_its_bounds_as_given(parse, text, error):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError) as refused:
        parse(text)
    assert str(refused.value) == error
    assert _report.real(0.0, 0.0001234567)("0.0001234567") == 0.0001234567


def test_benchmarks_take_their_argparse_types_from_report():
    # One route for counts and numbers: _report.at_least / _report.real (was: video_split's --context alone
    # used checks.at_least).
    import glob

    direct = [
        f"{os.path.basename(path)}: {found}" for path in sorted(glob.glob(os.path.join(REPO, "benchmarks", "*.py")))
        if not path.endswith("_report.py")
        for found in re.findall(r"type=checks\.\w+", open(path, encoding="utf-8").read())
    ]
    assert not direct, direct


# ---------------------------------------------------------------- ConditionalGAN benchmarks


def test_condition_fidelity_checks_seeds_and_out_first(tmp_path, monkeypatch, capsys):
    module = benchmark_module("condition_fidelity")
    monkeypatch.setattr(module, "train", no_training)
    assert error_of(module.main, ["--seeds", "0"], capsys).endswith("--seeds 0: must be at least 1")
    assert "is a folder" in error_of(module.main, ["--out", str(tmp_path)], capsys)


def test_discriminator_designs_checks_every_design_first(monkeypatch, capsys):
    module = benchmark_module("discriminator_designs")
    monkeypatch.setattr(module, "train", no_training)
    line = error_of(module.main, ["--designs", "concat,projektion"], capsys)
    assert line.endswith("--designs 'projektion': not a design; the designs are " + ", ".join(module.DESIGNS))
    assert "--seeds 0" in error_of(module.main, ["--seeds", "0"], capsys)


@pytest.mark.parametrize("argv, error", [
    # was: acgan trained with and without the matching-aware term, then concat's build raised (nothing written)
    (["--designs", "acgan,concat", "--set", "auxiliary_on_fake=negative"],
     "--set (design concat): `auxiliary_on_fake='negative'` acts on an `acgan` discriminator's classifier"),
    (["--set", "nope=1"], "--set: Unknown setting(s) ['nope'] for preset 'default'"),  # was: a traceback
    (["--designs", "concat,acgan,concat"], "--designs concat,acgan,concat: concat twice; name each design once"),
])
def test_discriminator_designs_checks_the_settings_of_every_design_first(argv, error, monkeypatch, capsys):
    module = benchmark_module("discriminator_designs")
    monkeypatch.setattr(module, "train", no_training)
    line = error_of(module.main, argv, capsys)
    assert error in line, line

@pytest.mark.parametrize("argv, error", [
    (["--size", "24"], "--size 24: the tag faces are drawn at multiples of 16 pixels (e.g. 16 or 32)"),
    (["--size", "8"], "argument --size: expected an int >= 16, received 8"),
    (["--faces", "10"], "--faces 10: fewer than one batch of --batch-size 64"),
    (["--samples", "1"], "argument --samples: expected an int >= 2, received 1"),
    (["--epochs", "0"], "argument --epochs: expected an int >= 1, received 0"),
])
def test_discriminator_designs_checks_the_example_flags_as_the_example_does(argv, error, monkeypatch, capsys):
    module = benchmark_module("discriminator_designs")
    monkeypatch.setattr(module, "train", no_training)
    assert error_of(module.main, argv, capsys).endswith(error)
    assert error_of(module.anime_tags.main, argv, capsys).endswith(error)  # the example's own message


def test_discriminator_designs_ignores_the_examples_default_out(tmp_path, monkeypatch, capsys):
    # The example's --out default (runs/anime_tags) was checked against the cwd: a file there refused the
    # benchmark, which never writes it, naming an --out it was not given.
    module = benchmark_module("discriminator_designs")
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "anime_tags").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(module, "train", past_the_checks)
    with pytest.raises(SystemExit, match="^130$"):  # Ctrl-C's exit
        module.main(["--designs", "concat", "--out", str(tmp_path / "designs.json")])
    line = error_of(module.anime_tags.main, [], capsys)  # the example itself, which writes there, refuses it
    assert line.endswith(f"--out runs/anime_tags: {tmp_path / 'runs' / 'anime_tags'} is a file, not a folder.")


def test_discriminator_designs_command_of_the_screens_names_its_run(monkeypatch, capsys):
    # Without --run it would replace run `default`, the docs' table.
    module = benchmark_module("discriminator_designs")
    with open(os.path.join(REPO, "docs", "generalisation_screens.md"), encoding="utf-8") as f:
        command = re.search(r"`(benchmarks/discriminator_designs\.py[^`]*)`", f.read()).group(1)
    parsed = []
    monkeypatch.setattr(module, "train", lambda *args: parsed.append(args[2]) or no_training())
    with pytest.raises(AssertionError, match="trained before"):
        module.main(shlex.split(" ".join(command.split()))[1:])  # lines joined as the page shows them
    with open(_report.path_of("discriminator_designs")) as f:
        runs = {r["name"]: r["result"]["args"] for r in json.load(f)["runs"]}
    args = parsed[0]
    assert args.run != "default" and args.run in runs
    assert (args.designs, args.seeds) == (runs[args.run]["designs"], runs[args.run]["seeds"])


def test_caption_generalisation_parses_every_flags_first(monkeypatch, capsys):
    module = benchmark_module("caption_generalisation")
    monkeypatch.setattr(module, "reader_accuracy", no_training)
    line = error_of(module.main, ["--flags", "--epochs 1", "--flags", "--stepz 2"], capsys)
    assert line.endswith("--flags '--stepz 2': unrecognized arguments: --stepz 2")
    line = error_of(module.main, ["--run", "--design acgan"], capsys)
    assert line.endswith("--run '--design acgan': a run name; the example's flags go to --flags")


def test_caption_generalisation_checks_each_rows_flags_and_folder_as_the_example_does(tmp_path, monkeypatch, capsys):
    # Both failed only once the reader had scored (and earlier rows trained): too few images for a batch
    # trained no step; a file in the way of a row's folder was an OSError.
    module = benchmark_module("caption_generalisation")
    monkeypatch.setattr(module, "reader_accuracy", no_training)
    out = ["--out", str(tmp_path / "captions.json")]
    line = error_of(module.main, ["--flags", "", "--flags", "--images 10"] + out, capsys)
    assert line.endswith("--flags '--images 10': --images 10: fewer than one batch of --batch-size 64")
    (tmp_path / "runs").write_text("")
    line = error_of(module.main, ["--runs-dir", str(tmp_path / "runs")] + out, capsys)
    assert line.endswith(f"--runs-dir {tmp_path / 'runs'}: {tmp_path / 'runs'} is a file, not a folder.")
    (tmp_path / "runs").unlink()
    (tmp_path / "runs" / "anime").mkdir(parents=True)
    with pytest.raises(AssertionError, match="trained before"):  # a folder that can be made passes
        module.main(["--runs-dir", str(tmp_path / "runs" / "anime")] + out)


def test_caption_generalisation_recorded_commands_remake_their_runs(tmp_path, monkeypatch):
    module = benchmark_module("caption_generalisation")
    monkeypatch.setattr(module, "reader_accuracy", lambda n, size: {})
    monkeypatch.setattr(module.text_to_image, "run", lambda settings: {})
    monkeypatch.setattr(module, "row", lambda label, settings, result: {"run": label})
    written = []
    monkeypatch.setattr(module._report, "show", lambda path, run, rows, columns: written.append(
        (run, [r["run"] for r in rows])))
    with open(_report.path_of("caption_generalisation")) as f:
        recorded = [r for r in json.load(f)["runs"] if r["argv"]]
    assert recorded
    for r in recorded:
        argv = r["argv"][1:]
        argv[argv.index("--out") + 1] = str(tmp_path / "out.json")
        module.main(argv)
        assert written.pop() == (r["name"], list(r["result"]["runs"]))


def test_stackgan_refuses_the_example_options_it_ignores(monkeypatch, capsys):
    module = benchmark_module("stackgan")
    monkeypatch.setattr(module, "run", no_training)
    for flag, value in (("--out", "x.json"), ("--grid", "g.png"), ("--load", "m.keras")):
        line = error_of(module.main, [flag, value], capsys)
        assert f"error: {flag}: an option of examples/stack_gan.py this benchmark ignores" in line


def test_stackgan_checks_sizes_and_growth_as_the_example_does(monkeypatch, capsys):
    module = benchmark_module("stackgan")
    monkeypatch.setattr(module, "run", no_training)
    line = error_of(module.main, ["--sizes", "16", "32", "64", "--grow-at", "1"], capsys)  # stage 3 never grew
    assert "--grow-at 1: 3 stages (--sizes 16 32 64) need 2 start epochs" in line
    assert "--sizes: stage sizes 16 24 cannot be drawn" in error_of(module.main, ["--sizes", "16", "24"], capsys)


def test_export_latency_generator_needs_its_one_family(tmp_path, monkeypatch, capsys):
    module = benchmark_module("export_latency")
    monkeypatch.setattr(module, "bench_family", no_training)
    line = error_of(module.main, ["--generator", "g.keras"], capsys)
    assert line.endswith("--generator g.keras: name the one family it is for, e.g. --families conditional")
    missing = str(tmp_path / "missing.keras")
    line = error_of(module.main, ["--generator", missing, "--families", "conditional"], capsys)
    assert f"--generator: No model file at {missing!r}: give a `.keras` (or `.h5`) file" in line


def test_export_latency_figure_draws_noise_as_wide_as_the_generator(tmp_path, monkeypatch, capsys):
    import keras

    module = benchmark_module("export_latency")
    noise, condition = keras.Input((16,), name="noise"), keras.Input((), dtype="int32", name="condition")
    classes = keras.layers.Flatten()(keras.layers.Embedding(10, 2)(condition))  # the class count is read off it
    generator = keras.Model([noise, condition], keras.layers.Concatenate()([noise, classes]))  # 16 wide, not 32
    result = {"generator": "given", "parameters": 0, "rows": {}, "criteria": {}}
    monkeypatch.setattr(module, "bench_family", lambda family, args, workdir, given: (result, {}, generator))
    drawn = {}
    monkeypatch.setattr(module, "save_figure", lambda reports, inputs, path: drawn.update(inputs))
    module.main(["--families", "conditional", "--figure", str(tmp_path / "f.png"), "--out", str(tmp_path / "r.json")])
    assert drawn["noise"].shape == (10, 16) and drawn["condition"].tolist() == list(range(10))


def test_classifier_pooling_takes_a_scale_just_above_the_least(tmp_path, monkeypatch):
    # 0.0005 leaves round(0.5) == 0 steps (refused above); anything more leaves one.
    module = benchmark_module("classifier_pooling")
    monkeypatch.setattr(module.suite, "tag_images", no_training)
    with pytest.raises(AssertionError, match="trained before"):
        module.main(["--scale", "0.00051", "--out", str(tmp_path / "r.json")])


def test_scaling_needs_a_warmup_step(monkeypatch, capsys):
    module = benchmark_module("scaling")
    monkeypatch.setattr(module, "launch", no_training)
    assert error_of(module.main, ["--warmup", "0"], capsys).endswith("--warmup 0: must be at least 1")


@pytest.mark.parametrize("argv, error", [
    (["--task", "textur"], "--task textur: not a task of pix2pix; its tasks are texture, gray_to_palette, "
                           "edges_to_filled, texture_dots"),
    (["--steps", "0"], "--steps 0: must be at least 1"),
    (["--half", "tune", "--task", "edges_to_filled"],
     "--half tune --task edges_to_filled: no task of pix2pix is both (the tune half is texture, gray_to_palette)"),
])
def test_generalisation_refuses_what_would_train_nothing_or_the_default(argv, error, monkeypatch, capsys):
    module = benchmark_module("generalisation")
    tasks, _, columns = module.FAMILIES["pix2pix"]
    monkeypatch.setitem(module.FAMILIES, "pix2pix", (tasks, no_training, columns))
    assert error_of(module.main, ["--family", "pix2pix"] + argv, capsys).endswith(error)


@pytest.fixture
def nothing_trains(monkeypatch):
    """Every way a benchmark trains (fit, a train step, an optimizer step) or starts a process fails the test."""
    import subprocess

    import keras

    from keras_cgan.models import gan_model

    for name in ("fit", "train_on_batch"):
        monkeypatch.setattr(keras.Model, name, no_training)
        monkeypatch.setattr(gan_model.GANModel, name, no_training)
    monkeypatch.setattr(keras.optimizers.Optimizer, "apply_gradients", no_training)
    monkeypatch.setattr(subprocess, "run", no_training)
    monkeypatch.setattr(subprocess, "Popen", no_training)


@pytest.mark.parametrize("name, argv, error", [
    ("classifier_pooling", ["--poolings", "flatten", "nope"], "argument --poolings: invalid choice: 'nope'"),
    ("classifier_pooling", ["--scale", "0.0001"], "--scale 0.0001: leaves no training step; give more than 0.0005"),
    ("classifier_pooling", ["--scale", "0.0005"], "--scale 0.0005: leaves no training step; give more than 0.0005"),
    ("classifier_pooling", ["--filters", "0"], "argument --filters: expected an int >= 1, received 0"),
    ("condition_fidelity", ["--batch-size", "0"], "argument --batch-size: expected an int >= 1, received 0"),
    ("condition_fidelity", ["--mismatch-weight", "-1"], "argument --mismatch-weight: expected a number >= 0, received '-1'"),
    ("condition_fidelity", ["--set", "nope=1"], "--set: Unknown setting(s) ['nope'] for preset 'digits'"),
    ("condition_fidelity", ["--set", "embedding_dim=0"],
     "--set, for the discriminator \"the preset's D (concat + classifier + wrong labels)\": `embedding_dim` must be"),
    ("condition_fidelity", ["--variant", "plain", "--set", "translation=2"],
     "--set, for the discriminator 'plain concat D': `translation` must be a finite number >= 0 and < 0.5"),
    ("discriminator_designs", ["--mismatch-on", "0"], "argument --mismatch-on: expected a number > 0, received '0'"),
    ("export_latency", ["--steps", "0"], "argument --steps: expected an int >= 1, received 0"),
    ("export_latency", ["--figure", "f.jpg"], "--figure f.jpg: give a .png file name"),
    ("pix2pix_blur", ["--steps", "0"], "argument --steps: expected an int >= 1, received 0"),
    ("pix2pix_blur", ["--adversarial-loss", "nope"], "argument --adversarial-loss: invalid choice: 'nope'"),
    ("pix2pix_blur", ["--ema-decay", "2"], "argument --ema-decay: expected a number >= 0 and < 1, received '2'"),
    ("pix2pix_blur", ["--receptive-field", "5"], "argument --receptive-field: invalid choice: 5 (choose from 1, 16,"),
    ("pix2pix_blur", ["--size", "9"], "--size 9: `image_shape` (9, 9, 3): height and width must be divisible by 2"),
    ("pix2pix_input_pipeline", ["--rounds", "0"], "argument --rounds: expected an int >= 1, received 0"),
    ("pix2pix_step_speed", ["--batch-size", "0"], "argument --batch-size: expected an int >= 1, received 0"),
    ("pix2pix_step_speed", ["--receptive-field", "0"], "argument --receptive-field: invalid choice: 0 (choose from"),
    ("pix2pix_step_speed", ["--image-size", "9"], "--image-size 9: `image_shape` (9, 9, 3): height and width must"),
    ("scaling", ["--filters", "0"], "--filters 0: must be at least 1"),
    ("stackgan_step_speed", ["--steps", "0"], "argument --steps: expected an int >= 1, received 0"),
    ("train_step_speed", ["--latent-dim", "0"], "argument --latent-dim: expected an int >= 1, received 0"),
    ("stackgan", ["--single-filters", "0"], "argument --single-filters: expected an int >= 1, received 0"),
    ("caption_generalisation", ["--reader-images", "0"], "argument --reader-images: expected an int >= 1, received 0"),
    ("segan_quality_speed", ["--window", "1000"],
     "--window (with --filters small) must be a multiple of 2**6 = 64 (one halving per encoder layer). Received: 1000"),
    ("segan_quality_speed", ["--filters", "8,0"], "argument --filters: expected 'small', 'paper' or comma-separated"),
    # was: accepted, then the noisy row's STOI refused the utterances, advising a `metrics` the benchmark has not
    ("segan_quality_speed", ["--seconds", "0.4"], "argument --seconds: expected a number >= 0.41, received '0.4'"),
    ("segan_quality_speed", ["--save-model", "m.h5"], "--save-model m.h5: give a .keras file name"),
    ("speech_peers", ["--steps", "0"], "argument --steps: expected an int >= 1, received 0"),
    # These three failed once the corpus was spoken: the preset's ValueError or a TypeError (`seed` twice).
    ("speech_peers", ["--set", "l1_weight=0", "--set", "stft_weight=0"],
     "--set (the l1_only model): `l1_weight`, `stft_weight` and `adversarial_weight` are all 0"),
    ("speech_peers", ["--set", "nope=1"], "--set: Unknown setting(s) ['nope'] for preset 'default'"),
    ("speech_peers", ["--set", "seed=1"], "--set seed: the benchmark sets it; give --seed instead"),
    # was: Pix2Pix's ValueError (a traceback) once the data was made
    ("pix2pix_blur", ["--l1-weight", "0", "100"], "--l1-weight 0: the first weight is also the L1-only run's, which "
     "would have no loss; give a weight above 0 first (or --variants l1+cgan for the cGAN alone)"),
    ("generalisation", ["--family", "conditional_gan", "--set", "nope=1"], "--set: Unknown setting(s) ['nope']"),
    ("generalisation", ["--family", "conditional_gan", "--set", "steps_per_execution=7"],
     "`--set steps_per_execution=7` must divide a chunk's 500 steps"),
    ("generalisation", ["--family", "segan", "--background", "0"], "--background 0.0: for --family next_frame_gan only"),
    ("video_split", ["--steps", "0"], "argument --steps: expected an int >= 1, received 0"),
    ("video_split", ["--select-every", "-1"], "argument --select-every: expected an int >= 0, received -1"),
    ("video_split", ["--junction-fraction", "2"], "argument --junction-fraction: expected a number >= 0 and <= 1"),
    ("video_split", ["--ema", "2"], "argument --ema: expected a number >= 0 and < 1, received '2'"),
    ("video_split", ["--loss", "nope"], "argument --loss: invalid choice: 'nope'"),
])
def test_bad_values_are_named_before_anything_trains(name, argv, error, nothing_trains, tmp_path, capsys):
    # Each was: training (of the model, a judge, or for an unused option), or a traceback from inside a model.
    out = ["--json" if name == "stackgan" else "--out", str(tmp_path / "r.json")]  # never the repository's results
    line = error_of(benchmark_module(name).main, argv + out, capsys)
    assert error in line, line



@pytest.mark.parametrize("name, argv", [
    ("pix2pix_blur", ["--receptive-field", "auto", "--size", "16", "--train", "2", "--test", "2"]),
    ("pix2pix_step_speed", ["--receptive-field", "image", "--image-size", "16"]),
])
def test_pix2pix_benchmarks_take_every_receptive_field_the_discriminator_takes(name, argv, nothing_trains, tmp_path):
    # "auto" and "image" were refused: `--receptive-field` took ints only.
    with pytest.raises(AssertionError, match="trained before"):
        benchmark_module(name).main(argv + ["--out", str(tmp_path / "r.json")])

# ---------------------------------------------------------------- measures that may be None


FLAT_TRUTH = dict(psnr=30.0, ssim=0.9, sharpness_ratio=None, flat_error=0.0, edge_similarity=None, spectral_match=None)


def test_pix2pix_blur_reports_a_flat_truth_without_sharpness(tmp_path, monkeypatch, capsys):
    import types

    import numpy as np

    module = benchmark_module("pix2pix_blur")
    net = types.SimpleNamespace(get_weights=lambda: [])
    monkeypatch.setattr(module, "build", lambda *args: (net, net))
    monkeypatch.setattr(module, "train_variant", lambda *args: (None, {}, 0.0))
    monkeypatch.setattr(module, "predict", lambda model, conditions: np.zeros_like(conditions))
    monkeypatch.setattr(module, "quality_report", lambda *args: dict(FLAT_TRUTH))  # a flat truth's report
    result = module.main(["--tasks", "labels2facade", "--size", "8", "--train", "2", "--test", "2",
                          "--out", str(tmp_path / "r.json"), "--grid", str(tmp_path / "grid.png")])
    # was: a TypeError formatting None; and an IndexError for the grid's 4 rows of 2 test pairs
    assert os.path.exists(tmp_path / "grid.png")
    assert result["criteria"] and not any(result["criteria"].values())  # was: a TypeError comparing None
    assert "| labels2facade | l1 | 30.00 | 0.900 | - | 0.0000 | - | - |" in capsys.readouterr().out
    trajectory = module.trajectory(([0.0], [0.0]), 10, "edges2photo")
    trajectory.on_epoch_end(0)
    assert "sharpness ratio -" in capsys.readouterr().out


def test_generalisation_pix2pix_scores_a_flat_truth_without_sharpness():
    import numpy as np

    from keras_cgan.metrics import image_quality

    module = benchmark_module("generalisation")
    flat, pred = np.zeros((2, 8, 8, 3)), np.random.default_rng(0).uniform(-1, 1, (2, 8, 8, 3))
    with pytest.raises(ValueError):
        image_quality.sharpness_ratio(pred, flat)  # what run_pix2pix called: a flat truth stopped the run
    assert module.sharpness_ratio(pred, flat) is None


# ---------------------------------------------------------------- tables


def test_tables_list_names_each_tables_page_and_results_file(capsys):
    tables = benchmark_module("tables")
    assert tables.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == list(tables.TABLES)
    assert "segan_quality: docs/segan.md <- benchmarks/results/segan_quality_speed.json" in lines
    assert ("generalisation_screens_segan: docs/generalisation_screens.md "
            "<- benchmarks/results/generalisation.json") in lines


def test_tables_name_a_table_they_cannot_make_and_rewrite_no_page(tmp_path, monkeypatch, capsys):
    # A missing run was a KeyError traceback, after the pages before it had been rewritten; --list failed whole.
    tables = benchmark_module("tables")
    monkeypatch.setitem(tables.TABLES, "scaling", lambda: tables.run({"benchmark": "scaling", "runs": []}, "default"))
    stale = "<!-- table: train_step_speed -->\nold\n<!-- /table -->\n"
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text(stale)
    second.write_text(stale + "<!-- table: scaling -->\nold\n<!-- /table -->\n")
    monkeypatch.setattr(tables, "pages", lambda: [str(first), str(second)])
    for argv in ([], ["--check"]):
        assert tables.main(argv) == 1
        out, err = capsys.readouterr()
        assert "b.md: table scaling: scaling.json has no run 'default'" in err
        done = "the other tables were compared" if argv else "no page rewritten"
        assert f"1 table(s) above cannot be made, {done}; re-run the benchmark" in err
        assert first.read_text() == stale  # the page that could be made is not rewritten either
        # was: nothing said of the pages that could be made
        assert [line.rsplit("/", 1)[1] for line in out.splitlines()] == [
            "a.md: differ from the generated tables", "b.md: differ from the generated tables"]
    assert tables.main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert "b.md <- (cannot be made: table scaling: scaling.json has no run 'default')" in listed


def test_tables_name_every_table_of_a_page_they_cannot_make(tmp_path, monkeypatch, capsys):
    # Only the first was named: the next run of the script found the second.
    tables = benchmark_module("tables")
    monkeypatch.setitem(tables.TABLES, "scaling", lambda: tables.run(tables.load("scaling") | {"runs": []}, "default"))
    page = tmp_path / "a.md"
    text = "".join(f"<!-- table: {name} -->\nold\n<!-- /table -->\n" for name in ("scalling", "scaling", "scaling"))
    page.write_text(text)
    with pytest.raises(tables.TableError) as error:
        tables.render(text)
    assert str(error.value).splitlines() == [
        f"unknown table 'scalling' (known: {', '.join(tables.TABLES)})",
        "table scaling (reads benchmarks/results/scaling.json): scaling.json has no run 'default'",  # once
    ]
    monkeypatch.setattr(tables, "pages", lambda: [str(page)])
    assert tables.main(["--check"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert "a.md: unknown table 'scalling'" in err[0]
    assert err[1].endswith("a.md: table scaling (reads benchmarks/results/scaling.json): scaling.json has no run "
                           "'default'")
    assert err[2] == ("2 table(s) above cannot be made, the other tables were compared; name a known table in the "
                      "page's marker; re-run the benchmark that writes the results file (or its run) named above")


def test_tables_name_the_line_of_an_error_in_table_code(monkeypatch):
    # A mistake in a table's code read as missing data ("re-run the benchmark"), with nothing saying where.
    tables = benchmark_module("tables")

    def wrong_column():
        return tables.run(tables.load("scaling"), "default")["result"]["rows"][0]["no such column"]

    monkeypatch.setitem(tables.TABLES, "scaling", wrong_column)
    with pytest.raises(tables.TableError) as error:
        tables.make("scaling")
    line = wrong_column.__code__.co_firstlineno + 1
    assert str(error.value) == ("table scaling (reads benchmarks/results/scaling.json): KeyError: 'no such column', "
                                f"raised at tests/test_benchmarks.py:{line} in wrong_column")
    assert error.value.hint.startswith("where the error names a line of table code, fix that table there")
    monkeypatch.setattr(tables, "RESULTS", os.path.join(REPO, "no_results"))  # a missing file: no line, re-run
    with pytest.raises(tables.TableError, match=r"^table scaling \(reads no_results/scaling.json\): "
                                                r"FileNotFoundError: .*scaling.json'$") as error:
        tables.make("scaling")
    assert error.value.hint == tables.RERUN


def test_tables_check_and_list_are_one_or_the_other(capsys):
    # --check --list listed and checked nothing (exit 0).
    tables = benchmark_module("tables")
    assert error_of(tables.main, ["--check", "--list"], capsys).endswith(
        "argument --list: not allowed with argument --check")


def test_tables_list_into_a_closed_pipe_ends_without_a_traceback():
    # `tables.py --list | head` ended with a BrokenPipeError traceback.
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    try:
        done = subprocess.run([sys.executable, os.path.join(REPO, "benchmarks", "tables.py"), "--list"], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert done.stderr == "" and done.returncode == 1


# Values refused by the option's own check: each imported TensorFlow first (the loss names in `losses`, the paper's
# filters in the SEGAN networks).
BAD_VALUES_WITHOUT_TENSORFLOW = {
    "video_split.py": ["--loss nope"], "pix2pix_blur.py": ["--adversarial-loss nope"],
    "segan_quality_speed.py": ["--window 1000 --filters paper"],
}


def test_the_scripts_help_and_option_errors_import_no_tensorflow():
    # `python benchmarks/train_step_speed.py --help` took ~20 s: most scripts imported TensorFlow before parsing.
    import glob

    scripts = sorted(
        os.path.relpath(path, REPO) for folder in ("benchmarks", "export")
        for path in glob.glob(os.path.join(REPO, folder, "[a-z]*.py"))
    )
    runs = [
        (script, flag.split()) for script in scripts
        for flag in ("--help", "--no-such-flag", *BAD_VALUES_WITHOUT_TENSORFLOW.get(os.path.basename(script), []))
    ]
    for (script, argv), (status, output, imported) in zip(runs, run_scripts(runs)):
        name = os.path.basename(script)
        expected = (0, f"usage: {name}") if argv == ["--help"] else (2, f"{name}: error: ")
        assert (status, imported) == (expected[0], []) and expected[1] in output, (script, argv, output[-500:])
