"""L2 baseline vs NextFrameGAN on held-out junction clips: does the sprite split?

Trains the same generator twice at the same step budget, once with
`adversarial_weight=0` (regression: L2 + gradient difference) and once with
the adversarial term, both with the library's defaults for `NextFrameGAN`
unless a flag says otherwise, then measures on held-out test clips:

* mode split at the junction frame (the first frame whose content depends on
  the branch): fraction of predictions with one sprite / split / faded;
* 10-step rollouts from the first `context_frames` frames: fraction of clips
  whose sprite stays one blob in every predicted frame;
* PSNR, sharpness and sharpness difference over all held-out windows.

Checkpoint selection (GAN only, `--select-every`, 0 turns it off): every N
steps the generator is scored on a separate *validation* split (its own seed)
by `min(one-sprite rate at the junction, intact rollouts)` and the best weights
are kept (`keras_cgan.callbacks.KeepBestGenerator`). The test clips are
used once, at the end; the row `gan_last_step` shows the last step's weights
(averaged, as the selected ones are, when `--ema` keeps an average) and
`gan_last_step_raw` the last trained weights without the average.

Writes `benchmarks/results/video_split.json` and prints a table.

    python benchmarks/video_split.py                 # ~25 minutes per model on 2 busy CPU cores
    python benchmarks/video_split.py --only gan --ema 0.99 --merge   # add/replace the GAN rows only
    python benchmarks/video_split.py --only gan --variety 2 --run variety2
"""

import argparse
import inspect
import json
import os
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import _report  # noqa: E402  (the script's own folder is on the path)
from keras_cgan import checks  # noqa: E402
from keras_cgan.data import synthetic_video  # noqa: E402
from keras_cgan.models.next_frame_gan.defaults import scales_problem  # noqa: E402

GIF_CAPTIONS = {"l2": "L2: average of two futures", "gan": "GAN: picks one"}


def _given(**kwargs):
    """The flags that were set; the rest stay at the library's defaults."""
    return {k: v for k, v in kwargs.items() if v is not None}


def build(args, baseline):
    """NextFrameGAN with the library's defaults, except for flags given on the command line."""
    import keras

    from keras_cgan import NextFrameGAN, networks

    keras.utils.set_random_seed(args.seed)
    shape = (args.size, args.size, 1)
    g = networks.next_frame_generator(shape, args.context, **_given(latent_dim=args.latent_dim, base_filters=args.filters))
    d = networks.next_frame_discriminator(shape, args.context, **_given(
        base_filters=args.filters, scales=args.scales, patch=False if args.global_d else None,
        spectral_norm=None if args.spectral_norm is None else bool(args.spectral_norm),
    ))
    kwargs = _given(
        l2_weight=args.l2_weight, l1_weight=args.l1_weight, gdl_weight=args.gdl_weight,
        adversarial_weight=args.adversarial_weight, adversarial_warmup=args.warmup, variety_samples=args.variety,
    )
    if baseline:  # the regression baseline: no adversarial term, one draw
        kwargs.update(adversarial_weight=0.0, variety_samples=1)
    elif args.ema:
        kwargs.update(ema_decay=args.ema)
    gan = NextFrameGAN(g, d, context_frames=args.context, seed=args.seed, **kwargs)
    optimizers = {}
    if args.lr:
        optimizers["generator_optimizer"] = keras.optimizers.Adam(args.lr, beta_1=0.5)
    if args.d_lr:
        optimizers["discriminator_optimizer"] = keras.optimizers.Adam(args.d_lr, beta_1=0.5)
    gan.compile(**optimizers, **_given(adversarial_loss=args.loss, r1_weight=args.r1_weight))
    return gan


def model_problem(args, names):
    """What in the model flags a model of `names` ("l2", "gan") cannot take, as text naming the flags; None if nothing.

    Checked before any clip is made: each would otherwise be the library's ValueError once the clips are made.
    """
    from keras_cgan import NextFrameGAN

    def weight(name):  # the flag's value, or the library's default where it is unset
        given = getattr(args, name)
        return inspect.signature(NextFrameGAN.__init__).parameters[name].default if given is None else given

    reconstruction = any(weight(name) for name in ("l2_weight", "l1_weight", "gdl_weight"))
    if not reconstruction and not weight("adversarial_weight") and "gan" in names:  # no model could train
        if "l2" in names:
            return ("--l2-weight, --l1-weight, --gdl-weight and --adversarial-weight are all 0: neither the L2 "
                    "baseline nor the GAN would have a loss; set --l2-weight, --l1-weight or --gdl-weight above 0 "
                    "(or --adversarial-weight above 0 with --only gan)")
        return ("--l2-weight, --l1-weight, --gdl-weight and --adversarial-weight are all 0: the GAN would have no "
                "loss; set one of them above 0")
    if not reconstruction and "l2" in names:
        gan = ("add --only gan to train the adversarial-only GAN alone (with --merge, beside the L2 row of an earlier "
               "--only l2 run), or " if weight("adversarial_weight") else "")  # else --only gan has no loss either
        return ("--l2-weight, --l1-weight and --gdl-weight are all 0: the L2 baseline (no adversarial term) would have "
                f"no loss; {gan}set one of them above 0")
    if (args.variety or 1) > 1 and args.latent_dim == 0 and "gan" in names:
        return f"--variety {args.variety}: draws noise, which --latent-dim 0 leaves out; give --latent-dim 1 or more"
    problem = args.scales and scales_problem(args.size, args.size, args.scales)  # the discriminator's own rule
    if problem:  # a repeat was refused once the clips were made
        return f"--scales {' '.join(map(str, args.scales))}: the scales {problem}"
    return None


def settings(gan):
    """What the model was trained with (constructor and compile settings, learning rates)."""
    config = {k: v for k, v in gan.get_config().items() if k not in ("generator", "discriminator", "name", "trainable")}
    config.update(adversarial_loss=gan.adversarial_loss, r1_weight=gan.r1_weight,
                  generator_lr=float(gan.generator_optimizer.learning_rate),
                  discriminator_lr=float(gan.discriminator_optimizer.learning_rate),
                  generator_global_clipnorm=gan.generator_optimizer.global_clipnorm,
                  discriminator_spectral_norm=any("spectral" in type(l).__name__.lower() for l in gan.discriminator.layers))
    return config


def junction_windows(clips, k):
    from keras_cgan.data import video

    idx = np.arange(len(clips.frames))
    j = clips.junction_frame
    context = np.stack([clips.frames[idx, j - k + i] for i in range(k)], axis=1)  # [N, k, H, W, 1]
    return np.asarray(video.stack_context(context)), clips.frames[idx, j]


def training_data(train, args):
    """All sliding windows, with junction windows mixed in at `--junction-fraction`.

    Junction windows are 1 in ~10 of all windows; mixing more of them in
    spends more of the step budget on the ambiguous case. Both models get the
    same data.
    """
    import tensorflow as tf

    from keras_cgan.data import video

    windows = video.window_dataset(train.frames, args.context, None, shuffle=True, seed=args.seed, repeat=True)
    if args.junction_fraction > 0:
        cond, target = junction_windows(train, args.context)
        junction = tf.data.Dataset.from_tensor_slices((cond, target)).shuffle(len(cond), seed=args.seed).repeat()
        windows = tf.data.Dataset.sample_from_datasets(
            [windows, junction], [1 - args.junction_fraction, args.junction_fraction], seed=args.seed
        )
    return windows.batch(args.batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def evaluate(gan, test, futures, args):
    from keras_cgan.data import video
    from keras_cgan.metrics import video as video_metrics

    k = args.context
    cond, target = junction_windows(test, k)
    at_junction = gan.predict(cond, batch_size=256, verbose=0)
    # a blob bigger than twice the largest sprite is no sprite (e.g. a washed-out frame)
    sprite = {"max_pixels": 2 * max(m.sum() for m in synthetic_video.SPRITES.values())}
    split = video_metrics.mode_split(at_junction, **sprite)
    all_cond, all_target = video.window_arrays(test.frames, k)
    pred = gan.predict(all_cond, batch_size=256, verbose=0)
    rollouts = gan.rollout(test.frames[:, :k], args.rollout_steps)
    return {
        "junction_one_sprite": split["one_sprite"],
        "junction_split": split["split"],
        "junction_faded": split["faded"],
        "junction_valid_future": video_metrics.matches_future(at_junction, futures),
        "rollout_intact": video_metrics.intact_rollouts(rollouts, **sprite),
        "psnr": video_metrics.psnr(pred, all_target),
        "sharpness": video_metrics.sharpness(pred),
        "sharpness_truth": video_metrics.sharpness(all_target),
        "sharpness_difference": video_metrics.sharpness_difference(pred, all_target),
        "junction_psnr": video_metrics.psnr(at_junction, target),
    }, rollouts


def write_captioned_gif(path, frames, caption, context, duration_ms=250):
    """Writes rollout frames (context | prediction | truth panels) under a caption strip; returns `path`.

    The strip names the model, the frame (context or prediction step) and each panel.
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    count, height, width = frames.shape[:3]  # [T, H', W', 3]
    panel = (width - 2) // 3  # three panels, each with its 2-pixel gap
    strip = 28
    images = []
    for t, frame in enumerate(frames):
        image = Image.new("RGB", (width, height + strip), (255, 255, 255))
        image.paste(Image.fromarray(frame), (0, strip))
        draw = ImageDraw.Draw(image)
        draw.fontmode = "1"  # no anti-aliasing: black and white text keeps the GIF small
        draw.text((2, 1), caption, fill=(0, 0, 0), font=font)
        when = f"context {t + 1}/{context}" if t < context else f"step {t - context + 1}/{count - context}"
        draw.text((width - 2, 1), when, fill=(0, 0, 0), font=font, anchor="ra")
        for p, heading in enumerate(("context", "prediction", "truth")):
            draw.text((2 + p * panel + panel // 2, 15), heading, fill=(0, 0, 0), font=font, anchor="ma")
        images.append(image)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return path


def train_model(name, args, train, test, val, futures, sprite_pixels, results):
    """Trains and scores model `name` ("l2" or "gan"), adding its rows to `results["models"]`."""
    from keras_cgan.callbacks import KeepBestGenerator
    from keras_cgan.models.next_frame_gan import junction_score
    from keras_cgan.models.next_frame_gan.callbacks import rollout_panels

    gan = build(args, baseline=name == "l2")
    weight = gan.adversarial_weight
    ds = training_data(train, args)
    start = time.time()
    callbacks, keep = [], None
    if args.select_every and weight > 0:
        score = junction_score(val, args.context, args.rollout_steps, sprite_pixels)
        keep = KeepBestGenerator(score, args.select_every, restore_best=False, verbose=1)
        callbacks.append(keep)
    history = gan.fit(ds, steps_per_epoch=args.steps, epochs=1, verbose=0, callbacks=callbacks)
    seconds = time.time() - start
    common = dict(train_seconds=round(seconds, 1), adversarial_weight=weight, settings=settings(gan), args=vars(args),
                  final_losses={k: float(v[-1]) for k, v in history.history.items()})
    if keep is not None:  # the last step too, in the form the selected weights take (averaged with --ema)
        with gan.sampling_weights():
            last, _ = evaluate(gan, test, futures, args)
        results["models"][f"{name}_last_step"] = dict(last, weights="last", **common)
        print(f"{name} last step: {json.dumps(last)}", flush=True)
        if gan.ema_variables:  # and without the average, to show what the average does
            raw, _ = evaluate(gan, test, futures, args)
            results["models"][f"{name}_last_step_raw"] = dict(raw, weights="last, raw", **common)
            print(f"{name} last step, raw weights: {json.dumps(raw)}", flush=True)
        gan.generator.set_weights(keep.best_weights)
    elif gan.ema_variables:
        gan.generator.set_weights(gan.ema_generator().get_weights())
    metrics, rollouts = evaluate(gan, test, futures, args)
    print(f"{name}: {json.dumps(metrics)}", flush=True)
    if keep is not None:
        metrics.update(validation_scores=keep.history, selected_step=keep.best_batch,
                       selected_validation_score=keep.best_score)
        print(f"{name} validation scores (step, min(one sprite, intact)): {keep.history}", flush=True)
    results["models"][name] = dict(metrics, **common)
    if args.gif_dir:
        steps = min(args.rollout_steps, args.length - args.context)
        frames = rollout_panels(test.frames[:4, : args.context], rollouts[:4, :steps],
                                test.frames[:4, args.context : args.context + steps])
        write_captioned_gif(os.path.join(args.gif_dir, f"rollout_{name}.gif"), frames, GIF_CAPTIONS[name],
                            args.context)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=_report.at_least(1), default=6000, help="training steps per model")
    parser.add_argument("--batch-size", type=_report.at_least(1), default=32)
    parser.add_argument("--train-clips", type=_report.at_least(1), default=6000)
    parser.add_argument("--test-clips", type=_report.at_least(1), default=300)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--context", type=_report.at_least(1), default=4,
                        help="frames in the condition: at most 4 at --size 16 (more with larger frames)")
    parser.add_argument("--length", type=int, default=14, help="frames per clip, at least --context + 4")
    parser.add_argument("--rollout-steps", type=_report.at_least(1), default=10)
    parser.add_argument("--junction-fraction", type=_report.real(0.0, 1.0), default=0.15,
                        help="share of training windows drawn from junction windows (0: windows as they come)")
    lib = parser.add_argument_group("model settings (unset: the library's defaults)")
    lib.add_argument("--filters", type=_report.at_least(1), default=None, help="base filters of G and D")
    lib.add_argument("--latent-dim", type=_report.at_least(0), default=None)
    lib.add_argument("--scales", type=_report.at_least(1), nargs="+", default=None)
    lib.add_argument("--spectral-norm", type=int, choices=[0, 1], default=None, help="1: spectral norm in D")
    lib.add_argument("--global-d", action="store_true", help="one logit per scale instead of patch logits")
    lib.add_argument("--adversarial-weight", type=_report.real(0.0), default=None)
    lib.add_argument("--warmup", type=_report.at_least(0), default=None, help="adversarial weight ramp-up, in steps")
    lib.add_argument("--variety", type=_report.at_least(1), default=None,
                     help="GAN: noise draws per example, reconstruction loss on the best")
    lib.add_argument("--l2-weight", type=_report.real(0.0), default=None)
    lib.add_argument("--l1-weight", type=_report.real(0.0), default=None)
    lib.add_argument("--gdl-weight", type=_report.real(0.0), default=None)
    lib.add_argument("--loss", default=None, choices=checks.ADVERSARIAL_LOSSES, help="adversarial loss")
    lib.add_argument("--r1-weight", type=_report.real(0.0), default=None, help="R1 penalty on real frames")
    lib.add_argument("--lr", type=_report.real(0.0, above=True), default=None, help="generator learning rate (Adam, beta_1=0.5)")
    lib.add_argument("--d-lr", type=_report.real(0.0, above=True), default=None, help="discriminator learning rate (Adam, beta_1=0.5)")
    parser.add_argument("--ema", type=_report.real(0.0, 1.0, below=True), default=0.99,
                        help="GAN: generator EMA decay; the EMA weights are scored and evaluated (0: off)")
    parser.add_argument("--select-every", type=_report.at_least(0), default=500,
                        help="score on the validation clips every N steps and keep the best generator (0: off)")
    parser.add_argument("--val-clips", type=_report.at_least(1), default=300, help="validation clips for --select-every")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["l2", "gan"], default=None, help="train one model only")
    parser.add_argument("--gif-dir", default=None, help="write rollout GIFs of 4 test clips here")
    _report.output_options(parser, "video_split")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other models' rows already in --out (to run --only l2 and --only gan in parallel)")
    args = parser.parse_args(argv)
    out = _report.check_out(parser, "video_split", args.out)
    if args.size < 16 or args.size % 4:  # the junction clips' smallest frames; the networks halve them twice
        parser.error(f"--size {args.size}: junction frames are a multiple of 4 pixels, at least 16 (e.g. 16, 20, 24)")
    flags = {"size": "--size", "context_frames": "--context", "length": "--length"}
    problem = synthetic_video.junction_problem(args.size, args.context, args.length, names=flags)
    if problem:
        parser.error(problem)
    names = [name for name in ("l2", "gan") if args.only in (None, name)]
    problem = model_problem(args, names)
    if problem:
        parser.error(problem)
    if args.gif_dir:
        from keras_cgan.cli.files import check_output_folder

        try:
            check_output_folder(args.gif_dir, f"--gif-dir {args.gif_dir}")
        except ValueError as e:
            parser.error(str(e))

    results = {"config": vars(args), "models": {}}

    def merged(stored):
        """This command's models, and with --merge the run's other models as `stored`, the run's result in the file.

        `record` reads it under the file's lock at each write: a command running beside this one (`--only l2`
        and `--only gan`) may have recorded its own model since this one started.
        """
        earlier = (stored or {}).get("models", {})  # (None without --merge: `record` passes it only then)
        models = {**{k: v for k, v in earlier.items() if k not in results["models"]}, **results["models"]}
        return dict(results, models=dict(sorted(models.items(), key=lambda item: item[0] != "l2")))

    cols = ["model", "junction_one_sprite", "junction_split", "junction_faded", "junction_valid_future",
            "rollout_intact", "psnr", "sharpness", "sharpness_difference", "selected_step", "train_seconds"]

    def whole(stored):
        """The run: the models merged as at each write, and their table rows."""
        run = merged(stored)
        run["rows"] = [dict(model=name, **{c: m.get(c, "") for c in cols[1:]}) for name, m in run["models"].items()]
        return run

    # each model is recorded as it finishes in the run's partial entry; the last one's write is the whole run
    with _report.kept_on_interrupt(out, args.run) as finished:
        shape = (args.size, args.length, args.context)
        train = synthetic_video.junction_clips(args.train_clips, *shape, seed=args.seed)
        test = synthetic_video.junction_clips(args.test_clips, *shape, seed=args.seed + 1)
        # Validation clips (own seed) for checkpoint selection; the test clips are never seen before the end.
        val = synthetic_video.junction_clips(args.val_clips, *shape, seed=args.seed + 2)
        sprite_pixels = 2 * max(m.sum() for m in synthetic_video.SPRITES.values())
        # Both futures of every test clip at its junction frame (same seed, forced branch).
        idx = np.arange(args.test_clips)
        futures = np.stack([
            synthetic_video.junction_clips(
                args.test_clips, args.size, args.length, args.context, branch=b, seed=args.seed + 1
            ).frames[idx, test.junction_frame]
            for b in (0, 1)
        ], axis=1)  # [N, 2, H, W, 1]
        for name in names:
            train_model(name, args, train, test, val, futures, sprite_pixels, results)
            # --merge: beside the run's other commands; else the whole run is this one's
            given = {"update": whole} if args.merge else {"result": whole(None)}
            finished.record(name, "video_split", run=args.run, out=args.out, complete=name == names[-1], **given)
    _report.show(out, args.run, finished.result["rows"], cols)
    print("\ncriteria: GAN one sprite >= 0.90, L2 one sprite <= 0.20, GAN rollouts intact >= 0.80")
    return finished.result


if __name__ == "__main__":
    main()
