"""The transformer: shapes and finite logits at full length, causality by gradient."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments.engine import train as engine
from models import POSITION_ENCODINGS, ModelConfig, Transformer, random_positions
from models.transformer import Canon, apply_rope

MAX_LENGTH = 48


def make(position_encoding, tied=True, num_layers=2, **kwargs):
  config = ModelConfig(vocab_size=17, max_length=MAX_LENGTH, d_model=32, num_heads=4,
                       num_layers=num_layers, position_encoding=position_encoding,
                       tied_embeddings=tied, **kwargs)
  model = Transformer(config)
  variables = model.init(jax.random.key(0), jnp.zeros((1, MAX_LENGTH), jnp.int32))
  return model, variables


class ShapeTest(chex.TestCase):

  @chex.variants(with_jit=True, without_jit=True)
  def test_logits_have_the_right_shape_and_are_finite_at_the_longest_length(self):
    tokens = jax.random.randint(jax.random.key(1), (3, MAX_LENGTH), 0, 17)
    variants = [(encoding, True) for encoding in POSITION_ENCODINGS] + [("learned", False)]
    for position_encoding, tied in variants:
        model, variables = make(position_encoding, tied)
        logits = self.variant(lambda v, t, m=model: m.apply({"params": v["params"]}, t))(
            variables, tokens)
        chex.assert_shape(logits, (3, MAX_LENGTH, 17))
        chex.assert_tree_all_finite(logits)


def test_longer_sequence_than_max_length_is_refused():
  model, variables = make("learned")
  with pytest.raises(ValueError, match=f"sequence length {MAX_LENGTH + 1} exceeds"):
    model.apply(variables, jnp.zeros((1, MAX_LENGTH + 1), jnp.int32))


@pytest.mark.parametrize("position_encoding, canon_width, canon_points",
                         [(e, 0, "A") for e in POSITION_ENCODINGS]
                         + [("rope", 4, "A"), ("none", 3, "A"), ("rope", 4, "ABCD"),
                            ("none", 2, "BD")])
def test_no_position_sees_a_later_one(position_encoding, canon_width, canon_points):
  """d logits[t] / d embedded[s] is zero for every s > t, and nonzero for s = t."""
  model, variables = make(position_encoding, canon_width=canon_width,
                          canon_points=canon_points)
  tokens = jax.random.randint(jax.random.key(2), (1, MAX_LENGTH), 0, 17)

  @jax.jit
  def gradient(perturbations, t):
    def logit_sum(perturbations):
      logits = model.apply({"params": variables["params"], "perturbations": perturbations},
                           tokens)
      return logits[0, t].sum()
    return jax.grad(logit_sum)(perturbations)["embedded"][0]

  for t in (0, 10, MAX_LENGTH - 2):
    grad = gradient(variables["perturbations"], t)
    per_position = np.abs(np.asarray(grad)).sum(axis=-1)
    assert np.all(per_position[t + 1:] == 0)
    assert per_position[t] > 0


def test_position_encodings_change_the_output_only_where_they_should():
  """In one layer, swapping two earlier tokens moves the last logits unless there are no
  positions (then attention sees the prefix as a set; deeper causal NoPE can infer order)."""
  tokens = jax.random.randint(jax.random.key(3), (1, MAX_LENGTH), 0, 17)
  swapped = tokens.at[0, 0].set(tokens[0, 1]).at[0, 1].set(tokens[0, 0])
  for position_encoding in ("learned", "sinusoidal", "rope"):
    model, variables = make(position_encoding, num_layers=1)
    a, b = (model.apply(variables, t)[0, -1] for t in (tokens, swapped))
    assert not np.allclose(a, b, atol=1e-6), position_encoding
  model, variables = make("none", num_layers=1)
  a, b = (model.apply(variables, t)[0, -1] for t in (tokens, swapped))
  np.testing.assert_allclose(a, b, atol=1e-5)  # without positions, order before t is invisible


@pytest.mark.parametrize("position_encoding, canon_width, canon_points",
                         [(e, 0, "A") for e in POSITION_ENCODINGS]
                         + [("rope", 4, "A"), ("rope", 4, "ABCD"), ("learned", 3, "C"),
                            ("rope", 2, "D")])
def test_output_start_gives_the_same_logits_from_there_on(position_encoding, canon_width,
                                                          canon_points):
  """Skipping the last block's queries and MLP before output_start is exact: causal
  attention means no later position ever read them (with Canon in the MLP path, the
  block starts `canon_width - 1` positions earlier per such layer; mutation: starting it
  once that far back fails the ABCD case)."""
  model, variables = make(position_encoding, num_layers=3, canon_width=canon_width,
                          canon_points=canon_points)
  tokens = jax.random.randint(jax.random.key(4), (2, MAX_LENGTH), 0, 17)
  full = model.apply(variables, tokens)
  for start in (1, 30, MAX_LENGTH - 1):
    part = jax.jit(model.apply, static_argnums=2)(variables, tokens, start)
    chex.assert_shape(part, (2, MAX_LENGTH - start, 17))
    np.testing.assert_allclose(part, full[:, start:], rtol=1e-5, atol=1e-5)
  with pytest.raises(ValueError, match=rf"output_start={MAX_LENGTH} is not allowed; allowed: "
                     rf"an integer in \[0, "):
    model.apply(variables, tokens, MAX_LENGTH)


def test_canon_adds_the_positions_its_kernel_names():
  """Each kernel row w mixes in the input w positions back (zeros before the start): with
  one-hot rows the output is x plus x shifted by exactly those lags."""
  x = jax.random.normal(jax.random.key(5), (2, 9, 3))
  kernel = np.zeros((4, 3), np.float32)
  kernel[0, 0] = 1.0  # channel 0: the position itself
  kernel[3, 1] = 2.0  # channel 1: twice the input three positions back
  out = Canon(4, jnp.float32).apply({"params": {"kernel": kernel}}, x)
  expected = np.array(x)
  expected[..., 0] += x[..., 0]
  expected[:, 3:, 1] += 2 * x[:, :-3, 1]
  np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_canon_width_zero_adds_no_parameters():
  """Every point asked for at width 0 gives the very parameter tree of a model without
  Canon layers, at every depth (attention's and the MLP's sub-trees included)."""
  _, plain = make("rope", canon_points="ABCD")
  _, without = make("rope")
  _, canon = make("rope", canon_width=4, canon_points="ABCD")
  paths = lambda tree: {jax.tree_util.keystr(path): leaf.shape
                        for path, leaf in jax.tree_util.tree_leaves_with_path(tree)}
  assert paths(plain) == paths(without)
  assert not any("canon" in path for path in paths(plain))
  assert {p for p in paths(canon) if "canon" in p} >= {
      "['params']['block_0']['attention']['canon_qkv']['kernel']",
      "['params']['block_0']['canon']['kernel']"}
  chex.assert_shape(canon["params"]["block_0"]["canon"]["kernel"], (4, 32))


def test_each_canon_point_adds_its_kernel_and_leaves_the_other_names_alone():
  """A (before attention, named `canon` as before the other points existed), B (on the
  32 x 3 query/key/value channels), C (before the MLP), D (on its 4 x 32 hidden channels);
  the other parameters keep their names and shapes, so older checkpoints still load."""
  _, only_a = make("rope", canon_width=3)
  _, every = make("rope", canon_width=3, canon_points="ABCD")
  block = every["params"]["block_0"]
  shapes = {name: layer[name]["kernel"].shape for layer in (block, block["attention"])
            for name in layer if name.startswith("canon")}
  assert shapes == {"canon": (3, 32), "canon_qkv": (3, 96), "canon_mlp": (3, 32),
                    "canon_hidden": (3, 128)}
  without_canon = lambda tree: {k: without_canon(v) if isinstance(v, dict) else v.shape
                                for k, v in tree.items() if not k.startswith("canon")}
  assert without_canon(block) == without_canon(only_a["params"]["block_0"])


def test_partial_rope_rotates_the_first_channels_and_passes_the_rest():
  x = jax.random.normal(jax.random.key(6), (2, 7, 3, 8))
  np.testing.assert_array_equal(apply_rope(x, 8), apply_rope(x))
  part = apply_rope(x, 4)
  np.testing.assert_array_equal(part[..., 4:], x[..., 4:])
  np.testing.assert_allclose(part[..., :4], apply_rope(x[..., :4]), rtol=1e-6)
  assert not np.allclose(part[:, 1:, :, :4], x[:, 1:, :, :4])  # position 0 has angle 0
  assert ModelConfig(vocab_size=5, max_length=4, d_model=32, num_heads=2,
                     rope_fraction=0.25).rotated_dim == 4


def test_full_rope_fraction_is_todays_model():
  model, variables = make("rope")
  tokens = jax.random.randint(jax.random.key(7), (2, MAX_LENGTH), 0, 17)
  quarter, _ = make("rope", rope_fraction=0.25)
  np.testing.assert_array_equal(model.apply(variables, tokens),
                                make("rope", rope_fraction=1.0)[0].apply(variables, tokens))
  assert not np.allclose(model.apply(variables, tokens), quarter.apply(variables, tokens))


@pytest.mark.parametrize("field, value, message", [
    ("canon_width", 17, r"canon_width=17 is not allowed; allowed: an integer in \[0, 16\]"),
    ("canon_points", "BA", r"canon_points='BA' must be distinct letters of 'ABCD'"),
    ("canon_points", "E", r"canon_points='E' must be distinct letters"),
    ("canon_points", "", r"canon_points='' must be distinct letters"),
    ("rope_fraction", 0.0, r"rope_fraction=0.0 is not allowed; "
     r"allowed: a finite number in \(0, 1\]"),
    ("position_encoding", "alibi", "position_encoding='alibi'"),
    ("num_heads", 5, "d_model=32 must be a multiple of num_heads=5"),
    ("compute_dtype", "float16", "compute_dtype='float16'"),
    ("d_model", 0, r"d_model=0 is not allowed; allowed: an integer in \[2, "),
    ("position_scatter", 0, r"position_scatter=0 is not allowed; allowed: an integer in \[1, 64\]"),
])
def test_bad_model_configs_are_refused(field, value, message):
  options = dict(vocab_size=17, max_length=8, d_model=32, num_heads=4)
  options[field] = value
  with pytest.raises(ValueError, match=message):
    ModelConfig(**options)


def test_random_positions_are_sorted_distinct_and_within_the_span():
  positions = np.asarray(random_positions(jax.random.key(0), 64, 20, 80))
  assert positions.shape == (64, 20) and positions.min() >= 0 and positions.max() < 80
  assert (np.diff(positions, axis=1) > 0).all()  # sorted, hence distinct
  assert len({tuple(p) for p in positions}) == 64  # a draw per sequence
  assert positions[:, -1].max() > 70 and positions[:, 0].min() < 5  # the whole span is used


@pytest.mark.parametrize("position_encoding", ["learned", "sinusoidal", "rope"])
def test_explicit_positions_match_the_default_ones(position_encoding):
  """Positions given as a traced [B, L] array (how training passes a random draw) give the
  model of the default positions where they are 0, 1, ... (scatter 1) or 0, s, 2s, ...
  (scatter s), so evaluation is the draw's mean layout and nothing else differs."""
  tokens = jax.random.randint(jax.random.key(8), (2, MAX_LENGTH), 0, 17)
  for scatter in (1, 3):
    model, variables = make(position_encoding, position_scatter=scatter)
    given = jnp.broadcast_to(jnp.arange(MAX_LENGTH) * scatter, (2, MAX_LENGTH))
    np.testing.assert_allclose(model.apply(variables, tokens, 0, given),
                               model.apply(variables, tokens), rtol=2e-5, atol=2e-5)
    shuffled = given.at[:, 5:].add(1)
    assert not np.allclose(model.apply(variables, tokens, 0, shuffled),
                           model.apply(variables, tokens), atol=1e-4)


def test_training_with_position_scatter_draws_positions_beyond_the_sequence():
  """A learned table of scatter x max_length rows: one step trains rows past the sequence's
  own length only if the step drew random positions; without scatter they never move."""
  length = 12
  for scatter, beyond_moves in ((1, False), (4, True)):
    model = Transformer(ModelConfig(vocab_size=17, max_length=length, d_model=16, num_heads=2,
                                    position_encoding="learned", position_scatter=scatter))
    params = engine.init_params(model, jax.random.key(0), length)
    tokens = jax.random.randint(jax.random.key(1), (8, length), 3, 17)
    data = engine.DatasetSource(tokens, jnp.ones((8, length), bool), jnp.int32(8))
    train = engine.make_train(model, engine.TrainConfig(batch_size=8, max_steps=1),
                              engine.dataset_batches)
    result = train(params, engine.make_run(jax.random.key(2), 1, 1e-2, data))
    before, after = params["params"]["positions"], result.params["params"]["positions"]
    assert before.shape == (scatter * length, 16)
    moved = np.abs(np.asarray(after - before)).max(axis=1) > 0
    assert moved[:length - 1].all()
    assert moved[length:].any() == beyond_moves
