"""Callbacks that show what a generator makes while it trains."""

import os

import keras
import numpy as np


def image_grid(images, rows):
    """Tiles `images` `[N, H, W, C]` in `[-1, 1]` into one uint8 array, `rows` rows."""
    images = np.asarray(images, dtype="float32")
    n, h, w, c = images.shape
    cols = -(-n // rows)
    pad = 1
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), -1.0, "float32")
    for i, image in enumerate(images):
        r, col = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[top : top + h, left : left + w] = image
    grid = ((grid.clip(-1.0, 1.0) + 1.0) * 127.5).round().astype("uint8")
    return grid[..., 0] if c == 1 else grid


def save_image_grid(images, path, rows, scale=1):
    """Writes `images` in `[-1, 1]` as a PNG grid with `rows` rows; returns `path`."""
    from PIL import Image

    grid = Image.fromarray(image_grid(images, rows))
    if scale != 1:
        grid = grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    grid.save(path)
    return path


class SampleGrid(keras.callbacks.Callback):
    """Writes a grid of samples for fixed conditions and fixed noise.

    The generator runs in inference mode, so batch norm uses its moving
    statistics, as exports do.

    Args:
        conditions: array. One condition per sample, e.g.
            `np.repeat(np.arange(10), 8)` for one row of 8 per class.
        path: str. PNG path; `{epoch}` in it is filled in.
        rows: int. Rows of the grid.
        every: int. Write every `every` epochs (and after the last).
        seed: int. Seed of the fixed noise.
        scale: int. Nearest-neighbour upscaling of the PNG. Defaults to `1`.
    """

    def __init__(self, conditions, path, rows, every=10, seed=0, scale=1):
        super().__init__()
        self.conditions = np.asarray(conditions)
        self.path, self.rows, self.every, self.seed, self.scale = path, rows, every, seed, scale
        self.noise = None

    def _write(self, epoch):
        if self.model.noise_shape is not None and self.noise is None:
            shape = (len(self.conditions),) + tuple(self.model.noise_shape)
            self.noise = np.random.default_rng(self.seed).standard_normal(shape).astype("float32")
        images = self.model(self.conditions, training=False, noise=self.noise)
        save_image_grid(np.asarray(images), self.path.format(epoch=epoch + 1), self.rows, self.scale)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._write(epoch)

    def on_train_end(self, logs=None):
        self._write(self.params.get("epochs", 1) - 1)
