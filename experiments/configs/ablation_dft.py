"""cpu_default with every run trained both with SFT and with DFT (figure 5)."""

from experiments.configs import cpu_default


def get_config():
  config = cpu_default.get_config()
  config.sweep.losses = ("sft", "dft")
  return config
