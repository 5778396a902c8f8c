"""Runs (or resumes) the whole study of a config: bases, grid, evaluation, results, figures.

  python -m experiments.main --config=experiments/configs/cpu_default.py --workdir=runs/cpu
  python -m experiments.main --config=experiments/configs/cpu_default.py \
      --config.sweep.budgets='(32,512)' --workdir=runs/quick
"""

import os

from absl import app, flags
import jax
from ml_collections import config_flags

from experiments import study

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/cpu_default.py",
                                "study config file", lock_config=True)
flags.DEFINE_string("workdir", "runs/cpu_default", "where results, checkpoints and figures go")
flags.DEFINE_bool("figures", True, "draw the figures at the end")


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  jax.config.update("jax_compilation_cache_dir",  # a repeat compile then takes under 1 s
                    os.environ.get("JAX_COMPILATION_CACHE_DIR",
                                   os.path.expanduser("~/.cache/difficulty-sim/jax")))
  try:
    study.run_study(FLAGS.config, FLAGS.workdir)
  except ValueError as error:
    raise app.UsageError(str(error)) from error
  if FLAGS.figures:
    from figures import draw  # matplotlib only when figures are wanted
    for path in draw.draw_all(FLAGS.workdir):
      print(f"figure: {path}")


if __name__ == "__main__":
  app.run(main)
