"""A seconds-long smoke test of the whole pipeline (two bases of two seeds, SFT and DFT,
two budgets); its numbers mean nothing. The tests run it."""

import ml_collections

from experiments.configs import cpu_default


def get_config() -> ml_collections.ConfigDict:
  config = cpu_default.get_config()
  config.task.options = dict(max_difficulty=3, layout="fixed", digit_order="reversed",
                             operand_sampling="uniform")
  config.model.update(d_model=16, num_layers=1, num_heads=2, max_length=14)
  config.bases.update(names=("strong", "weak"), bands=((1, 2), (1, 1)), seeds=(0, 1))
  config.pretrain.update(steps=2, batch_size=8)
  config.finetune.update(max_steps=2, batch_size=8, check_every=1)
  config.sweep.update(budgets=(8, 16), bands=((2, 2), (3, 3)), seeds=(0, 1),
                      losses=("sft", "dft"))
  config.evaluation.update(test_difficulties=(1, 2, 3), examples_per_difficulty=16,
                           heldout_examples=16, batch_size=16, curve_every=1)
  config.claims.update(resamples=200)
  config.bounds.update(sigmas=(0.01, 0.1), selection_draws=1, draws=2)
  config.prediction.fit_budgets = 0  # two budgets leave none to predict
  return config
