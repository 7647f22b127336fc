"""Shared output of the benchmarks: a JSON file and a plain-text table."""

import json
import os
import platform
import time

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def machine():
    import tensorflow as tf

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "date": time.strftime("%Y-%m-%d"),
    }


def table(rows, columns):
    """Formats `rows` (dicts) as a Markdown table of `columns`."""
    def cell(value):
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def write(name, payload, rows, columns, out=None):
    """Writes `payload` (plus machine facts) as JSON and prints the table."""
    payload = dict(payload, machine=machine(), rows=rows)
    path = out or os.path.join(RESULTS, f"{name}.json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, indent=2)
    print(table(rows, columns))
    print(f"\nwritten: {path}")
    return path
