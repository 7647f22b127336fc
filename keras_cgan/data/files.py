"""The entries of a data folder that hold data (what the system adds beside the user's files is left out), and the
error of a file whose content is at fault."""

import os

# Windows' thumbnail cache and folder settings, the resource forks a Mac zip keeps in `__MACOSX/`.
SYSTEM_NAMES = ("thumbs.db", "desktop.ini", "__macosx")


class FileContentError(ValueError):
    """One data file cannot be used as it is: unreadable, cut short, or of another size, channels or length than
    the rest or its pair. The folder's layout is right (a `ValueError` of a loader that is not one of these is
    about the layout: a missing folder, file or pair); the message names the file.
    """


def entries(folder):
    """The sorted names in `folder`, without hidden entries (`.DS_Store`, `._a.png`, `.ipynb_checkpoints`)
    and the files and folders of `SYSTEM_NAMES`.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> for name in ("b.png", "a.png", ".DS_Store", "._a.png", "Thumbs.db"):
    ...     open(os.path.join(folder, name), "w").close()
    >>> entries(folder)
    ['a.png', 'b.png']
    """
    return sorted(n for n in os.listdir(folder) if not n.startswith(".") and n.lower() not in SYSTEM_NAMES)


class NameClash(ValueError):
    """Two entries of one folder that one name finds (`first`, `second`: their paths); `how` they differ."""

    how = "differ only in case or extension"

    def __init__(self, first, second):
        super().__init__(f"{first} and {second} {self.how}")
        self.first, self.second = first, second


class CaseClash(NameClash):
    """Two entries of one folder whose names differ only in case (`images/` and `Images/`)."""

    how = "differ only in case"


class ExtensionClash(NameClash):
    """Two files of one folder whose names differ in their extension (`0.jpg` and `0.png`, `a.png` and `A.jpg`),
    which a name without its extension finds both."""

    how = "differ in extension"


def clash(first, second):
    """The `NameClash` of two paths one name finds: a `CaseClash` when they differ only in case, else an
    `ExtensionClash`."""
    same = os.path.basename(first).lower() == os.path.basename(second).lower()
    return (CaseClash if same else ExtensionClash)(first, second)


def by_name_any_case(items, name=lambda item: item):
    """`{lower-case name: item}` of `items` by their names `name(item)` read in any case, as a case-insensitive
    file system reads them; the `clash` of the first two items of one name: a `CaseClash` (`a.wav` and `A.wav`),
    or an `ExtensionClash` where `name` leaves the extension out (`a.png` and `a.jpg`)."""
    table = {}
    for item in items:
        key = name(item).lower()
        if key in table:
            raise clash(table[key], item)
        table[key] = item
    return table


def entry_any_case(folder, name, kind):
    """`folder/name` as `folder` spells it in any case (`Images/` for `images`; `kind`: `os.path.isfile` or
    `os.path.isdir`), as a case-insensitive file system finds it; None when there is none. `CaseClash` naming
    the first two when there are several (`images/` and `Images/`, on a case-sensitive file system)."""
    found = (os.path.join(folder, n) for n in entries(folder) if n.lower() == name.lower())
    return next(iter(by_name_any_case(path for path in found if kind(path)).values()), None)
