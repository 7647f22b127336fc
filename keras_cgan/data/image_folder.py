"""Reading the images an annotation file names, as arrays in `[-1, 1]`."""

import collections
import csv
import functools
import os
import re
import warnings

import numpy as np

from keras_cgan import checks
from keras_cgan.data import files

# Read by every image loader (an AVIF where Pillow reads it: `avif_readable`).
EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff", ".avif")
# A first row whose first or second cell is one of these names is a header.
# The channels an image of each Pillow mode is read in, by every loader: gray + alpha as gray, a palette image as
# RGB (transparent pixels on white: `pixels`), 16- and 32-bit gray (I;16, I) scaled to 8 bits, CMYK and YCbCr as RGB.
MODE_CHANNELS = {
    "1": 1, "L": 1, "LA": 1, "La": 1, "I;16": 1, "I;16B": 1, "I;16L": 1, "I": 1, "P": 3, "PA": 3, "RGB": 3,
    "RGBX": 3, "YCbCr": 3, "CMYK": 3, "RGBA": 4,
}
ID_COLUMNS = ("id", "image", "image_id", "img", "file", "filename", "file_name", "name", "path")
TEXT_COLUMNS = ("tags", "tag", "caption", "captions", "text")
TAG_COLUMNS = ("tags", "tag")
CAPTION_COLUMNS = ("caption", "captions", "text")
_NUMBERED = re.compile(r"(tags?|captions?|text)[ _-]?[0-9]+")  # `tag1`, `tag_2`: one tag per cell


def _is_header(row, folder):
    """Whether `row`, the first of a file, names the columns: its id or text cell is a usual column name
    (`ID_COLUMNS`, `TEXT_COLUMNS`), or it names both an id and a text column (`source,id,tags`), unless its id
    names an image in `folder` (when known) and its second cell no text column.
    """
    names = [cell.strip().lower() for cell in row]
    text_named = len(names) > 1 and names[1] in TEXT_COLUMNS
    both_named = any(n in ID_COLUMNS for n in names) and any(n in TEXT_COLUMNS for n in names)
    if not (names[0] in ID_COLUMNS or text_named or both_named):
        return False
    return folder is None or text_named or not _has_image(folder, row[0].strip())


def _columns(header, wanted):
    """`(id column, text columns, other column names)` a header names, or None when it names no text column
    or nothing but the id and the text (the text is then every cell after the first, as without a header).

    The text columns are those of `wanted` (e.g. `TAG_COLUMNS`) and their numbered ones (`tag1`), else any of
    `TEXT_COLUMNS` and numbered ones, with the unnamed ones after them; the id column is the first of
    `ID_COLUMNS` (else the first), and may come after the text (`tags,image`). An unnamed column before the
    text (`id,,tags`, a spreadsheet's index column `,id,tags`) is not text: it is left out.
    """
    names = [cell.strip().lower() for cell in header]
    key = next((i for i, n in enumerate(names) if n in ID_COLUMNS), 0)
    numbered = _NUMBERED.fullmatch
    text = [i for i, n in enumerate(names) if i != key and (n in wanted or numbered(n) and numbered(n)[1] in wanted)] \
        or [i for i, n in enumerate(names) if i != key and (n in TEXT_COLUMNS or numbered(n))]
    if not text:
        return None
    text += [i for i in range(text[-1] + 1, len(names)) if not names[i]]  # spill-over cells of the text
    others = [header[i].strip() for i, n in enumerate(names) if n and i != key and i not in text]
    if not others and key == 0 and text == list(range(1, len(names))):
        return None
    return key, text, others


def read_rows(path, cells=False, folder=None, wanted=TEXT_COLUMNS):
    """Yields `(line_number, id, text)` from a two-column CSV file `id,text`.

    A header row (`id,tags`, `filename,caption`: see `_is_header`; `folder`
    is the images' folder) is skipped, and a first row whose image alone is
    missing from `folder` is named as a header to rename or a missing image; the text keeps any further commas.
    With `cells`, the text is the list of its CSV cells instead, and a header
    may name a column per cell (`image,tag1,tag2`). A header naming other
    columns as well (`id,tags,source`) has its text column(s) read alone (those
    of `wanted` if it names any), the others left out with a warning naming
    them. Raises `ValueError` naming the line of a header of more than two columns
    none of them text, or of several text columns, without `cells` (a third
    column would be read into the text), of a row longer than such a header
    (its text's unquoted commas), and of a row separated by semicolons or tabs.
    """
    if not os.path.isfile(path):
        raise ValueError(f"annotation file not found: {path}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: Excel's "CSV UTF-8" starts with a BOM
            rows = [(n, row) for n, row in enumerate(csv.reader(f), start=1) if row and "".join(row).strip()]
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error}); save it as UTF-8 (Excel: \"CSV UTF-8\").") from None
    columns = None
    if rows and _is_header(rows[0][1], folder):
        number, header = rows.pop(0)
        columns = _columns(header, wanted)
        if columns is None and not cells and len([cell for cell in header if cell.strip()]) > 2:
            raise ValueError(
                f"{path}, line {number}: the header names the columns {header}, none of them the text "
                f"({', '.join(wanted)}): the text keeps any further commas, so the other columns would be read "
                "into it. Name the text column, or remove the other columns."
            )
        named = [header[i].strip() for i in columns[1] if header[i].strip()] if columns else []
        if len(named) > 1 and not cells:
            raise ValueError(
                f"{path}, line {number}: the header names {len(named)} text columns {named}, but one text is read "
                "per image: keep one of these columns, or remove the others."
            )
        if columns and columns[2]:
            warnings.warn(
                f"{path}, line {number}: the header names the columns {header}; only "
                f"{' and '.join(map(repr, named))} {'are' if len(named) > 1 else 'is'} read, the columns "
                f"{columns[2]} are left out.",
                stacklevel=checks.user_stacklevel(),
            )
    elif folder is not None and len(rows) > 1 and not _has_image(folder, rows[0][1][0].strip()) \
            and _has_image(folder, rows[1][1][0].strip()):  # a header of other names, or a missing image
        number, row = rows[0]
        raise ValueError(
            f"{path}, line {number}: image {row[0].strip()!r} not found in {folder}, though line "
            f"{rows[1][0]}'s is. If line {number} names the columns, name the first `id` or `image`."
        )
    for number, row in rows:
        if len(row) == 1 and any(separator in row[0] for separator in ";\t"):
            raise ValueError(
                f"{path}, line {number}: no comma in {row[0]!r}; separate the id and the text with a comma "
                "(`id,text`), not a semicolon or a tab."
            )
        if columns is not None and any(cell.strip() for cell in row[len(header):]):
            raise ValueError(
                f"{path}, line {number}: {len(row)} cells, but the header names {len(header)} columns {header}: "
                "which cells are the text is unclear. Quote a text cell holding commas (`\"blue hair, red eyes\"`), "
                "or remove the other columns."
            )
        image_id, text = (row[0], row[1:]) if columns is None else _cells(row, *columns[:2])
        yield number, image_id.strip(), text if cells else ",".join(text).strip()


def _cells(row, key, text):
    """`(id, text cells)` of a data `row` by the header's columns (a shorter row's missing cells are empty)."""
    return (row[key] if key < len(row) else ""), [row[i] for i in text if i < len(row)]


def _candidates(folder, image_id):
    """The files `image_id` may name in `folder`: itself if it has an extension, else `<id>` + each extension."""
    candidates = [os.path.join(folder, image_id)] if os.path.splitext(image_id)[1] else []
    return candidates + [os.path.join(folder, image_id + e) for ext in EXTENSIONS for e in (ext, ext.upper())]


@functools.lru_cache(maxsize=8)
def _by_extension(directory, modified):
    """`{(lower-case stem, lower-case extension): [names]}` of the image files in `directory` (`modified`: its
    mtime, so a changed folder is listed again)."""
    table = {}
    for name in sorted(os.listdir(directory)):
        stem, extension = os.path.splitext(name)
        if extension.lower() in EXTENSIONS:
            table.setdefault((stem.lower(), extension.lower()), []).append(name)
    return table


@functools.lru_cache(maxsize=4096)
def _twins(directory, modified):
    """The entries of `_by_extension(directory, modified)` whose name (in any case, without its extension) two
    files or more share (`a.png` and `A.png`, `0.jpg` and `0.png`): few or none, so kept for many folders, and a
    file found as spelled is checked without listing its folder again."""
    table = _by_extension.__wrapped__(directory, modified)
    files_of = collections.Counter()
    for (stem, _), names in table.items():
        files_of[stem] += len(names)
    return {key: names for key, names in table.items() if files_of[key[0]] > 1}


@functools.lru_cache(maxsize=256)
def _folders_by_name(directory, modified):
    """`{lower-case name: [names]}` of the folders in `directory` (`files.entries`; `modified`: its mtime)."""
    table = {}
    for name in files.entries(directory):
        if os.path.isdir(os.path.join(directory, name)):
            table.setdefault(name.lower(), []).append(name)
    return table


def file_key(path):
    """A key one entry has under each of its names: a link, or another case on a case-insensitive file system
    (`Images/` and `images/` on a Mac are one folder). `OSError` when `path` is gone."""
    status = os.stat(path)
    return (status.st_dev, status.st_ino) if status.st_ino else os.path.normcase(os.path.realpath(path))


def _distinct(paths):
    """`paths` without those naming an entry named before (`file_key`)."""
    seen, kept = set(), []
    for path in paths:
        try:
            key = file_key(path)
        except OSError:  # gone meanwhile
            continue
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept


def _folder_spellings(folder, relative):
    """Every folder `folder/relative` names with its parts read in any case (`Images/` and `images/` for
    `images`, on a case-sensitive file system), in the order of their names; `[]` when there is none."""
    found = [folder]
    for part in os.path.normpath(relative).split(os.sep) if relative else []:
        if part in (os.curdir, os.pardir):
            found = [os.path.join(directory, part) for directory in found]
            continue
        spellings = []
        for directory in found:
            spelled = os.path.join(directory, part)
            try:  # the cached listing, then a fresh one when it has none (a folder's mtime may not change)
                names = _folders_by_name(directory, os.stat(directory).st_mtime_ns).get(part.lower(), [])
                if not names and not os.path.isdir(spelled):
                    names = _folders_by_name.__wrapped__(directory, None).get(part.lower(), [])
            except OSError:  # not a folder that can be listed
                names = []
            names = sorted({*names, *([part] if os.path.isdir(spelled) else [])})
            spellings += [os.path.join(directory, name) for name in names]
        found = _distinct(spellings)
    return found


def _files_named(directory, table, keys):
    """The files of `directory` named in `table` (of `_by_extension`) under `keys`."""
    found = [os.path.join(directory, n) for key in keys for n in table.get(key, ())]
    return [path for path in found if os.path.isfile(path)]


def _one_file(found):
    """The one file of `found`, or None; the `files.clash` of the first two when several are: the one rule of
    a name that finds two files."""
    found = _distinct(found) if len(found) > 1 else found
    if len(found) > 1:
        raise files.clash(*found[:2])
    return found[0] if found else None


def _image_file(folder, image_id):
    """The file of `image_id` in `folder`, its name and its folders' names in any case (`0.Jpg`, `IMG_1.png` for
    `img_1`, `Images/0.png` for `images/0.png`), as a case-insensitive file system finds it; None when there is
    none. `files.NameClash` naming two files it finds: a `CaseClash` for names that differ only in case
    (`a.png` and `A.png`, `images/a.png` and `Images/a.png`, on a case-sensitive file system), an
    `ExtensionClash` for an id without its extension found with two (`0` as `0.jpg` and `0.png`)."""
    candidates = _candidates(folder, image_id)
    path = next((path for path in candidates if os.path.isfile(path)), None)
    if path is None and not image_id:
        return None
    inside = not os.path.isabs(image_id)
    if path is not None:  # found as spelled: refused only beside another spelling of its name or its folders'
        directory, name = os.path.split(path)
        try:
            table = _twins(directory, os.stat(directory).st_mtime_ns)
        except OSError:  # gone meanwhile
            return path
        stem, extension = os.path.splitext(name)
        named = path == candidates[0] and os.path.splitext(image_id)[1]  # the id names the file with its extension
        keys = [(stem.lower(), extension.lower())] if named else [(stem.lower(), e) for e in EXTENSIONS]
        found = []
        for other in _folder_spellings(folder, os.path.dirname(image_id)) if inside else [directory]:
            if os.path.normpath(other) == os.path.normpath(directory):
                found += _files_named(directory, table, keys) or [path]
                continue
            try:  # the id's other spellings of its folders (`Images/` beside `images/`)
                found += _files_named(other, _by_extension(other, os.stat(other).st_mtime_ns), keys)
            except OSError:  # gone meanwhile
                continue
        _one_file(found)  # a clash raised
        return path
    name = os.path.basename(image_id)
    stem, extension = os.path.splitext(name)
    keys = [(stem.lower(), extension.lower())] if extension else []
    directory = os.path.dirname(os.path.join(folder, image_id))
    directories = _folder_spellings(folder, os.path.dirname(image_id)) if inside else \
        [directory] if os.path.isdir(directory) else []
    for fresh in (False, True):  # the cached listings, then fresh ones only when they miss (an mtime may not change)
        tables = []
        for directory in directories:
            try:
                tables.append((directory, _by_extension.__wrapped__(directory, None) if fresh else
                               _by_extension(directory, os.stat(directory).st_mtime_ns)))
            except OSError:  # gone meanwhile
                continue
        for group in ([keys] if keys else []) + [[(name.lower(), e) for e in EXTENSIONS]]:
            found = [path for directory, table in tables for path in _files_named(directory, table, group)]
            if found:
                return _one_file(found)
    return None


def _has_image(folder, image_id):
    """Whether `image_id` names a file in `folder` (one of two it names counts)."""
    try:
        return _image_file(folder, image_id) is not None
    except files.NameClash:
        return True


def image_path(folder, image_id, where, annotations=None):
    """The file of `image_id` in `folder` (`<id>` with or without an image extension), else in the folder of
    the annotation file `annotations` (which ids such as `images/0.png` start from); its name in any case.
    `ValueError` naming two files it names: whose names differ only in case, or an id without its extension
    found with two."""
    base = os.path.dirname(os.path.abspath(annotations)) if annotations else None
    try:
        path = _image_file(folder, image_id) or (_image_file(base, image_id) if base and image_id else None)
    except files.NameClash as clash:
        why = ("only in case (image names are read in any case, as a case-insensitive file system reads them)"
               if isinstance(clash, files.CaseClash) else
               "in extension (an id without its extension is read with any image extension, in any case)")
        raise ValueError(
            f"{where}: image {image_id!r} names both {clash.first} and {clash.second}, whose names differ {why}; "
            "rename or remove one of them."
        ) from None
    if path is None:
        tried = _candidates(folder, image_id)[0]
        also = f", nor in the annotation file's folder {base}" if base and base != os.path.abspath(folder) else ""
        slashed = image_id.replace("\\", "/")
        if os.sep == "/" and slashed != image_id and any(_has_image(f, slashed) for f in (folder, base) if f):
            also += f"; write it {slashed!r}: folders in ids are separated by `/` here, not Windows' `\\`"
        else:
            also += "; add the image, or remove its row"
        raise ValueError(f"{where}: image {image_id!r} not found in {folder} (tried {tried}, ...){also}.")
    return path


ORIENTATION = 0x0112  # the EXIF tag a camera turns its pictures by
CUT_SHORT = (
    "cut short: the JPEG's data stops before its end marker (a download or copy that did not finish, or its end "
    "overwritten with zeros); copy the file again, or remove it"
)
WEBP_CUT_SHORT = (
    "cut short: the WebP's chunks run past the end of the file, or its image data ends in zeros (a download or "
    "copy that did not finish, or its end overwritten with zeros); copy the file again, or remove it"
)
AVIF_UNREADABLE = (
    "an AVIF image, which this Pillow does not read (built without libavif, or older than 11.2); install a "
    "Pillow that does (`pip install -U \"pillow>=11.2\"`: its wheels read AVIF), or convert the file to PNG"
)
AVIF_UNWRITABLE = (
    "an AVIF image, which this Pillow does not write (built without libavif, or older than 11.2); install a "
    "Pillow that does (`pip install -U \"pillow>=11.2\"`: its wheels write AVIF), or give a name ending in .png"
)
_HEAD = 1 << 16  # bytes read for a JPEG's headers (an EXIF block with its thumbnail fits)


def _scan_start(data):
    """Where the first scan's data starts in a JPEG's bytes `data`, walked segment by segment from the start
    marker (each header by its length); None when `data` ends first."""
    position = 2
    while True:
        position = data.find(b"\xff", position)  # (stray bytes between segments are skipped, as decoders do)
        if position < 0 or position + 4 > len(data):
            return None
        marker = data[position + 1]
        if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:  # a fill byte, a marker without a segment
            position += 1 if marker == 0xFF else 2
            continue
        if marker == 0xD9:  # the end marker, before any scan
            return None
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == 0xDA:
            return position if position <= len(data) else None


def jpeg_complete(path):
    """Whether the JPEG file `path` holds its end marker after the start of its first scan (its headers walked
    by their lengths, so an end marker in an EXIF thumbnail does not count).

    False for a file cut short, also one whose end is zeros (a download or copy that stopped in a file made at
    its full size): Pillow decodes such a file without a word, TensorFlow refuses it mid-training. Bytes after
    the end marker (a phone's motion-photo video, another program's trailer) are allowed, as both decoders
    ignore them. Reads the first 64 KiB and the last KiB (more only when the headers or bytes after the end
    marker are longer); decodes nothing.
    """
    with open(path, "rb") as f:
        data = f.read(_HEAD)
        start = _scan_start(data)
        if start is None and len(data) == _HEAD:  # headers beyond the first 64 KiB (ICC profiles)
            data += f.read()
            start = _scan_start(data)
        if start is None:
            return False
        size = f.seek(0, os.SEEK_END)
        if size > len(data):  # the tail, then all of the data when the end marker is not in it
            f.seek(max(start, size - 1024))
            if b"\xff\xd9" in f.read():
                return True
            f.seek(start)
            data, start = f.read(), 0
        return data.find(b"\xff\xd9", start) >= 0


def _zeros_from(f, start, end):
    """Whether the bytes of the open file `f` from `start` to `end` are all zeros; read from the end back, so a
    run of zeros costs only its own length."""
    while end > start:
        f.seek(max(start, end - _HEAD))
        block = f.read(end - max(start, end - _HEAD))
        if block.strip(b"\0") or not block:
            return False
        end -= len(block)
    return True


def webp_complete(path):
    """Whether the WebP file `path` holds all its chunks, and a lossy image's data past its first partition (the
    modes, whose size its frame header gives) is not all zeros from 16 bytes before that partition's end.

    False for a file cut short, also one whose end is zeros from within the first partition on (a download or
    copy that stopped there in a file made at its full size): Pillow decodes such a file without a word, its lost
    part as a smear. A zeroed end past the first partition, or in a lossless image, passes: a valid image's data
    may end in long runs of zeros (libwebp ends a flat image at quality 100 in about one zero byte per 16 x 16
    block, a quarter of its data). Bytes after the RIFF's end are allowed, as decoders ignore them. Reads the
    chunk headers and the image data's zeroed end; decodes nothing.
    """
    with open(path, "rb") as f:
        head = f.read(12)
        size = f.seek(0, os.SEEK_END)
        end = 8 + int.from_bytes(head[4:8], "little")
        if head[:4] != b"RIFF" or head[8:12] != b"WEBP" or end > size:
            return False
        position = 12
        while position < end:  # each chunk: a four-letter name, its size, its data (padded to an even size)
            f.seek(position)
            header = f.read(11)
            tag, length = header[:4], int.from_bytes(header[4:8], "little")
            if len(header) < 8 or not re.fullmatch(rb"[A-Za-z0-9 ]{4}", tag) or position + 8 + length > end:
                return False  # a name overwritten with zeros, or data past the end
            if tag == b"VP8 " and len(header) == 11:  # the frame tag: 19 bits of the first partition's size
                data, first = position + 8, int.from_bytes(header[8:11], "little") >> 5
                if 10 + first > length:  # (the frame tag, start code, width and height: 10 bytes)
                    return False
                if first > 16 and _zeros_from(f, data + 10 + first - 16, data + length):
                    return False
            position += 8 + length + (length & 1)
    return True


def orientation(image):
    """The EXIF orientation of a PIL image (1: upright, as stored; 5-8: its width and height swap).

    A PNG's EXIF is read only from before its pixels, where the format places it: Pillow would decode the whole
    image to look for one after them, and every PNG's header check would cost a full decode.
    """
    if image.format == "PNG" and "exif" not in image.info:
        return 1
    try:
        return int(image.getexif().get(ORIENTATION, 1))
    except (TypeError, ValueError, SyntaxError, OSError):  # a broken EXIF block: the pixels as stored
        return 1


def upright(image):
    """A PIL image turned as its EXIF orientation says (a phone's photo taken sideways); else as it is."""
    if orientation(image) in (1, 0):
        return image
    from PIL import ImageOps

    return ImageOps.exif_transpose(image)


def _unsigned_32(image):
    """Whether a mode `I` PIL image is an unsigned 32-bit TIFF's (its SampleFormat 1, or none)."""
    tags = getattr(image, "tag_v2", None)
    if tags is None:
        return False
    first = lambda value: value[0] if isinstance(value, (tuple, list)) else value  # noqa: E731
    return int(first(tags.get(258, (8,)))) == 32 and int(first(tags.get(339, (1,)))) == 1  # BitsPerSample, SampleFormat


def eight_bit(image):
    """A 16-bit grayscale PIL image (mode `I;16`, `I`) scaled to 8-bit `L` on the 16-bit scale (0..65535 ->
    0..255, as TF decodes); any other image as it is.

    Mode `I` is a 16-bit PGM, or a 32-bit integer TIFF (what Pillow writes for a numpy `int32` array of 16-bit
    values), which reads as its 16-bit twin does. Pillow's own `convert` clips such pixels at 255, so most of
    the picture turns white. `ValueError` for a 32-bit float image (mode `F`, a float TIFF: no set range) and
    for 32-bit pixels outside 0..65535 (no set scale either).
    """
    if image.mode == "F":
        raise ValueError(
            "32-bit float pixels (mode F) have no set range; save the image with 8 or 16 bits (scaled to 0..255 "
            "or 0..65535)"
        )
    if image.mode not in ("I", "I;16", "I;16B", "I;16L"):
        return image
    from PIL import Image

    pixels = np.asarray(image).astype("int64")
    if _unsigned_32(image):
        pixels &= 0xFFFFFFFF  # Pillow holds unsigned 32-bit pixels in int32
    low, high = (int(pixels.min()), int(pixels.max())) if pixels.size else (0, 0)
    if low < 0 or high > 65535:
        raise ValueError(
            f"32-bit integer pixels span {low}..{high}, outside the 16-bit range 0..65535 they are read on; save "
            "the image with 8 or 16 bits (its pixels scaled to 0..255 or 0..65535)"
        )
    return Image.fromarray((pixels >> 8).astype("uint8"), "L")


def has_transparency(image):
    """Whether a PIL image holds transparent pixels: an alpha channel, or a palette's or PNG's transparent
    colour (`image.info["transparency"]`)."""
    return image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info


def pixels(image, mode):
    """A PIL image as 8-bit `mode` (`"L"`, `"RGB"` or `"RGBA"`), as every loader reads images.

    The rule: the image is turned upright by its EXIF orientation; 16- and 32-bit pixels are scaled to 8 bits
    (`eight_bit`); transparency is kept in `"RGBA"` only, and laid on white for `"L"` and `"RGB"` (a palette
    image with a transparent colour, gray + alpha, RGBA read as RGB), where `convert` would show the colour
    hidden under it.
    """
    from PIL import Image

    image = eight_bit(upright(image))
    if mode != "RGBA" and has_transparency(image):
        image = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    return image.convert(mode)


def rgb(image):
    """A PIL image as RGB by the loaders' rule (`pixels`): transparent pixels are laid on white."""
    return pixels(image, "RGB")


def write_image(picture, path):
    """Writes the PIL image `picture` to `path` in the format its extension names, as every writer does:
    without loss where the format allows it (WebP lossless; PNG, BMP and TIFF are), else at quality 95 without
    chroma subsampling: a JPEG (an RGBA image laid on white, as inputs are read; an `.mpo` too, and the JPEG a
    PDF holds of an RGB or gray image) and an AVIF (Pillow's AVIF has no lossless mode). Pillow's defaults
    would write a JPEG and an AVIF at quality 75 with half the colour resolution (an AVIF grid of small tiles
    loses most of its colour), and a lossy WebP. Returns `path`.
    """
    from PIL import Image

    fmt = Image.registered_extensions().get(os.path.splitext(path)[1].lower())  # as `save` picks it (`.jfif`)
    options = {}
    if fmt in ("JPEG", "MPO", "PDF"):
        if fmt != "PDF":  # (a PDF holds an image with transparency without loss)
            picture = rgb(picture) if picture.mode not in ("L", "RGB") else picture
        options = {"quality": 95, "subsampling": 0}
    elif fmt == "AVIF":  # (a gray image is written without colour, as Pillow writes it)
        options = {"quality": 95, **({} if picture.mode in ("1", "L") else {"subsampling": "4:4:4"})}
    elif fmt == "WEBP":
        options = {"lossless": True}
    picture.save(path, **options)
    return path


def avif_readable():
    """Whether this Pillow reads and writes AVIF images: 11.2 and later, built with libavif (its wheels are)."""
    from PIL import features

    return "avif" in features.modules and features.check_module("avif")


def check_writable(path, label):
    """A `ValueError` (`LABEL: ...`, what to do) when `path` is an AVIF where this Pillow writes none: refused
    before any model is loaded, where `write_image` would fail at the end ("unknown file extension: .avif")."""
    if os.fspath(path).lower().endswith(".avif") and not avif_readable():
        raise ValueError(f"{label}: {AVIF_UNWRITABLE}.")


def open_image(path):
    """The image file `path` opened with Pillow, as the loaders open it: `OSError` for a JPEG or WebP cut short
    (`jpeg_complete`, `webp_complete`), whose missing end Pillow would read as gray pixels or a smear, and for an
    AVIF where Pillow reads none (`AVIF_UNREADABLE`: what to do)."""
    from PIL import Image

    try:
        image = Image.open(path)
    except OSError:  # Pillow's own word for a WebP cut short: "could not create decoder object"
        with open(path, "rb") as f:
            head = f.read(32)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and not webp_complete(path):
            raise OSError(WEBP_CUT_SHORT) from None
        if head[4:8] == b"ftyp" and (b"avif" in head or b"avis" in head) and not avif_readable():
            raise OSError(AVIF_UNREADABLE) from None
        raise
    for fmt, complete, said in (("JPEG", jpeg_complete, CUT_SHORT), ("WEBP", webp_complete, WEBP_CUT_SHORT)):
        if image.format == fmt and not complete(path):
            image.close()
            raise OSError(said)
    return image


def read_image(path, size):
    """Reads an image as RGB `float32` `[size, size, 3]` in `[-1, 1]` by the loaders' rule (`pixels`: upright,
    transparent pixels as white)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with open_image(path) as image:
            image = rgb(image)
            if image.size != (size, size):
                image = image.resize((size, size), Image.BILINEAR)
            return np.asarray(image, "float32") / 127.5 - 1.0
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:  # truncated, not an image, float
        raise files.FileContentError(f"{path}: cannot read the image ({error}).") from error
