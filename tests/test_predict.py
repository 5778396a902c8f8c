"""The two-gap model's learning curves: they recover the curves that made the runs, leave
saturated runs out, and from the small budgets of a world predict d*(n) at the large ones."""

import numpy as np
import pytest

from experiments.analysis import learning_curves, predict

BANDS = [(3, 3), (4, 4), (5, 5), (6, 6)]
BUDGETS = [16, 32, 64, 96, 128, 192, 256, 512]


def world_gaps(d, n):
  """(G_gen, G_ext) of a world whose d* moves harder with n: 0.11 e^(0.6 d) / sqrt(n) and
  0.9 - 0.1 d (R_S = 0)."""
  return 0.11 * np.exp(0.6 * d) / np.sqrt(n), 0.9 - 0.1 * d


def synthetic_runs(noise=0.0, replicates=((0, 0), (0, 1), (1, 0))):
  """runs.csv rows of that world, R_test exact (plus noise)."""
  rng = np.random.default_rng(0)
  rows = []
  for base_seed, seed in replicates:
    for n in BUDGETS:
      for band in BANDS:
        gen, rest = world_gaps(band[0], n)
        rest += noise * rng.normal()
        rows.append(dict(base="base", base_seed=base_seed, n=n, band_lo=band[0],
                         band_hi=band[1], seed=seed, loss="sft", R_S=0.0, R_train=gen,
                         R_test=gen + rest, G_gen=gen, G_ext=rest, diverged=False))
  return rows


def test_the_fit_recovers_the_curves_that_made_the_runs():
  rows = synthetic_runs()
  curves = learning_curves.fit_learning_curves([(r["band_lo"], r["band_hi"]) for r in rows],
                                       [r["n"] for r in rows], [1 - r["R_test"] for r in rows])
  assert curves.windows == tuple(BANDS) and curves.rate == pytest.approx(0.5)
  gen, rest = world_gaps(np.array([b[0] for b in BANDS]), 1)
  np.testing.assert_allclose(curves.gap, gen, rtol=1e-6)
  np.testing.assert_allclose(curves.ceiling, 1 - rest, atol=1e-6)


def test_runs_at_accuracy_0_are_left_out_of_the_fit_and_the_prediction_stays_in_0_1():
  """accuracy = 0.9 - 6 n^-1/2, measured 0 where that is negative (n = 16, 32): fitted on
  the other runs, the curve is the true one; fitted with the zeros it would be flatter."""
  budgets = [16, 32, 64, 128, 256]
  accuracy = [max(0.0, 0.9 - 6 / np.sqrt(n)) for n in budgets]
  assert accuracy[:2] == [0.0, 0.0]
  curves = learning_curves.fit_learning_curves([(1, 1)] * 5, budgets, accuracy)
  assert curves.rate == pytest.approx(0.5)
  assert curves.gap[0] == pytest.approx(6) and curves.ceiling[0] == pytest.approx(0.9)
  assert curves.accuracy(4)[0] == 0.0 and curves.accuracy(16)[0] == 0.0


def test_a_window_run_at_one_budget_is_flat_and_two_budgets_take_the_bound_s_rate():
  one = learning_curves.fit_learning_curves([(1, 1), (1, 1)], [16, 16], [0.4, 0.6])
  assert one.gap[0] == 0 and one.accuracy(1000)[0] == pytest.approx(0.5)
  two = learning_curves.fit_learning_curves([(1, 1), (1, 1)], [16, 64], [0.5, 0.7])
  assert two.rate == pytest.approx(0.5) and two.accuracy(64)[0] == pytest.approx(0.7)


def test_clean_runs_set_the_rate_far_from_the_prior_s_centre():
  """Exact curves falling as n^-0.3: the prior around 1/2 gives way to the runs."""
  budgets = [16, 32, 64, 128] * 3
  windows = [(d, d) for d in (1, 2, 3) for _ in range(4)]
  accuracy = [0.9 - 0.2 * d * n ** -0.3 for (d, _), n in zip(windows, budgets)]
  assert learning_curves.fit_learning_curves(windows, budgets, accuracy).rate == pytest.approx(0.3)


def test_a_window_run_at_one_budget_takes_its_gap_from_its_neighbours():
  """Windows 1 and 3 fall as 1 and 3 x n^-1/2 (with noise), window 2 was run at n = 64
  only: its gap comes out near 2, the straight line between theirs (the curvature prior),
  not 0 as a fit of its own runs alone would make it."""
  rng = np.random.default_rng(0)
  windows, budgets, accuracy = [], [], []
  for d, gap in ((1, 1.0), (3, 3.0)):
    for n in (16, 32, 64, 128, 256):
      for _ in range(2):
        windows.append((d, d)), budgets.append(n)
        accuracy.append(0.9 - gap / np.sqrt(n) + 0.01 * rng.normal())
  windows += [(2, 2)] * 2
  budgets += [64] * 2
  accuracy += [0.9 - 2 / 8 + 0.01, 0.9 - 2 / 8 - 0.01]
  curves = learning_curves.fit_learning_curves(windows, budgets, accuracy)
  assert curves.gap[1] == pytest.approx(2.0, abs=0.3)
  assert curves.accuracy(64)[1] == pytest.approx(0.65, abs=0.02)


def test_a_fit_on_the_small_budgets_predicts_the_optimum_at_the_large_ones():
  rows = synthetic_runs(noise=0.002)
  predicted = predict.predict_study(rows, [], fit_budgets=4)
  truth = {n: BANDS[int(np.argmin([sum(world_gaps(b[0], n)) for b in BANDS]))][0]
           for n in BUDGETS}
  assert len(set(truth.values())) >= 3  # the optimum moves in this world
  for row in predicted:
    assert row["measured"] == truth[row["n"]]
    assert row["split"] == ("fit" if row["n"] <= 96 else "held-out")
    if row["split"] == "held-out":
      assert row["fitted_model"] == truth[row["n"]]
      assert row["replicates_right_fitted"] == row["replicates"] == 3


def test_too_few_budgets_are_refused():
  with pytest.raises(ValueError, match="leave none held out"):
    predict.predict_study(synthetic_runs(), [], fit_budgets=8)
