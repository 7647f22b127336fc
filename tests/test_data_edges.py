"""Data loaders on the files users bring: EXIF-turned photos, palette images with a transparent colour, 32-bit
TIFFs, extensions in mixed case, a header with an unnamed column, what `translate` writes, a VoiceBank folder
with a test set on one side only."""

import io
import os
import re
import warnings

import numpy as np
import pytest
from PIL import Image, features

from keras_cgan.data import FileContentError, audio, captions, image_folder, paired_images, tags, video


def _sideways(path):
    """An image stored 8 wide and 4 tall, its left half white, whose EXIF says "turn 90 degrees clockwise":
    upright it is 4 wide and 8 tall, its top half white."""
    stored = np.zeros((4, 8, 3), "uint8")
    stored[:, :4] = 255
    image = Image.fromarray(stored)
    exif = image.getexif()
    exif[0x0112] = 6  # EXIF orientation
    image.save(path, exif=exif, **({"quality": 100} if str(path).endswith(".jpg") else {}))


def _upright(pixels):
    """`[H, W, C]` in [-1, 1] is the upright picture: 8 tall, top half white, bottom half black."""
    pixels = np.asarray(pixels)
    assert pixels.shape[0] == 8 and pixels.shape[1] in (4, 8), pixels.shape
    assert pixels[:3].min() > 0.8 and pixels[5:].max() < -0.8, pixels[..., 0]


def _translate_read(path, channels):
    from keras_cgan.cli import translate

    return translate._read(str(path), channels) / 127.5 - 1.0


def _pix2pix(folder, **kwargs):
    ds = paired_images.paired_image_dataset(str(folder), image_size=8, jitter=False, shuffle=False, **kwargs)
    return [np.asarray(t)[0] for t in next(iter(ds))]


def test_a_photo_is_read_upright_by_its_exif_orientation_everywhere(tmp_path):
    # Was: read as stored, on its side, by every loader (TensorFlow's JPEG decoder ignores EXIF too).
    for side in ("A", "B", "clip"):
        os.makedirs(tmp_path / side)
    for i in range(2):
        _sideways(tmp_path / "A" / f"{i}.jpg")
        _sideways(tmp_path / "clip" / f"{i}.jpg")
        Image.new("RGB", (4, 8)).save(tmp_path / "B" / f"{i}.png")
    photo = tmp_path / "A" / "0.jpg"
    for other in ("x.png", "x.webp", "x.tif"):  # Pillow turns a TIFF's size itself: not turned twice
        _sideways(tmp_path / other)
        assert paired_images.image_header(str(tmp_path / other)) == (4, 8, 3), other
        _upright(image_folder.read_image(str(tmp_path / other), 8))
    assert paired_images.image_header(str(photo)) == (4, 8, 3)  # upright: 4 wide, 8 tall
    _upright(image_folder.read_image(str(photo), 8))
    _upright(_pix2pix(tmp_path)[0])
    _upright(video.load_frame_folder(str(tmp_path / "clip"))[0])
    _upright(_translate_read(photo, 3))
    assert paired_images.scan_paired_folder(str(tmp_path))["size_mismatches"] == []  # upright, as B


def _palette(path, size=(4, 4), **kwargs):
    """A palette image, red, its top-left pixel the transparent colour (blue under it)."""
    image = Image.new("P", size)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.putpixel((0, 0), 1)
    image.save(path, transparency=1, **kwargs)


def test_a_palette_image_with_a_transparent_colour_is_read_alike_by_every_loader(tmp_path):
    # Was: white by the tags loader, the hidden blue by the pix2pix and video loaders and `translate`.
    white, red = [1.0, 1.0, 1.0], [1.0, -1.0, -1.0]
    os.makedirs(tmp_path / "pairs")
    os.makedirs(tmp_path / "clip")
    _palette(tmp_path / "p.png")
    _palette(tmp_path / "pairs" / "0.png", size=(8, 4))
    for i in range(2):
        _palette(tmp_path / "clip" / f"{i}.png")
    frames = [Image.new("P", (4, 4)) for _ in range(3)]
    for i, frame in enumerate(frames):  # one GIF clip: each frame differs, so none is dropped
        frame.putpalette([255, 0, 0, 0, 0, 255, 0, 255, 0] + [0] * 759)
        frame.putpixel((0, 0), 1)
        frame.putpixel((i + 1, 2), 2)
    frames[0].save(tmp_path / "clip.gif", save_all=True, append_images=frames[1:], transparency=1, disposal=2,
                   optimize=False)
    read = {
        "tags": image_folder.read_image(str(tmp_path / "p.png"), 4),
        "pix2pix": _pix2pix(tmp_path / "pairs")[0],
        "frames": video.load_frame_folder(str(tmp_path / "clip"))[0],
        "translate": _translate_read(tmp_path / "p.png", 3),
    }
    for i, frame in enumerate(video.load_video_file(str(tmp_path / "clip.gif"))):
        read[f"gif frame {i}"] = frame
    for name, pixels in read.items():
        assert pixels.shape[-1] == 3, name
        np.testing.assert_allclose(pixels[0, 0], white, atol=0.02, err_msg=name)
        np.testing.assert_allclose(pixels[-1, -1], red, atol=0.02, err_msg=name)
    # An RGBA image read as RGB follows the same rule; read as RGBA it keeps its alpha.
    rgba = np.zeros((4, 8, 4), "uint8")
    rgba[..., 2] = 255  # blue, transparent
    os.makedirs(tmp_path / "rgba")
    Image.fromarray(rgba).save(tmp_path / "rgba" / "0.png")
    as_rgb, as_rgba = _pix2pix(tmp_path / "rgba", channels=(3, 4))  # side A read as RGB, side B as RGBA
    np.testing.assert_allclose(as_rgb[0, 0], white, atol=0.02)
    np.testing.assert_allclose(as_rgba[0, 0], [-1, -1, 1, -1], atol=0.02)


def _unsigned_32(path, pixels):
    """A 32-bit unsigned TIFF (Pillow writes mode I as signed: its SampleFormat entry set to 1 here)."""
    Image.fromarray(np.asarray(pixels, "uint32").view("int32")).save(path)
    data = open(path, "rb").read()
    entry = (339).to_bytes(2, "little") + (3).to_bytes(2, "little") + (1).to_bytes(4, "little")
    assert data.count(entry + b"\x02\x00") == 1
    open(path, "wb").write(data.replace(entry + b"\x02\x00", entry + b"\x01\x00"))


def test_a_32_bit_tiff_of_16_bit_values_reads_as_its_16_bit_twin_and_others_are_refused(tmp_path):
    # Was: every pixel above 65535 clipped to white; then a numpy int32 array of 16-bit values (as Pillow writes
    # it: a signed 32-bit TIFF) refused as "would read black", and larger values scaled by the 32-bit range.
    values = np.array([[0, 257, 32768, 65535] * 2] * 4)  # A|B pairs side by side
    os.makedirs(tmp_path / "pairs")
    os.makedirs(tmp_path / "pairs16")
    Image.fromarray(values.astype("uint16")).save(tmp_path / "g16.tif")
    Image.fromarray(values.astype("uint16")).save(tmp_path / "pairs16" / "0.tif")
    Image.fromarray(values.astype("int32")).save(tmp_path / "pairs" / "0.tif")
    _unsigned_32(tmp_path / "u.tif", values)
    expected = image_folder.read_image(str(tmp_path / "g16.tif"), 8)
    np.testing.assert_allclose(expected[0, :4, 0], [-1.0, 1 / 127.5 - 1, 128 / 127.5 - 1, 1.0], atol=1e-6)
    for path in (tmp_path / "pairs" / "0.tif", tmp_path / "u.tif"):
        np.testing.assert_array_equal(image_folder.read_image(str(path), 8), expected, err_msg=str(path))
    for read, twin in zip(_pix2pix(tmp_path / "pairs"), _pix2pix(tmp_path / "pairs16")):
        np.testing.assert_array_equal(read, twin)
    np.testing.assert_allclose(twin[0, :3, 0], [-1.0, -1.0, -1.0 + 1 / 127.5], atol=1e-6)  # 4 -> 8 wide
    for name, pixels in (("big.tif", [[0, 65536]]), ("negative.tif", [[-5, 7]])):
        os.makedirs(tmp_path / name[:-4])
        Image.fromarray(np.array(pixels, "int32")).save(tmp_path / name[:-4] / name)
        span = f"{pixels[0][0]}..{pixels[0][1]}"
        message = (rf"{name}: cannot read the image \(32-bit integer pixels span {span}, outside the 16-bit range "
                   r"0\.\.65535 .*save the image with 8 or 16 bits")
        with pytest.raises(FileContentError, match=message):
            paired_images.scan_paired_folder(str(tmp_path / name[:-4]))  # refused before training, naming the file
        with pytest.raises(FileContentError, match=message):
            image_folder.read_image(str(tmp_path / name[:-4] / name), 2)
    _unsigned_32(tmp_path / "u32.tif", [[0, 2 ** 32 - 1]])  # a full-range unsigned 32-bit TIFF: refused too
    with pytest.raises(FileContentError, match=r"u32\.tif: .*span 0\.\.4294967295, outside the 16-bit range"):
        image_folder.read_image(str(tmp_path / "u32.tif"), 2)
    os.makedirs(tmp_path / "float")
    Image.fromarray(np.array([[0.0, 0.5]], "float32")).save(tmp_path / "float" / "f.tif")  # no set range
    message = r"f\.tif: cannot read the image \(32-bit float pixels \(mode F\) have no set range; save the image with 8"
    with pytest.raises(FileContentError, match=message):
        image_folder.read_image(str(tmp_path / "float" / "f.tif"), 2)
    with pytest.raises(FileContentError, match=message):
        paired_images.scan_paired_folder(str(tmp_path / "float"))


def test_an_image_extension_in_mixed_case_is_found(tmp_path):
    # Was: `0.Jpg` not found ("image '0' not found ... If line 1 names the columns ...").
    folder = tmp_path / "faces"
    os.makedirs(folder)
    Image.new("RGB", (4, 4), "white").save(folder / "0.Jpg", "JPEG")
    Image.new("RGB", (4, 4)).save(folder / "1.pNg", "PNG")
    (tmp_path / "tags.csv").write_text("0,blue hair red eyes\n1.png,red hair\n")
    images, tag_lists, _ = tags.read(str(folder), str(tmp_path / "tags.csv"), image_size=4)
    assert tag_lists == [["blue hair", "red eyes"], ["red hair"]]
    assert images[0].min() > 0.9 and images[1].max() < -0.9
    assert image_folder.image_path(str(folder), "0.jpg", "where") == str(folder / "0.Jpg")
    with pytest.raises(ValueError, match="image '2' not found"):
        image_folder.image_path(str(folder), "2", "where")
    # Wav pairs match by name whatever the case of `.wav`.
    for kind, name in (("clean", "a.WAV"), ("noisy", "a.wav")):
        os.makedirs(tmp_path / kind)
        audio.write_wav(str(tmp_path / kind / name), np.zeros(100), 16000)
    assert audio.paired_files(str(tmp_path / "clean"), str(tmp_path / "noisy")) == [
        (str(tmp_path / "noisy" / "a.wav"), str(tmp_path / "clean" / "a.WAV"))
    ]


@pytest.mark.parametrize("header", ["id,,tags", "image,,tags", ",id,tags"])
def test_an_unnamed_column_of_a_header_is_not_read_as_text(tmp_path, header):
    # Was (`id,,tags`): the unnamed column read into the text ("x,blue hair"; a caption ",a red circle").
    folder = tmp_path / "faces"
    os.makedirs(folder)
    for i in range(2):
        Image.new("RGB", (4, 4)).save(folder / f"{i}.png")
    rows = ["0,x,blue hair", "1,y,red hair"] if not header.startswith(",") else ["x,0,blue hair", "y,1,red hair"]
    (tmp_path / "tags.csv").write_text("\n".join([header] + rows) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either: the unnamed column is left out
        assert tags.read(str(folder), str(tmp_path / "tags.csv"), image_size=4)[1] == [["blue hair"], ["red hair"]]
    (tmp_path / "captions.csv").write_text(
        "\n".join([header.replace("tags", "caption")] + [r.replace("hair", "circle") for r in rows]) + "\n")
    assert captions.read(str(folder), str(tmp_path / "captions.csv"), image_size=4)[1] == ["blue circle", "red circle"]


def test_translate_writes_webp_without_loss_and_jpeg_at_high_quality(tmp_path):
    # Was: Pillow's defaults, WebP lossy and JPEG at quality 75 (a mean error of about 45 on this noise).
    from keras_cgan.cli import translate

    pixels = np.random.default_rng(0).integers(0, 256, (16, 16, 3)).astype("uint8")
    for name in ("out.webp", "out.png", "out.tif", "out.bmp", "out.jpg"):
        translate._write(str(tmp_path / name), pixels / 127.5 - 1.0)
        with Image.open(tmp_path / name) as image:
            error = np.abs(np.asarray(image.convert("RGB"), "float32") - pixels).mean()
        assert error < (5.0 if name.endswith(".jpg") else 1e-6), (name, error)
    # A JPEG holds no alpha: transparent pixels are laid on white (was: the colour under them, here blue).
    clear_blue = np.zeros((8, 8, 4), "float32") - 1.0
    clear_blue[..., 2] = 1.0
    translate._write(str(tmp_path / "clear.jpg"), clear_blue)
    with Image.open(tmp_path / "clear.jpg") as image:
        assert np.asarray(image).min() > 250


@pytest.mark.parametrize("name", [
    pytest.param("grid.avif", marks=pytest.mark.skipif(not features.check("avif"), reason="Pillow without AVIF")),
    "grid.mpo", "grid.pdf",
])
def test_a_sample_grid_in_a_lossy_format_is_written_at_high_quality(tmp_path, name):
    # Was: Pillow's defaults, quality 75 with half the colour resolution (a mean error of 37-39 on these tiles).
    from keras_cgan.callbacks import save_image_grid

    tiles = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 3)).astype("float32")
    with Image.open(save_image_grid(tiles, str(tmp_path / "grid.png"), rows=4)) as image:
        lossless = np.asarray(image.convert("RGB"), "float32")
    data = open(save_image_grid(tiles, str(tmp_path / name), rows=4), "rb").read()
    if name.endswith(".pdf"):  # the JPEG it holds
        data = data[data.index(b"\xff\xd8") : data.rindex(b"\xff\xd9") + 2]
    with Image.open(io.BytesIO(data)) as image:
        assert np.abs(np.asarray(image.convert("RGB"), "float32") - lossless).mean() < 4.0


@pytest.mark.skipif(not image_folder.avif_readable(), reason="Pillow without AVIF")
def test_avif_images_are_read_by_every_image_loader(tmp_path):
    # Was: left out ("image '0' not found", "no file named 'a' in B", "no frame images"), though the sample grids
    # are written as AVIF and Pillow reads them.
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype="uint8"))
    for folder in ("faces", "A", "B", "clip"):
        os.makedirs(tmp_path / folder)
    for path in ("faces/0.avif", "A/a.avif", "clip/0.avif", "clip/1.avif"):
        image_folder.write_image(picture, str(tmp_path / path))
    for path in ("faces/1.png", "B/a.png"):
        picture.save(tmp_path / path)
    (tmp_path / "tags.csv").write_text("0,blue hair\n1,red eyes\n")
    images = tags.read(str(tmp_path / "faces"), str(tmp_path / "tags.csv"), image_size=8)[0]
    assert np.abs(images[0] - images[1]).mean() < 0.05
    scan = paired_images.scan_paired_folder(str(tmp_path))
    assert scan["a_files"] == [str(tmp_path / "A" / "a.avif")] and scan["channels"] == (3, 3)
    a, b = next(iter(paired_images.paired_image_dataset(str(tmp_path), image_size=8, batch_size=1, jitter=False)))
    assert np.abs(np.asarray(a) - np.asarray(b)).mean() < 0.05
    assert video.load_frame_folder(str(tmp_path / "clip")).shape == (2, 8, 8, 3)


def test_an_avif_where_pillow_reads_none_is_refused_saying_what_to_do(tmp_path, monkeypatch):
    # A Pillow older than 11.2, or built without libavif: the file is named with what to install, not "cannot
    # identify image file".
    monkeypatch.setattr(Image, "ID", [name for name in Image.ID if name != "AVIF"])
    monkeypatch.setattr(image_folder, "avif_readable", lambda: False)
    (tmp_path / "A").mkdir()
    path = tmp_path / "A" / "0.avif"  # the header of an AVIF file
    path.write_bytes(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64))
    (tmp_path / "tags.csv").write_text("0,blue hair\n")
    said = r"an AVIF image, which this Pillow does not read .*pillow>=11\.2.*or convert the file to PNG"
    with pytest.raises(FileContentError, match=re.escape(str(path)) + ": " + said):
        paired_images.image_header(str(path))
    with pytest.raises(FileContentError, match=re.escape(str(path)) + ": cannot read the image \\(" + said):
        tags.read(str(tmp_path / "A"), str(tmp_path / "tags.csv"), image_size=8)
    with pytest.raises(FileContentError, match="cannot read frame '0.avif' \\(" + said):
        video.load_frame_folder(str(tmp_path / "A"))


def test_segan_trains_on_a_folder_with_a_test_set_on_one_side_only(tmp_path):
    # Was: "noisy_testset_wav: folder not found" and no training, for the samples alone.
    from keras_cgan.cli.recipes import segan

    for folder in ("clean_trainset_wav", "noisy_trainset_wav", "clean_testset_wav"):
        os.makedirs(tmp_path / folder)
        audio.write_wav(str(tmp_path / folder / "a.wav"), np.full(512, 0.1), 16000)
    options = dict(segan.FAMILY.options, size=128, sample_rate=16000)
    with pytest.warns(UserWarning, match=r"the samples are made of the first training pairs, not the test pairs: "
                                         r".*noisy_testset_wav: folder not found") as caught:
        data = segan.load_data(str(tmp_path), options, {}, 1, 0)
    assert len(caught) == 1 and data.steps == 7 and data.preview[0].shape == (4, 128, 1)
    os.makedirs(tmp_path / "noisy_testset_wav")  # both test folders: the samples are the test pairs, no warning
    audio.write_wav(str(tmp_path / "noisy_testset_wav" / "a.wav"), np.full(512, 0.5), 16000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = segan.load_data(str(tmp_path), options, {}, 1, 0)
    np.testing.assert_allclose(data.preview[0][0, :4, 0], 0.5)


def test_an_image_added_or_renamed_is_found_though_its_folder_keeps_its_mtime(tmp_path):
    # Was: the listing of a folder cached by its mtime, so a file added within the same tick of a file system
    # counting seconds (FAT, SMB) was "not found" until the process restarted.
    folder = tmp_path / "faces"
    os.makedirs(folder)
    Image.new("RGB", (4, 4)).save(folder / "0.Jpg", "JPEG")
    assert image_folder.image_path(str(folder), "0", "where") == str(folder / "0.Jpg")
    stat = os.stat(folder)
    Image.new("RGB", (4, 4)).save(folder / "1.Jpg", "JPEG")
    os.utime(folder, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the folder's mtime as before the file came
    assert image_folder.image_path(str(folder), "1", "where") == str(folder / "1.Jpg")


def test_ids_spelled_as_their_files_across_many_folders_list_each_folder_once(tmp_path, monkeypatch):
    # Was: each folder listed again for every id once more than 8 folders took turns (3600 ids over 12 folders
    # of 2000 images: 39 s against 0.05 s), to look for another spelling of a name found as spelled.
    for c in range(12):
        os.makedirs(tmp_path / f"c{c}")
        (tmp_path / f"c{c}" / "0.png").touch()
    listed = []
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(path) or listdir(path))
    for _ in range(3):
        for c in range(12):
            assert image_folder.image_path(str(tmp_path), f"c{c}/0.png", "where") == str(tmp_path / f"c{c}" / "0.png")
    assert len(listed) == len(set(listed)) == 13  # each folder, and their parent for other spellings of them


def test_ids_in_another_case_than_their_files_list_the_folder_once(tmp_path, monkeypatch):
    # Was: the folder listed afresh for every id found in its cached listing (2000 ids `img_<i>` for `Img_<i>.png`:
    # 47 s, now 2 s).
    for i in range(3):
        (tmp_path / f"Img_{i}.png").touch()
    listed = []
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(path) or listdir(path))
    for i in range(3):
        assert image_folder.image_path(str(tmp_path), f"img_{i}", "where") == str(tmp_path / f"Img_{i}.png")
    assert len(listed) == 1


def test_a_webp_whose_end_is_zeros_or_missing_is_named_by_every_loader(tmp_path):
    # Was: read without a word by the pix2pix scan and the tags loader alike (Pillow decodes the zeros as a
    # smear of the rows above), where a JPEG cut so is refused.
    noise = np.random.default_rng(0).integers(0, 256, (32, 64, 3), dtype="uint8")
    faces = tmp_path / "faces"
    os.makedirs(faces)
    (tmp_path / "tags.csv").write_text("0,blue hair\n1,red eyes\n")
    Image.new("RGB", (64, 32), "white").save(faces / "1.png")
    for options in ({}, {"lossless": True}):
        Image.fromarray(noise).save(faces / "0.webp", **options)
        whole = (faces / "0.webp").read_bytes()
        broken = [whole[:-100]]  # was "cannot read the image (could not create decoder ...)"
        if not options:  # zeros from within the first partition (232 bytes from byte 30 here) on
            broken.append(whole[:130] + bytes(len(whole) - 130))
        for data in broken:
            (faces / "0.webp").write_bytes(data)
            said = (r"0\.webp: (cannot read the image \()?cut short: the WebP's chunks run past the end of the file, "
                    r"or its image data ends in zeros")
            with pytest.raises(FileContentError, match=said):
                paired_images.scan_paired_folder(str(faces))
            with pytest.raises(FileContentError, match=said):
                tags.read(str(faces), str(tmp_path / "tags.csv"), image_size=8)
        (faces / "0.webp").write_bytes(whole + bytes(10))  # bytes after the RIFF's end are ignored, as decoders do
        assert paired_images.scan_paired_folder(str(faces))["channels"] == (3, 3)
    # A black lossy image's data ends in zeros of its own: 29 at 512 x 512, 38 of 170 bytes at quality 100 and
    # method 0 on 100 x 100, 28 on 16000 x 1 (the last two were refused, as more than one per four 16 x 16 blocks).
    for size, options in (((512, 512), {}), ((100, 100), {"quality": 100, "method": 0}), ((16000, 1), {})):
        Image.new("RGB", size).save(faces / "0.webp", **options)
        assert image_folder.webp_complete(str(faces / "0.webp")), (size, options)
    assert tags.read(str(faces), str(tmp_path / "tags.csv"), image_size=8)[0].shape == (2, 8, 8, 3)


def test_a_b_pairs_match_their_names_in_any_case(tmp_path):
    # Was: "A/Img1.png: no file named 'Img1' in B to pair it with" beside B/img1.png, though the folders' own
    # names (a/, b/) are read in any case.
    for side, name in (("A", "Img1.png"), ("b", "IMG1.jpg")):
        os.makedirs(tmp_path / side)
        Image.new("RGB", (8, 8)).save(tmp_path / side / name)
    scan = paired_images.scan_paired_folder(str(tmp_path))
    assert scan["a_files"] == [str(tmp_path / "A" / "Img1.png")]
    assert scan["b_files"] == [str(tmp_path / "b" / "IMG1.jpg")]
    Image.new("RGB", (8, 8)).save(tmp_path / "A" / "img1.png")
    with pytest.raises(ValueError, match=r"A/Img1\.png and .*A/img1\.png have one name: pairs are matched by name in "
                                         r"any case.*rename or remove one of them"):
        paired_images.scan_paired_folder(str(tmp_path))


def test_a_gif_clip_whose_end_is_zeros_is_named_not_read_shorter(tmp_path):
    # Was: read as the frames before the zeros (3 of these 6) without a word, as the trailer is looked for nowhere.
    rng = np.random.default_rng(0)
    frames = [Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype="uint8")) for _ in range(6)]
    frames[0].save(tmp_path / "c.gif", save_all=True, append_images=frames[1:])
    whole = (tmp_path / "c.gif").read_bytes()
    (tmp_path / "c.gif").write_bytes(whole[: len(whole) // 2] + bytes(len(whole) - len(whole) // 2))
    with pytest.raises(FileContentError, match=r"c\.gif': cut short: the GIF stops within a block, or ends in zeros"):
        video.load_video_file(str(tmp_path / "c.gif"))
    # Zeros after the trailer are no loss; nor is a trailer left out, as many writers do (was refused as cut short).
    for data in (whole + bytes(10), whole[:-1]):
        (tmp_path / "c.gif").write_bytes(data)
        assert video.load_video_file(str(tmp_path / "c.gif")).shape == (6, 8, 8, 3)
