"""Dependency-graph arithmetic mod p, the structure of iGSM; difficulty = operations needed.

A problem is a shuffled list of statements, each defining a named quantity as a constant
(`ba = 7 ;`) or as one operation of two other quantities (`ce = ba * di ;`), then a query
(`? ce`). Some statements are distractors the query does not depend on. The target is a
step-by-step solution: every operation the query needs, in dependency order, written as
`ce = ba * di = 7 * 3 = 21 ;`, then `# 21` and the end token.

The difficulty k is exactly the number of operation statements the queried quantity
depends on (itself included). The solution order is canonical, so exact match is well
defined: depth-first post-order from the query, first operand before second, each quantity
computed once. The generator builds the needed operations directly in that order, as a
stack program (each operation consumes 0, 1 or 2 unfinished results and may also refer to
quantities already finished or to constants); `check` re-derives the order independently.

Four options change what must be learnt besides the dependency structure, never the
difficulty: the modulus (the paper's 23 means 3 x 23^2 arithmetic facts to memorise; a small
one leaves few), the number of distractor operations per needed operation, the pool the
names are drawn from, and the order of the statements (shuffled, as the paper, or a random
topological order in which every quantity is defined before it is used). A fifth adds an
easier level below the paper's: with `lookups`, difficulty 0 is a pure lookup, a
1-operation problem whose query names a constant, answered by its value with no step
(`? ba # 7`), to mix into pre-training as denser practice of finding a name.

With `layout="fixed"` every problem has the statements of a `max_difficulty` problem
whatever its difficulty: the same constants and the same number of operation statements, the
operations the query does not need being distractors. The prompt then has one length and
the solution starts at one position, so only the solution's length depends on the
difficulty, as in iGSM, where the problem lists the whole structure and the query decides
how many operations are needed (and as in fixed-layout addition, whose harder problems sit
at the easier ones' positions).

With `solution="planned"` the target first lists the needed operations' statements from the
query down (the solution's order reversed: `ce = ba * di ; di = ...`), then the steps, a
written-out search in the manner of a scratchpad: the first step no longer has to be found
by following the query's dependencies in the model's head.
"""

import dataclasses
import fractions
import functools
import itertools
import math
from typing import ClassVar, Sequence

import jax
import jax.numpy as jnp

import allowed
from synth.task import BOS, EOS, PAD, Example, Task, Vocabulary, pack_rows

PAPER_MODULUS = 23
OPERATIONS = ("+", "-", "*")
NAMES = tuple(c + v for c, v in itertools.product("bcdfghjklmnpqrstvwxyz", "aeiou"))
MAX_OPERATIONS = 48  # keeps every problem's quantities within the pool of names
MAX_DISTRACTOR_RATIO = 1  # distractor operations per needed one (within the pool of names)
ORDERS = ("shuffled", "topological")
LAYOUTS = ("growing", "fixed")
SOLUTIONS = ("steps", "planned")
PLAN_WIDTH = 6  # x = a op b ;
STEP_WIDTH = 12  # x = a op b = va op vb = vx ;


@functools.cache
def vocabulary(modulus: int) -> Vocabulary:
  return Vocabulary((PAD, BOS, EOS) + tuple(str(v) for v in range(modulus)) + OPERATIONS
                    + ("=", ";", "?", "#") + NAMES)


def num_constants(difficulty):
  """Constant statements per problem (unused ones are distractors)."""
  return (difficulty + 1) // 2 + 1


def _apply(op, a, b, modulus):
  return jnp.select([op == 0, op == 1], [a + b, a - b], a * b) % modulus


@dataclasses.dataclass(frozen=True)
class GraphArithmetic(Task):
  """Options:
    max_difficulty: the most operations a query may need (sets the padded width).
    modulus: values and arithmetic are mod this (the paper: 23); in [2, 23].
    distractor_ratio: distractor operations per needed operation, rounded up (default 1/2);
      in [0, 1], read as a fraction of denominator at most 100.
    names: how many of the 105 names a problem's quantities are drawn from (the first ones;
      default all); at least the quantities of a max_difficulty problem.
    order: the statements "shuffled" (the paper) or "topological": by depth (constants,
      then operations on constants only, ...), shuffled within a depth.
    lookups: difficulty 0 exists: a 1-operation problem whose query is a constant.
    layout: "growing" (statements scale with the difficulty) or "fixed" (every problem has a
      max_difficulty problem's statements; the unneeded operations are distractors).
    solution: "steps" (the paper's) or "planned": the needed operations' statements first,
      from the query down (the solution's order reversed), then the steps, so that where to
      start is written out rather than searched for in the model's head.
  """

  name: ClassVar[str] = "graph_arithmetic"
  max_difficulty: int = 24
  modulus: int = PAPER_MODULUS
  distractor_ratio: float = 0.5
  names: int = len(NAMES)
  order: str = "shuffled"
  lookups: bool = False
  layout: str = "growing"
  solution: str = "steps"

  def __post_init__(self):
    allowed.integer("max_difficulty", self.max_difficulty, 1, MAX_OPERATIONS)
    allowed.integer("modulus", self.modulus, 2, PAPER_MODULUS)
    ratio = self.distractor_ratio
    allowed.real("distractor_ratio", ratio, 0, MAX_DISTRACTOR_RATIO)
    if self.num_quantities(self.max_difficulty) > len(NAMES):
      raise ValueError(f"max_difficulty={self.max_difficulty} with distractor_ratio={ratio} "
                       f"needs {self.num_quantities(self.max_difficulty)} names, more than the "
                       f"{len(NAMES)} there are; lower either")
    allowed.integer("names", self.names, self.num_quantities(self.max_difficulty), len(NAMES))
    allowed.option("order", self.order, ORDERS)
    allowed.option("lookups", self.lookups, (False, True))
    allowed.option("layout", self.layout, LAYOUTS)
    allowed.option("solution", self.solution, SOLUTIONS)

  @property
  def min_difficulty(self) -> int:
    return 0 if self.lookups else 1

  @property
  def vocab(self) -> Vocabulary:
    return vocabulary(self.modulus)

  def _growing_distractors(self, difficulty):
    """ceil(ratio * operations), in integer arithmetic so that a traced difficulty gives
    the same count (a lookup: those of its 1-operation problem)."""
    ratio = fractions.Fraction(self.distractor_ratio).limit_denominator(100)
    operations = _problem_size(difficulty)
    return (operations * ratio.numerator + ratio.denominator - 1) // ratio.denominator

  def num_distractor_operations(self, difficulty):
    """Operation statements the query does not depend on: ceil(ratio * difficulty) in the
    growing layout; in the fixed one, what a max_difficulty problem has beyond the needed."""
    if self.layout == "fixed":
      m = self.max_difficulty
      return m + self._growing_distractors(m) - _problem_size(difficulty)
    return self._growing_distractors(difficulty)

  def num_constants_of(self, difficulty):
    """Constant statements of a problem of this difficulty."""
    if self.layout == "fixed":
      return num_constants(self.max_difficulty)
    return num_constants(_problem_size(difficulty))

  def num_quantities(self, difficulty):
    operations = _problem_size(difficulty)
    return (operations + self.num_constants_of(difficulty)
            + self.num_distractor_operations(difficulty))

  def _prompt_length(self, difficulty):
    """Tokens before the solution: bos, the statements, `? query`."""
    operations = _problem_size(difficulty)
    statements = 6 * (operations + self.num_distractor_operations(difficulty)) \
        + 4 * self.num_constants_of(difficulty)
    return 1 + statements + 2

  def sequence_width(self, max_difficulty: int | None = None) -> int:
    m = self.widest(max_difficulty)
    plan = PLAN_WIDTH * m if self.solution == "planned" else 0
    return self._prompt_length(m) + plan + STEP_WIDTH * m + 3  # prompt, plan, steps, # v eos

  def answer_start(self, difficulty: int) -> int:
    self.check_difficulty(difficulty)
    return self._prompt_length(difficulty)

  # Quantities are indexed [needed operations | constants | distractor operations].
  def _layout(self):
    m = self.max_difficulty
    num_const = num_constants(m)
    return m, m + num_const, self.num_quantities(m)

  def _sample(self, key: jax.Array, difficulty: jax.Array) -> Example:
    const0, distractor0, num_nodes = self._layout()
    keys = jax.random.split(key, 5)
    steps = difficulty  # needed operations written out: none for a lookup
    difficulty = _problem_size(difficulty)  # the problem's needed operations
    needed_args = self._sample_needed_operations(keys[0], difficulty)
    distractor_args = self._sample_distractor_operations(keys[1], difficulty)
    operand_a, operand_b, op = (jnp.concatenate(x) for x in zip(needed_args, distractor_args))
    op_nodes = jnp.concatenate([jnp.arange(const0), jnp.arange(distractor0, num_nodes)])
    constants = jax.random.randint(keys[2], (num_nodes,), 0, self.modulus)
    values = self._evaluate(constants, op_nodes, operand_a, operand_b, op)
    vocab = self.vocab
    names = vocab.id(NAMES[0]) + jax.random.permutation(keys[3], self.names)[:num_nodes]

    node = jnp.arange(num_nodes)
    is_const = (node >= const0) & (node < distractor0)
    if self.layout == "fixed":  # every slot; the needed ones past the query are distractors
      valid = jnp.ones(num_nodes, bool)
    else:
      valid = jnp.where(node < const0, node < difficulty,
                        jnp.where(is_const, node - const0 < num_constants(difficulty),
                                  node - distractor0 < self.num_distractor_operations(difficulty)))
    a_of = jnp.zeros(num_nodes, jnp.int32).at[op_nodes].set(operand_a)
    b_of = jnp.zeros(num_nodes, jnp.int32).at[op_nodes].set(operand_b)
    op_of = vocab.id(OPERATIONS[0]) + jnp.zeros(num_nodes, jnp.int32).at[op_nodes].set(op)
    eq, semi = vocab.id("="), vocab.id(";")
    vals = vocab.id("0") + values
    statement_rows = jnp.where(
        is_const[:, None],
        _row([names, eq, vals, semi]),
        _row([names, eq, names[a_of], op_of, names[b_of], semi]))
    statement_lengths = jnp.where(valid, jnp.where(is_const, 4, 6), 0)
    rank = jax.random.uniform(keys[4], (num_nodes,))
    if self.order == "topological":
      rank = rank + _depths(num_nodes, op_nodes, operand_a, operand_b)
    order = jnp.argsort(jnp.where(valid, rank, num_nodes + 1.0))

    needed = jnp.arange(const0)
    step_rows = _row([names[needed], eq, names[a_of[needed]], op_of[needed],
                      names[b_of[needed]], eq, vals[a_of[needed]], op_of[needed],
                      vals[b_of[needed]], eq, vals[needed], semi])
    query = difficulty - 1
    if self.lookups:  # a lookup asks for the first constant
      query = jnp.where(steps == 0, const0, query)
    plan_rows, plan_lengths = jnp.zeros((0, STEP_WIDTH), jnp.int32), jnp.zeros(0, jnp.int32)
    if self.solution == "planned":  # needed operation difficulty - 1 - j, from the query down
      planned = jnp.clip(steps - 1 - needed, 0)
      plan_rows = _row([names[planned], eq, names[a_of[planned]], op_of[planned],
                        names[b_of[planned]], semi])
      plan_lengths = jnp.where(needed < steps, PLAN_WIDTH, 0)
    rows = jnp.concatenate([
        _row([vocab.id(BOS)]),
        statement_rows[order],
        _row([vocab.id("?"), names[query]]),
        plan_rows,
        step_rows,
        _row([vocab.id("#"), vals[query], vocab.id(EOS)]),
    ])
    lengths = jnp.concatenate([jnp.array([1]), statement_lengths[order], jnp.array([2]),
                               plan_lengths, jnp.where(needed < steps, STEP_WIDTH, 0),
                               jnp.array([3])])
    is_answer = jnp.arange(rows.shape[0]) > num_nodes + 1  # plan, steps and final row
    masks = jnp.broadcast_to(is_answer[:, None], rows.shape)
    tokens, answer_mask = pack_rows(rows, lengths, masks, self.sequence_width())
    return Example(tokens, answer_mask, steps)

  def _sample_needed_operations(self, key, difficulty):
    """Operands and operators of the k needed operations, built in solution order.

    A stack holds the operations not yet used by a later one, with the index where each
    one's dependency subtree starts. Operation i pops c in {0, 1, 2} of them (never so few
    that the rest could not be used up by operation k - 1, which must leave only itself);
    its other operands are references to a constant or to an operation that depth-first
    search has already finished when it reaches that operand (index below the subtree
    start for the first operand, below i for the second).
    """
    const0, _, _ = self._layout()

    def reference(key, bound):
      key_kind, key_op, key_const = jax.random.split(key, 3)
      to_op = jax.random.bernoulli(key_kind) & (bound > 0)
      op_node = jax.random.randint(key_op, (), 0, jnp.maximum(bound, 1))
      const_node = const0 + jax.random.randint(key_const, (), 0,
                                               self.num_constants_of(difficulty))
      return jnp.where(to_op, op_node, const_node)

    def step(carry, inputs):
      stack, starts, size = carry
      i, key = inputs
      key_pop, key_side, key_a, key_b, key_op = jax.random.split(key, 5)
      remaining = difficulty - 1 - i
      pops = jax.random.randint(key_pop, (), jnp.maximum(0, size - remaining),
                                jnp.minimum(2, size) + 1)
      stack_in_a = jax.random.bernoulli(key_side)
      a_from_stack = (pops == 2) | ((pops == 1) & stack_in_a)
      b_from_stack = (pops == 2) | ((pops == 1) & ~stack_in_a)
      top, second = stack[size - 1], stack[size - 2]
      start = jnp.where(pops == 0, i, starts[size - pops])
      operand_a = jnp.where(a_from_stack, jnp.where(pops == 2, second, top),
                            reference(key_a, start))
      operand_b = jnp.where(b_from_stack, top, reference(key_b, i))
      pushed = (stack.at[size - pops].set(i), starts.at[size - pops].set(start),
                size - pops + 1)
      active = i < difficulty
      carry = jax.tree.map(lambda new, old: jnp.where(active, new, old), pushed, carry)
      return carry, (operand_a, operand_b, jax.random.randint(key_op, (), 0, 3))

    empty = (jnp.zeros(const0 + 1, jnp.int32), jnp.zeros(const0 + 1, jnp.int32), jnp.int32(0))
    steps = (jnp.arange(const0), jax.random.split(key, const0))
    _, (operand_a, operand_b, op) = jax.lax.scan(step, empty, steps)
    return operand_a, operand_b, op

  def _sample_distractor_operations(self, key, difficulty):
    """Operations over any earlier quantity; nothing needed refers to them."""
    const0, distractor0, num_nodes = self._layout()
    node = jnp.arange(num_nodes)
    is_const = (node >= const0) & (node < distractor0)
    needed_slots = const0 if self.layout == "fixed" else difficulty  # fixed: past the query too
    defined_before = (node < needed_slots) | (
        is_const & (node - const0 < self.num_constants_of(difficulty)))

    def pick(key, j):
      allowed = defined_before | ((node >= distractor0) & (node < distractor0 + j))
      return jax.random.categorical(key, jnp.where(allowed, 0.0, -jnp.inf))

    j = jnp.arange(num_nodes - distractor0)
    key_a, key_b, key_op = jax.random.split(key, 3)
    operand_a = jax.vmap(pick)(jax.random.split(key_a, j.shape[0]), j)
    operand_b = jax.vmap(pick)(jax.random.split(key_b, j.shape[0]), j)
    op = jax.random.randint(key_op, j.shape, 0, 3)
    return operand_a.astype(jnp.int32), operand_b.astype(jnp.int32), op

  def _evaluate(self, constants, op_nodes, operand_a, operand_b, op):
    """Values of every quantity; operations are listed so that operands come first."""

    def step(values, inputs):
      node, a, b, o = inputs
      return values.at[node].set(_apply(o, values[a], values[b], self.modulus)), None

    values, _ = jax.lax.scan(step, constants, (op_nodes, operand_a, operand_b, op))
    return values

  # ----- host-side reading of token sequences (independent of the generator) -----

  def _parse(self, tokens):
    """(definitions, query, solution symbols, answer) or None if malformed."""
    symbols = self.vocab.decode(tokens)
    if symbols[:1] != [BOS] or symbols[-1:] != [EOS] or symbols.count("?") != 1 \
        or symbols.count("#") != 1:
      return None
    body = symbols[1:-1]
    question, hash_at = body.index("?"), body.index("#")
    if not question + 2 <= hash_at == len(body) - 2 or body[:question][-1:] != [";"]:
      return None
    definitions = {}
    for statement in _split_statements(body[:question]):
      if len(statement) < 3 or statement[0] not in NAMES or statement[1] != "=" \
          or statement[0] in definitions:
        return None
      rhs = statement[2:]
      if len(rhs) == 1 and rhs[0].isdigit():
        definitions[statement[0]] = int(rhs[0])
      elif len(rhs) == 3 and rhs[0] in NAMES and rhs[1] in OPERATIONS and rhs[2] in NAMES:
        definitions[statement[0]] = tuple(rhs)
      else:
        return None
    return definitions, body[question + 1], body[question + 2:hash_at], body[-1]

  def _solve(self, definitions, query):
    """Depth-first post-order solution: (step symbols, answer) or None if unsolvable."""
    values, steps, in_progress = {}, [], set()

    def visit(name):
      if name in values:
        return True
      if name not in definitions or name in in_progress:
        return False
      rhs = definitions[name]
      if isinstance(rhs, int):
        values[name] = rhs
        return True
      in_progress.add(name)
      a, op, b = rhs
      if not (visit(a) and visit(b)):
        return False
      values[name] = {"+": values[a] + values[b], "-": values[a] - values[b],
                      "*": values[a] * values[b]}[op] % self.modulus
      steps.append([name, "=", a, op, b, "=", str(values[a]), op, str(values[b]), "=",
                    str(values[name]), ";"])
      return True

    return (steps, values[query]) if visit(query) else None

  def render(self, tokens) -> str:
    parsed = self._parse(tokens)
    if parsed is None:
      return "malformed: " + " ".join(self.vocab.decode(tokens))
    definitions, query, solution, answer = parsed
    problem = " ".join(f"{name} = {rhs if isinstance(rhs, int) else ' '.join(rhs)} ;"
                       for name, rhs in definitions.items())
    steps = "\n  ".join(" ".join(s) for s in _split_statements(solution, keep_end=True))
    return f"problem: {problem}\nquery: {query}\nsolution:\n  {steps}\nanswer: {answer}"

  def check(self, tokens) -> bool:
    parsed = self._parse(tokens)
    if parsed is None:
      return False
    definitions, query, solution, answer = parsed
    solved = self._solve(definitions, query)
    if solved is None:
      return False
    steps, value = solved
    if not steps and not self.lookups:
      return False  # the query is a constant: a lookup, which this task does not pose
    plan = [s for step in reversed(steps) for s in step[:5] + [";"]] \
        if self.solution == "planned" else []
    return solution == plan + [s for step in steps for s in step] and answer == str(value)

  def difficulty_of(self, tokens) -> int:
    """How many operations the query depends on, read from the problem statements."""
    parsed = self._parse(tokens)
    solved = None if parsed is None else self._solve(parsed[0], parsed[1])
    if solved is None:
      raise ValueError("malformed graph_arithmetic example: "
                       + " ".join(self.vocab.decode(tokens)))
    return len(solved[0])

  def num_distinct(self, difficulties: Sequence[int]) -> int:
    """A lower bound: the ways to name one problem's quantities, summed over difficulties."""
    return sum(math.perm(self.names, self.num_quantities(d)) for d in set(difficulties))


def _problem_size(difficulty):
  """Needed operations of a problem of this difficulty: a lookup (0) is posed on a
  1-operation problem. Works on Python and traced integers."""
  return jnp.maximum(difficulty, 1) if isinstance(difficulty, jax.Array) else max(difficulty, 1)


def _depths(num_nodes, op_nodes, operand_a, operand_b):
  """Each quantity's depth: 0 for a constant, 1 + its deeper operand's for an operation
  (operations are listed so that operands come first)."""

  def step(depths, inputs):
    node, a, b = inputs
    return depths.at[node].set(1 + jnp.maximum(depths[a], depths[b])), None

  depths, _ = jax.lax.scan(step, jnp.zeros(num_nodes, jnp.int32), (op_nodes, operand_a, operand_b))
  return depths


def _row(parts, width=STEP_WIDTH):
  """Stacks per-quantity columns (arrays or scalars) into rows padded to `width`."""
  columns = jnp.broadcast_arrays(*[jnp.asarray(p, jnp.int32) for p in parts])
  rows = jnp.stack(columns, axis=-1)
  if rows.ndim == 1:
    rows = rows[None]
  return jnp.pad(rows, ((0, 0), (0, width - rows.shape[1])))


def _split_statements(symbols, keep_end=False):
  statements, current = [], []
  for s in symbols:
    if s == ";":
      statements.append(current + [s] if keep_end else current)
      current = []
    else:
      current.append(s)
  if current:
    statements.append(current)
  return statements
