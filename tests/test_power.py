"""Power and controls: studies drawn from a study's replicates, and permuted labels."""

import os
import subprocess
import sys

import numpy as np
import pytest

from experiments.analysis import claims, power
from experiments.results import grid
from test_claims import MECHANISM, world

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_drawn_study_has_the_size_asked_and_keeps_each_run_with_its_slices():
  runs, slices = world(MECHANISM)  # 3 base seeds x 2 data seeds
  drawn_runs, drawn_slices = power.resample_study(runs, slices, 5, 4, np.random.default_rng(0))
  fine_tuned = [r for r in drawn_runs if r["n"] > 0]
  assert sorted({grid.replicate(r) for r in fine_tuned}) == [(b, d) for b in range(5)
                                                                 for d in range(4)]
  assert len(fine_tuned) == 5 * 4 * len([r for r in runs if r["n"] > 0]) // 6
  assert sorted(r["base_seed"] for r in drawn_runs if r["n"] == 0) == list(range(5))
  errors = {grid.run_key(r): r["R_test"] for r in drawn_runs}
  for identity, group in _by_identity(drawn_slices).items():  # slices still average to R_test
    assert np.mean([s["error"] for s in group]) == pytest.approx(errors[identity])


def _by_identity(slices):
  groups = {}
  for s in slices:
    groups.setdefault(grid.run_key(s), []).append(s)
  return groups


def test_permuting_bands_shuffles_labels_within_a_replicate_and_budget_only():
  runs, slices = world(MECHANISM)
  permuted, permuted_slices = power.permute(runs, slices, "band", np.random.default_rng(1))
  assert permuted != runs
  key = lambda r: (r["base_seed"], r["seed"], r["n"])
  for r, p in zip(runs, permuted):
    assert key(r) == key(p) and r["R_test"] == p["R_test"]
  for group in {key(r) for r in runs if r["n"] > 0}:
    assert (sorted(grid.band(r) for r in runs if key(r) == group and r["n"] > 0)
            == sorted(grid.band(p) for p in permuted if key(p) == group and p["n"] > 0))
  errors = {grid.run_key(r): r["R_test"] for r in permuted}
  for identity, group in _by_identity(permuted_slices).items():
    assert np.mean([s["error"] for s in group]) == pytest.approx(errors[identity])


def test_shuffled_bands_take_away_the_mechanism_claims():
  """In the mechanism world every claim about difficulty holds; with bands shuffled within
  each replicate and budget, C1, C2 and C4 are never judged to hold."""
  runs, slices = world(MECHANISM, noise=0.05)
  rows = power.control_table(runs, slices, "band", 5, dict(claims.DEFAULTS, resamples=200))
  trend = {r["claim"]: r for r in rows if r["statistic"] == "trend"}
  for claim in ("C1", "C2", "C4"):
    assert trend[claim]["holds"] == 0, trend[claim]


def write_study(directory, runs, slices):
  directory.mkdir(exist_ok=True)
  for name, rows in (("runs.csv", runs), ("slices.csv", slices)):
    with open(directory / name, "w") as handle:
      handle.write(",".join(rows[0]) + "\n")
      handle.writelines(",".join(str(v) for v in r.values()) + "\n" for r in rows)


def test_power_command_prints_a_table_and_refuses_bad_sizes(tmp_path):
  write_study(tmp_path, *world(MECHANISM))
  command = [sys.executable, "-m", "experiments.power", f"--workdir={tmp_path}", "--draws=2"]
  out = subprocess.run(command + ["--base_seeds=2,4", "--data_seeds=2"], capture_output=True,
                       text=True, cwd=REPO)
  assert out.returncode == 0, out.stderr[-2000:]
  header, *lines = out.stdout.splitlines()
  assert header.split()[:5] == ["claim", "base", "base_seeds", "data_seeds", "statistic"]
  assert len(lines) == 2 * 2 * 5  # sizes x (trend, strict) x C1-C5
  bad = subprocess.run(command + ["--base_seeds=0"], capture_output=True, text=True, cwd=REPO)
  assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1] == (
      "error: --base_seeds=0 is not allowed; allowed: positive integers separated by commas, "
      "e.g. 3,6,12")


def test_compare_puts_the_verdicts_of_several_workdirs_side_by_side(tmp_path):
  """Two studies that disagree (the mechanism, and hard data winning at every n): each
  column holds its own study's verdict (mutation: one study's verdicts in both fails)."""
  write_study(tmp_path / "a", *world(MECHANISM))
  write_study(tmp_path / "b", *world({3: 0, 4: 0, 5: 0, 6: 0}))
  rows = power.compare_table([str(tmp_path / "a"), str(tmp_path / "b")])
  c1 = next(r for r in rows if r["claim"] == "C1")
  assert c1[str(tmp_path / "a")] == "HOLDS 1.00 / HOLDS 1.00"
  assert c1[str(tmp_path / "b")].startswith("FAILS")
