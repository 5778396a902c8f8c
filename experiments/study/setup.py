"""A study's config, checked field by field before any compute, and what the stages share.

`build(config)` refuses a config that asks for something impossible with one line naming
the field and the values it allows; the data limits it checks are the ones the data sets
are later drawn under (`synth.drawable`), so a config that passes never fails half-way.
"""

import dataclasses

import jax
from jax.sharding import Mesh
import ml_collections

import allowed
import synth
from experiments import configs
from experiments.engine import sharding
from models import ModelConfig, Transformer

LOSSES = ("sft", "dft")
MAX_LEARNING_RATE = 1.0  # AdamW beyond this diverges; a typo, not a design
# Purposes of the PRNG streams derived from config.seed.
(TEST_SET, BASE_INIT, BASE_DATA, BASE_HELDOUT, TRAIN_SET, HELDOUT_SET,
 FINETUNE_DATA) = range(7)


@dataclasses.dataclass(frozen=True)
class Setup:
  """Everything the stages need, built (and checked) before any compute."""

  config: ml_collections.ConfigDict
  train_task: synth.Task
  test_task: synth.Task
  model: Transformer
  evaluation_output_start: int  # first position any scored answer token is predicted from
  vmap_width: int | None  # runs per vectorised chunk on a device (sharding.over_runs); None: all
  mesh: Mesh  # every device of every host, the runs axis split over it (sharding.py)


def key(config, *path: int) -> jax.Array:
  """The PRNG key of one stream: config.seed folded with a purpose and indices."""
  result = jax.random.key(config.seed)
  for part in path:
    result = jax.random.fold_in(result, part)
  return result


def base_identities(config) -> list[tuple[str, tuple[int, int], int]]:
  """(name, pre-training band, base seed) of every base, in the order of the stacked
  parameters: names outer, seeds inner."""
  return [(name, tuple(band), seed) for name, band in zip(config.bases.names, config.bases.bands)
          for seed in config.bases.seeds]


def band_id(band) -> int:
  return 1000 * band[0] + band[1]


def fail(field: str, message: str):
  raise ValueError(f"config.{field}: {message}")


def _check_name(field, name):
  if not (isinstance(name, str) and name.isidentifier()):
    allowed.refuse(field, name, "a name of letters, digits and _")


def _band_checker(task: synth.Task):
  lo, hi = task.min_difficulty, task.max_difficulty

  def check(field, band):
    if not (isinstance(band, (tuple, list)) and len(band) == 2
            and all(map(allowed.is_integer, band)) and lo <= band[0] <= band[1] <= hi):
      allowed.refuse(field, band, f"a band (lo, hi) with {lo} <= lo <= hi <= {hi}")

  return check


def _check_draws(task: synth.Task, band, field: str, wanted: int, heldout: int) -> None:
  """`wanted` training examples plus `heldout` held out must fit what may be drawn."""
  limit = synth.drawable(task, range(band[0], band[1] + 1))
  if wanted + heldout > limit:
    what = f"{wanted} training examples plus " if wanted else ""
    allowed = (f"n in [1, {limit - heldout}]" if wanted and limit - heldout >= 1 else
               f"evaluation.heldout_examples <= {limit - max(wanted, 1)}, or a band holding more")
    fail(field, f"{what}{heldout} held-out examples (evaluation.heldout_examples) of band "
         f"{tuple(band)} are more than the {limit} that may be drawn from it (half of the "
         f"{2 * limit} distinct examples it holds); allowed: {allowed}")


def build(config: ml_collections.ConfigDict) -> Setup:
  """Checks every field (naming it and the values it allows) and builds the setup."""
  try:
    train_task = synth.get_task(config.task.name, **config.task.options)
    test_task = synth.get_task(config.task.name,
                               **(dict(config.task.options) | dict(config.task.test_options)))
  except (ValueError, TypeError) as error:
    fail("task", str(error))
  width = train_task.sequence_width()
  if test_task.sequence_width() != width:
    fail("task.test_options", "must keep the sequence width of the training task")
  if config.model.max_length < width:
    fail("model.max_length", f"{config.model.max_length} is shorter than the task's sequences "
         f"({width} tokens); allowed: >= {width}")
  try:
    model = Transformer(ModelConfig(vocab_size=len(train_task.vocab), **config.model))
  except (ValueError, TypeError) as error:
    fail("model", str(error))
  check_band = _band_checker(train_task)

  bases = config.bases
  allowed.distinct("config.bases.names", bases.names, _check_name)
  if len(bases.bands) != len(bases.names):
    fail("bases.bands", f"{len(bases.bands)} bands for {len(bases.names)} bases; allowed: one "
         "pre-training band per name in bases.names")
  for band in bases.bands:
    check_band("config.bases.bands", band)
  allowed.distinct("config.bases.seeds", bases.seeds, lambda f, v: allowed.integer(f, v, 0))

  allowed.integer("config.pretrain.steps", config.pretrain.steps, 1, 10 ** 7)
  allowed.integer("config.finetune.max_steps", config.finetune.max_steps, 1, 10 ** 7)
  allowed.integer("config.finetune.check_every", config.finetune.check_every, 1,
                  config.finetune.max_steps)
  allowed.real("config.finetune.fit_threshold", config.finetune.fit_threshold, 0, 1, hi_open=True)
  for group in ("pretrain", "finetune"):
    allowed.integer(f"config.{group}.batch_size", config[group].batch_size, 1, 1 << 16)
    allowed.real(f"config.{group}.learning_rate", config[group].learning_rate, 0,
                 MAX_LEARNING_RATE, lo_open=True)

  sweep, evaluation = config.sweep, config.evaluation
  allowed.distinct("config.sweep.budgets", sweep.budgets, lambda f, v: allowed.integer(f, v, 1))
  allowed.distinct("config.sweep.bands", sweep.bands, check_band)
  allowed.distinct("config.sweep.seeds", sweep.seeds, lambda f, v: allowed.integer(f, v, 0))
  allowed.distinct("config.sweep.losses", sweep.losses, lambda f, v: allowed.option(f, v, LOSSES))
  allowed.distinct("config.evaluation.test_difficulties", evaluation.test_difficulties,
                   lambda f, v: allowed.integer(f, v, train_task.min_difficulty,
                                                train_task.max_difficulty))
  for field in ("examples_per_difficulty", "heldout_examples", "batch_size", "curve_every"):
    allowed.integer(f"config.evaluation.{field}", evaluation[field], 1, 1 << 20)
  for band in bases.bands:
    _check_draws(train_task, band, "bases.bands", 0, evaluation.heldout_examples)
  for band in sweep.bands:
    _check_draws(train_task, band, "sweep.budgets", max(sweep.budgets),
                 evaluation.heldout_examples)

  configs.check_claim_thresholds(config.claims, "config.claims")
  b = config.bounds
  allowed.distinct("config.bounds.sigmas", b.sigmas,
                   lambda f, v: allowed.real(f, v, 0, 10, lo_open=True))
  if list(b.sigmas) != sorted(b.sigmas):
    allowed.refuse("config.bounds.sigmas", tuple(b.sigmas), "ascending values")
  allowed.integer("config.bounds.selection_draws", b.selection_draws, 1, 1000)
  allowed.integer("config.bounds.draws", b.draws, 1, 100000)
  allowed.real("config.bounds.tolerance", b.tolerance, 0, 1)
  allowed.real("config.bounds.delta", b.delta, 0, 1, lo_open=True, hi_open=True)
  fit_budgets = config.prediction.fit_budgets
  if fit_budgets != 0 and not (allowed.is_integer(fit_budgets)
                               and 2 <= fit_budgets < len(sweep.budgets)):
    allowed.refuse("config.prediction.fit_budgets", fit_budgets, f"0 (no prediction) or an "
                   f"integer from 2 to {len(sweep.budgets) - 1}, leaving at least one of the "
                   f"{len(sweep.budgets)} budgets to predict")
  allowed.integer("config.execution.vmap_width", config.execution.vmap_width, 0)
  allowed.integer("config.execution.chunk_runs", config.execution.chunk_runs, 0)
  allowed.integer("config.execution.scan_unroll", config.execution.scan_unroll, 1, 1 << 10)
  if not isinstance(config.execution.score_test_per_width, bool):
    allowed.refuse("config.execution.score_test_per_width",
                   config.execution.score_test_per_width, "True or False")

  trained = [b[0] for b in bases.bands] + [b[0] for b in sweep.bands]
  evaluation_output_start = min(output_start(train_task, trained),
                                output_start(test_task, evaluation.test_difficulties))
  vmap_width = config.execution.vmap_width or sharding.default_vmap_width()
  return Setup(config, train_task, test_task, model, evaluation_output_start, vmap_width,
               sharding.runs_mesh())


def output_start(task: synth.Task, difficulties) -> int:
  """The first position whose prediction is scored for any of these difficulties: the
  model computes its last block and logits from there on only."""
  return task.answer_start(min(difficulties)) - 1
