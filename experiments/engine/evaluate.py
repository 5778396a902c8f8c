"""Exact match, token accuracy and loss per example, summed per test difficulty.

Exact match is judged under teacher forcing: every answer token is the model's argmax given
the true prefix. For a causal model this equals greedy decoding of the answer (a first
wrong token is wrong in both); `greedy_answers` exists to test exactly that.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from experiments.engine.losses import shift, target_log_probs
from synth.task import Example


class ExampleMetrics(NamedTuple):
  exact: jax.Array  # bool[B]: every answer token right
  correct_tokens: jax.Array  # int32[B]
  answer_tokens: jax.Array  # int32[B]
  loss_sum: jax.Array  # float32[B]: summed cross-entropy over answer tokens


class SliceSums(NamedTuple):
  """Sums indexed by difficulty value (index d holds difficulty d; index 0 is padding)."""

  errors: jax.Array
  correct_tokens: jax.Array
  answer_tokens: jax.Array
  loss_sum: jax.Array
  examples: jax.Array


def example_metrics(logits_BxTxV, targets_BxT, mask_BxT) -> ExampleMetrics:
  right_BxT = (jnp.argmax(logits_BxTxV, axis=-1) == targets_BxT) | ~mask_BxT
  nll_BxT = -target_log_probs(logits_BxTxV, targets_BxT)
  return ExampleMetrics(
      exact=right_BxT.all(axis=1),
      correct_tokens=(right_BxT & mask_BxT).sum(axis=1),
      answer_tokens=mask_BxT.sum(axis=1),
      loss_sum=jnp.where(mask_BxT, nll_BxT, 0.0).sum(axis=1))


CHECK_BATCH = 64  # a check that may stop reads this many examples at a time (see below)


def make_evaluate(model, batch_size: int, max_difficulty: int, output_start: int = 0):
  """evaluate(params, examples, stop_above=None, pooled=False) -> SliceSums; examples are
  padded with difficulty-0 rows, which land in the ignored slot 0, to whole batches of
  batch_size, or (a smaller set) to one batch of its own (`pad_to_batches`). No answer token
  may come before position output_start + 1 (see `Task.answer_start`). Jit and vmap it over
  runs.

  With `stop_above` (a number, traced or not), batches stop once the set's error must exceed
  stop_above whatever the remaining examples hold (`error_floor`; the error as the study
  reads it, the mean over difficulties of each one's error, or with `pooled` the plain mean
  over examples): the sums then cover only the batches evaluated, and the error they give
  still exceeds stop_above, so a check "error <= threshold" decides as on the whole set,
  often after one batch (the fine-tuning loop's checks of S, the bound's choice of sigma).
  Such a check reads CHECK_BATCH examples at a time where they divide the set: a set far
  above its limit then costs a fraction of one evaluation batch."""

  def batch_sums(params, batch: Example) -> SliceSums:
    inputs, targets, mask = shift(batch.tokens, batch.answer_mask, output_start)
    m = example_metrics(model.apply(params, inputs, output_start), targets, mask)
    per_example = (~m.exact, m.correct_tokens, m.answer_tokens, m.loss_sum,
                   jnp.ones_like(m.exact))
    return SliceSums(*[jax.ops.segment_sum(jnp.asarray(v, jnp.float32), batch.difficulty,
                                           max_difficulty + 1) for v in per_example])

  def evaluate(params, examples: Example, stop_above=None, pooled: bool = False) -> SliceSums:
    num = examples.tokens.shape[0]
    batch = min(batch_size, num)
    if num % batch:
      raise ValueError(f"{num} evaluation examples are not whole batches of {batch_size}; "
                       f"pad them with pad_to_batches")
    if stop_above is not None and num % CHECK_BATCH == 0:
      batch = min(batch, CHECK_BATCH)
    batches = jax.tree.map(lambda x: x.reshape((num // batch, batch) + x.shape[1:]), examples)
    zeros = SliceSums(*[jnp.zeros(max_difficulty + 1, jnp.float32)] * 5)
    if stop_above is None:
      sums, _ = jax.lax.scan(lambda sums, b: (_add(sums, batch_sums(params, b)), None),
                             zeros, batches)
      return sums
    per_difficulty = jax.ops.segment_sum(jnp.ones(num, jnp.float32), examples.difficulty,
                                         max_difficulty + 1)

    def go_on(carry):
      index, sums = carry
      return (index < num // batch) & (error_floor(sums, per_difficulty, pooled)
                                        <= stop_above + _FLOOR_ROUNDING)

    def next_batch(carry):
      index, sums = carry
      this = jax.tree.map(lambda x: jax.lax.dynamic_index_in_dim(x, index, keepdims=False),
                          batches)
      return index + 1, _add(sums, batch_sums(params, this))

    _, sums = jax.lax.while_loop(go_on, next_batch, (jnp.int32(0), zeros))
    return sums

  return evaluate


_FLOOR_ROUNDING = 1e-6  # float32's error in the floor is far below: a stop is never wrong


def error_floor(sums: SliceSums, per_difficulty, pooled: bool = False) -> jax.Array:
  """The least error a set can end with, given the errors in `sums` so far: each
  difficulty's errors over all its examples (`per_difficulty`, index 0 ignored), averaged
  over the difficulties the set holds; with `pooled`, all errors over all examples."""
  if pooled:
    return sums.errors[1:].sum() / jnp.maximum(per_difficulty[1:].sum(), 1)
  held = per_difficulty[1:] > 0
  shares = jnp.where(held, sums.errors[1:] / jnp.maximum(per_difficulty[1:], 1), 0.0)
  return shares.sum() / jnp.maximum(held.sum(), 1)


def _add(a: SliceSums, b: SliceSums) -> SliceSums:
  return jax.tree.map(jnp.add, a, b)


def pad_to_batches(examples: Example, batch_size: int) -> Example:
  """Appends all-padding rows of difficulty 0 up to a multiple of batch_size, or, for a set
  smaller than batch_size, up to the next power of two (one batch: a training set of 16 is
  not computed as 256; few distinct sizes, so few compiled programs)."""
  num = examples.tokens.shape[0]
  missing = padded_size(num, batch_size) - num
  return jax.tree.map(lambda x: np.concatenate([x, np.zeros((missing,) + x.shape[1:], x.dtype)]),
                      examples)


def padded_size(num: int, batch_size: int) -> int:
  """How many rows `pad_to_batches` makes of `num` examples: what an evaluation computes."""
  size = min(batch_size, 1 << max(num - 1, 0).bit_length())
  return num + -num % size


def slice_table(sums: SliceSums) -> dict[int, dict[str, float]]:
  """Host-side {difficulty: {error, token_accuracy, loss, examples}} for one run."""
  sums = jax.tree.map(np.asarray, sums)
  table = {}
  for d in np.flatnonzero(sums.examples[1:]) + 1:
    table[int(d)] = dict(error=float(sums.errors[d] / sums.examples[d]),
                         token_accuracy=float(sums.correct_tokens[d] / sums.answer_tokens[d]),
                         loss=float(sums.loss_sum[d] / sums.answer_tokens[d]),
                         examples=int(sums.examples[d]))
  return table


def greedy_answers(model, params, tokens_BxW, answer_mask_BxW) -> jax.Array:
  """Tokens with every answer position filled by greedy decoding, left to right."""
  width = tokens_BxW.shape[1]

  def decode_position(position, sequence_BxW):
    logits_BxV = model.apply(params, sequence_BxW[:, :-1])[:, position - 1]
    predicted_B = jnp.argmax(logits_BxV, axis=-1).astype(sequence_BxW.dtype)
    filled = jnp.where(answer_mask_BxW[:, position], predicted_B, sequence_BxW[:, position])
    return sequence_BxW.at[:, position].set(filled)

  return jax.lax.fori_loop(1, width, decode_position, tokens_BxW)
