"""The software and hardware a computation runs on, recorded beside a study's results so a
reader knows which stack made its floats (results on another stack differ in the floats)."""

import importlib.metadata
import platform

import jax

PACKAGES = ("jax", "jaxlib", "flax", "optax", "numpy", "ml_collections")


CPU_FLAGS = ("avx2", "avx512f", "fma")  # vector units that change XLA's CPU kernels


def _cpu() -> str:
  """The CPU's model name and which of CPU_FLAGS it has (Linux: /proc/cpuinfo; elsewhere
  what `platform` knows)."""
  model, flags = platform.processor() or platform.machine(), set()
  try:
    with open("/proc/cpuinfo") as handle:
      for line in handle:
        if line.startswith("model name"):
          model = line.split(":", 1)[1].strip()
        elif line.startswith("flags"):
          flags = set(line.split(":", 1)[1].split())
          break
  except OSError:
    pass
  present = [flag for flag in CPU_FLAGS if flag in flags]
  return f"{model} ({', '.join(present) or 'no ' + '/'.join(CPU_FLAGS)})"


def describe() -> dict:
  """Python and package versions, the CPU model, the accelerator kind and the device and
  process counts of this process's JAX backend."""
  versions = {}
  for package in PACKAGES:
    try:
      versions[package] = importlib.metadata.version(package.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
      versions[package] = None
  device = jax.devices()[0]
  return dict(python=platform.python_version(), packages=versions, cpu=_cpu(),
              platform=device.platform, device_kind=device.device_kind,
              device_count=jax.device_count(), process_count=jax.process_count())
