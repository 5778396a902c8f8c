"""The task interface shared by every generator: vocabulary, example and sampler contract.

A task draws one example from a PRNG key and a difficulty. The difficulty may be a traced
integer, so one compiled program samples a whole band; every example of a task is padded
to the same width, `task.sequence_width()`, set by the task's `max_difficulty`.
"""

import abc
import dataclasses
from typing import Hashable, Mapping, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

import allowed

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"


class Example(NamedTuple):
  """One padded sequence; stacked along leading axes by vmap.

  `answer_mask[t]` is True where `tokens[t]` is a target the model must predict (answer
  tokens and the end token); the prompt and padding are False.
  """

  tokens: jax.Array  # int32[W]
  answer_mask: jax.Array  # bool[W]
  difficulty: jax.Array  # int32[]


@dataclasses.dataclass(frozen=True)
class Vocabulary:
  """Token strings; id 0 is always padding, 1 the start token, 2 the end token."""

  symbols: tuple[str, ...]

  def __post_init__(self):
    if self.symbols[:3] != (PAD, BOS, EOS):
      raise ValueError(f"a vocabulary starts with {PAD}, {BOS}, {EOS}; got {self.symbols[:3]}")
    if len(set(self.symbols)) != len(self.symbols):
      raise ValueError("vocabulary symbols must be distinct")

  def __len__(self) -> int:
    return len(self.symbols)

  def id(self, symbol: str) -> int:
    return self.symbols.index(symbol)

  def ids(self, symbols: Sequence[str]) -> np.ndarray:
    return np.array([self.id(s) for s in symbols], dtype=np.int32)

  def decode(self, tokens) -> list[str]:
    """Token ids to symbols, stopping at the first padding token."""
    out = []
    for t in np.asarray(tokens).tolist():
      if t == 0:
        break
      out.append(self.symbols[t] if 0 <= t < len(self.symbols) else f"<?{t}>")
    return out


def is_traced(x) -> bool:
  return isinstance(x, jax.core.Tracer)


class Task(abc.ABC):
  """A difficulty-parameterised sequence task (see module docstring).

  Subclasses are frozen dataclasses (hashable, so usable as static jit arguments) with a
  `max_difficulty` field and implement `_sample`, `sequence_width`, `render`, `check`,
  `difficulty_of` and `num_distinct`.
  """

  name: str
  min_difficulty: int = 1
  max_difficulty: int

  @property
  @abc.abstractmethod
  def vocab(self) -> Vocabulary:
    ...

  @abc.abstractmethod
  def sequence_width(self, max_difficulty: int | None = None) -> int:
    """Padded width of examples up to `max_difficulty` (default: the task's maximum)."""

  @abc.abstractmethod
  def _sample(self, key: jax.Array, difficulty: jax.Array) -> Example:
    ...

  @abc.abstractmethod
  def answer_start(self, difficulty: int) -> int:
    """Index of the first answer token in every example of this difficulty; it never
    decreases with difficulty. A model need not predict anything before it."""

  @abc.abstractmethod
  def render(self, tokens) -> str:
    """The example as a person reads it."""

  @abc.abstractmethod
  def check(self, tokens) -> bool:
    """Whether the answer in `tokens` is right, re-derived from the problem text alone."""

  @abc.abstractmethod
  def difficulty_of(self, tokens) -> int:
    """The difficulty of the problem in `tokens`, measured from its text alone."""

  @abc.abstractmethod
  def num_distinct(self, difficulties: Sequence[int]) -> int:
    """How many distinct token sequences the given difficulties hold together (or a lower
    bound where the count is astronomically large)."""

  def law_family(self) -> Hashable:
    """Tasks of one family draw alike within each class of `law_classes`, so the laws of
    their examples can be compared class by class. Default: the same task, same options."""
    return self

  def law_classes(self, weights: Mapping[int, float]) -> dict[Hashable, float]:
    """The law of the token sequences drawn with these difficulty weights, as the
    probability of each class of a partition within which every task of the family draws
    alike. Default: the classes are the difficulties, for a task whose text reveals its
    difficulty (`difficulty_of`) and that draws each difficulty one way."""
    return {d: float(w) for d, w in weights.items() if w > 0}

  def check_difficulty(self, difficulty, name: str = "difficulty") -> None:
    allowed.integer(name, difficulty, self.min_difficulty, self.max_difficulty)

  def widest(self, max_difficulty: int | None) -> int:
    """The difficulty `sequence_width` is asked for: the task's maximum where None, else
    the one given, checked in range."""
    max_difficulty = self.max_difficulty if max_difficulty is None else max_difficulty
    self.check_difficulty(max_difficulty, "max_difficulty")
    return max_difficulty

  def sample(self, key: jax.Array, difficulty) -> Example:
    """Draws one example of the given difficulty; pure, jittable, vmappable over both.

    A concrete difficulty outside [min_difficulty, max_difficulty] raises ValueError; a
    traced one cannot raise, so it is clipped into range (and the clipped value is the
    example's recorded difficulty).
    """
    if not is_traced(difficulty):
      value = np.asarray(difficulty)
      if value.ndim != 0 or value.dtype.kind not in "iu":
        raise ValueError(f"difficulty must be one integer (vmap `sample` for a batch); "
                         f"got {difficulty!r}")
      self.check_difficulty(int(value))
    difficulty = jnp.clip(jnp.asarray(difficulty, jnp.int32), self.min_difficulty,
                          self.max_difficulty)
    return self._sample(key, difficulty)


def pack_rows(rows_RxC: jax.Array, lengths_R: jax.Array, masks_RxC: jax.Array,
              width: int) -> tuple[jax.Array, jax.Array]:
  """Concatenates the first `lengths[r]` tokens of each row into one padded sequence.

  Rows of length 0 vanish, so a traced difficulty can switch rows on and off while the
  shapes stay fixed. Returns (tokens int32[width], answer_mask bool[width]).
  """
  num_cols = rows_RxC.shape[1]
  starts_R = jnp.cumsum(lengths_R) - lengths_R
  cols_C = jnp.arange(num_cols)
  positions_RxC = starts_R[:, None] + cols_C[None, :]
  in_row_RxC = cols_C[None, :] < lengths_R[:, None]
  positions_RxC = jnp.where(in_row_RxC, positions_RxC, width)  # `width` is dropped
  tokens = jnp.zeros(width, jnp.int32).at[positions_RxC].set(rows_RxC, mode="drop")
  mask = jnp.zeros(width, bool).at[positions_RxC].set(masks_RxC, mode="drop")
  return tokens, mask
