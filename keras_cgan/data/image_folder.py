"""Reading the images an annotation file names, as arrays in `[-1, 1]`."""

import csv
import os

import numpy as np

EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff")


def read_rows(path, cells=False):
    """Yields `(line_number, id, text)` from a two-column CSV file `id,text`.

    A header row (`id,...`) is skipped; the text keeps any further commas.
    With `cells`, the text is the list of its CSV cells instead.
    """
    if not os.path.isfile(path):
        raise ValueError(f"annotation file not found: {path}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: Excel's "CSV UTF-8" starts with a BOM
            rows = list(csv.reader(f))
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error}); save it as UTF-8 (Excel: \"CSV UTF-8\").") from None
    for number, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and row[0].strip().lower() in ("id", "image", "file", "filename"):
            continue
        yield number, row[0].strip(), row[1:] if cells else ",".join(row[1:]).strip()


def image_path(folder, image_id, where):
    """The file of `image_id` in `folder` (`<id>` with or without an image extension)."""
    candidates = [os.path.join(folder, image_id)] if os.path.splitext(image_id)[1] else []
    candidates += [os.path.join(folder, image_id + e) for ext in EXTENSIONS for e in (ext, ext.upper())]
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise ValueError(f"{where}: image {image_id!r} not found in {folder} (tried {candidates[0]}, ...)")


def eight_bit(image):
    """A 16-bit grayscale PIL image (mode `I;16`, `I`) scaled to 8-bit `L`; any other image as it is.

    Pillow's own `convert` clips such pixels at 255, so most of the picture turns white.
    """
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
    except (OSError, UnidentifiedImageError, SyntaxError) as error:  # truncated, or not an image
        raise ValueError(f"{path}: cannot read the image ({error}).") from error
