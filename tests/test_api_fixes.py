"""Tests of mends to the argument checks, callbacks' guards, export functions' errors and TensorFlow's quiet start."""

import os
import re
import warnings

import keras
import pytest

from keras_cgan import checks, export, networks
from keras_cgan.export import generator as generator_lib
from tests.test_case import REPO


def _message(check, *args, **kwargs):
    with pytest.raises(ValueError) as error:
        check(*args, **kwargs)
    return str(error.value)


def test_bound_errors_state_the_bounds_exactly_and_whether_they_are_included():
    # `integer`'s bounds are inclusive: the bounds themselves pass, and the message says >= and <=.
    assert checks.integer("stages", 1, low=1, high=3) == 1 and checks.integer("stages", 3, low=1, high=3) == 3
    assert _message(checks.integer, "stages", 4, low=1, high=3) == "`stages` must be an int >= 1 and <= 3. Received: stages=4"
    assert _message(checks.integer, "stages", 0, low=1) == "`stages` must be an int >= 1. Received: stages=0"
    assert _message(checks.integer, "stages", 4, high=3) == "`stages` must be an int <= 3. Received: stages=4"
    seed = _message(checks.integer, "seed", 2**64, low=-(2**63), high=2**63 - 1)
    assert "must be an int >= -9223372036854775808 and <= 9223372036854775807." in seed
    # `number`'s bounds are inclusive unless open; each is written as given, not rounded to 6 digits.
    assert checks.number("weight", 1234567.5, high=1234567.5) == 1234567.5
    assert "must be a finite number >= 0 and <= 1234567.5." in _message(checks.number, "weight", 2e6, high=1234567.5)
    assert "must be a finite number > 0 and < 0.5." in _message(
        checks.number, "translation", 0.5, low=0.0, high=0.5, low_open=True, high_open=True
    )
    assert re.search(r"must be a finite number >= 1e-07\. Received: rate=0\b", _message(checks.number, "rate", 0, low=1e-7))


def _generator():
    keras.utils.set_random_seed(1)
    return networks.conditional_generator((8, 8, 1), 10, latent_dim=4, base_filters=8)


def test_export_paths_that_cannot_be_written_are_named_before_converting(tmp_path, monkeypatch):
    generator = _generator()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    below_a_file = re.escape(f"`path`: {a_file} is a file, not a folder; give a path in a folder you can write to.")
    for call, name in ((export.to_onnx, "g.onnx"), (export.to_tflite, "g.tflite"), (export.to_saved_model, "serving")):
        with pytest.raises(ValueError, match=below_a_file):  # was FileExistsError / NotADirectoryError
            call(generator, a_file / "deeper" / name)
        with pytest.raises(ValueError, match=r"`path` must be a path \(a non-empty str, bytes or os.PathLike\). Received: path=None"):
            call(generator, None)  # was a TypeError naming no argument
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    with pytest.raises(ValueError, match=re.escape(f"`path`: {tmp_path / 'dangling'} is a link to nothing")):
        export.to_onnx(generator, tmp_path / "dangling" / "sub" / "g.onnx")  # was a bare FileNotFoundError
    (tmp_path / "dangling").unlink()
    read_only = tmp_path / "read_only"
    read_only.mkdir(mode=0o555)
    access = os.access  # as root writes anywhere, say what the folder's mode says to others
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: os.fspath(p) != str(read_only) and access(p, mode, **kw))
    for call, name in ((export.to_onnx, "g.onnx"), (export.to_tflite, "g.tflite"), (export.to_saved_model, "serving")):
        with pytest.raises(ValueError, match=re.escape(f"`path`: no permission to write in {read_only}; give a path")):
            call(generator, read_only / "sub" / name)
    monkeypatch.undo()
    # Missing folders are made; an existing file is replaced only by a checked export.
    report = export.to_onnx(generator, tmp_path / "new" / "folder" / "g.onnx", latency_runs=1)
    assert report.passed and os.path.isfile(report.path)
    assert sorted(os.listdir(tmp_path)) == ["new", "notes.txt", "read_only"]


def test_representative_data_that_is_not_data_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"`representative_data` must be a dict of arrays keyed by input name "
                                          r"\['noise', 'condition'\].*Received: int"):
        export.to_tflite(_generator(), tmp_path / "g.tflite", quantization="int8", representative_data=5)  # was a TypeError


def test_a_failed_export_names_its_target_not_the_temporary_file(tmp_path):
    generator = _generator()
    target = tmp_path / "g.tflite"
    one_sample = export.example_inputs(generator, 1, seed=1)  # too few to calibrate int8 ranges
    with pytest.raises(export.ParityError, match=re.escape(f"{str(target)!r} fails parity with Keras (so it was not "
                                                           "written)") + ".*calibrated on `representative_data`") as error:
        export.to_tflite(generator, target, quantization="int8", representative_data=one_sample, latency_runs=1)
    assert error.value.report.path == str(target) and os.listdir(tmp_path) == []


def test_parity_options_of_the_wrong_type_are_named(tmp_path):
    generator = _generator()
    path = export.to_onnx(generator, tmp_path / "g.onnx", check=False)
    for option, value in (("tolerance", "1e-3"), ("min_snr_db", "20"), ("seed", -1)):
        with pytest.raises(ValueError, match=re.escape(f"`{option}` must be ")):  # a str was taken, or a TypeError
            export.check_parity(generator, path, **{option: value})
    assert export.check_parity(generator, path, tolerance=1e-3, min_snr_db=20, seed=1, latency_runs=1).passed


def _no_converting(monkeypatch):
    """Makes every export fail loudly once it starts loading the model to convert."""
    def load_model(model):
        raise AssertionError("converting began")

    monkeypatch.setattr(generator_lib, "load_model", load_model)


def _type_error(call, *args, **kwargs):
    with pytest.raises(TypeError) as error:
        call(*args, **kwargs)
    return str(error.value)


EXPORTS = ((export.to_onnx, "g.onnx"), (export.to_tflite, "g.tflite"), (export.to_saved_model, "serving"))


def test_a_misspelled_keyword_of_an_export_is_named_before_converting(tmp_path, monkeypatch):
    _no_converting(monkeypatch)  # was a TypeError from check_parity(), after converting
    for call, name in EXPORTS:
        message = _type_error(call, _generator(), tmp_path / name, tolerence=1e-3)
        assert message.startswith(f"{call.__name__}() got an unexpected keyword argument 'tolerence' (did you mean "
                                  "'tolerance'?). It takes "), message
        assert re.search(r"check, inputs, overwrite, and for the parity check batch_sizes, tolerance, .*seed", message)
        assert "unexpected keyword argument 'gan'" in _type_error(call, _generator(), tmp_path / name, gan=None)
        # A failed check always raises (raise_on_failure=False moved a failed export into place).
        assert f"{call.__name__}() takes no `raise_on_failure`: an export that fails its check always raises" in (
            _type_error(call, _generator(), tmp_path / name, raise_on_failure=False))
        with pytest.raises(ValueError, match=re.escape("`tolerance` must be ")):  # a value of the wrong type too
            call(_generator(), tmp_path / name, tolerance="1e-3")
    assert "'quantization'" in _type_error(export.to_onnx, _generator(), tmp_path / "g.onnx", quantization="int8")
    assert os.listdir(tmp_path) == []


def test_parity_options_with_check_false_warn_that_they_are_unused(tmp_path, monkeypatch):
    _no_converting(monkeypatch)
    inputs = export.example_inputs(_generator(), 2)
    for call, name in EXPORTS:  # were silently unused
        with pytest.warns(UserWarning, match=re.escape("`tolerance` is unused with check=False: only the parity check "
                                                       "reads it; pass check=True, or leave it out.")):
            with pytest.raises(AssertionError, match="converting began"):
                call(_generator(), tmp_path / name, check=False, tolerance=1e-3)
        with pytest.warns(UserWarning, match=re.escape("`inputs`, `seed` are unused with check=False")):
            with pytest.raises(AssertionError, match="converting began"):
                call(_generator(), tmp_path / name, check=False, inputs=inputs, seed=1)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning when they are used, or when none is given
            for kwargs in ({"check": False}, {"tolerance": 1e-3, "inputs": inputs}):
                with pytest.raises(AssertionError, match="converting began"):
                    call(_generator(), tmp_path / name, **kwargs)



def test_check_must_be_a_flag(tmp_path, monkeypatch):
    _no_converting(monkeypatch)
    for call, name in EXPORTS:  # "no" was taken as true: the check ran
        with pytest.raises(ValueError, match=r"`check` must be True or False"):
            call(_generator(), tmp_path / name, check="no")

def test_representative_data_without_int8_warns_that_it_is_unused(tmp_path):
    generator = _generator()
    data = export.example_inputs(generator, 4)
    for quantization in (None, "float16", "dynamic"):  # was silently unused
        with pytest.warns(UserWarning, match=re.escape(f"`representative_data` is unused with quantization="
                                                       f"{quantization!r}: only quantization='int8' calibrates")):
            export.to_tflite(generator, tmp_path / f"{quantization}.tflite", quantization=quantization,
                             representative_data=data, check=False)


def test_a_broken_symbolic_link_at_a_saved_model_version_is_in_the_way(tmp_path, monkeypatch):
    generator, base = _generator(), tmp_path / "serving"
    base.mkdir()
    (base / "1").symlink_to(tmp_path / "nowhere")
    with monkeypatch.context() as patched:
        _no_converting(patched)  # was converted, then an OSError (a folder cannot replace a link)
        with pytest.raises(ValueError, match=re.escape(f"`version`: {str(base / '1')!r} exists; pass `overwrite=True` "
                                                       "to replace it, or `version=None` for the next free one (2)")):
            export.to_saved_model(generator, base, version=1)
    assert export.to_saved_model(generator, base, version=1, overwrite=True, latency_runs=1).passed
    assert (base / "1").is_dir() and not (base / "1").is_symlink()


def test_onnx_and_tflite_exports_keep_an_existing_file_unless_overwrite(tmp_path, monkeypatch):
    generator = _generator()
    for call, name in EXPORTS[:2]:  # as a SavedModel keeps an existing version folder
        target = tmp_path / name
        target.write_text("the user's file")
        with monkeypatch.context() as patched:
            _no_converting(patched)
            with pytest.raises(ValueError, match=re.escape(f"`path`: {str(target)!r} exists; pass `overwrite=True` "
                                                           "to replace it, or give another path.")):
                call(generator, target)  # was replaced
            with pytest.raises(ValueError, match=re.escape("`overwrite` must be True or False. Received: overwrite='no'")):
                call(generator, target, overwrite="no")  # was taken as true
        assert target.read_text() == "the user's file"
        assert call(generator, target, overwrite=True, latency_runs=1).passed and target.stat().st_size > 100


def test_quiet_tensorflow_start_drops_only_the_log_lines_below_the_level():
    # With TF_CPP_MIN_LOG_LEVEL=2, TensorFlow's import drops its INFO start-up lines and WARNING ones; an ERROR
    # line and a Python warning written meanwhile still show, after it.
    import subprocess
    import sys

    code = (
        "import os, sys, warnings\n"
        "sys.argv = ['keras-cgan']  # the command line: `import keras_cgan` leaves TensorFlow for later\n"
        "import keras_cgan\n"
        "with keras_cgan._quiet_tensorflow_start():\n"
        "    import tensorflow\n"
        "    os.write(2, b'E0000 00:00:1796632626.386456   1 a.cc:1] a real error\\n  its second line\\n')\n"
        "    os.write(2, b'W0000 00:00:1796632626.386456   1 a.cc:2] a dropped warning\\n  and its second line\\n')\n"
        "    warnings.warn('a Python warning')\n"
        "    os.write(2, b'I0000 00:00:1796632626.386456   1 a.cc:3] a dropped info line\\n')\n"
        "    print('a message of its own', file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stderr
    assert "a.cc:1] a real error\n  its second line\n" in proc.stderr and "UserWarning: a Python warning" in proc.stderr
    assert "a dropped warning" not in proc.stderr and "and its second line" not in proc.stderr
    assert "a dropped info line" not in proc.stderr and "a message of its own" in proc.stderr
    assert "oneDNN" not in proc.stderr and "absl::InitializeLog" not in proc.stderr, proc.stderr


def test_quiet_tensorflow_start_holds_nothing_without_a_stderr(monkeypatch):
    # `sys.stderr` is None under pythonw and some service runners: `flush` raised AttributeError.
    import sys

    import keras_cgan

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.delitem(sys.modules, "tensorflow")  # as if TensorFlow were still to be imported
    monkeypatch.setattr(sys, "stderr", None)
    with keras_cgan._quiet_tensorflow_start():
        ran = True
    assert ran
