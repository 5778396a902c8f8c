"""The runs axis over several devices and hosts. A process's device count is fixed when JAX
starts, so the multi-device runs are subprocesses: two processes of three forced CPU
devices each, joined by `jax.distributed`, run the tiny study through the launcher. Their
results (bounds included) must equal the one-device launcher run's (`launched`,
conftest.py) within float tolerance, though 4 bases and 32 runs per budget divide neither
6 devices nor 6-run chunks."""

import dataclasses
import os
import shutil
import socket
import subprocess
import sys

import jax
import numpy as np
import pytest

from experiments import launch
from experiments.configs import tiny
from experiments.engine import loop, sharding
from experiments.engine import train as engine
from experiments.results import files
from experiments.study import bounds, finetune, runner, scoring, setup

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTS, DEVICES_PER_HOST, CHUNK = 2, 3, 6
# One process of the launcher, every file it renames into place (write_atomically's last
# step) listed in WRITES_LOG.
RECORDING_LAUNCHER = """
import os, runpy, sys
real_replace = os.replace
def recording_replace(source, target):
  with open(os.environ["WRITES_LOG"], "a") as log:
    log.write(os.path.relpath(target, os.environ["WORKDIR"]) + "\\n")
  real_replace(source, target)
os.replace = recording_replace
sys.argv = ["experiments.main"] + sys.argv[1:]
runpy.run_module("experiments.main", run_name="__main__")
"""


def free_port() -> int:
  with socket.socket() as probe:
    probe.bind(("localhost", 0))
    return probe.getsockname()[1]


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory):
  """The tiny study on 2 processes x 3 devices, chunks of 6 runs: (workdir, stdout of each
  process, files each process wrote)."""
  root = tmp_path_factory.mktemp("hosts")
  workdir, port = str(root / "study"), free_port()
  processes = []
  for process in range(HOSTS):
    env = dict(os.environ, XLA_FLAGS=f"{os.environ.get('XLA_FLAGS', '')} "
               f"--xla_force_host_platform_device_count={DEVICES_PER_HOST}",
               JAX_PLATFORMS="cpu", WORKDIR=workdir, WRITES_LOG=str(root / f"writes{process}"))
    command = [sys.executable, "-c", RECORDING_LAUNCHER, "--config=experiments/configs/tiny.py",
               "--config.pretrain.steps=3", f"--config.execution.chunk_runs={CHUNK}",
               f"--workdir={workdir}", f"--coordinator_address=localhost:{port}",
               f"--num_processes={HOSTS}", f"--process_id={process}"]
    processes.append(subprocess.Popen(command, cwd=REPO, env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
  outputs = [p.communicate(timeout=600) for p in processes]
  for p, (_, stderr) in zip(processes, outputs):
    assert p.returncode == 0, stderr[-3000:]
  writes = []
  for process in range(HOSTS):
    log = root / f"writes{process}"
    writes.append(log.read_text().split() if log.exists() else [])
  return workdir, [stdout for stdout, _ in outputs], writes


def assert_same_results(workdir, reference):
  """Every results file holds the same rows; numbers agree within float tolerance."""
  for name in ("runs.csv", "slices.csv", "curves.csv", "bounds.csv"):
    mine = files.read_csv(os.path.join(workdir, name))
    theirs = files.read_csv(os.path.join(reference, name))
    assert len(mine) == len(theirs) > 0
    for a, b in zip(mine, theirs):
      assert a.keys() == b.keys()
      for column in a:
        if isinstance(a[column], float):
          assert a[column] == pytest.approx(b[column], abs=1e-5, nan_ok=True), (name, column)
        else:
          assert a[column] == b[column], (name, column, a, b)


def test_two_hosts_of_three_devices_give_the_numbers_of_one_device(two_hosts, launched):
  assert_same_results(two_hosts[0], launched[0])


def test_the_launcher_makes_the_cpu_the_devices_execution_asks_for(launched):
  """`launched` asked for one CPU device; the default, 0, is one per core this process may
  use; a count forced through XLA_FLAGS is kept; a negative count is refused."""
  assert files.read_json(launched[0], "stack")["stacks"][0]["device_count"] == 1
  count = ("from experiments.engine import sharding; sharding.split_cpu({}); "
           "import jax; print(jax.device_count())")
  run = lambda devices, **env: subprocess.run(
      [sys.executable, "-c", count.format(devices)], cwd=REPO, capture_output=True, text=True,
      env=dict(os.environ, JAX_PLATFORMS="cpu", **env))
  assert run(0).stdout.split() == [str(len(os.sched_getaffinity(0)))]
  assert run(3, XLA_FLAGS="--xla_force_host_platform_device_count=2").stdout.split() == ["2"]
  with pytest.raises(ValueError, match=r"config.execution.cpu_devices=-1 is not allowed"):
    sharding.split_cpu(-1)


def test_the_launcher_sets_the_command_buffers_execution_asks_for():
  """execution.gpu_command_buffers becomes XLA:GPU's flag before JAX starts: "default" leaves
  XLA_FLAGS alone, "loops" adds the compiled loops to what a CUDA graph holds, "off" holds
  nothing; a value the user put in XLA_FLAGS wins; another option is refused in one line.
  A CPU build of XLA parses the flag too (a bad value would stop it): the subprocess runs."""
  others = "--xla_cpu_use_xnnpack=false"
  assert launch.with_command_buffers("default", others) == others
  assert launch.with_command_buffers("loops", others) == (
      others + " --xla_gpu_enable_command_buffer=+WHILE,+CONDITIONAL")
  assert launch.with_command_buffers("off", "") == "--xla_gpu_enable_command_buffer="
  mine = "--xla_gpu_enable_command_buffer=FUSION"
  assert launch.with_command_buffers("loops", mine) == mine
  with pytest.raises(ValueError, match=r"gpu_command_buffers='all' is not allowed; allowed: "
                     r"one of default, loops, off"):
    launch.with_command_buffers("all", "")
  started = subprocess.run(
      [sys.executable, "-c", "import jax; print(jax.jit(lambda x: x + 1)(1))"], cwd=REPO,
      capture_output=True, text=True, env=dict(
          os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS=launch.with_command_buffers("loops", "")))
  assert started.stdout.split() == ["2"], started.stderr[-800:]


def test_only_process_0_writes_and_prints(two_hosts):
  workdir, stdouts, writes = two_hosts
  assert writes[1] == []
  for name in ("config.json", "bases/params.msgpack", "groups/n=16.json", "runs.csv",
               "claims.json"):
    assert name in writes[0]
  assert "d*(n)" in stdouts[0] and stdouts[0].count("figure: ") == 13
  assert "d*(n)" not in stdouts[1] and "figure: " not in stdouts[1]
  assert "[finetune]" not in stdouts[1]


def test_a_group_trains_in_chunks_the_last_one_padded(two_hosts):
  """32 runs in chunks of 6: five full chunks and one of 2 runs, padded to 6 devices."""
  parts = sorted(os.listdir(os.path.join(two_hosts[0], "groups", "n=16")),
                 key=lambda name: int(name.split("runs=")[1].split("-")[0]))
  assert [p.split(".runs=")[1] for p in parts] == [
      "0-5.json", "6-11.json", "12-17.json", "18-23.json", "24-29.json", "30-31.json"]


def test_a_chunked_study_resumes_at_its_unfinished_chunk_on_other_devices(
    two_hosts, tmp_path, monkeypatch):
  """Interrupted in the last chunk of its last budget, the study resumes in this process
  (one device, two runs per vmap: execution settings may change on resuming): it trains
  that chunk alone and ends with the numbers of the first run."""
  workdir = str(tmp_path / "resumed")
  shutil.copytree(two_hosts[0], workdir)
  for name in ("groups/n=16.json", "groups/n=16/width=14.runs=30-31.json", "runs.csv",
               "slices.csv", "curves.csv", "claims.json"):
    os.remove(os.path.join(workdir, name))
  trained = []
  real = finetune.train_and_score

  def spy(setup_, n, group, *args):
    trained.append((n, len(group.identities)))
    return real(setup_, n, group, *args)

  monkeypatch.setattr(finetune, "train_and_score", spy)
  config = tiny.get_config()
  config.pretrain.steps = 3
  config.execution.update(chunk_runs=CHUNK, vmap_width=2)
  runner.run_study(config, workdir)
  assert trained == [(16, 2)]
  assert_same_results(workdir, two_hosts[0])


def test_training_and_scoring_send_nothing_to_the_devices_implicitly():
  """Data sets, test set, step indices and stop flags all go to the devices by explicit
  `put_*` calls, the data sets once per chunk; an implicit transfer (a numpy array or Python
  number passed to a device computation) would raise under the guard."""
  config = tiny.get_config()
  built = setup.build(config)
  base = engine.init_params(built.model, jax.random.key(0), built.train_task.sequence_width())
  count = len(setup.base_identities(config))
  [group] = finetune.prepare_groups(built, 8, jax.tree.map(lambda x: np.stack([x] * count),
                                                           jax.device_get(base)))
  test_set = sharding.put_replicated(scoring.test_set(built), built.mesh)
  programs, evaluators = finetune.grid_programs(built), scoring.evaluators(built)
  perturbed = bounds.perturbed_errors(built)
  with jax.transfer_guard_host_to_device("disallow"):
    rows = finetune.train_and_score(built, 8, group, test_set, programs[group.width],
                                    evaluators, perturbed, loop.Progress("test", 2))
    with pytest.raises(Exception, match="host-to-device"):
      evaluators.on_shared(sharding.put_runs(group.params, built.mesh), scoring.test_set(built))
  assert len(rows["runs"]) == len(group.identities)


def test_runs_per_chunk_follows_the_config_or_the_device_memory(monkeypatch):
  config = tiny.get_config()
  built = setup.build(config)
  width = built.train_task.sequence_width()
  devices = built.mesh.size
  config.execution.chunk_runs = 5
  assert finetune.runs_per_chunk(setup.build(config), width) == -(-5 // devices) * devices
  config.execution.chunk_runs = 0
  monkeypatch.setattr(sharding, "device_memory_bytes", lambda: 1)
  assert finetune.runs_per_chunk(built, width) == devices  # at least one run per device
  monkeypatch.setattr(sharding, "device_memory_bytes", lambda: 2 ** 30)
  many = finetune.runs_per_chunk(built, width)
  monkeypatch.setattr(sharding, "device_memory_bytes", lambda: 2 ** 31)
  assert finetune.runs_per_chunk(built, width) >= 2 * many > 100


def test_the_addition_example_of_the_chunk_arithmetic(monkeypatch):
  """engine/memory.py's docstring works `addition` through for an 80 GB device."""
  from experiments.configs import addition
  built = setup.build(addition.get_config())
  monkeypatch.setattr(sharding, "device_memory_bytes", lambda: 80 * 10 ** 9)
  width, devices = built.train_task.sequence_width(), built.mesh.size
  for vmap_width, runs in ((None, 779), (1, 3025)):
    chunk = finetune.runs_per_chunk(dataclasses.replace(built, vmap_width=vmap_width), width)
    assert chunk == runs * devices
