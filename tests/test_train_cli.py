"""`keras-cgan train FAMILY`, `sample --run`, `export --run`, resume and the input errors.

Every family trains once (1 epoch of 2 steps, tiny networks) into a run
folder shared by the tests of this module; tests that change a run work on a
copy of it.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import types

import keras
import numpy as np
import pytest
from PIL import Image

from keras_cgan import distribute
from keras_cgan.cli import main
from tests.test_case import REPO, flat_weights

STEPS = ["--epochs", "1", "--steps-per-epoch", "2", "--verbose", "0"]
TINY = {
    "conditional_gan": ["--filters", "8", "--set", "latent_dim=4", "--batch-size", "16"],
    "pix2pix": ["--size", "16", "--filters", "8", "--set", "examples=16", "--set", "receptive_field=16",
                "--batch-size", "4"],
    "segan": ["--size", "1024", "--filters", "2", "--set", "utterances=2", "--set", "seconds=0.5",
              "--batch-size", "4"],
    "next_frame_gan": ["--filters", "4", "--set", "clips=16", "--set", "length=8", "--set", "latent_dim=2",
                  "--batch-size", "4", "--mixed-precision", "mixed_bfloat16"],
    "stack_gan": ["--size", "16", "--set", "stages=2", "--filters", "4", "--set", "latent_dim=4",
                 "--set", "code_dim=2", "--set", "discriminator_filters=4", "--set", "faces=16", "--set", "grow_at=[1]", "--batch-size", "8"],
}


def train(family, out, *extra):
    flags = _folder_flags(family) if "--data" in extra else TINY[family]
    return main(["train", family, "--out", str(out)] + STEPS + flags + list(extra))


def _folder_flags(family):
    """TINY's flags of `family` without the options of its built-in data (refused with --data)."""
    from keras_cgan.cli.recipes.spec import get

    flags, synthetic = TINY[family], get(family).synthetic_options
    pairs = [flags[i:i + 2] for i in range(0, len(flags), 2)]
    return [f for pair in pairs if not (pair[0] == "--set" and pair[1].split("=")[0] in synthetic) for f in pair]


def history(run):
    with open(os.path.join(run, "history.csv")) as f:
        return list(csv.DictReader(f))


def config(run):
    with open(os.path.join(run, "config.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    folders = {}
    for family in TINY:
        assert train(family, root / family) == 0
        folders[family] = str(root / family)
    return folders


@pytest.fixture
def cgan_copy(runs, tmp_path):
    copy = tmp_path / "conditional_gan"
    shutil.copytree(runs["conditional_gan"], copy)
    return copy


@pytest.mark.parametrize("family", sorted(TINY))
def test_train_writes_a_run_folder(runs, family):
    run = runs[family]
    saved = config(run)
    assert saved["family"] == family
    assert saved["data"]["steps_per_epoch"] == 2 and saved["train"]["epochs"] == 1
    for name in ("generator.keras", "gan.keras", "preview.npz"):
        assert os.path.isfile(os.path.join(run, name)), name
    assert not os.path.exists(os.path.join(run, "backup"))  # gan.keras holds the state: one copy
    assert os.path.isfile(os.path.join(run, "samples.wav" if family == "segan" else "samples.png"))
    assert [row["epoch"] for row in history(run)] == ["0"]
    assert not [name for name in history(run)[0] if name.startswith("val_")]  # no always-empty columns
    events = [n for n in os.listdir(os.path.join(run, "logs")) if n.startswith("events")]
    assert len(events) == 1  # TensorBoard: losses and samples
    assert keras.config.dtype_policy().name == "float32"  # a mixed-precision run restores the policy
    if family == "next_frame_gan":
        assert saved["model"]["mixed_precision"] == "mixed_bfloat16"
        generator = keras.models.load_model(os.path.join(run, "generator.keras"))
        assert generator.get_layer("to_frame").dtype_policy.name == "mixed_bfloat16"


@pytest.mark.parametrize("family", sorted(TINY))
def test_sample_needs_only_the_run_folder(runs, family, tmp_path):
    out = tmp_path / ("s.wav" if family == "segan" else "s.png")
    assert main(["sample", "--run", runs[family], "-n", "3", "--out", str(out)]) == 0
    preview = np.load(os.path.join(runs[family], "preview.npz"))["conditions"]
    if family == "segan":
        import soundfile

        window, rate = preview.shape[1], config(runs[family])["model"]["sample_rate"]
        assert soundfile.info(str(out)).frames == 3 * 3 * (window + rate // 4)  # noisy, enhanced, clean
    elif family == "conditional_gan":
        assert Image.open(out).size == ((3 * 9 + 1) * 8, (9 + 1) * 8)  # one row of three 8x8 digits, x8
    elif family == "stack_gan":  # not grown in one epoch: stage 1's 8x8 faces, one row of three, x8
        assert Image.open(out).size == ((3 * 9 + 1) * 8, (9 + 1) * 8)
    else:
        side = preview.shape[1]
        scale = max(1, 64 // side)
        assert Image.open(out).size[1] == (3 * (side + 1) + 1) * scale  # three rows


def test_tensorboard_logs_hold_losses_and_samples(runs):
    import tensorflow as tf

    for family, plugin in (("pix2pix", "images"), ("segan", "audio")):
        folder = os.path.join(runs[family], "logs")
        (events,) = os.listdir(folder)
        records = [tf.compat.v1.Event.FromString(r.numpy()) for r in tf.data.TFRecordDataset(os.path.join(folder, events))]
        values = {v.tag: v.metadata.plugin_data.plugin_name for r in records for v in r.summary.value}
        assert values["samples"] == plugin and values["g_loss"] == "scalars"


def test_sample_of_an_interrupted_run_uses_the_backup(cgan_copy, tmp_path):
    os.makedirs(cgan_copy / "backup")  # the state of a run killed before its gan.keras
    keras.models.load_model(cgan_copy / "gan.keras").save_weights(cgan_copy / "backup" / "latest.weights.h5")
    os.remove(cgan_copy / "gan.keras")
    saved = config(cgan_copy)
    for option in BEFORE_OPTIONS["conditional_gan"]:
        del saved["model"][option]  # and from before options existed: rebuilt with the values it trained with
    (cgan_copy / "config.json").write_text(json.dumps(saved))
    assert main(["sample", "--run", str(cgan_copy), "-n", "10"]) == 0
    assert os.path.isfile(cgan_copy / "sample-1.png")  # default name, never overwriting


@pytest.mark.parametrize("cut_short", ["latest.weights.h5", "training_metadata.json"])
def test_a_backup_half_written_when_the_job_was_killed_falls_back_to_the_previous_epoch(cgan_copy, cut_short,
                                                                                        capsys):
    backup = cgan_copy / "backup"
    os.makedirs(backup)  # a run killed while it wrote epoch 1's backup, epoch 0's copy kept beside it
    keras.models.load_model(cgan_copy / "gan.keras").save_weights(backup / "latest.weights.h5")
    shutil.copyfile(backup / "latest.weights.h5", backup / "latest.weights.h5.bkp")
    (backup / "training_metadata.json.bkp").write_text(json.dumps({"epoch": 1, "batch": 1}))
    (backup / "training_metadata.json").write_text(json.dumps({"epoch": 2, "batch": 1}))
    (backup / cut_short).write_bytes((backup / cut_short).read_bytes()[:3000 if cut_short.endswith("h5") else 5])
    os.remove(cgan_copy / "gan.keras")
    assert main(["sample", "--run", str(cgan_copy), "-n", "4"]) == 0
    capsys.readouterr()
    assert main(["train", "conditional_gan", "--out", str(cgan_copy), "--resume", "--epochs", "2", "--verbose", "0"]) == 0
    (said,) = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]  # was silent
    assert said.startswith(f"keras-cgan train: warning: --resume: the backup {backup / cut_short} cannot be read (")
    assert said.endswith(f"); its previous copy {backup / cut_short}.bkp, one save older, was loaded instead.")
    assert [row["epoch"] for row in history(cgan_copy)] == ["0", "1"]  # epoch 1 trained from epoch 0's copy
    gan = keras.models.load_model(cgan_copy / "gan.keras")
    assert int(gan.generator_optimizer.iterations.numpy()) == 4


def _tiny_backup(folder, files):
    """A backup folder of a one-layer model: `files` name -> "good" (weights), "cut" (cut short) or a text."""
    def tiny():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        return model

    os.makedirs(folder)
    tiny().save_weights(folder / "good.weights.h5")
    good = (folder / "good.weights.h5").read_bytes()
    os.remove(folder / "good.weights.h5")
    for name, kind in files.items():
        (folder / name).write_bytes(good if kind == "good" else good[:300] if kind == "cut" else kind.encode())
    return tiny()


@pytest.mark.parametrize("files, named", [
    # The previous copy's epoch file is the one cut short (was: training_metadata.json named).
    ({"latest.weights.h5": "cut", "training_metadata.json": '{"epoch": 2}', "latest.weights.h5.bkp": "good",
      "training_metadata.json.bkp": '{"epo'}, "training_metadata.json.bkp: Unterminated string"),
    # An epoch file without an epoch (was: a KeyError, a traceback).
    ({"latest.weights.h5": "good", "training_metadata.json": "{}"}, "training_metadata.json: no epoch in it (KeyError"),
    ({"latest.weights.h5": "good", "training_metadata.json": "[2]"}, "training_metadata.json: no epoch in it (TypeError"),
    # Both weights files cut short: the previous copy's named (was: neither file).
    ({"latest.weights.h5": "cut", "latest.weights.h5.bkp": "cut"}, "latest.weights.h5.bkp: "),
])
def test_a_backup_that_cannot_be_read_names_the_file_at_fault(tmp_path, files, named):
    from keras_cgan.cli import train as train_cli

    backup = tmp_path / "backup"
    callback = train_cli._backup(str(backup))
    callback.agree_across_workers = True
    callback.set_model(_tiny_backup(backup, files))
    with pytest.raises(ValueError, match="^--resume: the backup in ") as raised:
        callback.on_train_begin()
    assert f"{backup}{os.sep}{named}" in str(raised.value) and str(raised.value).endswith("train into a new --out.")


def test_a_backup_whose_previous_copy_cannot_replace_the_latest_is_an_error_of_one_line(tmp_path, monkeypatch):
    # Was: the OSError of the copy, raised outside the agreement: a traceback (and other workers left waiting).
    import importlib

    from keras_cgan.cli import train as train_cli

    backup = tmp_path / "backup"
    model = _tiny_backup(backup, {"latest.weights.h5": "cut", "latest.weights.h5.bkp": "good",
                                  "training_metadata.json.bkp": '{"epoch": 1}'})

    def refused(copy):
        def copy_but_over_the_latest(source, target, *args, **kwargs):
            if str(target) == str(backup / "latest.weights.h5"):
                raise OSError(28, "No space left on device")
            return copy(source, target, *args, **kwargs)
        return copy_but_over_the_latest

    gfile = importlib.import_module("tensorflow.io.gfile")  # as Keras loads it: it replaces `tf.io.gfile`
    monkeypatch.setattr(gfile, "copy", refused(gfile.copy))
    monkeypatch.setattr(shutil, "copyfile", refused(shutil.copyfile))
    callback = train_cli._backup(str(backup))
    callback.agree_across_workers = True
    callback.set_model(model)
    callback.on_train_begin()
    assert model._initial_epoch == 1  # read from the previous copy
    with pytest.raises(ValueError, match="^--resume: the backup in .*No space left on device.*train into a new --out"):
        callback.on_epoch_end(1)  # the copy, before the next write of the backup


def test_another_worker_reads_the_previous_copy_where_it_lies_when_the_latest_is_broken(cgan_copy, monkeypatch):
    from keras_cgan import distribute
    from keras_cgan.cli import train as train_cli

    backup = cgan_copy / "backup"
    os.makedirs(backup)
    trained = keras.models.load_model(cgan_copy / "gan.keras")
    trained.save_weights(backup / "latest.weights.h5")
    os.replace(backup / "latest.weights.h5", backup / "latest.weights.h5.bkp")
    (backup / "training_metadata.json.bkp").write_text(json.dumps({"epoch": 3, "batch": 0}))
    (backup / "training_metadata.json").write_text('{"epo')  # the chief was killed mid-write
    (backup / "latest.weights.h5").write_bytes((backup / "latest.weights.h5.bkp").read_bytes()[:3000])
    files = {name: (backup / name).read_bytes() for name in os.listdir(backup)}
    gan = keras.models.load_model(cgan_copy / "gan.keras")
    gan.set_weights([np.zeros_like(w) for w in gan.get_weights()])
    monkeypatch.setattr(distribute, "is_chief", lambda strategy: False)  # another worker of the run
    callback = train_cli._backup(str(backup))
    callback.set_model(gan)
    callback.on_train_begin()
    assert gan._initial_epoch == 3
    np.testing.assert_array_equal(flat_weights(gan), flat_weights(trained))
    assert {name: (backup / name).read_bytes() for name in os.listdir(backup)} == files  # nothing written


def test_a_history_row_cut_short_by_a_kill_is_not_counted_nor_joined_to_the_next(tmp_path):
    from keras_cgan.cli import run_folder, train as train_cli

    history = tmp_path / run_folder.HISTORY
    history.write_text("epoch,loss\n0,1.0\n1,0.9\n1")  # killed while it wrote epoch 12's row... cut at "1"
    assert train_cli._epochs_trained(str(tmp_path)) == 2
    train_cli._history_logger(str(history)).on_epoch_end(2, {"loss": 0.8})
    assert history.read_text().splitlines()[-2:] == ["1", "2,0.8"]
    assert train_cli._epochs_trained(str(tmp_path)) == 3


def test_export_errors_name_the_command_as_every_command_does(tmp_path, capsys):
    assert main(["export", "--run", str(tmp_path / "no_run"), "--format", "onnx"]) == 2
    assert capsys.readouterr().err.startswith("keras-cgan export: error: ")


def test_export_keeps_a_file_the_user_named_unless_told_to_overwrite(runs, tmp_path, capsys):
    (tmp_path / "mine.onnx").write_text("the user's file")
    command = ["export", "--run", runs["conditional_gan"], "--format", "onnx", "-o", str(tmp_path / "mine.onnx")]
    assert main(command) == 2
    assert "mine.onnx: exists; pass --overwrite" in capsys.readouterr().err
    assert (tmp_path / "mine.onnx").read_text() == "the user's file"
    assert main(command + ["--overwrite"]) == 0 and (tmp_path / "mine.onnx").stat().st_size > 100


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--format", "onnx", "-o", "generator.tflite"],
         "-o generator.tflite: the onnx export is a file ending in .onnx; give such a name"),
        (["--format", "tflite", "-o", "notes.txt/g.tflite"], "-o notes.txt/g.tflite: {tmp}/notes.txt is a file, not a folder"),
        (["--format", "onnx", "--representative-data", "calibration.npz"],
         "--representative-data calibration.npz: only a tflite export with --quantization int8 is calibrated"),
        (["--format", "tflite", "--quantization", "int8", "--representative-data", "one.npy"],
         "--representative-data one.npy: a single array; give an .npz"),
    ],
)
def test_export_run_options_are_checked_before_the_model_loads(runs, tmp_path, monkeypatch, capsys, flags, expected):
    from keras_cgan.cli import train as train_cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    np.save(tmp_path / "one.npy", np.zeros(3))
    monkeypatch.setattr(train_cli, "load_run", None)  # any use of it fails the test
    assert main(["export", "--run", runs["conditional_gan"]] + flags) == 2
    assert f"keras-cgan export: error: {expected.format(tmp=tmp_path)}" in capsys.readouterr().err


def test_export_tflite_refuses_calibration_data_without_int8(runs, tmp_path, capsys):
    np.savez(tmp_path / "calibration.npz", labels=np.zeros(3))
    model = os.path.join(runs["conditional_gan"], "generator.keras")
    command = ["export", "tflite", model, "-o", str(tmp_path / "g.tflite"), "--representative-data"]
    assert main(command + [str(tmp_path / "calibration.npz")]) == 2
    assert "used by --quantization int8 only" in capsys.readouterr().err and not os.path.exists(tmp_path / "g.tflite")


@pytest.mark.parametrize("family, name", [("conditional_gan", "samples.txt"), ("segan", "samples.png"),
                                          ("conditional_gan", "samples.avif")])
def test_sample_refuses_an_out_it_cannot_write_before_the_model_loads(runs, tmp_path, monkeypatch, capsys, family, name):
    from keras_cgan.cli import train as train_cli
    from keras_cgan.data import image_folder

    monkeypatch.setattr(train_cli, "load_run", None)
    monkeypatch.setattr(image_folder, "avif_readable", lambda: False)  # was "unknown file extension" at the end
    assert main(["sample", "--run", runs[family], "--out", str(tmp_path / name)]) == 2
    error = capsys.readouterr().err
    said = "give a name ending in one of "
    if name.endswith(".avif"):
        said = "an AVIF image, which this Pillow does not write (built without libavif, or older than 11.2); install"
    assert f"--out {tmp_path / name}: {said}" in error and "Traceback" not in error
    assert (".wav" in error) == (family == "segan")


def test_a_backup_whose_two_copies_are_broken_is_named(cgan_copy, capsys):
    os.makedirs(cgan_copy / "backup")
    for name in ("latest.weights.h5", "latest.weights.h5.bkp"):
        (cgan_copy / "backup" / name).write_bytes(b"\x89HDF\r\n" + bytes(100))
    os.remove(cgan_copy / "gan.keras")
    assert main(["sample", "--run", str(cgan_copy), "-n", "4"]) == 2
    error = capsys.readouterr().err
    assert "neither the backup" in error and "latest.weights.h5.bkp" in error and "Traceback" not in error


def test_a_failed_export_run_leaves_no_folder_behind(tmp_path, monkeypatch, capsys):
    from keras_cgan import networks
    from keras_cgan.cli import train as train_cli

    monkeypatch.chdir(tmp_path)
    os.makedirs("run")
    with open("run/config.json", "w") as f:
        json.dump({"family": "conditional_gan", "model": {}, "compile": {}, "data": {}, "train": {}}, f)
    generator = networks.conditional_generator((8, 8, 1), 10, latent_dim=4, base_filters=8)
    gan = types.SimpleNamespace(generator=generator)
    monkeypatch.setattr(train_cli, "load_run", lambda run, *args, **kwargs: (None, None, gan))
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # the export fails: `[export]` not installed
    for out in (["-o", "new/sub/g.onnx"], []):
        assert main(["export", "--run", "run", "--format", "onnx"] + out) == 2
        assert "needs `tf2onnx`" in capsys.readouterr().err
    assert sorted(os.listdir()) == ["run"] and os.listdir("run") == ["config.json"]  # no new/sub, no run/export


@pytest.mark.parametrize(
    "family, fmt, suffix, extra",
    [("conditional_gan", "onnx", ".onnx", []), ("pix2pix", "tflite", ".tflite", ["--quantization", "float16"])],
)
def test_export_needs_only_the_run_folder(runs, tmp_path, family, fmt, suffix, extra):
    run = tmp_path / family
    shutil.copytree(runs[family], run)
    assert main(["export", "--run", str(run), "--format", fmt] + extra) == 0
    assert os.path.isfile(run / "export" / f"generator{suffix}")


def test_a_stack_gan_run_not_yet_grown_saves_and_exports_its_grown_stages_only(runs, tmp_path, capsys):
    run = tmp_path / "stack_gan"
    shutil.copytree(runs["stack_gan"], run)  # one epoch: stage 1 only, as `sample` draws
    assert keras.models.load_model(run / "generator.keras").outputs[0].shape[1:] == (8, 8, 3)
    assert main(["export", "--run", str(run), "--format", "onnx"]) == 0
    assert "1 of 2 stages grew; the 8-pixel chain" in capsys.readouterr().err
    import onnxruntime

    (output,) = onnxruntime.InferenceSession(str(run / "export" / "generator.onnx")).get_outputs()
    assert output.shape[1:] == [8, 8, 3]


# family -> the options its run folders lacked before they existed, and the value those runs trained with
BEFORE_OPTIONS = {
    "conditional_gan": {"diversity_weight": 0.0, "diversity_warmup": 0, "auxiliary_on_fake": True},
    "pix2pix": {"r1_weight": 0.0},
}


@pytest.mark.parametrize("family", sorted(BEFORE_OPTIONS))
def test_resume_of_a_run_from_before_an_option_existed_keeps_its_old_value(runs, tmp_path, family):
    old = BEFORE_OPTIONS[family]
    run = tmp_path / family
    shutil.copytree(runs[family], run)
    saved = config(run)
    assert all(saved["model"][option] != value for option, value in old.items())  # the defaults changed since
    for option, value in old.items():
        del saved["model"][option]  # as a run folder written before the options were
        if option in saved["compile"]:
            saved["compile"][option] = value  # the compile section always recorded what it trained with
    del saved["compile"]["steps_per_execution"], saved["compile"]["run_eagerly"]  # nor these, fixed on the command line
    (run / "config.json").write_text(json.dumps(saved))
    assert main(["train", family, "--out", str(run), "--resume", "--epochs", "2", "--verbose", "0"]) == 0
    gan = keras.models.load_model(run / "gan.keras")
    assert {option: getattr(gan, option) for option in old} == old
    assert {option: config(run)["model"][option] for option in old} == old


def test_resume_of_a_stack_gan_run_from_before_its_discriminator_options_keeps_them(tmp_path):
    run = tmp_path / "stack_gan"
    before = {"discriminator_filters": "4", "auxiliary_on_fake": "true", "diversity_weight": "0", "diversity_warmup": "0",
              "auxiliary_weight": "1", "classifier_pooling": "flatten", "translation": "0"}
    assert train("stack_gan", run, *[f for k, v in before.items() for f in ("--set", f"{k}={v}")]) == 0
    saved = config(run)
    for option in before:
        del saved["model"][option]  # as a run folder written before the options were
    (run / "config.json").write_text(json.dumps(saved))
    assert main(["train", "stack_gan", "--out", str(run), "--resume", "--epochs", "2", "--verbose", "0"]) == 0
    gan = keras.models.load_model(run / "gan.keras")
    assert [d.get_layer("down_0").filters for d in gan.discriminators] == [4, 4]  # half of --filters 4, at least 4
    assert (gan.auxiliary_on_fake, gan.diversity_weight, gan.diversity_warmup) == (True, 0.0, 0)
    assert (gan.auxiliary_weight, gan.translation) == (1.0, 0.0)
    assert not any("classifier_down_pooled" in [layer.name for layer in d.layers] for d in gan.discriminators)
    assert config(run)["model"]["discriminator_filters"] is None


def test_mode_seeking_stride_and_the_classifier_on_fakes_reach_the_model_and_the_run_folder(tmp_path):
    run = tmp_path / "stack_gan"
    assert train("stack_gan", run, "--set", "diversity_weight=1", "--set", "diversity_stride=2",
                 "--set", "auxiliary_on_fake=true") == 0
    gan = keras.models.load_model(run / "gan.keras")
    assert (gan.diversity_weight, gan.diversity_stride, gan.auxiliary_on_fake) == (1.0, 2, True)
    assert config(run)["model"]["diversity_stride"] == 2
    assert config(run)["model"]["auxiliary_on_fake"] is True


def test_stack_gan_classifier_settings_default_to_the_preset_choice_and_record_what_was_built():
    from keras_cgan.cli.recipes import stack_gan as recipe

    options = dict(recipe.FAMILY.options, size=16, stages=2, filters=4, latent_dim=4, code_dim=2,
                   discriminator_filters=4, vocabulary=["red hair", "blue eyes"], seed=0)
    classifier = lambda gan, options: (gan.auxiliary_on_fake, gan.auxiliary_weight, options["auxiliary_on_fake"],
                                       options["auxiliary_weight"])
    default = dict(options)
    assert classifier(recipe.build(default), default) == ("negative", 3.0, "negative", 3.0)
    two_head = dict(options, conditioning="two_head")  # "negative" has no classifier to act on
    assert classifier(recipe.build(two_head), two_head) == (False, 6.0, False, 6.0)
    named = dict(options, conditioning="tacgan", auxiliary_weight=3.0)  # a value given is kept
    assert classifier(recipe.build(named), named) == (False, 3.0, False, 3.0)
    before = dict(options, auxiliary_on_fake=False, auxiliary_weight=6.0)  # a run folder of the preset before
    assert classifier(recipe.build(before), before) == (False, 6.0, False, 6.0)


def test_resume_continues_the_epoch_count(cgan_copy):
    before = config(cgan_copy)
    assert main(["train", "conditional_gan", "--out", str(cgan_copy), "--resume", "--epochs", "2", "--verbose", "0"]) == 0
    assert [row["epoch"] for row in history(cgan_copy)] == ["0", "1"]  # epoch 0 is not trained again
    gan = keras.models.load_model(cgan_copy / "gan.keras")
    assert int(gan.generator_optimizer.iterations.numpy()) == 4  # 2 steps + 2 steps
    assert main(["train", "conditional_gan", "--out", str(cgan_copy), "--resume", "--epochs", "2", "--verbose", "0"]) == 0
    assert len(history(cgan_copy)) == 2  # done: nothing more to train
    after = config(cgan_copy)
    assert after["train"]["epochs"] == 2 and after["model"] == before["model"]
    command = ["train", "conditional_gan", "--out", str(cgan_copy), "--resume", "--epochs", "1", "--verbose", "0"]
    assert main(command) == 2  # fewer epochs than it has trained: refused, the record kept
    assert config(cgan_copy) == after


@pytest.mark.parametrize(
    "flags, key",
    [(["--filters", "16"], "model.filters"), (["--set", "mismatch_weight=0"], "model.mismatch_weight"),
     (["--set", "diversity_weight=0.5"], "model.diversity_weight"), (["--mixed-precision", "mixed_bfloat16"], "model.mixed_precision"), (["--batch-size", "32"], "data.batch_size"),
     (["--filters", "16", "--steps-per-epoch", "5"], "model.filters: 8 in the run folder, 16 now\n  data.steps_per_epoch"),
     (["--size", "16"], "model.size: 8 in the run folder, 16 now")],  # a change, not a size the digits lack
)
def test_resume_with_a_different_config_is_an_error(cgan_copy, capsys, flags, key):
    before = (cgan_copy / "config.json").read_text()
    assert main(["train", "conditional_gan", "--out", str(cgan_copy), "--resume"] + flags) == 2
    error = capsys.readouterr().err
    assert "--resume" in error and key in error  # every key that differs
    assert (cgan_copy / "config.json").read_text() == before


def test_existing_run_folder_without_resume_is_an_error(cgan_copy, capsys):
    files = sorted(os.listdir(cgan_copy))
    stamp = os.path.getmtime(cgan_copy / "gan.keras")
    assert train("conditional_gan", cgan_copy) == 2
    assert "--resume" in capsys.readouterr().err
    assert sorted(os.listdir(cgan_copy)) == files and os.path.getmtime(cgan_copy / "gan.keras") == stamp


def _write_folder(family, folder):
    """A tiny folder in the family's layout: 8 A|B pairs (pix2pix), 8 tagged faces (cgan)."""
    rng = np.random.default_rng(0)
    os.makedirs(folder / "images")  # cgan's images; pix2pix's A|B files go in the folder itself
    rows = ["id,tags"]
    for i in range(8):
        image = rng.integers(0, 255, (16, 32 if family == "pix2pix" else 16, 3), dtype=np.uint8)
        Image.fromarray(image).save(folder / ("images" if family == "conditional_gan" else "") / f"{i}.png")
        rows.append(f"{i},{['blue', 'red'][i % 2]} hair {['green', 'red'][i // 4]} eyes")
    if family == "conditional_gan":
        (folder / "tags.csv").write_text("\n".join(rows) + "\n")
    else:
        shutil.rmtree(folder / "images")


@pytest.mark.parametrize("family", ["conditional_gan", "pix2pix"])
def test_train_on_a_data_folder(family, tmp_path):
    data, run = tmp_path / "data", tmp_path / "run"
    _write_folder(family, data)
    flags = ["--size", "16", "--batch-size", "4", "--data", str(data)]
    assert main(["train", family, "--out", str(run)] + STEPS + TINY[family][:4] + flags) == 0
    saved = config(run)
    assert saved["data"]["path"] == str(data)
    assert "examples" not in saved["data"] and "task" not in saved["data"]  # the built-in set's options
    assert saved["data"].get("pairs", saved["data"].get("images")) == 8
    if family == "conditional_gan":
        assert saved["model"]["vocabulary"] == ["blue hair", "green eyes", "red eyes", "red hair"]
        assert np.load(run / "preview.npz")["conditions"].shape == (4, 4)  # the 4 distinct tag sets
    assert main(["sample", "--run", str(run), "-n", "2"]) == 0


def _wrong_layout(family, folder):
    os.makedirs(folder / "train")
    (folder / "train" / "notes.txt").write_text("not data")
    if family == "pix2pix":
        return "It holds the folders ['train']"
    if family == "segan":
        return "clean_trainset_wav"
    return ""


@pytest.mark.parametrize("family", sorted(TINY))
def test_wrong_data_layout_is_an_error_naming_the_folder(family, tmp_path, capsys):
    data = tmp_path / "data"
    hint = _wrong_layout(family, data)
    assert train(family, tmp_path / "run", "--data", str(data)) == 2
    error = capsys.readouterr().err
    assert f"--data {data}" in error and f"Expected layout for {family}" in error and hint in error
    assert not os.path.exists(tmp_path / "run")


def test_stackgan_grows_during_the_run(tmp_path):
    run = tmp_path / "run"
    flags = ["--epochs", "2", "--steps-per-epoch", "1", "--verbose", "0"] + TINY["stack_gan"]
    assert main(["train", "stack_gan", "--out", str(run)] + flags) == 0
    gan = keras.models.load_model(run / "gan.keras")
    assert gan.stages() == 2  # grown at epoch 1 (`grow_at=[1]`)
    assert keras.models.load_model(run / "generator.keras").outputs[0].shape[1:] == (16, 16, 3)
    rows = history(run)  # the grown stage's losses get their column
    assert [key for key in rows[1] if rows[1][key] != "" and rows[0][key] == ""], rows


def test_a_log_that_appears_later_widens_the_history(tmp_path):
    from keras_cgan.cli import train as train_cli

    path = tmp_path / "history.csv"
    logger = train_cli._history_logger(str(path))
    logger.on_epoch_end(0, {"g_loss": 1.0})
    with open(path, "a") as f:
        f.write("1,0.")  # a row cut short by a kill
    logger.on_epoch_end(1, {"g_loss": 0.5, "g_loss_2": 2.0})
    logger.on_epoch_end(2, {"g_loss": 0.25, "g_loss_2": 1.0})
    assert path.read_text().splitlines() == ["epoch,g_loss,g_loss_2", "0,1.0,", "1,0.", "1,0.5,2.0", "2,0.25,1.0"]
    assert train_cli._epochs_trained(str(tmp_path)) == 3


def test_unknown_option_is_an_error(tmp_path, capsys):
    assert train("conditional_gan", tmp_path / "run", "--set", "colour=blue") == 2
    assert "'colour'" in capsys.readouterr().err


GOOD = {"cluster": {"worker": ["127.0.0.1:2222", "host-b:2222"]}, "task": {"type": "worker", "index": 1}}


@pytest.mark.parametrize(
    "tf_config, field",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"task": GOOD["task"]}), "`cluster`"),
        (json.dumps({"cluster": GOOD["cluster"]}), "`task`"),
        (json.dumps(dict(GOOD, task={"type": "worker", "index": 2})), "`task.index`: 2 is out of range"),
        (json.dumps(dict(GOOD, task={"type": "chief", "index": 0})), "`task.type`"),
        (json.dumps(dict(GOOD, cluster={"worker": ["127.0.0.1", "host-b:2222"]})), "`cluster.worker[0]`"),
        (json.dumps(dict(GOOD, cluster={"worker": ["127.0.0.1:99999", "b:1"]})), "`cluster.worker[0]`"),
        (None, "TF_CONFIG is not set"),
    ],
)
def test_make_strategy_rejects_a_malformed_tf_config(monkeypatch, tf_config, field):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(ValueError, match="TF_CONFIG") as error:
        distribute.make_strategy("multiworker")
    assert field in str(error.value)


def test_train_reports_a_malformed_tf_config(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TF_CONFIG", json.dumps(dict(GOOD, task={"type": "worker", "index": 5})))
    assert train("conditional_gan", tmp_path / "run", "--strategy", "multiworker") == 2
    assert "TF_CONFIG `task.index`" in capsys.readouterr().err
    assert distribute.parse_tf_config(json.dumps(GOOD)) == GOOD


def test_global_batch_size():
    class TwoReplicas:
        num_replicas_in_sync = 2

    assert distribute.global_batch_size(8, TwoReplicas()) == 8
    assert distribute.global_batch_size(8, TwoReplicas(), per_replica=True) == 16
    with pytest.raises(ValueError, match="does not split evenly over 2 replicas"):
        distribute.global_batch_size(7, TwoReplicas())
    with pytest.raises(ValueError, match="batch_size"):
        distribute.global_batch_size(0, TwoReplicas())
    with pytest.raises(ValueError, match="`per_replica` must be True or False"):
        distribute.global_batch_size(8, TwoReplicas(), per_replica="no")
    with pytest.raises(ValueError, match=r"`strategy` must be a tf.distribute.Strategy \(make one with `make_strategy"):
        distribute.global_batch_size(8, "mirrored")


def test_a_batch_that_does_not_split_over_the_replicas_names_batch_size(tmp_path, monkeypatch, capsys):
    two_replicas = types.SimpleNamespace(num_replicas_in_sync=2, extended=types.SimpleNamespace())
    monkeypatch.setattr(distribute, "make_strategy", lambda name: two_replicas)
    out = tmp_path / "run"
    assert main(["train", "conditional_gan", "--out", str(out), "--strategy", "mirrored", "--batch-size", "15"]) == 2
    assert capsys.readouterr().err.strip() == (
        "keras-cgan train: error: --batch-size 15: the global batch does not split evenly over 2 replicas; "
        "give --batch-size with a multiple of 2, or --per-replica-batch-size."
    )
    assert not out.exists()
    # Not given: the batch size is named by where it came from (it said "--batch-size 64").
    monkeypatch.setattr(distribute, "make_strategy", lambda name: types.SimpleNamespace(
        num_replicas_in_sync=3, extended=types.SimpleNamespace()))
    assert main(["train", "conditional_gan", "--out", str(out), "--strategy", "mirrored"]) == 2
    assert "error: the default batch size 64 of conditional_gan: the global batch does not split evenly over 3 " \
        "replicas; give --batch-size with a multiple of 3" in capsys.readouterr().err


def test_a_resumed_batch_that_does_not_split_over_the_replicas_says_how_to_resume(cgan_copy, monkeypatch, capsys):
    three_replicas = types.SimpleNamespace(num_replicas_in_sync=3, extended=types.SimpleNamespace())
    monkeypatch.setattr(distribute, "make_strategy", lambda name: three_replicas)
    # It said to give --batch-size or --per-replica-batch-size, which --resume refuses as a change to the run.
    for given in ([], ["--batch-size", "16"]):
        assert main(["train", "conditional_gan", "--out", str(cgan_copy), "--resume", "--epochs", "2"] + given) == 2
        assert "error: --resume: the run's batch size 16 (its config.json): the global batch does not split " \
            "evenly over 3 replicas; resume with a strategy whose replica count divides 16, or train into a new " \
            "--out." in capsys.readouterr().err
    # Another size is a change to the run (it was told to give a multiple of 3, which --resume then refused).
    assert main(["train", "conditional_gan", "--out", str(cgan_copy), "--resume", "--epochs", "2",
                 "--batch-size", "17"]) == 2
    assert "--resume: the command line differs from the run" in capsys.readouterr().err


def test_stack_gan_sizes_whose_first_stage_is_not_4_times_a_power_of_two_name_size(tmp_path, capsys):
    # --size 48 passed the recipe (a multiple of 16) and failed in the builder, naming `sizes`.
    assert main(["train", "stack_gan", "--out", str(tmp_path / "run"), "--size", "48"]) == 2
    assert "error: --size 48 with --set stages=3: stages must be 2 or 3, and the first stage's side (the size " \
           "halved at each stage) 4 times a power of two: give --size 16, 32, 64, 128..." in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_stack_gan_sizes_the_recipe_takes_are_those_the_network_builder_takes(monkeypatch):
    # One rule (stack_gan.defaults.check_network_sizes): the recipe restated it for --size and --set stages.
    from keras_cgan.cli.recipes import stack_gan as recipe
    from keras_cgan.models.stack_gan import defaults, networks

    assert networks.check_network_sizes is defaults.check_network_sizes
    # Taken without TensorFlow: the recipe imported the networks for it.
    monkeypatch.setattr(networks, "check_network_sizes", lambda sizes: pytest.fail("imported the networks"))
    for stages in (1, 2, 3, 4):
        for size in range(1, 260):
            sizes = [size // 2 ** (stages - 1 - i) for i in range(stages)]
            try:
                expected = list(defaults.check_network_sizes(sizes))
            except ValueError:
                expected = None
            try:
                taken = recipe._sizes({"size": size, "stages": stages})
            except ValueError as error:
                assert str(error).startswith(f"--size {size} with --set stages={stages}: stages must be 2 or 3")
                taken = None
            assert taken == expected, (size, stages)
    assert expected is None and taken is None  # size 259, 4 stages
    assert recipe._sizes({"size": 64, "stages": 3}) == [16, 32, 64]
    with pytest.raises(ValueError, match=r"--set stages=1000000000: stages must be 2 or 3"):
        recipe._sizes({"size": 64, "stages": 10 ** 9})


def test_stack_gan_with_fewer_stages_grows_at_the_default_first_epochs():
    # `--set stages=2` alone was refused: the default grow_at names two epochs, one per later stage of three.
    from keras_cgan.cli.recipes import stack_gan as recipe

    two = dict(recipe.FAMILY.options, stages=2, size=32)
    recipe.check(two, {}, True)
    assert [callback.epochs for callback in recipe.callbacks(two)] == [[8]]
    assert [callback.epochs for callback in recipe.callbacks(dict(two, stages=3))] == [[8, 14]]
    assert [callback.epochs for callback in recipe.callbacks(dict(two, grow_at=[3]))] == [[3]]  # one given is kept


def test_mirrored_on_two_logical_cpus_logs_what_one_device_logs(runs, tmp_path):
    out = tmp_path / "mirrored"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO, KERAS_CGAN_LOGICAL_CPUS="2")
    argv = ["train", "conditional_gan", "--out", str(out), "--strategy", "mirrored"] + STEPS + TINY["conditional_gan"]
    proc = subprocess.run(
        [sys.executable, "-m", "keras_cgan.cli"] + argv, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert config(out)["train"]["replicas"] == 2
    (mirrored,), (single,) = history(out), history(runs["conditional_gan"])
    for name, value in single.items():
        if name.startswith("val_"):  # CSVLogger's empty validation columns
            continue
        np.testing.assert_allclose(float(mirrored[name]), float(value), atol=1e-4, err_msg=name)


# ------------------------------------------------- bad input: one `error:` line


def _ab_folder(folder, count=4, side=16, a_size=None):
    """`count` A/ B/ pairs of `side`-pixel RGB images (A at `a_size` if given)."""
    rng = np.random.default_rng(1)
    for sub in ("A", "B"):
        os.makedirs(folder / sub)
        for i in range(count):
            size = a_size if sub == "A" and a_size and i == 0 else side
            Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(folder / sub / f"{i}.jpg")


def test_truncated_jpeg_is_named_before_training(tmp_path, capsys):
    data, run = tmp_path / "data", tmp_path / "run"
    _ab_folder(data)
    whole = (data / "B" / "2.jpg").read_bytes()
    (data / "B" / "2.jpg").write_bytes(whole[: len(whole) // 2])  # the header survives
    assert train("pix2pix", run, "--data", str(data)) == 2
    error = capsys.readouterr().err
    assert f"error: --data {data}: {os.path.join('B', '2.jpg')}: not a readable image file" in error, error
    assert not os.path.exists(run)  # the same command runs again once the file is fixed


def test_ab_folder_error_has_no_subfolder_hint(tmp_path, capsys):
    data = tmp_path / "data"
    _ab_folder(data)
    os.remove(data / "B" / "3.jpg")
    assert train("pix2pix", tmp_path / "run", "--data", str(data)) == 2
    error = capsys.readouterr().err
    assert f"--data {data}: {os.path.join('A', '3.jpg')}: " in error and "It holds the folders" not in error


def test_pairs_of_different_sizes_warn_once_or_are_refused_with_strict(tmp_path, capsys):
    data = tmp_path / "data"
    _ab_folder(data, a_size=24)
    assert train("pix2pix", tmp_path / "strict", "--data", str(data), "--strict") == 2
    assert f"--data {data}: {os.path.join('A', '0.jpg')}: " in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "strict")
    assert train("pix2pix", tmp_path / "run", "--data", str(data)) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "1 of 4 A/B pairs differ in size" in warnings[0]
    assert "resized to 17x17, then cropped at random to 16x16" in warnings[0]  # --size 16; was: "resized to 17x17."


def test_channel_hint_names_a_settable_option(tmp_path, capsys):
    data = tmp_path / "data"
    _ab_folder(data)
    Image.open(data / "B" / "1.jpg").convert("L").save(data / "B" / "1.jpg")
    assert train("pix2pix", tmp_path / "run", "--data", str(data)) == 2
    error = capsys.readouterr().err
    assert f"--data {data}: {os.path.join('B', '1.jpg')}: " in error and "--set channels=" in error
    assert "`channels=`" not in error
    assert train("pix2pix", tmp_path / "run", "--data", str(data), "--set", "channels=3") == 0


@pytest.mark.parametrize("made_by_user", [False, True])
def test_a_run_that_fails_in_its_first_epoch_leaves_no_folder(tmp_path, monkeypatch, made_by_user):
    from keras_cgan.cli import train as train_cli

    class Crash(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise RuntimeError("disk on fire")

    if made_by_user:
        os.makedirs(tmp_path / "run")
    monkeypatch.setattr(train_cli, "_stop_on_nan", Crash)
    with pytest.raises(RuntimeError, match="disk on fire"):
        train("conditional_gan", tmp_path / "run")
    # The same command can run again; a folder the user made stays, empty.
    assert os.listdir(tmp_path / "run") == [] if made_by_user else not os.path.exists(tmp_path / "run")


@pytest.mark.parametrize("epoch", [0, 1])
def test_ctrl_c_is_one_line_that_says_how_to_resume(tmp_path, monkeypatch, capsys, epoch):
    from keras_cgan.cli import train as train_cli

    class CtrlC(keras.callbacks.Callback):
        def on_epoch_begin(self, current, logs=None):
            if current == epoch:
                raise KeyboardInterrupt

    monkeypatch.setattr(train_cli, "_stop_on_nan", CtrlC)
    assert train("conditional_gan", tmp_path / "run", "--epochs", "2") == 130
    error = capsys.readouterr().err
    assert error.startswith("keras-cgan train: interrupted: ") and "Traceback" not in error
    if epoch == 0:
        assert "nothing had trained, nothing was kept" in error and not os.path.exists(tmp_path / "run")
    else:
        assert f"`keras-cgan train conditional_gan --out {tmp_path / 'run'} --resume` continues" in error
        monkeypatch.undo()
        assert main(["train", "conditional_gan", "--out", str(tmp_path / "run"), "--resume", "--verbose", "0"]) == 0
        assert [row["epoch"] for row in history(tmp_path / "run")] == ["0", "1"]


def test_an_out_below_a_file_is_an_error_naming_the_file(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert train("conditional_gan", tmp_path / "notes.txt" / "run") == 2
    error = capsys.readouterr().err
    assert f"--out {tmp_path / 'notes.txt' / 'run'}: {tmp_path / 'notes.txt'} is a file, not a folder." in error
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_option_of_the_built_in_data_with_a_data_folder_is_an_error(tmp_path, capsys):
    data = tmp_path / "data"
    _write_folder("pix2pix", data)
    assert main(["train", "pix2pix", "--out", str(tmp_path / "run"), "--data", str(data)] + STEPS + TINY["pix2pix"]) == 2
    error = capsys.readouterr().err
    assert f"--set examples: an option of the built-in data, unused with --data {data}" in error
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.parametrize("nan_epoch", [1, 0])
def test_a_nan_loss_is_one_error_line_and_keeps_what_was_trained(tmp_path, monkeypatch, capsys, nan_epoch):
    from keras_cgan.callbacks import StopOnNaN
    from keras_cgan.cli import train as train_cli

    class NaNInEpoch(StopOnNaN):  # the guard sees a NaN loss in epoch `nan_epoch`
        epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, {"g_loss": float("nan")} if self.epoch >= nan_epoch else logs)

    monkeypatch.setattr(train_cli, "_stop_on_nan", NaNInEpoch)
    os.makedirs(tmp_path / "run")  # the user's empty folder
    assert train("conditional_gan", tmp_path / "run", "--epochs", "2") == 2
    error = capsys.readouterr().err
    assert "error: training stopped: `g_loss` became nan at batch 0. " in error and "Traceback" not in error
    if nan_epoch:
        assert "diagnostics.txt is kept" in error and os.path.isfile(tmp_path / "run" / "diagnostics.txt")
        assert "--resume" in error
    else:  # nothing trained: the folder is emptied again, and nothing is said to be kept
        assert os.listdir(tmp_path / "run") == []
        assert "kept" not in error and "Nothing had trained: check the data" in error, error


@pytest.mark.parametrize("family, value, expected", [
    ("pix2pix", "l1_weight=abc", "a float"), ("pix2pix", "num_downs=1.5", "an int"),
    ("pix2pix", "receptive_field=1.5", "an int or str"),
    ("pix2pix", "receptive_field=50", "one of 1, 16, 34, 70, 142, 286, image, auto"),
    ("stack_gan", "classifier_pooling=max-avg", "one of flatten, max_avg"),
    ("stack_gan", "auxiliary_on_fake=negatives", "one of false, true, negative"),
    ("conditional_gan", "auxiliary_on_fake=1", "a bool or str"),
    ("pix2pix", "norm=batchy", "one of batch, instance, none"), ("pix2pix", "upsample=bilinear", "one of transpose"),
    ("pix2pix", "direction=sideways", "one of AtoB, BtoA"),
    # Refused by the networks once the data had loaded, naming `conditioning` but not --set.
    ("conditional_gan", "conditioning=projektion", "one of concat, projection, acgan, concat_acgan, tacgan, two_head"),
    ("stack_gan", "conditioning=projektion", "one of concat, projection, acgan, concat_acgan, tacgan, two_head"),
])
def test_set_value_of_the_wrong_type_is_an_error(tmp_path, capsys, family, value, expected):
    assert train(family, tmp_path / "run", "--set", value) == 2
    error = capsys.readouterr().err
    assert f"--set {value.split('=')[0]}: expected {expected}" in error and "Traceback" not in error
    assert not os.path.exists(tmp_path / "run")


# Bad values and the error line each gets before TensorFlow is imported.
BEFORE_TENSORFLOW = [
    (["train", "pix2pix", "--set", "norm=x"], "train: error: --set norm: expected one of batch, instance, none"),
    (["train", "pix2pix", "--set", "colour=blue"], "train: error: --set colour: pix2pix has no option 'colour'"),
    (["train", "stack_gan", "--set", "conditioning=x"], "train: error: --set conditioning: expected one of concat"),
    (["train", "conditional_gan", "--set", "adversarial_loss=x"],
     "train: error: --set adversarial_loss: expected one of bce, hinge, lsgan, wgan-gp, received 'x'."),
    (["train", "segan", "--steps-per-epoch", "0"], "train: error: --steps-per-epoch must be >= 1. Received: 0"),
    (["quickstart", "--epochs", "0"], "quickstart: error: `--epochs` must be an int >= 1"),
    (["sample", "--run", "RUN", "-n", "0"], "sample: error: -n must be >= 1. Received: 0"),
    (["enhance", "in.wav", "-o", "RUN/o.wav", "--model", "RUN", "--hop", "0"],
     "enhance: error: --hop must be >= 1"),
    (["rollout", "--run", "RUN", "clip", "-o", "RUN/r.gif", "--steps", "0"], "rollout: error: --steps must be >= 1"),
    # Each family's values checked together (`Family.check`) were refused once TensorFlow and the data had loaded.
    # The U-Net's halvings, named as options (24 takes 3; 25 none, so no depth is suggested).
    (["train", "pix2pix", "--size", "24", "--set", "num_downs=4"], "train: error: --size 24: height and width must be "
     "divisible by 2**num_downs = 16; pass a smaller --set num_downs=N or another --size."),
    (["train", "pix2pix", "--size", "25"],
     "train: error: --size 25: height and width must be divisible by 2**num_downs = 2; give an even --size."),
    (["train", "pix2pix", "--set", "num_downs=1000000000"],  # was: 17 s and 450 MB to write out 2**num_downs
     "train: error: --size 64: height and width must be divisible by 2**num_downs = 2**1000000000; pass a smaller"),
    (["train", "pix2pix", "--set", "task=nope"],
     "train: error: --set task: expected one of edges2photo, gray2color, labels2facade, received 'nope'."),
    (["train", "segan", "--size", "100"], "train: error: --size (the window in samples) must be a multiple of "
     "2**6 = 64 (one halving per encoder layer). Received: 100"),
    (["train", "segan", "--set", "seconds=0.00001"], "train: error: --set seconds: expected a number > 0"),
    (["train", "next_frame_gan", "--size", "18"], "train: error: --size 18 (the frame side): height and width must "
     "be multiples of 4 (the networks halve the frame twice); give --size 20."),
    (["train", "next_frame_gan", "--set", "length=6"], "train: error: --set length=6: junction clips with "),
    (["train", "stack_gan", "--size", "100"], "train: error: --size 100 with --set stages=3: stages must be 2 or 3"),
    (["train", "stack_gan", "--set", "stages=4"], "train: error: --set stages: expected one of 2, 3, received 4."),
    (["train", "conditional_gan", "--size", "16"], "train: error: --size 16: the built-in digits are 8x8"),
    # Trained on weights [-1, 2] in silence; the scales refused once the data had loaded.
    (["train", "next_frame_gan", "--set", "junction_fraction=2"],
     "train: error: --set junction_fraction=2.0: the share of each batch drawn at the junction must be in [0, 1]"),
    (["train", "next_frame_gan", "--set", "scales=[]"], "train: error: --set scales=[]: the scales must be int factors"),
    (["train", "next_frame_gan", "--set", "scales=[1,1]"], "train: error: --set scales=[1, 1]: the scales must be"),
    (["train", "next_frame_gan", "--set", "scales=[8]"], "train: error: --set scales=[8]: the scales must be int "
     "factors >= 1, a list or tuple without repeats, leaving frames of at least 4x4 (frames of 16x16 take factors up to 4)"),
    # Extra epochs were ignored, too few left the last stages untrained, in silence.
    (["train", "stack_gan", "--set", "grow_at=[1,2,3]"], "train: error: --set grow_at=[1, 2, 3]: 3 stages (--set "
     "stages=3) need 2 epochs >= 0 in increasing order, the (0-based) epoch each later stage starts at, e.g. [8, 14]."),
    (["train", "stack_gan", "--set", "grow_at=[]"], "train: error: --set grow_at=[]: 3 stages"),
    (["train", "stack_gan", "--set", "grow_at=[-1,2]"], "train: error: --set grow_at=[-1, 2]: 3 stages"),
    (["train", "stack_gan", "--set", "stages=2", "--size", "32", "--set", "grow_at=[4,8]"],
     "train: error: --set grow_at=[4, 8]: 2 stages (--set stages=2) need 1 epoch >= 0 in increasing order"),
    # The networks' "`kernel_size` must be an int >= 1 and <= 1024", once TensorFlow and the data had loaded.
    (["train", "segan", "--size", "1024", "--set", "kernel_size=2000"], "train: error: --set kernel_size=2000: the "
     "kernel must be at most the window (--size 1024); give a smaller kernel_size (the default is 11)."),
    # Ignored with the built-in tasks; with --data refused once TensorFlow had loaded.
    (["train", "pix2pix", "--set", "channels=2"], "train: error: --set channels=2: the channels a --data folder's "
     "images are read with, 1, 3 or 4; the built-in tasks make their own: leave it out."),
    (["train", "pix2pix", "--set", "channels=2", "--data", "RUN"], "train: error: --set channels=2: the channels"),
    # Refused once TensorFlow had loaded (the built-in data's options with --data, in `_plan`; the faces' side in
    # `synthetic_faces`; the export checks in `_export`), or the data or model had loaded (the paths).
    (["train", "next_frame_gan", "--data", "RUN/clips", "--set", "length=6"],
     "train: error: --set length: an option of the built-in data, unused with --data RUN/clips; leave it out."),
    (["train", "stack_gan", "--size", "8", "--set", "stages=2"], "train: error: --size 8: the built-in tag faces are "
     "drawn on a 16x16 grid scaled up by whole pixels, at multiples of 16; give --size 16, 32, 64..."),
    (["export", "onnx", "missing.keras", "-o", "RUN/g.onnx"], "export: error: missing.keras: no such file; give"),
    (["export", "onnx", "missing.keras", "-o", "RUN/g.onnx", "--no-check", "--json"],
     "export: error: --json: with --no-check there is no report to print"),
    (["export", "onnx", "missing.keras", "-o", "RUN/g.onnx", "--opset", "99"],
     "export: error: --opset 99: give one of 17, 18."),
    (["export", "savedmodel", "missing.keras", "-o", "RUN/1"], "export: error: -o RUN/1 looks like a version folder"),
    (["export", "--run", "RUN", "--format", "onnx"], "export: error: --run RUN: no such folder."),
    (["to_onnx.py", "missing.keras", "-o", "RUN/g.onnx"], "to_onnx.py: error: missing.keras: no such file; give"),
    (["to_tflite.py", "missing.keras", "-o", "RUN/g.tflite", "--no-check", "--json"],
     "to_tflite.py: error: --json: with --no-check there is no report to print"),
    (["check_parity.py", "missing.keras", "RUN/g.onnx"], "check_parity.py: error: missing.keras: no such file; give"),
    (["sample", "--run", "RUN"], "sample: error: --run RUN: no such folder."),
    (["translate", "--run", "RUN", "in.png", "RUN/out.png"], "translate: error: --run RUN: no such folder."),
    (["rollout", "--run", "RUN", "clip", "-o", "RUN/r.gif"], "rollout: error: --run RUN: no such folder."),
    (["enhance", "missing.wav", "-o", "RUN/o.wav", "--model", "RUN"], "enhance: error: missing.wav: no such file"),
]
# The export/*.py scripts (`script_main`) in the list above, by name.
SCRIPTS = {"to_onnx.py": "onnx", "to_tflite.py": "tflite", "to_savedmodel.py": "savedmodel", "check_parity.py": "parity"}


def run_command(command):
    """`keras-cgan COMMAND...`, or the export/*.py script `command[0]`; returns the exit status."""
    if command[0] not in SCRIPTS:
        return main(command)
    from keras_cgan.cli.export import script_main

    sys.argv[0] = command[0]  # the name its error lines start with
    return script_main(SCRIPTS[command[0]], command[1:])


def said(expected, run):
    """The error line `expected` (a script's, or `keras-cgan`'s without its name) with RUN the run folder."""
    return (expected if expected.split(":")[0] in SCRIPTS else f"keras-cgan {expected}").replace("RUN", run)


@pytest.mark.parametrize("command, expected", BEFORE_TENSORFLOW)
def test_a_bad_option_is_refused_before_tensorflow_is_imported(command, expected, tmp_path, capsys, monkeypatch):
    import keras_cgan

    # The error came once TensorFlow had loaded, 5-8 s after the command started.
    monkeypatch.setattr(keras_cgan, "import_api", lambda: pytest.fail("imported the API (TensorFlow) first"))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    run = str(tmp_path / "run")
    command = [a.replace("RUN", run) for a in command]
    assert run_command(command + (["--out", run] if command[0] in ("train", "quickstart") else [])) == 2
    assert said(expected, run) in capsys.readouterr().err
    assert not os.path.exists(run)


def test_the_bad_options_are_refused_in_a_process_without_tensorflow(tmp_path):
    # The checks import nothing that imports TensorFlow: all of BEFORE_TENSORFLOW in one fresh `keras-cgan`.
    run = str(tmp_path / "run")
    commands = [[a.replace("RUN", run) for a in c] + (["--out", run] if c[0] in ("train", "quickstart") else [])
                for c, _ in BEFORE_TENSORFLOW]
    code = (
        "import sys\n"
        "sys.argv = ['keras-cgan']\n"
        "from keras_cgan.cli.export import script_main\n"
        "from keras_cgan.cli.main import main\n"
        f"scripts = {SCRIPTS!r}\n"
        "def run(c):  # as run_command\n"
        "    sys.argv[0] = c[0]\n"
        "    return script_main(scripts[c[0]], c[1:]) if c[0] in scripts else main(c)\n"
        f"print([run(command) for command in {commands!r}])\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.stdout.splitlines() == [str([2] * len(BEFORE_TENSORFLOW)), "[]"], (proc.stdout, proc.stderr[-2000:])
    for _, expected in BEFORE_TENSORFLOW:
        assert said(expected, run) in proc.stderr


def test_a_resumed_run_checks_the_family_options_with_its_own(tmp_path):
    from keras_cgan.cli.main import build_parser
    from keras_cgan.cli.train import check_train

    run = tmp_path / "run"
    args = build_parser(["train"]).parse_args(["train", "stack_gan", "--size", "8", "--out", str(run), "--resume"])
    with pytest.raises(ValueError, match=r"--size 8 with --set stages=3: stages must be 2 or 3"):
        check_train(args)  # nothing to resume: the defaults' 3 stages
    run.mkdir()
    (run / "config.json").write_text("{}")
    check_train(args)  # its own stages, 2 perhaps: `train` checks them with the run's config.json


def test_two_stack_gan_stages_take_the_default_growth_schedule(tmp_path):
    from keras_cgan.cli.main import build_parser
    from keras_cgan.cli.train import check_train

    # Was "--set grow_at=[8, 14]: 2 stages (--set stages=2) need 1 epoch": the default, which nobody had given.
    for sizes in (["--set", "stages=2", "--size", "32"], ["--set", "stages=2", "--size", "32", "--set", "grow_at=[3]"]):
        check_train(build_parser(["train"]).parse_args(["train", "stack_gan", *sizes, "--out", str(tmp_path / "run")]))


def test_a_non_positive_size_or_filter_count_is_an_error_before_training(tmp_path, capsys):
    for flag in ("--filters", "--size"):
        assert train("pix2pix", tmp_path / "run", flag, "0") == 2
        assert f"{flag}: expected a positive int, received 0" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "run")
    from keras_cgan.cli import train as train_cli
    from keras_cgan.cli.recipes import conditional_gan  # noqa: F401  (registers the family)
    from keras_cgan.cli.recipes.spec import get

    assert train_cli.check_option(get("conditional_gan"), "size", None) is None  # null: the preset's size


@pytest.mark.parametrize("family, option, expected", [
    ("conditional_gan", "latent_dim=0", "--set latent_dim: expected a positive int, received 0."),  # Keras named `output_dim`
    ("stack_gan", "stages=0", "--set stages: expected a positive int, received 0."),
    ("pix2pix", "l1_weight=-3", "--set l1_weight: expected a number >= 0, received -3."),
    ("segan", "seconds=0", "--set seconds: expected a number > 0 (a length of speech), received 0.0."),  # an IndexError
    ("next_frame_gan", "context=0", "--set context: expected a positive int, received 0."),
])
def test_an_option_out_of_its_range_is_named_before_training(tmp_path, capsys, family, option, expected):
    assert train(family, tmp_path / "run", "--set", option) == 2
    error = capsys.readouterr().err
    assert f"keras-cgan train: error: {expected}" in error and "Traceback" not in error
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.parametrize("flags, expected", [
    # An IndexError past the clip's last frame: the junction frame, a target, can be the 4th after the context.
    (["--set", "length=6"], "--set length=6: junction clips with --set context=4 need at least 8 frames "),
    (["--set", "length=6", "--set", "context=2"], None),
    # The library's error named `context_frames` and `size`, not the options.
    (["--set", "context=5"], "--set context=5: junction clips of --size 16 have room for 1 to 4 context frames"),
    (["--size", "12"], "--size 12: junction clips are at least 16 pixels a side; give --size 16 or more."),
    (["--size", "18"], "--size 18 (the frame side): height and width must be multiples of 4"),  # frame_shape's before
])
def test_next_frame_gan_junction_options_are_checked_before_any_clip(tmp_path, capsys, monkeypatch, flags, expected):
    from keras_cgan.data import synthetic_video

    if expected is None:  # a length that holds the context trains
        assert train("next_frame_gan", tmp_path / "run", *flags) == 0
        return
    monkeypatch.setattr(synthetic_video, "junction_clips", lambda *a, **k: pytest.fail("made clips"))
    assert train("next_frame_gan", tmp_path / "run", *flags) == 2
    assert f"keras-cgan train: error: {expected}" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "run")


def test_pix2pix_built_in_data_follows_the_direction(tmp_path):
    from keras_cgan.cli.recipes import pix2pix as recipe

    options = {"size": 16}
    forward = recipe.load_data(None, options, {"task": "gray2color", "examples": 8, "direction": "AtoB"}, 4, 0)
    backward = recipe.load_data(None, options, {"task": "gray2color", "examples": 8, "direction": "BtoA"}, 4, 0)
    assert forward.derived == {"condition_channels": 1, "target_channels": 3}
    assert backward.derived == {"condition_channels": 3, "target_channels": 1}
    np.testing.assert_array_equal(forward.preview[0], backward.preview[1])


def test_a_pix2pix_folder_is_read_once_for_its_training_and_preview_sets(tmp_path, monkeypatch):
    from keras_cgan.cli.recipes import pix2pix as recipe
    from keras_cgan.data import paired_images

    _write_folder("pix2pix", tmp_path / "data")
    read = []
    header = paired_images._header
    monkeypatch.setattr(paired_images, "_header", lambda path: read.append(path) or header(path))
    data = recipe.load_data(str(tmp_path / "data"), {"size": 16}, {"direction": "AtoB"}, 4, 0)
    assert data.steps == 2 and data.preview[0].shape == (6, 16, 16, 3)
    assert len(read) == len(set(read)) == 8  # each file's header once


def test_side_folders_named_like_cyclegan_get_the_a_b_hint(tmp_path, capsys):
    data = tmp_path / "data"
    for side in ("trainA", "trainB", "testA", "testB"):
        os.makedirs(data / side)
        Image.fromarray(np.zeros((16, 16, 3), "uint8")).save(data / side / "0.png")
    assert train("pix2pix", tmp_path / "run", "--data", str(data)) == 2
    assert "name the two sides of the pairs A/ and B/" in capsys.readouterr().err


def test_next_frame_gan_on_a_data_folder_trains_one_pass_per_epoch(tmp_path):
    clip = tmp_path / "clips" / "walk"
    os.makedirs(clip)
    for t in range(8):
        Image.fromarray(np.full((8, 8), 30 * t, "uint8")).save(clip / f"{t:02d}.png")
    run = tmp_path / "run"
    flags = ["--epochs", "1", "--verbose", "0", "--size", "8"] + _folder_flags("next_frame_gan")
    assert main(["train", "next_frame_gan", "--out", str(run), "--data", str(tmp_path / "clips")] + flags) == 0
    # 8 frames, 4 context frames: 4 windows, one step of 4 each epoch (the built-in clips' default is 500)
    assert config(run)["data"]["steps_per_epoch"] == 1


def test_train_family_help_lists_its_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "pix2pix", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "l1_weight=100.0" in text and "float" in text and "task=labels2facade" in text
    assert "DIR/A/<name>.png" in text
    # A closed choice lists its values (from the constants the checks use), in lines of at most 79 characters.
    from keras_cgan.data.synthetic_images import TASKS
    from keras_cgan.models.pix2pix.defaults import NORMS

    table = text.split("--set options")[1].split("--data layout")[0]
    assert re.search(r"receptive_field=auto +one of 1, 16, 34, 70, 142, 286, image, auto\n", table)
    assert f"norm=instance {' ' * 19}one of {', '.join(NORMS)}\n" in table
    assert f"task=labels2facade one of {', '.join(TASKS)} (built-in data only)" in re.sub(r"\s+", " ", table)
    assert max(len(line) for line in table.splitlines()) <= 79


def test_train_help_does_not_call_the_digits_synthetic(capsys):
    with pytest.raises(SystemExit):
        main(["train", "conditional_gan", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    # the built-in digits are scikit-learn's real digits; was: "(default: built-in synthetic data)"
    assert "--data DATA a folder in the family's layout (default: the family's built-in data)" in text


# ---------------------------------------------- use a trained model on new files


def _images(folder, sides):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(2)
    for name, side in sides.items():
        Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8)).save(folder / name)


def test_translate_a_file_and_a_folder(runs, tmp_path, capsys):
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    _images(inputs, {"a.png": 16, "b.jpg": 32})  # the run's size, and twice it
    assert main(["translate", "--run", runs["pix2pix"], str(inputs), str(outputs)]) == 0
    assert sorted(os.listdir(outputs)) == ["a.png", "b.jpg"]
    assert Image.open(outputs / "b.jpg").size == (32, 32)
    assert main(["translate", "--run", runs["pix2pix"], str(inputs / "a.png"), str(tmp_path / "a.png")]) == 0
    _images(inputs, {"c.png": 20})  # not a multiple of the U-Net's 16
    assert main(["translate", "--run", runs["pix2pix"], str(inputs), str(tmp_path / "out2")]) == 2
    error = capsys.readouterr().err
    assert str(inputs / "c.png") in error and "--resize" in error
    assert not os.path.exists(tmp_path / "out2")  # nothing written
    assert main(["translate", "--run", runs["pix2pix"], str(inputs), str(tmp_path / "out2"), "--resize"]) == 0
    assert Image.open(tmp_path / "out2" / "c.png").size == (20, 20)
    assert main(["translate", "--run", runs["pix2pix"], str(inputs), str(outputs)]) == 2  # never overwrites
    assert "--overwrite" in capsys.readouterr().err


def test_sample_for_a_condition(runs, tmp_path, capsys):
    vocabulary = config(runs["stack_gan"])["model"]["vocabulary"]
    out = tmp_path / "tags.png"
    condition = f"{vocabulary[0]}, {vocabulary[-1]}"
    assert main(["sample", "--run", runs["stack_gan"], "--condition", condition, "-n", "4", "--out", str(out)]) == 0
    assert Image.open(out).size[0] == (4 * 9 + 1) * 8  # one row of four 8x8 faces, x8
    assert main(["sample", "--run", runs["conditional_gan"], "--condition", "3", "--out", str(tmp_path / "3.png")]) == 0
    assert main(["sample", "--run", runs["conditional_gan"], "--condition", "3", "--out", str(tmp_path / "3.png")]) == 2
    assert "3.png: exists; pass --overwrite" in capsys.readouterr().err
    assert main(["sample", "--run", runs["stack_gan"], "--condition", "plaid hair"]) == 2
    assert "plaid" in capsys.readouterr().err
    assert main(["sample", "--run", runs["conditional_gan"], "--condition", "10"]) == 2
    assert "from 0 to 9" in capsys.readouterr().err


def test_enhance_with_a_run_folder(runs, tmp_path):
    import soundfile

    os.makedirs(tmp_path / "noisy")
    rate = config(runs["segan"])["model"]["sample_rate"]
    for name in ("a.wav", "b.wav"):
        soundfile.write(str(tmp_path / "noisy" / name), np.zeros(1500), rate)
    assert main(["enhance", str(tmp_path / "noisy"), "-o", str(tmp_path / "clean"), "--model", runs["segan"]]) == 0
    assert sorted(os.listdir(tmp_path / "clean")) == ["a.wav", "b.wav"]


def test_rollout_from_a_clip_folder_and_a_gif(runs, tmp_path, capsys):
    clip = tmp_path / "clip"
    os.makedirs(clip)
    rng = np.random.default_rng(3)
    frames = [Image.fromarray(rng.integers(0, 255, (20, 20), dtype=np.uint8)) for _ in range(6)]
    for i, frame in enumerate(frames):
        frame.save(clip / f"{i:03d}.png")
    out = tmp_path / "rollout.gif"
    assert main(["rollout", "--run", runs["next_frame_gan"], str(clip), "-o", str(out), "--steps", "2"]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 4 + 2
    video_file = tmp_path / "clip.gif"
    frames[0].save(video_file, save_all=True, append_images=frames[1:4], duration=100)
    assert main(["rollout", "--run", runs["next_frame_gan"], str(video_file), "-o", str(tmp_path / "v.gif")]) == 0
    assert main(["rollout", "--run", runs["next_frame_gan"], str(clip), "-o", str(out), "--start", "4"]) == 2
    error = capsys.readouterr().err
    assert "--overwrite" in error or "needs 8" in error


def test_a_failed_first_epoch_empties_a_folder_the_user_made_in_place(tmp_path, monkeypatch):
    from keras_cgan.cli import train as train_cli

    class Crash(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise RuntimeError("disk on fire")

    os.makedirs(tmp_path / "shared")
    os.chmod(tmp_path / "shared", 0o2770)
    os.symlink(tmp_path / "shared", tmp_path / "run")  # --out is a link to the user's folder
    monkeypatch.setattr(train_cli, "_stop_on_nan", Crash)
    with pytest.raises(RuntimeError, match="disk on fire"):
        train("conditional_gan", tmp_path / "run")
    assert os.path.islink(tmp_path / "run") and os.listdir(tmp_path / "shared") == []
    assert os.stat(tmp_path / "shared").st_mode & 0o7777 == 0o2770  # its mode kept (it was made anew)


def test_only_the_chief_needs_to_write_in_out(tmp_path, monkeypatch, capsys):
    from keras_cgan.cli import train as train_cli

    monkeypatch.setattr(os, "access", lambda path, mode: False)  # a read-only mount (tests run as root)
    assert train_cli._check_folder(str(tmp_path / "run"), False, chief=False) is None
    with pytest.raises(ValueError, match=rf"--out {tmp_path / 'run'}: no permission to write in {tmp_path}"):
        train_cli._check_folder(str(tmp_path / "run"), False, chief=True)


def test_export_subcommands_name_an_output_below_a_file(runs, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    model = os.path.join(runs["conditional_gan"], "generator.keras")
    assert main(["export", "onnx", model, "-o", str(tmp_path / "notes.txt" / "g.onnx")]) == 2
    assert f"-o {tmp_path / 'notes.txt' / 'g.onnx'}: {tmp_path / 'notes.txt'} is a file" in capsys.readouterr().err


@pytest.mark.parametrize("family", sorted(TINY))
def test_a_data_path_that_is_a_file_or_missing_is_named_so(family, tmp_path, capsys, monkeypatch):
    import keras_cgan

    (tmp_path / "notes.txt").write_text("mine")
    # Named before TensorFlow is imported (was: once it had loaded, 44 s in with pix2pix).
    monkeypatch.setattr(keras_cgan, "import_api", lambda: pytest.fail("imported the API (TensorFlow) first"))
    # Was: "no such folder" for a file (conditional_gan, stack_gan, pix2pix), "clean_trainset_wav: folder not
    # found" (segan), "`root` must be a folder of clips" (next_frame_gan).
    for path, problem in ((tmp_path / "notes.txt", "a file, not a folder."), (tmp_path / "nowhere", "no such folder.")):
        assert main(["train", family, "--out", str(tmp_path / "run"), "--data", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"keras-cgan train: error: --data {path}: {problem}\nExpected layout for {family}:")
        assert not (tmp_path / "run").exists()


def test_a_worker_of_a_cluster_leaves_its_data_folder_to_the_agreed_check(tmp_path, monkeypatch):
    # A worker refusing its own missing copy before the others left them waiting in their first collective
    # (`_plan` checks it under `distribute.agreed`, where every worker stops with its message).
    from keras_cgan.cli.main import build_parser
    from keras_cgan.cli.train import check_train

    args = build_parser(["train"]).parse_args(["train", "pix2pix", "--out", str(tmp_path / "run"), "--data", str(tmp_path / "no")])
    with pytest.raises(ValueError, match="no such folder"):
        check_train(args)
    for strategy, tf_config in (("multiworker", ""), (None, '{"cluster": {}}')):
        args.strategy = strategy
        monkeypatch.setenv("TF_CONFIG", tf_config)
        check_train(args)


def _folder_with_a_bad_file(family, folder):
    """A folder in the family's layout whose one file is not what its name says; returns that file, relative."""
    if family in ("conditional_gan", "pix2pix"):
        _write_folder(family, folder)
        bad = os.path.join("images", "4.png") if family == "conditional_gan" else "4.png"
    elif family == "segan":
        for side in ("clean", "noisy"):
            os.makedirs(folder / f"{side}_trainset_wav")
            (folder / f"{side}_trainset_wav" / "a.wav").write_bytes(b"RIFF")  # cut short after 4 bytes
        bad = os.path.join("noisy_trainset_wav", "a.wav")
    else:
        os.makedirs(folder / "clip")
        for i in range(8):
            Image.fromarray(np.zeros((8, 8), "uint8")).save(folder / "clip" / f"{i}.png")
        bad = os.path.join("clip", "4.png")
    (folder / bad).write_bytes(b"not an image")
    return bad


@pytest.mark.parametrize("family", ["conditional_gan", "next_frame_gan", "pix2pix", "segan"])
def test_a_data_file_at_fault_is_named_without_the_layout(family, tmp_path, capsys):
    # Was: the loader's FileContentError caught as any ValueError, its message followed by "Expected layout for
    # ...", though the folder was laid out right; and the folder named twice ("--data X: X/4.png: ...").
    data = tmp_path / "data"
    bad = _folder_with_a_bad_file(family, data)
    assert train(family, tmp_path / "run", "--data", str(data)) == 2
    err = capsys.readouterr().err
    assert "Expected layout" not in err and f"--data {data}: " in err, err
    if family == "next_frame_gan":  # "Clip '.../clip': cannot read frame '4.png'"
        assert "cannot read frame '4.png'" in err, err
    else:
        assert err.startswith(f"keras-cgan train: error: --data {data}: {bad}: "), err
    assert not os.path.exists(tmp_path / "run")


def test_segan_names_a_test_split_at_fault_as_data(tmp_path, capsys):
    # The preview's test pairs were read outside the loader's error handling: an unreadable test file was a bare
    # error with no --data. (A test set on one side only trains, its samples of the training pairs:
    # test_data_edges.py.)
    import soundfile

    data = tmp_path / "data"
    for folder in ("clean_trainset_wav", "noisy_trainset_wav", "clean_testset_wav"):
        os.makedirs(data / folder)
        soundfile.write(str(data / folder / "a.wav"), np.zeros(4000), 16000)
    os.makedirs(data / "noisy_testset_wav")
    (data / "noisy_testset_wav" / "a.wav").write_bytes(b"RIFF")
    assert train("segan", tmp_path / "run", "--data", str(data)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"keras-cgan train: error: --data {data}: noisy_testset_wav/a.wav: cannot read"), err
    assert "Expected layout" not in err and not os.path.exists(tmp_path / "run")


def test_next_frame_gan_names_frames_of_mixed_channels_without_a_library_argument(tmp_path, capsys):
    # Was "...; pass `channels=` to convert on load": an argument of `video.load_frame_folder`, not of the command.
    data = tmp_path / "data"
    os.makedirs(data / "clip")
    for i in range(8):
        Image.fromarray(np.zeros((8, 8) if i else (8, 8, 3), "uint8")).save(data / "clip" / f"{i}.png")
    assert train("next_frame_gan", tmp_path / "run", "--data", str(data)) == 2
    err = capsys.readouterr().err
    assert "has 1 channel(s) but frame '0.png' has 3; save the frames all gray or all in colour" in err, err
    assert "channels=" not in err and "Expected layout" not in err


def test_a_data_folder_the_loader_names_first_is_named_once(tmp_path, capsys):
    # Was "--data DIR: DIR: no images (...)": the loader's message starts with the folder too.
    data = tmp_path / "facades"
    for split in ("train", "val"):
        os.makedirs(data / split)
    assert train("pix2pix", tmp_path / "run", "--data", str(data)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"keras-cgan train: error: --data {data}: no images"), err
    assert "Expected layout for pix2pix" in err
