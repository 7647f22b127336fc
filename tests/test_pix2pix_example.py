"""examples/pix2pix.py at its defaults, shrunk to a few steps."""

import numpy as np
import pytest
from PIL import Image

from examples import pix2pix
from keras_cgan import metrics

TINY = ["--size", "16", "--base-filters", "4", "--receptive-field", "16"]


def test_example_writes_the_grid_of_both_variants(tmp_path):
    out = tmp_path / "grid.png"
    reports = pix2pix.main(TINY + ["--train", "16", "--steps", "2", "--batch-size", "4", "--rows", "3", "--out", str(out)])
    assert set(reports) == {"L1 only", "L1+cGAN"}
    for report in reports.values():
        assert np.isfinite(report["psnr"]) and report["sharpness_ratio"] > 0
    # input | L1 only | L1+cGAN | target, a row each (16-pixel tiles, 1-pixel borders), plus the label margins
    width, height = Image.open(out).size
    assert width > 4 * 17 + 1 and height > 3 * 17 + 1


def test_example_prints_a_flat_targets_report(tmp_path, monkeypatch, capsys):
    import types

    model = types.SimpleNamespace(fit=lambda *args, **kwargs: None, predict=lambda x, verbose: np.zeros_like(x))
    monkeypatch.setattr(pix2pix, "make_model", lambda *args: model)
    report = dict(psnr=30.0, ssim=0.9, sharpness_ratio=None, flat_error=0.0, edge_similarity=None,
                  spectral_match=None)  # every target flat: no sharpness to compare with
    monkeypatch.setattr(metrics, "quality_report", lambda *args: report)  # as the example imports it
    pix2pix.main(TINY + ["--train", "4", "--rows", "2", "--out", str(tmp_path / "grid.png")])  # was: a TypeError
    assert "L1 only  PSNR 30.00 dB  SSIM 0.900  sharpness / real -" in capsys.readouterr().out


def test_example_low_passes_the_l1_of_the_gan_run_only():
    parse = pix2pix.build_parser().parse_args
    assert pix2pix.default_lowpass(parse(TINY)) == 1.0  # synthetic facades
    assert pix2pix.default_lowpass(parse(TINY + ["--task", "edges2photo"])) == 0.0
    assert pix2pix.default_lowpass(parse(TINY + ["--data", "facades/train"])) == 0.0
    assert pix2pix.default_lowpass(parse(TINY + ["--task", "gray2color", "--l1-lowpass", "2"])) == 2.0
    args = parse(TINY)
    args.l1_lowpass = pix2pix.default_lowpass(args)
    shapes = ((16, 16, 3), (16, 16, 3))
    assert pix2pix.make_model(*shapes, 1.0, args).l1_lowpass == 1.0
    assert pix2pix.make_model(*shapes, 0.0, args).l1_lowpass == 0.0  # the baseline keeps per-pixel L1


def test_example_refuses_an_unknown_field_before_training(capsys):
    parse = pix2pix.build_parser().parse_args
    assert parse(TINY[:-1] + ["auto"]).receptive_field == "auto"
    assert parse(TINY[:-1] + ["70"]).receptive_field == 70
    with pytest.raises(SystemExit):
        parse(TINY[:-1] + ["70px"])
    assert "--receptive-field: invalid choice: '70px' (choose from 1, 16, 34" in capsys.readouterr().err


@pytest.mark.parametrize("flags, error", [
    (["--rows", "0"], "argument --rows: expected an int >= 1, received 0"),
    (["--batch-size", "0"], "argument --batch-size: expected an int >= 1, received 0"),
    (["--size", "4"], "argument --size: expected an int >= 8, received 4"),
    (["--size", "48"], "--size 48: the U-Net halves the image down to 1 pixel, give a power of two (e.g. 32 or 64)"),
])
def test_example_refuses_values_that_cannot_work_before_training(flags, error, capsys, monkeypatch):
    monkeypatch.setattr(pix2pix, "make_model", lambda *a: pytest.fail("trained"))
    with pytest.raises(SystemExit) as exit_:
        pix2pix.main(flags)
    assert exit_.value.code == 2 and error in capsys.readouterr().err
