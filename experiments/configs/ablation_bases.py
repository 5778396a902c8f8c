"""cpu_default with a strong base (pre-trained on 1-3 digits) and a weak one (1-2 digits),
to compare their optimal bands (claim C6, figure 4). The bands start at 2 digits, inside
the weak base's range, so that an easy option exists for both bases."""

from experiments.configs import cpu_default


def get_config():
  config = cpu_default.get_config()
  config.bases.update(names=("strong", "weak"), bands=((1, 3), (1, 2)))
  config.bases.seeds = tuple(range(6))  # cpu_default's until 2026-11-29: the committed runs
  config.sweep.bands = ((2, 2), (3, 3), (4, 4), (5, 5), (6, 6))
  return config
