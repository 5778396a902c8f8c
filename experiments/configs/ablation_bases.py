"""cpu_default with a strong base (pre-trained on 1-3 digits) and a weak one (1-2 digits),
to compare their optimal bands (figure 4)."""

from experiments.configs import cpu_default


def get_config():
  config = cpu_default.get_config()
  config.bases.update(names=("strong", "weak"), bands=((1, 3), (1, 2)))
  return config
