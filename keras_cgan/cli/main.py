"""The `keras-cgan` command: `quickstart`, `train`, `sample`, `translate`, `enhance`, `rollout`, `export ...`."""

import argparse
import os
import sys

# TensorFlow's C++ info lines and grappler notes (`remapper failed`) are not for users; set
# TF_CPP_MIN_LOG_LEVEL=0 to see them. Takes effect when TensorFlow is first imported after this.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build_parser():
    """The `keras-cgan` argument parser with every subcommand."""
    from keras_cgan.cli import quickstart
    from keras_cgan.cli.enhance import add_enhance_subcommand
    from keras_cgan.cli.export import add_export_subcommand
    from keras_cgan.cli.rollout import add_rollout_subcommand
    from keras_cgan.cli.train import add_sample_subcommand, add_train_subcommand
    from keras_cgan.cli.translate import add_translate_subcommand

    parser = argparse.ArgumentParser(prog="keras-cgan", description="Conditional GANs with Keras.")
    commands = parser.add_subparsers(dest="command", required=True)
    qs = quickstart.build_parser(commands.add_parser("quickstart", help="train a digits cGAN in minutes"))
    qs.set_defaults(func=lambda args: quickstart.run(args) and 0)
    add_train_subcommand(commands)
    add_sample_subcommand(commands)
    add_translate_subcommand(commands)
    add_enhance_subcommand(commands)
    add_rollout_subcommand(commands)
    add_export_subcommand(commands)
    return parser


def main(argv=None):
    """Runs `keras-cgan` with `argv` (default: the command line); returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
