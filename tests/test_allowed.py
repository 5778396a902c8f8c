"""allowed/: the one check of a value's range, and the one line that says what is allowed."""

import numpy as np
import pytest

import allowed


@pytest.mark.parametrize("check, value, message", [
    (allowed.Integer(1, 20), 21, "d=21 is not allowed; allowed: an integer in [1, 20]"),
    (allowed.Integer(1, 20), True, "d=True is not allowed"),  # a bool is not a count
    (allowed.Integer(1, 20), 3.0, "d=3.0 is not allowed"),
    (allowed.Integer(0), -1, "d=-1 is not allowed; allowed: an integer >= 0"),
    (allowed.Real(0, 1, lo_open=True), 0.0, "d=0.0 is not allowed; allowed: a finite number in "
     "(0, 1]"),
    (allowed.Real(0, 1), float("nan"), "d=nan is not allowed"),
    (allowed.Real(0, 8), "2", "d='2' is not allowed"),
    (allowed.Option(("steps", "planned")), "plan", "d='plan' is not allowed; allowed: one of "
     "planned, steps"),
])
def test_a_value_outside_its_range_is_refused_in_one_line_naming_it(check, value, message):
  with pytest.raises(ValueError) as refused:
    check.check("d", value)
  assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_values_inside_their_range_pass_numpy_ones_too():
  allowed.Integer(1, 20).check("d", np.int64(20))
  allowed.Real(0, 1, hi_open=True).check("d", np.float32(0.5))
  allowed.Real(0, 1).check("d", 1)
  allowed.Option((False, True)).check("d", False)


def test_distinct_refuses_an_empty_or_repeated_sequence():
  with pytest.raises(ValueError, match=r"seeds=\(\) is not allowed; allowed: a non-empty"):
    allowed.distinct("seeds", (), lambda name, v: None)
  with pytest.raises(ValueError, match="seeds: 1 repeated"):
    allowed.distinct("seeds", (1, 2, 1), lambda name, v: allowed.integer(name, v, 0))
  with pytest.raises(ValueError, match="seeds=-1 is not allowed"):
    allowed.distinct("seeds", (1, -1), lambda name, v: allowed.integer(name, v, 0))
