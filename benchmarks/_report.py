"""Shared output of the benchmarks: one results file per benchmark, and a table.

`kept_on_interrupt` ends a Ctrl-C in one line naming what a run kept, and `stopped_on_exit` stops the child
processes a benchmark started (its workers) when it ends, however it ends: a SIGTERM included, and a child
started with `child_env` that calls `exit_with_parent` ends itself when its parent is killed outright.

Every benchmark writes `benchmarks/results/<name>.json` with this schema::

    {
      "benchmark": "<name>",            # the file's own name, without .json
      "schema": 1,
      "commit": "<sha>[-dirty]" | null, # git rev-parse HEAD at the last write
      "keras_cgan": "<version>" | null, # keras_cgan.__version__ at the last write
      "argv": [...] | null,             # command line of the last write
      "machine": {...} | null,          # cores, platform, python/TF/Keras, load average, date
      "note": "...",                    # optional
      "runs": [                         # a sweep is several runs in this one file
        {"name": "default", "commit": ..., "keras_cgan": ..., "argv": [...],
         "machine": {...}, "note": ..., "complete": true | false,
         "result": {...the benchmark's own payload...}},
        ...
      ]
    }

A run is replaced by the next write with the same run name (`--run`, default
"default"); runs of other names stay, so a sweep adds its runs beside the
default one. `null` marks what was not recorded (results measured before this
schema carry `"commit": null` and a note saying so).

A benchmark that trains several models records each as it finishes
(`record(..., complete=False)`) in an entry of its own, `<run>:partial` with
`"complete": false`, and with the last the whole run, which replaces the run
`<run>` and drops the partial entry (each part is written once). A run
stopped on the way keeps what it finished in
`<run>:partial`, and an earlier complete `<run>` stays as it was; `tables.py`
shows no entry that is not complete (runs written before this field are
complete). Commands recording into one run side by side (`record(update=...)`,
as `video_split.py --merge`) share its partial entry: it lists the commands
still running whose progress it holds (`"commands"`), and stays until the
last of them completes, so a command stopped after another completed still
finds its finished models there; a command stopped or failed leaves the list,
so the next complete run drops the entry, as it drops one command's. A file
is written whole or not at all (a temporary file renamed over it), and a
Ctrl-C while `record` writes it takes effect once the write is done: what a
command measured is in the file, or the command was stopped before it (a
second Ctrl-C stops it at once, the file whole as it was or as written).

Record the result file of an example (for instance the StackGAN example's
`runs/stackgan/result.json`) as a run of a results file::

    python benchmarks/_report.py record stack_gan_example runs/stackgan/result.json \
        --run defaults --argv "python examples/stack_gan.py"
"""

import argparse
import ast
import contextlib
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import threading
import time

try:
    import fcntl
except ImportError:  # (Windows: no lock; each write is still whole)
    fcntl = None

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = 1
PARTIAL = ":partial"
COMMAND = f"{platform.node()}:{os.getpid()}:{time.time_ns()}"  # this command, in the partial entries it writes
_COMPLETED = []  # (results file, run) of each complete run this command has written, in order


def partial_name(run):
    """The entry holding run `run`'s finished parts until the run completes: `<run>:partial`."""
    return run + PARTIAL


def partial_refused(run):
    """Why run name `run`, ending in `:partial`, is refused: one text for `run_name` and `record`."""
    return f"run {run!r}: names ending in {PARTIAL!r} hold a run's progress; choose another run name"


def run_name(text):
    """`argparse` type of a benchmark's `--run`: a name ending in `:partial` (a run's progress) is refused.

    >>> run_name("sweep:ema")
    'sweep:ema'
    """
    if text.endswith(PARTIAL):
        raise argparse.ArgumentTypeError(partial_refused(text))
    return text


def commit():
    """`git rev-parse HEAD`, plus "-dirty" when the tree has changes; None outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return sha + ("-dirty" if dirty else "")


def version():
    try:
        import keras_cgan
    except ImportError:
        return None
    return keras_cgan.__version__


def cpu_model():
    """The CPU's model name and its AVX-512 flag (oneDNN picks its kernels, and so its rounding, by them)."""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.processor() or None
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "")
    return f"{name}{', avx512' if 'avx512f' in info else ''}" or None


def machine():
    """Cores, CPU, platform, Python / TensorFlow / Keras versions and the load average now."""
    import keras
    import tensorflow as tf

    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "load_average_1_5_15_min": load,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def key_value(text):
    """`argparse` type of a benchmark's `--set KEY=VALUE`: `(key, value)`, the value a Python literal or JSON, else a string.

    >>> key_value("r1_weight=0.3"), key_value("condition_at=every_block"), key_value("spectral_norm=True")
    (('r1_weight', 0.3), ('condition_at', 'every_block'), ('spectral_norm', True))
    >>> key_value("spectral_norm=false"), key_value("num_downs=null")
    (('spectral_norm', False), ('num_downs', None))
    """
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"`--set` takes KEY=VALUE. Received: {text!r}")
    key, value = text.split("=", 1)
    try:
        return key.strip(), ast.literal_eval(value)
    except (ValueError, SyntaxError):
        pass
    try:
        return key.strip(), json.loads(value)  # `true`, `null`, as the command line takes them
    except json.JSONDecodeError:
        return key.strip(), value


def at_least(low):
    """`argparse` type of a count: an int >= `low`, refused as `argument --steps: expected an int >= 1, received 0`."""
    from keras_cgan import checks

    return checks.at_least(low)


def real(low=0.0, high=None, above=False, below=False):
    """`argparse` type of a float from `low` (excluded if `above`) to `high` (excluded if `below`; None: no bound).

    `checks.number`'s check, refused as `argument --ema: expected a number >= 0 and < 1, received '2'`.

    >>> real(0.0, 1.0, below=True)("0.5")
    0.5
    """
    from keras_cgan import checks

    return checks.between(low, high, low_open=above, high_open=below)


def receptive_field(text):
    """`argparse` type of a PatchGAN's `--receptive-field` (`choices=patchgan.RECEPTIVE_FIELDS`): pixels or a name.

    >>> receptive_field("70"), receptive_field("auto")
    (70, 'auto')
    """
    return int(text) if text.isdigit() else text


def path_of(name):
    return os.path.join(RESULTS, f"{name}.json")


def load(name_or_path):
    """Reads a results file by benchmark name or path (a `.json` name, a name with a folder, or a file that exists)."""
    path = name_or_path
    if not (path.endswith(".json") or os.path.dirname(path) or os.path.isfile(path)):
        path = path_of(name_or_path)
    with open(path) as f:
        return json.load(f)


def output_options(parser, name, run="default"):
    """Adds a benchmark's `--out` (its results file) and `--run` (the run inside it) to `parser`."""
    parser.add_argument("--out", default=None, help=f"JSON path (default benchmarks/results/{name}.json)")
    parser.add_argument("--run", type=run_name, default=run,
                        help=f"run name inside the results file (default: {run}); runs of other names are kept")


def writable(name, path=None):
    """Raises a one-line `ValueError` unless `path` (default: `name`'s own file) can take a run of `name`.

    It can when it does not exist yet or is a results file of `name`; anything
    else (a folder, another benchmark's results, a file that is not results
    JSON) is refused rather than replaced.
    """
    path = path or path_of(name)
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a folder; give the path of a .json results file")
    from keras_cgan.cli.files import check_output_folder

    check_output_folder(os.path.dirname(os.path.abspath(path)), path)  # a file on the way, or no permission
    if not os.path.exists(path):
        return path
    try:
        with open(path) as f:
            old = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a results file of {name} ({type(e).__name__}); refusing to replace it") from None
    if not (isinstance(old, dict) and old.get("schema") == SCHEMA and isinstance(old.get("runs"), list)):
        raise ValueError(f"{path}: not a results file (no schema {SCHEMA} and runs); refusing to replace it")
    if old.get("benchmark") != name:
        raise ValueError(f"{path}: holds the results of {old.get('benchmark')!r}, not of {name}; "
                         "refusing to replace it")
    return path


def check_out(parser, name, out=None, option="--out"):
    """Exits with `parser`'s one-line error unless `out` can take a run of `name` (`writable`).

    Every benchmark calls it before it trains, so a bad `--out` costs nothing. Returns the results file's path
    (`out`, or `name`'s own file).
    """
    try:
        return writable(name, out)
    except ValueError as e:
        parser.error(f"{option} {e}" if out else str(e))


def check_picture(parser, path, option):
    """Exits with `parser`'s one-line error unless `path` (None: no picture) is a .png its folder can take."""
    if path is None:
        return
    if not path.lower().endswith(".png"):
        parser.error(f"{option} {path}: give a .png file name")
    from keras_cgan.cli.files import check_output_folder

    try:
        check_output_folder(os.path.dirname(os.path.abspath(path)), f"{option} {path}")
    except ValueError as e:
        parser.error(str(e))


def run_of(results, name="default"):
    """The run called `name` in a results file (a dict as `load` returns)."""
    for run in results["runs"]:
        if run["name"] == name:
            return run
    raise KeyError(f"{results['benchmark']}: no run named {name!r} (runs: {[r['name'] for r in results['runs']]})")


def record(name, result=None, run="default", out=None, argv=None, note=None, complete=True, update=None):
    """Writes `result` (or `update`'s merge of the stored run) as the run `run` of `benchmarks/results/<name>.json`.

    The file's top-level commit, version, argv and machine become this write's;
    a run of the same name is replaced in place, other runs are kept. A path
    that is not a results file of `name` is refused (`writable`'s `ValueError`).
    `complete=False` records what a run still under way has finished, as the entry
    `<run>:partial`; the complete run replaces `<run>` and drops that entry.

    `update`, given instead of `result`, merges this command's results with the
    run `run` as the file holds it: it is called with that run's result (None
    when there is none) while the file is locked, and returns the result to
    write, so a command recording into the same run beside this one loses nothing.
    Its partial writes merge with `<run>:partial` instead while that holds another
    command's progress, and its complete write leaves that entry to them (a
    `result` claims the whole run: its partial entry replaces, its complete run
    drops `<run>:partial`).

    A Ctrl-C while it writes takes effect once the file is written (`held_ctrl_c`).
    """
    with held_ctrl_c():
        return _record(name, result, run, out, argv, note, complete, update)[0]


def _record(name, result=None, run="default", out=None, argv=None, note=None, complete=True, update=None):
    """`record`: returns the path written and the run's result as written."""
    if (result is None) == (update is None):
        raise TypeError(f"record({name!r}): give the run's `result` or an `update` of the stored run, not "
                        f"{'both' if update else 'neither'}")
    if run.endswith(PARTIAL):
        raise ValueError(partial_refused(run))
    path = writable(name, out)
    facts = {
        "commit": commit(),
        "keras_cgan": version(),
        "argv": list(sys.argv) if argv is None else list(argv),
        "machine": machine(),
    }
    entry = dict(name=run if complete else partial_name(run), **facts)
    if note:
        entry["note"] = note
    entry["complete"] = bool(complete)
    entry["result"] = result
    with _locked(path):  # the file as it is now: a command running beside this one may have written to it
        runs = []
        if os.path.exists(path):
            with open(path) as f:
                runs = json.load(f)["runs"]
        partial = next((r for r in runs if r["name"] == partial_name(run)), None)
        others = []  # the commands recording into the run beside this one whose finished parts `partial` holds
        if update is not None:
            others = [c for c in (partial or {}).get("commands", []) if c != COMMAND]
            stored = partial if others and not complete else next((r for r in runs if r["name"] == run), None)
            entry["result"] = update(stored["result"] if stored else None)
        if not complete:
            entry["commands"] = others + [COMMAND]
        elif others:  # this command's progress is now in the run; theirs stays until they complete
            partial["commands"] = others
        else:  # the run's progress is now in the run itself
            runs = [r for r in runs if r["name"] != partial_name(run)]
        names = [r["name"] for r in runs]
        if entry["name"] in names:
            runs[names.index(entry["name"])] = entry
        else:
            runs.append(entry)
        dump(path, dict(benchmark=name, schema=SCHEMA, **facts, runs=runs))
    if complete:
        _COMPLETED.append((os.path.realpath(path), run))
    return path, entry["result"]


@contextlib.contextmanager
def held_ctrl_c():
    """Holds a Ctrl-C (SIGINT) back until the block is done, then raises it: a write and what names it go together.

    A second Ctrl-C raises at once (a write waiting for another command's lock, say, is not waited for).
    Only over Python's own handler (`_handled`; in a block already holding one, it waits for that).
    """
    caught = []

    def held(signum, frame):
        if caught:
            raise KeyboardInterrupt
        caught.append(signum)

    with _handled(signal.SIGINT, signal.default_int_handler, held):
        yield
    if caught:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _handled(signum, default, handler):
    """Inside, `handler` takes signal `signum` if its handler is `default`, and `default` takes it again after.

    Only in the main thread (elsewhere `signal.signal` raises `ValueError`): in another, nothing changes."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signum) is not default:
        yield
        return
    signal.signal(signum, handler)
    try:
        yield
    finally:
        signal.signal(signum, default)


class Finished(list):
    """The names of the parts of a run recorded so far, as `kept_on_interrupt` yields them."""

    result = None  # the run's result as this command last wrote it (`record` merges with the file's)

    def record(self, part, name, result=None, **kwargs):
        """`record(name, result, **kwargs)` of part `part`, added once the file holds it; returns the path written.

        A Ctrl-C on the way (`held_ctrl_c`) leaves the file and the list agreeing; a second stops at once.
        """
        with held_ctrl_c():
            path, self.result = _record(name, result, **kwargs)
            self.append(part)
        return path


@contextlib.contextmanager
def _locked(path):
    """Holds an exclusive lock on `path`'s folder, so two commands recording into one results file take turns."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # (releases the lock)


def dump(path, payload):
    """Writes `payload` as JSON to `path` whole or not at all: a temporary file in its folder, then renamed over it."""
    path = os.path.realpath(path)  # (a link stays a link)
    temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w") as f:
            json.dump(payload, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:  # a Ctrl-C included: the file stays as it was
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


@contextlib.contextmanager
def kept_on_interrupt(path, run, what="models", incomplete=True):
    """Ends a Ctrl-C inside with one line naming what run `run` of `path` kept, and exit status 130 (no traceback).

    Yields a `Finished` list for the names of the `what` recorded so far: `finished.record(part, ...)` records
    each and adds its name. Once this command has recorded the whole run `run` (a Ctrl-C while its table prints),
    the line says so. `incomplete`: they were recorded with `complete=False`, in `<run>:partial` (False: each is
    whole in itself); stopped by any exception, this command then leaves that entry's commands (`_withdraw`).
    A SIGTERM inside ends the command as `SystemExit(143)` (`ended_by_sigterm`), so it leaves them too.
    """
    finished, written = Finished(), len(_COMPLETED)
    try:
        with ended_by_sigterm():
            yield finished
    except BaseException as stop:
        runs = None
        whole = incomplete and (os.path.realpath(path), run) in _COMPLETED[written:]  # this command's whole run is in
        if finished and incomplete and not whole:
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                runs = _withdraw(path, run)
        if not isinstance(stop, KeyboardInterrupt):
            raise
        if whole:
            kept = f"run {run!r} of {path} was recorded whole before the stop"
        elif not finished:
            kept = f"none of the {what} had finished; {path} is unchanged"
        elif incomplete:
            kept = (f"run {partial_name(run)!r} of {path} keeps the {len(finished)} finished {what} "
                    f"({'; '.join(finished)}), marked incomplete")
            if runs is not None:
                progress = runs.get(partial_name(run))
                if progress is None or COMMAND not in progress.get("commands", [COMMAND]):
                    kept = (f"the {len(finished)} finished {what} ({'; '.join(finished)}) were recorded in run "
                            f"{partial_name(run)!r} of {path}; another command recording the whole run {run!r} "
                            "has since replaced it")
                elif run in runs:
                    kept += f"; the earlier run {run!r} stays as it was until a run of it completes"
        else:
            kept = f"run {run!r} of {path} keeps the {len(finished)} finished {what} ({'; '.join(finished)})"
        print(f"\ninterrupted: {kept}", file=sys.stderr, flush=True)
        raise SystemExit(130) from None


def _withdraw(path, run):
    """Takes this command, stopped, off the commands `<run>:partial` of `path` holds the progress of: it completes
    no run, so the next complete run drops the entry. Returns the file's runs by name, as they were."""
    with _locked(path):
        with open(path) as f:
            results = json.load(f)
        runs = {r["name"]: r for r in results["runs"]}
        progress = runs.get(partial_name(run))
        if progress and COMMAND in progress.get("commands", []):
            progress = dict(progress, commands=[c for c in progress["commands"] if c != COMMAND])
            dump(path, dict(results, runs=[progress if r["name"] == progress["name"] else r for r in results["runs"]]))
        return runs


@contextlib.contextmanager
def ended_by_sigterm():
    """Inside, a SIGTERM raises `SystemExit(143)` (the status its default action gives) instead of ending the
    process at once, so the `finally` blocks run: `stopped_on_exit` stops its children, `subprocess.run` kills its
    own. Only over the default action (`_handled`; in a block already inside one, that one's)."""
    def ended(signum, frame):
        raise SystemExit(128 + signum)

    with _handled(signal.SIGTERM, signal.SIG_DFL, ended):
        yield


PARENT = "KERAS_CGAN_BENCHMARK_PARENT"  # the environment variable `child_env` gives a child: its parent's pid


def child_env(**variables):
    """The environment of a child process a benchmark starts: its own, `variables`, and this process's pid, by
    which the child's `exit_with_parent` sees this process end."""
    return dict(os.environ, **variables, **{PARENT: str(os.getpid())})


def exit_with_parent(every=1.0, stop=None):
    """Ends this child process (SIGTERM to itself; `stop()` instead if given) once its parent, named by `child_env`,
    has ended: killed outright (SIGKILL), a parent can stop no child, and a child in a session of its own gets no
    Ctrl-C. A thread looks every `every` seconds; started by hand (no `PARENT`), nothing is watched."""
    parent = os.environ.pop(PARENT, None)  # (not passed on to this process's own children)
    if parent is None:
        return None

    def watch():
        while os.getppid() == int(parent):  # an orphan's parent becomes init (or a subreaper)
            time.sleep(every)
        (stop or (lambda: os.kill(os.getpid(), signal.SIGTERM)))()

    watcher = threading.Thread(target=watch, name="exit_with_parent", daemon=True)
    watcher.start()
    return watcher


@contextlib.contextmanager
def stopped_on_exit(procs, grace=10.0):
    """Stops the child processes of `procs` (a list or dict of `subprocess.Popen`, filled inside) still running
    when the block is left: a Ctrl-C, a SIGTERM (`ended_by_sigterm`), an error, or a child that failed before the
    others.

    A child in a session of its own does not get the terminal's Ctrl-C, and a worker whose peer failed waits for
    it: without this they would go on after the benchmark ended. Terminated, then killed after `grace` seconds.
    Start them with `env=child_env(...)` and have them call `exit_with_parent`: a SIGKILL runs no `finally`.
    """
    try:
        with ended_by_sigterm():
            yield procs
    finally:
        running = [p for p in (procs.values() if isinstance(procs, dict) else procs) if p.poll() is None]
        for proc in running:
            proc.terminate()
        for proc in running:
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def table(rows, columns):
    """Formats `rows` (dicts) as a Markdown table of `columns`."""
    def cell(value):
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def write(name, payload, rows, columns, out=None, run="default", complete=True):
    """Records `payload` (plus its table rows) as run `run` of `<name>.json` and prints the table."""
    path = record(name, dict(payload, rows=rows), run=run, out=out, complete=complete)
    show(path, run, rows, columns)
    return path


def show(path, run, rows, columns):
    """Prints the table of `rows` (`columns`) recorded as run `run` of `path`, and where it was written."""
    print(table(rows, columns))
    print(f"\nwritten: {path} (run {run!r})")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Record a result file as a run of a benchmark results file.")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="add or replace one run of benchmarks/results/NAME.json")
    rec.add_argument("name", help="results file name without .json, e.g. stack_gan_example")
    rec.add_argument("result", help="a JSON file holding the run's result")
    rec.add_argument("--run", type=run_name, default="default", help="run name inside the file (default: default)")
    rec.add_argument("--argv", default=None, help="the command that made the result, as one string")
    rec.add_argument("--note", default=None)
    args = parser.parse_args(argv)
    try:
        with open(args.result) as f:
            result = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        parser.error(f"{args.result}: cannot read it as JSON ({getattr(e, 'strerror', None) or e})")
    check_out(rec, args.name)
    path = record(args.name, result, run=args.run, argv=shlex.split(args.argv) if args.argv else None,
                  note=args.note)
    print(f"written: {path} (run {args.run!r})")


if __name__ == "__main__":
    main()
