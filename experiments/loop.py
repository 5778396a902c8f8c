"""Training a grid of runs in segments: progress lines between them, learning curves kept."""

import functools
import time
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from experiments import train as engine


class Progress:
  """Prints a stage's progress with an ETA from the rate of the work computed so far; with
  `eta_is_bound`, the ETA is an upper bound (work that may be skipped is counted)."""

  def __init__(self, label: str, total_work: float, eta_is_bound: bool = False):
    self.label, self.total, self.start = label, total_work, time.time()
    self.done = self.computed = 0.0
    self.eta_label = "ETA <=" if eta_is_bound else "ETA"

  def advance(self, work: float, note: str, reused: bool = False):
    self.done += work
    self.computed += 0 if reused else work
    elapsed = time.time() - self.start
    eta = elapsed / self.computed * (self.total - self.done) if self.computed else float("nan")
    print(f"[{self.label}] {self.done / self.total:6.1%} {note}; elapsed {elapsed:5.0f} s, "
          f"{self.eta_label} {eta:5.0f} s", flush=True)

  def skip(self, work: float):
    """Counts work as done that never needs computing (every run of a group stopped)."""
    self.done += work


def _mean(values) -> float:
  finite = values[np.isfinite(values)]
  return float(finite.mean()) if finite.size else float("nan")


class GridPrograms(NamedTuple):
  """A trainer's jitted grid programs, built once and reused by every group of a study:
  init(params, runs) -> state, advance(state, runs, first_step) -> (state, losses, batch
  exact match) for `segment` steps."""

  init: Callable
  advance: Callable
  segment: int


def grid_programs(trainer: engine.Trainer, vmap_width, segment: int) -> GridPrograms:
  @jax.jit
  def advance(state, runs, first):
    one_run = functools.partial(trainer.advance, first_step=first, length=segment)
    return engine.over_runs(one_run, vmap_width)(state, runs)

  return GridPrograms(jax.jit(engine.over_runs(trainer.init, vmap_width)), advance, segment)


def train_in_segments(programs: GridPrograms, params, runs, total_steps: int,
                      progress: Progress, label: str, should_stop: Callable | None = None,
                      report_every: float = 10.0):
  """Trains a grid in segments of `programs.segment` steps. Before the first and after each,
  `should_stop(state)` (bool per run) may stop runs; every `report_every` seconds a progress
  line gives the mean training loss and batch exact match of the last segment. Ends once
  every run has stopped or diverged.

  Returns (final TrainState, losses [runs, total_steps], batch exact match [runs,
  total_steps]); a step a run did not take is NaN.
  """
  state = programs.init(params, runs)
  if should_stop is not None:  # a run whose base already meets the goal takes no step
    state = state._replace(stopped=jnp.asarray(should_stop(state)))
  losses, accuracies = [], []
  last_report, reported = time.time(), 0
  for first in range(0, total_steps, programs.segment):
    state, segment_losses, segment_accuracies = programs.advance(state, runs, first)
    losses.append(np.asarray(segment_losses))
    accuracies.append(np.asarray(segment_accuracies))
    if should_stop is not None:
      state = state._replace(stopped=state.stopped | jnp.asarray(should_stop(state)))
    done = min(first + programs.segment, total_steps)
    finished = bool(jnp.all(state.stopped | state.diverged))
    if finished or done == total_steps or time.time() - last_report >= report_every:
      training = int(np.sum(~np.asarray(state.stopped | state.diverged)))
      still = f", {training} still training" if should_stop is not None else ""
      progress.advance(done - reported,
                       f"{label}: step {done}/{total_steps}{still}, loss "
                       f"{_mean(losses[-1]):.3f}, batch exact match {_mean(accuracies[-1]):.3f}")
      last_report, reported = time.time(), done
    if finished:
      progress.skip(total_steps - done)
      break
  return state, _steps(losses, total_steps), _steps(accuracies, total_steps)


def _steps(segments, total_steps):
  """Per-segment arrays [runs, length] as one [runs, total_steps], NaN where never run."""
  joined = np.concatenate(segments, axis=1)[:, :total_steps]
  return np.pad(joined, ((0, 0), (0, total_steps - joined.shape[1])), constant_values=np.nan)


def curve_points(losses, accuracies, every: int) -> list[list[dict]]:
  """Per run, one point per `every` steps: {step, loss_value, batch_exact_match}, each the mean
  over the steps (step - every, step]; windows the run never reached are left out."""
  points = []
  for run_losses, run_accuracies in zip(losses, accuracies):
    run_points = []
    for end in range(every, run_losses.shape[0] + every, every):
      window = slice(end - every, min(end, run_losses.shape[0]))
      if np.isfinite(run_losses[window]).any():
        run_points.append(dict(step=min(end, run_losses.shape[0]),
                               loss_value=_mean(run_losses[window]),
                               batch_exact_match=_mean(run_accuracies[window])))
    points.append(run_points)
  return points
