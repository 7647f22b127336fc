"""Rollouts people look at: animated GIFs and TensorBoard strips.

A rollout GIF shows, for each clip, three panels side by side:
**context | prediction | truth**. The first `k` GIF frames play the context
in all three panels; then the prediction panel plays the model's rollout
(framed in red) while the truth panel plays what really happened.

Example:

>>> import numpy as np, os, tempfile
>>> from keras_cgan.models.next_frame_gan.callbacks import write_rollout_gif
>>> context = np.zeros((2, 4, 8, 8, 1)); truth = np.ones((2, 3, 8, 8, 1))
>>> path = os.path.join(tempfile.mkdtemp(), "rollout.gif")
>>> write_rollout_gif(path, context, truth * 0.5, truth).shape  # (frames, H, W, 3)
(7, 70, 104, 3)
"""

import os

import numpy as np

from keras_cgan import checks
from keras_cgan.callbacks import SampleWriter, check_writable
from keras_cgan.checks import check_samples

_GAP = 2  # pixels between panels and rows (at output scale)


def _to_uint8(frames):
    """`[-1, 1]` frames `[..., H, W, C]` -> uint8 RGB `[..., H, W, 3]`."""
    frames = np.asarray(frames, np.float32)
    frames = np.clip((frames + 1.0) * 127.5, 0, 255).astype(np.uint8)
    if frames.shape[-1] == 1:
        frames = np.repeat(frames, 3, axis=-1)
    return frames[..., :3]


def rollout_panels(context, prediction, truth=None, scale=4):
    """Composes rollout frames `[k + steps, H', W', 3]` (uint8).

    Args:
        context: array `[B, k, H, W, C]` in `[-1, 1]`.
        prediction: array `[B, steps, H, W, C]`.
        truth: array `[B, steps, H, W, C]` or None (then two panels).
        scale: int. Nearest-neighbour upscaling. Defaults to `4`.
    """
    context, prediction = _to_uint8(context), _to_uint8(prediction)
    truth = None if truth is None else _to_uint8(truth)
    batch, k = context.shape[:2]
    steps = prediction.shape[1]
    if prediction.shape[0] != batch or (truth is not None and truth.shape[:2] != prediction.shape[:2]):
        raise ValueError(
            f"`context` {context.shape}, `prediction` {prediction.shape} and `truth` "
            f"{None if truth is None else truth.shape} must share the batch (and steps) dimension."
        )
    h, w = context.shape[2:4]
    hs, ws = h * scale, w * scale
    panels = 2 if truth is None else 3
    out = np.full((k + steps, batch * (hs + _GAP) + _GAP, panels * (ws + _GAP) + _GAP, 3), 255, np.uint8)
    up = lambda f: np.repeat(np.repeat(f, scale, axis=0), scale, axis=1)
    for t in range(k + steps):
        for b in range(batch):
            if t < k:
                row = [context[b, t]] * panels
            else:
                row = [context[b, -1], prediction[b, t - k]] + ([] if truth is None else [truth[b, t - k]])
            top = _GAP + b * (hs + _GAP)
            for p, frame in enumerate(row):
                left = _GAP + p * (ws + _GAP)
                out[t, top : top + hs, left : left + ws] = up(frame)
                if p == 1 and t >= k:  # red frame around predicted frames
                    out[t, top : top + hs, left] = out[t, top : top + hs, left + ws - 1] = (255, 0, 0)
                    out[t, top, left : left + ws] = out[t, top + hs - 1, left : left + ws] = (255, 0, 0)
    return out


def write_rollout_gif(path, context, prediction, truth=None, scale=4, duration_ms=250):
    """Writes a rollout GIF (context | prediction | truth) with Pillow; returns its frames."""
    from PIL import Image

    frames = rollout_panels(context, prediction, truth, scale)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    images = [Image.fromarray(f) for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return frames


class RolloutGIF(SampleWriter):
    """Saves rollouts of a `NextFrameGAN` as GIFs and logs them to TensorBoard.

    A member of the `keras_cgan.callbacks.SampleWriter` family: every `every`
    epochs (and after the last), on the chief only, it rolls the model out
    from the first `context_frames` frames of each clip and writes
    `directory/rollout_epoch_XXX.gif`. With `log_dir` it logs the losses, the
    panels of every rollout step side by side as the image `rollout`, and the
    animated GIF itself as the image `rollout_gif` (TensorBoard's image view
    plays it).

    Args:
        clips: array `[B, T, H, W, C]` in `[-1, 1]` with `T > context_frames`.
        directory: str. Where GIFs go.
        steps: int. Frames to roll out; at most `T - context_frames` are
            compared with the truth. Defaults to `T - context_frames`.
        every: int. Epoch interval. Defaults to `1`.
        log_dir: str or None. TensorBoard log folder. Defaults to `None`.
        scale: int. Upscaling of the GIF. Defaults to `4`.
        log_losses, ema: see `SampleWriter`.

    Example:

    >>> cb = RolloutGIF(np.zeros((2, 6, 8, 8, 1)), "/tmp/rollouts", steps=2)  # doctest: +SKIP
    >>> gan.fit(ds, epochs=3, callbacks=[cb])  # doctest: +SKIP
    """

    def __init__(self, clips, directory, steps=None, every=1, log_dir=None, scale=4, log_losses=True, ema=False):
        check_samples(np.asarray(clips), "clips", "clip frames", use="generate")
        clips = np.asarray(clips, np.float32)
        if clips.ndim != 5 or not len(clips):
            raise ValueError(f"`clips` must be [batch, T, H, W, C], at least one clip. Received shape {clips.shape}.")
        super().__init__(every=every, log_dir=log_dir, log_losses=log_losses, ema=ema)
        self.clips, self.directory = clips, checks.path("directory", directory)
        self.steps = checks.integer("steps", steps, low=1, optional=True)
        self.scale = checks.integer("scale", scale, low=1)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if not hasattr(self.model, "rollout"):
            raise ValueError(f"RolloutGIF rolls out a NextFrameGAN; the model is a {type(self.model).__name__}.")
        k = self.model.context_frames
        if self.clips.shape[1] <= k:  # before training, not at the first GIF
            raise ValueError(f"`clips` need more than context_frames={k} frames; they have {self.clips.shape[1]}.")
        if tuple(self.clips.shape[2:]) != self.model.frame_shape:
            raise ValueError(
                f"`clips` hold frames of shape {tuple(self.clips.shape[2:])}; the model predicts frames of shape "
                f"{self.model.frame_shape}."
            )

    def check_outputs(self):
        super().check_outputs()
        check_writable("directory", self.directory, folder=True)

    def write(self, epoch):
        k = self.model.context_frames  # the clips were checked against the model in `on_train_begin`
        steps = self.steps or self.clips.shape[1] - k
        prediction = self.model.rollout(self.clips[:, :k], steps)
        truth = self.clips[:, k : k + steps]
        if truth.shape[1] < steps:  # no truth past the clip's end: pad with its last frame
            truth = np.concatenate([truth] + [truth[:, -1:]] * (steps - truth.shape[1]), axis=1)
        path = os.path.join(self.directory, f"rollout_epoch_{epoch + 1:03d}.gif")
        frames = write_rollout_gif(path, self.clips[:, :k], prediction, truth, self.scale)
        if self.log_dir:
            strip = np.concatenate(list(frames), axis=1)  # [H', T * W', 3]
            self.log_image("rollout", strip, epoch + 1, display_name="rollout (context | prediction | truth)")
            with open(path, "rb") as f:
                self.log_image("rollout_gif", (f.read(), (frames.shape[2], frames.shape[1])), epoch + 1)


def junction_score(clips, context_frames, rollout_steps=10, max_pixels=None):
    """A `KeepBestGenerator` score: one-sprite rate at the junction and intact rollouts.

    Returns a callable `model -> min(one-sprite fraction at the junction
    frame, fraction of intact rollouts)` on the given (validation) junction
    clips, so both must be good for a high score.

    Args:
        clips: `keras_cgan.data.synthetic_video.JunctionClips`.
        context_frames: int. The model's context frames.
        rollout_steps: int. Length of the rollouts. Defaults to `10`.
        max_pixels: int or None. Passed to `metrics.video.count_sprites`.
    """
    from keras_cgan.data import video
    from keras_cgan.metrics import video as video_metrics

    idx = np.arange(len(clips.frames))
    j = np.asarray(clips.junction_frame)
    context = np.stack([clips.frames[idx, j - context_frames + i] for i in range(context_frames)], axis=1)
    condition = np.asarray(video.stack_context(context))  # [N, H, W, k*C]
    start = clips.frames[:, :context_frames]

    def score(model):
        at_junction = model.predict(condition, batch_size=256, verbose=0)
        one = video_metrics.mode_split(at_junction, max_pixels=max_pixels)["one_sprite"]
        intact = video_metrics.intact_rollouts(model.rollout(start, rollout_steps), max_pixels=max_pixels)
        return min(one, intact)

    return score
