"""`keras-cgan train conditional_gan`: a ConditionalGAN on class ids (digits) or on tags (a folder).

Built-in data: the scikit-learn digits (8x8, 10 classes), the quickstart's
set and defaults. `--data DIR` reads an image folder with a tags file, as
anime-face collections ship: `DIR/tags.csv` (`id,tags` rows such as
`0,blue hair red eyes`) and the images in `DIR/images/` (or `DIR/faces/`,
or `DIR` itself); the tag vocabulary is built from the file. These names
are read in either case (`Tags.csv`, `Images/`), on every file system.
"""

import os

import numpy as np

from keras_cgan.checks import ADVERSARIAL_LOSSES
from keras_cgan.cli.recipes.spec import Data, Family, generate, register, size_option, wrong_layout
from keras_cgan.data.image_folder import EXTENSIONS
from keras_cgan.models.conditional_gan.defaults import AUXILIARY_ON_FAKE, CONDITIONINGS, DEFAULT

LAYOUT = """  DIR/tags.csv           one `id,tags` row per image, e.g. `0,blue hair red eyes`
  DIR/images/<id>.png    (or DIR/faces/<id>.jpg, or DIR/<id>.png) RGB images"""


def _batched(conditions, images, batch_size, seed):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((conditions, images)).cache()
    ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def _check_batch(count, batch_size, where):
    if count < batch_size:
        raise ValueError(f"{where} holds {count} examples, fewer than one batch of {batch_size}; lower --batch-size.")


def _entry(path, name, kind, family):
    """`path/name` as the folder spells it in any case (`Images/` for `images`; `kind`: `os.path.isfile` or
    `os.path.isdir`), as a case-insensitive file system finds it; None when there is none. Two of them (`images/`
    and `Images/`, on a case-sensitive file system) are refused, naming both."""
    from keras_cgan.data import files

    try:
        return files.entry_any_case(path, name, kind)
    except files.CaseClash as clash:
        slash = "/" if kind is os.path.isdir else ""
        first, second = (os.path.basename(clashing) + slash for clashing in (clash.first, clash.second))
        raise wrong_layout(
            path, family, f"{first} and {second} differ only in case, and these names are read in either case (as "
            "a case-insensitive file system reads them); merge them into one, or move one away."
        ) from None


def check(options, data_options, built_in):
    """`--size` with the built-in digits (`Family.check`)."""
    if built_in and options.get("size") not in (None, 8):
        raise ValueError(f"--size {options['size']}: the built-in digits are 8x8; --size applies to --data.")


def load_data(path, options, data_options, batch_size, seed, family=None):
    """`family`: the `Family` named in layout errors (StackGAN reads the same folders)."""
    from keras_cgan.data import digits, tags

    if path is None:  # --size None or 8 (`check`)
        images, labels = digits.load("train", seed=seed)
        _check_batch(len(labels), batch_size, "the digits training split")
        preview = np.repeat(np.arange(10), 10).astype("int32")  # one row per class
        derived = {"size": 8, "channels": 1, "num_classes": 10, "vocabulary": None}
        return Data(_batched(labels, images, batch_size, seed), len(labels) // batch_size, (preview, None), derived)
    family = family or FAMILY
    tags_file = _entry(path, "tags.csv", os.path.isfile, family)
    if tags_file is None:
        raise wrong_layout(path, family, f"no tags file {os.path.join(path, 'tags.csv')}.")
    images_dir = _entry(path, "images", os.path.isdir, family) or _entry(path, "faces", os.path.isdir, family) or path
    size = options.get("size") or 32
    options = dict(options, size=size)
    size_option(options, "image side for --data")
    try:
        condition, multi_hot, images = tags.load(images_dir, tags_file, image_size=size)
    except ValueError as error:
        raise wrong_layout(path, family, error) from None
    _check_batch(len(images), batch_size, f"--data {path}")
    _, first = np.unique(multi_hot, axis=0, return_index=True)
    rows = np.sort(first)[:64]  # distinct tag sets, in file order
    derived = {"size": size, "channels": 3, "num_classes": None, "vocabulary": list(condition.vocabulary)}
    train = _batched(multi_hot.astype("float32"), images, batch_size, seed)
    info = {"images": len(images), "tags": len(condition.vocabulary)}
    preview = (multi_hot[rows].astype("float32"), images[rows])
    return Data(train, len(images) // batch_size, preview, derived, info)


def build(options):
    """The `"default"` preset, with the options as overrides (`--filters` is `base_filters`)."""
    from keras_cgan.conditions import TagsCondition
    from keras_cgan.models.conditional_gan import presets

    condition = TagsCondition(options["vocabulary"]) if options["vocabulary"] else options["num_classes"]
    shape = (options["size"], options["size"], options["channels"])
    return presets.build(
        shape, condition, base_filters=options["filters"], latent_dim=options["latent_dim"],
        conditioning=options["conditioning"], auxiliary_on_fake=options["auxiliary_on_fake"],
        mismatch_weight=options["mismatch_weight"],
        diversity_weight=options["diversity_weight"], diversity_warmup=options["diversity_warmup"],
        diversity_stride=options["diversity_stride"], adversarial_loss=options["adversarial_loss"],
        seed=options["seed"],
        spectral_norm=options["spectral_norm"], r1_weight=options["r1_weight"], translation=options["translation"],
    )


def write_samples(gan, conditions, targets, path, seed):
    """Writes a grid of samples for the preview conditions (one row per class for class ids)."""
    from keras_cgan.callbacks import save_image_grid

    images = generate(gan, conditions, seed)
    columns = 10 if np.ndim(conditions) == 1 else 8  # one row per class for class ids
    return save_image_grid(images, path, rows=-(-len(images) // columns), scale=max(1, 64 // images.shape[1]))


FAMILY = register(
    Family(
        name="conditional_gan",
        summary="ConditionalGAN: class ids (built-in digits) or tags (--data) -> image",
        layout=LAYOUT,
        options={
            "size": None,
            "filters": DEFAULT["base_filters"],
            "latent_dim": DEFAULT["latent_dim"],
            "mismatch_weight": DEFAULT["mismatch_weight"],
            "diversity_weight": DEFAULT["diversity_weight"],
            "diversity_warmup": DEFAULT["diversity_warmup"],
            "diversity_stride": DEFAULT["diversity_stride"],
            "conditioning": DEFAULT["conditioning"],
            "auxiliary_on_fake": DEFAULT["auxiliary_on_fake"],
            "adversarial_loss": DEFAULT["adversarial_loss"],
            "spectral_norm": DEFAULT["spectral_norm"],
            "r1_weight": DEFAULT["r1_weight"],
            "translation": DEFAULT["translation"],
        },
        absent_means={"diversity_weight": 0.0, "diversity_warmup": 0, "diversity_stride": 1, "auxiliary_on_fake": True,
                      "translation": 0.0},  # runs made before the options existed
        option_types={"auxiliary_on_fake": (bool, str)},
        # auxiliary_on_fake "negative": tags only
        option_choices={"conditioning": CONDITIONINGS, "auxiliary_on_fake": AUXILIARY_ON_FAKE,
                        "adversarial_loss": ADVERSARIAL_LOSSES},
        counts=("latent_dim", "diversity_stride"),
        data_options={},
        epochs=100,
        batch_size=64,
        load_data=load_data,
        data_endings=EXTENSIONS + ("tags.csv",),
        build=build,
        write_samples=write_samples,
        check=check,
    )
)
