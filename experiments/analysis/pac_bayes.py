"""The PAC-Bayes bound on a fine-tuned run's test error, term by term (docs/theory.md;
the method of Dziugaite and Roy, UAI 2017).

P = N(theta_base, sigma^2 I) and Q = N(theta_finetuned, sigma^2 I), sigma taken from a
fixed grid of K values (a union bound over the grid pays ln K). With probability at least
1 - delta over S (n examples of D_train) and the m parameter draws from Q:
  R_train(Q) <= kl^-1(R_S_Q_upper, (KL(Q||P) + ln(2 sqrt(n) K / delta_bound)) / n)
where R_S_Q_upper = kl^-1(R_S_Q, ln(2 / delta_draws) / m) bounds Q's error on S from its
Monte-Carlo estimate R_S_Q, and, for an error in [0, 1],
  R_test(Q) <= R_train(Q) + TV(D_test, D_train).
delta is split evenly between the two steps. `bound_sqrt` replaces the outer kl^-1 by
Pinsker's R_S_Q_upper + sqrt((KL + ln(2 sqrt(n) K / delta_bound)) / (2n)), never tighter.
"""

import math

import numpy as np


def kl_bernoulli(q, p):
  """kl(q || p) between Bernoulli laws, elementwise (0 ln 0 = 0)."""
  q, p = np.asarray(q, float), np.clip(np.asarray(p, float), 1e-300, 1 - 1e-16)
  with np.errstate(divide="ignore", invalid="ignore"):
    a = np.where(q > 0, q * np.log(q / p), 0.0)
    b = np.where(q < 1, (1 - q) * np.log((1 - q) / (1 - p)), 0.0)
  return a + b


def kl_inverse_upper(q, budget, iterations: int = 100):
  """The largest p in [q, 1] with kl(q || p) <= budget, elementwise: Newton's method from
  above (kl(q || .) is convex and rising on [q, 1], so the iterates fall monotonically to
  the root), after a start at 1 - tiny where the budget is not exhausted by then."""
  q, budget = np.broadcast_arrays(np.asarray(q, float), np.asarray(budget, float))
  if not (np.all((q >= 0) & (q <= 1)) and np.all(budget >= 0)):  # NaN fails both
    raise ValueError("kl_inverse_upper needs q in [0, 1] and budget >= 0 (no NaN)")
  p = np.full(q.shape, 1 - 1e-12)
  reachable = kl_bernoulli(q, p) > budget  # else the answer is 1 (to 1e-12)
  for _ in range(iterations):
    gap = kl_bernoulli(q, p) - budget
    slope = (p - q) / np.maximum(p * (1 - p), 1e-300)  # d kl(q || p) / dp
    step = np.where(reachable & (gap > 0) & (p > q), gap / np.maximum(slope, 1e-300), 0.0)
    p = np.maximum(p - step, q)
  return np.where(reachable, p, 1.0)


def isotropic_gaussian_kl(squared_distance, sigma):
  """KL(N(a, sigma^2 I) || N(b, sigma^2 I)) = |a - b|^2 / (2 sigma^2)."""
  return np.asarray(squared_distance, float) / (2 * np.asarray(sigma, float) ** 2)


def bound_terms(r_s_q, draws: int, kl, n, tv, grid_size: int, delta: float) -> dict:
  """The bound on R_test(Q) and its terms (arrays broadcast): r_s_q, the Monte-Carlo
  estimate of Q's error on S from `draws` parameter draws; kl, KL(Q || P); n, |S|; tv,
  TV(D_test, D_train). bound = R_S_Q + complexity + TV exactly."""
  if not 0 < delta < 1 or draws < 1 or grid_size < 1:
    raise ValueError("bound_terms needs 0 < delta < 1, draws >= 1 and grid_size >= 1")
  n = np.asarray(n, float)
  r_s_q_upper = kl_inverse_upper(r_s_q, math.log(2 / (delta / 2)) / draws)
  budget = (np.asarray(kl, float) + np.log(2 * np.sqrt(n) * grid_size / (delta / 2))) / n
  r_train = kl_inverse_upper(r_s_q_upper, budget)
  r_s_q = np.asarray(r_s_q, float)
  return dict(R_S_Q=r_s_q, R_S_Q_upper=r_s_q_upper, complexity=r_train - r_s_q, TV=tv,
              bound=r_train + tv, bound_sqrt=r_s_q_upper + np.sqrt(budget / 2) + tv)
