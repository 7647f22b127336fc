import os

import keras
import numpy as np
import pytest
from PIL import Image

from keras_cgan import ConditionalGAN, networks
from keras_cgan.callbacks import GeneratorEMA, SampleGrid, StopOnNaN, image_grid


def make_gan():
    g = networks.conditional_generator((8, 8, 1), 4, latent_dim=4, base_filters=8)
    d = networks.conditional_discriminator((8, 8, 1), 4, base_filters=8)
    gan = ConditionalGAN(g, d, condition=4, seed=0)
    gan.compile()
    return gan


def data():
    rng = np.random.default_rng(0)
    return np.arange(16) % 4, rng.uniform(-1, 1, (16, 8, 8, 1)).astype("float32")


def test_image_grid_places_images_row_by_row():
    images = np.stack([np.full((2, 2, 1), v) for v in (-1.0, 1.0, 1.0)])
    grid = image_grid(images, rows=2)
    assert grid.shape == (2 * 3 + 1, 2 * 3 + 1)
    assert grid[1, 1] == 0 and grid[1, 4] == 255 and grid[4, 1] == 255 and grid[4, 4] == 0


def test_sample_grid_writes_a_png_per_period(tmp_path):
    gan = make_gan()
    labels, images = data()
    path = str(tmp_path / "grid_{epoch}.png")
    gan.fit(labels, images, batch_size=8, epochs=2, verbose=0,
            callbacks=[SampleGrid(np.repeat(np.arange(4), 3), path, rows=4, every=1)])
    assert sorted(os.listdir(tmp_path)) == ["grid_1.png", "grid_2.png"]
    assert Image.open(tmp_path / "grid_2.png").size == (3 * 9 + 1, 4 * 9 + 1)


def test_stop_on_nan_raises_and_names_the_loss():
    gan = make_gan()
    labels, images = data()
    images[3] = np.nan
    with pytest.raises(FloatingPointError, match="d_"):
        gan.fit(labels, images, batch_size=8, epochs=2, verbose=0, callbacks=[StopOnNaN()])


def test_stop_on_nan_keeps_the_backup(tmp_path):
    gan = make_gan()
    labels, images = data()
    backup = str(tmp_path / "backup")
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    images[3] = np.nan
    with pytest.raises(FloatingPointError):
        gan.fit(labels, images, batch_size=8, epochs=3, verbose=0,
                callbacks=[keras.callbacks.BackupAndRestore(backup), StopOnNaN()])
    assert os.listdir(backup)


def test_generator_ema_averages_weights():
    gan = make_gan()
    labels, images = data()
    seen = [[np.asarray(w, "float64") for w in gan.generator.get_weights()]]
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append([np.asarray(w, "float64") for w in gan.generator.get_weights()])
    )
    ema = GeneratorEMA(decay=0.5)
    gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[record, ema])  # 2 batches
    start, w1, w2 = seen
    averaged = ema.ema_generator().get_weights()
    for s, a, b, got in zip(start, w1, w2, averaged):  # 0.5 * (0.5 * s + 0.5 * w1) + 0.5 * w2
        np.testing.assert_allclose(got, 0.25 * s + 0.25 * a + 0.5 * b, rtol=1e-5, atol=1e-7)
    assert any(not np.allclose(a, b) for a, b in zip(averaged, gan.generator.get_weights()))
    with pytest.raises(ValueError, match="decay"):
        GeneratorEMA(1.0)
