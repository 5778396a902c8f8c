"""The sampler contract every task keeps: pure, key-driven, jittable, vmappable."""

import random

import jax
import numpy as np
import pytest

import synth

TASKS = [("addition", dict(max_difficulty=6)),
         ("addition", dict(max_difficulty=6, layout="fixed", digit_order="plain",
                           operand_sampling="uniform")),
         ("graph_arithmetic", dict(max_difficulty=6)),
         ("graph_arithmetic", dict(max_difficulty=6, names=16, order="topological",
                                   lookups=True)),
         ("reversal", dict(max_difficulty=6)),
         ("sorting", dict(max_difficulty=6, alphabet_size=3)),
         ("reversal", dict(max_difficulty=6, layout="fixed", operation="copy")),
         ("modular_chain", dict(max_difficulty=6, operations="+-*")),
         ("pointer_chase", dict(max_difficulty=6, names=7)),
         ("pointer_chase", dict(max_difficulty=6, names=19, stride=3))]


@pytest.fixture(params=TASKS, ids=lambda t: t[0] + "-" + "-".join(map(str, t[1].values())))
def task(request):
  name, options = request.param
  return synth.get_task(name, **options)


def test_same_key_same_example_whatever_the_global_seeds(task):
  sample = jax.jit(task.sample)
  random.seed(0)
  np.random.seed(0)
  first = jax.device_get(sample(jax.random.key(7), 4))
  random.seed(1)
  np.random.seed(1)
  second = jax.device_get(sample(jax.random.key(7), 4))
  other = jax.device_get(sample(jax.random.key(8), 4))
  np.testing.assert_array_equal(first.tokens, second.tokens)
  np.testing.assert_array_equal(first.answer_mask, second.answer_mask)
  assert not np.array_equal(first.tokens, other.tokens)


def test_vmap_over_keys_and_difficulties_equals_one_by_one(task):
  difficulties = np.array([1, 6, 3, 3, 2, 5])
  keys = jax.random.split(jax.random.key(0), difficulties.size)
  batch = jax.device_get(jax.jit(jax.vmap(task.sample))(keys, difficulties))
  single = jax.jit(task.sample)
  for i, d in enumerate(difficulties):
    one = jax.device_get(single(keys[i], int(d)))
    np.testing.assert_array_equal(batch.tokens[i], one.tokens)
    np.testing.assert_array_equal(batch.answer_mask[i], one.answer_mask)
    assert batch.difficulty[i] == one.difficulty == d


def test_one_program_covers_every_difficulty(task):
  compiled = jax.jit(task.sample).lower(jax.random.key(0), np.int32(1)).compile()
  for d in range(task.min_difficulty, task.max_difficulty + 1):
    example = jax.device_get(compiled(jax.random.key(d), np.int32(d)))
    assert example.tokens.shape == (task.sequence_width(),)
    assert example.tokens.dtype == np.int32
    assert task.check(example.tokens)


def test_answer_start_is_where_every_answer_begins(task):
  """The first answer token sits exactly at answer_start(d), which never decreases with d:
  a model may skip predicting anything before it."""
  starts = [task.answer_start(d) for d in range(task.min_difficulty, task.max_difficulty + 1)]
  assert starts == sorted(starts)
  for d in range(task.min_difficulty, task.max_difficulty + 1):
    batch = synth.sample_batch(jax.random.key(d), task, [d], [1.0], 32)
    first = np.argmax(np.asarray(batch.answer_mask), axis=1)
    assert (first == task.answer_start(d)).all(), (d, first, task.answer_start(d))


@pytest.mark.parametrize("difficulty", ["below the least", 7, -1, 2.5, "3", np.array([1, 2])])
def test_out_of_range_difficulty_is_refused(task, difficulty):
  if isinstance(difficulty, str) and difficulty == "below the least":
    difficulty = task.min_difficulty - 1
  with pytest.raises(ValueError, match="difficulty"):
    task.sample(jax.random.key(0), difficulty)


def test_traced_out_of_range_difficulty_is_clipped(task):
  example = jax.jit(task.sample)(jax.random.key(0), 99)
  assert int(example.difficulty) == task.max_difficulty


@pytest.mark.parametrize("name, options, message", [
    ("subtraction", {}, "unknown task 'subtraction'"),
    ("addition", {"digits": 3}, "no option"),
    ("addition", {"digit_order": "backwards"}, "digit_order='backwards'"),
    ("addition", {"layout": "ragged"}, "layout='ragged'"),
    ("addition", {"operand_sampling": "gaussian"}, "operand_sampling='gaussian'"),
    ("addition", {"max_difficulty": 0}, r"max_difficulty=0 is not allowed; "
     r"allowed: an integer in \[1, 64\]"),
    ("graph_arithmetic", {"max_difficulty": 49}, r"max_difficulty=49 .* \[1, 48\]"),
    ("graph_arithmetic", {"max_difficulty": 4.0}, "max_difficulty=4.0"),
    ("reversal", {"operation": "rotate"}, "operation='rotate'"),
    ("sorting", {"alphabet_size": 27}, r"alphabet_size=27 is not allowed; "
     r"allowed: an integer in \[2, 26\]"),
    ("modular_chain", {"operations": "/"}, "operations='/'"),
    ("modular_chain", {"modulus": 11}, r"modulus=11 is not allowed; "
     r"allowed: an integer in \[2, 10\]"),
    ("pointer_chase", {"max_difficulty": 8, "names": 8}, r"names=8 is not allowed; "
     r"allowed: an integer in \[9, 26\]"),
    ("pointer_chase", {"max_difficulty": 8, "names": 17, "stride": 4},
     r"stride=4 is not allowed; allowed: an integer in \[1, 3\]"),
    ("pointer_chase", {"max_difficulty": 8, "names": 16, "stride": 2},
     r"names=16 is not allowed; allowed: an integer in \[17, 26\]"),
])
def test_bad_task_arguments_are_refused(name, options, message):
  with pytest.raises(ValueError, match=message):
    synth.get_task(name, **options)


def test_the_default_tasks_reach_the_required_difficulties():
  assert synth.get_task("addition").max_difficulty >= 20
  assert synth.get_task("graph_arithmetic").max_difficulty >= 24
