"""benchmarks/graph_learning.py's pure parts: a variant's settings and the curriculum's
schedule (the runs themselves are the benchmark's, in results/graph_cpu/README.md)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))
import graph_learning  # noqa: E402  (a script, not a package)


def test_a_variant_is_the_reference_with_its_keys_changed():
  name, values = graph_learning.parse_variant("fast:learning_rate=1e-2,curriculum=0.5")
  assert name == "fast"
  assert values == dict(graph_learning.REFERENCE, learning_rate=1e-2, curriculum=0.5)
  for bad, message in (("x:curriculum=2", "curriculum is a share"),
                       ("x:nonsense=1", "is not key=value"),
                       ("x:learning_rate=fast", "is not a float")):
    with pytest.raises(SystemExit, match=message):
      graph_learning.parse_variant(bad)


def test_the_curriculum_adds_one_operation_count_per_equal_stage_then_keeps_the_band():
  top = lambda share: [graph_learning.curriculum_top((1, 3), share, step, 1200)
                       for step in range(0, 1200, 100)]
  assert top(0.0) == [3] * 12
  assert top(0.5) == [1, 1, 2, 2, 3, 3] + [3] * 6  # stages of 200 steps over the first 600
  assert top(1.0) == [1] * 4 + [2] * 4 + [3] * 4
