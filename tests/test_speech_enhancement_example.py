"""examples/speech_enhancement.py: flags and folders that cannot work are refused before any training."""

import argparse
import os
import warnings

import numpy as np
import pytest

from examples import speech_enhancement
from keras_cgan.data import audio
from keras_cgan.models.segan import presets


def _refused(argv, capsys, monkeypatch):
    monkeypatch.setattr(presets, "build", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(SystemExit) as exit_:
        speech_enhancement.main(argv)
    assert exit_.value.code == 2
    return capsys.readouterr().err


def _pairs(root, split, rate=8000):
    for kind in ("clean", "noisy"):
        os.makedirs(root / f"{kind}_{split}set_wav", exist_ok=True)
        audio.write_wav(str(root / f"{kind}_{split}set_wav" / "p000.wav"), np.zeros(rate // 4, "float32"), rate)


def test_a_sample_rate_the_model_was_not_trained_at_is_refused(tmp_path, capsys, monkeypatch):
    path = str(tmp_path / "segan.keras")
    presets.build(256, preset="tiny", sample_rate=8000).save(path)
    err = _refused(["--model", path, "--sample-rate", "16000", "--out", str(tmp_path / "out")], capsys, monkeypatch)
    assert f"--sample-rate 16000: the model {path} was trained at 8000 Hz" in err
    assert not os.path.exists(tmp_path / "out")


def test_a_window_the_encoder_cannot_halve_and_a_zero_batch_are_refused(capsys, monkeypatch):
    assert "--window must be a multiple of 2**6 = 64 (one halving per encoder layer). Received: 1000; e.g. 960" in \
        _refused(["--window", "1000"], capsys, monkeypatch)
    assert "--batch-size" in _refused(["--batch-size", "0"], capsys, monkeypatch)


def test_a_folder_without_training_pairs_is_refused_before_training(tmp_path, capsys, monkeypatch):
    err = _refused(["--data", str(tmp_path), "--out", str(tmp_path / "out")], capsys, monkeypatch)
    assert f"--data {tmp_path}: {tmp_path}/clean_trainset_wav: folder not found" in err
    assert _refused(["--model", str(tmp_path / "none.keras")], capsys, monkeypatch).endswith(
        "--model " + str(tmp_path / "none.keras") + ": no such file\n")


def test_the_test_set_is_optional(tmp_path):
    _pairs(tmp_path, "train")  # the layout README describes: training folders only
    parser = argparse.ArgumentParser()
    speech_enhancement.check_folder(parser, str(tmp_path), train=True)
    assert speech_enhancement.held_out_split(str(tmp_path)) == "train"
    os.makedirs(tmp_path / "clean_testset_wav")  # a test set on one side only: a training file, as the CLI does
    for train in (True, False):
        with pytest.warns(UserWarning, match=r"enhancing a training file, not a test file: .*noisy_testset_wav: "
                                             r"folder not found"):
            speech_enhancement.check_folder(parser, str(tmp_path), train=train)  # was: refused
    with pytest.warns(UserWarning, match="noisy_testset_wav: folder not found"):
        assert speech_enhancement.held_out_split(str(tmp_path)) == "train"
    _pairs(tmp_path, "test")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert speech_enhancement.held_out_split(str(tmp_path)) == "test"
