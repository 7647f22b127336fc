"""Video clips from disk and sliding `(context, next frame)` windows.

A clip is an array `[T, H, W, C]` of frames in `[-1, 1]`. Clips come from
folders of frame images (one folder per clip, frames in name order, numbers by value, each read by the
rule of `image_folder.pixels`: upright, transparency kept in RGBA frames only and laid on white elsewhere) or
from video files read with `imageio` (GIF with Pillow; MP4 and others when
an `imageio` video plugin is installed). A window is `context_frames + 1`
consecutive frames: the first `context_frames` are stacked on channels as the
condition `[H, W, context_frames * C]` (oldest first) and the last one is the
target. A frame or video file that cannot be read, or whose size or channels
differ from the clip's, raises `files.FileContentError` (a `ValueError`)
naming it; float frames outside `[-1, 1]` are refused naming the clip.

Example:

>>> import numpy as np
>>> from keras_cgan.data import video
>>> clip = np.zeros((6, 8, 8, 1), "float32")
>>> ds = video.window_dataset([clip], context_frames=4, batch_size=2)
>>> [tuple(t.shape) for t in next(iter(ds))]
[(2, 8, 8, 4), (2, 8, 8, 1)]
"""

import os
import re

import numpy as np
import tensorflow as tf

from keras_cgan import checks
from keras_cgan.data import files, image_folder
from keras_cgan.data.layouts import VIDEO_EXTENSIONS

IMAGE_EXTENSIONS = image_folder.EXTENSIONS  # the frames of a clip folder


def _to_unit_range(frames, name):
    """uint8 or float frames `[T, H, W]` / `[T, H, W, C]` -> float32 in `[-1, 1]`."""
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[..., None]
    if frames.ndim != 4:
        raise ValueError(f"Clip {name!r}: frames must be [T, H, W, C]; got shape {frames.shape}.")
    if frames.dtype == np.uint8:
        return frames.astype(np.float32) / 127.5 - 1.0
    if frames.dtype.kind in "iub":
        top = np.iinfo(frames.dtype).max if frames.dtype.kind != "b" else 1
        raise ValueError(
            f"Clip {name!r}: frames of dtype {frames.dtype}; give uint8 (0-255) or float32 in [-1, 1] "
            f"(e.g. frames / {top / 2:g} - 1)."
        )
    frames = frames.astype(np.float32)
    if not np.isfinite(frames).all():
        raise ValueError(f"Clip {name!r}: float frames hold NaN or infinite values.")
    low, high = (float(frames.min()), float(frames.max())) if frames.size else (0.0, 0.0)
    if low < -checks.SAMPLE_LIMIT or high > checks.SAMPLE_LIMIT:  # the models' limit: what passes here trains
        span = f"they span [{low:g}, {high:g}].{checks.scaling_hint(low, high)}"
        raise ValueError(f"Clip {name!r}: float frames must lie in [-1, 1]; {span}")
    return frames


def _set_channels(frames, channels, name):
    have = frames.shape[-1]
    if channels is None or have == channels:
        return frames
    if channels == 1 and have in (3, 4):
        return frames[..., :3] @ np.array([[0.299], [0.587], [0.114]], np.float32)
    if channels == 3 and have == 1:
        return np.repeat(frames, 3, axis=-1)
    if channels == 3 and have == 4:
        return frames[..., :3]
    raise ValueError(f"Clip {name!r}: cannot turn {have} channels into {channels}.")


def frame_order(name):
    """Sort key of a frame file: numbers in the name by value, so `frame2.png` comes before `frame10.png`.

    >>> sorted(["f10.png", "f2.png", "f1.png"], key=frame_order)
    ['f1.png', 'f2.png', 'f10.png']
    """
    parts = re.split(r"([0-9]+)", name)  # text, number, text, number, ...
    return [(int(part), "") if i % 2 else (-1, part) for i, part in enumerate(parts)] + [(0, name)]


def load_frame_folder(path, channels=None):
    """Loads one clip from a folder of frame images in name order, numbers by value (`2` before `10`).

    Args:
        path: str. The folder.
        channels: int or None. `1` converts to grayscale, `3` to RGB; `None`
            keeps the files' channels. Defaults to `None`.

    Returns:
        float32 `[T, H, W, C]` in `[-1, 1]`.
    """
    from PIL import UnidentifiedImageError

    if not os.path.isdir(path):
        raise ValueError(f"Clip {path!r}: not a folder.")
    names = sorted((n for n in files.entries(path) if n.lower().endswith(IMAGE_EXTENSIONS)), key=frame_order)
    if not names:
        raise ValueError(f"Clip {path!r}: the folder holds no frame images ({', '.join(IMAGE_EXTENSIONS)}).")
    frames, first = [], None
    for name in names:
        try:
            with image_folder.open_image(os.path.join(path, name)) as image:  # as pix2pix reads it, channels too
                channels_read = image_folder.MODE_CHANNELS.get(image.mode, 3)
                array = np.asarray(image_folder.pixels(image, {1: "L", 4: "RGBA"}.get(channels_read, "RGB")))
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:  # truncated, not an image, float
            raise files.FileContentError(f"Clip {path!r}: cannot read frame {name!r} ({error}).") from error
        array = _to_unit_range(array[None], path)[0]
        if channels is not None:
            array = _set_channels(array, channels, path)
        if first is None:
            first = (name, array.shape)
        elif array.shape[:2] != first[1][:2]:
            raise files.FileContentError(
                f"Clip {path!r}: frame {name!r} has shape {array.shape} but frame "
                f"{first[0]!r} has shape {first[1]}; all frames of a clip must have one size."
            )
        elif array.shape != first[1]:
            raise files.FileContentError(
                f"Clip {path!r}: frame {name!r} has {array.shape[-1]} channel(s) but frame {first[0]!r} has "
                f"{first[1][-1]}; pass `channels=` to convert on load."
            )
        frames.append(array)
    return np.stack(frames)


def _gif_frames(path):
    """A GIF's frames as uint8 RGB arrays, each read by the loaders' rule (`image_folder.pixels`: a transparent
    pixel on white, in the first frame as in the others)."""
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        return [np.asarray(image_folder.pixels(frame, "RGB")) for frame in ImageSequence.Iterator(image)]


def _gif_complete(path):
    """Whether a GIF file's blocks (extensions and images, each a chain of sub-blocks) run whole to its trailer
    (`3B`), or to the file's end: many writers leave the trailer out, and Pillow reads such a file. False for one
    cut within a block, or whose last block is followed by bytes Pillow skips (zeros: a download or copy that
    stopped in a file made at its full size) up to the end, of which Pillow reads the frames before the cut
    without a word. Bytes after the trailer, or skipped between blocks (Pillow writes a frame's header so), are
    allowed. Walks the blocks' sizes; decodes nothing."""
    with open(path, "rb") as f:
        data = f.read()
    table = lambda flags: 3 << (flags & 7) + 1 if flags & 0x80 else 0  # a colour table's size, by its flags
    position = 13 + table(data[10]) if len(data) > 10 else len(data) + 1  # the header, screen, global table
    skipped = False
    while position < len(data) and data[position] != 0x3B:
        kind, skipped = data[position], False
        if kind == 0x21:  # an extension: its label, then its sub-blocks
            position += 2
        elif kind == 0x2C:  # an image: its descriptor, its local colour table, its LZW code size, its sub-blocks
            position += 11 + (table(data[position + 9]) if position + 9 < len(data) else 0)
        else:  # a byte where a block must start, skipped as Pillow skips it
            position, skipped = position + 1, True
            continue
        while position < len(data) and data[position]:
            position += data[position] + 1
        position += 1  # the sub-blocks' terminator
    return position < len(data) or position == len(data) and not skipped


def load_video_file(path, channels=None):
    """Loads one clip from a video file: a GIF with Pillow, any other through `imageio`.

    Args:
        path: str. A GIF (read with Pillow, without `imageio`) or any format
            an installed `imageio` plugin reads.
        channels: int or None. As in `load_frame_folder`.

    Returns:
        float32 `[T, H, W, C]` in `[-1, 1]`.
    """
    if path.lower().endswith(".gif"):
        try:
            frames = _gif_frames(path)
        except (OSError, SyntaxError, ValueError) as error:  # truncated, not a GIF
            raise files.FileContentError(f"Clip {path!r}: cannot read the GIF ({error}).") from error
        if not _gif_complete(path):
            raise files.FileContentError(
                f"Clip {path!r}: cut short: the GIF stops within a block, or ends in zeros after its last block (a "
                "download or copy that did not finish, or its end overwritten with zeros), so frames may be missing; "
                "copy the file again, or remove it."
            )
    else:
        try:
            import imageio.v3 as iio
        except ImportError as error:  # pragma: no cover - depends on the install
            raise ImportError(
                f"Reading video file {path!r} needs imageio: pip install 'keras-cgan[video]'."
            ) from error
        try:
            frames = [np.asarray(f) for f in iio.imiter(path)]
        except Exception as error:
            raise files.FileContentError(f"Clip {path!r}: imageio could not read it ({error}).") from error
    if not frames:
        raise files.FileContentError(f"Clip {path!r}: the video has no frames.")
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise files.FileContentError(f"Clip {path!r}: frames of different sizes {sorted(shapes)}.")
    return _set_channels(_to_unit_range(np.stack(frames), path), channels, path)


def load_clips(root, channels=None):
    """Loads every clip under `root`: each sub-folder and each video file.

    Args:
        root: str. A folder holding clip folders and/or video files.
        channels: int or None. As in `load_frame_folder`.

    Returns:
        dict `{clip path: [T, H, W, C] array}`, in sorted order.
    """
    if not os.path.isdir(root):
        raise ValueError(f"`root` must be a folder of clips. Received: root={root!r}")
    clips = {}
    for name in files.entries(root):
        path = os.path.join(root, name)
        if os.path.isdir(path):
            clips[path] = load_frame_folder(path, channels)
        elif name.lower().endswith(VIDEO_EXTENSIONS):
            clips[path] = load_video_file(path, channels)
    if not clips:
        frames = [n for n in files.entries(root) if n.lower().endswith(IMAGE_EXTENSIONS)]
        hint = f": it holds {len(frames)} images, frames of one clip? Put them in a sub-folder of it" if frames else ""
        raise ValueError(f"{root!r} holds no clips (sub-folders of frames or video files){hint}.")
    return clips


def _named_clips(clips):
    """Accepts a dict `{name: clip}`, a list of clips or one `[N, T, H, W, C]` array."""
    if isinstance(clips, dict):
        items = list(clips.items())
    else:
        if isinstance(clips, np.ndarray) and clips.ndim == 4 and clips.shape[-1] in (1, 3):  # 1 or 3 pixels wide
            raise ValueError(
                f"`clips` has shape {clips.shape}: read as {len(clips)} gray clips [T, H, W], their frames would "
                f"be {clips.shape[-1]} pixel(s) wide. One clip [T, H, W, C] is given as `clip[None]`."
            )
        items = [(f"clip {i}", clip) for i, clip in enumerate(clips)]
    if not items:
        raise ValueError("`clips` is empty.")
    return [(name, _to_unit_range(clip, name)) for name, clip in items]


def check_clips(clips, context_frames):
    """Checks clips are long enough and agree on frame shape; returns `[(name, clip)]`."""
    checks.integer("context_frames", context_frames, low=1)
    named = _named_clips(clips)
    first_name, first = named[0]
    for name, clip in named:
        if len(clip) < context_frames + 1:
            raise ValueError(
                f"Clip {name!r} has {len(clip)} frame(s); a window needs context_frames + 1 = "
                f"{context_frames + 1}."
            )
        if clip.shape[1:] != first.shape[1:]:
            raise ValueError(
                f"Clip {name!r} has frames of shape {clip.shape[1:]} but clip {first_name!r} has "
                f"{first.shape[1:]}; all clips must share one frame shape."
            )
    return named


def stack_context(frames):
    """Stacks frames `[..., k, H, W, C]` on channels -> `[..., H, W, k * C]` (oldest first)."""
    frames = np.asarray(frames) if not tf.is_tensor(frames) else frames
    rank = len(frames.shape)
    perm = list(range(rank - 4)) + [rank - 3, rank - 2, rank - 4, rank - 1]
    moved = tf.transpose(frames, perm)  # [..., H, W, k, C]
    shape = tf.concat([tf.shape(moved)[:-2], [frames.shape[-4] * frames.shape[-1]]], 0)
    return tf.reshape(moved, shape)


def unstack_context(condition, channels):
    """Inverse of `stack_context`: `[..., H, W, k * C]` -> `[..., k, H, W, C]`."""
    condition = np.asarray(condition)
    k = condition.shape[-1] // channels
    split = condition.reshape(condition.shape[:-1] + (k, channels))  # [..., H, W, k, C]
    return np.moveaxis(split, -2, -4)


def window_arrays(clips, context_frames=4, stride=1):
    """All sliding windows as numpy arrays `(conditions, targets)`.

    Args:
        clips: dict `{name: [T, H, W, C]}`, a list of clips or an array
            `[N, T, H, W, C]`.
        context_frames: int. Frames in the condition. Defaults to `4`.
        stride: int. Step between window starts. Defaults to `1`.

    Returns:
        `conditions [N, H, W, k * C]`, `targets [N, H, W, C]`.
    """
    named = check_clips(clips, context_frames)
    checks.integer("stride", stride, low=1)
    conditions, targets = [], []
    for _, clip in named:
        for start in range(0, len(clip) - context_frames, stride):
            conditions.append(clip[start : start + context_frames])
            targets.append(clip[start + context_frames])
    return np.asarray(stack_context(np.stack(conditions))), np.stack(targets)


def window_dataset(clips, context_frames=4, batch_size=32, stride=1, shuffle=False, seed=None, repeat=False):
    """A `tf.data.Dataset` of `(condition, target)` sliding windows.

    Frames live once in memory; each window is gathered from them by index.

    Args:
        clips: as in `window_arrays`.
        context_frames: int. Frames in the condition. Defaults to `4`.
        batch_size: int or None. `None` yields single windows. Defaults to `32`.
        stride: int. Step between window starts. Defaults to `1`.
        shuffle: bool. Shuffle all windows each epoch. Defaults to `False`.
        seed: int. Shuffle seed. Defaults to `None`.
        repeat: bool. Repeat forever. Defaults to `False`.
    """
    named = check_clips(clips, context_frames)
    checks.integer("stride", stride, low=1)
    checks.integer("batch_size", batch_size, low=1, optional=True)
    seed = checks.integer("seed", seed, optional=True)
    frames = np.concatenate([clip for _, clip in named])  # [sum T, H, W, C]
    starts, offset = [], 0
    for _, clip in named:
        starts.extend(range(offset, offset + len(clip) - context_frames, stride))
        offset += len(clip)
    frames = tf.constant(frames)
    ds = tf.data.Dataset.from_tensor_slices(np.asarray(starts, np.int64))
    if shuffle:
        ds = ds.shuffle(len(starts), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()

    def window(start):
        clip = tf.gather(frames, start + tf.range(context_frames + 1, dtype=tf.int64))  # [k+1, H, W, C]
        return stack_context(clip[:-1]), clip[-1]

    ds = ds.map(window, num_parallel_calls=tf.data.AUTOTUNE)
    if batch_size:
        ds = ds.batch(batch_size, drop_remainder=repeat)
    return ds.prefetch(tf.data.AUTOTUNE)
