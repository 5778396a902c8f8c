"""The difficulty advisor scored on worlds whose truth is known, beside three baselines.

  python benchmarks/advisor_bench.py [--per_class=10] [--seed=0] [--studies=results] \
      [--classes=walk_exp,...] [--out=decisions.csv] [--follow]

Synthetic worlds (benchmarks/advisor_worlds.py): each world's pilot (budgets 16-128) goes to
the advisor, which is asked at budgets 96 (inside the pilot's range), 256, 1024 and 4096
(beyond it, with --extrapolate); the late-switch classes at 384, 1536, 6144 and 16384.
Committed studies (every results/<study>/runs.csv): the runs with n up to the middle
budget (at least two budgets) are the pilot (of the base and loss that speak for the study,
`grid.speaking_pair`, as `experiments.advise --validate`), asked at every larger budget; their truth
is the mean over replicates, so there a window within the claims' tie margin (0.02) of the
best counts as right.

Per decision: regret (the best window's true accuracy minus the chosen one's), right
(regret at most 0.01 on a synthetic world, 0.02 on a study), and for the advisor whether
its 90% interval covers the chosen window's true accuracy. An advice that fails (an
exception, or a NaN prediction) is wrong and given the worst window's regret.
Methods: the advisor; always the easiest window; always the hardest; the window with the best
mean accuracy at the pilot's largest n.
"""

import csv
import math
import os
import sys

from absl import app, flags
import numpy as np

from experiments.analysis import advise
from experiments.configs import CLAIM_THRESHOLDS
from experiments.results import files, grid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import advisor_worlds  # noqa: E402  (a sibling script, not a package)

FLAGS = flags.FLAGS

SYNTHETIC_MARGIN = 0.01
STUDY_MARGIN = CLAIM_THRESHOLDS["min_difference"]
METHODS = ("advisor", "easiest", "hardest", "best_at_pilot_max")
# with --follow: the advisor again after one more pilot run, the one --next_pilot names or
# one drawn at random from the same candidates (the control: a run of no chosen information)
FOLLOWED = ("advisor_after_next_pilot", "advisor_after_random_cell")


def baseline_window(method: str, pilot, windows):
  if method == "easiest":
    return windows[0]
  if method == "hardest":
    return windows[-1]
  largest = max(r.n for r in pilot)
  means = {w: np.mean([r.accuracy for r in pilot if r.n == largest and r.window == w])
           for w in {r.window for r in pilot if r.n == largest}}
  return max(sorted(means), key=means.get)


def decide(method: str, pilot, windows, n, fitted):
  """(window, interval or None, failure text): the method's choice at budget n; fitted:
  `fit(pilot)`."""
  if method != "advisor":
    return baseline_window(method, pilot, windows), None, ""
  if isinstance(fitted, str):
    return None, None, fitted
  try:
    advice = advise.advise(pilot, n, extrapolate=True, fitted=fitted)
  except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
    return None, None, f"refused: {error}"
  if not math.isfinite(advice.accuracy):
    return None, None, "NaN prediction"
  return advice.window, advice.interval, ""


def fit(pilot):
  """The advisor's evidence from a pilot (fitted once for all its budgets), or the failure."""
  try:
    return advise.evidence(pilot)
  except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
    return f"refused: {error}"


def score(truth: dict, window, interval, margin) -> dict:
  """truth: {window: true accuracy} at one budget."""
  best = max(truth.values())
  if window is None:
    return dict(regret=best - min(truth.values()), right=False, covered=False)
  regret = best - truth[window]
  covered = interval is not None and interval[0] <= truth[window] <= interval[1]
  return dict(regret=regret, right=regret <= margin + 1e-12, covered=covered)


def followed_pilots(world, pilot, fitted, n: int, seed: int) -> dict:
  """{method of FOLLOWED: the pilot with its one more run}: the cell --next_pilot names at
  budget n, and one drawn at random from its candidates; {} where the advice failed."""
  if isinstance(fitted, str):
    return {}
  advice = advise.advise(pilot, n, extrapolate=True, fitted=fitted)
  cells = advise.next_pilot(fitted, advice, n)
  drawn = cells[np.random.default_rng([seed, n]).integers(len(cells))]
  return {method: pilot + [world.extra_run(cell.window, cell.n, seed)]
          for method, cell in zip(FOLLOWED, (cells[0], drawn))}


def synthetic_decisions(per_class: int, seed: int, classes=None, follow=False) -> list[dict]:
  rows = []
  for world in advisor_worlds.worlds(per_class, seed, classes):
    pilot = world.pilot(seed)
    fitted = fit(pilot)
    for n in world.ask_budgets:
      truth = dict(zip(world.windows, world.accuracy(n).tolist()))
      choices = {method: decide(method, pilot, list(world.windows), n, fitted)
                 for method in METHODS}
      if follow:
        choices.update({method: decide("advisor", more, list(world.windows), n, fit(more))
                        for method, more in followed_pilots(world, pilot, fitted, n,
                                                            seed).items()})
      for method, (window, interval, failure) in choices.items():
        rows.append(dict(world=world.name, kind=advisor_worlds.class_of(world), n=n,
                         method=method, window=window, failure=failure,
                         **score(truth, window, interval, SYNTHETIC_MARGIN)))
  return rows


def study_decisions(folder: str) -> list[dict]:
  rows = []
  for study in sorted(os.listdir(folder)):
    workdir = os.path.join(folder, study)
    if not os.path.exists(files.study_path(workdir, "runs")):
      continue
    runs = files.read_results(workdir, "runs")
    base, loss = grid.speaking_pair(runs)
    chosen = [r for r in grid.select(runs, base=base, loss=loss) if r["n"] > 0
              and not r["diverged"]]
    budgets = sorted({r["n"] for r in chosen})
    pilot_max = budgets[max(len(budgets) // 2 - 1, 1)]  # at least two pilot budgets
    pilot = advise.pilot_rows(runs, pilot_max)
    windows = sorted({r.window for r in pilot})
    mean = grid.mean_over_replicates(chosen, "R_test")
    fitted = fit(pilot)
    for n in (b for b in budgets if b > pilot_max):
      truth = {w: 1 - mean[(n, w)] for w in windows if (n, w) in mean}
      for method in METHODS:
        window, interval, failure = decide(method, pilot, windows, n, fitted)
        rows.append(dict(world=f"{study}/{base}/{loss}", kind="study", n=n, method=method,
                         window=window, failure=failure,
                         **score(truth, window, interval, STUDY_MARGIN)))
  return rows


def table(rows) -> str:
  kinds = list(dict.fromkeys(r["kind"] for r in rows))
  lines = [f"{'class':<22} {'method':<22} {'right':>6} {'median':>7} {'p90':>6} "
           f"{'covered':>8} {'failed':>6} {'decisions':>9}"]
  for kind in kinds + ["all synthetic"]:
    for method in METHODS + FOLLOWED:
      mine = [r for r in rows if r["method"] == method
              and (r["kind"] == kind or (kind == "all synthetic" and r["kind"] != "study"))]
      if not mine:
        continue
      regrets = np.array([r["regret"] for r in mine])
      covered = (f"{np.mean([r['covered'] for r in mine]):>8.0%}" if method.startswith("advisor")
                 else f"{'':>8}")
      lines.append(f"{kind:<22} {method:<22} {np.mean([r['right'] for r in mine]):>6.0%} "
                   f"{np.median(regrets):>7.3f} {np.percentile(regrets, 90):>6.3f} {covered} "
                   f"{sum(bool(r['failure']) for r in mine):>6} {len(mine):>9}")
    lines.append("")
  return "\n".join(lines)


def main(argv):
  if len(argv) > 1:
    raise SystemExit(f"error: unexpected arguments: {argv[1:]}")
  if FLAGS.per_class < 1:
    raise SystemExit(f"error: --per_class={FLAGS.per_class} must be at least 1")
  if FLAGS.studies and not os.path.isdir(FLAGS.studies):
    raise SystemExit(f"error: --studies={FLAGS.studies} is not a folder")
  unknown = sorted(set(FLAGS.classes or ()) - set(advisor_worlds.CLASSES))
  if unknown:
    raise SystemExit(f"error: --classes: {unknown} not in {sorted(advisor_worlds.CLASSES)}")
  np.seterr(all="ignore")  # a NaN prediction is counted as a failure, not warned about
  rows = synthetic_decisions(FLAGS.per_class, FLAGS.seed, FLAGS.classes or None, FLAGS.follow)
  if FLAGS.studies:
    rows += study_decisions(FLAGS.studies)
  print(f"right: regret <= {SYNTHETIC_MARGIN} (synthetic) or <= {STUDY_MARGIN} (studies); "
        f"median, p90: regret in accuracy; covered: the 90% interval holds the chosen window's "
        f"true accuracy\n")
  print(table(rows))
  if FLAGS.out:
    with open(FLAGS.out, "w", newline="") as handle:
      writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
      writer.writeheader()
      writer.writerows(rows)


def _define_flags():
  """Flags of this script only (defined when run, so the tests can import it)."""
  flags.DEFINE_integer("per_class", 10, "synthetic worlds per class")
  flags.DEFINE_integer("seed", 0, "seed of the worlds and their pilots")
  flags.DEFINE_string("studies", "results", "folder of committed studies (<study>/runs.csv); "
                      "empty: none")
  flags.DEFINE_string("out", "", "optional CSV of every decision")
  flags.DEFINE_list("classes", [], "synthetic classes to score (default: every class)")
  flags.DEFINE_bool("follow", False, "also score the advisor after one more pilot run: the "
                    "cell --next_pilot names, and (the control) one of its candidates at random")


if __name__ == "__main__":
  _define_flags()
  app.run(main)
