"""Next-token losses on answer tokens: plain SFT cross-entropy and DFT.

DFT (dynamic fine-tuning) weights each answer token's -log p by stop_gradient(p), so its
gradient with respect to the logits is p * (softmax - onehot): confident tokens count more,
tokens the model finds unlikely (hard ones) count less.
"""

import jax
import jax.numpy as jnp


def target_log_probs(logits_BxTxV: jax.Array, targets_BxT: jax.Array) -> jax.Array:
  log_probs = jax.nn.log_softmax(logits_BxTxV, axis=-1)
  return jnp.take_along_axis(log_probs, targets_BxT[..., None], axis=-1)[..., 0]


def token_losses(logits_BxTxV, targets_BxT, dft) -> jax.Array:
  """Per-token loss: -log p (SFT) or -stop_gradient(p) log p (DFT, when `dft` is True)."""
  log_p = target_log_probs(logits_BxTxV, targets_BxT)
  weight = jnp.where(dft, jax.lax.stop_gradient(jnp.exp(log_p)), 1.0)
  return -weight * log_p


def shift(tokens_BxW: jax.Array, answer_mask_BxW: jax.Array, output_start: int = 0):
  """(inputs, targets, target mask): position t predicts token t + 1; targets and mask
  start at position `output_start`, as the model's logits do when given it."""
  return (tokens_BxW[:, :-1], tokens_BxW[:, 1 + output_start:],
          answer_mask_BxW[:, 1 + output_start:])
