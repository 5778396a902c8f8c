"""Predicting d*(n) at budgets never run, from the small budgets alone: the two-gap model.

R_test(d, n) = R_S + G_ext(d) + G_gen(d, n). Two ways to give the gaps:
  measured: K(d) = the mean KL(Q || P) and T(d) = the exact TV(D_test, D_train) of
    bounds.csv; G_gen = a sqrt(K(d) / n) with one scale a fitted; R_S(d) as measured;
  fitted (`LearningCurves`, shared with the advisor): each window's accuracy is
    ceiling - gap * n^-rate, 1 - ceiling being R_S + G_ext of that window and gap * n^-rate
    its G_gen; one rate for all windows, near 1/2 unless the runs say otherwise, and curves
    that bend little from one window to the next; nothing assumed about the direction in
    which either gap grows with difficulty, so it needs no difficulty scale and can hold an
    optimum that stops in the middle (benchmarks/advisor_bench.py measures it on worlds of
    other shapes).
Each is fitted on the `fit_budgets` smallest budgets and predicts d*(n) = argmin_d
R_test(d, n) at the others; its error is counted in difficulty units (band midpoints),
beside the bound's argmin and the baseline to beat, `persistence`: the last fitted
budget's d*, carried forward.

  python -m experiments.predict --workdir=runs/cpu_default [--fit_budgets=4]
"""

import os
from typing import NamedTuple

import numpy as np

from experiments.results import files, grid

RATES = np.linspace(0.05, 1.5, 59)  # the grid of G_gen's power of n
# Weak priors, fixed on the advisor bench's development seeds (benchmarks/advisor_bench.py,
# docs/advisor.md): ln(rate) ~ N(ln 1/2, 0.2^2), around the bound's sqrt(1 / n); and the
# second difference across neighbouring windows of the ceilings, and of the gaps at the
# runs' typical budget, ~ N(0, 30^-1/2 ~ 0.18^2) in accuracy.
_RATE_PRIOR = (0.5, 0.2)
_CURVATURE_SD = 30 ** -0.5
_RIDGE = 1e-10  # on the gaps: where nothing else fixes one (a window run at one budget and
# no neighbours to borrow from), it is 0 and the window flat at its mean


class LearningCurves(NamedTuple):
  """Accuracy on window w at budget n: ceiling[w] - gap[w] * n^-rate, kept in [0, 1]."""

  windows: tuple  # easiest first
  rate: float
  ceiling: np.ndarray  # [windows]: 1 - (R_S + G_ext)
  gap: np.ndarray  # [windows]: G_gen at n = 1

  def accuracy(self, n) -> np.ndarray:
    """[windows] predicted accuracy at budget n."""
    return np.clip(self.ceiling - self.gap * float(n) ** -self.rate, 0.0, 1.0)

  def best(self, n) -> tuple:
    """The window of highest predicted accuracy at n (of equals, the lowest)."""
    return self.windows[int(np.argmax(self.accuracy(n)))]


class _Fits(NamedTuple):
  """Per rate of RATES: ceilings and gaps [rates, windows], squared error and penalty [rates]."""

  ceiling: np.ndarray
  gap: np.ndarray
  sse: np.ndarray
  penalty: np.ndarray


def fit_learning_curves(windows, budgets, accuracies) -> LearningCurves:
  """The curves of highest posterior: least squares to the runs, gap >= 0 (more data never
  lowers accuracy), under the weak priors above, weighed against the runs' noise (estimated
  by a fit without them). A window's runs at accuracy exactly 0 or 1 are left out while the
  rest still span two budgets: there a run says only 'at most' or 'at least', and fitted as
  measured they flatten the curve."""
  order = tuple(sorted({tuple(w) for w in windows}))
  index, n, a = _informative_runs(order, windows, budgets, accuracies)
  fit = _penalised_least_squares(index, n, a, len(order))
  noise = max(fit(0.0).sse.min() / max(len(a) - 2 * len(order) - 1, 1), 1e-12)
  fits = fit(noise / _CURVATURE_SD ** 2)
  centre, width = _RATE_PRIOR
  k = int(np.argmin((fits.sse + fits.penalty) / noise + (np.log(RATES / centre) / width) ** 2))
  return LearningCurves(order, float(RATES[k]), fits.ceiling[k], fits.gap[k])


def _informative_runs(order, windows, budgets, accuracies):
  """(window index, n, accuracy) of the runs fitted, grouped by window: a window's runs at 0
  or 1 dropped while its other runs span two budgets."""
  index = np.array([order.index(tuple(w)) for w in windows])
  grouped = np.argsort(index, kind="stable")
  index = index[grouped]
  n, a = np.asarray(budgets, float)[grouped], np.asarray(accuracies, float)[grouped]
  keep = np.ones(len(a), bool)
  for i in range(len(order)):
    inside = (index == i) & (a > 0) & (a < 1)
    if len(set(n[inside].tolist())) >= 2:
      keep &= (index != i) | inside
  return index[keep], n[keep], a[keep]


def _penalised_least_squares(index, n, a, windows: int):
  """weight -> _Fits for every rate at once: least squares of ceilings and gaps plus
  `weight` times the squared second differences across windows (of the ceilings, and of
  the gaps at the runs' geometric-mean budget), gaps held at 0 where they would go
  negative. The runs' normal equations are built once, for every weight asked."""
  x = n[None, :] ** -RATES[:, None]  # [rates, runs]
  one_hot = np.eye(windows)[index]  # [runs, windows]
  rates = len(RATES)
  normal = np.zeros((rates, 2 * windows, 2 * windows))  # of the runs: diagonal blocks
  diagonal = np.arange(windows)
  normal[:, diagonal, diagonal] = one_hot.sum(0)
  normal[:, diagonal, windows + diagonal] = normal[:, windows + diagonal, diagonal] = \
      -(x @ one_hot)
  normal[:, windows + diagonal, windows + diagonal] = (x ** 2) @ one_hot
  normal[:, windows:, windows:] += _RIDGE * np.eye(windows)
  target = np.concatenate([np.broadcast_to(a @ one_hot, (rates, windows)),
                           -(x * a) @ one_hot], axis=1)
  curvature = np.diff(np.eye(windows), n=2, axis=0)  # [windows - 2, windows]
  typical = np.exp(np.mean(np.log(n))) ** -RATES  # [rates]
  bend = curvature.T @ curvature
  prior = np.zeros_like(normal)
  prior[:, :windows, :windows] = bend
  prior[:, windows:, windows:] = typical[:, None, None] ** 2 * bend

  def fit(weight: float) -> _Fits:
    theta = _solve_with_gaps_at_least_zero(normal + weight * prior, target, windows)
    ceiling, gap = theta[:, :windows], theta[:, windows:]
    residual = ceiling[:, index] - gap[:, index] * x - a
    penalty = weight * (np.sum((ceiling @ curvature.T) ** 2, 1)
                        + np.sum(((gap * typical[:, None]) @ curvature.T) ** 2, 1))
    return _Fits(ceiling, gap, np.sum(residual ** 2, 1), penalty)

  return fit


def _solve_with_gaps_at_least_zero(normal, target, windows: int) -> np.ndarray:
  """[rates, 2 windows] solutions of normal @ theta = target, gaps (the second half) that
  would go negative held at 0 and the rest solved again (an active set)."""
  rates = len(normal)
  held = np.zeros((rates, windows), bool)  # gaps fixed at 0
  for _ in range(windows + 1):
    solved = np.concatenate([np.ones_like(held), ~held], axis=1)  # [rates, 2 windows]
    keep = solved[:, :, None] & solved[:, None, :]
    system = np.where(keep, normal, np.eye(2 * windows)[None])
    theta = np.linalg.solve(system, np.where(solved, target, 0.0)[..., None])[..., 0]
    negative = theta[:, windows:] < 0
    if not negative.any():
      break
    held |= negative
  theta[:, windows:] = np.maximum(theta[:, windows:], 0.0)
  return theta


def _best(bands, errors) -> float:
  """The midpoint of the band with the lowest error."""
  return grid.band_midpoint(bands[int(np.argmin(errors))])


def predict_study(runs, bounds, fit_budgets: int) -> list[dict]:
  """One row per (base, loss, n) of a study: the measured d*, the bound's argmin and both
  models' predictions (as band midpoints), split 'fit' or 'held-out'; and how many
  replicates' own best band the fitted model, refitted on each replicate alone, names."""
  rows_out = []
  for base, loss in grid.studies(runs):
    rows = [r for r in grid.select(runs, base=base, loss=loss) if r["n"] > 0
            and not r["diverged"]]
    budgets = sorted({r["n"] for r in rows})
    if len(budgets) <= fit_budgets:
      raise ValueError(f"base {base}, {loss}: {len(budgets)} budgets leave none held out of a "
                       f"fit on {fit_budgets}; allowed: --fit_budgets < {len(budgets)}")
    fit = [r for r in rows if r["n"] in budgets[:fit_budgets]]
    bands = sorted({grid.band(r) for r in rows})
    fitted = _fit_rows(fit)
    measured_model = _measured_model(fit, bounds, bands) if bounds else None
    bound_mean = grid.mean_over_replicates(
        grid.with_run_flags(grid.select(bounds, base=base, loss=loss), runs), "bound")
    optimal = grid.optimal_bands(rows)
    for n in budgets:
      by_replicate = _replicate_hits(rows, fit_budgets, budgets, n)
      rows_out.append(dict(
          base=base, loss=loss, n=n, split="fit" if n in budgets[:fit_budgets] else "held-out",
          measured=grid.band_midpoint(optimal[n][0]),
          bound_argmin=_best(bands, [bound_mean.get((n, b), np.inf) for b in bands])
          if bound_mean else "",
          measured_model=_best(bands, measured_model(n)) if measured_model else "",
          fitted_model=grid.band_midpoint(fitted.best(n)),
          persistence=grid.band_midpoint(optimal[budgets[fit_budgets - 1]][0]),
          replicates_right_fitted=by_replicate[0], replicates=by_replicate[1]))
  return rows_out


def _fit_rows(rows) -> LearningCurves:
  return fit_learning_curves([grid.band(r) for r in rows], [r["n"] for r in rows],
                             [1 - r["R_test"] for r in rows])


def _measured_model(fit, bounds, bands):
  """n -> predicted R_test per band from the measured KL and TV of the fit budgets."""
  identity = {grid.run_key(r): r for r in fit}
  joined = [(identity[grid.run_key(b)], b) for b in bounds
            if grid.run_key(b) in identity]
  x = np.array([np.sqrt(b["KL"] / r["n"]) for r, b in joined])
  g = np.array([r["G_gen"] for r, _ in joined])
  a = float(x @ g / max(x @ x, 1e-12))
  kl = {band: np.mean([b["KL"] for r, b in joined if grid.band(r) == band]) for band in bands}
  tv = {band: np.mean([b["TV"] for r, b in joined if grid.band(r) == band]) for band in bands}
  r_s = {band: np.mean([r["R_S"] for r, _ in joined if grid.band(r) == band]) for band in bands}
  return lambda n: [r_s[b] + a * np.sqrt(kl[b] / n) + tv[b] for b in bands]


def _replicate_hits(rows, fit_budgets, budgets, n) -> tuple[int, int]:
  """(replicates whose own best band at n the model fitted on their own fit budgets names,
  replicates)."""
  right = total = 0
  for rep in sorted({grid.replicate(r) for r in rows}):
    mine = [r for r in rows if grid.replicate(r) == rep]
    at_n = [r for r in mine if r["n"] == n]
    fit = [r for r in mine if r["n"] in budgets[:fit_budgets]]
    if not at_n or len({grid.band(r) for r in fit}) < 2:
      continue
    best = grid.band(min(at_n, key=lambda r: r["R_test"]))
    right += _fit_rows(fit).best(n) == best
    total += 1
  return right, total


def summary(rows) -> str:
  """The table of predictions and each model's held-out error in difficulty units."""
  lines = [f"{'base':<10} {'loss':<5} {'n':>6} {'split':<9} {'measured':>8} {'bound':>6} "
           f"{'KL,TV':>6} {'fitted':>6} {'replicates right (fitted)':>26}"]
  for r in rows:
    lines.append(f"{r['base']:<10} {r['loss']:<5} {r['n']:>6} {r['split']:<9} "
                 f"{r['measured']:>8} {r['bound_argmin']!s:>6} {r['measured_model']!s:>6} "
                 f"{r['fitted_model']:>6} {r['replicates_right_fitted']:>20}/{r['replicates']}")
  for model in ("fitted_model", "measured_model", "bound_argmin", "persistence"):
    held = [r for r in rows if r["split"] == "held-out" and r[model] != ""]
    if held:
      errors = [abs(r[model] - r["measured"]) for r in held]
      exact = sum(e == 0 for e in errors)
      lines.append(f"{model}: held-out d* error {np.mean(errors):.2f} (max {max(errors):.1f}) in "
                   f"difficulty units over {len(held)} budget(s); exact at {exact}")
  return "\n".join(lines)


def predict_workdir(workdir: str, fit_budgets: int) -> list[dict]:
  """Fits and predicts from a study's results files; writes prediction.csv beside them."""
  runs = files.read_csv(os.path.join(workdir, "runs.csv"))
  bounds_path = os.path.join(workdir, "bounds.csv")
  bounds = files.read_csv(bounds_path) if os.path.exists(bounds_path) else []
  rows = predict_study(runs, bounds, fit_budgets)
  files.write_csv(os.path.join(workdir, "prediction.csv"), "prediction", rows)
  return rows
