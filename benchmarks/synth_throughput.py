"""Examples per second of each task's jitted, vmapped sampler at several difficulties.

  python benchmarks/synth_throughput.py [--batch_size=4096] [--repeats=5]
"""

import time

from absl import app, flags
import jax
import numpy as np

import synth

FLAGS = flags.FLAGS
flags.DEFINE_integer("batch_size", 4096, "examples per jitted call")
flags.DEFINE_integer("repeats", 5, "timed calls per row (after one warm-up call)")

CASES = [("addition", {"max_difficulty": 20}, (1, 5, 10, 20)),
         ("addition", {"max_difficulty": 20, "layout": "fixed", "operand_sampling": "uniform"},
          (1, 20)),
         ("graph_arithmetic", {"max_difficulty": 8}, (1, 4, 8)),
         ("graph_arithmetic", {"max_difficulty": 24}, (1, 6, 12, 24))]


def examples_per_second(task, difficulty, batch_size, repeats):
  sample = jax.jit(jax.vmap(task.sample, in_axes=(0, None)))
  keys = jax.random.split(jax.random.key(0), batch_size)
  jax.block_until_ready(sample(keys, difficulty))
  times = []
  for r in range(repeats):
    keys = jax.random.split(jax.random.key(r + 1), batch_size)
    start = time.perf_counter()
    jax.block_until_ready(sample(keys, difficulty))
    times.append(time.perf_counter() - start)
  return batch_size / np.median(times)


def main(argv):
  del argv
  print(f"device: {jax.devices()[0].device_kind}, batch {FLAGS.batch_size}, "
        f"median of {FLAGS.repeats} calls")
  print(f"{'task':<18} {'options':<52} {'width':>5} {'difficulty':>10} {'examples/s':>12} "
        f"{'tokens/s':>12}")
  for name, options, difficulties in CASES:
    task = synth.get_task(name, **options)
    label = ",".join(f"{k}={v}" for k, v in options.items())
    for d in difficulties:
      rate = examples_per_second(task, d, FLAGS.batch_size, FLAGS.repeats)
      print(f"{name:<18} {label:<52} {task.sequence_width():>5} {d:>10} {rate:>12,.0f} "
            f"{rate * task.sequence_width():>12,.0f}")


if __name__ == "__main__":
  app.run(main)
