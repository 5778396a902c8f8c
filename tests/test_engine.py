"""The training engine: grid equals single runs, learning, losses, divergence, checkpoints."""

import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import synth
from experiments.engine import checkpoint, evaluate, loop, losses, sharding
from experiments.engine import train as engine
from models import ModelConfig, Transformer


def tiny_model(task, **kwargs):
  options = dict(d_model=32, num_heads=2, num_layers=1) | kwargs
  return Transformer(ModelConfig(vocab_size=len(task.vocab), max_length=task.sequence_width(),
                                 **options))


@pytest.fixture(scope="module")
def addition():
  return synth.get_task("addition", max_difficulty=3)


def test_vmapped_grid_matches_runs_one_by_one(addition):
  model = tiny_model(addition)
  config = engine.TrainConfig(batch_size=16, max_steps=25)
  train = engine.make_train(model, config, engine.dataset_batches)
  base = engine.init_params(model, jax.random.key(0), addition.sequence_width())
  capacity = 64
  runs = [engine.make_run(jax.random.key(10 + i), steps, lr,
                          engine.dataset_source(synth.make_dataset(
                              jax.random.key(i), addition, band, n), capacity), dft)
          for i, (band, n, steps, lr, dft) in enumerate([
              ((1, 2), 20, 25, 3e-3, False), ((2, 3), 64, 25, 1e-3, True),
              ((2, 3), 40, 12, 3e-3, False), ((1, 2), 33, 25, float("nan"), False)])]
  grid = jax.jit(jax.vmap(train, in_axes=(None, 0)))(base, engine.stack_runs(runs))
  single = jax.jit(train)
  for i, run in enumerate(runs):
    alone = single(base, run)
    np.testing.assert_allclose(grid.losses[i], alone.losses, rtol=2e-5, atol=1e-6)
    chex_params = jax.tree.map(lambda g, a: np.testing.assert_allclose(g[i], a, rtol=1e-4,
                                                                       atol=1e-6),
                               grid.params, alone.params)
    del chex_params
  assert grid.steps_taken.tolist() == [25, 25, 12, 0]
  assert grid.diverged.tolist() == [False, False, False, True]
  assert np.isnan(grid.losses[2, 12:]).all() and np.isfinite(grid.losses[2, :12]).all()
  # The diverged run keeps its starting parameters and spoils no other run.
  jax.tree.map(lambda g, b: np.testing.assert_array_equal(g[3], b), grid.params, base)
  assert np.isfinite(grid.losses[:3, :12]).all()


def test_an_unrolled_scan_trains_the_same_runs(addition):
  """`scan_unroll` (execution.scan_unroll, for a GPU's launches) changes how the compiled
  loop is laid out, not the steps: the same losses, steps and parameters within float
  tolerance, including a run that stops half-way through an unrolled trip."""
  model = tiny_model(addition)
  base = engine.init_params(model, jax.random.key(0), addition.sequence_width())
  runs = engine.stack_runs([engine.make_run(
      jax.random.key(10 + i), steps, 3e-3, engine.dataset_source(
          synth.make_dataset(jax.random.key(i), addition, (1, 3), 32), 32))
      for i, steps in enumerate((13, 7))])
  results = {}
  for unroll in (1, 4):
    config = engine.TrainConfig(batch_size=8, max_steps=13, scan_unroll=unroll)
    results[unroll] = jax.jit(jax.vmap(engine.make_train(model, config, engine.dataset_batches),
                                       in_axes=(None, 0)))(base, runs)
  one, four = results[1], results[4]
  assert four.steps_taken.tolist() == one.steps_taken.tolist() == [13, 7]
  np.testing.assert_allclose(four.losses, one.losses, rtol=1e-5, atol=1e-7)
  assert np.isnan(four.losses[1, 7:]).all()
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6),
               four.params, one.params)
  with pytest.raises(ValueError, match=r"scan_unroll=0 is not allowed"):
    engine.TrainConfig(scan_unroll=0)


def test_dft_gradient_matches_its_closed_form():
  logits = jax.random.normal(jax.random.key(0), (2, 5, 7))
  targets = jax.random.randint(jax.random.key(1), (2, 5), 0, 7)
  grad = jax.grad(lambda l: losses.token_losses(l, targets, True).sum())(logits)
  probs = jax.nn.softmax(logits)
  p_target = jnp.take_along_axis(probs, targets[..., None], axis=-1)
  closed_form = p_target * (probs - jax.nn.one_hot(targets, 7))
  np.testing.assert_allclose(grad, closed_form, rtol=1e-5, atol=1e-7)
  sft_grad = jax.grad(lambda l: losses.token_losses(l, targets, False).sum())(logits)
  np.testing.assert_allclose(sft_grad, probs - jax.nn.one_hot(targets, 7), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("easy_bias", [0.0, 1.0, 2.0])
def test_band_difficulties_follow_the_easy_bias(easy_bias):
  """Frequencies of 20000 draws over the band [2, 5] within 0.015 of (d - 1)^-b normalised
  (b = 0: uniform); nothing outside the band."""
  source = engine.band_source(2, 5)
  drawn = np.asarray(jax.jit(engine.draw_difficulties, static_argnums=(2, 3, 4))(
      source, jax.random.key(0), 20000, easy_bias, 8))
  weights = np.arange(1, 5, dtype=float) ** -easy_bias
  np.testing.assert_array_equal(np.unique(drawn), [2, 3, 4, 5])
  np.testing.assert_allclose(np.bincount(drawn, minlength=6)[2:] / drawn.size,
                             weights / weights.sum(), atol=0.015)


def test_a_bad_easy_bias_is_refused():
  with pytest.raises(ValueError, match=r"easy_bias=-1 is not allowed; "
                                       r"allowed: a finite number in \[0, 8\]"):
    engine.fresh_batches(synth.get_task("addition"), None, -1)


@pytest.fixture(scope="module")
def two_digit_task():
  """2-digit addition, a tiny model for it, and its test set."""
  task = synth.get_task("addition", max_difficulty=2)
  model = tiny_model(task, d_model=64, num_heads=4, num_layers=2)
  return task, model, synth.make_dataset(jax.random.key(9), task, (2, 2), 512)


@pytest.fixture(scope="module")
def two_digit_model(two_digit_task):
  """The tiny model pre-trained on fresh 2-digit sums (15 s: the tests that need it are
  slow), with its test set."""
  task, model, test = two_digit_task
  config = engine.TrainConfig(batch_size=64, max_steps=1000)
  train = jax.jit(engine.make_train(model, config, engine.fresh_batches(task)))
  params = engine.init_params(model, jax.random.key(0), task.sequence_width())
  result = train(params, engine.make_run(jax.random.key(1), 1000, 3e-3,
                                          engine.band_source(2, 2)))
  return task, model, result, test


@pytest.mark.slow
def test_tiny_model_learns_two_digit_addition(two_digit_model):
  task, model, result, test = two_digit_model
  evaluate_fn = jax.jit(evaluate.make_evaluate(model, 128, task.max_difficulty))
  table = evaluate.slice_table(evaluate_fn(result.params, test))
  assert list(table) == [2] and table[2]["examples"] == 512
  assert table[2]["error"] <= 0.05, table
  assert not result.diverged and result.steps_taken == 1000


def test_bfloat16_compute_trains(addition):
  """compute_dtype=bfloat16 (an accelerator's fast path; parameters stay float32) gives
  finite losses that fall as far as float32's on the same run, within a margin."""
  def losses_of(compute_dtype):
    model = tiny_model(addition, compute_dtype=compute_dtype)
    train = jax.jit(engine.make_train(model, engine.TrainConfig(batch_size=32, max_steps=300),
                                      engine.fresh_batches(addition)))
    params = engine.init_params(model, jax.random.key(0), addition.sequence_width())
    result = train(params, engine.make_run(jax.random.key(1), 300, 3e-3,
                                           engine.band_source(1, 2)))
    assert not result.diverged and jax.tree.leaves(result.params)[0].dtype == jnp.float32
    return np.asarray(result.losses)

  bf16, f32 = losses_of("bfloat16"), losses_of("float32")
  assert np.all(np.isfinite(bf16))
  assert bf16[-50:].mean() < 0.5 * bf16[:10].mean()  # it learns
  assert bf16[-50:].mean() < f32[-50:].mean() + 0.1, (bf16[-50:].mean(), f32[-50:].mean())


@pytest.mark.parametrize("trained", [pytest.param(True, marks=pytest.mark.slow), False],
                         ids=["trained", "random"])
def test_teacher_forced_exact_match_equals_greedy_decoding(request, two_digit_task, trained):
  task, model, test = two_digit_task
  params = (request.getfixturevalue("two_digit_model")[2].params if trained
            else engine.init_params(model, jax.random.key(5), task.sequence_width()))
  tokens, mask = jnp.asarray(test.tokens[:256]), jnp.asarray(test.answer_mask[:256])
  inputs, targets, target_mask = losses.shift(tokens, mask)
  teacher_forced = evaluate.example_metrics(model.apply(params, inputs), targets,
                                            target_mask).exact
  decoded = jax.jit(evaluate.greedy_answers, static_argnums=0)(model, params, tokens, mask)
  greedy = np.all((np.asarray(decoded) == np.asarray(tokens)) | ~np.asarray(mask), axis=1)
  np.testing.assert_array_equal(np.asarray(teacher_forced), greedy)
  assert 0 < greedy.mean() if trained else greedy.mean() < 0.5


def _grid_of_runs(task, capacity=64):
  return [engine.make_run(jax.random.key(10 + i), 12, 3e-3, engine.dataset_source(
      synth.make_dataset(jax.random.key(i), task, band, n), capacity), dft)
          for i, (band, n, dft) in enumerate([((1, 2), 20, False), ((2, 3), 64, True),
                                              ((3, 3), 40, False)])]


@pytest.mark.parametrize("width", [1, 2, None])
def test_runs_mapped_a_few_at_a_time_match_one_vmap(addition, width):
  """over_runs gives the numbers of a plain vmap (within float tolerance), whatever the
  chunk width, including a last chunk that is not full."""
  model = tiny_model(addition)
  train = engine.make_train(model, engine.TrainConfig(batch_size=16, max_steps=12),
                            engine.dataset_batches)
  base = engine.init_params(model, jax.random.key(0), addition.sequence_width())
  runs = engine.stack_runs(_grid_of_runs(addition))
  params = jax.tree.map(lambda x: jnp.stack([x] * 3), base)
  vmapped = jax.jit(jax.vmap(train))(params, runs)
  mapped = jax.jit(sharding.over_runs(train, width))(params, runs)
  # All runs at once (width None, the accelerator default) is one vmap: no loop over runs.
  loops = str(jax.make_jaxpr(sharding.over_runs(lambda x: 2 * x, width))(jnp.ones(3)))
  assert ("scan" in loops) == (width is not None)
  np.testing.assert_allclose(mapped.losses, vmapped.losses, rtol=2e-5, atol=1e-6)
  # Adam divides by root-mean-square gradients, so float noise in tiny gradients reaches the
  # weights as ~1e-4 of a learning-rate step; the losses above agree far more closely.
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, atol=2e-4),
               mapped.params, vmapped.params)


def test_skipping_the_prompt_positions_changes_no_number(addition):
  """Training from output_start = answer_start - 1 gives the losses of training on every
  position: nothing before the first answer token is ever scored."""
  fixed = synth.get_task("addition", max_difficulty=3, layout="fixed")
  model = tiny_model(fixed)
  base = engine.init_params(model, jax.random.key(0), fixed.sequence_width())
  run = _grid_of_runs(fixed)[1]
  losses = {}
  for start in (0, fixed.answer_start(1) - 1):
    config = engine.TrainConfig(batch_size=16, max_steps=12, output_start=start)
    losses[start] = jax.jit(engine.make_train(model, config, engine.dataset_batches))(base, run)
  assert fixed.answer_start(1) - 1 == 8
  np.testing.assert_allclose(losses[8].losses, losses[0].losses, rtol=1e-5)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, atol=2e-4),
               losses[8].params, losses[0].params)
  evaluations = [jax.jit(evaluate.make_evaluate(model, 32, 3, start))(
      losses[0].params, evaluate.pad_to_batches(
          synth.make_dataset(jax.random.key(3), fixed, (1, 3), 64), 32)) for start in (0, 8)]
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5), *evaluations)


def test_evaluation_sums_per_difficulty_ignore_padding(addition):
  model = tiny_model(addition)
  params = engine.init_params(model, jax.random.key(0), addition.sequence_width())
  test = synth.make_dataset(jax.random.key(3), addition, (1, 3), 100)
  padded = evaluate.pad_to_batches(test, 32)
  assert padded.tokens.shape[0] == 128
  sums = jax.jit(evaluate.make_evaluate(model, 32, 3))(params, padded)
  inputs, targets, mask = losses.shift(jnp.asarray(test.tokens), jnp.asarray(test.answer_mask))
  metrics = evaluate.example_metrics(model.apply(params, inputs), targets, mask)
  for d in (1, 2, 3):
    rows = test.difficulty == d
    assert sums.examples[d] == rows.sum()
    assert sums.errors[d] == (~np.asarray(metrics.exact)[rows]).sum()
    assert sums.correct_tokens[d] == np.asarray(metrics.correct_tokens)[rows].sum()
    np.testing.assert_allclose(sums.loss_sum[d], np.asarray(metrics.loss_sum)[rows].sum(),
                               rtol=1e-5)
  assert sums.examples[1:].sum() == 100 and sums.examples[0] == 28  # slot 0: padding


def test_checkpoint_round_trip_is_bit_exact(tmp_path, addition):
  model = tiny_model(addition)
  init = jax.jit(jax.vmap(lambda key: engine.init_params(model, key, addition.sequence_width())))
  grid = init(jax.random.split(jax.random.key(0), 3))
  config = {"model": {"d_model": 32}, "seeds": [0, 1, 2]}
  checkpoint.save(str(tmp_path / "base"), grid, config)
  loaded, loaded_config = checkpoint.load(str(tmp_path / "base"))
  assert loaded_config == config
  assert jax.tree.structure(loaded) == jax.tree.structure(jax.device_get(grid))
  jax.tree.map(lambda a, b: np.testing.assert_array_equal(np.asarray(a), b), grid, loaded)
  with pytest.raises(FileNotFoundError, match="no complete checkpoint"):
    checkpoint.load(str(tmp_path / "missing"))


@pytest.mark.parametrize("field, value, message", [
    ("batch_size", 0, r"batch_size=0 is not allowed; allowed: an integer in \[1, "),
    ("warmup_fraction", 1.5, r"warmup_fraction=1.5 is not allowed; allowed: a finite number "
     r"in \[0, 1\)"),
    ("output_start", -1, r"output_start=-1 is not allowed; allowed: an integer in \[0, "),
])
def test_bad_train_configs_are_refused(field, value, message):
  with pytest.raises(ValueError, match=message):
    engine.TrainConfig(**{field: value})


def test_training_set_larger_than_the_buffer_is_refused(addition):
  dataset = synth.make_dataset(jax.random.key(0), addition, (2, 2), 10)
  with pytest.raises(ValueError, match=r"n=10 is not allowed; allowed: an integer in \[1, 8\]"):
    engine.dataset_source(dataset, capacity=8)


# Losses of the first two steps of a fixed tiny run on the CPU. Update them only when a change
# is meant to alter the numbers (model, initialisation, loss, optimiser or the data stream),
# and say so in the commit; any other change that moves them is a bug.
GOLDEN_LOSSES = (2.8551149368286133, 2.678326368331909)


def test_golden_losses_of_a_tiny_run(addition):
  model = tiny_model(addition)
  config = engine.TrainConfig(batch_size=8, max_steps=2)
  train = jax.jit(engine.make_train(model, config, engine.fresh_batches(addition)))
  result = train(engine.init_params(model, jax.random.key(0), addition.sequence_width()),
                 engine.make_run(jax.random.key(1), 2, 1e-2, engine.band_source(1, 3)))
  np.testing.assert_allclose(result.losses, GOLDEN_LOSSES, rtol=1e-4,
                             err_msg="see the comment above GOLDEN_LOSSES")


@pytest.mark.parametrize("source", ["dataset", "fresh"])
def test_training_at_the_bands_width_gives_the_losses_of_the_full_width(source):
  """Padding follows every example and no earlier position attends to it, so cutting the
  batches to the band's width changes no loss or parameter beyond float tolerance."""
  task = synth.get_task("graph_arithmetic", max_difficulty=8, modulus=5)
  band = (1, 3)
  width = task.sequence_width(band[1])
  assert width < task.sequence_width()
  model = tiny_model(task, position_encoding="rope")
  config = engine.TrainConfig(batch_size=8, max_steps=6,
                              output_start=task.answer_start(band[0]) - 1)
  base = engine.init_params(model, jax.random.key(0), task.sequence_width())
  if source == "dataset":
    data = synth.make_dataset(jax.random.key(1), task, band, 24)
    run_at = lambda examples: engine.make_run(jax.random.key(2), 6, 3e-3,
                                              engine.dataset_source(examples, 24))
    results = [jax.jit(engine.make_train(model, config, engine.dataset_batches))(base, run)
               for run in (run_at(data), run_at(synth.cut_to_width(data, width)))]
  else:
    run = engine.make_run(jax.random.key(2), 6, 3e-3, engine.band_source(*band))
    results = [jax.jit(engine.make_train(model, config, engine.fresh_batches(task, w)))(base, run)
               for w in (None, width)]
  full, cut = results
  assert np.isfinite(full.losses).all()
  np.testing.assert_allclose(cut.losses, full.losses, rtol=1e-5)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6),
               cut.params, full.params)


def test_cutting_examples_drops_only_padding():
  task = synth.get_task("graph_arithmetic", max_difficulty=6)
  data = synth.make_dataset(jax.random.key(0), task, (2, 3), 16)
  cut = synth.cut_to_width(data, task.sequence_width(3))
  assert cut.tokens.shape == (16, task.sequence_width(3))
  np.testing.assert_array_equal(cut.tokens, data.tokens[:, :task.sequence_width(3)])
  with pytest.raises(ValueError, match="would drop tokens; their longest needs"):
    synth.cut_to_width(data, task.sequence_width(2))


def test_a_set_smaller_than_one_batch_is_evaluated_as_one_batch_of_its_own(addition):
  """A training set of 12 is padded to 16, not to the evaluation batch of 64, and sums the
  same as when padded to the full batch."""
  model = tiny_model(addition)
  params = engine.init_params(model, jax.random.key(0), addition.sequence_width())
  small = synth.make_dataset(jax.random.key(4), addition, (1, 3), 12)
  padded = evaluate.pad_to_batches(small, 64)
  assert padded.tokens.shape[0] == 16
  assert [evaluate.pad_to_batches(synth.make_dataset(jax.random.key(4), addition, (1, 3), n),
                                  64).tokens.shape[0] for n in (1, 16, 33, 64, 65)] == [
                                      1, 16, 64, 64, 128]
  evaluate_fn = jax.jit(evaluate.make_evaluate(model, 64, 3))
  full = jax.tree.map(lambda x: np.concatenate([x, np.zeros((48,) + x.shape[1:], x.dtype)]),
                      padded)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a[1:], b[1:], rtol=1e-5),  # 0: padding
               evaluate_fn(params, padded), evaluate_fn(params, full))


def test_the_eta_of_groups_is_unknown_before_one_ends_then_a_line_in_log_n(monkeypatch):
  now = [0.0]
  monkeypatch.setattr(loop.time, "time", lambda: now[0])
  clock = loop.GroupClock([16, 64, 256])
  assert clock.seconds_left() is None  # nothing has run: no honest estimate
  clock.begin(); now[0] = 10.0; clock.end(16)  # 16 took 10 s
  clock.begin()
  assert clock.seconds_left() == 20.0  # one group: each of the two left takes as long
  now[0] = 40.0; clock.end(64)  # 64 took 30 s: 20 s more per factor 4 in n
  clock.begin(); now[0] = 50.0
  assert clock.seconds_left() == pytest.approx(30 + 20 - 10)  # 256 = 64 x 4; 10 s under way
  reused = loop.GroupClock([16, 64]); reused.end(16, computed=False)
  assert reused.seconds_left() is None  # a group read from disk says nothing of speed


def test_a_silent_run_dumps_every_threads_stack_and_progress_lines_hold_it_off():
  """watch_for_stalls(0.6): progress lines every 0.2 s for 1.2 s give no dump; 1.5 s of
  silence then gives at least two (mutation: not restarting the clock in Progress.advance
  dumps during the first phase)."""
  code = textwrap.dedent("""
      import sys, time
      from experiments.engine import loop
      loop.watch_for_stalls(0.6)
      progress = loop.Progress("work", 6)
      for _ in range(6):
        time.sleep(0.2)
        progress.advance(1, "a step")
      print("SILENCE", file=sys.stderr, flush=True)
      time.sleep(1.5)
  """)
  result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
  assert result.returncode == 0, result.stderr
  before, _, after = result.stderr.partition("SILENCE")
  assert "most recent call first" not in before
  assert after.count("most recent call first") >= 2
  assert "time.sleep" in after or "<module>" in after



class _AlwaysZero:
  """A stand-in model whose argmax is token 0 everywhere: an example is exact iff every
  answer token is 0, so a test sets each example's correctness by its tokens."""

  def apply(self, params, inputs_BxT, output_start=0):
    logits_BxTx2 = jnp.zeros(inputs_BxT.shape[:1] + (inputs_BxT.shape[1] - output_start, 2))
    return logits_BxTx2.at[..., 0].set(params)


def test_evaluation_stopping_above_a_threshold_decides_fitted_as_the_whole_set():
  """A check that may stop (the fine-tuning loop's checks of S, the bound's choice of sigma)
  stops once the set's error must exceed the threshold, read as the mean over difficulties
  or pooled over examples, the threshold a constant or traced: it decides "within" exactly
  as the whole set does, over sets near and far from it, and a set far above it costs one
  check batch of its many."""
  from experiments.study import scoring  # the study's reading of sums as one error
  rng = np.random.default_rng(0)
  evaluate_fn = evaluate.make_evaluate(_AlwaysZero(), 256, 3)
  whole = jax.jit(evaluate_fn)
  until = jax.jit(evaluate_fn, static_argnames="pooled")
  readings = {False: lambda s: scoring.errors(jax.tree.map(lambda x: np.asarray(x)[None], s))[0],
              True: lambda s: float(np.asarray(s.errors)[1:].sum() / np.asarray(s.examples)[1:].sum())}
  stopped_early = 0
  for trial in range(48):
    wrong_rate = [0.0, 0.005, 0.01, 0.02, 0.05, 0.5][trial % 6]
    size = int(rng.choice([16, 96, 256, 512]))
    wrong = rng.random(size) < wrong_rate
    tokens = np.zeros((size, 4), np.int32)
    tokens[:, 2] = wrong  # the answer token: 1 where the example is to be wrong
    examples = synth.Example(tokens, np.tile([False, False, True, False], (size, 1)),
                             rng.integers(1, 4, size).astype(np.int32))
    padded = evaluate.pad_to_batches(examples, 256)
    for pooled, reading in readings.items():
      for threshold in (0.0, 0.01, 0.05):
        sums = whole(1.0, padded), until(1.0, padded, jnp.float32(threshold), pooled=pooled)
        errors = [reading(s) for s in sums]
        assert (errors[0] <= threshold) == (errors[1] <= threshold), (trial, threshold, errors)
        if errors[0] <= threshold:  # within: every batch was needed to say so
          assert float(sums[1].examples.sum()) == padded.tokens.shape[0]
        stopped_early += float(sums[1].examples.sum()) < padded.tokens.shape[0]
        if wrong_rate == 0.5 and size >= 96:  # far above: decided within one check batch
          assert float(sums[1].examples.sum()) == evaluate.CHECK_BATCH
  assert stopped_early > 40
  # Two wrong examples, the only ones of difficulty 3, first: pooled over 256 examples the
  # error is within 0.01, as the mean over difficulties it is a third.
  tokens = np.zeros((256, 4), np.int32)
  tokens[:2, 2] = 1
  skewed = synth.Example(tokens, np.tile([False, False, True, False], (256, 1)),
                         np.where(np.arange(256) < 2, 3, 1).astype(np.int32))
  for pooled, within in ((True, True), (False, False)):
    sums = until(1.0, skewed, jnp.float32(0.01), pooled=pooled)
    assert (readings[pooled](sums) <= 0.01) == within, pooled
