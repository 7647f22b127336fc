"""Offline image-to-image pairs for examples and tests (no downloads).

Three tasks, each returning `(conditions, targets)` as float32 arrays in
`[-1, 1]`, shapes `[N, size, size, C]`:

* `edges2photo`: Canny edges (black on white, 1 channel) -> RGB crop of a
  photograph shipped with scikit-image;
* `gray2color`: grayscale crop (1 channel) -> the RGB crop;
* `labels2facade`: a colour-coded label map of sky / wall / window / door
  (3 channels) -> a rendered facade (3 channels). The label map fixes the
  layout; wall colour, brick size and phase, glass tint and reflections and
  door planks are drawn per sample and cannot be read from the labels, so an
  L1 model can only predict their median: flat, textureless walls.

Example:

>>> from keras_cgan.data import synthetic_images
>>> labels, facades = synthetic_images.labels2facade(4, size=32, seed=0)
>>> labels.shape, facades.shape, float(facades.min()) >= -1, float(facades.max()) <= 1
((4, 32, 32, 3), (4, 32, 32, 3), True, True)
"""

import numpy as np

from keras_cgan import checks

TASKS = ("edges2photo", "gray2color", "labels2facade")
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "retina")

# Label colours of labels2facade, in [0, 1] (after the CMP facade palette).
LABEL_COLORS = {
    "sky": (0.0, 0.0, 0.67),
    "wall": (0.0, 0.33, 1.0),
    "window": (0.0, 0.75, 1.0),
    "door": (1.0, 0.67, 0.0),
}
_WALL_COLORS = np.array(
    [[0.62, 0.26, 0.18], [0.80, 0.72, 0.55], [0.55, 0.55, 0.55], [0.85, 0.75, 0.35], [0.45, 0.30, 0.22]]
)


def _check(num, size):
    checks.integer("num", num, low=1)
    checks.integer("size", size, low=8)


def _to_signed(x):
    return (np.clip(x, 0.0, 1.0) * 2.0 - 1.0).astype("float32")


def photo_crops(num, size=64, seed=0, photos=PHOTOS):
    """Random square crops (random scale, mirror) of scikit-image's sample photographs.

    Returns float32 RGB `[num, size, size, 3]` in `[0, 1]`.
    """
    import skimage.data
    from skimage.transform import resize

    _check(num, size)
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    images = []
    for name in photos:
        if name not in PHOTOS:
            raise ValueError(f"`photos` must be taken from {PHOTOS}. Received: {name!r}")
        images.append(getattr(skimage.data, name)()[..., :3].astype("float32") / 255.0)
    crops = np.empty((num, size, size, 3), "float32")
    for i in range(num):
        image = images[rng.integers(len(images))]
        height, width = image.shape[:2]
        side = int(rng.integers(size, max(size + 1, min(height, width, 3 * size))))
        top, left = rng.integers(height - side + 1), rng.integers(width - side + 1)
        crop = image[top : top + side, left : left + side]
        if side != size:
            crop = resize(crop, (size, size), anti_aliasing=True)
        crops[i] = crop[:, ::-1] if rng.random() < 0.5 else crop
    return crops


def gray2color(num, size=64, seed=0, photos=PHOTOS):
    """Grayscale crops `[N, size, size, 1]` -> the colour crops `[N, size, size, 3]`."""
    from skimage.color import rgb2gray

    color = photo_crops(num, size, seed, photos)
    gray = rgb2gray(color)[..., None]
    return _to_signed(gray), _to_signed(color)


def edges2photo(num, size=64, seed=0, photos=PHOTOS, sigma=1.5):
    """Canny edge maps (black edges on white) `[N, size, size, 1]` -> colour crops."""
    from skimage.color import rgb2gray
    from skimage.feature import canny

    color = photo_crops(num, size, seed, photos)
    edges = np.stack([canny(rgb2gray(c), sigma=sigma) for c in color])
    return _to_signed(1.0 - edges[..., None].astype("float32")), _to_signed(color)


def _facade(size, rng):
    """One (label map, rendered facade) pair, both `[size, size, 3]` in [0, 1]."""
    s = size / 64.0  # geometry is designed at 64x64 and scaled
    labels = np.zeros((size, size), "int32")  # 0 sky, 1 wall, 2 window, 3 door
    top = int(rng.integers(int(4 * s), int(16 * s) + 1))
    left, right = int(rng.integers(0, int(6 * s) + 1)), size - int(rng.integers(0, int(6 * s) + 1))
    labels[top:, left:right] = 1
    # Door on the ground floor, then a regular grid of windows above it.
    door_w, door_h = int(rng.integers(int(7 * s), int(11 * s) + 1)), int(rng.integers(int(12 * s), int(17 * s) + 1))
    door_x = int(rng.integers(left + int(2 * s), max(left + int(2 * s) + 1, right - door_w - int(2 * s))))
    labels[size - door_h :, door_x : door_x + door_w] = 3
    rows, cols = int(rng.integers(2, 4)), int(rng.integers(2, 5))
    span_h, span_w = size - door_h - int(3 * s) - top, right - left
    cell_h, cell_w = span_h / rows, span_w / cols
    win_h = max(2, int(cell_h * rng.uniform(0.45, 0.7)))
    win_w = max(2, int(cell_w * rng.uniform(0.35, 0.6)))
    for r in range(rows):
        for c in range(cols):
            y = int(top + r * cell_h + (cell_h - win_h) / 2)
            x = int(left + c * cell_w + (cell_w - win_w) / 2)
            labels[y : y + win_h, x : x + win_w] = 2

    yy, xx = np.mgrid[0:size, 0:size].astype("float32")
    image = np.zeros((size, size, 3), "float32")
    # Sky: a vertical gradient of random tint.
    sky = rng.uniform([0.45, 0.6, 0.8], [0.7, 0.8, 1.0])
    image[:] = sky * (1.0 - 0.3 * yy[..., None] / size)
    # Wall: random colour and brick texture of random size and phase.
    wall = _WALL_COLORS[rng.integers(len(_WALL_COLORS))] * rng.uniform(0.8, 1.15)
    brick_h = int(rng.integers(3, 6) * max(1.0, s))
    brick_w = 2 * brick_h + int(rng.integers(0, 3))
    phase_y, phase_x = rng.integers(brick_h), rng.integers(brick_w)
    row = ((yy + phase_y) // brick_h).astype("int32")
    mortar = ((yy + phase_y) % brick_h < 1) | ((xx + phase_x + (row % 2) * brick_w // 2) % brick_w < 1)
    shade = rng.uniform(0.85, 1.1, size=(row.max() + 2, size // brick_w + 3))
    brick_id = ((xx + phase_x + (row % 2) * brick_w // 2) // brick_w).astype("int32")
    brick = wall * shade[row, brick_id][..., None]
    wall_image = np.where(mortar[..., None], rng.uniform(0.75, 0.95) * np.ones(3), brick)
    wall_image += rng.normal(0.0, 0.03, wall_image.shape)
    # Windows: tinted glass with a diagonal reflection of random position.
    glass = rng.uniform([0.05, 0.1, 0.15], [0.3, 0.35, 0.5])
    shine = np.abs(((xx + yy + rng.uniform(0, 12 * s)) % (12 * s)) - 6 * s) < 1.2 * s
    glass_image = glass + 0.35 * shine[..., None] + rng.normal(0.0, 0.02, (size, size, 3))
    # Door: wood of random colour with vertical planks of random width.
    wood = rng.uniform([0.3, 0.15, 0.05], [0.55, 0.35, 0.15])
    plank = int(rng.integers(2, 4) * max(1.0, s))
    planks = ((xx + rng.integers(plank)) % plank < 1)[..., None]
    door_image = wood * np.where(planks, 0.6, 1.0) + rng.normal(0.0, 0.02, (size, size, 3))
    for value, layer in ((1, wall_image), (2, glass_image), (3, door_image)):
        image = np.where((labels == value)[..., None], layer, image)
    palette = np.array([LABEL_COLORS[k] for k in ("sky", "wall", "window", "door")], "float32")
    return palette[labels], np.clip(image, 0.0, 1.0)


def labels2facade(num, size=64, seed=0):
    """Label maps `[N, size, size, 3]` -> rendered facades `[N, size, size, 3]`."""
    _check(num, size)
    rng = np.random.default_rng(checks.integer("seed", seed, low=0))
    pairs = [_facade(int(size), rng) for _ in range(int(num))]
    return _to_signed(np.stack([p[0] for p in pairs])), _to_signed(np.stack([p[1] for p in pairs]))


def make_task(task, num, size=64, seed=0):
    """`(conditions, targets)` of one of `TASKS`."""
    if task not in TASKS:
        raise ValueError(f"`task` must be one of {TASKS}. Received: task={task!r}")
    return {"edges2photo": edges2photo, "gray2color": gray2color, "labels2facade": labels2facade}[task](
        num, size=size, seed=seed
    )
