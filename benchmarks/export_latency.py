"""Export latency and size: Keras vs SavedModel vs onnxruntime vs LiteRT, per family.

For each family's default generator (trained briefly first, so the numbers
are for a generator with a real output distribution), exports SavedModel,
ONNX and TFLite (float32, float16, dynamic, int8), then times batch-1 and
batch-16 calls of Keras `predict_on_batch`, the reloaded SavedModel
signature, onnxruntime and the LiteRT interpreter, and records file sizes,
parity errors and SNR vs Keras float32. Writes
`benchmarks/results/export_latency.json` and prints a table, and which of the
criteria (`criteria` in the results: error, SNR, speed and size limits) each
family's exports meet.

    python benchmarks/export_latency.py                 # minutes on 2 CPU cores
    python benchmarks/export_latency.py --families conditional --steps 1400 --runs 500 --run "1400 steps"
    python benchmarks/export_latency.py --generator runs/digits/generator.keras --families conditional \
        --run "runs/digits generator"

`--generator` measures a generator of yours instead of training one: name
the one family it belongs to with `--families`. Writes run --run (default
"default", the docs' tables) of the results file; runs of other names are kept.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import _report  # noqa: E402  (the script's own folder is on the path)


def train_conditional(steps, seed):
    """The quickstart generator, trained `steps` steps on the digits."""
    import keras

    from keras_cgan.data import digits
    from keras_cgan.models.conditional_gan import presets

    keras.utils.set_random_seed(seed)
    gan = presets.build((8, 8, 1), 10, preset="digits", seed=seed)
    _fit(gan, digits.dataset(64, "train", seed=seed).repeat(), steps)
    return gan.generator


def noise_for(generator, count, rng):
    """Standard normal noise `[count, ...]` as wide as `generator`'s `noise` input (as trained or loaded)."""
    shape = tuple(next(t for t in generator.inputs if t.name == "noise").shape[1:])
    return rng.standard_normal((count,) + shape).astype("float32")


def num_classes(generator):
    """The classes a conditional generator takes: the size of the Embedding its `condition` ids feed (None if none)."""
    from keras_cgan.export.generator import id_limits

    return id_limits(generator).get("condition")


def conditional_data(generator, count, seed):
    rng = np.random.default_rng(seed)
    return {
        "noise": noise_for(generator, count, rng),
        "condition": (np.arange(count) % num_classes(generator)).astype("int32"),
    }


def train_pix2pix(steps, seed):
    """The pix2pix example's default U-Net (64 px labels -> facade)."""
    import keras

    from keras_cgan import Pix2Pix, networks
    from keras_cgan.data import synthetic_images

    keras.utils.set_random_seed(seed)
    generator = networks.unet_generator((64, 64, 3), 3)
    gan = Pix2Pix(generator, networks.patch_discriminator((64, 64, 3), (64, 64, 3)), seed=seed)
    gan.compile()
    labels, facades = synthetic_images.make_task("labels2facade", 64, 64, seed=seed)
    _fit(gan, tf_dataset((labels, facades), 4, seed), steps)
    return generator


def pix2pix_data(generator, count, seed):
    from keras_cgan.data import synthetic_images

    labels, _ = synthetic_images.make_task("labels2facade", count, 64, seed=seed)
    return {"condition": labels.astype("float32")}


def train_segan(steps, seed):
    """The default on-device SEGAN generator (16384-sample windows)."""
    import keras

    from keras_cgan.models.segan import presets

    keras.utils.set_random_seed(seed)
    gan = presets.build(16384, seed=seed)
    noisy, clean = speech_windows(32, seed)
    _fit(gan, tf_dataset((noisy, clean), 8, seed), steps)
    return gan.generator


def speech_windows(count, seed):
    from keras_cgan.data import synthetic_speech

    noisy, clean = synthetic_speech.make_pairs(count, seconds=16384 / 16000, seed=seed)
    return noisy[:, :16384, None].astype("float32"), clean[:, :16384, None].astype("float32")


def segan_data(generator, count, seed):
    """Inputs as `SEGAN.enhance` feeds the generator: pre-emphasized noisy windows and noise."""
    from keras_cgan.models.segan import waveform

    rng = np.random.default_rng(seed)
    noisy = speech_windows(count, seed)[0]
    emphasized = np.stack([waveform.preemphasis(x[:, 0], 0.95)[:, None] for x in noisy]).astype("float32")
    return {"noise": noise_for(generator, count, rng), "condition": emphasized}


def train_next_frame(steps, seed):
    """The next-frame example's generator (16 px frames, 4 context frames)."""
    import keras

    from keras_cgan.data import video
    from keras_cgan.models.next_frame_gan import presets

    keras.utils.set_random_seed(seed)
    gan = presets.build((16, 16, 1), 4, seed=seed)
    _fit(gan, video.window_dataset(junction_clips(64, seed), 4, 16, shuffle=True, seed=seed, repeat=True), steps)
    return gan.generator


def junction_clips(count, seed):
    from keras_cgan.data import synthetic_video

    return synthetic_video.junction_clips(count, 16, 14, 4, seed=seed).frames


def next_frame_data(generator, count, seed):
    from keras_cgan.data import video

    rng = np.random.default_rng(seed)
    clips = junction_clips(count, seed)  # [count, 14, 16, 16, 1]
    return {
        "noise": noise_for(generator, count, rng),
        "condition": np.asarray(video.stack_context(clips[:, :4]), "float32"),
    }


def train_stackgan(steps, seed):
    """The StackGAN example's generator chain (tag faces, stages 16, 32, 64 px), all stages trained."""
    import keras

    from keras_cgan.data import synthetic_faces
    from keras_cgan.models.stack_gan import presets

    keras.utils.set_random_seed(seed)
    gan = presets.build((16, 32, 64), synthetic_faces.condition(), seed=seed, active_stages=3)
    _fit(gan, synthetic_faces.dataset(16, n=256, seed=seed, size=64).repeat(), steps)
    return gan.generator_chain()


def stackgan_data(generator, count, seed):
    from keras_cgan.data import synthetic_faces

    rng = np.random.default_rng(seed)
    tags = synthetic_faces.load(count, seed)[0]
    return {"noise": noise_for(generator, count, rng), "condition": np.asarray(tags, "float32")}


def tf_dataset(arrays, batch_size, seed):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(arrays).shuffle(len(arrays[0]), seed=seed).repeat().batch(
        batch_size, drop_remainder=True
    )


def _fit(gan, dataset, steps):
    if steps > 0:
        gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)


# family -> (train(steps, seed) -> generator, data(generator, count, seed) -> inputs keyed by name, default steps)
FAMILIES = {
    "conditional": (train_conditional, conditional_data, 840),
    "pix2pix": (train_pix2pix, pix2pix_data, 100),
    "segan": (train_segan, segan_data, 100),
    "next_frame": (train_next_frame, next_frame_data, 300),
    "stackgan": (train_stackgan, stackgan_data, 100),
}


def median_ms(call, runs, max_seconds=10.0):
    """Median ms of up to `runs` calls, stopping early after `max_seconds` (at least 3 calls).

    The budget keeps slow kernels (dynamic-range int8 on a 29M-parameter U-Net
    takes ~100 s per batch-16 call on 2 cores) from taking hours.
    """
    call()
    times = []
    deadline = time.perf_counter() + max_seconds
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
        if len(times) >= 3 and time.perf_counter() > deadline:
            break
    return float(np.median(times) * 1000)


def bench_family(family, args, workdir, generator=None):
    """Exports and times `family`'s generator: `generator` (from `--generator`) or one trained here.

    Returns the result, the export reports and the generator.
    """
    from keras_cgan import export
    from keras_cgan.export import runtimes

    train, data, default_steps = FAMILIES[family]
    steps = default_steps if args.steps is None else args.steps
    start = time.time()
    generator = generator or train(steps, args.seed)
    train_seconds = time.time() - start
    calibration = data(generator, args.calibration, args.seed + 1)
    inputs = data(generator, 16, args.seed + 2)  # parity and latency inputs
    reports = {
        "saved_model": export.to_saved_model(generator, os.path.join(workdir, family), inputs=inputs),
        "onnx": export.to_onnx(generator, os.path.join(workdir, f"{family}.onnx"), inputs=inputs),
    }
    for q in (None, "float16", "dynamic", "int8"):
        # Exported unchecked, then checked without raising: a quantization that
        # misses its tolerance is a row of the table, not the end of the run.
        path = export.to_tflite(
            generator,
            os.path.join(workdir, f"{family}_{q}.tflite"),
            quantization=q,
            representative_data=calibration if q == "int8" else None,
            check=False,
        )
        reports[f"tflite-{q or 'float32'}"] = export.check_parity(
            generator, path, inputs=inputs, quantization=q, raise_on_failure=False
        )
    fp32_bytes = reports["tflite-float32"].file_bytes
    rows = {}
    names = [t.name for t in generator.inputs]
    for batch in (1, 16):
        feed = {name: value[:batch] for name, value in inputs.items()}
        ordered = [feed[name] for name in names]
        ordered = ordered[0] if len(ordered) == 1 else ordered
        ms = median_ms(lambda: generator.predict_on_batch(ordered), args.runs)
        rows.setdefault("keras", {"file_bytes": None})[f"batch{batch}_ms"] = ms
    for kind, report in reports.items():
        runtime = runtimes.load_runtime(report.path)
        row = {
            "file_bytes": report.file_bytes,
            "max_abs_error": report.max_abs_error,
            "mean_abs_error": report.mean_abs_error,
            "snr_db": report.snr_db,
            "tolerance": report.tolerance,
            "parity": "pass" if report.passed else "fail",
        }
        for batch in (1, 16):
            feed = {name: value[:batch] for name, value in inputs.items()}
            row[f"batch{batch}_ms"] = median_ms(lambda: runtime(feed), args.runs)
        rows[kind] = row
    keras_ms = rows["keras"]["batch1_ms"]
    criteria = {
        "onnx_fp32_max_abs_error<=1e-4": rows["onnx"]["max_abs_error"] <= 1e-4,
        "tflite_fp32_max_abs_error<=1e-4": rows["tflite-float32"]["max_abs_error"] <= 1e-4,
        "tflite_fp16_max_abs_error<=1e-2": rows["tflite-float16"]["max_abs_error"] <= 1e-2,
        "tflite_dynamic_snr>=20dB": rows["tflite-dynamic"]["snr_db"] >= 20,
        "tflite_int8_snr>=20dB": rows["tflite-int8"]["snr_db"] >= 20,
        "onnx_batch1<=0.5x_keras": rows["onnx"]["batch1_ms"] <= 0.5 * keras_ms,
        "tflite_fp16_size<=0.5x_fp32": rows["tflite-float16"]["file_bytes"] <= 0.5 * fp32_bytes,
        "tflite_int8_size<=0.3x_fp32": rows["tflite-int8"]["file_bytes"] <= 0.3 * fp32_bytes,
        "tflite_dynamic_size<=0.3x_fp32": rows["tflite-dynamic"]["file_bytes"] <= 0.3 * fp32_bytes,
    }
    return {
        "generator": args.generator or f"trained {steps} steps in {train_seconds:.0f} s",
        "parameters": int(generator.count_params()),
        "rows": rows,
        "criteria": criteria,
    }, reports, generator


INPUT_NAMES = {family: {"condition"} if family == "pix2pix" else {"noise", "condition"} for family in FAMILIES}


def input_mismatch(generator, family):
    """Why `generator` cannot stand for `family` (its inputs are not the family's), or None when it can."""
    got = {t.name: tuple(t.shape[1:]) for t in generator.inputs}
    if family == "conditional" and set(got) == INPUT_NAMES[family] and num_classes(generator) is None:
        return "its condition feeds no class Embedding (the conditional family's inputs are class ids)"
    if set(got) == INPUT_NAMES[family]:
        want = {name: value.shape[1:] for name, value in FAMILIES[family][1](generator, 2, 0).items()}
        if all(len(got[n]) == len(want[n]) and all(g in (None, w) for g, w in zip(got[n], want[n])) for n in got):
            return None
    else:
        want = sorted(INPUT_NAMES[family])
    return f"its inputs {got} are not the {family} family's ({want})"


FIGURE_ROWS = {"saved_model": "SavedModel", "onnx": "ONNX", "tflite-float32": "TFLite float32",
               "tflite-float16": "TFLite float16", "tflite-int8": "TFLite int8"}


def save_figure(reports, generator_inputs, path):
    """Each export on the same inputs, one row per runtime (a PNG, rows and columns labelled).

    Rows: SavedModel, ONNX, TFLite float32, float16, int8; columns: one per class (`figure_inputs`).
    """
    from keras_cgan.callbacks import save_image_grid
    from keras_cgan.export import runtimes

    samples = [runtimes.load_runtime(reports[kind].path)(generator_inputs)["sample"] for kind in FIGURE_ROWS]
    save_image_grid(
        np.concatenate(samples), path, rows=len(samples), scale=4,  # [rows * B, H, W, C]
        row_labels=list(FIGURE_ROWS.values()),
        col_labels=[f"class {c}" for c in generator_inputs["condition"]],
    )


def table_rows(results):
    """One row per family and runtime, for the printed Markdown table."""
    rows = []
    for family, result in results.items():
        for kind, row in result["rows"].items():
            rows.append({
                "family": family,
                "runtime": kind,
                "batch 1 ms": round(row["batch1_ms"], 3),
                "batch 16 ms": round(row["batch16_ms"], 3),
                "KiB": "" if row["file_bytes"] is None else round(row["file_bytes"] / 1024, 1),
                "max abs error": "" if "max_abs_error" not in row else f"{row['max_abs_error']:.2g}",
                "SNR dB": "" if "snr_db" not in row else f"{row['snr_db']:.1f}",
            })
    return rows


COLUMNS = ["family", "runtime", "batch 1 ms", "batch 16 ms", "KiB", "max abs error", "SNR dB"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", nargs="+", default=None, choices=sorted(FAMILIES),
                        help="default: all; with --generator, the one family it is for")
    parser.add_argument("--steps", type=_report.at_least(1), default=None, help="training steps per generator (default: per family)")
    parser.add_argument("--generator", default=None,
                        help="use this trained generator (or GAN) `.keras` instead; needs --families FAMILY")
    parser.add_argument("--runs", type=_report.at_least(1), default=200, help="timed calls per measurement (default 200)")
    parser.add_argument("--calibration", type=_report.at_least(1), default=100, help="int8 calibration samples (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", default=None, help="write a PNG of every export's samples here")
    _report.output_options(parser, "export_latency")
    args = parser.parse_args(argv)
    if args.families:
        args.families = list(dict.fromkeys(args.families))  # a family named twice is measured once
    out = _report.check_out(parser, "export_latency", args.out)
    _report.check_picture(parser, args.figure, "--figure")
    generator = None
    if args.generator:
        if not args.families or len(args.families) != 1:
            parser.error(f"--generator {args.generator}: name the one family it is for, e.g. --families conditional")
        from keras_cgan import export

        try:
            generator = export.load_generator(args.generator)
        except ValueError as e:
            parser.error(f"--generator: {e}")
        mismatch = input_mismatch(generator, args.families[0])
        if mismatch:
            parser.error(f"--generator {args.generator}: {mismatch}")
    args.families = args.families or sorted(FAMILIES)

    note = (
        "median ms per call; 2 CPU cores shared with other jobs (timings under contention); "
        "LiteRT runs with 1 thread, onnxruntime and TF with their defaults"
    )
    results = {}
    with _report.kept_on_interrupt(out, args.run, what="families") as finished, \
            tempfile.TemporaryDirectory() as workdir:
        for family in args.families:
            results[family], reports, measured = bench_family(family, args, workdir, generator)
            print(f"{family}: done", flush=True)
            if args.figure and family == "conditional":
                save_figure(reports, figure_inputs(measured, args.seed), args.figure)
            # Written after every family, so a run cut short keeps what it finished (marked incomplete).
            finished.record(family, "export_latency", {"note": note, "args": vars(args), "families": results,
                                                       "rows": table_rows(results)},
                            run=args.run, out=args.out, complete=len(results) == len(args.families))
        _report.show(out, args.run, table_rows(results), COLUMNS)
    for family, result in results.items():
        print(f"\n{family} ({result['generator']}, {result['parameters']} parameters), criteria:")
        for name, ok in result["criteria"].items():
            print(f"  {'met    ' if ok else 'NOT met'}  {name}")
    return results


def figure_inputs(generator, seed):
    """One input per class of `generator` for the conditional family's figure, noise as wide as its own."""
    rng = np.random.default_rng(seed + 3)
    classes = num_classes(generator)
    return {"noise": noise_for(generator, classes, rng), "condition": np.arange(classes, dtype="int32")}


if __name__ == "__main__":
    main()
