"""A study's compute, counted before it runs: FLOPs per training step from XLA's own cost
analysis of the compiled step (one run, each sequence width the study trains at), times the
steps the config allows; then its wall time at the FLOP/s this machine reaches on that step,
and on an accelerator at an assumed share of its peak. Beside each step's FLOP/s, in the same
process, the machine's own limit for the model's dtype: a jitted 1024 x 1024 matmul, and one
of the study's own dense-layer shape (batch x width rows, d_model -> mlp_ratio x d_model),
so a step's speed reads as a share of what this machine does.

  python benchmarks/study_cost.py --config=experiments/configs/graph_paper.py \
      [--accelerator_tflops=495] [--utilization=0.05,0.15]

Fine-tuning is counted at its step cap (an upper bound: runs stop once they fit S), plus
the checks of S every `check_every` steps and the final scoring, each a forward pass
(counted as a third of a training step's FLOPs per example).

With `--workdir` of a finished study (made by `experiments.main`, which writes timing.json),
it also prints what that study achieved, stage by stage: the FLOPs each stage computed,
counted from the study's own files (the steps each run took in runs.csv, the examples each
evaluation covered, the bound's tries read from the sigma each run chose in bounds.csv)
times XLA's cost of one step or one evaluated example, over the stage's wall time in
timing.json, as a share of this machine's limits measured here. Run it on the machine that
ran the study, with the same devices (`--cpu_devices`).

  python benchmarks/study_cost.py --config=experiments/configs/cpu_default.py \
      --workdir=runs/cpu_default
"""

import time

from absl import app, flags
import jax
import jax.numpy as jnp
import numpy as np
from ml_collections import config_flags

import synth
from experiments.engine import evaluate, sharding, train as engine
from experiments.results import files, grid
from experiments.study import finetune, pretrain, setup as study_setup

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/graph_paper.py", "study config")
flags.DEFINE_float("accelerator_tflops", 495.0, "the accelerator's peak dense TFLOP/s at the "
                   "config's dtype (H100 SXM: 495 for float32 matmuls run as TF32, JAX's "
                   "default on a GPU; 989 for bfloat16)")
flags.DEFINE_list("utilization", ["0.05", "0.15"], "shares of that peak to estimate at")
flags.DEFINE_string("workdir", None, "a finished study of this config: its stages' achieved "
                    "FLOP/s")
flags.DEFINE_integer("cpu_devices", 0, "the CPU as this many devices, as the study ran "
                     "(execution.cpu_devices; 0: one per core)")


def step_cost(trainer, params, run):
  """(FLOPs of one training step of one run by XLA's cost analysis, seconds per step here)."""
  state = trainer.init(params, run)
  step = jax.jit(lambda state, first: trainer.advance(state, run, first, 1))
  compiled = step.lower(state, 0).compile()
  flops = compiled.cost_analysis()
  flops = (flops[0] if isinstance(flops, list) else flops)["flops"]
  jax.block_until_ready(compiled(state, 0))
  start, steps = time.perf_counter(), 5
  for t in range(steps):
    state = compiled(state, t + 1)[0]
  jax.block_until_ready(state)
  return flops, (time.perf_counter() - start) / steps


def matmul_rate(rows: int, inner: int, columns: int, dtype, repeats: int = 20) -> float:
  """FLOP/s of a jitted (rows x inner) @ (inner x columns) matmul here, dispatch included."""
  a, b = jnp.ones((rows, inner), dtype), jnp.ones((inner, columns), dtype)
  product = jax.jit(jnp.matmul)
  jax.block_until_ready(product(a, b))
  start = time.perf_counter()
  for _ in range(repeats):
    out = product(a, b)
  jax.block_until_ready(out)
  return 2 * rows * inner * columns * repeats / (time.perf_counter() - start)


def shape_rate_on_every_device(rows: int, inner: int, columns: int, dtype,
                               products: int = 100, repeats: int = 5) -> float:
  """FLOP/s of (rows x inner) @ (inner x columns) matmuls on every device at once (each its
  own, as a study's devices train their own runs), `products` of them in one program so
  that one dispatch does not dominate a small product."""
  mesh = sharding.runs_mesh()
  a = sharding.put_runs(np.ones((mesh.size, rows, inner), dtype), mesh)
  b = sharding.put_runs(np.ones((mesh.size, inner, columns), dtype), mesh)

  def many(a, b):  # each product feeds the next, so none is computed away
    return jax.lax.fori_loop(0, products, lambda i, x: x + a @ (b + x[:inner, :] * 0), a @ b)

  program = jax.jit(sharding.map_runs(many, mesh, 1))
  jax.block_until_ready(program(a, b))
  start = time.perf_counter()
  for _ in range(repeats):
    out = program(a, b)
  jax.block_until_ready(out)
  seconds = time.perf_counter() - start
  return 2 * rows * inner * columns * (products + 1) * mesh.size * repeats / seconds


def machine_limits(config) -> dict:
  """{name: FLOP/s}: the machine's matmul rate at the model's dtype: large (one device,
  its threads on every core), and at the study's fine-tuning dense-layer shape on every
  device at once."""
  m, dtype = config.model, jnp.dtype(config.model.compute_dtype)
  rows = config.finetune.batch_size * m.max_length
  return {"matmul 1024^3": matmul_rate(1024, 1024, 1024, dtype),
          f"study shape {rows}x{m.d_model}x{m.mlp_ratio * m.d_model} on "
          f"{jax.device_count()} device(s)":
              shape_rate_on_every_device(rows, m.d_model, m.mlp_ratio * m.d_model, dtype)}


def study_cost(config):
  """[(stage, width, runs, steps per run, FLOPs per step, seconds per step here)]."""
  built = study_setup.build(config)
  task, bases = built.train_task, study_setup.base_identities(config)
  params = engine.init_params(built.model, jax.random.key(0), task.sequence_width())
  p, f = config.pretrain, config.finetune
  run = engine.make_run(jax.random.key(0), p.steps, p.learning_rate, engine.band_source(1, 1))
  rows = [("pretrain", pretrain.width(built), len(bases), p.steps)
          + step_cost(pretrain.make_trainer(built), params, run)]
  n = max(config.sweep.budgets)
  base_params = jax.tree.map(lambda x: np.stack([x] * len(bases)), params)
  for group in finetune.prepare_groups(built, n, base_params):
    one = jax.tree.map(lambda x: x[0], group.runs)
    cost = step_cost(finetune.make_trainer(built, finetune.bands_by_width(built)[group.width]),
                     params, one)
    rows.append(("finetune", group.width, len(group.identities) * len(config.sweep.budgets),
                 f.max_steps) + cost)
  return rows


def forward_cost(built, width: int) -> float:
  """FLOPs of evaluating one example at `width` (XLA's cost of one evaluation batch)."""
  e = built.config.evaluation
  evaluate_fn = evaluate.make_evaluate(built.model, e.batch_size, built.train_task.max_difficulty,
                                       built.evaluation_output_start)
  params = engine.init_params(built.model, jax.random.key(0), width)
  examples = synth.Example(np.zeros((e.batch_size, width), np.int32),
                           np.zeros((e.batch_size, width), bool),
                           np.ones(e.batch_size, np.int32))
  cost = jax.jit(evaluate_fn).lower(params, examples).compile().cost_analysis()
  return (cost[0] if isinstance(cost, list) else cost)["flops"] / e.batch_size


def achieved(config, workdir: str, step_flops: dict) -> list:
  """[(stage, seconds, FLOPs)] of a finished study: FLOPs counted from its files, seconds
  from its timing.json. `step_flops`: {(stage, width): FLOPs of one training step}."""
  built = study_setup.build(config)
  timing = files.read_json(workdir, "timing")
  if not timing:
    raise SystemExit(f"--workdir={workdir} has no timing.json: run the study with "
                     "experiments.main first")
  runs = files.read_results(workdir, "runs")
  bound_rows = {grid.run_key(r): r for r in files.read_results(workdir, "bounds")}
  e, b = config.evaluation, config.bounds
  widths = {band: w for w, bands in finetune.bands_by_width(built).items() for band in bands}
  size = lambda examples: evaluate.padded_size(examples, e.batch_size)
  test = size(sum(min(e.examples_per_difficulty, synth.drawable(built.test_task, [d]))
                  for d in e.test_difficulties))
  heldout = size(e.heldout_examples)
  full = built.train_task.sequence_width()
  per_example = {w: forward_cost(built, w) for w in set(widths.values()) | {full}}
  stages = dict.fromkeys(("pretrain", "train", "S", "held-out", "test", "bound"), 0.0)
  for r in runs:
    if r["n"] == 0:
      stages["pretrain"] += r["steps"] * step_flops["pretrain", pretrain.width(built)] + (
          test + heldout) * per_example[full]
      continue
    width = widths[r["band_lo"], r["band_hi"]]
    on_s = size(r["n"]) * per_example[width]
    stages["train"] += r["steps"] * step_flops["finetune", width]
    stages["S"] += 2 * on_s  # before training (the base) and after
    stages["held-out"] += heldout * per_example[width]
    stages["test"] += test * per_example[full]
    chosen = list(b.sigmas).index(bound_rows[grid.run_key(r)]["sigma"])
    tries = len(b.sigmas) - chosen if chosen else len(b.sigmas) - 1
    stages["bound"] += (tries * b.selection_draws + b.draws) * on_s
  phases, seconds = timing["finetune_phases"], timing["seconds"]
  return [("pretrain", seconds["pretrain"], stages["pretrain"]),
          ("fine-tuning steps", phases["train"] - phases.get("fit checks", 0.0), stages["train"]),
          ("fit checks of S", phases.get("fit checks", 0.0), None)] + [
          (f"evaluation on {name}", phases[name], stages[name])
          for name in ("S", "held-out", "test")] + [
          ("PAC-Bayes bound", phases["bound"], stages["bound"]),
          ("other (data sets, files, claims, figures)",
           seconds["total"] - seconds["pretrain"] - seconds["finetune"] + phases["other"], None),
          ("whole study", seconds["total"], None)]


def print_achieved(rows, limits) -> None:
  peak = max(limits.values())
  print(f"{'stage':<42} {'seconds':>8} {'GFLOP':>9} {'GFLOP/s':>8} {'of peak':>8}")
  for stage, seconds, flops in rows:
    if flops is None:
      print(f"{stage:<42} {seconds:>8.1f} {'-':>9} {'-':>8} {'-':>8}")
    else:
      print(f"{stage:<42} {seconds:>8.1f} {flops / 1e9:>9.0f} {flops / seconds / 1e9:>8.1f} "
            f"{flops / seconds / peak:>8.0%}")
  print(f"peak: the largest of this machine's limits above, {peak / 1e9:.1f} GFLOP/s; fit "
        "checks stop early (their FLOPs are not counted), other stages compute little")


def main(argv):
  del argv
  config = FLAGS.config
  sharding.split_cpu(FLAGS.cpu_devices)
  rows = study_cost(config)
  limits = machine_limits(config)
  print(f"device: {jax.devices()[0].device_kind}; config {config.task.name} "
        f"{dict(config.task.options)}, model d_model {config.model.d_model}, "
        f"{config.model.num_layers} layers")
  print("this machine's limit, same process: " + "; ".join(
      f"{name} {rate / 1e9:.1f} GFLOP/s" for name, rate in limits.items()))
  peak = max(limits.values())
  print(f"{'stage':<9} {'width':>5} {'runs':>6} {'steps':>6} {'GFLOP/step':>11} "
        f"{'s/step here':>11} {'GFLOP/s here':>12} {'of peak':>8} {'PFLOP total':>12}")
  total_flops = total_seconds = 0.0
  for stage, width, runs, steps, flops, seconds in rows:
    checks = 1.0
    if stage == "finetune":  # checks of S and the final scoring: forward passes
      f, e = config.finetune, config.evaluation
      per_step_examples = np.mean(config.sweep.budgets) / f.check_every
      checks += per_step_examples / (3 * f.batch_size)
      scoring = (len(e.test_difficulties) * e.examples_per_difficulty
                 + 2 * np.mean(config.sweep.budgets) + e.heldout_examples)
      checks += scoring / (3 * f.batch_size * steps)
    stage_flops = flops * runs * steps * checks
    total_flops += stage_flops
    total_seconds += seconds * runs * steps * checks
    print(f"{stage:<9} {width:>5} {runs:>6} {steps:>6} {flops / 1e9:>11.3f} {seconds:>11.4f} "
          f"{flops / seconds / 1e9:>12.1f} {flops / seconds / peak:>8.0%} "
          f"{stage_flops / 1e15:>12.3f}")
  print(f"total {total_flops / 1e15:.3f} PFLOP (fine-tuning at its step cap: an upper bound)")
  print(f"here, at the measured rate of each step: {total_seconds / 3600:.2f} h")
  for share in map(float, FLAGS.utilization):
    rate = share * FLAGS.accelerator_tflops * 1e12
    print(f"accelerator at {share:.0%} of {FLAGS.accelerator_tflops:.0f} TFLOP/s: "
          f"{total_flops / rate / 60:.2f} min")
  if FLAGS.workdir:
    print(f"\nthe study in {FLAGS.workdir}, stage by stage:")
    print_achieved(achieved(config, FLAGS.workdir, {(r[0], r[1]): r[4] for r in rows}), limits)


if __name__ == "__main__":
  app.run(main)
