"""Checks shared by the metrics modules."""

import numpy as np


def unit_range(values, name, dtype="float64"):
    """`values` as a `dtype` array; a `ValueError` naming `name` when they are not on the `[-1, 1]` scale.

    Values beyond `[-1.5, 1.5]` are 8-bit (or `[0, 255]`) data read as
    `[-1, 1]`: every pixel would be near full, every accuracy near 0.

    >>> unit_range([0, 255], "images")
    Traceback (most recent call last):
    ...
    ValueError: `images` must be in [-1, 1]. Received values from 0 to 255 (8-bit images: pass x / 127.5 - 1).
    """
    values = np.asarray(values, dtype)
    if values.size and (values.min() < -1.5 or values.max() > 1.5):
        raise ValueError(
            f"`{name}` must be in [-1, 1]. Received values from {values.min():g} to {values.max():g} "
            "(8-bit images: pass x / 127.5 - 1)."
        )
    return values
