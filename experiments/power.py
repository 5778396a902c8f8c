"""How a study's verdicts depend on its seeds, and whether they survive shuffled labels.

  python -m experiments.power --workdir=DIR --base_seeds=3,6,12 --data_seeds=1,3,6
  python -m experiments.power --workdir=DIR --permute=band
  python -m experiments.power --compare=DIR1,DIR2,...
"""

from absl import flags

from experiments import cli
from experiments.analysis import claims, power


def _seed_counts(field: str, text: str) -> list[int]:
  try:
    counts = [int(part) for part in text.split(",")]
  except ValueError:
    counts = []
  if not counts or min(counts) < 1:
    cli.refuse(f"--{field}={text} is not allowed; allowed: positive integers separated by "
               "commas, e.g. 3,6,12")
  return counts


def main():
  f = flags.FLAGS
  if f.compare:
    print(power.format_rows(power.compare_table(f.compare.split(","))))
    return
  if not f.workdir:
    cli.refuse("--workdir=DIR is required (a study's workdir), or --compare")
  if f.permute not in (None, *power.PERMUTED):
    cli.refuse(f"--permute={f.permute} is not allowed; allowed: {', '.join(power.PERMUTED)}")
  if f.draws < 1:
    cli.refuse(f"--draws={f.draws} is not allowed; allowed: an integer >= 1")
  sizes = [(b, d) for b in _seed_counts("base_seeds", f.base_seeds)
           for d in _seed_counts("data_seeds", f.data_seeds)]
  runs, slices, settings = claims.read_study(f.workdir)
  if f.permute:
    print(power.format_rows(power.control_table(runs, slices, f.permute, f.draws, settings)))
  else:
    print(power.format_rows(power.power_table(runs, slices, sizes, f.draws, settings)))


def _define_flags():
  flags.DEFINE_string("workdir", None, "a study's workdir (holding runs.csv and slices.csv)")
  flags.DEFINE_string("base_seeds", "6", "base seeds of the drawn studies, e.g. 3,6,12")
  flags.DEFINE_string("data_seeds", "3", "data seeds of the drawn studies, e.g. 1,3,6")
  flags.DEFINE_integer("draws", 20, "studies drawn per size, or permutations")
  flags.DEFINE_string("permute", None, "band or n: judge permuted studies instead (controls)")
  flags.DEFINE_string("compare", None, "workdirs of one config, separated by commas: their "
                      "verdicts side by side (trend / strict)")


def run():
  """The `difficulty-power` console command."""
  cli.run(main, _define_flags, refused=(FileNotFoundError, ValueError))


if __name__ == "__main__":
  run()
