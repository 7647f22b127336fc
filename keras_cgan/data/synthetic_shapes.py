"""Captioned shapes: "a red circle at the top left" -> that picture.

Made in code, no downloads. Each image holds one shape (circle, square or
triangle) in one colour in one quadrant, on a dark background; its size, its
place inside the quadrant and the background tint vary freely. Captions name
colour, shape and position, in one of two phrasings. Some combinations are
held out of training (`HELD_OUT`) so a model can be scored on captions it
never saw, made of words it did. `read_attributes` reads colour, shape and
position back off an image (used by `metrics.caption_accuracy`).

Example:

>>> from keras_cgan.data import synthetic_shapes
>>> captions, images, attrs = synthetic_shapes.load(4, seed=0)
>>> images.shape, captions[0]
((4, 24, 24, 3), 'a yellow square at the top left')
"""

import itertools

import numpy as np
from scipy import ndimage

from keras_cgan import checks

COLOURS = {"red": (230, 40, 40), "green": (40, 200, 60), "blue": (50, 90, 240), "yellow": (240, 220, 40)}
COLOUR_NAMES = tuple(COLOURS)
SHAPES = ("circle", "square", "triangle")
POSITIONS = ("top left", "top right", "bottom left", "bottom right")
TEMPLATES = ("a {colour} {shape} at the {position}", "{position} there is a {colour} {shape}")
ALL_COMBINATIONS = tuple(itertools.product(range(len(COLOUR_NAMES)), range(len(SHAPES)), range(len(POSITIONS))))
# Every word still appears in training; these 8 (colour, shape, position) triples never do.
HELD_OUT = tuple(c for c in ALL_COMBINATIONS if (c[0] + 2 * c[1] + 3 * c[2]) % 6 == 1)
TRAIN_COMBINATIONS = tuple(c for c in ALL_COMBINATIONS if c not in HELD_OUT)
_PALETTE = np.array(list(COLOURS.values()), "float32") / 127.5 - 1.0


def caption(colour, shape, position, template=0):
    """The caption of one `(colour, shape, position)` index triple."""
    return TEMPLATES[template].format(
        colour=COLOUR_NAMES[colour], shape=SHAPES[shape], position=POSITIONS[position]
    )


def _shape_mask(shape, rows, cols, top, left, extent):
    """Boolean mask of `shape` filling the box `[top, top+extent) x [left, left+extent)`."""
    r = (rows + 0.5 - top) / extent  # [0, 1] inside the box
    c = (cols + 0.5 - left) / extent
    inside = (r >= 0) & (r <= 1) & (c >= 0) & (c <= 1)
    if shape == 0:
        return ((r - 0.5) ** 2 + (c - 0.5) ** 2) <= 0.25
    if shape == 1:
        return inside
    return inside & (np.abs(c - 0.5) <= r / 2)  # apex up


def render(colour, shape, position, rng, size=24):
    """Draws one image `[size, size, 3]` in `[-1, 1]`."""
    rows, cols = np.mgrid[0:size, 0:size].astype("float32")
    half = size // 2
    image = np.empty((size, size, 3), "float32")
    image[:] = rng.uniform(0, 45, 3)
    extent = rng.uniform(0.7, 0.9) * half
    slack = max(half - extent - 1.0, 0.0)  # room to move inside the quadrant, half a pixel from its edges
    top = (position // 2) * half + 0.5 + rng.uniform(0, slack)
    left = (position % 2) * half + 0.5 + rng.uniform(0, slack)
    image[_shape_mask(shape, rows, cols, top, left, extent)] = COLOURS[COLOUR_NAMES[colour]]
    return (image / 127.5 - 1.0).astype("float32")


def load(n=4096, seed=0, size=24, combinations=None):
    """Returns `(captions [n] str, images [n, size, size, 3], attributes [n, 3])`.

    Args:
        n: int. Number of images.
        seed: int >= 0. Seed. Defaults to `0`.
        size: int. Image size (even). Defaults to `24`.
        combinations: `(colour, shape, position)` triples to draw from.
            Defaults to `TRAIN_COMBINATIONS` (held-out triples excluded).
    """
    if size < 8 or size % 2:
        raise ValueError(f"`size` must be an even number >= 8. Received: size={size}")
    n = checks.integer("n", n, low=1)
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    combinations = np.asarray(combinations if combinations is not None else TRAIN_COMBINATIONS)
    attributes = combinations[rng.integers(0, len(combinations), n)].astype("int32")
    templates = rng.integers(0, len(TEMPLATES), n)
    captions = [caption(*a, template=t) for a, t in zip(attributes, templates)]
    images = np.stack([render(*a, rng, size) for a in attributes])
    return captions, images, attributes


def read_attributes(images):
    """Reads `(colour, shape, position)` indices `[N]` off images `[N, S, S, 3]`.

    The background is each image's median colour; pixels far from it form
    blobs, and the largest (8-connected) blob is the shape, so a stray pixel
    of a generated image's background does not stretch the shape's box.
    Position is the quadrant of its centroid, colour the nearest palette
    colour to its mean, shape the template (circle, square, triangle in its
    bounding box) that overlaps it best.
    """
    images = np.asarray(images, "float32")
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"captioned shapes are [N, S, S, 3]; got {images.shape}")
    n, size = len(images), images.shape[1]
    rows, cols = np.mgrid[0:size, 0:size].astype("float32")
    colours, shapes, positions = (np.zeros(n, "int64") for _ in range(3))
    for i, image in enumerate(images):
        background = np.median(image.reshape(-1, 3), axis=0)
        mask = np.abs(image - background).sum(-1) > 0.8
        if not mask.any():
            colours[i] = shapes[i] = positions[i] = -1
            continue
        blobs, count = ndimage.label(mask, structure=np.ones((3, 3)))
        if count > 1:
            mask = blobs == 1 + np.argmax(np.bincount(blobs[mask])[1:])
        r, c = rows[mask], cols[mask]
        positions[i] = 2 * int(r.mean() >= size / 2) + int(c.mean() >= size / 2)
        colours[i] = np.argmin(((image[mask].mean(0) - _PALETTE) ** 2).sum(-1))
        top, left = r.min(), c.min()
        extent = max(r.max() - top, c.max() - left) + 1
        ious = []
        for s in range(len(SHAPES)):
            template = _shape_mask(s, rows, cols, top, left, extent)
            ious.append((template & mask).sum() / max((template | mask).sum(), 1))
        shapes[i] = int(np.argmax(ious))
    return colours, shapes, positions
