"""Learning curves of shapes other than one power of n per window, and the mixture of
shapes the advisor asks at a far budget (issue 32).

learning_curves.LearningCurves gives each window a curve of its own; it extrapolates a
window's runs, and a hard window whose pilot runs sit at 0 has nothing to extrapolate. The
shapes here tie the windows together through their place on the difficulty axis (x, each
window's midpoint scaled to [0, 1]), so the windows the pilot does see learning speak for
the ones it does not:

- `power_rising_ceiling`: c(x) - G e^(k x) n^-r: a gap that grows (or shrinks)
  geometrically with difficulty and falls as one power of n.
- `two_gap`: the theory's R_S + sqrt(K_w / n) + T_w with sqrt(K_w) and T_w linear in x:
  c0 + c1 x - (G0 (1 - x) + G1 x) n^-1/2.
- `logistic_rising_ceiling`: c(x) - G e^(k x) sigmoid((m0 + m1 x - ln n) / s): a gap that
  stays until n nears a threshold e^(m0 + m1 x) and then falls within a few-fold of n
  (learned late).

In the first and last the ceiling c(x), what no budget adds, is a quadratic that does not
fall with difficulty: the mechanism's premise (harder data hold what easier data teach, so
the error no budget removes is no larger for them). Unconstrained, a hard window whose
runs are all low is fitted as well by a low ceiling as by a high ceiling behind a large gap,
and a pilot cannot tell them apart; the per-window curves, which assume nothing in
difficulty, hold the worlds where the premise fails (an optimum that stops in the middle).

Each is fitted by least squares over a grid of its nonlinear parameters (r, k, m0, m1, s),
the rest solved exactly with the gaps' scales G >= 0; a run at accuracy exactly 0 (1) says
only "at most" ("at least") and counts only where the curve lies above (below) it, as the
clipped curve would. The mixture weighs the per-window curves and these shapes by how well
each predicts the pilot's larger budgets from its smaller ones.
"""

import math
from typing import NamedTuple

import numpy as np

import allowed
from experiments.analysis import learning_curves

_CANDIDATES = 64  # grid points of a shape refined with censoring, and searched by its refits
_CENSOR_ROUNDS = 6
CROSSING_BUDGETS = np.geomspace(1, 1e9, 721)  # where numeric crossings are looked for


def _mesh(*axes) -> np.ndarray:
  return np.stack([m.ravel() for m in np.meshgrid(*axes, indexing="ij")], -1)


def _rising(x):
  """1, 2x - x^2, x^2: the ceiling's terms; with the last two weights >= 0 (its slope at x = 0
  and at 1) the quadratic does not fall on [0, 1], and every such quadratic is one."""
  return np.stack([np.ones_like(x), 2 * x - x ** 2, x ** 2])


def _linear(x):
  return np.stack([np.ones_like(x), x])


def _power_gap(grid, x, n):
  rate, k = grid[:, :1], grid[:, 1:2]
  return [np.exp(k * x) * n ** -rate]


def _two_gaps(grid, x, n):
  ones = np.ones((len(grid), len(x)))
  return [(1 - x) * n ** -0.5 * ones, x * n ** -0.5 * ones]


def _logistic_gap(grid, x, n):
  m0, m1, k, s = (grid[:, i:i + 1] for i in range(4))
  return [np.exp(k * x) / (1 + np.exp(-(m0 + m1 * x - np.log(n)) / s))]


class Shape(NamedTuple):
  """accuracy = clip(features(grid point, x, n) @ theta, 0, 1); theta solved per grid point:
  the ceiling's terms first (what no budget adds), then minus each gap."""

  name: str
  grid: np.ndarray  # [points, nonlinear parameters]
  ceiling: callable  # x [windows] -> [ceiling terms, windows]
  gaps: callable  # (grid [g, q], x [runs], n [runs]) -> list of [g, runs]
  nonnegative: np.ndarray  # [linear parameters]: which are held >= 0

  def features(self, grid, x, n) -> np.ndarray:
    """[g, runs, linear parameters]."""
    terms = self.ceiling(x).T
    terms = np.broadcast_to(terms, (len(grid),) + terms.shape)
    return np.concatenate([terms, -np.stack(self.gaps(grid, x, n), -1)], -1)


_RATES_AND_GROWTHS = _mesh(np.linspace(0.05, 1.5, 30), np.linspace(-6, 10, 33))
# thresholds from n = 4 to e^10.5 (~36,000), rising with difficulty by up to e^8
_THRESHOLDS = _mesh(np.linspace(np.log(4), 10.5, 12), np.linspace(0, 8, 9),
                    np.linspace(-2, 6, 9), np.array([0.3, 0.6, 1.2]))
SHAPES = (
    Shape("power_rising_ceiling", _RATES_AND_GROWTHS, _rising, _power_gap,
          np.array([False, True, True, True])),
    Shape("two_gap", np.zeros((1, 1)), _linear, _two_gaps, np.array([False, False, True, True])),
    Shape("logistic_rising_ceiling", _THRESHOLDS, _rising, _logistic_gap,
          np.array([False, True, True, True])),
)
SHAPE_NAMES = ("per_window",) + tuple(s.name for s in SHAPES)


HARDER = ("higher", "lower")  # which way a difficulty field runs: larger values harder, or smaller


def positions(windows, harder: str = "higher") -> np.ndarray:
  """Each window's midpoint on [0, 1], easiest 0 and hardest 1: the shapes' difficulty axis.
  windows: in the field's order; harder="lower" where smaller values are harder (a base
  model's pass rate), which matters only to the ceilings that rise with difficulty."""
  mids = np.array([(lo + hi) / 2 for lo, hi in windows], float)
  span = mids[-1] - mids[0]
  x = (mids - mids[0]) / span if span > 0 else np.zeros_like(mids)
  return x if harder == "higher" else 1 - x


def first_lasting_lead(difference) -> float:
  """The budget from which difference(n) > 0 for good, looked for on CROSSING_BUDGETS and
  then narrowed by bisection in log n: 1 where it is above 0 at every budget there, inf
  where it is not above 0 at the last. difference: [budgets] -> [budgets]."""
  above = np.asarray(difference(CROSSING_BUDGETS)) > 0
  if not above[-1]:
    return math.inf
  below = np.flatnonzero(~above)
  if below.size == 0:
    return 1.0
  low, high = np.log(CROSSING_BUDGETS[below[-1]]), np.log(CROSSING_BUDGETS[below[-1] + 1])
  for _ in range(30):
    middle = (low + high) / 2
    low, high = (middle, high) if difference(np.exp([middle]))[0] <= 0 else (low, middle)
  return float(np.exp(high))


def _overtakes(windows, accuracy, window, other) -> float:
  """first_lasting_lead of `window`'s accuracy over `other`'s; accuracy: [budgets] ->
  [budgets, windows]."""
  i, j = windows.index(tuple(window)), windows.index(tuple(other))
  return first_lasting_lead(lambda n: (lambda a: a[:, i] - a[:, j])(accuracy(n)))


class ShapeCurves(NamedTuple):
  """One shape fitted to runs: asked as learning_curves.LearningCurves is (accuracy at n,
  where one window overtakes another)."""

  windows: tuple  # in the field's order
  axis: np.ndarray  # each window's place on the difficulty axis (positions)
  shape: Shape
  point: np.ndarray  # the grid point of the fit [nonlinear parameters]
  theta: np.ndarray  # [linear parameters]
  candidates: np.ndarray  # the grid points a refit searches

  def accuracy(self, n) -> np.ndarray:
    """[windows] predicted accuracy at budget n (an array of budgets: [budgets, windows])."""
    n = np.asarray(n, float)
    x = self.axis
    flat = self.shape.features(self.point[None], np.tile(x, n.size),
                               np.repeat(n.ravel(), len(x)))[0] @ self.theta
    return np.clip(flat.reshape(n.shape + (len(x),)), 0.0, 1.0)

  def overtakes(self, window, other) -> float:
    """The budget from which `window`'s curve lies above `other`'s for good."""
    return _overtakes(self.windows, self.accuracy, window, other)


def fit_shape(shape: Shape, order: tuple, windows, budgets, accuracies,
              candidates: np.ndarray | None = None, harder: str = "higher") -> ShapeCurves:
  """The shape's least-squares fit to the runs, over its whole grid (or `candidates`):
  every point solved once without the runs at 0 or 1, the best _CANDIDATES of them again
  with those runs counted where the curve crosses them."""
  axis = positions(order, harder)
  x = axis[[order.index(tuple(w)) for w in windows]]
  n, a = np.asarray(budgets, float), np.asarray(accuracies, float)
  grid = shape.grid if candidates is None else candidates
  ceilings = shape.ceiling(axis)
  if len(grid) > _CANDIDATES:
    theta, sse = _censored_least_squares(shape.features(grid, x, n), a, shape.nonnegative, 1)
    sse = _unless_out_of_range(theta[:, :len(ceilings)] @ ceilings, sse)
    grid = grid[np.argsort(sse, kind="stable")[:_CANDIDATES]]
  theta, sse = _censored_least_squares(shape.features(grid, x, n), a, shape.nonnegative,
                                       _CENSOR_ROUNDS)
  k = int(np.argmin(_unless_out_of_range(theta[:, :len(ceilings)] @ ceilings, sse)))
  return ShapeCurves(order, axis, shape, grid[k], theta[k], grid)


def _unless_out_of_range(ceilings, sse):
  """The squared errors, raised above every other where a window's ceiling lies outside
  [0, 1.05]: a curve must end where an accuracy can (a huge ceiling less a huge gap fits a
  few budgets and says nothing beyond them). Only where no grid point keeps them in range is
  one outside chosen."""
  outside = (ceilings < 0).any(-1) | (ceilings > 1.05).any(-1)
  return np.where(outside, sse + 1e6, sse)


def _censored_least_squares(features, a, nonnegative, rounds: int):
  """theta [g, p] and squared error [g] per grid point: least squares to the runs, the
  `nonnegative` parameters held at 0 where they would go below it (an active set); a run
  at 0 (at 1) counted only while the fit lies above (below) it, for `rounds` rounds."""
  g, _, p = features.shape
  at_zero, at_one = a <= 0, a >= 1
  measured = ~(at_zero | at_one)
  counted = np.broadcast_to(measured, (g, len(a)))
  for _ in range(rounds):
    weighted = (features * counted[..., None]).transpose(0, 2, 1)
    normal, target = weighted @ features + 1e-9 * np.eye(p), weighted @ a
    held = np.zeros((g, p), bool)
    for _ in range(p + 1):
      free = ~held
      system = np.where(free[:, :, None] & free[:, None, :], normal, np.eye(p))
      theta = np.linalg.solve(system, np.where(free, target, 0.0)[..., None])[..., 0]
      negative = (theta < 0) & nonnegative
      if not negative.any():
        break
      held |= negative
    theta = np.where(nonnegative, np.maximum(theta, 0.0), theta)
    fitted = (features @ theta[..., None])[..., 0]
    now = measured | (at_zero & (fitted > 0)) | (at_one & (fitted < 1))
    if np.array_equal(now, counted):
      break
    counted = now
  fitted = (features @ theta[..., None])[..., 0]
  residual = np.where(at_zero, np.maximum(fitted, 0), np.where(at_one, np.minimum(fitted - 1, 0),
                                                               fitted - a))
  return theta, np.sum(residual ** 2, -1)


class Mixture(NamedTuple):
  """Curves of several shapes, weighed: the accuracy asked is the weighted mean."""

  windows: tuple
  members: tuple  # fitted curves, one per shape (SHAPE_NAMES' order)
  weights: np.ndarray  # [members], summing to 1
  held_out: np.ndarray  # [members]: each shape's mean squared error on left-out budgets
  harder: str  # which way the windows' field runs (HARDER)

  def accuracy(self, n) -> np.ndarray:
    return sum(w * m.accuracy(n) for w, m in zip(self.weights, self.members) if w > 0)

  def best(self, n) -> tuple:
    return self.windows[int(np.argmax(self.accuracy(n)))]

  def overtakes(self, window, other) -> float:
    """As ShapeCurves.overtakes, on the weighted mean (its members answer one n at a time)."""
    return _overtakes(self.windows, lambda n: np.stack([self.accuracy(b) for b in n]), window,
                      other)


def fit_members(order, windows, budgets, accuracies, harder: str = "higher",
                like: "Mixture | None" = None, shapes=None) -> tuple:
  """Every shape fitted to the runs (SHAPE_NAMES' order; only the indices in `shapes` if
  given, None for the others); `like`: each shape searches only the grid points that fitted
  that mixture's runs best (a refit on resampled runs)."""
  wanted = range(len(SHAPE_NAMES)) if shapes is None else shapes
  members = [None] * len(SHAPE_NAMES)
  if 0 in wanted:
    members[0] = learning_curves.fit_learning_curves(windows, budgets, accuracies)
  for i, shape in enumerate(SHAPES, start=1):
    if i in wanted:
      members[i] = fit_shape(shape, order, windows, budgets, accuracies,
                             None if like is None else like.members[i].candidates, harder)
  return tuple(members)


def fit_mixture(windows, budgets, accuracies, harder: str = "higher") -> Mixture:
  """The shapes fitted to the runs and weighed by how well each predicts the mean accuracy
  of every window at each budget from the smaller ones (_left_out_errors): weight exp(-m/2 *
  MSE / smallest MSE), m the predictions scored, the Gaussian pseudo-likelihood with the
  best shape's error as its variance. With fewer than three budgets no budget can be
  predicted from two smaller ones; the per-window curves then speak alone. harder: which way
  the windows' field runs (HARDER), refused here if neither."""
  allowed.option("harder", harder, HARDER)
  order = tuple(sorted({tuple(w) for w in windows}))
  windows = [tuple(w) for w in windows]
  budgets, accuracies = np.asarray(budgets, float), np.asarray(accuracies, float)
  members = fit_members(order, windows, budgets, accuracies, harder)
  errors, scored = _left_out_errors(order, windows, budgets, accuracies, harder)
  if scored == 0:
    weights = np.eye(len(members))[0]
  else:
    relative = errors / max(errors.min(), 1e-12) - 1
    weights = np.exp(-0.5 * scored * relative)
    weights /= weights.sum()
  return Mixture(order, members, weights, errors, harder)


def _left_out_errors(order, windows, budgets, accuracies, harder):
  """([shapes] mean squared error, count): each budget from the third on left out with all
  larger ones, the shapes fitted to the smaller ones predicting the mean accuracy there of
  each window those hold (leave-future-out: the skill the advice needs is predicting larger
  budgets from smaller ones; a budget left out between two others would reward a curve that
  bends just beyond its last run)."""
  distinct = sorted(set(budgets.tolist()))
  squared, scored = np.zeros(len(SHAPE_NAMES)), 0
  if len(distinct) < 3:
    return np.full(len(SHAPE_NAMES), np.nan), 0
  for budget in distinct[2:]:
    kept = budgets < budget
    asked = budgets == budget
    members = fit_members(order, [w for w, k in zip(windows, kept) if k], budgets[kept],
                          accuracies[kept], harder)
    for window in sorted({w for w, k in zip(windows, asked) if k} & set(members[0].windows)):
      measured = np.mean(accuracies[asked & np.array([w == window for w in windows])])
      squared += [(m.accuracy(budget)[m.windows.index(window)] - measured) ** 2
                  for m in members]
      scored += 1
  return squared / max(scored, 1), scored
