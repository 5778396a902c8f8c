"""Difficulty measured against the model, end to end (docs/advisor.md): each pool line's
difficulty is the base model's own pass rate on it, and the pilot's windows are ranges of it.

  python examples/pass_rates.py [--workdir=runs/pass_rates_example]

1. Pre-trains one `cpu_default` base (seed 0), or reuses it from --workdir.
2. Draws a pool of addition problems of 1-6 digits in `cpu_default`'s own format and gives
   each line `base_pass_rate`: the probability that the base, sampling at temperature 1,
   writes the whole right answer, exp(-its summed loss on the answer tokens) (pass@1 at
   that temperature, exactly, without sampling), and `base_greedy_pass` (0 or 1). Written
   to examples/pool_pass_rates.jsonl.
3. Cuts the pool into 4 windows of base_pass_rate holding equal shares
   (`python -m experiments.advise --data=... --difficulty_field=base_pass_rate
   --quantiles=4` prints the same), fine-tunes the base on n lines of each (n = 16, 32, 64,
   128, nested; 2 data seeds; `cpu_default`'s fine-tuning settings for a fixed 400 steps),
   scores each run on `cpu_default`'s test set (1-6 digits, equal shares) and writes the
   pilot, examples/pilot_pass_rates.csv.
4. Runs the same at n = 256, the budget the docs ask the advisor about, and writes those
   runs (in the pilot's format) to examples/check_pass_rates.csv: what the advice can be
   checked against.
About 6 minutes on a 2-core CPU; the advisor then runs on the pool and pilot as on any
others, told that a lower pass rate is harder (`--harder=lower`).
"""

import json
import os

from absl import app, flags
import jax
import jax.numpy as jnp
import numpy as np

import synth
from experiments.analysis import advise
from experiments.configs import cpu_default
from experiments.engine import loop, sharding
from experiments.engine import train as engine
from experiments.engine.evaluate import example_metrics
from experiments.engine.losses import shift
from experiments.study import pretrain, scoring
from experiments.study.setup import build

HERE = os.path.dirname(os.path.abspath(__file__))
PER_DIGIT_COUNT = 400  # pool lines of each digit count (1 digit: the 50 problems there are)
WINDOWS = 4
BUDGETS = (16, 32, 64, 128)
CHECK_BUDGET = 256
SEEDS = (0, 1)
STEPS = 400  # cpu_default's cap on a fine-tuning run's steps, here every run's length

FLAGS = flags.FLAGS


def pool_examples(task) -> synth.Example:
  """PER_DIGIT_COUNT distinct problems of each digit count 1-6 (fewer where fewer exist)."""
  parts = [synth.make_dataset(jax.random.key(100 + d), task, (d, d),
                              min(PER_DIGIT_COUNT, synth.drawable(task, [d])))
           for d in range(1, 7)]
  return jax.tree.map(lambda *x: np.concatenate(x), *parts)


def base_scores(setup, params, examples, batch_size=256) -> tuple[np.ndarray, np.ndarray]:
  """(pass rate at temperature 1, greedy pass) of the base on every example."""
  start = setup.evaluation_output_start

  @jax.jit
  def scores(tokens, answer_mask):
    inputs, targets, mask = shift(tokens, answer_mask, start)
    metrics = example_metrics(setup.model.apply(params, inputs, start), targets, mask)
    return jnp.exp(-metrics.loss_sum), metrics.exact

  outputs = [scores(examples.tokens[i:i + batch_size], examples.answer_mask[i:i + batch_size])
             for i in range(0, len(examples.tokens), batch_size)]
  return tuple(np.concatenate([np.asarray(o[k]) for o in outputs]) for k in (0, 1))


def write_pool(path, task, examples, pass_rates, greedy) -> None:
  lines = []
  for tokens, difficulty, rate, passed in zip(examples.tokens, examples.difficulty, pass_rates,
                                              greedy):
    problem, answer = task.render(tokens).split(" = ")
    lines.append(json.dumps(dict(prompt=f"{problem} =", completion=f" {answer}",
                                 digits=int(difficulty), base_pass_rate=float(rate),
                                 base_greedy_pass=int(passed))))
  with open(path, "w") as handle:
    handle.write("".join(line + "\n" for line in lines))


def window_runs(setup, params, examples, pass_rates, test_set, evaluators) -> list:
  """Fine-tunes the base on n lines of each window, for every n (the pilot's and the
  check's) and data seed; returns their rows in the pilot's format."""
  config = setup.config
  windows = [(lo, hi) for lo, hi, _ in advise.quantile_windows(pass_rates, WINDOWS)]
  identities, runs = [], []
  for w, (lo, hi) in enumerate(windows):
    inside = np.flatnonzero((pass_rates >= lo) & (pass_rates <= hi))
    for seed in SEEDS:
      order = np.random.default_rng([seed, w]).permutation(inside)  # S nested across n
      for n in BUDGETS + (CHECK_BUDGET,):
        chosen = jax.tree.map(lambda x, rows=order[:n]: x[rows], examples)
        identities.append((n, (lo, hi), str(seed)))
        runs.append(engine.make_run(jax.random.key(1000 * seed + w), STEPS,
                                    config.finetune.learning_rate,
                                    engine.dataset_source(chosen, CHECK_BUDGET)))
  trainer = engine.make_trainer(
      setup.model, engine.TrainConfig(batch_size=config.finetune.batch_size, max_steps=STEPS,
                                      output_start=setup.evaluation_output_start),
      engine.dataset_batches)
  programs = loop.grid_programs(trainer, setup.vmap_width, 50, setup.mesh)
  stacked = jax.tree.map(lambda x: np.broadcast_to(x, (len(runs),) + x.shape), params)
  state, _, _ = loop.train_in_segments(programs, stacked, engine.stack_runs(runs), STEPS,
                                       loop.Progress("pilot", STEPS), f"{len(runs)} runs")
  sums = sharding.gather(evaluators.on_shared(state.params, test_set), len(runs))
  accuracy = 1 - scoring.errors(sums)
  return [advise.PilotRun(n, window, float(a), seed)
          for (n, window, seed), a in zip(identities, accuracy)]


def main(argv):
  del argv
  config = cpu_default.get_config()
  config.bases.seeds = (0,)
  setup = build(config)
  test_set = sharding.put_replicated(scoring.test_set(setup), setup.mesh)
  evaluators = scoring.evaluators(setup)
  stacked, _ = pretrain.pretrain_bases(setup, FLAGS.workdir, test_set, evaluators)
  params = jax.tree.map(lambda x: x[0], stacked)
  examples = pool_examples(setup.test_task)
  pass_rates, greedy = base_scores(setup, params, examples)
  write_pool(os.path.join(HERE, "pool_pass_rates.jsonl"), setup.test_task, examples,
             pass_rates, greedy)
  runs = window_runs(setup, params, examples, pass_rates, test_set, evaluators)
  pilot = [r for r in runs if r.n != CHECK_BUDGET]
  advise.write_pilot(os.path.join(HERE, "pilot_pass_rates.csv"), pilot)
  advise.write_pilot(os.path.join(HERE, "check_pass_rates.csv"),
                     [r for r in runs if r.n == CHECK_BUDGET])
  print(f"wrote {len(pass_rates)} lines to examples/pool_pass_rates.jsonl, {len(pilot)} "
        f"pilot runs to examples/pilot_pass_rates.csv and {len(runs) - len(pilot)} runs at "
        f"n = {CHECK_BUDGET} to examples/check_pass_rates.csv")


if __name__ == "__main__":
  flags.DEFINE_string("workdir", "runs/pass_rates_example", "where the base is trained or found")
  app.run(main)
