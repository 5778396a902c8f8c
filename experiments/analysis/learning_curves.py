"""Learning curves per difficulty window, fitted to runs: the model the study's prediction
(predict.py) fits, and one of the shapes the advisor weighs (curve_shapes.py).

Each window's accuracy is ceiling - gap * n^-rate, 1 - ceiling being R_S + G_ext of that
window and gap * n^-rate its G_gen; one rate for all windows, near 1/2 unless the runs say
otherwise, and curves that bend little from one window to the next; nothing assumed about
the direction in which either gap grows with difficulty, so it needs no difficulty scale
and can hold an optimum that stops in the middle.
"""

import math
from typing import NamedTuple

import numpy as np

RATES = np.linspace(0.05, 1.5, 59)  # the grid of G_gen's power of n
# Weak priors, fixed on the advisor bench's development seeds (benchmarks/advisor_bench.py,
# docs/advisor.md): ln(rate) ~ N(ln 1/2, 0.2^2), around the bound's sqrt(1 / n); and the
# second difference across neighbouring windows of the ceilings, and of the gaps at the
# runs' typical budget, ~ N(0, 30^-1/2 ~ 0.18^2) in accuracy.
_RATE_PRIOR = (0.5, 0.2)
_CURVATURE_SD = 30 ** -0.5
_RIDGE = 1e-10  # on the gaps: where nothing else fixes one (a window run at one budget and
# no neighbours to borrow from), it is 0 and the window flat at its mean


class LearningCurves(NamedTuple):
  """Accuracy on window w at budget n: ceiling[w] - gap[w] * n^-rate, kept in [0, 1]."""

  windows: tuple  # easiest first
  rate: float
  ceiling: np.ndarray  # [windows]: 1 - (R_S + G_ext)
  gap: np.ndarray  # [windows]: G_gen at n = 1

  def accuracy(self, n) -> np.ndarray:
    """[windows] predicted accuracy at budget n."""
    return np.clip(self.ceiling - self.gap * float(n) ** -self.rate, 0.0, 1.0)

  def best(self, n) -> tuple:
    """The window of highest predicted accuracy at n (of equals, the lowest)."""
    return self.windows[int(np.argmax(self.accuracy(n)))]

  def overtakes(self, window, other) -> float:
    """The budget from which `window`'s curve lies above `other`'s for good: 1 where it
    does at every budget, inf where it never does. With one rate the curves' difference,
    (ceiling_w - ceiling_o) - (gap_w - gap_o) n^-rate, changes sign at most once."""
    i, j = self.windows.index(tuple(window)), self.windows.index(tuple(other))
    ceiling, gap = self.ceiling[i] - self.ceiling[j], self.gap[i] - self.gap[j]
    if ceiling <= 0:
      return math.inf
    if gap <= 0:
      return 1.0
    return max(float((gap / ceiling) ** (1 / self.rate)), 1.0)


class _Fits(NamedTuple):
  """Per rate of RATES: ceilings and gaps [rates, windows], squared error and penalty [rates]."""

  ceiling: np.ndarray
  gap: np.ndarray
  sse: np.ndarray
  penalty: np.ndarray


def fit_learning_curves(windows, budgets, accuracies) -> LearningCurves:
  """The curves of highest posterior: least squares to the runs, gap >= 0 (more data never
  lowers accuracy), under the weak priors above, weighed against the runs' noise (estimated
  by a fit without them). A window's runs at accuracy exactly 0 or 1 are left out while the
  rest still span two budgets: there a run says only 'at most' or 'at least', and fitted as
  measured they flatten the curve."""
  order = tuple(sorted({tuple(w) for w in windows}))
  index, n, a = _informative_runs(order, windows, budgets, accuracies)
  fit = _penalised_least_squares(index, n, a, len(order))
  noise = max(fit(0.0).sse.min() / max(len(a) - 2 * len(order) - 1, 1), 1e-12)
  fits = fit(noise / _CURVATURE_SD ** 2)
  centre, width = _RATE_PRIOR
  k = int(np.argmin((fits.sse + fits.penalty) / noise + (np.log(RATES / centre) / width) ** 2))
  return LearningCurves(order, float(RATES[k]), fits.ceiling[k], fits.gap[k])


def _informative_runs(order, windows, budgets, accuracies):
  """(window index, n, accuracy) of the runs fitted, grouped by window: a window's runs at 0
  or 1 dropped while its other runs span two budgets."""
  index = np.array([order.index(tuple(w)) for w in windows])
  grouped = np.argsort(index, kind="stable")
  index = index[grouped]
  n, a = np.asarray(budgets, float)[grouped], np.asarray(accuracies, float)[grouped]
  keep = np.ones(len(a), bool)
  for i in range(len(order)):
    inside = (index == i) & (a > 0) & (a < 1)
    if len(set(n[inside].tolist())) >= 2:
      keep &= (index != i) | inside
  return index[keep], n[keep], a[keep]


def _penalised_least_squares(index, n, a, windows: int):
  """weight -> _Fits for every rate at once: least squares of ceilings and gaps plus
  `weight` times the squared second differences across windows (of the ceilings, and of
  the gaps at the runs' geometric-mean budget), gaps held at 0 where they would go
  negative. The runs' normal equations are built once, for every weight asked."""
  x = n[None, :] ** -RATES[:, None]  # [rates, runs]
  one_hot = np.eye(windows)[index]  # [runs, windows]
  rates = len(RATES)
  normal = np.zeros((rates, 2 * windows, 2 * windows))  # of the runs: diagonal blocks
  diagonal = np.arange(windows)
  normal[:, diagonal, diagonal] = one_hot.sum(0)
  normal[:, diagonal, windows + diagonal] = normal[:, windows + diagonal, diagonal] = \
      -(x @ one_hot)
  normal[:, windows + diagonal, windows + diagonal] = (x ** 2) @ one_hot
  normal[:, windows:, windows:] += _RIDGE * np.eye(windows)
  target = np.concatenate([np.broadcast_to(a @ one_hot, (rates, windows)),
                           -(x * a) @ one_hot], axis=1)
  curvature = np.diff(np.eye(windows), n=2, axis=0)  # [windows - 2, windows]
  typical = np.exp(np.mean(np.log(n))) ** -RATES  # [rates]
  bend = curvature.T @ curvature
  prior = np.zeros_like(normal)
  prior[:, :windows, :windows] = bend
  prior[:, windows:, windows:] = typical[:, None, None] ** 2 * bend

  def fit(weight: float) -> _Fits:
    theta = _solve_with_gaps_at_least_zero(normal + weight * prior, target, windows)
    ceiling, gap = theta[:, :windows], theta[:, windows:]
    residual = ceiling[:, index] - gap[:, index] * x - a
    penalty = weight * (np.sum((ceiling @ curvature.T) ** 2, 1)
                        + np.sum(((gap * typical[:, None]) @ curvature.T) ** 2, 1))
    return _Fits(ceiling, gap, np.sum(residual ** 2, 1), penalty)

  return fit


def _solve_with_gaps_at_least_zero(normal, target, windows: int) -> np.ndarray:
  """[rates, 2 windows] solutions of normal @ theta = target, gaps (the second half) that
  would go negative held at 0 and the rest solved again (an active set)."""
  rates = len(normal)
  held = np.zeros((rates, windows), bool)  # gaps fixed at 0
  for _ in range(windows + 1):
    solved = np.concatenate([np.ones_like(held), ~held], axis=1)  # [rates, 2 windows]
    keep = solved[:, :, None] & solved[:, None, :]
    system = np.where(keep, normal, np.eye(2 * windows)[None])
    theta = np.linalg.solve(system, np.where(solved, target, 0.0)[..., None])[..., 0]
    negative = theta[:, windows:] < 0
    if not negative.any():
      break
    held |= negative
  theta[:, windows:] = np.maximum(theta[:, windows:], 0.0)
  return theta
