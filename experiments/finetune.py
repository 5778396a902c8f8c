"""Stage 2: fine-tune every run of one budget n (a group) as one program, and score it.

Every run trains until it fits its training set S (error on all of S at most
`finetune.fit_threshold`, checked every `finetune.check_every` steps), under a cap of
`finetune.max_steps` that is the same for every n. So no run is cut off before it has
learned S (the question is then generalization, not optimisation), and none keeps training
long after (a small S would otherwise be trained for hundreds of epochs). A run that hit
the cap without fitting S failed to optimise; `fitted` in runs.csv keeps it apart.
With `finetune.stop_when_fitted=False` every run takes exactly `max_steps` steps instead
(compute matched across runs, for comparing losses that need not fit S, such as DFT).
"""

from typing import Any, NamedTuple

import jax
import numpy as np

import synth
from experiments import loop, scoring
from experiments import train as engine
from experiments.pretrain import base_identities
from experiments.setup import (FINETUNE_DATA, HELDOUT_SET, TRAIN_SET, Setup, band_id, key,
                               output_start)


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
                                    setup.config.finetune.check_every)
          for width, bands in bands_by_width(setup).items()}


def make_trainer(setup: Setup, bands) -> engine.Trainer:
  """The trainer of runs on these bands: predictions from the first answer of the easiest."""
  f = setup.config.finetune
  first = output_start(setup.train_task, [band[0] for band in bands])
  return engine.make_trainer(
      setup.model, engine.TrainConfig(batch_size=f.batch_size, max_steps=f.max_steps,
                                      output_start=first),
      engine.dataset_batches)


def _band(identity) -> tuple[int, int]:
  return identity["band_lo"], identity["band_hi"]


def finetune_group(setup: Setup, n: int, base_params, test_set, programs, evaluators,
                   progress: loop.Progress) -> dict:
  """Fine-tunes and scores every run of budget n, a width at a time; returns its results
  rows. `programs`: grid_programs(setup); `evaluators`: scoring.evaluators(setup)."""
  return scoring.merge([
      _finetune_width(setup, n, group, test_set, programs[group.width], evaluators, progress)
      for group in prepare_groups(setup, n, base_params)])


def _finetune_width(setup: Setup, n: int, group: Group, test_set, programs: loop.GridPrograms,
                    evaluators, progress: loop.Progress) -> dict:
  """Trains one width's runs of budget n (each until it fits S, or to the cap) and scores
  them on S, their held-out sets and the test set."""
  config = setup.config
  on_own, on_shared = evaluators
  batch = config.evaluation.batch_size
  own_sets = [group.sets[r["seed"], _band(r)] for r in group.identities]
  train_sets = scoring.stack_examples([s for s, _ in own_sets], batch)

  def fitted(state):  # runs that stopped or diverged are not scored again
    done = state.stopped | state.diverged
    return done | (scoring.errors(on_own(state.params, train_sets, done))
                   <= config.finetune.fit_threshold)

  state, losses, accuracies = loop.train_in_segments(
      programs, group.params, group.runs, config.finetune.max_steps, progress,
      f"n={n}, width {group.width}, {len(group.identities)} runs",
      should_stop=fitted if config.finetune.stop_when_fitted else None)
  every_run = np.zeros(len(group.identities), bool)
  train_sums = on_own(state.params, train_sets, every_run)
  heldout_sums = on_own(state.params, scoring.stack_examples([h for _, h in own_sets], batch),
                        every_run)
  test_sums = on_shared(state.params, test_set)
  curves = loop.curve_points(losses, accuracies, config.evaluation.curve_every)
  return scoring.merge([
      scoring.run_rows(setup, dict(identity, n=n), scoring.error(train_sums, i),
                       scoring.error(heldout_sums, i), test_sums, i, state.steps_taken[i],
                       state.diverged[i], curves[i])
      for i, identity in enumerate(group.identities)])
