"""Benchmarks that train several models keep each as it finishes; a Ctrl-C ends in one line."""

import contextlib
import json
import os
import signal

import pytest

from tests.test_case import benchmark_module

tables = benchmark_module("tables")


def interrupted(main, argv, capsys):
    """`main(argv)` stopped by Ctrl-C: its one stderr line; exit status 130, no traceback."""
    try:
        with pytest.raises(SystemExit) as exit:
            main(argv)
    except KeyboardInterrupt:  # (uncaught, it would stop the test session)
        pytest.fail("the Ctrl-C left main() as a KeyboardInterrupt (a traceback), not as exit status 130")
    assert exit.value.code == 130
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def runs_of(path):
    with open(path) as f:
        return {run["name"]: run for run in json.load(f)["runs"]}


def stop_after(count, result):
    """A stand-in training function: `result(*args)` for the first `count` calls, then Ctrl-C."""
    calls = []

    def train(*args, **kwargs):
        calls.append(args)
        if len(calls) > count:
            raise KeyboardInterrupt
        return result(*args)

    return train


def another_command_writes_first(report, monkeypatch, at, command):
    """Runs `command()` as this command's write number `at` waits for the results file's lock.

    As a command recording into the same file beside it would, winning the lock: deterministic, no threads.
    """
    locked, writes = report._locked, []

    @contextlib.contextmanager
    def lock(path):
        writes.append(path)
        if len(writes) == at:
            command()
        with locked(path):
            yield

    monkeypatch.setattr(report, "_locked", lock)


@pytest.fixture
def terminal_ctrl_c():
    """Python's own Ctrl-C handler, as a command started from a terminal has it: a pytest started in the
    background (`pytest ... &` in a script) ignores SIGINT, and `ctrl_c_at`'s Ctrl-C would then reach nothing."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def ctrl_c_at(report, monkeypatch, at, stop=None, times=1):
    """A Ctrl-C (SIGINT, as the terminal sends it) halfway through the results file's write number `at` (its
    `json.dump`); "complete": the first write holding a complete run (in a new file, a run's last write).
    `stop`: an error raised there instead (the write cut short); `times`: Ctrl-Cs in a row.
    Tests using it take `terminal_ctrl_c`."""
    dump, writes = json.dump, []

    def cut_short(obj, f, **kwargs):
        writes.append(f)
        if at == "complete":
            cut = any(run.get("complete") for run in obj["runs"])
        else:
            cut = len(writes) == at
        if not cut:
            return dump(obj, f, **kwargs)
        text = json.dumps(obj, **kwargs)
        f.write(text[: len(text) // 2])
        if stop:
            raise stop
        for _ in range(times):
            os.kill(os.getpid(), signal.SIGINT)  # (a KeyboardInterrupt here unless `record` holds it off)
        f.write(text[len(text) // 2:])

    monkeypatch.setattr(report.json, "dump", cut_short)


def partial_run_refused(name, path, run, monkeypatch):
    """tables.py, reading `path` as `name`'s results, names the run as partial rather than show it."""
    monkeypatch.setattr(tables, "RESULTS", str(path.parent))
    with pytest.raises(tables.MissingRun, match=f"no run {run!r}, only {run + ':partial'!r}"):
        tables.run(tables.load(path.stem), run)
    assert [r["name"] for r in tables.load(path.stem)["runs"]] == [r for r in runs_of(path) if r != f"{run}:partial"]


# ---------------------------------------------------------------- video_split

VIDEO = ["--train-clips", "2", "--test-clips", "2", "--val-clips", "2", "--steps", "1"]


def video_model(name, args, train, test, val, futures, sprite_pixels, results):
    results["models"][name] = {"junction_one_sprite": 0.5, "trained": name}


def test_video_split_keeps_the_model_finished_before_a_ctrl_c(tmp_path, monkeypatch, capsys):
    # Was: the results written once both models had trained; a Ctrl-C in the GAN lost the L2 model (a traceback).
    video_split = benchmark_module("video_split")
    monkeypatch.setattr(video_split, "train_model", stop_after(1, video_model))
    out = tmp_path / "video_split.json"
    err = interrupted(video_split.main, VIDEO + ["--out", str(out)], capsys)
    assert err == f"interrupted: run 'default:partial' of {out} keeps the 1 finished models (l2), marked incomplete"
    run = runs_of(out)["default:partial"]
    assert run["complete"] is False and list(run["result"]["models"]) == ["l2"]
    partial_run_refused("video_split", out, "default", monkeypatch)

    monkeypatch.setattr(video_split, "train_model", video_model)  # the same run again, to its end
    monkeypatch.setattr(video_split._report, "COMMAND", "the next command")  # (not the stopped one)
    video_split.main(VIDEO + ["--out", str(out)])
    run = runs_of(out)["default"]
    assert run["complete"] is True and list(run["result"]["models"]) == ["l2", "gan"]
    assert list(runs_of(out)) == ["default"]  # its partial entry is gone


def test_video_split_merge_keeps_the_model_a_command_beside_it_recorded(tmp_path, monkeypatch):
    # Was: --merge read the run's rows once, at its start: of `--only l2` and `--only gan` run side by side,
    # the command ending last wrote the run without the other's model.
    video_split = benchmark_module("video_split")
    out = tmp_path / "video_split.json"
    argv = VIDEO + ["--out", str(out), "--merge"]

    def train(name, *args):
        if name == "gan":  # while the GAN trains, `--only l2 --merge` runs beside it, to its end
            monkeypatch.setattr(video_split, "train_model", video_model)
            video_split.main(argv + ["--only", "l2"])
            assert list(runs_of(out)["default"]["result"]["models"]) == ["l2"]
        video_model(name, *args)

    monkeypatch.setattr(video_split, "train_model", train)
    video_split.main(argv + ["--only", "gan"])
    run = runs_of(out)["default"]
    assert run["complete"] is True and run["result"]["models"] == {
        "l2": {"junction_one_sprite": 0.5, "trained": "l2"}, "gan": {"junction_one_sprite": 0.5, "trained": "gan"}}
    assert [row["model"] for row in run["result"]["rows"]] == ["l2", "gan"]


def test_a_run_stopped_again_keeps_its_earlier_complete_run(tmp_path, monkeypatch, capsys):
    # Was: the re-run's first model replaced the complete run; a Ctrl-C then left only a partial run (no table).
    video_split = benchmark_module("video_split")
    out = tmp_path / "video_split.json"
    monkeypatch.setattr(video_split, "train_model", video_model)
    video_split.main(VIDEO + ["--out", str(out)])
    before = runs_of(out)["default"]

    def again(name, *args):
        args[-1]["models"][name] = {"junction_one_sprite": 0.25, "trained": "again"}

    monkeypatch.setattr(video_split, "train_model", stop_after(1, again))
    err = interrupted(video_split.main, VIDEO + ["--out", str(out)], capsys)
    assert err == (f"interrupted: run 'default:partial' of {out} keeps the 1 finished models (l2), marked incomplete; "
                   "the earlier run 'default' stays as it was until a run of it completes")
    runs = runs_of(out)
    assert list(runs) == ["default", "default:partial"] and runs["default"] == before
    assert runs["default:partial"]["complete"] is False
    assert runs["default:partial"]["result"]["models"] == {"l2": {"junction_one_sprite": 0.25, "trained": "again"}}
    monkeypatch.setattr(tables, "RESULTS", str(tmp_path))
    assert tables.run(tables.load("video_split"), "default") == before


@pytest.mark.usefixtures("terminal_ctrl_c")
def test_a_ctrl_c_while_the_file_is_written_leaves_it_whole(tmp_path, monkeypatch, capsys):
    # Was: the file rewritten in place: a Ctrl-C during json.dump left it cut short, every run in it lost,
    # and the message named the model as kept. Then: left as it was, the model just measured lost.
    video_split = benchmark_module("video_split")
    report = video_split._report
    out = tmp_path / "video_split.json"
    monkeypatch.setattr(video_split, "train_model", video_model)
    video_split.main(VIDEO + ["--out", str(out), "--run", "earlier"])
    before = out.read_text()
    dump = json.dump
    ctrl_c_at(report, monkeypatch, 1)  # a Ctrl-C arriving halfway through the first write: it is written first
    err = interrupted(video_split.main, VIDEO + ["--out", str(out)], capsys)
    assert err == f"interrupted: run 'default:partial' of {out} keeps the 1 finished models (l2), marked incomplete"
    assert list(runs_of(out)) == ["earlier", "default:partial"] and [p.name for p in tmp_path.iterdir()] == [
        "video_split.json"]
    assert runs_of(out)["earlier"] == json.loads(before)["runs"][0]
    after = out.read_text()
    ctrl_c_at(report, monkeypatch, 1, times=2)  # a second Ctrl-C is not held off: the write is left undone
    err = interrupted(video_split.main, VIDEO + ["--out", str(out)], capsys)
    assert err == f"interrupted: none of the models had finished; {out} is unchanged"
    assert out.read_text() == after and [p.name for p in tmp_path.iterdir()] == ["video_split.json"]
    ctrl_c_at(report, monkeypatch, 1, stop=OSError(28, "No space left on device"))  # a write that fails halfway
    with pytest.raises(OSError):
        video_split.main(VIDEO + ["--out", str(out)])
    assert out.read_text() == after and [p.name for p in tmp_path.iterdir()] == ["video_split.json"]
    monkeypatch.setattr(report.json, "dump", dump)
    video_split.main(VIDEO + ["--out", str(out)])  # the file still takes runs
    assert list(runs_of(out)) == ["earlier", "default"]


def test_video_split_merge_keeps_the_model_recorded_while_it_waited_for_the_lock(tmp_path, monkeypatch):
    # Was: the run read before `record` took the file's lock: `--only l2 --merge` recording in between was lost.
    video_split = benchmark_module("video_split")
    out = tmp_path / "video_split.json"
    argv = VIDEO + ["--out", str(out), "--merge"]
    monkeypatch.setattr(video_split, "train_model", video_model)
    # --only gan writes once (its model is the run); the L2 command records between its read and write
    another_command_writes_first(video_split._report, monkeypatch, 1, lambda: video_split.main(argv + ["--only", "l2"]))
    video_split.main(argv + ["--only", "gan"])
    run = runs_of(out)["default"]
    assert list(run["result"]["models"]) == ["l2", "gan"] and [r["model"] for r in run["result"]["rows"]] == ["l2", "gan"]


@pytest.mark.usefixtures("terminal_ctrl_c")
def test_video_split_ends_a_ctrl_c_in_its_last_write_in_one_line(tmp_path, monkeypatch, capsys):
    # Was: the run's last write came after the Ctrl-C handling: a Ctrl-C during it was a traceback.
    video_split = benchmark_module("video_split")
    out = tmp_path / "video_split.json"
    monkeypatch.setattr(video_split, "train_model", video_model)
    ctrl_c_at(video_split._report, monkeypatch, 2)  # the run's, after the L2 model's partial write
    err = interrupted(video_split.main, VIDEO + ["--out", str(out)], capsys)
    assert err == f"interrupted: run 'default' of {out} was recorded whole before the stop"
    assert list(runs_of(out)) == ["default"]
    assert list(runs_of(out)["default"]["result"]["models"]) == ["l2", "gan"]


def test_video_split_merge_keeps_the_earlier_rows_in_a_run_cut_short(tmp_path, monkeypatch, capsys):
    # --merge read the run's earlier rows at the end: by then the run holds this command's own first model.
    video_split = benchmark_module("video_split")
    out = tmp_path / "video_split.json"
    monkeypatch.setattr(video_split, "train_model", video_model)
    video_split.main(VIDEO + ["--out", str(out), "--only", "gan"])

    def again(name, *args):
        args[-1]["models"][name] = {"junction_one_sprite": 0.5, "trained": "again"}

    monkeypatch.setattr(video_split, "train_model", stop_after(1, again))  # l2, then Ctrl-C in the GAN
    interrupted(video_split.main, VIDEO + ["--out", str(out), "--merge"], capsys)
    models = runs_of(out)["default:partial"]["result"]["models"]
    assert models == {"l2": {"junction_one_sprite": 0.5, "trained": "again"},
                      "gan": {"junction_one_sprite": 0.5, "trained": "gan"}}
    assert runs_of(out)["default"]["result"]["models"] == {"gan": {"junction_one_sprite": 0.5, "trained": "gan"}}


def test_a_ctrl_c_before_any_model_finished_leaves_the_file(tmp_path, monkeypatch, capsys):
    video_split = benchmark_module("video_split")
    out = tmp_path / "video_split.json"
    monkeypatch.setattr(video_split, "train_model", video_model)
    video_split.main(VIDEO + ["--out", str(out)])
    before = out.read_text()
    monkeypatch.setattr(video_split, "train_model", stop_after(0, video_model))
    err = interrupted(video_split.main, VIDEO + ["--out", str(out)], capsys)
    assert err == f"interrupted: none of the models had finished; {out} is unchanged"
    assert out.read_text() == before


# ---------------------------------------------------------------- discriminator_designs, condition_fidelity

def faces_scores(*args):
    return {"hair": 0.5, "both_eyes": 0.25, "all": 0.125, "diversity": 0.3, "real_diversity": 0.4, "seconds": 1.0}


def test_discriminator_designs_keeps_each_design_finished_before_a_ctrl_c(tmp_path, monkeypatch, capsys):
    module = benchmark_module("discriminator_designs")
    monkeypatch.setattr(module, "train", stop_after(1, faces_scores))
    out = tmp_path / "discriminator_designs.json"
    argv = ["--designs", "concat", "--filters", "4", "--latent-dim", "4", "--out", str(out)]
    err = interrupted(module.main, argv, capsys)
    assert err == (f"interrupted: run 'default:partial' of {out} keeps the 1 finished designs (concat, mismatch on), "
                   "marked incomplete")
    run = runs_of(out)["default:partial"]
    assert run["complete"] is False and list(run["result"]["runs"]) == ["concat, mismatch on"]
    assert run["result"]["real_diversity"] == 0.4 and len(run["result"]["rows"]) == 1
    partial_run_refused("discriminator_designs", out, "default", monkeypatch)


def digits_scores(variant, args, judge, seed):
    return {args.epochs: 0.75}, 2.0, 0.5


def test_condition_fidelity_keeps_each_discriminator_finished_before_a_ctrl_c(tmp_path, monkeypatch, capsys):
    module = benchmark_module("condition_fidelity")
    monkeypatch.setattr(module, "train", stop_after(1, digits_scores))
    out = tmp_path / "condition_fidelity.json"
    argv = ["--variant", "plain", "--variant", "without", "--epochs", "1", "--eval-every", "1", "--filters", "4",
            "--out", str(out),
            "--run", "two"]
    err = interrupted(module.main, argv, capsys)
    assert err == (f"interrupted: run 'two:partial' of {out} keeps the 1 finished discriminators (plain concat D), "
                   "marked incomplete")
    run = runs_of(out)["two:partial"]
    assert run["complete"] is False and list(run["result"]["runs"]) == ["plain concat D"]
    assert run["result"]["rows"] == [{"discriminator": "plain concat D", "epoch 1": 0.75, "diversity": 0.5}]
    assert run["result"]["real_digit_accuracy"] > 0.9
    partial_run_refused("condition_fidelity", out, "two", monkeypatch)


def test_pix2pix_blur_marks_its_run_incomplete_until_the_last_model(tmp_path, monkeypatch, capsys):
    # Was: `"complete": false` inside the result, which tables.py did not read, and a Ctrl-C's traceback.
    import numpy as np

    module = benchmark_module("pix2pix_blur")
    monkeypatch.setattr(module, "train_variant", stop_after(1, lambda *args: (None, {}, 0.0)))
    monkeypatch.setattr(module, "predict", lambda model, conditions: np.zeros((len(conditions), 16, 16, 3)))
    out = tmp_path / "pix2pix_blur.json"
    argv = ["--tasks", "labels2facade", "--size", "16", "--train", "2", "--test", "2", "--base-filters", "4",
            "--out", str(out)]
    err = interrupted(module.main, argv, capsys)
    assert err == (f"interrupted: run 'default:partial' of {out} keeps the 1 finished models (labels2facade l1), "
                   "marked incomplete")
    run = runs_of(out)["default:partial"]
    assert run["complete"] is False and list(run["result"]["results"]["labels2facade"]) == ["l1"]
    partial_run_refused("pix2pix_blur", out, "default", monkeypatch)


def test_export_latency_marks_its_run_incomplete_until_the_last_family(tmp_path, monkeypatch, capsys):
    module = benchmark_module("export_latency")
    rows = {"keras": {"batch1_ms": 1.0, "batch16_ms": 2.0, "file_bytes": None}}
    monkeypatch.setattr(module, "bench_family", stop_after(1, lambda *args: ({"rows": rows}, {}, None)))
    out = tmp_path / "export_latency.json"
    err = interrupted(module.main, ["--families", "pix2pix", "segan", "--out", str(out)], capsys)
    assert err == f"interrupted: run 'default:partial' of {out} keeps the 1 finished families (pix2pix), marked incomplete"
    run = runs_of(out)["default:partial"]
    assert run["complete"] is False and list(run["result"]["families"]) == ["pix2pix"]
    partial_run_refused("export_latency", out, "default", monkeypatch)


def test_caption_generalisation_keeps_each_row_finished_before_a_ctrl_c(tmp_path, monkeypatch, capsys):
    module = benchmark_module("caption_generalisation")
    scores = {"colour": 1.0, "shape": 0.5, "position": 0.25, "all": 0.125, "diversity": 0.3}
    monkeypatch.setattr(module, "reader_accuracy", lambda n, size: {"unseen": scores, "seen": scores})
    monkeypatch.setattr(module.text_to_image, "run", stop_after(1, lambda settings: {
        "unseen_captions": scores, "seen_captions": scores, "train_seconds": 1.0}))
    out = tmp_path / "caption_generalisation.json"
    argv = ["--flags", "--epochs 1", "--flags", "--epochs 2", "--runs-dir", str(tmp_path / "runs"), "--out", str(out)]
    err = interrupted(module.main, argv, capsys)
    assert err == f"interrupted: run 'default:partial' of {out} keeps the 1 finished rows ('--epochs 1'), marked incomplete"
    run = runs_of(out)["default:partial"]
    assert run["complete"] is False and list(run["result"]["runs"]) == ["--epochs 1"]
    assert run["result"]["criteria"] == "unseen colour, shape, position each >= 0.8"  # (was "bar")
    partial_run_refused("caption_generalisation", out, "default", monkeypatch)


def test_stored_runs_name_their_pass_line_criteria():
    # Was: caption_generalisation's runs held theirs as "bar", the other benchmarks' as "criteria".
    import glob
    import os

    for path in glob.glob(os.path.join(tables.RESULTS, "*.json")):
        with open(path) as f:
            runs = json.load(f)["runs"]
        assert not [r["name"] for r in runs if isinstance(r["result"], dict)
                    and {"bar", "acceptance"} & r["result"].keys()], path


def test_stackgan_keeps_each_variant_finished_before_a_ctrl_c(tmp_path, monkeypatch, capsys):
    module = benchmark_module("stackgan")
    monkeypatch.setattr(module, "run", stop_after(1, lambda variant, args, example: ({"model": variant}, {})))
    out = tmp_path / "stackgan.json"
    err = interrupted(module.main, ["--json", str(out)], capsys)
    assert err == (f"interrupted: run 'stackgan+single:partial' of {out} keeps the 1 finished variants (stackgan), "
                   "marked incomplete")
    run = runs_of(out)["stackgan+single:partial"]
    assert run["complete"] is False and run["result"]["rows"] == [{"model": "stackgan"}]


def _stackgan(module, monkeypatch, tmp_path):
    monkeypatch.setattr(module, "run", lambda variant, args, example: ({"model": variant}, {}))
    return ["--json"], "stackgan+single", "variants"


def _discriminator_designs(module, monkeypatch, tmp_path):
    monkeypatch.setattr(module, "train", faces_scores)
    return ["--designs", "concat", "--filters", "4", "--latent-dim", "4", "--out"], "default", "designs"


def _condition_fidelity(module, monkeypatch, tmp_path):
    monkeypatch.setattr(module, "train", digits_scores)
    return ["--variant", "plain", "--epochs", "1", "--eval-every", "1", "--filters", "4", "--out"], "default", \
        "discriminators"


def _pix2pix_blur(module, monkeypatch, tmp_path):
    import numpy as np

    monkeypatch.setattr(module, "train_variant", lambda *args: (None, {}, 0.0))
    monkeypatch.setattr(module, "predict", lambda model, conditions: np.zeros((len(conditions), 16, 16, 3)))
    return ["--tasks", "labels2facade", "--variants", "l1", "--size", "16", "--train", "2", "--test", "2",
            "--base-filters", "4", "--out"], "default", "models"


def _caption_generalisation(module, monkeypatch, tmp_path):
    scores = {"colour": 1.0, "shape": 0.5, "position": 0.25, "all": 0.125, "diversity": 0.3}
    monkeypatch.setattr(module, "reader_accuracy", lambda n, size: {"unseen": scores, "seen": scores})
    monkeypatch.setattr(module.text_to_image, "run", lambda settings: {
        "unseen_captions": scores, "seen_captions": scores, "train_seconds": 1.0})
    return ["--runs-dir", str(tmp_path / "runs"), "--out"], "default", "rows"


def _classifier_pooling(module, monkeypatch, tmp_path):
    monkeypatch.setattr(module, "read_share", lambda *args: 0.5)
    tag_images, class_images = module.suite.tag_images, module.suite.class_images
    monkeypatch.setattr(module.suite, "tag_images", lambda task, n, seed: tag_images(task, 8, seed))  # few images
    monkeypatch.setattr(module.suite, "class_images", lambda task, n, seed: class_images(task, 8, seed))
    return ["--scale", "0.001", "--poolings", "flatten", "--out"], "default", "rows"


def _segan_quality_speed(module, monkeypatch, tmp_path):
    import subprocess
    from types import SimpleNamespace

    row = {"snr": 1.0, "snr_improvement": 1.0, "segsnr": 1.0, "pesq": 1.0, "stoi": 0.5, "train_seconds": 1.0}
    speed = {"rtf": 0.5, "rtf_cpu_time": 0.5, "max_abs_error_vs_enhance": 0.0, "size_bytes": 1024}
    speeds = dict({name: speed for name in ("keras", "onnxruntime", "tflite_fp32", "tflite_fp16", "tflite_dynamic")},
                  audio_seconds=1.0, window=16)
    monkeypatch.setattr(module, "train_and_score", lambda args, argv: ({"noisy": row, "segan": row}, "m.keras", 10))
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: SimpleNamespace(
        returncode=0, stdout="@@SPEED@@" + json.dumps(speeds), stderr=""))
    return ["--out"], "default", "measurements"


@pytest.mark.usefixtures("terminal_ctrl_c")
@pytest.mark.parametrize("name, setup", [
    ("stackgan", _stackgan), ("discriminator_designs", _discriminator_designs),
    ("condition_fidelity", _condition_fidelity), ("pix2pix_blur", _pix2pix_blur),
    ("caption_generalisation", _caption_generalisation), ("classifier_pooling", _classifier_pooling),
    ("segan_quality_speed", _segan_quality_speed),
])
def test_a_ctrl_c_in_a_benchmarks_last_write_ends_in_one_line_with_the_run_recorded(name, setup, tmp_path,
                                                                                   monkeypatch, capsys):
    # Was: the last write (the complete run) came after the Ctrl-C handling: a Ctrl-C during it was a traceback.
    # Then (each part written once, the last only in the whole run): the write left the file as it was, and the
    # last part, measured, was lost; the write now ends first.
    module = benchmark_module(name)
    argv, run, what = setup(module, monkeypatch, tmp_path)
    out = tmp_path / f"{name}.json"
    ctrl_c_at(module._report, monkeypatch, "complete")
    err = interrupted(module.main, argv + [str(out)], capsys)
    assert err == f"interrupted: run '{run}' of {out} was recorded whole before the stop"
    assert list(runs_of(out)) == [run] and runs_of(out)[run]["complete"] is True


@pytest.mark.parametrize("name, setup, parts", [
    ("stackgan", _stackgan, lambda module: len(module.VARIANTS)),
    ("discriminator_designs", _discriminator_designs, lambda module: 2),  # (mismatch on and off)
    ("condition_fidelity", _condition_fidelity, lambda module: 1),
    ("pix2pix_blur", _pix2pix_blur, lambda module: 1),
    ("caption_generalisation", _caption_generalisation, lambda module: 1),
    ("classifier_pooling", _classifier_pooling,
     lambda module: 2 * len(module.STACK_TASKS) + len(module.CONDITIONAL_TASKS)),  # (two sizes per StackGAN task)
    ("segan_quality_speed", _segan_quality_speed, lambda module: 2),  # (quality, then speed)
])
def test_a_benchmark_writes_each_part_once(name, setup, parts, tmp_path, monkeypatch):
    # Was: the last part was written twice: into the run's partial entry, then in the whole run.
    module = benchmark_module(name)
    argv, run, what = setup(module, monkeypatch, tmp_path)
    dump, writes = json.dump, []
    monkeypatch.setattr(module._report.json, "dump", lambda obj, f, **kwargs: writes.append(
        [r["name"] for r in obj["runs"]]) or dump(obj, f, **kwargs))
    module.main(argv + [str(tmp_path / f"{name}.json")])
    assert writes == [[f"{run}:partial"]] * (parts(module) - 1) + [[run]]


@pytest.mark.parametrize("name, setup", [
    ("stackgan", _stackgan), ("condition_fidelity", _condition_fidelity),
    ("caption_generalisation", _caption_generalisation),
])
def test_a_ctrl_c_while_the_complete_run_prints_names_it_recorded(name, setup, tmp_path, monkeypatch, capsys):
    # Was: "... were recorded in run 'default:partial'; another command recording the whole run 'default' has
    # since replaced it", though this command had recorded the whole run itself.
    module = benchmark_module(name)
    argv, run, what = setup(module, monkeypatch, tmp_path)
    out = tmp_path / f"{name}.json"

    def table(rows, columns):  # a Ctrl-C while the table prints, after the complete run is recorded
        raise KeyboardInterrupt

    monkeypatch.setattr(module._report, "table", table)
    err = interrupted(module.main, argv + [str(out)], capsys)
    assert err == f"interrupted: run '{run}' of {out} was recorded whole before the stop"
    assert list(runs_of(out)) == [run] and runs_of(out)[run]["complete"] is True


def test_segan_quality_speed_marks_its_quality_without_speed_incomplete(tmp_path, monkeypatch):
    # Was: recorded as a whole run; tables.py's segan_speed table then failed on it with a KeyError.
    import subprocess
    from types import SimpleNamespace

    module = benchmark_module("segan_quality_speed")
    monkeypatch.setattr(module, "train_and_score", lambda args, argv: ({"segan": {"snr": 1.0}}, "model.keras", 10))
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: SimpleNamespace(returncode=1, stdout="",
                                                                                     stderr="no"))
    out = tmp_path / "segan_quality_speed.json"
    with pytest.raises(RuntimeError, match="speed run failed"):
        module.main(["--out", str(out)])
    run = runs_of(out)["default:partial"]
    assert run["complete"] is False and run["result"]["quality"] == {"segan": {"snr": 1.0}}
    partial_run_refused("segan_quality_speed", out, "default", monkeypatch)


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_segan_quality_speed_jobs_2_stops_its_children(stop, tmp_path, monkeypatch, capsys):
    # Was: the two training children ran in sessions of their own: a Ctrl-C ended the benchmark, not them;
    # a SIGTERM ended it at once, with no `finally`, so it still did.
    import subprocess

    module = benchmark_module("segan_quality_speed")
    monkeypatch.setattr(module, "test_data", lambda args: ([], []))
    monkeypatch.setattr("keras_cgan.metrics.audio.evaluate", lambda clean, estimates, **kwargs: {"snr": 0.0})
    popen, children = subprocess.Popen, []

    class Child(popen):  # a stub child: sleeps instead of training; the stop comes as the first one is waited for
        def wait(self, timeout=None):
            if timeout is None and self is children[0]:
                if stop == "ctrl-c":
                    raise KeyboardInterrupt
                if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:  # (it would end the tests)
                    pytest.fail("a SIGTERM here ends the benchmark at once, its children left running")
                os.kill(os.getpid(), signal.SIGTERM)
            return super().wait(timeout)

    def start(cmd, **kwargs):
        assert "--train-only" in cmd and kwargs.get("start_new_session")
        assert kwargs["env"][module._report.PARENT] == str(os.getpid())  # (killed outright, it is watched for)
        children.append(Child(["sleep", "60"], **kwargs))
        return children[-1]

    monkeypatch.setattr(subprocess, "Popen", start)
    out = tmp_path / "segan_quality_speed.json"
    try:
        if stop == "ctrl-c":
            err = interrupted(module.main, ["--jobs", "2", "--out", str(out)], capsys)
            assert err == f"interrupted: none of the measurements had finished; {out} is unchanged"
        else:
            with pytest.raises(SystemExit) as exit:
                module.main(["--jobs", "2", "--out", str(out)])
            assert exit.value.code == 143 and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # (put back)
        assert len(children) == 2 and [c.poll() for c in children] == [-15, -15]  # (SIGTERM)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                popen.wait(child)


def test_a_child_ends_itself_once_its_benchmark_is_gone(monkeypatch):
    # Was: a benchmark killed outright (SIGKILL) stopped none of its children: they trained on, to their end.
    import threading

    report = benchmark_module("_report")
    parent, stopped = [os.getppid()], threading.Event()
    env = report.child_env(TF_CPP_MIN_LOG_LEVEL="2")  # as the benchmark starts it, with this process as its parent
    monkeypatch.setenv(report.PARENT, env[report.PARENT])
    monkeypatch.setattr(report.os, "getppid", lambda: parent[0])
    parent[0] = os.getpid()
    watcher = report.exit_with_parent(every=0.01, stop=stopped.set)
    assert report.PARENT not in os.environ  # (not passed on to its own children)
    assert not stopped.wait(0.1)  # its benchmark runs
    parent[0] = 1  # killed: the child is now init's (or a subreaper's)
    assert stopped.wait(5)
    watcher.join(5)
    monkeypatch.delenv(report.PARENT, raising=False)
    assert report.exit_with_parent(stop=stopped.set) is None  # started by hand: nothing to watch


def test_scaling_stops_the_other_worker_when_one_fails(monkeypatch):
    # Was: the failed worker's error ended the benchmark; its peer went on waiting for it.
    import subprocess

    module = benchmark_module("scaling")
    popen, children = subprocess.Popen, []

    def start(cmd, **kwargs):  # stub workers: the first fails at once, the second would wait a minute
        assert "--child" in cmd and kwargs["env"][module._report.PARENT] == str(os.getpid())
        children.append(popen(["sh", "-c", "exit 3"] if not children else ["sleep", "60"], **kwargs))
        return children[-1]

    monkeypatch.setattr(subprocess, "Popen", start)
    try:
        with pytest.raises(RuntimeError, match="failed"):
            module.launch({"strategy": "multiworker"}, 2)
        assert [c.poll() for c in children] == [3, -15]  # (the second: SIGTERM)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def test_classifier_pooling_keeps_each_row_finished_before_a_ctrl_c(tmp_path, monkeypatch, capsys):
    module = benchmark_module("classifier_pooling")
    monkeypatch.setattr(module, "read_share", stop_after(1, lambda *args: 0.5))
    tag_images = module.suite.tag_images
    monkeypatch.setattr(module.suite, "tag_images", lambda task, n, seed: tag_images(task, 8, seed))  # few images
    out = tmp_path / "classifier_pooling.json"
    err = interrupted(module.main, ["--scale", "0.001", "--poolings", "flatten", "--out", str(out)], capsys)
    task = next(iter(module.STACK_TASKS))
    assert err == (f"interrupted: run 'default:partial' of {out} keeps the 1 finished rows (stack_gan {task} at 16 pixels), "
                   "marked incomplete")
    run = runs_of(out)["default:partial"]
    assert run["complete"] is False and [row["flatten"] for row in run["result"]["rows"]] == [0.5]


@pytest.mark.parametrize("argv, content, error", [
    (["--variants", "single", "stackgan"], None, "--stackgan-result RESULT: No such file or directory"),
    (["--variants", "single", "stackgan"], "{", "--stackgan-result RESULT: not a result.json of examples/stack_gan.py "
                                                 "(JSONDecodeError: Expecting property name"),
    ([], '{"result": 1}', "--stackgan-result RESULT: not a result.json of examples/stack_gan.py (KeyError: 'args')"),
    ([], b"\xff\xfe{", "--stackgan-result RESULT: not a result.json of examples/stack_gan.py (UnicodeDecodeError: "),
    (["--variants", "single", "stackgan"], '{"args": {"sizes": [8]}}',
     "--stackgan-result RESULT: sizes=[8] differs from this run's [16, 32, 64]"),
    (["--variants", "single"], "{}", "--stackgan-result RESULT: gives the stackgan row, which --variants single leaves out"),
])
def test_stackgan_checks_its_result_file_before_any_variant_trains(argv, content, error, tmp_path, monkeypatch, capsys):
    # Was: read in its turn, after `single` had trained: a traceback (or, without `stackgan`, ignored).
    module = benchmark_module("stackgan")
    monkeypatch.setattr(module, "run", lambda *args: pytest.fail("trained before --stackgan-result was checked"))
    result = tmp_path / "result.json"
    if isinstance(content, bytes):
        result.write_bytes(content)  # not UTF-8: was a decode error read as "a setting differs", without the path
    elif content is not None:
        result.write_text(content)
    with pytest.raises(SystemExit) as exit:
        module.main(argv + ["--stackgan-result", str(result), "--json", str(tmp_path / "stackgan.json")])
    assert exit.value.code == 2
    assert error.replace("RESULT", str(result)) in capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, error", [
    (["--save-models", "FILE"], "--save-models FILE: FILE is a file, not a folder."),
    (["--segan-model", "MISSING"], "--segan-model MISSING: no such file; give a SEGAN saved as .keras"),
])
def test_speech_peers_checks_its_model_paths_before_the_corpus(argv, error, tmp_path, monkeypatch, capsys):
    # Was: --save-models a FileExistsError once the first model had trained; --segan-model an OSError after
    # the corpus was spoken and the L1-only model trained.
    module = benchmark_module("speech_peers")
    monkeypatch.setattr(module, "corpus", lambda *args: pytest.fail("made the corpus before the paths were checked"))
    monkeypatch.setattr(module.shutil, "which", lambda name: "/usr/bin/espeak-ng")
    paths = {"FILE": str(tmp_path / "a_file"), "MISSING": str(tmp_path / "segan.keras")}
    (tmp_path / "a_file").write_text("")
    argv = [paths.get(a, a) for a in argv] + ["--out", str(tmp_path / "speech_peers.json")]
    with pytest.raises(SystemExit) as exit:
        module.main(argv)
    assert exit.value.code == 2
    for placeholder, path in paths.items():
        error = error.replace(placeholder, path)
    assert error in capsys.readouterr().err.strip().splitlines()[-1]


def test_speech_peers_counts_the_scores_pesq_and_stoi_could_not_make():
    # PESQ and STOI give NaN (with a warning) where they find no speech; `metric_failures` counted raised errors
    # only, so was 0 while the means left those utterances out.
    import numpy as np

    from keras_cgan.metrics import audio

    module = benchmark_module("speech_peers")
    speech = 0.5 * np.sin(np.arange(8000) * 0.05) * np.sin(np.arange(8000) * 0.002)
    click = np.zeros(8000)  # 12 ms of sound: nothing PESQ or STOI can score
    click[4000:4200] = 0.5 * np.sin(np.arange(200) * 0.1)
    noise = 0.01 * np.random.default_rng(0).standard_normal(8000)
    with pytest.warns(UserWarning):
        scores = module.score([(None, speech, "white", 0), (None, click, "white", 0)], [speech + noise, click + noise])
    assert scores["metric_failures"] == 2
    assert scores["overall"]["pesq"] == pytest.approx(audio.pesq(speech, speech + noise))


# ---------------------------------------------------------------- generalisation

@pytest.mark.parametrize("argv, error", [
    (["--family", "segan", "--task", "clicks", "--set", "r1_weight=-1"],
     "--set (the segan model of task clicks): `r1_weight` must be a finite number >= 0. Received: r1_weight=-1"),
    (["--family", "stack_gan", "--task", "shape_colour", "--set", "grow_at=9"],
     "--set (the stack_gan model of task shape_colour): `--set grow_at=` takes one int in [1, 5] (a chunk). "
     "Received: 9"),
])
def test_generalisation_names_a_setting_the_model_refuses_before_any_data(argv, error, tmp_path, monkeypatch, capsys):
    # Was: the model's ValueError (a traceback) once the first task's data was made and its judges trained.
    module = benchmark_module("generalisation")

    def made_data(*args, **kwargs):
        raise AssertionError("made the data before the settings were checked")

    for maker in ("speech_pairs", "tag_images", "tag_judges"):
        monkeypatch.setattr(module, maker, made_data)
    with pytest.raises(SystemExit) as exit:
        module.main(argv + ["--out", str(tmp_path / "g.json")])
    assert exit.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(error)


@pytest.mark.parametrize("argv, task, half, chosen", [
    ([], None, None, ["t_junction", "stay_or_move", "fork", "bouncing_ball"]),
    (["--half", "held-out"], None, "held-out", ["fork", "bouncing_ball"]),
    (["--task", "fork", "--task", "library_junction"], ["fork", "library_junction"], None,
     ["fork", "library_junction"]),
    (["--half", "tune", "--task", "stay_or_move", "--task", "fork"], ["stay_or_move", "fork"], "tune",
     ["stay_or_move"]),
])
def test_generalisation_selection_is_what_a_command_trains(argv, task, half, chosen, tmp_path, monkeypatch):
    # tests/test_docs.py checks the pages' commands against the results file with `selection`: it must be main's.
    module = benchmark_module("generalisation")
    trained = []
    tasks, _, columns = module.FAMILIES["next_frame_gan"]
    monkeypatch.setitem(module.FAMILIES, "next_frame_gan",
                        (tasks, lambda name, *args: trained.append(name) or ({}, 0.0, None), columns))
    monkeypatch.setitem(module.MODELS, "next_frame_gan", lambda *args: None)
    module.main(["--family", "next_frame_gan", "--out", str(tmp_path / "g.json")] + argv)
    assert trained == module.selection("next_frame_gan", task, half)[1] == chosen


def test_generalisation_ends_a_ctrl_c_in_one_line_keeping_the_tasks_finished(tmp_path, monkeypatch, capsys):
    module = benchmark_module("generalisation")
    tasks, _, columns = module.FAMILIES["next_frame_gan"]
    monkeypatch.setitem(module.FAMILIES, "next_frame_gan", (tasks, stop_after(1, lambda *args: ({}, 0.0, None)),
                                                            columns))
    monkeypatch.setitem(module.MODELS, "next_frame_gan", lambda *args: None)
    out = tmp_path / "g.json"
    err = interrupted(module.main, ["--family", "next_frame_gan", "--half", "held-out", "--out", str(out)], capsys)
    assert err == f"interrupted: run 'defaults' of {out} keeps the 1 finished tasks (fork)"
    assert list(runs_of(out)["defaults"]["result"]["families"]["next_frame_gan"]["tasks"]) == ["fork"]



def test_generalisation_keeps_the_tasks_recorded_while_it_waited_for_the_lock(tmp_path, monkeypatch):
    # Was: the run read before `record` took the file's lock: a command recording in between lost its task.
    module = benchmark_module("generalisation")
    tasks, _, columns = module.FAMILIES["next_frame_gan"]
    monkeypatch.setitem(module.FAMILIES, "next_frame_gan", (tasks, lambda *args: ({}, 0.0, None), columns))
    monkeypatch.setitem(module.MODELS, "next_frame_gan", lambda *args: None)
    out = tmp_path / "g.json"
    argv = ["--family", "next_frame_gan", "--out", str(out)]
    # --task fork writes once (the task and its command); bouncing_ball's command records between its read and write
    another_command_writes_first(module._report, monkeypatch, 1, lambda: module.main(argv + ["--task", "bouncing_ball"]))
    module.main(argv + ["--task", "fork"])
    family = runs_of(out)["defaults"]["result"]["families"]["next_frame_gan"]
    assert list(family["tasks"]) == ["bouncing_ball", "fork"] and family["last_command"]["tasks"] == ["fork"]


@pytest.mark.usefixtures("terminal_ctrl_c")
def test_generalisation_ends_a_ctrl_c_in_its_last_write_in_one_line(tmp_path, monkeypatch, capsys):
    module = benchmark_module("generalisation")
    tasks, _, columns = module.FAMILIES["next_frame_gan"]
    monkeypatch.setitem(module.FAMILIES, "next_frame_gan", (tasks, lambda *args: ({}, 0.0, None), columns))
    monkeypatch.setitem(module.MODELS, "next_frame_gan", lambda *args: None)
    out = tmp_path / "g.json"
    ctrl_c_at(module._report, monkeypatch, 1)  # its one write: the task and the command
    err = interrupted(module.main, ["--family", "next_frame_gan", "--task", "fork", "--out", str(out)], capsys)
    assert err == f"interrupted: run 'defaults' of {out} keeps the 1 finished tasks (fork)"
    family = runs_of(out)["defaults"]["result"]["families"]["next_frame_gan"]
    assert list(family["tasks"]) == ["fork"] and family["last_command"]["tasks"] == ["fork"]


def test_export_latency_measures_a_family_named_twice_once(tmp_path, monkeypatch):
    # Was: `--families pix2pix pix2pix` measured it twice and left the run marked incomplete.
    module = benchmark_module("export_latency")
    rows = {"keras": {"batch1_ms": 1.0, "batch16_ms": 2.0, "file_bytes": None}}
    measured = []
    monkeypatch.setattr(module, "bench_family", lambda family, *args: measured.append(family) or (
        {"rows": rows, "generator": "g", "parameters": 1, "criteria": {}}, {}, None))
    out = tmp_path / "export_latency.json"
    module.main(["--families", "pix2pix", "pix2pix", "--out", str(out)])
    assert measured == ["pix2pix"] and list(runs_of(out)) == ["default"] and runs_of(out)["default"]["complete"]


# ---------------------------------------------------------------- tables.py

def write_results(folder, name, runs):
    with open(folder / f"{name}.json", "w") as f:
        json.dump({"benchmark": name, "schema": 1, "runs": runs}, f)


def test_tables_count_a_run_marked_incomplete_in_its_result_as_partial(tmp_path, monkeypatch):
    # Was: only the run's own flag read; pix2pix_blur and export_latency once wrote theirs in the result.
    monkeypatch.setattr(tables, "RESULTS", str(tmp_path))
    write_results(tmp_path, "pix2pix_blur", [{"name": "default", "result": {"complete": False, "results": {}}},
                                             {"name": "whole", "result": {"complete": True, "results": {}}}])
    results = tables.load("pix2pix_blur")
    assert [r["name"] for r in results["runs"]] == ["whole"] and results["partial"] == ["default"]
    with pytest.raises(tables.MissingRun, match="run 'default' is partial"):
        tables.run(results, "default")


def test_video_split_sweeps_are_the_runs_not_named_default_wherever_it_is(tmp_path, monkeypatch):
    # Was: every run after the first, the first taken for the default run.
    monkeypatch.setattr(tables, "RESULTS", str(tmp_path))
    models = {"gan": {**dict.fromkeys(tables.VIDEO, 0.5), "selected_step": 100}}
    sweep = {"config": {"steps": 100, "ema": 0}, "models": models}
    write_results(tmp_path, "video_split", [{"name": "short", "result": sweep},
                                            {"name": "default", "result": dict(sweep, config={"steps": 9})},
                                            {"name": "long", "result": dict(sweep, config={"steps": 900})}])
    text = tables.video_split_sweeps()
    assert [line.split(" | ")[0] for line in text.splitlines() if line.startswith("| `")] == ["| `short`", "| `long`"]
    assert text.endswith("runs `short`, `long`.")


def test_generalisation_keeps_the_tasks_a_command_beside_it_recorded(tmp_path, monkeypatch):
    # Was: the run read once, at the start: of two commands side by side, the one ending last dropped the other's tasks.
    module = benchmark_module("generalisation")
    tasks, _, columns = module.FAMILIES["next_frame_gan"]
    out = tmp_path / "g.json"
    argv = ["--family", "next_frame_gan", "--out", str(out)]

    def train(name, *args):
        if name == "fork":  # while fork trains, a command for bouncing_ball runs beside it, to its end
            monkeypatch.setitem(module.FAMILIES, "next_frame_gan", (tasks, lambda *args: ({}, 0.0, None), columns))
            module.main(argv + ["--task", "bouncing_ball"])
        return {}, 0.0, None

    monkeypatch.setitem(module.FAMILIES, "next_frame_gan", (tasks, train, columns))
    monkeypatch.setitem(module.MODELS, "next_frame_gan", lambda *args: None)
    module.main(argv + ["--task", "fork"])
    family = runs_of(out)["defaults"]["result"]["families"]["next_frame_gan"]
    assert list(family["tasks"]) == ["bouncing_ball", "fork"] and family["last_command"]["tasks"] == ["fork"]


def test_video_split_merge_reads_an_out_without_json_in_its_name(tmp_path, monkeypatch):
    # Was: `_report.load` read a path not ending in .json as benchmarks/results/<path>.json: --merge saw no rows.
    video_split = benchmark_module("video_split")
    out = tmp_path / "video_split_results"
    monkeypatch.setattr(video_split, "train_model", video_model)
    video_split.main(VIDEO + ["--out", str(out), "--only", "l2"])
    video_split.main(VIDEO + ["--out", str(out), "--only", "gan", "--merge"])
    assert list(runs_of(out)["default"]["result"]["models"]) == ["l2", "gan"]
