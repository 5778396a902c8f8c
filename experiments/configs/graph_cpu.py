"""The paper's own task at a scale a 2-core CPU runs end to end in under 45 minutes.

Dependency-graph arithmetic (difficulty = operations the query needs) mod 5, one distractor
operation per four needed ones, up to 6 operations. A strong base pre-trained on 1-3
operations and a weak one on 1-2 (the paper's 2-8 and 2-6, scaled down), each from
several seeds; fine-tuned with SFT and with DFT on single operation counts 2-4, from
inside both bases' range to one operation beyond the strong one's and two beyond the weak
one's; tested on 1-6.
The model has short causal convolutions before attention (`model.canon_width`): without
them lookup by name took about 15000 steps to emerge even on 1-operation problems, with
them about 2000 (results/graph_cpu/README.md).
"""

import ml_collections

from experiments.configs import cpu_default


def get_config() -> ml_collections.ConfigDict:
  config = cpu_default.get_config()
  config.task = ml_collections.ConfigDict(dict(
      name="graph_arithmetic", options=dict(max_difficulty=6, modulus=5, distractor_ratio=0.25),
      test_options=dict()))
  config.model.update(d_model=64, num_layers=3, num_heads=4, position_encoding="rope",
                      max_length=142, canon_width=4)
  config.bases.update(names=("strong", "weak"), bands=((1, 3), (1, 2)), seeds=(0, 1))
  config.pretrain.update(steps=3000, batch_size=64, learning_rate=3e-3)
  config.finetune.update(batch_size=16, learning_rate=1e-3, max_steps=400, check_every=20)
  config.prediction.fit_budgets = 2
  config.sweep.update(budgets=(32, 128, 512), bands=((2, 2), (3, 3), (4, 4)),
                      seeds=(0, 1), losses=("sft", "dft"))
  config.evaluation.update(test_difficulties=(1, 2, 3, 4, 5, 6), examples_per_difficulty=256,
                           heldout_examples=256, batch_size=256)
  return config
