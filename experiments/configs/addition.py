"""A fuller addition study for one GPU: 8-digit operands, a wider model, budgets up to 4096,
six base seeds and three data seeds. Same design as cpu_default (fixed layout, uniform
training operands, rotary positions, every run trained until it fits S)."""

import ml_collections

from experiments.configs import cpu_default


def get_config() -> ml_collections.ConfigDict:
  config = cpu_default.get_config()
  config.task.options = dict(max_difficulty=8, layout="fixed", digit_order="reversed",
                             operand_sampling="uniform")
  config.model.update(d_model=128, num_layers=3, num_heads=4, max_length=29)
  config.bases.seeds = tuple(range(6))  # every claim had support 1.00 at 6 x 3 (results/addition)
  config.pretrain.update(steps=3000)
  config.finetune.update(max_steps=2000)
  config.sweep.update(budgets=(16, 32, 64, 128, 256, 512, 1024, 2048, 4096),
                      bands=tuple((d, d) for d in range(3, 9)), seeds=(0, 1, 2))
  config.evaluation.update(test_difficulties=tuple(range(1, 9)))
  return config
