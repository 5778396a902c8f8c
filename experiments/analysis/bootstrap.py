"""Bootstrap statistics over replicates (base seed x data seed): the resample weights, the
weighted means, the ordered-pair trend and the verdict a share of resamples gives. The
claims (claims.py) are built from these; docs/claims.md says why each is what it is."""

import numpy as np


def replicate_weights(num_base_seeds: int, num_data_seeds: int, resamples: int, seed: int):
  """(base-seed weights [R + 1, B], data-seed weights [R + 1, D]): row 0 is all the data
  (every weight 1), rows 1.. are bootstrap resamples (how often each seed was drawn)."""
  rng = np.random.default_rng(seed)

  def counts(size):
    drawn = rng.integers(0, size, (resamples, size))
    return np.concatenate([np.ones((1, size)), np.stack([np.bincount(d, minlength=size)
                                                         for d in drawn])])

  return counts(num_base_seeds), counts(num_data_seeds)


def weighted_mean(x, weights) -> np.ndarray:
  """Mean over the two leading replicate axes of x [B, D, ...] under each row of weights:
  [R + 1, ...]; NaN entries are left out, a cell with no value is NaN."""
  base_weights, data_weights = weights
  valid = np.isfinite(x)
  total = np.einsum("rb,rd,bd...->r...", base_weights, data_weights, np.where(valid, x, 0.0))
  count = np.einsum("rb,rd,bd...->r...", base_weights, data_weights, valid.astype(float))
  with np.errstate(invalid="ignore", divide="ignore"):
    return np.where(count > 0, total / np.maximum(count, 1e-300), np.nan)


def verdict(holds: np.ndarray, confidence: float) -> tuple[str, float]:
  """(verdict, support) from holds [R + 1]: row 0 on all the data, the rest resampled."""
  support = float(np.mean(holds[1:]))
  if holds[0] and support >= confidence:
    return "HOLDS", support
  if support <= 1 - confidence:
    return "FAILS", support
  return "INCONCLUSIVE", support


def ordered_share(x, direction: int, tie: float = 0.0) -> np.ndarray:
  """Along the last axis: the share of the pairs i < j with x_j - x_i of sign `direction`
  (+1 or -1) among the pairs that differ by more than `tie`; NaN where none does (NaN
  values make no pair). Goodman and Kruskal's gamma of x against its position is
  2 * share - 1."""
  upper = np.triu_indices(x.shape[-1], k=1)
  difference = (x[..., None, :] - x[..., :, None])[..., upper[0], upper[1]]  # x_j - x_i
  untied = np.abs(difference) > tie  # False for NaN
  agree = untied & (np.sign(difference) == direction)
  count = untied.sum(axis=-1)
  return np.where(count > 0, agree.sum(axis=-1) / np.maximum(count, 1), np.nan)


def trend(x, direction: int, tie: float, share: float) -> np.ndarray:
  """Whether x moves in `direction` along its last axis: at least `share` of its pairs that
  differ by more than `tie` are ordered that way, and its last value lies beyond its first
  by more than `tie` in that direction."""
  return ((ordered_share(x, direction, tie) >= share)
          & (direction * (x[..., -1] - x[..., 0]) > tie))
