"""k-step pointer chasing over single-token names, every step written out; difficulty = k.

`c f , a c , f b ; a = c f b`: the context lists, in a shuffled order, where each of M
names points (one line through all of them, whose last name points nowhere); the query
names a start k hops before the end, and the answer writes every name reached, to the end.
Each hop is one lookup by name, the skill `graph_arithmetic` needs to find a quantity's
definition, isolated from its arithmetic. Nothing in the query spells k: the answer ends
where the pointers do. The context is the same for every k, so a harder problem is longer
only in its answer.

A step is one hop by default (`stride=1`); with `stride=s` it is s hops and the answer
writes every s-th name reached (`c f , a c , f b ; a = b` with s = 2): each written name
is a composition of s lookups made in the head, so each step can go wrong, and a longer
chain compounds it (a hardness knob beyond the lookup itself, which a base learns all at
once; results/pointer_chase_cpu/README.md).
"""

import dataclasses
import math
import string
from typing import ClassVar, Sequence

import jax
import jax.numpy as jnp

import allowed
from synth.task import BOS, EOS, PAD, Example, Task, Vocabulary, pack_rows

NAMES = tuple(string.ascii_lowercase)
MAX_HOPS = len(NAMES) - 1  # the longest line through the names
_VOCAB = Vocabulary((PAD, BOS, EOS) + NAMES + (",", ";", "="))
_NAME0 = _VOCAB.id(NAMES[0])


@dataclasses.dataclass(frozen=True)
class PointerChase(Task):
  """Options:
    max_difficulty: the most steps (sets the padded width).
    names: how many of the 26 letters each problem uses (drawn afresh per problem), the
      length of the line (names - 1 edges listed); in [stride x max_difficulty + 1, 26].
    stride: hops per written step, in [1, 25 // max_difficulty]; 1 writes every name.
  """

  name: ClassVar[str] = "pointer_chase"
  max_difficulty: int = 8
  names: int = 12
  stride: int = 1

  def __post_init__(self):
    allowed.integer("max_difficulty", self.max_difficulty, 1, MAX_HOPS)
    allowed.integer("stride", self.stride, 1, MAX_HOPS // self.max_difficulty)
    allowed.integer("names", self.names, self.stride * self.max_difficulty + 1, len(NAMES))

  @property
  def vocab(self) -> Vocabulary:
    return _VOCAB

  def _context_width(self) -> int:
    return 3 * (self.names - 1) + 1  # bos, then "x y ," per edge

  def sequence_width(self, max_difficulty: int | None = None) -> int:
    max_difficulty = self.widest(max_difficulty)
    return self._context_width() + 3 + max_difficulty + 1  # ; start = path eos

  def answer_start(self, difficulty: int) -> int:
    self.check_difficulty(difficulty)
    return self._context_width() + 3

  def _sample(self, key: jax.Array, difficulty: jax.Array) -> Example:
    key_names, key_order = jax.random.split(key)
    m = self.names
    line = _NAME0 + jax.random.permutation(key_names, len(NAMES))[:m]  # line[j] -> line[j+1]
    listed = jax.random.permutation(key_order, m - 1)  # the edges, shuffled
    edges = jnp.stack([line[listed], line[listed + 1], jnp.full(m - 1, _VOCAB.id(","))],
                      axis=1).reshape(-1)
    hops = self.stride * self.max_difficulty
    start = m - 1 - self.stride * difficulty
    path = jax.lax.dynamic_slice(jnp.pad(line, (0, hops)), (start + 1,), (hops,))
    path = path.reshape(self.max_difficulty, self.stride)[:, -1]  # every stride-th name
    row_width = max(3 * (m - 1), self.max_difficulty)
    pad = lambda row: jnp.pad(row, (0, row_width - row.shape[0]))
    single = lambda token: jnp.full(row_width, token)
    rows = [single(_VOCAB.id(BOS)), pad(edges), single(_VOCAB.id(";")), single(line[start]),
            single(_VOCAB.id("=")), pad(path), single(_VOCAB.id(EOS))]
    lengths = jnp.stack([1, 3 * (m - 1), 1, 1, 1, difficulty, 1]).astype(jnp.int32)
    is_answer = jnp.array([False] * 5 + [True, True])
    masks = jnp.broadcast_to(is_answer[:, None], (len(rows), row_width))
    tokens, answer_mask = pack_rows(jnp.stack(rows).astype(jnp.int32), lengths, masks,
                                    self.sequence_width())
    return Example(tokens, answer_mask, difficulty)

  def _parse(self, tokens) -> tuple[dict, str, list[str]] | None:
    """({name: the name it points to}, start, written path), or None if malformed."""
    symbols = self.vocab.decode(tokens)
    if symbols[:1] != [BOS] or symbols[-1:] != [EOS] or symbols.count(";") != 1:
      return None
    context, query = symbols[1:symbols.index(";")], symbols[symbols.index(";") + 1:-1]
    triples = [context[i:i + 3] for i in range(0, len(context), 3)]
    if (len(context) % 3 or any(t[2] != "," or not set(t[:2]) <= set(NAMES) for t in triples)
        or len(query) < 2 or query[0] not in NAMES or query[1] != "="):
      return None
    points_to = {source: target for source, target, _ in triples}
    if len(points_to) != len(triples):  # a name listed twice
      return None
    return points_to, query[0], query[2:]

  def expected(self, points_to: dict, start: str) -> list[str] | None:
    """Every stride-th name reached from `start`, ending at the one that points nowhere, in
    plain Python (None where the pointers go round in a circle, or the hops to the end are
    not a whole number of steps)."""
    path, current = [], start
    while current in points_to:
      current = points_to[current]
      if current in path or current == start:
        return None
      path.append(current)
    if len(path) % self.stride:
      return None
    return path[self.stride - 1::self.stride]

  def render(self, tokens) -> str:
    parsed = self._parse(tokens)
    if parsed is None:
      return "malformed: " + " ".join(self.vocab.decode(tokens))
    points_to, start, path = parsed
    edges = ", ".join(f"{s}>{t}" for s, t in points_to.items())
    return f"{edges}; from {start}: {' '.join(path)}"

  def check(self, tokens) -> bool:
    parsed = self._parse(tokens)
    return parsed is not None and parsed[2] == self.expected(*parsed[:2])

  def difficulty_of(self, tokens) -> int:
    """The steps from the start to the name that points nowhere, counted in the context."""
    parsed = self._parse(tokens)
    path = None if parsed is None else self.expected(*parsed[:2])
    if path is None:
      raise ValueError("malformed pointer_chase example: " + " ".join(self.vocab.decode(tokens)))
    return len(path)

  def num_distinct(self, difficulties: Sequence[int]) -> int:
    """Per step count (the answer's length, so the counts are disjoint): the line of names
    (an ordered choice of m of the 26) and the order its edges are listed in."""
    m = self.names
    return len(set(difficulties)) * math.perm(len(NAMES), m) * math.factorial(m - 1)
