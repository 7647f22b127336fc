"""The `keras-cgan rollout` command: a next_frame_gan run continues a clip of the user's, as a GIF.

    keras-cgan rollout --run runs/next_frame_gan my_clip/ -o rollout.gif --steps 12
    keras-cgan rollout --run runs/next_frame_gan walk.gif -o rollout.gif --start 10

The clip is a folder of frames (in name order, numbers by value) or a video file; its frames
are resized to the run's size. The first `context` frames from `--start`
start the rollout; the GIF shows context | prediction | the clip's own next
frames (when the clip has them).
"""

import os

import numpy as np

from keras_cgan.cli.files import check_output_file
from keras_cgan.cli.status import errors_to_status, seed


def add_rollout_subcommand(subparsers, help=None):
    """Adds `rollout --run DIR CLIP -o OUT.gif` to a `keras-cgan` parser."""
    p = subparsers.add_parser(
        "rollout",
        help=help,
        description="Feed the first frames of a clip to the generator of a `keras-cgan train next_frame_gan` "
        "run folder and let it predict the following frames, each from its own predictions.",
    )
    p.add_argument("--run", required=True, help="a next_frame_gan run folder")
    p.add_argument(
        "clip", help="a folder of frame images (in name order, numbers by value) or a video file (.gif, .mp4, ...)"
    )
    p.add_argument("-o", "--output", required=True, help="the GIF to write")
    p.add_argument("--steps", type=int, default=10, help="frames to predict (default 10)")
    p.add_argument("--start", type=int, default=0, help="first context frame of the clip (default 0)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the noise (default 0)")
    p.add_argument("--overwrite", action="store_true", help="replace the GIF if it exists")
    p.set_defaults(func=run_rollout, check=_check)
    return p


def _clip(path, channels, size):
    from keras_cgan.data import video

    if os.path.isdir(path):
        frames = video.load_frame_folder(path, channels)
    elif os.path.isfile(path) and path.lower().endswith(video.VIDEO_EXTENSIONS):
        frames = video.load_video_file(path, channels)
    else:
        raise ValueError(f"{path}: expected a folder of frames or a video file ({', '.join(video.VIDEO_EXTENSIONS)}).")
    if frames.shape[1:3] != (size, size):
        import tensorflow as tf

        frames = tf.image.resize(frames, (size, size), antialias=True).numpy()
    return frames


def _check(args):
    """What `rollout` checks before the clip and the model load (`ValueError`); returns the run's config.

    `keras-cgan` runs it before it imports TensorFlow: the numbers, the run
    folder, the output and the clip's path.
    """
    from keras_cgan.cli import run_folder

    if args.steps < 1 or args.start < 0:
        raise ValueError(f"--steps must be >= 1 and --start >= 0. Received: --steps {args.steps} --start {args.start}")
    config = run_folder.read_config(os.path.abspath(args.run))
    if config["family"] != "next_frame_gan":
        raise ValueError(f"--run {args.run}: a {config['family']} run; rollout takes a next_frame_gan run.")
    if not args.output.lower().endswith(".gif"):
        raise ValueError(f"--output {args.output}: give a .gif file name.")
    check_output_file(os.path.abspath(args.output), f"--output {args.output}", args.overwrite, "a .gif file name")
    if not os.path.exists(args.clip):
        raise ValueError(f"{args.clip}: no such file or folder.")
    return config


@errors_to_status((ValueError, OSError), command="rollout")
def run_rollout(args):
    """Runs `keras-cgan rollout`; returns the exit status (2 with an `error:` line for bad input)."""
    config = _check(args)
    run, out = os.path.abspath(args.run), os.path.abspath(args.output)
    model = config["model"]
    context, size = int(model["context"]), int(model["size"])
    frames = _clip(args.clip, int(model["channels"]), size)
    if len(frames) < args.start + context:
        raise ValueError(
            f"{args.clip}: {len(frames)} frame(s); --start {args.start} needs {args.start + context} "
            f"(the run predicts from {context} frames)."
        )
    from keras_cgan.cli.train import load_run
    from keras_cgan.models.next_frame_gan.callbacks import write_rollout_gif

    _, _, gan = load_run(run, command="rollout")
    seen = frames[args.start : args.start + context][None]  # [1, k, H, W, C]
    noise = None
    if gan.noise_shape is not None:
        noise = np.random.default_rng(args.seed).standard_normal((1, args.steps) + tuple(gan.noise_shape))
    prediction = gan.rollout(seen, args.steps, noise=noise)
    truth = frames[args.start + context : args.start + context + args.steps][None]
    truth = truth if truth.shape[1] == args.steps else None
    write_rollout_gif(out, seen, prediction, truth, scale=max(1, 64 // size))
    panels = "context | prediction | clip" if truth is not None else "context | prediction"
    print(f"wrote {out} ({context} + {args.steps} frames: {panels})")
    return 0
