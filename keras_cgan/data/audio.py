"""Paired wav folders (VoiceBank-DEMAND layout) as `tf.data` window datasets.

The layout is `<root>/clean_<split>set_wav/*.wav` and
`<root>/noisy_<split>set_wav/*.wav` (or with the speakers in the names, as
the corpus ships them: `clean_trainset_28spk_wav/`), pairs matched by file
name. Files are mixed down to mono, resampled to the model's rate when needed
(`scipy.signal.resample_poly`), and cut into windows every `hop` samples; the
last window and files shorter than a window are zero-padded. Every file is
checked before any training starts, and each problem raises a `ValueError`
naming the file (`files.FileContentError` when the file's content is at
fault: unreadable, empty, beyond full scale, or of another length than its
pair): the check opens each file once and reads the samples of a float wav
only (the one kind whose samples can pass full scale); training then reads
each file once per epoch.

Example:

>>> import numpy as np, tempfile, os
>>> from keras_cgan.data import audio
>>> root = tempfile.mkdtemp()
>>> for kind in ("clean", "noisy"):
...     os.makedirs(os.path.join(root, f"{kind}_trainset_wav"))
...     audio.write_wav(os.path.join(root, f"{kind}_trainset_wav", "p1.wav"), np.zeros(3000), 16000)
>>> ds = audio.paired_dataset(root, window=1024, hop=512, batch_size=2)
>>> [tuple(t.shape) for t in next(iter(ds))]
[(2, 1024, 1), (2, 1024, 1)]
"""

import math
import os
import re

import numpy as np
import tensorflow as tf
from scipy import signal

from keras_cgan import checks
from keras_cgan.data import files


def _soundfile():
    try:
        import soundfile
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            "Reading wav files needs `soundfile`: pip install 'keras-cgan[audio]'."
        ) from e
    return soundfile


def resample(x, rate_in, rate_out):
    """Resamples a 1D signal with a polyphase filter; returns float32."""
    if int(rate_in) == int(rate_out):
        return np.asarray(x, "float32")
    g = math.gcd(int(rate_in), int(rate_out))
    return signal.resample_poly(np.asarray(x, "float64"), int(rate_out) // g, int(rate_in) // g).astype("float32")


def _open(path):
    """`path` as an open `soundfile.SoundFile` holding samples, or a `ValueError` naming the file."""
    sf = _soundfile()
    try:
        f = sf.SoundFile(path)
    except Exception as e:  # soundfile raises several types for bad files
        raise files.FileContentError(f"{path}: cannot read this audio file (empty, truncated or not a wav): {e}") from e
    if f.frames <= 0:
        f.close()
        raise files.FileContentError(f"{path}: the file holds no audio samples (0 frames).")
    return f


def _samples(f, path):
    """The samples `[T, C]` float32 of the open file `f`, their range checked (`_check_peak`)."""
    try:
        data = f.read(dtype="float32", always_2d=True)
    except Exception as e:
        raise files.FileContentError(f"{path}: cannot decode the audio (truncated or corrupt?): {e}") from e
    if data.shape[0] == 0:
        raise files.FileContentError(f"{path}: the file holds no audio samples (0 frames).")
    _check_peak(path, data)
    return data


def wav_info(path):
    """`(frames, sample_rate, channels)` of a wav, or a `ValueError` naming the file."""
    with _open(path) as f:
        return f.frames, f.samplerate, f.channels


def check_wav(path):
    """`wav_info(path)`, and for a float wav (the one kind whose samples can pass 1) its samples' range checked.

    The file is opened once; a PCM wav's samples are not read.
    """
    with _open(path) as f:
        if f.subtype in ("FLOAT", "DOUBLE"):
            _samples(f, path)
        return f.frames, f.samplerate, f.channels


def _at_rate(x, rate, sample_rate):
    """Mono `x` at `rate` resampled to `sample_rate` (None: kept), the filter's overshoot clipped."""
    if sample_rate is None or int(sample_rate) == int(rate):
        return x, rate
    return np.clip(resample(x, rate, sample_rate), -1.0, 1.0), int(sample_rate)


def read_wav(path, sample_rate=None, return_rate=False):
    """Reads a wav as mono float32 in `[-1, 1]`.

    Stereo is averaged to mono, any PCM width (8-bit included) is scaled to
    float, and the audio is resampled to `sample_rate` if given (the
    resampling filter's overshoot is clipped). A float wav with samples
    more than 1% beyond `[-1, 1]`, or NaN, raises a `ValueError` naming
    the file. The file is opened and read once.

    Args:
        path: str. The file.
        sample_rate: int or None. Target rate; `None` keeps the file's rate.
        return_rate: bool. Also return the rate of the returned audio.
    """
    with _open(path) as f:
        data, rate = _samples(f, path), f.samplerate
    x, rate = _at_rate(np.clip(data.mean(axis=1), -1.0, 1.0), rate, sample_rate)  # [T, C] -> [T]
    return (x, rate) if return_rate else x


def _check_peak(path, data):
    """Float wavs only can pass full scale; up to 1% over (rounding in an export) is clipped, beyond is refused."""
    if not np.all(np.isfinite(data)):
        raise files.FileContentError(f"{path}: the file holds NaN or infinite samples.")
    peak = float(np.abs(data).max())
    if peak > 1.01:
        raise files.FileContentError(
            f"{path}: samples reach {peak:.3g}, beyond [-1, 1] (a float wav); scale the file to [-1, 1]."
        )


def write_wav(path, x, sample_rate, subtype="PCM_16"):
    """Writes mono float audio (clipped to `[-1, 1]`) as a wav; an `OSError` naming `path` if it cannot."""
    sf = _soundfile()
    x = np.clip(checks.mono(np.asarray(x, "float32"), "x"), -1.0, 1.0)  # [T, 2] was written as 2T samples
    try:
        sf.write(path, x, int(sample_rate), subtype=subtype)
    except sf.SoundFileError as error:  # libsndfile's "System error": a folder, no permission, a full disk
        raise OSError(f"{path}: cannot write the wav file ({error}).") from error


class _SeveralPairs(ValueError):
    """A VoiceBank-style folder holding several pairs of folders of one split."""


def voicebank_dirs(root, split="train", missing_ok=False):
    """`(clean_dir, noisy_dir)` of a VoiceBank-DEMAND style folder: `clean_<split>set_wav/` and
    `noisy_<split>set_wav/`, or named as the corpus ships them, with the speakers (`clean_trainset_28spk_wav/`);
    the names in any case (`Clean_TrainSet_wav/`), as a case-insensitive file system reads them.

    With `missing_ok`, None when `root` holds no folder of `split` at all (an optional test set left out).
    Raises `ValueError` naming a missing folder, the folders when there are several pairs to pick from, or two
    folders whose names differ only in case.
    """
    pattern = re.compile(rf"(clean|noisy)_{re.escape(split)}set(_\w+?)?_wav", re.IGNORECASE)
    listed = files.entries(root) if os.path.isdir(root) else []
    try:
        names = files.by_name_any_case(n for n in listed if pattern.fullmatch(n) and os.path.isdir(f"{root}/{n}"))
    except files.CaseClash as clash:
        raise ValueError(
            f"{os.path.join(root, clash.first)} and {os.path.join(root, clash.second)} differ only in case, and these "
            "folder names are read in any case (as a case-insensitive file system reads them); merge them into one, "
            "or move one away."
        ) from None
    found = {}  # {lower-case middle: {"clean" or "noisy": name}}
    for name in names.values():
        match = pattern.fullmatch(name)
        found.setdefault((match.group(2) or "").lower(), {})[match.group(1).lower()] = name
    if missing_ok and not found:
        return None
    both = sorted(middle for middle, kinds in found.items() if len(kinds) == 2)
    if len(both) > 1 and "" not in both:
        raise _SeveralPairs(
            f"{root}: several pairs of {split} folders ({', '.join(found[m]['clean'] for m in both)} and "
            f"their noisy_ folders); keep one pair there (move the others out), or rename the pair to read "
            f"clean_{split}set_wav and noisy_{split}set_wav (those names are read first)."
        )
    kinds = found.get(both[0] if len(both) == 1 else "", {})
    clean, noisy = (os.path.join(root, kinds[kind] if kind in kinds else f"{kind}_{split}set_wav")
                    for kind in ("clean", "noisy"))
    for d in (clean, noisy):
        if not os.path.isdir(d):
            plain = sorted((n for n in listed if n.lower() in ("clean", "noisy") and os.path.isdir(f"{root}/{n}")),
                           key=str.lower)  # clean/ first, as the names to give them
            hint = (f" {root} holds {' and '.join(n + '/' for n in plain)}: rename them clean_{split}set_wav/ and "
                    f"noisy_{split}set_wav/." if [n.lower() for n in plain] == ["clean", "noisy"] else "")
            raise ValueError(f"{d}: folder not found (expected the VoiceBank-DEMAND layout under {root}).{hint}")
    return clean, noisy


def paired_files(clean_dir, noisy_dir):
    """Sorted `(noisy_path, clean_path)` pairs matched by file name in any case, as a case-insensitive file
    system reads names (`P232_001.WAV` pairs with `p232_001.wav`).

    Raises `ValueError` listing the names found on one side only, or naming two files of one folder whose
    names differ only in case.
    """
    names, by_key = {}, {}
    for side, d in (("clean", clean_dir), ("noisy", noisy_dir)):
        wavs = [f for f in files.entries(d) if f.lower().endswith(".wav")]
        try:
            by_key[side] = files.by_name_any_case(wavs)
        except files.CaseClash as clash:
            raise ValueError(f"{os.path.join(d, clash.first)} and {os.path.join(d, clash.second)} differ only in "
                             "case, and pairs are matched by name in any case; rename or remove one of them.") from None
        names[side] = set(by_key[side])
    only_clean = sorted(by_key["clean"][k] for k in names["clean"] - names["noisy"])
    only_noisy = sorted(by_key["noisy"][k] for k in names["noisy"] - names["clean"])
    if only_clean or only_noisy:
        raise ValueError(
            "Unmatched file names: "
            + "; ".join(
                f"{', '.join(v[:5])}{' ...' if len(v) > 5 else ''} only in {d}"
                for v, d in ((only_clean, clean_dir), (only_noisy, noisy_dir))
                if v
            )
            + "; each file needs its pair of the same name in the other folder: add it, or move the file out."
        )
    if not names["clean"]:
        raise ValueError(f"No .wav files in {clean_dir}.")
    return [(os.path.join(noisy_dir, by_key["noisy"][k]), os.path.join(clean_dir, by_key["clean"][k]))
            for k in sorted(names["clean"])]


def _slack(noisy_rate, clean_rate, sample_rate):
    """Samples (at `sample_rate`) two files of the same duration may differ by after resampling."""
    if noisy_rate == clean_rate:
        return 0
    return int(math.ceil(sample_rate / min(noisy_rate, clean_rate))) + 1


def same_duration(noisy_info, clean_info):
    """True when two `(frames, rate)` describe the same duration, to a sample of the lower rate."""
    (noisy_frames, noisy_rate), (clean_frames, clean_rate) = noisy_info, clean_info
    if noisy_rate == clean_rate:
        return noisy_frames == clean_frames
    return abs(noisy_frames / noisy_rate - clean_frames / clean_rate) <= 1.0 / min(noisy_rate, clean_rate) + 1e-9


def read_pair(noisy_path, clean_path, sample_rate):
    """Reads one pair at `sample_rate`; raises if their durations differ.

    Files at different rates are resampled first; lengths that then differ
    by the resampling's rounding (a sample or two) are cut to the shorter.
    """
    noisy, noisy_rate = read_wav(noisy_path, return_rate=True)  # each file opened once
    clean, clean_rate = read_wav(clean_path, return_rate=True)
    noisy, clean = _at_rate(noisy, noisy_rate, sample_rate)[0], _at_rate(clean, clean_rate, sample_rate)[0]
    if 0 < abs(noisy.size - clean.size) <= _slack(noisy_rate, clean_rate, sample_rate):
        length = min(noisy.size, clean.size)
        noisy, clean = noisy[:length], clean[:length]
    if noisy.size != clean.size:
        raise files.FileContentError(
            f"{noisy_path}: {noisy.size} samples but its clean pair {clean_path} has {clean.size} "
            f"(at {sample_rate} Hz); a pair must be the same length."
        )
    return noisy, clean


def frame(x, window, hop):
    """Cuts a 1D signal into `[n, window]` frames every `hop`, zero-padding the end.

    Raises `ValueError` naming `x` unless it is one signal, or `window` or
    `hop` unless ints with `1 <= hop <= window` (as `frame_pairs`).
    """
    window, hop = _check_window(window, hop)  # 0 was a ZeroDivisionError; a hop over the window skipped samples
    return _frame(checks.mono(np.asarray(x, "float32"), "x"), window, hop)  # [T, 2] was framed as 2T samples


def _frame(x, window, hop):
    """`frame` of a checked 1-D float32 signal."""
    count = 1 if x.size <= window else int(math.ceil((x.size - window) / hop)) + 1
    padded = np.zeros((count - 1) * hop + window, "float32")
    padded[: x.size] = x
    return padded[np.arange(count)[:, None] * hop + np.arange(window)[None, :]]


def frame_pairs(noisy, clean, window, hop):
    """Windows of paired arrays `[N, T]` (or lists of 1D signals) as `[n, window, 1]` arrays.

    Raises `ValueError` naming `window` or `hop` (ints, `1 <= hop <= window`),
    or the first pair whose noisy and clean signals differ in length.
    """
    window, hop = _check_window(window, hop)
    if len(noisy) != len(clean):
        raise ValueError(f"`noisy` and `clean` must pair up: {len(noisy)} noisy and {len(clean)} clean signals.")
    pairs = []
    for i, (x, y) in enumerate(zip(noisy, clean)):  # [T, 2] was framed as 2T interleaved samples
        x, y = (checks.mono(np.asarray(v, "float32"), f"{name}[{i}]") for name, v in (("noisy", x), ("clean", y)))
        if x.size != y.size:
            raise ValueError(f"`noisy[{i}]` has {x.size} samples but `clean[{i}]` {y.size}; a pair must be "
                             "the same length.")
        pairs.append((x, y))
    n = np.concatenate([_frame(x, window, hop) for x, _ in pairs])  # checked above, not again signal by signal
    c = np.concatenate([_frame(y, window, hop) for _, y in pairs])
    return n[..., None], c[..., None]


def _check_window(window, hop):
    window = checks.integer("window", window, low=1)
    return window, checks.hop(hop, window)


def paired_dataset(
    root=None,
    split="train",
    sample_rate=16000,
    window=16384,
    hop=None,
    batch_size=16,
    shuffle=True,
    seed=None,
    clean_dir=None,
    noisy_dir=None,
    drop_remainder=False,
    shuffle_buffer=4096,
):
    """A `tf.data.Dataset` of `(noisy, clean)` windows `[batch, window, 1]`.

    Args:
        root: str. A VoiceBank-DEMAND style folder (or give `clean_dir` and
            `noisy_dir`).
        split: str. `"train"` or `"test"` in the folder names. Defaults to
            `"train"`.
        sample_rate: int. Files at other rates are resampled. Defaults to
            `16000`.
        window: int. Samples per window. Defaults to `16384`.
        hop: int. Window step. Defaults to `window // 2`.
        batch_size: int. Defaults to `16`.
        shuffle: bool. Read the files in a new order each epoch and mix their
            windows. Defaults to `True`.
        seed: int. Shuffle seed. Defaults to `None`.
        clean_dir, noisy_dir: str. The two folders, instead of `root`.
        drop_remainder: bool. Drop a last smaller batch. Defaults to `False`.
        shuffle_buffer: int. Windows mixed at a time when shuffling.
            Defaults to `4096`.
    """
    window, hop = _check_window(window, hop)
    sample_rate = checks.integer("sample_rate", sample_rate, low=1)
    batch_size = checks.integer("batch_size", batch_size, low=1)
    shuffle_buffer = checks.integer("shuffle_buffer", shuffle_buffer, low=1)
    seed = checks.integer("seed", seed, optional=True)
    missing = [name for name, value in (("clean_dir", clean_dir), ("noisy_dir", noisy_dir)) if value is None]
    if root is not None and len(missing) < 2:
        problem = "not both"
    elif root is None and missing:
        problem = "neither was given" if len(missing) == 2 else f"`{missing[0]}` is missing"
    else:
        problem = None
    if problem:
        raise ValueError(
            f"Give `root` or both `clean_dir` and `noisy_dir`; {problem}. Received: "
            f"root={root!r}, clean_dir={clean_dir!r}, noisy_dir={noisy_dir!r}"
        )
    if root is not None:
        try:
            clean_dir, noisy_dir = voicebank_dirs(root, split)
        except _SeveralPairs as error:
            raise ValueError(f"{error} Or give the two folders to read as `clean_dir` and `noisy_dir`.") from None
    pairs = paired_files(clean_dir, noisy_dir)
    for noisy_path, clean_path in pairs:  # fail on a bad file before training
        noisy_frames, noisy_rate, _ = check_wav(noisy_path)
        clean_frames, clean_rate, _ = check_wav(clean_path)
        if not same_duration((noisy_frames, noisy_rate), (clean_frames, clean_rate)):
            raise files.FileContentError(
                f"{noisy_path}: {noisy_frames} samples at {noisy_rate} Hz but its clean pair "
                f"{clean_path} has {clean_frames} at {clean_rate} Hz (truncated?); a pair must "
                "be the same length: copy the shorter file again, or move the pair out of the folders."
            )

    def windows(index):
        noisy, clean = read_pair(*pairs[int(index)], sample_rate)
        return _frame(noisy, window, hop), _frame(clean, window, hop)  # mono float32, window and hop checked

    def read(index):
        noisy, clean = tf.numpy_function(windows, [index], (tf.float32, tf.float32))
        return tf.ensure_shape(noisy, [None, window]), tf.ensure_shape(clean, [None, window])

    ds = tf.data.Dataset.range(len(pairs))
    if shuffle:  # the files in a new order each epoch, then their windows mixed
        ds = ds.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(read, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.unbatch().map(lambda n, c: (n[:, None], c[:, None]))  # [window, 1] each
    if shuffle:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def mix_at_snr(clean, noise, snr_db, clean_power=None):
    """`(noisy, clean)`: `clean + noise` with the noise scaled to `snr_db`.

    The SNR is measured against `clean`'s power, or `clean_power` when given
    (a whole utterance's, for a window of it). If the mixture or the clean
    signal would pass 0.99 in magnitude, both are scaled by the same gain, so
    the pair stays a pair.

    Example:

    >>> noise = np.array([1.0, -1.0, 1.0, -1.0])
    >>> noisy, clean = mix_at_snr(np.full(4, 0.25), noise, snr_db=0.0)
    >>> np.round(noisy, 3).tolist()
    [0.5, 0.0, 0.5, 0.0]
    >>> noisy, clean = mix_at_snr(np.full(4, 0.9), noise, snr_db=0.0)  # 1.8 peak: one gain on both
    >>> round(float(noisy.max()), 3), round(float(clean.max()), 3)
    (0.99, 0.495)
    """
    if clean_power is None:
        clean_power = np.mean(np.square(np.asarray(clean, "float64")))
    noise_power = np.mean(np.square(np.asarray(noise, "float64"))) + 1e-12
    noisy = (clean + np.sqrt(clean_power / (noise_power * 10 ** (snr_db / 10.0))) * noise).astype("float32")
    peak = max(float(np.abs(noisy).max()), float(np.abs(clean).max()))
    if peak > 0.99:
        noisy, clean = noisy * (0.99 / peak), clean * (0.99 / peak)
    return noisy, clean


def reshape_noise_window(noise, rng, sample_rate=16000):
    """`noise` with a random spectrum, loudness contour and clicks, for training on kinds never recorded.

    Four random changes, each drawn independently:

    - a spectral tilt of -6 to +6 dB per octave around 1 kHz;
    - zero to four resonances at 60 Hz to 4 kHz, 2 to 200 Hz wide, +6 to
      +24 dB (narrow ones sound like hums and whines);
    - with probability one half, a loudness modulation at 0.5 to 8 Hz of
      depth up to 0.9 (engines, fans, speech-shaped bursts);
    - with probability one half, 1 to 20 clicks per second: random bursts
      decaying in 0.3 to 10 ms, peaking at 3 to 12 times the noise's RMS
      (keyboards, knocks, machinery). Stationary noises alone teach a
      model nothing about transients.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> white = rng.normal(size=16000).astype("float32")
    >>> reshape_noise_window(white, rng).shape
    (16000,)
    """
    x = np.asarray(noise, "float64")
    f = np.fft.rfftfreq(x.size, 1.0 / sample_rate)
    gain_db = rng.uniform(-6, 6) * np.log2(np.maximum(f, 50.0) / 1000.0)
    for _ in range(rng.integers(0, 5)):
        centre, width = np.exp(rng.uniform(np.log(60), np.log(4000))), np.exp(rng.uniform(np.log(2), np.log(200)))
        gain_db += rng.uniform(6, 24) * np.exp(-0.5 * ((f - centre) / width) ** 2)
    y = np.fft.irfft(np.fft.rfft(x) * 10 ** (gain_db / 20), n=x.size)
    if rng.uniform() < 0.5:
        rate = np.exp(rng.uniform(np.log(0.5), np.log(8)))
        y *= 1 + rng.uniform(0, 0.9) * np.sin(2 * np.pi * rate * np.arange(x.size) / sample_rate + rng.uniform(0, 6.3))
    if rng.uniform() < 0.5:
        count = rng.poisson(rng.uniform(1, 20) * x.size / sample_rate)
        clicks = np.zeros(x.size)
        clicks[rng.integers(0, x.size, count)] = rng.choice([-1.0, 1.0], count) * rng.uniform(3, 12, count)
        decay = rng.uniform(0.0003, 0.01) * sample_rate  # samples
        burst = np.exp(-np.arange(int(5 * decay) + 1) / decay) * rng.normal(size=int(5 * decay) + 1)
        start = (burst.size - 1) // 2  # numpy's "same" alignment, also for windows shorter than a burst
        bursts = np.convolve(clicks, burst / np.abs(burst).max())[start : start + x.size]
        y += np.sqrt(np.mean(y**2)) * bursts
    return y.astype("float32")


def snr_range(snr_db):
    """`(low, high)` in dB of `snr_db`, one number or a pair; else a `ValueError` naming `snr_db`.

    The rule `noisy_mixtures` and `synthetic_speech.make_pairs` read their
    `snr_db` by.

    >>> snr_range(5), snr_range((0, 10))
    ((5.0, 5.0), (0.0, 10.0))
    """
    pair = (snr_db, snr_db) if np.ndim(snr_db) == 0 else tuple(snr_db) if np.ndim(snr_db) == 1 else ()
    if len(pair) == 2:
        low, high = (checks.number("snr_db", value, low=None) for value in pair)
        if low <= high:
            return low, high
    raise ValueError(f"`snr_db` must be an SNR in dB, or a range (low, high) with low <= high. Received: "
                     f"snr_db={snr_db!r}")


def noisy_mixtures(
    clean, noises, window=16384, batch_size=16, snr_db=(0.0, 10.0), seed=0, reshape_noise=0.5, sample_rate=16000
):
    """An endless `tf.data.Dataset` of `(noisy, clean)` windows mixed on the fly.

    For each example: a random utterance of `clean`, a random window of it
    (zero-padded if shorter), a random noise recording of `noises` at a
    random offset (looped if shorter), mixed at an SNR drawn uniformly from
    `snr_db` (measured on the whole utterance, as VoiceBank-DEMAND mixes).
    Both are scaled down together if the mixture would leave `[-1, 1]`. So
    50 utterances and a few noise recordings become a new pair at every
    step, rather than a fixed set of mixtures to memorise.

    A `reshape_noise` fraction of the noise windows is first given a random
    spectrum, loudness contour and clicks (`reshape_noise_window`), so a few
    noise kinds stand for many: trained on white, pink, brown and babble
    noise, SEGAN learnt to remove unseen clicks only with it (docs/segan.md).

    Args:
        clean: list of 1-D float arrays in `[-1, 1]` (utterances at the
            model's sample rate).
        noises: list of 1-D float arrays (noise recordings, same rate).
        window: int. Samples per window. Defaults to `16384`.
        batch_size: int. Defaults to `16`.
        snr_db: float or `(low, high)` in dB. Defaults to `(0, 10)`.
        seed: int >= 0 or None. Seed of the draws (None: a fresh one).
            Defaults to `0`.
        reshape_noise: float in `[0, 1]`. The fraction of noise windows passed
            through `reshape_noise_window`; `0` mixes the recordings as they
            are. Defaults to `0.5`.
        sample_rate: int. Hz, to place the reshaping's frequencies. Defaults
            to `16000`.

    Example:

    >>> import numpy as np
    >>> speech = [np.sin(np.arange(n) * 0.05) * 0.5 for n in (3000, 5000)]
    >>> noise = [np.random.default_rng(0).normal(0, 0.1, 4000)]
    >>> noisy, clean = next(iter(noisy_mixtures(speech, noise, window=1024, batch_size=4)))
    >>> tuple(noisy.shape), tuple(clean.shape)
    ((4, 1024, 1), (4, 1024, 1))
    """
    window = checks.integer("window", window, low=2)
    # each was an error of tf.data at the first batch ("SeedSequence expects int", "high - low < 0"), or none (True)
    batch_size = checks.integer("batch_size", batch_size, low=1)
    sample_rate = checks.integer("sample_rate", sample_rate, low=1)
    seed = checks.integer("seed", seed, low=0, optional=True)
    reshape_noise = checks.number("reshape_noise", reshape_noise, high=1.0)
    low, high = snr_range(snr_db)
    clean = [checks.mono(np.asarray(c, "float32"), f"clean[{i}]") for i, c in enumerate(clean)]  # not 2T of [T, 2]
    noises = [checks.mono(np.asarray(n, "float32"), f"noises[{i}]") for i, n in enumerate(noises)]
    for name, arrays in (("clean", clean), ("noises", noises)):
        if not arrays or any(a.size == 0 for a in arrays):
            raise ValueError(f"`{name}` must be a non-empty list of non-empty 1-D arrays.")
    power = [float(np.mean(np.square(c, dtype="float64"))) for c in clean]

    def examples():
        rng = np.random.default_rng(seed)
        while True:
            i = rng.integers(len(clean))
            speech = clean[i]
            start = rng.integers(max(1, speech.size - window + 1))
            speech = np.pad(speech[start : start + window], (0, max(0, window - speech.size)))
            noise = noises[rng.integers(len(noises))]
            noise = np.roll(np.resize(noise, max(window, noise.size)), -rng.integers(noise.size))[:window]
            if reshape_noise and rng.uniform() < reshape_noise:  # no draw at 0: the plain stream
                noise = reshape_noise_window(noise, rng, sample_rate)
            noisy, speech = mix_at_snr(speech, noise, rng.uniform(low, high), clean_power=power[i])
            yield noisy[:, None].astype("float32"), speech[:, None].astype("float32")

    spec = tf.TensorSpec([window, 1], tf.float32)
    ds = tf.data.Dataset.from_generator(examples, output_signature=(spec, spec))
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
