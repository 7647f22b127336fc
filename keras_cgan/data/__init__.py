"""Paired `(condition, target)` datasets, one module per modality, and data made in code.

Images with class, tag or text conditions: `digits`, `tags`, `captions`,
`synthetic_faces`, `synthetic_shapes`. Image to image: `paired_images`,
`synthetic_images`. Speech: `audio`, `synthetic_speech`. Video: `video`,
`synthetic_video`. A loader's `FileContentError` (a `ValueError`) names a file whose content is at fault, where the
folder's layout is right.

This `__init__` imports a module when it or one of its names is first used, so that `keras-cgan train --help` reads
`image_folder` and `layouts` without TensorFlow; `keras_cgan.import_api` (on first use of the package's API) imports
them all.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["audio", "captions", "digits", "files", "image_folder", "layouts", "paired_images", "synthetic_faces",
                "synthetic_images", "synthetic_shapes", "synthetic_speech", "synthetic_video", "tags", "video"],
    submod_attrs={
        "files": ["FileContentError"],
        "paired_images": ["paired_array_dataset", "paired_image_dataset", "scan_paired_folder"],
    },
)
