import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

from keras_cgan.cli import quickstart
from tests.test_case import REPO, run_scripts


def test_quickstart_writes_grid_generator_and_score(tmp_path, monkeypatch):
    shown = []  # (step, target) of each progress bar update
    update = keras.utils.Progbar.update
    monkeypatch.setattr(keras.utils.Progbar, "update",
                        lambda bar, current, *a, **k: shown.append((current, bar.target)) or update(bar, current, *a, **k))
    out = str(tmp_path / "run")
    result = quickstart.main(["--epochs", "1", "--samples-per-class", "5", "--out", out, "--verbose", "1"])
    # 14 batches at the preset's 8 steps per execution: the bar showed 16/14 (Keras counts whole executions).
    assert shown[-1] == (14, 14) and all(step <= target for step, target in shown), shown
    grid = Image.open(os.path.join(out, "samples.png"))
    assert grid.size[0] > 0 and grid.size[1] > 0
    generator = keras.models.load_model(os.path.join(out, "generator.keras"))
    images = generator([np.zeros((10, 32), "float32"), np.arange(10)])
    assert images.shape == (10, 8, 8, 1)
    with open(os.path.join(out, "result.json")) as f:
        saved = json.load(f)
    assert saved["condition_accuracy"] == result["condition_accuracy"]
    assert 0.0 <= saved["condition_accuracy"] <= 1.0
    assert saved["real_digit_accuracy"] > 0.95  # the judge itself works


@pytest.mark.parametrize("option", ["--samples-per-class", "--latent-dim", "--epochs"])
def test_a_bad_option_is_refused_before_training(option, tmp_path, capsys):
    from keras_cgan.cli.main import main

    out = str(tmp_path / "digits")
    assert main(["quickstart", option, "0", "--out", out]) == 2
    assert f"keras-cgan quickstart: error: `{option}` must be an int >= 1" in capsys.readouterr().err
    assert not os.path.exists(out)  # refused before the run folder was made


def test_command_line_lists_quickstart():
    proc = subprocess.run(
        [sys.executable, "-m", "keras_cgan.cli", "quickstart", "--help"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "--epochs" in proc.stdout


def test_command_line_lists_export():
    proc = subprocess.run(
        [sys.executable, "-m", "keras_cgan.cli", "export", "onnx", "--help"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "--opset" in proc.stdout


def test_command_line_lists_enhance():
    proc = subprocess.run(
        [sys.executable, "-m", "keras_cgan.cli", "enhance", "--help"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "--model" in proc.stdout


@pytest.mark.parametrize(
    "command",
    [[], ["enhance"], ["translate"], ["rollout"], ["export"], ["quickstart"], ["sample"], ["train"],
     ["train", "pix2pix"]],  # a family's help reads its defaults (every family's: one mechanism)
)
def test_help_imports_no_tensorflow(command):
    # `keras-cgan --help` must answer at once: TensorFlow and Keras are imported only by a command that runs.
    code = (
        "import sys\n"
        f"sys.argv = ['keras-cgan', *{command!r}, '--help']\n"
        "from keras_cgan.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "usage: keras-cgan" in proc.stdout
    assert proc.stdout.strip().endswith("[]"), proc.stdout[-300:]


REFUSED = {  # a flag each example refuses before it imports TensorFlow
    "anime_tags": ["--size", "20"], "next_frame_gan": ["--size", "10"], "pix2pix": ["--size", "20"],
    "speech_enhancement": ["--window", "1000"], "stack_gan": ["--sizes", "16", "24"],
    "text_to_image": ["--images", "1"],
}


def test_the_examples_help_and_option_errors_import_no_tensorflow():
    # `python examples/pix2pix.py --help` took 15-20 s: `import keras_cgan` imported the whole API, TensorFlow too.
    runs = [(f"examples/{name}.py", argv) for name, refused in sorted(REFUSED.items()) for argv in (["--help"], refused)]
    for (script, argv), (status, output, imported) in zip(runs, run_scripts(runs)):
        name = os.path.basename(script)
        expected = (0, f"usage: {name}") if argv == ["--help"] else (2, f"{name}: error: {argv[0]}")
        assert (status, imported) == (expected[0], []) and expected[1] in output, (script, argv, output[-500:])


def test_quickstart_refuses_a_train_run_folder_or_a_file_as_out(tmp_path, capsys):
    from keras_cgan.cli.main import main

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")
    (run / "gan.keras").write_bytes(b"weights")
    assert main(["quickstart", "--epochs", "1", "--out", str(run)]) == 2
    assert "a `keras-cgan train` run folder" in capsys.readouterr().err
    assert (run / "gan.keras").read_bytes() == b"weights"  # untouched
    (tmp_path / "file.txt").write_text("mine")
    assert main(["quickstart", "--epochs", "1", "--out", str(tmp_path / "file.txt")]) == 2
    assert "a file, not a folder" in capsys.readouterr().err
    assert main(["quickstart", "--epochs", "1", "--out", str(tmp_path / "file.txt" / "run")]) == 2
    assert f"{tmp_path / 'file.txt'} is a file, not a folder" in capsys.readouterr().err


def test_quickstart_refuses_a_batch_larger_than_the_digits_and_leaves_no_folder(tmp_path, capsys):
    from keras_cgan.cli.main import main

    assert main(["quickstart", "--epochs", "1", "--batch-size", "5000", "--out", str(tmp_path / "q")]) == 2
    error = capsys.readouterr().err
    assert "error: --batch-size 5000: the training half of the digits holds 898 images" in error
    assert "Traceback" not in error and not os.path.exists(tmp_path / "q")


def test_the_command_checks_its_options_once(tmp_path, monkeypatch):
    from keras_cgan.cli.main import main

    checked, trained = {"_check_options": [], "_check_batch_size": []}, []
    for name, calls in checked.items():
        check = getattr(quickstart, name)
        monkeypatch.setattr(quickstart, name, lambda args, check=check, calls=calls: calls.append(args) or check(args))
    monkeypatch.setattr(quickstart, "_train_and_score", trained.append)  # no training: only the checks count
    # `keras-cgan` makes the options' checks (and --out's) before it imports TensorFlow, and the command made
    # them again.
    assert main(["quickstart", "--epochs", "1", "--out", str(tmp_path / "q")]) == 0
    assert {name: len(calls) for name, calls in checked.items()} == {"_check_options": 1, "_check_batch_size": 1}
    assert len(trained) == 1


def test_a_quickstart_folder_given_as_a_run_is_named(tmp_path, capsys):
    from keras_cgan.cli.main import main

    (tmp_path / "result.json").write_text("{}")
    (tmp_path / "generator.keras").write_bytes(b"weights")
    assert main(["export", "--run", str(tmp_path), "--format", "onnx"]) == 2
    assert f"a `keras-cgan quickstart` folder, not a run folder of `keras-cgan train`; give its generator to the " \
        f"export commands: `keras-cgan export onnx {tmp_path / 'generator.keras'}" in capsys.readouterr().err


@pytest.mark.parametrize("module", [["-m", "keras_cgan.cli"], ["-Bm", "keras_cgan.cli"], ["-mkeras_cgan.cli"]])
def test_python_m_keras_cgan_cli_is_the_command_line_too(module):
    # Under `python -m keras_cgan.cli` the package is imported while sys.argv[0] is "-m": it used to import
    # the whole API (TensorFlow and its start-up lines) even for --help.
    proc = subprocess.run([sys.executable, "-X", "importtime", *module, "--help"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage: keras-cgan" in proc.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert "keras_cgan" in imported
    assert not [name for name in imported if name.split(".")[0] in ("tensorflow", "keras")], proc.stderr[-2000:]
