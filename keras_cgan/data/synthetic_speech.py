"""Synthetic noisy/clean speech pairs, made on the fly (no downloads).

Clean "speech" is voiced and speech-like: a glottal harmonic series with a
moving pitch, shaped by three moving formants (vowel to vowel), cut into
syllables and words with pauses, with short fricative bursts. If
`use_espeak=True` and `espeak-ng` is on the PATH, real synthetic speech from
espeak-ng is used instead. Noises: white, pink, babble (several other
voices) and mains hum, mixed at chosen SNRs.

The `"test"` split is held out: its speakers, its babble voices and its noise
instances come from other seeds than `"train"` (and its hum is at 60 Hz, not
50 Hz), so nothing heard in training is heard at test time.

Example:

>>> from keras_cgan.data import synthetic_speech
>>> noisy, clean = synthetic_speech.make_pairs(2, seconds=0.5, seed=0)
>>> noisy.shape, clean.shape
((2, 8000), (2, 8000))
"""

import functools
import os
import shutil
import subprocess
import tempfile

import numpy as np

from keras_cgan import checks
from keras_cgan.data import audio

NOISE_TYPES = ("white", "pink", "babble", "hum")
SPLITS = ("train", "test")
# (F1, F2, F3) in Hz of a few vowels (Peterson & Barney averages).
_VOWELS = np.array(
    [[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480], [570, 840, 2410], [660, 1720, 2410]],
    "float64",
)
_BANDWIDTHS = np.array([90.0, 110.0, 170.0])
_WORDS = "the a cat sat on mat every day we go home after rain sun bright light voice sound clear quiet noise".split()
# Disjoint seed ranges keep train and test speakers, babble voices and noises apart.
_SPLIT_OFFSET = {"train": 0, "test": 1_000_003}


def _check_split(split):
    if split not in SPLITS:
        raise ValueError(f"`split` must be one of {SPLITS}. Received: split={split!r}")
    return _SPLIT_OFFSET[split]


def random_speaker(rng):
    """Draws the parameters of one synthetic speaker."""
    return {
        "f0": float(rng.uniform(85, 255)),
        "formant_scale": float(rng.uniform(0.85, 1.2)),
        "tilt": float(rng.uniform(0.6, 1.4)),
        "rate": float(rng.uniform(0.8, 1.25)),
    }


def _envelope_segments(rng, num_samples, sample_rate, rate):
    """Syllable boundaries: a list of (start, end, vowel index)."""
    segments, t = [], int(rng.uniform(0.02, 0.15) * sample_rate)
    while t < num_samples:
        for _ in range(rng.integers(1, 4)):  # one word of 1-3 syllables
            length = int(rng.uniform(0.09, 0.3) / rate * sample_rate)
            segments.append((t, min(t + length, num_samples), int(rng.integers(len(_VOWELS)))))
            t += length + int(rng.uniform(0.0, 0.03) * sample_rate)
            if t >= num_samples:
                break
        t += int(rng.uniform(0.05, 0.3) * sample_rate)  # pause between words
    return segments


def synthetic_voice(rng, num_samples, sample_rate=16000, speaker=None):
    """One clean voiced utterance of `num_samples` samples, peak about 0.5."""
    speaker = speaker or random_speaker(rng)
    t = np.arange(num_samples) / sample_rate
    segments = _envelope_segments(rng, num_samples, sample_rate, speaker["rate"])
    gain = np.zeros(num_samples)
    formants = np.tile(_VOWELS[0], (num_samples, 1))
    fricative = np.zeros(num_samples)
    for start, end, vowel in segments:
        n = end - start
        ramp = min(n // 3, int(0.03 * sample_rate)) or 1
        env = np.ones(n)
        env[:ramp] = np.sin(np.linspace(0, np.pi / 2, ramp)) ** 2
        env[n - ramp :] = env[:ramp][::-1]
        gain[start:end] = env * rng.uniform(0.5, 1.0)
        target = _VOWELS[vowel] * speaker["formant_scale"]
        previous = formants[start - 1] if start > 0 else target
        glide = np.linspace(0, 1, n)[:, None] ** 0.5
        formants[start:end] = previous + (target - previous) * np.minimum(1.0, 2 * glide)
        formants[end:] = target
        if rng.random() < 0.4:  # a short fricative onset
            burst = min(n, int(rng.uniform(0.02, 0.06) * sample_rate))
            fricative[start : start + burst] = rng.uniform(0.05, 0.15)
    # Pitch: a slow declination plus a per-utterance vibrato-like drift.
    drift = np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * t + rng.uniform(0, 2 * np.pi))
    f0 = speaker["f0"] * (1.0 + 0.12 * drift - 0.1 * t / max(t[-1], 1e-3))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    num_harmonics = int(0.45 * sample_rate / f0.max())
    h = np.arange(1, num_harmonics + 1, dtype="float32")[:, None]  # [H, 1]
    freq = h * f0[None, :].astype("float32")  # [H, T]
    amp = np.zeros_like(freq)
    for k in range(3):
        fk, bk = formants[None, :, k].astype("float32"), np.float32(_BANDWIDTHS[k])
        amp += (1.0 / (1 + k)) / (1.0 + ((freq - fk) / bk) ** 2)
    amp *= (freq / np.float32(100.0)) ** np.float32(-0.5 * speaker["tilt"])  # glottal spectral tilt
    phase = np.mod(phase, 2 * np.pi).astype("float32")
    voiced = np.sum(amp * np.sin(h * phase[None, :]), axis=0, dtype="float64")
    noise = np.diff(rng.normal(size=num_samples + 1))  # high-passed noise for fricatives
    x = voiced * gain + noise * fricative * np.abs(voiced).max()
    peak = np.abs(x).max()
    return (0.5 * x / peak).astype("float32") if peak > 0 else x.astype("float32")


def espeak_available():
    """Whether the `espeak-ng` program is on the PATH (real TTS speech; optional)."""
    return shutil.which("espeak-ng") is not None


def espeak_voice(rng, num_samples, sample_rate=16000, voice="en+m3"):
    """Real synthetic speech from `espeak-ng` (must be on PATH), padded/cut to length."""
    from keras_cgan.data import audio

    words = " ".join(rng.choice(_WORDS, size=int(num_samples / sample_rate * 3) + 2))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "speech.wav")
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(int(rng.integers(130, 180))), "-w", path, words],
            check=True,
            capture_output=True,
        )
        x = audio.read_wav(path, sample_rate)
    out = np.zeros(num_samples, "float32")
    out[: min(num_samples, x.size)] = x[:num_samples]
    peak = np.abs(out).max()
    return 0.5 * out / peak if peak > 0 else out


_ESPEAK_VOICES = {
    "train": ["en+m1", "en+m3", "en+f1", "en+f3", "en+m5"],
    "test": ["en+m2", "en+f2", "en+m7", "en+f4"],
}


@functools.lru_cache(maxsize=4)
def _babble_pool(split, num_samples, sample_rate, size=10):
    rng = np.random.default_rng(_SPLIT_OFFSET[split] + 500_000)
    return tuple(synthetic_voice(rng, num_samples, sample_rate) for _ in range(size))


def make_noise(kind, rng, num_samples, sample_rate=16000, split="train"):
    """One noise signal of unit RMS. `kind` is one of `NOISE_TYPES`."""
    _check_split(split)
    if kind == "white":
        noise = rng.normal(size=num_samples)
    elif kind == "pink":
        spectrum = np.fft.rfft(rng.normal(size=num_samples))
        freqs = np.fft.rfftfreq(num_samples, 1.0 / sample_rate)
        spectrum /= np.sqrt(np.maximum(freqs, 20.0))
        noise = np.fft.irfft(spectrum, n=num_samples)
    elif kind == "babble":
        # 4-6 talkers from the split's own babble pool (never the targets'),
        # each at a random circular offset.
        pool = _babble_pool(split, num_samples, sample_rate)
        picks = rng.choice(len(pool), size=int(rng.integers(4, 7)), replace=False)
        noise = sum(np.roll(pool[i], int(rng.integers(num_samples))) for i in picks)
    elif kind == "hum":
        mains = 50.0 if split == "train" else 60.0
        t = np.arange(num_samples) / sample_rate
        noise = sum(
            rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * mains * k * t + rng.uniform(0, 2 * np.pi))
            for k in range(1, 8)
        )
        noise = noise + 0.05 * rng.normal(size=num_samples)
    else:
        raise ValueError(f"Unknown noise type {kind!r}; choose from {NOISE_TYPES}.")
    noise = np.asarray(noise, "float64")
    return (noise / (np.sqrt(np.mean(noise**2)) + 1e-12)).astype("float32")


def make_pairs(
    num_utterances,
    seconds=2.0,
    sample_rate=16000,
    snr_db=(0.0, 10.0),
    noise_types=NOISE_TYPES,
    split="train",
    seed=0,
    use_espeak=False,
):
    """Makes `(noisy, clean)` arrays of shape `[num_utterances, seconds * rate]`.

    Args:
        num_utterances: int. Number of pairs.
        seconds: float. Length of each utterance. Defaults to `2.0`.
        sample_rate: int. Defaults to `16000`.
        snr_db: float or `(low, high)`. Input SNR, drawn uniformly from the
            range. Defaults to `(0, 10)`.
        noise_types: list of `NOISE_TYPES`, cycled over the utterances.
        split: `"train"` or `"test"` (held-out voices and noises).
        seed: int >= 0. Defaults to `0`.
        use_espeak: bool. Use `espeak-ng` speech (raises if it is not on
            PATH). Defaults to `False`.
    """
    offset = _check_split(split)
    seed = checks.integer("seed", seed, low=0)  # was numpy's "SeedSequence expects int" deep inside
    num_utterances = checks.integer("num_utterances", num_utterances, low=1)
    sample_rate = checks.integer("sample_rate", sample_rate, low=1)
    seconds = checks.number("seconds", seconds, low=1 / sample_rate)  # at least one sample
    for kind in noise_types:
        if kind not in NOISE_TYPES:
            raise ValueError(f"`noise_types` entries must be in {NOISE_TYPES}. Received: {kind!r}")
    if use_espeak and not espeak_available():
        raise ValueError("`use_espeak=True` but `espeak-ng` is not on PATH (apt-get install espeak-ng).")
    low, high = audio.snr_range(snr_db)  # (10, 0) was numpy's "high - low < 0", as in `noisy_mixtures`
    rng = np.random.default_rng(offset + seed)
    num_samples = int(round(seconds * sample_rate))
    noisy, clean = [], []
    for i in range(num_utterances):
        if use_espeak:
            voices = _ESPEAK_VOICES[split]
            speech = espeak_voice(rng, num_samples, sample_rate, voices[i % len(voices)])
        else:
            speech = synthetic_voice(rng, num_samples, sample_rate)
        noise = make_noise(noise_types[i % len(noise_types)], rng, num_samples, sample_rate, split)
        mixed, speech = audio.mix_at_snr(speech, noise, rng.uniform(low, high))
        noisy.append(mixed)
        clean.append(speech)
    return np.stack(noisy).astype("float32"), np.stack(clean).astype("float32")
