"""Runs (or resumes) the whole study of a config: bases, grid, scores, claims, figures.

  python -m experiments.main --config=experiments/configs/cpu_default.py --workdir=runs/cpu
  python -m experiments.main --config=experiments/configs/cpu_default.py \\
      --config.sweep.budgets='(64,512)' --workdir=runs/quick

On several hosts, the same command on each, with --distributed (a Cloud TPU slice, SLURM
and Open MPI say the rest through the environment) or with --coordinator_address,
--num_processes and --process_id; the workdir must be one filesystem all hosts share.
"""

import os

from absl import flags
import ml_collections
from ml_collections import config_flags

from experiments import cli, launch

FLAGS = flags.FLAGS
# The default found from any working directory (`difficulty-sim` may run anywhere).
DEFAULT_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs",
                              "cpu_default.py")


def _config():
  """The parsed config, or one clear line saying why the config file could not be read."""
  config = FLAGS.config
  try:
    config.keys()  # a config file that failed to load raises on first use
  except OSError as error:
    reason = str(error).strip().splitlines()[-1].strip()
    cli.refuse(f"--config: the config file could not be loaded: {reason}")
  return config


def main():
  config = _config()
  launch.start_jax(config.execution, FLAGS.stall_dump_s, FLAGS.distributed,
                   FLAGS.coordinator_address, FLAGS.num_processes, FLAGS.process_id)
  launch.run_and_draw(config, FLAGS.workdir, FLAGS.figures)


def _config_file(argv) -> str:
  given = [a.split("=", 1)[1] for a in argv if a.startswith("--config=")]
  return (given[-1] if given else DEFAULT_CONFIG).split(":")[0]


def override_problem(argv) -> str | None:
  """The first `--config.<path>=value` of argv that names no field of the config file, said
  in words with the fields allowed there; None where every override names one."""
  try:
    config = launch.config_of_file(_config_file(argv))
  except Exception:  # an unreadable config file: _config() says why, after parsing
    return None
  for arg in argv:
    if not arg.startswith("--config."):
      continue
    path = arg[len("--config."):].split("=", 1)[0].split(".")
    node = config
    for depth, key in enumerate(path):
      if not isinstance(node, ml_collections.ConfigDict) or key not in node:
        where = "config." + ".".join(path[:depth]) if depth else "the config"
        allowed = (", ".join(sorted(node.keys())) if isinstance(node, ml_collections.ConfigDict)
                   else "none (it is a value, not a group)")
        return f"--config.{'.'.join(path)}: {where} has no field {key}; allowed: {allowed}"
      node = node[key]
  return None


def _define_flags():
  config_flags.DEFINE_config_file("config", DEFAULT_CONFIG, "study config file",
                                  lock_config=True)
  flags.DEFINE_string("workdir", "runs/cpu_default", "where results, checkpoints and figures go")
  flags.DEFINE_bool("figures", True, "draw the figures at the end")
  launch.define_stall_flag()
  flags.DEFINE_bool("distributed", False, "join a multi-host run (jax.distributed.initialize)")
  flags.DEFINE_string("coordinator_address", None, "multi-host: process 0's host:port")
  flags.DEFINE_integer("num_processes", None, "multi-host: how many processes take part")
  flags.DEFINE_integer("process_id", None, "multi-host: this process's index, 0 for the first")


def run():
  """The `difficulty-sim` console command."""
  cli.run(main, _define_flags, refused=(ValueError,), explain=override_problem)


if __name__ == "__main__":
  run()
