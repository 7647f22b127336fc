"""Tests of mends to the argument checks, the callbacks' guards and the export functions' errors."""

import re

import pytest

from keras_cgan import checks


def _message(check, *args, **kwargs):
    with pytest.raises(ValueError) as error:
        check(*args, **kwargs)
    return str(error.value)


def test_bound_errors_state_the_bounds_exactly_and_whether_they_are_included():
    # `integer`'s bounds are inclusive: the bounds themselves pass, and the message says >= and <=.
    assert checks.integer("stages", 1, low=1, high=3) == 1 and checks.integer("stages", 3, low=1, high=3) == 3
    assert _message(checks.integer, "stages", 4, low=1, high=3) == "`stages` must be an int >= 1 and <= 3. Received: stages=4"
    assert _message(checks.integer, "stages", 0, low=1) == "`stages` must be an int >= 1. Received: stages=0"
    assert _message(checks.integer, "stages", 4, high=3) == "`stages` must be an int <= 3. Received: stages=4"
    seed = _message(checks.integer, "seed", 2**64, low=-(2**63), high=2**63 - 1)
    assert "must be an int >= -9223372036854775808 and <= 9223372036854775807." in seed
    # `number`'s bounds are inclusive unless open; each is written as given, not rounded to 6 digits.
    assert checks.number("weight", 1234567.5, high=1234567.5) == 1234567.5
    assert "must be a finite number >= 0 and <= 1234567.5." in _message(checks.number, "weight", 2e6, high=1234567.5)
    assert "must be a finite number > 0 and < 0.5." in _message(
        checks.number, "translation", 0.5, low=0.0, high=0.5, low_open=True, high_open=True
    )
    assert re.search(r"must be a finite number >= 1e-07\. Received: rate=0\b", _message(checks.number, "rate", 0, low=1e-7))
