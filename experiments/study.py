"""The difficulty x budget study: pre-train base models, fine-tune a grid, evaluate, and
split each run's test error into R_S + G_gen + G_ext (definitions in MECHANISM.md).

Stages write into the workdir and are skipped when already there, so an interrupted study
continues where it stopped: `config.json` (the resolved config; a different one is refused),
`bases/` (pre-trained checkpoint and its evaluation), `groups/n=<n>.json` (one fine-tuning
group: every run of one budget n, trained as one vmapped program), then `runs.csv` and
`slices.csv`, assembled from those files.
"""

import csv
import dataclasses
import functools
import io
import json
import os
import time
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

import synth
from experiments import checkpoint, evaluate, results
from experiments import train as engine
from models import ModelConfig, Transformer

LOSSES = ("sft", "dft")
RUN_COLUMNS = ("base", "n", "band_lo", "band_hi", "seed", "loss")
RUNS_CSV_COLUMNS = RUN_COLUMNS + ("steps", "R_S", "R_train", "R_test", "G_gen", "G_ext",
                                  "diverged")
SLICES_CSV_COLUMNS = RUN_COLUMNS + ("test_difficulty", "error", "token_accuracy", "loss_value",
                                    "examples")
# Purposes of the PRNG streams derived from config.seed.
_TEST_SET, _BASE_INIT, _BASE_DATA, _TRAIN_SET, _HELDOUT_SET, _FINETUNE_DATA = range(6)


@dataclasses.dataclass(frozen=True)
class Setup:
  """Everything the stages need, built (and validated) before any compute."""

  config: ml_collections.ConfigDict
  train_task: synth.Task
  test_task: synth.Task
  model: Transformer


def _fail(field: str, message: str):
  raise ValueError(f"config.{field}: {message}")


def build(config: ml_collections.ConfigDict) -> Setup:
  """Validates the config (naming the field and the allowed values) and builds the setup."""
  try:
    train_task = synth.get_task(config.task.name, **config.task.options)
    test_task = synth.get_task(config.task.name,
                               **(dict(config.task.options) | dict(config.task.test_options)))
  except ValueError as error:
    _fail("task", str(error))
  lo, hi = train_task.min_difficulty, train_task.max_difficulty
  width = train_task.sequence_width()
  if test_task.sequence_width() != width:
    _fail("task.test_options", "must keep the sequence width of the training task")
  if config.model.max_length < width:
    _fail("model.max_length", f"{config.model.max_length} is shorter than the task's sequences "
          f"({width} tokens); allowed: >= {width}")
  try:
    model = Transformer(ModelConfig(vocab_size=len(train_task.vocab), **config.model))
  except (ValueError, TypeError) as error:
    _fail("model", str(error))

  def check_band(field, band):
    if len(band) != 2 or not lo <= band[0] <= band[1] <= hi:
      _fail(field, f"band {tuple(band)} must be (lo, hi) with {lo} <= lo <= hi <= {hi}")

  if not config.bases.names or len(config.bases.names) != len(config.bases.bands):
    _fail("bases", "needs one pre-training band per base name, at least one base")
  if len(set(config.bases.names)) != len(config.bases.names):
    _fail("bases.names", f"names must be distinct; got {config.bases.names}")
  for band in config.bases.bands:
    check_band("bases.bands", band)
  sweep = config.sweep
  for field in ("budgets", "bands", "seeds", "losses"):
    if not sweep[field]:
      _fail(f"sweep.{field}", "is empty, so the grid has no run")
  for loss in sweep.losses:
    if loss not in LOSSES:
      _fail("sweep.losses", f"{loss!r} is not one of {LOSSES}")
  evaluation = config.evaluation
  for d in evaluation.test_difficulties:
    if not lo <= d <= hi:
      _fail("evaluation.test_difficulties", f"{d} is outside the task's range [{lo}, {hi}]")
  for field in ("examples_per_difficulty", "heldout_examples", "batch_size"):
    if evaluation[field] < 1:
      _fail(f"evaluation.{field}", f"{evaluation[field]} must be >= 1")
  for band in sweep.bands:
    check_band("sweep.bands", band)
    room = train_task.num_distinct(range(band[0], band[1] + 1)) - evaluation.heldout_examples
    for n in sweep.budgets:
      if not 1 <= n <= room:
        _fail("sweep.budgets", f"n={n} is not in [1, {room}]: band {tuple(band)} holds "
              f"{room + evaluation.heldout_examples} distinct examples, of which "
              f"{evaluation.heldout_examples} are held out")
  for group, fields in (("pretrain", ("steps", "batch_size")),
                        ("finetune", ("batch_size", "min_steps", "max_steps"))):
    for field in fields:
      if config[group][field] < 1:
        _fail(f"{group}.{field}", f"{config[group][field]} must be >= 1")
    if not config[group].learning_rate > 0:
      _fail(f"{group}.learning_rate", f"{config[group].learning_rate} must be > 0")
  try:
    engine.TrainConfig(batch_size=config.pretrain.batch_size, max_steps=config.pretrain.steps,
                       target_accuracy=config.pretrain.target_accuracy)
  except ValueError as error:
    _fail("pretrain", str(error))
  if config.finetune.min_steps > config.finetune.max_steps:
    _fail("finetune.min_steps", "must not exceed finetune.max_steps")
  if not config.finetune.epochs > 0:
    _fail("finetune.epochs", f"{config.finetune.epochs} must be > 0")
  return Setup(config, train_task, test_task, model)


def finetune_steps(config, n: int) -> int:
  """Steps for a budget: `epochs` passes over n examples, clipped to [min_steps, max_steps]."""
  f = config.finetune
  return int(np.clip(round(f.epochs * n / f.batch_size), f.min_steps, f.max_steps))


def _key(config, *path: int) -> jax.Array:
  key = jax.random.key(config.seed)
  for part in path:
    key = jax.random.fold_in(key, part)
  return key


def _band_id(band) -> int:
  return 1000 * band[0] + band[1]


class Progress:
  """Prints a stage's progress with an ETA from the rate of the work computed so far."""

  def __init__(self, label: str, total_work: float):
    self.label, self.total, self.start = label, total_work, time.time()
    self.done = self.computed = 0.0

  def advance(self, work: float, note: str, reused: bool = False):
    self.done += work
    self.computed += 0 if reused else work
    elapsed = time.time() - self.start
    eta = elapsed / self.computed * (self.total - self.done) if self.computed else float("nan")
    print(f"[{self.label}] {self.done / self.total:6.1%} {note}; elapsed {elapsed:5.0f} s, "
          f"ETA {eta:5.0f} s", flush=True)


def _write_text(path: str, text: str) -> None:
  checkpoint.write_atomically(path, text.encode())


def prepare_workdir(config, workdir: str) -> None:
  """Writes the resolved config, or refuses a workdir that holds another config's results."""
  os.makedirs(workdir, exist_ok=True)
  path = os.path.join(workdir, "config.json")
  resolved = json.loads(config.to_json_best_effort(sort_keys=True))
  if os.path.exists(path):
    with open(path) as handle:
      previous = json.load(handle)
    if previous != resolved:
      differing = sorted(_differences(previous, resolved))
      raise ValueError(f"workdir {workdir} holds results of a different config (fields "
                       f"{', '.join(differing)} differ); use another --workdir")
  else:
    _write_text(path, json.dumps(resolved, indent=2, sort_keys=True))


def _differences(a, b, prefix=""):
  if isinstance(a, dict) and isinstance(b, dict):
    for key in set(a) | set(b):
      yield from _differences(a.get(key), b.get(key), f"{prefix}{key}.")
  elif a != b:
    yield prefix.rstrip(".")


def _test_set(setup: Setup):
  config = setup.config
  per_slice = config.evaluation.examples_per_difficulty  # a smaller slice is used whole
  parts = [synth.make_dataset(_key(config, _TEST_SET, d), setup.test_task, (d, d),
                              min(per_slice, setup.test_task.num_distinct([d])))
           for d in config.evaluation.test_difficulties]
  return evaluate.pad_to_batches(jax.tree.map(lambda *x: np.concatenate(x), *parts),
                                 config.evaluation.batch_size)


def _stack_examples(sets, batch_size):
  return jax.tree.map(lambda *x: np.stack(x),
                      *[evaluate.pad_to_batches(s, batch_size) for s in sets])


def _evaluators(setup: Setup):
  """Jitted grid evaluators: (on each run's own sets, on one set shared by every run)."""
  evaluate_fn = evaluate.make_evaluate(setup.model, setup.config.evaluation.batch_size,
                                       setup.train_task.max_difficulty)
  return jax.jit(jax.vmap(evaluate_fn)), jax.jit(jax.vmap(evaluate_fn, in_axes=(0, None)))


def _error(sums, index) -> float:
  """Error under the uniform mixture of the difficulties present: the mean slice error."""
  examples = np.asarray(sums.examples[index][1:])
  present = examples > 0
  return float(np.mean(np.asarray(sums.errors[index][1:])[present] / examples[present]))


def _rows(identity: dict, r_s: float, r_train: float, test_sums, index, steps, diverged):
  """One runs.csv row and its slices.csv rows, from one run's evaluation sums."""
  r_test = _error(test_sums, index)
  run = dict(identity, steps=int(steps), R_S=r_s, R_train=r_train, R_test=r_test,
             G_gen=r_train - r_s, G_ext=r_test - r_train, diverged=bool(diverged))
  table = evaluate.slice_table(jax.tree.map(lambda x: x[index], test_sums))
  slices = [dict(identity, test_difficulty=d, error=v["error"],
                 token_accuracy=v["token_accuracy"], loss_value=v["loss"],
                 examples=v["examples"]) for d, v in table.items()]
  return run, slices


def train_in_segments(trainer: engine.Trainer, params, runs, total_steps: int,
                      progress: Progress, label: str, target_segment: int = 100):
  """Trains a grid in segments of about `target_segment` steps, reporting progress between
  them; stops early once every run has stopped or diverged. Returns the final TrainState."""
  segments = -(-total_steps // target_segment)
  length = -(-total_steps // segments)
  advance = jax.jit(jax.vmap(functools.partial(trainer.advance, length=length),
                             in_axes=(0, 0, None)))
  state = jax.jit(jax.vmap(trainer.init))(params, runs)
  for first in range(0, total_steps, length):
    state, _, _ = advance(state, runs, first)
    done = min(first + length, total_steps)
    if bool(jnp.all(state.stopped | state.diverged)):
      progress.advance(total_steps - first, f"{label}: every run stopped by step {done}")
      break
    progress.advance(done - first, f"{label}: step {done}/{total_steps}")
  return state


def pretrain_bases(setup: Setup, workdir: str, test_set):
  """Pre-trains every base as one vmapped grid (or loads them); returns (params, rows)."""
  config, directory = setup.config, os.path.join(workdir, "bases")
  results_path = os.path.join(directory, "results.json")
  if checkpoint.exists(directory) and os.path.exists(results_path):
    params, _ = checkpoint.load(directory)
    with open(results_path) as handle:
      saved = json.load(handle)
    print(f"[pretrain] reusing {len(config.bases.names)} base model(s) from {directory}")
    return params, saved
  p = config.pretrain
  train_config = engine.TrainConfig(batch_size=p.batch_size, max_steps=p.steps,
                                    target_accuracy=p.target_accuracy)
  trainer = engine.make_trainer(setup.model, train_config, engine.fresh_batches(setup.train_task))
  count = len(config.bases.names)
  init = jax.vmap(engine.init_params, in_axes=(None, 0, None))(
      setup.model, jnp.stack([_key(config, _BASE_INIT, i) for i in range(count)]),
      setup.train_task.sequence_width())
  runs = engine.stack_runs([engine.make_run(_key(config, _BASE_DATA, i), p.steps, p.learning_rate,
                                            engine.band_source(*band))
                            for i, band in enumerate(config.bases.bands)])
  result = train_in_segments(trainer, init, runs, p.steps, Progress("pretrain", p.steps),
                             f"{count} base(s)")
  heldout = _stack_examples([synth.make_dataset(_key(config, _HELDOUT_SET, i), setup.train_task,
                                                tuple(band), config.evaluation.heldout_examples)
                             for i, band in enumerate(config.bases.bands)],
                            config.evaluation.batch_size)
  on_own, on_shared = _evaluators(setup)
  heldout_sums = on_own(result.params, heldout)
  test_sums = on_shared(result.params, test_set)
  runs_rows, slice_rows = [], []
  for i, (name, band) in enumerate(zip(config.bases.names, config.bases.bands)):
    r_train = _error(heldout_sums, i)  # fresh samples of the band: no finite S, so R_S = R_train
    identity = dict(base=name, n=0, band_lo=band[0], band_hi=band[1], seed=config.seed,
                    loss="base")
    run, slices = _rows(identity, r_train, r_train, test_sums, i, result.steps_taken[i],
                        result.diverged[i])
    runs_rows.append(run)
    slice_rows += slices
  saved = dict(runs=runs_rows, slices=slice_rows)
  os.makedirs(directory, exist_ok=True)
  _write_text(results_path, json.dumps(saved, indent=1))
  checkpoint.save(directory, result.params, dict(names=list(config.bases.names)))
  return jax.tree.map(jnp.asarray, jax.device_get(result.params)), saved


def grid_runs(config) -> list[dict]:
  """Every fine-tuning run's identity (without n), in a fixed order."""
  return [dict(base=base, band_lo=band[0], band_hi=band[1], seed=seed, loss=loss)
          for base in config.bases.names for band in config.sweep.bands
          for seed in config.sweep.seeds for loss in config.sweep.losses]


def finetune_group(setup: Setup, n: int, base_params, test_set, progress: Progress) -> dict:
  """Fine-tunes and evaluates every run of budget n as one vmapped program."""
  config = setup.config
  steps = finetune_steps(config, n)
  identities = grid_runs(config)
  capacity = max(config.sweep.budgets)  # one buffer shape: groups of equal steps share a program
  base_index = {name: i for i, name in enumerate(config.bases.names)}
  data = {}  # (seed, band) -> (S, held-out set): shared by every base and loss
  for seed in config.sweep.seeds:
    for band in map(tuple, config.sweep.bands):
      train_set = synth.make_dataset(_key(config, _TRAIN_SET, seed, _band_id(band)),
                                     setup.train_task, band, n)  # nested across n
      data[seed, band] = (train_set, synth.make_dataset(
          _key(config, _HELDOUT_SET, seed, _band_id(band)), setup.train_task, band,
          config.evaluation.heldout_examples, exclude=train_set))
  train_sets, heldout_sets, runs = [], [], []
  for run in identities:
    band, seed = (run["band_lo"], run["band_hi"]), run["seed"]
    train_set, heldout_set = data[seed, band]
    train_sets.append(train_set)
    heldout_sets.append(heldout_set)
    runs.append(engine.make_run(_key(config, _FINETUNE_DATA, seed, _band_id(band)), steps,
                                config.finetune.learning_rate,
                                engine.dataset_source(train_set, capacity),
                                dft=run["loss"] == "dft"))
  params = jax.tree.map(lambda x: x[np.array([base_index[r["base"]] for r in identities])],
                        base_params)
  train_config = engine.TrainConfig(batch_size=config.finetune.batch_size, max_steps=steps)
  trainer = engine.make_trainer(setup.model, train_config, engine.dataset_batches)
  result = train_in_segments(trainer, params, engine.stack_runs(runs), steps, progress,
                             f"n={n}, {len(runs)} runs")
  on_own, on_shared = _evaluators(setup)
  batch = config.evaluation.batch_size
  train_sums = on_own(result.params, _stack_examples(train_sets, batch))
  heldout_sums = on_own(result.params, _stack_examples(heldout_sets, batch))
  test_sums = on_shared(result.params, test_set)
  runs_rows, slice_rows = [], []
  for i, identity in enumerate(identities):
    identity = dict(identity, n=n)
    run, slices = _rows(identity, _error(train_sums, i), _error(heldout_sums, i), test_sums, i,
                        result.steps_taken[i], result.diverged[i])
    runs_rows.append(run)
    slice_rows += slices
  return dict(runs=runs_rows, slices=slice_rows)


def _write_csv(path: str, columns, rows) -> None:
  buffer = io.StringIO()
  writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="raise")
  writer.writeheader()
  writer.writerows({c: row[c] for c in columns} for row in rows)
  _write_text(path, buffer.getvalue())


def run_study(config: ml_collections.ConfigDict, workdir: str) -> None:
  """Runs (or resumes) the whole study for `config` in `workdir`."""
  setup = build(config)
  prepare_workdir(config, workdir)
  test_set = _test_set(setup)
  base_params, base_rows = pretrain_bases(setup, workdir, test_set)
  groups_dir = os.path.join(workdir, "groups")
  os.makedirs(groups_dir, exist_ok=True)
  budgets = sorted(config.sweep.budgets)
  work = {n: finetune_steps(config, n) for n in budgets}
  progress = Progress("finetune", sum(work.values()))
  outputs = [base_rows]
  for n in budgets:
    path = os.path.join(groups_dir, f"n={n}.json")
    if os.path.exists(path):
      with open(path) as handle:
        outputs.append(json.load(handle))
      progress.advance(work[n], f"n={n}: reused {path}", reused=True)
      continue
    group = finetune_group(setup, n, base_params, test_set, progress)
    _write_text(path, json.dumps(group, indent=1))
    outputs.append(group)
  runs = [row for output in outputs for row in output["runs"]]
  slices = [row for output in outputs for row in output["slices"]]
  _write_csv(os.path.join(workdir, "runs.csv"), RUNS_CSV_COLUMNS, runs)
  _write_csv(os.path.join(workdir, "slices.csv"), SLICES_CSV_COLUMNS, slices)
  print(summary(runs))


def summary(runs: list[dict]) -> str:
  """d*(n) per base and loss (mean over seeds, with each seed's best) and the gaps at d*."""
  lines = ["d*(n): the training band with the lowest mean R_test over seeds"]
  for base, loss in results.studies(runs):
    rows = results.select(runs, base=base, loss=loss)
    lines.append(f"base {base}, loss {loss}:")
    gaps = {k: results.mean_over_seeds(rows, k) for k in ("R_S", "G_gen", "G_ext", "R_test")}
    for n, (best, per_seed) in results.optimal_bands(rows).items():
      at = {k: v[(n, best)] for k, v in gaps.items()}
      lines.append(f"  n={n:>6}: d*={results.band_text(best)} (per seed: "
                   f"{', '.join(results.band_text(b) for b in per_seed)}); at d*: "
                   f"R_S={at['R_S']:.3f} G_gen={at['G_gen']:.3f} G_ext={at['G_ext']:.3f} "
                   f"R_test={at['R_test']:.3f}")
  return "\n".join(lines)
