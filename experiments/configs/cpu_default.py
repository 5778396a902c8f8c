"""The README's main job: a 2-core CPU runs it end to end in under 10 minutes.

Addition with every operand zero-padded to 6 digits and training operands uniform over
0..10^d - 1, so a hard band contains the skills of the easy ones; the base model is
pre-trained on 1-3 digits and tested on exactly-d' digit operands, d' = 1..6.
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()
  config.seed = 0
  config.task = ml_collections.ConfigDict(dict(
      name="addition",
      options=dict(max_difficulty=6, layout="fixed", digit_order="reversed",
                   operand_sampling="uniform"),
      test_options=dict(operand_sampling="exact")))  # overrides for the test distribution
  config.model = ml_collections.ConfigDict(dict(
      d_model=64, num_layers=2, num_heads=4, mlp_ratio=4, position_encoding="learned",
      max_length=23, compute_dtype="float32"))
  config.bases = ml_collections.ConfigDict(dict(
      names=("base",), bands=((1, 3),)))  # one pre-training band per base
  config.pretrain = ml_collections.ConfigDict(dict(
      steps=3000, batch_size=64, learning_rate=3e-3, target_accuracy=0.98))
  config.finetune = ml_collections.ConfigDict(dict(
      batch_size=64, learning_rate=1e-3, epochs=30.0, min_steps=100, max_steps=1500))
  config.sweep = ml_collections.ConfigDict(dict(
      # One band inside the base's range (3): bands 1-2 would fine-tune on skills the base
      # already has and tie with it, making d* at small n a coin toss between equals.
      budgets=(32, 128, 512, 2048), bands=((3, 3), (4, 4), (5, 5), (6, 6)),
      seeds=(0, 1, 2), losses=("sft",)))
  config.evaluation = ml_collections.ConfigDict(dict(
      test_difficulties=(1, 2, 3, 4, 5, 6), examples_per_difficulty=256,
      heldout_examples=256, batch_size=256))
  return config
