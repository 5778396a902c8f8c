"""Stage 1: pre-train every base model (each name from each seed) as one vmapped grid.

Every base trains for exactly `pretrain.steps` steps on fresh samples of its band (cut to
the width the widest base band needs), the learning rate decaying to zero at the end. No
stopping rule reads the model's accuracy, so float noise can change a base's weights a
little but never the step at which it stops. The bases are split over the devices like
fine-tuning runs, never chunked: a study has a handful.
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np

import synth
from experiments.engine import checkpoint, loop, sharding
from experiments.engine import train as engine
from experiments.study import scoring
from experiments.study.setup import (BASE_DATA, BASE_HELDOUT, BASE_INIT, Setup, band_id,
                                     base_identities, key, output_start)


def width(setup: Setup) -> int:
  """The sequence width pre-training computes: that of the widest base band's examples."""
  return setup.train_task.sequence_width(max(band[1] for band in setup.config.bases.bands))


def make_trainer(setup: Setup) -> engine.Trainer:
  """The trainer of every base: fresh samples cut to `width(setup)`, predictions from the
  first answer of the easiest base band."""
  p = setup.config.pretrain
  first = output_start(setup.train_task, [band[0] for band in setup.config.bases.bands])
  return engine.make_trainer(
      setup.model, engine.TrainConfig(batch_size=p.batch_size, max_steps=p.steps,
                                      output_start=first,
                                      scan_unroll=setup.config.execution.scan_unroll),
      engine.fresh_batches(setup.train_task, width(setup)))


def pretrain_bases(setup: Setup, workdir: str, test_set, evaluators):
  """Pre-trains every base (or loads them); returns (stacked params as numpy, results rows).
  `evaluators`: scoring.evaluators(setup); `test_set` on every device."""
  config, directory = setup.config, os.path.join(workdir, "bases")
  results_path = os.path.join(directory, "results.json")
  bases = base_identities(config)
  if checkpoint.exists(directory) and os.path.exists(results_path):
    params, _ = checkpoint.load(directory)
    with open(results_path) as handle:
      saved = json.load(handle)
    if sharding.is_main_process():
      print(f"[pretrain] reusing {len(bases)} base model(s) from {directory}")
    return params, saved
  p = config.pretrain
  trainer = make_trainer(setup)
  # A seed's initialisation is shared by every base name (a paired comparison of bases);
  # its data stream is its own.
  init = jax.vmap(engine.init_params, in_axes=(None, 0, None))(
      setup.model, jnp.stack([key(config, BASE_INIT, seed) for _, _, seed in bases]),
      setup.train_task.sequence_width())
  runs = engine.stack_runs([
      engine.make_run(key(config, BASE_DATA, band_id(band), seed), p.steps, p.learning_rate,
                      engine.band_source(*band))
      for _, band, seed in bases])
  state, losses, accuracies = loop.train_in_segments(
      loop.grid_programs(trainer, setup.vmap_width, min(100, p.steps), setup.mesh), init, runs,
      p.steps, loop.Progress("pretrain", p.steps), f"{len(bases)} base(s)")
  heldout = scoring.stack_examples(
      [synth.make_dataset(key(config, BASE_HELDOUT, band_id(band), seed), setup.train_task, band,
                          config.evaluation.heldout_examples)
       for _, band, seed in bases], config.evaluation.batch_size)
  mesh, count = setup.mesh, len(bases)
  params, heldout_sums, test_sums, steps, diverged = sharding.gather(
      (state.params,
       evaluators.on_own(state.params, sharding.put_runs(heldout, mesh),
                         sharding.put_runs(np.zeros(count, bool), mesh)),
       evaluators.on_shared(state.params, test_set), state.steps_taken, state.diverged), count)
  curves = loop.curve_points(losses, accuracies, config.evaluation.curve_every)
  outputs = []
  for i, (name, band, seed) in enumerate(bases):
    # Fresh samples of the band: there is no finite S, so R_S = R_train and G_gen = 0.
    r_train = scoring.error(heldout_sums, i)
    identity = dict(base=name, base_seed=seed, n=0, band_lo=band[0], band_hi=band[1],
                    seed=seed, loss="base")
    outputs.append(scoring.run_rows(setup, identity, r_train, r_train, test_sums, i,
                                    steps[i], diverged[i], curves[i]))
  saved = scoring.merge(outputs)
  os.makedirs(directory, exist_ok=True)
  checkpoint.write_on_process_0(results_path, json.dumps(saved, indent=1).encode())
  checkpoint.save(directory, params, dict(bases=[list(b) for b in bases]))
  return params, saved
