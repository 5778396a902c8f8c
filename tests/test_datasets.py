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
  train = synth.make_dataset(jax.random.key(0), addition, (1, 1), 80)
  held_out = synth.make_dataset(jax.random.key(1), addition, (1, 1), 20, exclude=train)
  assert len(rows(train)) == 80 and len(rows(held_out)) == 20
  assert not rows(train) & rows(held_out)  # together: all 100 one-digit pairs
  with pytest.raises(ValueError, match="n=21 is more than the 20 distinct examples"):
    synth.make_dataset(jax.random.key(1), addition, (1, 1), 21, exclude=train)


def test_whole_small_band_can_be_drawn(addition):
  everything = synth.make_dataset(jax.random.key(3), addition, (1, 1), 100)
  pairs = {addition.render(t).split(" =")[0] for t in everything.tokens}
  assert len(pairs) == 100


def test_graph_task_datasets(addition):
  del addition
  task = synth.get_task("graph_arithmetic", max_difficulty=8)
  dataset = synth.make_dataset(jax.random.key(0), task, (2, 8), 300)
  assert len(rows(dataset)) == 300
  assert set(dataset.difficulty.tolist()) == set(range(2, 9))
  assert [task.difficulty_of(t) for t in dataset.tokens] == dataset.difficulty.tolist()


def test_mixture_weights_set_the_difficulty_mix(addition):
  dataset = synth.make_mixture_dataset(jax.random.key(0), addition, {2: 3.0, 5: 1.0, 6: 0},
                                       2000)
  counts = collections.Counter(dataset.difficulty.tolist())
  assert set(counts) == {2, 5}
  assert 0.70 < counts[2] / 2000 < 0.80


@pytest.mark.parametrize("band, n, message", [
    ((1, 1), 101, "n=101 is more than the 100 distinct examples"),
    ((0, 3), 10, r"band lo=0 must be an integer in \[1, 6\]"),
    ((2, 7), 10, r"band hi=7 must be an integer in \[1, 6\]"),
    ((4, 2), 10, "band lo=4 is above band hi=2"),
    ((2,), 10, "band must be a pair"),
    ((2, 3), 0, r"n=0 must be an integer in \[1, "),
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
    ({9: 1.0}, r"difficulty=9 must be an integer in \[1, 6\]"),
])
def test_bad_mixtures_are_refused(addition, weights, message):
  with pytest.raises(ValueError, match=message):
    synth.make_mixture_dataset(jax.random.key(0), addition, weights, 10)
