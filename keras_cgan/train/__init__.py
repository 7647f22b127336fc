"""`keras-cgan train`: one registry entry per family, the run folder, the commands.

Each family module registers a `Family` (how to load its data, build its
default model and write samples). Adding a family is one module that calls
`register(Family(...))` and one import line below.

Example:

>>> from keras_cgan import train
>>> sorted(train.FAMILIES)
['cgan', 'nextframe', 'pix2pix', 'segan', 'stackgan']
"""

from keras_cgan.train.spec import FAMILIES, Data, Family, get, register

# Each import registers one family.
from keras_cgan.train import cgan, nextframe, pix2pix, segan, stackgan  # noqa: E402,F401  isort: skip
