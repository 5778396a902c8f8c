"""How hard should fine-tuning data be for a budget of N examples? The two-gap model
(predict.py) fitted to measured runs, then asked at N.

From a study of this simulator (its runs.csv):
  python -m experiments.advise --workdir=runs/cpu_default --budget=300
From your own pilot fine-tunes and your own data pool:
  python -m experiments.advise --pilot=pilot.csv --data=train.jsonl --difficulty_field=FIELD \\
      --budget=N --out=selected.jsonl [--seed=0] [--extrapolate]
  pilot.csv: one row per pilot run: n, difficulty_lo, difficulty_hi (the window trained on,
  in FIELD's units), accuracy (on your eval set), and optionally window_accuracy (on
  held-out examples of the window trained on) and seed. train.jsonl: one JSON object per
  line holding FIELD. The advisor fits the two-gap model to the pilot (with
  window_accuracy, G_gen = 1 - window_accuracy and G_ext = the rest, each to its own curve;
  without it, both curves to 1 - accuracy at once, which the simulator shows to be worse),
  picks the pilot window with the lowest predicted error at N, and writes N distinct lines
  of the pool from that window (chosen by --seed) to --out, atomically.
Checking it where the truth is known: export a study's small budgets as a pilot, and
compare its choices at the large budgets with the measured d*(n):
  python -m experiments.advise --workdir=runs/cpu_default --export_pilot=pilot.csv --max_budget=96
  python -m experiments.advise --workdir=runs/cpu_default --validate --max_budget=96

A budget outside the pilot's (or study's) range of n is extrapolation: refused unless
--extrapolate, and then said in a WARNING line.
"""

import csv
import io
import json
import math
from typing import NamedTuple

import numpy as np

from experiments.analysis import predict
from experiments.results import files, grid, schema

PILOT_COLUMNS = schema.columns("pilot")
_BOOTSTRAP = 200  # refits for the interval


class Advice(NamedTuple):
  window: tuple  # (lo, hi)
  accuracy: float  # predicted at the budget
  interval: tuple  # (5th, 95th percentile) over bootstrap refits
  by_window: dict  # {window: predicted accuracy}
  fit_rmse: float  # of the fit's accuracy on the runs it was fitted to
  warning: str


class PilotRun(NamedTuple):
  n: int
  window: tuple
  accuracy: float
  window_accuracy: float  # NaN where not measured
  seed: str


def read_pilot(path: str) -> list[PilotRun]:
  """The pilot runs of a CSV file; a bad row is an error naming its line and field."""
  with open(path, newline="") as handle:
    reader = csv.DictReader(handle)
    missing = [c for c in PILOT_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
      raise ValueError(f"{path}: the header lacks column(s) {', '.join(missing)}; needed: "
                       f"{', '.join(PILOT_COLUMNS[:4])} (and optionally window_accuracy, seed)")
    runs, seen, lines_with_window_accuracy = [], {}, []
    for line, row in enumerate(reader, start=2):
      n = _number(row["n"], path, line, "n")
      lo, hi = (_number(row[f], path, line, f) for f in ("difficulty_lo", "difficulty_hi"))
      accuracy = _number(row["accuracy"], path, line, "accuracy")
      if n < 1 or n != int(n):
        raise ValueError(f"{path}, line {line}, field n: {row['n']!r} is not a whole number >= 1")
      if lo > hi:
        raise ValueError(f"{path}, line {line}: difficulty_lo {lo} is above difficulty_hi {hi}")
      window_accuracy = (_number(row["window_accuracy"], path, line, "window_accuracy")
                         if row.get("window_accuracy") else math.nan)
      for field, value in (("accuracy", accuracy), ("window_accuracy", window_accuracy)):
        if not (0 <= value <= 1 or math.isnan(value)):
          raise ValueError(f"{path}, line {line}, field {field}: {value} is not in [0, 1]")
      run = PilotRun(int(n), (lo, hi), accuracy, window_accuracy, row.get("seed") or "")
      identity = (run.n, run.window, run.seed)
      if identity in seen:
        raise ValueError(f"{path}, line {line}: the run of line {seen[identity]} again (n, "
                         f"difficulty_lo, difficulty_hi and seed); each run once, or give "
                         f"repeated runs distinct seeds")
      seen[identity] = line
      lines_with_window_accuracy.append(not math.isnan(window_accuracy))
      runs.append(run)
  if 0 < sum(lines_with_window_accuracy) < len(runs):
    line = 2 + lines_with_window_accuracy.index(not lines_with_window_accuracy[0])
    raise ValueError(f"{path}, line {line}, field window_accuracy: given on some rows and "
                     f"blank on others; give it on every row or on none")
  if len(runs) < 4 or len({r.n for r in runs}) < 2 or len({r.window for r in runs}) < 2:
    raise ValueError(f"{path}: {len(runs)} pilot run(s), {len({r.n for r in runs})} budget(s), "
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


def advise(runs: list[PilotRun], budget: int, extrapolate: bool, seed: int = 0) -> Advice:
  """The window of the pilot's with the lowest predicted error at `budget`, the predicted
  accuracy there and its bootstrap interval (pilot runs resampled, the model refitted)."""
  budgets = sorted({r.n for r in runs})
  warning = ""
  if not budgets[0] <= budget <= budgets[-1]:
    what = (f"--budget={budget} lies outside the budgets the evidence covers ({budgets[0]} to "
            f"{budgets[-1]}); the prediction extrapolates the fitted curves")
    if not extrapolate:
      raise ValueError(f"{what}; pass --extrapolate to accept that")
    warning = f"WARNING: {what}."
  windows = sorted({r.window for r in runs})
  mids = np.array([grid.band_midpoint(w) for w in windows])
  curves = _fit(runs)
  with np.errstate(over="ignore", invalid="ignore"):
    predicted = 1 - curves.predict(mids, budget)
  if not np.all(np.isfinite(predicted)):
    raise ValueError(f"the fitted model predicts no finite accuracy at --budget={budget} "
                     f"(difficulties {mids.min():g} to {mids.max():g} overflow its "
                     f"exponential); rescale the difficulty field, e.g. to a few units")
  best = int(np.argmax(predicted))
  rng = np.random.default_rng(seed)
  resampled = []
  for _ in range(_BOOTSTRAP):
    sample = [runs[i] for i in rng.integers(0, len(runs), len(runs))]
    if len({r.n for r in sample}) > 1 and len({r.window for r in sample}) > 1:
      resampled.append(1 - _fit(sample).predict(mids[best], budget))
  fitted = 1 - curves.predict([grid.band_midpoint(r.window) for r in runs],
                              [r.n for r in runs])
  rmse = float(np.sqrt(np.mean((fitted - np.array([r.accuracy for r in runs])) ** 2)))
  return Advice(windows[best], float(predicted[best]),
                tuple(float(x) for x in np.percentile(resampled, [5, 95])),
                dict(zip(windows, map(float, predicted))), rmse, warning)


def _fit(runs) -> predict.Curves:
  """The two-gap model of the pilot: G_gen = 1 - window_accuracy where every run has it."""
  gen = [1 - r.window_accuracy for r in runs]
  return predict.fit_curves([grid.band_midpoint(r.window) for r in runs],
                            [r.n for r in runs], [1 - r.accuracy for r in runs],
                            None if any(math.isnan(g) for g in gen) else gen)


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


def select(pool, window, budget: int, seed: int) -> list[str]:
  """`budget` distinct lines of the pool whose difficulty lies in the window, drawn with
  `seed`, in the pool's order."""
  if budget > len(pool):
    raise ValueError(f"--budget={budget} is more than the {len(pool)} lines of the pool")
  inside = [i for i, (_, d) in enumerate(pool) if window[0] <= d <= window[1]]
  if budget > len(inside):
    raise ValueError(f"--budget={budget} is more than the {len(inside)} lines of the pool in the "
                     f"recommended window {window[0]:g}-{window[1]:g}")
  chosen = np.sort(np.random.default_rng(seed).choice(inside, budget, replace=False))
  return [pool[i][0] for i in chosen]


def pilot_rows(runs: list[dict], max_budget: int, window_accuracy: bool = True) -> list[PilotRun]:
  """A study's runs with n <= max_budget as pilot runs (difficulty = digits or operations)
  of its first (base, loss); window_accuracy = 1 - R_train, or left out (NaN)."""
  base, loss = pilot_base(runs)
  return [PilotRun(r["n"], grid.band(r), 1 - r["R_test"],
                   1 - r["R_train"] if window_accuracy else math.nan,
                   f"{r['base_seed']}-{r['seed']}")
          for r in grid.select(runs, base=base, loss=loss)
          if 0 < r["n"] <= max_budget and not r["diverged"]]


def pilot_base(runs) -> tuple[str, str]:
  """The (base, loss) of a study whose runs serve as a pilot: its first."""
  return grid.studies(runs)[0]


def write_pilot(path: str, runs: list[PilotRun]) -> None:
  buffer = io.StringIO()
  writer = csv.writer(buffer)
  writer.writerow(PILOT_COLUMNS)
  for r in runs:
    window_accuracy = "" if math.isnan(r.window_accuracy) else f"{r.window_accuracy:.6f}"
    writer.writerow([r.n, r.window[0], r.window[1], f"{r.accuracy:.6f}", window_accuracy, r.seed])
  files.write_atomically(path, buffer.getvalue().encode())


def validate(runs: list[dict], max_budget: int, window_accuracy: bool = True) -> list[dict]:
  """For each budget above max_budget: the advisor's window, fitted on the study's runs up
  to max_budget as a pilot, against the measured d*(n) (mean over replicates)."""
  pilot = pilot_rows(runs, max_budget, window_accuracy)
  base, loss = pilot_base(runs)
  optimal = grid.optimal_bands(grid.select(runs, base=base, loss=loss))
  rows = []
  for n in sorted(k for k in optimal if k > max_budget):
    advice = advise(pilot, n, extrapolate=True)
    rows.append(dict(n=n, advised=advice.window, measured=optimal[n][0],
                     hit=advice.window == optimal[n][0]))
  return rows


def report(advice: Advice, budget: int) -> str:
  lines = [advice.warning] if advice.warning else []
  lines.append(f"budget {budget}: train on difficulty {window_text(advice.window)}; predicted "
               f"accuracy {advice.accuracy:.3f} (90% bootstrap interval {advice.interval[0]:.3f}"
               f"-{advice.interval[1]:.3f})")
  lines.append("predicted accuracy at this budget, by window: " + ", ".join(
      f"{window_text(w)}: {a:.3f}" for w, a in advice.by_window.items()))
  lines.append(f"fit to the evidence: RMSE {advice.fit_rmse:.3f} in accuracy")
  return "\n".join(lines)


def window_text(window) -> str:
  return f"{window[0]:g}" if window[0] == window[1] else f"{window[0]:g}-{window[1]:g}"


def neighbours(runs, budget) -> str:
  """The measured runs nearest the budget in a study: the budgets just below and above."""
  base, loss = pilot_base(runs)
  rows = grid.select(runs, base=base, loss=loss)
  optimal = grid.optimal_bands(rows)
  mean = grid.mean_over_replicates(rows, "R_test")
  below = [n for n in optimal if n <= budget][-1:]
  above = [n for n in optimal if n >= budget][:1]
  return "measured neighbours: " + "; ".join(
      f"n={n}: best {window_text(optimal[n][0])} at accuracy {1 - mean[(n, optimal[n][0])]:.3f}"
      for n in sorted(set(below + above)))
