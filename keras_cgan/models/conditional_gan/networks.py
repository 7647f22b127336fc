"""DCGAN-style conditional generator and discriminator (Radford et al. 2016).

Both builders size themselves from `image_shape`: the generator starts from a
small grid (4x4 for power-of-two sizes) and doubles it with strided transposed
convolutions; the discriminator halves the image back down. The condition is
a number of classes or any condition object of `keras_cgan.conditions`
(class ids, multi-hot tags, caption token ids, sentence embeddings); the
condition object builds its own code (`Condition.code`: an embedding for
classes, a dense layer for tags and embeddings, a trainable text encoder for
captions) and says how wide the `acgan` head is (`Condition.num_labels`).

Example:

>>> from keras_cgan.models.conditional_gan import networks as dcgan
>>> g = dcgan.conditional_generator((8, 8, 1), num_classes=10, latent_dim=16)
>>> d = dcgan.conditional_discriminator((8, 8, 1), num_classes=10)
>>> [tuple(t.shape) for t in g.inputs], tuple(g.output.shape)
([(None, 16), (None,)], (None, 8, 8, 1))
"""

import keras
from keras import layers

from keras_cgan import checks
from keras_cgan import conditions as conditions_lib
from keras_cgan.layers import check_output_activation, image_output
from keras_cgan.models.conditional_gan.defaults import CLASSIFIER_POOLINGS, CONDITION_AT, CONDITIONINGS

LABELLED = ("acgan", "concat_acgan", "tacgan")  # designs whose classifier predicts the condition's labels


def _tile(code, height, width, names=(None, None)):
    """Repeats a code `[B, E]` over every pixel: `[B, height, width, E]` (layer names optional)."""
    code = layers.Reshape((1, 1, code.shape[-1]), name=names[0])(code)
    return layers.UpSampling2D((height, width), name=names[1])(code)


def _start_size(height, width):
    """`(h0, w0, halvings)`: both sides halved together while both stay even and at least 4."""
    count = 0
    while height % 2 == 0 and width % 2 == 0 and height // 2 >= 4 and width // 2 >= 4:
        height, width, count = height // 2, width // 2, count + 1
    return height, width, count


def _check_sizes(image_shape, base_filters):
    """`image_shape` as a tuple of 3 Python ints; a `ValueError` naming it, or `base_filters` unless an int >= 1."""
    if not hasattr(image_shape, "__len__") or len(image_shape) != 3 or not all(
        checks.is_integer(d) and d >= 1 for d in image_shape
    ):
        raise ValueError(f"`image_shape` must be (height, width, channels), 3 ints >= 1. Received: {image_shape!r}")
    checks.integer("base_filters", base_filters, low=1)
    return tuple(int(d) for d in image_shape)  # numpy ints too: Keras layers take Python ints only


def _resolve_condition(num_classes, condition):
    if condition is None and num_classes is None:
        raise ValueError("Pass `num_classes` (an int) or `condition` (a condition object).")
    return conditions_lib.get(condition if condition is not None else num_classes)


def condition_input(condition, name="condition"):
    """A `keras.Input` of the shape and dtype `condition` is fed with."""
    return keras.Input(tuple(condition.input_shape), dtype=condition.dtype, name=name)


def condition_code(condition, inputs, units, prefix, text_encoder="mean", encoder=None):
    """Encodes a condition input to a `[B, units]` vector.

    Without `encoder` the condition object builds the code
    (`condition.code`, see `keras_cgan.conditions`).

    Args:
        condition: condition object (see `keras_cgan.conditions`).
        inputs: the condition `keras.Input`.
        units: int. Size of the code.
        prefix: str. Prefix of the layer names.
        text_encoder: str. For captions: `"mean"` (masked mean of word
            embeddings, then a dense layer) or `"gru"` (a GRU over the word
            embeddings). Defaults to `"mean"`.
        encoder: `keras.Model` or None. A user encoder `condition -> [B, D]`
            used instead (pass the same one to both builders to share it);
            a dense layer maps its output to `units` if the sizes differ.
    """
    if text_encoder not in checks.TEXT_ENCODERS:  # named for every condition, used by text
        raise ValueError(
            f"`text_encoder` must be one of {checks.TEXT_ENCODERS}. Received: {text_encoder!r}"
        )
    if encoder is not None:
        code = encoder(inputs)
        if code.shape[-1] != units:
            code = layers.Dense(units, name=f"{prefix}_code")(code)
        return code
    return condition.code(inputs, units, prefix, text_encoder)


def conditional_generator(
    image_shape,
    num_classes=None,
    latent_dim=64,
    base_filters=64,
    embedding_dim=None,
    name="generator",
    condition=None,
    text_encoder="mean",
    encoder=None,
    condition_at="input",
    output_activation="tanh",
):
    """Builds `[noise, condition] -> image`, by default with a `tanh` output in `[-1, 1]`.

    Args:
        image_shape: tuple. `(height, width, channels)` of the samples.
        num_classes: int. Number of classes of the condition (or pass
            `condition`).
        latent_dim: int. Size of the noise vector. Defaults to `64`.
        base_filters: int. Filters of the last upsampling block; earlier
            blocks double it. Defaults to `64`.
        embedding_dim: int. Size of the condition code. Defaults to
            `latent_dim`.
        condition: condition object, e.g. `TagsCondition(vocab)` or
            `TextCondition(vocabulary_size, sequence_length)`. Defaults to
            `ClassCondition(num_classes)`.
        text_encoder: str. `"mean"` or `"gru"`, for captions. Defaults to
            `"mean"`.
        encoder: `keras.Model` or None. A condition encoder to use (and
            share with the discriminator) instead of the built-in one.
        condition_at: str. `"input"` feeds the condition code once, with
            the noise; `"every_block"` also tiles it over the feature map
            and concatenates it as channels before every upsampling block
            and before the output convolution, so each resolution sees it.
            Defaults to `"input"`.
        output_activation: str. `"tanh"` or `"linear"` (clipped to
            [-1, 1] at inference only, `layers.ClipAtInference`; cannot
            saturate where most pixels sit at -1).
            Defaults to `"tanh"`.
    """
    image_shape = _check_sizes(image_shape, base_filters)
    latent_dim = checks.integer("latent_dim", latent_dim, low=1)
    check_output_activation(output_activation)
    if condition_at not in CONDITION_AT:
        raise ValueError(f"`condition_at` must be one of {CONDITION_AT}. Received: condition_at={condition_at!r}")
    condition_kind = _resolve_condition(num_classes, condition)
    height, width, channels = image_shape
    start_h, start_w, num_up = _start_size(height, width)  # 64x64 from 4x4, 20x12 from 10x6
    if start_h * start_w > 1024:  # the first Dense would hold millions of weights per filter
        raise ValueError(
            f"`image_shape` {image_shape}: the generator would start from {start_h}x{start_w} (its sides share few "
            "factors of 2); resize or pad the images to sides with more of them (e.g. 64x96, 128x128)."
        )

    noise = keras.Input((latent_dim,), name="noise")
    condition_in = condition_input(condition_kind)
    code = condition_code(
        condition_kind, condition_in, latent_dim if embedding_dim is None else checks.integer(
            "embedding_dim", embedding_dim, low=1), "class", text_encoder, encoder
    )
    x = layers.Concatenate(name="noise_and_class")([noise, code])  # [B, latent + embed]
    filters = base_filters * 2**num_up
    x = layers.Dense(start_h * start_w * filters, use_bias=False, name="project")(x)
    x = layers.Reshape((start_h, start_w, filters))(x)  # [B, h0, w0, F]
    x = layers.BatchNormalization(synchronized=True)(x)
    x = layers.ReLU()(x)

    def with_code(x, i):
        if condition_at == "input":
            return x
        tiled = _tile(code, x.shape[1], x.shape[2], names=(f"code_{i}", f"tile_code_{i}"))
        return layers.Concatenate(name=f"features_and_code_{i}")([x, tiled])

    for i in range(num_up):
        filters //= 2
        x = with_code(x, i)
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, name=f"up_{i}")(x)
        x = layers.BatchNormalization(synchronized=True)(x)
        x = layers.ReLU()(x)
    x = with_code(x, num_up)
    image = image_output(x, channels, output_activation, name="to_image")
    return keras.Model([noise, condition_in], image, name=name)


def _downsample(x, filters, size, sn, prefix, pooled=False):
    """Strided convolutions from `x` down to 4x4 (at least two, stopping at an odd size): `[B, F]`.

    The last map is flattened, or with `pooled` reduced by global max and average pooling.
    """
    blocks = 0
    while True:
        x = sn(layers.Conv2D(filters, 4, strides=2, padding="same", name=f"{prefix}_{blocks}"))(x)
        x = layers.LeakyReLU(0.2)(x)
        size, blocks = (size + 1) // 2, blocks + 1
        if (size <= 4 and blocks >= 2) or size % 2 or size == 1:
            if pooled:
                return layers.Concatenate(name=f"{prefix}_pooled")(
                    [layers.GlobalMaxPooling2D()(x), layers.GlobalAveragePooling2D()(x)]
                )
            return layers.Flatten()(x)
        filters *= 2


def conditional_discriminator(
    image_shape,
    num_classes=None,
    conditioning="concat",
    base_filters=64,
    embedding_dim=16,
    spectral_norm=False,
    name="discriminator",
    condition=None,
    text_encoder="mean",
    encoder=None,
    classifier_pooling="flatten",
):
    """Builds `[image, condition] -> logit(s)`.

    Args:
        image_shape: tuple. `(height, width, channels)` of the samples.
        num_classes: int. Number of classes of the condition (or pass
            `condition`).
        conditioning: str. The discriminator design:
            `"concat"` tiles a condition code over the image and concatenates
            it as channels; one logit.
            `"projection"` adds the inner product of a condition code with
            the image features to the logit (Miyato & Koyama 2018); one logit.
            `"acgan"` adds an auxiliary classifier head that predicts the
            class (or each tag) from the image alone (Odena et al. 2017);
            outputs `[logit, class logits [B, K]]`. Its realism logit also
            sees the condition by projection (as in TAC-GAN), so the
            matching-aware term applies. Conditions with labels
            (`num_labels`): class, tag and text conditions (for text one
            logit per vocabulary word: the caption's bag of words).
            `"concat_acgan"` is `"concat"` plus an auxiliary classifier
            with a trunk of its own that sees the image alone; outputs
            `[logit, class logits]` like `"acgan"`, without projection.
            `"tacgan"` is `"acgan"` with a twin classifier head that learns
            the classes of generated images (Gong et al. 2019, TAC-GAN);
            outputs `[logit, class logits, twin class logits]`.
            `"two_head"` outputs `[realism, match]` (StackGAN++): a realism
            logit from the image alone and a match logit (projection) that
            says whether the condition fits the image.
            `"none"` takes the condition input but never looks at it (the
            baseline that shows a generator ignoring its condition).
            Defaults to `"concat"`.
        base_filters: int. Filters of the first block; each later block
            doubles it. Defaults to `64`.
        embedding_dim: int. Channels of the tiled code for `"concat"`.
            Defaults to `16` (`None` too).
        spectral_norm: bool. Wrap convolutions and dense layers in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
        condition: condition object. Defaults to `ClassCondition(num_classes)`.
        text_encoder: str. `"mean"` or `"gru"`, for captions.
        encoder: `keras.Model` or None. A condition encoder to use instead of
            the built-in one (e.g. the generator's, to share it).
        classifier_pooling: str. How `"concat_acgan"`'s classifier trunk
            ends: `"flatten"` keeps every position (it can count, but must
            learn a form at each place it occurs), `"max_avg"` joins global
            max and average pooling (a form learnt once reads anywhere).
            Defaults to `"flatten"`.
    """
    image_shape = _check_sizes(image_shape, base_filters)
    if classifier_pooling not in CLASSIFIER_POOLINGS:
        raise ValueError(
            f"`classifier_pooling` must be one of {CLASSIFIER_POOLINGS}. "
            f"Received: classifier_pooling={classifier_pooling!r}"
        )
    if conditioning not in CONDITIONINGS:
        raise ValueError(
            f"`conditioning` must be one of {CONDITIONINGS}. Received: conditioning={conditioning!r}"
        )
    condition_kind = _resolve_condition(num_classes, condition)
    if conditioning in LABELLED and condition_kind.num_labels is None:
        raise ValueError(
            f"`conditioning={conditioning!r}` needs a condition with labels to predict (`num_labels`: class, tag or "
            f"text conditions); got {type(condition_kind).__name__} (num_labels=None). "
            "Use 'projection' or 'two_head' for embeddings."
        )
    height, width, _ = image_shape
    embedding_dim = 16 if embedding_dim is None else checks.integer("embedding_dim", embedding_dim, low=1)
    sn = layers.SpectralNormalization if checks.flag("spectral_norm", spectral_norm) else (lambda layer: layer)

    image = keras.Input(image_shape, name="image")
    condition_in = condition_input(condition_kind)
    x = image
    if conditioning in ("concat", "concat_acgan"):
        code = condition_code(condition_kind, condition_in, embedding_dim, "class", text_encoder, encoder)
        x = layers.Concatenate(name="image_and_class")([x, _tile(code, height, width)])
    features = _downsample(x, base_filters, min(height, width), sn, "down")  # [B, F]
    logit = sn(layers.Dense(1, name="realism"))(features)
    if conditioning == "concat_acgan":
        # The classifier has its own trunk: one that saw the tiled condition could read the class off it.
        image_features = _downsample(
            image, base_filters, min(height, width), sn, "classifier_down", pooled=classifier_pooling == "max_avg"
        )
        classes = sn(layers.Dense(condition_kind.num_labels, name="classes"))(image_features)  # [B, K]
        return keras.Model([image, condition_in], [logit, classes], name=name)
    if conditioning in ("projection", "acgan", "tacgan", "two_head"):
        units = features.shape[-1]
        if encoder is None:
            code = condition_kind.projection_code(condition_in, units, text_encoder)  # [B, F]
        else:
            code = condition_code(condition_kind, condition_in, units, "projection", text_encoder, encoder)
        match = layers.Dot(axes=1, name="class_match")([code, features])  # [B, 1]
        if conditioning == "two_head":
            bias = sn(layers.Dense(1, name="match_bias"))(features)
            match = layers.Add(name="match")([bias, match])
            return keras.Model([image, condition_in], [logit, match], name=name)
        logit = layers.Add(name="logit")([logit, match])
    if conditioning in ("acgan", "tacgan"):
        classes = sn(layers.Dense(condition_kind.num_labels, name="classes"))(features)  # [B, K]
        if conditioning == "tacgan":
            twin = sn(layers.Dense(condition_kind.num_labels, name="twin_classes"))(features)  # [B, K]
            return keras.Model([image, condition_in], [logit, classes, twin], name=name)
        return keras.Model([image, condition_in], [logit, classes], name=name)
    return keras.Model([image, condition_in], logit, name=name)


def conditioning_of(discriminator):
    """The `conditioning` a one-logit `conditional_discriminator` was built with, or None.

    Read off the layer names the builder gives (its `image` input, and the
    layers of `"concat"`, `"projection"` or `"none"`), so it holds for a
    loaded model too; None for a discriminator built another way or with
    several outputs.
    """
    if len(discriminator.outputs) != 1:
        return None
    names = {layer.name for layer in discriminator._flatten_layers(include_self=False)}
    if "image" not in names:  # the builder's image input; a user's own "realism" layer alone is not enough
        return None
    if "image_and_class" in names:
        return "concat"
    if "class_match" in names:
        return "projection"
    return "none" if "realism" in names else None


def condition_encoder(condition, units=64, text_encoder="mean", name="condition_encoder"):
    """Builds a `condition -> [B, units]` model to share between G and D.

    Pass it as `encoder=` to both builders: the two networks then train one
    text (or tag) encoder together. A `.keras` file stores each network with
    its own copy of the encoder's weights, so after loading the two copies
    start equal but are no longer tied.

    Example:

    >>> from keras_cgan import TextCondition
    >>> encoder = condition_encoder(TextCondition(20, 6), units=16)
    >>> tuple(encoder.output.shape)
    (None, 16)
    """
    condition = conditions_lib.get(condition)
    units = checks.integer("units", units, low=1)  # was Keras' "`output_dim` must be a positive integer"
    inputs = condition_input(condition)
    return keras.Model(inputs, condition_code(condition, inputs, units, "shared", text_encoder), name=name)
