"""Training throughput of a vmapped grid of runs against the same runs one by one, the
achieved FLOP/s against this machine's own matmul FLOP/s, and memory per run.

  python benchmarks/engine_throughput.py [--runs=1,4,16,64] [--steps=20]

Each row fine-tunes R runs (different data keys, learning rates and n) on 3-digit addition
for --steps steps, once as one jit(vmap(train)) call and once as R jit(train) calls, in
this process; compile time is excluded (every program runs once before it is timed), and
each time is the best of two.
"""

import time

from absl import app, flags
import jax
import jax.numpy as jnp
import numpy as np

import synth
from experiments import train as engine
from models import ModelConfig, Transformer

FLAGS = flags.FLAGS
flags.DEFINE_list("runs", ["1", "4", "16", "64"], "grid sizes to time")
flags.DEFINE_integer("steps", 20, "training steps per run")
flags.DEFINE_integer("batch_size", 64, "examples per step per run")
flags.DEFINE_integer("d_model", 128, "model width")
flags.DEFINE_integer("num_layers", 2, "model depth")


def timed(fn, *args, repeats=2):
  """Best wall time of `repeats` calls after a warm-up call (the machine is shared and noisy)."""
  jax.block_until_ready(fn(*args))  # compile and warm up
  best = float("inf")
  for _ in range(repeats):
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    best = min(best, time.perf_counter() - start)
  return best


def matmul_flops_per_second(size=1024, repeats=10):
  a = jax.random.normal(jax.random.key(0), (size, size), jnp.float32)
  matmul = jax.jit(lambda x: x @ x)
  seconds = timed(lambda x: [matmul(x) for _ in range(repeats)], a, repeats=5)
  return 2 * size ** 3 * repeats / seconds


def model_flops_per_example(config, params, tokens):
  """Training FLOPs of one sequence: 3 x (2 x weight-matrix size per token + attention)."""
  matrices = sum(x.size for path, x in jax.tree_util.tree_leaves_with_path(params)
                 if x.ndim == 2 and "embed" not in jax.tree_util.keystr(path)
                 and "positions" not in jax.tree_util.keystr(path))
  head = config.vocab_size * config.d_model
  attention = 4 * config.num_layers * tokens * config.d_model  # scores and weighted values
  return 3 * tokens * (2 * (matrices + head) + attention)


def main(argv):
  del argv
  task = synth.get_task("addition", max_difficulty=3)
  model = Transformer(ModelConfig(vocab_size=len(task.vocab), max_length=task.sequence_width(),
                                  d_model=FLAGS.d_model, num_layers=FLAGS.num_layers))
  config = engine.TrainConfig(batch_size=FLAGS.batch_size, max_steps=FLAGS.steps)
  train = engine.make_train(model, config, engine.dataset_batches)
  base = engine.init_params(model, jax.random.key(0), task.sequence_width())
  pool = synth.make_dataset(jax.random.key(1), task, (1, 3), 4096)
  grid_sizes = [int(r) for r in FLAGS.runs]

  def make_runs(count):
    runs = []
    for i in range(count):
      n = 256 * 2 ** (i % 4)
      subset = jax.tree.map(lambda x, n=n, i=i: x[(i * 97) % 2048:][:n], pool)
      runs.append(engine.make_run(jax.random.key(i), FLAGS.steps, 1e-3 * (1 + i % 3),
                                  engine.dataset_source(subset, 2048)))
    return runs

  peak = matmul_flops_per_second()
  single = jax.jit(train)
  flops_per_example = model_flops_per_example(model.config, base, task.sequence_width() - 1)
  print(f"device: {jax.devices()[0].device_kind}; model d_model {FLAGS.d_model}, "
        f"{FLAGS.num_layers} layers, {sum(x.size for x in jax.tree.leaves(base)):,} params; "
        f"batch {FLAGS.batch_size}, {FLAGS.steps} steps; matmul peak {peak / 1e9:,.1f} GFLOP/s")
  print(f"{'runs':>5} {'grid ex/s':>11} {'1-by-1 ex/s':>12} {'speedup':>8} {'GFLOP/s':>9} "
        f"{'of matmul':>10} {'MiB/run':>8}")
  for count in grid_sizes:
    runs = make_runs(count)
    grid = jax.jit(jax.vmap(train, in_axes=(None, 0)))
    stacked = engine.stack_runs(runs)
    compiled = grid.lower(base, stacked).compile()
    grid_seconds = timed(compiled, base, stacked)
    one_by_one_seconds = timed(lambda: [single(base, run) for run in runs])
    examples = count * FLAGS.steps * FLAGS.batch_size
    memory = compiled.memory_analysis()
    footprint = (memory.temp_size_in_bytes + memory.argument_size_in_bytes
                 + memory.output_size_in_bytes)
    flops_per_second = flops_per_example * examples / grid_seconds
    print(f"{count:>5} {examples / grid_seconds:>11,.0f} {examples / one_by_one_seconds:>12,.0f} "
          f"{one_by_one_seconds / grid_seconds:>8.2f} {flops_per_second / 1e9:>9.1f} "
          f"{flops_per_second / peak:>10.1%} {footprint / count / 2 ** 20:>8.1f}")
  print("speedup: one-by-one time / grid time. GFLOP/s: model FLOPs (3 x forward matmuls and "
        "attention) x examples / grid time. MiB/run: XLA's static estimate (arguments + outputs + temporaries)"
        " / runs.")


if __name__ == "__main__":
  app.run(main)
