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


class StopOnNaN(keras.callbacks.Callback):
    """Stops training at the first NaN or Inf in any logged loss.

    It raises instead of setting `stop_training`, so `on_train_end` does not
    run and a `keras.callbacks.BackupAndRestore` checkpoint from the last good
    epoch stays on disk for the next run.

    Example:

    >>> callbacks = [keras.callbacks.BackupAndRestore("runs/backup"), StopOnNaN()]
    """

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            value = np.asarray(value, dtype="float64")
            if not np.all(np.isfinite(value)):
                raise FloatingPointError(
                    f"`{name}` became {value.ravel()[0]} at batch {batch}; training stopped. "
                    "Checkpoints written before this batch are kept: lower the learning "
                    "rates or check the data, then run the same command again to resume."
                )


class GeneratorEMA(keras.callbacks.Callback):
    """Keeps an exponential moving average of the generator's weights.

    After each batch, `ema = decay * ema + (1 - decay) * weights` for every
    generator weight (batch-norm statistics included). `ema_generator()`
    returns a copy of the generator holding the averaged weights, for sampling
    and export; averaged generators usually make cleaner samples
    (Karras et al. 2018; Yazici et al. 2019).

    Args:
        decay: float in `[0, 1)`. Defaults to `0.999`.

    Example:

    >>> ema = GeneratorEMA(0.99)
    >>> # gan.fit(ds, callbacks=[ema]); ema.ema_generator().save("g_ema.keras")
    """

    def __init__(self, decay=0.999):
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"`decay` must be in [0, 1). Received: decay={decay}")
        self.decay = decay
        self.average = None

    def on_train_begin(self, logs=None):
        if self.average is None:
            self.average = [np.asarray(w, dtype="float64") for w in self.model.generator.get_weights()]

    def on_train_batch_end(self, batch, logs=None):
        for average, weight in zip(self.average, self.model.generator.get_weights()):
            average *= self.decay
            average += (1.0 - self.decay) * np.asarray(weight, dtype="float64")

    def ema_generator(self):
        """A copy of the generator with the averaged weights."""
        generator = self.model.generator
        copy = generator.__class__.from_config(generator.get_config())
        copy.set_weights([a.astype(w.dtype) for a, w in zip(self.average, generator.get_weights())])
        return copy
