"""The dependency-graph task against its independent checker, at every difficulty."""

import collections
import math

import jax
import numpy as np
import pytest

import synth
from synth import graph_arithmetic
from conftest import examples_digest

MAX_OPERATIONS = 24


@pytest.fixture(scope="module")
def task():
  return synth.get_task("graph_arithmetic", max_difficulty=MAX_OPERATIONS)


@pytest.fixture(scope="module")
def grid(task):
  """20 examples of every difficulty, from one jitted vmapped call."""
  difficulties = np.repeat(np.arange(1, MAX_OPERATIONS + 1), 20)
  keys = jax.random.split(jax.random.key(0), difficulties.size)
  return jax.device_get(jax.jit(jax.vmap(task.sample))(keys, difficulties))


def statements_of(task, tokens):
  symbols = task.vocab.decode(tokens)
  problem = symbols[1:symbols.index("?")]
  return [s.strip().split() for s in " ".join(problem).split(";") if s.strip()]


def test_checker_accepts_every_example_and_measures_its_difficulty(task, grid):
  for tokens, d in zip(grid.tokens, grid.difficulty):
    assert task.check(tokens), task.render(tokens)
    assert task.difficulty_of(tokens) == d


def test_answer_mask_covers_solution_answer_and_end_only(task, grid):
  for tokens, mask in zip(grid.tokens, grid.answer_mask):
    symbols = task.vocab.decode(tokens)
    solution_start = symbols.index("?") + 2
    assert np.flatnonzero(mask).tolist() == list(range(solution_start, len(symbols)))


def test_problems_have_distractors_distinct_names_and_shuffled_order(task, grid):
  query_positions = collections.Counter()
  for tokens, d in zip(grid.tokens, grid.difficulty):
    statements = statements_of(task, tokens)
    names = [s[0] for s in statements]
    assert len(set(names)) == len(names)
    operations = [s for s in statements if len(s) == 5]
    assert len(operations) > d  # some operations are not needed
    query = task.vocab.decode(tokens)[task.vocab.decode(tokens).index("?") + 1]
    query_positions[names.index(query) * 4 // len(names)] += 1
  assert len(graph_arithmetic.NAMES) >= 50
  assert min(query_positions[q] for q in range(4)) > len(grid.tokens) / 10


def test_dependency_graphs_are_not_only_chains(task, grid):
  """Some needed operation uses two earlier operations (a branching graph)."""
  branching = 0
  for tokens, d in zip(grid.tokens, grid.difficulty):
    symbols = task.vocab.decode(tokens)
    steps = " ".join(symbols[symbols.index("?") + 2:symbols.index("#")]).split(";")
    computed = set()
    for step in filter(str.strip, steps):
      target, _, a, _, b = step.split()[:5]
      branching += a in computed and b in computed and a != b
      computed.add(target)
  assert branching > len(grid.tokens) / 4


def test_checker_rejects_a_changed_constant_or_answer(task):
  example = jax.device_get(jax.jit(task.sample)(jax.random.key(5), 6))
  symbols = task.vocab.decode(example.tokens)
  for position, symbol in enumerate(symbols[:symbols.index("?")]):
    if symbol.isdigit():  # a constant's value: every step after it may change
      corrupted = example.tokens.copy()
      corrupted[position] = task.vocab.id(str((int(symbol) + 1) % task.modulus))
      reference = task._solve(*task._parse(corrupted)[:2])
      expected_changed = reference[0] != task._solve(*task._parse(example.tokens)[:2])[0]
      assert task.check(corrupted) is not expected_changed
  answer_at = symbols.index("#") + 1
  corrupted = example.tokens.copy()
  corrupted[answer_at] = task.vocab.id(str((int(symbols[answer_at]) + 1) % task.modulus))
  assert not task.check(corrupted)


def test_sequence_width_fits_the_hardest_problem(task, grid):
  lengths = [len(task.vocab.decode(t)) for t in grid.tokens]
  assert max(lengths) <= task.sequence_width() == grid.tokens.shape[1]
  hardest = grid.difficulty == MAX_OPERATIONS
  assert max(np.array(lengths)[hardest]) == task.sequence_width()


OPTION_VALUES = [dict(modulus=2), dict(modulus=5), dict(distractor_ratio=0),
                 dict(distractor_ratio=1), dict(modulus=7, distractor_ratio=0.25),
                 dict(names=21), dict(order="topological"),
                 dict(modulus=5, distractor_ratio=0.25, names=19, order="topological")]


@pytest.fixture(scope="module", params=OPTION_VALUES, ids=lambda o: str(o))
def optioned(request):
  """(task with these options, 8 examples of every difficulty up to 10)."""
  task = synth.get_task("graph_arithmetic", max_difficulty=10, **request.param)
  difficulties = np.repeat(np.arange(1, 11), 8)
  keys = jax.random.split(jax.random.key(1), difficulties.size)
  return task, jax.device_get(jax.jit(jax.vmap(task.sample))(keys, difficulties))


def test_options_keep_examples_correct_and_difficulty_exact(optioned):
  task, grid = optioned
  for tokens, d in zip(grid.tokens, grid.difficulty):
    assert task.check(tokens), task.render(tokens)
    assert task.difficulty_of(tokens) == d


def test_options_set_the_values_and_the_distractor_count(optioned):
  task, grid = optioned
  for tokens, d in zip(grid.tokens, grid.difficulty):
    statements = statements_of(task, tokens)
    operations = [s for s in statements if len(s) == 5]
    assert len(operations) == d + math.ceil(task.distractor_ratio * d - 1e-9)
    values = [int(s) for s in task.vocab.decode(tokens) if s.isdigit()]
    assert max(values) < task.modulus
  assert len(task.vocab) == len(synth.get_task("graph_arithmetic").vocab) - 23 + task.modulus


def test_names_come_from_the_pool_and_topological_order_defines_before_use(optioned):
  """Every name is one of the first `names`; with order=topological every operand is
  defined by an earlier statement (read from the text, not the generator's depths)."""
  task, grid = optioned
  pool = set(graph_arithmetic.NAMES[:task.names])
  defined_late = 0
  for tokens in grid.tokens:
    statements = statements_of(task, tokens)
    assert {s[0] for s in statements} <= pool
    defined = set()
    for s in statements:
      defined_late += len(s) == 5 and not {s[2], s[4]} <= defined
      defined.add(s[0])
  if task.order == "topological":
    assert defined_late == 0
  else:
    assert defined_late > len(grid.tokens) / 2  # shuffled: most problems use a name early


def test_lookups_are_constants_answered_by_their_value_and_only_where_asked_for():
  """Difficulty 0 with `lookups`: a 1-operation problem's statements, the query a constant,
  no step, the answer its value (read from the text); the paper's task refuses such an
  example and has no difficulty 0; difficulties 1-4 are the paper task's problems."""
  task = synth.get_task("graph_arithmetic", max_difficulty=4, modulus=5, lookups=True)
  difficulties = np.repeat(np.arange(0, 5), 16)
  keys = jax.random.split(jax.random.key(2), difficulties.size)
  grid = jax.device_get(jax.jit(jax.vmap(task.sample))(keys, difficulties))
  paper = synth.get_task("graph_arithmetic", max_difficulty=4, modulus=5)
  same = jax.device_get(jax.jit(jax.vmap(paper.sample))(keys[16:], difficulties[16:]))
  np.testing.assert_array_equal(same.tokens, grid.tokens[16:])  # 1-4: the paper's problems
  for tokens, d in zip(grid.tokens, grid.difficulty):
    assert task.check(tokens) and task.difficulty_of(tokens) == d
    if d == 0:
      symbols = task.vocab.decode(tokens)
      query = symbols[symbols.index("?") + 1]
      definition = [s for s in statements_of(task, tokens) if s[0] == query]
      assert len(definition[0]) == 3  # `name = value`
      assert symbols[symbols.index("?") + 2:] == ["#", definition[0][2], "<eos>"]
      assert not paper.check(tokens)
  assert task.sequence_width(0) == task.answer_start(0) + 3 == task.answer_start(1) + 3
  with pytest.raises(ValueError, match=r"difficulty=0 is not allowed; "
                                       r"allowed: an integer in \[1, 4\]"):
    paper.sample(jax.random.key(0), 0)


def test_width_per_difficulty_is_that_of_its_longest_example(optioned):
  task, grid = optioned
  lengths = (grid.tokens != 0).sum(axis=1)
  for d in range(1, 11):
    assert lengths[grid.difficulty == d].max() == task.sequence_width(d)
    assert task.answer_start(d) == task.vocab.decode(grid.tokens[grid.difficulty == d][0]
                                                     ).index("?") + 2


FIXED_OPTIONS = [dict(max_difficulty=6, modulus=5, distractor_ratio=0.25),  # graph_cpu's
                 dict(max_difficulty=10), dict(max_difficulty=8, distractor_ratio=0),
                 dict(max_difficulty=8, order="topological", lookups=True)]


@pytest.mark.parametrize("options", FIXED_OPTIONS, ids=str)
def test_the_fixed_layout_poses_every_difficulty_in_one_problem_size(options):
  """Every difficulty: the same constants and operation statements (the unneeded ones
  distractors), so one prompt length and one query position; only the solution grows, by
  one step per operation. The checker (unchanged) accepts each example and reads its
  difficulty from the text; the problem still leaves out no needed quantity."""
  task = synth.get_task("graph_arithmetic", layout="fixed", **options)
  top = task.max_difficulty
  difficulties = np.repeat(np.arange(task.min_difficulty, top + 1), 12)
  keys = jax.random.split(jax.random.key(3), difficulties.size)
  grid = jax.device_get(jax.jit(jax.vmap(task.sample))(keys, difficulties))
  growing = synth.get_task("graph_arithmetic", **options)
  prompts, shapes = set(), set()
  for tokens, d in zip(grid.tokens, grid.difficulty):
    assert task.check(tokens), task.render(tokens)
    assert task.difficulty_of(tokens) == d
    symbols = task.vocab.decode(tokens)
    prompts.add(symbols.index("?") + 2)
    statements = statements_of(task, tokens)
    shapes.add((sum(len(s) == 3 for s in statements), sum(len(s) == 5 for s in statements)))
    assert len(symbols) == task.answer_start(d) + 12 * max(d, 1) * (d > 0) + 3
  constants = graph_arithmetic.num_constants(top)
  assert shapes == {(constants, top + growing.num_distractor_operations(top))}
  assert prompts == {task.answer_start(top)} == {task.answer_start(d) for d in set(difficulties)}
  assert task.answer_start(top) == growing.answer_start(top)  # a hardest problem as before
  assert task.sequence_width() == growing.sequence_width()


@pytest.mark.parametrize("layout", ["growing", "fixed"])
def test_a_planned_solution_lists_the_needed_statements_from_the_query_down(layout):
  """`solution=planned`: the answer first writes each needed operation's statement in the
  steps' order reversed (the query's first), then the steps themselves; every token of both
  is an answer token; the checker reads the plan from the text, and the plain task's checker
  refuses a planned answer (and the other way round)."""
  options = dict(max_difficulty=6, modulus=5, distractor_ratio=0.25, layout=layout)
  task = synth.get_task("graph_arithmetic", solution="planned", **options)
  plain = synth.get_task("graph_arithmetic", **options)
  difficulties = np.repeat(np.arange(1, 7), 10)
  keys = jax.random.split(jax.random.key(4), difficulties.size)
  grid = jax.device_get(jax.jit(jax.vmap(task.sample))(keys, difficulties))
  same = jax.device_get(jax.jit(jax.vmap(plain.sample))(keys, difficulties))
  for tokens, mask, d, other in zip(grid.tokens, grid.answer_mask, difficulties, same.tokens):
    assert task.check(tokens) and task.difficulty_of(tokens) == d
    assert not plain.check(tokens) and not task.check(other)
    symbols = task.vocab.decode(tokens)
    start = symbols.index("?") + 2
    plan = symbols[start:start + 6 * d]
    steps = symbols[start + 6 * d:symbols.index("#")]
    step_rows = [steps[i:i + 12] for i in range(0, len(steps), 12)]
    assert len(step_rows) == d
    assert [plan[i:i + 6] for i in range(0, len(plan), 6)] == [
        row[:5] + [";"] for row in reversed(step_rows)]
    assert plan[0] == symbols[start - 1]  # the query's own statement comes first
    assert np.flatnonzero(mask).tolist() == list(range(start, len(symbols)))
    assert symbols[:start] == plain.vocab.decode(other)[:start]  # the same problem
  assert task.sequence_width() == plain.sequence_width() + 6 * 6


def test_the_growing_layout_is_the_default_and_draws_the_same_examples_as_before():
  """Digests of examples drawn before the fixed layout existed (commit 83f32b1): the default
  layout's generator, random stream included, is unchanged."""
  cases = [(dict(max_difficulty=6, modulus=5, distractor_ratio=0.25), 1, "9a8ebd26c7a49d01"),
           (dict(max_difficulty=10, order="topological", lookups=True), 0, "59cf4d70808a587a")]
  for options, lo, digest in cases:
    task = synth.get_task("graph_arithmetic", **options)
    assert task.layout == "growing" and task.min_difficulty == lo
    assert examples_digest(task) == digest


def test_the_default_draws_the_papers_problems_mod_23_with_half_as_many_distractors(task, grid):
  """Read from the prompts, not the options: every value is a residue mod 23 and all 23
  appear, and a problem of d operations states d + ceil(d / 2) operations (the paper's
  modulus and distractor ratio; mutation: another default of either fails here)."""
  values = set()
  for tokens, d in zip(grid.tokens, grid.difficulty.tolist()):
    symbols = task.vocab.decode(tokens)
    statements = " ".join(symbols[1:symbols.index("?")]).split(" ;")
    operations = [s for s in statements if len(s.split()) == 5]
    assert len(operations) == d + math.ceil(d / 2)
    values.update(int(s) for s in symbols if s.isdigit())
  assert values == set(range(23))


@pytest.mark.parametrize("options, message", [
    (dict(modulus=1), r"modulus=1 is not allowed; allowed: an integer in \[2, 23\]"),
    (dict(modulus=24), r"modulus=24 is not allowed; allowed: an integer in \[2, 23\]"),
    (dict(distractor_ratio=1.5), r"distractor_ratio=1.5 is not allowed; "
     r"allowed: a finite number in \[0, 1\]"),
    (dict(distractor_ratio="half"), r"distractor_ratio='half'"),
    (dict(max_difficulty=48, distractor_ratio=1), "needs 121 names, more than the 105"),
    (dict(max_difficulty=10, names=20), r"names=20 is not allowed; "
     r"allowed: an integer in \[21, 105\]"),
    (dict(order="sorted"), r"order='sorted' is not allowed; allowed: one of shuffled, topological"),
    (dict(layout="padded"), r"layout='padded' is not allowed; allowed: one of fixed, growing"),
    (dict(solution="plan"), r"solution='plan' is not allowed; allowed: one of planned, steps"),
])
def test_bad_options_are_refused_with_the_allowed_range(options, message):
  with pytest.raises(ValueError, match=message):
    synth.get_task("graph_arithmetic", **options)
