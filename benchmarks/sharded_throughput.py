"""Fine-tuning throughput of one grid with its runs split over 1, 2 and 4 devices.

  python benchmarks/sharded_throughput.py [--config=experiments/configs/cpu_default.py]
      [--devices=1,2,4] [--steps=40]

Each device count runs in its own process (a process's device count is fixed when JAX
starts): on a CPU, with that many forced host devices (XLA_FLAGS), which checks the
plumbing on one machine's cores; it is no speed claim for a 2-core machine, where more
devices share the same two cores. Where the machine has accelerators, each process uses the
first k of them. The grid is the config's first fine-tuning group (random base weights),
trained `--steps` steps by the study's own program (`finetune.grid_programs`, segments of
`finetune.check_every` steps, no stopping); compile time is excluded, the time is the best
of two.
"""

import json
import os
import subprocess
import sys

from absl import app, flags
from ml_collections import config_flags

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/cpu_default.py", "study config")
flags.DEFINE_list("devices", ["1", "2", "4"], "device counts to time")
flags.DEFINE_integer("steps", 40, "fine-tuning steps per timed pass")
flags.DEFINE_integer("child", 0, "internal: time on this many devices and print one JSON line")


def time_on_devices(config, count: int, steps: int) -> dict:
  """One process's measurement on its first `count` devices."""
  import dataclasses
  import time

  import jax
  import numpy as np

  from experiments.engine import sharding, train as engine
  from experiments.study import finetune, setup as study_setup

  config.finetune.update(max_steps=steps, check_every=min(steps, config.finetune.check_every))
  built = study_setup.build(config)
  if count > jax.device_count():
    raise SystemExit(f"--devices asks for {count} devices; this machine has {jax.device_count()}")
  built = dataclasses.replace(built, mesh=sharding.runs_mesh(jax.devices()[:count]))
  base = jax.device_get(engine.init_params(built.model, jax.random.key(0),
                                           built.train_task.sequence_width()))
  bases = jax.tree.map(lambda x: np.stack([x] * len(config.bases.names) * len(config.bases.seeds)),
                       base)
  group = finetune.prepare_groups(built, min(config.sweep.budgets), bases)[0]
  programs = finetune.grid_programs(built)[group.width]
  runs = sharding.put_runs(group.runs, built.mesh)
  state = programs.init(sharding.put_runs(group.params, built.mesh), runs)
  firsts = [sharding.put_replicated(np.int32(f), built.mesh)
            for f in range(0, steps, programs.segment)]

  def one_pass():
    current = state
    for first in firsts:
      current, losses, _ = programs.advance(current, runs, first)
    return jax.block_until_ready(losses)

  one_pass()  # compiles
  best = float("inf")
  for _ in range(2):
    start = time.perf_counter()
    one_pass()
    best = min(best, time.perf_counter() - start)
  return dict(devices=count, kind=jax.devices()[0].device_kind, runs=len(group.identities),
              padded=sharding.padded_count(len(group.identities), built.mesh), seconds=best,
              examples=len(group.identities) * steps * config.finetune.batch_size)


def main(argv):
  del argv
  if FLAGS.child:
    print(json.dumps(time_on_devices(FLAGS.config, FLAGS.child, FLAGS.steps)), flush=True)
    return
  rows = []
  for count in map(int, FLAGS.devices):
    env = dict(os.environ)
    if not _has_accelerator():
      env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={count}"
    command = [sys.executable, __file__, f"--child={count}", f"--steps={FLAGS.steps}",
               *[a for a in sys.argv[1:] if a.startswith("--config")]]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode:
      raise SystemExit(f"{count} device(s) failed:\n{result.stderr[-2000:]}")
    rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
  print(f"device: {rows[0]['kind']}; grid: {rows[0]['runs']} runs x {FLAGS.steps} steps")
  print(f"{'devices':>7} {'runs (padded)':>14} {'seconds':>8} {'runs/s':>8} {'examples/s':>11} "
        f"{'ratio':>6}")
  for row in rows:
    print(f"{row['devices']:>7} {row['runs']:>6} ({row['padded']:>4}) {row['seconds']:>8.2f} "
          f"{row['runs'] / row['seconds']:>8.2f} {row['examples'] / row['seconds']:>11,.0f} "
          f"{rows[0]['seconds'] / row['seconds']:>6.2f}")
  print("runs/s: the grid's runs over the seconds their steps took; ratio: against the first "
        "row (same process layout, one machine)")


def _has_accelerator() -> bool:
  """Whether JAX in a fresh process would find a GPU or TPU (the parent never starts JAX)."""
  probe = subprocess.run([sys.executable, "-c", "import jax; print(jax.default_backend())"],
                         capture_output=True, text=True)
  return probe.stdout.strip() not in ("cpu", "")


if __name__ == "__main__":
  app.run(main)
