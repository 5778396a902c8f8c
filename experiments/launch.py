"""What the commands that run studies share (`experiments.main`, `experiments.ablations`):
JAX started the same way, and a study run and drawn the same way."""

import importlib.util
import os
import time

from absl import flags

import allowed


def config_of_file(path: str):
  """The config a config file's get_config() returns (its exceptions pass through)."""
  spec = importlib.util.spec_from_file_location("config_file", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config()


def define_stall_flag():
  """--stall_dump_s, of every command that runs studies (`start_jax` reads it)."""
  flags.DEFINE_float("stall_dump_s", 900, "seconds without a progress line after which every "
                     "thread's stack goes to stderr (the run goes on); 0: never", lower_bound=0)


# The `execution` fields that hold for a whole process: set before JAX starts its backends.
PROCESS_FIELDS = ("cpu_devices", "gpu_command_buffers")
# XLA:GPU's command buffers (CUDA graphs) by `execution.gpu_command_buffers`: the value of
# --xla_gpu_enable_command_buffer, None to leave XLA's own choice.
COMMAND_BUFFERS = {"default": None, "loops": "+WHILE,+CONDITIONAL", "off": ""}


def with_command_buffers(option: str, xla_flags: str) -> str:
  """XLA_FLAGS with the command buffers `option` asks for: "loops" adds the compiled loops
  and branches to what XLA puts in a CUDA graph (a segment's scan of steps then launches as
  one graph, not kernel by kernel), "off" puts nothing there. A setting already in XLA_FLAGS
  is kept. Read by XLA:GPU only; a CPU or TPU ignores it."""
  allowed.option("config.execution.gpu_command_buffers", option, tuple(COMMAND_BUFFERS))
  value = COMMAND_BUFFERS[option]
  if value is None or "xla_gpu_enable_command_buffer" in xla_flags:
    return xla_flags
  return f"{xla_flags} --xla_gpu_enable_command_buffer={value}".strip()


def start_jax(execution, stall_dump_s: float, distributed: bool = False,
              coordinator_address=None, num_processes=None, process_id=None) -> None:
  """Everything a command does before its first computation, from a config's `execution`
  fields: the CPU split into devices and XLA's command buffers (before anything starts
  JAX's backends), the hosts joined, the compilation cache, the stall watch. JAX is
  imported only here, once the flags are good: a refused flag or --help loads none."""
  xla_flags = with_command_buffers(execution.gpu_command_buffers, os.environ.get("XLA_FLAGS", ""))
  if xla_flags:  # "default" with no XLA_FLAGS leaves the environment as it was
    os.environ["XLA_FLAGS"] = xla_flags
  import jax
  from experiments.engine import loop, sharding
  sharding.split_cpu(execution.cpu_devices)
  if distributed or coordinator_address:
    jax.distributed.initialize(coordinator_address=coordinator_address,
                               num_processes=num_processes, process_id=process_id)
  jax.config.update("jax_compilation_cache_dir",  # a repeat compile then takes under 1 s
                    os.environ.get("JAX_COMPILATION_CACHE_DIR",
                                   os.path.expanduser("~/.cache/difficulty-sim/jax")))
  loop.watch_for_stalls(stall_dump_s)


def run_and_draw(config, workdir: str, figures: bool) -> None:
  """Runs (or resumes) one study, then draws its figures (their time added to timing.json)."""
  from experiments.engine import sharding
  from experiments.study import runner
  runner.run_study(config, workdir)  # a ValueError: refused before any compute
  if figures and sharding.is_main_process():
    started = time.perf_counter()
    from experiments.figures import draw  # matplotlib only when figures are wanted
    for path in draw.draw_all(workdir):
      print(f"figure: {path}")
    runner.add_stage_time(workdir, "figures", time.perf_counter() - started)
