"""Finite data sets of distinct examples drawn from a difficulty mixture.

A data set is a stream of fresh samples with repeats (and excluded examples) skipped, read
in fixed-size chunks, so the first n examples of a key do not depend on n: the training
sets of growing budgets are nested, and every dataset of a key is reproducible.
"""

import functools
import math
from typing import Mapping

import jax
import jax.numpy as jnp
import numpy as np

import allowed
from synth.task import Example, Task

_CHUNK = 1024


def sample_batch(key: jax.Array, task: Task, difficulties, probabilities,
                 batch_size: int) -> Example:
  """`batch_size` fresh examples, each of a difficulty drawn from `probabilities`."""
  return _sample_batch(key, task, jnp.asarray(difficulties, jnp.int32),
                       jnp.asarray(probabilities, jnp.float32), batch_size)


@functools.partial(jax.jit, static_argnums=(1, 4))
def _sample_batch(key, task, difficulties, probabilities, batch_size):
  key_difficulty, key_examples = jax.random.split(key)
  chosen = jax.random.choice(key_difficulty, difficulties, (batch_size,), p=probabilities)
  return jax.vmap(task.sample)(jax.random.split(key_examples, batch_size), chosen)


def make_dataset(key: jax.Array, task: Task, band: tuple[int, int], n: int,
                 exclude: Example | None = None) -> Example:
  """n distinct examples with difficulties uniform over the band [lo, hi].

  `exclude` (e.g. a training set, to draw a disjoint held-out set) lists examples that
  must not appear. Where a band holds few distinct examples, repeats are redrawn, which
  shifts the mix toward the difficulties that still have fresh examples.
  """
  lo, hi = _check_band(task, band)
  return make_mixture_dataset(key, task, {d: 1.0 for d in range(lo, hi + 1)}, n, exclude)


def drawable(task: Task, difficulties) -> int:
  """The most distinct examples that data sets drawn from these difficulties may hold
  together (a training set plus the held-out set kept apart from it): half of those the
  difficulties hold. Beyond that, redrawing repeats grows slow and the draw drifts away
  from the mixture it was asked for, toward the difficulties that still have fresh ones."""
  return task.num_distinct(sorted(set(difficulties))) // 2


def make_mixture_dataset(key: jax.Array, task: Task, weights: Mapping[int, float], n: int,
                         exclude: Example | None = None) -> Example:
  """n distinct examples whose difficulties are drawn with the given relative weights;
  together with the excluded ones they may number at most `drawable(task, difficulties)`."""
  difficulties, probabilities = _check_mixture(task, weights)
  allowed.integer("n", n, 1, 10 ** 9)
  seen, excluded_here = set(), 0
  if exclude is not None:
    seen = {row.tobytes() for row in np.asarray(exclude.tokens)}
    excluded_here = int(np.isin(np.asarray(exclude.difficulty), difficulties).sum())
  limit = drawable(task, difficulties)
  if n + excluded_here > limit:
    raise ValueError(
        f"n={n} is more than the {max(limit - excluded_here, 0)} distinct examples that may be "
        f"drawn from difficulties {difficulties} of {task.name}: at most {limit}, half of the "
        f"{task.num_distinct(difficulties)} they hold"
        + (f", minus the {excluded_here} excluded ones" if excluded_here else ""))
  parts, have = [], 0
  for chunk in range(_max_chunks(n, excluded_here, 2 * limit, len(difficulties))):
    batch = jax.device_get(sample_batch(jax.random.fold_in(key, chunk), task, difficulties,
                                        probabilities, _CHUNK))
    keep = []
    for i, row in enumerate(batch.tokens):
      if have + len(keep) == n:
        break
      if row.tobytes() not in seen:
        seen.add(row.tobytes())
        keep.append(i)
    parts.append(jax.tree.map(lambda x, rows=np.array(keep, int): x[rows], batch))
    have += len(keep)
    if have == n:
      return jax.tree.map(lambda *xs: np.concatenate(xs), *parts)
  raise RuntimeError(f"found only {have} of n={n} distinct examples of difficulties "
                     f"{difficulties} of {task.name} in {_CHUNK * (chunk + 1)} draws; "
                     f"ask for fewer or weight the rarely drawn difficulties up")


def cut_to_width(examples: Example, width: int) -> Example:
  """The examples' first `width` positions (host arrays); refuses to cut anything but padding,
  so a width too narrow for the longest example is an error, never a silent truncation."""
  tokens = np.asarray(examples.tokens)
  if np.any(tokens[..., width:]):
    raise ValueError(f"cutting examples to width {width} would drop tokens; their longest "
                     f"needs {int(np.max(np.sum(tokens != 0, axis=-1)))}")
  return examples._replace(tokens=tokens[..., :width],
                           answer_mask=np.asarray(examples.answer_mask)[..., :width])


def _max_chunks(n, excluded, total, num_difficulties):
  """Chunks to read before giving up: 4x the expected draws to find n new examples among
  `total` equally likely ones of which `excluded` are taken, times the difficulties (a
  mixture may give the largest set only 1/k of the draws). n + excluded <= total / 2."""
  free = total - excluded
  expected_draws = -total * math.log1p(-n / free)  # exact where total is astronomically large
  return int(4 * num_difficulties * expected_draws / _CHUNK) + 4


def _check_band(task: Task, band) -> tuple[int, int]:
  if not (isinstance(band, (tuple, list)) and len(band) == 2):
    raise ValueError(f"band must be a pair (lo, hi); got {band!r}")
  lo, hi = band
  task.check_difficulty(lo, "band lo")
  task.check_difficulty(hi, "band hi")
  if lo > hi:
    raise ValueError(f"band lo={lo} is above band hi={hi}")
  return lo, hi


def _check_mixture(task: Task, weights: Mapping[int, float]):
  if not weights:
    raise ValueError("a difficulty mixture needs at least one difficulty")
  for d, w in weights.items():
    task.check_difficulty(d)
    if not (np.isfinite(w) and w >= 0):
      raise ValueError(f"weight of difficulty {d} must be finite and >= 0; got {w}")
  difficulties = sorted(d for d, w in weights.items() if w > 0)
  if not difficulties:
    raise ValueError("every difficulty in the mixture has weight 0")
  total = sum(weights[d] for d in difficulties)
  return difficulties, [weights[d] / total for d in difficulties]
