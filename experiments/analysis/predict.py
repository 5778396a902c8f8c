"""Predicting d*(n) at budgets never run, from the small budgets alone: the two-gap model.

R_test(d, n) = R_S + G_ext(d) + G_gen(d, n). Two ways to give the gaps:
  measured: K(d) = the mean KL(Q || P) and T(d) = the exact TV(D_test, D_train) of
    bounds.csv; G_gen = a sqrt(K(d) / n) with one scale a fitted; R_S(d) as measured;
  fitted (`learning_curves.LearningCurves`, one of the advisor's shapes): each window's
    accuracy is ceiling - gap * n^-rate, one rate for all windows (learning_curves.py says
    what else it assumes; benchmarks/advisor_bench.py measures it on worlds of other shapes).
Each is fitted on the `fit_budgets` smallest budgets and predicts d*(n) = argmin_d
R_test(d, n) at the others; its error is counted in difficulty units (band midpoints),
beside the bound's argmin and the baseline to beat, `persistence`: the last fitted
budget's d*, carried forward.

  python -m experiments.predict --workdir=runs/cpu_default [--fit_budgets=4]
"""


import numpy as np

from experiments.analysis import learning_curves
from experiments.results import files, grid

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


def _fit_rows(rows) -> learning_curves.LearningCurves:
  return learning_curves.fit_learning_curves([grid.band(r) for r in rows], [r["n"] for r in rows],
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
  runs = files.read_results(workdir, "runs")
  bounds = files.read_results(workdir, "bounds", missing_ok=True)
  rows = predict_study(runs, bounds, fit_budgets)
  files.write_csv(files.study_path(workdir, "prediction"), "prediction", rows)
  return rows
