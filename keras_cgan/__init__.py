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
import functools as _functools
import importlib as _importlib
import os as _os
import re as _re
import sys as _sys
import tempfile as _tempfile

from keras_cgan.version import __version__

# `import keras_cgan` imports no TensorFlow: the public API is imported on first use of one of its names
# (`keras_cgan.Pix2Pix`, `from keras_cgan import FAMILIES`), and when Keras looks up a `keras_cgan>` class
# (`keras.models.load_model`), so that `python examples/pix2pix.py --help` answers at once.
_API = ("ClassCondition", "EmbeddingCondition", "TagsCondition", "TextCondition", "SEGAN", "ConditionalGAN",
        "GANModel", "GrowStages", "NextFrameGAN", "Pix2Pix", "StackGAN", "FAMILIES")
_SUBMODULES = ("callbacks", "checks", "conditions", "data", "distribute", "export", "layers", "losses", "metrics", "models",
               "networks")
__all__ = [*_API, *_SUBMODULES, "import_api"]  # `from keras_cgan import *` imports the API too

# Run as the `keras-cgan` command, the package hides TensorFlow's C++ log lines (grappler's `remapper failed` and
# the like) unless TF_CPP_MIN_LOG_LEVEL is set: `keras_cgan.cli.main` imports the API under `_quiet_tensorflow_start`.
# Under `python -m keras_cgan.cli` the package is imported while sys.argv[0] is still "-m": the command line it runs
# is in sys.orig_argv.
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

    Done on first use of a public name of `keras_cgan` and when Keras looks
    up a `keras_cgan>` class by name (`keras.saving.load_model`);
    `keras_cgan.cli.main` calls it before a command runs.
    """
    from keras_cgan import callbacks, conditions, data, export, layers, losses, metrics, models, networks
    from keras_cgan.conditions import ClassCondition, EmbeddingCondition, TagsCondition, TextCondition
    from keras_cgan.models import SEGAN, ConditionalGAN, GANModel, GrowStages, NextFrameGAN, Pix2Pix, StackGAN

    _import_every_module(data, models)  # their `__init__`s import a module when first used
    FAMILIES = {cls.__name__: cls for cls in (ConditionalGAN, StackGAN, Pix2Pix, SEGAN, NextFrameGAN)}
    globals().update({name: value for name, value in locals().items()})


def __getattr__(name):
    if name in _SUBMODULES:  # `keras_cgan.data.audio`: that module alone (its classes register as it imports)
        return _importlib.import_module(f"{__name__}.{name}")
    if name in _API:
        import_api()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_API, *_SUBMODULES})


_REGISTRY = "keras.src.saving.object_registration"  # where Keras looks up a class by its registered name


def _hook_registry(registry):
    """Makes `registry.get_registered_object` import the API before it answers None for a `keras_cgan>` name."""
    lookup = registry.get_registered_object
    if getattr(lookup, "_imports_keras_cgan", False):
        return

    @_functools.wraps(lookup)
    def get_registered_object(name, *args, **kwargs):
        found = lookup(name, *args, **kwargs)
        if found is None and isinstance(name, str) and name.startswith("keras_cgan>") and "FAMILIES" not in globals():
            import_api()
            found = lookup(name, *args, **kwargs)
        return found

    get_registered_object._imports_keras_cgan = True
    registry.get_registered_object = get_registered_object


class _HookRegistryOnImport:
    """A `sys.meta_path` finder that hooks Keras' registry (`_hook_registry`) once Keras imports it."""

    def find_spec(self, name, path=None, target=None):
        if name != _REGISTRY or self not in _sys.meta_path:
            return None
        _sys.meta_path.remove(self)  # once: the finders after it find the module
        for finder in _sys.meta_path:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            exec_module = spec.loader.exec_module

            def exec_and_hook(module):
                exec_module(module)
                if module.__name__ == _REGISTRY:  # one loader may run many modules (a zip's, a bundle's)
                    _hook_registry(module)

            spec.loader.exec_module = exec_and_hook
        return spec


if _REGISTRY in _sys.modules:
    _hook_registry(_sys.modules[_REGISTRY])
elif not any(isinstance(finder, _HookRegistryOnImport) for finder in _sys.meta_path):
    _sys.meta_path.insert(0, _HookRegistryOnImport())
if _COMMAND_LINE:
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
