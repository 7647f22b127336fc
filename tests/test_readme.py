"""The README's test command is the one CI runs, word for word."""

import os

from tests.test_case import REPO


def test_ci_runs_the_readme_test_command():
    with open(os.path.join(REPO, ".ci", "run")) as f:
        command = [line for line in f if line.startswith("python3.11 -m venv")][0].strip()
    with open(os.path.join(REPO, "README.md")) as f:
        readme = f.read()
    assert command in readme
    assert '-e ".[cpu,dev]"' in command and "pytest" in command
