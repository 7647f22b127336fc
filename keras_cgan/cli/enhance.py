"""The `keras-cgan enhance` command: enhance noisy wav files with a SEGAN model.

`keras_cgan.cli` registers it with `add_enhance_subcommand(subparsers)`; the
parsed arguments go to `run_enhance(args)`. One process enhances a file or
every wav of a folder (the model is loaded once). Every input is checked and
the output place is ready before the model is loaded; a problem is one
`error:` line naming the file or option (exit status 2).

Example:

    keras-cgan enhance noisy.wav -o clean.wav --model runs/segan
    keras-cgan enhance noisy_folder/ -o clean_folder/ --model segan.keras
    keras-cgan enhance noisy.wav -o clean.wav --model segan.tflite    # rate, pre-emphasis read from the file
"""

import os
import sys

import numpy as np

from keras_cgan.cli.main import HelpFormatter
from keras_cgan.cli.status import errors_to_status


def add_enhance_subcommand(subparsers, help=None):
    """Adds the `enhance` subcommand to an `argparse` subparsers object."""
    parser = subparsers.add_parser(
        "enhance",
        help=help,
        formatter_class=HelpFormatter,
        description="Enhance noisy speech (any length; stereo is mixed to mono, other rates are\n"
        "resampled to the model's rate and back). A folder is enhanced file by file in\n"
        "one process, the outputs keeping the input names.",  # HelpFormatter keeps the lines as given
    )
    parser.add_argument("input", help="A noisy wav, or a folder of wavs.")
    parser.add_argument(
        "-o", "--output", required=True,
        help="The enhanced wav (for a file), or a folder (for a folder; made if missing).",
    )
    parser.add_argument(
        "--model", required=True,
        help="A run folder of `keras-cgan train segan`, a saved SEGAN (.keras), or its on-device .tflite "
        "(`keras_cgan.models.segan.streaming.export_tflite`).",
    )
    parser.add_argument("--hop", type=int, default=None, help="Window step (default: half the window).")
    parser.add_argument("--batch-size", type=int, default=16, help="Windows per generator call (.keras).")
    parser.add_argument(
        "--sample-rate", type=int, default=None,
        help="The model's sample rate: read from the model; needed only for a .tflite that does not store it "
        "(then 16000 if left out). A value contradicting the model's is an error.",
    )
    parser.add_argument(
        "--preemphasis", type=float, default=None,
        help="The model's pre-emphasis: read from the model, as --sample-rate (0.95 if not stored).",
    )
    parser.add_argument("--overwrite", action="store_true", help="Replace output files that exist.")
    parser.set_defaults(func=run_enhance, check=_check)
    return parser


def _paths(args):
    """`[(input wav, output wav)]` by their names (`ValueError`); without TensorFlow."""
    from keras_cgan.cli.files import input_output_pairs

    return input_output_pairs(args.input, args.output, (".wav",), "wav files", f"--output {args.output}",
                              overwrite=args.overwrite, output_extensions=(".wav",), exists_label="--output: ")


_MODELS = "a run folder of `keras-cgan train segan`, a saved SEGAN (.keras) or its .tflite"


def _check_setting(flag, given, model_value, where):
    if given is not None and abs(float(given) - float(model_value)) > 1e-6:
        raise ValueError(
            f"{flag} {given}: the model {where} was trained with {model_value}; leave {flag} out to use it."
        )


def _check_hop(hop, window, where):
    """The model's `waveform.check_hop`, its refusal named by the option."""
    from keras_cgan.models.segan import waveform

    if hop is None:
        return
    try:
        waveform.check_hop(window, hop)
    except ValueError:
        raise ValueError(
            f"--hop {hop}: must divide the window of the model {where} ({window} samples) and be shorter."
        ) from None


def _enhancer(args):
    """`(function waveform -> enhanced, sample rate)` of `--model`."""
    from keras_cgan.export import files

    path = args.model
    if not os.path.exists(path):
        raise ValueError(f"--model {path}: no such file or folder; give {_MODELS}.")
    # As the export commands read a file: `.TFLITE` too, a rename named for `.KERAS` or a model under another ending.
    kind = None if os.path.isdir(path) else files.model_format(path, f"--model {path}")
    if kind == "tflite":
        from keras_cgan.models.segan import streaming

        stored = streaming.read_metadata(path)
        if stored:
            _check_setting("--sample-rate", args.sample_rate, stored["sample_rate"], path)
            _check_setting("--preemphasis", args.preemphasis, stored["preemphasis"], path)
            rate, preemphasis = stored["sample_rate"], stored["preemphasis"]
        else:
            rate = args.sample_rate or 16000
            preemphasis = 0.95 if args.preemphasis is None else args.preemphasis
            print(
                f"keras-cgan enhance: warning: {path} does not store its sample rate and pre-emphasis; "
                f"using {rate} Hz and {preemphasis} (export it again with streaming.export_tflite to store them).",
                file=sys.stderr,
            )
        runtime = streaming.window_runner(_tflite_runtime(path))
        _check_hop(args.hop, runtime.window, path)
        return (lambda x: streaming.stream_enhance(runtime, x, hop=args.hop, preemphasis=preemphasis)), rate
    from keras_cgan.models.segan import SEGAN

    if os.path.isdir(path):
        model = _run_model(path)
    elif kind == "keras" and path.endswith(".keras"):  # a SEGAN saves to `.keras` only, not to `.h5`
        import keras

        from keras_cgan.cli.run_folder import check_keras_file

        check_keras_file(path, f"--model {path}")
        model = keras.models.load_model(path)
    else:
        raise ValueError(f"--model {path}: expected {_MODELS}.")
    if not isinstance(model, SEGAN):
        raise ValueError(
            f"--model {path}: expected a saved SEGAN, found {type(model).__name__} (a segan run folder's "
            "generator.keras is its bare network: give the run folder or its gan.keras)."
        )
    _check_setting("--sample-rate", args.sample_rate, model.sample_rate, path)
    _check_setting("--preemphasis", args.preemphasis, model.preemphasis, path)
    _check_hop(args.hop, model.window, path)
    return (lambda x: model.enhance(x, hop=args.hop, batch_size=args.batch_size)), int(model.sample_rate)


def _run_model(path):
    """The model of the segan run folder `path` (`load_run`: one that cannot be read is named with what to do)."""
    from keras_cgan.cli import run_folder
    from keras_cgan.cli.train import load_run

    family = run_folder.read_config(os.path.abspath(path), "--model")["family"]
    if family != "segan":  # before its model is loaded
        raise ValueError(f"--model {path}: a {family} run; enhance takes a segan run.")
    return load_run(os.path.abspath(path), flag="--model", command="enhance")[2]


def _tflite_runtime(path):
    """The LiteRT runtime `export.load_runtime` gives a `.tflite` file, its format read once (by `_enhancer`)."""
    from keras_cgan.export import runtimes

    return runtimes.TFLiteRuntime(path, num_threads=1)


def _check(args):
    """The numbers of `enhance`, the paths and `--model`'s (`ValueError`); `keras-cgan` checks them before it imports
    TensorFlow. Returns `[(input wav, output wav)]`."""
    if args.hop is not None and args.hop < 1:
        raise ValueError(f"--hop must be >= 1. Received: {args.hop}")
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1. Received: {args.batch_size}")
    if args.sample_rate is not None and args.sample_rate < 1:  # 0 was taken as "not given": 16000 for a .tflite
        raise ValueError(f"--sample-rate must be >= 1. Received: {args.sample_rate}")
    if args.preemphasis is not None and not 0 <= args.preemphasis < 1:  # nan matched any model's
        raise ValueError(f"--preemphasis must be a number >= 0 and < 1. Received: {args.preemphasis}")
    pairs = _paths(args)
    if not os.path.exists(args.model):  # as `_enhancer` says it
        raise ValueError(f"--model {args.model}: no such file or folder; give {_MODELS}.")
    return pairs


@errors_to_status((ValueError, OSError), command="enhance")
def run_enhance(args):
    """Runs `enhance` for parsed arguments; returns the exit status (2 for bad input, with an `error:` line)."""
    from keras_cgan.cli.files import make_output_folder
    from keras_cgan.data import audio

    pairs = _check(args)
    for noisy, _ in pairs:
        audio.check_wav(noisy)  # a bad file is named before the model loads
    enhance, rate = _enhancer(args)
    make_output_folder(os.path.dirname(pairs[0][1]), f"--output {args.output}")  # an output folder given, new or not
    seconds = 0.0
    for source, target in pairs:
        noisy, file_rate = audio.read_wav(source, return_rate=True)
        file_length = noisy.size
        enhanced = enhance(np.clip(audio.resample(noisy, file_rate, rate), -1.0, 1.0))  # the filter overshoots
        out = audio.resample(enhanced, rate, file_rate)
        out = out[:file_length] if out.size >= file_length else np.pad(out, (0, file_length - out.size))
        audio.write_wav(target, out, file_rate)
        seconds += file_length / file_rate
    where = pairs[0][1] if len(pairs) == 1 else os.path.dirname(pairs[0][1])
    print(f"Wrote {where} ({len(pairs)} file(s), {seconds:.2f} s of audio, model at {rate} Hz).")
    return 0
