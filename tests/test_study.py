"""The study launcher: end to end, the decomposition, resuming, refusals, figures."""

import csv
import importlib
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from experiments import results, study
from experiments.configs import tiny
from figures import draw

DATA = os.path.join(os.path.dirname(__file__), "data")


def read(path):
  with open(path) as handle:
    return handle.read()


def tiny_config():
  """The tiny config as the launcher test overrides it on the command line."""
  config = tiny.get_config()
  config.pretrain.steps = 3
  return config


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
  """The tiny study run once from the command line, uninterrupted: (workdir, stdout)."""
  workdir = str(tmp_path_factory.mktemp("study"))
  command = [sys.executable, "-m", "experiments.main", "--config=experiments/configs/tiny.py",
             "--config.pretrain.steps=3", f"--workdir={workdir}"]
  repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  result = subprocess.run(command, capture_output=True, text=True, cwd=repo)
  assert result.returncode == 0, result.stderr[-3000:]
  return workdir, result.stdout


@pytest.fixture(scope="module")
def finished(launched):
  return launched[0]


def test_launcher_prints_the_summary_and_draws_the_figures(launched):
  workdir, stdout = launched
  assert "d*(n): the training band with the lowest mean R_test" in stdout
  assert "base weak, loss dft:" in stdout and "n=    16: d*=" in stdout
  assert stdout.count("figure: ") == 9  # 4 per base, 1 comparing them
  assert len(os.listdir(os.path.join(workdir, "figures"))) == 9
  with open(os.path.join(workdir, "config.json")) as handle:
    assert '"steps": 3' in handle.read()  # the command-line override reached the study


def test_results_files_have_the_documented_columns_and_rows(finished):
  with open(os.path.join(finished, "runs.csv")) as handle:
    runs = list(csv.DictReader(handle))
  assert tuple(runs[0]) == study.RUNS_CSV_COLUMNS
  base_rows = [r for r in runs if r["n"] == "0"]
  assert sorted(r["base"] for r in base_rows) == ["strong", "weak"]
  assert len(runs) - len(base_rows) == 2 * 2 * 2 * 2 * 2  # bases x n x bands x seeds x losses
  with open(os.path.join(finished, "slices.csv")) as handle:
    slices = list(csv.DictReader(handle))
  assert tuple(slices[0]) == study.SLICES_CSV_COLUMNS
  assert len(slices) == 3 * len(runs)  # one row per run and test difficulty
  assert os.path.exists(os.path.join(finished, "config.json"))


def test_test_error_splits_exactly_into_the_three_terms(finished):
  runs = results.read_csv(os.path.join(finished, "runs.csv"))
  for r in runs:
    assert r["R_test"] == pytest.approx(r["R_S"] + r["G_gen"] + r["G_ext"], abs=1e-12)
    assert r["G_gen"] == pytest.approx(r["R_train"] - r["R_S"], abs=1e-12)
    assert 0 <= r["R_S"] <= 1 and 0 <= r["R_train"] <= 1 and 0 <= r["R_test"] <= 1
  slices = results.read_csv(os.path.join(finished, "slices.csv"))
  for r in runs:  # R_test is the mean error over the test difficulties
    mine = [s["error"] for s in slices if all(s[k] == r[k] for k in study.RUN_COLUMNS)]
    assert r["R_test"] == pytest.approx(np.mean(mine), abs=1e-6)


def test_interrupted_study_resumes_without_recomputing(finished, tmp_path, monkeypatch):
  """A study stopped in its second group (as if by Ctrl-C) leaves no results files; rerun,
  it trains only that group and ends with the same files as the uninterrupted run."""
  workdir = str(tmp_path / "interrupted")
  shutil.copytree(finished, workdir)  # bases and n=8 done, as a first interrupted run left them
  for name in ("groups/n=16.json", "runs.csv", "slices.csv", "figures"):
    path = os.path.join(workdir, name)
    shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
  real_group = study.finetune_group
  calls = []

  def interrupt_once(setup, n, *args):
    calls.append(n)
    if len(calls) == 1:
      raise KeyboardInterrupt
    return real_group(setup, n, *args)

  monkeypatch.setattr(study, "finetune_group", interrupt_once)
  with pytest.raises(KeyboardInterrupt):
    study.run_study(tiny_config(), workdir)
  assert not os.path.exists(os.path.join(workdir, "runs.csv"))
  assert not os.path.exists(os.path.join(workdir, "groups", "n=16.json"))
  study.run_study(tiny_config(), workdir)
  assert calls == [16, 16]  # the bases and n=8 are read back, not trained again
  for name in ("runs.csv", "slices.csv"):
    assert read(os.path.join(workdir, name)) == read(os.path.join(finished, name))


def test_workdir_of_another_config_is_refused(finished, tmp_path):
  workdir = str(tmp_path / "other")
  shutil.copytree(finished, workdir)
  config = tiny_config()
  config.sweep.seeds = (0, 1, 2)
  with pytest.raises(ValueError, match=r"holds results of a different config \(fields "
                     r"sweep.seeds differ\)"):
    study.run_study(config, workdir)


@pytest.mark.parametrize("field, value, message", [
    ("sweep.budgets", (), r"config.sweep.budgets: is empty"),
    ("sweep.bands", ((2, 4),), r"config.sweep.bands: band \(2, 4\) must be \(lo, hi\) with "
     r"1 <= lo <= hi <= 3"),
    ("sweep.budgets", (8, 20000), r"config.sweep.budgets: n=20000 is not in \[1, 9984\]: "
     r"band \(2, 2\) holds 10000 distinct"),
    ("sweep.losses", ("sft", "kl"), r"config.sweep.losses: 'kl' is not one of"),
    ("model.max_length", 10, r"config.model.max_length: 10 is shorter than the task's "
     r"sequences \(14 tokens\)"),
    ("model.position_encoding", "alibi", r"config.model: position_encoding='alibi'"),
    ("bases.bands", ((1, 2), (0, 1)), r"config.bases.bands: band \(0, 1\)"),
    ("evaluation.test_difficulties", (1, 4), r"config.evaluation.test_difficulties: 4 is "
     r"outside the task's range \[1, 3\]"),
    ("finetune.min_steps", 5, "config.finetune.min_steps: must not exceed"),
    ("finetune.learning_rate", 0.0, "config.finetune.learning_rate: 0.0 must be > 0"),
    ("pretrain.target_accuracy", 1.5, r"config.pretrain: target_accuracy=1.5 must be in \(0, 1\]"),
    ("task.options", dict(max_difficulty=3, layout="spiral"), r"config.task: layout='spiral'"),
])
def test_bad_configs_fail_before_any_compute(tmp_path, field, value, message):
  config = tiny.get_config()
  group, name = field.split(".")
  config[group][name] = value
  with pytest.raises(ValueError, match=message):
    study.run_study(config, str(tmp_path / "never"))
  assert not os.path.exists(tmp_path / "never")


def test_figures_are_drawn_from_a_stored_results_file(tmp_path):
  drawn = draw.draw_all(DATA, str(tmp_path))
  names = sorted(os.path.basename(p) for p in drawn)
  assert names == ["1_heatmap_strong.png", "1_heatmap_weak.png", "2_optimum_and_gaps_strong.png",
                   "2_optimum_and_gaps_weak.png", "3_change_over_base_strong.png",
                   "3_change_over_base_weak.png", "4_bases.png", "5_sft_vs_dft_strong.png",
                   "5_sft_vs_dft_weak.png"]
  for path in drawn:
    with open(path, "rb") as handle:
      assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["cpu_default", "addition", "graph_paper", "ablation_bases",
                                  "ablation_positions", "ablation_model_size", "ablation_dft",
                                  "tiny"])
def test_every_named_config_is_valid(name):
  config = importlib.import_module(f"experiments.configs.{name}").get_config()
  setup = study.build(config)
  assert setup.model.config.max_length >= setup.train_task.sequence_width()
