"""Stage 2: fine-tune every run of one budget n (a group), and score it: one program per
sequence width, its runs split over every device, in chunks where memory asks for them.

Every run trains until it fits its training set S (error on all of S at most
`finetune.fit_threshold`, checked every `finetune.check_every` steps), under a cap of
`finetune.max_steps` that is the same for every n. So no run is cut off before it has
learned S (the question is then generalization, not optimisation), and none keeps training
long after (a small S would otherwise be trained for hundreds of epochs). A run that hit
the cap without fitting S failed to optimise; `fitted` in runs.csv keeps it apart. The cap
is also the length of every run's learning-rate schedule (warm-up, then cosine decay to 0
at the cap), so changing it changes every run, not only those that reach it.
With `finetune.stop_when_fitted=False` every run takes exactly `max_steps` steps instead
(compute matched across runs, for comparing losses that need not fit S, such as DFT).
"""

import os
from typing import Any, NamedTuple

import jax
import numpy as np

import synth
from experiments.engine import checkpoint, loop, memory, sharding
from experiments.engine import train as engine
from experiments.study import bounds, scoring
from experiments.study.setup import (FINETUNE_DATA, HELDOUT_SET, TRAIN_SET, Setup, band_id,
                                     base_identities, key, output_start)


def grid_runs(config) -> list[dict]:
  """Every fine-tuning run's identity (without n), in a fixed order."""
  return [dict(base=name, base_seed=base_seed, band_lo=band[0], band_hi=band[1], seed=seed,
               loss=loss)
          for name, _, base_seed in base_identities(config) for band in config.sweep.bands
          for seed in config.sweep.seeds for loss in config.sweep.losses]


def data_sets(setup: Setup, n: int) -> dict:
  """{(seed, band): (S, held-out set)}: the training set of n examples (nested across n)
  and a held-out sample of the band disjoint from it; shared by every base and loss."""
  config, sets = setup.config, {}
  for seed in config.sweep.seeds:
    for band in map(tuple, config.sweep.bands):
      train_set = synth.make_dataset(key(config, TRAIN_SET, seed, band_id(band)),
                                     setup.train_task, band, n)
      sets[seed, band] = (train_set, synth.make_dataset(
          key(config, HELDOUT_SET, seed, band_id(band)), setup.train_task, band,
          config.evaluation.heldout_examples, exclude=train_set))
  return sets


class Group(NamedTuple):
  """The runs of one budget n whose bands need one sequence width, ready to train:
  identities, stacked starting parameters, stacked per-run values (training sets cut to
  `width`), and each (seed, band)'s training and held-out sets, cut likewise."""

  width: int
  identities: list
  params: Any
  runs: engine.Run
  sets: dict


def bands_by_width(setup: Setup) -> dict[int, list[tuple[int, int]]]:
  """{sequence width: the sweep's bands whose longest examples need exactly it}, narrowest
  first. Training at a band's own width drops only padding, which follows every example
  and which no earlier position attends to, so the losses are those of the full width."""
  widths = {}
  for band in map(tuple, setup.config.sweep.bands):
    widths.setdefault(setup.train_task.sequence_width(band[1]), []).append(band)
  return dict(sorted(widths.items()))


def prepare_groups(setup: Setup, n: int, base_params) -> list[Group]:
  """Every run of budget n, each starting from its base and reading its own training set,
  in one group per sequence width."""
  config = setup.config
  capacity = max(config.sweep.budgets)  # one buffer shape: every n shares a width's program
  base_index = {(name, seed): i for i, (name, _, seed) in enumerate(base_identities(config))}
  sets = data_sets(setup, n)
  groups = []
  for width, bands in bands_by_width(setup).items():
    identities = [r for r in grid_runs(config) if _band(r) in bands]
    cut = {(seed, band): tuple(synth.cut_to_width(s, width) for s in pair)
           for (seed, band), pair in sets.items() if band in bands}
    runs = engine.stack_runs([
        engine.make_run(key(config, FINETUNE_DATA, r["seed"], band_id(_band(r))),
                        config.finetune.max_steps, config.finetune.learning_rate,
                        engine.dataset_source(cut[r["seed"], _band(r)][0], capacity),
                        dft=r["loss"] == "dft")
        for r in identities])
    params = jax.tree.map(
        lambda x, rows=np.array([base_index[r["base"], r["base_seed"]] for r in identities]):
        x[rows], base_params)
    groups.append(Group(width, identities, params, runs, cut))
  return groups


def grid_programs(setup: Setup) -> dict[int, loop.GridPrograms]:
  """{sequence width: the fine-tuning programs of its bands}, shared by every budget n (one
  compile per width for the whole study)."""
  return {width: loop.grid_programs(make_trainer(setup, bands), setup.vmap_width,
                                    setup.config.finetune.check_every, setup.mesh)
          for width, bands in bands_by_width(setup).items()}


def make_trainer(setup: Setup, bands) -> engine.Trainer:
  """The trainer of runs on these bands: predictions from the first answer of the easiest."""
  f = setup.config.finetune
  first = output_start(setup.train_task, [band[0] for band in bands])
  return engine.make_trainer(
      setup.model, engine.TrainConfig(batch_size=f.batch_size, max_steps=f.max_steps,
                                      output_start=first,
                                      scan_unroll=setup.config.execution.scan_unroll),
      engine.dataset_batches)


def _where(rows, a, b):
  """Per run (leading axis), a's values where `rows` is True, else b's."""
  return jax.tree.map(lambda x, y: np.where(rows.reshape((-1,) + (1,) * (x.ndim - 1)), x, y),
                      a, b)


def _band(identity) -> tuple[int, int]:
  return identity["band_lo"], identity["band_hi"]


def runs_per_chunk(setup: Setup, width: int) -> int:
  """Most runs of one width trained at once: `execution.chunk_runs`, or (0) as many as half
  of every device's memory holds (engine/memory.py; XLA's temporaries and fragmentation
  take the other half); a multiple of the device count either way."""
  config, devices = setup.config, setup.mesh.size
  if config.execution.chunk_runs:
    return -(-config.execution.chunk_runs // devices) * devices
  m, e = config.model, config.evaluation
  shapes = jax.eval_shape(lambda k: engine.init_params(setup.model, k, width), jax.random.key(0))
  shape = memory.RunShape(
      parameters=sum(x.size for x in jax.tree.leaves(shapes)), width=width,
      capacity=max(config.sweep.budgets), heldout=e.heldout_examples, eval_batch=e.batch_size,
      train_batch=config.finetune.batch_size, vocab=len(setup.train_task.vocab),
      d_model=m.d_model, num_layers=m.num_layers, num_heads=m.num_heads,
      mlp_ratio=m.mlp_ratio)
  budget = sharding.device_memory_bytes() // 2
  return memory.runs_per_device(shape, budget, setup.vmap_width) * devices


def chunks(group: Group, size: int) -> list[tuple[int, Group]]:
  """(index of its first run, the group cut to runs [first, first + size)) for every chunk."""
  cut = lambda tree, part: jax.tree.map(lambda x: x[part], tree)
  return [(first, group._replace(identities=group.identities[first:first + size],
                                 params=cut(group.params, slice(first, first + size)),
                                 runs=cut(group.runs, slice(first, first + size))))
          for first in range(0, len(group.identities), size)]


def passes(setup: Setup) -> int:
  """Chunks trained one after another for each budget n: one per width, more where a
  width's runs exceed `runs_per_chunk`."""
  total = 0
  for width, bands in bands_by_width(setup).items():
    runs = sum(_band(r) in bands for r in grid_runs(setup.config))
    total += -(-runs // runs_per_chunk(setup, width))
  return total


def finetune_group(setup: Setup, n: int, base_params, test_set, programs, evaluators,
                   perturbed, progress: loop.Progress, parts_dir: str,
                   seconds: dict | None = None) -> dict:
  """Fine-tunes and scores every run of budget n, a width and a chunk of runs at a time,
  and returns its results rows. Each chunk's rows are saved in `parts_dir` as soon as it
  ends, so an interrupted budget resumes at its first unfinished chunk. `programs`:
  grid_programs(setup); `evaluators`: scoring.evaluators(setup); `perturbed`:
  bounds.perturbed_errors(setup); `test_set` on every device (sharding.put_replicated);
  `seconds`, where given, gains each phase's wall time (`train_and_score`)."""
  os.makedirs(parts_dir, exist_ok=True)
  outputs = []
  for group in prepare_groups(setup, n, base_params):
    for first, chunk in chunks(group, runs_per_chunk(setup, group.width)):
      path = os.path.join(parts_dir, f"width={group.width}.runs={first}-"
                          f"{first + len(chunk.identities) - 1}.json")
      rows, reused = checkpoint.saved_or_computed(path, lambda: train_and_score(
          setup, n, chunk, test_set, programs[group.width], evaluators, perturbed, progress,
          seconds))
      outputs.append(rows)
      if reused:
        progress.advance(setup.config.finetune.max_steps, f"n={n}: reused {path}", reused=True)
  return scoring.merge(outputs)


def train_and_score(setup: Setup, n: int, group: Group, test_set, programs: loop.GridPrograms,
                    evaluators, perturbed, progress: loop.Progress,
                    seconds: dict | None = None) -> dict:
  """Trains a group's runs of budget n (each until it fits S, or to the cap) and scores them
  on S, their held-out sets and the test set. Every host value goes to the devices once,
  explicitly, before the first step. `seconds`, where given, gains each phase's wall time
  (train, of which fit checks, then S, held-out, test, bound; benchmarks/group_cost.py)."""
  config, mesh, count = setup.config, setup.mesh, len(group.identities)
  on_own, on_shared, fit_check = evaluators
  batch = config.evaluation.batch_size
  clock = loop.PhaseClock(seconds)
  own_sets = [group.sets[r["seed"], _band(r)] for r in group.identities]
  train_sets = sharding.put_runs(scoring.stack_examples([s for s, _ in own_sets], batch), mesh)
  heldout_sets = sharding.put_runs(scoring.stack_examples([h for _, h in own_sets], batch), mesh)
  every_run = sharding.put_runs(np.zeros(count, bool), mesh)
  base_params = sharding.put_runs(group.params, mesh)
  with clock("S"):  # how hard S is for each run's base: one evaluation, before training
    base_loss, base_exact = scoring.base_on_set(
        sharding.gather(on_own(base_params, train_sets, every_run), count))

  passed = np.zeros(count, bool)  # runs that passed a check: S read whole, then they stop
  passed_sums = None  # their sums on S from that check (the others' rows: anything)

  def fitted(state):  # runs that stopped or diverged are not scored again
    nonlocal passed, passed_sums
    with clock("fit checks"):
      done = sharding.gather(state.stopped | state.diverged, count)
      sums = sharding.gather(fit_check(state.params, train_sets, sharding.put_runs(done, mesh)),
                             count)
      now = ~done & (scoring.errors(sums) <= config.finetune.fit_threshold)
      passed_sums = sums if passed_sums is None else _where(now, sums, passed_sums)
      passed = passed | now
      return done | now

  with clock("train"):
    state, losses, accuracies = loop.train_in_segments(
        programs, group.params, group.runs, config.finetune.max_steps, progress,
        f"n={n}, width {group.width}, {count} runs",
        should_stop=fitted if config.finetune.stop_when_fitted else None)
  with clock("S"):  # read again only where no check passed (the cap, a divergence)
    train_sums = sharding.gather(
        on_own(state.params, train_sets, sharding.put_runs(passed, mesh)), count)
    if passed_sums is not None:
      train_sums = _where(passed, passed_sums, train_sums)
    train_sums_on_devices = sharding.put_runs(train_sums, mesh)
  with clock("held-out"):
    heldout_sums = sharding.gather(on_own(state.params, heldout_sets, every_run), count)
  with clock("test"):
    test_sums, steps, diverged = sharding.gather(
        (on_shared(state.params, test_set), state.steps_taken, state.diverged), count)
  curves = loop.curve_points(losses, accuracies, config.evaluation.curve_every)
  identities = [dict(identity, n=n) for identity in group.identities]
  with clock("bound"):
    bound_rows = bounds.bound_rows(
        setup, identities, state.params, base_params, train_sets,
        sharding.put_runs(group.runs.data_key, mesh), train_sums_on_devices, perturbed)
  return scoring.merge([dict(bounds=bound_rows)] + [
      scoring.run_rows(setup, identity, scoring.error(train_sums, i),
                       scoring.error(heldout_sums, i), test_sums, i, steps[i], diverged[i],
                       curves[i], (base_loss[i], base_exact[i]))
      for i, identity in enumerate(identities)])
