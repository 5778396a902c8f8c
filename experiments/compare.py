"""Studies side by side: the claims' verdicts per study and base (a table and a figure),
and the optimum's difficulty measured against the base (relative_optimum.csv, a figure).

  python -m experiments.compare --workdirs=results/cpu_default,results/reversal_cpu,... \
      [--out=results/compare]
"""

import os

from absl import flags

from experiments import cli
from experiments.analysis import compare
from experiments.results import files, grid


def main():
  workdirs, out = flags.FLAGS.workdirs, flags.FLAGS.out
  if not workdirs:
    cli.refuse("--workdirs=DIR,DIR,... is required (studies' workdirs)")
  missing = [w for w in workdirs if not os.path.exists(files.study_path(w, "runs"))]
  if missing:
    cli.refuse(f"--workdirs: no runs.csv in {', '.join(missing)}")
  rows = compare.claims_rows(workdirs)
  relative = [r for w in workdirs for r in compare.relative_optimum(w)]
  from experiments.figures import compare as figures  # matplotlib only when there is something to draw
  os.makedirs(out, exist_ok=True)
  table = compare.claims_table(rows)
  files.write_atomically(os.path.join(out, "claims.md"), (table + "\n").encode())
  print(table)
  figures.claims_by_study(rows, compare.CLAIMS_COMPARED, os.path.join(out, "claims.png"))
  without = sorted({compare.study_name(w) for w in workdirs} - {r["study"] for r in relative})
  if relative:
    files.write_csv(os.path.join(out, "relative_optimum.csv"), "relative_optimum", relative)
    figures.relative_optimum(relative, os.path.join(out, "relative_optimum.png"))
    print("\nthe band best on the mean, and how hard its S was for the base (mean ± sd over "
          "replicates):")
    for s in compare.relative_summary(relative):
      print(f"  {s['study']:<22} {s['base']:<8} {s['loss']:<4} n={s['n']:>5}: band "
            f"{grid.band_text(s['band'])}, base exact match on S {s['exact_mean']:.2f} ± "
            f"{s['exact_sd']:.2f}, loss {s['loss_mean']:.2f} ± {s['loss_sd']:.2f}")
  if without:
    print(f"\nno base-relative difficulty (made before runs.csv had it): {', '.join(without)}")


def _define_flags():
  flags.DEFINE_list("workdirs", None, "studies' workdirs (each holding runs.csv and claims.json)")
  flags.DEFINE_string("out", "results/compare", "where the table, CSV and figures go")


def run():
  """The `difficulty-compare` console command."""
  cli.run(main, _define_flags, refused=(FileNotFoundError,))


if __name__ == "__main__":
  run()
