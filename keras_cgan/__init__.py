"""keras-cgan: conditional GANs as Keras models, with exports checked for parity.

The families (`ConditionalGAN`, `StackGAN`, `Pix2Pix`, `SEGAN`,
`NextFrameGAN`) are Keras models that map a condition to a sample: train
with `fit` on `(condition, target)` pairs, generate with `predict`.

Example:

>>> import keras_cgan
>>> sorted(keras_cgan.FAMILIES)
['ConditionalGAN', 'NextFrameGAN', 'Pix2Pix', 'SEGAN', 'StackGAN']
"""

import os as _os
import sys as _sys

from keras_cgan.version import __version__

# Run as the `keras-cgan` command, the package imports TensorFlow only once a command needs it (so
# `keras-cgan --help` is fast; `keras_cgan.cli.main` calls `import_api`), and hides TensorFlow's C++
# log lines (grappler's `remapper failed` and the like) unless TF_CPP_MIN_LOG_LEVEL is set. Under
# `python -m keras_cgan.cli` the package is imported while sys.argv[0] is still "-m": the command
# line it runs is in sys.orig_argv.
_COMMAND_LINE = bool(_sys.argv) and (
    _os.path.basename(_sys.argv[0]) == "keras-cgan"
    or _sys.argv[0].endswith(_os.path.join("keras_cgan", "cli", "__main__.py"))
    or (_sys.argv[0] == "-m" and any(  # `-m keras_cgan.cli`, `-Bm keras_cgan.cli`, `-mkeras_cgan.cli`
        arg == "keras_cgan.cli" or (arg.startswith("-") and arg.endswith("mkeras_cgan.cli")) for arg in _sys.orig_argv
    ))
)


def import_api():
    """Imports the public API into `keras_cgan`, registering every serializable class.

    Done on `import keras_cgan`, so that `keras.saving.load_model` finds the
    library's classes by name; only the command line defers it.
    """
    from keras_cgan import callbacks, conditions, data, export, layers, losses, metrics, networks
    from keras_cgan.conditions import ClassCondition, EmbeddingCondition, TagsCondition, TextCondition
    from keras_cgan.models import SEGAN, ConditionalGAN, GANModel, GrowStages, NextFrameGAN, Pix2Pix, StackGAN

    FAMILIES = {cls.__name__: cls for cls in (ConditionalGAN, StackGAN, Pix2Pix, SEGAN, NextFrameGAN)}
    globals().update({name: value for name, value in locals().items()})


if _COMMAND_LINE:
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
else:
    import_api()
