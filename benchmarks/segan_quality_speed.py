"""SEGAN quality and speed: noisy vs L1-only vs SEGAN, and on-device real-time factor.

Trains the L1-only baseline and SEGAN (same initial weights, same steps) on
synthetic noisy speech, scores both on the held-out split (voices and noises
never seen in training) at 0-10 dB input SNR, then measures the real-time
factor (processing time / audio duration, one CPU thread) of Keras
`enhance()`, onnxruntime and the TFLite model streamed window by window, and
the parity of each streamed output with `enhance()`.

Writes run --run of benchmarks/results/segan_quality_speed.json and prints two tables.

    python benchmarks/segan_quality_speed.py --run "300 steps"   # minutes on 2 CPU cores
    python benchmarks/segan_quality_speed.py --steps 700 --jobs 2 --eval-every 100 --ema 0.99   # run default
    python benchmarks/segan_quality_speed.py --steps 3000 --train-utterances 400 --filters paper --kernel-size 31 \
        --run "paper filters, 3000 steps"
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import _report  # noqa: E402  (the script's own folder is on the path)

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(argv=None):
    """The parsed arguments, and the results file the run goes to (`_report.check_out`; None for the internal
    --speed-only and --train-only children, which write none)."""
    out = None
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--train-utterances", type=_report.at_least(1), default=64)
    p.add_argument("--test-utterances", type=_report.at_least(1), default=12)
    p.add_argument("--seconds", type=_report.real(0.41), default=4.0,
                   help="Length of each utterance (STOI scores 0.41 s or more).")
    p.add_argument("--steps", type=_report.at_least(1), default=300, help="Training steps per model.")
    p.add_argument("--batch-size", type=_report.at_least(1), default=8)
    p.add_argument("--learning-rate", type=_report.real(0.0, above=True), default=None, help="Generator Adam rate (default: SEGAN.compile's).")
    p.add_argument("--d-learning-rate", type=_report.real(0.0, above=True), default=None, help="Discriminator Adam rate (default: SEGAN.compile's).")
    p.add_argument("--no-spectral-norm", action="store_true", help="Discriminator without spectral normalization.")
    p.add_argument("--r1", type=_report.real(0.0), default=0.0, help="R1 penalty weight on the discriminator.")
    p.add_argument("--ema", type=_report.real(0.0, 1.0, below=True), default=0.0, help="Score the generator average kept with this decay (ema_decay; 0: off).")
    p.add_argument("--eval-every", type=_report.at_least(0), default=0, help="Print held-out SNR every N steps (0: off).")
    p.add_argument("--jobs", type=int, default=1, choices=(1, 2), help="Train the two models in parallel processes.")
    p.add_argument("--window", type=_report.at_least(1), default=16384)
    p.add_argument("--filters", default="small", type=filters_option, help="'small', 'paper' or comma-separated ints.")
    p.add_argument("--kernel-size", type=_report.at_least(1), default=15)
    p.add_argument("--preemphasis", type=float, default=0.95)
    p.add_argument("--l1-domain", default="waveform", choices=("waveform", "emphasized"))
    p.add_argument("--rtf-seconds", type=_report.real(0.0, above=True), default=10.0, help="Audio length for the speed runs.")
    p.add_argument("--seed", type=int, default=0)
    _report.output_options(p, "segan_quality_speed")
    p.add_argument("--save-model", default=None, help="Also keep the trained SEGAN here (.keras).")
    p.add_argument("--speed-only", default=None, help=argparse.SUPPRESS)  # internal: a .keras path
    p.add_argument("--train-only", default=None, help=argparse.SUPPRESS)  # internal: l1_only | segan
    p.add_argument("--row-out", default=None, help=argparse.SUPPRESS)  # internal: where --train-only writes
    args = p.parse_args(argv)
    if not (args.speed_only or args.train_only):
        out = _report.check_out(p, "segan_quality_speed", args.out)
        folder = os.path.dirname(os.path.abspath(args.save_model or "."))
        if args.save_model and not (args.save_model.endswith(".keras") and os.path.isdir(folder)):
            p.error(f"--save-model {args.save_model}: give a .keras file name in a folder that exists")
        from keras_cgan.models.segan.defaults import check_window

        try:  # the model's own rule, before the data is made
            check_window(args.window, len(filters_from(args.filters)), f"--window (with --filters {args.filters})")
        except ValueError as e:
            p.error(str(e))
    return args, out


def filters_option(text):
    """`argparse` type of `--filters`: 'small', 'paper' or comma-separated positive ints, kept as given."""
    try:
        ok = text in ("small", "paper") or min(int(f) for f in text.split(",")) >= 1
    except ValueError:
        ok = False
    if not ok:
        raise argparse.ArgumentTypeError(f"expected 'small', 'paper' or comma-separated positive ints, received {text!r}")
    return text


def filters_from(arg):
    from keras_cgan.models.segan import defaults

    if arg == "small":
        return defaults.SMALL_FILTERS
    if arg == "paper":
        return defaults.PAPER_FILTERS
    return tuple(int(f) for f in arg.split(","))


MODELS = (("l1_only", 0.0), ("segan", 1.0))


def test_data(args):
    from keras_cgan.data import synthetic_speech

    return synthetic_speech.make_pairs(
        args.test_utterances, args.seconds, snr_db=(0.0, 10.0), split="test", seed=args.seed
    )


def load_data(args):
    import tensorflow as tf

    from keras_cgan.data import audio, synthetic_speech

    t0 = time.time()
    train_noisy, train_clean = synthetic_speech.make_pairs(
        args.train_utterances, args.seconds, split="train", seed=args.seed
    )
    test_noisy, test_clean = test_data(args)
    print(f"data: {time.time() - t0:.0f} s", flush=True)
    xn, xc = audio.frame_pairs(train_noisy, train_clean, args.window, args.window // 2)
    ds = (
        tf.data.Dataset.from_tensor_slices((xn, xc))
        .shuffle(len(xn), seed=args.seed)
        .repeat()
        .batch(args.batch_size, drop_remainder=True)
    )
    return ds, test_noisy, test_clean


def train_one(args, name, ds, test_noisy, test_clean):
    """Trains one model (`name` in MODELS) with SEGAN's defaults unless flags say otherwise."""
    import keras

    from keras_cgan import SEGAN, networks
    from keras_cgan.metrics import audio as audio_metrics

    keras.utils.set_random_seed(args.seed)  # same initial weights for both
    kw = dict(window=args.window, filters=filters_from(args.filters), kernel_size=args.kernel_size)
    gan = SEGAN(
        networks.segan_generator(**kw, preemphasis=args.preemphasis),
        networks.segan_discriminator(**kw, spectral_norm=not args.no_spectral_norm),
        adversarial_weight=dict(MODELS)[name],
        preemphasis=args.preemphasis,
        l1_domain=args.l1_domain,
        seed=args.seed,
        ema_decay=args.ema or None,
    )
    opts = {}
    if args.learning_rate is not None:
        opts["generator_optimizer"] = keras.optimizers.Adam(args.learning_rate, beta_1=0.5)
    if args.d_learning_rate is not None:
        opts["discriminator_optimizer"] = keras.optimizers.Adam(args.d_learning_rate, beta_1=0.5)
    gan.compile(r1_weight=args.r1, **opts)
    noisy_snr = np.mean([audio_metrics.snr(c, n) for c, n in zip(test_clean, test_noisy)])
    progress = []

    class Progress(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if args.eval_every and (batch + 1) % args.eval_every == 0:
                gain = np.mean([audio_metrics.snr(c, gan.enhance(n)) for c, n in zip(test_clean, test_noisy)])
                entry = {"step": batch + 1, "snr_improvement": float(gain - noisy_snr)}
                if gan.ema_variables:  # every metric of the averaged generator
                    with gan.ema_weights():
                        scores = audio_metrics.evaluate(test_clean, [gan.enhance(n) for n in test_noisy])
                    scores["snr_improvement"] = scores["snr"] - noisy_snr
                    entry["ema"] = {k: float(v) for k, v in scores.items()}
                entry.update({k: float(v) for k, v in logs.items()})
                progress.append(entry)
                print(f"{name} progress: {progress[-1]}", flush=True)
                if args.row_out:  # what a run stopped before the end still leaves
                    with open(args.row_out + ".partial", "w") as f:
                        json.dump({"progress": progress}, f)

    t0 = time.time()
    history = gan.fit(
        ds, steps_per_epoch=args.steps, epochs=1, verbose=0, callbacks=[Progress()]
    ).history
    seconds = time.time() - t0
    extra = {}
    if gan.ema_variables:
        raw = [gan.enhance(x) for x in test_noisy]
        extra["snr_without_ema"] = audio_metrics.evaluate(test_clean, raw, metrics=("snr",))["snr"]
        gan.generator.set_weights(gan.ema_generator().get_weights())
    estimates = [gan.enhance(x) for x in test_noisy]
    row = audio_metrics.evaluate(test_clean, estimates)
    row.update(extra)
    row["train_seconds"] = seconds
    row["final_losses"] = {k: float(v[-1]) for k, v in history.items()}
    if progress:
        row["progress"] = progress
    print(f"{name}: trained {args.steps} steps in {seconds:.0f} s; {row}", flush=True)
    return row, gan


def train_and_score(args, argv):
    from keras_cgan.metrics import audio as audio_metrics

    if args.jobs == 1:
        ds, test_noisy, test_clean = load_data(args)
    else:
        test_noisy, test_clean = test_data(args)
    rows = {"noisy": audio_metrics.evaluate(test_clean, list(test_noisy))}
    rows["noisy"]["train_seconds"] = 0.0
    tmp = tempfile.mkdtemp()
    model_path = args.save_model or os.path.join(tmp, "segan.keras")
    if args.jobs == 1:
        for name, _ in MODELS:
            rows[name], gan = train_one(args, name, ds, test_noisy, test_clean)
            if name == "segan":
                gan.save(model_path)
                params = gan.generator.count_params()
    else:  # one process per model; on a shared machine this halves the wall time
        # (in their own sessions a Ctrl-C does not reach them: stopped here on any exit, a failed model's included)
        with _report.stopped_on_exit({}) as procs:
            for name, _ in MODELS:
                cmd = [sys.executable, __file__, *argv, "--train-only", name,
                       "--row-out", os.path.join(tmp, f"{name}.json")]
                if name == "segan":
                    cmd += ["--save-model", model_path]
                # Each in its own session: with Linux autogroup scheduling the two
                # models then get a CPU share each, like two jobs started from two shells.
                procs[name] = subprocess.Popen(
                    cmd, env=_report.child_env(TF_CPP_MIN_LOG_LEVEL="2"), start_new_session=True
                )
            for name, proc in procs.items():
                if proc.wait() != 0:
                    raise RuntimeError(f"training {name} failed (exit {proc.returncode})")
                with open(os.path.join(tmp, f"{name}.json")) as f:
                    rows[name] = json.load(f)
        params = rows["segan"].pop("generator_params")
    for row in rows.values():
        row["snr_improvement"] = row["snr"] - rows["noisy"]["snr"]
    return rows, model_path, params


def speed(model_path, rtf_seconds, seed):
    """One-thread speed and parity; runs in its own process (threads set before TF starts)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    from keras_cgan import export
    from keras_cgan.models.segan import streaming as audio_tflite
    from keras_cgan.data import synthetic_speech

    gan = keras.models.load_model(model_path)
    noisy, _ = synthetic_speech.make_pairs(1, rtf_seconds, split="test", seed=seed + 1)
    x = noisy[0]
    window, coef, rate = gan.window, gan.preemphasis, gan.sample_rate
    duration = x.size / rate
    gan.enhance(x[: window * 2])  # trace once

    def timed(fn):
        # Wall time and this process's CPU time: on a shared machine the CPU
        # time of a one-thread run is what it would take on an idle core.
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        return result, {
            "rtf": (time.perf_counter() - wall) / duration,
            "rtf_cpu_time": (time.process_time() - cpu) / duration,
        }

    reference, out_keras = timed(lambda: gan.enhance(x))
    out = {"audio_seconds": duration, "window": window, "keras": out_keras}

    tmp = tempfile.mkdtemp()
    device_model = audio_tflite.on_device_generator(gan)  # one window, z = 0, input `condition`
    variants = (
        ("tflite_fp32", "segan_fp32.tflite", None),
        ("tflite_fp16", "segan_fp16.tflite", "float16"),
        ("tflite_dynamic", "segan_dynamic.tflite", "dynamic"),  # int8 weights, float activations
        ("onnxruntime", "segan.onnx", None),
    )
    for variant, name, quantization in variants:
        # Exported unchecked, then checked without raising: a miss is a row of the table.
        target = os.path.join(tmp, name)
        if name.endswith(".onnx"):
            path = export.to_onnx(device_model, target, check=False)
        else:
            path = export.to_tflite(device_model, target, quantization=quantization, check=False)
        parity = export.check_parity(
            device_model, path, quantization=quantization, latency_runs=1, raise_on_failure=False
        )
        runner = audio_tflite.window_runner(export.load_runtime(path, num_threads=1))
        runner(np.zeros(window, "float32"))  # warm up
        streamed, out[variant] = timed(
            lambda: audio_tflite.stream_enhance(runner, x, preemphasis=coef, chunk_size=rate // 10)
        )
        out[variant].update({
            "max_abs_error_vs_enhance": float(np.abs(streamed - reference).max()),
            "size_bytes": os.path.getsize(path),
            "parity_vs_keras": "pass" if parity.passed else "fail",
        })
    return out


def main(argv=None):
    _report.exit_with_parent()  # as a child (--train-only, --speed-only): ends with the benchmark, even one killed
    argv = sys.argv[1:] if argv is None else list(argv)
    args, out = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.speed_only:
        print("@@SPEED@@" + json.dumps(speed(args.speed_only, args.rtf_seconds, args.seed)))
        return
    if args.train_only:
        row, gan = train_one(args, args.train_only, *load_data(args))
        row["generator_params"] = gan.generator.count_params()
        if args.train_only == "segan":  # argv's --save-model is the SEGAN's: the L1-only child never saves
            gan.save(args.save_model)
        with open(args.row_out, "w") as f:
            json.dump(row, f)
        return
    with _report.kept_on_interrupt(out, args.run, what="measurements") as finished:
        measure(args, argv, finished)


def measure(args, argv, finished):
    """Trains and scores the models, then times them, recording each part of the run with `finished`."""
    rows, model_path, params = train_and_score(args, argv)
    # quality first, in case the speed run fails (a run without its speed: not complete)
    finished.record("quality", "segan_quality_speed", {"args": vars(args), "generator_params": params,
                                                       "quality": rows}, run=args.run, out=args.out, complete=False)
    proc = subprocess.run(  # (stopped by a Ctrl-C or SIGTERM here: `run` kills it)
        [sys.executable, __file__, "--speed-only", model_path, "--rtf-seconds", str(args.rtf_seconds)],
        capture_output=True,
        text=True,
        env=_report.child_env(TF_CPP_MIN_LOG_LEVEL="2"),
    )
    lines = [l for l in proc.stdout.splitlines() if l.startswith("@@SPEED@@")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"speed run failed:\n{proc.stderr[-3000:]}")
    speeds = json.loads(lines[0][len("@@SPEED@@") :])

    print("\nHeld-out synthetic speech (voices and noises unseen in training), 0-10 dB input SNR")
    print(f"{'':10s} {'SNR dB':>8s} {'dSNR':>6s} {'segSNR':>7s} {'PESQ':>6s} {'STOI':>6s} {'train s':>8s}")
    for name, row in rows.items():
        print(
            f"{name:10s} {row['snr']:8.2f} {row['snr_improvement']:6.2f} {row['segsnr']:7.2f} "
            f"{row['pesq']:6.2f} {row['stoi']:6.3f} {row['train_seconds']:8.0f}"
        )
    print(f"\nReal-time factor on one CPU thread ({speeds['audio_seconds']:.0f} s of audio, window {speeds['window']})")
    print(f"{'runtime':12s} {'RTF wall':>9s} {'RTF cpu':>8s} {'max |err| vs enhance()':>23s} {'size KB':>8s}")
    for name in ("keras", "onnxruntime", "tflite_fp32", "tflite_fp16", "tflite_dynamic"):
        s = speeds[name]
        err = s.get("max_abs_error_vs_enhance")
        size = s.get("size_bytes")
        print(
            f"{name:12s} {s['rtf']:9.4f} {s['rtf_cpu_time']:8.4f} {('%.2e' % err) if err is not None else '-':>23s} "
            f"{('%.0f' % (size / 1024)) if size else '-':>8s}"
        )
    criteria = {
        "snr_improvement_ge_6db": rows["segan"]["snr_improvement"] >= 6.0,
        "pesq_above_noisy": rows["segan"]["pesq"] > rows["noisy"]["pesq"],
        "tflite_fp32_parity_le_1e-4": speeds["tflite_fp32"]["max_abs_error_vs_enhance"] <= 1e-4,
        "tflite_fp32_rtf_le_0.1_wall": speeds["tflite_fp32"]["rtf"] <= 0.1,
        "tflite_fp32_rtf_le_0.1_cpu_time": speeds["tflite_fp32"]["rtf_cpu_time"] <= 0.1,
    }
    print("\ncriteria:", criteria)
    result = {
        "args": vars(args),
        "generator_params": params,
        "quality": rows,
        "speed": speeds,
        "criteria": criteria,
        "note": "CPU shared with other jobs while measuring; times are upper bounds.",
    }
    print("wrote", finished.record("speed", "segan_quality_speed", result, run=args.run, out=args.out))


if __name__ == "__main__":
    main()
