"""keras-cgan: conditional GANs as Keras models, with exports checked for parity.

The families (`ConditionalGAN`, `StackGAN`, `Pix2Pix`, `SEGAN`,
`NextFrameGAN`) are Keras models that map a condition to a sample: train
with `fit` on `(condition, target)` pairs, generate with `predict`.

Example:

>>> import keras_cgan
>>> sorted(keras_cgan.FAMILIES)
['ConditionalGAN', 'NextFrameGAN', 'Pix2Pix', 'SEGAN', 'StackGAN']
"""

import contextlib as _contextlib
import os as _os
import re as _re
import sys as _sys
import tempfile as _tempfile

from keras_cgan.version import __version__

# Run as the `keras-cgan` command, the package imports TensorFlow only once a command needs it (so
# `keras-cgan --help` is fast; `keras_cgan.cli.main` calls `import_api`), and hides TensorFlow's C++
# log lines (grappler's `remapper failed` and the like) unless TF_CPP_MIN_LOG_LEVEL is set. Under
# `python -m keras_cgan.cli` the package is imported while sys.argv[0] is still "-m": the command
# line it runs is in sys.orig_argv.
_COMMAND_LINE = bool(_sys.argv) and (
    _os.path.basename(_sys.argv[0]) == "keras-cgan"
    or _sys.argv[0].endswith(_os.path.join("keras_cgan", "cli", "__main__.py"))
    or (_sys.argv[0] == "-m" and any(  # `-m keras_cgan.cli`, `-Bm keras_cgan.cli`, `-mkeras_cgan.cli`
        arg == "keras_cgan.cli" or (arg.startswith("-") and arg.endswith("mkeras_cgan.cli")) for arg in _sys.orig_argv
    ))
)


# An absl log line's header, `I0000 00:00:1796632326.386456   11677 port.cc:153] `, and absl's notice
# before the first of them.
_LOG_LINE = _re.compile(r"([IWEF])\d{4} [\d:.]+ +\d+ \S+:\d+\] ")
_ABSL_NOTICE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"


@_contextlib.contextmanager
def _quiet_tensorflow_start():
    """Applies TF_CPP_MIN_LOG_LEVEL to the log lines TensorFlow writes when imported meanwhile (the command line's).

    TensorFlow's C++ start-up lines (`oneDNN custom operations are on`,
    absl's `All log messages before absl::InitializeLog()`) are written
    before its log level applies. With TF_CPP_MIN_LOG_LEVEL set to 1, 2 or
    3, what is written to stderr meanwhile is held back, the log lines below
    that level (1: INFO, 2: also WARNING, 3: also ERROR, each with its
    continuation lines) dropped, and the rest (Python warnings, errors) shown
    at the end; a process TensorFlow aborts meanwhile shows none of it.
    Unset or 0, with TensorFlow already imported, or without a stderr to
    hold, nothing is held back.
    """
    level = _os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0")
    level = int(level) if level.isdigit() else 0
    try:
        if not level or "tensorflow" in _sys.modules or _sys.stderr is None:
            raise OSError("nothing to hold")
        _sys.stderr.flush()
        held = _tempfile.TemporaryFile("w+", errors="replace")
        saved = _os.dup(2)
    except (OSError, ValueError):  # no stderr (pythonw, a closed fd 2) or no temporary folder: as it is
        yield
        return
    with held:
        _os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            _sys.stderr.flush()
            _os.dup2(saved, 2)
            _os.close(saved)
            held.seek(0)
            dropping = False
            for line in held:
                header = _LOG_LINE.match(line)
                if header or line.startswith(_ABSL_NOTICE):
                    dropping = not header or "IWEF".index(header[1]) < level
                elif not line[:1].isspace():  # not an indented continuation line: a Python warning, a message
                    dropping = False
                if not dropping:
                    _sys.stderr.write(line)
            _sys.stderr.flush()


def _import_every_module(*packages):
    """Imports every module of `packages`, as eager `__init__`s would: every serializable class registered."""
    import importlib
    import pkgutil

    for package in packages:
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)


def import_api():
    """Imports the public API into `keras_cgan`, registering every serializable class.

    Done on `import keras_cgan`, so that `keras.saving.load_model` finds the
    library's classes by name; only the command line defers it.
    """
    from keras_cgan import callbacks, conditions, data, export, layers, losses, metrics, models, networks
    from keras_cgan.conditions import ClassCondition, EmbeddingCondition, TagsCondition, TextCondition
    from keras_cgan.models import SEGAN, ConditionalGAN, GANModel, GrowStages, NextFrameGAN, Pix2Pix, StackGAN

    _import_every_module(data, models)  # their `__init__`s import a module when first used
    FAMILIES = {cls.__name__: cls for cls in (ConditionalGAN, StackGAN, Pix2Pix, SEGAN, NextFrameGAN)}
    globals().update({name: value for name, value in locals().items()})


if _COMMAND_LINE:
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
else:
    import_api()
