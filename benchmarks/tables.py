"""Generates every result table of the docs from `benchmarks/results/*.json`.

A table lives in a Markdown page between two markers::

    <!-- table: NAME -->
    ...generated, do not edit...
    <!-- /table -->

    python benchmarks/tables.py            # rewrite the tables in README.md and docs/**/*.md
    python benchmarks/tables.py --check    # exit 1 (and name them) if a page differs
    python benchmarks/tables.py --list     # each table, the pages it fills and the results file it reads

Each table ends with a line naming its results file and runs, so every number in
it can be traced. A run recorded with `"complete": false` (its benchmark was
stopped before the end) is in no table; a table that reads it by name fails,
naming it. `tests/test_docs.py` fails when a page's table differs from
what this script makes.
"""

import argparse
import glob
import json
import math
import os
import re
import sys
import sysconfig
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
MARKER = re.compile(r"(<!-- table: ([\w.-]+) -->\n)(.*?)(<!-- /table -->)", re.S)


# ---------------------------------------------------------------- helpers

LOADED = []  # the results files (paths from the repository) the table being made has loaded


def load(name):
    """A results file, its complete runs in "runs" (a run stopped before its end is in "partial" only)."""
    path = os.path.join(RESULTS, f"{name}.json")
    LOADED.append(os.path.relpath(path, REPO))
    with open(path) as f:
        results = json.load(f)
    results["partial"] = [r["name"] for r in results["runs"] if partial(r)]
    results["runs"] = [r for r in results["runs"] if not partial(r)]
    return results


def partial(run):
    """Whether `run` stopped before its end: `"complete": false` (a `<run>:partial` entry included), or, as
    pix2pix_blur and export_latency once recorded it, `"complete": false` inside its result."""
    result = run.get("result")
    return (run.get("complete") is False or run["name"].endswith(":partial")
            or (isinstance(result, dict) and result.get("complete") is False))


class MissingRun(KeyError):
    """A results file without the run a table reads."""


def run(results, name):
    for r in results["runs"]:
        if r["name"] == name:
            return r
    if name in results.get("partial", ()):
        raise MissingRun(f"{results['benchmark']}.json: run {name!r} is partial (stopped before its end), "
                         "no table shows it")
    if f"{name}:partial" in results.get("partial", ()):
        raise MissingRun(f"{results['benchmark']}.json has no run {name!r}, only {name + ':partial'!r}, "
                         "a run stopped before its end, which no table shows; run it to its end")
    raise MissingRun(f"{results['benchmark']}.json has no run {name!r}")


def fmt(value, digits=3):
    """A cell: floats to `digits` decimals, None/'' as empty, inf as inf."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        if digits == "e":
            return f"{value:.1e}"
        if digits == "int":
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    if isinstance(value, int) and digits == "int":
        return f"{value:,}"
    return str(value)


def markdown(columns, rows):
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def source(name, runs=None):
    where = f"`benchmarks/results/{name}.json`"
    if runs:
        where += ", run" + ("s " if len(runs) > 1 else " ") + ", ".join(f"`{r}`" for r in runs)
    return f"\nSource: {where}."


def table(name, columns, rows, runs=None):
    return markdown(columns, rows) + "\n" + source(name, runs)


# ---------------------------------------------------------------- ConditionalGAN

def condition_fidelity():
    r = run(load("condition_fidelity"), "default")["result"]
    epochs = [c for c in r["rows"][0] if c.startswith("epoch")]
    columns = epochs + [c for c in ("diversity",) if c in r["rows"][0]]
    rows = [[row["discriminator"]] + [fmt(row[c]) for c in columns] for row in r["rows"]]
    seeds = r["args"].get("seeds", 1)
    mean = f" Each row is the mean of {seeds} seeds." if seeds > 1 else ""
    real = f"\nThe same classifier on real held-out digits: {fmt(r['real_digit_accuracy'])}.{mean}"
    if "real_diversity" in r:
        real += (f" Diversity: how much two generated digits of one class differ (RMS, at {epochs[-1]}); "
                 f"real digits': {fmt(r['real_diversity'])}.")
    return table("condition_fidelity", ["discriminator"] + columns, rows, ["default"]) + real


def train_step_speed():
    r = run(load("train_step_speed"), "default")["result"]
    cols = ["train step", "examples/s", "vs reference", "vs reference (median rounds)"]
    rows = [[row[cols[0]], fmt(row[cols[1]], 0)] + [fmt(row[c]) for c in cols[2:]] for row in r["rows"]]
    return table("train_step_speed", cols, rows, ["default"])


def discriminator_designs():
    r = run(load("discriminator_designs"), "default")["result"]
    rows = []
    for key, m in r["runs"].items():
        design, mismatch = key.split(", mismatch ")
        rows.append([design, mismatch, fmt(m["hair"]), fmt(m["both_eyes"]), fmt(m["all"]), fmt(m["diversity"]),
                     fmt(m["seconds"], 0)])
    cols = ["design", "mismatch", "hair", "both eyes", "all", "diversity", "train s"]
    extra = f"\nReal faces' diversity: {fmt(r['real_diversity'])}; a collapsed generator's: 0. {r['steps']} steps."
    return table("discriminator_designs", cols, rows, ["default"]) + extra


def caption_generalisation():
    runs = load("caption_generalisation")["runs"]
    rows = []
    for r in runs:
        for key, m in r["result"]["runs"].items():
            u, s = m["unseen_captions"], m["seen_captions"]
            raw = m.get("unseen_captions_raw_weights", {}).get("shape")
            rows.append([f"`{r['name']}`", f"`{key}`", str(m["args"]["epochs"]), fmt(u["colour"]), fmt(u["shape"]),
                         fmt(u["position"]), fmt(u["all"]), fmt(u["diversity"]), fmt(s["colour"]), fmt(s["shape"]),
                         fmt(s["position"]), fmt(raw), fmt(m["train_seconds"], 0)])
    cols = ["run", "flags of examples/text_to_image.py", "epochs", "unseen: colour", "shape", "position", "all",
            "diversity", "seen: colour", "shape", "position", "unseen shape, trained (not averaged) weights", "train s"]
    return table("caption_generalisation", cols, rows, [r["name"] for r in runs])


# ---------------------------------------------------------------- StackGAN

def stack_gan_example():
    results = load("stack_gan_example")
    runs = sorted(results["runs"], key=lambda r: r["name"] != "defaults")   # the example's defaults first
    rows = []
    for r in runs:
        m, a = r["result"], r["result"].get("args", {})
        rows.append([f"`{r['name']}`", fmt(a.get("kl_weight")), ", ".join(str(g) for g in a.get("grow_at", [])),
                     str(m.get("steps", "")), fmt(m["stage1"]["all"]), fmt(m["stage2"]["all"]),
                     fmt(m["stage3"]["hair"]), fmt(m["stage3"]["both_eyes"]), fmt(m["stage3"]["all"]),
                     fmt(m["sharpness_last_over_stage1_bilinear"], 2), fmt(m["sharpness_last_over_stage1_nearest"], 2),
                     fmt(m["sharpness_last_over_real"], 2), fmt(m["diversity"]), fmt(m.get("seconds"), 0)])
    cols = ["run", "kl_weight", "growth at epochs", "steps", "stage 1 all", "stage 2 all", "stage 3 hair",
            "stage 3 both eyes", "stage 3 all", "sharpness / stage 1 bilinear", "/ stage 1 nearest", "/ real",
            "diversity", "train s"]
    # Real faces depend on the seed only; runs before this field measured them across tag sets.
    real = [run(results, name)["result"]["real_diversity_per_tags"]
            for name in ("defaults", "defaults_seed1", "defaults_seed2")]
    extra = (f"\nDiversity: how much two faces of one tag set differ (RMS); real faces of one tag set: "
             f"{' / '.join(fmt(x) for x in real)} at seeds 0-2.")
    return table("stack_gan_example", cols, rows, [r["name"] for r in runs]) + extra


def stackgan():
    results = load("stackgan")
    cols = ["model", "hair", "both eyes", "all", "sharpness / real", "sharpness / stage 1 bilinear", "diversity",
            "G params", "steps", "seconds"]
    rows = []
    for r in results["runs"]:
        for row in r["result"]["rows"]:
            rows.append([row["model"], fmt(row["hair"]), fmt(row["both eyes"]), fmt(row["all"]),
                         fmt(row["sharpness / real"], 2), fmt(row["sharpness / stage 1 bilinear"], 2),
                         fmt(row["diversity"]), fmt(row["G params"], "int"), str(row["steps"]), fmt(row["seconds"], 0)])
    return table("stackgan", cols, rows, [r["name"] for r in results["runs"]])


def stackgan_step_speed():
    r = run(load("stackgan_step_speed"), "default")["result"]
    cols = ["form", "stages", "median steps/s", "CPU s / step", "median / default",
            "CPU time: default / this"]
    rows = [[row["form"], str(row["stages"]), fmt(row["median steps/s"], 2), fmt(row["CPU s/step"]),
             fmt(row["median / default"], 2), fmt(row["CPU time: default / this"], 2)] for row in r["rows"]]
    return table("stackgan_step_speed", cols, rows, ["default"])


# ---------------------------------------------------------------- Pix2Pix

def pix2pix_blur():
    r = run(load("pix2pix_blur"), "default")["result"]
    rows = []
    for task, variants in r["results"].items():
        for variant, m in variants.items():
            rows.append([task, variant, fmt(m["psnr"], 2), fmt(m["ssim"]), fmt(m["sharpness_ratio"], 2),
                         fmt(m.get("flat_error"), 4), fmt(m.get("edge_similarity")), fmt(m.get("spectral_match"))])
    cols = ["task", "variant", "PSNR (dB)", "SSIM", "sharpness / real", "flat error", "edge similarity",
            "spectral match"]
    return table("pix2pix_blur", cols, rows, ["default"])


def _trajectory(m):
    return {p["step"]: p["sharpness_ratio"] for p in m.get("trajectory", [])}


def pix2pix_blur_runs():
    results = load("pix2pix_blur")
    rows = []
    for r in results["runs"]:
        c = r["result"]["config"]
        facade = r["result"]["results"].get("labels2facade", {})
        for variant, m in facade.items():
            if variant == "l1":
                continue
            lowpass = m.get("l1_lowpass", c.get("l1_lowpass"))
            steps = _trajectory(m)
            l1 = facade.get("l1", {}).get("sharpness_ratio")
            rows.append([f"`{r['name']}`", variant, fmt(lowpass, 1) if isinstance(lowpass, float) else "",
                         str(c.get("seed", 0)), c.get("norm", ""), c.get("upsample") or "transpose",
                         fmt(c.get("r1_weight") or 0.0, 1)]
                        + [fmt(steps.get(s), 2) for s in (400, 800, 1200)]
                        + [fmt(m["sharpness_ratio"], 2), fmt(l1, 2), fmt(m["psnr"], 2)])
    cols = ["run", "variant", "l1_lowpass", "seed", "norm", "upsample", "r1_weight", "sharpness at 400", "800", "1200",
            "1600", "L1 only at 1600", "PSNR (dB)"]
    return table("pix2pix_blur", cols, rows, [r["name"] for r in results["runs"]])


def pix2pix_blur_regions():
    results = load("pix2pix_blur")
    rows = []
    for name in ("default", "resize"):
        for variant, m in run(results, name)["result"]["results"]["labels2facade"].items():
            g, real = m.get("region_sharpness"), m.get("region_sharpness_real")
            if not g:
                continue
            rows.append([f"`{name}`", variant, fmt(g["sky"], 3)]
                        + [fmt(g[k] / real[k], 2) for k in ("wall", "window", "door")])
    real_sky = run(results, "default")["result"]["results"]["labels2facade"]["l1"]["region_sharpness_real"]["sky"]
    cols = ["run", "variant", f"sky (RMS gradient; real {fmt(real_sky, 4)})", "wall / real", "window / real",
            "door / real"]
    return table("pix2pix_blur", cols, rows, ["default", "resize"])


def pix2pix_step_speed():
    results = load("pix2pix_step_speed")
    rows = []
    for r in results["runs"]:
        spe = r["result"]["config"].get("steps_per_execution", 1)
        for row in r["result"]["rows"]:
            rows.append([f"`{r['name']}`", str(spe), row["step"], fmt(row["median steps/s"]),
                         fmt(row["fastest steps/s"]), fmt(row["CPU s/step"]), fmt(row["median / tutorial"]),
                         fmt(row["CPU time: tutorial / this"])])
    cols = ["run", "steps_per_execution", "step", "median steps/s", "fastest steps/s", "CPU s / step",
            "median / tutorial", "CPU time: tutorial / this"]
    return table("pix2pix_step_speed", cols, rows, [r["name"] for r in results["runs"]])


def pix2pix_input_pipeline():
    r = run(load("pix2pix_input_pipeline"), "default")["result"]
    rows = [[k, fmt(v["median"]), fmt(r["cpu_seconds_per_step"][k])] for k, v in r["steps_per_s"].items()]
    rows.append(["folder, first pass (decoding)", fmt(r["folder_first_pass_steps_per_s"]), ""])
    extra = (f"\nFolder / memory: {fmt(r['ratio_folder_to_memory'])} (steps/s), "
             f"{fmt(r['ratio_cpu'])} (by CPU time per step).")
    return table("pix2pix_input_pipeline", ["source", "median steps/s", "CPU s / step"], rows, ["default"]) + extra


# ---------------------------------------------------------------- SEGAN

def segan_quality():
    r = run(load("segan_quality_speed"), "default")["result"]
    rows = []
    for name, m in r["quality"].items():
        rows.append([name, fmt(m["snr"], 2), fmt(m["snr_improvement"], 2), fmt(m.get("snr_without_ema"), 2),
                     fmt(m["segsnr"], 2), fmt(m["pesq"], 2), fmt(m["stoi"]), fmt(m["train_seconds"], 0)])
    cols = ["model", "SNR dB (EMA)", "ΔSNR (EMA)", "SNR dB (raw weights)", "segSNR", "PESQ (wb)", "STOI", "train s"]
    return table("segan_quality_speed", cols, rows, ["default"])


def segan_progress():
    r = run(load("segan_quality_speed"), "default")["result"]["quality"]
    steps = [p["step"] for p in r["segan"]["progress"]]
    rows = []
    for name in ("l1_only", "segan"):
        prog = r[name]["progress"]
        rows.append([f"{name} ΔSNR (raw)"] + [fmt(p["snr_improvement"], 2) for p in prog])
        rows.append([f"{name} ΔSNR (EMA)"] + [fmt(p["ema"]["snr_improvement"], 2) for p in prog])
    rows.append(["segan PESQ (EMA)"] + [fmt(p["ema"]["pesq"], 2) for p in r["segan"]["progress"]])
    rows.append(["segan d_fake"] + [fmt(p["d_fake"]) for p in r["segan"]["progress"]])
    return table("segan_quality_speed", ["step"] + [str(s) for s in steps], rows, ["default"])


def segan_speed():
    s = run(load("segan_quality_speed"), "default")["result"]["speed"]
    rows = []
    for name in ("keras", "onnxruntime", "tflite_fp32", "tflite_fp16", "tflite_dynamic"):
        m = s["tflite_int8"] if name == "tflite_dynamic" and name not in s else s[name]  # its earlier name
        size = m.get("size_bytes")
        rows.append([name, fmt(m["rtf"]), fmt(m["rtf_cpu_time"]), fmt(m.get("max_abs_error_vs_enhance"), "e"),
                     fmt(size / 2**20, 2) if size else ""])
    cols = ["runtime", "RTF wall", "RTF cpu", "max abs err vs `enhance()`", "MiB"]
    extra = (f"\n{s['audio_seconds']:.0f} s of audio, window {s['window']}, one thread; tflite_dynamic: int8 "
             "weights, float activations.")
    return table("segan_quality_speed", cols, rows, ["default"]) + extra


def _speech_cells(method, kinds=(), pesq_digits=2):
    """A method's overall SNR, segSNR, PESQ-WB, STOI cells, then "SNR / PESQ" for each of `kinds`."""
    o, k = method["overall"], method["by_noise"]
    return ([fmt(o["snr"], 2), fmt(o["segsnr"], 2), fmt(o["pesq"], pesq_digits), fmt(o["stoi"])]
            + [f"{fmt(k[kind]['snr'], 2)} / {fmt(k[kind]['pesq'], 2)}" for kind in kinds])


def speech_peers():
    results = load("speech_peers")
    r = run(results, "default")["result"]
    m = r["methods"]
    rows = [[name] + _speech_cells(v) + [fmt(v["rtf"]), fmt(v["rtf_cpu_time"])] for name, v in m.items()]
    main = markdown(["method", "SNR dB", "segSNR", "PESQ-WB", "STOI", "RTF wall", "RTF cpu"], rows)
    kinds = list(next(iter(m.values()))["by_noise"])
    unseen = r["corpus"]["unseen_noises"]
    rows = [[name] + _speech_cells(v, kinds)[4:] for name, v in m.items()]
    heads = [k + (" (unseen)" if k in unseen else "") for k in kinds]
    c = r["corpus"]
    note = (f"\n{c['test_utterances']} held-out utterances ({c['test_seconds']:.0f} s; sentences and voices not in "
            f"training) at {', '.join(f'{s:.0f}' for s in c['test_snr_db'])} dB input SNR; RTF on one thread. "
            f"SEGAN trained in {r['training']['segan']['seconds'] / 60:.1f} min.")
    quiet = run(results, "quiet, default model")["result"]["methods"]
    note += (f" Timed again in a fresh process, the only job on the machine (run `quiet, default model`): SEGAN "
             f"{fmt(quiet['segan']['rtf'])}, RNNoise {fmt(quiet['rnnoise']['rtf'])}.")
    return (main + "\n\nSNR dB / PESQ-WB per noise kind:\n\n" + markdown(["method"] + heads, rows) + "\n"
            + source("speech_peers", ["default"]) + note)


# run -> (kernel, z channels, the run that timed a model of its size on a quiet machine); the
# results record the `--set` overrides, not the preset's values, so the sizes are named here.
SIZE_RUNS = {
    "kernel 15, z 128, 3000 steps": ("15", "128", "kernel 15 model, same day as quiet"),
    "kernel 11, z 32, 3000 steps": ("11", "32", None),
    "default before noise reshaping": ("11", "32", "quiet"),
}
QUIET_RUNS = [quiet for _, _, quiet in SIZE_RUNS.values() if quiet]


def speech_peers_size():
    """SEGAN's model size and steps against quality, training time and a quiet one-core RTF."""
    results = load("speech_peers")
    rows = []
    for name, (kernel, z, quiet) in SIZE_RUNS.items():
        r = run(results, name)["result"]
        segan, o = r["methods"]["segan"], r["methods"]["segan"]["overall"]
        rtf = fmt(run(results, quiet)["result"]["methods"]["segan"]["rtf"]) if quiet else "as below (same size)"
        rows.append([f"`{name}`", kernel, z, str(r["args"]["steps"]), fmt(r["training"]["segan"]["seconds"] / 60, 1),
                     fmt(o["snr"], 2), fmt(o["segsnr"], 2), fmt(o["pesq"], 3), fmt(o["stoi"]),
                     fmt(segan["by_noise"]["machine"]["pesq"], 2), rtf])
    cols = ["run", "kernel", "z channels", "steps", "train min", "SNR dB", "segSNR", "PESQ-WB", "STOI",
            "PESQ machine", "RTF, quiet, one core"]
    note = ("\nThe RTFs were timed one after the other in fresh processes on the same quiet machine (runs "
            + ", ".join(f"`{q}`" for q in QUIET_RUNS) + "; the kernel-15 time is of an earlier model of "
            "that size); RNNoise in the same runs: "
            + ", ".join(fmt(run(results, q)["result"]["methods"]["rnnoise"]["rtf"]) for q in QUIET_RUNS) + ".")
    return table("speech_peers", cols, rows, list(SIZE_RUNS) + QUIET_RUNS) + note


# run -> what its training noise was (all three: the default recipe otherwise, 4,500 steps)
NOISE_RUNS = {
    "default before noise reshaping": "the four recorded kinds only",
    "reshape_noise=0.5, no clicks": "half the windows reshaped: spectrum, loudness",
    "default": "half the windows reshaped: spectrum, loudness, clicks",
}


def speech_peers_noise():
    """SEGAN trained on the recorded noise kinds alone against reshaped noise windows."""
    kinds = ("babble", "machine", "music")
    results = load("speech_peers")
    rows = [[what] + _speech_cells(run(results, name)["result"]["methods"]["segan"], kinds, 3)
            for name, what in NOISE_RUNS.items()]
    rnnoise = run(results, "default")["result"]["methods"]["rnnoise"]
    rows.append(["RNNoise, for reference"] + _speech_cells(rnnoise, kinds, 3))
    columns = ["SEGAN's training noise", "SNR dB", "segSNR", "PESQ-WB", "STOI", "babble SNR / PESQ",
               "machine (unseen)", "music (unseen)"]
    return table("speech_peers", columns, rows, list(NOISE_RUNS))


FRESH_RUN = "fresh kinds: traffic, applause"


def speech_peers_fresh():
    """The default models on two noise kinds used for no choice."""
    r = run(load("speech_peers"), FRESH_RUN)["result"]
    m = r["methods"]
    kinds = list(next(iter(m.values()))["by_noise"])
    rows = [[name] + _speech_cells(v, kinds) for name, v in m.items()]
    columns = ["method", "SNR dB", "segSNR", "PESQ-WB", "STOI"] + [f"{k} SNR / PESQ" for k in kinds]
    return table("speech_peers", columns, rows, [FRESH_RUN])


STFT_RUNS = ["stft_weight=0, 1500 steps", "stft_weight=1, 1500 steps", "stft_weight=3, 1500 steps"]


def speech_peers_stft():
    results = load("speech_peers")
    rows = []
    for name in STFT_RUNS:
        segan = run(results, name)["result"]["methods"]["segan"]
        o, k = segan["overall"], segan["by_noise"]
        rows.append([name.split(",")[0], fmt(o["snr"], 2), fmt(o["segsnr"], 2), fmt(o["pesq"], 3), fmt(o["stoi"]),
                     fmt(k["machine"]["pesq"], 2), fmt(k["music"]["pesq"], 2)])
    columns = ["SEGAN, 1,500 steps", "SNR dB", "segSNR", "PESQ-WB", "STOI", "PESQ machine", "PESQ music"]
    return table("speech_peers", columns, rows, STFT_RUNS)


# ---------------------------------------------------------------- every family, new tasks

def _generalisation_measure(family, r):
    if family == "next_frame_gan":
        return f"commits to one future {fmt(r['commit'], 2)}, rarer branch {fmt(r['branch_share_min'], 2)}"
    if family == "pix2pix":
        l1, gan = r["l1"], r["gan"]
        texture = (f"texture corr {fmt(l1['texture_corr'], 2)} / {fmt(gan['texture_corr'], 2)}, "
                   if "texture_corr" in gan else "")
        # texture tasks: the flat background outside the texture (its gaps are flat too, at a free phase)
        key, where = ("background_error", " outside the texture") if "background_error" in gan else ("flat_error", "")
        split = ""
        if "background_error_near" in gan:  # within 3 pixels of the texture, or beyond
            split = (f" (within 3 px of it {fmt(l1['background_error_near'], 4)} / "
                     f"{fmt(gan['background_error_near'], 4)}, beyond {fmt(l1['background_error_far'], 4)} / "
                     f"{fmt(gan['background_error_far'], 4)})")
        if key == "background_error" and "flat_error" in gan:
            split += f", over every flat pixel {fmt(l1['flat_error'], 4)} / {fmt(gan['flat_error'], 4)}"
        return (f"L1 only / GAN+L1: {texture}error where flat{where} {fmt(l1[key], 4)} / {fmt(gan[key], 4)}{split}, "
                f"sharpness {fmt(l1['sharpness_ratio'], 2)} / {fmt(gan['sharpness_ratio'], 2)}")
    others = _judge_reads(family, r)[1]
    others = f" (judges from other seeds: {' / '.join(fmt(x, 3) for x in others)})" if others else ""
    if family == "conditional_gan":
        return (f"condition accuracy {fmt(r['condition_accuracy'], 3)}{others}, diversity {fmt(r['diversity'], 2)} "
                f"(real {fmt(r['real_diversity'], 2)})")
    if family == "stack_gan":
        if "stage1_first_tag_accuracy" not in r:
            return f"both tags {fmt(r['tag_accuracy'], 3)}"
        return (f"both tags {fmt(r['tag_accuracy'], 3)}{others}; first tag {fmt(r['first_tag_accuracy'], 2)} "
                f"(stage 1 {fmt(r['stage1_first_tag_accuracy'], 2)}), colour {fmt(r['colour_accuracy'], 2)} "
                f"(stage 1 {fmt(r['stage1_colour_accuracy'], 2)})")
    return f"SNR gain {fmt(r['snr_gain'], 2)} dB"


def generalisation():
    families = run(load("generalisation"), "defaults")["result"]["families"]
    rows = []
    for family, entry in families.items():
        for task, t in entry["tasks"].items():
            r = t["result"]
            kinds = ", ".join(r.get("collapse_kinds") or [])
            rows.append([family, task, t["half"], _generalisation_measure(family, r),
                         f"yes ({kinds})" if r.get("collapsed") else "no"])
    return table("generalisation", ["family", "task", "half", "measured (defaults)", "collapsed"], rows, ["defaults"])


FAMILIES = ("next_frame_gan", "pix2pix", "conditional_gan", "stack_gan", "segan")  # the suite's order
JUDGED = ":other_judges,"  # runs whose samples `--other-judges` also read
TIME_RUNS = [f"{f}:set_time,alone" for f in FAMILIES]


def _keys_of(new, old):
    """`new` with only the keys `old` has, at every depth: a row compared with one measured before a field existed.

    >>> _keys_of({"gan": {"flat_error": 0.1, "near": 0.2}, "passes": True}, {"gan": {"flat_error": 0.3}})
    {'gan': {'flat_error': 0.1}}
    """
    if not isinstance(new, dict) or not isinstance(old, dict):
        return new
    return {k: _keys_of(v, old[k]) for k, v in new.items() if k in old}


def _shown_alike(family, new, old):
    """Whether two task results read the same in the `generalisation` table (fields `old` lacks left out)."""
    return _generalisation_measure(family, _keys_of(new, old)) == _generalisation_measure(family, old)


def generalisation_time():
    """Each family's whole set, alone on the machine: its time, and whether it repeats the `defaults` rows."""
    results = load("generalisation")
    defaults = run(results, "defaults")["result"]["families"]
    rows = []
    for name in TIME_RUNS:
        (family, entry), = run(results, name)["result"]["families"].items()
        tasks, command = entry["tasks"], entry["last_command"]
        if set(command["tasks"]) != set(tasks):
            raise ValueError(f"run {name!r}: its last command ran {command['tasks']}, not every task of the run")
        same = all(_shown_alike(family, t["result"], defaults[family]["tasks"][task]["result"])
                   for task, t in tasks.items())
        rows.append([family, str(len(tasks)), fmt(sum(t["seconds"] for t in tasks.values()) / 60, 1),
                     fmt(command["seconds"] / 60, 1), "yes" if same else "no"])
    cols = ["family", "tasks", "training (min)", "whole command (min)", "figures as in the first table"]
    return table("generalisation", cols, rows, TIME_RUNS)


def classifier_pooling():
    """How often a `concat_acgan` classifier, trained alone on real images, reads their condition."""
    r = run(load("classifier_pooling"), "default")["result"]
    first = ["family", "task", "pixels", "read", "steps"]
    poolings = [c for c in r["rows"][0] if c not in first]
    rows = [[fmt(row[c], "int") for c in first] + [fmt(row[p]) for p in poolings] for row in r["rows"]]
    return table("classifier_pooling", first + poolings, rows, ["default"])


def _judge_reads(family, r):
    """A conditional task's accuracy by its own judge, and by the `--other-judges` judges (`[]` without them)."""
    key = "condition_accuracy" if family == "conditional_gan" else "tag_accuracy"
    return r.get(key), r.get(f"{key}_other_judges") or []


def generalisation_judges():
    """Held-out rows read by the seed's own judge and by judges from other seeds (`--other-judges`), by task."""
    results = load("generalisation")
    names = [r["name"] for r in results["runs"] if JUDGED in r["name"]]
    keyed = []
    for name in names:
        seed = int(name.rsplit("seed=", 1)[1])
        for family, entry in run(results, name)["result"]["families"].items():
            for task, t in entry["tasks"].items():
                own, others = _judge_reads(family, t["result"])
                row = [family, task, str(seed), str(t["steps"]), fmt(own), " / ".join(fmt(x) for x in others),
                       str(sum(x >= 0.9 for x in [own] + others)) + " of " + str(1 + len(others))]
                keyed.append(((FAMILIES.index(family), task, t["steps"], seed), row))
    rows = [row for _, row in sorted(keyed)]  # by task, then steps, then seed
    cols = ["family", "task", "seed", "steps", "own judge", "judges from other seeds", "judges reading >= 0.9"]
    return table("generalisation", cols, rows, names)


NOT_SCREENS = (":set_time,", JUDGED)  # the defaults again: timed alone, or read by more judges


def _setting(entry, t):
    """What a screen run changed: its `setting` (the note says how the run was made), else its note, else its
    `--set` overrides and data options."""
    if entry.get("setting") or entry.get("note"):
        return entry.get("setting") or entry["note"]
    changed = [f"{k}={v.strip(chr(39))}" for k, v in t.get("overrides", {}).items()]
    for key in ("background", "frame_size"):
        if t.get(key) is not None and t[key] != {"background": -1.0, "frame_size": 24}[key]:
            changed.append(f"data {key} {t[key]}")
    return ", ".join(changed) or "defaults"


def _pair(a, b, digits):
    """`a / b`: L1-only's figure and the GAN's, or a figure and the real data's."""
    return f"{fmt(a, digits)} / {fmt(b, digits)}"


SCREEN_CELLS = {  # what a cell of each family's screens table holds
    "next_frame_gan": "commits to one future / the rarer branch's share",
    "pix2pix": ("L1 only / GAN+L1, `corr` texture correlation; error where flat, `out` outside the texture "
                "(`near` within 3 px of it, `far` beyond) and `flat` over every flat pixel; `sharp` sharpness "
                "as a share of real"),
    "conditional_gan": ("condition accuracy (judges from other seeds in brackets); `div` diversity / the real "
                        "data's"),
    "stack_gan": ("both tags right (judges from other seeds in brackets); first tag (stage 1), colour "
                  "(stage 1)"),
    "segan": "SNR gain, dB",
}


def _screen_cell(family, r):
    """One task's figures in a screens table: every figure of its `generalisation` row, in short (`SCREEN_CELLS`)."""
    if family == "next_frame_gan":
        cell = _pair(r["commit"], r["branch_share_min"], 2)
    elif family == "pix2pix":
        l1, gan = r["l1"], r["gan"]
        cell = f"corr {_pair(l1['texture_corr'], gan['texture_corr'], 2)}; " if "texture_corr" in gan else ""
        if "background_error" in gan:
            cell += f"out {_pair(l1['background_error'], gan['background_error'], 4)}"
            if "background_error_near" in gan:
                cell += (f" (near {_pair(l1['background_error_near'], gan['background_error_near'], 4)}, "
                         f"far {_pair(l1['background_error_far'], gan['background_error_far'], 4)})")
        if "flat_error" in gan:
            cell += f"{', ' if 'background_error' in gan else ''}flat {_pair(l1['flat_error'], gan['flat_error'], 4)}"
        cell += f"; sharp {_pair(l1['sharpness_ratio'], gan['sharpness_ratio'], 2)}"
    elif family == "segan":
        cell = fmt(r["snr_gain"], 2)
    else:
        own, others = _judge_reads(family, r)
        cell = fmt(own, 3) + (f" ({' / '.join(fmt(x, 3) for x in others)})" if others else "")
        if family == "conditional_gan":
            cell += f"; div {_pair(r['diversity'], r['real_diversity'], 2)}"
        elif "stage1_first_tag_accuracy" in r:
            cell += (f"; {fmt(r['first_tag_accuracy'], 2)} ({fmt(r['stage1_first_tag_accuracy'], 2)}), "
                     f"{fmt(r['colour_accuracy'], 2)} ({fmt(r['stage1_colour_accuracy'], 2)})")
    if r.get("collapsed"):
        cell += f"; **collapsed** ({', '.join(r.get('collapse_kinds') or [])})"
    return cell


SEED = re.compile(r"\bseeds? \d+")


def _as_above(settings):
    """`settings`, each that differs from the one before only in its seed shortened to "as above" and that seed.

    >>> _as_above(["r1_weight=1; seed 0", "r1_weight=1; seed 3", "r1_weight=3; seed 3"])
    ['r1_weight=1; seed 0', 'as above; seed 3', 'r1_weight=3; seed 3']
    """
    shown = settings[:1]
    for before, setting in zip(settings, settings[1:]):
        same = SEED.sub("seed", setting) == SEED.sub("seed", before)
        shown.append("; ".join(["as above"] + SEED.findall(setting)) if same else setting)
    return shown


def generalisation_screens(family):
    """`family`'s runs that measured a candidate setting (not the timings nor the judges' check), one row each
    after the `defaults` row: its setting, steps and each task's figures."""
    results = load("generalisation")
    runs = [run(results, "defaults")]
    runs += [r for r in results["runs"] if family in r["result"]["families"]
             and r["name"] != "defaults" and not any(k in r["name"] for k in NOT_SCREENS)]
    tasks = [r["result"]["families"][family]["tasks"] for r in runs]
    halves = {}  # {task: its half}, in the order the runs first show the tasks
    for ts in tasks:
        for task, t in ts.items():
            halves.setdefault(task, t["half"])
    settings = ["the defaults"] + ["; ".join(dict.fromkeys(_setting(r, t) for t in ts.values()))
                                   for r, ts in zip(runs[1:], tasks[1:])]
    rows = [[f"`{r['name']}`", setting, ", ".join(dict.fromkeys(str(t["steps"]) for t in ts.values()))]
            + [_screen_cell(family, ts[task]["result"]) if task in ts else "" for task in halves]
            for r, ts, setting in zip(runs, tasks, _as_above(settings))]
    cols = ["run", "setting", "steps"] + [f"{task} ({half})" for task, half in halves.items()]
    where = source("generalisation")[:-1]  # the runs are named in the table
    return f"Each cell: {SCREEN_CELLS[family]}.\n\n{markdown(cols, rows)}\n{where}, runs as named in the first column."


def _screens_table(family):
    """`family`'s screens table as a table of its own: `generalisation_screens_<family>`."""
    def screens():
        return generalisation_screens(family)
    screens.__name__ = f"generalisation_screens_{family}"
    return screens


# ---------------------------------------------------------------- NextFrameGAN

VIDEO = ["junction_one_sprite", "junction_split", "junction_faded", "junction_valid_future", "rollout_intact", "psnr"]


def video_split():
    r = run(load("video_split"), "default")["result"]
    rows = []
    for name, m in r["models"].items():
        rows.append([name] + [fmt(m[c], 2 if c == "psnr" else 3) for c in VIDEO]
                    + [fmt(m["sharpness"]), fmt(m["sharpness_difference"], 2), str(m.get("selected_step", "")),
                       fmt(m.get("train_seconds"), 0)])
    truth = next(iter(r["models"].values()))["sharpness_truth"]
    cols = ["model", "one sprite at junction", "split", "faded", "sprite at a true future", "10-step rollouts intact",
            "PSNR (dB)", f"sharpness (truth {fmt(truth)})", "sharpness diff. (dB)", "selected step", "train s"]
    return table("video_split", cols, rows, ["default"])


def video_split_sweeps():
    results = load("video_split")
    sweeps = [r for r in results["runs"] if r["name"] != "default"]  # the default run has a table of its own
    rows = []
    for r in sweeps:
        for name, m in r["result"]["models"].items():
            weights = f"best on validation (step {m['selected_step']})" if m.get("selected_step") else "last"
            # Before the `weights` field, a `_last_step` row scored the trained weights without the average.
            if name.endswith("_raw") or (name.endswith("_last_step") and "weights" not in m
                                         and r["result"]["config"].get("ema")):
                weights = "last, without the average"
            rows.append([f"`{r['name']}`", name.split("_")[0].upper(), str(r["result"]["config"]["steps"]), weights]
                        + [fmt(m[c], 2 if c == "psnr" else 3) for c in VIDEO])
    cols = ["run", "model", "steps", "weights evaluated", "one sprite", "split", "faded", "true future",
            "rollouts intact", "PSNR (dB)"]
    return table("video_split", cols, rows, [r["name"] for r in sweeps])


# ---------------------------------------------------------------- export, scaling

def export_quickstart():
    r = run(load("export_latency"), "default")["result"]
    rows = []
    for row in r["rows"]:
        if row["family"] != "conditional":
            continue
        rows.append([row["runtime"], fmt(row["batch 1 ms"]), fmt(row["batch 16 ms"]), fmt(row["KiB"], 1),
                     str(row["max abs error"]), str(row["SNR dB"])])
    cols = ["runtime", "batch 1 ms", "batch 16 ms", "KiB", "max abs error", "SNR dB"]
    return table("export_latency", cols, rows, ["default"])


def parity(rows):
    """"pass", or the formats whose largest error exceeds the parity check's tolerance."""
    failed = [f"{fmt_name} {fmt(m['max_abs_error'], 2)} > {fmt(m['tolerance'], 2)}"
              for fmt_name, m in rows.items() if m.get("parity") == "fail"]
    return "; ".join(failed) or "pass"


def export_families():
    r = run(load("export_latency"), "default")["result"]
    rows = []
    for family, f in r["families"].items():
        m, n = f["rows"], f["parameters"]
        fp32, fp16 = m["tflite-float32"]["file_bytes"], m["tflite-float16"]["file_bytes"]
        dyn, int8 = m["tflite-dynamic"]["file_bytes"], m["tflite-int8"]["file_bytes"]
        rows.append([family, fmt(n, "int"), fmt(fp32 / 1024, 1), f"{fmt(fp16 / 1024, 1)} ({fp16 / fp32:.4f}x)",
                     f"{fmt(dyn / 1024, 1)} ({dyn / fp32:.3f}x)", f"{fmt(int8 / 1024, 1)} ({int8 / fp32:.3f}x)",
                     fmt(m["tflite-float16"]["max_abs_error"], "e"), fmt(m["tflite-dynamic"]["snr_db"], 1),
                     fmt(m["tflite-int8"]["snr_db"], 1), fmt(m["onnx"]["max_abs_error"], "e"),
                     f"{m['onnx']['batch1_ms'] / m['keras']['batch1_ms']:.2f}x", parity(m)])
    cols = ["family", "parameters", "TFLite fp32 KiB", "fp16 KiB (ratio)", "dynamic KiB (ratio)", "int8 KiB (ratio)",
            "fp16 max abs error", "dynamic SNR dB",
            "int8 SNR dB", "ONNX max abs error", "onnxruntime / Keras, batch 1", "parity"]
    return table("export_latency", cols, rows, ["default"])


def scaling():
    r = run(load("scaling"), "default")["result"]
    cols = ["model", "setup", "replicas", "global batch", "steps/s", "examples/s", "examples/s vs 1"]
    rows = [[row["model"], row["setup"], str(row["replicas"]), str(row["global batch"]), fmt(row["steps/s"], 1),
             fmt(row["examples/s"], 0), fmt(row["examples/s vs 1"], 2)] for row in r["rows"]]
    return table("scaling", cols, rows, ["default"])


TABLES = {f.__name__: f for f in (
    condition_fidelity, train_step_speed, discriminator_designs, caption_generalisation,
    stack_gan_example, stackgan, stackgan_step_speed,
    pix2pix_blur, pix2pix_blur_runs, pix2pix_blur_regions, pix2pix_step_speed, pix2pix_input_pipeline,
    segan_quality, segan_progress, segan_speed,
    speech_peers, speech_peers_size, speech_peers_noise, speech_peers_fresh, speech_peers_stft,
    video_split, video_split_sweeps,
    export_quickstart, export_families, scaling, generalisation, generalisation_time, generalisation_judges,
    *map(_screens_table, FAMILIES),
    classifier_pooling,
)}


# ---------------------------------------------------------------- pages

def pages():
    """README.md and every Markdown page under docs/."""
    found = [os.path.join(REPO, "README.md")]
    found += sorted(glob.glob(os.path.join(REPO, "docs", "**", "*.md"), recursive=True))
    return [p for p in found if os.path.exists(p)]


def placements():
    """{table name: the pages (paths from the repository) that hold it}."""
    found = {}
    for path in pages():
        with open(path, encoding="utf-8") as f:
            for match in MARKER.finditer(f.read()):
                found.setdefault(match.group(2), []).append(os.path.relpath(path, REPO))
    return found


def reads(name):
    """The results files table `name` reads (as `load` records them)."""
    make(name)
    return list(dict.fromkeys(LOADED))


RERUN = "re-run the benchmark that writes the results file (or its run) named above"
FIX = ("where the error names a line of table code, fix that table there, or re-run its benchmark if the results "
       "file lacks the field it reads")
RENAME = "name a known table in the page's marker"
READ = "make the results file named above readable"
RESTORE = "restore the results file that is not JSON from git, or re-run its benchmark"


class TableError(ValueError):
    """A marked table that cannot be made; `hint` says what to do (`RERUN`, `FIX`, `RENAME`...)."""

    def __init__(self, message, hint=RERUN):
        super().__init__(message)
        self.hint = hint


LIBRARIES = tuple(os.path.join(os.path.abspath(sysconfig.get_paths()[k]), "") for k in ("stdlib", "purelib", "platlib"))


def raised_at(error):
    """Where `error` was raised: the innermost frame of table code (json's or numpy's frames skipped)."""
    frames = traceback.extract_tb(error.__traceback__)
    frame = ([f for f in frames if not os.path.abspath(f.filename).startswith(LIBRARIES)] or frames)[-1]
    path = os.path.abspath(frame.filename)
    return f"{os.path.relpath(path, REPO) if path.startswith(REPO + os.sep) else path}:{frame.lineno} in {frame.name}"


def make(name):
    """Table `name`'s text; a `TableError` naming the table, the results files it read and what went wrong.

    A missing results file or run asks for the benchmark; any other error also
    names the line that raised it, so a mistake in table code reads as one.
    """
    if name not in TABLES:
        raise TableError(f"unknown table {name!r} (known: {', '.join(TABLES)})", RENAME)
    LOADED.clear()
    try:
        return TABLES[name]()
    except (OSError, LookupError, TypeError, ValueError) as e:
        files = f" (reads {', '.join(dict.fromkeys(LOADED))})" if LOADED else ""
        if isinstance(e, MissingRun):
            raise TableError(f"table {name}{files}: {e.args[0]}") from e
        message = f"table {name}{files}: {type(e).__name__}: {e}"
        if isinstance(e, FileNotFoundError):
            raise TableError(message) from e
        if isinstance(e, OSError):  # no permission, a folder...
            raise TableError(message, READ) from e
        if isinstance(e, json.JSONDecodeError):
            raise TableError(message, RESTORE) from e
        raise TableError(f"{message}, raised at {raised_at(e)}", FIX) from e


def render_all(text):
    """`text` with every marked table it can make replaced by the generated one, and a `TableError` for each other."""
    errors = []

    def fill(match):
        try:
            return match.group(1) + make(match.group(2)) + "\n" + match.group(4)
        except TableError as e:
            if str(e) not in map(str, errors):  # a table shown twice on a page fails once
                errors.append(e)
            return match.group(0)

    return MARKER.sub(fill, text), errors


def render(text):
    """`text` with every marked table replaced by the generated one; one `TableError` naming each that cannot be."""
    new, errors = render_all(text)
    if errors:
        raise TableError("\n".join(map(str, errors)), "; ".join(dict.fromkeys(e.hint for e in errors)))
    return new


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="change nothing; exit 1 if a page differs")
    mode.add_argument("--list", action="store_true",
                      help="list each table with the pages it fills and the results file it reads")
    args = parser.parse_args(argv)
    if args.list:
        where = placements()
        for name in TABLES:
            try:
                read = ", ".join(reads(name))
            except TableError as e:
                read = f"(cannot be made: {e})"
            print(f"{name}: {', '.join(where.get(name, ['no page']))} <- {read}")
        return 0
    stale, failed = {}, []
    for path in pages():  # every page made before any is written: a table that cannot be made changes nothing
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new, errors = render_all(text)  # a table that cannot be made is left as it is
        failed += [(os.path.relpath(path, REPO), e) for e in errors]
        if new != text:
            stale[path] = new
    if failed:
        for path, new in stale.items():  # the tables that could be made
            print(f"{os.path.relpath(path, REPO)}: differ from the generated tables")
        for page, e in failed:
            for line in str(e).splitlines():
                print(f"{page}: {line}", file=sys.stderr)
        done = "the other tables were compared" if args.check else "no page rewritten"
        hints = dict.fromkeys(e.hint for _, e in failed)
        print(f"{len(failed)} table(s) above cannot be made, {done}; " + "; ".join(hints), file=sys.stderr)
        return 1
    for path, new in stale.items():
        if not args.check:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
        print(f"{os.path.relpath(path, REPO)}: {'differ from the generated tables' if args.check else 'rewritten'}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # the reader stopped early (`--list | head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
