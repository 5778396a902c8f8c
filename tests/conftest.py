"""Test-wide JAX settings (strict rank promotion, a persistent compilation cache), the
tiny study run once through the launcher, which several test modules read, and examples of
a task at every difficulty, which the task tests read."""

import hashlib
import os
import subprocess
import sys

# Tests compile far more programs than they run steps: XLA's CPU backend at its lowest
# optimisation level compiles them about 1.5x faster, and no slower to run at the tests'
# sizes (docs/performance.md). Subprocesses inherit it; a level the user set is kept.
if "xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
  os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                             + " --xla_backend_optimization_level=0").strip()

import jax
import numpy as np
import pytest

jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_compilation_cache_dir",
                  os.environ.get("JAX_COMPILATION_CACHE_DIR",
                                 os.path.expanduser("~/.cache/difficulty-sim/jax")))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)


@pytest.fixture(scope="session")
def launched(tmp_path_factory):
  """The tiny study run once from the command line on one device, uninterrupted:
  (workdir, stdout)."""
  workdir = str(tmp_path_factory.mktemp("study"))
  command = [sys.executable, "-m", "experiments.main", "--config=experiments/configs/tiny.py",
             "--config.pretrain.steps=3", "--config.execution.cpu_devices=1",
             f"--workdir={workdir}"]
  repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  result = subprocess.run(command, capture_output=True, text=True, cwd=repo)
  assert result.returncode == 0, result.stderr[-3000:]
  return workdir, result.stdout


def sample_grid(task, keys_per_difficulty=25, seed=0):
  """Examples of a task for every difficulty x several keys, from one jitted vmapped call."""
  difficulties = np.repeat(np.arange(task.min_difficulty, task.max_difficulty + 1),
                           keys_per_difficulty)
  keys = jax.random.split(jax.random.key(seed), difficulties.size)
  return jax.device_get(jax.jit(jax.vmap(task.sample))(keys, difficulties))


def examples_digest(task) -> str:
  """The first 16 hex digits of the sha256 of `sample_grid(task, 16)`'s tokens and masks:
  a default generator's fingerprint, random stream included, to compare across commits."""
  grid = sample_grid(task, keys_per_difficulty=16)
  drawn = np.asarray(grid.tokens, np.int32).tobytes() + np.asarray(grid.answer_mask).tobytes()
  return hashlib.sha256(drawn).hexdigest()[:16]
