"""Tag faces: cartoon faces whose hair colour and eye colour are their tags.

Made in code, no downloads. Every face is drawn on a 16x16 grid (scaled up by
whole pixels for `size=32`, ...): a background, a head with one of three skin
tones, hair of one of two styles and a mouth vary freely (so a collapsed
generator is visible); the hair colour and the colour of *both* eyes are set
by the tags, e.g. `["blue hair", "red eyes"]`. The hair core and the two eyes
sit at fixed places, so a generated face can be read back per attribute
(`read_attributes`, used by `metrics.tag_face_accuracy`).

Example:

>>> from keras_cgan.data import synthetic_faces
>>> tags, images, hair, eyes = synthetic_faces.load(8, seed=0)
>>> tags.shape, images.shape, synthetic_faces.VOCABULARY[int(hair[0])]
((8, 12), (8, 16, 16, 3), 'purple hair')
"""

import numpy as np

from keras_cgan import checks

GRID = 16  # the side every face is drawn on, scaled up by whole pixels

COLOURS = {
    "black": (25, 25, 25),
    "red": (220, 30, 30),
    "blue": (30, 70, 230),
    "green": (30, 170, 50),
    "yellow": (245, 215, 40),
    "purple": (150, 40, 200),
}
COLOUR_NAMES = tuple(COLOURS)
HAIR_TAGS = tuple(f"{c} hair" for c in COLOUR_NAMES)
EYE_TAGS = tuple(f"{c} eyes" for c in COLOUR_NAMES)
VOCABULARY = HAIR_TAGS + EYE_TAGS
_PALETTE = np.array(list(COLOURS.values()), "float32") / 127.5 - 1.0  # [6, 3] in [-1, 1]
_SKINS = np.array([(250, 215, 185), (225, 175, 135), (190, 140, 100)], "float32")
_BACKGROUNDS = np.array(
    [(200, 225, 240), (235, 220, 240), (215, 240, 215), (240, 235, 200), (225, 225, 225)], "float32"
)

# Regions on the 16x16 grid: (row0, row1, col0, col1), end-exclusive.
HAIR_CORE = (1, 3, 5, 11)
LEFT_EYE = (8, 10, 4, 6)
RIGHT_EYE = (8, 10, 10, 12)


def condition(mismatch="other"):
    """The `TagsCondition` over the 12 tags (6 hair then 6 eye colours); `mismatch` as `TagsCondition`'s."""
    from keras_cgan.conditions import TagsCondition

    return TagsCondition(list(VOCABULARY), mismatch=mismatch)


def size_problem(size):
    """Why faces cannot be drawn `size` pixels a side, as text; `None` if they can (a multiple of `GRID`).

    The rule `render` holds `size` to, without TensorFlow: `keras-cgan
    train stack_gan` checks its `--size` with it before TensorFlow is
    imported.

    >>> size_problem(32) is None
    True
    >>> print(size_problem(24))
    faces are drawn on a 16x16 grid scaled up by whole pixels, at multiples of 16
    """
    if checks.is_integer(size) and size >= GRID and size % GRID == 0:
        return None
    return f"faces are drawn on a {GRID}x{GRID} grid scaled up by whole pixels, at multiples of {GRID}"


def tags_of(hair, eyes):
    """Multi-hot `[N, 12]` for hair and eye colour indices `[N]`."""
    hair, eyes = np.asarray(hair).reshape(-1), np.asarray(eyes).reshape(-1)
    out = np.zeros((len(hair), len(VOCABULARY)), "float32")
    out[np.arange(len(hair)), hair] = 1.0
    out[np.arange(len(eyes)), len(HAIR_TAGS) + eyes] = 1.0
    return out


def render(hair, eyes, rng, size=16):
    """Draws one face in `[-1, 1]`, `[size, size, 3]`.

    Args:
        hair: int. Hair colour index into `COLOUR_NAMES`.
        eyes: int. Eye colour index.
        rng: `np.random.Generator` for everything the tags leave free.
        size: int. A multiple of 16. Defaults to `16`.
    """
    rows, cols = np.mgrid[0:16, 0:16]
    canvas = np.empty((16, 16, 3), "float32")
    canvas[:] = _BACKGROUNDS[rng.integers(len(_BACKGROUNDS))] + rng.uniform(-15, 15, 3)
    head = ((rows - 9.0) / 6.2) ** 2 + ((cols - 7.5) / rng.uniform(5.4, 6.4)) ** 2 <= 1.0
    canvas[head] = _SKINS[rng.integers(len(_SKINS))]
    hair_colour = np.array(COLOURS[COLOUR_NAMES[hair]], "float32")
    top = rng.integers(0, 2)
    cap = ((rows - 6.0) / 5.5) ** 2 + ((cols - 7.5) / 6.8) ** 2 <= 1.0
    fringe = rows <= 5 - (np.abs(cols - 7.5) < rng.uniform(1.0, 3.5)) * rng.integers(0, 2)
    hair_mask = cap & fringe & (rows >= top)
    if rng.random() < 0.5:  # long hair: locks down the sides
        hair_mask |= (rows >= 3) & (rows <= 13) & ((cols <= 1) | (cols >= 14))
    canvas[hair_mask] = hair_colour
    r0, r1, c0, c1 = HAIR_CORE
    canvas[r0:r1, c0:c1] = hair_colour
    eye_colour = np.array(COLOURS[COLOUR_NAMES[eyes]], "float32")
    for r0, r1, c0, c1 in (LEFT_EYE, RIGHT_EYE):
        canvas[r0:r1, c0:c1] = eye_colour
    width = rng.integers(1, 3)
    canvas[12 + rng.integers(0, 2), 8 - width : 8 + width] = (170, 50, 60)
    image = canvas / 127.5 - 1.0
    if size != GRID:
        problem = size_problem(size)
        if problem:
            raise ValueError(f"`size`: {problem}; give one (16, 32, ...). Received: size={size!r}")
        image = np.repeat(np.repeat(image, size // GRID, 0), size // GRID, 1)
    return image.clip(-1.0, 1.0).astype("float32")


def load(n=4096, seed=0, size=16, pairs=None):
    """Returns `(tags [n, 12], images [n, size, size, 3], hair [n], eyes [n])`.

    Args:
        n: int. Number of faces; hair and eye colours are drawn uniformly.
        seed: int >= 0. Seed. Defaults to `0`.
        size: int. Image size, a multiple of 16. Defaults to `16`.
        pairs: optional `(hair, eyes)` index arrays to draw instead.
    """
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    if pairs is None:
        hair = rng.integers(0, len(COLOUR_NAMES), n)
        eyes = rng.integers(0, len(COLOUR_NAMES), n)
    else:
        hair, eyes = (np.asarray(p).reshape(-1) for p in pairs)
    images = np.stack([render(h, e, rng, size) for h, e in zip(hair, eyes)])
    return tags_of(hair, eyes), images, hair.astype("int32"), eyes.astype("int32")


def dataset(batch_size=64, n=4096, seed=0, size=16):
    """A shuffled `tf.data.Dataset` of `(tags, image)` batches for `fit` (whole batches: `batch_size <= n`)."""
    import tensorflow as tf

    n = checks.integer("n", n, low=1)
    batch_size = checks.integer("batch_size", batch_size, low=1, high=n)
    tags, images, _, _ = load(n, seed, size)
    ds = tf.data.Dataset.from_tensor_slices((tags, images)).cache()
    ds = ds.shuffle(len(tags), seed=seed).batch(batch_size, drop_remainder=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def grid_pairs():
    """`(hair, eyes)` of the 36 combinations, hair by row, eyes by column."""
    hair, eyes = np.meshgrid(np.arange(len(COLOUR_NAMES)), np.arange(len(COLOUR_NAMES)), indexing="ij")
    return hair.reshape(-1), eyes.reshape(-1)


def _nearest_colour(pixels):
    """Index of the nearest palette colour to each mean colour `[N, 3]`."""
    return np.argmin(((pixels[:, None, :] - _PALETTE[None]) ** 2).sum(-1), axis=1)


def read_attributes(images):
    """Reads `(hair, left_eye, right_eye)` colour indices `[N]` off faces `[N, S, S, 3]`.

    Each region's mean colour is matched to the nearest palette colour.
    """
    images = np.asarray(images, "float32")
    if images.ndim != 4 or images.shape[-1] != 3 or images.shape[1] % 16 or images.shape[1] != images.shape[2]:
        raise ValueError(f"tag faces are [N, S, S, 3] with S a multiple of 16; got {images.shape}")
    k = images.shape[1] // 16

    def mean(region):
        r0, r1, c0, c1 = region
        return images[:, r0 * k : r1 * k, c0 * k : c1 * k].mean(axis=(1, 2))

    return tuple(_nearest_colour(mean(region)) for region in (HAIR_CORE, LEFT_EYE, RIGHT_EYE))
