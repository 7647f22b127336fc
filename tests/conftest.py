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
