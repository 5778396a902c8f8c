"""The runs axis of a grid over every device of every host, with JAX's own SPMD machinery.

Runs are independent, so a grid needs no communication between devices: a one-axis mesh
(`runs_mesh`) holds every device, `map_runs` hands each device its own runs through
`shard_map`, and each device maps them as one device always did (`over_runs`). A run
count that does not divide the mesh is padded with copies of the last run, which the host
never sees: `put_runs` pads and places, `gather` brings results back without the padding.

Every host-to-device transfer is an explicit `put_*` (a test runs the study under
`jax.transfer_guard_host_to_device("disallow")`, which refuses implicit ones). On several
hosts every process computes the same host values and places only its own devices' shards.

`over_runs` maps a per-run function over the runs axis of one device a few runs at a time:
all at once (one `vmap`) fills an accelerator, while a CPU runs the batched matmuls of many
small runs slower than those of one or two.
"""

import os
from typing import Callable

import jax
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec
import numpy as np

import allowed

RUNS = "runs"  # the mesh's one axis


def runs_mesh(devices=None) -> Mesh:
  """A one-axis mesh over `devices` (default: every device of every host)."""
  return Mesh(np.array(jax.devices() if devices is None else devices), (RUNS,))


def padded_count(count: int, mesh: Mesh) -> int:
  """The smallest multiple of the mesh size that holds `count` runs."""
  return -(-count // mesh.size) * mesh.size


def run_count(tree) -> int:
  """The length of the leading runs axis shared by every leaf of `tree`."""
  return jax.tree.leaves(tree)[0].shape[0]


def _put(x, sharding: NamedSharding, rows=...):
  """Rows of one leaf, from host values, onto `sharding`, explicitly (PRNG keys through
  their data, which numpy can hold)."""
  if jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key):
    data = jax.device_put(np.asarray(jax.random.key_data(x))[rows], sharding)
    return jax.random.wrap_key_data(data, impl=jax.random.key_impl(x))
  return jax.device_put(np.asarray(x)[rows], sharding)


def put_runs(tree, mesh: Mesh):
  """A pytree whose leaves share a leading runs axis, split over the mesh (each device
  receives only its own runs), padded to a multiple of the mesh size with copies of the last
  run: a real run's values, so padding computes nothing that could fail."""
  count = run_count(tree)
  rows = np.minimum(np.arange(padded_count(count, mesh)), count - 1)
  sharding = NamedSharding(mesh, PartitionSpec(RUNS))
  return jax.tree.map(lambda x: _put(x, sharding, rows), tree)


def put_replicated(tree, mesh: Mesh):
  """A pytree every run reads (a shared test set, a step index), copied to every device."""
  sharding = NamedSharding(mesh, PartitionSpec())
  return jax.tree.map(lambda x: _put(x, sharding), tree)


def gather(tree, count: int):
  """A sharded pytree as numpy on every host, the first `count` runs (padding dropped)."""
  def one(x):
    if x.is_fully_addressable:
      return np.asarray(jax.device_get(x))[:count]
    return np.asarray(multihost_utils.process_allgather(x, tiled=True))[:count]
  return jax.tree.map(one, tree)


def over_runs(fn: Callable, width: int | None) -> Callable:
  """fn(*args) mapped over the leading runs axis of every arg: `width` runs at a time in
  one vectorised computation (vmap), the chunks one after another (lax.map); None: all at
  once. The numbers agree with a plain vmap within float tolerance. With width 1 no vmap is
  involved, so a `lax.cond` inside fn really skips the branch it does not take."""
  if width is None:
    return jax.vmap(fn)
  if width == 1:
    return lambda *args: jax.lax.map(lambda one: fn(*one), args)
  return lambda *args: jax.lax.map(lambda one: fn(*one), args, batch_size=width)


def default_vmap_width() -> int | None:
  """Runs per vectorised chunk on this backend: 1 on a CPU, where vmapping small runs buys
  little (benchmarks/engine_throughput.py) and one at a time lets a stopped run skip its
  steps; every run at once on an accelerator."""
  return 1 if jax.default_backend() == "cpu" else None


def map_runs(fn: Callable, mesh: Mesh, vmap_width: int | None, shared=()) -> Callable:
  """fn(*args) for one run, as a function of arrays whose leading runs axis is split over
  `mesh`; the positional args numbered in `shared` are the same for every run (replicated).
  Each device maps its runs `vmap_width` at a time (`over_runs`). Jit the result."""

  def mapped(*args):
    def on_device(*local):
      def one_run(*per_run):
        values = iter(per_run)
        return fn(*[local[i] if i in shared else next(values) for i in range(len(args))])
      return over_runs(one_run, vmap_width)(
          *[a for i, a in enumerate(local) if i not in shared])

    specs = tuple(PartitionSpec() if i in shared else PartitionSpec(RUNS)
                  for i in range(len(args)))
    # No collective: the per-run code (scans whose carries start as constants) needs no
    # check of which values vary across devices.
    return jax.shard_map(on_device, mesh=mesh, in_specs=specs, out_specs=PartitionSpec(RUNS),
                         check_vma=False)(*args)

  return mapped


def split_cpu(devices: int) -> int:
  """Makes the CPU `devices` JAX devices (0: one per core this process may use), so a grid's
  runs train on every core at once, each device mapping its own runs; a CPU left as one
  device runs the small matmuls of one run at a time on little more than one core. Call it
  before anything starts JAX's backends. A count forced through XLA_FLAGS
  (--xla_force_host_platform_device_count) is kept."""
  allowed.integer("config.execution.cpu_devices", devices, 0, 4096)
  count = devices or len(os.sched_getaffinity(0))
  if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    jax.config.update("jax_num_cpu_devices", count)


def is_main_process() -> bool:
  """Whether this process writes results, checkpoints and figures (process 0 only)."""
  return jax.process_index() == 0


def device_memory_bytes() -> int:
  """Memory of one local device: the allocator's limit on an accelerator; on a CPU, the
  host's physical memory shared by its (possibly forced) host devices."""
  device = jax.local_devices()[0]
  stats = device.memory_stats() if device.platform != "cpu" else None
  if stats and stats.get("bytes_limit"):
    return int(stats["bytes_limit"])
  host = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
  return host // jax.local_device_count()
