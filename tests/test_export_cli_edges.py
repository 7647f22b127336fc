"""Model files told by name and content, as `export`, `enhance` and `stream_enhance` read them; an early Ctrl-C.

No model is trained or loaded: the files are written by hand (a `.keras`
zip's entry names, a TFLite file's identifier, an empty `saved_model.pb`),
every case is refused before anything loads, and the calibration checks
run on a tiny generator that is only built.
"""

import re
import sys
import types
import zipfile

import numpy as np
import pytest

from keras_cgan import networks
from keras_cgan.cli import main
from keras_cgan.export import files, runtimes, tflite
from keras_cgan.export import generator as generator_lib
from keras_cgan.models.segan import streaming

TFLITE = b"\x1c\x00\x00\x00TFL3" + bytes(24)  # the FlatBuffers header of a TFLite model


def keras_archive(path):
    with zipfile.ZipFile(path, "w") as archive:  # the entries a `.keras` file holds
        for name in ("metadata.json", "config.json", "model.weights.h5"):
            archive.writestr(name, "{}")
    return str(path)


def test_a_ctrl_c_while_a_command_loads_is_one_line_and_status_130(monkeypatch, capsys):
    class Loading(types.ModuleType):  # the Ctrl-C comes while the command's module imports (numpy loads)
        def __getattr__(self, name):
            if name == "add_export_subcommand":
                raise KeyboardInterrupt
            raise AttributeError(name)

    monkeypatch.setitem(sys.modules, "keras_cgan.cli.export", Loading("keras_cgan.cli.export"))
    try:
        status = main(["export", "onnx", "g.keras", "-o", "g.onnx"])
    except KeyboardInterrupt:
        pytest.fail("the Ctrl-C left main() as a KeyboardInterrupt (a traceback), not as exit status 130")
    assert status == 130
    assert capsys.readouterr().err == "keras-cgan export: interrupted.\n"


def test_enhance_reads_model_endings_as_export_does_and_names_the_rename(tmp_path, capsys):
    import soundfile

    soundfile.write(str(tmp_path / "a.wav"), np.zeros(800), 16000)
    command = ["enhance", str(tmp_path / "a.wav"), "-o", str(tmp_path / "b.wav"), "--model"]
    upper = tmp_path / "SEGAN.KERAS"
    upper.write_bytes(b"")
    renamed = keras_archive(tmp_path / "segan.bak")
    (tmp_path / "segan.onnx").write_bytes(TFLITE)
    expected = {  # were: "expected a run folder, a .keras or a .tflite file", and an onnxruntime error
        str(upper): f"Keras reads model files ending in lower case only; rename it to {str(tmp_path / 'SEGAN.keras')!r}.",
        renamed: f"holds a Keras model by its content; rename it to {str(tmp_path / 'segan.keras')!r}.",
        str(tmp_path / "segan.onnx"): "holds a TFLite model, not an ONNX model, by its content; rename it to "
                                      f"{str(tmp_path / 'segan.tflite')!r}.",
    }
    for model, message in expected.items():
        assert main(command + [model]) == 2, model
        assert capsys.readouterr().err == f"keras-cgan enhance: error: --model {model}: {message}\n"
        with pytest.raises(ValueError, match="^" + re.escape(f"{model!r}: {message}")):
            if model.endswith(".onnx"):
                runtimes.load_runtime(model)  # as `export parity` and `stream_enhance` read it
            else:
                generator_lib.load_model(model)  # as `export onnx|tflite|savedmodel` reads it
    h5 = tmp_path / "segan.h5"  # an HDF5 file: a SEGAN does not save to `.h5`
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(8))
    assert main(command + [str(h5)]) == 2  # was: "not a readable .keras file (... cut short, empty ...)"
    assert capsys.readouterr().err.endswith(f"--model {h5}: expected a run folder of `keras-cgan train segan`, a "
                                            "saved SEGAN (.keras) or its .tflite.\n")
    assert not (tmp_path / "b.wav").exists()
    with pytest.raises(ValueError, match="holds a TFLite model, not an ONNX model"):  # was onnxruntime's error
        streaming.stream_enhance(str(tmp_path / "segan.onnx"), np.zeros(800, "float32"))
    assert files.model_format(tmp_path / "g.keras.bak") is None  # not there: told by its ending only
    backup = keras_archive(tmp_path / "g.KERAS.bak")  # renamed g.keras, not g.KERAS.keras
    with pytest.raises(ValueError, match=re.escape(f"rename it to {str(tmp_path / 'g.keras')!r}.")):
        files.model_format(backup)
    assert files.model_format(tmp_path / "G.TFLITE") == "tflite"


def test_a_saved_model_folder_is_one_whatever_its_name(tmp_path):
    for name in ("serving.onnx", "serving.TFLITE"):
        (tmp_path / name / "1").mkdir(parents=True)
        (tmp_path / name / "1" / "saved_model.pb").write_bytes(b"")
        assert runtimes.detect_format(tmp_path / name) == "saved_model"  # was: "onnx", then "No `.onnx` file at"
        assert runtimes.resolve_saved_model(tmp_path / name) == str(tmp_path / name / "1")
    (tmp_path / "empty.onnx").mkdir()
    with pytest.raises(ValueError, match=r"empty\.onnx': a folder named as an ONNX model file, holding no SavedModel "
                                         r"\(saved_model\.pb\); give the \.onnx file, or a SavedModel folder\."):
        runtimes.detect_format(tmp_path / "empty.onnx")
    keras_file = keras_archive(tmp_path / "g.keras")
    with pytest.raises(ValueError, match="A Keras model file, not an export, at"):  # was: "Cannot tell the format"
        runtimes.detect_format(keras_file)


def test_calibration_data_is_checked_once_in_the_flags_words(tmp_path):
    generator = networks.conditional_generator((8, 8, 1), 10, latent_dim=4, base_filters=8)
    noise = np.zeros((4, 4), "float32")
    for data, message in (
        ({"noise": noise}, r"^representative_data: holds the arrays \['noise'\]; the generator's inputs are "
                           r"\['noise', 'condition'\]\. Give one array of typical inputs per input, under its name "
                           r"\(noise=\.\.\., condition=\.\.\.\)\.$"),  # no numpy.savez(FILE: a dict was given
        ({"noise": noise, "condition": np.zeros(3)}, "^representative_data: its arrays hold different numbers of "
                                                     r"samples \{'noise': 4, 'condition': 3\}"),
        ({"noise": noise[:0], "condition": np.zeros(0)}, "^representative_data: its arrays hold no samples"),
    ):
        with pytest.raises(ValueError, match=message):
            tflite.representative_samples(generator, data)


def test_json_with_no_check_says_why_and_what_to_give(tmp_path, capsys):
    model = tmp_path / "g.keras"
    model.write_bytes(b"")
    assert main(["export", "onnx", str(model), "-o", str(tmp_path / "g.onnx"), "--json", "--no-check"]) == 2
    assert capsys.readouterr().err == (
        "keras-cgan export: error: --json: with --no-check there is no report to print (--json prints the parity "
        "report, which --no-check skips); leave out --no-check to check the export and print its report as JSON, "
        "or --json to write it unchecked.\n"
    )


def test_the_early_checks_keep_the_exporters_values():
    # `keras-cgan export` checks --opset and --quantization before TensorFlow loads, with copies of these.
    from keras_cgan import export
    from keras_cgan.cli import export as export_cli

    assert export_cli.OPSETS == export.SUPPORTED_OPSETS
    assert export_cli.QUANTIZATIONS == ("none",) + export.QUANTIZATIONS[1:]
