"""The screens tables of docs/generalisation_screens.md: one per family, one row per run, a column per task."""

import functools
import json
import os
import re
from collections import Counter

import pytest

from tests.test_case import benchmark_module

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(REPO, "docs", "generalisation_screens.md")
FIGURE = re.compile(r"-?\d+\.\d+")


def _tables():
    return benchmark_module("tables")


def _rows(text):
    """A generated table's header and rows, each a list of cells."""
    lines = [line.strip()[1:-1] for line in text.split("\n") if line.startswith("|")]
    head, _, *rows = [[cell.strip() for cell in line.split("|")] for line in lines]
    return head, rows


@functools.lru_cache(maxsize=None)
def _results():
    with open(os.path.join(REPO, "benchmarks", "results", "generalisation.json")) as f:
        return json.load(f)


def _task(half, gain, steps=800):
    return {"half": half, "steps": steps, "overrides": {}, "result": {"snr_gain": gain, "collapsed": False}}


def test_a_family_table_has_a_row_per_run_after_the_defaults_and_a_column_per_task(monkeypatch):
    tables = _tables()
    tasks = {"clicks": _task("tune", 6.94), "siren": _task("held-out", 10.01)}
    runs = [{"name": "defaults", "result": {"families": {"segan": {"tasks": tasks}, "pix2pix": {"tasks": {}}}}},
            {"name": "segan:k15", "setting": "kernel 15; seed 0",
             "result": {"families": {"segan": {"tasks": {"clicks": _task("tune", 7.17)}}}}},
            {"name": "segan:k15,seed=1", "setting": "kernel 15; seed 1",
             "result": {"families": {"segan": {"tasks": {"siren": _task("held-out", 4.5),
                                                         "noise": _task("control", 1.0)}}}}},
            {"name": "segan:set_time,alone", "result": {"families": {"segan": {"tasks": tasks}}}},
            {"name": "pix2pix:r1", "setting": "r1", "result": {"families": {"pix2pix": {"tasks": {}}}}}]
    monkeypatch.setattr(tables, "load", lambda name: {"benchmark": name, "runs": runs})
    head, rows = _rows(tables.generalisation_screens("segan"))
    assert head == ["run", "setting", "steps", "clicks (tune)", "siren (held-out)", "noise (control)"]
    assert rows == [["`defaults`", "the defaults", "800", "6.94", "10.01", ""],
                    ["`segan:k15`", "kernel 15; seed 0", "800", "7.17", "", ""],
                    ["`segan:k15,seed=1`", "as above; seed 1", "800", "", "4.50", "1.00"]]


@pytest.mark.parametrize("family", ["next_frame_gan", "pix2pix", "conditional_gan", "stack_gan", "segan"])
def test_every_run_of_a_family_is_one_row_with_every_figure_of_its_tasks(family):
    # The page held one row per (run, task), the run and setting repeated on each: 704 rows, 216 KB.
    tables = _tables()
    head, rows = _rows(tables.generalisation_screens(family))
    runs = [r for r in _results()["runs"] if family in r["result"]["families"]
            and not re.search(r":(set_time|other_judges),", r["name"])]
    assert [row[0] for row in rows] == [f"`{r['name']}`" for r in runs]  # the defaults first, each run once
    for run, row in zip(runs, rows):
        cells = dict(zip(head, row))
        for task, t in run["result"]["families"][family]["tasks"].items():
            cell = cells[f"{task} ({t['half']})"]
            long_form = tables._generalisation_measure(family, t["result"])  # the results table's wording
            assert Counter(FIGURE.findall(cell)) == Counter(FIGURE.findall(long_form)), (run["name"], task)
            assert ("collapsed" in cell) == bool(t["result"].get("collapsed")), (run["name"], task)
            assert all(kind in cell for kind in t["result"].get("collapse_kinds") or []), (run["name"], task)


def test_the_screens_page_stays_small():
    size = os.path.getsize(PAGE)
    assert size < 100_000, (
        f"docs/generalisation_screens.md is {size:,} bytes: shorten the cells of `generalisation_screens` in "
        "benchmarks/tables.py (one row per run, a column per task) rather than repeat a run's name or setting")


def test_a_texture_cell_shows_its_error_over_every_flat_pixel_beside_the_one_outside_the_texture():
    # docs/generalisation.md quotes the texture_dots cells' `flat` figures: the cell showed `out` only.
    l1 = {"texture_corr": 0.2, "background_error": 0.004, "flat_error": 0.0053, "sharpness_ratio": 0.2}
    gan = {"texture_corr": 0.4, "background_error": 0.0035, "flat_error": 0.0233, "sharpness_ratio": 0.6}
    cell = _tables()._screen_cell("pix2pix", {"l1": l1, "gan": gan})
    assert cell == "corr 0.20 / 0.40; out 0.0040 / 0.0035, flat 0.0053 / 0.0233; sharp 0.20 / 0.60"
    flat_only = _tables()._screen_cell("pix2pix", {"l1": {"flat_error": 0.06, "sharpness_ratio": 0.6},
                                                   "gan": {"flat_error": 0.07, "sharpness_ratio": 0.7}})
    assert flat_only == "flat 0.0600 / 0.0700; sharp 0.60 / 0.70"
