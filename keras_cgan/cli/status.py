"""Bad input becomes one `error:` line and exit status 2, the same way for every command."""

import argparse
import functools
import sys


def errors_to_status(errors=(ValueError,), command=None):
    """Decorates `run(args)`: an exception of `errors` prints `keras-cgan COMMAND: error: ...` and returns 2.

    Args:
        errors: tuple of exception classes that mean bad input. Defaults to `(ValueError,)`.
        command: str or None. The command named in the message; `None` takes `args.command`.

    Example:

    >>> import argparse
    >>> @errors_to_status(command="demo")
    ... def run(args):
    ...     raise ValueError("--x: bad")
    >>> run(argparse.Namespace())
    2
    """

    def decorate(function):
        @functools.wraps(function)
        def run(args):
            try:
                return function(args)
            except errors as error:
                print(f"keras-cgan {command or args.command}: error: {error}", file=sys.stderr)
                return 2

        return run

    return decorate


def seed(text):
    """`argparse` type of `--seed`: an int from 0 to 2**32 - 1, the seeds Keras and NumPy take.

    >>> seed("7")
    7
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected an int from 0 to 2**32 - 1, received {text!r}")
    return value
