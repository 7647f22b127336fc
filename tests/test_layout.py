"""The package is layered: no module imports from a layer above its own.

Layers, lowest first: the core (argument checks, losses, distribute, version), conditions and
shared layers, data, metrics, export, callbacks, the shared `GANModel` (with its input checks) and
presets machinery, the
family folders, the catalogs (`models`, `networks`, the top-level package),
and the command line on top. Imports inside functions count too.
"""

import ast
import importlib
import os
import pkgutil

import pytest

import keras_cgan

ROOT = os.path.dirname(keras_cgan.__file__)

LAYERS = [  # (module prefix, rank); the longest matching prefix wins
    ("keras_cgan.version", 0), ("keras_cgan.checks", 0), ("keras_cgan.distribute", 0), ("keras_cgan.losses", 0),
    ("keras_cgan.conditions", 1), ("keras_cgan.layers", 1),
    ("keras_cgan.data", 2),
    ("keras_cgan.metrics", 3),
    ("keras_cgan.export", 4),
    ("keras_cgan.callbacks", 5),
    ("keras_cgan.models.gan_model", 6), ("keras_cgan.models.input_checks", 6), ("keras_cgan.models.presets", 6),
    ("keras_cgan.models.", 7),  # the family folders
    ("keras_cgan.models", 8), ("keras_cgan.networks", 8), ("keras_cgan", 9),
    ("keras_cgan.cli", 10),
]
MODULES = {m.name for m in pkgutil.walk_packages(keras_cgan.__path__, "keras_cgan.")} | {"keras_cgan"}


def rank(module):
    def covers(prefix):
        if prefix.endswith("."):  # the family folders: strictly below keras_cgan.models
            return module.startswith(prefix)
        return module == prefix or module.startswith(prefix + ".")

    return max((len(prefix), r) for prefix, r in LAYERS if covers(prefix))[1]


def imported_modules(path, module, is_package):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("keras_cgan"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if not base.startswith("keras_cgan"):
                continue
            for alias in node.names:  # `from pkg import submodule` imports the submodule
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def test_the_check_sees_upward_imports(tmp_path):
    assert rank("keras_cgan.models.segan.streaming") == 7 and rank("keras_cgan.models") == 8
    assert rank("keras_cgan.models.gan_model") == 6 and rank("keras_cgan.cli.recipes.pix2pix") == 10
    path = tmp_path / "fake.py"
    path.write_text("def f():\n    from keras_cgan.models import segan\n    from . import audio\n")
    assert list(imported_modules(str(path), "keras_cgan.data.fake", False)) == [
        "keras_cgan.models.segan", "keras_cgan.data.audio"
    ]
    assert rank("keras_cgan.models.segan") > rank("keras_cgan.data.fake")


def test_no_module_imports_from_a_layer_above_it():
    upward = []
    for info in pkgutil.walk_packages(keras_cgan.__path__, "keras_cgan."):
        spec = info.module_finder.find_spec(info.name.rpartition(".")[2])
        for target in imported_modules(spec.origin, info.name, info.ispkg):
            if rank(target) > rank(info.name):
                upward.append(f"{info.name} (layer {rank(info.name)}) imports {target} (layer {rank(target)})")
    assert not upward, "\n".join(upward)


# Keras hooks documented by Keras itself.
KERAS_HOOKS = {"get_config", "from_config", "build", "call", "compute_output_shape", "train_step", "test_step",
               "predict_step"}


def test_every_public_function_and_class_has_a_docstring():
    import importlib
    import inspect

    missing = []
    for name in sorted(m.name for m in pkgutil.walk_packages(keras_cgan.__path__, "keras_cgan.")):
        if name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        if not (module.__doc__ or "").strip():
            missing.append(f"{name} (module)")
        for attr, obj in vars(module).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != name:
                continue
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and not (obj.__doc__ or "").strip():
                missing.append(f"{name}.{attr}")
            if inspect.isclass(obj):
                missing += [
                    f"{name}.{attr}.{method}" for method, f in vars(obj).items()
                    if inspect.isfunction(f) and not method.startswith("_") and method not in KERAS_HOOKS
                    and not (inspect.getdoc(getattr(obj, method)) or "").strip()
                ]
    assert not missing, "no docstring: " + ", ".join(missing)


def test_every_data_and_metrics_module_is_reached_from_the_package():
    """`keras_cgan.data.audio.paired_dataset(...)` works after `import keras_cgan`, as the docs write it."""
    for package in (keras_cgan.data, keras_cgan.metrics):
        names = [m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")]
        missing = [name for name in names if not hasattr(package, name)]
        assert not missing, f"{package.__name__} does not import {missing}"


LAZY_PACKAGES = sorted(  # each `__init__` imports its modules on first use (lazy_loader)
    info.name for info in pkgutil.walk_packages(keras_cgan.__path__, "keras_cgan.")
    if info.ispkg and "lazy_loader" in open(os.path.join(info.module_finder.path, info.name.rpartition(".")[2],
                                                         "__init__.py"), encoding="utf-8").read()
)


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_a_package_that_imports_on_first_use_lists_every_module(name):
    # dir() and __all__ listed only the modules named in submodules=[...]: segan's networks, emphasis and segan,
    # data's files and image_folder were reachable but missing, as they were not before these imports were deferred.
    package = importlib.import_module(name)
    modules = [m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")]
    missing = [module for module in modules if module not in dir(package) or module not in package.__all__]
    assert not missing, f"{name}: dir() and __all__ lack {missing}"


def test_a_public_name_imports_the_api_on_first_use(monkeypatch):
    # `import keras_cgan` imports no TensorFlow: the families, conditions and FAMILIES come with their first use.
    for name in ("Pix2Pix", "FAMILIES", "distribute"):
        monkeypatch.delattr(keras_cgan, name)  # as after `import keras_cgan`
    assert {"Pix2Pix", "FAMILIES", "data", "distribute"} <= set(dir(keras_cgan))
    assert keras_cgan.distribute.__name__ == "keras_cgan.distribute"  # a module, imported alone
    from keras_cgan import Pix2Pix

    assert keras_cgan.FAMILIES["Pix2Pix"] is Pix2Pix is keras_cgan.models.Pix2Pix
    with pytest.raises(AttributeError, match="module 'keras_cgan' has no attribute 'Pix2Pixx'"):
        keras_cgan.Pix2Pixx


def test_import_star_imports_the_api(monkeypatch):
    # It imported `import_api` and `version` alone once the API was imported on first use.
    for name in ("Pix2Pix", "FAMILIES", "distribute"):
        monkeypatch.delattr(keras_cgan, name)  # as after `import keras_cgan`
    names = {}
    exec("from keras_cgan import *", names)
    assert set(keras_cgan.import_api.__code__.co_varnames) | {"Pix2Pix", "FAMILIES", "distribute"} <= set(names)


def test_keras_finds_a_class_of_the_package_before_the_api_is_imported(monkeypatch):
    # `import keras_cgan` before `keras.models.load_model` registers the classes (README): Keras' lookup of a
    # `keras_cgan>` name imports the API.
    import keras

    from keras_cgan.layers import NearestUpsampling

    config = keras.saving.serialize_keras_object(NearestUpsampling(2))
    registered = keras.saving.get_custom_objects()
    monkeypatch.delitem(registered, config["registered_name"])  # as before the API is imported
    monkeypatch.delattr(keras_cgan, "FAMILIES")
    imports = []
    monkeypatch.setattr(keras_cgan, "import_api",
                        lambda: imports.append(1) or registered.update({config["registered_name"]: NearestUpsampling}))
    assert type(keras.saving.deserialize_keras_object(config)) is NearestUpsampling
    assert imports == [1]


def test_the_registry_hook_leaves_the_other_modules_of_a_shared_loader_alone(tmp_path, monkeypatch):
    # One loader runs every module of a zip or of a PyInstaller bundle: the hook set on it for Keras' registry
    # ran on each module it loaded next, and `import keras` from there failed (AttributeError: no
    # `get_registered_object`).
    import sys
    import zipfile

    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as bundle:
        bundle.writestr("stub_registry.py", "REGISTERED = {}\n\n\ndef get_registered_object(name):\n"
                                            "    return REGISTERED.get(name)\n")
        bundle.writestr("stub_next.py", "")
    monkeypatch.syspath_prepend(str(tmp_path / "bundle.zip"))
    for name in ("stub_registry", "stub_next"):  # absent again after the test
        monkeypatch.setitem(sys.modules, name, None)
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(keras_cgan, "_REGISTRY", "stub_registry")
    monkeypatch.setattr(sys, "meta_path", [keras_cgan._HookRegistryOnImport(), *sys.meta_path])
    import stub_registry
    import stub_next  # was: the AttributeError

    assert stub_next.__spec__.loader is stub_registry.__spec__.loader  # one loader
    monkeypatch.delattr(keras_cgan, "FAMILIES", raising=False)  # as before the API is imported
    monkeypatch.setattr(keras_cgan, "import_api", lambda: stub_registry.REGISTERED.update({"keras_cgan>Stub": int}))
    assert stub_registry.get_registered_object("keras_cgan>Stub") is int
