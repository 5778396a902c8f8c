"""A pre-LayerNorm decoder-only transformer in Flax linen.

Linen rather than NNX: its parameters are a plain nested dict and `apply` a pure function,
so a grid of runs is just the same pytree with a leading runs axis under `jax.vmap`, with
no split/merge of module state inside the training scan.
"""

import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

import allowed

POSITION_ENCODINGS = ("learned", "sinusoidal", "rope", "none")
DTYPES = ("float32", "bfloat16")
# Where a block places its Canon layers, in Allen-Zhu's letters: A before attention, B on
# the query/key/value projections, C before the MLP, D inside the MLP (before the activation).
CANON_POINTS = "ABCD"


@dataclasses.dataclass(frozen=True)
class ModelConfig:
  """Shape of the model. `max_length` sizes every position table: the longest sequence the
  model will ever see, evaluation included."""

  vocab_size: int
  max_length: int
  d_model: int = 128
  num_layers: int = 2
  num_heads: int = 4
  mlp_ratio: int = 4
  position_encoding: str = "learned"
  tied_embeddings: bool = True
  compute_dtype: str = "float32"
  canon_width: int = 0  # > 0: each block mixes this many positions at `canon_points` (Canon)
  canon_points: str = "A"  # letters of CANON_POINTS, in that order
  rope_fraction: float = 1.0  # share of each head's channels that rope rotates (even count)
  position_scatter: int = 1  # > 1: randomised positions in training (`random_positions`)

  def __post_init__(self):
    allowed.integer("vocab_size", self.vocab_size, 3, 1 << 20)
    allowed.integer("max_length", self.max_length, 2, 1 << 16)
    allowed.integer("d_model", self.d_model, 2, 1 << 14)
    allowed.integer("num_layers", self.num_layers, 1, 256)
    allowed.integer("num_heads", self.num_heads, 1, self.d_model)
    allowed.integer("mlp_ratio", self.mlp_ratio, 1, 64)
    allowed.option("position_encoding", self.position_encoding, POSITION_ENCODINGS)
    allowed.option("compute_dtype", self.compute_dtype, DTYPES)
    allowed.integer("canon_width", self.canon_width, 0, 16)
    allowed.integer("position_scatter", self.position_scatter, 1, 64)
    if not (isinstance(self.canon_points, str) and self.canon_points
            and all(p in CANON_POINTS for p in self.canon_points)
            and "".join(sorted(set(self.canon_points))) == self.canon_points):
      raise ValueError(f"canon_points={self.canon_points!r} must be distinct letters of "
                       f"{CANON_POINTS!r} in that order, e.g. 'A' or 'ABCD'")
    allowed.real("rope_fraction", self.rope_fraction, 0, 1, lo_open=True)
    if self.position_scatter > 1 and self.position_encoding == "none":
      raise ValueError("position_scatter > 1 needs a position encoding; position_encoding "
                       "is 'none'")
    if self.d_model % self.num_heads:
      raise ValueError(f"d_model={self.d_model} must be a multiple of num_heads={self.num_heads}")
    if self.position_encoding == "rope" and (self.d_model // self.num_heads) % 2:
      raise ValueError(f"rope needs an even head size; d_model/num_heads = "
                       f"{self.d_model // self.num_heads}")

  @property
  def head_dim(self) -> int:
    return self.d_model // self.num_heads

  @property
  def rotated_dim(self) -> int:
    """Channels of each head that rope rotates: the even number nearest rope_fraction of
    them, at least 2."""
    return max(2, 2 * round(self.rope_fraction * self.head_dim / 2))

  def canon_at(self, point: str) -> bool:
    return self.canon_width > 0 and point in self.canon_points

  @property
  def position_span(self) -> int:
    """How many positions the encodings cover: max_length, times position_scatter."""
    return self.max_length * self.position_scatter


def random_positions(key: jax.Array, batch: int, length: int, span: int) -> jax.Array:
  """Randomised positions (Ruoss et al. 2023): for each sequence, `length` distinct
  positions drawn from [0, span) and sorted, so that training sees the position values and
  gaps of sequences up to `span` long. int32[batch, length]."""

  def one(key):
    return jnp.sort(jax.random.choice(key, span, (length,), replace=False)).astype(jnp.int32)

  return jax.vmap(one)(jax.random.split(key, batch))


def evaluation_positions(length: int, scatter: int) -> np.ndarray:
  """Positions without a draw: position i at i * scatter, the mean gap of a random draw from
  a span of scatter * length (plain 0, 1, ... where scatter is 1)."""
  return np.arange(length) * scatter


def sinusoid_table(length: int, dim: int) -> np.ndarray:
  """The fixed sine/cosine position table of Vaswani et al., [length, dim]."""
  position = np.arange(length)[:, None]
  frequency = np.exp(-np.log(10000.0) * np.arange(0, dim, 2) / dim)[None, :]
  table = np.zeros((length, dim), np.float32)
  table[:, 0::2] = np.sin(position * frequency)
  table[:, 1::2] = np.cos(position * frequency[:, :dim // 2])
  return table


def apply_rope(x_BxLxHxK: jax.Array, rotated: int | None = None, positions=None) -> jax.Array:
  """Rotates each pair of channels (i, i + R/2) of the first R = `rotated` (default: all)
  by a position-dependent angle; the rest pass unchanged (partial rope). `positions`: a
  numpy [L] (default 0, 1, ...), whose angle tables are constants computed once when the
  model is traced, or a traced [B, L] (randomised positions)."""
  length, head_dim = x_BxLxHxK.shape[1], x_BxLxHxK.shape[3]
  if rotated is not None and rotated < head_dim:
    return jnp.concatenate([apply_rope(x_BxLxHxK[..., :rotated], positions=positions),
                            x_BxLxHxK[..., rotated:]], axis=-1)
  half = head_dim // 2
  frequency_F = 10000.0 ** (-np.arange(half) / half)
  positions = np.arange(length) if positions is None else positions
  if isinstance(positions, np.ndarray):
    angle_LxF = positions[:, None] * frequency_F[None, :]
    cos, sin = (jnp.asarray(f(angle_LxF)[None, :, None, :], x_BxLxHxK.dtype)
                for f in (np.cos, np.sin))
  else:
    angle_BxLxF = (positions[..., None].astype(jnp.float32)
                   * frequency_F.astype(np.float32)[None, None, :])
    cos, sin = (f(angle_BxLxF)[:, :, None, :].astype(x_BxLxHxK.dtype) for f in (jnp.cos, jnp.sin))
  first, second = x_BxLxHxK[..., :half], x_BxLxHxK[..., half:]
  return jnp.concatenate([first * cos - second * sin, first * sin + second * cos], axis=-1)


class CausalSelfAttention(nn.Module):
  """Every position attends to itself and the ones before; only positions from
  `query_start` on ask (the earlier ones still serve as keys and values)."""

  config: ModelConfig

  @nn.compact
  def __call__(self, x_BxLxD, query_start: int = 0, positions=None):
    c = self.config
    dtype = jnp.dtype(c.compute_dtype)
    batch, length, _ = x_BxLxD.shape
    qkv = nn.Dense(3 * c.d_model, use_bias=False, dtype=dtype, name="qkv")(x_BxLxD)
    if c.canon_at("B"):
      qkv = Canon(c.canon_width, dtype, name="canon_qkv")(qkv)
    q_BxLxHxK, k_BxLxHxK, v_BxLxHxK = (
        t.reshape(batch, length, c.num_heads, c.head_dim) for t in jnp.split(qkv, 3, axis=-1))
    if c.position_encoding == "rope":
      q_BxLxHxK, k_BxLxHxK = (apply_rope(t, c.rotated_dim, positions)
                              for t in (q_BxLxHxK, k_BxLxHxK))
    q_BxQxHxK = q_BxLxHxK[:, query_start:]
    att_BxHxQxL = jnp.einsum("bqhk,blhk->bhql", q_BxQxHxK, k_BxLxHxK) / np.sqrt(c.head_dim)
    causal_QxL = np.tril(np.ones((length, length), bool))[query_start:]
    att_BxHxQxL = jnp.where(causal_QxL, att_BxHxQxL.astype(jnp.float32), -1e30)
    weights_BxHxQxL = jax.nn.softmax(att_BxHxQxL, axis=-1).astype(dtype)
    out_BxQxHxK = jnp.einsum("bhql,blhk->bqhk", weights_BxHxQxL, v_BxLxHxK)
    return nn.Dense(c.d_model, use_bias=False, dtype=dtype, name="out")(
        out_BxQxHxK.reshape(batch, length - query_start, c.d_model))


class Canon(nn.Module):
  """x + a causal depthwise convolution of x over the last `width` positions: each position
  sees its few predecessors before attention ("Canon layers", Allen-Zhu 2025, Physics of
  Language Models 4.1), which spares attention the previous-token hops of a lookup."""

  width: int
  dtype: jnp.dtype

  @nn.compact
  def __call__(self, x_BxLxD):
    kernel_WxD = self.param("kernel", nn.initializers.normal(0.02),
                            (self.width, x_BxLxD.shape[-1])).astype(self.dtype)
    padded_BxLxD = jnp.pad(x_BxLxD, ((0, 0), (self.width - 1, 0), (0, 0)))
    length = x_BxLxD.shape[1]
    lagged = lambda w: padded_BxLxD[:, self.width - 1 - w:][:, :length]  # x[t - w], 0 before 0
    mixed_BxLxD = sum(kernel_WxD[w][None, None] * lagged(w) for w in range(self.width))
    return x_BxLxD + mixed_BxLxD


class Block(nn.Module):
  """Pre-LayerNorm attention and MLP; returns positions from `query_start` on only.

  A Canon layer in the MLP path (C, D) mixes a position with its predecessors, so the
  block then computes from `canon_width - 1` positions earlier per such layer (the first
  ones of each are wrong, missing their own predecessors) and drops them at the end.
  """

  config: ModelConfig

  @nn.compact
  def __call__(self, x_BxLxD, query_start: int = 0, positions=None):
    c = self.config
    dtype = jnp.dtype(c.compute_dtype)
    canon = lambda point, name: Canon(c.canon_width, dtype, name=name) if c.canon_at(point) \
        else (lambda x: x)
    mlp_canons = sum(c.canon_at(point) for point in "CD")
    start = max(0, query_start - mlp_canons * (c.canon_width - 1))
    normed_BxLxD = canon("A", "canon")(nn.LayerNorm(dtype=dtype)(x_BxLxD))
    attended_BxSxD = CausalSelfAttention(c, name="attention")(normed_BxLxD, start, positions)
    x_BxSxD = x_BxLxD[:, start:] + attended_BxSxD
    normed_BxSxD = canon("C", "canon_mlp")(nn.LayerNorm(dtype=dtype)(x_BxSxD))
    h_BxSxF = canon("D", "canon_hidden")(nn.Dense(c.mlp_ratio * c.d_model, dtype=dtype)(
        normed_BxSxD))
    out_BxSxD = x_BxSxD + nn.Dense(c.d_model, dtype=dtype)(nn.gelu(h_BxSxF))
    return out_BxSxD[:, query_start - start:]


class Transformer(nn.Module):
  """tokens int32[B, L] -> next-token logits float32[B, L - output_start, vocab].

  `output_start` (static) skips the logits of the first positions where nobody reads them
  (a prompt has no targets): the last block then computes its queries and MLP only from
  there on, which is exact (causal attention) and saves most of that block's work.
  `positions` (int32[B, L], below `config.position_span`): each token's position, for
  randomised positions in training; None: `evaluation_positions`.
  """

  config: ModelConfig

  @nn.compact
  def __call__(self, tokens_BxL, output_start: int = 0, positions=None):
    c = self.config
    length = tokens_BxL.shape[1]
    if length > c.max_length:
      raise ValueError(f"sequence length {length} exceeds the model's max_length={c.max_length}")
    dtype = jnp.dtype(c.compute_dtype)
    embed = nn.Embed(c.vocab_size, c.d_model, dtype=dtype, name="embed")
    x_BxLxD = embed(tokens_BxL)
    rows = lambda table_PxD: (  # [1 or B, L, D]: evaluation_positions' rows, or the drawn ones
        table_PxD[::c.position_scatter][:length][None] if positions is None
        else table_PxD[positions])
    if c.position_encoding == "learned":
      table = self.param("positions", nn.initializers.normal(0.02), (c.position_span, c.d_model))
      x_BxLxD = x_BxLxD + rows(table).astype(dtype)
    elif c.position_encoding == "sinusoidal":
      x_BxLxD = x_BxLxD + rows(jnp.asarray(sinusoid_table(c.position_span, c.d_model))
                               ).astype(dtype)
    if positions is None:  # rope's angle tables stay numpy constants
      positions = evaluation_positions(length, c.position_scatter)
    x_BxLxD = self.perturb("embedded", x_BxLxD)  # lets tests take gradients per position
    allowed.integer("output_start", output_start, 0, length - 1)
    for i in range(c.num_layers):
      last = i == c.num_layers - 1
      x_BxLxD = Block(c, name=f"block_{i}")(x_BxLxD, output_start if last else 0, positions)
    x_BxOxD = nn.LayerNorm(dtype=dtype, name="final_norm")(x_BxLxD)
    if c.tied_embeddings:
      logits_BxOxV = embed.attend(x_BxOxD)
    else:
      logits_BxOxV = nn.Dense(c.vocab_size, use_bias=False, dtype=dtype, name="head")(x_BxOxD)
    return logits_BxOxV.astype(jnp.float32)

