"""`keras-cgan train segan`: speech enhancement on raw waveforms.

Built-in data: `synthetic_speech` pairs (voiced speech mixed with white,
pink, babble and hum noise at 0-10 dB), the defaults of
`examples/speech_enhancement.py`. `--data DIR` reads the VoiceBank-DEMAND
layout. `--size` is the window in samples (a multiple of 64); `--filters`
the first encoder layer's filters (the six layers use 1, 2, 2, 4, 4, 8 times
it). Samples are a wav: for each preview window, noisy, enhanced, clean,
separated by a short silence.
"""

import math
import os
import warnings

import numpy as np

from keras_cgan.cli.recipes.spec import Data, Family, generate, register, size_option, wrong_layout
from keras_cgan.models.segan.defaults import DEFAULT, check_window

LAYOUT = """  DIR/clean_trainset_wav/<name>.wav and DIR/noisy_trainset_wav/<name>.wav, matched by name
  (or one pair named as the corpus ships them: DIR/clean_trainset_28spk_wav/ and DIR/noisy_trainset_28spk_wav/,
  or _56spk_)
  (optional DIR/clean_testset_wav/ and DIR/noisy_testset_wav/ for the samples; else the first training pairs)"""
# `--filters F` gives the encoder layers the preset's filters scaled to start at F: F x (1, 2, 2, 4, 4, 8).
FILTER_MULTIPLES = tuple(f // DEFAULT["filters"][0] for f in DEFAULT["filters"])
PREVIEW = 4


def _windows(noisy, clean, window, count):
    from keras_cgan.data import audio

    n, c = audio.frame_pairs(noisy, clean, window, window)
    return n[:count], c[:count]


def _folder_steps(pairs, sample_rate, window, batch_size):
    """Batches in one pass over a wav folder (windows every window // 2, as `paired_dataset` cuts)."""
    from keras_cgan.data import audio

    hop, windows = window // 2, 0
    for noisy_path, _ in pairs:
        frames, rate, _ = audio.wav_info(noisy_path)
        length = int(round(frames * sample_rate / rate))
        windows += 1 if length <= window else math.ceil((length - window) / hop) + 1
    return windows // batch_size


def _window(options):
    """`--size`, the window in samples: a multiple of 64, one halving per encoder layer."""
    window = size_option(options, "window in samples")
    return check_window(window, len(FILTER_MULTIPLES), "--size (the window in samples)")


def check(options, data_options, built_in):
    """The window the networks take, a kernel within it, and the built-in utterances' length (`Family.check`)."""
    window = _window(options)
    if options["kernel_size"] > window:  # was the networks' error, once TensorFlow and the data had loaded
        raise ValueError(f"--set kernel_size={options['kernel_size']}: the kernel must be at most the window "
                         f"(--size {window}); give a smaller kernel_size (the default is {DEFAULT['kernel_size']}).")
    seconds = float(data_options["seconds"])
    if built_in and seconds * options["sample_rate"] < 1:
        raise ValueError(f"--set seconds: expected a number > 0 (a length of speech), received {seconds!r}.")


def _preview_dirs(path, clean_dir, noisy_dir):
    """`(clean_dir, noisy_dir)` of the samples: the test pairs when `path` holds both test folders, else the
    training pairs given, with a warning when one test folder is there without its pair (the run trains)."""
    from keras_cgan.data import audio

    try:
        return audio.voicebank_dirs(path, "test", missing_ok=True) or (clean_dir, noisy_dir)
    except ValueError as error:
        warnings.warn(f"--data {path}: the samples are made of the first training pairs, not the test pairs: "
                      f"{error}", stacklevel=2)
        return clean_dir, noisy_dir


def load_data(path, options, data_options, batch_size, seed):
    """Windows of (noisy, clean) pairs from a VoiceBank-style folder, or synthetic speech."""
    import tensorflow as tf

    from keras_cgan.data import audio, synthetic_speech

    window, rate = _window(options), options["sample_rate"]
    if path is None:
        seconds = float(data_options["seconds"])  # at least one sample (`check`)
        noisy, clean = synthetic_speech.make_pairs(int(data_options["utterances"]), seconds, rate, seed=seed)
        train_n, train_c = audio.frame_pairs(noisy, clean, window, window // 2)
        if len(train_n) < batch_size:
            raise ValueError(
                f"The synthetic set makes {len(train_n)} windows, fewer than one batch of {batch_size}; lower "
                "--batch-size, or raise --set utterances or --set seconds.")
        test_noisy, test_clean = synthetic_speech.make_pairs(PREVIEW, seconds, rate, split="test", seed=seed)
        preview = _windows(test_noisy, test_clean, window, PREVIEW)
        train = (
            tf.data.Dataset.from_tensor_slices((train_n, train_c))
            .shuffle(len(train_n), seed=seed, reshuffle_each_iteration=True)
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE)
        )
        return Data(train, len(train_n) // batch_size, preview, {})
    noisy, clean = [], []
    try:
        clean_dir, noisy_dir = audio.voicebank_dirs(path, "train")
        pairs = audio.paired_files(clean_dir, noisy_dir)
        train = audio.paired_dataset(
            path, "train", rate, window, batch_size=batch_size, seed=seed, drop_remainder=True
        )
        for noisy_path, clean_path in audio.paired_files(*_preview_dirs(path, clean_dir, noisy_dir))[:PREVIEW]:
            n, c = audio.read_pair(noisy_path, clean_path, rate)
            noisy.append(n)
            clean.append(c)
    except ValueError as error:
        raise wrong_layout(path, FAMILY, error) from None
    steps = _folder_steps(pairs, rate, window, batch_size)
    if steps < 1:
        raise ValueError(
            f"--data {path} holds fewer windows than one batch of {batch_size} (windows of {window} samples); "
            "lower --batch-size or --size.")
    return Data(train, steps, _windows(noisy, clean, window, PREVIEW), {}, {"pairs": len(pairs)})


def build(options):
    """The `"default"` preset, with the options as overrides (`--size` is the window)."""
    from keras_cgan.models.segan import presets

    return presets.build(
        options["size"], filters=tuple(options["filters"] * m for m in FILTER_MULTIPLES),
        adversarial_weight=options["adversarial_weight"], sample_rate=options["sample_rate"], seed=options["seed"],
        kernel_size=options["kernel_size"], latent_channels=options["latent_channels"],
        spectral_norm=options["spectral_norm"], r1_weight=options["r1_weight"],
    )


def write_samples(gan, conditions, targets, path, seed):
    """A wav: for each window, noisy, enhanced and clean, 0.25 s of silence between them."""
    from keras_cgan.data import audio

    enhanced = generate(gan, conditions, seed)
    gap = np.zeros(gan.sample_rate // 4, "float32")
    parts = []
    for i in range(len(conditions)):
        for signal in (conditions[i], enhanced[i]) + (() if targets is None else (targets[i],)):
            parts += [np.ravel(signal).astype("float32"), gap]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    audio.write_wav(path, np.concatenate(parts), gan.sample_rate)
    return path


FAMILY = register(
    Family(
        name="segan",
        summary="SEGAN: noisy waveform -> clean waveform (built-in synthetic speech, or VoiceBank-DEMAND with --data)",
        layout=LAYOUT,
        options={
            "size": 16384,
            "filters": DEFAULT["filters"][0],
            "sample_rate": DEFAULT["sample_rate"],
            "adversarial_weight": DEFAULT["adversarial_weight"],
            "kernel_size": DEFAULT["kernel_size"],
            "latent_channels": DEFAULT["latent_channels"],
            "spectral_norm": DEFAULT["spectral_norm"],
            "r1_weight": DEFAULT["r1_weight"],
        },
        absent_means={"kernel_size": 15, "latent_channels": 128},  # what runs made before these options used
        counts=("sample_rate", "kernel_size", "latent_channels", "utterances"),
        data_options={"utterances": 64, "seconds": 4.0},
        synthetic_options=("utterances", "seconds"),
        epochs=5,
        batch_size=8,
        load_data=load_data,
        data_endings=(".wav",),
        build=build,
        write_samples=write_samples,
        sample_extension=".wav",
        check=check,
    )
)
