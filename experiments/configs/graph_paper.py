"""The paper-like study on dependency-graph arithmetic (GPU scale): a base pre-trained on
2-8 operations and a weaker one on 2-6, fine-tuned on bands of two operation counts up to
16, tested on 1-16 operations (harder than either base has seen).

Task options and model as `graph_cpu` found learnable (modulus 5, one distractor per four
needed operations, Canon layers at all four points, each test difficulty scored at its own
width), four times as wide and one layer deeper; the plain step-by-step solution, not
`graph_cpu`'s written search, which has not yet shown the mechanism on the CPU (issue 30); its learning rates stay lower than
`graph_cpu`'s 1e-2 / 3e-3, untried at this width. Never run: no accelerator has been lent
to this project. Its 20000 pre-training steps (14 times `graph_cpu`'s, for a range twice
as long) are not shown to be enough (results/README.md, "`graph_paper` (GPU scale)");
`python benchmarks/study_cost.py --config=experiments/configs/graph_paper.py` counts its
compute."""

import ml_collections

from experiments.configs import graph_cpu


def get_config() -> ml_collections.ConfigDict:
  config = graph_cpu.get_config()
  config.task.options.update(max_difficulty=16, solution="steps")
  config.model.update(d_model=256, num_layers=4, num_heads=8, max_length=354)
  config.bases.update(names=("strong", "weak"), bands=((2, 8), (2, 6)), seeds=(0, 1, 2))
  config.pretrain.update(steps=20000, batch_size=64, learning_rate=1e-3)
  config.finetune.update(batch_size=64, learning_rate=3e-4, max_steps=6000, check_every=100)
  config.prediction.fit_budgets = 3
  config.sweep.update(budgets=(64, 256, 1024, 4096, 16384),
                      bands=((2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 13), (14, 16)),
                      seeds=(0, 1), losses=("sft", "dft"))
  config.evaluation.update(test_difficulties=tuple(range(1, 17)), examples_per_difficulty=256,
                           heldout_examples=512, batch_size=128)
  return config
