"""benchmarks/graph_learning.py's pure parts: a variant's settings, the curriculum's
schedule and the attention init lever (the runs themselves are the benchmark's, in results/graph_cpu/README.md)."""

import os
import sys

import jax
import numpy as np
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
                       ("x:learning_rate=fast", "is not a float"),
                       ("x:qk_init_scale=0", "qk_init_scale is a factor > 0")):
    with pytest.raises(SystemExit, match=message):
      graph_learning.parse_variant(bad)


def test_the_curriculum_adds_one_operation_count_per_equal_stage_then_keeps_the_band():
  top = lambda share: [graph_learning.curriculum_top((1, 3), share, step, 1200)
                       for step in range(0, 1200, 100)]
  assert top(0.0) == [3] * 12
  assert top(0.5) == [1, 1, 2, 2, 3, 3] + [3] * 6  # stages of 200 steps over the first 600
  assert top(1.0) == [1] * 4 + [2] * 4 + [3] * 4


def test_the_attention_init_lever_scales_query_and_key_weights_only():
  """qk_init_scale: every block's query and key columns times the factor, nothing else."""
  from experiments.engine import train as engine
  from models import ModelConfig, Transformer
  model = Transformer(ModelConfig(vocab_size=11, max_length=8, d_model=16, num_heads=2))
  params = engine.init_params(model, jax.random.key(0), 8)
  scaled = graph_learning.scale_query_key(params, 0.1)
  seen = 0
  for (path, before), after in zip(jax.tree_util.tree_leaves_with_path(params),
                                   jax.tree_util.tree_leaves(scaled)):
    if "qkv" in jax.tree_util.keystr(path):  # columns [query | key | value], 16 each
      seen += 1
      np.testing.assert_allclose(after[:, :32], 0.1 * before[:, :32], rtol=1e-6)
      np.testing.assert_array_equal(after[:, 32:], before[:, 32:])
    else:
      np.testing.assert_array_equal(after, before)
  assert seen == 2  # one attention per block
  jax.tree.map(np.testing.assert_array_equal, graph_learning.scale_query_key(params, 1.0),
               params)


def test_the_first_wrong_step_is_the_solution_step_holding_the_first_wrong_token():
  """Answer from position 10, steps of 12 tokens, 2 steps then `# v eos`: a wrong token in
  step 1, in step 2, in the final answer, and none (column steps + 1)."""
  right = np.ones((4, 40), bool)
  right[0, 9] = False  # position 10: step 1's first token
  right[1, 9 + 12], right[1, 30] = False, False  # step 2 first, then the answer
  right[2, 9 + 24] = False  # the final `#`
  wrong_at = graph_learning.first_wrong_step(right, 10, 2)
  assert wrong_at.tolist() == [0, 1, 2, 3]


def test_a_written_plan_is_a_column_of_its_own_before_the_steps():
  """With 8 plan tokens from position 10: a wrong token in the plan, in step 1 (position
  18), in the final answer (after 2 steps of 12), and none."""
  right = np.ones((4, 50), bool)
  right[0, 9 + 3] = False
  right[1, 9 + 8] = False
  right[2, 9 + 8 + 24] = False
  assert graph_learning.first_wrong_step(right, 10, 2, plan_tokens=8).tolist() == [0, 1, 3, 4]
