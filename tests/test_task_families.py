"""Reversal, sorting, the modular chain and pointer chasing against this test's own reading
of the text and its own answers, at every difficulty and for each option."""

import collections
import string

import jax
import numpy as np
import pytest

import synth
from conftest import examples_digest, sample_grid


def symbols_and_answer(task, tokens, mask):
  """(symbols between the start and end tokens, the answer's symbols without the end
  token, read from the mask); padding only after the end token."""
  symbols = task.vocab.decode(tokens)
  assert symbols[0] == "<bos>" and symbols[-1] == "<eos>", symbols
  assert np.all(np.asarray(tokens)[len(symbols):] == 0)
  answer = [task.vocab.symbols[t] for t in np.asarray(tokens)[np.asarray(mask)]]
  assert answer[-1] == "<eos>"
  return symbols[1:-1], answer[:-1]


@pytest.mark.parametrize("name, options, own_answer", [
    ("reversal", dict(), lambda s: s[::-1]),
    ("reversal", dict(operation="copy", alphabet_size=2), lambda s: s),
    ("sorting", dict(), sorted),
    ("sorting", dict(alphabet_size=26), sorted),
    ("reversal", dict(layout="fixed"), lambda s: s[::-1]),
    ("sorting", dict(layout="fixed", alphabet_size=3), sorted),
])
def test_string_maps_write_the_image_of_the_string(name, options, own_answer):
  task = synth.get_task(name, max_difficulty=12, **options)
  batch = sample_grid(task, keys_per_difficulty=20)
  letters = collections.Counter()
  for tokens, mask, d in zip(batch.tokens, batch.answer_mask, batch.difficulty.tolist()):
    body, answer = symbols_and_answer(task, tokens, mask)
    places = 12 if task.layout == "fixed" else d
    fillers = ["_"] * (places - d)  # after the string, and after the answer
    assert body[places] == ">" and len(body) == 2 * places + 1
    problem = body[:d]
    assert body[d:places] == fillers and body[places + 1 + d:] == fillers
    assert answer == body[places + 1:] == own_answer(problem) + fillers
    assert np.flatnonzero(mask)[0] == task.answer_start(d) == places + 2
    assert task.check(tokens) and task.difficulty_of(tokens) == d
    if fillers:  # a symbol written where the answer must keep a filler is wrong
      corrupted = np.array(tokens)
      corrupted[len(body)] = task.vocab.id("a")
      assert not task.check(corrupted)
    letters.update(problem)
  assert set(letters) == set(string.ascii_lowercase[:task.alphabet_size])


def test_sorting_symbols_are_uniform():
  task = synth.get_task("sorting", max_difficulty=8, alphabet_size=4)
  keys = jax.random.split(jax.random.key(1), 500)
  batch = jax.device_get(jax.vmap(task.sample, in_axes=(0, None))(keys, 8))
  problems = [task.vocab.decode(t)[1:9] for t in batch.tokens]
  counts = collections.Counter(s for p in problems for s in p)
  shares = np.array([counts[c] for c in "abcd"]) / 4000
  assert np.all(np.abs(shares - 0.25) < 0.03), shares


def own_running_results(first, operations, numbers, modulus):
  value, results = int(first), []
  for operation, number in zip(operations, numbers):
    value = eval(f"{value} {operation} {number}") % modulus  # Python's own arithmetic
    results.append(str(value))
  return results


@pytest.mark.parametrize("options", [dict(), dict(modulus=7, operations="+-*"),
                                     dict(modulus=2, operations="+")])
def test_modular_chain_writes_every_running_result(options):
  task = synth.get_task("modular_chain", max_difficulty=10, **options)
  batch = sample_grid(task, keys_per_difficulty=20)
  seen_operations = set()
  for tokens, mask, k in zip(batch.tokens, batch.answer_mask, batch.difficulty.tolist()):
    body, answer = symbols_and_answer(task, tokens, mask)
    assert len(body) == 4 * k + 1  # a0, then "op a = r" per operation
    operations, numbers, results = body[1::4], body[2::4], body[4::4]
    assert body[3::4] == ["="] * k and answer == results
    assert all(int(v) < task.modulus for v in [body[0]] + numbers)
    assert answer == own_running_results(body[0], operations, numbers, task.modulus)
    assert np.flatnonzero(mask).tolist() == [4 * i + 5 for i in range(k)] + [4 * k + 2]
    assert task.answer_start(k) == 5
    assert task.check(tokens) and task.difficulty_of(tokens) == k
    seen_operations.update(operations)
  assert seen_operations == set(task.operations)


@pytest.mark.parametrize("options", [dict(), dict(max_difficulty=5, names=6),
                                     dict(max_difficulty=4, names=13, stride=3)])
def test_pointer_chase_follows_every_hop(options):
  task = synth.get_task("pointer_chase", **options)
  batch = sample_grid(task, keys_per_difficulty=20)
  for tokens, mask, k in zip(batch.tokens, batch.answer_mask, batch.difficulty.tolist()):
    body, answer = symbols_and_answer(task, tokens, mask)
    context, query = body[:body.index(";")], body[body.index(";") + 1:]
    edges = [context[i:i + 3] for i in range(0, len(context), 3)]
    assert len(edges) == task.names - 1 and all(e[2] == "," for e in edges)
    points_to = dict((e[0], e[1]) for e in edges)
    assert len(points_to) == task.names - 1
    [first] = set(points_to) - set(points_to.values())  # one line through every name
    line = [first]
    while line[-1] in points_to:
      line.append(points_to[line[-1]])
    assert len(line) == task.names
    start, stride = query[0], options.get("stride", 1)
    assert query[1] == "=" and answer == query[2:]
    assert line.index(start) == task.names - 1 - stride * k  # k steps of stride hops
    assert answer == line[line.index(start) + stride::stride]  # every stride-th name
    assert len(answer) == k and answer[-1] == line[-1]
    assert np.flatnonzero(mask)[0] == task.answer_start(k) == 3 * (task.names - 1) + 4
    assert task.check(tokens) and task.difficulty_of(tokens) == k


@pytest.mark.parametrize("name, options", [
    ("reversal", dict(max_difficulty=6)), ("sorting", dict(max_difficulty=6, layout="fixed")),
    ("modular_chain", dict(max_difficulty=6)), ("pointer_chase", dict(max_difficulty=6)),
    ("pointer_chase", dict(max_difficulty=6, names=13, stride=2))])
def test_checker_rejects_each_wrong_answer_token(name, options):
  task = synth.get_task(name, **options)
  example = jax.device_get(jax.jit(task.sample)(jax.random.key(5), 6))
  assert task.check(example.tokens)
  answer_positions = np.flatnonzero(example.answer_mask)[:-1]  # not the end token
  for position in answer_positions:
    corrupted = example.tokens.copy()
    corrupted[position] = example.tokens[answer_positions[0] - 1]  # a separator, or "="
    assert not task.check(corrupted), (name, position)
    symbol = task.vocab.symbols[example.tokens[position]]
    other = next(s for s in "0123456789abcdefghijklmnopqrstuvwxyz"
                 if s != symbol and s in task.vocab.symbols
                 and (s.isdigit() == symbol.isdigit()))
    corrupted[position] = task.vocab.id(other)
    assert not task.check(corrupted), (name, position, other)


def test_num_distinct_counts_small_cases():
  assert synth.get_task("reversal", alphabet_size=3).num_distinct([1, 2]) == 3 + 9
  assert synth.get_task("sorting", alphabet_size=2).num_distinct([3]) == 8
  assert synth.get_task("modular_chain", modulus=3, operations="+-").num_distinct([1]) == 9 * 2
  chase = synth.get_task("pointer_chase", max_difficulty=2, names=3)
  assert chase.num_distinct([1]) == 26 * 25 * 24 * 2  # lines of 3 names, 2 edge orders
  assert chase.num_distinct([1, 2]) == 2 * chase.num_distinct([1])


def test_pointer_chase_stride_one_is_the_default_and_draws_the_same_examples_as_before():
  """Digests of examples drawn before the stride existed (commit 149d6cb)."""
  for options, digest in [(dict(max_difficulty=8, names=9), "254a2ceb970ef11f"),
                          (dict(max_difficulty=16, names=17), "2c10468f021e99f6")]:
    task = synth.get_task("pointer_chase", **options)
    assert task.stride == 1 and examples_digest(task) == digest


def test_pointer_chase_checker_refuses_every_name_where_a_stride_writes_every_other():
  """Stride 2's answer is the plain answer's every other name: each checker refuses the
  other's, so the stride is checked, not only the end of the line."""
  plain = synth.get_task("pointer_chase", max_difficulty=6, names=13)
  strided = synth.get_task("pointer_chase", max_difficulty=6, names=13, stride=2)
  example = jax.device_get(jax.jit(strided.sample)(jax.random.key(3), 3))
  assert strided.check(example.tokens) and strided.difficulty_of(example.tokens) == 3
  symbols = strided.vocab.decode(example.tokens)
  query = symbols.index("=")
  points_to = dict(zip(symbols[1:query - 2:3], symbols[2:query - 2:3]))
  every_name = plain.expected(points_to, symbols[query - 1])
  assert every_name[1::2] == symbols[query + 1:-1] and len(every_name) == 6
  written = example.tokens[:query + 1].tolist() + [plain.vocab.id(n) for n in every_name]
  written.append(plain.vocab.id(synth.task.EOS))
  assert plain.check(written) and not strided.check(written)
  assert not plain.check(example.tokens)
