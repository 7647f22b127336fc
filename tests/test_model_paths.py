"""Model paths as the export functions, `stream_enhance`, `keras-cgan export` and `keras-cgan enhance` take them.

A missing export or model, a bytes path, a file or folder that cannot be
read, a pipe, a Keras model where an export is expected, a run folder that
cannot be read or whose backup's previous copy cannot be made loadable:
each is named with what to do, before anything loads. The files are
written by hand (a `.keras` zip's entry names, a TFLite file's identifier,
a run's `config.json`); one tiny generator is built and saved once (whole,
and its weights).
"""

import contextlib
import errno
import json
import os
import pathlib
import re
import signal
import types
import zipfile

import keras
import numpy as np
import pytest

from keras_cgan import checks, networks
from keras_cgan.cli import main
from keras_cgan.cli import train as train_cli
from keras_cgan.export import files, runtimes
from keras_cgan.export import generator as generator_lib
from keras_cgan.models.segan import streaming

TFLITE = b"\x1c\x00\x00\x00TFL3" + bytes(24)  # the FlatBuffers header of a TFLite model
WAVE = np.zeros(800, "float32")


class Blocked(Exception):
    """Not an `OSError`: nothing on the way catches it."""


@contextlib.contextmanager
def within(seconds):
    """Raises `Blocked` when the block runs longer than `seconds` (opening a pipe waits for a writer)."""
    def stop(*_):
        raise Blocked(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def keras_archive(path):
    with zipfile.ZipFile(path, "w") as archive:  # the entries a `.keras` file holds
        for name in ("metadata.json", "config.json", "model.weights.h5"):
            archive.writestr(name, "{}")
    return str(path)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A tiny built (untrained) generator saved as `.keras`, and a noisy wav for `enhance`."""
    import soundfile

    root = tmp_path_factory.mktemp("model_paths")
    generator = tiny_generator()
    generator.save(str(root / "g.keras"))
    generator.save_weights(str(root / "g.weights.h5"))  # a run's backup of it
    soundfile.write(str(root / "a.wav"), np.zeros(800), 16000)
    return root


def tiny_generator():
    return networks.conditional_generator((4, 4, 1), num_classes=2, latent_dim=2, base_filters=2)


def enhance(saved, model):
    return main(["enhance", str(saved / "a.wav"), "-o", str(saved / "out.wav"), "--model", str(model)])


def test_a_missing_export_is_named_with_what_to_give(saved, tmp_path, capsys):
    missing = str(tmp_path / "x.tflite")
    said = f"No `.tflite` file at {missing!r}: give the path of an existing export"
    with pytest.raises(ValueError, match="^" + re.escape(said)):  # was a raw FileNotFoundError
        streaming.stream_enhance(missing, WAVE)
    with pytest.raises(ValueError, match="^" + re.escape(said)):
        runtimes.load_runtime(missing)
    with pytest.raises(ValueError, match="^" + re.escape(f"No `.tflite` file at {missing!r}: give the path of one")):
        streaming.read_metadata(missing)  # was a raw FileNotFoundError
    assert enhance(saved, missing) == 2  # the command's way to stream a .tflite
    assert capsys.readouterr().err == (  # was "no such file or folder." and no more
        f"keras-cgan enhance: error: --model {missing}: no such file or folder; give a run folder of `keras-cgan "
        "train segan`, a saved SEGAN (.keras) or its .tflite.\n"
    )
    model = str(tmp_path / "g.keras")
    said = f"No model file at {model!r}: give a `.keras` (or `.h5`) file saved with `model.save(...)` (a `keras-cgan"
    with pytest.raises(ValueError, match="^" + re.escape(said)):  # was "Model file not found", and no more
        generator_lib.load_model(model)
    for command, run in (("onnx", "; or export a run folder with `keras-cgan export --run RUN --format onnx`"),
                         ("parity", "")):
        given = [str(saved / "x.onnx")] if command == "parity" else ["-o", str(tmp_path / "x.onnx")]
        assert main(["export", command, model] + given) == 2
        assert capsys.readouterr().err == (
            f"keras-cgan export: error: {model}: no such file; give the generator's (or the whole GAN's) .keras "
            f"file, e.g. RUN/generator.keras of a `keras-cgan train` run{run}.\n"
        )


def test_a_model_path_may_be_bytes_as_open_takes_it(saved, tmp_path):
    class BytesPath:  # an os.PathLike whose path is bytes
        def __init__(self, path):
            self.path = os.fsencode(path)

        def __fspath__(self):
            return self.path

    model = saved / "g.keras"
    for given in (os.fsencode(model), BytesPath(model), pathlib.Path(model)):  # bytes was taken for a model
        assert isinstance(generator_lib.load_model(given), keras.Model)
    assert runtimes.detect_format(os.fsencode(tmp_path / "g.ONNX")) == "onnx"  # was a TypeError
    with pytest.raises(ValueError, match=re.escape("Received: path=b''")):  # refused as given, not as ''
        runtimes.detect_format(b"")
    assert files.model_format(BytesPath(tmp_path / "g.tflite")) == "tflite"
    for given in (os.fsencode(tmp_path), BytesPath(tmp_path)):  # a callback's folder: was refused
        assert checks.path("log_dir", given) == str(tmp_path)
    with pytest.raises(ValueError, match=re.escape("`log_dir` must be a path (a non-empty str, bytes or os.PathLike). "
                                                   "Received: log_dir=5")):  # bytes was taken, and not said
        checks.path("log_dir", 5)
    missing = str(tmp_path / "x.tflite")
    with pytest.raises(ValueError, match="^" + re.escape(f"No `.tflite` file at {missing!r}")):
        streaming.stream_enhance(os.fsencode(missing), WAVE)  # was "Pass `window=`": taken for a callable


def _refuse(monkeypatch, path, function):
    """Makes `function` (`open`, `os.listdir`) refuse `path` as the system refuses a user without permission."""
    def refused(target, *args, **kwargs):
        if os.fspath(target) == str(path):
            raise PermissionError(13, "Permission denied", os.fspath(target))
        return function(target, *args, **kwargs)

    if function is open:
        monkeypatch.setattr(files, "open", refused, raising=False)  # the module's `open`: not pytest's
    else:
        monkeypatch.setattr(os, "listdir", refused)


def test_a_file_or_folder_that_cannot_be_read_is_named_with_what_to_do(saved, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "serving"
    folder.mkdir()
    _refuse(monkeypatch, folder, os.listdir)
    said = f"{str(folder)!r}: no permission to read this folder; make it readable (chmod u+rx) or give a copy"
    for read in (runtimes.detect_format, runtimes.load_runtime, runtimes.resolve_saved_model):
        with pytest.raises(ValueError, match="^" + re.escape(said)):  # was a raw PermissionError
            read(folder)
    with pytest.raises(ValueError, match="^" + re.escape(said)):
        streaming.stream_enhance(folder, WAVE)
    assert main(["export", "parity", str(saved / "g.keras"), str(folder)]) == 2
    assert capsys.readouterr().err.startswith(f"keras-cgan export: error: {said}")
    for name, content in (("x.tflite", TFLITE), ("x.keras", None)):
        path = tmp_path / name
        keras_archive(path) if content is None else path.write_bytes(content)
        _refuse(monkeypatch, path, open)
        said = f"{str(path)!r}: no permission to read this file; make it readable (chmod u+r)"
        read = generator_lib.load_model if name.endswith(".keras") else streaming.stream_enhance
        with pytest.raises(ValueError, match="^" + re.escape(said)):  # was a raw PermissionError, or "not found"
            read(path, WAVE) if read is streaming.stream_enhance else read(path)
        assert enhance(saved, path) == 2
        assert capsys.readouterr().err.startswith(f"keras-cgan enhance: error: --model {path}: no permission")
    access = os.access  # as the system answers a user without permission (root reads any file)
    monkeypatch.setattr(os, "access", lambda target, mode: os.fspath(target) != str(path) and access(target, mode))
    for read in (runtimes.TFLiteRuntime, runtimes.OnnxRuntime, streaming.read_metadata):  # nothing opened first
        with pytest.raises(ValueError, match="^" + re.escape(f"{str(path)!r}: no permission to read this file")):
            read(path)


def test_a_pipe_or_a_device_is_refused_without_waiting(saved, tmp_path, capsys):
    pipes = []
    for name in ("x.tflite", "x.keras", "x"):
        os.mkfifo(tmp_path / name)
        pipes.append(str(tmp_path / name))
    said = "neither a file nor a folder (a pipe, a socket or a device); give the model's file or folder."
    with within(5):  # each waited forever for a writer
        for pipe in pipes + [os.devnull]:
            for read in (runtimes.detect_format, generator_lib.load_model):
                with pytest.raises(ValueError, match=re.escape(f"{pipe!r}: {said}")):
                    read(pipe)
        for read in (streaming.stream_enhance, streaming.read_metadata, runtimes.TFLiteRuntime, runtimes.OnnxRuntime):
            with pytest.raises(ValueError, match=re.escape(f"{pipes[0]!r}: {said}")):
                read(pipes[0], WAVE) if read is streaming.stream_enhance else read(pipes[0])
        assert enhance(saved, pipes[0]) == 2
        assert capsys.readouterr().err == f"keras-cgan enhance: error: --model {pipes[0]}: {said}\n"
        assert main(["export", "parity", str(saved / "g.keras"), pipes[0]]) == 2
        assert capsys.readouterr().err == f"keras-cgan export: error: {pipes[0]!r}: {said}\n"


def test_the_first_message_fits_what_the_command_expects(saved, tmp_path, capsys):
    missing, upper = str(tmp_path / "G.KERAS"), keras_archive(tmp_path / "H.KERAS")
    export = "expected a SavedModel folder, a `.onnx` or a `.tflite` file"
    with pytest.raises(ValueError, match="^" + re.escape(f"No export at {missing!r}: {export}.")):  # was: rename it
        runtimes.detect_format(missing)
    for given in (upper, keras_archive(tmp_path / "h.onnx"), keras_archive(tmp_path / "h.bak")):
        said = f"A Keras model file, not an export, at {given!r}: {export} (export the model with keras_cgan.export"
        with pytest.raises(ValueError, match="^" + re.escape(said)):  # was: rename it to H.keras, h.keras
            streaming.stream_enhance(given, WAVE)
        assert main(["export", "parity", str(saved / "g.keras"), given]) == 2
        assert capsys.readouterr().err.startswith(f"keras-cgan export: error: {said}")
    assert enhance(saved, upper) == 2  # a model is expected there: the rename
    assert capsys.readouterr().err.endswith(f"rename it to {str(tmp_path / 'H.keras')!r}.\n")
    (tmp_path / "g.bak").write_bytes(TFLITE)  # a TFLite model where a Keras model is to be exported
    said = f"{str(tmp_path / 'g.bak')!r} is a TFLite model: expected a `.keras` (or `.h5`) file"
    assert main(["export", "onnx", str(tmp_path / "g.bak"), "-o", str(tmp_path / "g.onnx")]) == 2
    assert capsys.readouterr().err.startswith(f"keras-cgan export: error: {said}")  # was: rename it to g.tflite
    assert enhance(saved, tmp_path / "g.bak") == 2  # enhance takes a .tflite: the rename
    assert capsys.readouterr().err.endswith(f"rename it to {str(tmp_path / 'g.tflite')!r}.\n")
    folder = tmp_path / "f.keras"  # a folder named as a Keras model: neither an export nor a model to export
    folder.mkdir()
    with pytest.raises(ValueError, match="^" + re.escape(f"{str(folder)!r} is a folder: expected a `.keras`")):
        generator_lib.load_model(folder)  # was: give the .keras file, or a SavedModel folder
    for read in (runtimes.load_runtime, runtimes.resolve_saved_model):
        with pytest.raises(ValueError, match="^" + re.escape(f"No SavedModel at {str(folder)!r}: expected")):
            read(folder)  # was: give the .keras file


def test_enhance_and_stream_enhance_read_a_model_s_format_once(saved, tmp_path, monkeypatch):
    class Loaded(Exception):
        pass

    class Runtime:  # where LiteRT would load the file
        def __init__(self, path, **kwargs):
            raise Loaded(path)

    reads = []
    held_format = files.held_format
    monkeypatch.setattr(files, "held_format", lambda path: reads.append(path) or held_format(path))
    monkeypatch.setattr(runtimes, "TFLiteRuntime", Runtime)
    monkeypatch.setattr(streaming, "read_metadata", lambda path: None)
    model = tmp_path / "m.tflite"
    model.write_bytes(TFLITE)
    with pytest.raises(Loaded):
        streaming.stream_enhance(model, WAVE)
    assert reads == [str(model)]  # was read twice: by detect_format, then by load_runtime
    reads.clear()
    with pytest.raises(Loaded):
        enhance(saved, model)
    assert reads == [str(model)]


def test_a_saved_model_folder_is_listed_once(tmp_path, monkeypatch):
    import tensorflow as tf

    class Loaded(Exception):
        pass

    serving, empty = tmp_path / "serving", tmp_path / "empty"
    (serving / "2").mkdir(parents=True)
    (serving / "2" / "saved_model.pb").write_bytes(b"")
    empty.mkdir()
    listed = []
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(str(path)) or listdir(path))
    monkeypatch.setattr(tf.saved_model, "load", lambda path: (_ for _ in ()).throw(Loaded(path)))  # where TF loads
    assert runtimes.resolve_saved_model(serving) == str(serving / "2")
    assert listed == [str(serving)]  # was listed twice
    for folder in (serving, empty):
        listed.clear()
        with pytest.raises((Loaded, ValueError)):
            runtimes.load_runtime(folder)
        assert listed == [str(folder)]  # were listed three times: to tell the format, then twice to find the version
    with pytest.raises(ValueError, match="^" + re.escape(f"No SavedModel at {str(empty)!r}: expected `saved_model.pb`")):
        runtimes.resolve_saved_model(empty)
    (tmp_path / "named.tflite").mkdir()
    for read in (runtimes.load_runtime, runtimes.resolve_saved_model):  # as `detect_format` names it
        with pytest.raises(ValueError, match=re.escape("named.tflite': a folder named as a TFLite model file, "
                                                       "holding no SavedModel (saved_model.pb); give the .tflite")):
            read(tmp_path / "named.tflite")


def a_run(folder, saved, broken_latest=False):
    """A segan run folder written by hand: its config, and a backup of the saved generator's weights, or none."""
    os.makedirs(folder / "backup")
    (folder / "config.json").write_text(json.dumps({"family": "segan", "model": {}, "compile": {}, "data": {}}))
    if broken_latest:  # killed while the latest copy was written: the previous one is read
        (folder / "backup" / "latest.weights.h5").write_bytes(b"\x89HDF\r\n" + bytes(100))
        (folder / "backup" / "latest.weights.h5.bkp").write_bytes((saved / "g.weights.h5").read_bytes())
    return folder


def refuse_access(monkeypatch, *paths):
    """`os.access` answers no for `paths`, as the system does to a user without permission (root reads any file)."""
    access = os.access
    refused = {str(p) for p in paths}
    monkeypatch.setattr(os, "access", lambda target, mode, **kw: os.fspath(target) not in refused
                        and access(target, mode, **kw))


def refuse_open(monkeypatch, *paths):
    """`open` in `run_folder` raises a `PermissionError` for `paths`, as it does for a user without permission."""
    from keras_cgan.cli import run_folder

    refused = {str(p) for p in paths}

    def opened(path, *args, **kwargs):
        if os.fspath(path) in refused:
            raise PermissionError(13, "Permission denied", path)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(run_folder, "open", opened, raising=False)


def test_every_command_names_a_run_folder_or_a_file_in_it_that_cannot_be_read(saved, tmp_path, monkeypatch,
                                                                                capsys):
    run = a_run(tmp_path / "run", saved)
    commands = {  # each reads the run folder before anything else it is given
        "sample": ["sample", "--run", str(run), "--out", str(tmp_path / "s.png")],
        "export": ["export", "--run", str(run), "--format", "onnx", "-o", str(tmp_path / "g.onnx")],
        "translate": ["translate", "--run", str(run), str(tmp_path / "a.png"), str(tmp_path / "b.png")],
        "rollout": ["rollout", "--run", str(run), str(tmp_path), "-o", str(tmp_path / "r.gif")],
        "enhance": ["enhance", str(saved / "a.wav"), "-o", str(tmp_path / "e.wav"), "--model", str(run)],
    }
    (run / "gan.keras").write_bytes(b"")
    for refused, name, what, read_by in (
        (run, "", "folder; make it readable (chmod u+rx)", commands),  # was "not a keras-cgan run folder"
        (run / "config.json", "config.json: ", "file; make it readable (chmod u+r)", commands),  # was "[Errno 13] ..."
        (run / "gan.keras", "gan.keras: ", "file; make it readable (chmod u+r)", ("export", "enhance")),  # "cut short"
    ):
        for command in read_by:
            with monkeypatch.context() as patch:
                (refuse_access if refused == run else refuse_open)(patch, refused)
                assert main(commands[command]) == 2
            flag = "--model" if command == "enhance" else "--run"
            assert capsys.readouterr().err == (
                f"keras-cgan {command}: error: {flag} {run}: {name}no permission to read this {what} or give a copy "
                "you can read.\n"
            )
    (run / "gan.keras").unlink()
    for command in ("export", "enhance"):
        with monkeypatch.context() as patch:
            refuse_access(patch, run / "backup")
            assert main(commands[command]) == 2  # was "no backup yet (no epoch finished)"
        assert capsys.readouterr().err.endswith(f"{run}: backup: no permission to read this folder; make it readable "
                                                "(chmod u+rx) or give a copy you can read.\n")


def test_a_backup_s_previous_copy_loads_without_room_to_copy_it_else_says_what_to_do(saved, tmp_path, monkeypatch,
                                                                                      capsys):
    import tensorflow as tf

    family = types.SimpleNamespace(build=lambda options: tiny_generator(), saved_options=dict)
    monkeypatch.setattr(train_cli, "_recipes", lambda: types.SimpleNamespace(get=lambda name: family))
    run = a_run(tmp_path / "run", saved, broken_latest=True)
    previous = str(run / "backup" / "latest.weights.h5.bkp")

    def full(*args, **kwargs):  # the temporary folder's disk is full
        raise tf.errors.ResourceExhaustedError(None, None, f"{args[1]}; No space left on device")

    monkeypatch.setattr(tf.io.gfile, "copy", full)
    gan = train_cli.load_run(str(run), command="sample")[2]  # was the ResourceExhaustedError, uncaught: linked
    expected = keras.models.load_model(saved / "g.keras", compile=False)
    for loaded, kept in zip(gan.get_weights(), expected.get_weights()):
        np.testing.assert_array_equal(loaded, kept)
    latest = run / "backup" / "latest.weights.h5"
    warning = capsys.readouterr().err  # was silent: an epoch older than the user thought
    assert warning.startswith(f"keras-cgan sample: warning: --run {run}: the backup {latest} cannot be read (")
    assert warning.endswith(f"); its previous copy {previous}, one save older, was loaded instead.\n")
    with monkeypatch.context() as patch:
        refuse_access(patch, latest)
        with pytest.raises(ValueError, match="^" + re.escape(  # was the previous copy, loaded in silence
                f"--run {run}: backup/latest.weights.h5: no permission to read this file; make it readable")):
            train_cli.load_run(str(run))

    def no_link(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", no_link)  # no links there either
    said = (f"--model {run}: the backup {run / 'backup' / 'latest.weights.h5'} cannot be read (", "), and its "
            f"previous copy {previous} could not be linked nor copied to a name Keras reads in ", "; No space left on "
            "device); free space there, or set TMPDIR to a folder you can write to with room for the file, and run "
            "again.\n")
    assert enhance(saved, run) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"keras-cgan enhance: error: {said[0]}") and said[1] in error and error.endswith(said[2])
    refuse_access(monkeypatch, previous)
    assert enhance(saved, run) == 2  # was a raw PermissionDeniedError from the copy
    assert capsys.readouterr().err.endswith(f", and there is no permission to read its previous copy {previous}; "
                                            "make it readable (chmod u+r) and run again.\n")
