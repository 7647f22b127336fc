"""Image files at their edges: what sample grids are written as (lossless where the format allows, a JPEG at
quality 95), truncated JPEGs caught by the scan, class folders named in another case."""

import io
import os
import re
import struct

import numpy as np
import pytest
from PIL import Image, ImageFile, JpegImagePlugin

from keras_cgan.callbacks import save_image_grid, save_spectrograms
from keras_cgan.data import FileContentError, image_folder, paired_images, video


def _grid(path):
    ramp = np.linspace(-1, 1, 16 * 16 * 3).reshape(1, 16, 16, 3)
    return save_image_grid(np.concatenate([ramp, -ramp]), path, rows=1)


def _spectrograms(path):
    t = np.arange(2048) / 16000
    return save_spectrograms(path, [("tone", np.sin(2 * np.pi * 440 * t))], width=64, height=24)


@pytest.mark.parametrize("write, jpeg_name", [(_grid, "s.jpg"), (_spectrograms, "s.jpg"), (_grid, "s.JFIF")])
def test_sample_images_are_written_without_loss_where_the_format_allows(tmp_path, write, jpeg_name):
    png = np.asarray(Image.open(write(str(tmp_path / "s.png"))).convert("RGB"))
    webp = np.asarray(Image.open(write(str(tmp_path / "s.webp"))).convert("RGB"))
    np.testing.assert_array_equal(webp, png)  # lossless WebP, not Pillow's lossy default
    with Image.open(write(str(tmp_path / jpeg_name))) as jpeg:  # quality 95 without chroma subsampling, not 75
        reference = tmp_path / "reference.jpg"
        Image.fromarray(png).save(reference, quality=95, subsampling=0)
        with Image.open(reference) as wanted:
            assert jpeg.quantization == wanted.quantization
        assert JpegImagePlugin.get_sampling(jpeg) == 0


def _jpeg(path, cut=0, zeros=False, thumbnail=False, trailer=b"", orientation=None):
    """A 16x8 JPEG (A|B), written at `path`: its last `cut` bytes cut (their place taken by zeros with
    `zeros`), with an EXIF block holding a JPEG thumbnail, bytes after its end, or an EXIF orientation."""
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (8, 16, 3), "uint8"))
    stream = io.BytesIO()
    image.save(stream, "JPEG", **({"exif": _exif(orientation)} if orientation else {}))
    data = stream.getvalue()
    if thumbnail:  # an APP1 EXIF segment: a header, no tags in IFD0, IFD1 pointing at the thumbnail's bytes
        small = io.BytesIO()
        image.resize((4, 2)).save(small, "JPEG")
        tiff = b"II*\x00" + struct.pack("<IHI", 8, 0, 14) + struct.pack("<H", 2)
        at, length = len(tiff) + 28, len(small.getvalue())  # IFD1: its 2 entries and next offset end at +28
        tiff += struct.pack("<HHII", 0x0201, 4, 1, at) + struct.pack("<HHII", 0x0202, 4, 1, length)
        payload = b"Exif\x00\x00" + tiff + struct.pack("<I", 0) + small.getvalue()
        data = data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + data[2:]
    if cut:
        data = data[:-cut] + (b"\x00" * cut if zeros else b"")
    path.write_bytes(data + trailer)
    return str(path)


def _exif(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif


def _scan(path):
    return paired_images.scan_paired_folder(os.path.dirname(path))


def _frames(path):
    return video.load_frame_folder(os.path.dirname(path))


def _read(path):
    return image_folder.read_image(path, 8)


@pytest.mark.parametrize("load", [_scan, _frames, _read])
@pytest.mark.parametrize("cut", [
    {"cut": 40, "zeros": True},  # Pillow decodes the zeros as gray pixels; TensorFlow refused it mid-training
    {"cut": 40, "thumbnail": True},  # the thumbnail's end marker was taken for the image's
])
def test_a_jpeg_cut_short_is_refused_when_read_naming_it(tmp_path, load, cut):
    _jpeg(tmp_path / "0.jpg")
    path = _jpeg(tmp_path / "1.jpg", **cut)
    with pytest.raises(FileContentError, match=r"1\.jpg.*cut short.*copy the file again"):
        load(path)


def test_a_jpeg_with_bytes_after_its_end_is_read(tmp_path):
    path = _jpeg(tmp_path / "0.jpg", trailer=bytes(range(256)) * 8)  # past the last KiB the scan looks at first
    assert _scan(path)["a_files"] == [path]
    np.testing.assert_allclose(_read(path), _read(_jpeg(tmp_path / "1.jpg")))


def test_the_scan_takes_a_turned_jpegs_size_without_decoding_it(tmp_path, monkeypatch):
    path = _jpeg(tmp_path / "0.jpg", orientation=6)  # stored 16 wide, 8 tall: upright 8 wide, 16 tall

    def decoded(image):
        raise AssertionError(f"{image.filename} decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)
    assert paired_images.image_header(path) == (8, 16, 3)


def _tags_folder(root, tags_file="tags.csv", folders=("images",)):
    """A tags `--data` folder of 4 images 8x8, the images in `folders[0]` (the others made empty)."""
    for folder in folders:
        (root / folder).mkdir()
    for i in range(4):
        Image.fromarray(np.full((8, 8, 3), 60 * i, "uint8")).save(root / folders[0] / f"{i}.png")
    (root / tags_file).write_text("".join(f"{i},{('red', 'blue')[i % 2]} hair\n" for i in range(4)))
    return str(root)


@pytest.mark.parametrize("layout", [{"folders": ("Images",)}, {"folders": ("FACES",)}, {"tags_file": "Tags.csv"}])
def test_a_tags_folder_is_found_by_its_names_in_any_case(tmp_path, layout):
    from keras_cgan.cli.recipes import conditional_gan

    data = conditional_gan.load_data(_tags_folder(tmp_path, **layout), {"size": 8}, {}, 2, 0)
    assert data.info == {"images": 4, "tags": 2}


@pytest.mark.parametrize("second, named", [("Images", "Images/ and images/"), ("Tags.csv", "Tags.csv and tags.csv")])
def test_two_names_of_a_tags_folder_differing_in_case_are_refused_naming_both(tmp_path, second, named):
    from keras_cgan.cli.recipes import conditional_gan

    folder = _tags_folder(tmp_path)  # on a case-sensitive file system, as the tests run
    if second.endswith(".csv"):
        (tmp_path / second).write_text("0,red hair\n")
    else:
        (tmp_path / second).mkdir()
    with pytest.raises(ValueError, match=f"--data {re.escape(folder)}: {named} differ only in case.*move one away"):
        conditional_gan.load_data(folder, {"size": 8}, {}, 2, 0)


def test_an_id_found_as_spelled_or_in_another_case_names_the_same_two_files(tmp_path):
    # Two rules found two names: `a` (found as spelled) named "a.PNG and a.jpg", `A` (not) "a.jpg and a.PNG".
    for name in ("a.jpg", "a.PNG"):
        (tmp_path / name).touch()
    said = [f"image {image_id!r} names both {tmp_path / 'a.jpg'} and {tmp_path / 'a.PNG'}, whose names differ in "
            "extension" for image_id in ("a", "A")]
    for image_id, message in zip(("a", "A"), said):
        with pytest.raises(ValueError, match=f"^line 1: {re.escape(message)}"):
            image_folder.image_path(str(tmp_path), image_id, "line 1")


@pytest.mark.parametrize("image_id, names, named", [
    ("images/0.png", ("images/0.png", "Images/0.png"), ("Images/0.png", "images/0.png", "only in case")),
    ("Images/0.png", ("images/0.png", "Images/0.png"), ("Images/0.png", "images/0.png", "only in case")),
    ("IMAGES/0.png", ("images/0.png", "Images/0.png"), ("Images/0.png", "images/0.png", "only in case")),
    ("images/0", ("images/0.png", "Images/0.jpg"), ("Images/0.jpg", "images/0.png", "in extension")),
    ("a/b/0.png", ("a/b/0.png", "a/B/0.png", "A/b/1.png"), ("a/B/0.png", "a/b/0.png", "only in case")),
])
def test_an_id_whose_folders_are_spelled_two_ways_holding_its_file_is_refused_naming_both_files(
        tmp_path, image_id, names, named):
    # Was: read as whichever folder matched the id's spelling (`IMAGES/0.png`: refused naming the two folders),
    # though folder names are read in any case, as a case-insensitive file system (which holds one of them) reads them.
    for name in names:
        os.makedirs(tmp_path / os.path.dirname(name), exist_ok=True)
        (tmp_path / name).touch()
    first, second, how = named
    message = f"image {image_id!r} names both {tmp_path / first} and {tmp_path / second}, whose names differ {how}"
    with pytest.raises(ValueError, match=f"^tags.csv, line 1: {re.escape(message)}"):
        image_folder.image_path(str(tmp_path), image_id, "tags.csv, line 1")
    os.remove(tmp_path / first)  # one file left: found, in whichever folder
    assert image_folder.image_path(str(tmp_path), image_id, "where") == str(tmp_path / second)


def test_an_id_whose_folders_are_one_folder_by_two_names_is_read(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "0.png").touch()
    os.symlink("images", tmp_path / "Images")  # a link, as a case-insensitive file system shows one folder
    for image_id in ("images/0.png", "IMAGES/0"):
        found = image_folder.image_path(str(tmp_path), image_id, "where")
        assert os.path.samefile(found, tmp_path / "images" / "0.png")


def test_an_id_with_windows_backslashes_is_told_to_use_slashes(tmp_path):
    # Was: "not found (tried .../images\0.png, ...)" alone, for a tags file written on Windows.
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "0.png").touch()
    with pytest.raises(ValueError, match=re.escape(r"not found in ") + ".*" + re.escape(
            r"write it 'images/0.png': folders in ids are separated by `/` here, not Windows' `\`")):
        image_folder.image_path(str(tmp_path), "images\\0.png", "tags.csv, line 1")


def test_an_id_missed_by_the_cached_listing_of_a_folder_gone_meanwhile_is_not_found(tmp_path, monkeypatch):
    # Was: FileNotFoundError out of `image_path` when the folder went between its cached and its fresh listing.
    (tmp_path / "Img_0.png").touch()
    assert image_folder.image_path(str(tmp_path), "img_0", "where") == str(tmp_path / "Img_0.png")  # listed, cached

    def gone(path="."):
        raise FileNotFoundError(2, "No such file or directory", path)

    monkeypatch.setattr(os, "listdir", gone)
    with pytest.raises(ValueError, match=r"^tags.csv, line 2: image '1' not found in "):
        image_folder.image_path(str(tmp_path), "1", "tags.csv, line 2")
