"""StackGAN networks: a small image first, then refiners that double it.

A StackGAN generator is a chain of functional models that share one
conditioning-augmented code:

    condition -> ca_encoder -> stats [B, 2 * code_dim]
    noise [B, latent_dim + code_dim] = [z, eps]
    (stats, eps) -> ConditioningAugmentation -> code [B, code_dim]
    (z, code) -> stage-1 generator -> image at sizes[0]
    (image, code) -> refiner -> image at 2x, one refiner per later stage

Each stage has its own discriminator `[image, condition] -> logit(s)` (the
`dcgan.conditional_discriminator` designs; `"two_head"` is StackGAN++'s
unconditional realism head plus conditional match head).

Example:

>>> from keras_cgan.models.stack_gan import networks as stackgan
>>> nets = stackgan.build_networks((8, 16), condition=10, latent_dim=4, code_dim=4, base_filters=8)
>>> chain = stackgan.generator_chain(nets["condition_encoder"], nets["generators"])
>>> [t.name for t in chain.inputs], tuple(chain.output.shape)
(['noise', 'condition'], (None, 16, 16, 3))
"""

import keras
from keras import layers

from keras_cgan import checks
from keras_cgan import conditions as conditions_lib
from keras_cgan.layers import NearestUpsampling
from keras_cgan.models.stack_gan.conditioning_augmentation import ConditioningAugmentation
from keras_cgan.models.stack_gan import defaults
from keras_cgan.models.conditional_gan import networks as dcgan

# The stage sizes a StackGAN takes: rules kept with the defaults, which `keras-cgan train` reads without TensorFlow.
check_sizes, check_network_sizes = defaults.check_sizes, defaults.check_network_sizes


def _widths(**values):
    """Each of `values` as an int >= 1, in order; a `ValueError` naming the first that is not."""
    return [checks.integer(name, value, low=1) for name, value in values.items()]


LOGVAR_LIMIT = 20.0  # of `logvar_init`: a standard deviation from e**-10 to e**10


def condition_augmentation_encoder(
    condition, code_dim=16, units=64, text_encoder="mean", logvar_init=0.0, name="condition_encoder"
):
    """Builds `condition -> stats [B, 2 * code_dim]` (mean then log-variance).

    Args:
        condition: int (classes) or condition object.
        code_dim: int. Size of the augmented code. Defaults to `16`.
        units: int. Width of the condition embedding before the stats.
        text_encoder: str. `"mean"` or `"gru"`, for captions.
        logvar_init: float. Initial bias of the log-variance half of the
            stats: `0` starts the augmentation at unit variance (the paper),
            `-2` at a standard deviation of about 0.37; within `[-20, 20]`.
            Defaults to `0.0`.
    """
    code_dim, units = _widths(code_dim=code_dim, units=units)
    # A standard deviation of e**10 at most: logvar_init=1e9 built, and its first sample was inf.
    logvar_init = checks.number("logvar_init", logvar_init, low=-LOGVAR_LIMIT, high=LOGVAR_LIMIT)
    condition = conditions_lib.get(condition)
    inputs = dcgan.condition_input(condition)
    h = dcgan.condition_code(condition, inputs, units, "ca", text_encoder)
    h = layers.LeakyReLU(0.2)(h)
    bias = keras.initializers.Constant([0.0] * code_dim + [logvar_init] * code_dim)
    stats = layers.Dense(2 * code_dim, bias_initializer=bias, name="ca_stats")(h)
    return keras.Model(inputs, stats, name=name)


def _norm_relu(x, name):
    x = layers.BatchNormalization(synchronized=True, name=f"{name}_bn")(x)
    return layers.ReLU()(x)


def stage1_generator(image_size=16, code_dim=16, latent_dim=32, base_filters=32, channels=3, name="stage1_generator"):
    """Builds `[noise, code] -> image [S, S, channels]` from a 4x4 start.

    Args:
        image_size: int. A power of two times 4 (8, 16, 32...). Defaults to `16`.
        code_dim: int. Width of the condition code.
        latent_dim: int. Width of the noise.
        base_filters: int. Filters of the last block; earlier ones double it.
        channels: int. Image channels. Defaults to `3`.
    """
    image_size, code_dim, latent_dim, base_filters, channels = _widths(
        image_size=image_size, code_dim=code_dim, latent_dim=latent_dim, base_filters=base_filters, channels=channels)
    size, ups = 4, 0
    while size < image_size:
        size, ups = size * 2, ups + 1
    if size != image_size:
        raise ValueError(f"`image_size` must be 4 times a power of two. Received: image_size={image_size}")
    noise = keras.Input((latent_dim,), name="noise")
    code = keras.Input((code_dim,), name="code")
    x = layers.Concatenate(name="noise_and_code")([noise, code])  # [B, latent + code]
    filters = base_filters * 2**ups
    x = layers.Dense(4 * 4 * filters, use_bias=False, name="project")(x)
    x = _norm_relu(layers.Reshape((4, 4, filters))(x), "project")  # [B, 4, 4, F]
    for i in range(ups):
        filters = max(filters // 2, base_filters)
        x = NearestUpsampling(2, name=f"up_{i}")(x)
        x = _norm_relu(layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv_{i}")(x), f"conv_{i}")
    image = layers.Conv2D(channels, 3, padding="same", activation="tanh", name="to_image")(x)
    return keras.Model([noise, code], image, name=name)


def refiner_generator(input_size, code_dim=16, base_filters=32, channels=3, residual_blocks=2, name="refiner"):
    """Builds `[image [S, S, C], code] -> image [2S, 2S, C]`.

    The previous stage's image is encoded, joined with the code tiled over
    it, passed through residual blocks, upsampled twice as large and drawn
    (StackGAN's stage-II generator, without its downsampling encoder since
    the stages here are only 2x apart).

    Args:
        input_size: int. Size of the incoming image.
        code_dim: int. Width of the condition code.
        base_filters: int. Filters of the blocks. Defaults to `32`.
        channels: int. Image channels. Defaults to `3`.
        residual_blocks: int. Defaults to `2`.
    """
    input_size, code_dim, base_filters, channels = _widths(
        input_size=input_size, code_dim=code_dim, base_filters=base_filters, channels=channels)
    residual_blocks = checks.integer("residual_blocks", residual_blocks, low=0)
    image = keras.Input((input_size, input_size, channels), name="image")
    code = keras.Input((code_dim,), name="code")
    x = layers.Conv2D(base_filters, 3, padding="same", name="encode")(image)
    x = layers.ReLU()(x)
    tiled = NearestUpsampling(input_size, name="tile_code")(layers.Reshape((1, 1, code_dim))(code))  # [B, S, S, D]
    x = layers.Concatenate(name="image_and_code")([x, tiled])
    x = _norm_relu(layers.Conv2D(base_filters, 3, padding="same", use_bias=False, name="joint")(x), "joint")
    for i in range(residual_blocks):
        h = _norm_relu(layers.Conv2D(base_filters, 3, padding="same", use_bias=False, name=f"res_{i}_a")(x), f"res_{i}_a")
        h = layers.Conv2D(base_filters, 3, padding="same", use_bias=False, name=f"res_{i}_b")(h)
        h = layers.BatchNormalization(synchronized=True, name=f"res_{i}_b_bn")(h)
        x = layers.ReLU()(layers.Add(name=f"res_{i}")([x, h]))
    x = NearestUpsampling(2, name="up")(x)  # [B, 2S, 2S, F]
    x = _norm_relu(layers.Conv2D(base_filters, 3, padding="same", use_bias=False, name="up_conv")(x), "up_conv")
    out = layers.Conv2D(channels, 3, padding="same", activation="tanh", name="to_image")(x)
    return keras.Model([image, code], out, name=name)


def stage_discriminator(image_size, condition, conditioning="two_head", base_filters=32, channels=3, name="discriminator", **kwargs):
    """One stage's discriminator: `dcgan.conditional_discriminator` at `image_size`.

    `conditioning="two_head"` (default) gives `[realism, match]` as in
    StackGAN++; `"projection"`, `"concat"`, `"acgan"`, `"tacgan"` and `"none"` work too.
    """
    # Named here: the shape built from them was what an error named (`image_shape` must be ...).
    image_size, base_filters, channels = _widths(image_size=image_size, base_filters=base_filters, channels=channels)
    return dcgan.conditional_discriminator(
        (image_size, image_size, channels), condition=condition, conditioning=conditioning,
        base_filters=base_filters, name=name, **kwargs,
    )


def split_noise(noise, latent_dim):
    """`[z, eps]`: the chain's noise split into the stage-1 noise and the augmentation sample."""
    return noise[:, :latent_dim], noise[:, latent_dim:]


def generator_chain(condition_encoder, generators, stochastic=True, name="stackgan_generator"):
    """Chains the stages into one `[noise, condition] -> largest image` model.

    The chain shares its layers with the stage models. `noise` is
    `[z, eps]`: the stage-1 generator's noise `z` (`latent_dim` wide), then
    the conditioning-augmentation sample `eps` (`code_dim` wide), drawn
    independently so stage 1 cannot subtract the augmentation back out.

    Args:
        condition_encoder: `condition -> stats [B, 2 * code_dim]`.
        generators: list of `keras.Model`: the stage-1 generator then the
            refiners, in order.
        stochastic: bool. Conditioning augmentation on (`False`: the code is
            the mean). Defaults to `True`.
    """
    code_dim = int(condition_encoder.outputs[0].shape[-1]) // 2
    latent_dim = int(generators[0].inputs[0].shape[-1])
    noise = keras.Input((latent_dim + code_dim,), name="noise")
    condition = keras.Input(
        tuple(condition_encoder.inputs[0].shape[1:]), dtype=condition_encoder.inputs[0].dtype, name="condition"
    )
    z, eps = split_noise(noise, latent_dim)
    # The encoder's precision, not the global policy's: a float32 StackGAN loaded under `mixed_float16` stays float32.
    code = ConditioningAugmentation(
        code_dim, stochastic=stochastic, dtype=condition_encoder.layers[-1].dtype_policy, name="augmentation"
    )([condition_encoder(condition), eps])
    image = generators[0]([z, code])
    for refiner in generators[1:]:
        image = refiner([image, code])
    return keras.Model([noise, condition], image, name=name)


def build_networks(
    sizes=(16, 32, 64),
    condition=None,
    latent_dim=32,
    code_dim=16,
    base_filters=32,
    refiner_filters=None,
    discriminator_filters=None,
    conditioning="two_head",
    channels=3,
    text_encoder="mean",
    logvar_init=0.0,
    classifier_pooling="flatten",
):
    """Builds every network of a StackGAN.

    Args:
        sizes: tuple of int. Image size of each stage (2 or 3), each twice
            the one before. Defaults to `(16, 32, 64)`.
        condition: int (classes) or condition object.
        latent_dim: int. Width of the stage-1 noise `z`. Defaults to `32`.
        code_dim: int. Width of the augmented condition code. Defaults to `16`.
        base_filters: int. Stage-1 generator filters. Defaults to `32`.
        refiner_filters: int or `None`. Refiner filters. `None` (the
            default) means `max(base_filters // 2, 4)`.
        discriminator_filters: int or `None`. Filters of the first block of
            every discriminator. `None` (the default) means
            `max(base_filters // 2, 4)`.
        conditioning: str. Discriminator design. Defaults to `"two_head"`.
        channels: int. Defaults to `3`.
        text_encoder: str. For captions.
        logvar_init: float. Initial log-variance bias of the augmentation
            (see `condition_augmentation_encoder`). Defaults to `0.0`.
        classifier_pooling: str. How a `"concat_acgan"` discriminator's
            classifier trunk ends (see `dcgan.conditional_discriminator`).
            Defaults to `"flatten"`.

    Returns:
        dict with `condition_encoder`, `generators` (list) and
        `discriminators` (list), ready for `StackGAN(**networks, condition=...)`.
    """
    sizes = check_network_sizes(sizes)
    if condition is None:
        raise ValueError("Pass `condition` (a number of classes or a condition object).")
    widths = dict(latent_dim=latent_dim, code_dim=code_dim, base_filters=base_filters,
                  refiner_filters=refiner_filters, discriminator_filters=discriminator_filters, channels=channels)
    for name, value in widths.items():
        if value is None and name in ("refiner_filters", "discriminator_filters"):
            continue  # their defaults follow base_filters
        checks.integer(name, value, low=1)
    refiner_filters = refiner_filters or max(base_filters // 2, 4)
    discriminator_filters = discriminator_filters or max(base_filters // 2, 4)
    condition = conditions_lib.get(condition)
    generators = [stage1_generator(sizes[0], code_dim, latent_dim, base_filters, channels, name="stage1_generator")]
    for k, size in enumerate(sizes[:-1], start=2):
        generators.append(refiner_generator(size, code_dim, refiner_filters, channels, name=f"stage{k}_generator"))
    discriminators = [
        stage_discriminator(
            size, condition, conditioning, discriminator_filters, channels, name=f"stage{k}_discriminator",
            text_encoder=text_encoder, classifier_pooling=classifier_pooling,
        )
        for k, size in enumerate(sizes, start=1)
    ]
    encoder = condition_augmentation_encoder(condition, code_dim, text_encoder=text_encoder, logvar_init=logvar_init)
    return {"condition_encoder": encoder, "generators": generators, "discriminators": discriminators}


def stack_generator(sizes=(16, 32, 64), condition=None, stochastic=True, **kwargs):
    """The whole generator chain `[noise, condition] -> image at sizes[-1]`, untrained.

    Takes the arguments of `build_networks`; used to export-test the family.
    """
    nets = build_networks(sizes, condition, **kwargs)
    return generator_chain(nets["condition_encoder"], nets["generators"], stochastic=stochastic)
