"""Reading the images an annotation file names, as arrays in `[-1, 1]`."""

import csv
import os

import numpy as np

from keras_cgan.data import files

EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff")
# A first row whose first or second cell is one of these names is a header.
ID_COLUMNS = ("id", "image", "image_id", "img", "file", "filename", "file_name", "name", "path")
TEXT_COLUMNS = ("tags", "tag", "caption", "captions", "text")


def _is_header(row, below, folder):
    """Whether `row`, the first of a file (`below`: the next row or None), names the columns.

    It does when its id or text cell is a usual column name (`ID_COLUMNS`, `TEXT_COLUMNS`), or, with the image
    `folder` known, when its id cell holds no digit and names no image there while the next row's id does
    (`image_file,description`). A numbered id (`0`, `img_001`) is an image's, missing or not.
    """
    names = [cell.strip().lower() for cell in row]
    if names[0] in ID_COLUMNS or len(names) > 1 and names[1] in TEXT_COLUMNS:
        return True
    if folder is None or below is None or any(c.isdigit() for c in names[0]):
        return False
    return _image_file(folder, row[0].strip()) is None and _image_file(folder, below[0].strip()) is not None


def read_rows(path, cells=False, folder=None):
    """Yields `(line_number, id, text)` from a two-column CSV file `id,text`.

    A header row (`id,tags`, `filename,caption`: see `_is_header`; `folder`
    is the images' folder) is skipped; the text keeps any further commas.
    With `cells`, the text is the list of its CSV cells instead, and a header
    may name a column per cell (`image,tag1,tag2`). Raises `ValueError`
    naming the line of a header of more than two columns without `cells` (a
    third column would be read into the text) and of a row separated by
    semicolons or tabs.
    """
    if not os.path.isfile(path):
        raise ValueError(f"annotation file not found: {path}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: Excel's "CSV UTF-8" starts with a BOM
            rows = [(n, row) for n, row in enumerate(csv.reader(f), start=1) if row and "".join(row).strip()]
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error}); save it as UTF-8 (Excel: \"CSV UTF-8\").") from None
    if rows and _is_header(rows[0][1], rows[1][1] if len(rows) > 1 else None, folder):
        number, row = rows.pop(0)
        if not cells and len([cell for cell in row if cell.strip()]) > 2:
            raise ValueError(
                f"{path}, line {number}: the header names the columns {row}, but the file holds two, the id and "
                f"the text (`{row[0]},{row[1]}`): the text keeps any further commas, so the other columns would "
                "be read into it. Remove the other columns."
            )
    for number, row in rows:
        if len(row) == 1 and any(separator in row[0] for separator in ";\t"):
            raise ValueError(
                f"{path}, line {number}: no comma in {row[0]!r}; separate the id and the text with a comma "
                "(`id,text`), not a semicolon or a tab."
            )
        yield number, row[0].strip(), row[1:] if cells else ",".join(row[1:]).strip()


def _candidates(folder, image_id):
    """The files `image_id` may name in `folder`: itself if it has an extension, else `<id>` + each extension."""
    candidates = [os.path.join(folder, image_id)] if os.path.splitext(image_id)[1] else []
    return candidates + [os.path.join(folder, image_id + e) for ext in EXTENSIONS for e in (ext, ext.upper())]


def _image_file(folder, image_id):
    """The file of `image_id` in `folder`, or None."""
    return next((path for path in _candidates(folder, image_id) if os.path.isfile(path)), None)


def image_path(folder, image_id, where):
    """The file of `image_id` in `folder` (`<id>` with or without an image extension)."""
    path = _image_file(folder, image_id)
    if path is None:
        tried = _candidates(folder, image_id)[0]
        raise ValueError(f"{where}: image {image_id!r} not found in {folder} (tried {tried}, ...)")
    return path


def eight_bit(image):
    """A 16-bit grayscale PIL image (mode `I;16`, `I`) scaled to 8-bit `L`; any other image as it is.

    Pillow's own `convert` clips such pixels at 255, so most of the picture turns white. A 32-bit float
    image (mode `F`, a float TIFF) has no set range: `ValueError`.
    """
    if image.mode == "F":
        raise ValueError("32-bit float pixels (mode F) have no set range; save the image with 8 or 16 bits")
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):
        from PIL import Image

        pixels = np.clip(np.asarray(image).astype("int64"), 0, 65535) >> 8  # 0..65535 -> 0..255, as TF decodes
        return Image.fromarray(pixels.astype("uint8"), "L")
    return image


def rgb(image):
    """A PIL image as RGB; transparent pixels are laid on white (`convert` keeps the colour hidden under them)."""
    from PIL import Image

    image = eight_bit(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        image = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")
    return image.convert("RGB")


def read_image(path, size):
    """Reads an image as RGB `float32` `[size, size, 3]` in `[-1, 1]` (transparent pixels as white)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image = rgb(image)
            if image.size != (size, size):
                image = image.resize((size, size), Image.BILINEAR)
            return np.asarray(image, "float32") / 127.5 - 1.0
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:  # truncated, not an image, float
        raise files.FileContentError(f"{path}: cannot read the image ({error}).") from error
