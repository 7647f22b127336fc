"""Data loaders: a tags row whose tags cell is empty, captions vectorized once, wav files opened once, the
size warning of paired images, the batch size and pairing of the in-memory datasets, wav folder arguments,
errors about a file's content, header rows of tags and captions files."""

import os
import re

import keras
import numpy as np
import pytest
from PIL import Image

from keras_cgan.data import (
    FileContentError, audio, captions, digits, paired_images, synthetic_faces, synthetic_images, synthetic_shapes,
    synthetic_speech, synthetic_video, tags, video,
)
from keras_cgan.export import generator as generator_lib


def _faces(tmp_path, rows):
    folder = tmp_path / "faces"
    folder.mkdir(exist_ok=True)
    for i in range(len(rows)):
        Image.fromarray(np.full((4, 4, 3), 200, "uint8")).save(folder / f"{i}.png")
    path = tmp_path / "tags.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(folder), str(path)


def test_an_empty_tags_cell_before_more_cells_is_named_not_read_as_tags(tmp_path):
    folder, path = _faces(tmp_path, ["0,blue hair red eyes", "1,,note"])
    with pytest.raises(ValueError, match=r"tags\.csv, line 2: the tags cell of image '1' is empty but the row goes "
                                         r"on \(',note'\).*second cell"):
        tags.read(folder, path, image_size=4)  # was: the tag "note"
    folder, path = _faces(tmp_path, ["0,blue hair red eyes", '1,",",'])
    with pytest.raises(ValueError, match=r"line 2: image '1' has no tags"):  # separators only: no tags, as before
        tags.read(folder, path, image_size=4)
    # Commas between tags separate them, an empty piece between two tags included.
    folder, path = _faces(tmp_path, ["0,blue hair,red eyes", "1,blue hair,,red eyes"])
    _, tag_lists, vocabulary = tags.read(folder, path, image_size=4)
    assert tag_lists == [["blue hair", "red eyes"]] * 2 and vocabulary == ["blue hair", "red eyes"]


@pytest.fixture
def vectorizer_calls(monkeypatch):
    """The number of texts each `TextVectorization` call is given, in call order (None in a `tf.data` map)."""
    calls, call = [], keras.layers.TextVectorization.call

    def counted(self, inputs):
        calls.append(inputs.shape[0])  # None: a batch inside the pipeline
        return call(self, inputs)

    monkeypatch.setattr(keras.layers.TextVectorization, "call", counted)
    return calls


@pytest.mark.parametrize("length", [6, None])
def test_vectorize_runs_the_vectorizer_once_with_the_same_ids(vectorizer_calls, length):
    texts = ["a red circle", "a blue square at the top", "A Red square!"]
    vec = captions.vectorizer(texts, sequence_length=length)
    expected = np.asarray(vec(np.array(texts))).astype("int32")  # what the layer itself gives
    vectorizer_calls.clear()
    ids = captions.vectorize(vec, texts)
    assert vectorizer_calls == [3]  # was 2 calls: one to check the lengths, one to vectorize
    np.testing.assert_array_equal(ids, expected)
    assert ids.dtype == np.int32


def test_a_captions_dataset_vectorizes_once_and_batches_the_ids_vec_gives(vectorizer_calls):
    texts = ["a red circle", "a blue square at the top", "a red square", "a blue circle at the left"]
    images = np.arange(4, dtype="float32").reshape(4, 1, 1, 1) * np.ones((1, 2, 2, 3), "float32")
    vec = captions.vectorizer(texts, sequence_length=6)
    expected = np.asarray(vec(np.array(texts))).astype("int32")
    vectorizer_calls.clear()
    ds = captions.dataset(texts, images, vec, batch_size=2, seed=1)
    batches = [(ids.numpy(), x.numpy()) for _ in range(2) for ids, x in ds]  # two epochs
    assert vectorizer_calls == [4]  # once, as the pipeline is made (was: a check, then each batch again)
    for ids, x in batches:
        assert ids.dtype == np.int32 and ids.shape == (2, 6)
        np.testing.assert_array_equal(ids, expected[x[:, 0, 0, 0].astype(int)])  # each image keeps its caption
    with pytest.raises(ValueError, match=r"sequence_length=6 tokens.*caption 0"):
        captions.dataset(["a red circle at the top left of it"] + texts[1:], images, vec, batch_size=2)


@pytest.fixture
def wav_reads(monkeypatch):
    """`{"opened": [...], "read": [...]}`: the wav files `soundfile` opened and those whose samples it read."""
    import soundfile

    seen = {"opened": [], "read": []}
    init, read = soundfile.SoundFile.__init__, soundfile.SoundFile.read

    def opened(self, file, *args, **kwargs):
        seen["opened"].append(os.path.basename(str(file)))
        return init(self, file, *args, **kwargs)

    def samples(self, *args, **kwargs):
        seen["read"].append(os.path.basename(self.name))
        return read(self, *args, **kwargs)

    monkeypatch.setattr(soundfile.SoundFile, "__init__", opened)
    monkeypatch.setattr(soundfile.SoundFile, "read", samples)
    return seen


def test_float_wavs_are_opened_and_read_once_to_check_then_once_per_epoch(tmp_path, wav_reads):
    import soundfile

    for kind, subtype in (("clean", "PCM_16"), ("noisy", "FLOAT")):
        (tmp_path / f"{kind}_trainset_wav").mkdir()
        soundfile.write(str(tmp_path / f"{kind}_trainset_wav" / "a.wav"), np.full(3000, 0.25), 16000, subtype=subtype)
    noisy, clean = str(tmp_path / "noisy_trainset_wav" / "a.wav"), str(tmp_path / "clean_trainset_wav" / "a.wav")
    wav_reads["opened"].clear()  # the writes
    ds = audio.paired_dataset(str(tmp_path), window=1024, batch_size=2, shuffle=False)
    # Was: 4 opens of each file (its header 3 times) and the float one's samples read to check them.
    assert wav_reads == {"opened": ["a.wav", "a.wav"], "read": ["a.wav"]}
    wav_reads["opened"].clear(), wav_reads["read"].clear()
    batches = list(ds)
    assert len(wav_reads["opened"]) == 2 and len(wav_reads["read"]) == 2  # one epoch: each file once (was 3 opens)
    np.testing.assert_allclose(batches[0][0].numpy()[0, :100, 0], 0.25)
    wav_reads["opened"].clear(), wav_reads["read"].clear()
    assert audio.check_wav(noisy) == (3000, 16000, 1) and wav_reads == {"opened": ["a.wav"], "read": ["a.wav"]}
    assert audio.check_wav(clean) == (3000, 16000, 1) and wav_reads["read"] == ["a.wav"]  # PCM: header only
    wav_reads["opened"].clear()
    x, rate = audio.read_wav(noisy, 8000, return_rate=True)
    assert rate == 8000 and x.shape == (1500,) and wav_reads["opened"] == ["a.wav"]  # was 2 opens
    soundfile.write(noisy, np.full(3000, 1.4), 16000, subtype="FLOAT")
    with pytest.raises(ValueError, match=r"a\.wav: samples reach 1\.4, beyond \[-1, 1\]"):
        audio.paired_dataset(str(tmp_path), window=1024, batch_size=2)


@pytest.mark.parametrize("jitter, said", [
    (True, "both images are resized to 17x17, then cropped at random to 16x16, as every pair is."),  # was: "to 17x17."
    (False, "both images are resized to 16x16, as every pair is."),
])
def test_the_size_warning_of_paired_images_gives_the_size_they_are_yielded_at(tmp_path, jitter, said):
    for side, size in (("A", 16), ("B", 20)):
        (tmp_path / side).mkdir(exist_ok=True)
        Image.fromarray(np.zeros((size, size, 3), "uint8")).save(tmp_path / side / "0.png")
    with pytest.warns(UserWarning) as caught:
        ds = paired_images.paired_image_dataset(str(tmp_path), image_size=16, jitter=jitter)
    assert len(caught) == 1 and str(caught[0].message).endswith(said)
    assert next(iter(ds))[0].shape == (1, 16, 16, 3)


def test_the_in_memory_datasets_name_a_batch_size_they_cannot_fill_and_unpaired_inputs():
    # They batch with drop_remainder=True: batch_size 0 was TensorFlow's 'Batch size must be greater than zero'
    # (naming no argument), a batch larger than the data an empty dataset that `fit` refused later, and a
    # count of images other than the captions' (tags') TensorFlow's 'Dimensions 3 and 4 are not compatible'.
    texts = ["a red circle", "a blue square", "a red square", "a blue circle"]
    images = np.zeros((4, 2, 2, 3), "float32")
    vec = captions.vectorizer(texts, sequence_length=4)
    multi_hot = np.eye(4, dtype="float32")
    for make, size in [(lambda b: digits.dataset(b), 898), (lambda b: synthetic_faces.dataset(b, n=4), 4),
                       (lambda b: captions.dataset(texts, images, vec, batch_size=b), 4),
                       (lambda b: tags.dataset(multi_hot, images, batch_size=b), 4)]:
        for batch_size in (0, size + 1, 2.0):
            with pytest.raises(ValueError, match=re.escape(
                    f"`batch_size` must be an int >= 1 and <= {size}. Received: batch_size={batch_size!r}")):
                make(batch_size)
        assert make(size).cardinality() == 1
    assert digits.dataset(1000, repeat=True).take(1).cardinality() == 1  # repeated first: batches fill
    with pytest.raises(ValueError, match=re.escape("`texts` and `images` must pair up: 3 caption(s), 4 image(s).")):
        captions.dataset(texts[:3], images, vec, batch_size=2)
    with pytest.raises(ValueError, match=re.escape("`multi_hot` and `images` must pair up: 3 tag row(s), 4 image(s)")):
        tags.dataset(multi_hot[:3], images, batch_size=2)


def test_made_data_and_windows_name_the_argument_that_leaves_nothing():
    # synthetic_shapes.load(0) was numpy's 'need at least one array to stack', make_pairs(1, seconds=0) an
    # IndexError, frame_pairs with hop 0 a ZeroDivisionError and with window 0 windows of no samples; noisy and
    # clean lists of other counts or lengths were windowed into pairs that did not match.
    with pytest.raises(ValueError, match=re.escape("`n` must be an int >= 1. Received: n=0")):
        synthetic_shapes.load(0)
    with pytest.raises(ValueError, match=re.escape("`seconds` must be a finite number >= 6.25e-05. Received: seconds=0")):
        synthetic_speech.make_pairs(1, seconds=0)
    with pytest.raises(ValueError, match=re.escape("`num_utterances` must be an int >= 1. Received: num_utterances=2.5")):
        synthetic_speech.make_pairs(2.5, seconds=0.01)
    signals = np.zeros((2, 100), "float32")
    for window, hop, name in [(0, 1, "window"), (10, 0, "hop"), (10, 2.5, "hop")]:
        with pytest.raises(ValueError, match=f"`{name}` must be an int >= 1"):
            audio.frame_pairs(signals, signals, window, hop)
    with pytest.raises(ValueError, match=re.escape("`noisy` and `clean` must pair up: 2 noisy and 1 clean signals.")):
        audio.frame_pairs(signals, signals[:1], 10, 10)
    with pytest.raises(ValueError, match=re.escape("`noisy[1]` has 100 samples but `clean[1]` 120")):
        audio.frame_pairs(list(signals), [signals[0], np.zeros(120, "float32")], 10, 10)
    noisy, clean = audio.frame_pairs(signals, signals, 10, 5)
    assert noisy.shape == clean.shape == (38, 10, 1)
    # batch_size 0 was TensorFlow's 'Batch size must be greater than zero', after every wav was checked
    with pytest.raises(ValueError, match=re.escape("`batch_size` must be an int >= 1. Received: batch_size=0")):
        audio.paired_dataset("no such folder", batch_size=0)


_SEEDED = {  # each takes `seed`; numpy's generators take no negative seed, TensorFlow's shuffles do
    "make_pairs": (lambda seed: synthetic_speech.make_pairs(1, seconds=0.01, seed=seed), 0),
    "junction_clips": (lambda seed: synthetic_video.junction_clips(1, seed=seed), 0),
    "bouncing_digits": (lambda seed: synthetic_video.bouncing_digits(1, seed=seed), 0),
    "synthetic_faces": (lambda seed: synthetic_faces.load(1, seed=seed), 0),
    "synthetic_shapes": (lambda seed: synthetic_shapes.load(1, seed=seed), 0),
    "labels2facade": (lambda seed: synthetic_images.make_task("labels2facade", 1, size=8, seed=seed), 0),
    "digits": (lambda seed: digits.load(seed=seed), 0),
    "digits_shuffle": (lambda seed: digits.dataset(8, shuffle_seed=seed), None),
    "captions": (lambda seed: captions.dataset(
        ["a b", "b a"], np.zeros((2, 4, 4, 3)), captions.vectorizer(["a b", "b a"]), 1, seed=seed), None),
    "tags": (lambda seed: tags.dataset(np.zeros((2, 3)), np.zeros((2, 4, 4, 3)), 1, seed=seed), None),
    "window_dataset": (lambda seed: video.window_dataset(np.zeros((1, 4, 4, 4, 1)), 2, shuffle=True, seed=seed), None),
    "paired": (lambda seed: paired_images.paired_array_dataset(
        np.zeros((2, 8, 8, 3), "uint8"), np.zeros((2, 8, 8, 3), "uint8"), image_size=8, batch_size=1, seed=seed), None),
    "example_inputs": (lambda seed: generator_lib.example_inputs(  # a serving request's, a parity check's inputs
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]), 1, seed=seed), 0),
}
_SEED_OR_NONE = {"junction_clips", "bouncing_digits", "digits_shuffle", "window_dataset", "paired"}  # None: unseeded


@pytest.mark.parametrize("name, seed", [(name, seed) for name, (_, low) in sorted(_SEEDED.items())
                                        for seed in [1.5, True, "3"] + ([-1] if low == 0 else [])])
def test_a_seed_that_is_not_an_int_is_named(name, seed):
    # make_pairs(seed=1.5) was numpy's "SeedSequence expects int" (seed=-1 "expected non-negative integer"), a
    # shuffle's TensorFlow's "Cannot convert 1.5 to EagerTensor of dtype int64", and seed=True was read as 1.
    make, low = _SEEDED[name]
    argument = "shuffle_seed" if name == "digits_shuffle" else "seed"
    bound = ("" if low is None else f" >= {low}") + (" or None" if name in _SEED_OR_NONE else "")
    with pytest.raises(ValueError, match=re.escape(f"`{argument}` must be an int{bound}. Received: {argument}={seed!r}")):
        make(seed)


def test_one_clip_given_without_the_clip_axis_is_named():
    # One clip [T, H, W, C] was read as T gray clips [H, W, C]: "Clip 'clip 0' has 8 frame(s); a window needs
    # context_frames + 1 = 9", or, with frames tall enough, windows of image rows one pixel wide.
    clip = np.zeros((6, 16, 16, 1), "float32")
    for make in (video.window_dataset, video.window_arrays):
        with pytest.raises(ValueError, match=re.escape(
                "`clips` has shape (6, 16, 16, 1): read as 6 gray clips [T, H, W], their frames would be 1 pixel(s) "
                "wide. One clip [T, H, W, C] is given as `clip[None]`.")):
            make(clip, context_frames=2)
    conditions, targets = video.window_arrays(clip[None], context_frames=2)
    assert conditions.shape == (4, 16, 16, 2) and targets.shape == (4, 16, 16, 1)
    conditions, targets = video.window_arrays(np.zeros((2, 6, 16, 16), "float32"), context_frames=2)  # gray clips
    assert conditions.shape == (8, 16, 16, 2) and targets.shape == (8, 16, 16, 1)


def _voicebank(root, noisy, clean, rate=16000):
    import soundfile

    for kind, x in (("noisy", noisy), ("clean", clean)):
        os.makedirs(root / f"{kind}_trainset_wav", exist_ok=True)
        soundfile.write(str(root / f"{kind}_trainset_wav" / "a.wav"), x, rate)
    return str(root)


def test_wav_folders_name_a_bad_rate_or_folders_given_twice_before_reading(tmp_path):
    # sample_rate None, 0 or -1 passed every file's check, then failed inside tf.data while training (a TypeError
    # of `None / int`, scipy's 'up and down must be >= 1'); root with clean_dir and noisy_dir read root silently.
    root = _voicebank(tmp_path, np.zeros(3000), np.zeros(3000))
    for rate in (None, 0, -1, 16000.0):
        with pytest.raises(ValueError, match=re.escape(f"`sample_rate` must be an int >= 1. Received: sample_rate={rate!r}")):
            audio.paired_dataset(root, sample_rate=rate, window=1024)
    clean, noisy = audio.voicebank_dirs(root)
    with pytest.raises(ValueError, match=r"Give `root` or both `clean_dir` and `noisy_dir`; not both\. Received: root="):
        audio.paired_dataset(root, clean_dir=clean, noisy_dir=noisy, window=1024)
    # Was "..., not both" also when a folder was missing.
    with pytest.raises(ValueError, match=r"Give `root` or both `clean_dir` and `noisy_dir`; `noisy_dir` is missing\."):
        audio.paired_dataset(clean_dir=clean, window=1024)
    with pytest.raises(ValueError, match=r"; `clean_dir` is missing\."):
        audio.paired_dataset(noisy_dir=noisy, window=1024)
    with pytest.raises(ValueError, match=r"; neither was given\."):
        audio.paired_dataset(window=1024)
    ds = audio.paired_dataset(clean_dir=clean, noisy_dir=noisy, window=1024, batch_size=2)
    assert next(iter(ds))[0].shape == (2, 1024, 1)


def test_wav_content_errors_are_told_from_layout_errors(tmp_path):
    # All were bare ValueErrors: a CLI could not tell a corrupt or shortened file from a folder laid out wrong.
    import soundfile

    root = _voicebank(tmp_path, np.zeros(3000), np.zeros(2900))
    with pytest.raises(FileContentError, match=r"noisy_trainset_wav/a\.wav: 3000 samples .* has 2900"):
        audio.paired_dataset(root, window=1024)
    (tmp_path / "noisy_trainset_wav" / "a.wav").write_bytes(b"")
    with pytest.raises(FileContentError, match=r"a\.wav: cannot read this audio file"):
        audio.paired_dataset(root, window=1024)
    soundfile.write(str(tmp_path / "noisy_trainset_wav" / "b.wav"), np.zeros(10), 16000)
    with pytest.raises(ValueError, match="Unmatched file names: b.wav only in") as caught:
        audio.paired_dataset(root, window=1024)
    assert not isinstance(caught.value, FileContentError)


@pytest.mark.parametrize("header", ["image_id,tags", "name,tags", "filename,caption", "file_name,text", "img,tags"])
def test_common_header_rows_of_tags_and_captions_files_are_skipped(tmp_path, header):
    # Only id, image, file and filename were known: `image_id,tags` was "line 1: image 'image_id' not found".
    folder, path = _faces(tmp_path, [header, "0,blue hair red eyes"])
    assert tags.read(folder, path, image_size=4)[1] == [["blue hair", "red eyes"]]
    assert captions.read(folder, path, image_size=4)[1] == ["blue hair red eyes"]


def test_a_header_of_more_than_two_columns_or_other_separators_are_named(tmp_path):
    # `id,tags,source` read each row's source as one more tag (a caption's last words), silently; a file
    # separated by semicolons or tabs was "image '0;blue hair' has no tags".
    folder, path = _faces(tmp_path, ["id,description,source", "0,blue hair,danbooru"])  # no text column named
    with pytest.raises(ValueError, match=re.escape(
            "tags.csv, line 1: the header names the columns ['id', 'description', 'source'], none of them the text")):
        captions.read(folder, path, image_size=4)
    for separator in ";\t":
        folder, path = _faces(tmp_path, [f"0{separator}blue hair"])
        with pytest.raises(ValueError, match=r"tags\.csv, line 1: no comma in .*not a semicolon or a tab"):
            tags.read(folder, path, image_size=4)
    folder, path = _faces(tmp_path, ["id,tags,", "0,blue hair,"])  # an empty last column is no column
    assert tags.read(folder, path, image_size=4)[1] == [["blue hair"]]


def test_an_unreadable_or_float_image_of_a_tags_file_is_a_file_content_error(tmp_path):
    # A 32-bit float TIFF (mode F) was converted to RGB by clipping each value to 0..255: a black picture.
    folder, path = _faces(tmp_path, ["0,blue hair"])
    os.remove(os.path.join(folder, "0.png"))
    Image.fromarray(np.full((4, 4), 0.5, "float32")).save(os.path.join(folder, "0.tif"))
    with pytest.raises(FileContentError, match=r"0\.tif: cannot read the image \(32-bit float pixels \(mode F\)"):
        tags.read(folder, path, image_size=4)
    Image.fromarray(np.full((4, 4), 30000, "uint16")).save(os.path.join(folder, "0.tif"))  # 16 bits read
    np.testing.assert_allclose(tags.read(folder, path, image_size=4)[0], (30000 >> 8) / 127.5 - 1, atol=1e-6)
    (tmp_path / "faces" / "0.tif").write_bytes(b"not an image")
    with pytest.raises(FileContentError, match=r"0\.tif: cannot read the image"):
        tags.read(folder, path, image_size=4)


def test_a_tags_header_may_name_a_column_per_tag_and_other_headers_are_told_from_ids(tmp_path):
    # `image,tag1,tag2` (tags spread over cells, as tags files may hold them) was refused as a header "of more
    # than two columns"; a header below a blank first line was read as data.
    folder, path = _faces(tmp_path, ["image,tag1,tag2", "0,blue hair,red eyes"])
    assert tags.read(folder, path, image_size=4)[1] == [["blue hair", "red eyes"]]
    folder, path = _faces(tmp_path, ["\nid,tags", "0,blue hair red eyes"])
    assert captions.read(folder, path, image_size=4)[1] == ["blue hair red eyes"]
    # A first row whose image alone is missing is not skipped as a header: named, with both readings.
    for first in ("image_file,description", "cat,a red cat", "7,red hair"):
        folder, path = _faces(tmp_path, [first, "0,blue hair red eyes"])
        with pytest.raises(ValueError, match=r"tags\.csv, line 1: image '\w+' not found in .*though line 2's is\. "
                           r"If line 1 names the columns, name the first `id` or `image`\."):
            captions.read(folder, path, image_size=4)
    # Column names that are also an image's id: the row is data when that image is there.
    folder, path = _faces(tmp_path, ["file,red hair", "0,blue hair"])
    Image.new("RGB", (4, 4)).save(os.path.join(folder, "file.png"))
    assert tags.read(folder, path, image_size=4)[1] == [["red hair"], ["blue hair"]]


def test_a_header_naming_the_text_column_and_others_reads_that_column_alone(tmp_path):
    # `id,tags,source` read each row's source as one more tag ("danbooru" in the vocabulary); captions refused
    # the file. The named column is read, the others are left out with a warning naming them.
    folder, path = _faces(tmp_path, ["id,tags,caption,source", "0,blue hair red eyes,a girl, smiling,danbooru",
                                     '1,"red hair, green eyes",a boy,gelbooru'])
    with pytest.warns(UserWarning, match=re.escape("line 1: the header names the columns ['id', 'tags', 'caption', "
                                                   "'source']; only 'tags' is read, the columns ['caption', 'source']")):
        with pytest.raises(ValueError, match=r"line 2: 5 cells, but the header names 4 columns .*Quote a text cell"):
            tags.read(folder, path, image_size=4)  # which cells hold the caption's comma is unclear
    folder, path = _faces(tmp_path, ["source,id,tags,caption", 'danbooru,0,blue hair red eyes,"a girl, smiling"',
                                     'gelbooru,1,"red hair, green eyes",a boy'])
    with pytest.warns(UserWarning, match=r"only 'tags' is read, the columns \['source', 'caption'\] are left out"):
        _, tag_lists, vocabulary = tags.read(folder, path, image_size=4)
    assert tag_lists == [["blue hair", "red eyes"], ["red hair", "green eyes"]]
    assert vocabulary == ["blue hair", "green eyes", "red eyes", "red hair"]
    with pytest.warns(UserWarning, match=r"only 'caption' is read, the columns \['source', 'tags'\] are left out"):
        assert captions.read(folder, path, image_size=4)[1] == ["a girl, smiling", "a boy"]
    folder, path = _faces(tmp_path, ["id,tags,source", "0,blue hair,danbooru", "1,red hair"])  # a short row
    with pytest.warns(UserWarning, match=r"\['source'\] are left out"):
        assert tags.read(folder, path, image_size=4)[1] == [["blue hair"], ["red hair"]]
        assert captions.read(folder, path, image_size=4)[1] == ["blue hair", "red hair"]


def test_voicebank_folders_named_as_the_corpus_ships_them_are_read(tmp_path):
    # The corpus unzips to clean_trainset_28spk_wav/ and noisy_trainset_28spk_wav/: "clean_trainset_wav: folder
    # not found", so `train segan --data` refused the published set until its folders were renamed.
    import soundfile

    for kind in ("clean", "noisy"):
        os.makedirs(tmp_path / f"{kind}_trainset_28spk_wav")
        soundfile.write(str(tmp_path / f"{kind}_trainset_28spk_wav" / "p226_001.wav"), np.zeros(3000), 16000)
    assert audio.voicebank_dirs(str(tmp_path)) == (str(tmp_path / "clean_trainset_28spk_wav"),
                                                   str(tmp_path / "noisy_trainset_28spk_wav"))
    assert next(iter(audio.paired_dataset(str(tmp_path), window=1024, batch_size=2)))[0].shape == (2, 1024, 1)
    for kind in ("clean", "noisy"):  # two such pairs: which one is meant is unclear
        os.makedirs(tmp_path / f"{kind}_trainset_56spk_wav")
    with pytest.raises(ValueError, match=r"several pairs of train folders \(clean_trainset_28spk_wav, "
                                         r"clean_trainset_56spk_wav and their noisy_ folders\); keep one pair"):
        audio.voicebank_dirs(str(tmp_path))
    for kind in ("clean", "noisy"):  # the plain names are the ones read when they are there
        os.makedirs(tmp_path / f"{kind}_trainset_wav")
    assert audio.voicebank_dirs(str(tmp_path))[0] == str(tmp_path / "clean_trainset_wav")


def test_image_paths_from_the_annotation_files_folder_are_found(tmp_path):
    # `path,tags` rows such as `faces/0.png,...` were "image 'faces/0.png' not found in .../faces (tried
    # .../faces/faces/0.png, ...)": the ids are paths from the annotation file's folder.
    folder, path = _faces(tmp_path, ["path,tags", "faces/1.png,blue hair", "faces/0,red hair"])
    Image.fromarray(np.full((4, 4, 3), 10, "uint8")).save(os.path.join(folder, "1.png"))
    images, tag_lists, _ = tags.read(folder, path, image_size=4)
    assert tag_lists == [["blue hair"], ["red hair"]]
    np.testing.assert_allclose(images[:, 0, 0, 0], np.array([10, 200]) / 127.5 - 1, atol=1e-6)
    assert captions.read(folder, path, image_size=4)[1] == ["blue hair", "red hair"]
    folder, path = _faces(tmp_path, ["path,tags", "faces/7.png,blue hair"])
    with pytest.raises(ValueError, match=r"line 2: image 'faces/7\.png' not found in"):
        tags.read(folder, path, image_size=4)


def test_a_tags_file_of_one_tag_is_named(tmp_path):
    # Was "`vocabulary` must be a list of at least 2 non-empty tag strings", a vocabulary never given.
    folder, path = _faces(tmp_path, ["0,blue hair", "1,Blue Hair"])
    with pytest.raises(ValueError, match=r"tags\.csv: every row holds the one tag 'blue hair'; .* at least 2 "):
        tags.load(folder, path, image_size=4)


def test_an_image_on_two_rows_is_read_once_or_named_when_its_tags_differ(tmp_path):
    # Were two examples: a repeated row trained its image twice as often, and one tag per row (`0,blue hair` then
    # `0,red eyes`) taught the image under each tag alone.
    folder, path = _faces(tmp_path, ["0,blue hair red eyes", "1,red eyes", "0.png,Red Eyes, blue hair", "1,red eyes"])
    with pytest.warns(UserWarning, match=r"tags\.csv: 2 row\(s\) repeat an earlier row's image and tags \(first: "
                                         r"line 3\); each image is read once"):
        images, tag_lists, _ = tags.read(folder, path, image_size=4)
    assert len(images) == 2 and tag_lists == [["blue hair", "red eyes"], ["red eyes"]]
    folder, path = _faces(tmp_path, ["0,red eyes, red eyes", "0,red eyes", "1,blue hair"])  # a tag twice: the same tags
    with pytest.warns(UserWarning, match=r"1 row\(s\) repeat an earlier row's image and tags \(first: line 2\)"):
        assert tags.read(folder, path, image_size=4)[1] == [["red eyes", "red eyes"], ["blue hair"]]
    folder, path = _faces(tmp_path, ["id,tag", "0,blue hair", "1,red eyes", "0,red eyes"])
    with pytest.raises(ValueError, match=r"tags\.csv, line 4: image '0' \(.*0\.png\) has other tags \['red eyes'\] "
                                         r"than on line 2 \(\['blue hair'\]\); .*merge its rows into one"):
        tags.read(folder, path, image_size=4)
    folder, path = _faces(tmp_path, ["0,red eyes", "1,red eyes", "2,blue hair"])
    os.remove(os.path.join(folder, "1.png"))
    os.link(os.path.join(folder, "0.png"), os.path.join(folder, "1.png"))  # one file under two names (a Mac's `0.PNG`)
    with pytest.warns(UserWarning, match=r"1 row\(s\) repeat an earlier row's image and tags \(first: line 2\)"):
        assert tags.read(folder, path, image_size=4)[1] == [["red eyes"], ["blue hair"]]


def test_image_paths_from_an_annotation_file_in_the_working_folder_are_found(tmp_path, monkeypatch):
    # `tags.read("faces", "tags.csv")` run beside the file: its folder was "" and went unsearched.
    _faces(tmp_path, ["path,tags", "faces/0.png,blue hair", "faces/1.png,red hair"])
    monkeypatch.chdir(tmp_path)
    assert tags.read("faces", "tags.csv", image_size=4)[1] == [["blue hair"], ["red hair"]]
    assert captions.read("faces", "tags.csv", image_size=4)[1] == ["blue hair", "red hair"]
    _faces(tmp_path, ["path,tags", "faces/7.png,blue hair"])
    with pytest.raises(ValueError, match=r"image 'faces/7\.png' not found in faces \(tried faces/faces/7\.png, "
                                         rf"\.\.\.\), nor in the annotation file's folder {re.escape(str(tmp_path))}; "
                                         r"add the image, or remove its row\.$"):
        tags.read("faces", "tags.csv", image_size=4)


def test_a_first_row_naming_an_image_is_data_though_its_cells_read_as_column_names(tmp_path):
    # `0,blue hair,text,name` (0.png there) was taken for a header naming `text` and `name`: the row was
    # dropped and the next rows read as "image '' has no tags".
    folder, path = _faces(tmp_path, ["0,blue hair,text,name", "1,blue hair", "2,red eyes,text"])
    assert tags.read(folder, path, image_size=4)[1] == [["blue hair", "text", "name"], ["blue hair"],
                                                        ["red eyes", "text"]]


def test_a_captions_header_of_several_text_columns_is_refused_naming_them(tmp_path):
    # `image,caption_1,caption_2,split` joined the two captions into one ("a cat,a small cat"), silently.
    folder, path = _faces(tmp_path, ["image,caption_1,caption_2,split", "0,a cat,a small cat,train"])
    with pytest.raises(ValueError, match=re.escape("line 1: the header names 2 text columns ['caption_1', "
                                                   "'caption_2'], but one text is read per image: keep one")):
        captions.read(folder, path, image_size=4)
    # Numbered columns of the other kind are not read: a tags file's `caption_1` is left out, named.
    folder, path = _faces(tmp_path, ["image,tag1,tag2,caption_1", "0,blue hair,red eyes,a girl"])
    with pytest.warns(UserWarning, match=r"only 'tag1' and 'tag2' are read, the columns \['caption_1'\] are left"):
        assert tags.read(folder, path, image_size=4)[1] == [["blue hair", "red eyes"]]


def test_the_loaders_warnings_point_at_the_users_line(tmp_path):
    # Was: tags.load's at keras_cgan/data/tags.py (its call of `read`), scan_paired_folder's at "sys", line 1,
    # word_groups' at keras_cgan/data/captions.py (its call of `vectorize`); so were those of a repeated tags row
    # and of A|B images in a subfolder.
    folder, path = _faces(tmp_path, ["id,tags,source", "0,blue hair,web", "1,red hair,web", "0,blue hair,web"])
    with pytest.warns(UserWarning) as caught:
        tags.load(folder, path, image_size=4)
    assert [re.search(r"are left out|repeat an earlier row", str(w.message)) is not None for w in caught] == [True] * 2
    os.mkdir(os.path.join(folder, "more"))
    Image.fromarray(np.zeros((4, 4, 3), "uint8")).save(os.path.join(folder, "more", "0.png"))
    with pytest.warns(UserWarning) as scanned:
        paired_images.scan_paired_folder(folder)  # square images: one side of the pairs?
    assert [re.search(r"A\|B images hold both sides side by side|subfolder\(s\) \['more'\]", str(w.message)) is not None
            for w in scanned] == [True] * 2
    vec = captions.vectorizer(["a red circle", "a blue circle"], sequence_length=3)
    with pytest.warns(UserWarning, match=r"words the vectorizer does not know: \['green'\]") as grouped:
        captions.word_groups(vec, ["a green circle", "a red circle"])
    assert [w.filename for w in [*caught, *scanned, *grouped]] == [__file__] * 5


def test_a_header_naming_the_text_column_before_the_image_column_is_read_by_its_names(tmp_path):
    # `tags,image` read each row's tags as its image: "image 'blue hair' not found".
    folder, path = _faces(tmp_path, ["tags,image", "blue hair,0.png", "red eyes,1"])
    assert tags.read(folder, path, image_size=4)[1] == [["blue hair"], ["red eyes"]]
    folder, path = _faces(tmp_path, ["caption,source,image", "a cat,web,0.png"])
    with pytest.warns(UserWarning, match=r"only 'caption' is read, the columns \['source'\] are left out"):
        assert captions.read(folder, path, image_size=4)[1] == ["a cat"]


def test_tags_ids_name_their_images_in_any_case_and_two_spellings_are_named(tmp_path):
    # Was: "image 'img_0' not found" for IMG_0.png (and sub/X.png for Sub/x.PNG), though the tags folder's own
    # name is read in any case; IMG_0.png beside img_0.png was read as whichever matched the id's spelling.
    folder, path = _faces(tmp_path, ["img_0,blue hair", "sub/X.png,red eyes"])
    os.rename(os.path.join(folder, "0.png"), os.path.join(folder, "IMG_0.png"))
    os.makedirs(os.path.join(folder, "Sub"))
    os.rename(os.path.join(folder, "1.png"), os.path.join(folder, "Sub", "x.PNG"))
    assert tags.read(folder, path, image_size=4)[1] == [["blue hair"], ["red eyes"]]
    Image.new("RGB", (4, 4)).save(os.path.join(folder, "img_0.png"))
    with pytest.raises(ValueError, match=r"tags\.csv, line 1: image 'img_0' names both .*faces/IMG_0\.png and "
                                         r".*faces/img_0\.png, whose names differ only in case .*rename or remove"):
        tags.read(folder, path, image_size=4)


def test_an_id_without_its_extension_found_with_two_extensions_is_refused_naming_both(tmp_path):
    # Was: id `0` beside 0.jpg and 0.png read as 0.jpg without a word (the first extension tried), in any case.
    folder, path = _faces(tmp_path, ["0,blue hair", "sub/1,red eyes"])
    Image.new("RGB", (4, 4)).save(os.path.join(folder, "0.JPG"))
    with pytest.raises(ValueError, match=r"tags\.csv, line 1: image '0' names both .*faces/0\.JPG and .*faces/0\.png, "
                                         r"whose names differ in extension \(.*in any case\); "
                                         r"rename or remove one of them"):
        tags.read(folder, path, image_size=4)
    with pytest.raises(ValueError, match=r"image '0' names both .*0\.JPG and .*0\.png.*differ in extension"):
        captions.read(folder, path, image_size=4)
    os.remove(os.path.join(folder, "0.png"))
    os.makedirs(os.path.join(folder, "Sub"))
    for name in ("1.png", "1.webp"):  # not found as spelled: looked up in any case
        Image.new("RGB", (4, 4)).save(os.path.join(folder, "Sub", name))
    with pytest.raises(ValueError, match=r"image 'sub/1' names both .*Sub/1\.png and .*Sub/1\.webp"):
        tags.read(folder, path, image_size=4)
    os.remove(os.path.join(folder, "Sub", "1.webp"))
    assert len(tags.read(folder, path, image_size=4)[0]) == 2  # one file each; an id with its extension as before
    Image.new("RGB", (4, 4)).save(os.path.join(folder, "1.jpg"))
    folder, path = _faces(tmp_path, ["0.JPG,blue hair", "1.png,red eyes"])
    assert len(tags.read(folder, path, image_size=4)[0]) == 2


def test_voicebank_folders_and_files_are_read_in_any_case_and_two_spellings_are_named(tmp_path):
    # Was: "clean_trainset_wav: folder not found" for Clean_TrainSet_wav/, and "Unmatched file names" for
    # P1.wav paired with p1.wav, where an image folder's name is read in any case.
    for folder, name in (("Clean_TrainSet_28spk_wav", "P1.wav"), ("NOISY_trainset_28SPK_wav", "p1.WAV")):
        os.makedirs(tmp_path / folder)
        audio.write_wav(str(tmp_path / folder / name), np.zeros(100), 16000)
    clean, noisy = audio.voicebank_dirs(str(tmp_path))
    assert (clean, noisy) == (str(tmp_path / "Clean_TrainSet_28spk_wav"), str(tmp_path / "NOISY_trainset_28SPK_wav"))
    assert audio.paired_files(clean, noisy) == [(os.path.join(noisy, "p1.WAV"), os.path.join(clean, "P1.wav"))]
    audio.write_wav(os.path.join(clean, "p1.wav"), np.zeros(100), 16000)
    with pytest.raises(ValueError, match=r"Clean_TrainSet_28spk_wav/P1\.wav and .*/p1\.wav differ only in case, .*"
                                         r"rename or remove one of them\.$"):  # as image files are (was "keep one")
        audio.paired_files(clean, noisy)
    os.makedirs(tmp_path / "clean_trainset_28spk_wav")
    with pytest.raises(ValueError, match=r"Clean_TrainSet_28spk_wav and .*/clean_trainset_28spk_wav differ only in "
                                         r"case.*merge them into one, or move one away"):
        audio.voicebank_dirs(str(tmp_path))


def _say_what_to_do_cases(tmp_path):
    """`(call, message)` of each loader error that named the file but not what to do with it."""
    def odd():
        Image.fromarray(np.zeros((4, 7, 3), "uint8")).save(tmp_path / "odd.png")
        return lambda: paired_images.scan_paired_folder(str(tmp_path))

    def not_an_image():
        (tmp_path / "notes.jpg").write_text("hello")
        return lambda: paired_images.scan_paired_folder(str(tmp_path))

    def wav_folders():
        for kind in ("clean", "noisy"):
            (tmp_path / f"{kind}_trainset_wav").mkdir()
        audio.write_wav(str(tmp_path / "clean_trainset_wav" / "a.wav"), np.zeros(100), 16000)
        audio.write_wav(str(tmp_path / "noisy_trainset_wav" / "a.wav"), np.zeros(100), 16000)
        audio.write_wav(str(tmp_path / "clean_trainset_wav" / "b.wav"), np.zeros(100), 16000)
        return lambda: audio.paired_dataset(str(tmp_path), window=64)

    def tags_rows(rows):
        folder, path = _faces(tmp_path, rows)
        return lambda: tags.read(folder, path, image_size=4)

    return {
        "odd width": (odd, r"odd\.png: width 7 is odd, .*; crop it to an even width .*, or remove it\.$"),
        "not an image": (not_an_image, r"notes\.jpg: not a readable image .*; replace it with a whole image, or move "
                                       r"it out of the folder\.$"),
        "unpaired wav": (wav_folders, r"b\.wav only in .*clean_trainset_wav; each file needs its pair .*: "
                                                   r"add it, or move the file out\.$"),
        "no tags": (lambda: tags_rows(["0,red eyes", "1,"]), r"line 2: image '1' has no tags; write its tags, or "
                                                            r"remove the row\.$"),
    }


@pytest.mark.parametrize("case", ["odd width", "not an image", "unpaired wav", "no tags"])
def test_a_loader_error_about_one_file_says_what_to_do(tmp_path, case):
    # Each named the file and what was wrong, and stopped there.
    make, message = _say_what_to_do_cases(tmp_path)[case]
    with pytest.raises(ValueError, match=message):
        make()()


def test_a_wav_pair_of_two_lengths_says_what_to_do(tmp_path):
    for kind, length in (("clean", 100), ("noisy", 90)):
        (tmp_path / f"{kind}_trainset_wav").mkdir()
        audio.write_wav(str(tmp_path / f"{kind}_trainset_wav" / "a.wav"), np.zeros(length), 16000)
    with pytest.raises(FileContentError, match=r"a\.wav: 90 samples .* has 100 .*; a pair must be the same length: "
                                               r"copy the shorter file again, or move the pair out of the folders\.$"):
        audio.paired_dataset(str(tmp_path), window=64)


def test_a_b_images_in_a_subfolder_of_a_side_by_side_folder_are_said_to_be_left_out(tmp_path):
    # They were left out without a word (a user's `more/` or `2024/` of pairs).
    for folder in (tmp_path, tmp_path / "more"):
        folder.mkdir(exist_ok=True)
        Image.fromarray(np.zeros((8, 16, 3), "uint8")).save(folder / "0.png")
    (tmp_path / "empty").mkdir()
    (tmp_path / "run").mkdir()  # a run folder of this data: its samples are not data
    Image.fromarray(np.zeros((8, 16, 3), "uint8")).save(tmp_path / "run" / "samples.png")
    (tmp_path / "run" / "config.json").write_text("{}")
    with pytest.warns(UserWarning, match=r"the subfolder\(s\) \['more'\] hold images, which are not read"):
        scan = paired_images.scan_paired_folder(str(tmp_path))
    assert scan["a_files"] == [str(tmp_path / "0.png")]


def test_clean_and_noisy_folders_are_named_with_the_names_to_give_them(tmp_path):
    # Was "clean_trainset_wav: folder not found", though the pairs were there under plainer names.
    for kind in ("Clean", "noisy"):
        (tmp_path / kind).mkdir()
    with pytest.raises(ValueError, match=r"folder not found .*\. .* holds Clean/ and noisy/: rename them "
                                         r"clean_trainset_wav/ and noisy_trainset_wav/\.$"):
        audio.voicebank_dirs(str(tmp_path))
    # Noisy/ sorts before clean/: they were named in that order, Noisy/ to be renamed clean_trainset_wav/.
    os.rename(tmp_path / "Clean", tmp_path / "clean"), os.rename(tmp_path / "noisy", tmp_path / "Noisy")
    with pytest.raises(ValueError, match=r" holds clean/ and Noisy/: rename them clean_trainset_wav/ and noisy_"):
        audio.voicebank_dirs(str(tmp_path))
    os.rename(tmp_path / "Noisy", tmp_path / "Clean")  # two clean folders: no names to give them (were both named)
    with pytest.raises(ValueError, match=r"folder not found \(expected the VoiceBank-DEMAND layout under [^)]*\)\.$"):
        audio.voicebank_dirs(str(tmp_path))
