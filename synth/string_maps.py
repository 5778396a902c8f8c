"""Tasks that map a string to a string of the same length: `x1 ... xL > y1 ... yL`;
difficulty = the length L.

`Reversal` (write the string backwards, or copy it) isolates position generalization: every
position holds one independent symbol, so a longer string asks for nothing but attention
to positions not seen in training. `Sorting` writes the symbols in ascending order: a
comparison skill on top, and the answer no longer lines up with the input.

With `layout="fixed"` every string is written with `max_difficulty` places, its L symbols
then fillers `_` (and the answer likewise), so every difficulty shares one layout, as in
fixed-layout addition: a longer string puts symbols where a shorter one had fillers.
"""

import abc
import dataclasses
import string
from typing import ClassVar, Sequence

import jax
import jax.numpy as jnp

import allowed
from synth.task import BOS, EOS, PAD, Example, Task, Vocabulary, pack_rows

MAX_LENGTH = 64
SYMBOLS = tuple(string.ascii_lowercase)
SEPARATOR, FILLER = ">", "_"
LAYOUTS = ("variable", "fixed")
_VOCAB = Vocabulary((PAD, BOS, EOS) + SYMBOLS + (SEPARATOR, FILLER))
_SYMBOL0 = _VOCAB.id(SYMBOLS[0])


@dataclasses.dataclass(frozen=True)
class _StringMap(Task):
  """A string of L symbols drawn uniformly from the first `alphabet_size` letters, then its
  image. Subclasses give the image twice: in JAX (`_image`, for sampling) and in plain
  Python (`expected`, for the independent checker)."""

  max_difficulty: int = 20
  alphabet_size: int = 10
  layout: str = "variable"

  def __post_init__(self):
    allowed.integer("max_difficulty", self.max_difficulty, 1, MAX_LENGTH)
    allowed.integer("alphabet_size", self.alphabet_size, 2, len(SYMBOLS))
    allowed.option("layout", self.layout, LAYOUTS)

  def _places(self, difficulty):
    """Places the string (and the answer) is written with."""
    return self.max_difficulty if self.layout == "fixed" else difficulty

  @property
  def vocab(self) -> Vocabulary:
    return _VOCAB

  def sequence_width(self, max_difficulty: int | None = None) -> int:
    max_difficulty = self.widest(max_difficulty)
    return 2 * self._places(max_difficulty) + 3  # bos x > y eos

  def answer_start(self, difficulty: int) -> int:
    self.check_difficulty(difficulty)
    return self._places(difficulty) + 2

  @abc.abstractmethod
  def _image(self, symbols_M: jax.Array, length: jax.Array) -> jax.Array:
    """The answer's symbol indices (first `length` entries used) of the string whose
    first `length` entries are `symbols_M`."""

  @abc.abstractmethod
  def expected(self, symbols: list[str]) -> list[str]:
    """The right answer to a string, in plain Python."""

  def _sample(self, key: jax.Array, difficulty: jax.Array) -> Example:
    width = self.max_difficulty
    symbols_M = jax.random.randint(key, (width,), 0, self.alphabet_size)
    written = lambda s: jnp.where(jnp.arange(width) < difficulty, _SYMBOL0 + s,
                                  _VOCAB.id(FILLER))
    rows = [jnp.full(width, _VOCAB.id(BOS)), written(symbols_M),
            jnp.full(width, _VOCAB.id(SEPARATOR)), written(self._image(symbols_M, difficulty)),
            jnp.full(width, _VOCAB.id(EOS))]
    places = self._places(difficulty)
    lengths = jnp.stack([1, places, 1, places, 1]).astype(jnp.int32)
    is_answer = jnp.array([False, False, False, True, True])
    masks = jnp.broadcast_to(is_answer[:, None], (len(rows), width))
    tokens, answer_mask = pack_rows(jnp.stack(rows).astype(jnp.int32), lengths, masks,
                                    self.sequence_width())
    return Example(tokens, answer_mask, difficulty)

  def _parse(self, tokens) -> tuple[list[str], list[str]] | None:
    """(string, answer) as symbol lists, fillers dropped, or None if malformed."""
    symbols = self.vocab.decode(tokens)
    if symbols[:1] != [BOS] or symbols[-1:] != [EOS] or symbols.count(SEPARATOR) != 1:
      return None
    body = symbols[1:-1]
    cut = body.index(SEPARATOR)
    problem, answer = body[:cut], body[cut + 1:]
    if self.layout == "fixed":
      if len(problem) != self.max_difficulty or len(answer) != self.max_difficulty:
        return None
      length = problem.index(FILLER) if FILLER in problem else len(problem)
      if problem[length:] != [FILLER] * (len(problem) - length) or answer[length:] != problem[length:]:
        return None
      problem, answer = problem[:length], answer[:length]
    allowed = set(SYMBOLS[:self.alphabet_size])
    if not problem or not set(problem + answer) <= allowed:
      return None
    return problem, answer

  def render(self, tokens) -> str:
    parsed = self._parse(tokens)
    if parsed is None:
      return "malformed: " + " ".join(self.vocab.decode(tokens))
    return f"{''.join(parsed[0])} {SEPARATOR} {''.join(parsed[1])}"

  def check(self, tokens) -> bool:
    parsed = self._parse(tokens)
    return parsed is not None and parsed[1] == self.expected(parsed[0])

  def difficulty_of(self, tokens) -> int:
    parsed = self._parse(tokens)
    if parsed is None:
      raise ValueError(f"malformed {self.name} example: " + " ".join(self.vocab.decode(tokens)))
    return len(parsed[0])

  def num_distinct(self, difficulties: Sequence[int]) -> int:
    return sum(self.alphabet_size ** d for d in set(difficulties))  # lengths differ


REVERSAL_OPERATIONS = ("reverse", "copy")


@dataclasses.dataclass(frozen=True)
class Reversal(_StringMap):
  """Options:
    max_difficulty: the longest string (sets the padded width); at most 64.
    alphabet_size: symbols are the first this many letters; in [2, 26].
    operation: "reverse" writes the string backwards; "copy" writes it again.
    layout: "variable" writes L places; "fixed" max_difficulty places, fillers after.
  """

  name: ClassVar[str] = "reversal"
  operation: str = "reverse"

  def __post_init__(self):
    super().__post_init__()
    allowed.option("operation", self.operation, REVERSAL_OPERATIONS)

  def _image(self, symbols_M, length):
    if self.operation == "copy":
      return symbols_M
    return symbols_M[jnp.clip(length - 1 - jnp.arange(symbols_M.shape[0]), 0)]

  def expected(self, symbols):
    return list(symbols) if self.operation == "copy" else list(reversed(symbols))


@dataclasses.dataclass(frozen=True)
class Sorting(_StringMap):
  """Options:
    max_difficulty: the longest string (sets the padded width); at most 64.
    alphabet_size: symbols are the first this many letters, ordered alphabetically;
      in [2, 26].
    layout: "variable" writes L places; "fixed" max_difficulty places, fillers after.
  """

  name: ClassVar[str] = "sorting"

  def _image(self, symbols_M, length):
    beyond = jnp.arange(symbols_M.shape[0]) >= length  # sorted after every real symbol
    return jnp.sort(jnp.where(beyond, self.alphabet_size, symbols_M))

  def expected(self, symbols):
    return sorted(symbols)
