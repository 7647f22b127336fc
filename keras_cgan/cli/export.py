"""Command-line faces of `keras_cgan.export`: `keras-cgan export ...` and `export/*.py`.

`add_export_subcommand(subparsers)` adds `export {savedmodel,onnx,tflite,parity}`
to the `keras-cgan` command; `script_main(command)` runs one of them as a
stand-alone script. Each prints the parity report; the exit status is 0 when
the export passes, 1 on a parity failure, 2 on bad input.

Example:

    keras-cgan export onnx runs/digits/generator.keras -o generator.onnx
    keras-cgan export --run runs/conditional_gan --format onnx     # a `keras-cgan train` run folder
    python export/to_tflite.py generator.keras -o g.tflite --quantization float16
"""

import argparse
import os
import sys
import warnings
import zipfile
import zlib

import numpy as np

import keras_cgan
from keras_cgan import checks
from keras_cgan.cli.files import check_output_file, check_output_folder
from keras_cgan.cli.main import HelpFormatter

COMMANDS = {
    "savedmodel": "Export a SavedModel for TF Serving (folder <output>/<version>/).",
    "onnx": "Export ONNX via tf2onnx, checked with onnxruntime.",
    "tflite": "Export TFLite (float32/float16/dynamic/int8), checked with LiteRT.",
    "parity": "Check an existing export against the Keras generator.",
}
ENDINGS = {"onnx": ".onnx", "tflite": ".tflite"}  # in any case: `-o G.ONNX` too
QUANTIZATIONS = ("none", "float16", "dynamic", "int8")
OPSETS = (17, 18)  # `export.SUPPORTED_OPSETS`, here without TensorFlow
_MODEL_HELP = "A generator (or whole GAN) `.keras` file."


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _batch_size(text):
    """A `--batch-sizes` value; a word there is what the flag took after its numbers (`nargs="+"` takes all)."""
    try:
        return checks.at_least(1)(text)
    except argparse.ArgumentTypeError as error:
        if _is_number(text):
            raise
        raise argparse.ArgumentTypeError(
            f"{error}: it takes every value that follows it, so give it after the model and the export"
        ) from None


def add_arguments(parser, command, nested=False):
    """Adds the arguments of one export command to `parser`.

    `nested`: a sub-parser of `export`, which takes every one of these flags
    before the format too (`keras-cgan export -o g.onnx onnx g.keras`); the
    flags keep the value given before the format then, and `-o` is checked
    once both are read (`output_of`).
    """
    unset = {"default": argparse.SUPPRESS} if nested else {}

    def default(value):  # the script's default; nested, the value given before the format or `resolved`'s
        return unset or {"default": value}

    parser.add_argument("model", help=_MODEL_HELP)
    if command == "parity":
        parser.add_argument("exported", help="SavedModel folder, `.onnx` or `.tflite` file.")
        parser.add_argument(
            "--tolerance", type=checks.between(low=None), help="Max abs error allowed (default: the format's own, see "
            "keras_cgan.export.check_parity).", **default(None),
        )
        parser.add_argument(
            "--batch-sizes", type=_batch_size, nargs="+", help="Batch sizes compared (default: 1 8).",
            **default([1, 8]),
        )
    else:
        parser.add_argument(
            "-o", "--output", required=not nested, help="Where to write the export (required).", **unset
        )
        parser.add_argument(
            "--no-check", action="store_true", help="Skip the parity check (not recommended).", **unset
        )
        parser.add_argument("--overwrite", action="store_true", help="Replace the output if it exists.", **unset)
    if command == "savedmodel":
        parser.add_argument("--version", type=checks.at_least(0), help="Version folder (default: next).", **unset)
    if command == "onnx":
        parser.add_argument("--opset", type=int, help="ONNX opset, 17 or 18 (default: 17).", **default(17))
    if command == "tflite":
        parser.add_argument(
            "--quantization", type=str.lower,
            choices=QUANTIZATIONS,
            help="Weight/activation quantization (default: none).",
            **default("none"),
        )
        parser.add_argument(
            "--representative-data",
            help="`.npz` of calibration inputs keyed by input name (required for int8).",
            **unset,
        )
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.", **unset)


def add_export_subcommand(subparsers, help=None):
    """Adds `export {savedmodel,onnx,tflite,parity}` to a `keras-cgan` parser."""
    parser = subparsers.add_parser(
        "export", help=help, formatter_class=HelpFormatter,
        usage="keras-cgan export --run RUN --format {onnx,tflite,savedmodel} [options]\n"
              "       keras-cgan export {savedmodel,onnx,tflite,parity} MODEL ...\n"
              "       (a format's options: `keras-cgan export onnx --help`)",
    )
    parser.add_argument("--run", default=None, help="Export the generator of a `keras-cgan train` run folder.")
    parser.add_argument(
        "--format", type=lambda f: "savedmodel" if f.lower() == "saved_model" else f.lower(),
        choices=("onnx", "tflite", "savedmodel"), default=None, help="With --run.",
    )
    parser.add_argument("-o", "--output", dest="run_output", default=None, help="With --run (default RUN/export/).")
    parser.add_argument(
        "--quantization", type=str.lower, choices=QUANTIZATIONS, default="none",
        help="With --run --format tflite: weight/activation quantization.",
    )
    parser.add_argument(
        "--representative-data", default=None,
        help="With --run: `.npz` of calibration inputs keyed by input name (required for int8).",
    )
    parser.add_argument(
        "--version", type=checks.at_least(0), default=None,
        help="With --run --format savedmodel: the version folder (default: the next free number).",
    )
    parser.add_argument("--overwrite", action="store_true", help="With --run: replace the output if it exists.")
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    # A format's own flags, given before it (`keras-cgan export --opset 18 onnx ...`): listed in its --help.
    hidden = {"help": argparse.SUPPRESS, "default": None}
    parser.add_argument("--no-check", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--opset", type=int, **hidden)
    parser.add_argument("--tolerance", type=checks.between(low=None), **hidden)
    parser.add_argument("--batch-sizes", type=_batch_size, nargs="+", **hidden)
    formats = parser.add_subparsers(dest="export_command", required=False, prog="keras-cgan export")
    for command, description in COMMANDS.items():
        sub = formats.add_parser(command, help=description, description=description, formatter_class=HelpFormatter)
        add_arguments(sub, command, nested=True)
    parser.set_defaults(func=run_export, check=check_export)
    return parser


def check_flags(fmt, args):
    """A `ValueError` naming a flag given that an export of format `fmt` (or `parity`) does not take; before loading.

    `export` reads every format's flags before the format too (and `--run`'s
    export takes a few): one the command would not use is refused, not
    ignored.
    """
    quantization = getattr(args, "quantization", None) or "none"
    if quantization != "none" and fmt != "tflite":
        raise ValueError(f"--quantization {quantization}: only a tflite export is quantized; leave it out.")
    data = getattr(args, "representative_data", None)
    if data and fmt != "tflite":
        raise ValueError(
            f"--representative-data {data}: only a tflite export with --quantization int8 is calibrated; leave it out."
        )
    if getattr(args, "version", None) is not None and fmt != "savedmodel":
        raise ValueError(f"--version {args.version}: only a savedmodel export has version folders; leave it out.")
    opset = getattr(args, "opset", None)
    if opset is not None and fmt != "onnx":
        raise ValueError(f"--opset {opset}: only an onnx export has an opset; leave it out.")
    for flag, value in (("--tolerance", getattr(args, "tolerance", None)),
                        ("--batch-sizes", getattr(args, "batch_sizes", None))):
        if value is not None and fmt != "parity":
            shown = " ".join(map(str, value)) if isinstance(value, list) else value
            raise ValueError(f"{flag} {shown}: only parity takes it (an export is checked at its format's "
                             "tolerance, batch sizes 1 and 8); leave it out.")
    no_check, output = getattr(args, "no_check", False), getattr(args, "run_output", None)
    if fmt == "parity":
        for flag, given in ((f"-o {output}", output is not None), ("--overwrite", getattr(args, "overwrite", False))):
            if given:
                raise ValueError(f"{flag}: parity writes nothing (it checks the export given after the model); "
                                 "leave it out.")
        if no_check:
            raise ValueError("--no-check: parity is the check itself; leave it out.")
    if getattr(args, "run", None):  # `export_run` exports at the default opset, always checked
        if opset is not None:
            raise ValueError(f"--opset {opset}: --run exports at opset 17; leave it out, or export the run's "
                             f"generator with `keras-cgan export onnx MODEL -o OUT --opset {opset}`.")
        if no_check:
            raise ValueError("--no-check: an export of --run is always checked; leave it out.")
    if no_check and getattr(args, "json", False):
        raise ValueError("--json: with --no-check there is no report to print (--json prints the parity report, "
                         "which --no-check skips); leave out --no-check to check the export and print its report "
                         "as JSON, or --json to write it unchecked.")


def output_of(args, command):
    """The `-o` of an export given after the format or before it; a `ValueError` if neither, or two that differ."""
    after, before = getattr(args, "output", None), getattr(args, "run_output", None)
    if after is not None and before is not None and after != before:
        raise ValueError(f"-o {before} (before {command}) and -o {after} (after it) name two outputs; give one.")
    output = before if after is None else after
    if output is None:
        example = "serving/generator" if command == "savedmodel" else "generator" + ENDINGS[command]
        raise ValueError(f"-o/--output is required: where to write the {command} export (e.g. -o {example}).")
    return output


def check_output(output, fmt, overwrite, version=None):
    """A `ValueError` naming `-o OUTPUT` when an export of format `fmt` cannot be written there; before loading.

    A SavedModel's `output` is the folder of its version folders (a new one
    named as a version folder is refused unless `version` is given: `-o
    serving/1` for `-o serving --version 1`), and an existing `version`
    folder is kept unless `overwrite`; an ONNX or TFLite file must end as
    the export functions require, its folder may be new (it is made), and an
    existing file is kept unless `overwrite`.
    """
    label = f"-o {output}"
    if fmt == "savedmodel":
        from keras_cgan.checks import is_saved_model, named_as_version, next_version

        base, name = os.path.split(os.path.normpath(output))
        if named_as_version(output, version):  # to_saved_model's warning, in the flags' words
            raise ValueError(
                f"{label} looks like a version folder: -o is the base folder, which holds the numbered version "
                f"folders TF Serving reads; give -o {base or '.'} --version {int(name)}."
            )
        if is_saved_model(output):  # to_saved_model's refusal, in the flags' words
            raise ValueError(
                f"{label} is a SavedModel itself: -o is the base folder, which holds the numbered version "
                f"folders TF Serving reads; give -o {base or '.'}, or another folder."
            )
        check_output_folder(output, label)
        if version is None and os.path.isdir(output) and not os.access(output, os.R_OK | os.X_OK):
            raise ValueError(f"{label}: no permission to list this folder, to find its next free version; make it "
                             "readable (chmod u+rx), or give --version N.")
        target = None if version is None else os.path.join(output, str(version))
        if target and os.path.lexists(target):  # the folder listed only to name the next free version
            checks.refuse_existing(target, overwrite, (
                f"--version {version}: {target} exists; pass --overwrite to replace it, or leave --version "
                f"out for the next ({next_version(output)})."
            ))
        return
    ending = ENDINGS[fmt]
    if not output.lower().endswith(ending):  # as the export functions check it
        raise ValueError(f"{label}: the {fmt} export is a file ending in {ending}; give such a name.")
    check_output_file(output, label, overwrite, folder_made=True)


def check_model(model, command):
    """A `ValueError` saying what to give when the model file `model` does not exist; after the flags, before loading.

    The exporters' own message offers "the model itself", which a command cannot take.
    """
    if not os.path.exists(model):
        run = "" if command == "parity" else (
            f"; or export a run folder with `keras-cgan export --run RUN --format {command}`")
        raise ValueError(f"{model}: no such file; give the generator's (or the whole GAN's) .keras file, e.g. "
                         f"RUN/generator.keras of a `keras-cgan train` run{run}.")


def representative_data(args):
    """The arrays of `--representative-data` keyed by input name, or `None` when it is not given.

    Refused without `--quantization int8`, the only mode that calibrates, which requires it.
    """
    file = getattr(args, "representative_data", None)
    int8 = (getattr(args, "quantization", None) or "none") == "int8"
    if not file and int8:  # before the model loads, in the flags' words
        raise ValueError(
            "--quantization int8 needs --representative-data FILE.npz: a few hundred typical inputs keyed by "
            "the generator's input names (numpy.savez('calib.npz', noise=..., condition=...)), to calibrate "
            "activation ranges; --quantization dynamic needs none."
        )
    if not file:
        return None
    label = f"--representative-data {file}"
    if not int8:
        raise ValueError(
            f"{label}: calibration data is used by --quantization int8 only; add --quantization int8 or leave it out."
        )
    if not os.path.isfile(file):
        raise ValueError(f"{label}: file not found.")
    try:
        data = np.load(file)
    except (OSError, ValueError, zipfile.BadZipFile):  # numpy's own advice (allow_pickle=) is not for this file
        raise ValueError(
            f"{label}: not a numpy .npz file; write one with numpy.savez(FILE, name=array, ...)."
        ) from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{label}: a single array; give an .npz of arrays keyed by input name "
                         "(numpy.savez(FILE, name=array, ...)).")
    arrays = {}
    with data:
        for name in data.files:
            try:
                arrays[name] = data[name]
            except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:  # a damaged file
                problem = "holds Python objects; save arrays of numbers" if "allow_pickle" in str(error) else (
                    f"cannot be read ({error}); write the file again")
                raise ValueError(f"{label}: the array {name!r} {problem}.") from None
    return arrays


def calibration(model, data, file):
    """The samples `to_tflite` calibrates on: `data`, the arrays of `--representative-data FILE`, checked for `model`.

    `model` is what the export takes (a loaded GAN or generator); the
    messages name the flag and the file, and each array by its name.
    """
    from keras_cgan.export import generator as generator_lib
    from keras_cgan.export import tflite

    label = f"--representative-data {file}"
    with warnings.catch_warnings():  # the export itself warns about the generator it takes
        warnings.simplefilter("ignore")
        generator = generator_lib.load_generator(model)
    return tflite.representative_samples(generator, data, what=label)


def check_export(args):
    """The checks of an export that need no TensorFlow (`ValueError`): its flags, `-o`, the model file, and more.

    `keras-cgan export` and the `export/*.py` scripts run it before they
    import TensorFlow, so a bad option is refused at once; `_export` runs it
    again before it loads the model (with `--run`, `export_run` runs its
    part, `check_export_run`). Returns the arrays of
    `--representative-data` (or `None`).
    """
    command = args.export_command
    if getattr(args, "run", None) or command is None:
        from keras_cgan.cli.train import check_export_run

        if not getattr(args, "run", None):
            raise ValueError("give an export subcommand (savedmodel, onnx, tflite, parity) or --run DIR --format F.")
        return check_export_run(args)[2]
    if os.path.isdir(args.model):  # the exporters said "Model file not found"
        from keras_cgan.cli import run_folder

        generator = run_folder.path(args.model, run_folder.GENERATOR)
        hint = f"give {generator}" if os.path.isfile(generator) else "give the generator's .keras file"
        if command != "parity" and os.path.isfile(run_folder.path(args.model, run_folder.CONFIG)):
            hint = f"a run folder exports with `keras-cgan export --run {args.model} --format {command}`"
        raise ValueError(f"{args.model}: a folder, not a .keras file; {hint}.")
    given = getattr(args, "format", None)
    if given and command == "parity":
        raise ValueError(f"--format {given}: parity reads the format of the export it checks; leave it out.")
    if given and given != command:
        raise ValueError(f"--format {given} and the {command} subcommand name two formats; give one "
                         f"(--format goes with --run).")
    check_flags(command, args)  # those given before the format too
    if command == "onnx" and getattr(args, "opset", None) not in (None, *OPSETS):  # to_onnx's check, as a flag
        raise ValueError(f"--opset {args.opset}: give one of {', '.join(map(str, OPSETS))}.")
    representative = representative_data(args)  # refused without --quantization int8 (was ignored by onnx)
    if command == "parity":
        check_model(args.model, command)
        return representative
    args.output = output_of(args, command)
    check_output(args.output, command, args.overwrite, version=getattr(args, "version", None))
    check_model(args.model, command)
    return representative


def _export(args):
    from keras_cgan import export

    if getattr(args, "run", None):  # `export_run` checks it (`check_export_run`) before the run loads
        from keras_cgan.cli.train import export_run

        return export_run(args)
    command = args.export_command
    representative = check_export(args)
    if command == "parity":
        return export.check_parity(
            args.model,
            args.exported,
            batch_sizes=tuple(args.batch_sizes or (1, 8)),
            tolerance=args.tolerance,
            raise_on_failure=False,
        )
    check = not args.no_check
    if command == "savedmodel":  # without --version, a new version folder
        return export.to_saved_model(
            args.model, args.output, version=args.version, check=check, overwrite=args.overwrite
        )
    if command == "onnx":
        args.opset = 17 if args.opset is None else args.opset  # given before `onnx` or not at all
        return export.to_onnx(args.model, args.output, opset=args.opset, check=check, overwrite=args.overwrite)
    quantization = None if args.quantization == "none" else args.quantization
    model = args.model
    if representative is not None:  # checked in the flag's words, before converting
        from keras_cgan.export.generator import load_model

        model = load_model(args.model)
        representative = calibration(model, representative, args.representative_data)
    return export.to_tflite(
        model,
        args.output,
        quantization=quantization,
        representative_data=representative,
        check=check,
        overwrite=args.overwrite,
    )


def run_export(args):
    """Runs a parsed export command; prints the report; returns the exit status."""
    from keras_cgan.export.parity import ParityError

    # As every command's error line: `keras-cgan export: error: ...` (a stand-alone script names itself).
    where = "keras-cgan export" if getattr(args, "command", None) == "export" else os.path.basename(sys.argv[0])
    try:
        result = _export(args)
    except ParityError as error:
        report = error.report
        print(report.to_json() if args.json else report)
        print(f"{where}: error: {'; '.join(report.problems)}", file=sys.stderr)
        return 1
    except (ValueError, OSError, ImportError) as error:  # ImportError: the `[export]` extra is not installed
        print(f"{where}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        return interrupted(where, interrupt)
    try:
        if isinstance(result, str):  # --no-check
            print(f"wrote {result} (parity not checked)")
            return 0
        print(result.to_json() if args.json else result)
        return 0 if result.passed else 1
    except KeyboardInterrupt:  # while the report prints: the export is in place
        path = getattr(result, "path", result)
        return interrupted(where, "" if args.export_command == "parity" else f"the export is in place at {path!r}")


def interrupted(where, interrupt):
    """Says in one line that a Ctrl-C stopped the command, and what it left (the export's own words); returns 130.

    An export is written whole or not at all (`files.atomic_target`): its
    `KeyboardInterrupt` names an export already in place, or temporary files
    left over; otherwise nothing was written.
    """
    left = str(interrupt).rstrip(".") or "nothing written"
    print(f"{where}: interrupted; {left}.", file=sys.stderr)
    return 130


def script_main(command, argv=None):
    """Entry point of the stand-alone script for `command`; a Ctrl-C is one line and status 130."""
    parser = argparse.ArgumentParser(description=COMMANDS[command], formatter_class=HelpFormatter)
    add_arguments(parser, command)
    args = parser.parse_args(argv)
    args.export_command = command
    try:  # a bad option is refused at once, as by the `keras-cgan` command
        check_export(args)
    except (ValueError, OSError) as error:
        print(f"{os.path.basename(sys.argv[0])}: error: {error}", file=sys.stderr)
        return 2
    try:  # TensorFlow loads here, its start-up lines kept back as by the `keras-cgan` command
        with keras_cgan._quiet_tensorflow_start():
            keras_cgan.import_api()
    except KeyboardInterrupt as interrupt:
        return interrupted(os.path.basename(sys.argv[0]), interrupt)
    return run_export(args)
