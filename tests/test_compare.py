"""Studies side by side (`python -m experiments.compare`): the claims table and the
optimum's difficulty measured against the base."""

import json
import os
import subprocess
import sys

import pytest

from experiments.analysis import compare
from experiments.results import files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_study(path, runs, task="reversal"):
  """A study folder holding runs.csv, config.json and claims.json."""
  os.makedirs(path, exist_ok=True)
  files.write_csv(os.path.join(path, "runs.csv"), "runs", runs)
  with open(os.path.join(path, "config.json"), "w") as handle:
    json.dump(dict(task=dict(name=task)), handle)
  with open(os.path.join(path, "claims.json"), "w") as handle:
    json.dump(dict(verdicts=[
        dict(claim="C1", base="base", loss="sft", verdict="HOLDS", support=0.97,
             numbers=dict(budgets=[16, 64], optimal_band=[[3, 3], [5, 5]])),
        dict(claim="C2", base="base", loss="sft", verdict="FAILS", support=0.05),
        dict(claim="C7", base="base", verdict="NOT TESTED", support=None)]), handle)
  return str(path)


def run(n, band, base_seed, seed, r_test, base_exact):
  return dict(base="base", base_seed=base_seed, n=n, band_lo=band, band_hi=band, seed=seed,
              loss="sft", steps=10, R_S=0.0, R_train=r_test, R_test=r_test, G_gen=r_test,
              G_ext=0.0, fitted=True, diverged=False, base_loss_S=1 - base_exact,
              base_exact_S=base_exact)


def test_relative_optimum_takes_the_band_best_on_the_mean_and_each_replicates_own(tmp_path):
  """At n = 16, band 4 is best on the mean (0.3 against 0.35) though replicate (1, 0) does
  best on band 3 (mutation: the replicate's own best used for the mean-best columns, or the
  runs of another band)."""
  runs = [run(16, 3, 0, 0, 0.4, 0.9), run(16, 4, 0, 0, 0.2, 0.5),
          run(16, 3, 1, 0, 0.3, 0.8), run(16, 4, 1, 0, 0.4, 0.4)]
  rows = compare.relative_optimum(write_study(tmp_path / "s", runs))
  assert [(r["base_seed"], r["band_lo"], r["base_exact_S"], r["own_band_lo"],
           r["own_base_exact_S"]) for r in rows] == [(0, 4, 0.5, 4, 0.5), (1, 4, 0.4, 3, 0.8)]
  [summary] = compare.relative_summary(rows)
  assert summary["band"] == (4, 4) and summary["exact_mean"] == pytest.approx(0.45)
  assert summary["exact_sd"] == pytest.approx(0.05)


def test_claims_table_shows_verdict_support_and_the_optimum(tmp_path):
  study = write_study(tmp_path / "reversal_cpu", [run(16, 3, 0, 0, 0.4, 0.9)])
  table = compare.claims_table(compare.claims_rows([study]))
  assert ("| `reversal_cpu` | reversal | base | HOLDS 0.97 | FAILS 0.05 | - | - | - | - | "
          "3, 5 (n = 16-64) |") in table.splitlines()


def test_a_study_made_before_the_base_columns_has_no_relative_rows(tmp_path):
  old = [{k: v for k, v in run(16, 3, 0, 0, 0.4, 0.9).items()
          if k not in ("base_loss_S", "base_exact_S")}]
  study = write_study(tmp_path / "old", [])
  files.write_csv(os.path.join(study, "runs.csv"), "runs", old, version=1)
  assert compare.relative_optimum(study) == []


def test_command_writes_the_table_csv_and_figures_and_names_bad_input(launched, tmp_path):
  workdir, _ = launched
  out = tmp_path / "out"
  command = [sys.executable, "-m", "experiments.compare", f"--workdirs={workdir}",
             f"--out={out}"]
  result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
  assert result.returncode == 0, result.stderr[-2000:]
  assert sorted(os.listdir(out)) == ["claims.md", "claims.png", "relative_optimum.csv",
                                     "relative_optimum.png"]
  rows = files.read_csv(str(out / "relative_optimum.csv"))
  assert rows and all(0 <= r["base_exact_S"] <= 1 for r in rows)
  assert "| C1 |" in result.stdout and "base exact match on S" in result.stdout
  bad = subprocess.run(command[:3] + [f"--workdirs={tmp_path / 'nowhere'}"], cwd=ROOT,
                       capture_output=True, text=True)
  assert bad.returncode != 0 and "Traceback" not in bad.stderr
  assert bad.stderr.strip().splitlines()[-1].startswith("error: --workdirs: no runs.csv in")
