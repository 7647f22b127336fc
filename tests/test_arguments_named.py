"""Odd and wrong arguments of the conditions, the callbacks and the StackGAN / SEGAN builders and layers:
each wrong value gets a `ValueError` naming the argument (and what to do) before anything trains, not a
`TypeError` from deep inside, a value silently cut or split, or a failure at the first sample written.
"""

import os
import re

import keras
import numpy as np
import pytest

from keras_cgan import callbacks, conditions
from keras_cgan.conditions import TagsCondition, TextCondition
from keras_cgan.models import segan, stack_gan
from keras_cgan.models.next_frame_gan import RolloutGIF
from tests import families


def _vectorizer(texts=("a red circle", "a blue square"), **kwargs):
    vec = keras.layers.TextVectorization(output_sequence_length=4, **kwargs)
    vec.adapt(list(texts))
    return vec


# ------------------------------------------------------------------ conditions


def test_a_bool_is_no_number_of_classes():
    with pytest.raises(ValueError, match="`condition` must be a number of classes .*Received: condition=True"):
        conditions.get(True)
    assert conditions.get(np.int64(3)).num_classes == 3


@pytest.mark.parametrize("groups", [3, [2, 3], "ab", ["ab"], [None]])
def test_swap_groups_must_be_a_list_of_lists(groups):
    with pytest.raises(ValueError, match=re.escape(f"must be a list of groups, each a list of words or token ids "
                                                   f"(`[['red', 'blue']]`). Received: swap_groups={groups!r}")):
        TextCondition(6, 4, swap_groups=groups)
    with pytest.raises(ValueError, match="`swap_groups` must be a list of groups"):
        TextCondition.from_vectorizer(_vectorizer(), swap_groups=groups)  # "ab" was split into "a", "b"


def test_from_vectorizer_keeps_ids_as_given_and_takes_arrays():
    vec = _vectorizer()
    with pytest.raises(ValueError, match=r"`swap_groups`: group 0 must hold token ids; got \[2.5, 3\]"):
        TextCondition.from_vectorizer(vec, swap_groups=[[2.5, 3]])  # was cut to 2
    red, blue = (vec.get_vocabulary().index(w) for w in ("red", "blue"))
    assert TextCondition.from_vectorizer(vec, swap_groups=np.array([[red, blue]])).swap_groups == [sorted([red, blue])]
    assert TextCondition(6, 4, swap_groups=[]).swap_groups is None


def test_from_vectorizer_names_what_the_vectorizer_lacks():
    with pytest.raises(ValueError, match="`vectorizer` must be an adapted `keras.layers.TextVectorization`"):
        TextCondition.from_vectorizer("a red circle")
    with pytest.raises(ValueError, match=r"`vectorizer` has no words.*call `vectorizer.adapt\(captions\)`"):
        TextCondition.from_vectorizer(keras.layers.TextVectorization(output_sequence_length=4))
    multi_hot = keras.layers.TextVectorization(output_mode="multi_hot")
    multi_hot.adapt(["a red circle"])
    with pytest.raises(ValueError, match="`vectorizer` must give token ids.*Received: output_mode='multi_hot'"):
        TextCondition.from_vectorizer(multi_hot)


@pytest.mark.parametrize("options", [[1], "lower", {"lowercase": True}])
def test_text_options_must_be_the_vectorizers_settings(options):
    with pytest.raises(ValueError, match=r"`text_options` must be a dict of the vectorizer's \('standardize'"):
        TextCondition(4, 3, vocabulary=["", "[UNK]", "a", "b"], text_options=options)
    kept = TextCondition(4, 3, vocabulary=["", "[UNK]", "a", "b"], text_options={"split": "whitespace"})
    assert kept.vectorizer()(["b a"]).numpy().tolist() == [[3, 2, 0]]


def test_decode_threshold_is_a_number():
    tags = TagsCondition(["ä hair", "中 eyes"])
    assert tags.decode([0.9, 0.2]) == ["ä hair"]
    with pytest.raises(ValueError, match="`threshold` must be a finite number. Received: threshold='0.5'"):
        tags.decode([0.9, 0.2], threshold="0.5")


def test_tag_and_caption_value_errors_say_what_to_do():
    tags = TagsCondition(["red hair", "blue hair"])
    with pytest.raises(ValueError, match=r"x: tag conditions must be multi-hot \(only 0 and 1\); got values from 0.0 "
                                         r"to 2.0. Make them from tag lists with `TagsCondition.encode`."):
        tags.check(np.array([[2.0, 0.0]], "float32"), "x")
    with pytest.raises(ValueError, match=r"x: captions must be integer token ids; got dtype float64. Cast whole ids "
                                         r"with `.astype\('int32'\)`."):
        TextCondition(6, 3).check(np.array([[2.0, 3.0, 0.0]]), "x")


# ------------------------------------------------------------------- callbacks


def test_callback_paths_in_the_way_fail_when_training_begins_not_at_the_first_file(tmp_path):
    (tmp_path / "grid.png").mkdir()
    (tmp_path / "a_file").write_text("")
    gan = families.build("conditional")
    x, y = families.data("conditional", 8)
    weights = [np.asarray(w) for w in gan.generator.weights]
    in_the_way = [  # each failed at the end of the first epoch, or (CollapseMonitor) at its first warning
        (callbacks.SampleGrid(np.arange(4), str(tmp_path / "grid.png"), rows=2), "`path`: .*grid.png is a folder"),
        (callbacks.SampleGrid(np.arange(4), str(tmp_path / "a_file" / "g.png"), rows=2), "`path`: .*a_file is a file"),
        (callbacks.SampleGrid(np.arange(4), str(tmp_path / "g.png"), rows=2, log_dir=str(tmp_path / "a_file")),
         "`log_dir`: no file can be written in .*a_file is a file, not a folder. Pass another path."),
        (callbacks.CollapseMonitor(path=str(tmp_path)), f"`path`: no file can be written at '{tmp_path}'"),
    ]
    for callback, message in in_the_way:
        with pytest.raises(ValueError, match=message):
            gan.fit(x, y, epochs=1, batch_size=8, callbacks=[callback], verbose=0)
    assert all(np.array_equal(w, np.asarray(v)) for w, v in zip(weights, gan.generator.weights))
    segan_gan = families.build("segan")
    audio = callbacks.AudioSamples([np.zeros(300)], str(tmp_path / "a_file"))
    audio.set_model(segan_gan)
    with pytest.raises(ValueError, match="`directory`: no file can be written in .*a_file is a file"):
        audio.on_train_begin()
    gif = RolloutGIF(np.zeros((1, 4, 8, 8, 1)), str(tmp_path / "a_file"))
    gif.set_model(families.build("next_frame"))
    with pytest.raises(ValueError, match="`directory`: no file can be written in .*a_file is a file"):
        gif.on_train_begin()


def test_callback_paths_that_can_be_written_pass(tmp_path, monkeypatch):
    # A file that can be replaced in a folder that cannot be written in (a device such as /dev/stdout too), and a
    # TensorBoard log_dir on a file system TensorFlow reaches (gs://...), are not in the way.
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "log.txt").write_text("")
    (tmp_path / "locked" / "grid_1.png").write_text("")
    (tmp_path / "read_only.txt").write_text("")
    access = os.access
    denied = (str(tmp_path / "locked"), str(tmp_path / "read_only.txt"))
    monkeypatch.setattr(os, "access", lambda path, mode: access(path, mode) and str(path) not in denied)
    callbacks.check_writable("path", str(tmp_path / "locked" / "log.txt"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gs:").write_text("")  # a local path "gs://bucket/..." would be below this file
    callbacks.check_writable("log_dir", "gs://bucket/logs", folder=True, remote=True)
    with pytest.raises(ValueError, match="`path`: no file can be written at 'gs://bucket/grid.png'"):
        callbacks.check_writable("path", "gs://bucket/grid.png")  # written with PIL: a local folder "gs:"
    with pytest.raises(ValueError, match="`path`: no file can be written at .*new.txt.*no permission to write in"):
        callbacks.check_writable("path", str(tmp_path / "locked" / "new.txt"))
    with pytest.raises(ValueError, match="`path`: no file can be written at .*read_only.txt.*no permission to write"):
        callbacks.check_writable("path", str(tmp_path / "read_only.txt"))
    # A grid per epoch: the next epochs' files are new, in a folder that cannot be written in (grid_1.png passed).
    gan = families.build("conditional")
    grid = callbacks.SampleGrid(np.arange(4), str(tmp_path / "locked" / "grid_{epoch}.png"), rows=2)
    grid.set_model(gan)
    with pytest.raises(ValueError, match="`path`: no file can be written in .*locked.*no permission"):
        grid.on_train_begin()


@pytest.mark.parametrize("make, name, taken", [  # taken: what the message says the argument takes
    (lambda value: callbacks.SampleGrid(np.arange(4), "g.png", rows=2, log_dir=value), "log_dir", "or None"),
    (lambda value: callbacks.CollapseMonitor(path=value), "path", "or None"),
    (lambda value: callbacks.AudioSamples([np.zeros(8)], value), "directory", ""),
    (lambda value: RolloutGIF(np.zeros((1, 4, 8, 8, 1)), value), "directory", ""),
])
def test_callback_paths_must_be_paths(make, name, taken):
    message = re.escape(f"`{name}` must be a path (a non-empty str, bytes or os.PathLike){taken and ' ' + taken}. "
                        f"Received: {name}=5")
    with pytest.raises(ValueError, match=message):
        make(5)


def test_audio_samples_and_rollout_gif_check_their_clips_when_built():
    with pytest.raises(ValueError, match=r"`clips` must be a list of waveforms; pass one waveform as `\[clip\]`"):
        callbacks.AudioSamples(np.zeros(300), "wav")  # was 300 clips of one sample each
    for clip in (np.full(300, np.nan), np.full(300, 2.0)):  # failed at the first write, naming `waveform`
        with pytest.raises(ValueError, match=r"^clips\[0\]: noisy clips must be (finite|in \[-1, 1\])"):
            callbacks.AudioSamples([clip], "wav")
    with pytest.raises(ValueError, match=r"`clips` must be \[batch, T, H, W, C\], at least one clip.*\(0, 4, 8, 8"):
        RolloutGIF(np.zeros((0, 4, 8, 8, 1)), "gifs")  # failed in the rollout, at the first write


def test_audio_samples_takes_the_rounding_slack_enhance_takes():
    assert callbacks.AudioSamples([np.full(8, 1.0005)], "wav").clips[0].max() == np.float32(1.0005)


# ------------------------------------------------------------- builders, layers


@pytest.mark.parametrize("sizes", [16, None, "816", (8.5, 17), (8.0, 16.0), (True, 2)])
def test_stackgan_sizes_are_ints_not_cut_or_split(sizes):
    with pytest.raises(ValueError, match=re.escape("`sizes` must be 2 or 3 stages") + ".*" + re.escape(
            f"Received: sizes={sizes!r}")):
        stack_gan.presets.build(sizes, 4, preset="tiny")  # 16 and None: TypeError; (8.5, 17): built at 8 and 16


def test_stackgan_builders_name_their_own_arguments():
    with pytest.raises(ValueError, match=r"`sizes` must start at 4 times a power of two.*Received: sizes=\(6, 12\)"):
        stack_gan.networks.build_networks((6, 12), 4, latent_dim=4, code_dim=2, base_filters=4)  # named image_size
    wrong = [
        (lambda: stack_gan.networks.stage1_generator(4.0), "`image_size` must be an int >= 1. Received: image_size=4."),
        (lambda: stack_gan.networks.stage1_generator(8, base_filters=0), "`base_filters` must be an int >= 1"),
        (lambda: stack_gan.networks.stage1_generator(8, code_dim=0), "`code_dim` must be an int >= 1"),
        (lambda: stack_gan.networks.refiner_generator(0), "`input_size` must be an int >= 1"),  # named `size`
        (lambda: stack_gan.networks.refiner_generator(8, residual_blocks=-1), "`residual_blocks` must be an int >= 0"),
        (lambda: stack_gan.networks.refiner_generator(8, residual_blocks=1.5), "`residual_blocks` must be an int >= 0"),
        (lambda: stack_gan.networks.condition_augmentation_encoder(4, units=0), "`units` must be an int >= 1"),
        (lambda: stack_gan.presets.build((8, 16), 4, preset="tiny", logvar_init="x"),
         "`logvar_init` must be a finite number >= -20 and <= 20. Received: logvar_init='x'"),
        (lambda: stack_gan.presets.build((8, 16), 4, preset="tiny", logvar_init=float("nan")),
         "`logvar_init` must be a finite number >= -20 and <= 20. Received: logvar_init=nan"),
    ]
    for build, message in wrong:
        with pytest.raises(ValueError, match=re.escape(message)):
            build()
    nets = stack_gan.networks.build_networks((8, 16), 4, latent_dim=2, code_dim=4, base_filters=4)  # z narrower: fine
    assert tuple(stack_gan.networks.generator_chain(nets["condition_encoder"], nets["generators"]).inputs[0].shape) == (
        None, 6)


@pytest.mark.parametrize("value", ["no", 1, None])
def test_segan_network_flags_are_bools(value):
    with pytest.raises(ValueError, match=f"`residual` must be True or False. Received: residual={value!r}"):
        segan.networks.segan_generator(256, (4, 8), 5, residual=value)  # "no" built the residual network
    with pytest.raises(ValueError, match=f"`spectral_norm` must be True or False. Received: spectral_norm={value!r}"):
        segan.presets.build(256, preset="tiny", spectral_norm=value)


def test_layers_refuse_inputs_they_would_get_wrong():
    from keras_cgan.layers import NearestUpsampling, ReplicaDropout
    from keras_cgan.models.segan.emphasis import DeEmphasis

    for shape in [(1, 2, 2), (1, 1, 2, 2, 1)]:  # 3D: IndexError; 5D: (1, 2, 4, 2), an axis lost
        with pytest.raises(ValueError, match=re.escape(f"takes images [batch, height, width, channels] of known "
                                                       f"sizes; got shape {shape}")):
            NearestUpsampling(2)(np.zeros(shape, "float32"))
    with pytest.raises(ValueError, match=r"known sizes; got shape \(None, None, None, 3\).*UpSampling2D"):
        NearestUpsampling(2)(keras.Input((None, None, 3)))
    assert NearestUpsampling(2)(np.ones((1, 2, 2, 1), "float32")).shape == (1, 4, 4, 1)
    with pytest.raises(ValueError, match=r"DeEmphasis .* takes one-channel windows \[batch, time, 1\]; got shape "
                                         r"\(1, 4, 2\)"):
        DeEmphasis(0.5)(np.ones((1, 4, 2), "float32"))
    with pytest.raises(ValueError, match=r"`noise_shape` must have `None` or `1` as its batch entry.*noise_shape=\(\)"):
        ReplicaDropout(0.5, noise_shape=())
