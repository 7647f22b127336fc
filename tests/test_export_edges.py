"""`keras-cgan export` and the `export/*.py` scripts on odd flag orders, names and a Ctrl-C; SEGAN's served inputs.

Most tests stop before anything converts (the flags are checked first) or
replace the export function with one that records how it was called.
"""

import os
import re
import runpy
import sys
import types

import keras
import numpy as np
import pytest

import keras_cgan
from keras_cgan import SEGAN, export, networks
from keras_cgan.cli import export as export_cli
from keras_cgan.cli import main
from keras_cgan.export import files, runtimes
from keras_cgan.export import generator as generator_lib
from keras_cgan.models.segan import waveform
from tests.test_case import REPO


@pytest.fixture
def calls(monkeypatch):
    """Replaces the export functions with ones that record `(name, args, kwargs)` and write nothing."""
    made = []

    def recorder(name):
        def record(*args, **kwargs):
            made.append((name, args, kwargs))
            if name == "check_parity":
                return export.ParityReport(format="onnx", path=args[1])
            return args[1]  # as with --no-check: the path

        return record

    for name in ("to_onnx", "to_tflite", "to_saved_model", "check_parity"):
        monkeypatch.setattr(keras_cgan.export, name, recorder(name))
    return made


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "g.keras"
    path.write_bytes(b"")  # the recorded exports never read it
    return str(path)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A tiny generator `.keras` file, for the tests that export for real."""
    keras.utils.set_random_seed(1)
    path = tmp_path_factory.mktemp("model") / "g.keras"
    networks.conditional_generator((8, 8, 1), 10, latent_dim=4, base_filters=8).save(path)
    return str(path)


def test_a_flag_parity_does_not_use_is_refused_naming_it(tmp_path, model, calls, capsys):
    exported = str(tmp_path / "g.onnx")
    for flags, named in ((["--overwrite"], "--overwrite: parity writes nothing"),  # was accepted, unused
                         (["-o", "x.onnx"], "-o x.onnx: parity writes nothing"),
                         (["--no-check"], "--no-check: parity is the check itself"),
                         (["--format", "onnx"], "--format onnx: parity reads the format of the export it checks")):
        assert main(["export"] + flags + ["parity", model, exported]) == 2, flags
        assert f"keras-cgan export: error: {named}" in capsys.readouterr().err
    assert calls == [] and sorted(os.listdir(tmp_path)) == ["g.keras"]


def test_two_formats_given_two_ways_are_refused_or_agree(tmp_path, model, calls, capsys):
    out = str(tmp_path / "g.onnx")
    assert main(["export", "--format", "tflite", "onnx", model, "-o", out]) == 2  # wrote ONNX
    assert "error: --format tflite and the onnx subcommand name two formats; give one" in capsys.readouterr().err
    assert calls == []
    assert main(["export", "--format", "ONNX", "onnx", model, "-o", out]) == 0  # the same format, in any case
    assert [name for name, _, _ in calls] == ["to_onnx"]


def test_every_flag_given_before_the_format_is_kept(tmp_path, model, calls, capsys):
    out = str(tmp_path / "y.onnx")
    assert main(["export", "-o", out, "--opset", "18", "--no-check", "onnx", model]) == 0  # was: -o is required
    (name, args, kwargs), = calls
    assert (name, args[1], kwargs["opset"], kwargs["check"]) == ("to_onnx", out, 18, False)
    assert f"wrote {out}" in capsys.readouterr().out
    calls.clear()
    assert main(["export", "--batch-sizes", "2", "3", "--tolerance", "0.5", "parity", model, out]) == 0
    (name, args, kwargs), = calls
    assert (name, kwargs["batch_sizes"], kwargs["tolerance"]) == ("check_parity", (2, 3), 0.5)
    calls.clear()
    assert main(["export", "onnx", model]) == 2
    assert "error: -o/--output is required: where to write the onnx export" in capsys.readouterr().err
    assert main(["export", "-o", out, "onnx", model, "-o", str(tmp_path / "z.onnx")]) == 2
    assert f"error: -o {out} (before onnx) and -o {tmp_path / 'z.onnx'} (after it) name two outputs" in \
        capsys.readouterr().err
    assert calls == []


def test_a_flag_given_before_the_format_that_it_does_not_take_is_refused(tmp_path, model, calls, capsys):
    out = str(tmp_path / "g.tflite")
    for flags, error in ((["--opset", "18"], "--opset 18: only an onnx export has an opset"),
                         (["--tolerance", "0.1"], "--tolerance 0.1: only parity takes it"),
                         (["--no-check", "--json"], "--json: with --no-check there is no report to print")):
        assert main(["export"] + flags + ["tflite", model, "-o", out]) == 2, flags
        assert f"error: {error}" in capsys.readouterr().err
    # `--run` exports at the default opset, checked: refused before the run folder is read
    for flags, error in ((["--opset", "18"], "--opset 18: --run exports at opset 17"),
                         (["--no-check"], "--no-check: an export of --run is always checked")):
        assert main(["export", "--run", str(tmp_path / "run"), "--format", "onnx"] + flags) == 2, flags
        assert f"error: {error}" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # nargs="+" takes the format too: said so
        main(["export", "--batch-sizes", "2", "3", "parity", model, out])
    assert "received 'parity': it takes every value that follows it, so give it after the model and the export" \
        in capsys.readouterr().err
    assert calls == [] and sorted(os.listdir(tmp_path)) == ["g.keras"]


def test_an_upper_case_ending_is_taken_where_the_ending_is_checked(tmp_path, model, calls, capsys):
    for name in ("G.ONNX", "G.TFLITE"):  # were refused: "a file ending in .onnx"
        command = name.split(".")[1].lower()
        assert main(["export", command, model, "-o", str(tmp_path / name), "--no-check"]) == 0, name
        assert calls[-1][1][1] == str(tmp_path / name)
    assert files.file_target(tmp_path / "G.ONNX", ".onnx", False) == str(tmp_path / "G.ONNX")
    assert [runtimes.detect_format(f"g.{ending}") for ending in ("ONNX", "TFLite")] == ["onnx", "tflite"]
    upper = tmp_path / "G.KERAS"
    upper.write_bytes(b"")
    with pytest.raises(ValueError, match=r"Keras reads model files ending in lower case only; rename it to .*G\.keras"):
        generator_lib.load_model(str(upper))


def test_a_savedmodel_base_folder_is_listed_once_and_one_that_cannot_be_is_named(tmp_path, model, calls, monkeypatch,
                                                                                    capsys):
    from keras_cgan.export import saved_model

    class Loaded(Exception):
        pass

    serving = tmp_path / "serving"
    (serving / "1").mkdir(parents=True)
    listed = []
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(os.fspath(path)) or listdir(path))
    monkeypatch.setattr(generator_lib, "load_model", lambda model: (_ for _ in ()).throw(Loaded()))
    with pytest.raises(Loaded):
        saved_model.to_saved_model(model, serving)
    assert listed == [str(serving)]  # was listed twice: for the version, then for a message not shown

    def refused(path="."):  # a folder one may write in but not list (chmod 300)
        if os.fspath(path) == str(serving):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return listdir(path)

    monkeypatch.setattr(os, "listdir", refused)
    said = f"`path`: no permission to list the folder {str(serving)!r}, to find its next free version; make it"
    with pytest.raises(ValueError, match="^" + re.escape(said)):  # was a raw PermissionError
        saved_model.to_saved_model(model, serving)
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: not (os.fspath(path) == str(serving) and mode & os.R_OK)
                        and access(path, mode, **kw))
    assert main(["export", "savedmodel", model, "-o", str(serving)]) == 2
    assert capsys.readouterr().err == (  # before the model loads
        f"keras-cgan export: error: -o {serving}: no permission to list this folder, to find its next free version; "
        "make it readable (chmod u+rx), or give --version N.\n"
    )
    assert main(["export", "savedmodel", model, "-o", str(serving), "--version", "2"]) == 0  # was "[Errno 13] ..."
    assert [name for name, _, _ in calls] == ["to_saved_model"]


def test_a_ctrl_c_is_one_line_status_130_and_names_what_is_left(tmp_path, saved, monkeypatch, capsys):
    from keras_cgan.export import onnx as onnx_lib

    out = tmp_path / "g.onnx"
    out.write_bytes(b"before")

    def stopped(generator, path, opset=17):
        with open(path, "wb") as f:
            f.write(b"half an export")
        raise KeyboardInterrupt

    monkeypatch.setattr(onnx_lib, "write_onnx", stopped)
    assert main(["export", "onnx", saved, "-o", str(out), "--overwrite"]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == "keras-cgan export: interrupted; nothing written."
    assert os.listdir(tmp_path) == ["g.onnx"] and out.read_bytes() == b"before"  # no temporary files either

    def in_place(*args, **kwargs):
        raise KeyboardInterrupt(f"the export was in place at {str(out)!r} already")

    monkeypatch.setattr(keras_cgan.export, "to_onnx", in_place)
    monkeypatch.setattr(sys, "argv", ["to_onnx.py"])
    assert export_cli.script_main("onnx", [saved, "-o", str(out), "--overwrite"]) == 130  # was a traceback
    assert capsys.readouterr().err == f"to_onnx.py: interrupted; the export was in place at {str(out)!r} already.\n"


def test_a_ctrl_c_while_a_script_loads_is_one_line(monkeypatch, capsys):
    class Loading(types.ModuleType):  # the Ctrl-C comes while the script imports it (numpy and the parsers load)
        def __getattr__(self, name):
            if name == "script_main":
                raise KeyboardInterrupt
            raise AttributeError(name)

    monkeypatch.setitem(sys.modules, "keras_cgan.cli.export", Loading("keras_cgan.cli.export"))
    monkeypatch.setattr(sys, "argv", ["to_tflite.py", "g.keras", "-o", "g.tflite"])
    with pytest.raises(SystemExit) as exit_info:
        try:
            runpy.run_path(os.path.join(REPO, "export", "to_tflite.py"), run_name="__main__")
        except KeyboardInterrupt:
            pytest.fail("the Ctrl-C left the script as a traceback")
    assert exit_info.value.code == 130
    assert capsys.readouterr().err == "to_tflite.py: interrupted; nothing written.\n"


@pytest.fixture(scope="module")
def segan():
    keras.utils.set_random_seed(1)
    tiny = {"window": 256, "filters": (4, 8), "kernel_size": 5}
    return SEGAN(networks.segan_generator(**tiny), networks.segan_discriminator(**tiny), seed=0)


def test_segan_served_inputs_are_checked_as_the_pre_emphasized_audio_the_signature_takes(segan, tmp_path):
    tone = np.sin(np.pi * 7 / 8 * np.arange(4 * 256)).astype("float32")  # full scale, near Nyquist
    frames = waveform.preemphasis(tone, segan.preemphasis).reshape(4, 256, 1)  # as `enhance` frames it
    assert 1.8 < np.abs(frames).max() <= 1 + segan.preemphasis
    inputs = {"noise": np.zeros((4,) + segan.noise_shape, "float32"), "condition": frames}
    body = export.serving_request(segan, inputs)  # was refused: "noisy windows must be in [-1, 1]"
    assert len(body["instances"]) == 4
    with pytest.raises(ValueError, match="No `.onnx` file at"):  # past the input check, was refused there
        export.check_parity(segan, str(tmp_path / "missing.onnx"), inputs=inputs)
    pcm = dict(inputs, condition=frames * 16000)
    with pytest.raises(ValueError, match=r"inputs\['condition'\]: .* pre-emphasized .* in \[-1.95, 1.95\]; got values "
                                         r"from .* int16 PCM: divide by 32768"):
        export.serving_request(segan, pcm)
    for bad in (np.nan, np.inf, -np.inf):  # inf was "got values from .. to inf", with how to scale it down
        with pytest.raises(ValueError, match=r"inputs\['condition'\].* must be finite; .* holds -?(nan|inf)"):
            export.serving_request(segan, dict(inputs, condition=np.where(frames > 1.5, bad, frames)))
    tiny = {"window": 256, "filters": (4, 8), "kernel_size": 5}
    plain = SEGAN(networks.segan_generator(**tiny, preemphasis=0.0), networks.segan_discriminator(**tiny),
                  preemphasis=0.0)  # its generator takes the audio itself: in [-1, 1]
    with pytest.raises(ValueError, match=r"must be in \[-1, 1\]"):
        export.serving_request(plain, inputs)
