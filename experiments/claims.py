"""The claims check of a study from its results files: prints the table, writes claims.json.

  python -m experiments.claims --workdir=DIR
"""

from absl import app, flags

from experiments.analysis import claims


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  if not flags.FLAGS.workdir:
    raise SystemExit("error: --workdir=DIR is required (a study's workdir)")
  try:
    print(claims.table(claims.judge_workdir(flags.FLAGS.workdir)))
  except FileNotFoundError as error:
    raise SystemExit(f"error: {error}") from None


def _define_flags():
  """Flags of this command only (defined when run, so importing it adds none)."""
  flags.DEFINE_string("workdir", None, "a study's workdir (holding runs.csv and slices.csv)")


def run():
  """The `difficulty-claims` console command."""
  _define_flags()
  app.run(main)


if __name__ == "__main__":
  run()
