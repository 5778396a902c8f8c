"""Training a grid of runs in segments: progress lines between them, learning curves kept."""

import contextlib
import faulthandler
import functools
import sys
import time
from typing import Callable, NamedTuple

import jax
from jax.sharding import Mesh
import numpy as np

from experiments.engine import sharding
from experiments.engine.train import Trainer


_stall_seconds = 0.0


def watch_for_stalls(seconds: float) -> None:
  """From now on, a gap of `seconds` without a progress line dumps every Python thread's
  stack to stderr, and again every `seconds` while the silence lasts (the run goes on): a
  run that hangs shows where it waits. Each progress line restarts the clock; 0 turns it off.
  faulthandler's timer thread needs no interpreter lock, so a dump comes even if the main
  thread holds it."""
  global _stall_seconds
  _stall_seconds = float(seconds)
  restart_stall_clock()


def restart_stall_clock():
  if _stall_seconds > 0:
    faulthandler.dump_traceback_later(_stall_seconds, repeat=True, file=sys.stderr)
  else:
    faulthandler.cancel_dump_traceback_later()


class Progress:
  """Prints a stage's progress with an ETA from the rate of the work computed so far, or,
  where the work's cost is not its size, from `estimate` (seconds left, None while unknown)."""

  def __init__(self, label: str, total_work: float,
               estimate: Callable[[], float | None] | None = None):
    self.label, self.total, self.start = label, total_work, time.time()
    self.done = self.computed = 0.0
    self.estimate = estimate

  def _eta_text(self, elapsed: float) -> str:
    if self.estimate is not None:
      seconds = self.estimate()
      return "ETA unknown until a group ends" if seconds is None else f"ETA ~ {seconds:5.0f} s"
    eta = elapsed / self.computed * (self.total - self.done) if self.computed else float("nan")
    return f"ETA {eta:5.0f} s"

  def advance(self, work: float, note: str, reused: bool = False):
    self.done += work
    self.computed += 0 if reused else work
    elapsed = time.time() - self.start
    if sharding.is_main_process():
      print(f"[{self.label}] {self.done / self.total:6.1%} {note}; elapsed {elapsed:5.0f} s, "
            f"{self._eta_text(elapsed)}", flush=True)
    restart_stall_clock()

  def skip(self, work: float):
    """Counts work as done that never needs computing (every run of a group stopped)."""
    self.done += work


class GroupClock:
  """Wall times of the groups of a stage, one per budget n, and the time the rest should
  take: a least-squares line in log n through the groups computed so far (their mean while
  only one has; unknown before), less the time the group under way has run. Log n, not n:
  a group's time grows more slowly than n (runs stop at the step cap; scoring does not
  grow with n), and on three studies' logs a line in n missed the time left by 43-55 % on
  average, one in log n by 4-30 % (docs/performance.md)."""

  def __init__(self, budgets):
    self.finished, self.remaining, self.start = {}, list(budgets), time.time()

  def begin(self):
    self.start = time.time()

  def end(self, n, computed: bool = True):
    if computed:
      self.finished[n] = time.time() - self.start
    self.remaining.remove(n)

  def seconds_left(self) -> float | None:
    if not self.finished:
      return None
    log_n = np.log(np.array(list(self.finished), float))
    times = np.array(list(self.finished.values()))
    slope = 0.0
    if len(log_n) > 1 and np.ptp(log_n) > 0:
      slope = max(np.polyfit(log_n, times, 1)[0], 0.0)
    intercept = times.mean() - slope * log_n.mean()
    predicted = np.maximum(intercept + slope * np.log(np.array(self.remaining, float)), 0.0)
    if len(predicted):  # the first remaining group is under way
      predicted[0] = max(predicted[0] - (time.time() - self.start), 0.0)
    return float(predicted.sum())


class PhaseClock:
  """`with clock(name):` adds the block's wall time to seconds[name]; a no-op without a
  dict. A phase must end by bringing its results to the host, or the time is not its own."""

  def __init__(self, seconds: dict | None):
    self.seconds = seconds

  @contextlib.contextmanager
  def __call__(self, name: str):
    start = time.perf_counter()
    yield
    if self.seconds is not None:
      self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def _mean(values) -> float:
  finite = values[np.isfinite(values)]
  return float(finite.mean()) if finite.size else float("nan")


class GridPrograms(NamedTuple):
  """A trainer's jitted grid programs, built once and reused by every group of a study, each
  run on its device of `mesh`: init(params, runs) -> state, advance(state, runs, first_step)
  -> (state, losses, batch exact match) for `segment` steps."""

  init: Callable
  advance: Callable
  segment: int
  mesh: Mesh


def grid_programs(trainer: Trainer, vmap_width, segment: int, mesh: Mesh) -> GridPrograms:
  advance = functools.partial(trainer.advance, length=segment)
  return GridPrograms(jax.jit(sharding.map_runs(trainer.init, mesh, vmap_width)),
                      jax.jit(sharding.map_runs(advance, mesh, vmap_width, shared=(2,))),
                      segment, mesh)


def train_in_segments(programs: GridPrograms, params, runs, total_steps: int,
                      progress: Progress, label: str, should_stop: Callable | None = None,
                      report_every: float = 10.0):
  """Trains a grid in segments of `programs.segment` steps, its runs split over the mesh.
  Before the first segment and after each, `should_stop(state)` (numpy bool per run) may
  stop runs; every `report_every` seconds a progress line gives the mean training loss and
  batch exact match of the last segment. Ends once every run has stopped or diverged.
  `params` and `runs` are host values with a leading runs axis; they are placed once.

  Returns (final TrainState on the mesh, padded to whole devices; losses [runs,
  total_steps] and batch exact match [runs, total_steps] as numpy, a step a run did not
  take NaN).
  """
  mesh, count = programs.mesh, sharding.run_count(runs)
  runs = sharding.put_runs(runs, mesh)
  state = programs.init(sharding.put_runs(params, mesh), runs)

  def stop_where_told(state):
    return state._replace(stopped=state.stopped | sharding.put_runs(should_stop(state), mesh))

  if should_stop is not None:  # a run whose base already meets the goal takes no step
    state = stop_where_told(state)
  losses, accuracies = [], []
  last_report, reported = time.time(), 0
  for first in range(0, total_steps, programs.segment):
    state, segment_losses, segment_accuracies = programs.advance(
        state, runs, sharding.put_replicated(np.int32(first), mesh))
    losses.append(sharding.gather(segment_losses, count))
    accuracies.append(sharding.gather(segment_accuracies, count))
    if should_stop is not None:
      state = stop_where_told(state)
    done = min(first + programs.segment, total_steps)
    training = int(np.sum(~sharding.gather(state.stopped | state.diverged, count)))
    if not training or done == total_steps or time.time() - last_report >= report_every:
      still = f", {training} still training" if should_stop is not None else ""
      progress.advance(done - reported,
                       f"{label}: step {done}/{total_steps}{still}, loss "
                       f"{_mean(losses[-1]):.3f}, batch exact match {_mean(accuracies[-1]):.3f}")
      last_report, reported = time.time(), done
    if not training:
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
