"""The `keras-cgan translate` command: a pix2pix run folder's generator on new condition images.

    keras-cgan translate --run runs/pix2pix edges/ photos/        # a folder -> a folder, same names
    keras-cgan translate --run runs/pix2pix sketch.png photo.png
    keras-cgan translate --run runs/pix2pix big.jpg out.jpg --resize

Images keep their size when the generator accepts it (a U-Net takes sides
that are multiples of `2**num_downs`); `--resize` translates at the run's
size and resizes the result back. Every input is checked, and every size
tried on the generator, before the first output is written.
"""

import os

import numpy as np

from keras_cgan.cli.status import errors_to_status

_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def add_translate_subcommand(subparsers, help=None):
    """Adds `translate --run DIR IN OUT` to a `keras-cgan` parser."""
    p = subparsers.add_parser(
        "translate",
        help=help,
        description="Generate an image for each condition image with the generator of a "
        "`keras-cgan train pix2pix` run folder. Outputs keep the input names.",
    )
    p.add_argument("--run", required=True, help="a pix2pix run folder made by `keras-cgan train pix2pix`")
    p.add_argument("input", help="a condition image, or a folder of them")
    p.add_argument("output", help="the output image (for a file), or a folder (for a folder; made if missing)")
    p.add_argument(
        "--resize", action="store_true",
        help="translate at the run's image size and resize the result back (default: the image's own size)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace output files that exist")
    p.set_defaults(func=run_translate, check=_check)
    return p


def _pairs(args):
    from keras_cgan.cli.files import input_output_pairs
    from keras_cgan.data import image_folder, paired_images

    pairs = input_output_pairs(args.input, args.output, paired_images.IMAGE_EXTENSIONS, "images", args.output,
                               overwrite=args.overwrite, output_extensions=paired_images.IMAGE_EXTENSIONS)
    if not os.path.isdir(args.input):  # (a folder's outputs keep their inputs' names: an AVIF input is refused)
        image_folder.check_writable(pairs[0][1], args.output)
    return pairs


def generator_for(generator, height, width):
    """`generator` rebuilt (same weights) for `[height, width]` inputs; `ValueError` if it cannot take them."""
    import keras

    condition_shape = generator.inputs[0].shape
    if tuple(condition_shape[1:3]) == (height, width):
        return generator
    config = generator.get_config()
    for layer in config["layers"]:
        if layer["class_name"] == "InputLayer":
            shape = list(layer["config"]["batch_shape"])
            layer["config"]["batch_shape"] = [shape[0], height, width] + shape[3:]
    try:
        resized = keras.Model.from_config(config)
        resized.set_weights(generator.get_weights())
        resized(np.zeros((1,) + tuple(resized.inputs[0].shape[1:]), "float32"), training=False)  # skips line up?
    except Exception:  # a shape the network cannot take (skips that do not line up)
        raise ValueError(f"the generator cannot take {width}x{height} inputs") from None  # width x height, as PIL
    return resized


def _read(path, channels):
    from PIL import Image

    from keras_cgan.data import image_folder

    with Image.open(path) as image:  # as the pix2pix loader reads it: upright, transparency on white unless RGBA
        pixels = image_folder.pixels(image, _MODES[channels])
        return np.asarray(pixels, "float32").reshape(pixels.size[1], pixels.size[0], -1)


def _write(path, image):
    """Writes `image` (`[-1, 1]`) by `image_folder.write_image` (lossless where the format allows, a JPEG at
    quality 95)."""
    from PIL import Image

    from keras_cgan.data import image_folder

    array = np.clip((np.asarray(image, "float32") + 1.0) * 127.5, 0, 255).round().astype("uint8")
    array = array[..., 0] if array.shape[-1] == 1 else array
    image_folder.write_image(Image.fromarray(array), path)


def _check(args):
    """The run folder and the input's path (`ValueError`); `keras-cgan` checks them before it imports TensorFlow.

    Returns the run's config.
    """
    from keras_cgan.cli import run_folder

    config = run_folder.read_config(os.path.abspath(args.run))
    if config["family"] != "pix2pix":
        raise ValueError(f"--run {args.run}: a {config['family']} run; translate takes a pix2pix run.")
    if not os.path.exists(args.input):  # as `_pairs` says it, once the image reader has loaded
        raise ValueError(f"{args.input}: no such file or folder.")
    return config


@errors_to_status((ValueError, OSError), command="translate")
def run_translate(args):
    """Runs `keras-cgan translate`; returns the exit status (2 with an `error:` line for bad input)."""
    from keras_cgan.cli.files import make_output_folder
    from keras_cgan.data import paired_images

    config = _check(args)
    run = os.path.abspath(args.run)
    pairs = _pairs(args)
    sizes = {}
    for source, _ in pairs:
        width, height, _ = paired_images.image_header(source)
        sizes[source] = (height, width)
    from keras_cgan.cli.train import load_run

    _, _, generator = load_run(run, whole=False, command="translate")
    trained = tuple(generator.inputs[0].shape[1:3])
    from keras_cgan.models.pix2pix.defaults import default_num_downs

    downs = config["model"].get("num_downs") or default_num_downs(*trained)
    channels = int(generator.inputs[0].shape[-1])
    networks = {}
    for source, (height, width) in sizes.items():
        shape = trained if args.resize else (height, width)
        if shape not in networks:
            try:
                networks[shape] = generator_for(generator, *shape)
            except ValueError as error:
                raise ValueError(
                    f"{source}: {width}x{height} does not fit the generator trained at "
                    f"{trained[1]}x{trained[0]} ({error}: its U-Net takes sides that are multiples of "
                    f"{2 ** downs}); pass --resize to translate at the trained size, or crop the image."
                ) from None
    import tensorflow as tf

    make_output_folder(os.path.dirname(pairs[0][1]), args.output)  # an output folder given, new or not
    for source, target in pairs:
        height, width = sizes[source]
        image = _read(source, channels) / 127.5 - 1.0
        shape = trained if args.resize else (height, width)
        if shape != (height, width):
            image = tf.image.resize(image, shape, antialias=True).numpy()
        output = np.asarray(networks[shape](image[None], training=False), "float32")[0]
        if shape != (height, width):
            output = tf.image.resize(output, (height, width), antialias=True).numpy()
        _write(target, output)
    where = pairs[0][1] if len(pairs) == 1 else os.path.dirname(pairs[0][1])
    print(f"wrote {where} ({len(pairs)} image(s) translated by the pix2pix run {run})")
    return 0
