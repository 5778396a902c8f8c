"""Runs (or resumes) the whole study of a config: bases, grid, scores, claims, figures.

  python -m experiments.main --config=experiments/configs/cpu_default.py --workdir=runs/cpu
  python -m experiments.main --config=experiments/configs/cpu_default.py \\
      --config.sweep.budgets='(64,512)' --workdir=runs/quick
"""

import os
import sys

from absl import app, flags
import jax
from ml_collections import config_flags

from experiments import study

FLAGS = flags.FLAGS
_CONFIG = config_flags.DEFINE_config_file("config", "experiments/configs/cpu_default.py",
                                          "study config file", lock_config=True)
flags.DEFINE_string("workdir", "runs/cpu_default", "where results, checkpoints and figures go")
flags.DEFINE_bool("figures", True, "draw the figures at the end")


def _config():
  """The parsed config, or one clear line saying why the config file could not be read."""
  config = _CONFIG.value
  try:
    config.keys()  # a config file that failed to load raises on first use
  except OSError as error:
    reason = str(error).strip().splitlines()[-1].strip()
    raise SystemExit(f"error: --config: the config file could not be loaded: {reason}") from None
  return config


def main(argv):
  if len(argv) > 1:
    raise SystemExit(f"error: unexpected arguments {argv[1:]}")
  config = _config()
  jax.config.update("jax_compilation_cache_dir",  # a repeat compile then takes under 1 s
                    os.environ.get("JAX_COMPILATION_CACHE_DIR",
                                   os.path.expanduser("~/.cache/difficulty-sim/jax")))
  try:
    study.run_study(config, FLAGS.workdir)
  except ValueError as error:  # a config or workdir refused before any compute
    print(f"error: {error}", file=sys.stderr)
    raise SystemExit(2) from None
  if FLAGS.figures:
    from figures import draw  # matplotlib only when figures are wanted
    for path in draw.draw_all(FLAGS.workdir):
      print(f"figure: {path}")


if __name__ == "__main__":
  app.run(main)
