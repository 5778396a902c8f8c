"""Finite data sets: distinct, reproducible, nested across n, disjoint from exclusions."""

import collections

import jax
import numpy as np
import pytest

import synth


def rows(dataset):
  return {row.tobytes() for row in dataset.tokens}


@pytest.fixture(scope="module")
def addition():
  return synth.get_task("addition", max_difficulty=6)


def test_examples_are_distinct_in_band_and_uniform_over_it(addition):
  dataset = synth.make_dataset(jax.random.key(0), addition, (3, 5), 3000)
  assert dataset.tokens.shape == (3000, addition.sequence_width())
  assert len(rows(dataset)) == 3000
  counts = collections.Counter(dataset.difficulty.tolist())
  assert sorted(counts) == [3, 4, 5]
  assert all(abs(c - 1000) < 120 for c in counts.values()), counts
  assert all(addition.check(t) for t in dataset.tokens)


def test_same_key_same_dataset_and_smaller_budgets_are_prefixes(addition):
  key = jax.random.key(1)
  large = synth.make_dataset(key, addition, (2, 4), 2500)  # spans three chunks
  again = synth.make_dataset(key, addition, (2, 4), 2500)
  small = synth.make_dataset(key, addition, (2, 4), 50)
  np.testing.assert_array_equal(large.tokens, again.tokens)
  np.testing.assert_array_equal(large.tokens[:50], small.tokens)
  other = synth.make_dataset(jax.random.key(2), addition, (2, 4), 50)
  assert not np.array_equal(other.tokens, small.tokens)


def test_held_out_sample_is_disjoint_where_the_band_is_small(addition):
  train = synth.make_dataset(jax.random.key(0), addition, (1, 1), 40)
  held_out = synth.make_dataset(jax.random.key(1), addition, (1, 1), 10, exclude=train)
  assert len(rows(train)) == 40 and len(rows(held_out)) == 10
  assert not rows(train) & rows(held_out)  # together: half of the 100 one-digit pairs
  with pytest.raises(ValueError, match="n=11 is more than the 10 distinct examples that may be "
                     r"drawn from difficulties \[1\] of addition: at most 50, half of the 100 "
                     "they hold, minus the 40 excluded ones"):
    synth.make_dataset(jax.random.key(1), addition, (1, 1), 11, exclude=train)


def test_the_most_that_may_be_drawn_is_drawn():
  """Up to `drawable` (half a band) is always found, held-out set included, however the
  excluded examples crowd the band; exactly-d addition of 2 digits holds 8100."""
  task = synth.get_task("addition", max_difficulty=2)
  assert synth.drawable(task, [2]) == 4050
  train = synth.make_dataset(jax.random.key(0), task, (2, 2), 4000)
  held_out = synth.make_dataset(jax.random.key(1), task, (2, 2), 50, exclude=train)
  assert len(rows(train) | rows(held_out)) == 4050


def test_graph_task_datasets(addition):
  del addition
  task = synth.get_task("graph_arithmetic", max_difficulty=8)
  dataset = synth.make_dataset(jax.random.key(0), task, (2, 8), 300)
  assert len(rows(dataset)) == 300
  assert set(dataset.difficulty.tolist()) == set(range(2, 9))
  assert [task.difficulty_of(t) for t in dataset.tokens] == dataset.difficulty.tolist()


def test_a_band_of_astronomically_many_examples_gives_any_n_the_check_allows():
  """Where a band holds ~1e30 examples, drawing more than a few chunks' worth must not give
  up early (the draw budget once rounded to zero there)."""
  task = synth.get_task("graph_arithmetic", max_difficulty=6, modulus=3)
  assert task.num_distinct([6]) > 1e25
  dataset = synth.make_dataset(jax.random.key(0), task, (6, 6), 4 * 1024 + 10)
  assert len(rows(dataset)) == 4 * 1024 + 10


def test_mixture_weights_set_the_difficulty_mix(addition):
  dataset = synth.make_mixture_dataset(jax.random.key(0), addition, {2: 3.0, 5: 1.0, 6: 0},
                                       2000)
  counts = collections.Counter(dataset.difficulty.tolist())
  assert set(counts) == {2, 5}
  assert 0.70 < counts[2] / 2000 < 0.80


@pytest.mark.parametrize("band, n, message", [
    ((1, 1), 51, "n=51 is more than the 50 distinct examples that may be drawn"),
    ((0, 3), 10, r"band lo=0 is not allowed; allowed: an integer in \[1, 6\]"),
    ((2, 7), 10, r"band hi=7 is not allowed; allowed: an integer in \[1, 6\]"),
    ((4, 2), 10, "band lo=4 is above band hi=2"),
    ((2,), 10, "band must be a pair"),
    ((2, 3), 0, r"n=0 is not allowed; allowed: an integer in \[1, "),
    ((2, 3), -5, "n=-5"),
    ((2, 3), 2.5, "n=2.5"),
])
def test_bad_dataset_arguments_are_refused(addition, band, n, message):
  with pytest.raises(ValueError, match=message):
    synth.make_dataset(jax.random.key(0), addition, band, n)


@pytest.mark.parametrize("weights, message", [
    ({}, "at least one difficulty"),
    ({2: 0.0}, "every difficulty in the mixture has weight 0"),
    ({2: -1.0}, "weight of difficulty 2 must be finite and >= 0"),
    ({9: 1.0}, r"difficulty=9 is not allowed; allowed: an integer in \[1, 6\]"),
])
def test_bad_mixtures_are_refused(addition, weights, message):
  with pytest.raises(ValueError, match=message):
    synth.make_mixture_dataset(jax.random.key(0), addition, weights, 10)
