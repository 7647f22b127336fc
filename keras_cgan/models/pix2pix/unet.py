"""U-Net generator of pix2pix (Isola et al. 2017): an encoder-decoder with skips.

The encoder halves the image with stride-2 4x4 convolutions down to a small
bottleneck (1x1 for square power-of-two images); the decoder doubles it back
with transposed convolutions (or resize-convolutions), and each decoder block
is concatenated with the encoder block of the same size, so low-level detail
(edges, layout) crosses straight from input to output. Dropout in the first decoder blocks is the
generator's only noise: pix2pix has no noise vector.

Example:

>>> from keras_cgan.models.pix2pix import unet
>>> g = unet.unet_generator((32, 32, 1), output_channels=3, base_filters=8)
>>> g.input.name, tuple(g.input.shape), tuple(g.output.shape)
('condition', (None, 32, 32, 1), (None, 32, 32, 3))
"""

import keras
from keras import layers

from keras_cgan import checks
from keras_cgan.layers.nearest_upsampling import NearestUpsampling
from keras_cgan.layers.replica_dropout import ReplicaDropout
from keras_cgan.models.pix2pix.defaults import NORMS, UPSAMPLES, default_num_downs, num_downs_problem


def normalization(norm, name):
    """Returns a normalization layer: `"batch"`, `"instance"` or `None` for `"none"`.

    Instance norm is `GroupNormalization(groups=-1)` (one group per channel).
    """
    if norm == "batch":
        return layers.BatchNormalization(synchronized=True, name=name)
    if norm == "instance":
        return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    if norm == "none":
        return None
    raise ValueError(f"`norm` must be one of {NORMS}. Received: norm={norm!r}")


def check_image_shape(image_shape, argument="image_shape"):
    """Raises `ValueError` naming `argument` unless `image_shape` is `(height, width, channels)`."""
    sized = hasattr(image_shape, "__len__") and not isinstance(image_shape, str)  # not an int
    # Ints only: `int()` cut 16.5 to 16 and read "16" and True (as 1) silently.
    if not sized or len(image_shape) != 3 or not all(checks.is_integer(d) and d >= 1 for d in image_shape):
        raise ValueError(f"`{argument}` must be (height, width, channels), 3 ints >= 1. Received: {image_shape}")


def unet_generator(
    image_shape,
    output_channels=3,
    base_filters=64,
    max_filters=512,
    num_downs=None,
    dropout=0.5,
    dropout_blocks=3,
    norm="batch",
    upsample="transpose",
    name="generator",
):
    """Builds the pix2pix U-Net: `condition image -> image` with a `tanh` output.

    The single input is named `"condition"`. Its height and width must be
    divisible by `2**num_downs`.

    Args:
        image_shape: tuple. `(height, width, channels)` of the condition.
        output_channels: int. Channels of the generated image. Defaults to `3`.
        base_filters: int. Filters of the first encoder block; each later
            block doubles it up to `max_filters`. Defaults to `64` (the paper).
        max_filters: int. Cap on the filters of a block. Defaults to `512`.
        num_downs: int. Number of stride-2 encoder blocks. Defaults to
            the most halvings both sides allow, at most
            `log2(min(height, width))` (`default_num_downs`): a 1x1
            bottleneck on square power-of-two images (8 for 256x256, as in
            the paper), 4 for 48x48, 2 for 12x20.
        dropout: float. Dropout rate of the first `dropout_blocks` decoder
            blocks; `0` turns it off. Defaults to `0.5` (the paper).
        dropout_blocks: int. How many decoder blocks (from the bottleneck)
            use dropout. Defaults to `3` (the paper).
        norm: str. `"batch"` (the paper), `"instance"` or `"none"`. The first
            encoder block and the bottleneck are never normalized (a 1x1
            map has nothing to normalize over). Defaults to `"batch"`.
        upsample: str. `"transpose"`: 4x4 stride-2 transposed convolutions
            (the paper); `"resize"`: nearest-neighbour 2x upsampling then a
            3x3 convolution (Odena et al. 2016, "Deconvolution and
            Checkerboard Artifacts"), which traded some sharpness for cleaner
            texture in benchmarks/pix2pix_blur.py. Defaults to `"transpose"`.
        name: str. Model name. Defaults to `"generator"`.

    Reference:
        Ronneberger et al. 2015, "U-Net"; Isola et al. 2017, "Image-to-Image
        Translation with Conditional Adversarial Networks", arXiv 1611.07004.
    """
    check_image_shape(image_shape)
    checks.integer("output_channels", output_channels, low=1)
    checks.integer("base_filters", base_filters, low=1)
    checks.integer("max_filters", max_filters, low=1)
    checks.integer("dropout_blocks", dropout_blocks, low=0)
    height, width, channels = (int(d) for d in image_shape)
    if num_downs is None:
        num_downs = default_num_downs(height, width)
    num_downs = checks.integer("num_downs", num_downs, low=1)
    problem = num_downs_problem(height, width, num_downs)
    if problem:
        raise ValueError(
            f"`image_shape` {tuple(image_shape)}: {problem}; "
            + ("pass a smaller `num_downs` or resize the images." if num_downs > 1 else "resize the images.")
        )
    dropout = checks.number("dropout", dropout, high=1, high_open=True)
    if norm not in NORMS:
        raise ValueError(f"`norm` must be one of {NORMS}. Received: norm={norm!r}")
    if upsample not in UPSAMPLES:
        raise ValueError(f"`upsample` must be one of {UPSAMPLES}. Received: upsample={upsample!r}")
    init = keras.initializers.RandomNormal(0.0, 0.02)
    use_bias = norm != "batch"  # batch norm's offset replaces the bias

    def up(x, filters, name, **kwargs):
        """2x larger: a transposed convolution, or nearest-neighbour resize then a convolution."""
        if upsample == "transpose":
            return layers.Conv2DTranspose(
                filters, 4, strides=2, padding="same", kernel_initializer=init, name=name, **kwargs
            )(x)
        x = NearestUpsampling(2, name=f"{name}_resize")(x)  # keeps static shapes for TFLite
        return layers.Conv2D(filters, 3, padding="same", kernel_initializer=init, name=name, **kwargs)(x)

    condition = keras.Input((height, width, channels), name="condition")
    x, skips = condition, []
    for i in range(num_downs):
        filters = min(base_filters * 2**i, max_filters)
        innermost = i == num_downs - 1
        x = layers.Conv2D(
            filters, 4, strides=2, padding="same", kernel_initializer=init, use_bias=use_bias,
            name=f"down_{i}",
        )(x)
        norm_layer = None if i == 0 or innermost else normalization(norm, f"down_{i}_norm")
        if norm_layer is not None:
            x = norm_layer(x)
        x = layers.LeakyReLU(0.2, name=f"down_{i}_act")(x)
        skips.append(x)
    for j, i in enumerate(reversed(range(num_downs - 1))):  # up to the first encoder size
        filters = min(base_filters * 2**i, max_filters)
        x = up(x, filters, f"up_{j}", use_bias=use_bias)
        norm_layer = normalization(norm, f"up_{j}_norm")
        if norm_layer is not None:
            x = norm_layer(x)
        if dropout > 0 and j < dropout_blocks:
            x = ReplicaDropout(dropout, name=f"up_{j}_dropout")(x)  # masks independent of the replica split
        x = layers.ReLU(name=f"up_{j}_act")(x)
        x = layers.Concatenate(name=f"skip_{i}")([x, skips[i]])  # [B, h, w, 2F]
    image = up(x, output_channels, "to_image", activation="tanh")
    return keras.Model(condition, image, name=name)
