"""Predicts d*(n) at a study's large budgets from its small ones; writes prediction.csv.

  python -m experiments.predict --workdir=DIR [--fit_budgets=4]
"""

from absl import flags

from experiments import cli
from experiments.analysis import predict


def main():
  print(predict.summary(predict.predict_workdir(flags.FLAGS.workdir, flags.FLAGS.fit_budgets)))


def _define_flags():
  flags.DEFINE_string("workdir", None, "a study's workdir (holding runs.csv)", required=True)
  flags.DEFINE_integer("fit_budgets", 4, "fit on this many of the smallest budgets")


def run():
  """The `difficulty-predict` console command."""
  cli.run(main, _define_flags, refused=(FileNotFoundError, ValueError))


if __name__ == "__main__":
  run()
