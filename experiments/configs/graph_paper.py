"""The paper-like study on dependency-graph arithmetic (GPU scale): a base pre-trained on
2-8 operations and a weaker one on 2-6, fine-tuned on bands that hold every count from 2 up
to 4, 6, ..., 16, tested on 1-16 operations (harder than either base has seen).
Task options and model as `graph_cpu` found learnable (modulus 5, one distractor per four
needed operations, Canon layers at all four points, each test difficulty scored at its own
width), four times as wide and one layer deeper; since issue 30, `graph_cpu`'s two measured
changes: the written search (`solution="planned"`, the best bases of its learnability
table: 1.00 / 0.93 / 0.62 on 1-3 operations against 0.99 / 0.85 / 0.40 for the plain
steps), and bands that hold the easier counts (single counts wiped out the easier ones,
1-operation accuracy 0.97 -> 0.03; bands 1..d kept them and made C4 hold for both of
`graph_cpu`'s bases and C3 for the weak one). Neither showed the whole mechanism on the CPU:
no fine-tuned run beat its base there (results/graph_cpu/README.md). The planned answers
need max_length 450 (354 for the plain steps). Its learning rates stay lower than
`graph_cpu`'s 1e-2 / 3e-3, untried at this width. Never run: no accelerator has been lent
to this task. Its 20000 pre-training steps (20 times `graph_cpu`'s, for a range twice
as long) are not shown to be enough (results/README.md, "`graph_paper` (GPU scale)");
`python benchmarks/study_cost.py --config=experiments/configs/graph_paper.py` counts its
compute."""

import ml_collections

from experiments.configs import graph_cpu


def get_config() -> ml_collections.ConfigDict:
  config = graph_cpu.get_config()
  config.task.options.update(max_difficulty=16)
  config.model.update(d_model=256, num_layers=4, num_heads=8, max_length=450)
  config.bases.update(names=("strong", "weak"), bands=((2, 8), (2, 6)), seeds=(0, 1, 2))
  config.pretrain.update(steps=20000, batch_size=64, learning_rate=1e-3)
  config.finetune.update(batch_size=64, learning_rate=3e-4, max_steps=6000, check_every=100)
  config.prediction.fit_budgets = 3
  config.sweep.update(budgets=(64, 256, 1024, 4096, 16384),
                      bands=((2, 4), (2, 6), (2, 8), (2, 10), (2, 12), (2, 14), (2, 16)),
                      seeds=(0, 1), losses=("sft", "dft"))
  config.evaluation.update(test_difficulties=tuple(range(1, 17)), examples_per_difficulty=256,
                           heldout_examples=512, batch_size=128)
  return config
