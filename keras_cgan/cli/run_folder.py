"""The run folder `keras-cgan train` writes, and its `config.json`.

    <run>/config.json      family, model options, compile config, data args, train args
    <run>/backup/          BackupAndRestore state (weights, optimizers, epoch) for --resume
    <run>/preview.npz      the fixed conditions (and targets) samples are drawn for
    <run>/history.csv      losses per epoch
    <run>/logs/            TensorBoard event files: losses and samples per epoch
    <run>/gan.keras        the whole GAN after the last epoch (G, D, optimizers)
    <run>/generator.keras  the generator alone, for export and serving
    <run>/samples.png      (samples.wav for segan) written at the end of training
    <run>/diagnostics.txt  only when training went wrong: one line per failure
                           CollapseMonitor saw (NaN, constant or saturated
                           output, a discriminator winning outright), kind first
    <run>/data_files.json  with --data: the name and size of every file of the
                           data folder the family's loader reads (its images,
                           videos, wavs or tags.csv: `Family.data_endings`),
                           which --resume compares with its --data

`sample --run` and `export --run` read nothing else. The sections `family`,
`model`, `compile` and `data` describe the model and what it learns from: a
`--resume` whose command line changes any of them is refused. `train`
(epochs, strategy) may change between runs: more epochs continue a run.

Example:

>>> from keras_cgan.cli import run_folder
>>> run_folder.differences({"model": {"size": 8}}, {"model": {"size": 16}})
['model.size: 8 in the run folder, 16 now']
"""

import json
import os
import zipfile

import numpy as np

from keras_cgan.data.files import entries
from keras_cgan.export import files

CONFIG = "config.json"
BACKUP = "backup"
PREVIEW = "preview.npz"
HISTORY = "history.csv"
LOGS = "logs"
GAN = "gan.keras"
GENERATOR = "generator.keras"
DIAGNOSTICS = "diagnostics.txt"
DATA_FILES = "data_files.json"
FIXED_SECTIONS = ("family", "model", "compile", "data")
FORMAT_VERSION = 1


def path(run, name):
    """The path of the run folder's file `name`."""
    return os.path.join(run, name)


def read_config(run, flag="--run"):
    """The `config.json` of run folder `run`; `ValueError` naming the folder (as `flag`) if it is not one.

    A folder, or its `config.json`, that cannot be read is named as such
    (`export.files.unreadable`), not as a folder that is no run.
    """
    if os.path.isfile(run):
        folder = os.path.dirname(os.path.abspath(run))
        in_a_run = os.path.isfile(path(folder, CONFIG))
        hint = f"its folder: {flag} {folder}" if in_a_run else "the --out folder of `keras-cgan train`"
        raise ValueError(f"{flag} {run}: a file, not a run folder; give {hint}.")
    if not os.path.isdir(run):
        raise ValueError(f"{flag} {run}: no such folder.")
    files.check_readable(run, f"{flag} {run}")  # one that cannot be listed would seem to have no config.json
    file = path(run, CONFIG)
    if not os.path.isfile(file):
        if os.path.isfile(path(run, "result.json")) and os.path.isfile(path(run, GENERATOR)):
            raise ValueError(
                f"{flag} {run}: a `keras-cgan quickstart` folder, not a run folder of `keras-cgan train`; "
                f"give its generator to the export commands: `keras-cgan export onnx {path(run, GENERATOR)} "
                "-o generator.onnx`."
            )
        raise ValueError(f"{flag} {run}: not a keras-cgan run folder (no {CONFIG}; made by `keras-cgan train`).")
    try:
        with open(file, encoding="utf-8") as f:
            config = json.load(f)
    except PermissionError:
        raise files.unreadable(f"{flag} {run}: {CONFIG}", False) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{file}: not valid JSON ({error}).") from None
    if not isinstance(config, dict):
        raise ValueError(f"{file}: expected a JSON object ({{...}}), found {json.dumps(config)[:60]}.")
    for key in FIXED_SECTIONS:
        if key not in config:
            raise ValueError(f"{file}: the `{key}` entry is missing.")
    for key, kind in (("family", str), ("model", dict), ("compile", dict), ("data", dict), ("train", dict)):
        if key in config and not isinstance(config[key], kind):
            expected = "a family name" if kind is str else "an object"
            raise ValueError(f"{file}: the `{key}` entry must be {expected}, found {json.dumps(config[key])[:60]}.")
    from keras_cgan.cli.recipes import FAMILIES  # here: the family modules import TensorFlow

    if config["family"] not in FAMILIES:
        raise ValueError(
            f"{file}: the `family` entry {config['family']!r} is not a keras-cgan family; expected one of "
            f"{', '.join(sorted(FAMILIES))} (was the file edited, or written by another version?)."
        )
    return config


def check_keras_file(file, label, hint=""):
    """A `ValueError` (`LABEL: ...`, then `hint`) when `file` is not a `.keras` archive Keras can open.

    Keras' own error for a cut short or foreign file says the file is not
    found; one that cannot be read is named as such (`export.files.unreadable`).
    """
    try:
        with open(file, "rb") as f:
            archive = zipfile.is_zipfile(f)
    except PermissionError:
        raise files.unreadable(label, False) from None
    if not archive:
        raise ValueError(
            f"{label}: not a readable .keras file (Keras saves a zip archive; this one is cut short, empty or another "
            f"kind of file).{hint}"
        )


def write_config(run, config):
    """Writes `config.json` atomically (a temporary file moved into place)."""
    os.makedirs(run, exist_ok=True)
    tmp = path(run, CONFIG + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    os.replace(tmp, path(run, CONFIG))  # a kill never leaves half a config


def plain(value):
    """`value` as JSON would give it back (tuples -> lists, numpy scalars -> Python)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


def without_names(config):
    """Drops the `name` entries Keras uniquifies (`adam`, `adam_1`) from a compile config."""
    if isinstance(config, dict):
        return {k: without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [without_names(v) for v in config]
    return config


def _flatten(value, prefix):
    if isinstance(value, dict) and value:
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def differences(saved, new, sections=FIXED_SECTIONS):
    """Dotted keys whose values differ between two configs, with both values."""
    out = []
    for section in sections:
        if section not in saved and section not in new:
            continue
        a, b = _flatten(plain(saved.get(section)), section), _flatten(plain(new.get(section)), section)
        for key in sorted(set(a) | set(b)):
            if a.get(key, "<absent>") != b.get(key, "<absent>"):
                out.append(f"{key}: {a.get(key, '<absent>')!r} in the run folder, {b.get(key, '<absent>')!r} now")
    return out


def write_preview(run, conditions, targets):
    """Saves the fixed preview conditions (and targets) that `sample` reuses."""
    arrays = {"conditions": np.asarray(conditions)}
    if targets is not None:
        arrays["targets"] = np.asarray(targets)
    np.savez(path(run, PREVIEW), **arrays)


def read_preview(run, count=None):
    """`(conditions, targets or None)`, tiled or cut to `count` rows."""
    file = path(run, PREVIEW)
    if not os.path.isfile(file):
        raise ValueError(f"--run {run}: {PREVIEW} is missing (the run wrote it before training).")
    try:
        with np.load(file) as data:
            conditions = data["conditions"]
            targets = data["targets"] if "targets" in data.files else None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # NumPy's words would speak of pickles
        raise ValueError(
            f"--run {run}: {PREVIEW} cannot be read: not the NumPy archive with `conditions` that "
            "`keras-cgan train` writes (cut short or replaced)."
        ) from None
    if count is not None:
        if count < 1:
            raise ValueError(f"-n must be >= 1. Received: {count}")
        take = np.arange(count) % len(conditions)
        conditions = conditions[take]
        targets = None if targets is None else targets[take]
    return conditions, targets


def free_name(run, stem, extension):
    """`<run>/<stem>-<k><extension>` for the first `k` not taken, so nothing is overwritten."""
    k = 1
    while os.path.exists(path(run, f"{stem}-{k}{extension}")):
        k += 1
    return path(run, f"{stem}-{k}{extension}")


def data_files(folder, exclude=None, endings=None):
    """`{path under folder: size in bytes}` of the data files in `folder` and its subfolders: a cheap fingerprint.

    Names and sizes only, no content is read. What `files.entries` leaves
    out (hidden and system files, as the loaders do) is left out, and so are
    files whose name does not end (in any case) with one of `endings` (a
    tuple: the files a loader reads; None keeps every file), the folder
    `exclude` (the run folder, when it lies in the data folder) and entries
    that cannot be read (`lost+found`); linked folders are followed once.
    """
    import stat

    listing, seen = {}, set()
    if exclude is not None:
        seen.add(os.path.realpath(exclude))

    def walk(where, prefix):
        real = os.path.realpath(where)
        if real in seen:  # a link back up the tree, or the excluded folder
            return
        seen.add(real)
        try:
            names = entries(where)
        except OSError:  # no permission to list it
            return
        for name in names:
            try:
                status = os.stat(os.path.join(where, name))
            except OSError:  # a broken link, or gone since it was listed
                continue
            if stat.S_ISDIR(status.st_mode):
                walk(os.path.join(where, name), prefix + name + "/")
            elif stat.S_ISREG(status.st_mode) and (endings is None or name.lower().endswith(endings)):
                listing[prefix + name] = status.st_size

    walk(folder, "")
    return listing


def write_data_files(run, listing):
    """Writes `data_files(...)` of the run's data folder to `<run>/data_files.json` (atomically)."""
    tmp = path(run, DATA_FILES + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"files": listing}, f, indent=0, sort_keys=True)
    os.replace(tmp, path(run, DATA_FILES))


def read_data_files(run):
    """The `data_files` the run recorded, or None (a run from before they were recorded, or an unreadable file)."""
    try:
        with open(path(run, DATA_FILES), encoding="utf-8") as f:
            listing = json.load(f)["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return listing if isinstance(listing, dict) else None


def data_files_differences(then, now, shown=3):
    """What differs between two `data_files` listings, in words (`shown` names of each kind), or None when equal.

    Example:

    >>> data_files_differences({"a.png": 10, "b.png": 20}, {"a.png": 10, "b.png": 21, "c.png": 5})
    '1 file only now (c.png); 1 of another size (b.png: 20 bytes then, 21 now)'
    """
    def names(keys):
        keys = sorted(keys)
        return ", ".join(keys[:shown]) + (f", and {len(keys) - shown} more" if len(keys) > shown else "")

    gone, new = set(then) - set(now), set(now) - set(then)
    resized = sorted(k for k in set(then) & set(now) if then[k] != now[k])
    parts = []
    if gone:
        parts.append(f"{len(gone)} file{'s' * (len(gone) > 1)} only then ({names(gone)})")
    if new:
        parts.append(f"{len(new)} file{'s' * (len(new) > 1)} only now ({names(new)})")
    if resized:
        sizes = [f"{k}: {then[k]} bytes then, {now[k]} now" for k in resized[:shown]]
        more = f", and {len(resized) - shown} more" if len(resized) > shown else ""
        parts.append(f"{len(resized)} of another size ({', '.join(sizes)}{more})")
    return "; ".join(parts) or None
