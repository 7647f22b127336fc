"""Image files at their edges: what sample grids are written as (lossless where the format allows, a JPEG at
quality 95), truncated JPEGs caught by the scan, class folders named in another case."""

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from keras_cgan.callbacks import save_image_grid, save_spectrograms


def _grid(path):
    ramp = np.linspace(-1, 1, 16 * 16 * 3).reshape(1, 16, 16, 3)
    return save_image_grid(np.concatenate([ramp, -ramp]), path, rows=1)


def _spectrograms(path):
    t = np.arange(2048) / 16000
    return save_spectrograms(path, [("tone", np.sin(2 * np.pi * 440 * t))], width=64, height=24)


@pytest.mark.parametrize("write", [_grid, _spectrograms])
def test_sample_images_are_written_without_loss_where_the_format_allows(tmp_path, write):
    png = np.asarray(Image.open(write(str(tmp_path / "s.png"))).convert("RGB"))
    webp = np.asarray(Image.open(write(str(tmp_path / "s.webp"))).convert("RGB"))
    np.testing.assert_array_equal(webp, png)  # lossless WebP, not Pillow's lossy default
    with Image.open(write(str(tmp_path / "s.jpg"))) as jpeg:  # quality 95 without chroma subsampling, not 75
        reference = tmp_path / "reference.jpg"
        Image.fromarray(png).save(reference, quality=95, subsampling=0)
        with Image.open(reference) as wanted:
            assert jpeg.quantization == wanted.quantization
        assert JpegImagePlugin.get_sampling(jpeg) == 0
