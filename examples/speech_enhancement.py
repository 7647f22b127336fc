"""Speech enhancement with SEGAN, from paired wav folders to an on-device enhancer.

By default it makes a small synthetic VoiceBank-DEMAND style folder (voiced
speech mixed with white, pink, babble and hum noise at 0-10 dB), trains a
small SEGAN on it through `tf.data`, enhances a held-out file of any length,
exports the generator to TFLite and streams the same file through the LiteRT
interpreter window by window, as an app would. It writes wavs and a
spectrogram picture (noisy / enhanced / clean) to --out.

    python examples/speech_enhancement.py                       # a few minutes on 2 CPU cores
    python examples/speech_enhancement.py --data /path/to/voicebank --steps 20000
    python examples/speech_enhancement.py --espeak              # real synthetic speech (espeak-ng)
    python examples/speech_enhancement.py --model segan_example/segan.keras   # no training

`--data` holds clean_trainset_wav/ and noisy_trainset_wav/; clean_testset_wav/
and noisy_testset_wav/ are optional (without both a training file is the one
enhanced). `--model` enhances at the model's own sample rate.
"""

import argparse
import json
import os
import shutil
import warnings

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_cgan import checks  # noqa: E402
from keras_cgan.cli.files import check_output_folder  # noqa: E402
from keras_cgan.cli.main import HelpFormatter  # noqa: E402
from keras_cgan.models.segan.defaults import DEFAULT, check_window  # noqa: E402


def make_folder(root, num_train, num_test, seconds, sample_rate, use_espeak, seed):
    from keras_cgan.data import audio, synthetic_speech

    for split, count in (("train", num_train), ("test", num_test)):
        if count == 0:
            continue
        noisy, clean = synthetic_speech.make_pairs(
            count, seconds, sample_rate, split=split, seed=seed, use_espeak=use_espeak
        )
        for kind, signals in (("noisy", noisy), ("clean", clean)):
            folder = os.path.join(root, f"{kind}_{split}set_wav")
            os.makedirs(folder, exist_ok=True)
            for i, x in enumerate(signals):
                audio.write_wav(os.path.join(folder, f"p{i:03d}.wav"), x, sample_rate)


def held_out_split(data):
    """The split whose first pair is enhanced: the test set when `data` has both its folders (it is optional),
    else train, with a warning when a test folder is there without its pair (as `keras-cgan train segan`)."""
    from keras_cgan.data import audio

    try:
        return "test" if audio.voicebank_dirs(data, "test", missing_ok=True) else "train"
    except ValueError as error:
        warnings.warn(f"--data {data}: enhancing a training file, not a test file: {error}", stacklevel=2)
        return "train"


def check_folder(p, data, train):
    """`--data`'s layout, checked before anything loads or trains: the training pairs, the test set if any."""
    from keras_cgan.data import audio

    splits = (["train"] if train else []) + [held_out_split(data)]
    for split in dict.fromkeys(splits):
        try:
            audio.paired_files(*audio.voicebank_dirs(data, split))
        except ValueError as error:
            p.error(f"--data {data}: {error}")


def load_model(p, args):
    """The SEGAN of `--model`, refusing a `--sample-rate` it was not trained at."""
    import keras

    from keras_cgan.models.segan import SEGAN

    gan = keras.models.load_model(args.model)
    if not isinstance(gan, SEGAN):
        p.error(f"--model {args.model}: expected a saved SEGAN, found {type(gan).__name__}")
    if args.sample_rate is not None and args.sample_rate != int(gan.sample_rate):
        p.error(f"--sample-rate {args.sample_rate}: the model {args.model} was trained at {int(gan.sample_rate)} Hz; "
                "leave --sample-rate out to use it")
    return gan


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=HelpFormatter)
    p.add_argument("--data", default=None, help="A VoiceBank-DEMAND folder (default: make a synthetic one).")
    p.add_argument("--out", default="segan_example")
    p.add_argument("--steps", type=checks.at_least(1), default=300)
    p.add_argument("--batch-size", type=checks.at_least(1), default=8)
    step = 2 ** len(DEFAULT["filters"])  # check_window's rule: the encoder halves the window once per layer
    p.add_argument("--window", type=checks.at_least(step), default=16384, help=f"samples, a multiple of {step}")
    p.add_argument("--sample-rate", type=checks.at_least(1), default=None,
                   help=f"Hz (default: {DEFAULT['sample_rate']}, or --model's own)")
    p.add_argument("--adversarial-weight", type=checks.between(0.0), default=DEFAULT["adversarial_weight"],
                   help="0 trains the L1-only baseline.")
    p.add_argument("--espeak", action="store_true", help="Use espeak-ng speech for the synthetic folder.")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default=None, help="Skip training: use this saved SEGAN (.keras).")
    args = p.parse_args(argv)
    try:  # the networks' rule, for the preset's filters
        check_window(args.window, len(DEFAULT["filters"]), "--window")
    except ValueError as e:
        p.error(f"{e}; e.g. {args.window // step * step}")
    if args.model and not os.path.isfile(args.model):
        p.error(f"--model {args.model}: no such file")
    if args.data is not None:
        check_folder(p, args.data, train=not args.model)
    try:  # before any data or training: a file where a folder should be is named now
        check_output_folder(args.out, f"--out {args.out}")
    except ValueError as e:
        p.error(str(e))

    import keras

    from keras_cgan.callbacks import save_spectrograms
    from keras_cgan.data import audio
    from keras_cgan.metrics import audio as audio_metrics
    from keras_cgan.models.segan import presets
    from keras_cgan.models.segan import streaming as audio_tflite

    gan = load_model(p, args) if args.model else None
    rate = int(gan.sample_rate) if gan is not None else args.sample_rate or DEFAULT["sample_rate"]
    os.makedirs(args.out, exist_ok=True)
    written = []
    data = args.data
    if data is None:
        data = os.path.join(args.out, "data")
        # The folder this script made, remade when the flags ask for other data (or a missing training split).
        wanted = {"espeak": args.espeak, "seed": args.seed, "sample_rate": rate, "train": not args.model}
        settings = os.path.join(data, "settings.json")
        made = None
        if os.path.isfile(settings):
            with open(settings) as f:
                made = json.load(f)
        elif os.path.isdir(data) and os.listdir(data):  # not this script's: never deleted
            p.error(f"--out {args.out}: {data} exists and was not made by this script; give another --out, or --data")
        if made is None or any(made.get(k) != wanted[k] for k in ("espeak", "seed", "sample_rate")) or (
                wanted["train"] and not made.get("train")):
            shutil.rmtree(data, ignore_errors=True)
            num_train = 0 if args.model else 64  # a trained model needs the test split only
            make_folder(data, num_train, 4, 4.0, rate, args.espeak, args.seed)
            with open(settings, "w") as f:
                json.dump(wanted, f)
            written.append("data/")
    if gan is None:
        train = audio.paired_dataset(
            data, "train", rate, args.window, batch_size=args.batch_size, seed=args.seed,
            drop_remainder=True,
        ).repeat()
        keras.utils.set_random_seed(args.seed)
        # The "default" preset: SEGAN's defaults, least squares, Adam 1e-3 (G) / 2e-4 (D).
        gan = presets.build(
            args.window, adversarial_weight=args.adversarial_weight, sample_rate=rate, seed=args.seed
        )
        gan.fit(train, steps_per_epoch=args.steps, epochs=1, verbose=2)
        gan.save(os.path.join(args.out, "segan.keras"))
        written.append("segan.keras")

    split = held_out_split(data)
    clean_dir, noisy_dir = audio.voicebank_dirs(data, split)
    noisy_path, clean_path = audio.paired_files(clean_dir, noisy_dir)[0]
    if split == "train":
        print(f"no test set in {data}: enhancing the training file {noisy_path}")
    noisy, clean = audio.read_pair(noisy_path, clean_path, rate)
    enhanced = gan.enhance(noisy)
    audio.write_wav(os.path.join(args.out, "noisy.wav"), noisy, rate)
    audio.write_wav(os.path.join(args.out, "enhanced.wav"), enhanced, rate)
    for name, x in (("noisy", noisy), ("enhanced", enhanced)):
        scores = audio_metrics.evaluate([clean], [x], rate)
        print(f"{name:9s}", "  ".join(f"{k} {v:.2f}" for k, v in scores.items()))

    tflite = audio_tflite.export_tflite(gan, os.path.join(args.out, "segan.tflite"), overwrite=True)  # parity-checked
    streamed = audio_tflite.stream_enhance(tflite.path, noisy, preemphasis=gan.preemphasis)
    print(f"TFLite streamed vs enhance(): max abs error {np.abs(streamed - enhanced).max():.2e}")
    picture = os.path.join(args.out, "segan_spectrograms.png")
    save_spectrograms(picture, [("noisy", noisy), ("SEGAN", enhanced), ("clean", clean)], rate)
    written += ["segan.tflite", "noisy.wav", "enhanced.wav", os.path.basename(picture)]
    print(f"wrote {args.out}/ ({rate} Hz): {', '.join(written)}")


if __name__ == "__main__":
    main()
