"""SEGAN against the denoisers people run today, on real (espeak-ng) speech.

Measures noisy input, SEGAN, the L1-only SEGAN (`adversarial_weight=0`),
RNNoise (`pyrnnoise`), noisereduce (`stationary=False`) and a spectral
subtraction baseline on held-out utterances: SNR, segmental SNR, PESQ-WB,
STOI (per noise kind and overall mean) and the real-time factor on one core.

Corpus: English sentences spoken by espeak-ng (16 kHz) with many voices and a
random speed and pitch per utterance; train and test share no sentence and no
voice. The clean audio is cached as .npz under `--cache`. Noises: white,
pink, brown and babble (talkers of the split's own voices) at 0-10 dB in
training; the test adds "machine" (harmonic hum with impulsive clicks) and
"music" (random chords), kinds never heard in training, at 0, 5 and 10 dB.
SEGAN's training noise is half reshaped (`noisy_mixtures(reshape_noise=0.5)`:
random spectra, loudness contours and clicks). The machine noise informed the
choice of clicks; two more kinds, used for no choice, check it:
`--test-noises traffic,applause` (rumble with passing swells and horns; hand
claps).

Speed is model compute only: SEGAN is its TFLite fp32 export streamed window
by window on one LiteRT thread (`keras_cgan.models.segan.streaming`), and its
scores are those of that streamed output; each peer is timed on the same
audio. RNNoise runs at 48 kHz (16k -> 48k -> 16k with `resample_poly`) and
delays its output (by 20 ms, 320 samples at 16 kHz, as measured): each output
is shifted by the lag of maximum cross-correlation with its input within
+-40 ms before scoring.

Install and run (the docs table; about 45 min on 2 CPU cores)::

    pip install -e ".[cpu,audio,export,peers]"
    apt-get install espeak-ng
    python benchmarks/speech_peers.py --picture docs/segan_spectrograms.png
    python benchmarks/tables.py

Score saved models again without training, or only some methods::

    python benchmarks/speech_peers.py --segan-model m/segan.keras --l1-model m/l1_only.keras
    python benchmarks/speech_peers.py --methods noisy,rnnoise,noisereduce,specsub --out /tmp/p.json
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import _report  # noqa: E402  (the script's own folder is on the path)

RATE = 16000
METHODS = ("noisy", "segan", "l1_only", "rnnoise", "noisereduce", "specsub")
TRAIN_NOISES = ("white", "pink", "brown", "babble")
UNSEEN_NOISES = ("machine", "music")
FRESH_NOISES = ("traffic", "applause")  # only with --test-noises: never used to choose anything
TEST_SNRS = (0.0, 5.0, 10.0)
METRICS = ("snr", "segsnr", "pesq", "stoi")

SENTENCES = """\
The quick brown fox jumps over the lazy dog.
She sells sea shells by the sea shore every summer.
Please call Stella and ask her to bring these things with her from the store.
The train to the city leaves at half past seven tomorrow morning.
I never thought the weather would turn so cold in early spring.
Could you pass me the salt and the pepper, please?
My grandfather planted an apple tree behind the old barn.
The museum opens at ten and closes at six on weekdays.
We walked along the river until the sun went down.
A small dog barked at the mail carrier all afternoon.
The committee will announce its decision next week.
He painted the fence blue because his daughter asked him to.
Turn left at the second traffic light and keep going straight.
The soup was too hot, so we waited a few minutes.
Reading a good book is the best way to spend a rainy day.
Our flight was delayed by three hours because of the storm.
The children built a sand castle near the water.
Remember to switch off the lights before you leave the office.
The orchestra played a beautiful piece by a young composer.
Fresh bread smells wonderful early in the morning.
The engineer explained how the bridge carries its load.
They moved to a quiet village in the mountains last year.
Coffee and tea are both served in the garden after lunch.
The doctor told him to drink more water and sleep longer.
An old map was found hidden inside the wall of the house.
Every student must hand in the report before Friday.
The wind blew the leaves across the empty playground.
I would like a table for two near the window, please.
The farmer sold potatoes, onions and carrots at the market.
Our neighbours are having a party on Saturday night.
The scientist recorded the temperature every hour for a month.
Can you tell me where the nearest bus station is?
The cat slept on the warm windowsill all day long.
We need to buy new batteries for the kitchen clock.
The captain ordered the crew to lower the sails.
Her voice was calm and clear on the telephone.
The library has thousands of books about history and art.
A thick fog covered the harbour until noon.
He forgot his umbrella and came home soaking wet.
The new software update fixed several annoying problems.
Two ducks swam slowly across the green pond.
The baker wakes up at four to prepare the dough.
Please write your name and address on the first line.
The mountain path was steep, narrow and covered with stones.
Our team won the match in the last minute of the game.
The package should arrive within five working days.
Lightning struck the tall oak tree during the night.
She learned to play the violin when she was six.
The meeting room on the third floor is already booked.
Fresh strawberries taste best with a little cream.
The road was closed because of the heavy snow.
My brother repairs old bicycles in his spare time.
The teacher asked the class to open their books at page twenty.
A gentle breeze came in through the open window.
The hotel offers free breakfast to all of its guests.
He counted the coins twice before putting them away.
The garden looks lovely after a week of sunshine.
Please keep your tickets until the end of the journey.
The river flooded the fields after days of rain.
We watched the stars from the roof of the cabin.
The factory produces parts for cars and trucks.
Nobody knew the answer to the last question on the exam.
The little girl held her mother's hand in the crowd.
Dinner will be ready in about twenty minutes.
A loud noise woke everyone in the building.
The pilot announced that we would land shortly.
The shop around the corner sells excellent cheese.
Swimming in the lake is not allowed after dark.
The price of vegetables went up again this month.
He wrote a long letter to his friend in Canada.
The old clock on the tower stopped at midnight.
Our guide showed us the ruins of an ancient temple.
""".strip().splitlines()
NUM_TEST_SENTENCES = 18  # the last ones; the rest are training sentences

# espeak-ng voices are a language (accent) plus a variant; the two splits share neither.
VOICES = {
    "train": [f"{a}+{v}" for a in ("en", "en-us", "en-gb-x-rp", "en-029")
              for v in ("m1", "m3", "m5", "m7", "f1", "f3", "f5")],
    "test": [f"{a}+{v}" for a in ("en-gb-scotland", "en-us-nyc", "en-gb-x-gbcwmd")
             for v in ("m2", "m4", "m6", "m8", "f2", "f4")],
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--train-utterances", type=_report.at_least(1), default=400)
    p.add_argument("--test-utterances", type=_report.at_least(1), default=60, help="Spread over the 6 noise kinds and 3 SNRs.")
    p.add_argument("--steps", type=_report.at_least(1), default=4500, help="Training steps per model (SEGAN ~17 min on 2 cores).")
    p.add_argument("--batch-size", type=_report.at_least(1), default=8)
    p.add_argument("--window", type=_report.at_least(1), default=16384)
    p.add_argument("--ema", type=_report.real(0.0, 1.0, below=True), default=0.99, help="Score the generator average (ema_decay; 0: raw weights).")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reshape-noise", type=_report.real(0.0, 1.0), default=0.5,
                   help="Fraction of training noise windows given a random spectrum, loudness contour and clicks.")
    p.add_argument("--set", action="append", default=[], type=_report.key_value, metavar="KEY=VALUE",
                   help="Override a setting of the SEGAN preset for both models (repeatable), e.g. stft_weight=1.")
    p.add_argument("--test-noises", default=",".join(TRAIN_NOISES + UNSEEN_NOISES),
                   help=f"Comma-separated noise kinds cycled over the test utterances; also {','.join(FRESH_NOISES)}.")
    p.add_argument("--methods", default=",".join(METHODS), help=f"Comma-separated subset of {','.join(METHODS)}.")
    p.add_argument("--segan-model", default=None, help="Score this trained SEGAN (.keras) instead of training one.")
    p.add_argument("--l1-model", default=None, help="Score this L1-only SEGAN (.keras) instead of training one.")
    p.add_argument("--save-models", default=None, help="Folder to keep the trained models in.")
    p.add_argument("--cache", default=os.path.expanduser("~/.cache/keras_cgan/speech_peers"))
    p.add_argument("--picture", default=None, help="Write labelled spectrograms of one test utterance here (.png).")
    _report.output_options(p, "speech_peers")
    args = p.parse_args(argv)
    _report.check_out(p, "speech_peers", args.out)
    _report.check_picture(p, args.picture, "--picture")
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = sorted(set(args.methods) - set(METHODS))
    if unknown:
        p.error(f"unknown --methods {unknown}; choose from {','.join(METHODS)}")
    args.test_noises = tuple(k.strip() for k in args.test_noises.split(",") if k.strip())
    kinds = TRAIN_NOISES + UNSEEN_NOISES + FRESH_NOISES
    if not args.test_noises or set(args.test_noises) - set(kinds):
        p.error(f"--test-noises must name kinds of {','.join(kinds)}; got {','.join(args.test_noises) or 'none'}")
    clash = sorted({"window", "seed", "ema_decay"} & set(dict(args.set)))
    if clash:
        flag = {"window": "--window", "seed": "--seed", "ema_decay": "--ema"}[clash[0]]
        p.error(f"--set {clash[0]}: the benchmark sets it; give {flag} instead")
    for flag, path in (("--l1-model", args.l1_model), ("--segan-model", args.segan_model)):
        if path and not os.path.isfile(path):  # read once the corpus is made
            p.error(f"{flag} {path}: no such file; give a SEGAN saved as .keras (e.g. by --save-models)")
    if args.save_models:  # written once a model has trained
        from keras_cgan.cli.files import check_output_folder

        try:
            check_output_folder(args.save_models, f"--save-models {args.save_models}")
        except ValueError as e:
            p.error(str(e))
    from keras_cgan.models.segan import presets

    try:
        presets.settings(**dict(args.set))
    except ValueError as e:  # an unknown key
        p.error(f"--set: {e}")
    for name, path in (("l1_only", args.l1_model), ("segan", args.segan_model)):  # each model to train, built once
        if name in args.methods and not path:  # untrained: a setting it refuses is named before the corpus
            try:
                presets.build(args.window, seed=args.seed, **overrides(args, name))
            except ValueError as e:
                p.error(f"--set (the {name} model): {e}")
    return args


# ---------------------------------------------------------------- corpus

def speak(text, voice, speed, pitch, cache):
    """One espeak-ng utterance at 16 kHz, peak 0.5, cached as .npz."""
    from keras_cgan.data import audio

    key = hashlib.sha1(f"{text}|{voice}|{speed}|{pitch}|{RATE}".encode()).hexdigest()[:16]
    path = os.path.join(cache, f"{key}.npz")
    if os.path.exists(path):
        return np.load(path)["x"]
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "s.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", wav, text],
                       check=True, capture_output=True)
        x = audio.read_wav(wav, RATE)
    x = (0.5 * x / max(np.abs(x).max(), 1e-6)).astype("float32")
    os.makedirs(cache, exist_ok=True)
    np.savez_compressed(path + ".tmp.npz", x=x)
    os.replace(path + ".tmp.npz", path)
    return x


def corpus(split, count, seed, cache):
    """`count` clean utterances of `split`: (sentence, voice, speed, pitch) drawn without repeats."""
    sentences = SENTENCES[:-NUM_TEST_SENTENCES] if split == "train" else SENTENCES[-NUM_TEST_SENTENCES:]
    voices = VOICES[split]
    rng = np.random.default_rng([seed, int(split == "test")])
    combos = [(s, v) for s in range(len(sentences)) for v in range(len(voices))]
    picks = rng.permutation(len(combos))[:count]
    if len(picks) < count:
        raise ValueError(f"only {len(combos)} {split} sentence/voice pairs; asked for {count}")
    clean, info = [], []
    for i in picks:
        s, v = combos[i]
        speed, pitch = int(rng.integers(130, 191)), int(rng.integers(25, 76))
        clean.append(speak(sentences[s], voices[v], speed, pitch, cache))
        info.append({"sentence": s, "voice": voices[v], "speed": speed, "pitch": pitch})
    return clean, info


# ---------------------------------------------------------------- noises

def noise(kind, rng, n, talkers, split):
    """A unit-RMS noise of `kind`; babble is 4-6 of `talkers` (the split's own voices)."""
    from keras_cgan.data import synthetic_speech

    t = np.arange(n) / RATE
    if kind in ("white", "pink"):
        return synthetic_speech.make_noise(kind, rng, n, RATE, split)
    if kind == "brown":
        x = np.cumsum(rng.normal(size=n))
        x -= np.convolve(x, np.ones(400) / 400, mode="same")  # drop the drift below ~40 Hz
    elif kind == "babble":
        x = np.zeros(n)
        for i in rng.choice(len(talkers), size=int(rng.integers(4, 7)), replace=False):
            voice = np.resize(talkers[i], n)  # loop short talkers
            x += np.roll(voice, int(rng.integers(n))) / (np.std(talkers[i]) + 1e-9)
    elif kind == "machine":  # a motor's harmonics with impulsive clicks
        f0 = rng.uniform(70, 240)
        x = sum(rng.uniform(0.2, 1) / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) for k in range(1, 12))
        clicks = np.zeros(n)
        clicks[rng.integers(0, n, size=max(1, int(n / RATE * rng.uniform(3, 12))))] = rng.choice([-1, 1]) * 8.0
        x = x + np.convolve(clicks, np.exp(-np.arange(80) / 12.0) * rng.normal(size=80), mode="same")
    elif kind == "traffic":  # rumble, 1-3 passing vehicles (band noise swelling and fading), maybe a horn
        x = np.cumsum(rng.normal(size=n))
        x -= np.convolve(x, np.ones(400) / 400, mode="same")
        x /= np.std(x) + 1e-9
        band = np.convolve(rng.normal(size=n), np.hanning(9) / 4.5, mode="same")  # low-passed to ~1.5 kHz
        for _ in range(int(rng.integers(1, 4))):
            centre, width = rng.uniform(0, n / RATE), rng.uniform(0.5, 2.0)
            x += rng.uniform(1, 3) * np.exp(-0.5 * ((t - centre) / width) ** 2) * band
        if rng.uniform() < 0.5:
            start, length = rng.uniform(0, max(n / RATE - 0.8, 0.01)), rng.uniform(0.3, 0.8)
            on = (t >= start) & (t < start + length)
            tones = (rng.uniform(350, 450), rng.uniform(450, 550))
            x[on] += 2 * sum(np.sign(np.sin(2 * np.pi * f * t[on])) for f in tones)
    elif kind == "applause":  # 10-40 claps a second: short high-passed noise bursts of random loudness
        x = np.zeros(n)
        for start in rng.integers(0, n, size=max(1, int(n / RATE * rng.uniform(10, 40)))):
            length = int(rng.uniform(0.003, 0.015) * RATE)
            burst = np.diff(rng.normal(size=length + 1)) * np.exp(-np.arange(length) / (length / 3))
            end = min(n, start + length)
            x[start:end] += rng.lognormal(0, 0.5) * burst[: end - start]
    elif kind == "music":  # random three-note chords, half a second each
        x, step = np.zeros(n), RATE // 2
        for start in range(0, n, step):
            seg = t[start : start + step] - t[start]
            env = np.exp(-3 * seg)
            for midi in rng.integers(48, 80) + np.array([0, 4, 7]):
                f = 440 * 2 ** ((midi - 69) / 12)
                x[start : start + step] += env * sum(np.sin(2 * np.pi * f * h * seg) / h for h in (1, 2, 3))
    else:
        raise ValueError(f"unknown noise kind {kind!r}")
    return (x / (np.sqrt(np.mean(x**2)) + 1e-12)).astype("float32")


def noise_bank(talkers, seed, seconds=20.0, per_kind=4):
    """Training noises: `per_kind` clips of each of `TRAIN_NOISES`."""
    rng = np.random.default_rng([seed, 7])
    n = int(seconds * RATE)
    return [noise(k, rng, n, talkers, "train") for k in TRAIN_NOISES for _ in range(per_kind)]


def test_pairs(test_clean, seed, kinds=TRAIN_NOISES + UNSEEN_NOISES):
    """(noisy, clean, kind, snr) per test utterance; `kinds` and SNRs cycled."""
    from keras_cgan.data import audio

    rng = np.random.default_rng([seed, 11])
    pairs = []
    for i, clean in enumerate(test_clean):
        kind, snr = kinds[i % len(kinds)], TEST_SNRS[(i // len(kinds)) % len(TEST_SNRS)]
        talkers = [c for j, c in enumerate(test_clean) if j != i]  # never the target itself
        noisy, clean = audio.mix_at_snr(clean, noise(kind, rng, clean.size, talkers, "test"), snr)
        pairs.append((noisy, clean, kind, snr))
    return pairs


# ---------------------------------------------------------------- training

def training_data(train_clean, train_noises, args):
    """Endless `(noisy, clean)` windows `[B, window, 1]`, mixed on the fly at 0-10 dB."""
    from keras_cgan.data import audio

    return audio.noisy_mixtures(train_clean, train_noises, args.window, args.batch_size, snr_db=(0.0, 10.0),
                                seed=args.seed, reshape_noise=args.reshape_noise, sample_rate=RATE)


def overrides(args, name):
    """The preset overrides of model `name`: `--set`, and adversarial weight 0 for `l1_only`."""
    return {**dict(args.set), **({"adversarial_weight": 0.0} if name == "l1_only" else {})}


def train(args, name, ds):
    """Builds the default SEGAN recipe (adversarial weight 0 for `l1_only`), trains it, returns (gan, facts)."""
    import keras

    from keras_cgan.models.segan import presets

    keras.utils.set_random_seed(args.seed)  # same initial weights for both
    gan = presets.build(args.window, seed=args.seed, ema_decay=args.ema or None, **overrides(args, name))
    t0 = time.time()
    history = gan.fit(ds, steps_per_epoch=args.steps, epochs=1, verbose=0).history
    seconds = time.time() - t0
    if gan.ema_variables:
        gan.generator.set_weights(gan.ema_generator().get_weights())
    settings = {k: list(v) if isinstance(v, tuple) else v for k, v in presets.settings(**overrides(args, name)).items()
                if isinstance(v, (int, float, str, bool, tuple, type(None)))}
    settings["ema_decay"] = args.ema or None
    facts = {"steps": args.steps, "seconds": seconds, "steps_per_second": args.steps / seconds,
             "settings": settings, "generator_params": gan.generator.count_params(),
             "final_losses": {k: float(v[-1]) for k, v in history.items()}}
    print(f"{name}: {args.steps} steps in {seconds:.0f} s ({facts['steps_per_second']:.2f} steps/s)", flush=True)
    if args.save_models:
        os.makedirs(args.save_models, exist_ok=True)
        gan.save(os.path.join(args.save_models, f"{name}.keras"))
    return gan, facts


# ---------------------------------------------------------------- enhancers

def segan_enhancer(gan, tmp, name):
    """The TFLite fp32 export of `gan`, streamed on one LiteRT thread."""
    from keras_cgan import export
    from keras_cgan.models.segan import streaming

    report = streaming.export_tflite(gan, os.path.join(tmp, f"{name}.tflite"))
    runner = streaming.window_runner(export.load_runtime(report.path, num_threads=1))
    runner(np.zeros(runner.window, "float32"))  # warm up
    return lambda x: streaming.stream_enhance(runner, x, preemphasis=gan.preemphasis, chunk_size=RATE // 10)


def rnnoise(x):
    """RNNoise (pyrnnoise) at 48 kHz, 480-sample frames; 16 kHz in and out."""
    from scipy.signal import resample_poly
    from pyrnnoise.rnnoise import FRAME_SIZE, create, destroy, process_mono_frame

    x48 = resample_poly(x, 3, 1)
    pcm = np.clip(np.round(x48 * 32767), -32768, 32767).astype(np.int16)
    state = create()
    try:
        out = np.concatenate([process_mono_frame(state, pcm[i : i + FRAME_SIZE])[0]
                              for i in range(0, pcm.size, FRAME_SIZE)])
    finally:
        destroy(state)
    return resample_poly(out.astype("float64") / 32767, 1, 3)[: x.size].astype("float32")


def noisereduce(x):
    import noisereduce as nr

    return nr.reduce_noise(y=x, sr=RATE, stationary=False).astype("float32")


def spectral_subtraction(x, alpha=2.0, floor=0.01, percentile=20):
    """Power subtraction with a per-frequency noise floor from the quietest frames."""
    from scipy.signal import istft, stft

    _, _, spec = stft(x, RATE, nperseg=512, noverlap=384)
    power = np.abs(spec) ** 2
    # The p-th percentile of an exponential (noise power) is -ln(1 - p) of its mean.
    noise_power = np.percentile(power, percentile, axis=1, keepdims=True) / -np.log(1 - percentile / 100)
    gain = np.sqrt(np.maximum(1.0 - alpha * noise_power / (power + 1e-12), floor))
    _, y = istft(gain * spec, RATE, nperseg=512, noverlap=384)
    return np.pad(y, (0, max(0, x.size - y.size)))[: x.size].astype("float32")


def align(y, x, max_lag=RATE // 25):
    """`y` shifted by the lag (within +-40 ms) of maximum cross-correlation with `x`; returns (y, lag)."""
    lags = np.arange(-max_lag, max_lag + 1)
    n = x.size
    corr = [np.dot(y[max(lag, 0) : n + min(lag, 0)], x[max(-lag, 0) : n - max(lag, 0)]) for lag in lags]
    lag = int(lags[int(np.argmax(corr))])
    shifted = np.zeros_like(y)
    if lag >= 0:
        shifted[: n - lag] = y[lag:]
    else:
        shifted[-lag:] = y[: n + lag]
    return shifted, lag


# ---------------------------------------------------------------- scoring

def score(pairs, outputs):
    """Per-utterance metrics, then means per noise kind and overall."""
    from keras_cgan.metrics import audio as audio_metrics

    per, failures = [], 0
    for (_, clean, kind, _), y in zip(pairs, outputs):
        row = {"kind": kind}
        for m in METRICS:
            try:
                row[m] = audio_metrics.METRICS[m](clean, y, **({"sample_rate": RATE} if m in ("pesq", "stoi") else {}))
            except Exception:  # an output the metrics refuse
                row[m] = float("nan")
            failures += bool(np.isnan(row[m]))  # PESQ and STOI are NaN (with a warning) where they find no speech
        per.append(row)

    def means(rows):
        return {m: float(np.nanmean([r[m] for r in rows])) for m in METRICS}

    kinds = list(dict.fromkeys(r["kind"] for r in per))  # in test order
    by_kind = {k: means([r for r in per if r["kind"] == k]) for k in kinds}
    return {"overall": means(per), "by_noise": by_kind, "metric_failures": failures}


def run_method(fn, pairs):
    """Outputs of `fn` on every noisy input, with wall and CPU time per second of audio."""
    seconds = sum(p[0].size for p in pairs) / RATE
    wall, cpu = time.perf_counter(), time.process_time()
    outputs = [np.asarray(fn(p[0]), "float32")[: p[0].size] for p in pairs]
    timing = {"rtf": (time.perf_counter() - wall) / seconds, "rtf_cpu_time": (time.process_time() - cpu) / seconds}
    return outputs, timing


# ---------------------------------------------------------------- picture

# ---------------------------------------------------------------- main

def print_tables(methods):
    rows = [dict(method=name, **{k: m["overall"][k] for k in METRICS}, rtf=m["rtf"], rtf_cpu=m["rtf_cpu_time"])
            for name, m in methods.items()]
    print(_report.table(rows, ["method", "snr", "segsnr", "pesq", "stoi", "rtf", "rtf_cpu"]))
    kinds = list(next(iter(methods.values()))["by_noise"])
    print("\nSNR dB / PESQ-WB per noise kind (unseen in training: all but " + ", ".join(TRAIN_NOISES) + ")")
    rows = [dict(method=name, **{k: f"{m['by_noise'][k]['snr']:.2f} / {m['by_noise'][k]['pesq']:.2f}" for k in kinds})
            for name, m in methods.items()]
    print(_report.table(rows, ["method"] + kinds))


def main(argv=None):
    args = parse_args(argv)
    if shutil.which("espeak-ng") is None:
        sys.exit("speech_peers needs espeak-ng for its corpus: apt-get install espeak-ng")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    t0 = time.time()
    needs_training = ("segan" in args.methods and not args.segan_model) or (
        "l1_only" in args.methods and not args.l1_model)
    train_clean = corpus("train", args.train_utterances, args.seed, args.cache)[0] if needs_training else []
    test_clean, test_info = corpus("test", args.test_utterances, args.seed, args.cache)
    pairs = test_pairs(test_clean, args.seed, args.test_noises)
    for info, (_, _, kind, snr) in zip(test_info, pairs):
        info.update(noise=kind, snr_db=snr)
    print(f"corpus: {len(train_clean)} train, {len(test_clean)} test utterances "
          f"({sum(c.size for c in test_clean) / RATE:.0f} s) in {time.time() - t0:.0f} s", flush=True)

    enhancers, training = {}, {}
    tmp = tempfile.mkdtemp()
    if needs_training:
        ds = training_data(train_clean, noise_bank(train_clean, args.seed), args)
    for name, path in (("l1_only", args.l1_model), ("segan", args.segan_model)):
        if name not in args.methods:
            continue
        if path:
            import keras

            from keras_cgan.models import SEGAN  # registers the class load_model rebuilds

            gan = keras.models.load_model(path)
            if not isinstance(gan, SEGAN):
                raise SystemExit(f"--{name.replace('_', '-')}-model {path}: a {type(gan).__name__}, not a SEGAN.")
            training[name] = {"model": path}
        else:
            gan, training[name] = train(args, name, ds)
        enhancers[name] = segan_enhancer(gan, tmp, name)
        # the streamed TFLite model is what gets scored: it must match the Keras model
        training[name]["streaming_max_abs_error"] = float(
            np.max(np.abs(enhancers[name](pairs[0][0]) - gan.enhance(pairs[0][0]))))
    peers = {"noisy": lambda x: x, "rnnoise": rnnoise, "noisereduce": noisereduce, "specsub": spectral_subtraction}
    enhancers.update({k: v for k, v in peers.items() if k in args.methods})

    methods, outputs = {}, {}
    for name in [m for m in METHODS if m in args.methods]:
        outputs[name], timing = run_method(enhancers[name], pairs)
        extra = {}
        if name == "rnnoise":
            aligned = [align(y, p[0]) for y, p in zip(outputs[name], pairs)]
            outputs[name] = [y for y, _ in aligned]
            extra["lag_samples_median"] = float(np.median([lag for _, lag in aligned]))
        methods[name] = {**score(pairs, outputs[name]), **timing, **extra}
        print(f"{name}: {methods[name]['overall']} rtf {timing['rtf']:.4f}", flush=True)

    if args.picture:
        i = next((j for j, p in enumerate(pairs) if p[2] == "babble"), 0)
        panels = [("clean", pairs[i][1]), (f"noisy ({pairs[i][2]}, {pairs[i][3]:.0f} dB)", pairs[i][0])]
        panels += [(name, outputs[name][i]) for name in ("segan", "l1_only", "rnnoise") if name in outputs]
        from keras_cgan.callbacks import save_spectrograms

        print("wrote", save_spectrograms(args.picture, panels, RATE))

    result = {
        "args": vars(args),
        "corpus": {"train_utterances": len(train_clean), "test_utterances": len(test_clean),
                   "test_seconds": sum(c.size for c in test_clean) / RATE, "voices": VOICES,
                   "test_sentences": NUM_TEST_SENTENCES, "train_sentences": len(SENTENCES) - NUM_TEST_SENTENCES,
                   "train_noises": TRAIN_NOISES,
                   "unseen_noises": [k for k in args.test_noises if k not in TRAIN_NOISES], "test_snr_db": TEST_SNRS,
                   "test_utterance_info": test_info},
        "training": training,
        "methods": methods,
        "seconds": time.time() - t0,
        "note": "CPU shared with other jobs while measuring; times are upper bounds.",
    }
    print()
    print_tables(methods)
    print("\nwrote", _report.record("speech_peers", result, run=args.run, out=args.out))


if __name__ == "__main__":
    main()
