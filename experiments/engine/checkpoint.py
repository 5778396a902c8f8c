"""Parameters (any pytree of arrays, a grid's leading runs axis included) saved with the
config that made them, bit-exactly, written atomically: a reader never sees half a file.

Every file of a study is written through `write_on_process_0` (`files.write_atomically`,
by process 0 of a multi-host run only). Sharded parameters are gathered to every host first (`sharding.gather`),
not saved shard by shard with orbax-checkpoint: the largest state saved is the base
models' (graph_paper's 6 bases: 19 M parameters, 77 MB), which one host holds with ease;
a gather stops serving once the saved state nears one host's memory (tens of GB).
"""

import json
import os
from typing import Any

import flax.serialization
import jax
import numpy as np

from experiments.results import files

PARAMS_FILE, CONFIG_FILE = "params.msgpack", "config.json"


def write_on_process_0(path: str, data: bytes) -> None:
  """`files.write_atomically` on process 0; every other process writes nothing."""
  if jax.process_index() == 0:
    files.write_atomically(path, data)


def saved_or_computed(path: str, compute) -> tuple[Any, bool]:
  """(the JSON a finished stage saved at `path`, True), or, where there is none yet,
  (compute(), False) with the result saved there first (by process 0): how a stage of an
  interrupted study is reused rather than run again."""
  if os.path.exists(path):
    with open(path) as handle:
      return json.load(handle), True
  result = compute()
  write_on_process_0(path, json.dumps(result, indent=1).encode())
  return result, False


def save(directory: str, params: Any, config: dict) -> None:
  """Writes params (host arrays) and a JSON-serialisable config into `directory` (created
  if needed). The config is written last, so its presence marks a complete checkpoint."""
  os.makedirs(directory, exist_ok=True)
  state = flax.serialization.to_state_dict(jax.tree.map(np.asarray, params))
  write_on_process_0(os.path.join(directory, PARAMS_FILE),
                     flax.serialization.msgpack_serialize(state))
  write_on_process_0(os.path.join(directory, CONFIG_FILE),
                     json.dumps(config, indent=2, sort_keys=True).encode())


def exists(directory: str) -> bool:
  return os.path.exists(os.path.join(directory, CONFIG_FILE))


def load(directory: str) -> tuple[Any, dict]:
  """(params as nested dicts of numpy arrays, config) from a checkpoint written by `save`."""
  if not exists(directory):
    raise FileNotFoundError(f"no complete checkpoint in {directory} (no {CONFIG_FILE})")
  with open(os.path.join(directory, PARAMS_FILE), "rb") as handle:
    params = flax.serialization.msgpack_restore(handle.read())
  with open(os.path.join(directory, CONFIG_FILE)) as handle:
    config = json.load(handle)
  return jax.tree.map(np.asarray, params), config
