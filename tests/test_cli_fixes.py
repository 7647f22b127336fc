"""`train --resume`, `translate` and `enhance` on odd folders and files: one `error:` line, no traceback.

A pix2pix run (`--set direction=BtoA`, tiny networks) is trained once for the
module; tests that change a run work on a copy of it.
"""

import json
import os
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from keras_cgan.cli import main

TINY = ["--size", "16", "--filters", "4", "--batch-size", "2", "--set", "receptive_field=16", "--verbose", "0"]


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    """An A/ B/ folder: colour A, gray B (so the direction shows in the channels)."""
    root = tmp_path_factory.mktemp("pairs")
    rng = np.random.default_rng(0)
    for side, shape in (("A", (16, 16, 3)), ("B", (16, 16))):
        (root / side).mkdir()
        for i in range(4):
            Image.fromarray(rng.integers(0, 255, shape).astype("uint8")).save(root / side / f"{i}.png")
    return str(root)


@pytest.fixture(scope="module")
def run(pairs, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("runs") / "btoa")
    command = ["train", "pix2pix", "--data", pairs, "--out", out, "--epochs", "1", "--set", "direction=BtoA"]
    assert main(command + TINY) == 0
    return out


@pytest.fixture
def copy(run, tmp_path):
    shutil.copytree(run, tmp_path / "run")
    return str(tmp_path / "run")


def resume(out, *extra):
    return main(["train", "pix2pix", "--out", out, "--resume", "--epochs", "2", "--verbose", "0"] + list(extra))


def test_resume_trains_on_in_the_runs_direction_and_refuses_another(copy, capsys):
    assert resume(copy) == 0  # no --set direction: the run's BtoA
    with open(os.path.join(copy, "config.json")) as f:
        config = json.load(f)
    assert config["data"]["direction"] == "BtoA" and config["model"]["condition_channels"] == 1
    with np.load(os.path.join(copy, "preview.npz")) as preview:  # written again on resume: gray B conditions
        assert preview["conditions"].shape[-1] == 1 and preview["targets"].shape[-1] == 3
    capsys.readouterr()
    assert main(["train", "pix2pix", "--out", copy, "--resume", "--epochs", "3", "--set", "direction=AtoB"]) == 2
    assert "data.direction: 'BtoA' in the run folder, 'AtoB' now" in capsys.readouterr().err


def test_resume_names_an_unreadable_gan_keras(copy, capsys):
    with open(os.path.join(copy, "gan.keras"), "wb") as f:
        f.write(b"cut")
    assert resume(copy) == 2  # was: zipfile.BadZipFile, a traceback
    error = capsys.readouterr().err
    assert f"--resume: {os.path.join(copy, 'gan.keras')}: not a readable .keras file" in error
    assert "train into a new --out" in error and os.path.getsize(os.path.join(copy, "gan.keras")) == 3


@pytest.mark.parametrize("previous", [False, True])
def test_resume_names_an_unreadable_backup(copy, capsys, previous):
    backup = os.path.join(copy, "backup")
    os.makedirs(backup)
    for name in ["latest.weights.h5"] + (["latest.weights.h5.bkp"] if previous else []):
        with open(os.path.join(backup, name), "wb") as f:
            f.write(b"cut")
    assert resume(copy) == 2  # was: OSError, a traceback
    error = capsys.readouterr().err
    assert f"--resume: the backup in {backup} cannot be read{', nor its previous copy' if previous else ''} (" in error
    assert os.path.isfile(os.path.join(copy, "gan.keras"))  # nothing of the run removed


@pytest.mark.parametrize("key, value, message", [
    ("model", [], "the `model` entry must be an object, found []"),
    ("train", "x", 'the `train` entry must be an object, found "x"'),
    ("family", 3, "the `family` entry must be a family name, found 3"),
])
def test_a_config_json_entry_of_the_wrong_type_is_named(copy, capsys, key, value, message):
    path = os.path.join(copy, "config.json")
    with open(path) as f:
        config = json.load(f)
    config[key] = value
    with open(path, "w") as f:
        json.dump(config, f)
    assert resume(copy) == 2  # was: TypeError / AttributeError tracebacks
    assert f"{path}: {message}" in capsys.readouterr().err
    assert main(["translate", "--run", copy, os.path.join(copy, "samples.png"), os.path.join(copy, "x.png")]) == 2
    assert f"{path}: {message}" in capsys.readouterr().err
    with open(path, "w") as f:
        f.write("[1, 2]")
    assert main(["sample", "--run", copy]) == 2
    assert f"{path}: expected a JSON object" in capsys.readouterr().err


def test_resume_of_a_folder_that_is_no_run_names_out(tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("x")
    assert resume(str(tmp_path / "notes")) == 2
    assert f"--out {tmp_path / 'notes'}: not a keras-cgan run folder" in capsys.readouterr().err  # was: --run


def test_translate_names_an_unreadable_generator_keras(copy, pairs, tmp_path, capsys):
    with open(os.path.join(copy, "generator.keras"), "wb") as f:
        f.write(b"")
    assert main(["translate", "--run", copy, os.path.join(pairs, "B"), str(tmp_path / "out")]) == 2
    # Keras' own message said "File not found".
    assert f"--run {copy}: generator.keras: not a readable .keras file" in capsys.readouterr().err


def test_translate_and_enhance_refuse_an_output_a_folder_holds_before_loading(run, pairs, tmp_path, capsys):
    import soundfile

    (tmp_path / "out" / "0.png").mkdir(parents=True)
    command = ["translate", "--run", run, os.path.join(pairs, "B"), str(tmp_path / "out"), "--overwrite"]
    assert main(command) == 2
    assert f"{tmp_path / 'out' / '0.png'}: a folder; move it" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "out" / "1.png")  # refused before any output
    (tmp_path / "noisy").mkdir()
    soundfile.write(str(tmp_path / "noisy" / "a.wav"), np.zeros(800), 16000)
    (tmp_path / "clean" / "a.wav").mkdir(parents=True)
    command = ["enhance", str(tmp_path / "noisy"), "-o", str(tmp_path / "clean"), "--model", run, "--overwrite"]
    assert main(command) == 2  # was: a LibsndfileError traceback once the model had run
    assert f"--output: {tmp_path / 'clean' / 'a.wav'}: a folder" in capsys.readouterr().err


def test_translate_refuses_an_output_folder_it_may_not_write_in(run, pairs, tmp_path, capsys, monkeypatch):
    (tmp_path / "locked").mkdir()
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: access(path, mode) and not (  # readable, not writable
        "locked" in str(path) and mode & os.W_OK))
    assert main(["translate", "--run", run, os.path.join(pairs, "B"), str(tmp_path / "locked" / "out")]) == 2
    assert f"no permission to write in {tmp_path / 'locked'}" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc, where no folder can be made")
def test_translate_and_enhance_name_an_output_folder_that_cannot_be_made(run, pairs, tmp_path, capsys, monkeypatch):
    from keras_cgan.cli import enhance

    # As root, os.access lets /proc pass and makedirs failed: a bare "[Errno 2] No such file or directory" line.
    # Another user's os.access refuses /proc first ("no permission to write in /proc"), which would leave makedirs
    # untested: os.access lets /proc pass here for every user, as it does for root.
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: str(path).startswith("/proc") or access(path, mode))
    assert main(["translate", "--run", run, os.path.join(pairs, "B"), "/proc/nope/out"]) == 2
    err = capsys.readouterr().err
    assert "keras-cgan translate: error: /proc/nope/out: cannot make the output folder /proc/nope/out (" in err
    assert "Errno" not in err
    import soundfile

    soundfile.write(str(tmp_path / "a.wav"), np.zeros(800), 16000)
    monkeypatch.setattr(enhance, "_enhancer", lambda args: (lambda noisy: noisy, 16000))  # no model needed
    assert main(["enhance", str(tmp_path / "a.wav"), "-o", "/proc/nope/", "--model", run]) == 2
    err = capsys.readouterr().err
    assert "keras-cgan enhance: error: --output /proc/nope/: cannot make the output folder /proc/nope (" in err
    assert "Errno" not in err


def test_make_output_folder_names_the_option_and_the_folder(tmp_path, monkeypatch):
    from keras_cgan.cli.files import make_output_folder

    make_output_folder(str(tmp_path / "a" / "b"), "--output x")
    assert os.path.isdir(tmp_path / "a" / "b")
    def cannot(path, exist_ok=False):
        raise FileNotFoundError(2, "No such file or directory", path)

    monkeypatch.setattr(os, "makedirs", cannot)
    with pytest.raises(ValueError, match=r"^--output x: cannot make the output folder /proc/y \(No such file or "
                                         r"directory\); give a folder that can be made and written in\.$"):
        make_output_folder("/proc/y", "--output x")


def test_enhance_names_the_model_option_and_an_unreadable_keras_file(tmp_path, capsys):
    import soundfile

    soundfile.write(str(tmp_path / "a.wav"), np.zeros(800), 16000)
    (tmp_path / "empty").mkdir()
    command = ["enhance", str(tmp_path / "a.wav"), "-o", str(tmp_path / "b.wav"), "--model"]
    assert main(command + [str(tmp_path / "empty")]) == 2
    assert f"--model {tmp_path / 'empty'}: not a keras-cgan run folder" in capsys.readouterr().err  # was: --run
    (tmp_path / "cut.keras").write_bytes(b"PK")
    assert main(command + [str(tmp_path / "cut.keras")]) == 2
    assert f"--model {tmp_path / 'cut.keras'}: not a readable .keras file" in capsys.readouterr().err


def test_write_wav_names_a_path_it_cannot_write(tmp_path):
    from keras_cgan.data import audio

    (tmp_path / "a.wav").mkdir()
    with pytest.raises(OSError, match=r"a\.wav: cannot write the wav file"):  # was: soundfile.LibsndfileError
        audio.write_wav(str(tmp_path / "a.wav"), np.zeros(10), 16000)


def test_a_broken_symbolic_link_where_a_command_writes_is_refused_in_its_own_words(tmp_path, capsys):
    from keras_cgan.cli.files import input_output_pairs

    link = tmp_path / "out.onnx"
    link.symlink_to(tmp_path / "nowhere.onnx")
    assert main(["export", "onnx", str(tmp_path / "g.keras"), "-o", str(link)]) == 2
    # was refused by the export function, asking for `overwrite=True`
    assert f"keras-cgan export: error: -o {link}: exists; pass --overwrite to replace it." in capsys.readouterr().err
    (tmp_path / "a.wav").write_bytes(b"")
    with pytest.raises(ValueError, match=re.escape(f"--output: {link}: exists; pass --overwrite to replace it.")):
        # was taken: the output was written where the link points
        input_output_pairs(str(tmp_path / "a.wav"), str(link), (".wav",), "wav files", "--output",
                           exists_label="--output: ")


@pytest.mark.parametrize("command", ["onnx", "tflite", "savedmodel", "parity"])
def test_an_export_format_error_is_one_line_under_its_own_name(command, capsys):
    with pytest.raises(SystemExit):
        main(["export", command])
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"usage: keras-cgan export {command} [-h]")
    assert err[-1].startswith(f"keras-cgan export {command}: error: the following arguments are required")


def _fake_run(folder, family, model=None):
    """A run folder's config.json and preview.npz only: enough for the checks made before a model loads."""
    os.makedirs(folder)
    config = {"family": family, "model": model or {}, "compile": {}, "data": {}, "train": {}}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)
    np.savez(os.path.join(folder, "preview.npz"), conditions=np.arange(4))
    return str(folder)


def test_sample_and_rollout_refuse_an_output_that_is_a_folder_before_loading(tmp_path, capsys):
    cgan = _fake_run(tmp_path / "cgan", "conditional_gan", {"num_classes": 10})
    (tmp_path / "d.png").mkdir()
    for overwrite in ([], ["--overwrite"]):  # was: "exists; pass --overwrite", then an IsADirectoryError traceback
        assert main(["sample", "--run", cgan, "--out", str(tmp_path / "d.png")] + overwrite) == 2
        assert f"--out {tmp_path / 'd.png'}: a folder; give a file name" in capsys.readouterr().err
    video = _fake_run(tmp_path / "video", "next_frame_gan", {"context": 2, "size": 16, "channels": 1})
    (tmp_path / "d.gif").mkdir()
    assert main(["rollout", "--run", video, str(tmp_path), "-o", str(tmp_path / "d.gif"), "--overwrite"]) == 2
    assert f"--output {tmp_path / 'd.gif'}: a folder; give a .gif file name" in capsys.readouterr().err


def test_sample_names_an_output_folder_it_may_not_write_in(tmp_path, capsys, monkeypatch):
    cgan = _fake_run(tmp_path / "cgan", "conditional_gan", {"num_classes": 10})
    (tmp_path / "locked").mkdir()
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: access(path, mode) and not (  # readable, not writable
        "locked" in str(path) and mode & os.W_OK))
    assert main(["sample", "--run", cgan, "--out", str(tmp_path / "locked" / "s.png")]) == 2
    assert f"--out {tmp_path / 'locked' / 's.png'}: no permission to write in {tmp_path / 'locked'}" in \
        capsys.readouterr().err
    # Without --out the sample goes in the run folder: --run is named, and --out is the way out (it named an --out
    # the user never gave).
    locked = _fake_run(tmp_path / "locked" / "run", "conditional_gan", {"num_classes": 10})
    assert main(["sample", "--run", locked]) == 2
    assert f"error: --run {locked}: no permission to write in {locked}; without --out the sample goes there: " \
        "give --out." in capsys.readouterr().err


@pytest.mark.parametrize("command", [["sample", "--run", "r"], ["rollout", "--run", "r", "clip", "-o", "r.gif"],
                                     ["train", "conditional_gan"], ["quickstart"]])
@pytest.mark.parametrize("value", ["-1", "4294967296", "2.5"])
def test_a_seed_out_of_range_is_named_before_anything_runs(command, value, capsys):
    with pytest.raises(SystemExit) as exit:  # was: "error: expected non-negative integer", once the model had loaded
        main(command + ["--seed", value])
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        f"error: argument --seed: expected an int from 0 to 2**32 - 1, received '{value}'")


def test_enhance_refuses_a_run_of_another_family_before_loading_it(tmp_path, capsys):
    import soundfile

    soundfile.write(str(tmp_path / "a.wav"), np.zeros(800), 16000)
    cgan = _fake_run(tmp_path / "cgan", "conditional_gan")  # no gan.keras: loading it would fail otherwise
    assert main(["enhance", str(tmp_path / "a.wav"), "-o", str(tmp_path / "b.wav"), "--model", cgan]) == 2
    assert f"--model {cgan}: a conditional_gan run; enhance takes a segan run." in capsys.readouterr().err


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04cut", b"not an archive"])
def test_sample_names_an_unreadable_preview(tmp_path, capsys, content):
    cgan = _fake_run(tmp_path / "cgan", "conditional_gan", {"num_classes": 10})
    with open(os.path.join(cgan, "preview.npz"), "wb") as f:
        f.write(content)
    assert main(["sample", "--run", cgan]) == 2  # was: a BadZipFile traceback, or NumPy's words on pickles
    assert f"--run {cgan}: preview.npz cannot be read: not the NumPy archive" in capsys.readouterr().err


def test_translate_names_an_image_size_one_way(run, tmp_path, capsys):
    Image.fromarray(np.zeros((20, 24), "uint8")).save(tmp_path / "wide.png")  # 24 wide, 20 high
    assert main(["translate", "--run", run, str(tmp_path / "wide.png"), str(tmp_path / "out.png")]) == 2
    err = capsys.readouterr().err
    assert "24x20 does not fit" in err and "cannot take 24x20 inputs" in err  # was: "cannot take 20x24"


@pytest.mark.parametrize("command", [["sample"], ["export", "--format", "onnx"], ["rollout", ".", "-o", "r.gif"],
                                     ["translate", ".", "out/"]])
def test_a_file_given_as_run_is_named_a_file(tmp_path, capsys, command):
    run = _fake_run(tmp_path / "run", "conditional_gan", {"num_classes": 10})
    (tmp_path / "notes.txt").write_text("mine")
    generator = os.path.join(run, "generator.keras")
    open(generator, "w").close()
    for given, hint in ((str(tmp_path / "notes.txt"), "the --out folder of `keras-cgan train`"),
                        (generator, f"its folder: --run {run}")):
        assert main([command[0], "--run", given] + command[1:]) == 2  # was: "no such folder"
        assert f"--run {given}: a file, not a run folder; give {hint}." in capsys.readouterr().err


@pytest.mark.parametrize("command", [["sample"], ["export", "--format", "onnx"], ["rollout", ".", "-o", "r.gif"],
                                     ["translate", ".", "out/"]])
def test_a_run_of_an_unknown_family_names_its_config_json(tmp_path, capsys, command):
    run = _fake_run(tmp_path / "run", "cgan")
    assert main([command[0], "--run", run] + command[1:]) == 2  # was: "Unknown family 'cgan'" or "a cgan run"
    assert f"error: {os.path.join(run, 'config.json')}: the `family` entry 'cgan' is not a keras-cgan family; " \
        "expected one of conditional_gan, next_frame_gan, pix2pix, segan, stack_gan" in capsys.readouterr().err
    assert main(["train", "conditional_gan", "--out", run, "--resume"]) == 2
    assert f"error: {os.path.join(run, 'config.json')}: the `family` entry 'cgan'" in capsys.readouterr().err



@pytest.mark.parametrize("form", ["run", "model"])
def test_export_names_an_output_it_cannot_write_before_loading(tmp_path, capsys, monkeypatch, form):
    # Was, after the model had loaded: "`path` is a folder ..." / "`path` must be a folder ..., not a file".
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "folder.onnx").mkdir()
    run = _fake_run(tmp_path / "run", "conditional_gan")  # no generator.keras: loading it is another error

    def export(command, *flags):
        given = ["--run", run, "--format", command] if form == "run" else [command, "missing.keras"]
        return main(["export"] + given + list(flags))

    for command, output, expected in [
        ("onnx", "folder.onnx", "-o folder.onnx: a folder; give a file name (a folder is never replaced)."),
        ("onnx", "notes.txt/g.onnx", f"-o notes.txt/g.onnx: {tmp_path / 'notes.txt'} is a file, not a folder."),
        ("savedmodel", "notes.txt", f"-o notes.txt: {tmp_path / 'notes.txt'} is a file, not a folder."),
        ("onnx", "G.onx", "-o G.onx: the onnx export is a file ending in .onnx; give such a name."),  # `path` must
    ]:
        assert export(command, "-o", output, "--overwrite") == 2
        assert f"keras-cgan export: error: {expected}" in capsys.readouterr().err
    (tmp_path / "mine.onnx").write_text("mine")
    assert export("onnx", "-o", "mine.onnx") == 2
    assert "-o mine.onnx: exists; pass --overwrite to replace it." in capsys.readouterr().err
    assert (tmp_path / "mine.onnx").read_text() == "mine"


@pytest.mark.parametrize("command, shown", [
    (["export", "onnx"], "--opset OPSET ONNX opset, 17 or 18 (default: 17)."),
    (["export", "parity"], "--batch-sizes BATCH_SIZES [BATCH_SIZES ...] Batch sizes compared (default: 1 8)."),
    (["export"], "quantization. (default: none)"),
    (["enhance"], "--batch-size BATCH_SIZE Windows per generator call (.keras). (default: 16)"),
])
def test_help_shows_the_defaults(command, shown, capsys):
    with pytest.raises(SystemExit):
        main(command + ["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert shown in out and "(default: None)" not in out  # was: no default shown


def test_export_names_a_folder_given_as_the_model_and_checks_its_numbers_as_flags(tmp_path, capsys):
    run = _fake_run(tmp_path / "run", "conditional_gan")
    open(os.path.join(run, "generator.keras"), "w").close()
    out = str(tmp_path / "g.onnx")
    assert main(["export", "onnx", run, "-o", out]) == 2  # was: "Model file not found"
    assert f"{run}: a folder, not a .keras file; a run folder exports with `keras-cgan export --run {run} " \
        "--format onnx`." in capsys.readouterr().err
    assert main(["export", "parity", run, out]) == 2
    generator = os.path.join(run, "generator.keras")
    assert f"{run}: a folder, not a .keras file; give {generator}." in capsys.readouterr().err
    # each was the library's message, naming `version`, `batch_sizes`, or `tolerance` "or None" (not a flag's value)
    for arguments, flag, said in [
        (["savedmodel", "g.keras", "-o", "sm", "--version", "-1"], "--version", "an int >= 0, received -1"),
        (["parity", "g.keras", "g.onnx", "--batch-sizes", "0"], "--batch-sizes", "an int >= 1, received 0"),
        (["parity", "g.keras", "g.onnx", "--tolerance", "nan"], "--tolerance", "a number, received 'nan'"),
        (["--tolerance", "inf", "parity", "g.keras", "g.onnx"], "--tolerance", "a number, received 'inf'"),
    ]:
        with pytest.raises(SystemExit):
            main(["export"] + arguments)
        assert f"error: argument {flag}: expected {said}" in capsys.readouterr().err


def test_export_run_without_output_names_a_run_folder_it_may_not_write_in(tmp_path, capsys, monkeypatch):
    run = _fake_run(tmp_path / "locked", "conditional_gan")  # no generator.keras: loading it is another error
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: access(path, mode) and not (  # readable, not writable
        "locked" in str(path) and mode & os.W_OK))
    assert main(["export", "--run", run, "--format", "onnx"]) == 2  # was: Permission denied, after loading
    assert f"error: --run {run}: no permission to write in {run}; without -o the export goes in its export/ " \
        "folder: give -o." in capsys.readouterr().err


def test_translate_refuses_a_float_image_before_writing_anything(run, pairs, tmp_path, capsys):
    # A 32-bit float TIFF (mode F, which `eight_bit` refuses) named .png: the size pre-scan names it, so the
    # folder's other images are not translated first.
    (tmp_path / "in").mkdir()
    shutil.copy(os.path.join(pairs, "B", "0.png"), tmp_path / "in" / "0.png")
    Image.fromarray(np.full((16, 16), 0.5, "float32")).save(tmp_path / "in" / "1.png", format="TIFF")
    assert main(["translate", "--run", run, str(tmp_path / "in"), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'in' / '1.png'}: " in err and "32-bit float pixels (mode F) have no set range" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("form", ["run", "model"])
def test_export_savedmodel_names_an_output_named_as_a_version_folder_in_flag_words(tmp_path, capsys, monkeypatch, form):
    # Was: the Python API's UserWarning about `path` and `version=1`, then an export to serving/1/1.
    monkeypatch.chdir(tmp_path)
    run = _fake_run(tmp_path / "run", "conditional_gan")  # no generator.keras: loading it is another error
    given = ["--run", run, "--format", "savedmodel"] if form == "run" else ["savedmodel", "missing.keras"]
    assert main(["export"] + given + ["-o", "serving/1"]) == 2
    assert "error: -o serving/1 looks like a version folder: -o is the base folder, which holds the numbered " \
        "version folders TF Serving reads; give -o serving --version 1." in capsys.readouterr().err  # --run too
    assert sorted(os.listdir(tmp_path)) == ["run"]
    if form == "model":  # a base folder named as a number is the user's choice once --version is given
        assert main(["export", "savedmodel", "missing.keras", "-o", "exports/2024", "--version", "1"]) == 2
        assert "looks like a version folder" not in capsys.readouterr().err


def test_resume_of_a_run_whose_data_folder_moved_names_it_and_takes_data(copy, pairs, tmp_path, capsys):
    os.remove(os.path.join(copy, "data_files.json"))  # a run from before the data files were recorded
    path = os.path.join(copy, "config.json")
    with open(path) as f:
        config = json.load(f)
    config["data"]["path"] = moved = str(tmp_path / "moved_away")  # as if the data folder had moved since
    with open(path, "w") as f:
        json.dump(config, f)
    assert resume(copy) == 2  # was: "--data .../moved_away: no such folder.", a flag not given
    assert f"error: --resume: the run's data folder {moved} (in {path}) no longer exists; give --data DIR, where " \
        "its data is now." in capsys.readouterr().err
    assert resume(copy, "--data", str(tmp_path / "missing")) == 2
    assert "warning" not in capsys.readouterr().err  # "training goes on" came before refusing that folder
    assert resume(copy, "--data", pairs) == 0  # was: refused as a change of data.path
    assert f"warning: --resume: the run's data folder {moved} no longer exists; training goes on with --data " \
        f"{pairs}, checked only to hold as many examples." in capsys.readouterr().err
    with open(path) as f:
        assert json.load(f)["data"]["path"] == pairs


def test_export_savedmodel_names_an_existing_version_as_the_version_flag(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for version in ("1", "2"):
        os.makedirs(os.path.join("serving", version))
    assert main(["export", "savedmodel", "missing.keras", "-o", "serving", "--version", "1"]) == 2
    assert "error: --version 1: serving/1 exists; pass --overwrite to replace it, or leave --version out for the " \
        "next (3)." in capsys.readouterr().err  # was: "-o serving/1: exists", not what was typed


@pytest.mark.parametrize("command", [["enhance"], ["export"], ["export", "savedmodel"], ["export", "tflite"]])
def test_help_fits_in_80_columns(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(command + ["--help"])
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 80, [line for line in lines if len(line) > 80]  # was: enhance's description


def test_a_data_folder_smaller_than_one_batch_says_to_lower_the_batch_size(tmp_path):
    # Was "--data DIR holds 2 pairs, fewer than one batch of 8.", and no word of what to do.
    from keras_cgan.cli.recipes import pix2pix

    for i in range(2):
        Image.fromarray(np.zeros((8, 16, 3), "uint8")).save(tmp_path / f"{i}.png")
    data_options = {"direction": "AtoB", "channels": None, "strict": False}
    with pytest.raises(ValueError, match=r"holds 2 pairs, fewer than one batch of 8; lower --batch-size \(at most 2\)"):
        pix2pix.load_data(str(tmp_path), {"size": 8}, data_options, 8, 0)
