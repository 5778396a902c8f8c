"""The paper-like study on dependency-graph arithmetic (GPU scale): a base pre-trained on
2-8 operations and a weaker one on 2-6, fine-tuned on bands of two operation counts up to
16, tested on 1-16 operations (harder than either base has seen). Never run: its step
counts are guesses. At CPU scale no model tried learnt to look a quantity up by its name
within 8000 steps (README, "The graph task at CPU scale"), so nothing yet says 20000 are
enough. `python benchmarks/study_cost.py` counts its compute (1.9 EFLOP at the step caps)."""

import ml_collections

from experiments.configs import cpu_default


def get_config() -> ml_collections.ConfigDict:
  config = cpu_default.get_config()
  config.task = ml_collections.ConfigDict(dict(
      name="graph_arithmetic", options=dict(max_difficulty=16), test_options=dict()))
  config.model.update(d_model=256, num_layers=4, num_heads=8, position_encoding="rope",
                      max_length=378)
  config.bases.update(names=("strong", "weak"), bands=((2, 8), (2, 6)), seeds=(0, 1, 2))
  config.pretrain.update(steps=20000, batch_size=64, learning_rate=1e-3)
  config.finetune.update(batch_size=64, learning_rate=3e-4, max_steps=6000, check_every=100)
  config.sweep.update(budgets=(64, 256, 1024, 4096, 16384),
                      bands=((2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 13), (14, 16)),
                      seeds=(0, 1), losses=("sft", "dft"))
  config.evaluation.update(test_difficulties=tuple(range(1, 17)), examples_per_difficulty=256,
                           heldout_examples=512, batch_size=128)
  return config
