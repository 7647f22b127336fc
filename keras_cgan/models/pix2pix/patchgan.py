"""Conditional PatchGAN discriminator of pix2pix (Isola et al. 2017).

The discriminator sees the pair `(condition, image)` stacked as channels and
returns a map of logits, one per patch: each logit judges only the
`receptive_field` x `receptive_field` window it can see. Small windows model
texture and style ("is this patch real?"), leaving the low frequencies to the
L1 term; a discriminator over the whole image has many more parameters to fit
and on small datasets tends to overfit or fail to train.

| `receptive_field` | layers (C = 4x4 conv, s = stride) |
|---|---|
| `1` ("PixelGAN") | 1x1 convs only: judges colour statistics per pixel |
| `16` | C64 s2, C128 s1, C1 s1 |
| `34` | C64 s2, C128 s2, C256 s1, C1 s1 |
| `70` (the paper's default) | C64 s2, C128 s2, C256 s2, C512 s1, C1 s1 |
| `142`, `286` | one or two more stride-2 blocks |
| `"image"` ("ImageGAN") | stride-2 blocks down to <= 4x4, then one conv over all of it |
| `"auto"` | the largest of 16 ... 286 at most half the image's shorter side (`auto_receptive_field`) |

Example:

>>> from keras_cgan.models.pix2pix import patchgan
>>> d = patchgan.patch_discriminator((32, 32, 1), (32, 32, 3), receptive_field=16, base_filters=8)
>>> [t.name for t in d.inputs], tuple(d.output.shape)
(['image', 'condition'], (None, 16, 16, 1))
"""

import keras
from keras import layers

from keras_cgan import checks
from keras_cgan.models.pix2pix.defaults import RECEPTIVE_FIELDS
from keras_cgan.models.pix2pix.unet import check_image_shape, normalization

# Receptive field -> number of stride-2 blocks of the N-layer PatchGAN.
_STRIDED_BLOCKS = {16: 1, 34: 2, 70: 3, 142: 4, 286: 5}


def auto_receptive_field(height, width):
    """The patch size for `height` x `width` images: the largest field at most half the shorter side.

    Two pixels of slack let 64-pixel images keep 34 (the field tuned on
    them); 256-pixel images get 70, the paper's; below 32 pixels, 16.

    >>> tuple(auto_receptive_field(side, side) for side in (16, 32, 64, 128, 256, 512))
    (16, 16, 34, 34, 70, 142)
    """
    half = min(height, width) / 2 + 2
    return max([16] + [field for field in _STRIDED_BLOCKS if field <= half])


def patch_receptive_field(strided_blocks):
    """Receptive field of `strided_blocks` stride-2 4x4 convs + two stride-1 4x4 convs."""
    field = 1
    for stride in [1, 1] + [2] * strided_blocks:  # walk from the output back to the input
        field = (field - 1) * stride + 4
    return field


def patch_discriminator(
    condition_shape,
    image_shape,
    receptive_field=70,
    base_filters=64,
    max_filters=512,
    norm="batch",
    spectral_norm=False,
    name="discriminator",
):
    """Builds `[image, condition] -> patch logits` of shape `[B, h, w, 1]`.

    Inputs come in the order of every discriminator of the library:
    `[image, condition]`.

    Args:
        condition_shape: tuple. `(height, width, channels)` of the condition.
        image_shape: tuple. `(height, width, channels)` of the real/generated
            image; same height and width as the condition.
        receptive_field: int or str. One of `RECEPTIVE_FIELDS`: the size of
            the square window each output logit sees, `"image"` for one
            logit over the whole image, or `"auto"` for the largest window
            at most half the image (`auto_receptive_field`). Defaults to
            `70` (the paper).
        base_filters: int. Filters of the first block, doubled per block up
            to `max_filters`. Defaults to `64`.
        max_filters: int. Cap on the filters of a block. Defaults to `512`.
        norm: str. `"batch"`, `"instance"` or `"none"`; the first block is
            never normalized. Defaults to `"batch"`.
        spectral_norm: bool. Wrap every convolution in
            `keras.layers.SpectralNormalization` (Miyato et al. 2018).
            Defaults to `False`.
        name: str. Model name. Defaults to `"discriminator"`.

    Reference:
        Isola et al. 2017, arXiv 1611.07004, section 3.2.2 and figure 6.
    """
    check_image_shape(condition_shape, "condition_shape")
    check_image_shape(image_shape, "image_shape")
    checks.integer("base_filters", base_filters, low=1)
    checks.integer("max_filters", max_filters, low=1)
    if tuple(condition_shape[:2]) != tuple(image_shape[:2]):
        raise ValueError(
            f"The condition {tuple(condition_shape)} and the image {tuple(image_shape)} must have "
            "the same height and width."
        )
    # True == 1 and 70.0 == 70: a bool or a float passed the look-up and built a PixelGAN or a float field.
    if not (checks.is_integer(receptive_field) or isinstance(receptive_field, str)) or (
        receptive_field not in RECEPTIVE_FIELDS
    ):
        raise ValueError(
            f"`receptive_field` must be one of {RECEPTIVE_FIELDS}. Received: "
            f"receptive_field={receptive_field!r}"
        )
    if receptive_field == "auto":
        receptive_field = auto_receptive_field(image_shape[0], image_shape[1])
    normalization(norm, None)  # validates `norm`
    init = keras.initializers.RandomNormal(0.0, 0.02)
    sn = layers.SpectralNormalization if checks.flag("spectral_norm", spectral_norm) else (lambda layer: layer)
    use_bias = norm != "batch"
    filters_at = lambda i: min(base_filters * 2**i, max_filters)

    image = keras.Input(tuple(image_shape), name="image")
    condition = keras.Input(tuple(condition_shape), name="condition")
    x = layers.Concatenate(name="pair")([condition, image])  # [B, H, W, Cc + Ci]

    def block(x, filters, kernel, strides, index, normalize=True, padding="same"):
        x = sn(layers.Conv2D(
            filters, kernel, strides=strides, padding=padding, kernel_initializer=init,
            use_bias=use_bias or not normalize, name=f"conv_{index}",
        ))(x)
        norm_layer = normalization(norm, f"conv_{index}_norm") if normalize else None
        if norm_layer is not None:
            x = norm_layer(x)
        return layers.LeakyReLU(0.2, name=f"conv_{index}_act")(x)

    if receptive_field == 1:  # PixelGAN
        x = block(x, filters_at(0), 1, 1, 0, normalize=False)
        x = block(x, filters_at(1), 1, 1, 1)
        logits = sn(layers.Conv2D(1, 1, kernel_initializer=init, name="logits"))(x)
    elif receptive_field == "image":  # ImageGAN
        size, i = min(image_shape[0], image_shape[1]), 0
        while size > 4 or i == 0:
            x = block(x, filters_at(i), 4, 2, i, normalize=i > 0)
            size, i = (size + 1) // 2, i + 1
        # One conv over the whole remaining map: a single logit per image.
        logits = sn(layers.Conv2D(
            1, tuple(x.shape[1:3]), padding="valid", kernel_initializer=init, name="logits"
        ))(x)  # [B, 1, 1, 1]
    else:
        blocks = _STRIDED_BLOCKS[receptive_field]
        for i in range(blocks):
            x = block(x, filters_at(i), 4, 2, i, normalize=i > 0)
        x = block(x, filters_at(blocks), 4, 1, blocks)
        logits = sn(layers.Conv2D(1, 4, padding="same", kernel_initializer=init, name="logits"))(x)
    return keras.Model([image, condition], logits, name=name)
