"""Every `>>>` example in the library's docstrings runs and prints what it shows."""

import doctest
import importlib
import pkgutil
import tempfile

import pytest

import keras_cgan

MODULES = ["keras_cgan"] + sorted(  # walk_packages yields the modules below the package, not the package itself
    m.name for m in pkgutil.walk_packages(keras_cgan.__path__, "keras_cgan.") if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here,
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # in `tempfile.mkdtemp()` folders too
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False, report=True)
    assert result.attempted or name != "keras_cgan", "the package docstring's example was not found"
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed in {name}"
