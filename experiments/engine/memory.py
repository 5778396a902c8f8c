"""How many fine-tuning runs a device holds: the bytes one run keeps and the bytes it
computes with, from the model's and the data's shapes (study/finetune.py cuts its groups
into chunks by it)."""

from typing import NamedTuple


class RunShape(NamedTuple):
  """What sets one run's memory: the model, the sequence width and the data it holds."""

  parameters: int
  width: int
  capacity: int  # the training-set buffer, in examples (the largest budget)
  heldout: int
  eval_batch: int
  train_batch: int
  vocab: int
  d_model: int
  num_layers: int
  num_heads: int
  mlp_ratio: int


def kept_bytes(shape: RunShape) -> int:
  """Per run, for its whole life (floats of 4 bytes; a token and its answer-mask bit 5):
    parameters, gradient, two Adam moments, the update   5 x P x 4
    the training-set buffer of `capacity`                capacity x width x 5
    S and the held-out set, padded to evaluation batches (capacity + heldout + 2 eb) x width x 5
  """
  return (5 * shape.parameters * 4
          + (2 * shape.capacity + shape.heldout + 2 * shape.eval_batch) * shape.width * 5)


def active_bytes(shape: RunShape) -> int:
  """Per run computed at one moment, the larger of one training step's activations, kept
  for the backward pass,
    batch x width x (layers x (d_model x (9 + 2 mlp_ratio) + 2 heads x width) + 3 vocab) x 4,
  and one evaluation batch's, eb x width x (d_model x (5 + mlp_ratio) + heads x width + vocab) x 4.
  """
  s = shape
  training = s.train_batch * s.width * 4 * (
      s.num_layers * (s.d_model * (9 + 2 * s.mlp_ratio) + 2 * s.num_heads * s.width)
      + 3 * s.vocab)
  evaluating = s.eval_batch * s.width * 4 * (
      s.d_model * (5 + s.mlp_ratio) + s.num_heads * s.width + s.vocab)
  return max(training, evaluating)


def runs_per_device(shape: RunShape, budget_bytes: int, vmap_width: int | None) -> int:
  """Most runs of this shape a device holds in `budget_bytes`, `vmap_width` of them computed
  at once (all when None): R x kept + min(w, R) x active must fit; at least 1.
  Example: `addition` (P = 0.6 M, width 29, capacity 4096, evaluation batch 256) keeps 13.2
  MB and computes with 38 MB (an evaluation batch) per run, so 40 GB (half an 80 GB device)
  holds 779 runs computed all at once (an accelerator's default) or 3,025 one at a time."""
  kept, active = kept_bytes(shape), active_bytes(shape)
  if vmap_width is None:
    per_device = budget_bytes // (kept + active)
  else:
    per_device = (budget_bytes - vmap_width * active) // kept
  return max(int(per_device), 1)
