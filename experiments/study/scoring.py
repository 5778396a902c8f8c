"""Scoring a grid of trained runs: the test set, the grid evaluators, and the results rows
(runs.csv, slices.csv, curves.csv, bounds.csv) of each run, keyed by the run's identity."""

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import synth
from experiments.engine import evaluate, sharding
from experiments.study.setup import TEST_SET, Setup, key



def test_set(setup: Setup):
  """examples_per_difficulty examples of every test difficulty (fewer where a difficulty
  allows fewer draws), padded to whole evaluation batches: one set at the task's full
  width, or with `execution.score_test_per_width` a tuple of sets, each difficulty's cut
  to its own width (the same sums within float rounding, without computing the padding of
  short examples; `Evaluators.on_shared` adds them up)."""
  config = setup.config
  per_slice, batch = config.evaluation.examples_per_difficulty, config.evaluation.batch_size
  parts = {d: synth.make_dataset(key(config, TEST_SET, d), setup.test_task, (d, d),
                                 min(per_slice, synth.drawable(setup.test_task, [d])))
           for d in config.evaluation.test_difficulties}
  if config.execution.score_test_per_width:
    return tuple(evaluate.pad_to_batches(
        synth.cut_to_width(part, setup.test_task.sequence_width(d)), batch)
        for d, part in parts.items())
  return evaluate.pad_to_batches(jax.tree.map(lambda *x: np.concatenate(x), *parts.values()),
                                 batch)


def stack_examples(sets, batch_size):
  """Per-run example sets of equal size, padded to whole batches and stacked on axis 0."""
  return jax.tree.map(lambda *x: np.stack(x),
                      *[evaluate.pad_to_batches(s, batch_size) for s in sets])


class Evaluators(NamedTuple):
  """A study's jitted grid evaluators, each run on its device of `setup.mesh`; arguments are
  placed with `sharding.put_runs` (shared sets: `put_replicated`), results come back with
  `sharding.gather`.
    on_own(params, examples, skip): sums on each run's own sets, zero for the runs where
      `skip` is True (computing nothing for them where runs are mapped one at a time);
    on_shared(params, examples): sums on one set shared by every run (or on a tuple of
      sets, added up: `test_set` per width);
    fit_check(params, examples, skip): as on_own, but each run's batches stop once its
      error must exceed `finetune.fit_threshold` (`make_evaluate`'s stop_above): the same
      decision "fitted" as on_own's sums, for less computation; a run that passes was read
      whole: its counts of errors and examples are on_own's."""

  on_own: Callable
  on_shared: Callable
  fit_check: Callable


def evaluators(setup: Setup) -> Evaluators:
  evaluate_fn = evaluate.make_evaluate(setup.model, setup.config.evaluation.batch_size,
                                       setup.train_task.max_difficulty,
                                       setup.evaluation_output_start)

  def unless_skipped(evaluate_fn):
    def evaluate_unless(params, examples, skip):
      nothing = lambda: jax.tree.map(jnp.zeros_like, jax.eval_shape(evaluate_fn, params,
                                                                     examples))
      return jax.lax.cond(skip, nothing, lambda: evaluate_fn(params, examples))
    return jax.jit(sharding.map_runs(evaluate_unless, setup.mesh, setup.vmap_width))

  shared = jax.jit(sharding.map_runs(evaluate_fn, setup.mesh, setup.vmap_width, shared=(1,)))

  def on_shared(params, examples):
    if isinstance(examples, synth.Example):  # a NamedTuple: one set, not a tuple of sets
      return shared(params, examples)
    return jax.tree.map(lambda *sums: functools.reduce(jnp.add, sums),
                        *[shared(params, part) for part in examples])

  return Evaluators(unless_skipped(evaluate_fn), on_shared, unless_skipped(functools.partial(
      evaluate_fn, stop_above=setup.config.finetune.fit_threshold)))


def errors(sums) -> np.ndarray:
  """Each run's error under the uniform mixture of the difficulties present in its set:
  the mean over difficulties of the per-difficulty error. sums: SliceSums [runs, ...]."""
  examples, wrong = np.asarray(sums.examples)[:, 1:], np.asarray(sums.errors)[:, 1:]
  present = examples > 0
  per_difficulty = np.where(present, wrong / np.maximum(examples, 1), 0.0)
  with np.errstate(invalid="ignore", divide="ignore"):  # a skipped run (no example) is NaN
    return per_difficulty.sum(axis=1) / present.sum(axis=1)


def error(sums, index) -> float:
  """Run `index`'s error (see `errors`)."""
  return float(errors(sums)[index])


def base_on_set(sums) -> tuple[np.ndarray, np.ndarray]:
  """(mean loss per answer token, exact-match rate) of each run on its whole set, every
  example counted once whatever its difficulty. sums: SliceSums [runs, ...]."""
  total = lambda x: np.asarray(x)[:, 1:].sum(axis=1)
  return (total(sums.loss_sum) / np.maximum(total(sums.answer_tokens), 1),
          1 - total(sums.errors) / np.maximum(total(sums.examples), 1))


def run_rows(setup: Setup, identity: dict, r_s: float, r_train: float, test_sums, index,
             steps, diverged, curve, base_on_s=(float("nan"), float("nan"))) -> dict:
  """One run's rows of the three results files, from its evaluation sums and curve;
  `base_on_s`: its base's (loss, exact match) on S before fine-tuning (a base: none)."""
  r_test = error(test_sums, index)
  run = dict(identity, steps=int(steps), R_S=r_s, R_train=r_train, R_test=r_test,
             G_gen=r_train - r_s, G_ext=r_test - r_train,
             fitted=bool(r_s <= setup.config.finetune.fit_threshold), diverged=bool(diverged),
             base_loss_S=float(base_on_s[0]), base_exact_S=float(base_on_s[1]))
  table = evaluate.slice_table(jax.tree.map(lambda x: x[index], test_sums))
  slices = [dict(identity, test_difficulty=d, error=v["error"],
                 token_accuracy=v["token_accuracy"], loss_value=v["loss"],
                 examples=v["examples"]) for d, v in table.items()]
  return dict(runs=[run], slices=slices, curves=[dict(identity, **point) for point in curve])


def merge(outputs) -> dict:
  """Concatenates the rows of several outputs of `run_rows` (or of merged ones, or of
  chunks with their `bounds` rows); a kind of row an output lacks counts as none."""
  return {name: [row for output in outputs for row in output.get(name, [])]
          for name in ("runs", "slices", "curves", "bounds")}
