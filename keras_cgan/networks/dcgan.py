"""DCGAN-style conditional generator and discriminator (Radford et al. 2016).

Both builders size themselves from `image_shape`: the generator starts from a
small grid (4x4 for power-of-two sizes) and doubles it with strided transposed
convolutions; the discriminator halves the image back down.

Example:

>>> from keras_cgan.networks import dcgan
>>> g = dcgan.conditional_generator((8, 8, 1), num_classes=10, latent_dim=16)
>>> d = dcgan.conditional_discriminator((8, 8, 1), num_classes=10)
>>> [tuple(t.shape) for t in g.inputs], tuple(g.output.shape)
([(None, 16), (None,)], (None, 8, 8, 1))
"""

import keras
from keras import layers

CONDITIONINGS = ("concat", "projection", "none")


def _start_size(size):
    """Halves `size` while it stays even and at least 4."""
    while size % 2 == 0 and size // 2 >= 4:
        size //= 2
    return size


def _check_image_shape(image_shape):
    if len(image_shape) != 3 or any(int(d) < 1 for d in image_shape):
        raise ValueError(f"`image_shape` must be (height, width, channels). Received: {image_shape}")


def conditional_generator(
    image_shape, num_classes, latent_dim=64, base_filters=64, embedding_dim=None, name="generator"
):
    """Builds `[noise, class id] -> image` with a `tanh` output in `[-1, 1]`.

    Args:
        image_shape: tuple. `(height, width, channels)` of the samples.
        num_classes: int. Number of classes of the condition.
        latent_dim: int. Size of the noise vector. Defaults to `64`.
        base_filters: int. Filters of the last upsampling block; earlier
            blocks double it. Defaults to `64`.
        embedding_dim: int. Size of the class embedding. Defaults to
            `latent_dim`.
    """
    _check_image_shape(image_shape)
    height, width, channels = image_shape
    start_h, start_w = _start_size(height), _start_size(width)
    num_up = 0
    while start_h * 2**num_up < height:
        num_up += 1
    if start_h * 2**num_up != height or start_w * 2**num_up != width:
        raise ValueError(
            f"`image_shape` {image_shape}: height and width must both be a small size times "
            "the same power of two (e.g. 8x8, 28x28, 64x64)."
        )

    noise = keras.Input((latent_dim,), name="noise")
    condition = keras.Input((), dtype="int32", name="condition")
    label = layers.Embedding(num_classes, embedding_dim or latent_dim, name="class_embedding")(condition)
    x = layers.Concatenate(name="noise_and_class")([noise, label])  # [B, latent + embed]
    filters = base_filters * 2**num_up
    x = layers.Dense(start_h * start_w * filters, use_bias=False, name="project")(x)
    x = layers.Reshape((start_h, start_w, filters))(x)  # [B, h0, w0, F]
    x = layers.BatchNormalization(synchronized=True)(x)
    x = layers.ReLU()(x)
    for i in range(num_up):
        filters //= 2
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, name=f"up_{i}")(x)
        x = layers.BatchNormalization(synchronized=True)(x)
        x = layers.ReLU()(x)
    image = layers.Conv2D(channels, 3, padding="same", activation="tanh", name="to_image")(x)
    return keras.Model([noise, condition], image, name=name)


def conditional_discriminator(
    image_shape,
    num_classes,
    conditioning="concat",
    base_filters=64,
    embedding_dim=16,
    spectral_norm=False,
    name="discriminator",
):
    """Builds `[image, class id] -> logit`, one logit per sample.

    Args:
        image_shape: tuple. `(height, width, channels)` of the samples.
        num_classes: int. Number of classes of the condition.
        conditioning: str. How the class enters: `"concat"` tiles a class
            embedding over the image and concatenates it as channels;
            `"projection"` adds the inner product of a class embedding with
            the image features to the logit (Miyato & Koyama 2018); `"none"`
            takes the condition input but never looks at it (the baseline that
            shows a generator ignoring its condition). Defaults to `"concat"`.
        base_filters: int. Filters of the first block; each later block
            doubles it. Defaults to `64`.
        embedding_dim: int. Channels of the tiled embedding for `"concat"`.
        spectral_norm: bool. Wrap convolutions and dense layers in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
    """
    _check_image_shape(image_shape)
    if conditioning not in CONDITIONINGS:
        raise ValueError(
            f"`conditioning` must be one of {CONDITIONINGS}. Received: conditioning={conditioning!r}"
        )
    height, width, _ = image_shape
    sn = layers.SpectralNormalization if spectral_norm else (lambda layer: layer)

    image = keras.Input(image_shape, name="image")
    condition = keras.Input((), dtype="int32", name="condition")
    x = image
    if conditioning == "concat":
        label = layers.Embedding(num_classes, embedding_dim, name="class_embedding")(condition)
        label = layers.Reshape((1, 1, embedding_dim))(label)
        label = layers.UpSampling2D((height, width))(label)  # [B, H, W, E]
        x = layers.Concatenate(name="image_and_class")([x, label])
    filters, size, blocks = base_filters, min(height, width), 0
    while True:  # halve down to 4x4 (at least two blocks, stopping at an odd size)
        x = sn(layers.Conv2D(filters, 4, strides=2, padding="same", name=f"down_{blocks}"))(x)
        x = layers.LeakyReLU(0.2)(x)
        size, blocks = (size + 1) // 2, blocks + 1
        if (size <= 4 and blocks >= 2) or size % 2 or size == 1:
            break
        filters *= 2
    features = layers.Flatten()(x)  # [B, F]
    logit = sn(layers.Dense(1, name="realism"))(features)
    if conditioning == "projection":
        label = layers.Embedding(num_classes, features.shape[-1], name="class_projection")(condition)
        match = layers.Dot(axes=1, name="class_match")([label, features])  # [B, 1]
        logit = layers.Add(name="logit")([logit, match])
    return keras.Model([image, condition], logit, name=name)
