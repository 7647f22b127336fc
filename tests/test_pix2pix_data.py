"""Paired image folders, synthetic pix2pix tasks and image quality metrics."""

import os
import re

import numpy as np
import pytest
from PIL import Image

from keras_cgan.data import FileContentError, paired_array_dataset, paired_image_dataset, scan_paired_folder
from keras_cgan.data import synthetic_images
from keras_cgan.metrics import image_quality


def save(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


def side_by_side_folder(tmp_path, n=3, size=16):
    """A|B files whose A half is all 40 and B half all 200 (+ a marker column)."""
    for i in range(n):
        a = np.full((size, size, 3), 40, "uint8")
        b = np.full((size, size, 3), 200, "uint8")
        a[:, 0] = b[:, 0] = 0  # a dark left column, to check mirroring is shared
        save(str(tmp_path / f"{i:03d}.png"), np.concatenate([a, b], 1))
    return str(tmp_path)


# ------------------------------------------------------------------ loaders


@pytest.mark.parametrize("direction, cond_value, target_value", [("AtoB", 40, 200), ("BtoA", 200, 40)])
def test_side_by_side_split_and_direction(tmp_path, direction, cond_value, target_value):
    ds = paired_image_dataset(side_by_side_folder(tmp_path), direction=direction, image_size=16,
                              jitter=False, batch_size=3, shuffle=False)
    c, x = next(iter(ds))
    assert c.shape == (3, 16, 16, 3) and x.shape == (3, 16, 16, 3)
    np.testing.assert_allclose(c[:, :, 5:].numpy(), cond_value / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(x[:, :, 5:].numpy(), target_value / 127.5 - 1, atol=1e-6)


def test_jitter_crops_and_mirrors_both_sides_identically(tmp_path):
    ds = paired_image_dataset(side_by_side_folder(tmp_path, n=8), image_size=16, load_size=20,
                              batch_size=8, seed=3).repeat(4)
    mirrored = 0
    for c, x in ds:
        # How much of the dark column each output column holds, per side.  # [B, W]
        dark_c = (40 - (c.numpy()[..., 0].mean(axis=1) + 1) * 127.5) / 40
        dark_x = (200 - (x.numpy()[..., 0].mean(axis=1) + 1) * 127.5) / 200
        np.testing.assert_allclose(dark_c, dark_x, atol=0.03)  # same crop and same flip
        mirrored += int((dark_c[:, -1] > 0.2).sum())
    assert mirrored > 0  # some pairs were flipped


def test_parallel_folders_matched_by_name_gray_to_color(tmp_path):
    for i, name in enumerate(["b", "a", "c"]):
        save(str(tmp_path / "A" / f"{name}.png"), np.full((8, 8), 10 * (i + 1), "uint8"))
        save(str(tmp_path / "B" / f"{name}.jpg"), np.full((8, 8, 3), 10 * (i + 1), "uint8"))
    scan = scan_paired_folder(tmp_path)
    assert scan["layout"] == "folders" and scan["channels"] == (1, 3)
    assert [os.path.basename(p) for p in scan["a_files"]] == ["a.png", "b.png", "c.png"]
    ds = paired_image_dataset(tmp_path, image_size=8, jitter=False, batch_size=3, shuffle=False)
    c, x = next(iter(ds))
    assert c.shape == (3, 8, 8, 1) and x.shape == (3, 8, 8, 3)
    # Pairs stay matched: each condition equals its target's gray level.
    np.testing.assert_allclose(c.numpy().mean(axis=(1, 2, 3)), x.numpy().mean(axis=(1, 2, 3)), atol=0.02)


def test_array_dataset_matches_folder_dataset(tmp_path):
    folder = side_by_side_folder(tmp_path)
    from_files = paired_image_dataset(folder, image_size=16, jitter=False, batch_size=3, shuffle=False)
    a = np.stack([np.asarray(Image.open(os.path.join(folder, f)))[:, :16] for f in sorted(os.listdir(folder))])
    b = np.stack([np.asarray(Image.open(os.path.join(folder, f)))[:, 16:] for f in sorted(os.listdir(folder))])
    in_memory = paired_array_dataset(a, b, jitter=False, batch_size=3, shuffle=False)
    for left, right in zip(next(iter(from_files)), next(iter(in_memory))):
        np.testing.assert_allclose(left.numpy(), right.numpy(), atol=1e-6)



@pytest.mark.parametrize("sides", [("a", "b"), ("A", "b")])
def test_side_folders_may_be_named_in_lower_case(tmp_path, sides):
    # `a/` and `b/` were "no images (expected A|B images, or subfolders A/ and B/)" on a case-sensitive disk.
    for side, value in zip(sides, (40, 200)):
        for name in ("x", "y"):
            save(str(tmp_path / side / f"{name}.png"), np.full((8, 8, 3), value, "uint8"))
    scan = scan_paired_folder(str(tmp_path))
    assert scan["layout"] == "folders"
    assert scan["a_files"] == [str(tmp_path / sides[0] / f"{n}.png") for n in "xy"]
    a, b = next(iter(paired_image_dataset(str(tmp_path), image_size=8, jitter=False, batch_size=2)))
    np.testing.assert_allclose(a, 40 / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(b, 200 / 127.5 - 1, atol=1e-6)



def test_train_names_empty_lower_case_side_folders_without_asking_to_rename_them(tmp_path):
    from keras_cgan.cli.recipes import pix2pix

    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    options, data_options = dict(pix2pix.FAMILY.options, size=8), pix2pix.FAMILY.data_options
    with pytest.raises(ValueError, match=r"folders a/ and b/ hold no images\.\nExpected layout") as caught:
        pix2pix.load_data(str(tmp_path), options, data_options, 2, 0)
    assert "name the two sides" not in str(caught.value)  # was: rename a/ and b/ to A/ and B/

def test_a_side_named_twice_in_two_cases_is_refused_naming_both(tmp_path):
    for side in ("A", "a", "B"):
        save(str(tmp_path / side / "x.png"), np.zeros((8, 8, 3), "uint8"))
    if len(os.listdir(tmp_path)) < 3:
        pytest.skip("a case-insensitive file system holds one folder for A/ and a/")
    with pytest.raises(ValueError, match=r"/A and .*/a both name side A of the pairs .*merge them"):
        scan_paired_folder(str(tmp_path))


# --------------------------------------------------------------- bad input


def test_odd_width_names_the_file(tmp_path):
    side_by_side_folder(tmp_path)
    save(str(tmp_path / "odd.png"), np.zeros((8, 17, 3), "uint8"))
    with pytest.raises(ValueError, match=r"odd\.png: width 17 is odd"):
        paired_image_dataset(str(tmp_path))


def test_unmatched_names_name_the_file(tmp_path):
    for name in ["x", "y"]:
        save(str(tmp_path / "A" / f"{name}.png"), np.zeros((8, 8, 3), "uint8"))
    save(str(tmp_path / "B" / "x.png"), np.zeros((8, 8, 3), "uint8"))
    save(str(tmp_path / "B" / "z.png"), np.zeros((8, 8, 3), "uint8"))
    with pytest.raises(ValueError, match=r"A/y\.png: no file named 'y'"):
        paired_image_dataset(str(tmp_path))


def test_two_files_of_one_name_in_a_side_are_refused_naming_both(tmp_path):
    for folder in "AB":
        for name in ["x", "y"]:
            save(str(tmp_path / folder / f"{name}.png"), np.zeros((8, 8, 3), "uint8"))
    save(str(tmp_path / "A" / "x.jpg"), np.zeros((8, 8, 3), "uint8"))
    # Was refused without saying what to do.
    with pytest.raises(ValueError, match=r"A/x\.jpg and .*A/x\.png have one name: .*rename or remove one of them"):
        scan_paired_folder(str(tmp_path))
    # The clash of two names without their extension was a `CaseClash` ("differ only in case").
    from keras_cgan.data import files

    stem = lambda path: os.path.splitext(path)[0]
    with pytest.raises(files.ExtensionClash, match=r"^x\.jpg and X\.png differ in extension$"):
        files.by_name_any_case(["x.jpg", "y.png", "X.png"], stem)
    with pytest.raises(files.CaseClash, match=r"^x\.png and X\.png differ only in case$"):
        files.by_name_any_case(["x.png", "X.png"], stem)


def test_gray_with_alpha_reads_as_gray(tmp_path):
    for i in range(2):
        Image.fromarray(np.full((8, 16, 2), 100, "uint8"), "LA").save(tmp_path / f"{i}.png")
    a, b = next(iter(paired_image_dataset(str(tmp_path), image_size=8, batch_size=2, jitter=False)))
    assert a.shape == b.shape == (2, 8, 8, 1)
    on_white = (100 * 100 + 255 * 155) / 255  # gray 100 at alpha 100, laid on white as every loader lays it
    np.testing.assert_allclose(np.asarray(a), on_white / 127.5 - 1, atol=1 / 127.5)


def _expected(path, channels):
    """What Pillow reads at `path` in `channels`, in [-1, 1]."""
    with Image.open(path) as image:
        array = np.asarray(image.convert({1: "L", 3: "RGB", 4: "RGBA"}[channels]), "float32")
    return array.reshape(array.shape[:2] + (channels,)) / 127.5 - 1


@pytest.mark.parametrize("mode, name", [("P", "x.bmp"), ("1", "x.bmp"), ("L", "x.bmp"), ("L", "x.gif"), ("RGB", "x.jpg")])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_bmp_gif_and_jpeg_files_read_in_any_channels_as_pillow_reads_them(tmp_path, mode, name, channels):
    rows, columns = np.indices((8, 16))
    picture = np.stack([rows * 30, columns * 15, 255 - rows * 30], axis=-1).astype("uint8")  # smooth: JPEG keeps it
    Image.fromarray(picture).convert(mode).save(tmp_path / name)
    a, b = next(iter(paired_image_dataset(str(tmp_path), image_size=8, batch_size=1, jitter=False,
                                          channels=channels)))
    got = np.concatenate([a[0], b[0]], axis=1)
    # A palette BMP is its colours (TensorFlow's decoder reads its indices as gray); JPEG decoders round apart.
    np.testing.assert_allclose(got, _expected(tmp_path / name, channels), atol=4 / 127.5 if name == "x.jpg" else 1e-6)



def _picture(mode):
    rows, columns = np.indices((8, 16))
    if mode == "I;16":
        return Image.fromarray((rows * 8000 + columns * 100).astype("uint16"))
    picture = np.stack([rows * 30, columns * 15, 255 - rows * 30], axis=-1).astype("uint8")
    return Image.fromarray(picture).convert(mode)


@pytest.mark.parametrize("mode, name", [("CMYK", "x.jpg"), ("CMYK", "x.tif"), ("I;16", "x.tif"), ("RGB", "x.webp"),
                                        ("P", "x.tif"), ("LA", "x.tif"), ("1", "x.tif"), ("RGBA", "x.tif")])
@pytest.mark.parametrize("channels", [None, 1])
def test_cmyk_jpegs_tiffs_and_webp_files_are_read_as_pillow_reads_them(tmp_path, mode, name, channels):
    # A CMYK JPEG was "image mode 'CMYK' is not supported", a TIFF or WebP "image format ... is not supported"
    # (the tags and video loaders read them all).
    _picture(mode).save(tmp_path / name)
    with Image.open(tmp_path / name) as image:
        assert image.mode == mode and image.format in ("JPEG", "TIFF", "WEBP")
    scan = scan_paired_folder(str(tmp_path), channels)
    expected_channels = channels or {"CMYK": 3, "I;16": 1, "RGB": 3, "P": 3, "LA": 1, "1": 1, "RGBA": 4}[mode]
    assert scan["channels"] == (expected_channels,) * 2
    a, b = next(iter(paired_image_dataset(str(tmp_path), image_size=8, jitter=False, scan=scan, channels=channels)))
    got = np.concatenate([a[0], b[0]], axis=1)
    with Image.open(tmp_path / name) as image:  # CMYK as RGB, 16 bits scaled to 8 (not clipped at 255)
        image = Image.fromarray((np.asarray(image) >> 8).astype("uint8")) if mode == "I;16" else image
        array = np.asarray(image.convert({1: "L", 3: "RGB", 4: "RGBA"}[expected_channels]), "float32")
    np.testing.assert_allclose(got, array.reshape(got.shape) / 127.5 - 1, atol=1e-6)


def test_a_tiff_cut_short_is_named_before_training(tmp_path):
    _picture("RGB").save(tmp_path / "x.tif")
    (tmp_path / "y.tif").write_bytes((tmp_path / "x.tif").read_bytes()[:200])
    with pytest.raises(FileContentError, match=r"y\.tif: not a readable image file, or cut short"):
        scan_paired_folder(str(tmp_path))
    Image.fromarray(np.zeros((8, 16), "float32")).save(tmp_path / "y.tif")  # no set range
    with pytest.raises(FileContentError, match=r"y\.tif: cannot read the image \(32-bit float pixels \(mode F\) "
                                               r"have no set range; save the image with 8 or 16 bits"):
        scan_paired_folder(str(tmp_path))

@pytest.mark.parametrize("name", ["x.bmp", "x.gif", "x.webp", "x.png"])
def test_bmp_gif_and_webp_files_are_checked_whole_by_their_ends_without_decoding(tmp_path, monkeypatch, name):
    # Every BMP, GIF and WebP file was decoded in full at the scan, 10 to 40 times slower than its header; every
    # PNG too, to look for EXIF after its pixels (1000 times slower on 1024x512 images).
    from PIL import ImageFile

    _picture("RGB").save(tmp_path / name)
    whole = (tmp_path / name).read_bytes()
    loads = []
    load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: loads.append(image) or load(image))
    assert scan_paired_folder(str(tmp_path))["channels"] == (3, 3) and not loads
    (tmp_path / name).write_bytes(whole[: len(whole) // 2])  # the header survives
    with pytest.raises(FileContentError, match=rf"{name}: (not a readable image file, or )?cut short"):
        scan_paired_folder(str(tmp_path))
    (tmp_path / name).write_bytes(whole + b"\0" * 10)  # trailing bytes: decoded to make sure, and read
    assert scan_paired_folder(str(tmp_path))["channels"] == (3, 3) and loads


def test_side_by_side_pairs_take_each_side_its_channels(tmp_path):
    save(str(tmp_path / "0.png"), np.random.default_rng(0).integers(0, 256, (8, 16, 3), dtype="uint8"))
    for channels in [(1, 3), (3, 1)]:
        assert scan_paired_folder(str(tmp_path), channels)["channels"] == channels
        a, b = next(iter(paired_image_dataset(str(tmp_path), image_size=8, jitter=False, channels=channels)))
        assert (a.shape[-1], b.shape[-1]) == channels
        np.testing.assert_allclose(b[0], _expected(tmp_path / "0.png", channels[1])[:, 8:], atol=1.5 / 127.5)


def test_files_the_system_adds_are_not_data(tmp_path):
    side_by_side_folder(tmp_path, n=2)
    (tmp_path / "Thumbs.db").write_bytes(b"cache")
    (tmp_path / "desktop.ini").write_text("[.ShellClassInfo]")
    (tmp_path / "._000.png").write_bytes(b"resource fork")
    assert [os.path.basename(p) for p in scan_paired_folder(str(tmp_path))["a_files"]] == ["000.png", "001.png"]


def test_16_bit_gray_pairs_keep_their_tones(tmp_path):
    for i in range(2):
        Image.fromarray(np.full((8, 16), 32768, "uint16")).save(tmp_path / f"{i}.png")
    a, _ = next(iter(paired_image_dataset(str(tmp_path), image_size=8, batch_size=2, jitter=False)))
    assert a.shape == (2, 8, 8, 1)
    np.testing.assert_allclose(np.asarray(a), 128 / 127.5 - 1, atol=1e-6)


def test_square_images_where_a_b_pairs_are_expected_warn(tmp_path):
    for i in range(2):
        save(str(tmp_path / f"{i}.png"), np.zeros((16, 16, 3), "uint8"))
    with pytest.warns(UserWarning, match=r"2 of 2 are not .*one side of the pairs"):
        scan_paired_folder(str(tmp_path))


def test_non_image_file_names_the_file(tmp_path):
    side_by_side_folder(tmp_path)
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match=r"notes\.txt: not a readable image"):
        paired_image_dataset(str(tmp_path))


def test_mismatched_channels_name_the_file(tmp_path):
    side_by_side_folder(tmp_path)
    save(str(tmp_path / "zz_gray.png"), np.zeros((16, 32), "uint8"))
    with pytest.raises(ValueError, match=r"zz_gray\.png: A\|B image has 1 channel"):
        paired_image_dataset(str(tmp_path))
    # Forcing the channels converts instead.
    ds = paired_image_dataset(str(tmp_path), image_size=16, channels=3, jitter=False, batch_size=4)
    assert next(iter(ds))[0].shape == (4, 16, 16, 3)


@pytest.mark.parametrize("name", ["cut.jpg", "cut.png"])
def test_truncated_image_names_the_file(tmp_path, name):
    side_by_side_folder(tmp_path)
    save(str(tmp_path / name), np.random.default_rng(0).integers(0, 255, (32, 64, 3), dtype=np.uint8))
    whole = (tmp_path / name).read_bytes()
    (tmp_path / name).write_bytes(whole[: len(whole) // 2])  # the header survives
    said = r"cut short: the JPEG's data stops" if name.endswith(".jpg") else r"not a readable image file, or cut short"
    with pytest.raises(ValueError, match=rf"{name}: {said}"):
        scan_paired_folder(str(tmp_path))
    (tmp_path / name).write_bytes(whole + b"\0" * 10)  # trailing bytes after a whole image are fine
    assert len(scan_paired_folder(str(tmp_path))["a_files"]) == 4


def test_pairs_of_different_sizes_warn_once_or_strict_refuses(tmp_path):
    for i, side in enumerate([8, 12, 8]):
        save(str(tmp_path / "A" / f"{i}.png"), np.zeros((side, side, 3), "uint8"))
        save(str(tmp_path / "B" / f"{i}.png"), np.zeros((8, 8, 3), "uint8"))
    with pytest.warns(UserWarning, match=r"1 of 3 A/B pairs differ in size \(first: .*A/1\.png\)"):
        paired_image_dataset(str(tmp_path), image_size=8)
    with pytest.raises(ValueError, match=r"A/1\.png: its B image has another size"):
        paired_image_dataset(str(tmp_path), image_size=8, strict=True)


def _corrupt(tmp_path):
    side_by_side_folder(tmp_path)
    (tmp_path / "001.png").write_bytes(b"not an image")


def _odd_width(tmp_path):
    side_by_side_folder(tmp_path)
    save(str(tmp_path / "001.png"), np.zeros((16, 33, 3), "uint8"))


def _other_channels(tmp_path):
    side_by_side_folder(tmp_path)
    save(str(tmp_path / "001.png"), np.zeros((16, 32), "uint8"))


def _other_size_strict(tmp_path):
    for side, size in (("A", 8), ("B", 12)):
        save(str(tmp_path / side / "0.png"), np.zeros((size, size, 3), "uint8"))
    return {"strict": True}


def _unmatched(tmp_path):
    save(str(tmp_path / "A" / "x.png"), np.zeros((8, 8, 3), "uint8"))
    save(str(tmp_path / "B" / "y.png"), np.zeros((8, 8, 3), "uint8"))


def _same_name_twice(tmp_path):
    for name in ("A/x.png", "A/x.jpg", "B/x.png"):
        save(str(tmp_path / name), np.zeros((8, 8, 3), "uint8"))


def _no_images(tmp_path):
    (tmp_path / "train").mkdir()


@pytest.mark.parametrize("make, about_the_file", [
    (_corrupt, True), (_odd_width, True), (_other_channels, True), (_other_size_strict, True),
    (_unmatched, False), (_same_name_twice, False), (_no_images, False),
])
def test_errors_about_a_files_content_are_told_from_errors_about_the_layout(tmp_path, make, about_the_file):
    # Every error was a bare ValueError, so `train pix2pix --data` explained the A|B and A/ B/ layout under a
    # corrupt or wrongly sized file in a folder laid out right. A file's content is now a FileContentError.
    kwargs = make(tmp_path) or {}
    with pytest.raises(ValueError) as caught:
        paired_image_dataset(str(tmp_path), image_size=8, **kwargs)
    assert isinstance(caught.value, FileContentError) == about_the_file, caught.value
    if about_the_file:
        assert str(caught.value).startswith(str(tmp_path / ""))  # it names the file


def test_bad_arguments(tmp_path):
    folder = side_by_side_folder(tmp_path)
    with pytest.raises(ValueError, match="direction"):
        paired_image_dataset(folder, direction="AtoC")
    with pytest.raises(ValueError, match="load_size"):
        paired_image_dataset(folder, image_size=16, load_size=8)
    with pytest.raises(ValueError, match="no such folder"):
        paired_image_dataset(str(tmp_path / "missing"))


# ---------------------------------------------------------- synthetic tasks


@pytest.mark.parametrize("task, in_channels", [("edges2photo", 1), ("gray2color", 1), ("labels2facade", 3)])
def test_synthetic_tasks_shapes_ranges_and_seeds(task, in_channels):
    c, x = synthetic_images.make_task(task, 3, size=32, seed=1)
    assert c.shape == (3, 32, 32, in_channels) and x.shape == (3, 32, 32, 3)
    assert c.dtype == np.float32 and -1 <= c.min() and c.max() <= 1 and -1 <= x.min() and x.max() <= 1
    c2, x2 = synthetic_images.make_task(task, 3, size=32, seed=1)
    np.testing.assert_array_equal(x, x2)
    assert not np.array_equal(x, synthetic_images.make_task(task, 3, size=32, seed=2)[1])


def test_facade_texture_is_not_determined_by_labels():
    # Same layout, different renderings: the wall texture must vary per sample,
    # so the per-pixel median over samples is smoother than any one sample.
    _, facades = synthetic_images.labels2facade(64, size=32, seed=0)
    median = np.median(facades, axis=0, keepdims=True)
    assert float(image_quality.sharpness(median)[0]) < 0.6 * float(np.mean(image_quality.sharpness(facades)))


# ------------------------------------------------------------------ metrics


def test_metrics_by_hand():
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    # PSNR with a constant error of 0.2 on [-1, 1] (0.1 on [0, 1]) is 20 dB.
    np.testing.assert_allclose(image_quality.psnr(real, real + 0.2).numpy(), 20.0, atol=1e-3)
    np.testing.assert_allclose(image_quality.ssim(real, real).numpy(), 1.0, atol=1e-5)
    # A vertical step of height 2 (full range) in one of 8 column pairs:
    # horizontal energy 1^2 * (1/15) on [0, 1], none vertical.
    step = -np.ones((1, 8, 16, 1), "float32")
    step[..., 8:, :] = 1.0
    np.testing.assert_allclose(image_quality.gradient_energy(step).numpy(), [1.0 / 15.0], rtol=1e-6)
    np.testing.assert_allclose(float(image_quality.sharpness_ratio(0.5 * real, real)), 0.5, rtol=1e-6)
    blurred = (real + np.roll(real, 1, axis=1) + np.roll(real, 1, axis=2)) / 3
    assert float(image_quality.sharpness_ratio(blurred, real)) < 0.8
    report = image_quality.quality_report(real, real)
    assert report["sharpness_ratio"] == pytest.approx(1.0) and report["ssim"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        image_quality.psnr(real, real[:, :8])


def test_translate_takes_the_tiff_and_webp_files_training_reads(tmp_path, monkeypatch):
    # `keras-cgan translate in/ out/` skipped them ("the folder holds no images (.jpg, ..., .gif)") and refused
    # an output named `.tif`, though `train pix2pix` reads both formats.
    import argparse

    from keras_cgan.cli import translate

    for name in ("0.tif", "1.tiff", "2.webp"):
        _picture("RGB").save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    pairs = translate._pairs(argparse.Namespace(input=str(tmp_path), output=str(tmp_path / "out"), overwrite=False))
    assert sorted(os.path.basename(target) for _, target in pairs) == ["0.tif", "1.tiff", "2.webp"]
    one = argparse.Namespace(input=str(tmp_path / "0.tif"), output=str(tmp_path / "o.webp"), overwrite=False)
    assert translate._pairs(one) == [(str(tmp_path / "0.tif"), str(tmp_path / "o.webp"))]
    # An AVIF output where Pillow writes none was "unknown file extension: .avif" once the image was translated.
    from keras_cgan.data import image_folder

    monkeypatch.setattr(image_folder, "avif_readable", lambda: False)
    one.output = str(tmp_path / "o.avif")
    with pytest.raises(ValueError, match=re.escape(f"{one.output}: an AVIF image, which this Pillow does not write (")
                       + r".*pillow>=11\.2.*or give a name ending in \.png\.$"):
        translate._pairs(one)


def test_an_rgba_png_is_decoded_by_pillow_only_when_read_without_its_alpha(tmp_path, monkeypatch):
    # Was: every RGBA PNG decoded by Pillow one at a time (a first epoch about twice as slow), though TensorFlow
    # reads it right as RGBA; read as RGB it needs Pillow, to lay its transparent pixels on white.
    from keras_cgan.data import paired_images

    calls = []
    decode = paired_images._decode_with_pillow
    monkeypatch.setattr(paired_images, "_decode_with_pillow", lambda data, c: calls.append(int(c)) or decode(data, c))
    pixels = np.zeros((4, 8, 4), "uint8")
    pixels[..., 2] = 255  # blue, transparent
    pixels[1:, :, 3] = 255  # but for the first row
    for i in range(2):
        Image.fromarray(pixels).save(tmp_path / f"{i}.png")
    for channels, pillow in (((3, 4), [3, 3]), ((4, 4), [])):
        calls.clear()
        a, b = next(iter(paired_image_dataset(str(tmp_path), image_size=4, jitter=False, shuffle=False, batch_size=2,
                                              channels=channels)))
        assert sorted(calls) == pillow, channels
        np.testing.assert_allclose(np.asarray(b)[:, 0, 0], [[-1, -1, 1, -1]] * 2, atol=1e-6)  # alpha kept
        np.testing.assert_allclose(np.asarray(b)[:, 1:, :, 3], 1.0, atol=1e-6)
        first_row = [1, 1, 1] if channels[0] == 3 else [-1, -1, 1, -1]  # on white as RGB
        np.testing.assert_allclose(np.asarray(a)[:, 0, 0], [first_row] * 2, atol=1e-6)
