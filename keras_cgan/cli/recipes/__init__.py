"""`keras-cgan train`: one registry entry per family, the run folder, the commands.

Each family module registers a `Family` (how to load its data, build its
default model and write samples). Adding a family is one module that calls
`register(Family(...))` and one import line below.

Example:

>>> from keras_cgan.cli import recipes as train
>>> sorted(train.FAMILIES)
['conditional_gan', 'next_frame_gan', 'pix2pix', 'segan', 'stack_gan']
"""

from keras_cgan.cli.recipes.spec import FAMILIES, Data, Family, get, register

# Each import registers one family.
from keras_cgan.cli.recipes import conditional_gan, next_frame_gan, pix2pix, segan, stack_gan  # noqa: E402,F401  isort: skip
