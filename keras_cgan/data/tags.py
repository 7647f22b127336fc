"""Image folder + tags file, in the layout anime-face collections use.

    faces/0.jpg, faces/1.jpg, ...
    tags.csv:   0,blue hair red eyes
                1,blonde hair green eyes

Tags are several words each ("blue hair"); without a vocabulary a tag ends at
each word of `tag_ends` ("hair", "eyes"), and the vocabulary is built from the
file. With a vocabulary, the longest known tag is matched at each word, and a
word that starts no known tag is an error naming it.

Tags may also be separated by commas, unquoted (`0,blue hair,red eyes`): the
text after the id keeps its commas. A row whose tags cell is empty but goes
on (`0,,note`) is an error naming its line: it is a file with more columns
than `id,tags` (or a stray comma), not tags. A header naming the `tags`
column among others (`id,tags,source`) has that column read alone, with a
warning naming the others.

Example:

>>> from keras_cgan.data import tags  # doctest: +SKIP
>>> condition, multi_hot, images = tags.load("faces", "tags.csv", image_size=32)  # doctest: +SKIP
"""


import warnings

import numpy as np
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.conditions import TagsCondition
from keras_cgan.data import image_folder

TAG_ENDS = ("hair", "eyes")


def split_tags(text, vocabulary=None, tag_ends=TAG_ENDS, where="tags"):
    """Splits `"blue hair red eyes"` into `["blue hair", "red eyes"]`.

    Commas or semicolons inside the text also separate tags. Case does not
    matter: "Blue Hair" is the tag "blue hair" (the vocabulary's spelling
    when one is given).
    """
    words = text.lower().replace(",", " , ").replace(";", " , ").split()
    tags, current = [], []
    if vocabulary is None:
        ends = {end.lower() for end in tag_ends}
        for word in words:
            if word == ",":
                if current:
                    tags.append(" ".join(current))
                current = []
                continue
            current.append(word)
            if word in ends:
                tags.append(" ".join(current))
                current = []
        if current:
            tags.append(" ".join(current))
        return tags
    known = {tuple(t.lower().split()): t for t in vocabulary}
    if not known or () in known:
        raise ValueError(f"`vocabulary` must be a non-empty list of tags, none blank. Received: vocabulary={vocabulary!r}")
    longest = max(len(t) for t in known)
    i = 0
    while i < len(words):
        if words[i] == ",":
            i += 1
            continue
        for n in range(min(longest, len(words) - i), 0, -1):
            if tuple(words[i : i + n]) in known:
                tags.append(known[tuple(words[i : i + n])])
                i += n
                break
        else:
            raise ValueError(f"{where}: tag starting at {words[i]!r} in {text!r} is not in the vocabulary")
    return tags


def read(images_dir, tags_file, image_size=64, vocabulary=None, tag_ends=TAG_ENDS):
    """Returns `(images [N, S, S, 3], tag_lists, vocabulary)`.

    A row repeating an earlier row's image and tags is read once, with one
    warning. Raises `ValueError` naming the CSV line of an image that is
    missing, of a row without tags (or with an empty tags cell and more cells
    after it), of a tag not in a given vocabulary, or of an image an earlier
    row gave other tags.
    """
    images, tag_lists, seen, repeated = [], [], {}, []
    for line, image_id, cells in image_folder.read_rows(tags_file, cells=True, folder=images_dir,
                                                   wanted=image_folder.TAG_COLUMNS):
        where = f"{tags_file}, line {line}"
        text = ",".join(cells).strip()
        found = split_tags(text, vocabulary, tag_ends, where)
        if not found:  # an empty cell, or separators only
            raise ValueError(f"{where}: image {image_id!r} has no tags; write its tags, or remove the row.")
        if not cells[0].strip():  # `0,,note`: another column's text, not tags
            raise ValueError(
                f"{where}: the tags cell of image {image_id!r} is empty but the row goes on ({text!r}); a tags file "
                f"holds `id,tags` rows (`{image_id},blue hair red eyes`): write the tags in the second cell, or "
                "remove the other columns."
            )
        path = image_folder.image_path(images_dir, image_id, where, tags_file)
        key = image_folder.file_key(path)  # `0`, `0.png`, `images/0.png` and a link to it name one file
        if key in seen:  # a row read twice would train its image twice as often, or under two tag sets
            first_line, first_tags = seen[key]
            if set(found) != set(first_tags):  # `red eyes, red eyes` is the tag once, as encoded
                raise ValueError(
                    f"{where}: image {image_id!r} ({path}) has other tags {found} than on line {first_line} "
                    f"({first_tags}); each image takes one row with all its tags (`{image_id},\"blue hair, red "
                    "eyes\"`): merge its rows into one, or correct the id."
                )
            repeated.append(line)
            continue
        seen[key] = (line, found)
        tag_lists.append(found)
        images.append(image_folder.read_image(path, image_size))
    if not images:
        raise ValueError(f"{tags_file}: no rows")
    if repeated:
        warnings.warn(
            f"{tags_file}: {len(repeated)} row(s) repeat an earlier row's image and tags (first: line "
            f"{repeated[0]}); each image is read once.",
            stacklevel=checks.user_stacklevel(),
        )
    if vocabulary is None:
        vocabulary = sorted({t for tags in tag_lists for t in tags})
    return np.stack(images), tag_lists, list(vocabulary)


def load(images_dir, tags_file, image_size=64, vocabulary=None, tag_ends=TAG_ENDS):
    """Returns `(condition, multi_hot [N, T], images [N, S, S, 3])` ready for `fit`."""
    given = vocabulary is not None
    images, tag_lists, vocabulary = read(images_dir, tags_file, image_size, vocabulary, tag_ends)
    if not given and len(vocabulary) < 2:  # the condition's own error would name a `vocabulary` never given
        raise ValueError(
            f"{tags_file}: every row holds the one tag {vocabulary[0]!r}; the tags condition tells images apart "
            "by their tags, so it needs at least 2 different tags."
        )
    condition = TagsCondition(vocabulary)
    return condition, condition.encode(tag_lists), images


def dataset(multi_hot, images, batch_size=64, seed=0):
    """A shuffled `tf.data.Dataset` of `(tags, image)` batches (whole batches: `batch_size <= len(images)`)."""
    multi_hot = np.asarray(multi_hot, "float32")
    if len(multi_hot) != len(images):
        raise ValueError(f"`multi_hot` and `images` must pair up: {len(multi_hot)} tag row(s), {len(images)} image(s).")
    batch_size = checks.integer("batch_size", batch_size, low=1, high=len(images))
    seed = checks.integer("seed", seed)
    ds = tf.data.Dataset.from_tensor_slices((multi_hot, images)).cache()
    return ds.shuffle(len(images), seed=seed).batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
