"""examples/stack_gan.py end to end, shrunk to a few steps: grow, sample with the model's own noise, score."""

import json
import os
import re

import pytest

from examples import stack_gan as stackgan


def undocumented(folder):
    """The files of a run's `folder` that docs/stack_gan.md's list of what a run writes leaves out."""
    with open(os.path.join(os.path.dirname(__file__), "..", "docs", "stack_gan.md")) as f:
        said = f.read().split("Each example run writes", 1)[1].split("Record each", 1)[0]
    return [name for name in sorted(os.listdir(folder)) if f"`{name}`" not in said]


def test_example_grows_every_stage_and_scores_each(tmp_path):
    result = stackgan.main(
        ["--sizes", "16", "32", "--epochs", "2", "--steps-per-epoch", "2", "--grow-at", "1", "--batch-size", "8",
         "--faces", "64", "--filters", "4", "--latent-dim", "4", "--code-dim", "2", "--samples", "2",
         "--verbose", "0", "--out", str(tmp_path)]
    )
    assert result["stages"] == 2
    for stage in ("stage1", "stage2"):
        assert 0.0 <= result[stage]["all"] <= 1.0, result
    with open(os.path.join(tmp_path, "result.json")) as f:
        assert json.load(f)["stage2"] == result["stage2"]
    assert os.path.exists(os.path.join(tmp_path, "stages.png"))
    assert undocumented(tmp_path) == []  # the docs left out stages.png


def test_discriminator_classifier_and_mode_seeking_flags_reach_the_model():
    tiny = ["--sizes", "8", "16", "--filters", "4", "--latent-dim", "4", "--code-dim", "2"]
    parser = stackgan.build_parser()
    gan = stackgan.build(parser.parse_args(
        tiny + ["--discriminator-filters", "6", "--diversity-weight", "3", "--diversity-warmup", "7",
                "--auxiliary-weight", "2", "--classifier-pooling", "flatten"]))
    assert (gan.diversity_weight, gan.diversity_warmup, gan.auxiliary_weight) == (3.0, 7, 2.0)
    pooled = lambda gan: ["classifier_down_pooled" in [layer.name for layer in d.layers] for d in gan.discriminators]
    assert pooled(gan) == [False, False]
    assert [d.get_layer("down_0").filters for d in gan.discriminators] == [6, 6]
    default = stackgan.build(parser.parse_args(tiny))  # unset flags leave the preset's values
    preset = stackgan.DEFAULT  # the preset's
    assert (default.diversity_weight, default.diversity_warmup) == (preset["diversity_weight"], preset["diversity_warmup"])
    assert [d.get_layer("down_0").filters for d in default.discriminators] == [preset["discriminator_filters"]] * 2
    assert default.auxiliary_weight == preset["auxiliary_weight"]
    assert pooled(default) == [preset["classifier_pooling"] == "max_avg"] * 2


def test_tag_mismatch_offers_the_values_tags_conditions_take():
    # The example kept its own copy of them, so that --help imports no TensorFlow; both read `checks` now.
    from keras_cgan.conditions import TagsCondition

    choices = next(a.choices for a in stackgan.build_parser()._actions if a.dest == "tag_mismatch")
    assert [TagsCondition(["a", "b"], mismatch=choice).mismatch for choice in choices] == list(choices)
    with pytest.raises(ValueError, match=re.escape(f"`mismatch` must be one of {tuple(choices)}")):
        TagsCondition(["a", "b"], mismatch="nearest")


@pytest.mark.parametrize("flags, error", [
    (["--sizes", "16", "32", "--epochs", "1", "--grow-at", "1"], "--epochs 1: the last stage starts at epoch 1"),
    (["--grow-at", "14", "8"], "give increasing epochs"),
    (["--sizes", "16"], "--sizes: give two or three stage sizes, received 16"),
    (["--sizes", "16", "48"], "--sizes: stage sizes 16 48 cannot be drawn and scored"),
    (["--sizes", "8", "16"], "the first is 16, 32, 64, ... and each later one twice"),
    (["--sizes", "16", "32", "64", "--grow-at", "1"], "--grow-at 1: 3 stages (--sizes 16 32 64) need 2 start epochs"),
    (["--sizes", "16", "32", "--grow-at"], "--grow-at (none): 2 stages (--sizes 16 32) need 1 start epochs"),
    (["--grow-at", "-1", "3"], "--grow-at -1 3: the stages start in order, give increasing epochs >= 0"),
    (["--grid", "G"], "--grid G: the grid image's file name"),
    (["--batch-size", "0"], "argument --batch-size: expected an int >= 1, received 0"),
    (["--faces", "10"], "--faces 10: fewer than one batch of --batch-size 32"),
    (["--samples", "1"], "--samples: expected an int >= 2, received 1"),
    (["--steps-per-epoch", "0"], "--steps-per-epoch: expected an int >= 1, received 0"),
])
def test_flags_that_cannot_work_are_refused_before_training(flags, error, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(stackgan, "build", lambda args: pytest.fail("trained"))  # fails fast, not after training
    with pytest.raises(SystemExit) as exit_:
        stackgan.main(flags + ["--out", str(tmp_path / "run")])
    assert exit_.value.code == 2 and error in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "run")


def test_a_loaded_model_is_scored_at_its_own_sizes(tmp_path, capsys, monkeypatch):
    tiny = ["--sizes", "16", "32", "--filters", "4", "--latent-dim", "4", "--code-dim", "2"]
    gan = stackgan.build(stackgan.build_parser().parse_args(tiny))
    gan.save(str(tmp_path / "one.keras"))  # one stage grown
    gan.grow(2)
    path = str(tmp_path / "small.keras")
    gan.save(path)
    monkeypatch.setattr(stackgan, "build", lambda args: pytest.fail("trained"))
    with pytest.raises(SystemExit) as exit_:
        stackgan.main(["--load", path, "--sizes", "16", "32", "64", "--out", str(tmp_path / "run")])
    assert exit_.value.code == 2
    assert f"--sizes 16 32 64: the model {path} draws stages of 16 32 pixels" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "run")  # refused before --out was made
    with pytest.raises(SystemExit):
        stackgan.main(["--load", str(tmp_path / "one.keras"), "--out", str(tmp_path / "run")])
    assert "has grown one stage of 2; the stages are compared once a second one has grown" in capsys.readouterr().err
    result = stackgan.main(["--load", path, "--samples", "2", "--out", str(tmp_path / "run")])
    assert result["args"]["sizes"] == [16, 32] and result["stages"] == 2
    assert undocumented(tmp_path / "run") == []
