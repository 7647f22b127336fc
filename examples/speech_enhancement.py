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
"""

import argparse
import json
import os
import shutil

import numpy as np

from keras_cgan import checks
from keras_cgan.callbacks import save_spectrograms
from keras_cgan.models.segan import presets

DEFAULT = presets.PRESETS["default"]


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


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=None, help="A VoiceBank-DEMAND folder (default: make a synthetic one).")
    p.add_argument("--out", default="segan_example")
    p.add_argument("--steps", type=checks.at_least(1), default=300)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--window", type=int, default=16384)
    p.add_argument("--sample-rate", type=int, default=DEFAULT["sample_rate"])
    p.add_argument("--adversarial-weight", type=float, default=DEFAULT["adversarial_weight"],
                   help="0 trains the L1-only baseline.")
    p.add_argument("--espeak", action="store_true", help="Use espeak-ng speech for the synthetic folder.")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default=None, help="Skip training: use this saved SEGAN (.keras).")
    args = p.parse_args()

    import keras

    from keras_cgan.data import audio
    from keras_cgan.metrics import audio as audio_metrics
    from keras_cgan.models.segan import streaming as audio_tflite

    os.makedirs(args.out, exist_ok=True)
    data = args.data
    if data is None:
        data = os.path.join(args.out, "data")
        # The folder this script made, remade when the flags ask for other data (or a missing training split).
        wanted = {"espeak": args.espeak, "seed": args.seed, "sample_rate": args.sample_rate, "train": not args.model}
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
            make_folder(data, num_train, 4, 4.0, args.sample_rate, args.espeak, args.seed)
            with open(settings, "w") as f:
                json.dump(wanted, f)
    if args.model:
        gan = keras.models.load_model(args.model)
    else:
        train = audio.paired_dataset(
            data, "train", args.sample_rate, args.window, batch_size=args.batch_size, seed=args.seed,
            drop_remainder=True,
        ).repeat()
        keras.utils.set_random_seed(args.seed)
        # The "default" preset: SEGAN's defaults, least squares, Adam 1e-3 (G) / 2e-4 (D).
        gan = presets.build(
            args.window, adversarial_weight=args.adversarial_weight, sample_rate=args.sample_rate, seed=args.seed
        )
        gan.fit(train, steps_per_epoch=args.steps, epochs=1, verbose=2)
        gan.save(os.path.join(args.out, "segan.keras"))

    clean_dir, noisy_dir = audio.voicebank_dirs(data, "test")
    noisy_path, clean_path = audio.paired_files(clean_dir, noisy_dir)[0]
    noisy, clean = audio.read_pair(noisy_path, clean_path, args.sample_rate)
    enhanced = gan.enhance(noisy)
    audio.write_wav(os.path.join(args.out, "noisy.wav"), noisy, args.sample_rate)
    audio.write_wav(os.path.join(args.out, "enhanced.wav"), enhanced, args.sample_rate)
    for name, x in (("noisy", noisy), ("enhanced", enhanced)):
        scores = audio_metrics.evaluate([clean], [x], args.sample_rate)
        print(f"{name:9s}", "  ".join(f"{k} {v:.2f}" for k, v in scores.items()))

    tflite = audio_tflite.export_tflite(gan, os.path.join(args.out, "segan.tflite"))  # parity-checked
    streamed = audio_tflite.stream_enhance(tflite.path, noisy, preemphasis=gan.preemphasis)
    print(f"TFLite streamed vs enhance(): max abs error {np.abs(streamed - enhanced).max():.2e}")
    picture = os.path.join(args.out, "segan_spectrograms.png")
    save_spectrograms(picture, [("noisy", noisy), ("SEGAN", enhanced), ("clean", clean)], args.sample_rate)
    print(f"wrote {args.out}/: segan.keras, segan.tflite, noisy.wav, enhanced.wav, {os.path.basename(picture)}")


if __name__ == "__main__":
    main()
