"""Speech quality metrics: SNR, segmental SNR, PESQ and STOI.

SNR and segmental SNR are plain NumPy. PESQ (ITU-T P.862, wide band at
16 kHz) and STOI come from the `pesq` and `pystoi` packages of the audio
extra, imported only when asked for. PESQ scores utterances of 1/4 s or
more, STOI of 0.41 s or more (30 frames at its 10 kHz); shorter ones are
refused, naming the fewest samples at the given rate. Where they cannot score
an utterance (PESQ finds no speech in it, or the estimate is silent; less than
0.41 s of the clean one is within 40 dB of its loudest frame, what STOI
scores) they give NaN with a `UserWarning` saying why, and `evaluate`
averages over the others, naming those it left out.

Clean and estimate are scored on whatever scale they share: samples beyond
`[-1, 1]` are not refused (a model's output is not clipped, and SEGAN's
de-emphasis can pass 1; the models' `[-1, 1]` check is for what they take).
PCM against float audio is refused, as every score would be wrong. PCM is
integer samples, or floats beyond 255 (`checks.FLOAT_AUDIO_PEAK`: float
audio never peaks there, PCM read as floats does). Against PCM, float
samples are float audio when they peak at 2 or less (full scale, and a
model's overshoot), or 60 dB below the PCM (a gain): an estimate at 1.3, or
at 5, against clean int16 speech peaking at 16383. Above both they are quiet
PCM, and are scored (an estimate peaking at 82 against 16383), as silence is.
Unsigned 8-bit PCM (uint8, or its whole numbers read as floats or wider
ints, as `checks.looks_8_bit` tells them) is refused: its silence is 128, an offset
every score would count as signal. 8-bit audio scaled to `[-1, 1]`
(multiples of 1/128 or 1/127) is float audio, and is scored as it is: its
quantization noise is part of the recording.

Example:

>>> import numpy as np
>>> from keras_cgan.metrics import audio
>>> clean = np.sin(np.arange(16000) * 0.1)
>>> round(audio.snr(clean, clean + 0.1 * clean), 2)
20.0
"""

import math
import warnings

import numpy as np

from keras_cgan import checks


def _utterance(x, name, batch):
    """One mono utterance as a 1-D array (`[T]`, `[T, 1]`, `[1, T]`) of finite samples.

    A batch or several channels are refused by `checks.mono`, whose message
    ends with `batch`: how to score a batch instead.
    """
    x = np.asarray(x, "float64")
    one = checks.mono(x, name, batch=batch)
    # NaN was a NaN score (SNR), a made-up one (STOI's 1e-05) or PESQ's "cannot convert float NaN"
    checks.check_finite(x, name, "samples", use="score")
    return one


# Against PCM, float samples peaking at FLOAT_REACH or below, or SCALE_GAP below the PCM's peak, are float audio.
FLOAT_REACH = 2.0  # full scale, and the overshoot of a model's unclipped output
SCALE_GAP = 1e-3  # 60 dB; full-scale float audio sits 90 dB below full-scale int16 PCM


def _pcm(x, peak):
    """Whether `x` (peaking at `peak`) is PCM: integer samples beyond 1, or floats beyond `checks.FLOAT_AUDIO_PEAK`."""
    return peak > (1 if x.dtype.kind in "iu" else checks.FLOAT_AUDIO_PEAK)


def _float_audio(x, peak, pcm_peak):
    """Whether `x` (peaking at `peak`) is float audio against PCM peaking at `pcm_peak`.

    It is when its samples are floats, not silent, peaking at `FLOAT_REACH`
    or below (1.3 against 16383) or `SCALE_GAP` below the PCM (5 against
    16383); above both they are quiet PCM (82 against 16383).
    """
    return x.dtype.kind == "f" and 0 < peak and (peak <= FLOAT_REACH or peak < SCALE_GAP * pcm_peak)


def _refuse_unsigned_8_bit(x, name, dtype):
    """A `ValueError` naming `name` when `x` (1-D float64, given as `dtype`) is unsigned 8-bit PCM.

    It is when given as uint8, or as whole numbers (floats, or wider ints)
    `checks.looks_8_bit` takes for it: its silence is 128, an offset every
    score counted as signal (SNR 9 dB too high for speech at 11 dB). 8-bit
    audio scaled to `[-1, 1]` (multiples of 1/128 or 1/127) is float audio,
    and is scored.
    """
    low, high = float(x.min()), float(x.max())
    if dtype == np.uint8:
        hint = checks.cast_hint("uint8", "audio")
    elif dtype.kind in "fiu" and checks.looks_8_bit(low, high, x):  # int16 of 8-bit samples was scored
        hint = checks.scaling_hint(low, high, "audio", samples=x)
    else:
        return
    what = "read as floats, whole numbers" if dtype.kind == "f" else str(dtype)
    raise ValueError(
        f"{name} holds unsigned 8-bit PCM ({what} from {low:g} to {high:g}), silent at 128: every score would "
        f"count that offset as signal.{hint}"
    )


def _pair(clean, estimate, names=("clean", "estimate"), batch="score a batch with `evaluate(clean, estimates)`",
          shortest=None):
    """`clean` and `estimate` checked, as 1-D float64; `batch` ends the message for a batch given as one utterance.

    `shortest`, from `_shortest`, refuses utterances too short for a metric (`fix` says what to do instead).
    """
    given = {name: np.asarray(x) for name, x in zip(names, (clean, estimate))}
    clean, estimate = (_utterance(x, name, batch) for name, x in given.items())
    if clean.shape != estimate.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same length; got {clean.size} and {estimate.size}.")
    if clean.size == 0:
        raise ValueError(f"{names[0]} and {names[1]} are empty.")
    if shortest is not None and clean.size < shortest[0]:  # was PESQ's BufferTooShortError, STOI's AxisError or 1e-05
        samples, metric, rate, fix = shortest
        raise ValueError(
            f"{names[0]} and {names[1]} hold {clean.size} samples ({clean.size / rate:.3g} s at {rate:g} Hz); "
            f"{metric.upper()} needs at least {samples} ({samples / rate:.3g} s): {fix.format(metric=metric)}."
        )
    for name, x in zip(names, (clean, estimate)):  # unsigned 8-bit: its silence, 128, was scored as signal
        _refuse_unsigned_8_bit(x, name, given[name].dtype)
    peaks = {name: float(np.abs(x).max()) for name, x in zip(names, (clean, estimate))}
    for name, other in (names, names[::-1]):  # PCM against float audio: every score was wrong
        if not (_pcm(given[name], peaks[name]) and _float_audio(given[other], peaks[other], peaks[name])):
            continue
        if given[name].dtype.kind in "iu":
            raise ValueError(
                f"{name} holds integer samples ({given[name].dtype}, up to {peaks[name]:g}) but {other} floats "
                f"(up to {peaks[other]:g}): score them on one scale.{checks.cast_hint(given[name].dtype, 'audio')}"
            )
        low, high = float(given[name].min()), float(given[name].max())  # PCM read as floats (`x.astype(float)`)
        raise ValueError(
            f"{name} holds float samples up to {peaks[name]:g} but {other} up to {peaks[other]:g}: score them "
            f"on one scale.{checks.scaling_hint(low, high, 'audio')}"
        )
    return clean, estimate


def snr(clean, estimate, eps=1e-12):
    """Signal-to-noise ratio in dB of `estimate` against `clean`."""
    return _snr(*_pair(clean, estimate), eps)


def _snr(clean, estimate, eps=1e-12):
    return float(10 * np.log10((np.sum(clean**2) + eps) / (np.sum((clean - estimate) ** 2) + eps)))


def segmental_snr(clean, estimate, frame_length=512, hop=256, low=-10.0, high=35.0, eps=1e-12):
    """Mean per-frame SNR in dB, each frame clipped to `[low, high]` (Hu & Loizou 2008).

    Args:
        clean, estimate: 1D arrays of the same length.
        frame_length: int. Samples per frame (32 ms at 16 kHz). Defaults to `512`.
        hop: int. Frame step. Defaults to `256`.
        low, high: float. Clipping range in dB. Defaults to `-10` and `35`.
    """
    frame_length, hop = checks.integer("frame_length", frame_length, low=1), checks.integer("hop", hop, low=1)
    if not low < high:
        raise ValueError(f"`low` must be below `high`. Received: low={low}, high={high}")
    return _segmental_snr(*_pair(clean, estimate), frame_length, hop, low, high, eps)


def _segmental_snr(clean, estimate, frame_length=512, hop=256, low=-10.0, high=35.0, eps=1e-12):
    count = max(1, 1 + (clean.size - frame_length) // hop)
    values = []
    for i in range(count):
        c = clean[i * hop : i * hop + frame_length]
        e = estimate[i * hop : i * hop + frame_length]
        values.append(10 * np.log10((np.sum(c**2) + eps) / (np.sum((c - e) ** 2) + eps)))
    return float(np.mean(np.clip(values, low, high)))


class _Unscorable(Exception):
    """A metric cannot score an utterance (no speech in it, a silent estimate); `said` tells why.

    The message names the utterances `{clean}` and `{estimate}`, filled in
    by `said`.
    """

    def said(self, clean="clean", estimate="estimate"):
        return str(self).format(clean=clean, estimate=estimate)


def _or_nan(name, score, clean, estimate):
    """`score(clean, estimate)`, or NaN with a `UserWarning` saying why when it cannot score them."""
    try:
        return score(clean, estimate)
    except _Unscorable as why:
        warnings.warn(f"{name.upper()} is NaN: {why.said()}.", UserWarning, stacklevel=3)
        return float("nan")


def pesq(clean, estimate, sample_rate=16000, mode=None):
    """PESQ MOS-LQO (wide band at 16 kHz, narrow band at 8 kHz) of utterances of at least 1/4 s.

    NaN, with a `UserWarning`, where PESQ detects no speech in them or the
    estimate is all zeros (the `pesq` package raised "No utterances
    detected", or "cannot convert float NaN to integer").
    """
    score = _pesq_at(sample_rate, mode)
    return _or_nan("pesq", score, *_pair(clean, estimate, shortest=_shortest(["pesq"], sample_rate,
                                                                               "pass a longer utterance")))


def _pesq_samples(sample_rate):
    """The fewest samples PESQ scores: 1/4 s (P.862 refuses less)."""
    return sample_rate // 4


def _pesq_at(sample_rate, mode=None):
    """PESQ at `sample_rate` as a function of two checked utterances, once the package and the rate are there."""
    try:
        from pesq import pesq as _pesq
    except ImportError as e:
        raise ImportError("PESQ needs the `pesq` package: pip install 'keras-cgan[audio]'.") from e
    if sample_rate not in (8000, 16000):
        raise ValueError(f"PESQ is defined at 8000 or 16000 Hz. Received: sample_rate={sample_rate}")
    from pesq import NoUtterancesError

    mode = mode or ("wb" if sample_rate == 16000 else "nb")

    def score(clean, estimate):
        if not estimate.any():  # the package's own error: "cannot convert float NaN to integer"
            raise _Unscorable("{estimate} is silent (all zeros), which PESQ cannot level-align")
        try:
            return float(_pesq(sample_rate, clean, estimate, mode))
        except NoUtterancesError:
            raise _Unscorable("PESQ detects no speech in {clean} (the pesq package: no utterances detected)") from None

    return score


def stoi(clean, estimate, sample_rate=16000, extended=False):
    """Short-time objective intelligibility in `[0, 1]`, of utterances of at least 0.41 s.

    NaN, with a `UserWarning`, where less than 0.41 s of `clean` is speech:
    pystoi drops the frames more than 40 dB below the loudest one, and
    scored 1e-05 for too few left (or 0 for a silent `clean`).
    """
    score = _stoi_at(sample_rate, extended)
    return _or_nan("stoi", score, *_pair(clean, estimate, shortest=_shortest(["stoi"], sample_rate,
                                                                             "pass a longer utterance")))


# pystoi resamples to 10 kHz, frames that (256 samples, hop 128) and needs 30 STFT frames, one fewer than it has frames
# before dropping silent ones: more than 30 * 128 + 256 samples at 10 kHz. Fewer failed (AxisError) or scored 1e-05.
STOI_RATE, STOI_SAMPLES = 10000, 30 * 128 + 256
STOI_RANGE = 40  # dB: pystoi drops the frames of the clean signal further below its loudest frame


def _stoi_samples(sample_rate):
    """The fewest samples at `sample_rate` that give STOI enough frames (0.41 s)."""
    return math.floor(STOI_SAMPLES * sample_rate / STOI_RATE) + 1  # resampled to ceil(n * 10000 / rate) samples


def _stoi_at(sample_rate, extended=False):
    """STOI at `sample_rate` as a function of two checked utterances, once the package and the rate are there."""
    try:
        from pystoi import stoi as _stoi
    except ImportError as e:
        raise ImportError("STOI needs the `pystoi` package: pip install 'keras-cgan[audio]'.") from e
    checks.number("sample_rate", sample_rate, low=0, low_open=True)

    def score(clean, estimate):
        if not clean.any():  # every frame as loud as the loudest: none dropped, a score of 0
            raise _Unscorable("{clean} is silent (all zeros): STOI needs speech in it")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = float(_stoi(clean, estimate, sample_rate, extended=extended))
        for warning in caught:
            if "Not enough STFT frames" in str(warning.message):  # its 1e-05: too few frames of speech
                raise _Unscorable(
                    f"less than 0.41 s of {{clean}} is speech: STOI scores the frames within {STOI_RANGE} dB of its "
                    "loudest one, and needs 30 (pystoi drops the others, and gave a made-up 1e-05)"
                )
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        return value

    return score


def _single(x):
    """Whether `x` is one utterance rather than a list or batch of them.

    It is when one axis alone is longer than 1 (`[T]`, `[T, 1]`, `[T, 1, 1]`,
    as `checks.mono` reads one signal, and `snr` and `enhance` with it), or a
    list of numbers: `[T, 1, 1]` was T utterances of one sample.
    """
    if hasattr(x, "shape"):
        return np.squeeze(np.asarray(x)).ndim == 1
    return isinstance(x, (list, tuple)) and all(np.ndim(v) == 0 for v in x)


# Each metric by name: its function, and the same metric at a sample rate as a function of two utterances
# `_pair` has checked (`evaluate` checks each once). The one table `METRICS` and `evaluate` read.
_TABLE = {
    "snr": (snr, lambda rate: _snr),
    "segsnr": (segmental_snr, lambda rate: _segmental_snr),
    "pesq": (pesq, _pesq_at),
    "stoi": (stoi, _stoi_at),
}
METRICS = {name: metric for name, (metric, _) in _TABLE.items()}
_SHORTEST = {"pesq": _pesq_samples, "stoi": _stoi_samples}  # the fewest samples a metric scores, at a rate


def _shortest(metrics, sample_rate, fix):
    """`_pair`'s `shortest`: (samples, metric, rate, `fix`) of the metric among `metrics` needing the most, or None."""
    needs = [(_SHORTEST[name](sample_rate), name) for name in metrics if name in _SHORTEST]
    return max(needs) + (sample_rate, fix) if needs else None


def evaluate(clean, estimates, sample_rate=16000, metrics=("snr", "segsnr", "pesq", "stoi")):
    """Mean of each metric over utterances.

    Args:
        clean: list of 1D arrays (or `[N, T]`, `[N, T, 1]`); an array with
            one axis alone longer than 1 (`[T]`, `[T, 1]`, `[T, 1, 1]`) is
            one utterance.
        estimates: as `clean`, of the same lengths.
        sample_rate: int. Defaults to `16000`.
        metrics: names from `METRICS` (or one name).

    Returns:
        dict `{name: mean value}`. PESQ's and STOI's are means over the
        utterances they can score (a `UserWarning` names the others), NaN
        when they can score none.
    """
    metrics = (metrics,) if isinstance(metrics, str) else metrics  # not one metric per letter
    for name in metrics:
        if name not in _TABLE:
            raise ValueError(f"Unknown metric {name!r}; choose from {tuple(_TABLE)}.")
    single = _single(clean) and _single(estimates)
    if single:  # one utterance, not T one-sample ones
        clean, estimates = [clean], [estimates]
    for name, batch in (("clean", clean), ("estimates", estimates)):  # stereo (T, 2): not T 2-sample utterances
        if hasattr(batch, "shape"):
            checks.one_signal_per_row(batch.shape, name, "pass utterances as (N, T) or as a list of 1-D arrays (a "
                                      "list when there are more utterances than samples in each)")
    if len(clean) != len(estimates):
        raise ValueError(f"{len(clean)} clean utterances but {len(estimates)} estimates.")
    if not len(clean):  # was: NaN for every metric, with RuntimeWarnings
        raise ValueError("`clean` and `estimates` hold no utterance: nothing to score.")
    scores = {name: _TABLE[name][1](sample_rate) for name in metrics}  # a missing package, a rate: before the data
    shortest = _shortest(metrics, sample_rate, "score longer utterances, or leave {metric!r} out of `metrics`")
    for i, (c, e) in enumerate(zip(clean, estimates)):  # before any score, each utterance named
        names = ("clean", "estimates") if single else (f"clean[{i}]", f"estimates[{i}]")
        _pair(c, e, names, batch="pass one utterance per item", shortest=shortest)
    values = {name: [] for name in scores}
    unscored = {name: [] for name in scores}  # (index, why) of the utterances a metric cannot score
    # Every utterance is checked above before any is scored (a bad one is told at once, not after minutes of PESQ
    # on those before it), and `_pair`'s float64 copies are not kept meanwhile (a large set held twice): each
    # utterance is read again here, already known mono and finite, so only flattened, and not checked again.
    for i, pair in enumerate(zip(clean, estimates)):
        c, e = (np.asarray(x, "float64").reshape(-1) for x in pair)
        names = ("clean", "estimates") if single else (f"clean[{i}]", f"estimates[{i}]")
        for name, score in scores.items():
            try:
                values[name].append(score(c, e))
            except _Unscorable as why:
                unscored[name].append(why.said(*names))
    for name, whys in unscored.items():
        if whys:  # was pystoi's 1e-05 (a mean pulled down), or the pesq package's error for the whole set
            left = len(clean) - len(whys)
            mean = f"the mean is over the other {left}" if left else "none is left: NaN"
            warnings.warn(f"{name.upper()} leaves out {len(whys)} of {len(clean)} utterances, which it cannot score "
                          f"({'; '.join(whys[:3])}{'; ...' if len(whys) > 3 else ''}): {mean}.", UserWarning,
                          stacklevel=2)
    return {name: float(np.mean(v)) if v else float("nan") for name, v in values.items()}
