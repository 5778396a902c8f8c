"""cpu_default with a model twice as wide and one layer deeper."""

from experiments.configs import cpu_default


def get_config():
  config = cpu_default.get_config()
  config.model.update(d_model=128, num_layers=3)
  config.bases.seeds = tuple(range(6))  # cpu_default's until 2026-11-29: the committed runs
  return config
