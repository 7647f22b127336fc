"""The `keras-cgan train`, `keras-cgan sample` and `keras-cgan export --run` commands.

    keras-cgan train conditional_gan                                  # built-in digits, runs/conditional_gan
    keras-cgan train pix2pix --data facades/train --size 256 --batch-size 1 --epochs 200
    keras-cgan train segan --resume                        # start, or continue after a kill
    keras-cgan sample --run runs/conditional_gan -n 100
    keras-cgan sample --run runs/anime --condition "blue hair, red eyes" -n 16
    keras-cgan export --run runs/conditional_gan --format onnx

`keras_cgan.cli` adds them with `add_train_subcommand`, `add_sample_subcommand`;
`keras_cgan.cli.export` hands `export --run` to `export_run`.
"""

import argparse
import contextlib
import csv
import io
import json
import os
import re
import shutil
import sys
import tempfile
import textwrap
import warnings

import numpy as np

from keras_cgan import checks, distribute
from keras_cgan.cli import run_folder
from keras_cgan.cli.files import check_output_file, check_output_folder
from keras_cgan.cli.status import errors_to_status, seed

PRECISIONS = ("none", "mixed_float16", "mixed_bfloat16")
EXPORT_FORMATS = ("onnx", "tflite", "savedmodel")
_TYPE_NAMES = {bool: "bool", int: "int", float: "float", str: "str", list: "list"}


def _recipes():
    """The family registry, imported where used rather than at the top: its family modules import TensorFlow,
    which `keras-cgan --help` must not import."""
    from keras_cgan.cli import recipes

    return recipes


def _key_value(text):
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        value = json.loads(value)
    except json.JSONDecodeError:
        pass  # a plain string such as `instance`
    return key.strip(), value


def option_type(family, key):
    """The type of a family option (`bool`, `int`, `float`, `str` or `list`, or a tuple of them).

    From `family.option_types` where it names the option, else from its default.
    """
    if key in family.option_types:
        return family.option_types[key]
    default = {**family.options, **family.data_options}[key]
    if default is None:
        return int
    return list if isinstance(default, (list, tuple)) else type(default)


def _fits(kind, value):
    return (
        kind is bool and isinstance(value, bool)
        or kind is int and isinstance(value, int) and not isinstance(value, bool)
        or kind is float and isinstance(value, (int, float)) and not isinstance(value, bool)
        or kind is str and isinstance(value, str)
        or kind is list and isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


def _type_name(kind):
    if isinstance(kind, tuple):
        return " or ".join(_type_name(k) for k in kind)
    return _TYPE_NAMES[kind]


def check_option(family, key, value):
    """`value` of option `key` if it has the option's type (an int is a float); `ValueError` otherwise."""
    kind = option_type(family, key)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    default = {**family.options, **family.data_options}[key]
    if not (value is None and default is None or any(_fits(k, value) for k in kinds)):
        flag = f"--{key}" if key in ("size", "filters") else f"--set {key}"
        example = json.dumps(default if default is not None else 1)
        expected = "a list of ints" if kinds == (list,) else ("an " if kinds[0] is int else "a ") + _type_name(kind)
        raise ValueError(
            f"{flag}: expected {expected}{' or null' if default is None else ''}, received {value!r} "
            f"(e.g. --set {key}={example})."
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # a count is at least 1, any other number 0
        low = 1 if key in ("size", "filters") + family.counts else 0
        if value < low:
            flag = f"--{key}" if key in ("size", "filters") else f"--set {key}"
            raise ValueError(f"{flag}: expected {'a positive int' if low else 'a number >= 0'}, received {value!r}.")
    choices = family.option_choices.get(key)
    if choices is not None and value not in choices:
        flag = f"--{key}" if key in ("size", "filters") else f"--set {key}"
        raise ValueError(f"{flag}: expected {_one_of(choices)}, received {value!r}.")
    return float(value) if kinds == (float,) else value


def _one_of(choices):
    """`one of a, b, c`: the values of an option's `option_choices`, as `--set` takes them."""
    return "one of " + ", ".join(c if isinstance(c, str) else json.dumps(c) for c in choices)


def option_table(family):
    """The lines `KEY=DEFAULT  TYPE` of every `--set` option of `family`, for `--help`.

    An option of `option_choices` shows them in place of its type; a line
    longer than 79 characters goes on below the type column.
    """
    lines = []
    for key, default in {**family.options, **family.data_options}.items():
        choices = family.option_choices.get(key)
        kind = _type_name(option_type(family, key)) if choices is None else _one_of(choices)
        note = "  (built-in data only)" if key in family.synthetic_options else ""
        note += f"  ({family.option_notes[key]})" if key in family.option_notes else ""
        shown = default if isinstance(default, str) else json.dumps(default)
        lines += textwrap.wrap(
            f"{kind}{note}", 79, initial_indent=f"  {key}={shown}".ljust(34) + " ", subsequent_indent=" " * 37,
            break_on_hyphens=False,
        )
    return "\n".join(lines)


def _common_train_arguments(p):
    p.add_argument("--data", default=None, help="a folder in the family's layout (default: the family's built-in data)")
    p.add_argument("--epochs", type=int, default=None, help="total epochs; with --resume, more epochs continue")
    batch = p.add_mutually_exclusive_group()
    batch.add_argument("--batch-size", type=int, default=None, help="global batch size (all replicas)")
    batch.add_argument("--per-replica-batch-size", type=int, default=None, help="batch size per replica")
    p.add_argument("--steps-per-epoch", type=int, default=None,
                   help="default: one pass over --data (the family's own count for the built-in data)")
    p.add_argument("--out", default=None, help="run folder (default runs/FAMILY); must not exist unless --resume")
    p.add_argument("--resume", action="store_true", help="continue the run in --out (start it if it is missing)")
    p.add_argument("--strategy", choices=distribute.STRATEGIES, default=None, help="default: one device")
    p.add_argument("--mixed-precision", choices=PRECISIONS, default=None, help="dtype policy (default none)")
    p.add_argument("--size", type=int, default=None, help="image/frame side, or window in samples for segan")
    p.add_argument("--filters", type=int, default=None, help="base filters of the generator and discriminator")
    p.add_argument(
        "--set", dest="overrides", type=_key_value, action="append", default=[], metavar="KEY=VALUE",
        help="any other model or data option of the family (listed below; shown in config.json)",
    )
    p.add_argument(
        "--strict", action="store_true",
        help="refuse data the loader would otherwise adjust with a warning (pix2pix: A/B pairs of different sizes)",
    )
    p.add_argument("--seed", type=seed, default=None, help="seed of the data order, weights and noise (default 0)")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1, help="1: progress bar (default)")


def add_train_subcommand(subparsers, help=None):
    """Adds `train FAMILY ...` to a `keras-cgan` parser (one sub-parser per family, for its `--help`)."""
    p = subparsers.add_parser(
        "train",
        help=help,
        description="Train a family into a run folder (config.json, backup for --resume, "
        "gan.keras, generator.keras, samples). `keras-cgan train FAMILY --help` lists the family's "
        "options and its --data layout.",
    )
    families = p.add_subparsers(dest="family", required=True, metavar="FAMILY")
    for name, family in sorted(_recipes().FAMILIES.items()):
        sub = families.add_parser(
            name,
            help=family.summary,
            description=f"{family.summary}. Options left out take the family's defaults, "
            "or with --resume the run folder's values.",
            epilog=f"--set options (KEY=DEFAULT  TYPE):\n{option_table(family)}\n\n"
            f"--data layout:\n{family.layout}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _common_train_arguments(sub)
        sub.set_defaults(func=run_train, check=check_train)
    return p


def add_sample_subcommand(subparsers, help=None):
    """Adds `sample --run DIR` to a `keras-cgan` parser."""
    p = subparsers.add_parser("sample", help=help)
    p.add_argument("--run", required=True, help="a run folder made by `keras-cgan train`")
    p.add_argument("--out", default=None, help="output file (default: RUN/sample-K.png or .wav, never overwritten)")
    p.add_argument("-n", type=int, default=None, help="number of samples (default: the run's preview set, or 8)")
    p.add_argument(
        "--condition", default=None,
        help="conditional_gan / stack_gan: the tags (\"blue hair, red eyes\") or the class id to sample for "
        "(default: the run's preview conditions)",
    )
    p.add_argument("--seed", type=seed, default=0, help="seed of the noise (default 0)")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=run_sample, check=check_sample)
    return p


# ------------------------------------------------------------------- train


def _options(args, family, saved):
    """Model and data options: the family's defaults, the run folder's (resume), the command line's.

    Each is checked alone (`check_option`); `family.check` takes them
    together (`check_train`, and `_plan` for a resumed run).
    """
    options, data_options = dict(family.options), dict(family.data_options)
    if saved:
        options.update({k: v for k, v in saved["model"].items() if k in options})
        data_options.update({k: v for k, v in saved["data"].items() if k in data_options})
    given = list(args.overrides)
    given += [("size", args.size)] if args.size is not None else []
    given += [("filters", args.filters)] if args.filters is not None else []
    if getattr(args, "strict", False):
        if "strict" not in data_options:
            raise ValueError(f"--strict: {family.name}'s loader adjusts nothing silently; leave --strict out.")
        given.append(("strict", True))
    for key, value in given:
        if key in options:
            options[key] = check_option(family, key, value)
        elif key in data_options:  # an option of the built-in data is unused (and unrecorded) with --data
            data_options[key] = check_option(family, key, value)
        else:
            flag = f"--{key}" if key in ("size", "filters") else f"--set {key}"
            known = sorted(list(options) + list(data_options))
            raise ValueError(
                f"{flag}: {family.name} has no option {key!r}; its options are {known} "
                f"(`keras-cgan train {family.name} --help` shows their types and defaults)."
            )
    saved_model = saved["model"] if saved else {}
    options["seed"] = args.seed if args.seed is not None else saved_model.get("seed", 0)
    options["mixed_precision"] = args.mixed_precision or saved_model.get("mixed_precision", "none")
    return options, data_options


def _pick(given, saved, section, key, default):
    if given is not None:
        return given
    if saved and saved.get(section, {}).get(key) is not None:
        return saved[section][key]
    return default


def _check_split(batch_size, replicas, given, saved, family):
    """A `ValueError` naming where the global batch came from when it does not split over the replicas."""
    if batch_size % replicas == 0:
        return
    split = f"the global batch does not split evenly over {replicas} replicas"
    if saved:  # `--resume` keeps the run's batch size (a changed one was refused as a change)
        raise ValueError(
            f"--resume: the run's batch size {batch_size} (its config.json): {split}; resume with a strategy "
            f"whose replica count divides {batch_size}, or train into a new --out."
        )
    source = f"--batch-size {batch_size}" if given else f"the default batch size {batch_size} of {family.name}"
    raise ValueError(
        f"{source}: {split}; give --batch-size with a multiple of {replicas}, or --per-replica-batch-size."
    )


def _check_folder(out, resume, chief):
    """The saved config to resume from (or None); refuses to overwrite a run."""
    if chief:  # the only writer; other workers read the backup
        check_output_folder(out, f"--out {out}")
    elif os.path.exists(out) and not os.path.isdir(out):
        raise ValueError(f"--out {out}: exists and is not a folder.")
    exists = os.path.isdir(out) and bool(os.listdir(out))
    if resume:
        return run_folder.read_config(out, "--out") if exists else None
    if exists and chief:
        raise ValueError(
            f"--out {out}: the run folder exists. Pass --resume to continue it, or choose another --out "
            "(nothing was overwritten)."
        )
    return None


def _refuse_changes(saved, config, out, sections, ignore_absent=False):
    if not saved:
        return
    changed = run_folder.differences(saved, config, sections)
    if ignore_absent:  # keys the data has not filled in yet
        changed = [c for c in changed if "<absent>" not in c]
    if changed:
        raise ValueError(
            f"--resume: the command line differs from the run in {out}:\n  " + "\n  ".join(changed)
            + "\nRun with the run's options (leave them out to reuse them), or train into a new --out."
        )


def _backup(backup_dir):
    """`callbacks.SharedBackup` for the run folder, on every worker (the chief alone writes it).

    It keeps the previous epoch's copy (`double_checkpoint`) and falls back
    to it, with a warning line naming both files (`_say_previous_copy`, on
    the chief: every worker reads the backup), when the job was killed while
    it wrote either file of the backup (Keras falls back for the weights
    only).
    """
    from keras_cgan.callbacks import SharedBackup, _UnreadableEpochFile, is_chief

    class Backup(SharedBackup):
        def restore(self):
            import tensorflow as tf

            try:
                super().restore()  # falls back to the previous copy
            except (OSError, tf.errors.OpError, _UnreadableEpochFile) as error:
                previous = ", nor its previous copy" if tf.io.gfile.exists(self._prev_weights_path) else ""
                detail = error if isinstance(error, _UnreadableEpochFile) else f"{self._reading}: {error}"
                raise ValueError(
                    f"--resume: the backup in {backup_dir} cannot be read{previous} ({detail}); train into a new --out."
                ) from error
            if self.unreadable and is_chief(self.model):  # every worker reads it; one says so
                _say_previous_copy("train", "--resume", *self.unreadable)

        def _replace_latest(self):
            import tensorflow as tf

            try:
                super()._replace_latest()  # the previous copy over the latest
            except (OSError, tf.errors.OpError) as error:
                raise ValueError(
                    f"--resume: the backup in {backup_dir} was read from its previous copy, which cannot be copied "
                    f"over the latest ({error}); free space there, or train into a new --out."
                ) from error

    return Backup(backup_dir, double_checkpoint=True, delete_checkpoint=False)


def _versions():
    import keras
    import tensorflow as tf

    from keras_cgan import __version__

    return {"keras_cgan": __version__, "keras": keras.__version__, "tensorflow": tf.__version__}


def _resumed_preview(out, preview):
    """The run's `preview.npz` (conditions, targets) when it holds arrays like `preview`'s; else None (made again)."""
    try:
        kept = run_folder.read_preview(out)
    except ValueError:  # missing, or cut short
        return None
    for old, new in zip(kept, preview):
        if (old is None) != (new is None):
            return None
        if old is not None and (old.shape[1:] != np.shape(new)[1:] or old.dtype != np.asarray(new).dtype):
            return None
    return kept


def _plan(args, family, out, saved, strategy, chief):
    """What `train` runs, checked against the run folder, and its data loaded (each worker reads its own copy).

    Returns `(options, data_section, epochs, steps, data, files, renew_preview)`: `files` the chief's
    `data_files` of `--data`, `renew_preview` whether a resumed run's `preview.npz` is made again (its data changed).
    """
    if saved and saved["family"] != family.name:
        raise ValueError(f"--resume: {out} is a {saved['family']!r} run, not {family.name!r}.")
    if saved:  # a run folder from before an option existed was trained with its old value
        saved["model"] = family.saved_options(saved.get("model", {}))
        for key, value in (("steps_per_execution", 1), ("run_eagerly", False)):  # the command line's only values
            saved.setdefault("compile", {}).setdefault(key, value)
    saved_path = _pick(None, saved, "data", "path", None)
    data_path = os.path.abspath(args.data) if args.data else saved_path
    if saved_path and not os.path.isdir(saved_path):  # the run's data folder moved: --data says where to
        if not args.data:
            raise ValueError(
                f"--resume: the run's data folder {saved_path} (in {run_folder.path(out, run_folder.CONFIG)}) "
                "no longer exists; give --data DIR, where its data is now."
            )
        saved["data"]["path"] = data_path  # not a change of data
    if data_path:  # again here for a resumed run's folder, and for each worker of a cluster
        _check_data_folder(data_path, family)
    options, data_options = _options(args, family, saved)
    moved = saved_path and data_path != saved_path and not os.path.isdir(saved_path)
    endings = family.data_endings  # the files its loader reads: a README, or a pix2pix folder's wav, changes nothing
    files = run_folder.data_files(data_path, exclude=out, endings=endings) if data_path and chief else None
    # Another --data than the run's (still there) is refused below, not compared.
    same = data_path == saved_path or moved
    recorded = run_folder.read_data_files(out) if saved and files is not None and same else None
    renew_preview = False
    if recorded is not None:
        if endings is not None:  # older runs recorded other files too
            recorded = {name: size for name, size in recorded.items() if name.lower().endswith(endings)}
        differ = run_folder.data_files_differences(recorded, files)
        renew_preview = bool(differ)
        if differ:
            print(
                "keras-cgan train: warning: --resume: " + (
                    f"the run's data folder {saved_path} no longer exists, and --data {data_path} holds other "
                    "files than it did" if moved else f"the data folder {data_path} holds other files than when "
                    "the run last trained on it"
                ) + f" ({run_folder.DATA_FILES}, by name and size): {differ}. Training goes on with them; if they "
                "are not the run's data, stop and resume with the right --data.",
                file=sys.stderr,
            )
            print(
                f"keras-cgan train: note: --resume: {run_folder.PREVIEW} (the examples samples are drawn for) is made "
                "again from the data as it is now; the samples of earlier epochs show the run's earlier examples.",
                file=sys.stderr,
            )
    elif moved and chief:  # a run from before the files were recorded
        print(  # nothing of the old folder is left to compare with the new one but the counts checked later
            f"keras-cgan train: warning: --resume: the run's data folder {saved_path} no longer exists; "
            f"training goes on with --data {data_path}, checked only to hold as many examples.",
            file=sys.stderr,
        )
    if args.per_replica_batch_size:
        batch_size = distribute.global_batch_size(args.per_replica_batch_size, strategy, per_replica=True)
    else:
        batch_size = _pick(args.batch_size, saved, "data", "batch_size", family.batch_size)
    epochs = _pick(args.epochs, saved, "train", "epochs", family.epochs)
    trained = _epochs_trained(out) if saved else 0
    if epochs < trained:
        raise ValueError(f"--epochs {epochs}: the run in {out} has trained {trained} epochs; give more to train on.")
    if data_path:  # the built-in set's options do not describe a folder
        _refuse_built_in_options(args, family, data_path)  # a resumed run's folder: --data was checked early
        data_options = {k: v for k, v in data_options.items() if k not in family.synthetic_options}
    data_section = {"path": data_path, "batch_size": batch_size, **data_options}
    early = {"family": family.name, "model": dict(options), "data": dict(data_section)}
    if args.steps_per_epoch is not None:  # given: compared with the others, before the data tells its own
        early["data"]["steps_per_epoch"] = args.steps_per_epoch
    _refuse_changes(saved, early, out, ("model", "data"), ignore_absent=True)  # before loading any data
    if saved and family.check:  # a new run's were checked by `check_train`; a resumed run's change is named above
        family.check(options, {**family.data_options, **data_options}, data_path is None)
    _check_split(batch_size, strategy.num_replicas_in_sync, args.batch_size, saved, family)  # a resumed run's own

    import keras

    keras.utils.set_random_seed(options["seed"])  # before the data: tf.data shuffles use the global seed too
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        data = family.load_data(data_path, options, data_options, batch_size, options["seed"])
    for message in dict.fromkeys(str(warning.message) for warning in caught):  # each once
        print(f"keras-cgan train: warning: {message}", file=sys.stderr)
    own = data.steps if data_path is not None else family.steps_per_epoch or data.steps  # --data: one pass
    steps = _pick(args.steps_per_epoch, saved, "data", "steps_per_epoch", own)
    if not steps:
        raise ValueError(f"{family.name}: give --steps-per-epoch (the data has no fixed length).")
    options.update(data.derived)
    return options, data_section, epochs, steps, data, files, renew_preview


def _out(args, family):
    """The run folder of `keras-cgan train`: `--out`, or runs/FAMILY."""
    return os.path.abspath(args.out or os.path.join("runs", family.name))


def _check_data_folder(data_path, family):
    """A `ValueError` naming `--data data_path` and the family's layout if it is no folder (every family reads one)."""
    if not os.path.isdir(data_path):
        problem = "a file, not a folder." if os.path.isfile(data_path) else "no such folder."
        raise _recipes().spec.wrong_layout(data_path, family, problem)


def _refuse_built_in_options(args, family, data_path):
    """A `ValueError` naming the first `--set` option of the built-in data given to train on the folder `data_path`."""
    unused = [key for key, _ in args.overrides if key in family.synthetic_options]
    if unused:
        raise ValueError(
            f"--set {unused[0]}: an option of the built-in data, unused with --data {data_path}; leave it out."
        )


def check_train(args):
    """The checks of `keras-cgan train` that need neither TensorFlow nor the run folder and the data (`ValueError`).

    The counts (`--epochs`, ...) and every `--size`, `--filters` and `--set`
    option: name, type, range, allowed values, no option of the built-in
    data with `--data`, and the family's `check` of them together (unless a
    run is resumed: its config.json holds the others); then that `--data` is
    a folder (for one worker of several, `_plan` checks it under agreement).
    `keras-cgan` runs it before it imports TensorFlow, so a bad
    option is refused in about a second.
    """
    for flag in ("epochs", "batch_size", "per_replica_batch_size", "steps_per_epoch"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ValueError(f"--{flag.replace('_', '-')} must be >= 1. Received: {value}")
    family = _recipes().get(args.family)
    resumed = args.resume and os.path.isfile(run_folder.path(_out(args, family), run_folder.CONFIG))
    options, data_options = _options(args, family, None)  # `_plan` takes them again, over a resumed run's values
    if args.data:
        _refuse_built_in_options(args, family, os.path.abspath(args.data))
    if family.check and not resumed:
        family.check(options, data_options, args.data is None)
    # Last: a bad option is named whatever the folder holds. Each worker of a cluster reads its own copy, checked
    # in `_plan`, where a worker without it stops every worker alike instead of leaving them waiting.
    if args.data and not _in_a_cluster(args):
        _check_data_folder(os.path.abspath(args.data), family)


def _in_a_cluster(args):
    """Whether this process may be one worker of several (`--strategy multiworker`, or `TF_CONFIG` set)."""
    return args.strategy == "multiworker" or bool(os.environ.get("TF_CONFIG"))


@errors_to_status()
def run_train(args):
    """Runs `keras-cgan train`; returns the exit status (2 for bad input)."""
    family = _recipes().get(args.family)
    out = _out(args, family)
    check_train(args)
    saved_strategy = None
    if args.resume and os.path.isfile(run_folder.path(out, run_folder.CONFIG)):
        saved_strategy = run_folder.read_config(out, "--out").get("train", {}).get("strategy")
    strategy_name = args.strategy or saved_strategy or "default"
    strategy = distribute.make_strategy(strategy_name)  # first: it may split the CPU before TF starts
    chief = distribute.is_chief(strategy)
    # What the chief alone checks stops every worker alike.
    saved = distribute.agreed(strategy, lambda: _check_folder(out, args.resume, chief))
    # Each worker reads its own copy of the data: one that cannot stops every worker, with its message, before
    # the first collective (the weights' first values), where the others would wait for it.
    plan = distribute.agreed(strategy, lambda: _plan(args, family, out, saved, strategy, chief))
    options, data_section, epochs, steps, data, files, renew_preview = plan
    import keras

    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32" if options["mixed_precision"] == "none" else options["mixed_precision"])
    try:
        keras.utils.set_random_seed(options["seed"])  # the same weights whatever loading the data drew
        with strategy.scope():
            gan = family.build(options)
        config = {
            "format": run_folder.FORMAT_VERSION,
            "family": family.name,
            "model": options,
            "compile": run_folder.without_names(run_folder.plain(gan.get_compile_config())),
            "data": dict(data_section, steps_per_epoch=steps, **(data.info or {})),
            "train": {"epochs": epochs, "strategy": strategy_name, "replicas": strategy.num_replicas_in_sync},
            "versions": _versions(),
        }
        config = run_folder.plain(config)
        backup = os.path.join(out, run_folder.BACKUP)
        diagnostics = run_folder.path(out, run_folder.DIAGNOSTICS)
        # A resumed run keeps its preview: the samples of every epoch show the same conditions.
        kept = _resumed_preview(out, data.preview) if chief and saved and not renew_preview else None
        preview = data.preview if kept is None else kept
        existed = os.path.isdir(out)
        created = chief and not (existed and os.listdir(out))  # new, or an empty folder
        try:
            def prepare():
                _refuse_changes(saved, config, out, run_folder.FIXED_SECTIONS)
                if chief:
                    run_folder.write_config(out, config)
                    if kept is None:
                        run_folder.write_preview(out, *preview)
                    if files is not None:
                        run_folder.write_data_files(out, files)
                return _continue_finished_run(gan, out, strategy) if saved else 0

            initial_epoch = distribute.agreed(strategy, prepare)  # the chief's writes, each worker's reads
            # The same list on every worker, each callback there (writing on the chief only): collectives line up,
            # and a check or write that fails on one worker stops every worker alike.
            callbacks = [_stop_on_nan(), _collapse_monitor(data.preview, diagnostics if chief else None)]
            callbacks += family.callbacks(options) if family.callbacks else []
            callbacks += [
                _backup(backup),  # a kill while the backup is written loses one epoch
                _history_logger(run_folder.path(out, run_folder.HISTORY)),
                _tensorboard(family, preview, options["seed"], run_folder.path(out, run_folder.LOGS)),
            ]
            for callback in callbacks:
                if hasattr(callback, "agree_across_workers"):
                    callback.agree_across_workers = True
            train = distribute.shard_by_data(data.train.repeat())
            with _warning_lines():
                gan.fit(
                    train, epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=steps, callbacks=callbacks,
                    verbose=args.verbose,
                )
        except BaseException as error:
            if isinstance(error, FloatingPointError) and chief and os.path.isdir(out):
                with open(diagnostics, "a", encoding="utf-8") as f:  # StopOnNaN stopped the run
                    f.write(f"nan: {error}\n")
            trained = any(files for _, _, files in os.walk(backup))
            if created and not trained:  # nothing trained: the same command can run again
                _remove_run_files(out, keep_folder=existed)

            def then(fix):  # what to do, and what is kept
                if trained:
                    return (f"{backup} keeps the last finished epoch: {fix}, then run the same command with --resume "
                            "to continue from it.")
                return f"Nothing had trained: {fix}, then run the same command again."

            if type(error).__module__.startswith("tensorflow"):  # raised in a step: a data file unreadable, ...
                raise ValueError(f"training stopped: {_tf_error_line(error).rstrip('.')}. {then('fix it')}") from error
            if isinstance(error, OSError):  # a write of the chief's, e.g. the disk filled up: one error line
                said = f"{error.filename}: {error.strerror}" if error.filename and error.strerror else str(error)
                raise ValueError(f"training stopped: {said}. {then('make room or fix the folder')}") from error
            if isinstance(error, FloatingPointError):  # StopOnNaN: one error line; what was trained is kept
                kept = f" {diagnostics} is kept." if os.path.isfile(diagnostics) else ""
                fix = "check the data and the loss weights among the --set options (`train FAMILY --help`)"
                raise ValueError(
                    f"training stopped: {str(error).split('; training stopped')[0]}.{kept} {then(fix)}"
                ) from error
            if isinstance(error, KeyboardInterrupt) and chief:  # `keras-cgan` prints this as one line
                raise KeyboardInterrupt(
                    "nothing had trained, nothing was kept" if created and not trained
                    else f"`keras-cgan train {family.name} --out {out} --resume` continues from the last finished epoch"
                ) from None
            raise
        problem = None
        if chief:
            try:
                tmp = run_folder.path(out, "gan.tmp.keras")
                gan.save(tmp)
                os.replace(tmp, run_folder.path(out, run_folder.GAN))  # a kill never leaves half a gan.keras
                shutil.rmtree(backup, ignore_errors=True)  # gan.keras holds the same state: one copy of it
                served_generator(gan).save(run_folder.path(out, run_folder.GENERATOR))  # a StackGAN's grown stages
                samples = run_folder.path(out, "samples" + family.sample_extension)
                family.write_samples(gan, *preview, samples, options["seed"])
                seen = f", {run_folder.DIAGNOSTICS} (training went wrong)" if os.path.isfile(diagnostics) else ""
                print(f"run folder {out}: generator.keras, gan.keras, {os.path.basename(samples)}, config.json{seen}")
            except OSError as error:  # e.g. the disk filled up
                problem = ValueError(
                    f"--out {out}: the trained run could not be saved ({error}); make room or fix the folder, then "
                    "run the same command with --resume to save it."
                )
            except Exception as error:  # raised on the chief as it is; the others stop with its message
                problem = error
        # Also the others' wait for the chief's writes: a worker that exits first is reported as crashed.
        distribute.stop_alike(strategy, problem)
    finally:
        keras.config.set_dtype_policy(previous_policy)
    return 0


def _tf_error_line(error):
    """The line of a TensorFlow error raised in `fit` that says what went wrong (a data file unreadable, ...).

    In a traced step the message starts "Graph execution error:"; the line
    naming the failure is the last before the failing node (`[[{{node ...}}]]`),
    without TF's prefix; a loader's own error raised inside tf.data: its
    message without its type.
    """
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    line = lines[0]
    at = next((i for i, text in enumerate(lines) if text.strip().startswith("[[{{node")), None)
    if line.startswith("Graph execution error") and at:
        line = next((text for text in reversed(lines[:at]) if text.strip()), line).strip()
    line = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", line)
    line = re.sub(r"^Error in user-defined function passed to .*? transformation with iterator: \S+: ", "", line)
    return re.sub(r"^(\w+\.)*\w*(Error|Exception): ", "", line)  # `PermissionError: [Errno 13] ...`


def _remove_run_files(out, keep_folder):
    """Removes what a run wrote in `out`: the folder itself, or (a folder the user made) what is inside it."""
    if not keep_folder:
        shutil.rmtree(out, ignore_errors=True)
        return
    for name in os.listdir(out):  # the folder keeps its owner, mode and place (a symlink stays one)
        entry = os.path.join(out, name)
        if os.path.isdir(entry) and not os.path.islink(entry):
            shutil.rmtree(entry)
        else:
            os.remove(entry)


def _continue_finished_run(gan, out, strategy):
    """The epoch to start at when resuming: 0, or a finished run's epochs once `gan.keras` is loaded.

    A finished run keeps its state (networks, optimizers, seed state) in
    `gan.keras` only; its backup is removed. Resuming it with more epochs
    loads that state here (a backup, when there is one, is restored by
    `BackupAndRestore` instead).
    """
    finished = run_folder.path(out, run_folder.GAN)
    if os.path.isfile(os.path.join(out, run_folder.BACKUP, "latest.weights.h5")) or not os.path.isfile(finished):
        return 0
    hint = " The finished run's state is kept in it only: restore the file, or train into a new --out."
    run_folder.check_keras_file(finished, f"--resume: {finished}", hint)
    with strategy.scope():
        gan.load_weights(finished)
    trained = _epochs_trained(out)
    if not trained:
        raise ValueError(f"--resume: {out} has gan.keras but no {run_folder.HISTORY} to count its epochs.")
    return trained


def _epochs_trained(out):
    """The epochs the run in `out` has finished, by its history (0 when it has none)."""
    history = run_folder.path(out, run_folder.HISTORY)
    rows = []
    if os.path.isfile(history):
        with open(history, newline="") as f:
            rows = list(csv.reader(f))
    header, rows = (rows[0], rows[1:]) if rows else ([], [])
    # A row cut short by a kill has fewer fields than the header: skipped.
    epochs = [int(row[0]) for row in rows if len(row) == len(header) and row[0].isdigit()]
    return max(epochs) + 1 if epochs else 0


def _history_logger(path):
    """Appends one row of logs per epoch to `path` (no empty `val_*` columns, unlike `CSVLogger`), on the chief.

    A log that appears later (a StackGAN stage's losses once it grows) adds
    its column: the file is rewritten with the wider header, earlier rows
    left empty there.
    """
    import keras

    from keras_cgan.callbacks import _naming, on_chief

    class HistoryCSV(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):  # on every worker: the chief's failure stops each alike
            on_chief(self.model, lambda: self.append(epoch, logs), errors=(Exception,))

        def append(self, epoch, logs):
            with _naming(path):
                self._append(epoch, logs)

        def _append(self, epoch, logs):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            text = ""
            if os.path.isfile(path):
                with open(path, newline="") as f:
                    text = f.read()
            rows = list(csv.reader(io.StringIO(text)))
            keys = rows[0][1:] if rows else []
            new = sorted(set(logs) - set(keys))
            cut_short = not text.endswith("\n") and len(rows) > 1  # a kill mid-line: a broken row of its own
            row = [epoch] + [logs.get(k, "") for k in keys + new]
            if rows and not new:
                with open(path, "a", newline="") as f:
                    f.write("\n" if cut_short else "")
                    csv.writer(f).writerow(row)
                return
            body = [r + [""] * len(new) if len(r) == len(rows[0]) else r for r in rows[1:]]
            if cut_short:
                body[-1] = rows[-1]  # cut inside its last field, it may look whole
            with open(path + ".tmp", "w", newline="") as f:
                csv.writer(f).writerows([["epoch"] + keys + new] + body + [row])
            os.replace(path + ".tmp", path)  # a kill never leaves half a history

    return HistoryCSV()


def _tensorboard(family, preview, seed, log_dir):
    """TensorBoard event files in `log_dir`: the losses and the run's samples (image or audio) every epoch."""
    from keras_cgan.callbacks import SampleWriter

    class RunSamples(SampleWriter):
        def write(self, epoch):
            with tempfile.TemporaryDirectory() as folder:
                path = family.write_samples(
                    self.model, *preview, os.path.join(folder, "samples" + family.sample_extension), seed
                )
                if family.sample_extension == ".wav":
                    from keras_cgan.data import audio

                    wave, rate = audio.read_wav(path, return_rate=True)
                    self.log_audio("samples", wave[None], rate, epoch + 1)
                else:
                    from PIL import Image

                    with Image.open(path) as image:
                        self.log_image("samples", np.asarray(image.convert("RGB")), epoch + 1)

    return RunSamples(every=1, log_dir=log_dir)


def _collapse_monitor(preview, path):
    """A `CollapseMonitor` probed with 8 of the preview conditions, spread over the set, writing to `path`."""
    from keras_cgan.callbacks import CollapseMonitor

    conditions, targets = preview
    rows = np.unique(np.linspace(0, len(conditions) - 1, 8).astype(int))
    return CollapseMonitor(
        np.asarray(conditions)[rows], None if targets is None else np.asarray(targets)[rows], path=path
    )


def _raised_in_library():
    """Whether the warning being shown was raised by keras_cgan's code (`GrowStages`, not Keras or TensorFlow)."""
    # The caller of `show` is the warnings machinery, whatever its module's name (`_py_warnings` on Python 3.14):
    # the first frame above it of another module is the code that warned.
    machinery = frame = sys._getframe(2)
    while frame is not None and frame.f_globals is machinery.f_globals:
        frame = frame.f_back
    return frame is not None and frame.f_globals.get("__name__", "").startswith("keras_cgan.")


@contextlib.contextmanager
def _warning_lines():
    """Prints each `CollapseWarning`, and keras_cgan's other `UserWarning`s, as `keras-cgan train: warning:` lines.

    Warnings of Keras, TensorFlow and others are shown as usual.
    """
    from keras_cgan.callbacks import CollapseWarning
    from keras_cgan.models.stack_gan.stack_gan import MissedGrowthWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always", CollapseWarning)
        shown = warnings.showwarning

        def show(message, category, *args, **kwargs):
            if issubclass(category, CollapseWarning) or (issubclass(category, UserWarning) and _raised_in_library()):
                if isinstance(message, MissedGrowthWarning):  # the command line's advice, not `fit`'s
                    message = (f"{message.fact} Run the same command with --resume and --epochs "
                               f"{max(message.missed) + 1} or more for those growths.")
                print(f"keras-cgan train: warning: {message}", file=sys.stderr, flush=True)
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show  # catch_warnings puts the original back
        yield


def _stop_on_nan():
    from keras_cgan.callbacks import StopOnNaN

    return StopOnNaN()


# --------------------------------------------------------- sample / export


def served_generator(gan, warn=None):
    """The generator `sample` draws from: for a StackGAN, the chain of its grown stages only.

    `warn` (a message prefix) prints a warning line when stages that never
    trained are left out.
    """
    from keras_cgan.export.generator import grown_generator

    generator, note = grown_generator(gan)
    if note and warn:
        print(f"{warn}: {note}.", file=sys.stderr)
    return generator


def load_run(run, whole=True, flag="--run", command=None):
    """The GAN of a run folder: `gan.keras`, or (for an interrupted run) rebuilt from its backup.

    A backup whose latest copy is cut short (the job was killed while it
    wrote it) loads its previous copy, one save older, with a warning line
    naming both files; one that cannot be read for want of permission is
    refused by name.

    Args:
        run: str. A run folder made by `keras-cgan train`.
        whole: bool. Return the GAN (`True`) or its generator.
        flag: str. The option that gave `run`, for the messages.
        command: str. The command that reads it (`"sample"`), named in the warning.
    """
    import keras

    config = run_folder.read_config(run, flag)
    family = _recipes().get(config["family"])
    saved = run_folder.path(run, run_folder.GAN if whole else run_folder.GENERATOR)
    if os.path.isfile(saved):
        run_folder.check_keras_file(saved, f"{flag} {run}: {os.path.basename(saved)}")
        return config, family, keras.models.load_model(saved, compile=False)
    from keras_cgan.export import files

    backup = run_folder.path(run, run_folder.BACKUP)
    files.check_readable(backup, f"{flag} {run}: {run_folder.BACKUP}")  # else taken for "no backup yet"
    weights = os.path.join(backup, "latest.weights.h5")
    if not os.path.isfile(weights):
        raise ValueError(f"{flag} {run}: no {os.path.basename(saved)} and no backup yet (no epoch finished).")
    files.check_readable(weights, f"{flag} {run}: {run_folder.BACKUP}/latest.weights.h5")  # not taken as cut short
    previous_policy = keras.config.dtype_policy()
    precision = config["model"].get("mixed_precision", "none")
    keras.config.set_dtype_policy("float32" if precision == "none" else precision)
    try:
        gan = family.build(family.saved_options(config["model"]))
    finally:
        keras.config.set_dtype_policy(previous_policy)
    try:
        gan.load_weights(weights)
    except OSError as error:  # killed while the backup was written: the previous epoch's copy
        if not os.path.isfile(weights + ".bkp"):
            raise ValueError(f"{flag} {run}: the backup {weights} cannot be read ({error}).") from error
        _load_previous_copy(gan, weights, error, f"{flag} {run}")
        _say_previous_copy(command, f"{flag} {run}", weights, error)
    return config, family, gan if whole else gan.generator


def _say_previous_copy(command, label, unreadable, error):
    """Prints that a backup was read from its previous copy: its latest file `unreadable` failed with `error`.

    `keras-cgan COMMAND: warning: LABEL: the backup FILE cannot be read (ERROR);
    its previous copy FILE.bkp, one save older, was loaded instead.`
    """
    named = f"keras-cgan {command}" if command else "keras-cgan"
    print(f"{named}: warning: {label}: the backup {unreadable} cannot be read ({error}); its previous copy "
          f"{unreadable}.bkp, one save older, was loaded instead.", file=sys.stderr)


def _load_previous_copy(gan, weights, error, label):
    """Loads the backup's previous copy `WEIGHTS.bkp` into `gan`, the latest copy `weights` failing with `error`.

    Keras reads it under a `*.weights.h5` name only (`callbacks._loadable_copy`
    links or copies it in the temporary folder). A `ValueError` starting
    with `label` names the file and says what to do when it cannot be read,
    or the link and the copy both fail (a full or read-only temporary folder).
    """
    import tensorflow as tf

    from keras_cgan.callbacks import _loadable_copy

    previous = weights + ".bkp"
    latest = f"{label}: the backup {weights} cannot be read ({error}), and"
    if not os.access(previous, os.R_OK):
        raise ValueError(f"{latest} there is no permission to read its previous copy {previous}; make it readable "
                         "(chmod u+r) and run again.")
    with contextlib.ExitStack() as stack:
        try:
            loadable = stack.enter_context(_loadable_copy(previous))
        except (OSError, tf.errors.OpError) as failed:  # no room, or no permission, in the temporary folder
            raise ValueError(
                f"{latest} its previous copy {previous} could not be linked nor copied to a name Keras reads in "
                f"{tempfile.gettempdir()} ({failed}); free space there, or set TMPDIR to a folder you can write to "
                "with room for the file, and run again."
            ) from failed
        try:
            gan.load_weights(loadable)
        except OSError as second:
            raise ValueError(
                f"{label}: neither the backup {weights} ({error}) nor its previous copy {previous} "
                f"({second}) can be read."
            ) from second


def parse_condition(config, text, count):
    """`count` copies of the condition `text` names: tags of a tags run, or a class id of a class run.

    Args:
        config: dict. The run's `config.json`.
        text: str. `"blue hair, red eyes"` for tags, `"3"` for a class id.
        count: int. Rows to return.
    """
    model = config["model"]
    if model.get("vocabulary"):
        from keras_cgan.conditions import TagsCondition
        from keras_cgan.data import tags

        vocabulary = list(model["vocabulary"])
        try:
            chosen = tags.split_tags(text, vocabulary, where="--condition")
        except ValueError as error:
            raise ValueError(f"{error} (the run's tags: {', '.join(vocabulary)})") from None
        if not chosen:
            raise ValueError(f"--condition {text!r}: no tags given; the run's tags are {', '.join(vocabulary)}.")
        return np.repeat(TagsCondition(vocabulary).encode([chosen]), count, axis=0)
    if model.get("num_classes"):
        classes = int(model["num_classes"])
        try:
            label = int(text)
        except ValueError:
            label = -1
        if not 0 <= label < classes:
            raise ValueError(f"--condition {text!r}: expected a class id from 0 to {classes - 1}.")
        return np.full((count,), label, "int32")
    raise ValueError(
        f"--condition: a {config['family']} run is conditioned on its inputs; "
        + ("use `keras-cgan translate`." if config["family"] == "pix2pix" else
           "use `keras-cgan enhance`." if config["family"] == "segan" else "use `keras-cgan rollout`.")
    )


def check_sample(args):
    """`-n` and `--run` of `keras-cgan sample` (`ValueError`); `keras-cgan` checks them before it imports TensorFlow.

    Returns the run's config.
    """
    if args.n is not None and args.n < 1:
        raise ValueError(f"-n must be >= 1. Received: {args.n}")
    return run_folder.read_config(os.path.abspath(args.run))


@errors_to_status((ValueError, OSError))
def run_sample(args):
    """Runs `keras-cgan sample`; returns the exit status."""
    from keras_cgan.data import image_folder, paired_images

    config = check_sample(args)
    run = os.path.abspath(args.run)
    if args.condition is not None:
        conditions, targets = parse_condition(config, args.condition, args.n or 8), None
    else:
        conditions, targets = run_folder.read_preview(run, args.n)
    extension = _recipes().get(config["family"]).sample_extension
    out = args.out or run_folder.free_name(run, "sample", extension)
    endings = (".wav",) if extension == ".wav" else paired_images.IMAGE_EXTENSIONS  # as `translate` writes
    if not out.lower().endswith(endings):
        raise ValueError(f"--out {out}: give a name ending in one of {', '.join(endings)}.")
    image_folder.check_writable(out, f"--out {out}")
    if args.out:
        check_output_file(out, f"--out {out}", args.overwrite)
    elif problem := checks.folder_problem(run):  # a free name in the run folder
        raise ValueError(f"--run {run}: {problem}; without --out the sample goes there: give --out.")
    config, family, gan = load_run(run, command="sample")
    family.write_samples(gan, conditions, targets, out, args.seed)
    print(f"wrote {out} ({len(conditions)} samples of the {config['family']} run {run})")
    return 0


def check_export_run(args):
    """The checks of `export --run` before its run loads (`ValueError`); returns `(run, out, representative_data)`.

    `out` is `-o` (or the export/ folder's SavedModel base folder), or
    `None` for a free name in the run's export/ folder.
    """
    if args.export_command is not None:
        raise ValueError("give either --run DIR --format F, or an export subcommand with a model file, not both.")
    if args.format is None:
        raise ValueError(f"--run needs --format, one of {EXPORT_FORMATS}.")
    from keras_cgan.cli.export import check_flags, check_output, representative_data

    check_flags(args.format, args)
    version = getattr(args, "version", None)
    representative = representative_data(args)
    run = os.path.abspath(args.run)
    run_folder.read_config(run)  # a --run that is no run folder is named first
    out = args.run_output
    if out is not None:  # checked before the model is loaded
        check_output(out, args.format, args.overwrite, version=version)
    elif problem := checks.folder_problem(os.path.join(run, "export")):
        raise ValueError(f"--run {run}: {problem}; without -o the export goes in its export/ folder: give -o.")
    elif args.format == "savedmodel":
        out = os.path.join(run, "export", "saved_model")  # versioned sub-folders: never overwritten unasked
        check_output(out, args.format, args.overwrite, version=version)  # an existing --version
    return run, out, representative


def export_run(args):
    """`keras-cgan export --run DIR --format F [-o OUT] [--version N] [--quantization Q]`: exports its generator."""
    from keras_cgan import export
    from keras_cgan.cli.export import ENDINGS, calibration

    run, out, representative = check_export_run(args)
    quantization = getattr(args, "quantization", None) or "none"
    version = getattr(args, "version", None)
    generator = served_generator(load_run(run, command="export")[2], f"keras-cgan export: warning: --run {run}")
    if representative is not None:
        representative = calibration(generator, representative, args.representative_data)
    if out is None:
        extension = ENDINGS[args.format]
        out = os.path.join(run, "export", "generator" + extension)
        if os.path.exists(out):
            out = run_folder.free_name(os.path.dirname(out), "generator", extension)
    if args.format == "onnx":  # each makes the folders of `out` it needs, and removes them if it fails
        return export.to_onnx(generator, out, overwrite=args.overwrite)
    if args.format == "tflite":
        return export.to_tflite(
            generator, out, quantization=None if quantization == "none" else quantization,
            representative_data=representative, overwrite=args.overwrite,
        )
    return export.to_saved_model(generator, out, version=version, overwrite=args.overwrite)
