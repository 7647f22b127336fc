"""The entries of a data folder that hold data: what the system adds beside the user's files is left out."""

import os

# Windows' thumbnail cache and folder settings, the resource forks a Mac zip keeps in `__MACOSX/`.
SYSTEM_NAMES = ("thumbs.db", "desktop.ini", "__macosx")


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
