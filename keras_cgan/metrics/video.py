"""Frame metrics: mode split (one sprite vs a split one), PSNR and sharpness.

All functions take frames in `[-1, 1]` as numpy arrays `[..., H, W, C]`.

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

_EIGHT = np.ones((3, 3), bool)


def _gray(frame):
    frame = np.asarray(frame, np.float32)
    return frame.mean(axis=-1) if frame.ndim == 3 else frame


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
        frames: array `[N, H, W, C]`.
        **kwargs: passed to `count_sprites`.

    Returns:
        dict with `one_sprite`, `split`, `faded` (fractions summing to 1) and `count`.
    """
    kinds = [count_sprites(f, **kwargs) for f in np.asarray(frames)]
    n = max(len(kinds), 1)
    return {
        "one_sprite": kinds.count("one") / n,
        "split": kinds.count("split") / n,
        "faded": kinds.count("faded") / n,
        "count": len(kinds),
    }


def sprite_mask(frame, threshold=0.5):
    """Boolean `[H, W]` mask of the near-full-intensity pixels of one frame."""
    return _gray(frame) > threshold


def matches_future(frames, futures, threshold=0.5, min_overlap=0.5):
    """Fraction of frames whose one sprite sits where one of the possible futures has it.

    Args:
        frames: array `[N, H, W, C]` of predictions.
        futures: array `[N, F, H, W, C]`: the `F` possible true frames.
        threshold: float. Near-full intensity, as in `count_sprites`.
        min_overlap: float. Intersection over union of the predicted and the
            true sprite masks needed to match. Defaults to `0.5`.
    """
    frames, futures = np.asarray(frames), np.asarray(futures)
    hits = 0
    for frame, options in zip(frames, futures):
        pred = sprite_mask(frame, threshold)
        for option in options:
            true = sprite_mask(option, threshold)
            union = np.sum(pred | true)
            if union and np.sum(pred & true) / union >= min_overlap:
                hits += 1
                break
    return hits / max(len(frames), 1)


def intact_rollouts(rollouts, **kwargs):
    """Fraction of rollouts `[N, T, H, W, C]` with one sprite in every frame."""
    rollouts = np.asarray(rollouts)
    intact = [all(count_sprites(f, **kwargs) == "one" for f in clip) for clip in rollouts]
    return float(np.mean(intact))


def psnr(predictions, targets, max_val=2.0):
    """Mean peak signal-to-noise ratio in dB over frames `[N, H, W, C]`.

    Args:
        predictions, targets: arrays `[N, H, W, C]` (or one frame).
        max_val: float. The value range; `2.0` for `[-1, 1]`. Defaults to `2.0`.
    """
    p = np.asarray(predictions, np.float64)
    t = np.asarray(targets, np.float64)
    if p.shape != t.shape:
        raise ValueError(f"`predictions` {p.shape} and `targets` {t.shape} must have one shape.")
    if p.ndim == 3:
        p, t = p[None], t[None]
    mse = np.mean(np.square(p - t), axis=tuple(range(1, p.ndim)))
    return float(np.mean(10.0 * np.log10(max_val**2 / np.maximum(mse, 1e-10))))


def _gradients(frames):
    frames = np.asarray(frames, np.float64)
    dy = np.abs(np.diff(frames, axis=-3))[..., :, :-1, :]  # [N, H-1, W-1, C]
    dx = np.abs(np.diff(frames, axis=-2))[..., :-1, :, :]
    return dy, dx


def sharpness(frames):
    """Mean image-gradient magnitude `|dy| + |dx|` of frames `[N, H, W, C]`.

    Blurry frames (averages of futures) have lower values than crisp ones.
    """
    dy, dx = _gradients(frames)
    return float(np.mean(dy + dx))


def sharpness_difference(predictions, targets, max_val=2.0):
    """Sharpness difference in dB (Mathieu et al. 2016): higher is closer in edges.

    `10 log10(max_val^2 / mean |(|dy_t| + |dx_t|) - (|dy_p| + |dx_p|)|)` per
    frame, averaged.
    """
    pdy, pdx = _gradients(predictions)
    tdy, tdx = _gradients(targets)
    diff = np.abs((tdy + tdx) - (pdy + pdx))
    diff = diff.reshape(diff.shape[0], -1).mean(axis=1) if diff.ndim == 4 else diff.mean()[None]
    return float(np.mean(10.0 * np.log10(max_val**2 / np.maximum(diff, 1e-10))))
