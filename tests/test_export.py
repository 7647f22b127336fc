"""Tests of keras_cgan.export: SavedModel, ONNX and TFLite exports with parity checks.

Every family's default generator runs through all three formats and the four
TFLite modes (one module-scoped export set per family, so each conversion
runs once). To add a family, add one line to FAMILIES.
"""

import contextlib
import io
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_cgan import export, networks
from keras_cgan.cli import export as export_cli
from tests import families
from tests.test_case import REPO

# family -> tiny default generator (a keras.Model with named inputs).
FAMILIES = {
    "conditional": lambda: networks.conditional_generator((8, 8, 1), 10, latent_dim=4, base_filters=8),
    "pix2pix": lambda: networks.unet_generator((16, 16, 3), 3, base_filters=8, max_filters=16),
    "segan": lambda: networks.segan_generator(window=512, filters=(16, 32, 32), kernel_size=15, residual=False),
    "next_frame": lambda: networks.next_frame_generator((16, 16, 1), context_frames=4, latent_dim=4, base_filters=8),
    "stackgan": lambda: networks.stack_generator((8, 16), 10, latent_dim=8, code_dim=4, base_filters=16),
}
TFLITE_MODES = (None, "float16", "dynamic", "int8")
FORMATS = ("saved_model", "onnx") + tuple(f"tflite-{q}" for q in TFLITE_MODES)


def _trained_like(generator):
    """Scales the last kernel until outputs span most of [-1, 1], as a trained G's do."""
    # Flattened: a generator made of nested models (StackGAN's chain of stages) has its kernels inside them.
    layer = [layer for layer in generator._flatten_layers() if getattr(layer, "kernel", None) is not None][-1]
    inputs = export.example_inputs(generator, 16, seed=0)
    for _ in range(8):
        out = np.asarray(generator.predict(inputs, verbose=0))
        if out.max() - out.min() > 1.0:
            break
        weights = layer.get_weights()
        layer.set_weights([weights[0] * 3.0] + weights[1:])
    return generator


def _make_generator(family):
    keras.utils.set_random_seed(1)
    return _trained_like(FAMILIES[family]())


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def exported(request, tmp_path_factory):
    """One generator per family, exported once to every format (parity checked by to_*)."""
    generator = _make_generator(request.param)
    folder = tmp_path_factory.mktemp(f"export_{request.param}")
    representative = export.example_inputs(generator, 64, seed=1)
    reports = {
        "saved_model": export.to_saved_model(generator, folder / "serving"),
        "onnx": export.to_onnx(generator, folder / "generator.onnx"),
    }
    for q in TFLITE_MODES:
        reports[f"tflite-{q}"] = export.to_tflite(
            generator, folder / f"generator_{q}.tflite", quantization=q,
            representative_data=representative if q == "int8" else None,  # the others do not calibrate (a warning)
        )
    return {"family": request.param, "generator": generator, "folder": folder, "reports": reports}


# ---------------------------------------------------------------- parity


@pytest.mark.parametrize("kind", FORMATS)
def test_every_format_passes_parity_at_two_batch_sizes(exported, kind):
    report = exported["reports"][kind]
    assert report.passed, report.problems
    assert report.batch_sizes == (1, 8)
    assert set(report.latency_ms) == {1, 8}
    assert os.path.exists(report.path) and report.file_bytes > 0
    bar = {"saved_model": 1e-5, "onnx": 1e-4, "tflite-None": 1e-4, "tflite-float16": 1e-2}
    if kind in bar:
        assert report.max_abs_error <= bar[kind]
    else:  # int8 kinds: per-model tolerance and an SNR bar
        assert report.min_snr_db == 20.0 and report.snr_db >= 20.0
        assert 0 < report.max_abs_error <= report.tolerance
    # Output range is not collapsed (the silent-NaN/tiny-model trap gives garbage here).
    assert report.export_range[1] - report.export_range[0] > 0.5


@pytest.mark.parametrize("kind", FORMATS)
def test_check_parity_reruns_standalone_on_given_inputs(exported, kind):
    generator = exported["generator"]
    inputs = export.example_inputs(generator, 5, seed=7)
    report = export.check_parity(generator, exported["reports"][kind].path, inputs=inputs, latency_runs=2)
    assert report.batch_sizes == (1, 5)
    expected_quantization = kind.split("-")[1] if kind.startswith("tflite") else None
    assert report.quantization == (None if expected_quantization == "None" else expected_quantization)
    assert report.passed


def test_parity_detects_wrong_weights(exported, tmp_path):
    """A check must be able to fail: the export of another generator is rejected."""
    other = FAMILIES[exported["family"]]()  # different random weights
    with pytest.raises(export.ParityError, match="max abs error"):
        export.check_parity(other, exported["reports"]["onnx"].path)


def test_parity_reports_a_shape_difference_as_an_error(exported):
    generator = exported["generator"]
    # Same inputs, twice the output channels.
    bigger = keras.Model(generator.inputs, keras.layers.Concatenate(axis=-1)([generator.output, generator.output]))
    with pytest.raises(export.ParityError, match="has shape"):
        export.check_parity(bigger, exported["reports"]["tflite-None"].path)


def test_parity_of_another_generators_export_names_the_input_shape(tmp_path):
    """Same input names, another noise width: a parity failure, not the runtime's own error (LiteRT's RuntimeError)."""
    keras.utils.set_random_seed(1)
    path = export.to_tflite(FAMILIES["conditional"](), tmp_path / "g.tflite", check=False)
    wider = networks.conditional_generator((8, 8, 1), 10, latent_dim=6, base_filters=8)
    with pytest.raises(export.ParityError, match=r"input 'noise' has shape \(None, 4\) in the export, the generator"):
        export.check_parity(wider, path)


def test_parity_of_an_export_with_a_fixed_batch_passes_at_that_batch_and_names_others(tmp_path, monkeypatch):
    """A TFLite export fixed at batch 1, as on devices: checked at batch 1, not refused as another model's."""
    from keras_cgan.export import generator as generator_lib, tflite

    generator = _make_generator("conditional")
    specs = generator_lib.input_specs
    monkeypatch.setattr(generator_lib, "input_specs", lambda model: [
        tf.TensorSpec((1,) + tuple(spec.shape[1:]), spec.dtype, name=spec.name) for spec in specs(model)
    ])
    path = str(tmp_path / "g.tflite")
    tflite.write_tflite(generator_lib.inference_generator(generator), path)
    monkeypatch.undo()
    assert export.check_parity(generator, path, batch_sizes=(1,), latency_runs=1).passed
    with pytest.raises(export.ParityError, match=r"a fixed batch of 1 .*cannot run batch 8: check it at batch size 1"):
        export.check_parity(generator, path, batch_sizes=(1, 8))


def test_parity_of_a_saved_model_base_folder_reports_the_version_checked(tmp_path):
    from keras_cgan.export.files import size_bytes

    generator = _make_generator("conditional")
    base = tmp_path / "serving"
    for _ in range(2):
        export.to_saved_model(generator, base, check=False)
    report = export.check_parity(generator, base, latency_runs=1)
    assert report.path == str(base / "2")
    assert report.file_bytes == size_bytes(base / "2") < size_bytes(base)
    assert str(base / "2") in str(report)


def test_quantized_files_are_smaller(exported):
    sizes = {kind: exported["reports"][kind].file_bytes for kind in FORMATS if kind.startswith("tflite")}
    for q in ("float16", "dynamic", "int8"):
        assert sizes[f"tflite-{q}"] < sizes["tflite-None"]


# ---------------------------------------------------------- named inputs


def test_onnx_keeps_input_names_order_and_dynamic_batch(exported):
    import onnx

    model = onnx.load(exported["reports"]["onnx"].path)
    generator = exported["generator"]
    assert [i.name for i in model.graph.input] == [t.name for t in generator.inputs]
    assert [o.name for o in model.graph.output] == ["sample"]
    for value in list(model.graph.input) + list(model.graph.output):
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch"


def test_saved_model_is_versioned_with_named_signature(exported, tmp_path):
    report = exported["reports"]["saved_model"]
    base = os.path.dirname(report.path)
    assert os.path.basename(report.path) == "1"
    assert os.path.isfile(os.path.join(report.path, "saved_model.pb"))
    signature = tf.saved_model.load(base + "/1").signatures["serving_default"]
    specs = signature.structured_input_signature[1]
    generator = exported["generator"]
    assert {name: spec.dtype for name, spec in specs.items()} == {
        t.name: tf.as_dtype(t.dtype) for t in generator.inputs
    }
    assert all(spec.shape[0] is None for spec in specs.values())
    assert list(signature.structured_outputs) == ["sample"]
    # A second export to the same base path becomes version 2.
    copy = shutil.copytree(base, tmp_path / "serving")
    second = export.to_saved_model(generator, copy, latency_runs=1)
    assert os.path.basename(second.path) == "2"


# ----------------------------------------------------------------- traps


def test_trap_concrete_function_tflite_route_is_caught(exported, tmp_path):
    """from_concrete_functions converts silently to a broken model (NaN or garbage
    outputs, weights dropped): parity must refuse it while to_tflite's route passes."""
    generator = export.inference_generator(exported["generator"])
    specs = [tf.TensorSpec((None,) + tuple(t.shape[1:]), t.dtype, name=t.name) for t in generator.inputs]

    @tf.function
    def serve(*args):
        return {"sample": generator(list(args), training=False)}

    concrete = serve.get_concrete_function(*specs)
    path = tmp_path / "bad.tflite"
    path.write_bytes(tf.lite.TFLiteConverter.from_concrete_functions([concrete], generator).convert())
    assert path.stat().st_size < 0.8 * exported["reports"]["tflite-None"].file_bytes  # weights lost
    with pytest.raises(export.ParityError) as failure:
        export.check_parity(generator, str(path))
    problems = " ".join(failure.value.report.problems)
    assert "NaN" in problems or "max abs error" in problems
    # The exported file made by to_tflite on the same generator is finite and agrees.
    assert exported["reports"]["tflite-None"].max_abs_error <= 1e-4


def test_trap_tf2onnx_command_line_orders_inputs_alphabetically(exported, tmp_path, monkeypatch):
    """The tf2onnx CLI reorders inputs; check_parity must feed by name and pass."""
    import onnx
    import tf2onnx.convert

    out = tmp_path / "cli.onnx"
    saved = exported["reports"]["saved_model"].path
    monkeypatch.setattr(
        sys, "argv", ["tf2onnx", "--saved-model", saved, "--output", str(out), "--opset", "17"]
    )
    tf2onnx.convert.main()
    names = [i.name for i in onnx.load(str(out)).graph.input]
    assert names == sorted(names)
    report = export.check_parity(exported["generator"], str(out))
    assert report.passed and report.max_abs_error <= 1e-4


def test_trap_multi_input_int8_needs_named_representative_data(exported, tmp_path):
    generator = exported["generator"]
    # The working route (dict keyed by input name) passed in the fixture; positional fails clearly.
    target = tmp_path / "g.tflite"
    if len(generator.inputs) >= 2:
        data = export.example_inputs(generator, 4)
        positional = [[data[t.name][i : i + 1] for t in generator.inputs] for i in range(4)]
        with pytest.raises(ValueError, match="keyed by input name"):
            export.to_tflite(generator, target, quantization="int8", representative_data=positional)
    with pytest.raises(ValueError, match="representative_data"):
        export.to_tflite(generator, target, quantization="int8")
    assert not target.exists()


def test_int8_calibrated_on_too_narrow_data_names_the_clipped_range(tmp_path):
    generator = _make_generator("conditional")
    narrow = export.example_inputs(generator, 8, seed=1)
    narrow["noise"] = np.zeros_like(narrow["noise"])  # calibration never sees the noise move the output
    target = tmp_path / "g.tflite"
    with pytest.raises(export.ParityError, match="calibrated on `representative_data`"):
        export.to_tflite(generator, target, quantization="int8", representative_data=narrow)
    assert not target.exists()


def test_mixed_precision_generator_exports_float32_copy(tmp_path):
    keras.config.set_dtype_policy("mixed_float16")
    try:
        generator = _make_generator("conditional")
    finally:
        keras.config.set_dtype_policy("float32")
    assert generator.layers[-1].compute_dtype == "float16"
    copy = export.inference_generator(generator)
    assert all(layer.compute_dtype == "float32" for layer in copy.layers if layer.weights)
    inputs = export.example_inputs(generator, 4)
    ordered = [inputs[t.name] for t in generator.inputs]
    np.testing.assert_allclose(
        np.asarray(copy(ordered, training=False)),
        np.asarray(generator(ordered, training=False), "float32"),
        atol=2e-2,
    )
    report = export.to_tflite(generator, tmp_path / "mixed.tflite", latency_runs=1)
    assert report.passed and report.max_abs_error <= 1e-4


# ------------------------------------------------------------- bad input


def test_bad_model_paths_raise(tmp_path):
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    with pytest.raises(ValueError, match="not a loadable Keras model"):
        export.to_onnx(str(text), tmp_path / "g.onnx")
    other = tmp_path / "generator.txt"
    other.write_text("x")
    with pytest.raises(ValueError, match="not a Keras model file"):
        export.to_onnx(str(other), tmp_path / "g.onnx")
    with pytest.raises(ValueError, match="^No model file at .*missing.keras.: give a `.keras`"):
        export.to_onnx(str(tmp_path / "missing.keras"), tmp_path / "g.onnx")
    assert not (tmp_path / "g.onnx").exists()


def test_a_missing_export_package_names_the_extra_to_install(tmp_path, monkeypatch, capsys):
    model = tmp_path / "g.keras"
    _make_generator("conditional").save(model)
    (tmp_path / "g.tflite").write_bytes(b"made before")
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    extra = re.escape("pip install 'keras-cgan[export]'")
    with pytest.raises(ImportError, match=f"ONNX export needs `tf2onnx`: {extra}"):
        export.to_onnx(model, tmp_path / "g.onnx")
    with pytest.raises(ImportError, match=f"Running a TFLite export needs `ai_edge_litert.interpreter`: {extra}"):
        export.load_runtime(tmp_path / "g.tflite")
    assert export_cli.script_main("onnx", [str(model), "-o", str(tmp_path / "g.onnx")]) == 2  # was a traceback
    assert "error: ONNX export needs `tf2onnx`: pip install 'keras-cgan[export]'" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["g.keras", "g.tflite"]


def test_check_parity_names_a_missing_export_and_an_empty_batch(tmp_path):
    generator = _make_generator("conditional")
    for name in ("missing.onnx", "missing.tflite"):
        with pytest.raises(ValueError, match=f"No `.{name.split('.')[1]}` file at .*{name}"):
            export.check_parity(generator, tmp_path / name)
    for name, runtime in (("junk.onnx", "ONNX model onnxruntime"), ("junk.tflite", "TFLite model LiteRT")):
        (tmp_path / name).write_bytes(b"a file cut short")  # was onnxruntime's InvalidProtobuf (a CLI traceback)
        with pytest.raises(ValueError, match=f"{name}' is not an? {runtime} can load: "):
            export.check_parity(generator, tmp_path / name)
    path = export.to_onnx(generator, tmp_path / "g.onnx", check=False)
    empty = {name: value[:0] for name, value in export.example_inputs(generator, 2).items()}
    with pytest.raises(ValueError, match="`inputs` must hold at least one sample"):
        export.check_parity(generator, path, inputs=empty)


def test_unsupported_opset_and_quantization_raise(exported, tmp_path):
    with pytest.raises(ValueError, match="opset"):
        export.to_onnx(exported["generator"], tmp_path / "g.onnx", opset=9)
    with pytest.raises(ValueError, match="quantization"):
        export.to_tflite(exported["generator"], tmp_path / "g.tflite", quantization="int4")
    assert os.listdir(tmp_path) == []


def test_nan_generator_raises_and_writes_nothing(tmp_path):
    generator = _make_generator("conditional")
    generator.set_weights([np.full_like(w, np.nan) for w in generator.get_weights()])
    for call, target in (
        (export.to_onnx, tmp_path / "g.onnx"),
        (export.to_tflite, tmp_path / "g.tflite"),
        (export.to_saved_model, tmp_path / "serving"),
    ):
        with pytest.raises(ValueError, match="NaN"):
            call(generator, target)
        assert not target.exists()


def test_failed_parity_leaves_no_file(exported, tmp_path):
    target = tmp_path / "g.onnx"
    target_before = tmp_path / "keep.onnx"
    with pytest.raises(export.ParityError):
        export.to_onnx(exported["generator"], target, tolerance=-1.0)
    assert os.listdir(tmp_path) == []  # neither the file nor a temporary folder
    # An existing file is left as it was when the new export fails.
    target_before.write_bytes(b"previous")
    with pytest.raises(export.ParityError):
        export.to_onnx(exported["generator"], target_before, tolerance=-1.0, overwrite=True)
    assert target_before.read_bytes() == b"previous"
    with pytest.raises(export.ParityError):
        export.to_saved_model(exported["generator"], tmp_path / "serving", tolerance=-1.0)
    assert not (tmp_path / "serving").exists()


def test_a_failed_move_into_place_keeps_what_it_replaces_and_makes_no_folder(tmp_path, monkeypatch):
    from keras_cgan.export import files

    mine, version = tmp_path / "mine.onnx", tmp_path / "serving" / "1"
    mine.write_text("mine")
    version.mkdir(parents=True)
    (version / "saved_model.pb").write_text("v1")
    replace = os.replace

    def failing(src, dst):  # the move of the new export into place fails (a full disk, a signal)
        if dst in (str(mine), str(version)) and not src.endswith(".replaced"):
            raise OSError("No space left on device")
        replace(src, dst)

    monkeypatch.setattr(files.os, "replace", failing)
    for target, folder in ((mine, False), (version, True)):
        with pytest.raises(OSError, match="No space"), files.atomic_target(target, folder=folder) as tmp:
            os.makedirs(tmp) if folder else open(tmp, "w").close()
    assert mine.read_text() == "mine" and (version / "saved_model.pb").read_text() == "v1"
    with pytest.raises(RuntimeError, match="Nothing was written"), files.atomic_target(tmp_path / "new" / "g.onnx"):
        pass
    assert sorted(os.listdir(tmp_path)) == ["mine.onnx", "serving"] and os.listdir(tmp_path / "serving") == ["1"]


def test_a_folder_set_aside_is_put_back_after_a_ctrl_c_and_kept_when_it_cannot_be(tmp_path, monkeypatch):
    from keras_cgan.export import files

    version = tmp_path / "serving" / "1"
    version.mkdir(parents=True)
    (version / "saved_model.pb").write_text("v1")
    replace = os.replace

    def ctrl_c_once_set_aside(src, dst):  # the signal arrives as the rename that sets it aside returns
        replace(src, dst)
        if dst.endswith(".replaced"):
            raise KeyboardInterrupt

    def failing(src, dst):  # the new folder's move fails, and so does putting the old one back
        if dst == str(version):
            raise OSError("No space left on device")
        replace(src, dst)

    monkeypatch.setattr(files.os, "replace", ctrl_c_once_set_aside)
    with pytest.raises(KeyboardInterrupt), files.atomic_target(version, folder=True) as tmp:
        os.makedirs(tmp)
    assert (version / "saved_model.pb").read_text() == "v1" and os.listdir(tmp_path / "serving") == ["1"]
    monkeypatch.setattr(files.os, "replace", failing)
    with pytest.raises(OSError, match=r"No space.*the folder that was there is kept at .*1\.replaced'") as raised:
        with files.atomic_target(version, folder=True) as tmp:
            os.makedirs(tmp)
    aside = re.search(r"kept at '(.*)'", str(raised.value)).group(1)
    assert open(os.path.join(aside, "saved_model.pb")).read() == "v1"


def test_a_ctrl_c_at_any_step_of_a_write_leaves_the_old_or_the_new_export_and_names_anything_hidden(
    tmp_path, monkeypatch
):
    from keras_cgan.export import files

    steps = ((files.os, "makedirs"), (files.os, "mkdir"), (files.os, "replace"), (files.shutil, "rmtree"),
             (files.os, "rmdir"))

    def write(target, folder, at, when):
        """Writes "new" at `target`, a Ctrl-C before or after the `at`-th file-system step; the interrupt, if any."""
        calls = []

        def interrupting(real):
            def step(*args, **kwargs):
                calls.append(real.__name__)
                if len(calls) == at and when == "before":
                    raise KeyboardInterrupt
                result = real(*args, **kwargs)
                if len(calls) == at and when == "after":  # done, but not yet known to the caller
                    raise KeyboardInterrupt
                return result
            return step

        with monkeypatch.context() as patch:
            for module, name in steps:
                patch.setattr(module, name, interrupting(getattr(module, name)))
            try:
                with files.atomic_target(target, folder=folder) as tmp:
                    if folder:
                        os.makedirs(tmp)
                    with open(os.path.join(tmp, "saved_model.pb") if folder else tmp, "w") as f:
                        f.write("new")
            except KeyboardInterrupt as interrupt:  # not an OSError
                return interrupt
        return None

    def content(target, folder):
        path = target / "saved_model.pb" if folder else target
        return path.read_text() if path.exists() else None

    for name, folder, old in (("serving/1", True, "old"), ("new/serving/1", True, None), ("g.onnx", False, "old")):
        at, interrupted = 0, True
        while interrupted:  # until the write runs through: every step was interrupted, before and after
            at, interrupted = at + 1, False
            for when in ("before", "after"):
                root = tmp_path / f"{name.replace('/', '_')}-{at}-{when}"
                target = root / name
                root.mkdir()
                if old:
                    (target if folder else target.parent).mkdir(parents=True, exist_ok=True)
                    (target / "saved_model.pb" if folder else target).write_text(old)
                interrupt = write(target, folder, at, when)
                interrupted = interrupted or interrupt is not None
                where = f"{name}, Ctrl-C {when} step {at}: {interrupt!r}"
                assert content(target, folder) in ((old, "new") if interrupt is not None else ("new",)), where
                hidden = [os.path.join(top, entry) for top, entries, names in os.walk(root)
                          for entry in entries + names if entry.startswith(".")]
                assert all(h in str(interrupt) for h in hidden), where  # a leftover is named
                if content(target, folder) is None:  # nor are the folders made for it left
                    assert os.listdir(root) == [], where
        assert at > 5, name  # every step was interrupted once


def test_saved_model_refuses_a_version_folder_as_base_path_and_an_existing_version(tmp_path):
    generator = _make_generator("conditional")
    served = tmp_path / "serving" / "1"
    served.mkdir(parents=True)
    (served / "saved_model.pb").write_bytes(b"served")
    with pytest.raises(ValueError, match=r"`path` is itself a SavedModel.*give its base folder"):
        export.to_saved_model(generator, served)
    assert os.listdir(served) == ["saved_model.pb"]  # no 1/1 beside it
    with pytest.raises(ValueError, match=r"`version`: .*1' exists; pass `overwrite=True`"):
        export.to_saved_model(generator, served.parent, version=1)
    assert (served / "saved_model.pb").read_bytes() == b"served"
    report = export.to_saved_model(generator, served.parent, version=1, overwrite=True, latency_runs=1)
    assert report.passed and report.path == str(served)
    assert (served / "saved_model.pb").read_bytes() != b"served"
    # The CLI's --version N --overwrite passes it on.
    path = tmp_path / "generator.keras"
    generator.save(path)
    with contextlib.redirect_stdout(io.StringIO()):
        argv = [str(path), "-o", str(served.parent), "--version", "1", "--no-check"]
        assert export_cli.script_main("savedmodel", argv + ["--overwrite"]) == 0
        with contextlib.redirect_stderr(io.StringIO()):
            assert export_cli.script_main("savedmodel", argv) == 2


def test_a_saved_model_base_path_named_as_a_version_folder_is_warned_about(tmp_path):
    generator = _make_generator("conditional")
    with pytest.warns(UserWarning, match=r"is named like a version folder: the export goes to .*1/1'.*`version=1`"):
        export.to_saved_model(generator, tmp_path / "serving" / "1", check=False)  # made serving/1/1 silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numbered base path that holds versions is one
        export.to_saved_model(generator, tmp_path / "serving" / "1", check=False)
        export.to_saved_model(generator, tmp_path / "exports" / "2024", version=1, check=False)  # a chosen name


def test_a_folder_where_a_file_goes_and_a_file_where_a_folder_goes_are_refused_and_kept(tmp_path):
    generator = _make_generator("conditional")
    for call, name in ((export.to_onnx, "g.onnx"), (export.to_tflite, "g.tflite")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "keep.txt").write_text("kept")
        with pytest.raises(ValueError, match=r"`path` is a folder"):
            call(generator, folder)
        assert (folder / "keep.txt").read_text() == "kept"
    with pytest.raises(ValueError, match=r"`path` must be a folder .*not a file.*keep\.txt"):
        export.to_saved_model(generator, tmp_path / "g.onnx" / "keep.txt")
    assert (tmp_path / "g.onnx" / "keep.txt").read_text() == "kept"


def test_keras_file_and_gan_model_are_accepted(exported, tmp_path):
    from keras_cgan import ConditionalGAN

    generator = exported["generator"]
    path = tmp_path / "generator.keras"
    generator.save(path)
    report = export.to_onnx(str(path), tmp_path / "from_file.onnx", latency_runs=1)
    assert report.passed
    if exported["family"] == "conditional":
        gan = ConditionalGAN(generator, networks.conditional_discriminator((8, 8, 1), 10), condition=10)
        assert export.load_generator(gan) is generator


def test_a_stack_gan_not_fully_grown_exports_the_chain_of_its_grown_stages(tmp_path):
    gan = families.build("stackgan", active_stages=1)
    assert tuple(gan.generator.output.shape[1:]) == (16, 16, 3)  # the whole chain, stage 2 untrained
    with pytest.warns(UserWarning, match="1 of 2 stages grew; the 8-pixel chain"):
        report = export.to_onnx(gan, tmp_path / "g.onnx", latency_runs=1)
    runtime = export.load_runtime(report.path)
    inputs = export.example_inputs(export.load_generator(gan.generator), 2)
    assert runtime(inputs)["sample"].shape == (2, 8, 8, 3)
    with pytest.warns(UserWarning, match="1 of 2 stages grew"):
        assert export.check_parity(gan, report.path, latency_runs=1).passed
    gan.grow()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # grown: the whole chain, no warning
        assert export.load_generator(gan) is gan.generator


def test_the_generator_of_a_stack_gan_not_fully_grown_is_exported_whole_with_a_warning(tmp_path):
    gan = families.build("stackgan", active_stages=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing trained yet: no stage stands out
        export.load_generator(gan.generator)
    gan.fit(*families.data("stackgan", 8), batch_size=8, epochs=1, verbose=0)  # stage 1 trains, stage 2 does not
    untrained = r"chains \['stage2_generator'\], which never ran in training .* while 'stage1_generator' did"
    with pytest.warns(UserWarning, match=untrained + ".*pass the GAN itself") as caught:
        warnings.simplefilter("always")
        report = export.to_onnx(gan.generator, tmp_path / "g.onnx", latency_runs=1)
    assert len([w for w in caught if "never ran in training" in str(w.message)]) == 1  # was twice (check_parity too)
    inputs = export.example_inputs(gan.generator, 2)
    assert report.passed and export.load_runtime(report.path)(inputs)["sample"].shape == (2, 16, 16, 3)
    gan.grow()
    gan.fit(*families.data("stackgan", 8), batch_size=8, epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every stage trained
        assert export.load_generator(gan.generator) is gan.generator


# --------------------------------------------------------------- serving


@pytest.mark.parametrize("request_format", ["instances", "inputs"])
def test_rest_body_is_answered_by_signature(exported, request_format):
    generator = exported["generator"]
    inputs = export.example_inputs(generator, 3, seed=3)
    body = json.loads(json.dumps(export.serving_request(generator, inputs, request_format=request_format)))
    assert body["signature_name"] == "serving_default"
    base = os.path.dirname(exported["reports"]["saved_model"].path)
    answer = export.answer_request(base, body)
    key = "predictions" if request_format == "instances" else "outputs"
    ordered = [inputs[t.name] for t in generator.inputs]
    expected = np.asarray(generator(ordered if len(ordered) > 1 else ordered[0], training=False))
    np.testing.assert_allclose(np.asarray(answer[key]), expected, atol=1e-5)


@pytest.mark.parametrize("family", ["conditional", "stackgan"])
def test_serving_request_of_a_tags_gan_holds_multi_hot_conditions_it_accepts(family):
    gan = families.conditioned(family, "tags")
    body = export.serving_request(gan, batch_size=16)
    conditions = np.array([row["condition"] for row in body["instances"]], "float32")
    assert conditions.shape == (16, 4) and set(np.unique(conditions)) == {0.0, 1.0}
    gan.check_condition(conditions, "conditions")  # raises unless multi-hot
    noise = np.array([row["noise"] for row in body["instances"]])
    assert noise.min() < -1.0 or noise.max() > 1.0  # the noise is still normal, not 0/1


def test_the_parity_check_of_an_export_takes_the_gans_conditions(tmp_path, monkeypatch):
    gan = families.conditioned("conditional", "tags")
    drawn = []
    example_inputs = export.generator.example_inputs
    monkeypatch.setattr(export.generator, "example_inputs", lambda *a, **k: drawn.append(example_inputs(*a, **k)) or drawn[-1])
    assert export.to_onnx(gan, tmp_path / "g.onnx").passed
    assert set(np.unique(drawn[-1]["condition"])) == {0.0, 1.0}  # the parity inputs: tags the GAN accepts
    noise = np.zeros((2, gan.noise_shape[0]), "float32")
    with pytest.raises(ValueError, match="multi-hot"):  # given inputs get the GAN's own check, as fit does
        export.to_onnx(gan, tmp_path / "h.onnx", inputs={"noise": noise, "condition": np.full((2, 4), 0.5, "float32")})


def test_answer_request_names_a_missing_input_and_reads_a_body_given_as_json_text(tmp_path):
    generator = _make_generator("conditional")
    base = tmp_path / "serving"
    export.to_saved_model(generator, base, check=False)
    with pytest.raises(ValueError, match=r"`body`: instance 0 lacks the inputs \['noise'\]"):
        export.answer_request(base, {"instances": [{"condition": 7}]})
    with pytest.raises(ValueError, match=r"`body` lacks the inputs \['noise'\]"):
        export.answer_request(base, {"inputs": {"condition": [7]}})
    body = export.serving_request(generator, batch_size=2)
    # Named, not TF's MatMul/ConcatOp errors nor numpy's 'inhomogeneous shape'.
    short = {"instances": [{**row, "noise": row["noise"][:3]} for row in body["instances"]]}
    with pytest.raises(ValueError, match=r"`body`: 'noise' must be a batch of instances of shape \(4,\) .* \(2, 3\)"):
        export.answer_request(base, short)
    with pytest.raises(ValueError, match="`body`: the instances' 'noise' differ in shape"):
        export.answer_request(base, {"instances": [body["instances"][0], short["instances"][1]]})
    with pytest.raises(ValueError, match=r'`body`\["instances"\] must be a non-empty list'):
        export.answer_request(base, {"instances": []})
    with pytest.raises(ValueError, match=r'`body`\["instances"\] must be a non-empty list .* Received: ndarray'):
        export.answer_request(base, {"instances": np.zeros((2, 4))})  # was numpy's broadcast error
    answer = export.answer_request(base, json.dumps(body))
    assert len(answer["predictions"]) == 2
    np.testing.assert_allclose(answer["predictions"], export.answer_request(base, body)["predictions"], atol=1e-6)
    with pytest.raises(ValueError, match="`body` is not valid JSON"):
        export.answer_request(base, '{"instances": [')
    with pytest.raises(ValueError, match="`body` must be a dict"):
        export.answer_request(base, [body])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tensorflow_model_server_answers_rest_request(exported):
    binary = shutil.which("tensorflow_model_server")
    if binary is None:
        pytest.skip(
            "tensorflow_model_server is not on PATH (it is not installable on this stack); "
            "test_rest_body_is_answered_by_signature covers the signature the server calls."
        )
    generator = exported["generator"]
    base = os.path.dirname(exported["reports"]["saved_model"].path)
    port = _free_port()
    server = subprocess.Popen(
        [binary, f"--rest_api_port={port}", "--port=0", "--model_name=generator", f"--model_base_path={base}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        inputs = export.example_inputs(generator, 2, seed=4)
        body = json.dumps(export.serving_request(generator, inputs)).encode()
        url = f"http://127.0.0.1:{port}/v1/models/generator:predict"
        for _ in range(60):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=5) as r:
                    answer = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("tensorflow_model_server did not answer within 30 s")
        ordered = [inputs[t.name] for t in generator.inputs]
        expected = np.asarray(generator(ordered, training=False))
        np.testing.assert_allclose(np.asarray(answer["predictions"]), expected, atol=1e-5)
    finally:
        server.terminate()
        server.wait(timeout=30)


# ------------------------------------------------------------------- CLI


def test_scripts_export_and_report(exported, tmp_path):
    path = tmp_path / "generator.keras"
    exported["generator"].save(path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert export_cli.script_main("onnx", [str(path), "-o", str(tmp_path / "g.onnx")]) == 0
        assert export_cli.script_main("parity", [str(path), str(tmp_path / "g.onnx"), "--json"]) == 0
    text = out.getvalue()
    assert "PASS" in text and json.loads(text[text.index("{") :])["passed"] is True
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = export_cli.script_main("tflite", [str(path), "-o", str(tmp_path / "q.tflite"), "--quantization", "int8"])
    assert code == 2 and "--quantization int8 needs --representative-data FILE.npz" in err.getvalue()  # the flag's name
    before = os.path.getmtime(tmp_path / "g.onnx")
    with contextlib.redirect_stderr(err):  # an existing file is kept unless --overwrite
        assert export_cli.script_main("onnx", [str(path), "-o", str(tmp_path / "g.onnx"), "--no-check"]) == 2
    assert "g.onnx: exists; pass --overwrite" in err.getvalue() and os.path.getmtime(tmp_path / "g.onnx") == before
    with contextlib.redirect_stdout(out):
        assert export_cli.script_main("onnx", [str(path), "-o", str(tmp_path / "g.onnx"), "--no-check", "--overwrite"]) == 0


@pytest.mark.parametrize("script", ["to_savedmodel", "to_onnx", "to_tflite", "check_parity"])
def test_script_help(script, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(os.path.join(REPO, "export", f"{script}.py"), run_name="__main__")
    assert exit_info.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_keras_cgan_export_subcommand_parses():
    import argparse

    parser = argparse.ArgumentParser(prog="keras-cgan")
    export_cli.add_export_subcommand(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["export", "tflite", "g.keras", "-o", "g.tflite", "--quantization", "float16"])
    assert args.func is export_cli.run_export
    assert (args.export_command, args.quantization, args.output) == ("tflite", "float16", "g.tflite")
    for argv in (["export", "--overwrite", "--json", "onnx", "g.keras", "-o", "g.onnx"],
                 ["export", "onnx", "g.keras", "-o", "g.onnx", "--overwrite", "--json"]):
        args = parser.parse_args(argv)  # a flag before the format is kept
        assert args.overwrite and args.json, argv
    args = parser.parse_args(["export", "onnx", "g.keras", "-o", "g.onnx"])
    assert not args.overwrite and not args.json


def _fake_run(folder, monkeypatch, generator):
    """A run folder `export --run` takes, whose GAN is `generator`'s (no training)."""
    import types

    from keras_cgan.cli import train as train_cli

    os.makedirs(folder)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"family": "conditional_gan", "model": {}, "compile": {}, "data": {}, "train": {}}, f)
    gan = types.SimpleNamespace(generator=generator)
    monkeypatch.setattr(train_cli, "load_run", lambda run, *args, **kwargs: (None, None, gan))
    return str(folder)


def test_export_run_takes_version_as_the_savedmodel_command_does(tmp_path, monkeypatch, capsys):
    from keras_cgan.cli import main

    run = _fake_run(tmp_path / "run", monkeypatch, _make_generator("conditional"))
    base = str(tmp_path / "exports" / "2024")  # a base folder named as a number, given its version
    command = ["export", "--run", run, "--format", "savedmodel", "-o", base, "--version", "1"]
    assert main(command) == 0, capsys.readouterr().err  # was: -o ... looks like a version folder
    assert os.listdir(base) == ["1"] and os.path.isfile(os.path.join(base, "1", "saved_model.pb"))
    assert main(command) == 2
    assert f"error: --version 1: {base}/1 exists; pass --overwrite to replace it, or leave --version out for the " \
        "next (2)." in capsys.readouterr().err
    assert main(command + ["--overwrite"]) == 0 and os.listdir(base) == ["1"]
    assert main(["export", "--run", run, "--format", "savedmodel", "--version", "3"]) == 0  # into the run folder
    assert os.listdir(os.path.join(run, "export", "saved_model")) == ["3"]
    new = str(tmp_path / "serving" / "1")
    assert main(["export", "--run", run, "--format", "savedmodel", "-o", new]) == 2
    assert f"give -o {tmp_path / 'serving'} --version 1." in capsys.readouterr().err  # as the savedmodel command
    assert main(["export", "--run", run, "--format", "onnx", "--version", "3"]) == 2
    assert "error: --version 3: only a savedmodel export has version folders" in capsys.readouterr().err
    assert not os.path.exists(new) and not os.path.exists(os.path.join(run, "export", "generator.onnx"))


def test_export_flags_given_before_the_format_are_kept_or_refused(tmp_path, capsys):
    from keras_cgan.cli import main

    path = str(tmp_path / "generator.keras")
    _make_generator("conditional").save(path)
    calibration = str(tmp_path / "calib.npz")
    np.savez(calibration, noise=np.random.default_rng(0).standard_normal((32, 4)).astype("float32"),
             condition=np.arange(32) % 10)
    out = str(tmp_path / "g.tflite")
    # were dropped: the format's own defaults replaced them (int8 then asked for --representative-data)
    assert main(["export", "--json", "--quantization", "int8", "--representative-data", calibration,
                 "tflite", path, "-o", out]) == 0
    text = capsys.readouterr().out
    assert json.loads(text[text.index("{"):])["quantization"] == "int8"
    assert main(["export", "--version", "4", "savedmodel", path, "-o", str(tmp_path / "serving"), "--no-check"]) == 0
    assert os.listdir(tmp_path / "serving") == ["4"]
    for flags, error in ((["--quantization", "float16"], "--quantization float16: only a tflite export is quantized"),
                         (["--version", "2"], "--version 2: only a savedmodel export has version folders"),
                         (["--representative-data", calibration],
                          f"--representative-data {calibration}: only a tflite export with --quantization int8 is calibrated; "
                          "leave it out.")):  # was "add --quantization int8", which the format then refused
        assert main(["export"] + flags + ["onnx", path, "-o", str(tmp_path / "g.onnx")]) == 2  # were ignored
        assert error in capsys.readouterr().err
        assert main(["export"] + flags + ["parity", path, str(tmp_path / "serving")]) == 2
        assert error in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "g.onnx")


def test_int8_calibration_errors_of_the_cli_name_the_flag_and_the_file(tmp_path, monkeypatch, capsys):
    from keras_cgan.cli import main

    generator = _make_generator("conditional")
    path = str(tmp_path / "generator.keras")
    generator.save(path)
    run = _fake_run(tmp_path / "run", monkeypatch, generator)
    noise = np.random.default_rng(0).standard_normal((8, 4)).astype("float32")
    ids = np.arange(8) % 10
    files = {  # name: (arrays, what the error says after "--representative-data FILE")
        "missing": ({"noise": noise}, ": holds the arrays ['noise']; the generator's inputs are ['noise', "
                                      "'condition']. Give one array of typical inputs per input, under its name"),
        "batches": ({"noise": noise, "condition": ids[:4]}, ": its arrays hold different numbers of samples"),
        "empty": ({"noise": noise[:0], "condition": ids[:0]}, ": its arrays hold no samples"),
        "shape": ({"noise": noise[:, :3], "condition": ids}, "['noise'] must have shape (batch,) + (4,)"),
        "ids": ({"noise": noise, "condition": ids + 5}, "['condition']: ids must be in [0, 10)"),
        "objects": ({"noise": noise, "condition": np.array([1, "a"] * 4, dtype=object)},
                    ": the array 'condition' holds Python objects; save arrays of numbers."),
    }
    for name, (arrays, expected) in files.items():
        np.savez(tmp_path / f"{name}.npz", **arrays)
    (tmp_path / "truncated.npz").write_bytes((tmp_path / "shape.npz").read_bytes()[:100])
    files["truncated"] = (None, ": not a numpy .npz file; write one with numpy.savez(FILE, name=array, ...).")
    for name, (_, expected) in files.items():
        file = str(tmp_path / f"{name}.npz")
        for command in (["tflite", path, "-o", str(tmp_path / "g.tflite")],
                        ["--run", run, "--format", "tflite", "-o", str(tmp_path / "g.tflite")]):
            flags = ["--quantization", "int8", "--representative-data", file]
            assert main(["export"] + command + flags) == 2, (name, command)
            error = capsys.readouterr().err
            assert f"error: --representative-data {file}{expected}" in error, (name, error)  # were API words
            assert "representative_data" not in error and "allow_pickle" not in error and "Traceback" not in error
    assert sorted(os.listdir(tmp_path)) == sorted(["generator.keras", "run"] + [f"{n}.npz" for n in files])


def test_inputs_of_single_values_or_text_are_named_by_the_export_checks(tmp_path):
    generator = _make_generator("conditional")
    noise = np.zeros((2, 4), "float32")
    for condition, message in ((np.int32(3), r"representative_data\['condition'\] must have shape \(batch,\)"),
                               (np.array(["1", "2"]), r"representative_data\['condition'\] must hold numbers")):
        with pytest.raises(ValueError, match=message):  # were: IndexError, "invalid literal for int()"
            export.to_tflite(generator, tmp_path / "g.tflite", quantization="int8",
                             representative_data={"noise": noise, "condition": condition})
    with pytest.raises(ValueError, match=r"inputs\['condition'\] must have shape"):
        export.serving_request(generator, inputs={"noise": noise[:1], "condition": np.int32(3)})
    assert os.listdir(tmp_path) == []


def test_export_cli_names_opset_a_saved_model_given_as_base_and_a_missing_export_in_its_own_words(tmp_path, capsys):
    from keras_cgan.cli import main

    path = str(tmp_path / "generator.keras")
    generator = _make_generator("conditional")
    generator.save(path)
    assert main(["export", "onnx", path, "-o", str(tmp_path / "g.onnx"), "--opset", "9"]) == 2
    assert "error: --opset 9: give one of 17, 18." in capsys.readouterr().err  # was: `opset` must be one of
    latest = tmp_path / "latest"
    export.to_saved_model(generator, tmp_path / "serving", check=False)
    shutil.copytree(tmp_path / "serving" / "1", latest)
    assert main(["export", "savedmodel", path, "-o", str(latest), "--no-check"]) == 2
    assert f"error: -o {latest} is a SavedModel itself: -o is the base folder, which holds the numbered version " \
        f"folders TF Serving reads; give -o {tmp_path}, or another folder." in capsys.readouterr().err  # was: `path`
    assert main(["export", "parity", path, str(tmp_path / "missing")]) == 2
    assert f"error: No export at '{tmp_path / 'missing'}'" in capsys.readouterr().err  # was: Cannot tell the format
    assert sorted(os.listdir(tmp_path)) == ["generator.keras", "latest", "serving"]
    assert sorted(os.listdir(latest)) == sorted(os.listdir(tmp_path / "serving" / "1"))
