"""Data loaders: a tags row whose tags cell is empty."""

import numpy as np
import pytest
from PIL import Image

from keras_cgan.data import tags


def _faces(tmp_path, rows):
    folder = tmp_path / "faces"
    folder.mkdir(exist_ok=True)
    for i in range(len(rows)):
        Image.fromarray(np.full((4, 4, 3), 200, "uint8")).save(folder / f"{i}.png")
    path = tmp_path / "tags.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(folder), str(path)


def test_an_empty_tags_cell_before_more_cells_is_named_not_read_as_tags(tmp_path):
    folder, path = _faces(tmp_path, ["0,blue hair red eyes", "1,,note"])
    with pytest.raises(ValueError, match=r"tags\.csv, line 2: the tags cell of image '1' is empty but the row goes "
                                         r"on \(',note'\).*second cell"):
        tags.read(folder, path, image_size=4)  # was: the tag "note"
    folder, path = _faces(tmp_path, ["0,blue hair red eyes", '1,",",'])
    with pytest.raises(ValueError, match=r"line 2: image '1' has no tags"):  # separators only: no tags, as before
        tags.read(folder, path, image_size=4)
    # Commas between tags separate them, an empty piece between two tags included.
    folder, path = _faces(tmp_path, ["0,blue hair,red eyes", "1,blue hair,,red eyes"])
    _, tag_lists, vocabulary = tags.read(folder, path, image_size=4)
    assert tag_lists == [["blue hair", "red eyes"]] * 2 and vocabulary == ["blue hair", "red eyes"]
