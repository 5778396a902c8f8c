"""The claims check on small results files whose verdicts are known by construction."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from experiments import claims, results, scoring, study

BUDGETS = (64, 256, 1024)
BANDS = (3, 4, 5, 6)
TESTS = (1, 2, 3, 4, 5, 6)
BASE_SEEDS, DATA_SEEDS = (0, 1, 2), (0, 1)


def world(needed, base="base", base_band=(1, 3), loss="sft", noise=0.01, dft_shift=None):
  """Results rows of a made-up study. A run on band b at budget n learns every test slice up
  to b if n >= needed[b], else it memorises S and loses everything (accuracy 0 on every
  slice); the base solves the slices of its band. `noise` perturbs each replicate, so the
  bootstrap has a spread to see; `dft_shift(n, band)` adds DFT runs shifted by it."""
  rng = np.random.default_rng(len(base) + 7 * needed[BANDS[-1]])
  runs, slices = [], []

  def add(identity, slice_accuracy, r_s, r_train):
    r_test = 1 - float(np.mean(slice_accuracy))
    runs.append(dict(identity, steps=10, R_S=r_s, R_train=r_train, R_test=r_test,
                     G_gen=r_train - r_s, G_ext=r_test - r_train, fitted=r_s <= 0.02,
                     diverged=False))
    slices.extend(dict(identity, test_difficulty=d, error=1 - a, token_accuracy=a,
                       loss_value=0.0, examples=64) for d, a in zip(TESTS, slice_accuracy))

  for base_seed in BASE_SEEDS:
    add(dict(base=base, base_seed=base_seed, n=0, band_lo=base_band[0], band_hi=base_band[1],
             seed=base_seed, loss="base"),
        [1.0 if d <= base_band[1] else 0.0 for d in TESTS], 0.0, 0.0)
    for n in BUDGETS:
      for band in BANDS:
        for seed in DATA_SEEDS:
          learned = n >= needed[band]
          clean = np.array([1.0 if learned and d <= band else 0.0 for d in TESTS])
          wobble = rng.uniform(-noise, noise, len(TESTS))
          for name, shift in [(loss, 0.0)] + ([("dft", dft_shift(n, band))] if dft_shift else []):
            accuracy = np.clip(clean + wobble + shift, 0, 1)
            add(dict(base=base, base_seed=base_seed, n=n, band_lo=band, band_hi=band, seed=seed,
                     loss=name), accuracy, 0.0, 0.0 if learned else 1.0)
  return runs, slices


MECHANISM = {3: 0, 4: 128, 5: 256, 6: 1024}  # harder bands generalise from larger budgets


def verdicts_of(runs, slices, **settings):
  return {(v["claim"], v["base"]): v for v in claims.judge(runs, slices,
                                                           dict(resamples=200) | settings)}


def test_the_mechanism_world_holds_every_claim_it_has_runs_for():
  verdicts = verdicts_of(*world(MECHANISM))
  for claim in ("C1", "C2", "C3", "C4", "C5"):
    assert verdicts[claim, "base"]["verdict"] == "HOLDS", verdicts[claim, "base"]
  assert verdicts["C1", "base"]["numbers"]["optimal_band"] == [(3, 3), (5, 5), (6, 6)]
  assert verdicts["C1", "base"]["statistic"].startswith("d*(n) = 3, 5, 6 for n = 64, 256, 1024")
  # Band 3 lies inside the base's range: C3 judges the bands fine-tuning has to learn.
  assert verdicts["C3", "base"]["numbers"]["learned_bands"] == [(4, 4), (5, 5), (6, 6)]
  assert verdicts["C1", "base"]["runs"] == dict(runs=72, unfitted=0, diverged_left_out=0)
  # One base and SFT only: the comparisons of bases and losses were not run.
  assert verdicts["C6", "-"]["verdict"] == "NOT TESTED"
  assert verdicts["C7", "-"]["verdict"] == "NOT TESTED"


def test_an_optimum_that_gets_easier_fails_c1():
  backwards = {3: 10 ** 6, 4: 1024, 5: 256, 6: 64}  # only the largest budgets learn easy bands
  runs, slices = world(backwards)
  for r in runs:  # and every hard band forgets again at large n
    if r["n"] == 1024 and r["band_lo"] == 6:
      r["R_test"] = 0.9
  verdicts = verdicts_of(runs, slices)
  assert verdicts["C1", "base"]["verdict"] == "FAILS"
  assert verdicts["C1", "base"]["support"] <= 0.1


def test_where_hard_data_always_wins_c1_and_c2_fail():
  flat = {3: 0, 4: 0, 5: 0, 6: 0}  # every band learned at every n: d* is band 6 throughout
  verdicts = verdicts_of(*world(flat))
  assert verdicts["C1", "base"]["verdict"] == "FAILS"  # never strictly harder
  assert verdicts["C2", "base"]["verdict"] == "FAILS"  # no interior band beats the hardest
  assert verdicts["C4", "base"]["verdict"] == "HOLDS"


def test_a_gap_that_grows_back_fails_c3():
  runs, slices = world(MECHANISM)
  for r in runs:  # band 5 at the largest n: still learned, but its gap has grown again
    if r["n"] == 1024 and r["band_lo"] == 5:
      r.update(R_train=0.45, G_gen=0.45, G_ext=r["R_test"] - 0.45)
  assert verdicts_of(runs, slices)["C3", "base"]["verdict"] == "FAILS"


def test_seed_noise_as_large_as_the_effect_is_not_a_holds():
  runs, slices = world(MECHANISM)
  rng = np.random.default_rng(0)
  for r in runs:  # at n=256, bands 3 and 5 now differ by less than the seeds' spread
    if r["n"] == 256 and r["band_lo"] in (3, 5):
      r["R_test"] = 0.4 + rng.normal(0, 0.1)
  verdict = verdicts_of(runs, slices)["C2", "base"]
  assert verdict["verdict"] in ("INCONCLUSIVE", "FAILS") and verdict["support"] < 0.9


def test_a_run_that_did_not_fit_is_counted_and_a_diverged_one_left_out():
  runs, slices = world(MECHANISM)
  runs[5]["fitted"] = False
  runs[6]["diverged"] = True
  verdict = verdicts_of(runs, slices)["C1", "base"]
  assert verdict["runs"] == dict(runs=71, unfitted=1, diverged_left_out=1)


def test_stronger_base_and_dft_claims():
  strong_runs, strong_slices = world(MECHANISM, base="strong", base_band=(1, 3),
                                     dft_shift=lambda n, b: 0.3 if n == 64 else -0.3)
  weak = {3: 64, 4: 256, 5: 1024, 6: 10 ** 6}  # the weak base learns each band later
  weak_runs, weak_slices = world(weak, base="weak", base_band=(1, 2))
  verdicts = verdicts_of(strong_runs + weak_runs, strong_slices + weak_slices)
  assert verdicts["C6", "strong vs weak"]["verdict"] == "HOLDS"
  assert verdicts["C7", "strong"]["verdict"] == "HOLDS"
  assert ("C7", "weak") not in verdicts  # no DFT runs for the weak base
  swapped = verdicts_of(*world(MECHANISM, base="strong", base_band=(1, 3)))
  assert swapped["C6", "-"]["verdict"] == "NOT TESTED"


def test_the_bootstrap_is_deterministic_given_its_seed():
  runs, slices = world(MECHANISM, noise=0.2)
  first = verdicts_of(runs, slices, seed=3)
  assert first == verdicts_of(runs, slices, seed=3)
  weights = claims.replicate_weights(3, 2, 50, seed=3)
  again = claims.replicate_weights(3, 2, 50, seed=3)
  np.testing.assert_array_equal(weights[0], again[0])
  assert (weights[0][0] == 1).all() and (weights[0][1:].sum(axis=1) == 3).all()
  assert not np.array_equal(weights[0], claims.replicate_weights(3, 2, 50, seed=4)[0])


def test_weighted_mean_leaves_out_missing_values():
  x = np.array([[1.0, np.nan], [3.0, 5.0]])  # [base seeds, data seeds]
  weights = (np.array([[1, 1], [2, 0]]), np.array([[1, 1], [1, 1]]))
  np.testing.assert_allclose(claims.weighted_mean(x, weights), [3.0, 1.0])


def test_claims_command_on_a_stored_study(tmp_path):
  """The stored tiny study (two bands, two budgets): C2 is not tested; the command prints
  the table and writes claims.json."""
  data = os.path.join(os.path.dirname(__file__), "data")
  for name in ("runs.csv", "slices.csv"):
    with open(os.path.join(data, name)) as source, open(tmp_path / name, "w") as target:
      target.write(source.read())
  repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  out = subprocess.run([sys.executable, "-m", "experiments.claims", f"--workdir={tmp_path}"],
                       capture_output=True, text=True, cwd=repo)
  assert out.returncode == 0, out.stderr[-2000:]
  assert "C2    strong         NOT TESTED" in out.stdout
  with open(tmp_path / "claims.json") as handle:
    report = json.load(handle)
  assert report["settings"]["confidence"] == claims.DEFAULTS["confidence"]
  assert {v["claim"] for v in report["verdicts"]} == set(claims.CLAIMS)
  missing = subprocess.run([sys.executable, "-m", "experiments.claims",
                            f"--workdir={tmp_path / 'none'}"], capture_output=True, text=True,
                           cwd=repo)
  assert missing.returncode == 1 and "error: no results file" in missing.stderr


def test_world_rows_have_the_study_columns():
  runs, slices = world(MECHANISM)
  assert set(runs[0]) == set(scoring.RUNS_CSV_COLUMNS)
  assert set(slices[0]) == set(scoring.SLICES_CSV_COLUMNS)
