"""Metrics computed on generated samples."""

from keras_cgan.metrics.image_quality import psnr, quality_report, sharpness, sharpness_ratio, ssim
