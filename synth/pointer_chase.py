"""k-hop pointer chasing over single-token names, every hop written out; difficulty = k.

`c f , a c , f b , b a ; a #3 = c f b`: the context lists, in a shuffled order, where each
of M names points (one cycle through all of them, so a path of fewer than M hops never
comes back); the query names a start and the number of hops; the answer writes every name
reached. Each hop is one lookup by name, the skill `graph_arithmetic` needs to find a
quantity's definition, isolated from its arithmetic. The context is the same for every k,
so a harder problem is longer only in its answer.
"""

import dataclasses
import math
import string
from typing import ClassVar, Sequence

import jax
import jax.numpy as jnp

from synth.task import BOS, EOS, PAD, Example, Task, Vocabulary, check_int_range, pack_rows

NAMES = tuple(string.ascii_lowercase)
MAX_HOPS = len(NAMES) - 1  # a path shorter than the cycle never revisits a name
HOPS = tuple(f"#{k}" for k in range(1, MAX_HOPS + 1))
_VOCAB = Vocabulary((PAD, BOS, EOS) + NAMES + (",", ";", "=") + HOPS)
_NAME0, _HOP1 = _VOCAB.id(NAMES[0]), _VOCAB.id(HOPS[0])


@dataclasses.dataclass(frozen=True)
class PointerChase(Task):
  """Options:
    max_difficulty: the most hops (sets the padded width); below `names`.
    names: how many of the 26 letters each problem uses (drawn afresh per problem), the
      length of the cycle and the number of edges listed; in [max_difficulty + 1, 26].
  """

  name: ClassVar[str] = "pointer_chase"
  max_difficulty: int = 8
  names: int = 12

  def __post_init__(self):
    check_int_range("max_difficulty", self.max_difficulty, 1, MAX_HOPS)
    check_int_range("names", self.names, self.max_difficulty + 1, len(NAMES))

  @property
  def vocab(self) -> Vocabulary:
    return _VOCAB

  def _context_width(self) -> int:
    return 3 * self.names + 1  # bos, then "x y ," per edge

  def sequence_width(self, max_difficulty: int | None = None) -> int:
    max_difficulty = self.max_difficulty if max_difficulty is None else max_difficulty
    self.check_difficulty(max_difficulty, "max_difficulty")
    return self._context_width() + 4 + max_difficulty + 1  # ; start #k = path eos

  def answer_start(self, difficulty: int) -> int:
    self.check_difficulty(difficulty)
    return self._context_width() + 4

  def _sample(self, key: jax.Array, difficulty: jax.Array) -> Example:
    key_names, key_cycle, key_order, key_start = jax.random.split(key, 4)
    m = self.names
    letters = jax.random.permutation(key_names, len(NAMES))[:m]
    cycle = jax.random.permutation(key_cycle, m)  # name cycle[j] points to cycle[j + 1]
    target = jnp.zeros(m, jnp.int32).at[cycle].set(jnp.roll(cycle, -1))
    listed = jax.random.permutation(key_order, m)
    edges = jnp.stack([_NAME0 + letters[listed], _NAME0 + letters[target[listed]],
                       jnp.full(m, _VOCAB.id(","))], axis=1).reshape(-1)
    start = jax.random.randint(key_start, (), 0, m)

    def hop(current, _):
      return target[current], target[current]

    _, path = jax.lax.scan(hop, start, None, length=self.max_difficulty)
    row_width = max(3 * m, self.max_difficulty)
    pad = lambda row: jnp.pad(row, (0, row_width - row.shape[0]))
    single = lambda token: jnp.full(row_width, token)
    rows = [single(_VOCAB.id(BOS)), pad(edges), single(_VOCAB.id(";")),
            single(_NAME0 + letters[start]), single(_HOP1 + difficulty - 1),
            single(_VOCAB.id("=")), pad(_NAME0 + letters[path]), single(_VOCAB.id(EOS))]
    lengths = jnp.stack([1, 3 * m, 1, 1, 1, 1, difficulty, 1]).astype(jnp.int32)
    is_answer = jnp.array([False] * 6 + [True, True])
    masks = jnp.broadcast_to(is_answer[:, None], (len(rows), row_width))
    tokens, answer_mask = pack_rows(jnp.stack(rows).astype(jnp.int32), lengths, masks,
                                    self.sequence_width())
    return Example(tokens, answer_mask, difficulty)

  def _parse(self, tokens) -> tuple[dict, str, int, list[str]] | None:
    """({name: the name it points to}, start, hops, written path), or None if malformed."""
    symbols = self.vocab.decode(tokens)
    if symbols[:1] != [BOS] or symbols[-1:] != [EOS] or symbols.count(";") != 1:
      return None
    context, query = symbols[1:symbols.index(";")], symbols[symbols.index(";") + 1:-1]
    triples = [context[i:i + 3] for i in range(0, len(context), 3)]
    if (len(context) % 3 or any(t[2] != "," or not set(t[:2]) <= set(NAMES) for t in triples)
        or len(query) < 3 or query[0] not in NAMES or query[1] not in HOPS or query[2] != "="):
      return None
    points_to = {source: target for source, target, _ in triples}
    if len(points_to) != len(triples):  # a name listed twice
      return None
    return points_to, query[0], HOPS.index(query[1]) + 1, query[3:]

  def expected(self, points_to: dict, start: str, hops: int) -> list[str] | None:
    """The names reached in `hops` hops, in plain Python (None where a hop leads nowhere)."""
    path, current = [], start
    for _ in range(hops):
      if current not in points_to:
        return None
      current = points_to[current]
      path.append(current)
    return path

  def render(self, tokens) -> str:
    parsed = self._parse(tokens)
    if parsed is None:
      return "malformed: " + " ".join(self.vocab.decode(tokens))
    points_to, start, hops, path = parsed
    edges = ", ".join(f"{s}>{t}" for s, t in points_to.items())
    return f"{edges}; from {start}, {hops} hop(s): {' '.join(path)}"

  def check(self, tokens) -> bool:
    parsed = self._parse(tokens)
    return parsed is not None and parsed[3] == self.expected(*parsed[:3])

  def difficulty_of(self, tokens) -> int:
    parsed = self._parse(tokens)
    if parsed is None:
      raise ValueError("malformed pointer_chase example: " + " ".join(self.vocab.decode(tokens)))
    return parsed[2]

  def num_distinct(self, difficulties: Sequence[int]) -> int:
    """Per hop count (written in the query, so the counts are disjoint): the set of names,
    the cycle through them, the order the edges are listed in, the start."""
    m = self.names
    per_count = math.comb(len(NAMES), m) * math.factorial(m - 1) * math.factorial(m) * m
    return len(set(difficulties)) * per_count
