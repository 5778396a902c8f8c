"""Fine-tuning throughput of the study's grid, now against the engine as it was, and how
much of the computed sequence is padding or prompt, per task.

  python benchmarks/engine_throughput.py [--config=experiments/configs/cpu_default.py]
      [--steps=40] [--widths=1,2,4,0] [--parts=grid,padding,evaluation]

1. The config's first fine-tuning group (its model, runs, data and batch size), trained for
   --steps steps in this process by:
   - `as it was` (commit 908d272): one jit(vmap(...)) over every run, logits and the last
     block computed at every position. Today's engine with `output_start=0` and a plain
     vmap computes exactly that (the early-stopping bookkeeping it dropped was a few scalar
     ops per step);
   - `now`: the last block and logits from the first position any answer token is predicted
     from (`output_start`), and the runs mapped `width` at a time (0: all in one vmap);
   - `one by one`: today's program for a single run, called once per run, run after run
     (what training the grid without the engine's runs axis would cost).
   Compile time is excluded (each program runs once first); each time is the best of two.
2. For every task setting of the named configs: the share of computed token positions that
   are padding (token 0), and the share the last block now skips as prompt.
3. Evaluation throughput against the evaluation batch size (`evaluation.batch_size`), for
   the named configs' models (freshly initialised): --eval_examples examples of the hardest
   test difficulty, cut to its width, through the study's jitted `make_evaluate` at each
   batch size; best of two, compile excluded; the sums must agree across batch sizes. On a
   CPU a large batch of long sequences outgrows the caches, so a small one can be faster.
"""

import importlib
import time

from absl import app, flags
import jax
import numpy as np
from ml_collections import config_flags

import synth
from experiments.engine import evaluate, sharding, train as engine
from experiments.study import finetune, pretrain, setup as study_setup

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/cpu_default.py", "study config")
flags.DEFINE_integer("steps", 40, "fine-tuning steps per timed call")
flags.DEFINE_list("widths", ["1", "2", "4", "0"], "runs per vectorised chunk to time (0: all)")
flags.DEFINE_list("padding_configs", ["cpu_default", "graph_cpu", "graph_paper"],
                  "configs whose tasks the padding table covers")
flags.DEFINE_list("parts", ["grid", "padding", "evaluation"], "which tables to print")
flags.DEFINE_list("eval_configs", ["cpu_default", "graph_cpu"],
                  "configs whose models the evaluation table times")
flags.DEFINE_list("eval_batches", ["16", "32", "64", "128", "256"], "evaluation batch sizes")
flags.DEFINE_integer("eval_examples", 1024, "examples per timed evaluation call")


def best_time(fn, *args, repeats=2):
  """Best wall time of `repeats` calls after a warm-up call (the machine is shared and noisy);
  the calls end once every array they return is computed."""
  jax.block_until_ready(fn(*args))
  best = float("inf")
  for _ in range(repeats):
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    best = min(best, time.perf_counter() - start)
  return best


def grid_throughput(config, steps, widths):
  config.finetune.update(max_steps=steps, check_every=min(steps, config.finetune.check_every))
  setup = study_setup.build(config)
  base = engine.init_params(setup.model, jax.random.key(0), setup.train_task.sequence_width())
  bases = jax.tree.map(lambda x: np.stack([x] * len(config.bases.names) * len(config.bases.seeds)),
                       base)
  n = min(config.sweep.budgets)
  group = finetune.prepare_groups(setup, n, bases)[0]  # the narrowest width's runs
  runs = len(group.identities)
  examples = runs * steps * config.finetune.batch_size
  bands = finetune.bands_by_width(setup)[group.width]
  now_trainer = finetune.make_trainer(setup, bands)
  as_it_was = jax.jit(jax.vmap(engine.make_trainer(
      setup.model, engine.TrainConfig(batch_size=config.finetune.batch_size, max_steps=steps),
      engine.dataset_batches).train))
  reference = best_time(as_it_was, group.params, group.runs)
  print(f"device: {jax.devices()[0].device_kind}; config {config.task.name}, model d_model "
        f"{config.model.d_model}, {config.model.num_layers} layers, "
        f"{config.model.position_encoding} positions; one group: {runs} runs, n={n}, batch "
        f"{config.finetune.batch_size}, {steps} steps; last block from position "
        f"{study_setup.output_start(setup.train_task, [b[0] for b in bands])} of "
        f"{group.width - 1}")
  print(f"{'engine':<28} {'examples/s':>11} {'ratio':>7}")
  print(f"{'as it was (vmap, all pos.)':<28} {examples / reference:>11,.0f} {1.0:>7.2f}")
  for width in widths:
    now = jax.jit(sharding.over_runs(now_trainer.train, width or None))
    seconds = best_time(now, group.params, group.runs)
    label = f"now, {'all runs' if not width else f'{width} run(s)'} per vmap"
    print(f"{label:<28} {examples / seconds:>11,.0f} {reference / seconds:>7.2f}")
  single = jax.jit(now_trainer.train)
  per_run = [jax.tree.map(lambda x, i=i: x[i], (group.params, group.runs)) for i in range(runs)]
  seconds = best_time(lambda: [single(*one) for one in per_run])
  print(f"{'now, one run per call':<28} {examples / seconds:>11,.0f} {reference / seconds:>7.2f}")
  print(f"(the study uses {setup.vmap_width or 'all'} run(s) per vmap on this backend)")


def padding_table(names):
  print(f"\n{'config':<14} {'stage':<9} {'task, band':<34} {'width':>5} {'padding':>8} "
        f"{'now width':>9} {'padding':>8} {'prompt skipped':>15}")
  for name in names:
    config = importlib.import_module(f"experiments.configs.{name}").get_config()
    setup = study_setup.build(config)
    task = setup.train_task
    finetune_widths = {band: width for width, bands in finetune.bands_by_width(setup).items()
                       for band in bands}
    for stage, bands in (("pretrain", config.bases.bands), ("finetune", config.sweep.bands)):
      for band in map(tuple, bands):
        width = pretrain.width(setup) if stage == "pretrain" else finetune_widths[band]
        program_bands = bands if stage == "pretrain" else [
            b for b, w in finetune_widths.items() if w == width]
        skipped = study_setup.output_start(task, [b[0] for b in program_bands])
        difficulties = range(band[0], band[1] + 1)
        batch = synth.sample_batch(jax.random.key(0), task, difficulties,
                                   [1 / len(difficulties)] * len(difficulties), 512)
        tokens = np.asarray(batch.tokens)[:, :-1]  # the model's inputs at the full width
        now = tokens[:, :width - 1]
        print(f"{name:<14} {stage:<9} {task.name + ', band ' + str(band):<34} "
              f"{tokens.shape[1]:>5} {float((tokens == 0).mean()):>8.1%} {now.shape[1]:>9} "
              f"{float((now == 0).mean()):>8.1%} {skipped / now.shape[1]:>15.1%}")
  print("width: input positions at the task's full width, as computed before; now width: as "
        "computed now, each program at the width its bands need; padding: input positions "
        "holding the padding token (computed for nothing); prompt skipped: positions before the "
        "program's output_start, where the last block is not computed")


def evaluation_rates(name: str, batches, examples: int) -> tuple[int, dict[int, float]]:
  """(sequence width, {evaluation batch size: examples per second}) for one config's model."""
  config = importlib.import_module(f"experiments.configs.{name}").get_config()
  setup = study_setup.build(config)
  hardest = max(config.evaluation.test_difficulties)
  width = setup.test_task.sequence_width(hardest)
  data = synth.cut_to_width(synth.make_dataset(jax.random.key(0), setup.test_task,
                                               (hardest, hardest), examples), width)
  params = engine.init_params(setup.model, jax.random.key(1), width)
  rates, sums = {}, {}
  for batch in batches:
    evaluate_fn = jax.jit(evaluate.make_evaluate(setup.model, batch,
                                                 setup.test_task.max_difficulty,
                                                 setup.evaluation_output_start))
    rates[batch] = examples / best_time(evaluate_fn, params, data)
    sums[batch] = jax.device_get(evaluate_fn(params, data))
  for batch in batches[1:]:  # the same sums whatever the batch
    np.testing.assert_array_equal(sums[batch].errors, sums[batches[0]].errors)
    np.testing.assert_allclose(sums[batch].loss_sum, sums[batches[0]].loss_sum, rtol=1e-4)
  return width, rates


def evaluation_table(names, batches, examples):
  reference = max(batches)
  print(f"\nevaluation, {examples} examples of the hardest test difficulty per call\n"
        f"{'config':<14} {'width':>5} {'batch':>5} {'examples/s':>11} "
        f"{'ratio to ' + str(reference):>13}")
  for name in names:
    width, rates = evaluation_rates(name, batches, examples)
    for batch in batches:
      print(f"{name:<14} {width:>5} {batch:>5} {rates[batch]:>11,.0f} "
            f"{rates[batch] / rates[reference]:>13.2f}")


def main(argv):
  del argv
  if "grid" in FLAGS.parts:
    grid_throughput(FLAGS.config, FLAGS.steps, [int(w) for w in FLAGS.widths])
  if "padding" in FLAGS.parts:
    padding_table(FLAGS.padding_configs)
  if "evaluation" in FLAGS.parts:
    evaluation_table(FLAGS.eval_configs, [int(b) for b in FLAGS.eval_batches],
                     FLAGS.eval_examples)


if __name__ == "__main__":
  app.run(main)
