"""The vmapped training engine: one pure `train(params, run)` per run, its steps in a scan.

`make_train` builds `train` for a model, an optimiser config and a way of drawing batches;
`jax.jit(jax.vmap(train))` then trains a whole grid of runs as one compiled program. Every
per-run quantity (PRNG key, step count, learning rate, SFT or DFT, difficulty band or
training set and its size n) lives in `Run` on the leading runs axis, so runs that differ
only in those share one program, and the axis can later be sharded over devices.

Runs of different n share a program through fixed-capacity training-set buffers with a
per-run n (batches index only the first n rows). Each run also has its own step count; a
grid's scan lasts its longest run and finished runs stop changing.
"""

import dataclasses
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

import allowed
from experiments.engine.evaluate import example_metrics
from experiments.engine.losses import shift, token_losses
from models import random_positions
from synth.task import Example, Task


@dataclasses.dataclass(frozen=True)
class TrainConfig:
  """Optimiser and loop settings shared by every run of a grid (static)."""

  batch_size: int = 64
  max_steps: int = 1000  # scan length: the most steps any run of the grid takes
  warmup_fraction: float = 0.05
  weight_decay: float = 0.01
  clip_norm: float = 1.0
  adam_b1: float = 0.9
  adam_b2: float = 0.98
  output_start: int = 0  # first position scored: no answer token is predicted before it
  scan_unroll: int = 1  # steps per iteration of the compiled loop (fewer loop trips on a GPU)

  def __post_init__(self):
    allowed.integer("batch_size", self.batch_size, 1, 1 << 20)
    allowed.integer("scan_unroll", self.scan_unroll, 1, 1 << 10)
    allowed.integer("max_steps", self.max_steps, 1, 1 << 30)
    allowed.integer("output_start", self.output_start, 0, 1 << 20)
    allowed.real("warmup_fraction", self.warmup_fraction, 0, 1, hi_open=True)


class BandSource(NamedTuple):
  """Fresh samples every step, difficulties uniform over [lo, hi] (pre-training)."""

  lo: jax.Array  # int32
  hi: jax.Array  # int32


class DatasetSource(NamedTuple):
  """A finite training set in a fixed-capacity buffer; only the first n rows are used."""

  tokens: jax.Array  # int32[capacity, W]
  answer_mask: jax.Array  # bool[capacity, W]
  n: jax.Array  # int32


class Run(NamedTuple):
  """Per-run values; in a grid every leaf has a leading runs axis (see `stack_runs`)."""

  data_key: jax.Array
  num_steps: jax.Array  # int32, at most TrainConfig.max_steps
  learning_rate: jax.Array  # float32, peak of warmup + cosine decay
  dft: jax.Array  # bool: DFT loss instead of SFT cross-entropy
  source: Any  # BandSource or DatasetSource


class TrainResult(NamedTuple):
  params: Any
  losses: jax.Array  # float32[max_steps]; NaN after the run's last step
  batch_exact_match: jax.Array  # float32[max_steps]; NaN after the run's last step
  steps_taken: jax.Array  # int32
  diverged: jax.Array  # bool: a loss or update became NaN or Inf (params kept from before)


def make_run(data_key, num_steps, learning_rate, source, dft=False) -> Run:
  return Run(data_key, jnp.int32(num_steps), jnp.float32(learning_rate), jnp.bool_(dft), source)


def band_source(lo: int, hi: int) -> BandSource:
  return BandSource(jnp.int32(lo), jnp.int32(hi))


def dataset_source(dataset: Example, capacity: int) -> DatasetSource:
  """Pads a training set of n rows to `capacity` rows (the grid's largest n)."""
  n = dataset.tokens.shape[0]
  allowed.integer("n", n, 1, capacity)
  pad = ((0, capacity - n), (0, 0))
  return DatasetSource(jnp.asarray(np.pad(dataset.tokens, pad)),
                       jnp.asarray(np.pad(dataset.answer_mask, pad)), jnp.int32(n))


def stack_runs(runs: list) -> Any:
  """Stacks runs (or params, or any same-structured pytrees) along a new leading axis."""
  return jax.tree.map(lambda *xs: jnp.stack(xs), *runs)


def draw_difficulties(source: BandSource, key, batch_size: int, easy_bias: float,
                      max_difficulty: int):
  """Difficulties uniform over the band, or with `easy_bias` b > 0 drawn with probability
  proportional to (d - lo + 1)^-b: every batch then keeps more of the easy problems."""
  if not easy_bias:
    return jax.random.randint(key, (batch_size,), source.lo, source.hi + 1)
  d = jnp.arange(max_difficulty + 1)
  logits = jnp.where((d >= source.lo) & (d <= source.hi),
                     -easy_bias * jnp.log(jnp.maximum(d - source.lo + 1, 1).astype(jnp.float32)),
                     -jnp.inf)
  return jax.random.categorical(key, logits, shape=(batch_size,)).astype(jnp.int32)


def fresh_batches(task: Task, width: int | None = None, easy_bias: float = 0.0) -> Callable:
  """draw(source: BandSource, key, batch_size) -> (tokens, answer_mask), fresh samples cut to
  their first `width` positions (None: the task's full width), difficulties from
  `draw_difficulties`. Padding only follows an example, so a width that holds the band's
  longest example drops nothing but padding."""
  allowed.real("easy_bias", easy_bias, 0, 8)

  def draw(source: BandSource, key, batch_size):
    key_difficulty, key_examples = jax.random.split(key)
    difficulties = draw_difficulties(source, key_difficulty, batch_size, easy_bias,
                                     task.max_difficulty)
    batch = jax.vmap(task.sample)(jax.random.split(key_examples, batch_size), difficulties)
    return batch.tokens[:, :width], batch.answer_mask[:, :width]

  return draw


def dataset_batches(source: DatasetSource, key, batch_size):
  """Uniform draws with replacement from the first n rows of the buffer."""
  rows = jax.random.randint(key, (batch_size,), 0, source.n)
  return source.tokens[rows], source.answer_mask[rows]


def init_params(model, key, sequence_width: int):
  """Fresh parameters for one run (vmap over keys for a grid)."""
  return {"params": model.init(key, jnp.zeros((1, sequence_width - 1), jnp.int32))["params"]}


def warmup_cosine(peak, num_steps, warmup_fraction):
  """Linear warmup to `peak`, then cosine decay to 0 at `num_steps` (all may be traced)."""
  warmup = jnp.maximum(jnp.round(warmup_fraction * num_steps), 1.0)

  def schedule(count):
    progress = jnp.clip((count - warmup) / jnp.maximum(num_steps - warmup, 1.0), 0.0, 1.0)
    return peak * jnp.where(count < warmup, (count + 1) / warmup,
                            0.5 * (1 + jnp.cos(jnp.pi * progress)))

  return schedule


def make_optimizer(config: TrainConfig, learning_rate, num_steps):
  decay_matrices_only = lambda params: jax.tree.map(lambda p: p.ndim >= 2, params)
  return optax.chain(
      optax.clip_by_global_norm(config.clip_norm),
      optax.adamw(warmup_cosine(learning_rate, num_steps, config.warmup_fraction),
                  b1=config.adam_b1, b2=config.adam_b2, weight_decay=config.weight_decay,
                  mask=decay_matrices_only))


class TrainState(NamedTuple):
  """One run's training state between segments of steps."""

  params: Any
  opt_state: Any
  stopped: jax.Array  # bool: set between segments by the caller (e.g. the run fitted S)
  diverged: jax.Array  # bool
  steps_taken: jax.Array  # int32


class Trainer(NamedTuple):
  """init(params, run) -> state; advance(state, run, first_step, length) -> (state, losses,
  batch exact match) runs steps [first_step, first_step + length) (length static), so a
  caller can report progress between segments; train(params, run) -> TrainResult runs all
  max_steps in one scan. All are per run: jit(vmap(...)) them for a grid."""

  init: Callable
  advance: Callable
  train: Callable


def make_trainer(model, config: TrainConfig, draw_batch: Callable) -> Trainer:
  """A model with `position_scatter` > 1 trains on randomised positions, drawn per step."""
  scatter = model.config.position_scatter

  def loss_fn(params, tokens, answer_mask, dft, key):
    inputs, targets, mask = shift(tokens, answer_mask, config.output_start)
    positions = None if scatter == 1 else random_positions(  # a stream apart from the batch's
        jax.random.fold_in(key, 1), inputs.shape[0], inputs.shape[1], model.config.position_span)
    logits = model.apply(params, inputs, config.output_start, positions)
    losses = token_losses(logits, targets, dft)
    loss = jnp.where(mask, losses, 0.0).sum() / jnp.maximum(mask.sum(), 1)
    return loss, example_metrics(logits, targets, mask).exact.mean()

  def optimizer_of(run: Run):
    return make_optimizer(config, run.learning_rate, run.num_steps.astype(jnp.float32))

  def init(params, run: Run) -> TrainState:
    return TrainState(params, optimizer_of(run).init(params), jnp.bool_(False), jnp.bool_(False),
                      jnp.int32(0))

  def advance(state: TrainState, run: Run, first_step, length: int):
    optimizer = optimizer_of(run)

    def update(state: TrainState, t):
      key = jax.random.fold_in(run.data_key, t)
      tokens, answer_mask = draw_batch(run.source, key, config.batch_size)
      (loss, accuracy), grads = jax.value_and_grad(loss_fn, has_aux=True)(
          state.params, tokens, answer_mask, run.dft, key)
      updates, new_opt_state = optimizer.update(grads, state.opt_state, state.params)
      finite = jnp.isfinite(loss) & jnp.isfinite(optax.tree.norm(updates))
      keep = lambda new, old: jnp.where(finite, new, old)
      state = state._replace(
          params=jax.tree.map(keep, optax.apply_updates(state.params, updates), state.params),
          opt_state=jax.tree.map(keep, new_opt_state, state.opt_state),
          diverged=~finite, steps_taken=state.steps_taken + finite)
      return state, (loss, accuracy)

    def idle(state: TrainState, t):
      return state, (jnp.float32(jnp.nan), jnp.float32(jnp.nan))

    def step(state: TrainState, t):
      # A real branch where runs are mapped one at a time (over_runs with width 1): a run
      # that stopped costs nothing; under vmap both branches run and select.
      active = (t < run.num_steps) & ~state.stopped & ~state.diverged
      return jax.lax.cond(active, update, idle, state, t)

    state, (losses, accuracies) = jax.lax.scan(step, state, first_step + jnp.arange(length),
                                               unroll=config.scan_unroll)
    return state, losses, accuracies

  def train(params, run: Run) -> TrainResult:
    state, losses, accuracies = advance(init(params, run), run, 0, config.max_steps)
    return TrainResult(state.params, losses, accuracies, state.steps_taken, state.diverged)

  return Trainer(init, advance, train)


def make_train(model, config: TrainConfig, draw_batch: Callable) -> Callable:
  """train(params, run) -> TrainResult for one run; jit(vmap(train)) for a grid."""
  return make_trainer(model, config, draw_batch).train
