"""Multi-digit addition; difficulty = number of digits of each operand.

`a + b = s`: the answer has one digit more than the operands (a leading 0 where there is
no final carry), so an answer's length is fixed by the layout, never by the values.
"""

import dataclasses
from typing import ClassVar, Mapping, Sequence

import jax
import jax.numpy as jnp

import allowed
from synth.task import BOS, EOS, PAD, Example, Task, Vocabulary, pack_rows

DIGIT_ORDERS = ("reversed", "plain")
LAYOUTS = ("variable", "fixed")
OPERAND_SAMPLINGS = ("exact", "uniform")
MAX_DIGITS = 64
_VOCAB = Vocabulary((PAD, BOS, EOS) + tuple("0123456789") + ("+", "="))
_DIGIT0 = _VOCAB.id("0")


@dataclasses.dataclass(frozen=True)
class Addition(Task):
  """Options:
    max_difficulty: the most digits an operand may have (sets the padded width).
    digit_order: "reversed" writes every number least significant digit first;
      "plain" writes them the usual way round.
    layout: "variable" writes d-digit operands with d digits; "fixed" zero-pads every
      operand to max_difficulty digits, so every difficulty shares one layout.
    operand_sampling: "exact" draws operands with exactly d digits (no leading zero,
      except 0 itself at d = 1); "uniform" draws them uniformly from 0..10^d - 1.
  """

  name: ClassVar[str] = "addition"
  max_difficulty: int = 20
  digit_order: str = "reversed"
  layout: str = "variable"
  operand_sampling: str = "exact"

  def __post_init__(self):
    allowed.integer("max_difficulty", self.max_difficulty, 1, MAX_DIGITS)
    allowed.option("digit_order", self.digit_order, DIGIT_ORDERS)
    allowed.option("layout", self.layout, LAYOUTS)
    allowed.option("operand_sampling", self.operand_sampling, OPERAND_SAMPLINGS)

  @property
  def vocab(self) -> Vocabulary:
    return _VOCAB

  def _operand_width(self, difficulty):
    return self.max_difficulty if self.layout == "fixed" else difficulty

  def sequence_width(self, max_difficulty: int | None = None) -> int:
    max_difficulty = self.widest(max_difficulty)
    return 3 * self._operand_width(max_difficulty) + 5  # bos a + b = s eos, |s| = |a|+1

  def answer_start(self, difficulty: int) -> int:
    self.check_difficulty(difficulty)
    return 2 * self._operand_width(difficulty) + 3  # after bos a + b =

  def _sample(self, key: jax.Array, difficulty: jax.Array) -> Example:
    key_a, key_b = jax.random.split(key)
    a_M = self._sample_operand(key_a, difficulty)
    b_M = self._sample_operand(key_b, difficulty)
    s_M1 = _add_digits(a_M, b_M)
    width = self._operand_width(difficulty)
    row_width = self.max_difficulty + 1
    rows = [
        _single(_VOCAB.id(BOS), row_width),
        self._write_number(a_M, width, row_width),
        _single(_VOCAB.id("+"), row_width),
        self._write_number(b_M, width, row_width),
        _single(_VOCAB.id("="), row_width),
        self._write_number(s_M1, width + 1, row_width),
        _single(_VOCAB.id(EOS), row_width),
    ]
    lengths = jnp.array([1, width, 1, width, 1, width + 1, 1], jnp.int32)
    is_answer = jnp.array([False] * 5 + [True, True])
    masks = jnp.broadcast_to(is_answer[:, None], (len(rows), row_width))
    tokens, answer_mask = pack_rows(jnp.stack(rows), lengths, masks, self.sequence_width())
    return Example(tokens, answer_mask, difficulty)

  def _sample_operand(self, key: jax.Array, difficulty: jax.Array) -> jax.Array:
    """The operand's digits, least significant first, zero beyond `difficulty` digits."""
    key_digits, key_lead = jax.random.split(key)
    position = jnp.arange(self.max_difficulty)
    digits = jax.random.randint(key_digits, (self.max_difficulty,), 0, 10)
    if self.operand_sampling == "exact":
      leading = jax.random.randint(key_lead, (), 1, 10)
      digits = jnp.where((position == difficulty - 1) & (difficulty > 1), leading, digits)
    return jnp.where(position < difficulty, digits, 0).astype(jnp.int32)

  def _write_number(self, digits_lsb_first, length, row_width):
    """Digit tokens of a number written with `length` digits in this task's order."""
    column = jnp.arange(row_width)
    if self.digit_order == "plain":
      column = jnp.clip(length - 1 - column, 0, digits_lsb_first.shape[0] - 1)
    padded = jnp.pad(digits_lsb_first, (0, row_width - digits_lsb_first.shape[0]))
    return _DIGIT0 + padded[column]

  def _parse(self, tokens) -> tuple[str, str, str] | None:
    """(a, b, s) digit strings most significant first, or None if malformed."""
    symbols = self.vocab.decode(tokens)
    if symbols[:1] != [BOS] or symbols[-1:] != [EOS]:
      return None
    text = "".join(symbols[1:-1])
    parts = text.replace("=", "+").split("+")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or text.index("+") > text.index("="):
      return None
    if self.digit_order == "reversed":
      parts = [p[::-1] for p in parts]
    return tuple(parts)

  def render(self, tokens) -> str:
    parsed = self._parse(tokens)
    if parsed is None:
      return "malformed: " + " ".join(self.vocab.decode(tokens))
    a, b, s = (int(p) for p in parsed)
    return f"{a} + {b} = {s}"

  def check(self, tokens) -> bool:
    parsed = self._parse(tokens)
    if parsed is None:
      return False
    a, b, s = parsed
    width_ok = len(a) == len(b) and len(s) == len(a) + 1
    if self.layout == "fixed":
      width_ok &= len(a) == self.max_difficulty
    return width_ok and int(a) + int(b) == int(s)

  def difficulty_of(self, tokens) -> int:
    """Operand width as written (variable layout), or the larger operand's digit count
    (fixed layout, where every operand is written with max_difficulty digits)."""
    parsed = self._parse(tokens)
    if parsed is None:
      raise ValueError("malformed addition example: " + " ".join(self.vocab.decode(tokens)))
    a, b, _ = parsed
    if self.layout == "variable":
      return len(a)
    return max(len(str(int(a))), len(str(int(b))))

  def num_distinct(self, difficulties: Sequence[int]) -> int:
    difficulties = sorted(set(difficulties))
    if self.operand_sampling == "exact":  # exact-d sets are disjoint across d
      return sum(100 if d == 1 else (9 * 10 ** (d - 1)) ** 2 for d in difficulties)
    if self.layout == "variable":  # written widths differ, so the sets are disjoint
      return sum(10 ** (2 * d) for d in difficulties)
    return 10 ** (2 * difficulties[-1])  # fixed layout: each set contains the smaller ones


  def law_family(self) -> tuple:
    """Additions that write numbers alike; the operand sampling may differ."""
    return (self.name, self.max_difficulty, self.layout, self.digit_order)

  def law_classes(self, weights: Mapping[int, float]) -> dict[tuple, float]:
    """Classes by the digit counts (i, j) of the two operands (0 counts one digit), and by
    the written width d too in the variable layout: within one, both samplings draw every
    operand pair equally often. The fixed layout writes a pair the same way whichever
    difficulty drew it, so its classes gather every difficulty."""
    classes = {}
    for d, weight in weights.items():
      lengths = self._digit_count_law(d)
      for i, p_i in lengths.items():
        for j, p_j in lengths.items():
          key = (i, j) if self.layout == "fixed" else (d, i, j)
          classes[key] = classes.get(key, 0.0) + weight * p_i * p_j
    return {k: v for k, v in classes.items() if v > 0}

  def _digit_count_law(self, difficulty: int) -> dict[int, float]:
    """{digit count: probability} of one operand drawn at this difficulty."""
    if self.operand_sampling == "exact":
      return {difficulty: 1.0}
    numbers = lambda i: 10 if i == 1 else 9 * 10 ** (i - 1)  # with exactly i digits
    return {i: numbers(i) / 10 ** difficulty for i in range(1, difficulty + 1)}


def _single(token_id: int, row_width: int) -> jax.Array:
  return jnp.full(row_width, token_id, jnp.int32)


def _add_digits(a_M: jax.Array, b_M: jax.Array) -> jax.Array:
  """Sum of two little-endian digit vectors, one digit longer than them."""

  def add_column(carry, digit_pair):
    total = digit_pair[0] + digit_pair[1] + carry
    return total // 10, total % 10

  carry, digits = jax.lax.scan(add_column, jnp.int32(0), jnp.stack([a_M, b_M], axis=1))
  return jnp.append(digits, carry).astype(jnp.int32)
