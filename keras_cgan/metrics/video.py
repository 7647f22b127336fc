"""Frame metrics: mode split (one sprite vs a split one), PSNR and sharpness.

All functions take frames in `[-1, 1]` as numpy arrays `[..., H, W, C]`.
`psnr` and `sharpness` are the means over frames of `image_quality.psnr`
and `image_quality.sharpness` (`norm="abs"`), the library's one definition
of each; `sharpness_difference` compares the per-pixel gradient magnitudes
(`image_quality.gradient_magnitude`).

*Mode split* asks, for each predicted frame, whether the sprite is in one
place. Pixels of near-full intensity (`> threshold`) are grouped into
8-connected blobs (`scipy.ndimage.label`). A frame shows **one** sprite when
there is exactly one blob and it holds at least `min_mass_fraction` of the
frame's bright mass (the sum of `x - mass_level` over pixels above
`mass_level`); otherwise the sprite is **split** (two or more blobs, or mass
left elsewhere) or **faded** (no near-full pixel at all: the average of two
futures is two half-bright blobs, below the threshold).

Example:

>>> import numpy as np
>>> from keras_cgan.metrics import video
>>> frame = np.full((8, 8, 1), -1.0)
>>> frame[2:4, 2:4] = 1.0
>>> video.count_sprites(frame)
'one'
>>> frame[2:4, 2:4], frame[2:4, 5:7] = 0.0, 0.0  # two half-bright blobs
>>> video.count_sprites(frame)
'faded'
"""

import numpy as np
from scipy import ndimage

from keras_cgan.metrics import image_quality
from keras_cgan.metrics._checks import unit_range

_EIGHT = np.ones((3, 3), bool)
# A frame equal to its target: the mean squared error is floored here, so the
# mean PSNR over frames stays finite (10 log10(4 / 1e-10) = 106 dB on [-1, 1]).
MIN_MSE = 1e-10


def _gray(frame):
    frame = np.asarray(frame)
    if frame.ndim not in (2, 3):  # was: SciPy's "structure and input must have equal rank"
        raise ValueError(f"`frame` must be one frame [H, W, C] or [H, W]. Received shape {frame.shape}.")
    frame = unit_range(frame, "frame", np.float32)  # 8-bit frames: every pixel "near full"
    return frame.mean(axis=-1) if frame.ndim == 3 else frame


def _sprite_batch(array, name, lead, missing):
    """`array` as float32, checked `[*lead, H, W, C]` or grayscale `[*lead, H, W]`, not empty, in `[-1, 1]`.

    The grayscale form with a last axis of 1 or 3 is refused: that axis
    reads as channels, so a leading axis is missing (`missing` says which
    arrays those are); frames that narrow take a channel axis.
    """
    array, dims = np.asarray(array), ", ".join(lead)
    shapes = f"[{dims}, H, W, C] or grayscale [{dims}, H, W] with {dims} >= 1"
    if array.ndim not in (len(lead) + 2, len(lead) + 3) or not array.size:
        raise ValueError(f"`{name}` must be {shapes}. Received shape {array.shape}.")
    if array.ndim == len(lead) + 2 and array.shape[-1] in (1, 3):
        raise ValueError(
            f"`{name}` must be {shapes}. Received shape {array.shape}, whose last axis reads as "
            f"{array.shape[-1]} channel(s), not a width: {missing}. Grayscale frames {array.shape[-1]} pixel(s) "
            f"wide: pass `{name}[..., None]`."
        )
    return unit_range(array, name, np.float32)  # named here: the per-frame check would say `frame`


def count_sprites(frame, threshold=0.5, mass_level=0.0, min_mass_fraction=0.8, max_pixels=None):
    """Classifies one frame `[H, W, C]` as `"one"`, `"split"` or `"faded"`.

    Args:
        frame: array `[H, W, C]` or `[H, W]` in `[-1, 1]`.
        threshold: float. Pixels above it are near-full intensity. Defaults
            to `0.5` (3/4 of the way from black to white).
        mass_level: float. Pixels above it count as sprite mass (above the
            junction dataset's corridor floor `-0.5`). Defaults to `0.0`.
        min_mass_fraction: float. Share of the bright mass the blob (grown by
            one pixel) must hold to count as one sprite. Defaults to `0.8`.
        max_pixels: int or None. A blob larger than this is not a sprite
            (e.g. a frame washed out to white) and counts as `"split"`.
            Defaults to `None` (no limit).
    """
    gray = _gray(frame)
    labels, count = ndimage.label(gray > threshold, structure=_EIGHT)
    if count == 0:
        return "faded"
    if count > 1:
        return "split"
    if max_pixels is not None and np.sum(labels == 1) > max_pixels:
        return "split"
    mass = np.clip(gray - mass_level, 0, None)
    blob = ndimage.binary_dilation(labels == 1, structure=_EIGHT)
    total = mass.sum()
    return "one" if total == 0 or mass[blob].sum() >= min_mass_fraction * total else "split"


def mode_split(frames, **kwargs):
    """Fractions of frames `[N, H, W, C]` with one sprite, a split one or a faded one.

    Args:
        frames: array `[N, H, W, C]` (or grayscale `[N, H, W]`, not 1 or 3
            pixels wide: see `intact_rollouts`) in `[-1, 1]`, `N >= 1`.
        **kwargs: passed to `count_sprites`.

    Returns:
        dict with `one_sprite`, `split`, `faded` (fractions summing to 1) and `count`.
    """
    frames = _sprite_batch(frames, "frames", ["N"], "one frame [H, W, C] is `frames[None]`")
    kinds = [count_sprites(f, **kwargs) for f in frames]
    return {
        "one_sprite": kinds.count("one") / len(kinds),
        "split": kinds.count("split") / len(kinds),
        "faded": kinds.count("faded") / len(kinds),
        "count": len(kinds),
    }


def sprite_mask(frame, threshold=0.5):
    """Boolean `[H, W]` mask of the near-full-intensity pixels of one frame."""
    return _gray(frame) > threshold


def matches_future(frames, futures, threshold=0.5, min_overlap=0.5):
    """Fraction of frames whose one sprite sits where one of the possible futures has it.

    Args:
        frames: array `[N, H, W, C]` (or grayscale `[N, H, W]`, as in
            `mode_split`) of predictions in `[-1, 1]`, `N >= 1`.
        futures: array `[N, F, H, W, C]` (or `[N, F, H, W]`): the `F`
            possible true frames.
        threshold: float. Near-full intensity, as in `count_sprites`.
        min_overlap: float. Intersection over union of the predicted and the
            true sprite masks needed to match. Defaults to `0.5`.
    """
    frames = _sprite_batch(frames, "frames", ["N"], "one frame [H, W, C] is `frames[None]`")
    futures = unit_range(futures, "futures", np.float32)
    if futures.ndim != frames.ndim + 1 or len(futures) != len(frames):
        raise ValueError(
            f"`futures` must hold the possible true frames of each of the {len(frames)} frames, shape "
            f"[N, F, H, W, C] for `frames` [N, H, W, C]. Received shapes {frames.shape} and {futures.shape}."
        )
    hits = 0
    for frame, options in zip(frames, futures):
        pred = sprite_mask(frame, threshold)
        for option in options:
            true = sprite_mask(option, threshold)
            union = np.sum(pred | true)
            if union and np.sum(pred & true) / union >= min_overlap:
                hits += 1
                break
    return hits / len(frames)


def intact_rollouts(rollouts, **kwargs):
    """Fraction of rollouts `[N, T, H, W, C]` (or grayscale `[N, T, H, W]`) with one sprite in every frame.

    A 4-D array whose last axis is 1 or 3 is taken for channels and refused:
    it is frames `[N, H, W, C]` (scored by `mode_split`) or one rollout
    `[T, H, W, C]` (`rollouts[None]`). Grayscale rollouts of frames 1 or 3
    pixels wide take a channel axis: `rollouts[..., None]`.

    Args:
        rollouts: array `[N, T, H, W, C]` or `[N, T, H, W]` in `[-1, 1]`, with `N, T >= 1`.
        **kwargs: passed to `count_sprites`.
    """
    rollouts = _sprite_batch(
        rollouts, "rollouts", ["N", "T"],  # frames read as rollouts scored 0.0
        "frames [N, H, W, C] are not rollouts (use `mode_split`); one rollout [T, H, W, C] is `rollouts[None]`",
    )
    intact = [all(count_sprites(f, **kwargs) == "one" for f in clip) for clip in rollouts]
    return float(np.mean(intact))


def _as_batch(frames, name, value_range, gradient=False):
    """Frames `[..., H, W, C]` (one frame, `[N, H, W, C]`, clips) as a `[N, H, W, C]` float32 tensor on `[0, 1]`.

    A `ValueError` naming `name` when there is no frame, the values are far
    outside `value_range` (8-bit frames read as `[-1, 1]`) or, with
    `gradient`, a side is 1 pixel (no gradient).
    """
    frames = np.asarray(frames)
    if frames.ndim < 3 or not frames.size:  # was: [H, W] read as H frames of one channel, NaN for none
        raise ValueError(
            f"`{name}` must hold at least one frame [H, W, C]: one frame, [N, H, W, C] or clips "
            f"[..., H, W, C]. Received shape {frames.shape}."
        )
    batch = frames.reshape((-1,) + frames.shape[-3:])
    return (image_quality._gradient_unit if gradient else image_quality._to_unit)(batch, value_range, name)


def _span(value_range):
    low, high = value_range
    return float(high) - float(low)


def psnr(predictions, targets, value_range=(-1.0, 1.0)):
    """Mean peak signal-to-noise ratio in dB over frames: `image_quality.psnr`, averaged.

    Args:
        predictions, targets: arrays `[N, H, W, C]` (or one frame).
        value_range: `(low, high)` of the frames. Defaults to `(-1.0, 1.0)`.

    A frame equal to its target counts as `10 log10(span^2 / MIN_MSE)` dB
    (the mean squared error floored at `MIN_MSE`), not infinity.
    """
    p, t = np.asarray(predictions), np.asarray(targets)
    if p.shape != t.shape:
        raise ValueError(f"`predictions` {p.shape} and `targets` {t.shape} must have one shape.")
    p, t = _as_batch(p, "predictions", value_range), _as_batch(t, "targets", value_range)
    # PSNR falls as the MSE rises: capping the dB is flooring the MSE.
    cap = 10.0 * np.log10(_span(value_range) ** 2 / MIN_MSE)
    per_frame = np.asarray(image_quality.psnr(t, p, (0.0, 1.0)), np.float64)
    return float(np.mean(np.minimum(per_frame, cap)))


def sharpness(frames, value_range=(-1.0, 1.0)):
    """Mean image-gradient magnitude `|dy| + |dx|` of frames `[N, H, W, C]`, in the frames' units.

    `image_quality.sharpness(frames, value_range, norm="abs")` (measured on
    the `[0, 1]` scale) times the width of `value_range`, averaged over
    frames. Blurry frames (averages of futures) have lower values than crisp ones.
    """
    frames = _as_batch(frames, "frames", value_range, gradient=True)
    per_frame = image_quality.sharpness(frames, (0.0, 1.0), norm="abs")
    return float(np.mean(per_frame)) * _span(value_range)


def sharpness_difference(predictions, targets, value_range=(-1.0, 1.0)):
    """Sharpness difference in dB (Mathieu et al. 2016): higher is closer in edges.

    `10 log10(span^2 / mean |(|dy_t| + |dx_t|) - (|dy_p| + |dx_p|)|)` per
    frame (`span` the width of `value_range`), averaged.
    """
    p, t = np.asarray(predictions), np.asarray(targets)
    if p.shape != t.shape:
        raise ValueError(f"`predictions` {p.shape} and `targets` {t.shape} must have one shape.")
    # was: no check, 8-bit frames scored (about -10 dB), NaN for 1-pixel frames
    p, t = (np.asarray(_as_batch(x, name, value_range, gradient=True), np.float64)
            for x, name in ((p, "predictions"), (t, "targets")))  # [N, H, W, C] on the [0, 1] scale
    diff = np.abs(image_quality.gradient_magnitude(t) - image_quality.gradient_magnitude(p)) * _span(value_range)
    diff = diff.reshape(diff.shape[0], -1).mean(axis=1)  # per frame, in the frames' units
    return float(np.mean(10.0 * np.log10(_span(value_range) ** 2 / np.maximum(diff, 1e-10))))
