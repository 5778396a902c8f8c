"""Redraws a study's figures from its results files, without training.

  python -m experiments.figures --workdir=runs/cpu_default [--out=results/cpu_default]
"""

from absl import flags

from experiments import cli


def main():
  from experiments.figures import draw  # matplotlib only once the flags are good
  for path in draw.draw_all(flags.FLAGS.workdir, flags.FLAGS.out):
    print(path)


def _define_flags():
  flags.DEFINE_string("workdir", None, "a study's workdir (holding runs.csv and slices.csv)",
                      required=True)
  flags.DEFINE_string("out", None, "where to write the PNG files (default: WORKDIR/figures)")


def run():
  """The `difficulty-figures` console command."""
  cli.run(main, _define_flags, refused=(FileNotFoundError,))


if __name__ == "__main__":
  run()
