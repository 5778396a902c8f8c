"""The claims check of a study from its results files: prints the table, writes claims.json.

  python -m experiments.claims --workdir=DIR
"""

from absl import flags

from experiments import cli
from experiments.analysis import claims


def main():
  if not flags.FLAGS.workdir:
    cli.refuse("--workdir=DIR is required (a study's workdir)")
  print(claims.table(claims.judge_workdir(flags.FLAGS.workdir)))


def _define_flags():
  flags.DEFINE_string("workdir", None, "a study's workdir (holding runs.csv and slices.csv)")


def run():
  """The `difficulty-claims` console command."""
  cli.run(main, _define_flags, refused=(FileNotFoundError, ValueError))


if __name__ == "__main__":
  run()
