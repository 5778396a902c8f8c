"""Redraws a study's figures from its results files, without training.

  python -m figures --workdir=runs/cpu_default [--out=results/cpu_default]
"""

from absl import app, flags

from figures import draw

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "a study's workdir (holding runs.csv and slices.csv)",
                    required=True)
flags.DEFINE_string("out", None, "where to write the PNG files (default: WORKDIR/figures)")


def main(argv):
  del argv
  for path in draw.draw_all(FLAGS.workdir, FLAGS.out):
    print(path)


def run():
  """The `difficulty-figures` console command."""
  app.run(main)


if __name__ == "__main__":
  run()
