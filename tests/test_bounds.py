"""The PAC-Bayes bound's pieces: exact TV of task laws against brute-force counting, the
Gaussian KL against its textbook form, the kl-inverse against bisection, the bound as the
sum of its terms, and bounds.csv of a study."""

import itertools
import math
import os

import jax
import numpy as np
import pytest

import synth
from experiments.analysis import pac_bayes
from experiments.results import files
from experiments.study import bounds


def written_law(max_difficulty, layout, sampling, weights):
  """{written problem: probability}, counted over every digit draw of the sampler's
  definition (addition.py): each operand digit below d uniform over 0-9; with exact
  sampling the leading one (d > 1) uniform over 1-9 instead. A problem is what is written:
  both operands, zero-padded to max_difficulty digits (fixed layout) or to d digits, so
  its key is (d, a, b) in the variable layout and (a, b) in the fixed one."""
  keys, probabilities = [], []
  for d, weight in weights.items():
    leading = range(1, 10) if sampling == "exact" and d > 1 else range(10)
    draws = np.array([int("".join(map(str, (lead,) + rest)))
                      for lead in leading for rest in itertools.product(range(10), repeat=d - 1)])
    a, b = (x.ravel() for x in np.meshgrid(draws, draws))
    width = 10 ** max_difficulty
    keys.append((0 if layout == "fixed" else d) * width ** 2 + a * width + b)
    probabilities.append(np.full(a.size, weight / a.size))
  unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
  return dict(zip(unique.tolist(), np.bincount(inverse, weights=np.concatenate(probabilities))))


@pytest.mark.parametrize("layout", ["fixed", "variable"])
@pytest.mark.parametrize("test_weights, train_weights", [
    ({1: 0.5, 2: 0.5}, {2: 1.0}),
    ({1: 1 / 3, 2: 1 / 3, 3: 1 / 3}, {2: 0.5, 3: 0.5}),
    ({3: 1.0}, {1: 0.2, 3: 0.8}),
])
def test_addition_total_variation_is_that_of_brute_force_counting(layout, test_weights,
                                                                  train_weights):
  test = synth.get_task("addition", max_difficulty=3, layout=layout, operand_sampling="exact")
  train = synth.get_task("addition", max_difficulty=3, layout=layout, operand_sampling="uniform")
  p = written_law(3, layout, "exact", test_weights)
  q = written_law(3, layout, "uniform", train_weights)
  counted = 0.5 * sum(abs(p.get(k, 0) - q.get(k, 0)) for k in set(p) | set(q))
  assert synth.total_variation(test, test_weights, train, train_weights) == pytest.approx(
      counted, abs=1e-9)
  assert 0 < counted < 1


def test_total_variation_of_a_law_with_itself_is_zero_and_of_disjoint_laws_one():
  uniform = synth.get_task("addition", max_difficulty=4, layout="fixed",
                           operand_sampling="uniform")
  exact = synth.get_task("addition", max_difficulty=4, layout="fixed", operand_sampling="exact")
  assert synth.total_variation(uniform, {3: 1.0}, uniform, {3: 1.0}) == pytest.approx(0)
  assert synth.total_variation(exact, {2: 1.0}, exact, {4: 1.0}) == pytest.approx(1)
  # uniform 4-digit operands hold every exact-4-digit pair: TV = 1 - P(both have 4 digits)
  assert synth.total_variation(exact, {4: 1.0}, uniform, {4: 1.0}) == pytest.approx(1 - 0.81)
  graph = synth.get_task("graph_arithmetic", max_difficulty=6, modulus=5)
  tests = synth.uniform_weights(range(1, 7))
  assert synth.total_variation(graph, tests, graph, {3: 1.0}) == pytest.approx(5 / 6)
  assert synth.total_variation(graph, {2: 0.5, 3: 0.5}, graph, {3: 0.5, 4: 0.5}) == (
      pytest.approx(0.5))


def test_total_variation_without_a_closed_form_is_refused():
  graph = synth.get_task("graph_arithmetic", max_difficulty=6, modulus=5)
  other = synth.get_task("graph_arithmetic", max_difficulty=6, modulus=7)
  with pytest.raises(ValueError, match="no closed form"):
    synth.total_variation(graph, {1: 1.0}, other, {1: 1.0})
  with pytest.raises(ValueError, match="not a probability distribution"):
    synth.total_variation(graph, {1: 0.5}, graph, {1: 1.0})
  with pytest.raises(ValueError, match="difficulty"):
    synth.total_variation(graph, {9: 1.0}, graph, {1: 1.0})


def test_isotropic_gaussian_kl_is_the_textbook_kl_of_two_gaussians():
  rng = np.random.default_rng(0)
  mean_q, mean_p, sigma = rng.normal(size=50), rng.normal(size=50), 0.3
  # KL(N(mq, Sq) || N(mp, Sp)) = 1/2 [tr(Sp^-1 Sq) + (mp-mq)' Sp^-1 (mp-mq) - k + ln det Sp/det Sq]
  textbook = 0.5 * (50 + np.sum((mean_p - mean_q) ** 2) / sigma ** 2 - 50 + 0.0)
  assert pac_bayes.isotropic_gaussian_kl(np.sum((mean_q - mean_p) ** 2), sigma) == (
      pytest.approx(textbook))
  draws = mean_q + sigma * rng.normal(size=(20000, 50))  # E_q[ln q - ln p], Monte Carlo
  log_ratio = (np.sum((draws - mean_p) ** 2, 1)
               - np.sum((draws - mean_q) ** 2, 1)) / (2 * sigma ** 2)
  assert log_ratio.mean() == pytest.approx(textbook, rel=0.02)


def bisection(q, budget):
  lo, hi = q, 1.0
  for _ in range(200):
    mid = (lo + hi) / 2
    lo, hi = (mid, hi) if pac_bayes.kl_bernoulli(q, mid) <= budget else (lo, mid)
  return lo


@pytest.mark.parametrize("q", [0.0, 1e-4, 0.01, 0.2, 0.5, 0.93, 1.0])
@pytest.mark.parametrize("budget", [0.0, 1e-5, 0.01, 0.3, 2.0, 40.0])
def test_kl_inverse_is_the_bisection_root(q, budget):
  # near p = q, kl grows as (p - q)^2, so float rounding moves either root by ~1e-8
  assert pac_bayes.kl_inverse_upper(q, budget) == pytest.approx(bisection(q, budget), abs=1e-7)


@pytest.mark.parametrize("q, budget", [(float("nan"), 0.1), (0.2, float("nan")), (-0.1, 0.1),
                                       (0.2, -1.0)])
def test_kl_inverse_refuses_nan_and_out_of_range_inputs(q, budget):
  """A NaN error or budget is an error, never an upper bound of 1 (mutation: the old
  `any(budget < 0)` check, which NaN passes)."""
  with pytest.raises(ValueError, match="kl_inverse_upper needs q in"):
    pac_bayes.kl_inverse_upper(q, budget)


def textbook_bound(r_s_q, draws, kl, n, tv, grid_size, delta):
  """The bound written out from its definition (docs/theory.md), with the bisection above:
  Q's error on S bounded at confidence delta/2 from the draws, then the PAC-Bayes-kl step
  with a union over the sigma grid at delta/2, then TV."""
  upper = bisection(r_s_q, math.log(2 / (delta / 2)) / draws)
  return bisection(upper, (kl + math.log(2 * math.sqrt(n) * grid_size / (delta / 2))) / n) + tv


def test_the_bound_is_its_textbook_formula_and_tighter_than_its_sqrt_form():
  """Mutations that fail here: delta instead of delta/2 in either step, the grid's union
  bound (ln K) left out, sqrt(n) dropped from the log term, TV not added."""
  rng = np.random.default_rng(1)
  r_s_q, kl, n = rng.uniform(0, 0.3, 40), rng.uniform(0, 500, 40), rng.integers(8, 5000, 40)
  tv = rng.uniform(0, 1, 40)
  terms = pac_bayes.bound_terms(r_s_q, 16, kl, n, tv, 6, 0.05)
  expected = [textbook_bound(q, 16, k, m, t, 6, 0.05) for q, k, m, t in zip(r_s_q, kl, n, tv)]
  np.testing.assert_allclose(terms["bound"], expected, atol=1e-6)
  assert np.all(terms["bound"] <= terms["bound_sqrt"] + 1e-12)
  assert np.all(terms["R_S_Q_upper"] >= r_s_q)
  more_data = pac_bayes.bound_terms(r_s_q, 16, kl, n * 10, tv, 6, 0.05)
  assert np.all(more_data["complexity"] < terms["complexity"])
  with pytest.raises(ValueError, match="delta"):
    pac_bayes.bound_terms(r_s_q, 16, kl, n, tv, 6, 1.5)


def test_every_run_of_a_study_has_its_bound(launched):
  bounds = files.read_csv(os.path.join(launched[0], "bounds.csv"))
  runs = [r for r in files.read_csv(os.path.join(launched[0], "runs.csv")) if r["n"] > 0]
  assert len(bounds) == len(runs)
  for row in bounds:
    assert row["sigma"] in (0.01, 0.1) and row["draws"] == 2
    assert row["KL"] > 0
    assert row["bound"] == pytest.approx(textbook_bound(
        row["R_S_Q"], row["draws"], row["KL"], row["n"], row["TV"], 2, 0.05), abs=1e-6)
    tv = synth.total_variation(
        synth.get_task("addition", max_difficulty=3, layout="fixed", digit_order="reversed",
                       operand_sampling="exact"), synth.uniform_weights((1, 2, 3)),
        synth.get_task("addition", max_difficulty=3, layout="fixed", digit_order="reversed",
                       operand_sampling="uniform"), {row["band_lo"]: 1.0})
    assert row["TV"] == pytest.approx(tv)
    assert math.isfinite(row["bound_sqrt"])


def test_the_largest_sigma_within_tolerance_is_found_without_trying_every_one():
  """The descending search picks what trying every sigma picks (the largest index within
  the limit, 0 if none), and stops at the first it finds."""
  rng = np.random.default_rng(0)
  search = jax.jit(lambda errors, limit: bounds.largest_within(lambda i: errors[i],
                                                               errors.shape[0], limit))
  for _ in range(200):
    errors = rng.uniform(0, 1, rng.integers(1, 8)).astype(np.float32)  # any order at all
    limit = np.float32(rng.uniform(0, 1))
    within = np.flatnonzero(errors <= limit)
    assert int(search(errors, limit)) == max(within.max() if within.size else 0, 0)
  tried = []
  error_at = lambda i: jax.pure_callback(lambda j: tried.append(int(j)) or np.float32(j),
                                         jax.ShapeDtypeStruct((), np.float32), i)
  assert int(bounds.largest_within(error_at, 6, 3.0)) == 3 and tried == [5, 4, 3]
