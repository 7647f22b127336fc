"""What the folder loaders read, without TensorFlow: the endings of video files and the directions of a pair.

`keras-cgan train --help` reads these (with `image_folder.EXTENSIONS`, the
endings of images) before any loader is imported.
"""

DIRECTIONS = ("AtoB", "BtoA")  # of `paired_images`: A is the condition, or B is
VIDEO_EXTENSIONS = (".gif", ".mp4", ".avi", ".mov", ".mkv", ".webm")  # the clips `video` reads from files
