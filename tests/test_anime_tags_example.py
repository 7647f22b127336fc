"""examples/anime_tags.py: values that cannot work are one-line errors before any training."""

import pytest

from examples import anime_tags


@pytest.mark.parametrize("flags, error", [
    (["--batch-size", "0"], "argument --batch-size: expected an int >= 1, received 0"),
    (["--faces", "0"], "argument --faces: expected an int >= 1, received 0"),
    (["--faces", "10"], "--faces 10: fewer than one batch of --batch-size 64"),
    (["--size", "8"], "argument --size: expected an int >= 16, received 8"),
    (["--size", "20"], "--size 20: the tag faces are drawn at multiples of 16 pixels (e.g. 16 or 32)"),
])
def test_flags_that_cannot_work_are_refused_before_training(flags, error, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(anime_tags, "run", lambda args: pytest.fail("trained"))
    with pytest.raises(SystemExit) as exit_:
        anime_tags.main(flags + ["--out", str(tmp_path / "run")])
    assert exit_.value.code == 2 and error in capsys.readouterr().err


def test_sizes_of_16_pixel_steps_are_taken():
    assert anime_tags.parse(["--size", "48", "--faces", "64"]).size == 48
