"""The difficulty advisor's command: advice from a study or from your own pilot and pool
(experiments/analysis/advise.py says how).

  python -m experiments.advise --workdir=runs/cpu_default --budget=300
  python -m experiments.advise --pilot=pilot.csv --data=train.jsonl --difficulty_field=FIELD \\
      --budget=N --out=selected.jsonl [--seed=0] [--extrapolate] [--plot=advice.png] \\
      [--next_pilot [--example_cost=C]]
  python -m experiments.advise --data=train.jsonl --difficulty_field=FIELD --quantiles=4
"""

import math
import os

from absl import flags

import allowed
from experiments import cli
from experiments.analysis import advise, curve_shapes
from experiments.results import files, grid


FLAGS = flags.FLAGS


def main():
  """One of the command's four uses, by the flags given."""
  allowed.option("--harder", FLAGS.harder, curve_shapes.HARDER)
  if FLAGS.workdir and (FLAGS.export_pilot or FLAGS.validate):
    _export_or_validate()
  elif FLAGS.quantiles is not None:
    _print_quantiles()
  else:
    if FLAGS.budget is None or FLAGS.budget < 1:
      raise ValueError("--budget=N (a whole number >= 1) is needed")
    if not FLAGS.example_cost > 0 or not math.isfinite(FLAGS.example_cost):
      allowed.refuse("--example_cost", FLAGS.example_cost, "a finite number above 0")
    if FLAGS.plot:
      _check_output("plot", FLAGS.plot, dict(pilot=FLAGS.pilot, data=FLAGS.data, out=FLAGS.out))
      if os.path.splitext(FLAGS.plot)[1].lower() not in _PLOT_FORMATS:
        raise ValueError(f"--plot={FLAGS.plot}: the name must end in one of "
                         f"{', '.join(_PLOT_FORMATS)}")
    if FLAGS.workdir:
      _advise_from_study()
    else:
      _advise_from_pilot()


def _export_or_validate():
  """A study's small budgets as a pilot file, or the advice from them against its d*(n)."""
  runs = files.read_results(FLAGS.workdir, "runs")
  if FLAGS.max_budget is None:
    raise ValueError("--max_budget is needed with --export_pilot or --validate")
  if FLAGS.export_pilot:
    advise.write_pilot(FLAGS.export_pilot, advise.pilot_rows(runs, FLAGS.max_budget))
    print(f"wrote {FLAGS.export_pilot}")
  if FLAGS.validate:
    base, loss = grid.speaking_pair(runs)
    rows = advise.validate(runs, FLAGS.max_budget)
    print(f"base {base}, {loss}; pilot = runs with n <= {FLAGS.max_budget}:")
    for row in rows:
      print(f"  n={row['n']}: advised {advise.window_text(row['advised'])}, measured d* "
            f"{advise.window_text(row['measured'])}{'' if row['hit'] else '  (miss)'}")
    print(f"  hit rate {sum(r['hit'] for r in rows)}/{len(rows)}")


def _print_quantiles():
  """The pool's difficulty field cut into windows of equal shares, as pilot CSV cells."""
  if not (FLAGS.data and FLAGS.difficulty_field):
    raise ValueError("--quantiles needs --data and --difficulty_field")
  pool = advise.read_pool(FLAGS.data, FLAGS.difficulty_field)
  windows = advise.quantile_windows([d for _, d in pool], FLAGS.quantiles)
  print(f"{FLAGS.difficulty_field} windows of about equal shares of {FLAGS.data} (for "
        "pilot runs: difficulty_lo, difficulty_hi, lines):")
  for lo, hi, lines in windows:
    print(f"{lo!r},{hi!r},{lines}")  # exact: a window must hold its own edges


def _advise_from_study():
  runs = files.read_results(FLAGS.workdir, "runs")
  pilot = advise.pilot_rows(runs, max(r["n"] for r in runs))
  fitted = advise.evidence(pilot, FLAGS.seed, FLAGS.harder)
  advice = advise.advise(pilot, FLAGS.budget, FLAGS.extrapolate, fitted=fitted)
  print(advise.report(advice, FLAGS.budget))
  cell = _print_next_pilot(fitted, advice)
  print(advise.neighbours(runs, FLAGS.budget))
  _draw(pilot, advice, next_cell=cell)


def _advise_from_pilot():
  """The advice from a pilot file, and its window's lines of the pool written to --out."""
  needed = dict(pilot=FLAGS.pilot, data=FLAGS.data, difficulty_field=FLAGS.difficulty_field,
                out=FLAGS.out)
  missing = [f"--{k}" for k, v in needed.items() if not v]
  if missing:
    raise ValueError(f"advising from your own data needs {', '.join(missing)} (or give "
                     "--workdir=DIR to advise from a study)")
  _check_output("out", FLAGS.out, dict(pilot=FLAGS.pilot, data=FLAGS.data))
  pilot = advise.read_pilot(FLAGS.pilot)
  fitted = advise.evidence(pilot, FLAGS.seed, FLAGS.harder)
  advice = advise.advise(pilot, FLAGS.budget, FLAGS.extrapolate, fitted=fitted)
  lines = advise.select(advise.read_pool(FLAGS.data, FLAGS.difficulty_field), advice.window,
                        FLAGS.budget, FLAGS.seed)
  files.write_atomically(FLAGS.out, "".join(line + "\n" for line in lines).encode())
  print(advise.report(advice, FLAGS.budget, FLAGS.difficulty_field))
  cell = _print_next_pilot(fitted, advice)
  print(f"wrote {len(lines)} lines of {FLAGS.data} with {FLAGS.difficulty_field} in "
        f"{advise.window_text(advice.window)} to {FLAGS.out}")
  _draw(pilot, advice, FLAGS.difficulty_field, cell)


def _print_next_pilot(fitted, advice):
  """With --next_pilot: prints the run to make next and returns its cell (else None)."""
  if not FLAGS.next_pilot:
    return None
  cells = advise.next_pilot(fitted, advice, FLAGS.budget, FLAGS.example_cost)
  print(advise.next_pilot_text(cells, FLAGS.budget))
  return cells[0]


_PLOT_FORMATS = (".png", ".pdf", ".svg")


def _check_output(flag: str, path: str, inputs: dict) -> None:
  """Refuses an output file that would replace an input (or another output), or that
  cannot be written: before any work."""
  for other, given in inputs.items():
    if given and os.path.realpath(path) == os.path.realpath(given):
      raise ValueError(f"--{flag}={path} is the --{other} file; write it elsewhere, never "
                       "over another file of this command")
  if os.path.isdir(path) or not os.path.isdir(os.path.dirname(path) or "."):
    raise ValueError(f"--{flag}={path}: not a file in an existing folder")


def _draw(runs, advice, field: str = "difficulty", next_cell=None) -> None:
  if FLAGS.plot:
    from experiments.figures import advice as advice_figure  # matplotlib only for a plot
    drawn = advice_figure.advice_plot(runs, advice, FLAGS.budget, FLAGS.plot, field, next_cell)
    print(f"drew {drawn}")


def _define_flags():
  flags.DEFINE_string("workdir", None, "a study's workdir: advise from its runs.csv")
  flags.DEFINE_string("pilot", None,
                      "your pilot runs (CSV: n, difficulty_lo, difficulty_hi, accuracy)")
  flags.DEFINE_string("data", None, "your pool of examples, one JSON object per line")
  flags.DEFINE_string("difficulty_field", None,
                      "the field of each pool line holding its difficulty")
  flags.DEFINE_integer("budget", None, "how many examples you will fine-tune on")
  flags.DEFINE_string("out", None, "where the selected lines of the pool go")
  flags.DEFINE_integer("quantiles", None, "print the pool's --difficulty_field cut into this "
                       "many windows of about equal shares, for pilot runs, and stop")
  flags.DEFINE_string("plot", None, "also draw each window's fitted curve against the budget, "
                      "the pilot runs and the advice (.png, .pdf or .svg)")
  flags.DEFINE_string("harder", "higher", "which way --difficulty_field runs: 'higher' (larger "
                      "values are harder: digits, tokens) or 'lower' (a base model's pass rate); "
                      "the curve shapes tied across difficulty assume that harder windows' "
                      "ceilings are no lower")
  flags.DEFINE_integer("seed", 0, "which lines of the window are selected (and the bootstrap)")
  flags.DEFINE_bool("next_pilot", False, "also name the one extra pilot run (window and n) "
                    "whose result would most lower the chance of choosing wrongly at --budget")
  flags.DEFINE_float("example_cost", 1.0, "with --next_pilot: the cost of fine-tuning on one "
                     "example, in your units (GPU-seconds, dollars); a run's cost is n times it")
  flags.DEFINE_bool("extrapolate", False, "accept a budget outside the evidence's range of n")
  flags.DEFINE_string("export_pilot", None,
                      "write the study's small budgets as a pilot CSV here")
  flags.DEFINE_integer("max_budget", None, "export or validate: the largest n counted as pilot")
  flags.DEFINE_bool("validate", False, "advise at each budget above --max_budget from the study's "
                    "runs up to it, against the measured d*(n)")


def run():
  """The `difficulty-advise` console command."""
  cli.run(main, _define_flags)


if __name__ == "__main__":
  run()
