"""The PAC-Bayes bound of every fine-tuned run (terms in pac_bayes.py), computed on the
devices right after a chunk is scored, while its fine-tuned parameters are there.

For each run: the squared distance from its base; the error on S of parameters drawn
from N(theta, sigma^2 I) at each sigma of `bounds.sigmas` (`bounds.selection_draws` draws
each); sigma = the largest whose error stays within `bounds.tolerance` of the undisturbed
run's (the smallest if none does); then Q's error on S from `bounds.draws` fresh draws at
that sigma. Errors here are plain means over S's examples, the empirical risk the bound
is about.
"""

import jax
import jax.numpy as jnp
import numpy as np

import synth
from experiments.analysis import pac_bayes
from experiments.engine import evaluate, sharding
from experiments.results import schema
from experiments.study.setup import Setup

BOUND_TERMS = schema.columns("bounds")[len(schema.RUN_KEY):]  # bounds.csv beyond the key
_SELECTION, _FINAL = 0, 1  # streams of a run's draws


def perturbed_errors(setup: Setup):
  """A jitted grid function (params, base params, S, key, sums on S) -> (squared distance,
  index of the chosen sigma, Q's mean error on S over `bounds.draws` draws), each run on its
  device; `sums` are the run's own SliceSums on S (its undisturbed error, not computed again).

  The sigmas are tried from the largest down, and the first within tolerance is chosen: the
  largest within it, as if every one were tried, since each sigma's draws use the same keys
  whatever was tried before. The smallest is chosen without a try when no other is within.
  A try stops reading S once its error must exceed the limit (`make_evaluate`'s stop_above):
  the same choice, for a fraction of a reading where sigma is far too large."""
  b = setup.config.bounds
  sigmas = jnp.asarray(b.sigmas, jnp.float32)
  evaluate_fn = evaluate.make_evaluate(setup.model, setup.config.evaluation.batch_size,
                                       setup.train_task.max_difficulty,
                                       setup.evaluation_output_start)

  def one_run(params, base_params, examples, key, sums):
    squared_distance = sum(jnp.sum(jnp.square(q - p)) for q, p in
                           zip(jax.tree.leaves(params), jax.tree.leaves(base_params)))

    def error_of(sums):
      return sums.errors[1:].sum() / jnp.maximum(sums.examples[1:].sum(), 1)

    def perturbed_error(sigma, draw_key, stop_above):
      leaves, tree = jax.tree.flatten(params)
      noises = [jax.random.normal(k, x.shape, x.dtype)
                for k, x in zip(jax.random.split(draw_key, len(leaves)), leaves)]
      return error_of(evaluate_fn(
          jax.tree.unflatten(tree, [x + sigma * e for x, e in zip(leaves, noises)]), examples,
          stop_above, pooled=True))

    def mean_error(sigma, stream, draws, limit=None):
      # A draw whose error must exceed draws x limit makes the mean exceed limit (errors are
      # >= 0), so it may stop there: the same verdict "within the limit", for less work.
      stop_above = None if limit is None else draws * limit
      keys = jax.random.split(jax.random.fold_in(key, stream), draws)
      return jax.lax.map(lambda k: perturbed_error(sigma, k, stop_above), keys).mean()

    limit = error_of(sums) + b.tolerance
    index = largest_within(
        lambda i: mean_error(sigmas[i], _SELECTION, b.selection_draws, limit), len(b.sigmas),
        limit)
    return squared_distance, index, mean_error(sigmas[index], _FINAL, b.draws)

  return jax.jit(sharding.map_runs(one_run, setup.mesh, setup.vmap_width))


def largest_within(error_at, count: int, limit) -> jax.Array:
  """The largest index i in 1..count - 1 with error_at(i) <= limit, else 0: tried from the
  top down, stopping at the first (jittable; error_at takes a traced index)."""

  def try_next(carry):  # (index, found) -> the same index if within the limit, else one less
    index, _ = carry
    within = error_at(index) <= limit
    return jnp.where(within, index, index - 1), within

  index, _ = jax.lax.while_loop(lambda carry: (carry[0] > 0) & ~carry[1], try_next,
                                (jnp.int32(count - 1), jnp.bool_(False)))
  return index


def bound_rows(setup: Setup, identities, params, base_params, train_sets, keys, train_sums,
               perturbed) -> list[dict]:
  """bounds.csv rows of a chunk's runs: the run key, then the bound's terms.
  `params` and `train_sums` (each run's SliceSums on S) on the devices; `base_params`,
  `train_sets` and `keys` placed with put_runs; `perturbed`: perturbed_errors(setup)."""
  b, config = setup.config.bounds, setup.config
  squared, index, r_s_q = sharding.gather(
      perturbed(params, base_params, train_sets, keys, train_sums), len(identities))
  sigma = np.asarray(b.sigmas)[index]
  test_weights = synth.uniform_weights(config.evaluation.test_difficulties)
  tv = np.array([synth.total_variation(
      setup.test_task, test_weights, setup.train_task,
      synth.uniform_weights(range(r["band_lo"], r["band_hi"] + 1))) for r in identities])
  kl = pac_bayes.isotropic_gaussian_kl(squared, sigma)
  terms = pac_bayes.bound_terms(r_s_q, b.draws, kl, [r["n"] for r in identities], tv,
                                len(b.sigmas), b.delta)
  terms.update(sigma=sigma, KL=kl, draws=np.full(len(identities), b.draws))
  return [dict(identity, **{c: terms[c][i].item() for c in BOUND_TERMS})
          for i, identity in enumerate(identities)]
