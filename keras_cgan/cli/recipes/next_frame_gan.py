"""`keras-cgan train next_frame_gan`: predict the next frame from the past ones.

Built-in data: the junction sprite clips of `synthetic_video`, with 15% of
each batch drawn at the junction, the defaults of `examples/next_frame_gan.py`.
`--data DIR` reads a folder of clips: one sub-folder of frame images per clip
(frames in name order, numbers by value) and/or video files; frames are resized to `--size`.
Samples: one row per window, context frames | prediction | truth.
"""

import json

import numpy as np

from keras_cgan.cli.recipes.spec import Data, Family, generate, register, size_option, wrong_layout
from keras_cgan.data.image_folder import EXTENSIONS
from keras_cgan.data.layouts import VIDEO_EXTENSIONS
from keras_cgan.data.synthetic_video import junction_problem
from keras_cgan.models.next_frame_gan.defaults import DEFAULT, FRAME_STEP, frame_problem, scales_problem

LAYOUT = """  DIR/<clip>/<frame>.png  one folder of frames per clip (in name order), and/or
  DIR/<clip>.gif          video files; every clip longer than the context"""
PREVIEW = 8
JUNCTION_FLAGS = {"size": "--size", "context_frames": "--set context=", "length": "--set length="}


def _junction_windows(clips, context):
    """`(conditions, targets)` of the window ending at each clip's junction frame."""
    from keras_cgan.data import video

    idx, j = np.arange(len(clips.frames)), clips.junction_frame
    frames = np.stack([clips.frames[idx, j - context + i] for i in range(context)], axis=1)
    return np.asarray(video.stack_context(frames)), clips.frames[idx, j]


def _resized(clips, size):
    import tensorflow as tf

    return {
        name: clip if clip.shape[1:3] == (size, size) else tf.image.resize(clip, (size, size)).numpy()
        for name, clip in clips.items()
    }


def check(options, data_options, built_in):
    """The frame side and scales the networks take, and the built-in clips' junction options (`Family.check`)."""
    size = size_option(options, "frame side")
    problem = frame_problem(size, size)
    if problem:
        larger = size - size % FRAME_STEP + FRAME_STEP
        raise ValueError(f"--size {size} (the frame side): {problem}; give --size {larger}.")
    problem = scales_problem(size, size, options["scales"])
    if problem:
        raise ValueError(f"--set scales={json.dumps(options['scales'])}: the scales {problem}, e.g. [1,2].")
    fraction = data_options.get("junction_fraction")
    if built_in and not 0 <= fraction <= 1:  # a weight of sample_from_datasets: 2 drew from weights [-1, 2]
        raise ValueError(f"--set junction_fraction={fraction}: the share of each batch drawn at the junction must be "
                         "in [0, 1], e.g. 0.15.")
    problem = built_in and junction_problem(size, options["context"], data_options["length"], names=JUNCTION_FLAGS)
    if problem:
        raise ValueError(f"{problem}.")


def load_data(path, options, data_options, batch_size, seed):
    """Windows of clips from `path` (folders of frames or video files), or junction clips made in code."""
    import tensorflow as tf

    from keras_cgan.data import synthetic_video, video

    size, context = options["size"], options["context"]  # checked (`check`)
    if path is None:
        length = int(data_options["length"])
        clips = synthetic_video.junction_clips(int(data_options["clips"]), size, length, context, seed=seed)
        windows = video.window_dataset(clips.frames, context, None, shuffle=True, seed=seed, repeat=True)
        at_junction = tf.data.Dataset.from_tensor_slices(_junction_windows(clips, context))
        at_junction = at_junction.shuffle(len(clips.frames), seed=seed).repeat()
        fraction = float(data_options["junction_fraction"])
        train = tf.data.Dataset.sample_from_datasets([windows, at_junction], [1 - fraction, fraction], seed=seed)
        train = train.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
        test = synthetic_video.junction_clips(PREVIEW, size, length, context, seed=seed + 1)
        return Data(train, None, _junction_windows(test, context), {"channels": 1})
    try:
        clips = _resized(video.load_clips(path), size)
        conditions, targets = video.window_arrays(clips, context)
    except ValueError as error:  # the command takes no `channels`: the frames must agree
        message = str(error).replace("pass `channels=` to convert on load", "save the frames all gray or all in colour")
        raise wrong_layout(path, FAMILY, error, message) from None
    if len(targets) < batch_size:
        raise ValueError(
            f"--data {path} makes {len(targets)} windows, fewer than one batch of {batch_size}; lower --batch-size "
            f"(at most {len(targets)}).")
    train = video.window_dataset(clips, context, batch_size, shuffle=True, seed=seed)
    train = train.unbatch().batch(batch_size, drop_remainder=True)
    pick = np.linspace(0, len(targets) - 1, PREVIEW).round().astype(int)  # spread over the clips
    derived = {"channels": int(targets.shape[-1])}
    info = {"clips": len(clips), "windows": len(targets)}
    return Data(train, len(targets) // batch_size, (conditions[pick], targets[pick]), derived, info)


def build(options):
    """The `"default"` preset, with the options as overrides (`--filters` is `base_filters`)."""
    from keras_cgan.models.next_frame_gan import presets

    return presets.build(
        (options["size"], options["size"], options["channels"]), options["context"],
        base_filters=options["filters"], latent_dim=options["latent_dim"], scales=tuple(options["scales"]),
        adversarial_weight=options["adversarial_weight"], adversarial_warmup=options["adversarial_warmup"],
        spectral_norm=options["spectral_norm"], r1_weight=options["r1_weight"], seed=options["seed"],
    )


def write_samples(gan, conditions, targets, path, seed):
    """One row per window: the context frames, the prediction, the truth."""
    from keras_cgan.callbacks import save_image_grid
    from keras_cgan.data import video

    prediction = generate(gan, conditions, seed)
    channels = prediction.shape[-1]
    context = video.unstack_context(conditions, channels)  # [N, k, H, W, C]
    row = [context, prediction[:, None]] + ([] if targets is None else [np.asarray(targets)[:, None]])
    tiles = np.concatenate(row, axis=1)  # [N, k + 2, H, W, C]
    tiles = tiles.reshape((-1,) + tiles.shape[2:])  # row by row
    return save_image_grid(tiles, path, rows=len(conditions), scale=max(1, 64 // tiles.shape[1]))


FAMILY = register(
    Family(
        name="next_frame_gan",
        summary="NextFrameGAN: past frames -> next frame (built-in junction sprite, or clip folders with --data)",
        layout=LAYOUT,
        options={
            "size": 16,
            "context": 4,
            "filters": DEFAULT["base_filters"],
            "latent_dim": DEFAULT["latent_dim"],
            "scales": list(DEFAULT["scales"]),
            "adversarial_weight": DEFAULT["adversarial_weight"],
            "adversarial_warmup": DEFAULT["adversarial_warmup"],
            "spectral_norm": DEFAULT["spectral_norm"],
            "r1_weight": DEFAULT["r1_weight"],
        },
        counts=("context", "latent_dim", "clips", "length"),
        data_options={"clips": 2000, "length": 14, "junction_fraction": 0.15},
        synthetic_options=("clips", "length", "junction_fraction"),
        option_notes={"context": "built-in clips: at most 4 at --size 16, more with larger frames",
                      "length": "at least context + 4"},
        epochs=5,
        batch_size=32,
        steps_per_epoch=500,
        load_data=load_data,
        data_endings=tuple(dict.fromkeys(EXTENSIONS + VIDEO_EXTENSIONS)),  # frames, and video files
        build=build,
        write_samples=write_samples,
        check=check,
    )
)
