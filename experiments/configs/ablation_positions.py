"""cpu_default with learned absolute positions instead of rotary ones (the first design of
this project); the other encodings: --config.model.position_encoding=sinusoidal (or none)."""

from experiments.configs import cpu_default


def get_config():
  config = cpu_default.get_config()
  config.model.position_encoding = "learned"
  config.bases.seeds = tuple(range(6))  # cpu_default's until 2026-11-29: the committed runs
  return config
