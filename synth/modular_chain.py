"""A chain of operations mod m with the running result written at each step; difficulty =
the number of operations.

`3 + 4 = 7 * 2 = 4 - 1 = 3`: start from the first number, apply each operation in turn
(no precedence), and write the result (mod m) right after it; the results are the answer.
Each result needs only the previous one and the two tokens before it, always at the same
distance, so a longer chain asks for depth (more steps, later positions) with no lookup:
the skill that `graph_arithmetic` mixes with finding quantities by name, isolated.
"""

import dataclasses
from typing import ClassVar, Sequence

import jax
import jax.numpy as jnp

import allowed
from synth.task import BOS, EOS, PAD, Example, Task, Vocabulary, pack_rows

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
    allowed.integer("max_difficulty", self.max_difficulty, 1, MAX_OPERATIONS)
    allowed.integer("modulus", self.modulus, 2, MAX_MODULUS)
    allowed.option("operations", self.operations, OPERATION_SETS)

  @property
  def vocab(self) -> Vocabulary:
    return _VOCAB

  def sequence_width(self, max_difficulty: int | None = None) -> int:
    max_difficulty = self.widest(max_difficulty)
    return 4 * max_difficulty + 3  # bos a0 (op a = r)*k eos

  def answer_start(self, difficulty: int) -> int:
    self.check_difficulty(difficulty)
    return 5  # the first result

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
    steps = jnp.stack([_OP0 + operations, _DIGIT0 + numbers[1:], jnp.full(k, _VOCAB.id("=")),
                       _DIGIT0 + results], axis=1)  # one row "op a = r" per operation
    single = lambda token: jnp.array([[token, 0, 0, 0]])
    rows = jnp.concatenate([single(_VOCAB.id(BOS)), single(_DIGIT0 + numbers[0]), steps,
                            single(_VOCAB.id(EOS))])
    lengths = jnp.concatenate([jnp.array([1, 1]), 4 * (jnp.arange(k) < difficulty),
                               jnp.array([1])]).astype(jnp.int32)
    masks = jnp.zeros((k + 3, 4), bool).at[2:-1, 3].set(True).at[-1, 0].set(True)
    tokens, answer_mask = pack_rows(rows.astype(jnp.int32), lengths, masks,
                                    self.sequence_width())
    return Example(tokens, answer_mask, difficulty)

  def _parse(self, tokens) -> tuple[list[int], list[str], list[int]] | None:
    """(numbers, operations, written results), or None if malformed."""
    symbols = self.vocab.decode(tokens)
    if symbols[:1] != [BOS] or symbols[-1:] != [EOS] or len(symbols) < 7 or len(symbols) % 4 != 3:
      return None
    steps = [symbols[i:i + 4] for i in range(2, len(symbols) - 1, 4)]
    numbers = [symbols[1]] + [s[1] for s in steps]
    operations, results = [s[0] for s in steps], [s[3] for s in steps]
    values = [str(v) for v in range(self.modulus)]
    if (any(s[2] != "=" for s in steps) or not set(numbers + results) <= set(values)
        or not set(operations) <= set(self.operations)):
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
    chain = " ".join(f"{o} {v} = {r}" for o, v, r in zip(operations, numbers[1:], results))
    return f"{numbers[0]} {chain}  (mod {self.modulus})"

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
