"""How hard should fine-tuning data be for a budget of N examples? Learning curves of
several shapes (curve_shapes.Mixture: the per-window curves of learning_curves and curves
tied across difficulty) fitted to measured runs, weighed by how well each predicts the
runs' larger budgets from their smaller ones, then asked at N.

From a study of this simulator (its runs.csv):
  python -m experiments.advise --workdir=runs/cpu_default --budget=300
From your own pilot fine-tunes and your own data pool:
  python -m experiments.advise --pilot=pilot.csv --data=train.jsonl --difficulty_field=FIELD \\
      --budget=N --out=selected.jsonl [--seed=0] [--extrapolate]
  pilot.csv: one row per pilot run: n, difficulty_lo, difficulty_hi (the window trained on,
  in FIELD's units), accuracy (on your eval set), and optionally seed. train.jsonl: one JSON
  object per line holding FIELD. The advisor fits each window's learning curve in several
  shapes and weighs them, predicts each window's accuracy at N with a 90 % interval (the
  shapes' refits on resampled runs, pooled by weight, and the model error, from predicting
  the pilot's largest budget from the smaller ones), picks the window predicted best, names the
  windows it cannot tell apart from it, and writes N distinct lines of the pool from the
  chosen window (drawn by --seed) to --out, atomically.
Checking it where the truth is known: export a study's small budgets as a pilot, and
compare its choices at the large budgets with the measured d*(n):
  python -m experiments.advise --workdir=runs/cpu_default --export_pilot=pilot.csv --max_budget=96
  python -m experiments.advise --workdir=runs/cpu_default --validate --max_budget=96
(benchmarks/advisor_bench.py does the same on worlds of shapes other than the model's.)

A budget outside the pilot's (or study's) range of n is extrapolation: refused unless
--extrapolate, and then said in a WARNING line.
"""

import csv
import io
import json
import math
from typing import NamedTuple

import numpy as np

import allowed
from experiments.analysis import curve_shapes
from experiments.results import files, grid, schema

PILOT_COLUMNS = schema.columns("pilot")
_BOOTSTRAP = 200  # refits on resampled runs, for the interval
_NOISE_DRAWS = 2  # results drawn per refit taken as the truth, for --next_pilot
_LEAST_WEIGHT = 0.01  # a shape weighed less is not refitted (its share of the pool is dropped)
_Z90 = 1.645  # a normal's 95th percentile: the model error's share of a 90 % interval


class Switch(NamedTuple):
  """Where another window is predicted to overtake the pilot's best."""
  window: tuple
  over: tuple  # the window predicted best at the pilot's largest budget
  budget: float  # from which `window` is predicted to beat `over` for good; inf: never
  interval: tuple  # the 90 % interval of `budget` (5th-95th weighted percentile, refits)


class Advice(NamedTuple):
  window: tuple  # (lo, hi)
  accuracy: float  # predicted at the budget
  interval: tuple  # the 90 % interval of `accuracy`
  by_window: dict  # {window: (predicted accuracy, interval)}
  tied: tuple  # the other windows within each other's intervals with `window`
  fit_rmse: float  # of the fit's accuracy on the runs it was fitted to
  held_out_error: float  # RMSE predicting the largest budget's windows from the others; NaN
  # where no window of the largest budget was run at a smaller one
  warning: str
  curves: curve_shapes.Mixture  # the fit, for asking at other budgets (and drawing)
  switches: tuple  # a Switch per window other than the pilot's best, in the windows' order
  undecided: tuple  # the switches whose interval holds the asked budget


class PilotRun(NamedTuple):
  n: int
  window: tuple
  accuracy: float
  seed: str


def read_pilot(path: str) -> list[PilotRun]:
  """The pilot runs of a CSV file; a bad row is an error naming its line and field."""
  with open(path, newline="") as handle:
    reader = csv.DictReader(handle)
    missing = [c for c in PILOT_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
      raise ValueError(f"{path}: the header lacks column(s) {', '.join(missing)}; needed: "
                       f"{', '.join(PILOT_COLUMNS[:4])} (and optionally seed)")
    runs, seen = [], {}
    for line, row in enumerate(reader, start=2):
      n = _number(row["n"], path, line, "n")
      lo, hi = (_number(row[f], path, line, f) for f in ("difficulty_lo", "difficulty_hi"))
      accuracy = _number(row["accuracy"], path, line, "accuracy")
      allowed.integer(f"{path}, line {line}: n", int(n) if n == int(n) else n, 1)
      if lo > hi:
        raise ValueError(f"{path}, line {line}: difficulty_lo {lo} is above difficulty_hi {hi}")
      allowed.real(f"{path}, line {line}: accuracy", accuracy, 0, 1)
      run = PilotRun(int(n), (lo, hi), accuracy, row.get("seed") or "")
      identity = (run.n, run.window, run.seed)
      if identity in seen:
        raise ValueError(f"{path}, line {line}: the run of line {seen[identity]} again (n, "
                         f"difficulty_lo, difficulty_hi and seed); each run once, or give "
                         f"repeated runs distinct seeds")
      seen[identity] = line
      runs.append(run)
  return enough_to_fit(runs, path)


def enough_to_fit(runs: list[PilotRun], source: str) -> list[PilotRun]:
  """The runs, if they can be fitted: at least 4 covering 2 budgets and 2 windows."""
  if len(runs) < 4 or len({r.n for r in runs}) < 2 or len({r.window for r in runs}) < 2:
    raise ValueError(f"{source}: {len(runs)} pilot run(s), {len({r.n for r in runs})} budget(s), "
                     f"{len({r.window for r in runs})} window(s): too few to fit; needed: at "
                     "least 4 runs covering 2 budgets and 2 difficulty windows")
  return runs


def _number(text, path, line, field) -> float:
  try:
    value = float(text)
  except (TypeError, ValueError):
    raise ValueError(f"{path}, line {line}, field {field}: {text!r} is not a number") from None
  if not math.isfinite(value):
    raise ValueError(f"{path}, line {line}, field {field}: {text!r} is not a finite number")
  return value


class Evidence(NamedTuple):
  """What the advice at any budget is read from: the pilot's fit, once."""

  runs: list
  curves: curve_shapes.Mixture
  refits: list  # (curves of one shape refitted on resampled runs, weight), weights summing to 1
  held_out_error: float
  switches: tuple  # a Switch per window other than the one best at the pilot's largest budget


def evidence(runs: list[PilotRun], seed: int = 0, harder: str = "higher") -> Evidence:
  """The pilot's mixture of curve shapes, its refits on resampled runs and its held-out
  error: every budget's advice asks these (`advise(..., fitted=...)`). harder: which way
  the difficulty field runs, "higher" (larger values are harder) or "lower"."""
  curves = _fit(runs, harder)
  refits = _refits(runs, curves, seed)
  return Evidence(runs, curves, refits, _held_out_error(runs, harder),
                  _switches(curves, refits, max(r.n for r in runs)))


def advise(runs: list[PilotRun], budget: int, extrapolate: bool, seed: int = 0,
           fitted: Evidence | None = None) -> Advice:
  """The pilot's window predicted best at `budget`, its accuracy and 90 % interval, and
  the windows that interval cannot tell from it. The interval joins, in quadrature, the
  spread of the shapes' refits on resampled runs (5th to 95th weighted percentile) and the
  model's held-out error; the chosen window is the one of highest prediction, tied or not.
  `fitted`: evidence(runs, seed), when several budgets are asked of one pilot."""
  budgets = sorted({r.n for r in runs})
  warning = ""
  if not budgets[0] <= budget <= budgets[-1]:
    what = (f"--budget={budget} lies outside the budgets the evidence covers ({budgets[0]} to "
            f"{budgets[-1]}); the prediction extrapolates the fitted curves")
    if not extrapolate:
      raise ValueError(f"{what}; pass --extrapolate to accept that")
    warning = f"WARNING: {what}."
  fitted = fitted or evidence(runs, seed)
  curves, refits, held_out_error = fitted.curves, fitted.refits, fitted.held_out_error
  predicted = curves.accuracy(budget)
  low, high = _intervals(predicted, _at_budget(refits, curves.windows, budget),
                         _weights(refits), held_out_error)
  switches = fitted.switches
  best = int(np.argmax(predicted))
  tied = tuple(w for i, w in enumerate(curves.windows) if i != best
               and high[i] >= predicted[best] and predicted[i] >= low[best])
  fitted = np.array([curves.accuracy(r.n)[curves.windows.index(r.window)] for r in runs])
  rmse = float(np.sqrt(np.mean((fitted - np.array([r.accuracy for r in runs])) ** 2)))
  return Advice(curves.windows[best], float(predicted[best]), (float(low[best]),
                float(high[best])),
                {w: (float(p), (float(lo), float(hi))) for w, p, lo, hi in
                 zip(curves.windows, predicted, low, high)},
                tied, rmse, held_out_error, warning, curves, switches,
                tuple(s for s in switches if s.interval[0] <= budget <= s.interval[1]))


def _intervals(predicted, resampled, weights, held_out_error):
  """(low, high) per window: the 5th-95th weighted percentile spread of the refits and the
  model's error (held-out RMSE x 1.645, none where unmeasurable) added in quadrature, in
  [0, 1]."""
  low, high = (np.array([weighted_quantile(column, weights, q) for column in resampled.T])
               for q in (0.05, 0.95))
  model = _Z90 * np.nan_to_num(held_out_error)
  return (np.clip(predicted - np.hypot(np.nan_to_num(predicted - low), model), 0, 1),
          np.clip(predicted + np.hypot(np.nan_to_num(high - predicted), model), 0, 1))


def weighted_quantile(values, weights, q: float) -> float:
  """The q-quantile of values drawn with these weights (the inverted CDF; NaNs left out)."""
  values, weights = np.asarray(values, float), np.asarray(weights, float)
  keep = ~np.isnan(values) & (weights > 0)
  if not keep.any():
    return math.nan
  order = np.argsort(values[keep], kind="stable")
  cumulative = np.cumsum(weights[keep][order])
  index = np.searchsorted(cumulative, q * cumulative[-1] * (1 - 1e-12))
  return float(values[keep][order][min(index, order.size - 1)])


def _fit(runs, harder: str) -> curve_shapes.Mixture:
  return curve_shapes.fit_mixture([r.window for r in runs], [r.n for r in runs],
                                  [r.accuracy for r in runs], harder)


def _held_out_error(runs, harder: str) -> float:
  """RMSE of the mean accuracy per window at the pilot's largest budget, predicted by the
  curves fitted to its smaller budgets: the model's error where the truth is known."""
  largest = max(r.n for r in runs)
  curves = _fit([r for r in runs if r.n < largest], harder)
  last = [r for r in runs if r.n == largest and r.window in curves.windows]
  if not last:
    return math.nan
  windows = sorted({r.window for r in last})
  measured = [np.mean([r.accuracy for r in last if r.window == w]) for w in windows]
  predicted = curves.accuracy(largest)[[curves.windows.index(w) for w in windows]]
  return float(np.sqrt(np.mean((predicted - np.array(measured)) ** 2)))


def _refits(runs, curves: curve_shapes.Mixture, seed) -> list:
  """(curves, weight) of every shape of weight >= _LEAST_WEIGHT, refitted on runs drawn
  with replacement, _BOOTSTRAP times: each refit weighs its shape's weight / _BOOTSTRAP
  (renormalised), so the pool's spread holds the shapes' disagreement."""
  rng = np.random.default_rng(seed)
  used = [s for s, w in enumerate(curves.weights) if w >= _LEAST_WEIGHT]
  total = sum(curves.weights[s] for s in used)
  refits = []
  for _ in range(_BOOTSTRAP):
    drawn = [runs[j] for j in rng.integers(0, len(runs), len(runs))]
    members = curve_shapes.fit_members(curves.windows, [r.window for r in drawn],
                                       [r.n for r in drawn], [r.accuracy for r in drawn],
                                       curves.harder, like=curves, shapes=used)
    refits += [(members[s], curves.weights[s] / total / _BOOTSTRAP) for s in used]
  return refits


def _weights(refits) -> np.ndarray:
  return np.array([w for _, w in refits])


def _at_budget(refits, windows, budget) -> np.ndarray:
  """[refits, windows] accuracy at `budget` of each refit; NaN for a window a resample left
  out."""
  out = np.full((len(refits), len(windows)), np.nan)
  for i, (curves, _) in enumerate(refits):
    for w, accuracy in zip(curves.windows, curves.accuracy(budget)):
      out[i, windows.index(w)] = accuracy
  return out


def _switches(curves, refits, largest: int) -> tuple:
  """A Switch for each window other than the one predicted best at the pilot's largest
  budget: the budget from which it is predicted to overtake that one, and the 5th-95th
  percentile of the same budget over the refits that hold both windows. Every window, not
  only the harder ones: the advisor does not know which way the scale runs."""
  over = curves.best(largest)
  switches = []
  for window in (w for w in curves.windows if w != over):
    refitted = [(c.overtakes(window, over), w) for c, w in refits
                if window in c.windows and over in c.windows]
    low, high = (weighted_quantile(*zip(*refitted), q) if refitted else math.nan
                 for q in (0.05, 0.95))
    switches.append(Switch(window, over, curves.overtakes(window, over),
                           (float(low), float(high))))
  return tuple(switches)


class PilotCell(NamedTuple):
  """One extra pilot run the advisor could be given, and what it would buy."""
  window: tuple
  n: int
  cost: float  # n x the cost of one example
  wrong_now: float  # the chance that the window chosen at the budget is not the best
  wrong_after: float  # the same, expected once this cell's result is in


def next_pilot(fitted: Evidence, advice: Advice, budget: int,
               example_cost: float = 1.0) -> list[PilotCell]:
  """Every candidate extra pilot run (each window at the pilot's largest budget L, 2L, 4L
  or 8L, below the asked budget), by how much its result is expected to lower the
  chance of choosing wrongly at `budget`, best first: the expected value of its
  information under the fitted shapes. The pooled refits stand for what the truth may be:
  now, the advised window is wrong where it is not a refit's best; after, for each refit
  as the truth, the cell's run is its prediction plus the runs' noise (_NOISE_DRAWS draws),
  the refits are reweighed by that run's likelihood, the choice is remade from them (their
  weighted mean), and it is wrong where it is not that refit's best."""
  truths = _particles(fitted, budget)  # [particles, windows]
  weights = _weights(fitted.refits)
  largest = max(r.n for r in fitted.runs)
  sizes = [largest * k for k in (1, 2, 4, 8) if k == 1 or largest * k < budget]
  noise = _run_noise(fitted.runs, advice.fit_rmse)
  best = np.argmax(truths, axis=1)
  wrong_now = float(weights @ (best != fitted.curves.windows.index(advice.window)))
  shifts = np.random.default_rng(0).normal(0, noise, (_NOISE_DRAWS, len(weights)))
  cells = []
  for n in sizes:
    at_cell = _particles(fitted, n)
    for w, window in enumerate(fitted.curves.windows):
      observed = (at_cell[:, w] + shifts).ravel()  # [draws x truths]: one run's result
      likelihood = np.exp(-0.5 * ((observed[:, None] - at_cell[None, :, w]) / noise) ** 2)
      chosen = np.argmax((likelihood * weights) @ truths, axis=1)
      wrong = (chosen != np.tile(best, _NOISE_DRAWS)) @ np.tile(weights, _NOISE_DRAWS)
      cells.append(PilotCell(window, n, n * example_cost, wrong_now,
                             float(wrong / _NOISE_DRAWS)))
  return sorted(cells, key=lambda c: (c.wrong_after, c.cost))


def _particles(fitted: Evidence, budget) -> np.ndarray:
  """[refits, windows] accuracy at `budget` of each pooled refit, a window a resample left
  out read from the mixture."""
  values = _at_budget(fitted.refits, fitted.curves.windows, budget)
  return np.where(np.isnan(values), fitted.curves.accuracy(budget)[None, :], values)


def _run_noise(runs, fit_rmse: float) -> float:
  """One run's spread around its cell's truth: the pooled standard deviation of the
  replicates within cells, or where no cell has two runs, the fit's RMSE (at least 0.01)."""
  cells = {}
  for r in runs:
    cells.setdefault((r.n, r.window), []).append(r.accuracy)
  repeated = [v for v in cells.values() if len(v) > 1]
  if not repeated:
    return max(fit_rmse, 0.01)
  spread = sum(np.sum((np.array(v) - np.mean(v)) ** 2) for v in repeated) / sum(
      len(v) - 1 for v in repeated)
  return max(float(np.sqrt(spread)), 0.01)


def next_pilot_text(cells: list[PilotCell], budget: int, shown: int = 3) -> str:
  first = cells[0]
  lines = [f"next pilot run: {window_text(first.window)} at n = {first.n} (cost {first.cost:,.6g}): "
           f"the chance that the window chosen at {budget} is not the best, "
           f"{first.wrong_now:.2f} now, is expected to fall to {first.wrong_after:.2f} with its "
           "result"]
  lines += [f"  then: {window_text(c.window)} at n = {c.n} (cost {c.cost:,.6g}): "
            f"{c.wrong_after:.2f}" for c in cells[1:shown]]
  return "\n".join(lines)


def read_pool(path: str, field: str) -> list[tuple[str, float]]:
  """(line text, difficulty) of every line of a JSON-lines pool; a line that is not a JSON
  object with a numeric `field` is an error naming it."""
  pool = []
  with open(path) as handle:
    for line_number, text in enumerate(handle, start=1):
      if not text.strip():
        continue
      try:
        record = json.loads(text)
      except json.JSONDecodeError as error:
        raise ValueError(f"{path}, line {line_number}: not JSON ({error.msg})") from None
      if not isinstance(record, dict) or field not in record:
        raise ValueError(f"{path}, line {line_number}: no field {field!r}")
      value = record[field]
      if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{path}, line {line_number}, field {field}: {value!r} is not a number")
      pool.append((text.rstrip("\n"), float(value)))
  return pool


def quantile_windows(values, count: int) -> list[tuple[float, float, int]]:
  """(lo, hi, lines) of `count` windows holding about equal shares of the pool's values,
  lowest first: windows for pilot runs when the difficulty field is measured (a base
  model's pass rate or loss on each line). Equal values never straddle two windows, so
  ties may leave fewer windows than asked."""
  ordered = np.sort(np.asarray(values, float))
  if not 1 <= count <= len(ordered):
    allowed.refuse("--quantiles", count, f"1 to the pool's {len(ordered)} lines")
  cuts = [0]
  for i in range(1, count):
    cut = max(int(round(i * len(ordered) / count)), cuts[-1])
    while 0 < cut < len(ordered) and ordered[cut] == ordered[cut - 1]:
      cut += 1  # a run of equal values goes whole into the lower window
    if cuts[-1] < cut < len(ordered):
      cuts.append(cut)
  cuts.append(len(ordered))
  return [(float(ordered[a]), float(ordered[b - 1]), b - a) for a, b in zip(cuts, cuts[1:])]


def select(pool, window, budget: int, seed: int) -> list[str]:
  """`budget` distinct lines of the pool whose difficulty lies in the window, drawn with
  `seed`, in the pool's order."""
  if budget > len(pool):
    raise ValueError(f"--budget={budget} is more than the {len(pool)} lines of the pool")
  inside = [i for i, (_, d) in enumerate(pool) if window[0] <= d <= window[1]]
  if budget > len(inside):
    raise ValueError(f"--budget={budget} is more than the {len(inside)} lines of the pool in the "
                     f"recommended window {window_text(window)}")
  chosen = np.sort(np.random.default_rng(seed).choice(inside, budget, replace=False))
  return [pool[i][0] for i in chosen]


def pilot_rows(runs: list[dict], max_budget: int) -> list[PilotRun]:
  """A study's runs with n <= max_budget as pilot runs (difficulty = digits or operations)
  of the (base, loss) that speaks for it (`grid.speaking_pair`)."""
  base, loss = grid.speaking_pair(runs)
  return enough_to_fit([PilotRun(r["n"], grid.band(r), 1 - r["R_test"],
                                 f"{r['base_seed']}-{r['seed']}")
                        for r in grid.select(runs, base=base, loss=loss)
                        if 0 < r["n"] <= max_budget and not r["diverged"]],
                       f"the study's runs with n <= {max_budget} (--max_budget)")


def write_pilot(path: str, runs: list[PilotRun]) -> None:
  buffer = io.StringIO()
  writer = csv.writer(buffer)
  writer.writerow(PILOT_COLUMNS)
  for r in runs:
    writer.writerow([r.n, r.window[0], r.window[1], f"{r.accuracy:.6f}", r.seed])
  files.write_atomically(path, buffer.getvalue().encode())


def validate(runs: list[dict], max_budget: int) -> list[dict]:
  """For each budget above max_budget: the advisor's window, fitted on the study's runs up
  to max_budget as a pilot, against the measured d*(n) (mean over replicates)."""
  pilot = pilot_rows(runs, max_budget)
  base, loss = grid.speaking_pair(runs)
  optimal = grid.optimal_bands(grid.select(runs, base=base, loss=loss))
  rows, fitted = [], evidence(pilot)
  for n in sorted(k for k in optimal if k > max_budget):
    advice = advise(pilot, n, extrapolate=True, fitted=fitted)
    rows.append(dict(n=n, advised=advice.window, measured=optimal[n][0],
                     hit=advice.window == optimal[n][0]))
  return rows


def report(advice: Advice, budget: int, field: str = "difficulty") -> str:
  lines = [advice.warning] if advice.warning else []
  lines.append(f"budget {budget}: train on {field} {window_text(advice.window)}; predicted "
               f"accuracy {advice.accuracy:.3f} (90% interval {_interval_text(advice.interval)})")
  if advice.tied:
    lines.append(f"not told apart from it (each inside the other's interval): "
                 f"{', '.join(window_text(w) for w in advice.tied)}; the choice is the highest "
                 f"prediction")
  if advice.switches:
    over = window_text(advice.switches[0].over)
    lines.append(f"where another window overtakes {over} (the best at the pilot's largest "
                 "budget): " + "; ".join(f"{window_text(s.window)} {_switch_text(s)}"
                                         for s in advice.switches))
  for s in advice.undecided:
    lines.append(f"not yet decided at this budget: {window_text(s.window)} may overtake "
                 f"{window_text(s.over)} anywhere in {_budgets_text(s.interval)}, which holds "
                 f"{budget}")
  lines.append("predicted accuracy at this budget, by window: " + ", ".join(
      f"{window_text(w)}: {a:.3f} ({_interval_text(i)})" for w, (a, i) in advice.by_window.items()))
  held_out = ("not measurable (no window of the largest budget was run at a smaller one)"
              if math.isnan(advice.held_out_error) else f"{advice.held_out_error:.3f}")
  lines.append("curve shapes, weighed by how well each predicted the pilot's larger budgets "
               "from its smaller ones: " + ", ".join(f"{name} {w:.2f}" for name, w in
                                       zip(curve_shapes.SHAPE_NAMES, advice.curves.weights)))
  lines.append(f"fit to the runs: RMSE {advice.fit_rmse:.3f} in accuracy (their seed-to-seed "
               f"spread included); held-out error "
               f"(the largest budget predicted from the others) {held_out}")
  return "\n".join(lines)


def _switch_text(switch: Switch) -> str:
  if math.isinf(switch.budget) and math.isinf(switch.interval[0]):
    return "never (nor in 95% of the refits)"
  where = ("never" if math.isinf(switch.budget) else "at every budget" if switch.budget <= 1
           else f"from n = {switch.budget:,.0f}")
  return f"{where} (90% interval {_budgets_text(switch.interval)})"


def _budgets_text(interval) -> str:
  lo, hi = (("never" if math.isinf(b) else "?" if math.isnan(b) else f"{b:,.0f}")
            for b in interval)
  return f"{lo} to {hi}"


def _interval_text(interval) -> str:
  return f"{interval[0]:.3f}-{interval[1]:.3f}"


def window_text(window) -> str:
  """A window for reading: its value, or [lo, hi] (four significant digits; the selection
  uses the exact edges)."""
  if window[0] == window[1]:
    return f"{window[0]:.4g}"
  return f"[{window[0]:.4g}, {window[1]:.4g}]"


def neighbours(runs, budget) -> str:
  """The measured runs nearest the budget in a study: the budgets just below and above."""
  base, loss = grid.speaking_pair(runs)
  rows = grid.select(runs, base=base, loss=loss)
  optimal = grid.optimal_bands(rows)
  mean = grid.mean_over_replicates(rows, "R_test")
  below = [n for n in optimal if n <= budget][-1:]
  above = [n for n in optimal if n >= budget][:1]
  return "measured neighbours: " + "; ".join(
      f"n={n}: best {window_text(optimal[n][0])} at accuracy {1 - mean[(n, optimal[n][0])]:.3f}"
      for n in sorted(set(below + above)))
