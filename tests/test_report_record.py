"""What `_report.record` takes: a `--run` checked as the command line is read (before anything trains), and a
result or an update of the stored run."""

import glob
import os

import pytest

from tests.test_case import REPO, benchmark_module


@pytest.mark.parametrize("name", ["_report", "video_split"])  # (every benchmark's --run has this type: below)
def test_a_run_named_as_a_runs_progress_is_refused_as_the_command_line_is_read(name, capsys):
    # Was: refused by `record`, after the first model had trained (a ValueError traceback).
    module = benchmark_module(name)
    argv = ["record", "scaling", "result.json"] if name == "_report" else []
    with pytest.raises(SystemExit) as exit:  # (an unknown flag after it: no command goes on to train)
        module.main(argv + ["--run", "sweep:partial", "--no-such-flag"])
    assert exit.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        "argument --run: run 'sweep:partial': names ending in ':partial' hold a run's progress; "
        "choose another run name")


def test_record_refuses_a_run_named_as_a_runs_progress_as_the_command_line_does(tmp_path):
    # Was: record's refusal told API callers, who pass run=, to "choose another --run".
    out = tmp_path / "scaling.json"
    report = benchmark_module("_report")
    with pytest.raises(ValueError) as refused:
        report.record("scaling", {}, run="sweep:partial", out=str(out))
    with pytest.raises(report.argparse.ArgumentTypeError) as typed:
        report.run_name("sweep:partial")
    assert str(refused.value) == str(typed.value) and str(refused.value).endswith("; choose another run name")
    assert not out.exists()


@pytest.mark.parametrize("given, received", [({}, "neither"), ({"result": {}, "update": dict}, "both")])
def test_record_takes_a_result_or_an_update(given, received, tmp_path):
    # Was: with neither, the run was written with `"result": null`; with both, `result` was dropped unsaid.
    out = tmp_path / "scaling.json"
    with pytest.raises(TypeError, match=f"record\\('scaling'\\): give the run's `result` or an `update` of the "
                                        f"stored run, not {received}"):
        benchmark_module("_report").record("scaling", out=str(out), **given)
    assert not out.exists()


BENCHMARKS = sorted(
    os.path.basename(path)[:-3] for path in glob.glob(os.path.join(REPO, "benchmarks", "*.py"))
    if not os.path.basename(path).startswith("_") and os.path.basename(path) != "tables.py"
)
OWN_OUTPUT = {"stackgan"}  # --out and --run are the example's; results go to --json, the run is named by --variants


class Parsed(Exception):
    pass


def parser_of(module, monkeypatch):
    """The `argparse` parser `module.main` builds, stopped as it reads its command line."""
    import argparse

    def stop(parser, *args, **kwargs):
        raise Parsed(parser)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", stop)
    with pytest.raises(Parsed) as parsed:
        module.main([])
    return parsed.value.args[0]


@pytest.mark.parametrize("name", [n for n in BENCHMARKS if n not in OWN_OUTPUT])
def test_every_benchmark_takes_the_shared_run_and_out(name, monkeypatch):
    # Was: ten benchmarks added --run/--out by hand: two had no --run, some no help, one another help.
    import argparse

    module = benchmark_module(name)
    actions = {a.dest: a for a in parser_of(module, monkeypatch)._actions}
    shared = argparse.ArgumentParser()
    module._report.output_options(shared, name, run=actions["run"].default if "run" in actions else "default")
    for dest in ("out", "run"):
        want = next(a for a in shared._actions if a.dest == dest)
        assert dest in actions, f"{name}: no --{dest}"
        got = actions[dest]
        assert (got.option_strings, got.type, got.default, got.help) == (
            want.option_strings, want.type, want.default, want.help), name


def test_the_benchmarks_are_found():
    assert {"video_split", "scaling", "train_step_speed", "stackgan", "generalisation"} <= set(BENCHMARKS)


def _b_stopped_with_gan(report, monkeypatch, capsys, out):
    """Command `b` stopped by Ctrl-C with its model `gan` finished; returns the line it printed."""
    monkeypatch.setattr(report, "COMMAND", "b")
    with pytest.raises(SystemExit):
        with report.kept_on_interrupt(out, "default") as finished:
            finished.append("gan")
            raise KeyboardInterrupt
    return capsys.readouterr().err.strip()


@pytest.mark.parametrize("order", [["a", "b", "a done"], ["b", "a", "a done"]])
def test_a_command_completing_beside_another_leaves_it_its_partial_entry(order, tmp_path, monkeypatch, capsys):
    # Was: the first complete write dropped `default:partial` with the other command's finished model in it;
    # that command, stopped next, named a partial entry that was gone.
    import json

    report = benchmark_module("_report")
    monkeypatch.setattr(report, "commit", lambda: None)  # (no git)
    out = str(tmp_path / "scaling.json")
    models = {"a": ["l2"], "b": ["gan"]}

    def write(step):  # as `video_split.py --merge`: the stored models and this command's, under its own name
        command, complete = step.split()[0], step.endswith("done")
        monkeypatch.setattr(report, "COMMAND", command)
        report.record("scaling", out=out, complete=complete, update=lambda stored: {
            "models": sorted({*(stored or {"models": []})["models"], *models[command]})})

    def runs():
        with open(out) as f:
            return {r["name"]: r for r in json.load(f)["runs"]}

    for step in order:
        write(step)
    assert runs()["default"]["result"] == {"models": ["l2"]}
    assert runs()["default:partial"]["result"]["models"] == ["gan", "l2"]
    assert runs()["default:partial"]["commands"] == ["b"]
    assert _b_stopped_with_gan(report, monkeypatch, capsys, out) == (  # b stopped before it completes
        f"interrupted: run 'default:partial' of {out} keeps the 1 finished models (gan), marked incomplete; "
        "the earlier run 'default' stays as it was until a run of it completes")
    models["b"].append("gan 2")
    write("b done")  # b again, to its end: the run holds both commands' models, and no command's progress is left
    assert list(runs()) == ["default"] and runs()["default"]["result"] == {"models": ["gan", "gan 2", "l2"]}


def test_a_command_stopped_after_another_took_the_whole_run_says_so(tmp_path, monkeypatch, capsys):
    # Was: it named `default:partial` as keeping its finished model, which the other command's run had dropped.
    report = benchmark_module("_report")
    monkeypatch.setattr(report, "commit", lambda: None)  # (no git)
    out = str(tmp_path / "scaling.json")
    monkeypatch.setattr(report, "COMMAND", "b")
    report.record("scaling", out=out, complete=False, update=lambda stored: {"models": ["gan"]})
    monkeypatch.setattr(report, "COMMAND", "a")
    report.record("scaling", {"models": ["l2"]}, out=out)  # the whole run, as a command without --merge writes it
    assert _b_stopped_with_gan(report, monkeypatch, capsys, out) == (
        f"interrupted: the 1 finished models (gan) were recorded in run 'default:partial' of {out}; another command "
        "recording the whole run 'default' has since replaced it")


@pytest.mark.parametrize("stop", [KeyboardInterrupt, MemoryError, "SIGTERM"])
def test_a_command_stopped_leaves_the_partial_entry_to_the_next_complete_run(stop, tmp_path, monkeypatch):
    # Was: a stopped (or failed) command stayed listed in `default:partial`: every later run completed beside it
    # (`--merge`) kept that entry, waiting for a command that would never complete. A SIGTERM ended the command
    # at once, and so left it listed.
    import json
    import signal

    report = benchmark_module("_report")
    monkeypatch.setattr(report, "commit", lambda: None)  # (no git)
    out = str(tmp_path / "scaling.json")
    monkeypatch.setattr(report, "COMMAND", "x")
    with pytest.raises(stop if stop is MemoryError else SystemExit) as stopped:
        with report.kept_on_interrupt(out, "default") as finished:
            report.record("scaling", out=out, complete=False, update=lambda stored: {"models": ["l2"]})
            finished.append("l2")
            if stop != "SIGTERM":
                raise stop
            if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:  # (it would end the tests)
                pytest.fail("a SIGTERM here ends the command at once, listed in default:partial")
            os.kill(os.getpid(), signal.SIGTERM)
    assert stop != "SIGTERM" or stopped.value.code == 143
    monkeypatch.setattr(report, "COMMAND", "y")  # the same run, later, to its end
    report.record("scaling", out=out, update=lambda stored: {"models": ["l2", "gan"]})
    with open(out) as f:
        assert [r["name"] for r in json.load(f)["runs"]] == ["default"]


def test_a_benchmark_records_from_a_thread_other_than_the_main_one(tmp_path, monkeypatch):
    # `signal.signal` raises ValueError outside the main thread: there a Ctrl-C is not held off while `record`
    # writes, nor a SIGTERM made a SystemExit, and the main thread's handlers stay as they were.
    import json
    import signal
    import threading

    report = benchmark_module("_report")
    monkeypatch.setattr(report, "commit", lambda: None)  # (no git)
    monkeypatch.setattr(report, "machine", lambda: {})
    out = str(tmp_path / "scaling.json")
    handlers, errors = [signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)], []

    def command():
        try:
            with report.kept_on_interrupt(out, "default") as finished, report.stopped_on_exit([]):
                finished.record("l2", "scaling", {"models": ["l2"]}, out=out, complete=False)
                report.record("scaling", {"models": ["l2", "gan"]}, out=out)
        except BaseException as e:  # (in the thread, it would be only printed)
            errors.append(e)

    thread = threading.Thread(target=command)
    thread.start()
    thread.join()
    assert errors == [] and [signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)] == handlers
    with open(out) as f:
        assert [(r["name"], r["result"]) for r in json.load(f)["runs"]] == [("default", {"models": ["l2", "gan"]})]
