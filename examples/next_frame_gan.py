"""Next-frame prediction with NextFrameGAN on the junction sprite (or bouncing digits).

Trains a NextFrameGAN on synthetic clips, writes rollout GIFs
(context | prediction | truth) every few epochs, logs them to TensorBoard and
prints the mode-split fraction at the junction on held-out clips. The
generator it scores and saves (the GAN on junction clips: the best on
validation clips, else the last) also draws `rollout.gif`.

    python examples/next_frame_gan.py                       # a few minutes on 2 CPU cores
    python examples/next_frame_gan.py --adversarial-weight 0  # the L2 baseline: the sprite splits
    python examples/next_frame_gan.py --dataset digits --size 24
"""

import argparse
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_cgan import checks  # noqa: E402
from keras_cgan.cli.files import check_output_folder  # noqa: E402
from keras_cgan.cli.main import HelpFormatter  # noqa: E402
from keras_cgan.data import synthetic_video  # noqa: E402
from keras_cgan.models.next_frame_gan.defaults import DEFAULT, FRAME_STEP, frame_problem  # noqa: E402

MIN_SIZE = {"junction": 16, "digits": 12}  # the smallest frames each clip maker draws (and a multiple of 4)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--dataset", choices=["junction", "digits"], default="junction")
    parser.add_argument("--size", type=int, default=16,
                        help="frame side, a multiple of 4: at least 16 for junction, 12 for digits")
    parser.add_argument("--context", type=checks.at_least(1), default=4,
                        help="frames in the condition: at most 4 at --size 16 for junction (more with larger frames)")
    parser.add_argument("--clips", type=checks.at_least(1), default=2000)
    parser.add_argument("--epochs", type=checks.at_least(1), default=5)
    parser.add_argument("--steps-per-epoch", type=checks.at_least(1), default=500)
    parser.add_argument("--batch-size", type=checks.at_least(1), default=32)
    parser.add_argument("--adversarial-weight", type=checks.between(0.0),
                        default=DEFAULT["adversarial_weight"],
                        help="0 trains the L2 baseline (default %(default)s)")
    parser.add_argument("--out", default="runs/next_frame")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    smallest = MIN_SIZE[args.dataset]
    if args.size < smallest or frame_problem(args.size, args.size):  # the networks' rule
        sizes = ", ".join(str(s) for s in range(smallest, smallest + 3 * FRAME_STEP, FRAME_STEP))
        parser.error(f"--size {args.size}: {args.dataset} frames are a multiple of {FRAME_STEP} pixels, at least "
                     f"{smallest} (e.g. {sizes})")
    length = 14
    if args.dataset == "junction":  # the context ends before each clip's junction frame, a training target
        flags = {"size": "--size", "context_frames": "--context", "length": None}  # no flag: every clip has 14 frames
        problem = synthetic_video.junction_problem(args.size, args.context, length, names=flags)
        if problem:
            parser.error(problem)
    elif args.context >= length:
        parser.error(f"--context {args.context}: digits clips have {length} frames; use 1 to {length - 1}")
    try:  # before any data or training: a file where a folder should be is named now
        check_output_folder(args.out, f"--out {args.out}")
    except ValueError as e:
        parser.error(str(e))
    import keras
    import tensorflow as tf

    from keras_cgan.callbacks import KeepBestGenerator
    from keras_cgan.data import video
    from keras_cgan.metrics import video as video_metrics
    from keras_cgan.models.next_frame_gan import RolloutGIF, junction_score, presets, write_rollout_gif

    keras.utils.set_random_seed(args.seed)

    if args.dataset == "junction":
        make = lambda n, seed: synthetic_video.junction_clips(n, args.size, length, args.context, seed=seed)
        junction, test = make(args.clips, args.seed), make(200, args.seed + 1).frames
        train = junction.frames
    else:
        make = lambda n, seed: synthetic_video.bouncing_digits(n, args.size, length, seed=seed)
        train, test = make(args.clips, args.seed), make(200, args.seed + 1)

    # The "default" preset: adversarial weight 0.25 ramped up over 500 steps (G
    # first learns the predictable motion, then D's verdict on split sprites
    # pushes it to commit), generator Adam 1e-3 and a five times slower D (2e-4).
    gan = presets.build(
        (args.size, args.size, 1), args.context, adversarial_weight=args.adversarial_weight, seed=args.seed
    )
    ds = video.window_dataset(train, args.context, None, shuffle=True, seed=args.seed, repeat=True)
    if args.dataset == "junction":
        # Junction windows are ~1 in 10; draw 15% of the batch from them.
        idx, j = np.arange(len(train)), junction.junction_frame
        context = np.stack([train[idx, j - args.context + i] for i in range(args.context)], axis=1)
        at_junction = tf.data.Dataset.from_tensor_slices((video.stack_context(context), train[idx, j]))
        ds = tf.data.Dataset.sample_from_datasets([ds, at_junction.shuffle(len(idx)).repeat()], [0.85, 0.15])
    ds = ds.batch(args.batch_size, drop_remainder=True)
    gifs = RolloutGIF(test[:4], os.path.join(args.out, "gifs"), log_dir=os.path.join(args.out, "logs"))
    callbacks = [gifs]
    if args.dataset == "junction" and gan.adversarial_weight > 0:
        # Keep the generator that scores best on validation clips (not the test clips).
        val = synthetic_video.junction_clips(200, args.size, length, args.context, seed=args.seed + 2)
        callbacks.append(KeepBestGenerator(junction_score(val, args.context, max_pixels=18), every=500, verbose=1))
    gan.fit(ds, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, callbacks=callbacks, verbose=2)

    cond, target = video.window_arrays(test, args.context)
    pred = gan.predict(cond, batch_size=256, verbose=0)
    print(f"held-out PSNR {video_metrics.psnr(pred, target):.2f} dB, "
          f"sharpness {video_metrics.sharpness(pred):.3f} (truth {video_metrics.sharpness(target):.3f})")
    if args.dataset == "junction":
        clips = synthetic_video.junction_clips(200, args.size, length, args.context, seed=args.seed + 1)
        idx, j = np.arange(200), clips.junction_frame
        context = np.stack([clips.frames[idx, j - args.context + i] for i in range(args.context)], axis=1)
        at_junction = gan.predict(np.asarray(video.stack_context(context)), verbose=0)
        print("at the junction:", video_metrics.mode_split(at_junction, max_pixels=18))
    # The epoch GIFs show each epoch's last weights; KeepBestGenerator, when it ran, has since put back its
    # best ones, which the scores above come from and which are saved: this GIF shows them too.
    k = args.context
    write_rollout_gif(os.path.join(args.out, "rollout.gif"), test[:4, :k], gan.rollout(test[:4, :k], length - k),
                      test[:4, k:])
    gan.generator.save(os.path.join(args.out, "generator.keras"))
    print(f"written: {args.out}/rollout.gif (the generator scored above), generator.keras; GIFs of each epoch's "
          f"last weights in {gifs.directory}; TensorBoard: tensorboard --logdir {os.path.join(args.out, 'logs')}")


if __name__ == "__main__":
    main()
