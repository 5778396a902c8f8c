"""Addition examples against Python integers, for every option and difficulty."""

import itertools

import jax
import numpy as np
import pytest

import synth
from conftest import sample_grid
from synth import addition

MAX_DIGITS = 20
OPTION_SETS = [dict(zip(("digit_order", "layout", "operand_sampling"), values))
               for values in itertools.product(addition.DIGIT_ORDERS, addition.LAYOUTS,
                                               addition.OPERAND_SAMPLINGS)]


def read_numbers(task, tokens):
  """(a, b, s) digit strings in written order, read with this test's own parser."""
  symbols = task.vocab.decode(tokens)
  assert symbols[0] == "<bos>" and symbols[-1] == "<eos>", symbols
  plus, equals = symbols.index("+"), symbols.index("=")
  return "".join(symbols[1:plus]), "".join(symbols[plus + 1:equals]), "".join(
      symbols[equals + 1:-1])


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: "-".join(o.values()))
def test_sum_digits_and_mask_match_python_integers(options):
  task = synth.get_task("addition", max_difficulty=MAX_DIGITS, **options)
  batch = sample_grid(task)
  for tokens, mask, d in zip(batch.tokens, batch.answer_mask, batch.difficulty.tolist()):
    a, b, s = read_numbers(task, tokens)
    width = MAX_DIGITS if options["layout"] == "fixed" else d
    assert (len(a), len(b), len(s)) == (width, width, width + 1)
    if options["digit_order"] == "reversed":
      a, b, s = a[::-1], b[::-1], s[::-1]
    assert int(a) + int(b) == int(s)
    if options["operand_sampling"] == "exact":
      assert max(len(str(int(a))), len(str(int(b)))) == d
      assert min(len(str(int(a))), len(str(int(b)))) == d
    else:
      assert int(a) < 10 ** d and int(b) < 10 ** d
    length = 3 * width + 5
    assert np.all(tokens[length:] == 0)
    assert np.flatnonzero(mask).tolist() == list(range(length - width - 2, length))
    assert task.check(tokens)
    assert task.render(tokens) == f"{int(a)} + {int(b)} = {int(s)}"


@pytest.mark.parametrize("options", OPTION_SETS[:2], ids=lambda o: "-".join(o.values()))
def test_difficulty_is_exact_for_exact_operands(options):
  task = synth.get_task("addition", max_difficulty=MAX_DIGITS, **options)
  batch = sample_grid(task, keys_per_difficulty=5, seed=1)
  measured = [task.difficulty_of(t) for t in batch.tokens]
  assert measured == batch.difficulty.tolist()


def test_uniform_operands_cover_short_numbers():
  task = synth.get_task("addition", max_difficulty=4, operand_sampling="uniform",
                        digit_order="plain")
  keys = jax.random.split(jax.random.key(0), 2000)
  batch = jax.device_get(jax.jit(jax.vmap(task.sample, in_axes=(0, None)))(keys, 4))
  first_operands = [int(read_numbers(task, t)[0]) for t in batch.tokens]
  below_1000 = np.mean(np.array(first_operands) < 1000)
  assert 0.06 < below_1000 < 0.14  # 10 % of 0..9999 have fewer than 4 digits


def test_checker_rejects_a_wrong_answer_digit():
  task = synth.get_task("addition", max_difficulty=6)
  example = jax.device_get(jax.jit(task.sample)(jax.random.key(3), 6))
  answer_positions = np.flatnonzero(example.answer_mask)[:-1]  # digits, not the end token
  for position in answer_positions:
    corrupted = example.tokens.copy()
    digit = corrupted[position] - task.vocab.id("0")
    corrupted[position] = task.vocab.id(str((digit + 1) % 10))
    assert not task.check(corrupted)


def test_sequence_width_follows_layout():
  assert synth.get_task("addition", max_difficulty=8).sequence_width(3) == 14
  assert synth.get_task("addition", max_difficulty=8).sequence_width() == 29
  assert synth.get_task("addition", max_difficulty=8, layout="fixed").sequence_width(3) == 29


def test_num_distinct_one_digit_pairs():
  assert synth.get_task("addition").num_distinct([1]) == 100
  assert synth.get_task("addition").num_distinct([1, 2]) == 100 + 90 ** 2
  uniform_fixed = synth.get_task("addition", layout="fixed", operand_sampling="uniform")
  assert uniform_fixed.num_distinct([1, 2]) == 10 ** 4
