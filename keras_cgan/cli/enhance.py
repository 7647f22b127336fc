"""The `keras-cgan enhance` command: enhance a noisy wav with a SEGAN model.

`keras_cgan.cli` registers it with `add_enhance_subcommand(subparsers)`; the
parsed arguments go to `run_enhance(args)`.

Example:

    keras-cgan enhance noisy.wav -o clean.wav --model segan.keras
    keras-cgan enhance noisy.wav -o clean.wav --model segan.tflite --preemphasis 0.95
"""

import argparse
import os

import numpy as np


def add_enhance_subcommand(subparsers):
    """Adds the `enhance` subcommand to an `argparse` subparsers object."""
    parser = subparsers.add_parser(
        "enhance",
        help="Enhance a noisy wav file with a SEGAN model.",
        description="Enhance noisy speech (any length; stereo is mixed to mono, other rates are "
        "resampled to the model's rate and back).",
    )
    parser.add_argument("input", help="Noisy input wav.")
    parser.add_argument("-o", "--output", required=True, help="Enhanced output wav.")
    parser.add_argument(
        "--model", required=True, help="A saved SEGAN (.keras) or its on-device .tflite (streaming.export_tflite)."
    )
    parser.add_argument("--hop", type=int, default=None, help="Window step (default: half the window).")
    parser.add_argument("--batch-size", type=int, default=16, help="Windows per generator call (.keras).")
    parser.add_argument(
        "--sample-rate", type=int, default=16000, help="Model sample rate for a .tflite model (default 16000)."
    )
    parser.add_argument(
        "--preemphasis", type=float, default=0.95, help="Pre-emphasis of a .tflite model (default 0.95)."
    )
    parser.set_defaults(func=run_enhance)
    return parser


def run_enhance(args):
    """Runs `enhance` for parsed arguments; returns the process exit code."""
    from keras_cgan.data import audio

    if not os.path.isfile(args.model):
        raise ValueError(f"--model {args.model}: file not found.")
    if args.model.endswith(".tflite"):
        from keras_cgan.models.segan import streaming

        rate = args.sample_rate
        noisy, file_rate = audio.read_wav(args.input, return_rate=True)
        file_length = noisy.size
        noisy = audio.resample(noisy, file_rate, rate)
        enhanced = streaming.stream_enhance(args.model, noisy, hop=args.hop, preemphasis=args.preemphasis)
    else:
        import keras

        from keras_cgan.models.segan import SEGAN

        model = keras.models.load_model(args.model)
        if not isinstance(model, SEGAN):
            raise ValueError(f"--model {args.model}: expected a saved SEGAN, found {type(model).__name__}.")
        rate = model.sample_rate
        noisy, file_rate = audio.read_wav(args.input, return_rate=True)
        file_length = noisy.size
        noisy = audio.resample(noisy, file_rate, rate)
        enhanced = model.enhance(noisy, hop=args.hop, batch_size=args.batch_size)
    out = audio.resample(enhanced, rate, file_rate)
    out = out[: file_length] if out.size >= file_length else np.pad(out, (0, file_length - out.size))
    audio.write_wav(args.output, out, file_rate)
    print(f"Wrote {args.output} ({len(enhanced) / rate:.2f} s at {file_rate} Hz).")
    return 0


def main(argv=None):
    """Stand-alone entry point (`python -m keras_cgan.cli enhance ...`)."""
    parser = argparse.ArgumentParser(prog="keras-cgan")
    add_enhance_subcommand(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
