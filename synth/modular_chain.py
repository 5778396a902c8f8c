"""A chain of operations mod m with the running result written at each step; difficulty =
the number of operations.

`3 + 4 * 2 - 1 = 7 4 3`: start from the first number, apply each operation in turn (no
precedence), and write the result after every one (mod m). Each step needs only the
previous result and the next two tokens, so a longer chain asks for depth (more steps,
later positions) with no lookup: the skill that `graph_arithmetic` mixes with finding
quantities by name, isolated.
"""

import dataclasses
from typing import ClassVar, Sequence

import jax
import jax.numpy as jnp

from synth.task import BOS, EOS, PAD, Example, Task, Vocabulary, check_int_range, \
    check_option, pack_rows

MAX_OPERATIONS = 64
MAX_MODULUS = 10  # values are single digit tokens
OPERATION_SETS = ("+", "+-", "+-*")
_VOCAB = Vocabulary((PAD, BOS, EOS) + tuple("0123456789") + ("+", "-", "*", "="))
_DIGIT0, _OP0 = _VOCAB.id("0"), _VOCAB.id("+")


@dataclasses.dataclass(frozen=True)
class ModularChain(Task):
  """Options:
    max_difficulty: the most operations in a chain (sets the padded width); at most 64.
    modulus: numbers and results are mod this; in [2, 10].
    operations: the operations drawn, uniformly: "+", "+-" or "+-*".
  """

  name: ClassVar[str] = "modular_chain"
  max_difficulty: int = 16
  modulus: int = 10
  operations: str = "+-"

  def __post_init__(self):
    check_int_range("max_difficulty", self.max_difficulty, 1, MAX_OPERATIONS)
    check_int_range("modulus", self.modulus, 2, MAX_MODULUS)
    check_option("operations", self.operations, OPERATION_SETS)

  @property
  def vocab(self) -> Vocabulary:
    return _VOCAB

  def sequence_width(self, max_difficulty: int | None = None) -> int:
    max_difficulty = self.max_difficulty if max_difficulty is None else max_difficulty
    self.check_difficulty(max_difficulty, "max_difficulty")
    return 3 * max_difficulty + 4  # bos a0 (op a)*k = r*k eos

  def answer_start(self, difficulty: int) -> int:
    self.check_difficulty(difficulty)
    return 2 * difficulty + 3

  def _sample(self, key: jax.Array, difficulty: jax.Array) -> Example:
    key_numbers, key_operations = jax.random.split(key)
    k = self.max_difficulty
    numbers = jax.random.randint(key_numbers, (k + 1,), 0, self.modulus)
    operations = jax.random.randint(key_operations, (k,), 0, len(self.operations))

    def step(result, operation_and_number):
      operation, number = operation_and_number
      result = jnp.select([operation == 0, operation == 1], [result + number, result - number],
                          result * number) % self.modulus
      return result, result

    _, results = jax.lax.scan(step, numbers[0], jnp.stack([operations, numbers[1:]], axis=1))
    chain = jnp.zeros(2 * k + 1, jnp.int32).at[0::2].set(_DIGIT0 + numbers)
    chain = chain.at[1::2].set(_OP0 + operations)
    row_width = 2 * k + 1
    pad = lambda row: jnp.pad(row, (0, row_width - row.shape[0]))
    rows = [jnp.full(row_width, _VOCAB.id(BOS)), chain, jnp.full(row_width, _VOCAB.id("=")),
            pad(_DIGIT0 + results), jnp.full(row_width, _VOCAB.id(EOS))]
    lengths = jnp.stack([1, 2 * difficulty + 1, 1, difficulty, 1]).astype(jnp.int32)
    is_answer = jnp.array([False, False, False, True, True])
    masks = jnp.broadcast_to(is_answer[:, None], (len(rows), row_width))
    tokens, answer_mask = pack_rows(jnp.stack(rows).astype(jnp.int32), lengths, masks,
                                    self.sequence_width())
    return Example(tokens, answer_mask, difficulty)

  def _parse(self, tokens) -> tuple[list[int], list[str], list[int]] | None:
    """(numbers, operations, written results), or None if malformed."""
    symbols = self.vocab.decode(tokens)
    if symbols[:1] != [BOS] or symbols[-1:] != [EOS] or symbols.count("=") != 1:
      return None
    body = symbols[1:-1]
    chain, results = body[:body.index("=")], body[body.index("=") + 1:]
    numbers, operations = chain[0::2], chain[1::2]
    values = [str(v) for v in range(self.modulus)]
    if (len(numbers) != len(operations) + 1 or not operations
        or not set(numbers + results) <= set(values) or not set(operations) <= set(self.operations)):
      return None
    return [int(v) for v in numbers], operations, [int(v) for v in results]

  def expected(self, numbers: list[int], operations: list[str]) -> list[int]:
    """The running results, in plain Python."""
    results, value = [], numbers[0]
    for operation, number in zip(operations, numbers[1:]):
      value = {"+": value + number, "-": value - number, "*": value * number}[operation]
      value %= self.modulus
      results.append(value)
    return results

  def render(self, tokens) -> str:
    parsed = self._parse(tokens)
    if parsed is None:
      return "malformed: " + " ".join(self.vocab.decode(tokens))
    numbers, operations, results = parsed
    chain = " ".join(f"{o} {v}" for o, v in zip(operations, numbers[1:]))
    return f"{numbers[0]} {chain} = {' '.join(map(str, results))}  (mod {self.modulus})"

  def check(self, tokens) -> bool:
    parsed = self._parse(tokens)
    return parsed is not None and parsed[2] == self.expected(parsed[0], parsed[1])

  def difficulty_of(self, tokens) -> int:
    parsed = self._parse(tokens)
    if parsed is None:
      raise ValueError("malformed modular_chain example: " + " ".join(self.vocab.decode(tokens)))
    return len(parsed[1])

  def num_distinct(self, difficulties: Sequence[int]) -> int:
    return sum(self.modulus ** (k + 1) * len(self.operations) ** k for k in set(difficulties))
