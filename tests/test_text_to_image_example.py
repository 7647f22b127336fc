"""examples/text_to_image.py at its defaults, shrunk to a few steps."""

import json
import os

import keras
import pytest

from examples import text_to_image
from keras_cgan.models.conditional_gan import presets


def test_example_defaults_feed_the_caption_at_every_block_and_sample_the_averaged_generator(tmp_path):
    args = text_to_image.build_parser().parse_args(
        ["--steps", "8", "--images", "128", "--batch-size", "16", "--size", "24", "--filters", "4",
         "--latent-dim", "4", "--samples", "2", "--verbose", "0", "--out", str(tmp_path)]
    )
    assert args.condition_at == "every_block" and args.ema_decay > 0
    result = text_to_image.run(args)
    with open(os.path.join(tmp_path, "result.json")) as f:
        written = json.load(f)
    for key in ("unseen_captions", "seen_captions", "unseen_captions_raw_weights", "seen_captions_raw_weights"):
        assert set(written[key]) == {"colour", "shape", "position", "all", "diversity"}, key
        assert 0.0 <= written[key]["shape"] <= 1.0
    assert written["unseen_captions"] == result["unseen_captions"]
    generator = keras.models.load_model(os.path.join(tmp_path, "generator.keras"))
    assert any(layer.name == "features_and_code_0" for layer in generator.layers)
    assert os.path.exists(os.path.join(tmp_path, "unseen_captions.png"))


def test_auxiliary_on_fake_flag_reaches_the_preset(monkeypatch, tmp_path):
    class Built(Exception):
        pass

    def build(*args, **kwargs):
        raise Built(kwargs)

    monkeypatch.setattr(presets, "build", build)
    for flag, value in (("negative", "negative"), ("1", True), ("0", False)):
        args = text_to_image.build_parser().parse_args(
            ["--auxiliary-on-fake", flag, "--images", "32", "--size", "24", "--out", str(tmp_path)])
        with pytest.raises(Built) as built:
            text_to_image.run(args)
        got = built.value.args[0]["auxiliary_on_fake"]
        assert got == value and type(got) is type(value), (flag, got)


def test_choice_flags_offer_every_value_the_library_takes():
    # They were listed by hand: --adversarial-loss without wgan-gp, --design without concat_acgan and tacgan.
    from keras_cgan import checks
    from keras_cgan.models.conditional_gan import defaults

    parser = text_to_image.build_parser()
    for flag, values in (("--adversarial-loss", checks.ADVERSARIAL_LOSSES), ("--design", defaults.CONDITIONINGS),
                         ("--text-encoder", checks.TEXT_ENCODERS), ("--condition-at", defaults.CONDITION_AT)):
        dest = flag[2:].replace("-", "_")
        assert [getattr(parser.parse_args([flag, value]), dest) for value in values] == list(values), flag


@pytest.mark.parametrize("flags, error", [
    (["--images", "10", "--batch-size", "16"], "--images 10: fewer than one batch of --batch-size 16"),
    (["--images", "0"], "argument --images: expected an int >= 1, received 0"),
    (["--batch-size", "0"], "argument --batch-size: expected an int >= 1, received 0"),
])
def test_flags_that_leave_no_batch_are_refused_before_training(flags, error, capsys):
    with pytest.raises(SystemExit):
        text_to_image.parse(flags)
    assert error in capsys.readouterr().err


@pytest.mark.parametrize("design", ["tacgan", "two_head"])
def test_a_negative_classifier_on_a_design_without_one_is_refused_before_training(design, capsys):
    # Was: refused by the model once the data were made, in a traceback naming `auxiliary_on_fake='negative'`.
    with pytest.raises(SystemExit):
        text_to_image.parse(["--design", design, "--auxiliary-on-fake", "negative"])
    assert (f"--auxiliary-on-fake negative acts on an acgan discriminator's classifier (--design acgan or "
            f"concat_acgan), not --design {design}") in capsys.readouterr().err
    assert text_to_image.parse(["--design", "concat_acgan", "--auxiliary-on-fake", "negative"]).design == "concat_acgan"
