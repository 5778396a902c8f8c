"""The design every `<family>_cpu` study shares: `cpu_default`'s model, training and
evaluation on another task family, so that a family is the one thing that differs."""

import ml_collections

from experiments.configs import cpu_default


def family_config(task: str, options: dict, max_difficulty: int, max_length: int,
                  base_band: tuple[int, int], bands: tuple[int, ...],
                  holding_easier: bool = False) -> ml_collections.ConfigDict:
  """cpu_default with `task` (its options; difficulties 1..max_difficulty, every one
  tested; `max_length` its sequence width), bases pre-trained on `base_band`, fine-tuned on
  the `bands` of these difficulties: each one alone, or with `holding_easier` 1..d (every
  easier difficulty too, drawn uniformly); four base seeds x three data seeds, SFT,
  n = 16..512 (cpu_default's eight budgets)."""
  config = cpu_default.get_config()
  options = dict(options, max_difficulty=max_difficulty)
  config.task = ml_collections.ConfigDict(dict(name=task, options=options, test_options={}))
  config.model.max_length = max_length
  config.bases.update(bands=(base_band,), seeds=(0, 1, 2, 3))
  config.sweep.bands = tuple((1 if holding_easier else d, d) for d in bands)
  config.evaluation.test_difficulties = tuple(range(1, max_difficulty + 1))
  return config
