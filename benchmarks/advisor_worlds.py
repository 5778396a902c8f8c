"""Synthetic pilot worlds with exactly known truth, for scoring the difficulty advisor.

A world has K difficulty windows and gives, at any budget n, each window's expected test
accuracy p(w, n) = clip(1 - R_S - G_gen(x_w, n) - G_ext(x_w, n), 0, 1), where x_w in [0, 1]
places window w's midpoint on the world's difficulty axis, and its expected accuracy on
fresh examples of the window itself, q(w, n) = clip(1 - R_S - G_gen(x_w, n), 0, 1). G_gen
comes in exponential, power and logistic forms in difficulty, falling with n as a power at
a rate that may differ by window, or suddenly (a logistic in log n: `walk_with_emergence`);
G_ext falls with difficulty (exponential, power, logistic, linear), falls and rises again (an
optimum that stops in the middle), stays flat (one that never leaves the easiest window),
or shrinks with n as well. None is the first advisor's shape (G_gen exponential and G_ext
linear in difficulty). The second (`experiments/analysis/predict.py`: a curve per window,
one power of n shared) assumes nothing in difficulty; in n, the classes whose gaps fall as
one power of n are its shape until they saturate, and three are not: rates differing by
window, G_ext falling with n, and emergence. Its priors (a rate near 1/2) meet
`walk_with_rate_off_half`, whose gaps fall as n^-0.2 to n^-0.35 or n^-0.7 to n^-1.

The `walk_with_switch_*` classes (issue 32) are worlds where harder data pay only beyond
the pilot: the optimum at the largest budgets asked (384-16384) is harder than at every
pilot budget, and turns so at 3-10x, 10-30x or 30-100x the pilot's largest n (world i in
range i mod 3), with gaps falling as a power of n at a rate from 0.2 to 1, as a logistic
in log n, or as the theory's two gaps (sqrt(K_w / n) and a T_w linear in difficulty).

A pilot is a few fine-tuning runs per (window, small n). A run's accuracy is drawn around p:
seed-to-seed spread as a Beta of mean p (concentration `spread`), then an evaluation set of
`eval_examples` (a binomial), so its expectation is p exactly (q is drawn likewise and
dropped: the first advisor read it, and drawing it keeps every pilot as that one was
scored). Each class (CLASSES) draws its worlds' parameters from ranges and keeps only
worlds with the property the class is named for (`Shape.holds`), so a class's name is true
of every world in it.

Every world is a pure function of (class, index, seed): the same bench on any machine.
"""

import dataclasses
from typing import Callable, NamedTuple

import numpy as np

from experiments.analysis.advise import PilotRun

PILOT_BUDGETS = (16, 32, 64, 128)
ASK_BUDGETS = (96, 256, 1024, 4096)  # one inside the pilot's range, three beyond it
REFERENCE_N = 32  # G_gen's n-scale: the gaps below are those at n = 32


def _sigmoid(z):
  return 1 / (1 + np.exp(-z))


# G_gen(x, n, params) and G_ext(x, n, params): x in [0, 1], the window's place on the axis.
GEN = dict(
    exp=lambda x, n, a, k, q: a * np.exp(k * x) * (REFERENCE_N / n) ** q,
    power=lambda x, n, a, k, q: a * (1 + 3 * x) ** k * (REFERENCE_N / n) ** q,
    logistic=lambda x, n, a, k, q: a * _sigmoid(k * (x - 0.5)) * (REFERENCE_N / n) ** q,
    # harder windows' gap falls more slowly with n (not a product of f(x) and g(n))
    uneven=lambda x, n, a, k, q: a * np.exp(k * x) * (REFERENCE_N / n) ** (q * (1.5 - x)),
    # learned suddenly: a window's gap stays until n nears its own threshold, then drops
    # within a factor of about 3 in n; harder windows' thresholds lie beyond the pilot
    emergence=lambda x, n, a, k, q: a * np.exp(k * x) * _sigmoid(
        (np.log(REFERENCE_N) + q * (1 + 5 * x) - np.log(n)) / 0.5),
    # the theory's generalization gap, sqrt(K_w / n), with sqrt(K_w) linear in difficulty
    two_gap=lambda x, n, a, k, q: a * (1 + k * x) * (REFERENCE_N / n) ** 0.5)
EXT = dict(
    exp=lambda x, n, e, t, rise: e * np.exp(-x / t),
    power=lambda x, n, e, t, rise: e * (1 + 4 * x) ** -(1 / t),
    logistic=lambda x, n, e, t, rise: e * (1 - _sigmoid((x - 0.5) / (0.3 * t))),
    u=lambda x, n, e, t, rise: e * np.exp(-x / t) + rise * np.maximum(x - 0.5, 0) ** 2,
    flat=lambda x, n, e, t, rise: e * (1 - 0.1 * x),
    # extrapolation error that also shrinks with n (the two-gap model says it does not)
    falling=lambda x, n, e, t, rise: e * np.exp(-x / t) * (REFERENCE_N / n) ** rise,
    # the theory's T_w: falling linearly to a floor at the hardest window
    linear=lambda x, n, e, t, rise: e * (1 - x) + 0.02)


@dataclasses.dataclass(frozen=True)
class World:
  """One world: its windows, its truth, and how its pilot is drawn."""

  name: str
  windows: tuple  # ((lo, hi), ...) in the world's units, easiest first
  positions: tuple  # x of each window's midpoint, in [0, 1]
  r_s: float
  gen: tuple  # (form, a, k, q)
  ext: tuple  # (form, e, t, rise)
  spread: float  # Beta concentration of a run's accuracy around the truth
  eval_examples: int
  replicates: tuple  # runs per (budget, window) of the pilot, budgets x windows
  pilot_budgets: tuple = PILOT_BUDGETS
  ask_budgets: tuple = ASK_BUDGETS

  def _gaps(self, n):
    x = np.asarray(self.positions)
    form, *params = self.gen
    ext_form, *ext_params = self.ext
    return GEN[form](x, n, *params), EXT[ext_form](x, n, *ext_params)

  def accuracy(self, n) -> np.ndarray:
    """Expected test accuracy of each window at budget n (the truth)."""
    gen, ext = self._gaps(n)
    return np.clip(1 - self.r_s - gen - ext, 0, 1)

  def window_accuracy(self, n) -> np.ndarray:
    gen, _ = self._gaps(n)
    return np.clip(1 - self.r_s - gen, 0, 1)

  def best(self, n) -> int:
    return int(np.argmax(self.accuracy(n)))

  def pilot(self, seed: int) -> list[PilotRun]:
    """The pilot's runs, drawn with `seed` (its expectation is the truth)."""
    rng = np.random.default_rng(seed)
    runs = []
    for i, n in enumerate(self.pilot_budgets):
      p, q = self.accuracy(n), self.window_accuracy(n)
      for w, window in enumerate(self.windows):
        for r in range(self.replicates[i][w]):
          accuracy = self._observe(rng, p[w])
          self._observe(rng, q[w])  # the in-window accuracy the first advisor read: still
          # drawn, so every pilot stays the one the "before" table was scored on
          runs.append(PilotRun(n, window, accuracy, str(r)))
    return runs

  def extra_run(self, window, n: int, seed: int) -> PilotRun:
    """One more pilot run of `window` at budget n, drawn as the pilot's are (its own
    stream: the same run whatever else was drawn)."""
    w = self.windows.index(tuple(window))
    rng = np.random.default_rng([seed, n, w, 1 + int(self.name.split("/")[1])])
    return PilotRun(n, self.windows[w], self._observe(rng, self.accuracy(n)[w]), "extra")

  def _observe(self, rng, p: float) -> float:
    if 0 < p < 1:
      p = rng.beta(p * self.spread, (1 - p) * self.spread)
    return float(rng.binomial(self.eval_examples, p) / self.eval_examples)


class Shape(NamedTuple):
  """A class of worlds: how its parameters are drawn, and the property every world kept
  must have (`holds(world)`)."""

  gen_form: str
  ext_form: str
  holds: Callable
  draw: Callable  # rng -> dict of World fields that differ from the common draw


def _walks(world):
  """The optimum starts below the hardest window and ends on it."""
  return world.best(world.pilot_budgets[0]) < len(world.windows) - 1 \
      and world.best(world.ask_budgets[-1]) == len(world.windows) - 1


def _stops_in_the_middle(world):
  """At the two largest budgets asked the optimum is neither the easiest nor the hardest
  window, and it is harder than at the smallest pilot budget."""
  last = len(world.windows) - 1
  return all(0 < world.best(n) < last for n in world.ask_budgets[-2:]) \
      and world.best(world.ask_budgets[-1]) > world.best(world.pilot_budgets[0])


def _stays_easiest(world):
  budgets = world.pilot_budgets + world.ask_budgets
  return all(world.best(n) == 0 for n in budgets) \
      and world.accuracy(budgets[-1])[0] - world.accuracy(budgets[-1])[-1] > 0.02


def _saturates(world):
  """Some pilot cell at accuracy 0 and the best window at accuracy 1 at the largest budget,
  the optimum walking."""
  return _walks(world) and world.accuracy(world.pilot_budgets[0]).min() == 0 \
      and world.accuracy(world.ask_budgets[-1]).max() == 1


LATE_ASK_BUDGETS = (384, 1536, 6144, 16384)  # 3x, 12x, 48x and 128x the pilot's largest n
# the switch budget's ranges, in multiples of the pilot's largest n: world i of a late class
# switches in range i mod 3, so every class spreads its switches over 3-100x
LATE_SWITCH = ((3, 10), (10, 30), (30, 100))


def switch_budget(world, points: int = 400) -> float | None:
  """The smallest n (on a fine log grid up to the largest budget asked) at which the best
  window is harder than the best at every pilot budget; None if there is none."""
  pilot_best = max(world.best(n) for n in world.pilot_budgets)
  grid = np.geomspace(world.pilot_budgets[-1], world.ask_budgets[-1], points)
  later = np.flatnonzero(np.argmax(world.accuracy(grid[:, None]), axis=-1) > pilot_best)
  return float(grid[later[0]]) if later.size else None


def _switches_late(world):
  """The optimum walks to the hardest window, and only beyond the pilot: it turns harder
  than the pilot's every best at 3-10x, 10-30x or 30-100x the pilot's largest n (by the
  world's index, mod 3)."""
  switch = switch_budget(world)
  index = int(world.name.split("/")[1])
  low, high = (m * world.pilot_budgets[-1] for m in LATE_SWITCH[index % 3])
  return _walks(world) and switch is not None and low <= switch <= high


def _integer_windows(rng, count=None):
  count = count or int(rng.integers(4, 7))
  return tuple((d, d) for d in range(1, count + 1))


def _unequal_windows(rng, lo, hi, count):
  """`count` windows tiling [lo, hi] with cut points drawn at random (unequal widths)."""
  cuts = np.sort(rng.choice(np.arange(lo + 1, hi), count - 1, replace=False))
  edges = [lo, *cuts.tolist(), hi + 1]
  return tuple((float(a), float(b - 1)) for a, b in zip(edges[:-1], edges[1:]))


def _gen_params(rng, form):
  if form == "exp":
    return (form, rng.uniform(0.03, 0.15), rng.uniform(1.0, 3.0), 0.5)
  if form == "exp_rate_off_half":  # the exp form at a rate of n well away from the theory's 1/2
    rate = rng.uniform(0.2, 0.35) if rng.random() < 0.5 else rng.uniform(0.7, 1.0)
    return ("exp", rng.uniform(0.03, 0.15), rng.uniform(1.0, 3.0), rate)
  if form == "power":
    return (form, rng.uniform(0.03, 0.15), rng.uniform(1.0, 2.5), rng.uniform(0.3, 0.8))
  if form == "uneven":
    return (form, rng.uniform(0.03, 0.15), rng.uniform(1.0, 3.0), rng.uniform(0.3, 0.6))
  if form == "emergence":
    return (form, rng.uniform(0.05, 0.15), rng.uniform(1.0, 2.5), rng.uniform(0.3, 0.7))
  if form == "emergence_late":  # thresholds of the hardest window at n = 32 e^3 .. 32 e^6
    return ("emergence", rng.uniform(0.05, 0.2), rng.uniform(1.0, 2.5), rng.uniform(0.5, 1.1))
  if form == "power_any_rate":  # a rate of n anywhere from 0.2 to 1
    return ("power", rng.uniform(0.05, 0.4), rng.uniform(1.0, 3.0), rng.uniform(0.2, 1.0))
  if form == "two_gap":
    return (form, rng.uniform(0.03, 0.15), rng.uniform(2.0, 12.0), 0.5)
  return (form, rng.uniform(0.15, 0.5), rng.uniform(4.0, 10.0), rng.uniform(0.4, 0.7))


def _ext_params(rng, form):
  if form == "flat":
    return (form, rng.uniform(0.05, 0.3), 1.0, 0.0)
  if form == "linear":
    return (form, rng.uniform(0.05, 0.5), 1.0, 0.0)
  rise = dict(u=rng.uniform(1.0, 3.0), falling=rng.uniform(0.05, 0.25)).get(form, 0.0)
  return (form, rng.uniform(0.2, 0.7), rng.uniform(0.2, 0.6), rise)


_WALK = lambda gen, ext: Shape(gen, ext, _walks, lambda rng: {})
_LATE = lambda gen, ext: Shape(gen, ext, _switches_late,
                               lambda rng: dict(ask_budgets=LATE_ASK_BUDGETS))
# A class's worlds are seeded by its place in sorted(CLASSES): a class added later takes a
# name that sorts after every earlier one, so theirs stay as they were scored.
CLASSES = {
    "walk_exp": _WALK("exp", "exp"),
    "walk_power": _WALK("power", "power"),
    "walk_logistic": _WALK("logistic", "logistic"),
    "walk_uneven_rates": _WALK("uneven", "exp"),
    "walk_ext_falls_with_n": _WALK("exp", "falling"),
    "stops_in_middle": Shape("exp", "u", _stops_in_the_middle, lambda rng: {}),
    "stays_easiest": Shape("power", "flat", _stays_easiest, lambda rng: {}),
    # R_S below zero: at large n the best windows' errors clip at 0, several at accuracy 1
    "saturated": Shape("exp", "exp", _saturates, lambda rng: dict(r_s=rng.uniform(-0.2, -0.05))),
    "noisy": Shape("exp", "exp", _walks, lambda rng: dict(spread=30.0, eval_examples=100)),
    "unequal_replicates": Shape("power", "exp", _walks, lambda rng: dict(
        replicates=None)),  # drawn in make_world: 1-4 per cell, some cells empty
    "tokens_scale": Shape("exp", "exp", _walks, lambda rng: dict(
        windows=_unequal_windows(rng, 50, 649, int(rng.integers(4, 7))))),
    "offset_scale": Shape("logistic", "u", _stops_in_the_middle, lambda rng: dict(
        windows=tuple((1000 + 0.5 * d, 1000 + 0.5 * d) for d in range(int(rng.integers(4, 7)))))),
    # added after the first scores (a learning curve that is no power of n: the new
    # advisor's curves are one, so the bench must hold a world where they are wrong)
    "walk_with_emergence": _WALK("emergence", "exp"),
    # added later (a rate of n far from 1/2, slow or fast: the exp classes above all fall as
    # n^-1/2, so a model that leans on the theory's rate must also meet worlds where it is wrong)
    "walk_with_rate_off_half": _WALK("exp_rate_off_half", "exp"),
    # added for issue 32 (harder data pay only beyond the pilot: the optimum at the largest
    # budgets asked is harder than at every pilot budget, the switch at 3-100x the pilot's
    # largest n), asked at 384-16384
    "walk_with_switch_power": _LATE("power_any_rate", "exp"),
    "walk_with_switch_logistic": _LATE("emergence_late", "exp"),
    "walk_with_switch_two_gap": _LATE("two_gap", "linear"),
}


def make_world(shape_name: str, index: int, seed: int = 0, max_tries: int = 100_000) -> World:
  """World `index` of a class: parameters drawn until the class's property holds (a late
  switch at 30-100x is rare: walk_with_switch_power/8 of seed 4 needs over 5,000 draws; a
  world found sooner is the same under any larger cap)."""
  shape = CLASSES[shape_name]
  rng = np.random.default_rng([seed, index, sorted(CLASSES).index(shape_name)])
  for _ in range(max_tries):
    fields = dict(windows=_integer_windows(rng), r_s=rng.uniform(0.0, 0.05), spread=400.0,
                  eval_examples=1000, replicates=None)
    fields.update(shape.draw(rng))
    windows = fields.pop("windows")
    mids = np.array([(lo + hi) / 2 for lo, hi in windows])
    positions = tuple(((mids - mids[0]) / (mids[-1] - mids[0])).tolist())
    replicates = fields.pop("replicates")
    if replicates is None:
      replicates = (_uneven_replicates(rng, len(windows)) if shape_name == "unequal_replicates"
                    else tuple((2,) * len(windows) for _ in PILOT_BUDGETS))
    world = World(f"{shape_name}/{index}", windows, positions, gen=_gen_params(rng, shape.gen_form),
                  ext=_ext_params(rng, shape.ext_form), replicates=replicates, **fields)
    if shape.holds(world):
      return world
  raise RuntimeError(f"no {shape_name} world in {max_tries} draws; widen its ranges")


def _uneven_replicates(rng, count):
  """1-4 runs per cell, about one cell in six empty, every budget keeping two windows."""
  while True:
    table = rng.integers(1, 5, (len(PILOT_BUDGETS), count)) * (rng.random(
        (len(PILOT_BUDGETS), count)) > 1 / 6)
    if ((table > 0).sum(axis=1) >= 2).all():
      return tuple(tuple(int(v) for v in row) for row in table)


def worlds(per_class: int, seed: int = 0, classes=None) -> list[World]:
  """`per_class` worlds of each class (of `classes`, default all), in CLASSES' order."""
  return [make_world(name, i, seed) for name in CLASSES if classes is None or name in classes
          for i in range(per_class)]


def class_of(world: World) -> str:
  return world.name.split("/")[0]


def regret(world: World, n: int, window) -> float:
  """How much accuracy choosing `window` at budget n gives up against the best window."""
  p = world.accuracy(n)
  return float(p.max() - p[world.windows.index(window)])
