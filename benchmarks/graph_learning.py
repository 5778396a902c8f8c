"""How fast a model learns dependency-graph arithmetic: exact match per operation count
against training steps and wall time, for variants of the task options, the model and the
optimiser (the evidence behind the `graph_cpu` config).

  python benchmarks/graph_learning.py --band=1,4 --test=1,6 --steps=1500 --eval_every=250 \
      --variant=paper:modulus=23 --variant=mod5:modulus=5 \
      --variant=mod5_full_width:modulus=5,train_width=full [--out=curves.csv]

A variant is `name:key=value,...`; keys are the task options (modulus, distractor_ratio),
the model's (d_model, num_layers, num_heads, canon_width), the optimiser's (learning_rate,
batch_size), and train_width (`band`: batches cut to the width the band needs, the
default; `full`: the task's full width, padding computed for nothing). Each variant trains
one model from scratch on fresh samples of the band and is scored on a fixed test set per
operation count.
Seconds count training only (compilation and scoring excluded).
"""

import csv
import time

from absl import app, flags
import jax
import numpy as np

import synth
from experiments.engine import evaluate
from experiments.engine import train as engine
from models import ModelConfig, Transformer

FLAGS = flags.FLAGS
flags.DEFINE_list("band", ["1", "4"], "training operation counts lo,hi")
flags.DEFINE_list("test", ["1", "6"], "scored operation counts lo,hi")
flags.DEFINE_integer("max_difficulty", 8, "the task's max_difficulty (its full width)")
flags.DEFINE_integer("steps", 1500, "training steps per variant")
flags.DEFINE_integer("eval_every", 250, "steps between scorings")
flags.DEFINE_integer("examples_per_difficulty", 128, "test examples per operation count")
flags.DEFINE_multi_string("variant", ["paper:modulus=23", "mod5:modulus=5"],
                          "name:key=value,... (see the module docstring)")
flags.DEFINE_string("out", "", "optional CSV of every scoring")

TASK_KEYS = {"modulus": int, "distractor_ratio": float}
MODEL_KEYS = {"d_model": int, "num_layers": int, "num_heads": int, "canon_width": int}
TRAIN_KEYS = {"learning_rate": float, "batch_size": int, "train_width": str}
DEFAULTS = dict(d_model=128, num_layers=2, num_heads=4, canon_width=0, learning_rate=1e-3,
                batch_size=64, train_width="band")


def parse_variant(text: str) -> tuple[str, dict]:
  name, _, settings = text.partition(":")
  known = TASK_KEYS | MODEL_KEYS | TRAIN_KEYS
  values = dict(DEFAULTS)
  for pair in filter(None, settings.split(",")):
    key, sep, value = pair.partition("=")
    if not sep or key not in known:
      raise app.UsageError(f"--variant={text}: {pair!r} is not key=value with a key in "
                           f"{sorted(known)}")
    values[key] = known[key](value)
  if values["train_width"] not in ("band", "full"):
    raise app.UsageError(f"--variant={text}: train_width is band or full")
  return name, values


def learning_curve(values: dict, band, test, steps, eval_every, per_difficulty):
  """[(step, train seconds, mean loss of the last segment, {difficulty: exact match})]."""
  task = synth.get_task("graph_arithmetic", max_difficulty=FLAGS.max_difficulty,
                        **{k: values[k] for k in TASK_KEYS if k in values})
  model = Transformer(ModelConfig(
      vocab_size=len(task.vocab), max_length=task.sequence_width(), position_encoding="rope",
      **{k: values[k] for k in MODEL_KEYS}))
  width = task.sequence_width(band[1]) if values["train_width"] == "band" else None
  trainer = engine.make_trainer(
      model, engine.TrainConfig(batch_size=values["batch_size"], max_steps=steps,
                                output_start=task.answer_start(band[0]) - 1),
      engine.fresh_batches(task, width))
  run = engine.make_run(jax.random.key(1), steps, values["learning_rate"],
                        engine.band_source(*band))
  params = engine.init_params(model, jax.random.key(0), task.sequence_width())
  test_set = evaluate.pad_to_batches(jax.tree.map(lambda *x: np.concatenate(x), *[
      synth.make_dataset(jax.random.key(100 + d), task, (d, d), per_difficulty)
      for d in range(test[0], test[1] + 1)]), 128)
  score = jax.jit(evaluate.make_evaluate(model, 128, task.max_difficulty,
                                         task.answer_start(test[0]) - 1))
  advance = jax.jit(lambda state, first: trainer.advance(state, run, first, eval_every))
  state = trainer.init(params, run)
  advance = advance.lower(state, 0).compile()
  points, seconds = [], 0.0
  for first in range(0, steps, eval_every):
    start = time.perf_counter()
    state, losses, _ = jax.block_until_ready(advance(state, first))
    seconds += time.perf_counter() - start
    table = evaluate.slice_table(score(state.params, test_set))
    points.append((first + eval_every, seconds, float(np.nanmean(losses)),
                   {d: 1 - row["error"] for d, row in table.items()}))
  return points


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  band, test = tuple(map(int, FLAGS.band)), tuple(map(int, FLAGS.test))
  difficulties = range(test[0], test[1] + 1)
  rows = []
  print(f"graph_arithmetic max_difficulty {FLAGS.max_difficulty}, trained on {band[0]}-{band[1]} "
        f"operations (fresh samples), exact match per operation count on "
        f"{FLAGS.examples_per_difficulty} test examples each; device "
        f"{jax.devices()[0].device_kind}")
  header = f"{'variant':<22} {'step':>5} {'train s':>8} {'loss':>6} " + " ".join(
      f"{f'op{d}':>5}" for d in difficulties)
  for text in FLAGS.variant:
    name, values = parse_variant(text)
    print(f"\n{name}: {values}\n{header}", flush=True)
    for step, seconds, loss, exact in learning_curve(values, band, test, FLAGS.steps,
                                                     FLAGS.eval_every,
                                                     FLAGS.examples_per_difficulty):
      print(f"{name:<22} {step:>5} {seconds:>8.1f} {loss:>6.3f} "
            + " ".join(f"{exact[d]:>5.2f}" for d in difficulties), flush=True)
      rows += [dict(variant=name, step=step, train_seconds=round(seconds, 2), loss=loss,
                    difficulty=d, exact_match=exact[d]) for d in difficulties]
  if FLAGS.out:
    with open(FLAGS.out, "w", newline="") as handle:
      writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
      writer.writeheader()
      writer.writerows(rows)


if __name__ == "__main__":
  app.run(main)
