"""README.md and docs/: links resolve, tables are generated, snippets run, the API reference builds.

How code blocks are run (the rule is also stated in docs/how_it_works.md):

* Every fenced ```python block of README.md and docs/**/*.md runs, unless the
  line before its opening fence is the HTML comment `<!-- excerpt -->`.
* All blocks run one after another in ONE fresh Python process (TensorFlow is
  imported once), each with its own namespace (a block imports what it uses),
  in one empty temporary folder per page: a later block of a page may read
  the files an earlier one wrote (`generator.keras`, exports).
* Sizes are turned down by two rewrites and no others, applied to the block's
  text before it runs:
      `epochs=N`          -> `epochs=1`
      `steps_per_epoch=N` -> `steps_per_epoch=2`
  So a snippet shows the budget that gives its page's results, and runs here
  for one short epoch. A snippet whose data or model is still too heavy for
  that is marked as an excerpt; an excerpt is only compiled, to check it
  parses.

Shell blocks (```bash) are not run, but every `keras-cgan ...` and
`python <script>.py ...` line in them is parsed by that command's own
argument parser, stopped right after parsing: a flag, choice or subcommand
the command no longer has fails here.
"""

import argparse
import doctest
import glob
import json
import os
import re
import runpy
import shlex
import subprocess
import sys
import textwrap

import pytest

from tests.test_case import benchmark_module

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXCERPT = "<!-- excerpt -->"
SIZE_REWRITES = ((re.compile(r"\bepochs=\d+"), "epochs=1"), (re.compile(r"\bsteps_per_epoch=\d+"), "steps_per_epoch=2"))
WORK_WORDS = re.compile(r"issue|acceptance|bar \(", re.I)


def pages():
    found = [os.path.join(REPO, "README.md")]
    found += sorted(glob.glob(os.path.join(REPO, "docs", "**", "*.md"), recursive=True))
    return [p for p in found if os.path.exists(p)]


def rel(path):
    return os.path.relpath(path, REPO)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)(?P<info>[^\n`]*)$")


def code_blocks(text):
    """`(line, language, code, is_excerpt)` of every fenced block of a Markdown text."""
    lines = text.split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, fence, indent = i, m.group("fence"), m.group("indent")
        language = m.group("info").strip().split(" ")[0].lower()
        body, i = [], i + 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        previous = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        blocks.append((start + 1, language, "\n".join(body), previous == EXCERPT))
        i += 1
    return blocks


def without_code(text):
    """The text with fenced blocks and inline code removed (links inside code are not links)."""
    lines, keep, fence = text.split("\n"), [], None
    for line in lines:
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group("fence")
            continue
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        keep.append(line)
    return re.sub(r"`[^`\n]*`", "", "\n".join(keep))


def python_blocks():
    out = []
    for path in pages():
        for line, language, code, excerpt in code_blocks(read(path)):
            if language in ("python", "py") and not excerpt:
                out.append((f"{rel(path)}:{line}", code))
    return out


def shrink(code):
    for pattern, replacement in SIZE_REWRITES:
        code = pattern.sub(replacement, code)
    return code


# ---------------------------------------------------------------- links

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


@pytest.mark.parametrize("path", pages(), ids=rel)
def test_every_relative_link_resolves(path):
    broken = []
    for target in LINK.findall(without_code(read(path))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # http(s), mailto, ...; anchors in the same page
        file = target.split("#")[0].split("?")[0]
        if not os.path.exists(os.path.join(os.path.dirname(path), file)):
            broken.append(target)
    assert not broken, f"{rel(path)}: links to missing files: {broken}"


# ---------------------------------------------------------------- generated tables

def _tables():
    return benchmark_module("tables")


@pytest.mark.parametrize("module", ["_report", "tables"])
def test_benchmark_helpers_doctests_pass(module):
    result = doctest.testmod(benchmark_module(module))
    assert result.attempted and not result.failed, result


@pytest.mark.parametrize("path", pages(), ids=rel)
def test_tables_equal_the_generated_ones(path):
    tables = _tables()
    text = read(path)
    assert tables.render(text) == text, (
        f"{rel(path)}: a result table differs from the one generated from benchmarks/results/*.json; "
        "run `python benchmarks/tables.py`"
    )


def test_every_table_and_results_file_is_used_by_a_page():
    tables = _tables()
    used = set()
    for path in pages():
        used |= {m.group(2) for m in tables.MARKER.finditer(read(path))}
    assert set(tables.TABLES) - used == set(), f"tables no page shows: {sorted(set(tables.TABLES) - used)}"
    shown = "\n".join(tables.TABLES[name]() for name in used)
    for path in glob.glob(os.path.join(REPO, "benchmarks", "results", "*.json")):
        name = os.path.basename(path)
        assert f"benchmarks/results/{name}" in shown, f"{name}: no docs table reads it"


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(REPO, "benchmarks", "results", "*.json"))),
                         ids=os.path.basename)
def test_results_files_follow_the_schema(path):
    with open(path) as f:
        results = json.load(f)
    assert results["benchmark"] == os.path.basename(path)[: -len(".json")]
    for key in ("schema", "commit", "keras_cgan", "argv", "machine", "runs"):
        assert key in results, f"{rel(path)}: no {key!r}"
    assert results["runs"], f"{rel(path)}: no runs"
    names = [run["name"] for run in results["runs"]]
    assert len(names) == len(set(names)), f"{rel(path)}: run names repeat: {names}"
    for run in results["runs"]:
        for key in ("name", "commit", "keras_cgan", "argv", "machine", "result"):
            assert key in run, f"{rel(path)} run {run.get('name')}: no {key!r}"
        if run["commit"] is None:
            assert run.get("note"), f"{rel(path)} run {run['name']}: commit not recorded and no note saying so"


# ---------------------------------------------------------------- words about the library only

@pytest.mark.parametrize("path", pages(), ids=rel)
def test_no_words_about_the_work_process(path):
    # The same search as `git grep -n -i "issue\|acceptance\|bar (" README.md docs/`.
    hits = [f"{rel(path)}:{i}: {line.strip()}" for i, line in enumerate(read(path).split("\n"), 1)
            if WORK_WORDS.search(line)]
    assert not hits, "\n".join(hits)


SUITE_PAGES = ("docs/generalisation.md", "docs/generalisation_screens.md")
SUITE_RUN = re.compile(r"`(?:next_frame_gan|pix2pix|conditional_gan|stack_gan|segan):[^`]*`")
TABLE_BLOCK = re.compile(r"<!-- table: [\w.-]+ -->.*?<!-- /table -->", re.S)


@pytest.mark.parametrize("page", SUITE_PAGES)
def test_generalisation_pages_name_runs_only_to_reproduce_them(page):
    # A run of benchmarks/generalisation.py is a handle to reproduce a row: the pages name one in a
    # command (`--run NAME`, which must exist) or in a generated table, never in their prose.
    text = read(os.path.join(REPO, page))
    runs = {run["name"] for run in json.loads(read(os.path.join(REPO, "benchmarks/results/generalisation.json")))["runs"]}
    blocks = code_blocks(text)
    prose = TABLE_BLOCK.sub("", text)
    for _, _, code, _ in blocks:
        prose = prose.replace(code, "")
    assert not SUITE_RUN.findall(prose), f"{page}: run names in prose: {SUITE_RUN.findall(prose)}"
    for _, language, code, _ in blocks:
        for line in code.replace("\\\n", " ").split("\n") if language in SHELLS else []:
            argv = shlex.split(line, comments=True)
            named = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--run"]
            assert set(named) <= runs, f"{page}: `{line.strip()}` names a run the results file lacks"


# ---------------------------------------------------------------- the API reference

def test_api_reference_builds_in_strict_mode(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    # Not --quiet: it hides the warnings that --strict turns into a failure.
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert (tmp_path / "site" / "api" / "gan_model" / "index.html").exists()


# ---------------------------------------------------------------- every snippet runs

RUNNER = textwrap.dedent('''
    import json, os, sys, tempfile, traceback
    import keras
    keras.utils.disable_interactive_logging()   # no progress bars
    blocks = json.load(open(sys.argv[1]))
    results, folders, base = {}, {}, os.getcwd()  # one folder per page, inside the fixture's own
    for label, code in blocks:
        page = label.rsplit(":", 1)[0]
        if page not in folders:
            folders[page] = tempfile.mkdtemp(prefix="snippets-", dir=base)
        os.chdir(folders[page])
        try:
            exec(compile(code, label, "exec"), {"__name__": "__main__"})
            results[label] = None
        except BaseException:
            results[label] = traceback.format_exc(limit=8)
        print("@@RESULT@@" + json.dumps([label, results[label]]), flush=True)
''')


@pytest.fixture(scope="module")
def snippet_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snippets")
    blocks = [(label, shrink(code)) for label, code in python_blocks()]
    (folder / "blocks.json").write_text(json.dumps(blocks))
    (folder / "runner.py").write_text(RUNNER)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO)
    proc = subprocess.run([sys.executable, str(folder / "runner.py"), str(folder / "blocks.json")],
                          cwd=str(folder), env=env, capture_output=True, text=True, timeout=600)
    results = dict(json.loads(line[len("@@RESULT@@"):]) for line in proc.stdout.splitlines()
                   if line.startswith("@@RESULT@@"))
    return results, proc.stderr[-3000:]


def excerpt_blocks():
    return [(f"{rel(path)}:{line}", code) for path in pages() for line, language, code, excerpt in code_blocks(read(path))
            if language in ("python", "py") and excerpt]


@pytest.mark.parametrize("label, code", excerpt_blocks(), ids=[label for label, _ in excerpt_blocks()])
def test_excerpt_block_compiles(label, code):
    # Excerpts are not run (they need a data folder, several machines, ...); they still parse as Python.
    compile(code, label, "exec")


@pytest.mark.parametrize("label", [label for label, _ in python_blocks()])
def test_python_block_runs(label, snippet_results):
    results, stderr = snippet_results
    assert label in results, f"{label}: did not run (the runner stopped before it):\n{stderr}"
    assert results[label] is None, f"{label} failed (sizes turned down as the module docstring says):\n{results[label]}"


# ---------------------------------------------------------------- every documented command parses

SHELLS = ("bash", "sh", "shell", "console")


def shell_commands():
    """`(id, line, argv)` of every `keras-cgan ...` and `python <script>.py ...` line of the pages' shell blocks."""
    found = []
    for path in pages():
        for line, language, code, _ in code_blocks(read(path)):
            if language not in SHELLS:
                continue
            for text in code.replace("\\\n", " ").split("\n"):
                argv = shlex.split(text, comments=True)
                while argv and re.match(r"[A-Z_][A-Z0-9_]*=", argv[0]):  # VAR=value before the command
                    argv = argv[1:]
                if any("$" in arg for arg in argv):  # a shell variable (a loop's): no fixed command to check
                    continue
                if argv[:1] == ["keras-cgan"] or (argv[:1] in (["python"], ["python3"]) and argv[1:2]
                                                  and argv[1].endswith(".py")):
                    found.append((f"{rel(path)}:{line}#{len(found)}", text.strip(), argv))
    return found


class _Parsed(Exception):
    """Raised right after a command's arguments parsed: nothing of the command ran."""


COMMANDS = shell_commands()


@pytest.mark.parametrize("label, command, argv", COMMANDS, ids=[label for label, _, _ in COMMANDS])
def test_shell_command_parses(label, command, argv, monkeypatch, capsys):
    parse_args = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        parse_args(self, args, namespace)
        raise _Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    try:
        if argv[0] == "keras-cgan":
            from keras_cgan.cli.main import main

            main(argv[1:])
        else:
            script = os.path.join(REPO, argv[1])
            assert os.path.isfile(script), f"{label}: `{command}`: no file {argv[1]}"
            monkeypatch.setattr(sys, "argv", argv[1:])
            monkeypatch.syspath_prepend(os.path.dirname(script))  # scripts import helpers of their folder
            runpy.run_path(script, run_name="__main__")
    except _Parsed:
        return
    except SystemExit as stop:  # --help exits 0 after printing; a refused argument exits 2
        assert not stop.code, f"{label}: `{command}` is refused by its parser:\n{capsys.readouterr().err[-2000:]}"
        return
    pytest.fail(f"{label}: `{command}` finished without parsing arguments; only parsing was meant to run")


# How a run was made (the machine's load, the commit, a stopped command, what the work kept) belongs to its
# note in the results file, not to the setting the screens table shows.
HOW_RUN = re.compile(r"\b(commit(ted|s)?|beside|jobs?|side by side|the bar|earlier (default|preset)|tried|not kept|"
                     r"stopped|argv|run as|renamed|working tree|recorded|reverted|screen|made the default)\b|"
                     r"\b[0-9a-f]{7,40}\b|\b(next_frame_gan|pix2pix|conditional_gan|stack_gan|segan):", re.I)


def test_every_screen_table_states_settings_not_how_runs_were_made():
    tables = _tables()
    rows = [line.strip("|").split(" | ") for family in tables.FAMILIES
            for line in tables.generalisation_screens(family).split("\n") if line.startswith("| `")]
    settings = sorted({row[1].strip() for row in rows})
    assert settings and not [s for s in settings if HOW_RUN.search(s)], [s for s in settings if HOW_RUN.search(s)][:10]


def _argv_seeds(run, family):
    """The `--seed`s of the commands a run records (its `argv`: one command or a list) that wrote it for `family`."""
    commands = run["argv"] if run["argv"] and isinstance(run["argv"][0], list) else [run["argv"]]
    seeds = set()
    for argv in commands:
        option = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("--")}
        if option.get("--family") == family and option.get("--run", "defaults") == run["name"]:
            seeds.add(int(option.get("--seed", 0)))
    return seeds


def suite_commands():
    """`(id, argv)` of every `benchmarks/generalisation.py` command of the suite's pages that writes the results file."""
    found = []
    for page in SUITE_PAGES:
        for line, language, code, _ in code_blocks(read(os.path.join(REPO, page))):
            for text in code.replace("\\\n", " ").split("\n") if language in SHELLS else []:
                argv = shlex.split(text, comments=True)
                if argv[1:2] == ["benchmarks/generalisation.py"] and "--out" not in argv and "$" not in text:
                    found.append((f"{page}:{line}#{len(found)}", argv[2:]))
    return found


SUITE_COMMANDS = suite_commands()


@pytest.mark.parametrize("label, argv", SUITE_COMMANDS, ids=[label for label, _ in SUITE_COMMANDS])
def test_generalisation_command_reproduces_the_run_it_writes(label, argv, monkeypatch):
    # A command writes its rows into a run (`--run`, else `defaults`), replacing the rows of the tasks it trains:
    # a page's command must give what the run recorded. The results file records each task's half, steps,
    # `--set` overrides and next_frame_gan's data, the judges' count, and the commands that wrote the run (their
    # seeds), not the preset a run was measured on: a setting the preset has changed since cannot be checked here.
    suite = benchmark_module("generalisation")
    parse_args = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        raise _Parsed(parse_args(self, args, namespace))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    with pytest.raises(_Parsed) as parsed:
        suite.main(argv)
    args = parsed.value.args[0]
    command = " ".join(argv)
    runs = {run["name"]: run for run in json.loads(read(os.path.join(REPO, "benchmarks/results/generalisation.json")))["runs"]}
    assert args.run in runs, f"{label}: `{command}` writes run {args.run!r}, which the results file lacks"
    run = runs[args.run]
    recorded = run["result"]["families"].get(args.family, {}).get("tasks", {})
    chosen = set(suite.selection(args.family, args.task, args.half)[1])
    assert chosen == set(recorded), (
        f"{label}: `{command}` trains {sorted(chosen)}; run {args.run!r} holds {sorted(recorded)} of {args.family}")
    sets = {key: repr(value) for key, value in args.set}
    judged = "condition_accuracy_other_judges" if args.family == "conditional_gan" else "tag_accuracy_other_judges"
    for task, entry in recorded.items():
        differ = {k: (v, sets[k]) for k, v in entry["overrides"].items() if k in sets and sets[k] != v}
        if args.run != "defaults":  # defaults' --set gave values its family's preset has taken since
            differ.update({k: (v, None) for k, v in entry["overrides"].items() if k not in sets})
        assert not differ, f"{label}: `{command}`: {task}'s --set recorded / given: {differ}"
        assert entry["steps"] == (args.steps or suite.DEFAULT_STEPS[args.family]), (
            f"{label}: `{command}`: {task} trained {entry['steps']} steps")
        assert len(entry["result"].get(judged) or []) == args.other_judges, (
            f"{label}: `{command}`: {task} was read by {len(entry['result'].get(judged) or [])} other judges")
        if entry.get("background") is not None:
            assert (entry["background"], entry["frame_size"]) == (
                -1.0 if args.background is None else args.background, args.frame_size or 24), (
                f"{label}: `{command}`: {task}'s data had background {entry['background']}, size {entry['frame_size']}")
    seeds = _argv_seeds(run, args.family)
    assert not seeds or args.seed in seeds, f"{label}: `{command}` trains seed {args.seed}; run {args.run!r} seeds {seeds}"


def test_size_rewrites():
    assert shrink("gan.fit(ds, epochs=100, steps_per_epoch=6000)") == "gan.fit(ds, epochs=1, steps_per_epoch=2)"
    assert shrink("max_epochs=3") == "max_epochs=3"
