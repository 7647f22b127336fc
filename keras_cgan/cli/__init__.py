"""The `keras-cgan` command line: it sits on top of the library and nothing imports it."""

from keras_cgan.cli.main import build_parser, main
