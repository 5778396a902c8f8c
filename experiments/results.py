"""Reading a study's results files and the statistics drawn from them (d*(n), means).

A replicate is one (base seed, data seed) pair: the unit the study repeats a cell with.
"""

import csv
import os
from typing import Iterable

import numpy as np

RUN_COLUMNS = ("base", "base_seed", "n", "band_lo", "band_hi", "seed", "loss")  # a run's key
_INTEGER = ("n", "band_lo", "band_hi", "seed", "base_seed", "steps", "test_difficulty",
            "examples", "step", "draws", "replicates_right_fitted", "replicates")
_FLOAT = ("R_S", "R_train", "R_test", "G_gen", "G_ext", "error", "token_accuracy", "loss_value",
          "batch_exact_match", "sigma", "KL", "R_S_Q", "R_S_Q_upper", "complexity", "TV", "bound",
          "bound_sqrt", "measured", "bound_argmin", "measured_model", "fitted_model",
          "persistence")
_BOOLEAN = ("diverged", "fitted")


def read_csv(path: str) -> list[dict]:
  """Rows of a study's CSV files (runs, slices, curves, bounds, prediction), numbers and
  booleans typed."""
  if not os.path.exists(path):
    raise FileNotFoundError(f"no results file {path}: run the study first")
  with open(path, newline="") as handle:
    rows = list(csv.DictReader(handle))
  for row in rows:
    for key in row:
      if key in _INTEGER:
        row[key] = int(row[key])
      elif key in _FLOAT:
        row[key] = float(row[key]) if row[key] != "" else float("nan")  # "": not computed
      elif key in _BOOLEAN:
        row[key] = row[key] == "True"
  return rows


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
  diverged = {identity_text(r): r["diverged"] for r in runs}
  return [dict(r, diverged=diverged[identity_text(r)]) for r in rows]


def select(rows: Iterable[dict], **where) -> list[dict]:
  return [r for r in rows if all(r[k] == v for k, v in where.items())]


def mean_over_replicates(rows: list[dict], value: str, spread: bool = False) -> dict:
  """{(n, band): mean of `value` over replicates} for fine-tuned, non-diverged rows; with
  `spread`, {(n, band): (mean, standard deviation)}."""
  groups = {}
  for r in rows:
    if r["n"] > 0 and not r["diverged"]:
      groups.setdefault((r["n"], band(r)), []).append(r[value])
  if spread:
    return {key: (float(np.mean(v)), float(np.std(v))) for key, v in groups.items()}
  return {key: float(np.mean(v)) for key, v in groups.items()}


def optimal_bands(rows: list[dict]) -> dict:
  """{n: (band with the lowest mean R_test, [each replicate's best band])} for one base
  and loss; replicates in (base seed, data seed) order."""
  mean = mean_over_replicates(rows, "R_test")
  optimal = {}
  for n in sorted({key[0] for key in mean}):
    bands = sorted(b for (m, b) in mean if m == n)
    best = min(bands, key=lambda b: mean[(n, b)])
    per_replicate = []
    for rep in sorted({replicate(r) for r in rows if r["n"] == n}):
      rep_rows = [r for r in rows if r["n"] == n and replicate(r) == rep and not r["diverged"]]
      if rep_rows:
        per_replicate.append(band(min(rep_rows, key=lambda r: r["R_test"])))
    optimal[n] = (best, per_replicate)
  return optimal


def studies(rows: list[dict]) -> list[tuple[str, str]]:
  """The (base, loss) pairs that were fine-tuned."""
  return sorted({(r["base"], r["loss"]) for r in rows if r["n"] > 0})
