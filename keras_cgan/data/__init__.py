"""Paired `(condition, target)` datasets, one module per modality, and data made in code.

Images with class, tag or text conditions: `digits`, `tags`, `captions`,
`synthetic_faces`, `synthetic_shapes`. Image to image: `paired_images`,
`synthetic_images`. Speech: `audio`, `synthetic_speech`. Video: `video`,
`synthetic_video`.
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
from keras_cgan.data.paired_images import paired_array_dataset, paired_image_dataset, scan_paired_folder
