"""`tf.data` loaders of paired images for image-to-image translation.

Two folder layouts are read, as the pix2pix datasets ship them:

* **A|B**: each file holds the two images side by side; it is split at the
  middle of its width (e.g. the facades, maps and edges2shoes sets).
* **A/ and B/**: two folders of separate images matched by file name
  in any case (extensions may differ: `A/0001.png` pairs with `B/0001.jpg`,
  `A/Img1.png` with `B/img1.png`); the folders' names may be lower case (`a/`, `b/`).

`direction="AtoB"` makes A the condition and B the target; `"BtoA"` swaps
them. Every file is checked before any training starts (image header read
with Pillow, and the end of the file: a JPEG's headers are walked to its
first scan and its end marker looked for after it, a WebP's chunks are walked and a lossy one's data looked at
for zeros from its first partition on, a file of another format that does not end as its format's must is
decoded to make sure, as is every TIFF and AVIF): names present in one folder only raise `ValueError` naming the
file; a file that is not an image, a truncated image, an A|B image of odd
width or an image whose channels differ from the rest raise
`files.FileContentError` (a `ValueError`: the layout is right, that file is
not) naming the file. A/ B/ pairs whose two images differ in size are resized
to one size with one warning giving their count (`strict=True` refuses them).
A|B images are read from the folder itself; subfolders holding images are
named in a warning, as they are not read.

The pipeline decodes in parallel (JPEG and PNG with TensorFlow; BMP, GIF,
TIFF, WebP, AVIF, CMYK JPEGs, a JPEG asked for four channels, images turned by
their EXIF orientation and images holding transparency with Pillow, as
TensorFlow reads a palette BMP's indices as gray, refuses some formats and
channel counts, ignores EXIF and shows the colour under transparent pixels;
CMYK is read as RGB; every image is read by the rule of
`image_folder.pixels`, as the other loaders read it), resizes to `load_size`, caches the decoded
`uint8` images in memory, then applies random jitter (random crop to
`image_size` and a random mirror, identical for both sides of a pair), batches
and prefetches. `paired_array_dataset` runs the same jitter on pairs already
in memory.

Example:

>>> import os, tempfile
>>> import numpy as np
>>> from PIL import Image
>>> from keras_cgan.data import paired_images
>>> folder = tempfile.mkdtemp()
>>> for i in range(3):
...     Image.fromarray(np.zeros((32, 64, 3), "uint8")).save(os.path.join(folder, f"{i}.jpg"))
>>> ds = paired_images.paired_image_dataset(folder, image_size=32, batch_size=2)
>>> [tuple(t.shape) for t in next(iter(ds))]
[(2, 32, 32, 3), (2, 32, 32, 3)]
"""

import io
import os
import warnings

import numpy as np
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.data import files, image_folder
from keras_cgan.data.layouts import DIRECTIONS

IMAGE_EXTENSIONS = image_folder.EXTENSIONS  # every format read (FORMATS)
_MODE_CHANNELS = image_folder.MODE_CHANNELS  # as every loader reads each mode
# What `tf.io.decode_image` reads in any channels; every other file is decoded by Pillow.
_TF_READS = {"PNG": tuple(_MODE_CHANNELS), "JPEG": ("L", "RGB")}
FORMATS = ("JPEG", "PNG", "BMP", "GIF", "TIFF", "WEBP", "AVIF")


def _image_files(folder):
    names = files.entries(folder)
    return [os.path.join(folder, n) for n in names if os.path.isfile(os.path.join(folder, n))]


def _complete(path, fmt):
    """True when the file ends as its format's files must: a JPEG (`image_folder.open_image` refuses one cut
    short, as it does a WebP whose end is missing or zeros), a PNG's end chunk is in its last bytes, a
    GIF's last block and trailer (`00 3B`), a BMP's or WebP's size field equal to the file's size. False when
    it does not (cut short, or a writer's slip) or for a TIFF or AVIF (its end is not told without decoding).
    Reads only the file's head and tail.
    """
    if fmt == "JPEG":
        return True
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(12)
        f.seek(max(0, size - 1024))
        tail = f.read()
    if fmt == "PNG":
        return b"IEND" in tail
    if fmt == "GIF":
        return tail.endswith(b"\x00\x3b")
    if fmt == "BMP":  # bfSize, the file's size, at bytes 2-5
        return int.from_bytes(head[2:6], "little") == size
    if fmt == "WEBP":  # RIFF: the size after the first 8 bytes, at bytes 4-7
        return head[:4] == b"RIFF" and int.from_bytes(head[4:8], "little") + 8 == size
    return False


def _header(path):
    """`(width, height, channels, by_pillow)` from the image header; `ValueError` naming `path` otherwise.

    A JPEG that does not reach its end marker, or a WebP whose chunks are cut short or whose lossy data is zeros
    from its first partition on (`image_folder.webp_complete`), is refused as cut short (Pillow would decode one
    whose end is zeros); a file of another format whose end is not as its format's must be (see `_complete`), or
    a TIFF or AVIF, is decoded in full, so a file cut short is refused here rather than mid-training. The width and
    height are the upright image's: swapped for an EXIF orientation of 5 to 8, as Pillow turns it, without
    decoding it.
    `by_pillow`: the file is decoded by Pillow when read with fewer channels than this (0: never, 5: always),
    as TensorFlow's decoders refuse it or get it wrong: always a BMP, GIF, TIFF, WebP, AVIF, CMYK JPEG, an image
    turned by its EXIF orientation or one holding transparency, but an RGBA PNG only when read as gray or RGB
    (its transparent pixels laid on white; TensorFlow reads it right as RGBA).
    """
    from PIL import UnidentifiedImageError

    try:
        with image_folder.open_image(path) as image:  # a JPEG or WebP cut short refused
            fmt, mode, size = image.format, image.mode, image.size
            turned, transparent = image_folder.orientation(image), image_folder.has_transparency(image)
            if not _complete(path, fmt):  # cut short, or a TIFF or AVIF
                image.load()  # raises for a truncated file; a file with trailing bytes passes
            if mode in ("I", "F"):
                image_folder.eight_bit(image)  # pixels beyond 16 bits, or float, refused here with what to do
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        if str(error) in (image_folder.CUT_SHORT, image_folder.WEBP_CUT_SHORT, image_folder.AVIF_UNREADABLE):
            raise files.FileContentError(f"{path}: {error}.") from None
        raise files.FileContentError(
            f"{path}: not a readable image file, or cut short ({error}); replace it with a whole image, or move it "
            "out of the folder."
        ) from None
    except ValueError as error:
        raise files.FileContentError(f"{path}: cannot read the image ({error}).") from None
    if turned in (5, 6, 7, 8) and fmt != "TIFF":  # turned a quarter (Pillow opens a TIFF upright already)
        size = size[::-1]
    if fmt not in FORMATS:
        raise files.FileContentError(
            f"{path}: image format {fmt} is not supported; use {', '.join(FORMATS[:-1])} or {FORMATS[-1]}."
        )
    if mode not in _MODE_CHANNELS:
        raise files.FileContentError(f"{path}: image mode {mode!r} is not supported; save it as RGB or grayscale.")
    by_tf = mode in _TF_READS.get(fmt, ()) and turned <= 1
    by_pillow = 0 if by_tf and not transparent else 4 if by_tf and mode == "RGBA" else 5
    return size[0], size[1], _MODE_CHANNELS[mode], by_pillow


def image_header(path):
    """`(width, height, channels)` of an image file, checked as the loaders check it.

    Raises `ValueError` naming `path` for a file that is not a JPEG, PNG, BMP,
    GIF, TIFF, WebP or AVIF image (AVIF where Pillow reads it), is cut short, or has an unsupported mode.
    """
    return _header(path)[:3]


def _decode_with_pillow(contents, channels):
    """An image file's `contents` (bytes) as uint8 `[H, W, channels]`, decoded by Pillow.

    For the files TensorFlow's decoders get wrong or refuse: a BMP (a
    palette's indices are read as gray, 1-bit files fail), a GIF (3
    channels only), a TIFF, WebP or AVIF, a CMYK JPEG (1 channel fails), a
    JPEG asked for 4 channels, an image turned by its EXIF orientation and
    one holding transparency (TensorFlow shows the colour under it), read by
    `image_folder.pixels`.
    """
    from PIL import Image

    with Image.open(io.BytesIO(contents)) as image:  # a GIF: its first frame, as `decode_image` takes
        image = image_folder.pixels(image, {1: "L", 3: "RGB", 4: "RGBA"}[int(channels)])
        return np.asarray(image, "uint8").reshape(image.size[1], image.size[0], int(channels))


def _side_folders(path):
    """`(A folder, B folder)` in `path`, their names in either case (`a/`), None for a missing one.

    Raises `ValueError` naming both folders of one side (`A/` and `a/`, on a case-sensitive file system).
    """
    try:
        return tuple(files.entry_any_case(path, side, os.path.isdir) for side in "ab")
    except files.CaseClash as clash:
        raise ValueError(
            f"{clash.first} and {clash.second} both name side {os.path.basename(clash.first).upper()} of the pairs "
            "(folder names are read in either case); merge them into one folder, or move one away."
        ) from None


def _common_channels(paths_and_channels, channels, what):
    """Checks all files have the channels of the first (unless `channels` is forced)."""
    if channels is not None:
        return channels
    first_path, first = paths_and_channels[0]
    for path, got in paths_and_channels[1:]:
        if got != first:
            raise files.FileContentError(
                f"{path}: {what} image has {got} channel(s) but {first_path} has {first}; "
                f"convert the files or pass `channels=` to convert on load."
            )
    return first


def scan_paired_folder(path, channels=None):
    """Lists and checks the files of a paired dataset folder.

    Args:
        path: str. A folder of A|B images, or a folder with subfolders `A`
            and `B` (or `a` and `b`) matched by file name.
        channels: int, pair of ints or None. Channels to decode A and B to
            (gray files become RGB for 3 and so on); `None` takes them from
            the files and requires every file of a side to agree.

    Returns:
        A dict with `layout` (`"side_by_side"` or `"folders"`), `a_files`,
        `b_files` (equal to `a_files` for side by side), `channels`
        (a pair: A's and B's) and `size_mismatches` (the A files whose B
        image has another size).

    Raises:
        ValueError: naming the folder or file when the layout is at fault
            (no images, a name in only one of A/ and B/ or twice in one), or
            `files.FileContentError` (a `ValueError`) naming the file when
            its content is (not an image, cut short, odd width, channels).
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise ValueError(f"{path}: no such folder.")
    forced = (channels, channels) if isinstance(channels, int) or channels is None else tuple(channels)
    for c in forced:
        if c is not None and c not in (1, 3, 4):
            raise ValueError(f"`channels` must be 1, 3 or 4. Received: channels={channels}")
    folder_a, folder_b = _side_folders(path)
    if folder_a and folder_b:
        a_files, b_files = _image_files(folder_a), _image_files(folder_b)
        name = lambda p: os.path.splitext(os.path.basename(p))[0]
        try:  # as a case-insensitive file system reads names: `Img1.png` is `img1.png`
            a_by, b_by = files.by_name_any_case(a_files, name), files.by_name_any_case(b_files, name)
        except files.NameClash as clash:  # of case (`a.png`, `A.png`) or extension (`a.png`, `a.jpg`)
            raise ValueError(
                f"{clash.first} and {clash.second} have one name: pairs are matched by name in any case without its "
                "extension, so each name may occur once in A/ and once in B/; rename or remove one of them."
            ) from None
        for here, there, other in ((a_by, b_by, folder_b), (b_by, a_by, folder_a)):
            for key in sorted(set(here) - set(there)):
                raise ValueError(f"{here[key]}: no file named {name(here[key])!r} in {other} to pair it with.")
        if not a_by:
            raise ValueError(
                f"{path}: folders {os.path.basename(folder_a)}/ and {os.path.basename(folder_b)}/ hold no images."
            )
        names = sorted(a_by)
        a_files, b_files = [a_by[n] for n in names], [b_by[n] for n in names]
        a_headers, b_headers = [_header(p) for p in a_files], [_header(p) for p in b_files]
        a_info = [(p, h[2]) for p, h in zip(a_files, a_headers)]
        b_info = [(p, h[2]) for p, h in zip(b_files, b_headers)]
        channels = (_common_channels(a_info, forced[0], "A"), _common_channels(b_info, forced[1], "B"))
        resized = [a for a, ha, hb in zip(a_files, a_headers, b_headers) if ha[:2] != hb[:2]]
        return {
            "layout": "folders", "a_files": a_files, "b_files": b_files, "channels": channels,
            "size_mismatches": resized,
            "by_pillow": {p: h[3] for p, h in zip(a_files + b_files, a_headers + b_headers) if h[3]},
        }
    image_files = _image_files(path)
    if not image_files:
        raise ValueError(f"{path}: no images (expected A|B images, or subfolders A/ and B/).")
    info, narrow, by_pillow = [], [], {}
    for p in image_files:
        width, height, c, pillow = _header(p)
        if pillow:
            by_pillow[p] = pillow
        if width % 2:
            raise files.FileContentError(
                f"{p}: width {width} is odd, so the image cannot be split into equal A|B halves; crop it to an even "
                "width (condition left, target right), or remove it."
            )
        if width < 1.5 * height:
            narrow.append(p)
        info.append((p, c))
    nested = [n for n in files.entries(path) if os.path.isdir(os.path.join(path, n))  # not a run folder's samples
              and any(f.lower().endswith(IMAGE_EXTENSIONS) for f in files.entries(os.path.join(path, n)))
              and not os.path.isfile(os.path.join(path, n, "config.json"))]
    if nested:
        warnings.warn(
            f"{path}: the subfolder(s) {nested} hold images, which are not read: A|B images are read from {path} "
            "itself. Move them into it to train on them, or pass each folder as its own dataset.",
            stacklevel=checks.user_stacklevel(),
        )
    if narrow:
        warnings.warn(
            f"{path}: A|B images hold both sides side by side, about twice as wide as tall; {len(narrow)} of "
            f"{len(image_files)} are not (e.g. {narrow[0]}): is this one side of the pairs? Pairs in two folders go "
            "in subfolders A/ and B/, matched by file name.",
            stacklevel=checks.user_stacklevel(),
        )
    c = _common_channels(info, forced[0], "A|B")
    return {
        "layout": "side_by_side", "a_files": image_files, "b_files": image_files, "channels": (c, forced[1] or c),
        "size_mismatches": [], "by_pillow": by_pillow,
    }


def _jitter_pairs(ds, image_size, jitter, seed):
    """Random crop + mirror, identical on both sides; uint8 -> float32 in [-1, 1]."""
    to_float = lambda x: tf.cast(x, "float32") / 127.5 - 1.0

    def crop_and_flip(pair, seeds):
        a, b = pair
        channels_a = tf.shape(a)[-1]
        both = tf.concat([a, b], axis=-1)  # [load, load, Ca + Cb]
        if jitter:
            depth = tf.shape(both)[-1]
            both = tf.image.stateless_random_crop(both, [image_size, image_size, depth], seed=seeds[0])
            both = tf.image.stateless_random_flip_left_right(both, seed=seeds[1])
        else:
            both = tf.image.resize_with_crop_or_pad(both, image_size, image_size)  # centre crop
        return to_float(both[..., :channels_a]), to_float(both[..., channels_a:])

    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(4)
    seeds = seeds.map(lambda s: tf.reshape(s, [2, 2]))
    return tf.data.Dataset.zip((ds, seeds)).map(crop_and_flip, num_parallel_calls=tf.data.AUTOTUNE)


def _finish(ds, num, image_size, load_size, jitter, batch_size, shuffle, cache, seed, direction, drop_remainder):
    if direction not in DIRECTIONS:
        raise ValueError(f"`direction` must be one of {DIRECTIONS}. Received: direction={direction!r}")
    seed = checks.integer("seed", seed, optional=True)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(num, 4096), seed=seed, reshuffle_each_iteration=True)
    ds = _jitter_pairs(ds, image_size, jitter, seed)
    if direction == "BtoA":
        ds = ds.map(lambda a, b: (b, a))
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def _check_sizes(image_size, load_size, batch_size):
    checks.integer("image_size", image_size, low=1)
    checks.integer("load_size", load_size, low=1)
    checks.integer("batch_size", batch_size, low=1)
    if load_size < image_size:
        raise ValueError(
            f"`load_size` must be >= `image_size`. Received: load_size={load_size}, image_size={image_size}"
        )


def paired_image_dataset(
    path,
    direction="AtoB",
    image_size=256,
    load_size=None,
    jitter=True,
    batch_size=1,
    shuffle=True,
    cache=True,
    channels=None,
    seed=None,
    drop_remainder=False,
    strict=False,
    scan=None,
):
    """A `tf.data.Dataset` of `(condition, target)` batches from a paired folder.

    Args:
        path: str. A folder of A|B images or with subfolders `A/` and `B/`.
        direction: str. `"AtoB"` (condition A, target B) or `"BtoA"`.
            Defaults to `"AtoB"`.
        image_size: int. Side of the square images yielded. Defaults to `256`.
        load_size: int. Side the images are resized to before the random
            crop. Defaults to `image_size * 286 // 256` with `jitter`, else
            `image_size` (the paper's 286 -> 256).
        jitter: bool. Random crop and mirror, the same for A and B. Turn it
            off for evaluation. Defaults to `True`.
        batch_size: int. Defaults to `1` (the paper's).
        shuffle: bool. Reshuffle every epoch. Defaults to `True`.
        cache: bool. Keep the decoded, resized images in memory after the
            first epoch. Defaults to `True`.
        channels: int, pair of ints or None. See `scan_paired_folder`.
        seed: int. Seed of the shuffle and the jitter. Defaults to `None`.
        drop_remainder: bool. Drop the last short batch. Defaults to `False`.
        strict: bool. Refuse A/ B/ pairs whose images differ in size
            (`ValueError` naming the first); otherwise they are resized to
            the load size with one `UserWarning` giving their count.
            Defaults to `False`.
        scan: dict or None. What `scan_paired_folder(path, channels)`
            returned, to use instead of reading every file's header again.
            Defaults to `None`.

    Returns:
        `tf.data.Dataset` of float32 pairs in `[-1, 1]`,
        `[B, image_size, image_size, C]` each.
    """
    if load_size is None:
        load_size = image_size * 286 // 256 if jitter else image_size
    _check_sizes(image_size, load_size, batch_size)
    if direction not in DIRECTIONS:
        raise ValueError(f"`direction` must be one of {DIRECTIONS}. Received: direction={direction!r}")
    scan = scan_paired_folder(path, channels) if scan is None else scan
    mismatched = scan["size_mismatches"]
    if mismatched and strict:
        raise files.FileContentError(
            f"{mismatched[0]}: its B image has another size ({len(mismatched)} pair(s) in {path} differ); "
            "resize the files, or train without strict to have them resized on load."
        )
    if mismatched:
        warnings.warn(
            f"{path}: {len(mismatched)} of {len(scan['a_files'])} A/B pairs differ in size (first: "
            f"{mismatched[0]}); both images are resized to {load_size}x{load_size}"
            + (f", then cropped{' at random' if jitter else ''} to {image_size}x{image_size}, as every pair is."
               if load_size > image_size else ", as every pair is."),
            stacklevel=checks.user_stacklevel(),
        )
    channels_a, channels_b = scan["channels"]
    side_by_side = scan["layout"] == "side_by_side"

    def decode(file, pillow, channels_):
        contents = tf.io.read_file(file)
        start = tf.strings.substr(contents, 0, 3)
        by_pillow = tf.logical_or(pillow > channels_, tf.strings.substr(start, 0, 2) == "BM")
        by_pillow = tf.logical_or(by_pillow, start == "GIF")
        if channels_ == 4:
            by_pillow = tf.logical_or(by_pillow, tf.strings.substr(start, 0, 2) == b"\xff\xd8")  # a JPEG
        image = tf.cond(
            by_pillow,
            lambda: tf.numpy_function(_decode_with_pillow, [contents, channels_], tf.uint8, stateful=False),
            lambda: tf.io.decode_image(contents, channels=channels_, expand_animations=False),
        )
        image.set_shape([None, None, channels_])
        return image

    def resize(image):
        image = tf.image.resize(image, [load_size, load_size], method="bilinear", antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), "uint8")

    def load(file_a, file_b, pillow_a, pillow_b):
        if side_by_side:
            image = decode(file_a, pillow_a, channels_a)
            half = tf.shape(image)[1] // 2
            both = image if channels_b == channels_a else decode(file_a, pillow_a, channels_b)
            a, b = image[:, :half], both[:, half:]
        else:
            a, b = decode(file_a, pillow_a, channels_a), decode(file_b, pillow_b, channels_b)
        return resize(a), resize(b)

    pillow = dict(scan.get("by_pillow", {}))
    flags = [[pillow.get(p, 0) for p in scan[side]] for side in ("a_files", "b_files")]  # see `_header`
    ds = tf.data.Dataset.from_tensor_slices((scan["a_files"], scan["b_files"], *flags))
    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return _finish(
        ds, len(scan["a_files"]), image_size, load_size, jitter, batch_size, shuffle, cache, seed,
        direction, drop_remainder,
    )


def paired_array_dataset(
    a,
    b,
    direction="AtoB",
    image_size=None,
    jitter=True,
    batch_size=1,
    shuffle=True,
    seed=None,
    drop_remainder=False,
):
    """The same pipeline on pairs already in memory: `uint8` arrays `[N, L, L, C]`.

    `a` and `b` are already at the load size; `image_size` (default: that
    size) is the crop.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != np.uint8 or b.dtype != np.uint8 or a.ndim != 4 or b.ndim != 4:
        raise ValueError(
            f"`a` and `b` must be uint8 arrays [N, H, W, C]. Received {a.dtype}{a.shape} and {b.dtype}{b.shape}."
        )
    if a.shape[:3] != b.shape[:3]:
        raise ValueError(f"`a` {a.shape} and `b` {b.shape} must have the same N, height and width.")
    if a.shape[1] != a.shape[2]:
        raise ValueError(
            f"`a` and `b` must hold square images [N, L, L, C] (resize or crop them first). Received {a.shape}."
        )
    load_size = a.shape[1]
    image_size = image_size or load_size
    _check_sizes(image_size, load_size, batch_size)
    ds = tf.data.Dataset.from_tensor_slices((a, b))
    return _finish(
        ds, len(a), image_size, load_size, jitter, batch_size, shuffle, False, seed, direction, drop_remainder
    )
