"""Synthetic video made in code: the junction sprite and bouncing digits.

The *junction* clips are the lecture's ambiguous future: a sprite runs up a
corridor into a T-junction and turns left or right with equal probability.
Nothing before the junction tells which way it will go, so a regression model
can only predict the average of both futures (a sprite split in two), while a
GAN must commit to one branch.

Every clip varies its layout (junction place, arm lengths, corridor margin,
orientation: the stem may come from any side), speed, start position and
sprite shape, and comes with its ground truth: sprite positions, branch taken
and the index of the junction frame.

Pixel values are in `[-1, 1]`: walls `-1`, corridor floor `FLOOR`, sprite `1`.

Example:

>>> from keras_cgan.data import synthetic_video
>>> clips = synthetic_video.junction_clips(8, size=16, length=14, seed=0)
>>> clips.frames.shape, bool(clips.junction_frame.min() >= 4)
((8, 14, 16, 16, 1), True)
"""

import collections

import numpy as np

from keras_cgan import checks

WALL, FLOOR, SPRITE = -1.0, -0.5, 1.0

# Sprite shapes as boolean masks (all fit in 3x3 or smaller).
SPRITES = {
    "square2": np.ones((2, 2), bool),
    "square3": np.ones((3, 3), bool),
    "plus": np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool),
    "pacman": np.array([[1, 1, 1], [1, 1, 0], [1, 1, 1]], bool),
    "bar": np.array([[1, 1, 1], [1, 1, 1]], bool),
}

JunctionClips = collections.namedtuple(
    "JunctionClips", ["frames", "positions", "branch", "junction_frame", "sprite"]
)
JunctionClips.__doc__ = """Junction clips and their ground truth.

Fields:
    frames: float32 `[N, T, H, W, 1]` in `[-1, 1]`.
    positions: int `[N, T, 2]`. Row and column of the sprite's top-left
        corner in every frame (after the clip's rotation, of its bounding box).
    branch: int `[N]`. `0` or `1`: which arm the sprite took.
    junction_frame: int `[N]`. Index of the first frame whose content depends
        on the branch; frames before it carry no information about it.
    sprite: list of str. The sprite shape of each clip (keys of `SPRITES`).
"""


def _canonical_path(rng, size, mask, speed, length, context_frames):
    """Draws a T layout whose stem points down and the sprite's path up it.

    Returns `(path_left, path_right, junction_frame, margin)`, where a path is
    an `[length, 2]` array of top-left sprite positions.
    """
    h, w = mask.shape
    stem_frames = rng.integers(context_frames - 1, context_frames + 3)  # frames before reaching J
    # The junction row leaves room for the stem below it inside the frame.
    max_row = size - 1 - h - stem_frames * speed
    if max_row < 1:
        stem_frames = (size - 2 - h) // speed
        max_row = size - 1 - h - stem_frames * speed
    row_j = rng.integers(1, max_row + 1)
    min_arm = speed + 1  # each arm takes at least one full step past J
    col_j = rng.integers(1 + min_arm, size - 1 - w - min_arm + 1)
    left_end = rng.integers(1, col_j - min_arm + 1)
    right_end = rng.integers(col_j + min_arm, size - 1 - w + 1)
    paths = []
    for end in (left_end, right_end):
        path = []
        for t in range(length):
            if t <= stem_frames:
                path.append((row_j + (stem_frames - t) * speed, col_j))
            else:
                step = (t - stem_frames) * speed
                col = max(col_j - step, end) if end < col_j else min(col_j + step, end)
                path.append((row_j, col))
        paths.append(np.array(path))
    return paths[0], paths[1], stem_frames + 1


def _draw(size, mask, path_a, path_b, margin, position):
    """Renders one frame: corridor covering both paths, sprite at `position`."""
    h, w = mask.shape
    frame = np.full((size, size), WALL, np.float32)
    for r, c in np.concatenate([path_a, path_b]):
        frame[max(r - margin, 0) : r + h + margin, max(c - margin, 0) : c + w + margin] = FLOOR
    # Fill the straight corridor between consecutive path points.
    for path in (path_a, path_b):
        for (r0, c0), (r1, c1) in zip(path[:-1], path[1:]):
            rs, cs = sorted((r0, r1)), sorted((c0, c1))
            frame[max(rs[0] - margin, 0) : rs[1] + h + margin, max(cs[0] - margin, 0) : cs[1] + w + margin] = FLOOR
    r, c = position
    window = frame[r : r + h, c : c + w]
    window[mask] = SPRITE
    return frame


def junction_clips(
    num_clips, size=16, length=14, context_frames=4, speeds=(2, 3), sprites=None, branch=None, seed=None
):
    """Makes clips of a sprite turning left or right at a T-junction.

    The sprite moves `speed` pixels a frame up a corridor, reaches the
    junction at frame `junction_frame - 1`, then turns into the left or right
    arm (equal odds, independent of everything else) and stops at the arm's
    dead end. At the junction frame the two possible sprites are at least
    `2 * speed - 3 >= 1` pixels apart, so their average is two faint blobs.

    Args:
        num_clips: int. Number of clips.
        size: int. Frame height and width (at least 16). Defaults to `16`.
        length: int. Frames per clip, at least `context_frames + 4`.
            Defaults to `14`.
        context_frames: int. The clip starts at least `context_frames`
            frames before the junction frame; at most
            `max_context_frames(size, speeds, sprites)`. Defaults to `4`.
        speeds: tuple of int. Speeds (pixels per frame) drawn from, each >= 2
            and at most `(size - 7) // 2` (`(size - 6) // 2` with sprites 2
            pixels wide only). Defaults to `(2, 3)`.
        sprites: list of str. Sprite shapes drawn from (keys of `SPRITES`).
            Defaults to all of them.
        branch: int or None. Force every clip into arm `0` or `1`; the rest
            of each clip is as without it, so the same seed with `branch=0`
            and `branch=1` gives both futures of the same clips. Defaults to
            `None` (a fair coin per clip).
        seed: int >= 0 or None. Random seed (None: a fresh one). Defaults to
            `None`.

    Returns:
        `JunctionClips`.
    """
    sprites = list(sprites or SPRITES)
    for name in sprites:
        if name not in SPRITES:
            raise ValueError(f"Unknown sprite {name!r}; choose from {sorted(SPRITES)}.")
    if branch not in (None, 0, 1):
        raise ValueError(f"`branch` must be None, 0 or 1. Received: branch={branch!r}")
    problem = junction_problem(size, context_frames, length, speeds, sprites)
    if problem:
        raise ValueError(f"{problem}.")
    seed = checks.integer("seed", seed, low=0, optional=True)
    rng = np.random.default_rng(seed)
    frames = np.empty((num_clips, length, size, size, 1), np.float32)
    positions = np.empty((num_clips, length, 2), np.int64)
    coin = rng.integers(0, 2, num_clips)
    branch = coin if branch is None else np.full(num_clips, branch)
    junction = np.empty(num_clips, np.int64)
    names = []
    for i in range(num_clips):
        name = sprites[rng.integers(len(sprites))]
        mask = SPRITES[name]
        speed = int(rng.choice(speeds))
        margin = int(rng.integers(0, 2))
        left, right, junction[i] = _canonical_path(rng, size, mask, speed, length, context_frames)
        path = (left, right)[branch[i]]
        clip = np.stack([_draw(size, mask, left, right, margin, p) for p in path])
        # Orientation: rotate the whole clip so the stem may come from any side.
        turns = int(rng.integers(4))
        clip = np.rot90(clip, turns, axes=(1, 2))
        frames[i, ..., 0] = clip
        positions[i] = _rotate_positions(path, mask.shape, size, turns)
        names.append(name)
    return JunctionClips(frames, positions, branch, junction, names)


def max_context_frames(size, speeds=(2, 3), sprites=None):
    """The most `context_frames` `junction_clips` can put before the junction.

    The sprite runs up the corridor below the junction for the context
    frames; the tallest sprite at the fastest speed needs the most rows.

    Args:
        size: int. Frame height and width.
        speeds: tuple of int. Speeds the clips draw from. Defaults to `(2, 3)`.
        sprites: list of str. Sprite shapes drawn from. Defaults to all.

    Returns:
        int.

    Example:

    >>> max_context_frames(16), max_context_frames(24)
    (4, 7)
    """
    rows = max(SPRITES[name].shape[0] for name in sprites or SPRITES)
    return (size - 2 - rows) // max(speeds) + 1


_KEYWORDS = {"size": "size=", "context_frames": "context_frames=", "length": "length=", "speeds": "speeds="}


def junction_problem(size, context_frames, length, speeds=(2, 3), sprites=None, names=None):
    """Why `junction_clips` cannot make clips of these values (its arguments), as text; `None` if it can.

    The text starts with the argument at fault and its value, and says what
    to give instead. `names` words the arguments as the caller takes them: a
    dict from `"size"`, `"context_frames"`, `"length"` and `"speeds"` to the
    name a value follows, after a space (`"--size"`) or directly when it ends
    in `=` (`"--set context="`); the others keep `junction_clips`' keywords
    (`"size="`). A `length` named `None` is fixed: a context it is too short
    for is then the context's problem.

    >>> junction_problem(16, 4, 14) is None
    True
    >>> print(junction_problem(16, 4, 6, names={"length": "--length", "context_frames": "--context"}))
    --length 6: junction clips with --context 4 need at least 8 frames (the junction frame can be the 4th
    after the context); give --length 8 or more, or --context 2 or less
    """
    names = {**_KEYWORDS, **(names or {})}

    def given(argument, value):
        name = names[argument]
        return f"{name}{value}" if name.endswith("=") else f"{name} {value}"

    size_name = names["size"].rstrip("=")
    if size < 16:
        return f"{given('size', size)}: junction clips are at least 16 pixels a side; give {given('size', 16)} or more"
    try:
        fastest = max(checks.integers("speeds", speeds, low=2))
    except ValueError:  # empty, not ints, or too slow for the branches to separate
        return f"{given('speeds', speeds)}: give one or more int speeds (pixels a frame), each >= 2"
    # Each arm runs at least one step past the junction, its end a pixel inside the frame.
    widest = max(SPRITES[name].shape[1] for name in sprites or SPRITES)
    if size < 2 * fastest + widest + 4:
        return (
            f"{given('speeds', speeds)}: speeds up to {fastest} need a {size_name} of at least "
            f"{2 * fastest + widest + 4} for sprites {widest} pixels wide (each arm of the junction takes a full "
            f"step); at {given('size', size)} give speeds up to {(size - widest - 4) // 2}, or a larger {size_name}"
        )
    if not checks.is_integer(context_frames) or context_frames < 1:
        return f"{given('context_frames', context_frames)}: give an int of 1 or more context frames"
    room = max_context_frames(size, speeds, sprites)  # a longer context would cut the stem short
    size_bounds = names["length"] is not None or room < length - 4  # else the fixed length bounds the context
    longest = room if size_bounds else length - 4
    if context_frames > longest:
        clips = f"junction clips of {given('size', size)}" + ("" if size_bounds else f" and {length} frames")
        more = f"; a larger {size_name} makes room for more" if size_bounds else ""
        return (
            f"{given('context_frames', context_frames)}: {clips} have room for 1 to {longest} context frames "
            f"before the junction{more}"
        )
    if length < context_frames + 4:  # the junction frame comes up to 3 frames after the context
        fewer = f", or {given('context_frames', length - 4)} or less" if length > 4 else ""
        return (
            f"{given('length', length)}: junction clips with {given('context_frames', context_frames)} need at least "
            f"{context_frames + 4} frames (the junction frame can be the 4th after the context); give "
            f"{given('length', context_frames + 4)} or more{fewer}"
        )
    return None


def _rotate_positions(path, shape, size, turns):
    """Top-left corners after `np.rot90(..., turns)` (counter-clockwise)."""
    h, w = shape
    path = np.array(path)
    for _ in range(turns):
        r, c = path[:, 0], path[:, 1]
        path = np.stack([size - (c + w), r], axis=1)  # a box [r, r+h) x [c, c+w) -> rows [S-c-w, S-c)
        h, w = w, h
    return path


def bouncing_digits(num_clips, size=24, length=12, speed=(1, 3), seed=None):
    """Makes clips of one scikit-learn digit bouncing inside the frame.

    Each clip takes a random 8x8 digit from `sklearn.datasets.load_digits`
    (shipped with scikit-learn, no download) and moves it with a constant
    velocity, reflecting off the borders.

    Args:
        num_clips: int. Number of clips.
        size: int. Frame height and width (at least 10). Defaults to `24`.
        length: int. Frames per clip. Defaults to `12`.
        speed: tuple. `(min, max)` pixels per frame along each axis.
            Defaults to `(1, 3)`.
        seed: int >= 0 or None. Random seed (None: a fresh one). Defaults to
            `None`.

    Returns:
        float32 `[num_clips, length, size, size, 1]` in `[-1, 1]`.
    """
    from sklearn.datasets import load_digits

    if size < 10:
        raise ValueError(f"`size` must be at least 10. Received: size={size}")
    seed = checks.integer("seed", seed, low=0, optional=True)
    digits = load_digits().images.astype(np.float32) / 16.0  # [1797, 8, 8] in [0, 1]
    rng = np.random.default_rng(seed)
    clips = np.full((num_clips, length, size, size, 1), -1.0, np.float32)
    span = size - 8
    for i in range(num_clips):
        digit = digits[rng.integers(len(digits))] * 2.0 - 1.0
        pos = rng.uniform(0, span, 2)
        vel = rng.uniform(speed[0], speed[1], 2) * rng.choice([-1, 1], 2)
        for t in range(length):
            r, c = np.round(pos).astype(int)
            clips[i, t, r : r + 8, c : c + 8, 0] = np.maximum(clips[i, t, r : r + 8, c : c + 8, 0], digit)
            pos = pos + vel
            for axis in range(2):  # reflect off the borders, more than once when a step is longer than `span`
                while not 0 <= pos[axis] <= span:
                    if pos[axis] < 0:
                        pos[axis], vel[axis] = -pos[axis], -vel[axis]
                    else:
                        pos[axis], vel[axis] = 2 * span - pos[axis], -vel[axis]
    return clips
