"""The paper's claims (C1-C7, docs/claims.md), judged from a study's runs.csv and slices.csv.

  python -m experiments.claims --workdir=DIR     # prints the table, writes DIR/claims.json

Every statistic is a mean over replicates, the (base seed, data seed) pairs that repeat a
cell. Its support is the share of bootstrap resamples in which the claim still holds: a
resample draws the base seeds with replacement and, independently, the data seeds, and
takes every pair of the two draws. Verdicts: HOLDS if the claim holds on all the data and
its support is at least `confidence`; FAILS if its support is at most 1 - confidence;
INCONCLUSIVE in between; NOT TESTED where the study has no runs for it. Diverged runs are
never counted; runs that did not fit their training set are counted and reported.

Each claim is judged by a trend statistic (docs/claims.md says which and why), and beside
it by the earlier, stricter one, reported as `strict`: every adjacent step of a sequence
must go the claimed way, and "at some n" may pick any budget.
"""

import dataclasses
import json

import numpy as np

from experiments import configs
from experiments.analysis import bootstrap
from experiments.results import files, grid

DEFAULTS = configs.CLAIM_THRESHOLDS  # what an older study's config.json lacks
CLAIMS = {
    "C1": "d*(n) moves harder as n grows: at least trend_share of the pairs of budgets whose "
          "d* differ have the harder d* at the larger n, and d* is harder at the largest n "
          "than at the smallest",
    "C2": "inverted U where the ends cross: at the budgets that bracket the first change of "
          "sign of accuracy(hardest) - accuracy(easiest) (without one, the budget where it is "
          "smallest in size), the best interior band beats the better end by more than "
          "min_difference on average",
    "C3": "G_gen falls as n grows (a falling trend, gaps within min_difference tied, and a "
          "drop of more than min_difference from the smallest n to the largest), at each band "
          "beyond the base's pre-training range that the largest n learns",
    "C4": "G_ext falls as the training band gets harder, over the bands the largest n learns "
          "(a falling trend, as in C3; at least two such bands)",
    "C5": "at the smallest n, the hardest band drops the test slices the base solved by at "
          "least slice_drop on average",
    "C6": "a stronger base has the harder d*(n): at least trend_share of the budgets where the "
          "two optima differ have the stronger base's harder",
    "C7": "DFT beats SFT on the hardest band at the smallest n and loses at the largest n",
}
STRICT = {
    "C1": "d*(n) never gets easier as n grows, and is strictly harder at the largest n (bands "
          "within min_difference of the best are tied)",
    "C2": "at some n an interior band beats both the easiest and the hardest",
    "C3": "G_gen never rises by more than min_difference from one n to the next, and falls by "
          "more than it overall, at every learned band beyond the base's range",
    "C4": "G_ext never rises by more than min_difference from one band to the next, and falls "
          "by more than it overall, at the largest n, over every band",
    "C5": "at the smallest n, the hardest band drops some slice the base solved by at least "
          "slice_drop",
    "C6": "a stronger base has a d*(n) at least as hard at every n, strictly at some n (ties "
          "as in C1)",
    "C7": "the same statistic as the trend one",
}


@dataclasses.dataclass
class Cells:
  """One (base, loss) grid: per-replicate values on axes [base seed, data seed, n, band],
  NaN where a run is missing or diverged."""

  base_seeds: list
  data_seeds: list
  budgets: list
  bands: list
  test_difficulties: list
  values: dict  # accuracy, train_accuracy, G_gen, G_ext: [B, D, N, K]
  slice_accuracy: np.ndarray  # [B, D, N, K, T]
  base_slice_accuracy: np.ndarray  # [B, T]: the base each run started from
  fitted: np.ndarray  # bool [B, D, N, K]
  diverged: int  # diverged runs left out
  base_band: tuple  # the base's pre-training band


def cells_of(runs, slices, base: str, loss: str, base_seeds=None, data_seeds=None) -> Cells:
  """One (base, loss) grid of a study (`grid.pivot`), on the given seeds (default: all)."""
  rows = grid.select(runs, base=base, loss=loss)
  found = grid.axes_of(rows)
  axes = found._replace(base_seeds=tuple(base_seeds or found.base_seeds),
                        data_seeds=tuple(data_seeds or found.data_seeds))
  tests = sorted({s["test_difficulty"] for s in slices})
  values = dict(accuracy=1 - grid.pivot(rows, "R_test", axes),
                train_accuracy=1 - grid.pivot(rows, "R_train", axes),
                G_gen=grid.pivot(rows, "G_gen", axes), G_ext=grid.pivot(rows, "G_ext", axes))
  fitted = grid.pivot(rows, lambda r: float(r["fitted"]), axes) == 1.0  # NaN: no run
  counted = {grid.run_key(r) for r in rows if not r["diverged"]}
  own = [s for s in grid.select(slices, base=base, loss=loss) if grid.run_key(s) in counted]
  slice_accuracy = np.stack(
      [1 - grid.pivot([s for s in own if s["test_difficulty"] == t], "error", axes)
       for t in tests], axis=-1) if tests else np.full(fitted.shape + (0,), np.nan)
  base_slice_accuracy = np.full((len(axes.base_seeds), len(tests)), np.nan)
  for s in grid.select(slices, base=base, n=0):
    if s["base_seed"] in axes.base_seeds and s["test_difficulty"] in tests:
      base_slice_accuracy[axes.base_seeds.index(s["base_seed"]),
                          tests.index(s["test_difficulty"])] = 1 - s["error"]
  base_rows = grid.select(runs, base=base, n=0)
  base_band = grid.band(base_rows[0]) if base_rows else (0, -1)
  return Cells(list(axes.base_seeds), list(axes.data_seeds), list(axes.budgets),
               list(axes.bands), tests, values, slice_accuracy, base_slice_accuracy, fitted,
               sum(r["diverged"] for r in rows), base_band)


def optimal_index(accuracy) -> np.ndarray:
  """Index of the band with the highest mean accuracy, per resample and n: [R + 1, N]."""
  return np.nanargmax(np.where(np.isnan(accuracy), -np.inf, accuracy), axis=-1)


def _bands_text(cells, indices) -> str:
  return ", ".join(grid.band_text(cells.bands[i]) for i in indices)


def _used(cells: Cells, mask=None) -> dict:
  present = np.isfinite(cells.values["accuracy"])
  if mask is not None:
    present &= mask
  return dict(runs=int(present.sum()), unfitted=int((present & ~cells.fitted).sum()),
              diverged_left_out=cells.diverged)


def _not_tested(claim, why, **where) -> dict:
  return dict(claim=claim, **where, verdict="NOT TESTED", support=None, statistic=why,
              numbers={}, runs=dict(runs=0, unfitted=0, diverged_left_out=0),
              strict=dict(verdict="NOT TESTED", support=None, statistic=why))


def _result(claim, holds, settings, statistic, numbers, used, strict, **where) -> dict:
  """A verdict from the trend statistic's `holds` [R + 1], with the strict statistic's
  (holds, statistic) beside it."""
  verdict, support = bootstrap.verdict(holds, settings["confidence"])
  strict_verdict, strict_support = bootstrap.verdict(strict[0], settings["confidence"])
  return dict(claim=claim, **where, verdict=verdict, support=support, statistic=statistic,
              numbers=numbers, runs=used,
              strict=dict(verdict=strict_verdict, support=strict_support, statistic=strict[1]))


def near_optimal(accuracy, tolerance) -> tuple[np.ndarray, np.ndarray]:
  """(easiest, hardest) band index within `tolerance` of the best mean accuracy, per
  resample and n: [R + 1, N] each. Bands that close are tied: which of them the argmax
  picks is a coin toss that no claim should hinge on."""
  filled = np.where(np.isnan(accuracy), -np.inf, accuracy)
  tied = filled >= filled.max(axis=-1, keepdims=True) - tolerance
  index = np.arange(accuracy.shape[-1])
  return (np.where(tied, index, accuracy.shape[-1]).min(axis=-1),
          np.where(tied, index, -1).max(axis=-1))


def never_easier(easiest, hardest) -> np.ndarray:
  """Whether one can pick a band from each n's tied set so that the picks never get easier
  as n grows ([R + 1, N] -> [R + 1]): greedily take the easiest allowed band at each n."""
  pick = easiest[:, 0]
  ok = np.ones(easiest.shape[0], bool)
  for i in range(1, easiest.shape[1]):
    ok &= hardest[:, i] >= pick
    pick = np.maximum(pick, easiest[:, i])
  return ok


def _tied_text(cells, easiest, hardest) -> str:
  return ", ".join(grid.band_text(cells.bands[a]) if a == b else
                   f"{grid.band_text(cells.bands[a])}~{grid.band_text(cells.bands[b])}"
                   for a, b in zip(easiest, hardest))


def _arrow(values) -> str:
  return " -> ".join(f"{v:.2f}" for v in values)


def judge_c1(cells: Cells, weights, settings, **where) -> dict:
  if len(cells.budgets) < 2 or len(cells.bands) < 2:
    return _not_tested("C1", "needs at least two budgets and two bands", **where)
  accuracy = bootstrap.weighted_mean(cells.values["accuracy"], weights)
  best = optimal_index(accuracy)  # [R + 1, N]
  holds = bootstrap.trend(best.astype(float), +1, 0.0, settings["trend_share"])
  share = bootstrap.ordered_share(best[0].astype(float), +1)
  statistic = (f"d*(n) = {_bands_text(cells, best[0])} for n = "
               f"{', '.join(map(str, cells.budgets))}; pairs of budgets ordered harder with "
               f"n: {share:.2f} of those that differ")
  easiest, hardest = near_optimal(accuracy, settings["min_difference"])
  strict = (never_easier(easiest, hardest) & (easiest[:, -1] > hardest[:, 0]),
            f"ties within min_difference: {_tied_text(cells, easiest[0], hardest[0])}")
  numbers = dict(budgets=cells.budgets, optimal_band=[cells.bands[i] for i in best[0]],
                 ordered_share=float(share),
                 tied_bands=[cells.bands[a:b + 1] for a, b in zip(easiest[0], hardest[0])],
                 accuracy=np.round(accuracy[0], 4).tolist())
  return _result("C1", holds, settings, statistic, numbers, _used(cells), strict, **where)


def crossing_budgets(ends_difference) -> np.ndarray:
  """Weights [R + 1, N] over budgets, each row summing to 1: the two budgets that bracket
  the first change of sign of ends_difference [R + 1, N] along n, or where it never changes
  sign, the budget where it is smallest in size."""
  negative = ends_difference < 0
  changes = negative[:, 1:] != negative[:, :-1]  # [R + 1, N - 1]
  first = np.argmax(changes, axis=1)
  closest = np.argmin(np.abs(ends_difference), axis=1)
  rows = np.arange(len(ends_difference))
  weights = np.zeros(ends_difference.shape)
  crossed = changes.any(axis=1)
  weights[rows[crossed], first[crossed]] = 0.5
  weights[rows[crossed], first[crossed] + 1] = 0.5
  weights[rows[~crossed], closest[~crossed]] = 1.0
  return weights


def judge_c2(cells: Cells, weights, settings, **where) -> dict:
  if len(cells.bands) < 3:
    return _not_tested("C2", "needs at least three bands (an interior one)", **where)
  accuracy = bootstrap.weighted_mean(cells.values["accuracy"], weights)  # [R + 1, N, K]
  ends = np.maximum(accuracy[..., 0], accuracy[..., -1])
  margin = np.nanmax(accuracy[..., 1:-1], axis=-1) - ends  # [R + 1, N]
  at = crossing_budgets(accuracy[..., -1] - accuracy[..., 0])  # [R + 1, N]
  crossing_margin = np.sum(np.where(at > 0, at * np.nan_to_num(margin, nan=-np.inf), 0.0),
                           axis=1)
  holds = crossing_margin > settings["min_difference"]
  chosen = np.flatnonzero(at[0])
  statistic = (f"at n = {', '.join(str(cells.budgets[i]) for i in chosen)} (where the ends "
               f"cross): best interior band minus the better end "
               f"{', '.join(f'{margin[0, i]:+.3f}' for i in chosen)}; mean "
               f"{crossing_margin[0]:+.3f}")
  margin = np.where(np.isnan(margin), -np.inf, margin)
  strict_at = int(np.argmax(margin[0]))
  interior = 1 + int(np.nanargmax(accuracy[0, strict_at, 1:-1]))
  strict = (np.max(margin, axis=1) > settings["min_difference"],
            f"at n={cells.budgets[strict_at]}: band "
            f"{grid.band_text(cells.bands[interior])} {accuracy[0, strict_at, interior]:.3f} "
            f"against {accuracy[0, strict_at, 0]:.3f} (easiest) and "
            f"{accuracy[0, strict_at, -1]:.3f} (hardest)")
  numbers = dict(budgets=cells.budgets, crossing_budgets=[cells.budgets[i] for i in chosen],
                 crossing_margin=float(crossing_margin[0]), margin=margin[0].tolist(),
                 accuracy=np.round(accuracy[0], 4).tolist())
  return _result("C2", holds, settings, statistic, numbers, _used(cells), strict, **where)


def _strictly_falls(sequence, tolerance) -> np.ndarray:
  """Along the last axis: never rises by more than `tolerance` from one step to the next,
  and ends lower than it starts by more than `tolerance`."""
  return (np.all(np.diff(sequence, axis=-1) <= tolerance, axis=-1)
          & (sequence[..., -1] < sequence[..., 0] - tolerance))


def judge_c3(cells: Cells, weights, settings, **where) -> dict:
  if len(cells.budgets) < 2:
    return _not_tested("C3", "needs at least two budgets", **where)
  beyond_base = np.array([not _contains_or_equal(cells.base_band, band) for band in cells.bands])
  learned = np.flatnonzero(_learned_at_largest_n(cells, settings) & beyond_base)
  if not learned.size:
    never = np.zeros(len(weights[0]), bool)
    why = "no band beyond the base's range is learned at the largest n"
    return _result("C3", never, settings, why, {}, _used(cells), (never, why), **where)
  gap = np.moveaxis(
      bootstrap.weighted_mean(cells.values["G_gen"], weights)[:, :, learned], 1, -1)
  # [R + 1, learned bands, N]
  tie = settings["min_difference"]
  holds = np.all(bootstrap.trend(gap, -1, tie, settings["trend_share"]), axis=-1)
  shares = bootstrap.ordered_share(gap[0], -1, tie)
  statistic = "G_gen over n, " + "; ".join(
      f"band {grid.band_text(cells.bands[j])}: {_arrow(gap[0, i])} (falling pairs "
      f"{shares[i]:.2f})" for i, j in enumerate(learned))
  strict = (np.all(_strictly_falls(gap, tie), axis=-1), "every step")
  numbers = dict(budgets=cells.budgets, learned_bands=[cells.bands[j] for j in learned],
                 G_gen=np.round(gap[0], 4).tolist(), ordered_share=shares.tolist())
  mask = np.zeros(cells.fitted.shape, bool)
  mask[..., learned] = True
  return _result("C3", holds, settings, statistic, numbers, _used(cells, mask), strict,
                 **where)


def judge_c4(cells: Cells, weights, settings, **where) -> dict:
  if len(cells.bands) < 2:
    return _not_tested("C4", "needs at least two bands", **where)
  # [R + 1, K] at the largest n
  gap = bootstrap.weighted_mean(cells.values["G_ext"][:, :, -1], weights)
  tie = settings["min_difference"]
  strict = (_strictly_falls(gap, tie), "every step, every band")
  mask = np.zeros(cells.fitted.shape, bool)
  learned = np.flatnonzero(_learned_at_largest_n(cells, settings))
  mask[:, :, -1, learned] = True
  if learned.size < 2:
    never = np.zeros(len(weights[0]), bool)
    return _result("C4", never, settings, f"fewer than two bands are learned at the largest n "
                   f"({_bands_text(cells, learned) or 'none'})", {}, _used(cells, mask),
                   strict, **where)
  holds = bootstrap.trend(gap[:, learned], -1, tie, settings["trend_share"])
  share = bootstrap.ordered_share(gap[0, learned], -1, tie)
  statistic = (f"G_ext at n={cells.budgets[-1]}, learned bands {_bands_text(cells, learned)}: "
               f"{_arrow(gap[0, learned])} (falling pairs {share:.2f})")
  numbers = dict(n=cells.budgets[-1], learned_bands=[cells.bands[j] for j in learned],
                 G_ext=np.round(gap[0], 4).tolist(), ordered_share=float(share))
  return _result("C4", holds, settings, statistic, numbers, _used(cells, mask), strict,
                 **where)


def _learned_at_largest_n(cells: Cells, settings) -> np.ndarray:
  """bool [K]: the bands whose mean accuracy on fresh band samples at the largest n, over
  all replicates, is at least learned_accuracy (C3 and C4 judge gaps only where a band was
  learned: an unlearned band's R_train near 1 makes its gaps say nothing of generalization)."""
  every = (np.ones((1, len(cells.base_seeds))), np.ones((1, len(cells.data_seeds))))
  train_accuracy = bootstrap.weighted_mean(cells.values["train_accuracy"][:, :, -1], every)[0]
  return train_accuracy >= settings["learned_accuracy"]


def judge_c5(cells: Cells, weights, settings, **where) -> dict:
  per_replicate = np.broadcast_to(cells.base_slice_accuracy[:, None, :],
                                  (len(cells.base_seeds), len(cells.data_seeds),
                                   len(cells.test_difficulties)))
  base_accuracy = bootstrap.weighted_mean(per_replicate, weights)  # [R + 1, T]
  solved = np.flatnonzero(base_accuracy[0] >= settings["solved_accuracy"])
  if not solved.size:
    return _not_tested("C5", "the base solves no test slice", **where)
  drop = (cells.base_slice_accuracy[:, None, :]
          - cells.slice_accuracy[:, :, 0, -1, :])[..., solved]  # [B, D, S], paired by base
  mean_drop = bootstrap.weighted_mean(drop, weights)  # [R + 1, S]
  holds = np.nanmean(mean_drop, axis=-1) >= settings["slice_drop"]
  statistic = (f"at n={cells.budgets[0]}, band {grid.band_text(cells.bands[-1])}: accuracy "
               f"change on the slices the base solved: {-np.nanmean(mean_drop[0]):+.2f} on "
               "average (" + ", ".join(f"{cells.test_difficulties[t]}: {-d:+.2f}"
                                       for t, d in zip(solved, mean_drop[0])) + ")")
  strict = (np.nanmax(mean_drop, axis=-1) >= settings["slice_drop"], "the largest drop")
  numbers = dict(n=cells.budgets[0], band=cells.bands[-1],
                 solved_slices=[cells.test_difficulties[t] for t in solved],
                 accuracy_drop=np.round(mean_drop[0], 4).tolist())
  mask = np.zeros(cells.fitted.shape, bool)
  mask[:, :, 0, -1] = True
  return _result("C5", holds, settings, statistic, numbers, _used(cells, mask), strict,
                 **where)


def judge_c6(strong: Cells, weak: Cells, weights, settings, **where) -> dict:
  if strong.bands != weak.bands or strong.budgets != weak.budgets:
    return _not_tested("C6", "the two bases were not fine-tuned on the same bands and budgets",
                       **where)
  strong_accuracy = bootstrap.weighted_mean(strong.values["accuracy"], weights)
  weak_accuracy = bootstrap.weighted_mean(weak.values["accuracy"], weights)
  strong_best, weak_best = optimal_index(strong_accuracy), optimal_index(weak_accuracy)
  harder = strong_best - weak_best  # [R + 1, N]
  differ = (harder != 0).sum(axis=1)
  share = np.where(differ > 0, (harder > 0).sum(axis=1) / np.maximum(differ, 1), np.nan)
  holds = share >= settings["trend_share"]
  statistic = (f"d*(n) for n = {', '.join(map(str, strong.budgets))}: strong "
               f"{_bands_text(strong, strong_best[0])}; weak "
               f"{_bands_text(weak, weak_best[0])}; the strong base's "
               f"harder at {share[0]:.2f} of the {differ[0]} budget(s) where they differ")
  tolerance = settings["min_difference"]
  strong_easiest, strong_hardest = near_optimal(strong_accuracy, tolerance)
  weak_easiest, weak_hardest = near_optimal(weak_accuracy, tolerance)
  strict = (np.all(strong_hardest >= weak_easiest, axis=1)  # never easier, ties allowed
            & np.any(strong_easiest > weak_hardest, axis=1),  # strictly harder at some n
            f"strong {_tied_text(strong, strong_easiest[0], strong_hardest[0])}; weak "
            f"{_tied_text(weak, weak_easiest[0], weak_hardest[0])} (a~b: tied within "
            "min_difference)")
  used = {k: a + b for (k, a), b in zip(_used(strong).items(), _used(weak).values())}
  numbers = dict(budgets=strong.budgets,
                 strong=[strong.bands[i] for i in strong_best[0]],
                 weak=[weak.bands[i] for i in weak_best[0]],
                 ordered_share=float(share[0]))
  return _result("C6", holds, settings, statistic, numbers, used, strict, **where)


def judge_c7(sft: Cells, dft: Cells, weights, settings, **where) -> dict:
  if sft.bands != dft.bands or sft.budgets != dft.budgets or len(sft.budgets) < 2:
    return _not_tested("C7", "needs SFT and DFT runs on the same bands and at least two budgets",
                       **where)
  difference = (bootstrap.weighted_mean(dft.values["accuracy"], weights)  # [R + 1, N]
                - bootstrap.weighted_mean(sft.values["accuracy"], weights))[:, :, -1]
  tolerance = settings["min_difference"]
  holds = (difference[:, 0] > tolerance) & (difference[:, -1] < -tolerance)
  statistic = (f"band {grid.band_text(sft.bands[-1])}: accuracy(DFT) - accuracy(SFT) = "
               f"{difference[0, 0]:+.3f} at n={sft.budgets[0]}, {difference[0, -1]:+.3f} at "
               f"n={sft.budgets[-1]}")
  mask = np.zeros(sft.fitted.shape, bool)
  mask[:, :, [0, -1], -1] = True
  used = {k: a + b for (k, a), b in zip(_used(sft, mask).items(), _used(dft, mask).values())}
  return _result("C7", holds, settings, statistic,
                 dict(budgets=sft.budgets, difference=np.round(difference[0], 4).tolist()),
                 used, (holds, "the same statistic"), **where)


def _contains_or_equal(outer, inner) -> bool:
  return outer[0] <= inner[0] and inner[1] <= outer[1]


def _contains(outer, inner) -> bool:
  return _contains_or_equal(outer, inner) and outer != inner


def judge(runs: list[dict], slices: list[dict], settings: dict | None = None) -> list[dict]:
  """Every claim's verdict for a study, in claim order."""
  settings = dict(DEFAULTS) | dict(settings or {})
  pairs = grid.studies(runs)
  if not pairs:
    return [_not_tested(c, "the study has no fine-tuned runs") for c in CLAIMS]
  main_loss = grid.main_loss(runs)
  bases = sorted({base for base, loss in pairs if loss == main_loss})
  base_bands = {r["base"]: grid.band(r) for r in runs if r["n"] == 0}
  base_seeds = sorted({r["base_seed"] for r in runs if r["n"] > 0})
  data_seeds = sorted({r["seed"] for r in runs if r["n"] > 0})
  weights = bootstrap.replicate_weights(len(base_seeds), len(data_seeds),
                                       settings["resamples"], settings["seed"])
  cells = {(base, loss): cells_of(runs, slices, base, loss, base_seeds, data_seeds)
           for base, loss in pairs}
  verdicts = []
  for judge_one in (judge_c1, judge_c2, judge_c3, judge_c4, judge_c5):
    for base in bases:
      verdicts.append(judge_one(cells[base, main_loss], weights, settings, base=base,
                                loss=main_loss))
  compared = [(s, w) for s in bases for w in bases
              if s in base_bands and w in base_bands and _contains(base_bands[s], base_bands[w])]
  verdicts += [judge_c6(cells[s, main_loss], cells[w, main_loss], weights, settings,
                        base=f"{s} vs {w}", loss=main_loss) for s, w in compared]
  if not compared:
    verdicts.append(_not_tested("C6", "needs two bases, one pre-trained on a range that "
                                "contains the other's", base="-", loss=main_loss))
  both = [base for base in bases if (base, "dft") in cells and (base, "sft") in cells]
  verdicts += [judge_c7(cells[base, "sft"], cells[base, "dft"], weights, settings, base=base,
                        loss="sft vs dft") for base in both]
  if not both:
    verdicts.append(_not_tested("C7", "needs runs with both SFT and DFT", base="-",
                                loss="sft vs dft"))
  return verdicts


def table(verdicts: list[dict]) -> str:
  """The verdicts as a plain-text table, one line per claim and base: the trend statistic's
  verdict and support, then the strict statistic's."""

  def support(v):
    return "-" if v["support"] is None else f"{v['support']:.2f}"

  lines = [f"{'claim':<5} {'base':<14} {'verdict':<12} {'support':>7}  {'strict':<12} "
           f"{'support':>7} {'runs':>5} {'unfit':>5}  statistic"]
  for v in verdicts:
    lines.append(f"{v['claim']:<5} {v.get('base', '-'):<14} {v['verdict']:<12} "
                 f"{support(v):>7}  {v['strict']['verdict']:<12} {support(v['strict']):>7} "
                 f"{v['runs']['runs']:>5} {v['runs']['unfitted']:>5}  {v['statistic']}")
  left_out = max((v["runs"]["diverged_left_out"] for v in verdicts), default=0)
  lines.append("support: share of bootstrap resamples (base seeds x data seeds) in which the "
               "claim holds; strict: the earlier statistic (every step, any n); unfit: runs "
               "counted that did not fit their training set"
               + (f"; {left_out} diverged run(s) left out" if left_out else ""))
  return "\n".join(lines)


def read_study(workdir: str) -> tuple[list[dict], list[dict], dict]:
  """(runs, slices, claims settings) of a study's workdir: its config's settings over the
  defaults."""
  settings = dict(DEFAULTS) | files.read_json(workdir, "config").get("claims", {})
  configs.check_claim_thresholds(settings, f"{files.study_path(workdir, 'config')}: claims")
  return files.read_results(workdir, "runs"), files.read_results(workdir, "slices"), settings


def judge_workdir(workdir: str) -> list[dict]:
  """Judges a study's results files with its config's claims settings; writes claims.json."""
  runs, slices, settings = read_study(workdir)
  verdicts = judge(runs, slices, settings)
  report = dict(settings=settings, claims=CLAIMS, strict_claims=STRICT, verdicts=verdicts)
  files.write_atomically(files.study_path(workdir, "claims"),
                         json.dumps(report, indent=1).encode())
  return verdicts
