"""How fast a model learns dependency-graph arithmetic: exact match per operation count
against examples seen, for levers on the task, the model, the pre-training mixture and the
optimiser, each measured against one reference on the same seeds (the evidence behind the
`graph_cpu` config; the table is in results/graph_cpu/README.md).

  python benchmarks/graph_learning.py --band=1,3 --test=1,4 --examples=192000 \
      --eval_examples=32000 --seeds=0,1 \
      --variant=reference --variant=canon_abcd:canon_points=ABCD [--out=curves.csv]

A variant is `name[:key=value,...]`, the reference with those keys changed: the task's
options (modulus, distractor_ratio, names, order, layout, solution, lookups: with it --band
may start at 0, the pure lookups), the model's (d_model, num_layers, num_heads, mlp_ratio,
canon_width, canon_points, rope_fraction, position_encoding, position_scatter: randomised
positions in training), and the training's
(learning_rate, batch_size, warmup_fraction, weight_decay, easy_bias; qk_init_scale S: the
attention's query and key weights start S times the default initialisation, so its logits
start S^2 times as large; curriculum F: the
band's top rises one operation count at a time over the first F of the steps, in equal
stages at the scoring boundaries, so 1-3 with F = 0.5 and scorings every sixth of the run
trains 1, then 1-2, then 1-3; train_width `band`: batches cut to the width the band needs,
or `full`). The reference is `graph_cpu`'s design
as it stood when issue 19 began (REFERENCE). Every variant sees the same number of examples
(`--examples`; steps = examples / batch size), its seeds trained together as one vmapped
grid (initialisation key = seed, data key = 1000 + seed), scored on a fixed test set per
operation count, each count at its own width; after the last scoring, where each count's
answers first go wrong (the plan, which solution step, the final answer, or nowhere).
Seconds count training only (compilation and scoring excluded); `clock` is wall time since
the variant began, compilation included. A gap of `--stall_dump_s` without a line dumps
every thread's stack to stderr.
"""

import csv
import time

from absl import app, flags
import jax
import numpy as np

import synth
from synth import graph_arithmetic
from experiments.engine import evaluate, loop, sharding
from experiments.engine import train as engine
from models import ModelConfig, Transformer

FLAGS = flags.FLAGS


def _bool(text: str) -> bool:
  if text.lower() not in ("true", "false", "1", "0"):
    raise ValueError(text)
  return text.lower() in ("true", "1")


TASK_KEYS = {"modulus": int, "distractor_ratio": float, "names": int, "order": str,
             "layout": str, "solution": str, "lookups": _bool}
MODEL_KEYS = {"d_model": int, "num_layers": int, "num_heads": int, "mlp_ratio": int,
              "canon_width": int, "canon_points": str, "rope_fraction": float,
              "position_encoding": str, "position_scatter": int}
TRAIN_KEYS = {"learning_rate": float, "batch_size": int, "warmup_fraction": float,
              "weight_decay": float, "easy_bias": float, "curriculum": float,
              "train_width": str, "qk_init_scale": float}
REFERENCE = dict(modulus=5, distractor_ratio=0.25, d_model=64, num_layers=3, num_heads=4,
                 mlp_ratio=4, canon_width=4, canon_points="A", rope_fraction=1.0,
                 position_encoding="rope", position_scatter=1, layout="growing",
                 solution="steps",
                 learning_rate=3e-3, batch_size=64, warmup_fraction=0.05, weight_decay=0.01,
                 easy_bias=0.0, curriculum=0.0, train_width="band", qk_init_scale=1.0)


def parse_variant(text: str) -> tuple[str, dict]:
  """`name:key=value,...` -> (name, the reference's settings with those changed)."""
  name, _, settings = text.partition(":")
  known = TASK_KEYS | MODEL_KEYS | TRAIN_KEYS
  values = dict(REFERENCE)
  for pair in filter(None, settings.split(",")):
    key, sep, value = pair.partition("=")
    if not sep or key not in known:
      raise SystemExit(f"error: --variant={text}: {pair!r} is not key=value with a key in "
                           f"{sorted(known)}")
    try:
      values[key] = known[key](value)
    except ValueError:
      raise SystemExit(f"error: --variant={text}: {key}={value!r} is not a "
                           f"{known[key].__name__.strip('_')}") from None
  if values["train_width"] not in ("band", "full"):
    raise SystemExit(f"error: --variant={text}: train_width is band or full")
  if not 0 <= values["curriculum"] <= 1:
    raise SystemExit(f"error: --variant={text}: curriculum is a share of the steps, in [0, 1]")
  if not values["qk_init_scale"] > 0:
    raise SystemExit(f"error: --variant={text}: qk_init_scale is a factor > 0")
  return name, values


def build(values: dict):
  """(task, model) of a variant; raises ValueError on a bad value."""
  task = synth.get_task("graph_arithmetic", max_difficulty=FLAGS.max_difficulty,
                        **{k: values[k] for k in TASK_KEYS if k in values})
  for flag in ("band", "test"):
    for d in map(int, FLAGS[flag].value):
      task.check_difficulty(d, f"--{flag} value")
  model = Transformer(ModelConfig(
      vocab_size=len(task.vocab), max_length=task.sequence_width(),
      **{k: values[k] for k in MODEL_KEYS}))
  return task, model


def learning_curve(values: dict, band, test, seeds, examples, eval_examples, per_difficulty):
  """Yields (examples seen, train seconds, clock seconds, mean loss of the last segment per
  seed, {difficulty: exact match per seed}) after every `eval_examples`."""
  start_clock = time.perf_counter()
  task, model = build(values)
  batch = values["batch_size"]
  steps, segment = examples // batch, max(1, eval_examples // batch)
  width = task.sequence_width(band[1]) if values["train_width"] == "band" else None
  trainer = engine.make_trainer(
      model, engine.TrainConfig(batch_size=batch, max_steps=steps,
                                warmup_fraction=values["warmup_fraction"],
                                weight_decay=values["weight_decay"],
                                output_start=task.answer_start(band[0]) - 1),
      engine.fresh_batches(task, width, values["easy_bias"]))
  mesh = sharding.runs_mesh()
  programs = loop.grid_programs(trainer, len(seeds), segment, mesh)
  runs_of = lambda top: sharding.put_runs(engine.stack_runs([
      engine.make_run(jax.random.key(1000 + s), steps, values["learning_rate"],
                      engine.band_source(band[0], top)) for s in seeds]), mesh)
  init = engine.stack_runs([scale_query_key(
      engine.init_params(model, jax.random.key(s), task.sequence_width()),
      values["qk_init_scale"]) for s in seeds])
  runs = runs_of(band[1])
  state = programs.init(sharding.put_runs(init, mesh), runs)
  test_sets, scorers, raw = {}, {}, {}
  for d in range(test[0], test[1] + 1):  # each operation count at its own width
    examples_d = synth.make_dataset(jax.random.key(100 + d), task, (d, d), per_difficulty)
    raw[d] = synth.cut_to_width(examples_d, task.sequence_width(d))
    test_sets[d] = evaluate.pad_to_batches(raw[d], 128)
    scorers[d] = jax.jit(jax.vmap(evaluate.make_evaluate(
        model, 128, task.max_difficulty, task.answer_start(d) - 1), in_axes=(0, None)))
  first_step = lambda first: sharding.put_replicated(np.int32(first), mesh)
  advance = programs.advance.lower(state, runs, first_step(0)).compile()
  count, seconds = len(seeds), 0.0
  for first in range(0, steps, segment):
    begin = time.perf_counter()
    top = curriculum_top(band, values["curriculum"], first, steps)
    state, losses, _ = advance(state, runs if top == band[1] else runs_of(top),
                               first_step(first))
    losses = jax.block_until_ready(sharding.gather(losses, count))
    seconds += time.perf_counter() - begin
    params = jax.tree.map(lambda x: x[:count], state.params)
    exact = {}
    for d, scorer in scorers.items():
      sums = jax.device_get(scorer(params, test_sets[d]))
      exact[d] = 1 - sums.errors[:, d] / sums.examples[:, d]
    last = first + segment >= steps
    errors = {d: first_errors(model, task, params, raw[d], d) for d in raw} if last else None
    yield (min(first + segment, steps) * batch, seconds, time.perf_counter() - start_clock,
           np.nanmean(losses, axis=1), exact, errors)


def first_errors(model, task, params, examples, difficulty: int) -> np.ndarray:
  """Where each seed's answers to these problems first go wrong: counts [seeds, columns] of
  the first wrong token in the plan (column 0, only with `solution=planned`), in solution
  step 1..k, in the final `# v`, or nowhere (the last column), under teacher forcing as
  exact match is judged."""
  inputs, targets, mask = (examples.tokens[:, :-1], examples.tokens[:, 1:],
                           examples.answer_mask[:, 1:])
  predict = jax.jit(jax.vmap(lambda p: model.apply(p, inputs).argmax(-1)))
  right = np.asarray(jax.device_get(predict(params)) == targets) | ~np.asarray(mask)
  plan = graph_arithmetic.PLAN_WIDTH * difficulty if task.solution == "planned" else 0
  columns = difficulty + 2 + (plan > 0)
  return np.stack([np.bincount(first_wrong_step(r, task.answer_start(difficulty), difficulty,
                                                plan), minlength=columns) for r in right])


def first_wrong_step(right_BxT: np.ndarray, answer_start: int, steps: int, plan_tokens: int = 0,
                     step_width: int = graph_arithmetic.STEP_WIDTH) -> np.ndarray:
  """Per example, the column of `first_errors` its first wrong answer token falls in:
  right_BxT[b, t] says whether the token at position t + 1 is right (or not scored); the
  answer is `plan_tokens` of plan (a column of its own where there are any), then the steps
  of `step_width`, then the final answer."""
  wrong = ~right_BxT
  first = np.where(wrong.any(axis=1), wrong.argmax(axis=1) + 1, -1)  # a position, or none
  shift = int(plan_tokens > 0)
  step = shift + np.minimum((first - answer_start - plan_tokens) // step_width, steps)
  in_plan = (first >= 0) & (first < answer_start + plan_tokens)
  return np.where(first < 0, steps + 1 + shift, np.where(in_plan, 0, step))


def scale_query_key(params, scale: float):
  """The parameters with every attention's query and key weights (the first two thirds of
  the columns of its `qkv` kernel) times `scale`; the rest unchanged."""

  def scaled(path, x):
    if "qkv" not in jax.tree_util.keystr(path) or scale == 1:
      return x
    query_key = 2 * x.shape[-1] // 3
    return x.at[..., :query_key].multiply(scale)

  return jax.tree_util.tree_map_with_path(scaled, params)


def curriculum_top(band, share: float, step: int, steps: int) -> int:
  """The band's top at `step` under a curriculum over the first `share` of the steps: equal
  stages, the first on band[0] alone, the last on the whole band (and after it)."""
  stages = band[1] - band[0] + 1
  if share == 0 or step >= share * steps:
    return band[1]
  return band[0] + min(stages - 1, int(step * stages / (share * steps)))


def main(argv):
  if len(argv) > 1:
    raise SystemExit(f"error: unexpected arguments: {argv[1:]}")
  band, test = tuple(map(int, FLAGS.band)), tuple(map(int, FLAGS.test))
  seeds = [int(s) for s in FLAGS.seeds]
  variants = [parse_variant(text) for text in FLAGS.variant]
  for text, (_, values) in zip(FLAGS.variant, variants):
    try:
      build(values)
    except ValueError as error:
      raise SystemExit(f"error: --variant={text}: {error}") from None
  loop.watch_for_stalls(FLAGS.stall_dump_s)
  difficulties = range(test[0], test[1] + 1)
  out = open(FLAGS.out, "w", newline="") if FLAGS.out else None
  writer = out and csv.DictWriter(out, fieldnames=["variant", "seed", "examples",
                                                   "train_seconds", "loss", "difficulty",
                                                   "exact_match"])
  if writer:
    writer.writeheader()
  print(f"graph_arithmetic max_difficulty {FLAGS.max_difficulty}, trained on {band[0]}-{band[1]} "
        f"operations (fresh samples), seeds {seeds} together; exact match per operation count "
        f"(mean over seeds, lowest seed in brackets) on {FLAGS.examples_per_difficulty} test "
        f"examples each; device {jax.devices()[0].device_kind}")
  header = (f"{'variant':<20} {'examples':>8} {'train s':>7} {'clock s':>7} {'loss':>6} "
            + " ".join(f"{f'op{d}':>11}" for d in difficulties))
  for name, values in variants:
    changed = {k: v for k, v in values.items() if REFERENCE.get(k) != v}
    print(f"\n{name}: {changed or 'the reference'}\n{header}", flush=True)
    for seen, seconds, clock, losses, exact, errors in learning_curve(
        values, band, test, seeds, FLAGS.examples, FLAGS.eval_examples,
        FLAGS.examples_per_difficulty):
      print(f"{name:<20} {seen:>8} {seconds:>7.1f} {clock:>7.1f} {np.mean(losses):>6.3f} "
            + " ".join(f"{exact[d].mean():>5.2f} ({exact[d].min():.2f})" for d in difficulties),
            flush=True)
      loop.restart_stall_clock()
      if writer:  # every scoring as it comes: an interrupted run keeps what it measured
        writer.writerows(dict(variant=name, seed=seed, examples=seen,
                              train_seconds=round(seconds, 2), loss=float(losses[i]),
                              difficulty=d, exact_match=float(exact[d][i]))
                         for i, seed in enumerate(seeds) for d in difficulties)
        out.flush()
      if errors:
        print(first_errors_text(name, errors), flush=True)


def first_errors_text(name: str, errors: dict) -> str:
  """The last scoring's `first_errors`, summed over seeds: per operation count, the share of
  problems whose first wrong token is in the plan (where there is one), in each step, in the
  final answer, or nowhere."""
  lines = [f"{name}: where answers first go wrong (share of problems, seeds together)"]
  for d, counts in errors.items():
    share = counts.sum(axis=0) / counts.sum()
    plan = int(share.size == d + 3)
    steps = " ".join(f"s{i + 1} {share[plan + i]:.2f}" for i in range(d))
    lines.append(f"  {d} op: " + (f"plan {share[0]:.2f} | " if plan else "")
                 + f"{steps} | answer {share[plan + d]:.2f} | right {share[-1]:.2f}")
  return "\n".join(lines)


def _define_flags():
  """Flags of this script only (defined when run, so the tests can import it)."""
  flags.DEFINE_list("band", ["1", "3"], "training operation counts lo,hi")
  flags.DEFINE_list("test", ["1", "4"], "scored operation counts lo,hi")
  flags.DEFINE_integer("max_difficulty", 6, "the task's max_difficulty (sets the name budget)")
  flags.DEFINE_integer("examples", 192000, "training examples per variant (steps x batch)")
  flags.DEFINE_integer("eval_examples", 32000, "training examples between scorings")
  flags.DEFINE_list("seeds", ["0", "1"], "seeds, trained together")
  flags.DEFINE_integer("examples_per_difficulty", 256, "test examples per operation count")
  flags.DEFINE_multi_string("variant", ["reference"], "name[:key=value,...] (see the docstring)")
  flags.DEFINE_string("out", "", "optional CSV of every scoring, per seed (written as they come)")
  flags.DEFINE_float("stall_dump_s", 600, "seconds without a line after which every thread's "
                     "stack goes to stderr; 0: never", lower_bound=0)


if __name__ == "__main__":
  _define_flags()
  app.run(main)
