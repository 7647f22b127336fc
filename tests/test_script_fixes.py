"""The synthetic clips behind the video example: sizes and context lengths at their limits."""

import numpy as np

from keras_cgan.data import synthetic_video


def test_bouncing_digits_fit_frames_with_less_room_than_a_step():
    # At size 10 the 8-pixel digit has 2 pixels of room but steps up to 3: a step reflected once could land
    # past the far border (a broadcast error); it is reflected until it is inside.
    for size, speed in ((10, (1, 3)), (10, (5, 9)), (11, (1, 3))):
        clips = synthetic_video.bouncing_digits(200, size=size, length=12, speed=speed, seed=0)
        assert clips.shape == (200, 12, size, size, 1)
        assert np.all(clips.max(axis=(2, 3, 4)) > 0)  # a digit in every frame
