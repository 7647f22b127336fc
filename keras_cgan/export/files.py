"""Where exports are written: targets checked before converting, and atomic writes (whole, or not at all).

Also which format a model path holds (`model_format`): a folder holding `saved_model.pb` is a SavedModel, a
file is told by its ending, and by its content where the two disagree.

Example:

>>> import os, tempfile
>>> from keras_cgan.export.files import atomic_target
>>> target = os.path.join(tempfile.mkdtemp(), "model.bin")
>>> with atomic_target(target) as tmp:
...     _ = open(tmp, "wb").write(b"ok")
>>> open(target, "rb").read()
b'ok'
"""

import contextlib
import os
import secrets
import shutil
import zipfile

from keras_cgan import checks

# A model file's format by its ending: Keras reads `.keras` and `.h5` in lower case only, the export
# runtimes read `.onnx` and `.tflite` in any case (`G.ONNX` too).
ENDINGS = {".keras": "keras", ".h5": "keras", ".onnx": "onnx", ".tflite": "tflite"}
_KINDS = {"keras": ("a Keras model", ".keras"), "saved_model": ("a SavedModel", ""),
          "onnx": ("an ONNX model", ".onnx"), "tflite": ("a TFLite model", ".tflite")}


def is_path(value):
    """Whether `value` is a path as Python's file functions take one: a str, bytes or `os.PathLike`."""
    return isinstance(value, (str, bytes, os.PathLike))


def check_writable(folder, what="path", given=None):
    """Raises `ValueError` naming `what` unless `folder` is, or can be made as, a folder this process can write in."""
    problem = checks.folder_problem(folder)
    if problem:
        given = folder if given is None else given
        raise ValueError(f"`{what}`: {problem}; give a path in a folder you can write to. Received: {what}={given!r}")


def check_file_target(path, what="path"):
    """`path`, where a file is to be written, as a str; a `ValueError` naming `what` if it cannot be written there.

    Not a path, an existing folder, below a file, in a folder that cannot be written to.
    """
    path = checks.path(what, path)
    if os.path.isdir(path):
        raise ValueError(f"`{what}` is a folder; give the path of the file to write in it. Received: {what}={path!r}")
    check_writable(os.path.dirname(os.path.abspath(path)), what, given=path)
    return path


def refuse_existing(path, overwrite, what="path"):
    """A `ValueError` naming `what` when `path` exists and `overwrite` is not set (`checks.refuse_existing`)."""
    message = f"`{what}`: {path!r} exists; pass `overwrite=True` to replace it, or give another path."
    checks.refuse_existing(path, overwrite, message)


def file_target(path, ending, overwrite):
    """`path`, where an export file ending in `ending` is to be written, as an absolute str; checked before converting.

    A `ValueError` names it when `check_file_target` refuses it, when it does
    not end with `ending` (in any case: `G.ONNX` too), or when it exists and
    `overwrite` is not set.
    """
    path = check_file_target(path)
    if not path.lower().endswith(ending):
        raise ValueError(f"`path` must end with `{ending}`. Received: {path!r}")
    refuse_existing(path, overwrite)
    return os.path.abspath(path)


def saved_model_folder(path):
    """`path` if it holds `saved_model.pb`, else its highest numbered version folder that does; None if neither."""
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    versions = [
        int(name)
        for name in (os.listdir(path) if os.path.isdir(path) else [])
        if name.isdigit() and os.path.isfile(os.path.join(path, name, "saved_model.pb"))
    ]
    return os.path.join(path, str(max(versions))) if versions else None


def held_format(path):
    """The format the file or folder at `path` holds, told by its content; None when it tells none.

    `"saved_model"` (a folder, `saved_model_folder`), `"tflite"` (a file
    with the TFLite identifier) or `"keras"` (a `.keras` archive); ONNX
    files and anything else: None. Only a regular file is opened (a pipe
    would wait for a writer); a `PermissionError` is raised as it comes.
    """
    if os.path.isdir(path):
        return "saved_model" if saved_model_folder(path) else None
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as f:
            if f.read(8)[4:] == b"TFL3":  # the FlatBuffers file identifier of a TFLite model
                return "tflite"
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                if {"config.json", "metadata.json"} <= set(archive.namelist()):
                    return "keras"
    except PermissionError:
        raise
    except (OSError, zipfile.BadZipFile):  # gone meanwhile, cut short: the loader names it
        pass
    return None


def check_readable(path, label):
    """A `ValueError` naming `label` when what is at `path` cannot be read as a model; nothing is opened.

    Neither a file nor a folder (a pipe or a device: reading it could wait
    forever), or a file or folder this process has no permission to read.
    """
    if not os.path.exists(path):
        return
    folder = os.path.isdir(path)
    if not (folder or os.path.isfile(path)):
        raise ValueError(f"{label}: neither a file nor a folder (a pipe, a socket or a device); give the model's "
                         "file or folder.")
    if not os.access(path, os.R_OK | (os.X_OK if folder else 0)):
        raise unreadable(label, folder)


def unreadable(label, folder):
    """The `ValueError` for a file (or `folder`) named by `label` that this process has no permission to read."""
    what, mode = ("folder", "u+rx") if folder else ("file", "u+r")
    return ValueError(f"{label}: no permission to read this {what}; make it readable (chmod {mode}) or give a "
                      "copy you can read.")


def model_format(path, label=None, wanted=None):
    """The format of the model at `path`: `"keras"`, `"saved_model"`, `"onnx"`, `"tflite"`, or None.

    A folder is a SavedModel whatever its name; a file (or a path that does
    not exist) is what its ending says (`ENDINGS`), None for another ending.
    `path` is a str, bytes or `os.PathLike`. A `ValueError` names `label`
    (default: the path) and says what to do when the name and the content
    disagree (a TFLite model or a Keras archive under another ending, a
    folder named as a file holding no SavedModel), for a Keras ending in
    upper case, which Keras does not read, and where `check_readable`
    refuses it (a pipe, a file or folder that cannot be read).

    `wanted`: the formats the caller takes (default: all). A file holding
    or named as a format not among them is not told to be renamed, nor a
    folder to be given as that file: its format is returned, for the caller
    to say what it expected instead.
    """
    path = checks.path("path", path)
    label = repr(path) if label is None else label
    wanted = ENDINGS.values() if wanted is None else wanted
    stem, ending = os.path.splitext(path)
    named = ENDINGS.get(ending.lower())
    check_readable(path, label)
    folder = os.path.isdir(path)
    try:
        held = held_format(path)
    except PermissionError:  # where `os.access` says yes and the system no (root, ACLs)
        raise unreadable(label, folder) from None
    if folder:
        if named in wanted and "saved_model" in wanted and not held:  # else the caller says what it takes
            raise ValueError(named_folder(label, ending))
        return "saved_model"
    if held and held != named:
        if held not in wanted:
            return held
        was = f", not {_KINDS[named][0]}," if named else ""
        right = _KINDS[held][1]
        renamed = (stem[: -len(right)] if stem.lower().endswith(right) else stem) + right  # `g.KERAS.bak`: `g.keras`
        raise ValueError(f"{label}: holds {_KINDS[held][0]}{was} by its content; rename it to {renamed!r}.")
    if named == "keras" and ending != ending.lower() and "keras" in wanted:
        raise ValueError(f"{label}: Keras reads model files ending in lower case only; rename it to "
                         f"{stem + ending.lower()!r}.")
    return named


def named_folder(label, ending):
    """The message for a folder (named by `label`) whose name ends as a model file (`ending`) but holds no SavedModel."""
    return (f"{label}: a folder named as {_KINDS[ENDINGS[ending.lower()]][0]} file, holding no SavedModel "
            f"(saved_model.pb); give the {ending} file, or a SavedModel folder.")


def describe(kind):
    """`kind` (a `model_format` result) in words: `"a TFLite model"`."""
    return _KINDS[kind][0]


def _outermost_missing(folder):
    """The outermost folder of `folder`'s path that does not exist, or None if `folder` exists."""
    if os.path.isdir(folder):
        return None
    while not os.path.isdir(os.path.dirname(folder)):
        folder = os.path.dirname(folder)
    return folder


def _remove_empty(folder, top):
    """Removes `folder` and its parents up to `top` while they are empty (or not made yet)."""
    while True:
        try:
            os.rmdir(folder)
        except FileNotFoundError:  # a Ctrl-C stopped `os.makedirs` above it
            pass
        except OSError:
            return
        if folder == top:
            return
        folder = os.path.dirname(folder)


def _remove_work(workdir):
    """Removes `atomic_target`'s work folder; a Ctrl-C meanwhile names what is left of it."""
    try:
        shutil.rmtree(workdir, ignore_errors=True)
    except KeyboardInterrupt as interrupt:
        if not os.path.lexists(workdir):
            raise
        raise KeyboardInterrupt(f"{workdir!r}, temporary files of the export, is left over; delete it.") from interrupt


@contextlib.contextmanager
def atomic_target(path, overwrite=True, folder=False):
    """Yields a temporary path beside `path`; moves it to `path` on success.

    The temporary path lives in the same folder (so the final move is a
    rename on one file system); a folder replaced is set aside until the new
    one is in place. If the block or the move raises, the temporary file or
    folder is removed, `path` is left as it was, and so are the folders
    above it (those made for it are removed); a folder set aside that
    cannot be put back is kept where it is, named in an `OSError` (a
    `KeyboardInterrupt` for a Ctrl-C). A Ctrl-C once the new export is in
    place leaves it there and says so; one while the temporary files are
    removed names what is left of them.

    Args:
        path: str. The final file or folder.
        overwrite: bool. Replace an existing `path`. Defaults to `True`.
        folder: bool. `path` is a folder (a file is never replaced by a
            folder, nor a folder by a file). Defaults to `False`.
    """
    path = os.path.abspath(os.fspath(path))
    checks.refuse_existing(path, overwrite, f"Export target already exists: {path!r}")
    if os.path.exists(path) and os.path.isdir(path) != folder:
        raise ValueError(f"Export target {path!r} is a {'file' if folder else 'folder'}; expected a "
                         f"{'folder' if folder else 'file'}.")
    parent = os.path.dirname(path)
    made = _outermost_missing(parent)
    workdir = tmp = aside = None
    moving = placed = False  # moving: the block is done, what is at `tmp` goes to `path`
    try:
        os.makedirs(parent, exist_ok=True)
        workdir = os.path.join(parent, f".{os.path.basename(path)}.{secrets.token_hex(8)}")  # known as it is made
        try:
            os.mkdir(workdir, 0o700)
        except FileExistsError:  # not this one's to remove
            workdir = None
            raise
        tmp = os.path.join(workdir, os.path.basename(path))
        aside = tmp + ".replaced"  # the folder replaced, until the new one is in place
        yield tmp
        if not os.path.exists(tmp):
            raise RuntimeError(f"Nothing was written to the temporary path {tmp!r}")
        moving = True
        if folder and os.path.lexists(path):  # a rename replaces a file, not a folder
            os.replace(path, aside)
        os.replace(tmp, path)
        placed = True
    except BaseException as error:  # a Ctrl-C too
        placed = moving and not os.path.lexists(tmp)
        if placed:  # the rename into place returned as the signal came
            if isinstance(error, KeyboardInterrupt):
                raise KeyboardInterrupt(f"the export was in place at {path!r} already") from error
            raise
        if aside and os.path.lexists(aside) and not os.path.lexists(path):
            with contextlib.suppress(OSError):
                os.replace(aside, path)
        if aside and os.path.lexists(aside):  # not put back: kept, with the work folder that holds it
            workdir = None
            message = (f"Export to {path!r} stopped ({type(error).__name__}: {error}); the folder that was there "
                       f"is kept at {aside!r}.")
            raise (KeyboardInterrupt if isinstance(error, KeyboardInterrupt) else OSError)(message) from error
        raise
    finally:
        if workdir:  # with the folder replaced, once the new one is in place
            _remove_work(workdir)
        if made and not placed:
            _remove_empty(parent, made)


def size_bytes(path):
    """Size of a file, or of every file under a folder."""
    if os.path.isdir(path):
        return sum(
            os.path.getsize(os.path.join(root, name))
            for root, _, names in os.walk(path)
            for name in names
        )
    return os.path.getsize(path)
