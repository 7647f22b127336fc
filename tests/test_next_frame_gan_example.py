"""examples/next_frame_gan.py: values that cannot work are one-line errors before any training."""

import numpy as np
import pytest

from examples import next_frame_gan
from keras_cgan.models.next_frame_gan import presets


@pytest.mark.parametrize("flags, error", [
    (["--size", "12"], "--size 12: junction frames are a multiple of 4 pixels, at least 16 (e.g. 16, 20, 24)"),
    (["--size", "18"], "--size 18: junction frames are a multiple of 4 pixels"),
    (["--dataset", "digits", "--size", "10"], "--size 10: digits frames are a multiple of 4 pixels, at least 12"),
    (["--batch-size", "0"], "argument --batch-size: expected an int >= 1, received 0"),
    (["--context", "0"], "argument --context: expected an int >= 1, received 0"),
    # Beyond the junction frame, the junction windows indexed frames from the clips' end.
    (["--context", "5"], "--context 5: junction clips of --size 16 have room for 1 to 4 context frames before "
                         "the junction; a larger --size makes room for more"),
    (["--size", "40", "--context", "11"],  # the junction frame would be past the 14th frame
     "--context 11: junction clips of --size 40 and 14 frames have room for 1 to 10 context frames before the "
     "junction\n"),
    (["--dataset", "digits", "--size", "24", "--context", "14"],
     "--context 14: digits clips have 14 frames; use 1 to 13"),
])
def test_flags_that_cannot_work_are_refused_before_training(flags, error, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(presets, "build", lambda *a, **k: pytest.fail("trained"))
    monkeypatch.setattr(next_frame_gan.synthetic_video, "junction_clips", lambda *a, **k: pytest.fail("made clips"))
    with pytest.raises(SystemExit) as exit_:
        next_frame_gan.main(flags + ["--out", str(tmp_path / "run")])
    assert exit_.value.code == 2 and error in capsys.readouterr().err


class StandIn:
    """Stands for the NextFrameGAN: `weights` counts weight changes; each rollout and predict notes them."""

    adversarial_weight, context_frames, frame_shape = 0.25, 4, (16, 16, 1)

    def __init__(self):
        self.weights, self.sampled = 0, []
        self.generator = self

    def fit(self, ds, epochs, steps_per_epoch, callbacks, verbose):
        for callback in callbacks:
            callback.set_model(self)
        callbacks[0].on_train_begin()  # RolloutGIF; KeepBestGenerator stands aside
        callbacks[0].on_epoch_end(epochs - 1, {})  # the last epoch's GIF
        self.weights += 1  # as KeepBestGenerator puts its best weights back when training ends
        callbacks[0].on_train_end()

    def rollout(self, context, steps):
        self.sampled.append(("GIF", self.weights))
        return np.zeros((len(context), steps) + self.frame_shape, "float32")

    def predict(self, conditions, **kwargs):
        self.sampled.append(("scores", self.weights))
        return np.zeros((len(conditions),) + self.frame_shape, "float32")

    def save(self, path):
        self.sampled.append(("saved", self.weights))


def test_the_last_gif_shows_the_generator_that_is_scored_and_saved(tmp_path, monkeypatch):
    gan = StandIn()
    monkeypatch.setattr(presets, "build", lambda *a, **k: gan)
    next_frame_gan.main(["--clips", "8", "--epochs", "1", "--out", str(tmp_path)])
    assert gan.sampled[0] == ("GIF", 0) and set(gan.sampled[1:]) == {("scores", 1), ("GIF", 1), ("saved", 1)}
    assert (tmp_path / "rollout.gif").exists() and (tmp_path / "gifs" / "rollout_epoch_001.gif").exists()
