"""The `keras-cgan` command: `quickstart`, `train`, `sample`, `translate`, `enhance`, `rollout`, `export ...`."""

import argparse
import copy
import importlib
import os
import sys

import keras_cgan
from keras_cgan.cli.status import errors_to_status

# TensorFlow's C++ info lines and grappler notes (`remapper failed`) are not for users; set
# TF_CPP_MIN_LOG_LEVEL=0 to see them. Takes effect when TensorFlow is first imported after this.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# name: (module, function adding its sub-parser, the line `keras-cgan --help` shows). A command's
# module is imported only when that command is run or asked for its help, so `keras-cgan --help`
# imports no TensorFlow.
COMMANDS = {
    "quickstart": ("keras_cgan.cli.quickstart", "add_quickstart_subcommand", "train a digits cGAN in minutes"),
    "train": (
        "keras_cgan.cli.train", "add_train_subcommand",
        "train a family on its built-in data or a folder (--data) into a run folder",
    ),
    "sample": ("keras_cgan.cli.train", "add_sample_subcommand", "write samples of a trained run folder"),
    "translate": (
        "keras_cgan.cli.translate", "add_translate_subcommand",
        "translate condition images (a file or a folder) with a pix2pix run folder",
    ),
    "enhance": (
        "keras_cgan.cli.enhance", "add_enhance_subcommand",
        "enhance a noisy wav file, or a folder of them, with a SEGAN model",
    ),
    "rollout": (
        "keras_cgan.cli.rollout", "add_rollout_subcommand",
        "continue a clip (folder of frames or video file) with a next_frame_gan run, as a GIF",
    ),
    "export": ("keras_cgan.cli.export", "add_export_subcommand", "export a generator, checked for parity"),
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """`--help` with each option's default, `(default: X)` after its help; descriptions keep their lines.

    Left out where the help already speaks of the default, and for a default
    of `None` or a switch's `False` (nothing to show).
    """

    def _format_action(self, action):
        shown = not any(action.default is nothing for nothing in (None, False, argparse.SUPPRESS))
        if action.option_strings and shown and "default" not in (action.help or "").lower():
            action = copy.copy(action)
            action.help = f"{action.help or ''} (default: %(default)s)".lstrip()
        return super()._format_action(action)


def build_parser(commands=None):
    """The `keras-cgan` argument parser.

    Args:
        commands: names of `COMMANDS` whose sub-parsers are built in full, or
            None for all. The others are only listed with their help line.
    """
    parser = argparse.ArgumentParser(prog="keras-cgan", description="Conditional GANs with Keras.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (module, add_subcommand, summary) in COMMANDS.items():
        if commands is None or name in commands:
            getattr(importlib.import_module(module), add_subcommand)(subparsers, help=summary)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def main(argv=None):
    """Runs `keras-cgan` with `argv` (default: the command line); returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    try:  # from the first import on: a command's module loads numpy (and more) as its parser is built
        with keras_cgan._quiet_tensorflow_start():
            parser = build_parser([command] if command in COMMANDS else [])
        args = parser.parse_args(argv)
        command = args.command
        # What a command checks without TensorFlow (its sub-parser's `check`), so a bad option is refused at once.
        if getattr(args, "check", None) and errors_to_status((ValueError, OSError))(args.check)(args) == 2:
            return 2
        with keras_cgan._quiet_tensorflow_start():
            keras_cgan.import_api()  # every serializable class registered before a command loads a model
        return args.func(args) or 0
    except KeyboardInterrupt as interrupt:  # Ctrl-C: one line, no traceback
        where = f"keras-cgan {command}" if command in COMMANDS else "keras-cgan"
        print(f"{where}: interrupted{': ' + str(interrupt) if str(interrupt) else ''}.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
