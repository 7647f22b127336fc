import collections
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)
    yield
    keras.backend.clear_session(free_memory=False)  # gc.collect() after every test cost ~0.3 s each


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: quality runs; off by default (`-m slow`)")


# Files whose time is a few long runs in processes they start, one unit of several minutes under
# `--dist loadfile`: they start first, so that no worker is left running one of them alone at the end
# (pytest-xdist's own order, most tests first, put them last: `pytest.ini` turns it off).
FIRST = ("test_replicas.py", "test_multi_worker.py", "test_resume.py")


@pytest.hookimpl(trylast=True)  # after `-m` deselects
def pytest_collection_modifyitems(items):
    """Files in `FIRST` first, then those with the most tests; each file's tests in their own order."""
    counts = collections.Counter(item.path for item in items)
    rank = {name: i for i, name in enumerate(FIRST)}
    items.sort(key=lambda item: (rank.get(item.path.name, len(FIRST)), -counts[item.path], str(item.path)))
