"""Predicts d*(n) at a study's large budgets from its small ones; writes prediction.csv.

  python -m experiments.predict --workdir=DIR [--fit_budgets=4]
"""

from absl import app, flags

from experiments.analysis import predict


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  try:
    print(predict.summary(predict.predict_workdir(flags.FLAGS.workdir, flags.FLAGS.fit_budgets)))
  except (FileNotFoundError, ValueError) as error:
    raise SystemExit(f"error: {error}") from None


def _define_flags():
  """Flags of this command only (defined when run, so importing it adds none)."""
  flags.DEFINE_string("workdir", None, "a study's workdir (holding runs.csv)", required=True)
  flags.DEFINE_integer("fit_budgets", 4, "fit on this many of the smallest budgets")


def run():
  """The `difficulty-predict` console command."""
  _define_flags()
  app.run(main)


if __name__ == "__main__":
  run()
