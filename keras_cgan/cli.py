"""The `keras-cgan` command."""

import argparse
import sys


def main(argv=None):
    from keras_cgan import quickstart

    parser = argparse.ArgumentParser(prog="keras-cgan", description="Conditional GANs with Keras.")
    commands = parser.add_subparsers(dest="command", required=True)
    quickstart.build_parser(commands.add_parser("quickstart", help="train a digits cGAN in minutes"))
    args = parser.parse_args(argv)
    if args.command == "quickstart":
        quickstart.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
