"""Paired `(condition, target)` datasets, one module per modality, and data made in code.

Images with class, tag or text conditions: `digits`, `tags`, `captions`,
`synthetic_faces`, `synthetic_shapes`. Image to image: `paired_images`,
`synthetic_images`. Speech: `audio`, `synthetic_speech`. Video: `video`,
`synthetic_video`. A loader's `FileContentError` (a `ValueError`) names a file whose content is at fault, where the
folder's layout is right.
"""

from keras_cgan.data import (
    audio,
    captions,
    digits,
    synthetic_faces,
    synthetic_images,
    synthetic_shapes,
    synthetic_speech,
    synthetic_video,
    tags,
    video,
)
from keras_cgan.data.files import FileContentError
from keras_cgan.data.paired_images import paired_array_dataset, paired_image_dataset, scan_paired_folder
