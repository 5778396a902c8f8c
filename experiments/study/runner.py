"""The difficulty x budget study: pre-train base models, fine-tune a grid, score it, judge
the paper's claims (stages in pretrain.py and finetune.py, the claims check in
experiments/analysis/claims.py; the claims in docs/mechanism.md).

Stages write into the workdir and are skipped when already there, so an interrupted study
continues where it stopped: `config.json` (the resolved config; a different one is refused),
`stack.json` (the software and machines that ran it, and the results schema's version),
`bases/` (the pre-trained checkpoint and its scores), `groups/n=<n>/` (the rows of each
chunk of runs of budget n, as it ends), `groups/n=<n>.json` (every run of budget n), then
`runs.csv`, `slices.csv`, `curves.csv`, `bounds.csv`, `claims.json` and `prediction.csv`,
assembled from those files.

The `execution` fields (how runs are vectorised, chunked and spread over devices) change no
result beyond float tolerance, so a study may resume with other values, or on other
devices. On several hosts every process runs this, reading one shared workdir; only
process 0 writes (`checkpoint.write_on_process_0`) and prints.
"""

import dataclasses
import json
import os
import time

import jax
from jax.experimental import multihost_utils
import ml_collections

from experiments.analysis import claims, predict
from experiments.engine import checkpoint, loop, sharding, stack
from experiments.results import files, grid, schema
from experiments.study import bounds, finetune, pretrain, scoring
from experiments.study.setup import build
from models import ModelConfig


def _write_text(path: str, text: str) -> None:
  checkpoint.write_on_process_0(path, text.encode())


def prepare_workdir(config, workdir: str) -> None:
  """Writes the resolved config, or refuses a workdir that holds another config's results
  or that cannot be a directory."""
  try:
    os.makedirs(workdir, exist_ok=True)
  except OSError as error:
    raise ValueError(f"--workdir={workdir} cannot be a directory: {error.strerror} "
                     f"({error.filename}); choose another --workdir") from None
  path = files.study_path(workdir, "config")
  resolved = json.loads(config.to_json_best_effort(sort_keys=True))
  if os.path.exists(path):
    with open(path) as handle:
      previous = json.load(handle)
    before, now = _results_fields(previous), _results_fields(resolved)
    if before != now:
      differing = sorted(_differences(before, now))
      raise ValueError(f"workdir {workdir} holds results of a different config (fields "
                       f"{', '.join(differing)} differ); use another --workdir")
  else:
    _write_text(path, json.dumps(resolved, indent=2, sort_keys=True))
  if jax.process_count() > 1:  # every host must read what process 0 writes
    multihost_utils.sync_global_devices("config written")
    if not os.path.exists(path):
      raise ValueError(f"--workdir={workdir}: process {jax.process_index()} cannot see the "
                       f"config process 0 wrote there; on several hosts the workdir must be "
                       f"one shared filesystem")


def record_stack(workdir: str) -> int:
  """Adds this process's stack (`stack.describe`) to the workdir's stack.json, beside the
  results schema's version: a study resumed elsewhere lists every stack that made it.
  Returns the schema version the study started with, which its files keep."""
  path = files.study_path(workdir, "stack")
  record = dict(schema_version=schema.VERSION, stacks=[])
  if os.path.exists(path):
    with open(path) as handle:
      record = json.load(handle)
  this = stack.describe()
  if this not in record["stacks"]:
    record["stacks"].append(this)
    _write_text(path, json.dumps(record, indent=1))
  return record["schema_version"]


def _results_fields(config: dict) -> dict:
  """The fields that change results: all but `execution`, with the model fields a config
  written before they existed leaves out filled in with their defaults."""
  defaults = {f.name: f.default for f in dataclasses.fields(ModelConfig)
              if f.default is not dataclasses.MISSING}
  fields = {k: v for k, v in config.items() if k != "execution"}
  return fields | dict(model=defaults | fields.get("model", {}))


def _differences(a, b, prefix=""):
  if isinstance(a, dict) and isinstance(b, dict):
    for key in set(a) | set(b):
      yield from _differences(a.get(key), b.get(key), f"{prefix}{key}.")
  elif a != b:
    yield prefix.rstrip(".")


def run_study(config: ml_collections.ConfigDict, workdir: str) -> None:
  """Runs (or resumes) the whole study for `config` in `workdir`, and writes where this
  call's time went (`timing.json`, `write_timing`)."""
  started, stages, budgets_seconds = time.perf_counter(), {}, {}
  stage = loop.PhaseClock(stages)
  setup = build(config)
  prepare_workdir(config, workdir)
  version = record_stack(workdir)
  test_set = sharding.put_replicated(scoring.test_set(setup), setup.mesh)
  evaluators, perturbed = scoring.evaluators(setup), bounds.perturbed_errors(setup)
  stages["setup"] = time.perf_counter() - started
  with stage("pretrain"):
    base_params, base_rows = pretrain.pretrain_bases(setup, workdir, test_set, evaluators)
  programs = finetune.grid_programs(setup)
  groups_dir = os.path.join(workdir, "groups")
  os.makedirs(groups_dir, exist_ok=True)
  budgets = sorted(config.sweep.budgets)
  group_steps = config.finetune.max_steps * finetune.passes(setup)
  clock = loop.GroupClock(budgets)  # a group ends once all its runs fit S: its steps vary
  progress = loop.Progress("finetune", group_steps * len(budgets), estimate=clock.seconds_left)
  outputs = [base_rows]
  for n in budgets:
    clock.begin()
    group_start, path, phases = time.perf_counter(), os.path.join(groups_dir, f"n={n}.json"), {}
    group, reused = checkpoint.saved_or_computed(path, lambda: finetune.finetune_group(
        setup, n, base_params, test_set, programs, evaluators, perturbed, progress,
        os.path.join(groups_dir, f"n={n}"), phases))
    outputs.append(group)
    clock.end(n, computed=not reused)
    budgets_seconds[n] = dict(total=time.perf_counter() - group_start, **phases)
    if reused:
      progress.advance(group_steps, f"n={n}: reused {path}", reused=True)
  if not sharding.is_main_process():
    return  # the files below are process 0's
  stages["finetune"] = sum(b["total"] for b in budgets_seconds.values())
  stage_start = time.perf_counter()
  merged = scoring.merge(outputs)
  for name in ("runs", "slices", "curves", "bounds"):
    files.write_csv(files.study_path(workdir, name), name, merged[name], version)
  runs = files.read_results(workdir, "runs")
  print(summary(runs))
  verdicts = claims.judge_workdir(workdir)
  print(claims.table(verdicts))
  if config.prediction.fit_budgets:
    print(predict.summary(predict.predict_workdir(workdir, config.prediction.fit_budgets)))
  stages["results files, claims, prediction"] = time.perf_counter() - stage_start
  print(write_timing(workdir, stages, budgets_seconds))


def write_timing(workdir: str, stages: dict, budgets: dict) -> str:
  """Writes timing.json: this call's wall seconds by stage, fine-tuning's by budget and phase
  (train, of which fit checks, then S, held-out, test, bound; `other`: drawing the data sets
  and placing them), and the machine; a resumed study's reused stages count only their
  reading. Returns its one-line summary."""
  phases = {}
  for n, seconds in budgets.items():
    seconds["other"] = seconds["total"] - sum(
        v for k, v in seconds.items() if k not in ("total", "fit checks"))
    for phase, value in seconds.items():
      phases[phase] = phases.get(phase, 0.0) + value
  phases.pop("total", None)
  record = dict(machine=stack.describe(), seconds=dict(stages, total=sum(stages.values())),
                finetune_phases=phases, finetune_budgets={str(n): b for n, b in budgets.items()})
  _write_text(files.study_path(workdir, "timing"), json.dumps(record, indent=1))
  return ("time by stage: " + ", ".join(f"{k} {v:.0f} s" for k, v in record["seconds"].items())
          + "; fine-tuning by phase: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()))


def add_stage_time(workdir: str, stage: str, seconds: float) -> None:
  """Adds a stage run after `run_study` (the figures) to its timing.json."""
  path = files.study_path(workdir, "timing")
  record = files.read_json(workdir, "timing")
  record["seconds"][stage] = seconds
  record["seconds"]["total"] += seconds
  _write_text(path, json.dumps(record, indent=1))


def summary(runs: list[dict]) -> str:
  """d*(n) per base and loss (mean over replicates, and each replicate's best), the gaps at
  d*, the bases' spread, and loud warnings for runs that diverged or did not fit S."""
  lines = []
  diverged = [r for r in runs if r["diverged"]]
  if diverged:
    lines.append(f"WARNING: {len(diverged)} of {len(runs)} runs diverged (a NaN or Inf loss); "
                 "they are left out of every statistic and claim. First: "
                 + grid.identity_text(diverged[0]))
  for base in sorted({r["base"] for r in runs}):
    accuracies = [1 - r["R_test"] for r in grid.select(runs, base=base, n=0)
                  if not r["diverged"]]
    if accuracies:
      lines.append(f"base {base}: test accuracy {min(accuracies):.3f}-{max(accuracies):.3f} over "
                   f"{len(accuracies)} base seed(s)")
  lines.append("d*(n): the band with the lowest mean R_test over base seeds x data seeds")
  for base, loss in grid.studies(runs):
    rows = grid.select(runs, base=base, loss=loss)
    lines.append(f"base {base}, loss {loss}:")
    gaps = {k: grid.mean_over_replicates(rows, k) for k in ("R_S", "G_gen", "G_ext", "R_test")}
    if not gaps["R_test"]:
      lines.append("  no run left: every run diverged")
    for n, (best, per_replicate) in grid.optimal_bands(rows).items():
      at = {k: v[(n, best)] for k, v in gaps.items()}
      counts = {b: per_replicate.count(b) for b in sorted(set(per_replicate))}
      unfitted = sum(not r["fitted"] for r in rows if r["n"] == n and not r["diverged"])
      lines.append(f"  n={n:>6}: d*={grid.band_text(best)} (replicates' best: "
                   f"{', '.join(f'{grid.band_text(b)} x{c}' for b, c in counts.items())}); "
                   f"at d*: R_S={at['R_S']:.3f} G_gen={at['G_gen']:.3f} "
                   f"G_ext={at['G_ext']:.3f} R_test={at['R_test']:.3f}"
                   + (f"; {unfitted} run(s) did not fit S" if unfitted else ""))
  return "\n".join(lines)
