"""Studies side by side: each claim's verdict per study and base, and where the optimum
lies when its difficulty is measured against the base (how hard S is for the base model,
`base_exact_S` and `base_loss_S` of runs.csv).

  python -m experiments.compare --workdirs=DIR,DIR,... [--out=results/compare]
"""

import json
import os

import numpy as np

from experiments.results import files, grid

CLAIMS_COMPARED = ("C1", "C2", "C3", "C4", "C5", "C6")


def study_name(workdir: str) -> str:
  return os.path.basename(os.path.normpath(workdir))


def task_of(workdir: str) -> str:
  return files.read_json(workdir, "config")["task"]["name"]


def verdicts(workdir: str) -> list[dict]:
  """The study's claims.json verdicts (written by its run or `python -m experiments.claims`)."""
  path = files.study_path(workdir, "claims")
  if not os.path.exists(path):
    raise FileNotFoundError(f"no claims file {path}: run `python -m experiments.claims "
                            f"--workdir={workdir}` first")
  with open(path) as handle:
    return json.load(handle)["verdicts"]


def claims_rows(workdirs) -> list[dict]:
  """One row per (study, base, loss) that C1 judged, with each compared claim's verdict and
  support (C6, which compares two bases, on each base's row), and d*(n) as C1 measured it."""
  rows = []
  for workdir in workdirs:
    judged = verdicts(workdir)
    between_bases = [v for v in judged if v["claim"] == "C6"]
    for c1 in (v for v in judged if v["claim"] == "C1"):
      row = dict(study=study_name(workdir), task=task_of(workdir), base=c1["base"],
                 loss=c1.get("loss") or "")
      for v in judged:
        if v["claim"] in CLAIMS_COMPARED and (v["base"], v.get("loss")) == (c1["base"],
                                                                          c1.get("loss")):
          row[v["claim"]] = (v["verdict"], v["support"])
      for v in between_bases:
        row["C6"] = (v["verdict"], v["support"])
      numbers = c1.get("numbers") or {}
      if numbers.get("optimal_band"):
        row["budgets"] = numbers["budgets"]
        row["optimum"] = [grid.band_text(band) for band in numbers["optimal_band"]]
      rows.append(row)
  return rows


def claims_table(rows) -> str:
  """The rows of `claims_rows` as a Markdown table."""
  lines = ["| study | task | base | " + " | ".join(CLAIMS_COMPARED) + " | d*(n) |",
           "|---" * (len(CLAIMS_COMPARED) + 4) + "|"]
  for row in rows:
    cells = []
    for claim in CLAIMS_COMPARED:
      verdict, support = row.get(claim, ("-", None))
      cells.append(verdict if support is None else f"{verdict} {support:.2f}")
    optimum = ", ".join(map(str, row.get("optimum", []))) or "-"
    if row.get("budgets"):
      optimum += f" (n = {row['budgets'][0]}-{row['budgets'][-1]})"
    lines.append(f"| `{row['study']}` | {row['task']} | {row['base']} | " + " | ".join(cells)
                 + f" | {optimum} |")
  return "\n".join(lines)


def relative_optimum(workdir: str) -> list[dict]:
  """One row per (base, loss, n, replicate) of a study: the band best on the mean over
  replicates and this replicate's run there (its base_loss_S, base_exact_S), and this
  replicate's own best band and its run's. Empty for a study made before runs.csv had
  those columns (results schema 1)."""
  runs = files.read_results(workdir, "runs")
  if not runs or "base_exact_S" not in runs[0]:
    return []
  rows = []
  for base, loss in grid.studies(runs):
    trained = [r for r in grid.select(runs, base=base, loss=loss) if not r["diverged"]]
    by_cell = {(r["n"], grid.band(r), grid.replicate(r)): r for r in trained}
    bands = sorted({grid.band(r) for r in trained})
    for n, (best, _) in grid.optimal_bands(trained).items():
      for rep in sorted({grid.replicate(r) for r in trained if r["n"] == n}):
        if (n, best, rep) not in by_cell:
          continue
        own = [by_cell[n, b, rep] for b in bands if (n, b, rep) in by_cell]
        at_best = by_cell[n, best, rep]
        at_own = min(own, key=lambda r: r["R_test"])  # the first, easiest band on a tie
        own_best = grid.band(at_own)
        rows.append(dict(study=study_name(workdir), task=task_of(workdir), base=base,
                         loss=loss, n=n, base_seed=rep[0], seed=rep[1],
                         band_lo=best[0], band_hi=best[1],
                         base_loss_S=at_best["base_loss_S"],
                         base_exact_S=at_best["base_exact_S"],
                         own_band_lo=own_best[0], own_band_hi=own_best[1],
                         own_base_loss_S=at_own["base_loss_S"],
                         own_base_exact_S=at_own["base_exact_S"]))
  return rows


def relative_summary(rows) -> list[dict]:
  """Per (study, base, loss, n): the band best on the mean and its base-relative difficulty,
  mean and standard deviation over replicates."""
  groups = {}
  for r in rows:
    groups.setdefault((r["study"], r["base"], r["loss"], r["n"]), []).append(r)
  summary = []
  for (study, base, loss, n), members in groups.items():
    exact = np.array([m["base_exact_S"] for m in members])
    loss_s = np.array([m["base_loss_S"] for m in members])
    summary.append(dict(study=study, base=base, loss=loss, n=n,
                        band=(members[0]["band_lo"], members[0]["band_hi"]),
                        exact_mean=float(exact.mean()), exact_sd=float(exact.std()),
                        loss_mean=float(loss_s.mean()), loss_sd=float(loss_s.std()),
                        replicates=len(members)))
  return summary
