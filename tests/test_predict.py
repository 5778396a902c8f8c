"""The two-gap model: it recovers the parameters of gaps it generated, and from the small
budgets of such a world predicts d*(n) at the large ones."""

import numpy as np
import pytest

from experiments.analysis import predict

TRUE = predict.Curves(scale=0.11, decay=0.6, offset=0.9, slope=-0.1)
BANDS = [(3, 3), (4, 4), (5, 5), (6, 6)]
BUDGETS = [16, 32, 64, 96, 128, 192, 256, 512]


def synthetic_runs(curves, noise=0.0, replicates=((0, 0), (0, 1), (1, 0))):
  """runs.csv rows of a world whose R_test is `curves` exactly (plus noise): G_gen is the
  n-dependent part, R_S is 0, G_ext the rest."""
  rng = np.random.default_rng(0)
  rows = []
  for base_seed, seed in replicates:
    for n in BUDGETS:
      for band in BANDS:
        gen = curves.scale * np.exp(curves.decay * band[0]) / np.sqrt(n)
        rest = curves.offset + curves.slope * band[0] + noise * rng.normal()
        rows.append(dict(base="base", base_seed=base_seed, n=n, band_lo=band[0],
                         band_hi=band[1], seed=seed, loss="sft", R_S=0.0, R_train=gen,
                         R_test=gen + rest, G_gen=gen, G_ext=rest, diverged=False))
  return rows


@pytest.mark.parametrize("with_gen", [True, False])
def test_the_fit_recovers_the_parameters_that_made_the_gaps(with_gen):
  rows = synthetic_runs(TRUE)
  d = [r["band_lo"] for r in rows]
  n = [r["n"] for r in rows]
  fitted = predict.fit_curves(d, n, [r["R_test"] for r in rows],
                              [r["G_gen"] for r in rows] if with_gen else None)
  assert fitted.decay == pytest.approx(TRUE.decay, abs=0.02)  # the grid's step
  assert fitted.scale == pytest.approx(TRUE.scale, rel=0.05)
  assert fitted.offset == pytest.approx(TRUE.offset, abs=0.02)
  assert fitted.slope == pytest.approx(TRUE.slope, abs=0.01)


def test_a_fit_on_the_small_budgets_predicts_the_optimum_at_the_large_ones():
  rows = synthetic_runs(TRUE, noise=0.002)
  predicted = predict.predict_study(rows, [], fit_budgets=4)
  truth = {n: BANDS[int(np.argmin([TRUE.predict(b[0], n) for b in BANDS]))][0] for n in BUDGETS}
  assert len(set(truth.values())) >= 3  # the optimum moves in this world
  for row in predicted:
    assert row["measured"] == truth[row["n"]]
    assert row["split"] == ("fit" if row["n"] <= 96 else "held-out")
    if row["split"] == "held-out":
      assert row["fitted_model"] == truth[row["n"]]
      assert row["replicates_right_fitted"] == row["replicates"] == 3


def test_too_few_budgets_or_difficulties_are_refused():
  rows = synthetic_runs(TRUE)
  with pytest.raises(ValueError, match="leave none held out"):
    predict.predict_study(rows, [], fit_budgets=8)
  with pytest.raises(ValueError, match="at least two difficulties and two budgets"):
    predict.fit_curves([3, 3], [16, 32], [0.5, 0.4])
