"""A package's names imported when first used (PEP 562), so that importing the package imports no submodule.

`keras-cgan train FAMILY --help` reads a family's `defaults` (and the data's
`layouts`) through packages whose other modules import TensorFlow.

Example:

>>> __getattr__, __dir__, __all__ = attach("keras_cgan.data", {"FileContentError": "files"})
>>> __getattr__("FileContentError").__module__
'keras_cgan.data.files'
"""

import importlib
import importlib.util
import pkgutil
import sys


def attach(package, names):
    """`(__getattr__, __dir__, __all__)` for the `__init__` of `package`.

    Args:
        package: str. The package's `__name__`.
        names: dict. Each name the package exports -> the submodule (relative
            to `package`) that defines it. Every submodule is an attribute
            too, imported when first used.
    """

    def __getattr__(name):
        if name in names:
            value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}") is not None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)  # found at once next time
        return value

    def __dir__():
        submodules = {m.name for m in pkgutil.iter_modules(sys.modules[package].__path__)}
        return sorted(set(vars(sys.modules[package])) | set(names) | submodules)

    return __getattr__, __dir__, list(names)


def load(*packages):
    """Imports every module of `packages` (names), as eager `__init__`s would: every serializable class registered."""
    for package in packages:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            importlib.import_module(info.name)
