"""The advisor's bench: synthetic worlds whose truth is exact, and how decisions are scored."""

import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name):
  sys.path.insert(0, str(BENCHMARKS))
  spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


worlds = _load("advisor_worlds")
bench = _load("advisor_bench")


@pytest.mark.parametrize("name", sorted(worlds.CLASSES))
def test_every_class_makes_worlds_with_its_property(name):
  """Two worlds per class, each with the property the class is named for, read from the
  truth directly (mutation: keeping the first draw instead of rejecting fails here)."""
  for index in range(2):
    world = worlds.make_world(name, index)
    best = [world.best(n) for n in world.pilot_budgets + world.ask_budgets]
    last = len(world.windows) - 1
    if name.startswith("walk") or name in ("noisy", "unequal_replicates", "tokens_scale",
                                           "saturated"):
      assert best[0] < last and best[-1] == last
    elif name in ("stops_in_middle", "offset_scale"):
      assert 0 < best[-1] < last and 0 < best[-2] < last and best[-1] > best[0]
    else:
      assert set(best) == {0}


def test_a_pilot_is_the_truth_on_average():
  """The mean of many pilot draws of a cell is its true accuracy (the noise is unbiased):
  400 pilots of a noisy world, every cell within 4 standard errors."""
  world = worlds.make_world("noisy", 0)
  draws = np.array([[r.accuracy for r in world.pilot(seed)] for seed in range(400)])
  runs = world.pilot(0)
  truth = np.array([world.accuracy(r.n)[world.windows.index(r.window)] for r in runs])
  error = draws.std(axis=0) / math.sqrt(len(draws)) + 1e-6
  assert np.all(np.abs(draws.mean(axis=0) - truth) <= 4 * error)


def test_worlds_and_pilots_are_fixed_by_their_seeds():
  a, b = worlds.make_world("walk_exp", 3), worlds.make_world("walk_exp", 3)
  assert a == b and a.pilot(1) == b.pilot(1)
  assert a.pilot(1) != a.pilot(2) and worlds.make_world("walk_exp", 4) != a


def test_saturated_worlds_reach_zero_and_one():
  world = worlds.make_world("saturated", 0)
  assert world.accuracy(world.pilot_budgets[0]).min() == 0
  assert world.accuracy(world.ask_budgets[-1]).max() == 1


def test_emergence_is_sudden_and_beyond_the_pilot_for_the_hardest_window():
  """Its hardest window's gap barely falls over the pilot's budgets (no power of n, which
  falls by the same factor over every doubling) and mostly falls beyond them."""
  for index in range(3):
    world = worlds.make_world("walk_with_emergence", index)
    gap = lambda n: 1 - world.r_s - world.accuracy(n)[-1] - worlds.EXT["exp"](
        1.0, n, *world.ext[1:])
    first, last = world.pilot_budgets[0], world.pilot_budgets[-1]
    assert gap(last) > 0.7 * gap(first) and gap(world.ask_budgets[-1]) < 0.5 * gap(last)


def test_rate_off_half_worlds_fall_slower_or_faster_than_the_square_root():
  """Their gap shrinks by a factor of n^-rate with the rate outside [0.35, 0.7] (the
  other exp classes fall as n^-1/2), and both slow and fast worlds are drawn."""
  rates = []
  for index in range(8):
    world = worlds.make_world("walk_with_rate_off_half", index)
    gen = lambda n: worlds.GEN["exp"](np.asarray(world.positions), n, *world.gen[1:])
    rate = np.log(gen(32) / gen(64)) / np.log(2)
    assert np.allclose(rate, rate[0]) and not 0.35 <= rate[0] <= 0.7
    rates.append(rate[0])
  assert min(rates) < 0.35 and max(rates) > 0.7


def test_unequal_replicates_and_scales():
  uneven = worlds.make_world("unequal_replicates", 0)
  counts = np.array(uneven.replicates)
  assert len(np.unique(counts)) >= 3 and (counts > 0).sum(axis=1).min() >= 2
  tokens = worlds.make_world("tokens_scale", 0)
  widths = [hi - lo + 1 for lo, hi in tokens.windows]
  assert tokens.windows[0][0] == 50 and tokens.windows[-1][1] == 649 and len(set(widths)) > 1
  assert all(a[1] + 1 == b[0] for a, b in zip(tokens.windows, tokens.windows[1:]))
  assert worlds.make_world("offset_scale", 0).windows[0][0] >= 1000


def test_a_decision_is_scored_by_regret_margin_and_interval():
  truth = {(1, 1): 0.50, (2, 2): 0.70, (3, 3): 0.695}
  assert bench.score(truth, (3, 3), (0.6, 0.7), 0.01) == dict(
      regret=pytest.approx(0.005), right=True, covered=True)
  assert bench.score(truth, (1, 1), (0.6, 0.7), 0.01) == dict(
      regret=pytest.approx(0.2), right=False, covered=False)
  assert bench.score(truth, None, None, 0.01) == dict(
      regret=pytest.approx(0.2), right=False, covered=False)  # a failed advice: the worst


def test_the_baselines_choose_as_named():
  world = worlds.make_world("walk_exp", 0)
  pilot = world.pilot(0)
  windows = list(world.windows)
  assert bench.decide("easiest", pilot, windows, 256, None)[0] == windows[0]
  assert bench.decide("hardest", pilot, windows, 256, None)[0] == windows[-1]
  largest = [r for r in pilot if r.n == max(world.pilot_budgets)]
  means = {w: np.mean([r.accuracy for r in largest if r.window == w]) for w in windows}
  assert bench.decide("best_at_pilot_max", pilot, windows, 256, None)[0] == max(means, key=means.get)


def test_an_advice_that_fails_is_counted_a_failure_never_a_choice(monkeypatch):
  """A NaN prediction or a refusal gives no window (scored as the worst window)."""
  world = worlds.make_world("walk_exp", 0)
  pilot, windows = world.pilot(0), list(world.windows)
  nan_advice = bench.advise.Advice(windows[0], math.nan, (math.nan, math.nan), {}, (), 0.0,
                                   0.0, "", None, (), ())
  monkeypatch.setattr(bench.advise, "advise", lambda *args, **kwargs: nan_advice)
  assert bench.decide("advisor", pilot, windows, 256, None) == (None, None, "NaN prediction")

  def refuse(*args, **kwargs):
    raise ValueError("too few runs")

  monkeypatch.setattr(bench.advise, "advise", refuse)
  assert bench.decide("advisor", pilot, windows, 256, None) == (
      None, None, "refused: too few runs")
  monkeypatch.setattr(bench.advise, "evidence", refuse)  # the fit itself refused
  assert bench.decide("advisor", pilot, windows, 256, bench.fit(pilot)) == (
      None, None, "refused: too few runs")


@pytest.mark.parametrize("name", [c for c in sorted(worlds.CLASSES) if "switch" in c])
def test_late_switch_worlds_turn_harder_only_beyond_the_pilot_in_their_range(name):
  """Read from the truth on a grid of its own: from the pilot's largest n to the switch
  budget no window harder than the pilot's every best is best, just above it one is, and
  world i's switch lies in range i mod 3 of 3-100x the pilot's largest n (mutation: a switch measured against the last
  pilot budget's best only, or ranges not by index, fails here)."""
  for index in range(3):
    world = worlds.make_world(name, index)
    pilot_best = max(world.best(n) for n in world.pilot_budgets)
    switch = worlds.switch_budget(world)
    low, high = (m * world.pilot_budgets[-1] for m in worlds.LATE_SWITCH[index])
    assert low <= switch <= high
    assert all(world.best(n) <= pilot_best
               for n in np.geomspace(world.pilot_budgets[-1], switch / 1.02, 50))  # the grid: 1.2 % steps
    assert world.best(switch) > pilot_best
    assert world.best(world.ask_budgets[-1]) == len(world.windows) - 1 > pilot_best


def test_one_more_pilot_run_is_the_named_cell_drawn_from_the_truth_or_a_random_candidate():
  """--follow's pilots: the pilot plus one run, of the cell next_pilot names first (the
  control: of a candidate drawn at random), drawn by the world as its pilot runs are; the
  same run on every call (mutation: a run at the wrong cell, or of another stream)."""
  world = worlds.make_world("walk_with_switch_two_gap", 1, 1)
  pilot = world.pilot(1)
  fitted = bench.fit(pilot)
  followed = bench.followed_pilots(world, pilot, fitted, 1536, 1)
  advice = bench.advise.advise(pilot, 1536, extrapolate=True, fitted=fitted)
  first = bench.advise.next_pilot(fitted, advice, 1536)[0]
  named = followed["advisor_after_next_pilot"]
  assert named[:-1] == pilot and len(followed["advisor_after_random_cell"]) == len(pilot) + 1
  assert (named[-1].window, named[-1].n) == (first.window, first.n)
  assert named[-1] == world.extra_run(first.window, first.n, 1)
  runs = [world.extra_run(first.window, 512, s).accuracy for s in range(200)]
  truth = world.accuracy(512)[world.windows.index(first.window)]
  assert abs(np.mean(runs) - truth) < 0.01  # unbiased around the truth
  assert bench.followed_pilots(world, pilot, "refused: x", 1536, 1) == {}
