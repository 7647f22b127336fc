"""Measures of what a conditional generator makes, one module per concern.

`condition_accuracy` and `attributes` (does a sample show its condition?),
`image_quality` (PSNR, SSIM, sharpness: the one definition of each; flat-area error,
edge similarity and spectral match: where the detail is), `audio`
(SNR, PESQ, STOI), `video` (mode split, rollouts; PSNR and sharpness as
means of `image_quality`'s over frames).
"""

from keras_cgan.metrics import audio, video
from keras_cgan.metrics.attributes import attribute_accuracy, caption_accuracy, diversity, tag_face_accuracy
from keras_cgan.metrics.condition_accuracy import DigitsClassifier, condition_accuracy
from keras_cgan.metrics.image_quality import (
    edge_similarity,
    flat_error,
    psnr,
    quality_report,
    sharpness,
    sharpness_ratio,
    spectral_match,
    ssim,
)
