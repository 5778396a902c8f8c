"""Statistics drawn from a study's result rows: a run's key, selections, means over
replicates and d*(n).

A replicate is one (base seed, data seed) pair: the unit the study repeats a cell with.
"""

from typing import Iterable, NamedTuple

import numpy as np

from experiments.results import schema


def run_key(row: dict) -> tuple:
  """The run a row of any results file belongs to: its values of `schema.RUN_KEY`. Joins of
  results files match on it."""
  return tuple(row[c] for c in schema.RUN_KEY)


def band(row: dict) -> tuple[int, int]:
  return row["band_lo"], row["band_hi"]


def band_midpoint(b) -> float:
  """A band's (or window's) place on the difficulty axis: the middle of [lo, hi]."""
  return (b[0] + b[1]) / 2


def band_text(b) -> str:
  return str(b[0]) if b[0] == b[1] else f"{b[0]}-{b[1]}"


def identity_text(row: dict) -> str:
  return (f"base {row['base']} (seed {row['base_seed']}), n={row['n']}, band "
          f"{band_text(band(row))}, data seed {row['seed']}, {row['loss']}")


def replicate(row: dict) -> tuple[int, int]:
  return row["base_seed"], row["seed"]


def with_run_flags(rows: list[dict], runs: list[dict]) -> list[dict]:
  """Rows of another results file (bounds.csv) with their run's `diverged` flag, so that
  statistics over them leave out the runs every statistic leaves out."""
  diverged = {run_key(r): r["diverged"] for r in runs}
  return [dict(r, diverged=diverged[run_key(r)]) for r in rows]


def select(rows: Iterable[dict], **where) -> list[dict]:
  return [r for r in rows if all(r[k] == v for k, v in where.items())]


class Axes(NamedTuple):
  """The axes of one (base, loss) grid of fine-tuned runs, each sorted."""
  base_seeds: tuple
  data_seeds: tuple
  budgets: tuple
  bands: tuple


def axes_of(rows: Iterable[dict]) -> Axes:
  """The base seeds, data seeds, budgets and bands of the fine-tuned rows (n > 0)."""
  tuned = [r for r in rows if r["n"] > 0]
  return Axes(*(tuple(sorted({f(r) for r in tuned})) for f in (
      lambda r: r["base_seed"], lambda r: r["seed"], lambda r: r["n"], band)))


def pivot(rows: Iterable[dict], value, axes: Axes) -> np.ndarray:
  """The one pivot of result rows into a grid: `value` (a column, or a function of a row)
  on axes [base seed, data seed, n, band] of `axes`, over the fine-tuned rows of one base
  and loss; NaN where a run is missing, diverged or off the axes."""
  at = [{v: i for i, v in enumerate(values)} for values in axes]
  grid = np.full([len(values) for values in axes], np.nan)
  studied = set()
  for r in rows:
    if r["n"] == 0 or r.get("diverged"):
      continue
    studied.add((r["base"], r["loss"]))
    index = tuple(position.get(key) for position, key in zip(
        at, (r["base_seed"], r["seed"], r["n"], band(r))))
    if None not in index:
      grid[index] = value(r) if callable(value) else r[value]
  if len(studied) > 1:
    raise ValueError(f"pivot of several (base, loss) pairs at once: {sorted(studied)}")
  return grid


def _by_replicate(cells: np.ndarray) -> np.ndarray:
  """[base seed, data seed, n, band] -> [replicate, n, band]."""
  return cells.reshape((cells.shape[0] * cells.shape[1],) + cells.shape[2:])


def _cell_means(cells: np.ndarray, axes: Axes, spread: bool = False) -> dict:
  """{(n, band): mean over the replicates present} of a pivot reshaped by `_by_replicate`;
  with `spread`, {(n, band): (mean, standard deviation)}."""
  means = {}
  for i, n in enumerate(axes.budgets):
    for j, b in enumerate(axes.bands):
      present = cells[:, i, j][~np.isnan(cells[:, i, j])]
      if present.size:
        mean = float(np.mean(present))
        means[(n, b)] = (mean, float(np.std(present))) if spread else mean
  return means


def mean_over_replicates(rows: list[dict], value: str, spread: bool = False) -> dict:
  """{(n, band): mean of `value` over replicates} for fine-tuned, non-diverged rows of one
  base and loss; with `spread`, {(n, band): (mean, standard deviation)}."""
  axes = axes_of(rows)
  return _cell_means(_by_replicate(pivot(rows, value, axes)), axes, spread)


def optimal_bands(rows: list[dict]) -> dict:
  """{n: (band with the lowest mean R_test, [each replicate's best band])} for one base
  and loss; replicates in (base seed, data seed) order, ties to the easier band."""
  axes = axes_of(rows)
  errors = _by_replicate(pivot(rows, "R_test", axes))
  mean = _cell_means(errors, axes)
  optimal = {}
  for i, n in enumerate(axes.budgets):
    bands = [b for b in axes.bands if (n, b) in mean]
    if not bands:
      continue
    best = min(bands, key=lambda b: mean[(n, b)])
    per_replicate = [axes.bands[int(np.nanargmin(e))] for e in errors[:, i, :]
                     if not np.isnan(e).all()]
    optimal[n] = (best, per_replicate)
  return optimal


def studies(rows: list[dict]) -> list[tuple[str, str]]:
  """The (base, loss) pairs that were fine-tuned."""
  return sorted({(r["base"], r["loss"]) for r in rows if r["n"] > 0})


def main_loss(rows: list[dict]) -> str:
  """The loss that speaks for a study (its claims C1-C6, its figures, its pilot): SFT where
  it was run, else the first fine-tuned loss by name."""
  losses = sorted({loss for _, loss in studies(rows)})
  if not losses:
    raise ValueError("the study has no fine-tuned runs")
  return "sft" if "sft" in losses else losses[0]


def speaking_pair(rows: list[dict]) -> tuple[str, str]:
  """The one (base, loss) that speaks for a study where one is read: the first base by
  name, fine-tuned with the main loss."""
  loss = main_loss(rows)
  return min(base for base, other in studies(rows) if other == loss), loss
