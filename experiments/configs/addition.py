"""A fuller addition study for one GPU: 8-digit operands, a wider model, budgets up to 8192
and three seeds. Same design as cpu_default (fixed layout, uniform training operands)."""

import ml_collections

from experiments.configs import cpu_default


def get_config() -> ml_collections.ConfigDict:
  config = cpu_default.get_config()
  config.task.options = dict(max_difficulty=8, layout="fixed", digit_order="reversed",
                             operand_sampling="uniform")
  config.model.update(d_model=128, num_layers=3, num_heads=4, max_length=29)
  config.pretrain.update(steps=6000)
  config.finetune.update(epochs=30.0, min_steps=100, max_steps=4000)
  config.sweep.update(budgets=(32, 128, 512, 2048, 8192),
                      bands=tuple((d, d) for d in range(2, 9)), seeds=(0, 1, 2))
  config.evaluation.update(test_difficulties=tuple(range(1, 9)))
  return config
