"""The study launcher: end to end, the decomposition, resuming, refusals, figures."""

import collections
import concurrent.futures
import csv
import dataclasses
import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys

import jax
import numpy as np
import pytest

from experiments import configs
from experiments.configs import tiny
from experiments.engine import evaluate as evaluate_module, loop, sharding
from experiments.engine import train as engine
from experiments.results import files, schema
from experiments.study import bounds, finetune, runner, scoring, setup
from models import ModelConfig
from experiments.figures import draw

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
def finished(launched):
  return launched[0]


def test_launcher_prints_the_summary_claims_and_draws_the_figures(launched):
  workdir, stdout = launched
  assert "d*(n): the band with the lowest mean R_test over base seeds x data seeds" in stdout
  assert "base weak, loss dft:" in stdout and "n=    16: d*=" in stdout
  assert "C1    strong" in stdout and "C7    strong" in stdout  # the claims table
  assert stdout.count("figure: ") == 13  # 6 per base, 1 comparing them
  assert len(os.listdir(os.path.join(workdir, "figures"))) == 13
  with open(os.path.join(workdir, "config.json")) as handle:
    assert '"steps": 3' in handle.read()  # the command-line override reached the study
  with open(os.path.join(workdir, "claims.json")) as handle:
    assert len(json.load(handle)["verdicts"]) == 2 * 5 + 1 + 2  # C1-C5 per base, C6, C7 each


def test_timing_says_where_the_study_went_stage_by_stage(launched):
  """timing.json: the stages add up to the total, each budget's phases to at most its total
  (`other` is the rest; fit checks lie inside train), the figures counted, the printed line."""
  workdir, stdout = launched
  timing = files.read_json(workdir, "timing")
  stages = timing["seconds"]
  assert set(stages) == {"setup", "pretrain", "finetune", "results files, claims, prediction",
                         "figures", "total"}
  assert stages["total"] == pytest.approx(sum(v for k, v in stages.items() if k != "total"))
  assert sorted(timing["finetune_budgets"]) == ["16", "8"]
  for phases in timing["finetune_budgets"].values():
    assert min(phases.values()) >= 0 and phases["fit checks"] <= phases["train"]
    assert phases["total"] == pytest.approx(sum(
        v for k, v in phases.items() if k not in ("total", "fit checks")))
  assert stages["finetune"] == pytest.approx(
      sum(b["total"] for b in timing["finetune_budgets"].values()))
  assert timing["machine"]["device_count"] == 1 and "time by stage: setup" in stdout


def _csv(path):
  with open(path) as handle:
    return list(csv.DictReader(handle))


def test_results_files_have_the_documented_columns_and_rows(finished):
  runs = _csv(os.path.join(finished, "runs.csv"))
  assert tuple(runs[0]) == schema.columns("runs")
  base_rows = [r for r in runs if r["n"] == "0"]
  assert sorted((r["base"], r["base_seed"]) for r in base_rows) == [
      ("strong", "0"), ("strong", "1"), ("weak", "0"), ("weak", "1")]
  assert len(runs) - len(base_rows) == 2 * 2 * 2 * 2 * 2 * 2  # bases x base seeds x n x bands
  fine_tuned = {(r["base"], r["base_seed"]) for r in runs if r["n"] != "0"}  # x seeds x losses
  assert fine_tuned == {(r["base"], r["base_seed"]) for r in base_rows}
  assert {r["fitted"] for r in runs} <= {"True", "False"}
  slices = _csv(os.path.join(finished, "slices.csv"))
  assert tuple(slices[0]) == schema.columns("slices")
  assert len(slices) == 3 * len(runs)  # one row per run and test difficulty
  assert {r["base_seed"] for r in slices if r["n"] == "0"} == {"0", "1"}
  assert os.path.exists(os.path.join(finished, "config.json"))


def test_curves_have_a_point_per_window_of_steps_for_every_run(finished):
  curves = _csv(os.path.join(finished, "curves.csv"))
  assert tuple(curves[0]) == schema.columns("curves")
  runs = _csv(os.path.join(finished, "runs.csv"))
  identity = lambda r: tuple(r[c] for c in schema.RUN_KEY)
  steps = {}
  for point in curves:
    steps.setdefault(identity(point), []).append(int(point["step"]))
    assert np.isfinite(float(point["loss_value"]))
    assert 0 <= float(point["batch_exact_match"]) <= 1
  assert set(steps) == {identity(r) for r in runs}
  for run in runs:  # curve_every=1: one point per step taken (3 pre-training, 2 fine-tuning)
    assert steps[identity(run)] == list(range(1, int(run["steps"]) + 1))


def test_the_test_error_is_its_slices_and_fitted_is_r_s_against_the_threshold(finished):
  """R_test is the mean of the test slices' errors (recomputed here from slices.csv) and
  splits into the three terms after the CSV round trip; `fitted` is R_S against the
  threshold; a base's row has no gap. Mutations that fail here: R_test taken from another
  set than the test slices, `fitted` taken from the held-out error, a base's R_train scored
  on another sample than its R_S."""
  runs = files.read_csv(os.path.join(finished, "runs.csv"))
  slices = files.read_csv(os.path.join(finished, "slices.csv"))
  threshold = tiny_config().finetune.fit_threshold
  for r in runs:
    mine = [s["error"] for s in slices if all(s[k] == r[k] for k in schema.RUN_KEY)]
    assert r["R_test"] == pytest.approx(np.mean(mine), abs=1e-6)
    assert r["R_test"] == pytest.approx(r["R_S"] + r["G_gen"] + r["G_ext"], abs=1e-12)
    if r["n"] == 0:
      assert r["G_gen"] == 0 and r["R_train"] == r["R_S"]
    else:
      assert r["fitted"] == (r["R_S"] <= threshold)


def test_interrupted_study_resumes_without_recomputing(finished, tmp_path, monkeypatch):
  """A study stopped in its second group (as if by Ctrl-C) leaves no results files; rerun,
  it reloads the replicated bases and the first group, trains only the second, and ends
  with the same files as the uninterrupted run."""
  workdir = str(tmp_path / "interrupted")
  shutil.copytree(finished, workdir)  # bases and n=8 done, as a first interrupted run left them
  for name in ("groups/n=16.json", "runs.csv", "slices.csv", "curves.csv", "claims.json",
               "figures"):
    path = os.path.join(workdir, name)
    shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
  real_group = finetune.finetune_group
  calls = []

  def interrupt_once(setup, n, *args):
    calls.append(n)
    if len(calls) == 1:
      raise KeyboardInterrupt
    return real_group(setup, n, *args)

  monkeypatch.setattr(finetune, "finetune_group", interrupt_once)
  with pytest.raises(KeyboardInterrupt):
    runner.run_study(tiny_config(), workdir)
  assert not os.path.exists(os.path.join(workdir, "runs.csv"))
  assert not os.path.exists(os.path.join(workdir, "groups", "n=16.json"))
  runner.run_study(tiny_config(), workdir)
  assert calls == [16, 16]  # the bases and n=8 are read back, not trained again
  for name in ("runs.csv", "slices.csv", "curves.csv", "bounds.csv", "claims.json"):
    assert read(os.path.join(workdir, name)) == read(os.path.join(finished, name))


def test_workdir_of_another_config_is_refused(finished, tmp_path):
  workdir = str(tmp_path / "other")
  shutil.copytree(finished, workdir)
  config = tiny_config()
  config.sweep.seeds = (0, 1, 2)
  with pytest.raises(ValueError, match=r"holds results of a different config \(fields "
                     r"sweep.seeds differ\)"):
    runner.run_study(config, workdir)


def test_a_workdir_from_before_a_model_field_existed_is_the_same_config(finished, tmp_path):
  """A config.json written before `model.canon_width` and `model.tied_embeddings` were in
  every config means their defaults; one that set another value is another config."""
  workdir = tmp_path / "old"
  shutil.copytree(finished, workdir)
  path = workdir / "config.json"
  written = json.loads(path.read_text())
  del written["model"]["canon_width"], written["model"]["tied_embeddings"]
  path.write_text(json.dumps(written))
  runner.prepare_workdir(tiny_config(), str(workdir))
  path.write_text(json.dumps(dict(written, model=dict(written["model"], canon_width=4))))
  with pytest.raises(ValueError, match=r"fields model.canon_width differ"):
    runner.prepare_workdir(tiny_config(), str(workdir))


@pytest.mark.parametrize("field, value, message", [
    ("sweep.budgets", (), r"config.sweep.budgets=\(\) is not allowed; allowed: a non-empty tuple"),
    ("sweep.seeds", (0, 1, 0), r"config.sweep.seeds: 0 repeated"),
    ("sweep.bands", ((2, 2), (3, 3), (2, 2)), r"config.sweep.bands: \(2, 2\) repeated"),
    ("bases.seeds", (), r"config.bases.seeds=\(\) is not allowed"),
    ("bases.seeds", (1, 1), r"config.bases.seeds: 1 repeated"),
    ("bases.names", ("a", "a"), r"config.bases.names: 'a' repeated"),
    ("sweep.bands", ((2, 4),), r"config.sweep.bands=\(2, 4\) is not allowed; allowed: a band "
     r"\(lo, hi\) with 1 <= lo <= hi <= 3"),
    ("sweep.budgets", (8, 5000), r"config.sweep.budgets: 5000 training examples plus 16 "
     r"held-out .* band \(2, 2\) .* allowed: n in \[1, 4984\]"),
    ("sweep.budgets", (8, 8.5), r"config.sweep.budgets=8.5 is not allowed; allowed: an integer "
     r">= 1"),
    ("evaluation.heldout_examples", 6000, r"config.bases.bands: 6000 held-out examples .* "
     r"allowed: evaluation.heldout_examples <= 4999"),
    ("sweep.losses", ("sft", "kl"), r"config.sweep.losses='kl' is not allowed; "
     r"allowed: one of dft, sft"),
    ("model.max_length", 10, r"config.model.max_length: 10 is shorter than the task's "
     r"sequences \(14 tokens\)"),
    ("model.position_encoding", "alibi", r"config.model: position_encoding='alibi'"),
    ("bases.bands", ((1, 2), (0, 1)), r"config.bases.bands=\(0, 1\) is not allowed"),
    ("evaluation.test_difficulties", (1, 4), r"config.evaluation.test_difficulties=4 is not "
     r"allowed; allowed: an integer in \[1, 3\]"),
    ("finetune.learning_rate", 0.0, r"config.finetune.learning_rate=0.0 is not allowed; "
     r"allowed: a finite number in \(0, 1.0\]"),
    ("finetune.learning_rate", float("inf"), r"config.finetune.learning_rate=inf is not"),
    ("pretrain.learning_rate", float("nan"), r"config.pretrain.learning_rate=nan is not"),
    ("finetune.max_steps", 0, r"config.finetune.max_steps=0 is not allowed; allowed: an integer"),
    ("finetune.fit_threshold", 1.0, r"config.finetune.fit_threshold=1.0 is not allowed"),
    ("claims.confidence", 0.4, r"config.claims.confidence=0.4 is not allowed"),
    ("claims.trend_share", 0.5, r"config.claims.trend_share=0.5 is not allowed; allowed: a "
     r"finite number in \(0.5, 1\]"),
    ("evaluation.curve_every", 0, r"config.evaluation.curve_every=0 is not allowed"),
    ("task.options", dict(max_difficulty=3, layout="spiral"), r"config.task: layout='spiral'"),
    ("execution.chunk_runs", -1, r"config.execution.chunk_runs=-1 is not allowed; allowed: an "
     r"integer >= 0"),
    ("bounds.sigmas", (0.1, 0.01), r"config.bounds.sigmas=\(0.1, 0.01\) is not allowed; "
     r"allowed: ascending values"),
    ("bounds.sigmas", (0.0, 0.1), r"config.bounds.sigmas=0.0 is not allowed; allowed: a finite "
     r"number in \(0, 10\]"),
    ("bounds.draws", 0, r"config.bounds.draws=0 is not allowed; allowed: an integer in "
     r"\[1, 100000\]"),
    ("bounds.delta", 1.0, r"config.bounds.delta=1.0 is not allowed"),
    ("prediction.fit_budgets", 2, r"config.prediction.fit_budgets=2 is not allowed; allowed: 0 "
     r"\(no prediction\) or an integer from 2 to 1, leaving at least one of the 2 budgets"),
])
def test_bad_configs_fail_before_any_compute(tmp_path, field, value, message):
  config = tiny.get_config()
  group, name = field.split(".")
  config[group][name] = value
  with pytest.raises(ValueError, match=message):
    runner.run_study(config, str(tmp_path / "never"))
  assert not os.path.exists(tmp_path / "never")


def test_the_largest_budget_allowed_can_draw_its_sets():
  """Validation and the data sets agree on what may be drawn: the largest n the check lets
  through draws its training and held-out sets."""
  config = tiny.get_config()
  config.sweep.update(budgets=(8, 4984), bands=((2, 2),))
  train, heldout = finetune.data_sets(setup.build(config), 4984)[0, (2, 2)]
  assert len(train.tokens) == 4984 and len(heldout.tokens) == 16
  config.sweep.budgets = (8, 4985)
  with pytest.raises(ValueError, match="allowed: n in"):
    setup.build(config)


def _launch(*flags, cwd=None):
  repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  env = dict(os.environ, PYTHONPATH=repo)
  return subprocess.run([sys.executable, "-m", "experiments.main", *flags], capture_output=True,
                        text=True, cwd=cwd or repo, env=env)


def test_the_default_config_is_found_from_any_working_directory(tmp_path):
  """`difficulty-sim` run outside the repository reads cpu_default (here refused for a
  repeated seed, before any compute) instead of failing to find a relative path."""
  out = _launch("--config.sweep.seeds=(0,0)", f"--workdir={tmp_path / 'w'}", cwd=tmp_path)
  assert out.returncode != 0
  assert "error: config.sweep.seeds: 0 repeated" in out.stderr, out.stderr[-1500:]
  assert not os.path.exists(tmp_path / "w")


def test_bad_command_lines_get_one_clear_line(tmp_path):
  """No traceback and no page of flag help: the message, on one line, and a failing exit."""
  a_file = tmp_path / "a_file"
  a_file.write_text("")
  cases = [
      (["--config=experiments/configs/missing.py"], "error: --config: the config file could "
       "not be loaded: [Errno 2] No such file or directory"),
      (["--config=experiments/configs/tiny.py", f"--workdir={a_file}"], "error: --workdir="),
      (["--config=experiments/configs/tiny.py", f"--workdir={a_file}/under"], "cannot be a "
       "directory"),
      (["--config=experiments/configs/tiny.py", "--config.sweep.seeds=(0,0)",
        f"--workdir={tmp_path / 'w'}"], "error: config.sweep.seeds: 0 repeated"),
      (["--config=experiments/configs/tiny.py", "--config.sweep.budget=32",
        f"--workdir={tmp_path / 'w'}"], "error: --config.sweep.budget: config.sweep has no "
       "field budget; allowed: bands, budgets, losses, seeds"),
      (["--config=experiments/configs/tiny.py", "--config.seed.x=1",
        f"--workdir={tmp_path / 'w'}"], "error: --config.seed.x: config.seed has no field x"),
      (["--config.model.nope=1", f"--workdir={tmp_path / 'w'}"],  # the default config file
       "error: --config.model.nope: config.model has no field nope; allowed: canon_points"),
      (["--config=experiments/configs/tiny.py", "--workdir=/proc/no/such/place"],
       "error: --workdir=/proc/no/such/place cannot be a directory"),
      (["--config=experiments/configs/tiny.py", "--config.execution.gpu_command_buffers=all",
        f"--workdir={tmp_path / 'w'}"], "error: config.execution.gpu_command_buffers='all' "
       "is not allowed; allowed: one of default, loops, off"),
      (["--config=experiments/configs/tiny.py", "--config.execution.scan_unroll=0",
        f"--workdir={tmp_path / 'w'}"], "error: config.execution.scan_unroll=0 is not allowed"),
  ]
  with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # a process per core
    outputs = list(pool.map(lambda case: _launch(*case[0]), cases))
  for (flags, message), out in zip(cases, outputs):
    assert out.returncode == 2, flags
    assert message in out.stderr, (flags, out.stderr[-1500:])
    assert len([line for line in out.stderr.splitlines() if line.startswith("error:")]) == 1
    assert "Traceback" not in out.stderr and "--workdir: where results" not in out.stderr
  assert not os.path.exists(tmp_path / "w")


def test_a_study_whose_runs_diverged_says_so_loudly(finished):
  """Runs that diverged (here: every fine-tuned run, as an infinite-ish learning rate would
  make them) are named in a warning and left out of d*(n), which then says none is left."""
  runs = files.read_csv(os.path.join(finished, "runs.csv"))
  for r in runs:
    r["diverged"] = r["n"] > 0
  text = runner.summary(runs)
  assert text.startswith("WARNING: 64 of 68 runs diverged")
  assert "no run left" in text


def _mean_accuracy(runs, base, loss):
  """{(n, band): mean test accuracy}, computed here without the code under test."""
  cells = collections.defaultdict(list)
  for r in runs:
    if r["base"] == base and r["loss"] == loss and r["n"] > 0 and not r["diverged"]:
      cells[r["n"], (r["band_lo"], r["band_hi"])].append(1 - r["R_test"])
  return {key: float(np.mean(v)) for key, v in cells.items()}


def test_figures_plot_the_stored_results(tmp_path, monkeypatch):
  """Every figure the stored study supports is drawn, and three of them plot the numbers of
  runs.csv. Mutations that fail here: the heat-map drawing R_train (or R_S) instead of
  R_test; DFT - SFT drawn with its sign flipped; d*(n) taken as the worst band."""
  drawn_figures = {}
  real_save = draw.save
  monkeypatch.setattr(draw, "save", lambda fig, path: drawn_figures.setdefault(
      os.path.basename(path), fig) and real_save(fig, path))
  drawn = draw.draw_all(DATA, str(tmp_path))
  names = sorted(os.path.basename(p) for p in drawn)
  assert names == ["1_heatmap_strong.png", "1_heatmap_weak.png", "2_optimum_and_gaps_strong.png",
                   "2_optimum_and_gaps_weak.png", "3_change_over_base_strong.png",
                   "3_change_over_base_weak.png", "4_bases.png", "5_sft_vs_dft_strong.png",
                   "5_sft_vs_dft_weak.png", "6_curves_strong.png", "6_curves_weak.png"]
  runs = files.read_csv(os.path.join(DATA, "runs.csv"))
  for base in ("strong", "weak"):
    sft, dft = _mean_accuracy(runs, base, "sft"), _mean_accuracy(runs, base, "dft")
    budgets, bands = sorted({n for n, _ in sft}), sorted({b for _, b in sft})
    expected = np.array([[sft[n, b] for b in bands] for n in budgets])
    heatmap = drawn_figures[f"1_heatmap_{base}.png"].axes[0].images[0].get_array()
    np.testing.assert_allclose(np.asarray(heatmap), expected, atol=1e-12)
    difference = drawn_figures[f"5_sft_vs_dft_{base}.png"].axes[0].images[0].get_array()
    np.testing.assert_allclose(np.asarray(difference), np.array(
        [[dft[n, b] - sft[n, b] for b in bands] for n in budgets]), atol=1e-12)
    optimum = drawn_figures[f"2_optimum_and_gaps_{base}.png"].axes[0].lines[0].get_ydata()
    assert list(optimum) == [int(np.argmax(row)) for row in expected]
  for path in drawn:
    with open(path, "rb") as handle:
      assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", sorted(module.name for module in
                                         pkgutil.iter_modules(configs.__path__)
                                         if not module.name.startswith("_")))
def test_every_named_config_is_valid(name):
  """Valid, and every model field present so any can be overridden on the command line
  (mutation: dropping `canon_width` from cpu_default's model fails here)."""
  config = importlib.import_module(f"experiments.configs.{name}").get_config()
  built = setup.build(config)
  assert built.model.config.max_length >= built.train_task.sequence_width()
  fields = {f.name for f in dataclasses.fields(ModelConfig)} - {"vocab_size"}
  assert fields <= set(config.model), f"model fields missing: {fields - set(config.model)}"


def test_runs_stop_once_they_fit_and_only_then():
  """train_in_segments stops a run once should_stop says so (here: run 1 after its first
  segment, run 0 before any step) and leaves the others to the end."""
  config = tiny.get_config()
  config.finetune.update(max_steps=6, check_every=2)
  built = setup.build(config)
  count = len(config.bases.names) * len(config.bases.seeds)
  base = engine.init_params(built.model, jax.random.key(0), built.train_task.sequence_width())
  [group] = finetune.prepare_groups(built, 8, jax.tree.map(lambda x: np.stack([x] * count), base))
  calls = []

  def should_stop(state):
    calls.append(int(np.max(state.steps_taken)))
    stop = np.zeros(len(group.identities), bool)
    stop[0] = True
    stop[1] = len(calls) > 1
    return stop

  state, losses, _ = loop.train_in_segments(
      finetune.grid_programs(built)[group.width], group.params, group.runs, 6,
      loop.Progress("test", 6), "test", should_stop=should_stop)
  assert calls == [0, 2, 4, 6]
  assert state.steps_taken[:3].tolist() == [0, 2, 6]
  assert np.isnan(losses[0]).all() and np.isnan(losses[1, 2:]).all()
  assert np.isfinite(losses[2]).all()


def finetune_budget(config, n, tmp_path):
  """Every run of budget n fine-tuned from one random base (no pre-training): its rows."""
  built = setup.build(config)
  count = len(config.bases.names) * len(config.bases.seeds)
  base = jax.device_get(engine.init_params(built.model, jax.random.key(0),
                                           built.train_task.sequence_width()))
  test_set = sharding.put_replicated(scoring.test_set(built), built.mesh)
  return finetune.finetune_group(
      built, n, jax.tree.map(lambda x: np.stack([x] * count), base), test_set,
      finetune.grid_programs(built), scoring.evaluators(built), bounds.perturbed_errors(built),
      loop.Progress("test", 1), str(tmp_path / "parts"))


def test_without_stopping_every_run_takes_every_step(tmp_path):
  config = tiny_config()
  config.finetune.update(stop_when_fitted=False, max_steps=3)
  rows = finetune_budget(config, 8, tmp_path)["runs"]
  assert len(rows) == len(finetune.grid_runs(config))
  assert {r["steps"] for r in rows} == {3}


def test_each_run_records_how_hard_its_training_set_was_for_its_base(tmp_path):
  """base_loss_S and base_exact_S are the base's loss and exact match on the run's own S,
  before any step: they match an evaluation of the base on S made here (mutation: the
  columns computed from the fine-tuned parameters, or from another run's S)."""
  config = tiny_config()
  built = setup.build(config)
  base = jax.device_get(engine.init_params(built.model, jax.random.key(0),
                                           built.train_task.sequence_width()))
  rows = finetune_budget(config, 8, tmp_path)["runs"]
  evaluate = jax.jit(evaluate_module.make_evaluate(built.model, 256,
                                                   built.train_task.max_difficulty))
  for row in rows:
    assert row["steps"] > 0  # the fine-tuned parameters are not the base's
    band = (row["band_lo"], row["band_hi"])
    train_set = finetune.data_sets(built, 8)[row["seed"], band][0]
    sums = jax.device_get(evaluate(base, evaluate_module.pad_to_batches(train_set, 256)))
    assert row["base_exact_S"] == pytest.approx(1 - sums.errors.sum() / sums.examples.sum())
    assert row["base_loss_S"] == pytest.approx(sums.loss_sum.sum() / sums.answer_tokens.sum(),
                                               rel=1e-5)
  assert len({round(r["base_loss_S"], 6) for r in rows}) > 1  # each run's own S


def test_a_run_that_passed_a_check_of_s_is_not_read_again(monkeypatch):
  """A run that passes a check of S stops there with S read whole: runs.csv and the bound
  take its sums on S from that check; only the others are read again after training. Here
  the check is told that the even runs have no error (they pass before a step) and the odd
  ones every error (they train to the cap): the bound receives zero errors for the even
  runs, a fresh reading of the final parameters for the odd ones, and S is read again for
  the odd ones only (mutations: the sources swapped, a later check's sums kept, every run
  read again)."""
  jnp = jax.numpy
  built = setup.build(tiny_config())
  count = len(setup.base_identities(built.config))
  base = jax.device_get(engine.init_params(built.model, jax.random.key(0),
                                           built.train_task.sequence_width()))
  [group] = finetune.prepare_groups(built, 8, jax.tree.map(lambda x: np.stack([x] * count), base))
  real = scoring.evaluators(built)
  told = jax.jit(lambda sums: sums._replace(errors=jnp.where(
      (jnp.arange(sums.errors.shape[0]) % 2 == 1)[:, None], sums.examples, 0.0)))
  reads, received = [], []
  evaluators = scoring.Evaluators(
      lambda *args: reads.append(args) or real.on_own(*args), real.on_shared,
      lambda *args: told(real.fit_check(*args)))
  real_rows = bounds.bound_rows
  monkeypatch.setattr(bounds, "bound_rows", lambda *args: received.append(args[6])
                      or real_rows(*args))
  test_set = sharding.put_replicated(scoring.test_set(built), built.mesh)
  rows = finetune.train_and_score(built, 8, group, test_set, finetune.grid_programs(built)[
      group.width], evaluators, bounds.perturbed_errors(built), loop.Progress("test", 2))
  runs = len(group.identities)
  odd = np.arange(runs) % 2 == 1
  params, train_sets, skip = reads[1]  # after the base's reading of S, before held-out
  assert list(sharding.gather(skip, runs)) == list(~odd)
  fresh = sharding.gather(real.on_own(params, train_sets, sharding.put_runs(
      np.zeros(runs, bool), built.mesh)), runs)
  [sums] = [sharding.gather(r, runs) for r in received]
  np.testing.assert_array_equal(sums.examples, fresh.examples)
  np.testing.assert_array_equal(sums.errors[odd], fresh.errors[odd])
  assert not sums.errors[~odd].any() and fresh.errors[~odd].any()
  assert [r["steps"] for r in rows["runs"]] == [2 if o else 0 for o in odd]
  assert [r["R_S"] for r in rows["runs"]] == list(np.where(odd, scoring.errors(fresh), 0.0))


def tiny_graph_config():
  """The tiny study on dependency-graph arithmetic, with bands of two different widths."""
  config = tiny_config()
  config.task = dict(name="graph_arithmetic", options=dict(max_difficulty=4, modulus=3),
                     test_options=dict())
  config.model.max_length = 112
  config.bases.update(bands=((1, 2), (1, 1)), seeds=(0,))
  config.sweep.update(budgets=(8,), bands=((1, 1), (3, 3)), seeds=(0,), losses=("sft",))
  config.evaluation.update(test_difficulties=(1, 2, 3, 4), examples_per_difficulty=8)
  return config


@pytest.mark.slow
def test_each_width_of_a_group_trains_at_its_own(tmp_path):
  """Runs of a band train on batches cut to that band's width, one program per width; every
  run is still scored and bounded (12-17 s: slow; the per-width losses themselves are
  checked in the default run by test_engine's full-width comparison)."""
  config = tiny_graph_config()
  built = setup.build(config)
  task = built.train_task
  assert list(finetune.bands_by_width(built)) == [task.sequence_width(1), task.sequence_width(3)]
  count = len(config.bases.names) * len(config.bases.seeds)
  base = engine.init_params(built.model, jax.random.key(0), task.sequence_width())
  groups = finetune.prepare_groups(built, 8, jax.tree.map(lambda x: np.stack([x] * count), base))
  assert [g.width for g in groups] == list(finetune.bands_by_width(built))
  assert sorted(len(g.identities) for g in groups) == [len(finetune.grid_runs(config)) // 2] * 2
  for group in groups:
    assert group.runs.source.tokens.shape[-1] == group.width
    assert all(r["band_hi"] in (1, 3) and task.sequence_width(r["band_hi"]) == group.width
               for r in group.identities)
  rows = finetune_budget(config, 8, tmp_path)
  assert len(rows["runs"]) == len(rows["bounds"]) == len(finetune.grid_runs(config))
  assert all(np.isfinite(r["R_test"]) for r in rows["runs"])
  assert all(np.isfinite(r["bound"]) for r in rows["bounds"])


def test_scoring_the_test_set_per_width_gives_the_same_sums():
  """execution.score_test_per_width cuts each test difficulty to its own width; the sums of
  three random models equal the full-width ones (counts exactly, losses within float
  rounding; mutation: cutting to a width one short of the answer's end changes them)."""
  config = tiny_config()
  config.task.options = dict(max_difficulty=3, layout="variable", digit_order="reversed")
  sums = {}
  for per_width in (False, True):
    config.execution.score_test_per_width = per_width
    built = setup.build(config)
    params = jax.vmap(engine.init_params, in_axes=(None, 0, None))(
        built.model, jax.random.split(jax.random.key(0), 3), built.train_task.sequence_width())
    test_set = scoring.test_set(built)
    sums[per_width] = jax.device_get(scoring.evaluators(built).on_shared(
        sharding.put_runs(params, built.mesh), sharding.put_replicated(test_set, built.mesh)))
  widths = [part.tokens.shape[1] for part in test_set]
  assert len(set(widths)) == 3 and max(widths) == built.test_task.sequence_width()
  for field in ("errors", "correct_tokens", "answer_tokens", "examples"):
    np.testing.assert_array_equal(getattr(sums[True], field), getattr(sums[False], field))
  np.testing.assert_allclose(sums[True].loss_sum, sums[False].loss_sum, rtol=1e-5)
