"""Pix2Pix training throughput from a folder of A|B JPEGs vs the same data in memory.

Writes `--files` 256x256 A|B JPEG pairs (512x256 files, rendered facades) to
a temporary folder, then trains the same `Pix2Pix` model from

* `folder`: `paired_image_dataset(folder)`: parallel decode, resize to 286,
  cache, random crop 256 + mirror, batch, prefetch;
* `memory`: the same pairs decoded and resized beforehand, held as `uint8`
  arrays, through `paired_array_dataset` (same jitter, batch, prefetch);

timing alternating rounds of `--steps` steps each. The first folder round
(the cache filling) is reported on its own; the ratios (wall steps/s and CPU
seconds per step) use the rounds after it.

    python benchmarks/pix2pix_input_pipeline.py
    python benchmarks/pix2pix_input_pipeline.py --files 400 --base-filters 64

Writes benchmarks/results/pix2pix_input_pipeline.json.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from keras_cgan.data import synthetic_images  # noqa: E402
import _report  # noqa: E402  (the script's own folder is on the path)

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def write_jpegs(folder, count, size=256, seed=0):
    labels, facades = synthetic_images.labels2facade(count, size=size, seed=seed)
    to_u8 = lambda x: ((x + 1) * 127.5).round().astype("uint8")
    for i in range(count):
        pair = np.concatenate([to_u8(facades[i]), to_u8(labels[i])], 1)  # A | B  [256, 512, 3]
        Image.fromarray(pair).save(os.path.join(folder, f"{i:04d}.jpg"), quality=90)


def load_in_memory(folder, load_size):
    """The folder decoded and resized once, as the loader would: uint8 [N, L, L, 3] x 2."""
    import tensorflow as tf

    a, b = [], []
    for name in sorted(os.listdir(folder)):
        image = tf.io.decode_jpeg(tf.io.read_file(os.path.join(folder, name)), channels=3)
        half = image.shape[1] // 2
        for side, out in ((image[:, :half], a), (image[:, half:], b)):
            side = tf.image.resize(side, [load_size, load_size], antialias=True)
            out.append(tf.cast(tf.clip_by_value(tf.round(side), 0, 255), "uint8").numpy())
    return np.stack(a), np.stack(b)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=_report.at_least(1), default=48)
    parser.add_argument("--image-size", type=_report.at_least(8), default=256)
    parser.add_argument("--batch-size", type=_report.at_least(1), default=1)
    parser.add_argument("--base-filters", type=_report.at_least(1), default=16)
    parser.add_argument("--steps", type=_report.at_least(1), default=48, help="steps per timed round")
    parser.add_argument("--rounds", type=_report.at_least(1), default=3)
    _report.output_options(parser, "pix2pix_input_pipeline")
    args = parser.parse_args(argv)
    _report.check_out(parser, "pix2pix_input_pipeline", args.out)
    import keras

    from keras_cgan import Pix2Pix, networks
    from keras_cgan.data import paired_array_dataset, paired_image_dataset

    size, load_size = args.image_size, args.image_size * 286 // 256
    keras.utils.set_random_seed(0)
    shape = (size, size, 3)
    g = networks.unet_generator(shape, 3, base_filters=args.base_filters)
    d = networks.patch_discriminator(shape, shape, base_filters=args.base_filters)
    model = Pix2Pix(g, d, seed=0)
    model.compile()

    with tempfile.TemporaryDirectory() as folder:
        write_jpegs(folder, args.files, size)
        from_folder = paired_image_dataset(folder, image_size=size, batch_size=args.batch_size, seed=0).repeat()
        a, b = load_in_memory(folder, load_size)
        in_memory = paired_array_dataset(a, b, image_size=size, batch_size=args.batch_size, seed=0).repeat()
        model.fit(in_memory, steps_per_epoch=2, epochs=1, verbose=0)  # trace once

        def timed(ds, name=None):
            start, start_cpu = time.perf_counter(), time.process_time()
            model.fit(ds, steps_per_epoch=args.steps, epochs=1, verbose=0)
            if name:  # CPU seconds per step, all threads (decoding included)
                cpu[name].append((time.process_time() - start_cpu) / args.steps)
            return args.steps / (time.perf_counter() - start)

        rates, cpu = {"folder": [], "memory": []}, {"folder": [], "memory": []}
        first = timed(from_folder)  # fills the cache
        for _ in range(args.rounds):
            rates["memory"].append(timed(in_memory, "memory"))
            rates["folder"].append(timed(from_folder, "folder"))

    result = {
        "config": vars(args) | {"out": None},
        "steps_per_s": {k: {"median": float(np.median(v)), "rounds": v} for k, v in rates.items()},
        "folder_first_pass_steps_per_s": first,
        "ratio_folder_to_memory": float(np.median(rates["folder"]) / np.median(rates["memory"])),
        "cpu_seconds_per_step": {k: float(np.median(v)) for k, v in cpu.items()},
        # Steps per CPU second, folder over memory: steadier when other jobs share the cores.
        "ratio_cpu": float(np.median(cpu["memory"]) / np.median(cpu["folder"])),
        "note": "2 CPU cores shared with other jobs while measured; rounds alternate to share the load.",
    }
    _report.record("pix2pix_input_pipeline", result, run=args.run, out=args.out)
    print(f"{'source':<8} {'median steps/s':>15}")
    for name, v in result["steps_per_s"].items():
        print(f"{name:<8} {v['median']:>15.3f}")
    print(f"folder first pass (decoding, cache filling): {first:.3f} steps/s")
    print(f"ratio folder / memory: {result['ratio_folder_to_memory']:.3f} wall, "
          f"{result['ratio_cpu']:.3f} by CPU time per step")
    return result


if __name__ == "__main__":
    main()
