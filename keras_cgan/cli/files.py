"""Input and output paths of the commands that use a trained model on new files."""

import os

from keras_cgan import checks
from keras_cgan.data.files import entries


def refuse_existing(path, overwrite, label):
    """A `ValueError` (`LABEL: exists; ...`) for an output `path` that exists, unless `overwrite`."""
    checks.refuse_existing(path, overwrite, f"{label}: exists; pass --overwrite to replace it.")


def check_output_folder(path, label):
    """A `ValueError` (`LABEL: ...`) when the folder `path` cannot be made or written in (a file on the way is named)."""
    problem = checks.folder_problem(path)
    if problem:
        raise ValueError(f"{label}: {problem}.")


def check_output_file(path, label, overwrite, what="a file name", folder_made=False):
    """A `ValueError` (`LABEL: ...`) unless a file can be written at `path`.

    Its folder must exist (or, with `folder_made`, be one the writer can make)
    and be writable; `path` must not be a folder (`what` names what to give
    instead) nor, unless `overwrite`, an existing file.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not folder_made and not os.path.isdir(folder):
        raise ValueError(f"{label}: the folder {folder} does not exist.")
    if os.path.isdir(path):
        raise ValueError(f"{label}: a folder; give {what} (a folder is never replaced).")
    check_output_folder(folder, label)
    refuse_existing(path, overwrite, label)


def make_output_folder(path, label):
    """Makes the folder `path` (and its parents) if missing; a `ValueError` (`LABEL: ...`) naming it if it cannot."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:  # e.g. under /proc, which no folder can be made in
        raise ValueError(
            f"{label}: cannot make the output folder {path} ({error.strerror or error}); "
            "give a folder that can be made and written in."
        ) from None


def input_output_pairs(given_input, given_output, extensions, what, output_label, overwrite=False,
                       output_extensions=None, exists_label=""):
    """`[(input path, output path)]` for a file or a folder of files, checked before any model is loaded.

    A folder maps each of its files (those ending in `extensions`) to the same
    name in the output folder; a file maps to the output file, or to its own
    name inside an output folder (one that exists, or a new one given with a
    trailing `/`; the caller makes it with `make_output_folder`). Nothing is
    overwritten unless `overwrite`, and a folder never (an output whose name a
    folder holds is refused, as is an output folder the user may not write in).

    Args:
        given_input, given_output: str. The paths as the user gave them.
        extensions: tuple of str. The input files taken from a folder (lower case).
        what: str. What those files are, for the messages (e.g. "images").
        output_label: str. How messages name the output (e.g. "--output clean/").
        overwrite: bool. Replace output files that exist. Defaults to `False`.
        output_extensions: tuple of str or None. Required ending of a single
            output file name. Defaults to `None` (any).
        exists_label: str. Put before an existing output's path in the message.

    Raises:
        ValueError: naming the path at fault.

    Example:

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp(); _ = open(os.path.join(folder, "a.wav"), "w").close()
    >>> [os.path.basename(o) for _, o in input_output_pairs(folder, folder + "_out", (".wav",), "wav files", "out")]
    ['a.wav']
    """
    source, target = os.path.abspath(given_input), os.path.abspath(given_output)
    if not os.path.exists(source):
        raise ValueError(f"{given_input}: no such file or folder.")
    if os.path.isdir(source):
        names = [n for n in entries(source) if n.lower().endswith(extensions)]
        if not names:
            raise ValueError(f"{given_input}: the folder holds no {what} ({', '.join(extensions)}).")
        if os.path.exists(target) and not os.path.isdir(target):
            raise ValueError(f"{output_label}: a file; the input is a folder, give a folder.")
        if target == source:
            raise ValueError(f"{output_label}: the input folder; give another folder (nothing is overwritten).")
        pairs = [(os.path.join(source, n), os.path.join(target, n)) for n in names]
    else:
        if os.path.isdir(target) or given_output.endswith(("/", os.sep)):
            target = os.path.join(target, os.path.basename(source))
        elif not os.path.isdir(os.path.dirname(target)):
            raise ValueError(f"{output_label}: the folder {os.path.dirname(target)} does not exist.")
        if output_extensions and not target.lower().endswith(output_extensions):
            raise ValueError(f"{output_label}: give a name ending in one of {', '.join(output_extensions)}.")
        if target == source:
            raise ValueError(f"{output_label}: the input file itself; give another name.")
        pairs = [(source, target)]
    check_output_folder(os.path.dirname(pairs[0][1]), output_label)
    for _, out in pairs:
        if os.path.isdir(out):
            raise ValueError(f"{exists_label}{out}: a folder; move it, or choose another output (it is never replaced).")
        refuse_existing(out, overwrite, f"{exists_label}{out}")
    return pairs
