"""The README's main job: a 2-core CPU runs it end to end in under 20 minutes.

Addition with every operand zero-padded to 6 digits and training operands uniform over
0..10^d - 1, so a hard band contains the skills of the easy ones; tested on exactly-d'
digit operands, d' = 1..6. Twelve base models (seeds) pre-trained on 1-3 digits for a fixed
1000 steps; rotary positions, so a base already half-solves 4 digits and a band is the
harder the further it lies beyond 3 digits. Each of 4 bands x 8 budgets x 3 data seeds is
fine-tuned from every base until it fits its training set (docs/study.md). Twelve
base seeds, not six: the claims' power table (docs/power.md) sized it.
"""

import ml_collections

from experiments import configs


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()
  config.seed = 0
  config.task = ml_collections.ConfigDict(dict(
      name="addition",
      options=dict(max_difficulty=6, layout="fixed", digit_order="reversed",
                   operand_sampling="uniform"),
      test_options=dict(operand_sampling="exact")))  # overrides for the test distribution
  config.model = ml_collections.ConfigDict(dict(
      d_model=64, num_layers=2, num_heads=4, mlp_ratio=4, position_encoding="rope",
      max_length=23, compute_dtype="float32", tied_embeddings=True,
      canon_width=0, canon_points="A",
      rope_fraction=1.0, position_scatter=1))  # every field of models.ModelConfig, so any can be overridden
  config.bases = ml_collections.ConfigDict(dict(
      names=("base",), bands=((1, 3),),  # one pre-training band per base name
      seeds=tuple(range(12))))  # each name is pre-trained from each seed
  config.pretrain = ml_collections.ConfigDict(dict(steps=1000, batch_size=64,
                                                   learning_rate=3e-3))
  config.finetune = ml_collections.ConfigDict(dict(
      batch_size=32, learning_rate=1e-3,
      max_steps=400,  # the cap, the same for every n; a run stops once it fits S:
      fit_threshold=0.01, check_every=10,  # error on S at most this, checked this often
      stop_when_fitted=True))  # False: every run takes max_steps steps
  config.sweep = ml_collections.ConfigDict(dict(
      budgets=(16, 32, 64, 96, 128, 192, 256, 512), bands=((3, 3), (4, 4), (5, 5), (6, 6)),
      seeds=(0, 1, 2), losses=("sft",)))
  config.evaluation = ml_collections.ConfigDict(dict(
      test_difficulties=(1, 2, 3, 4, 5, 6), examples_per_difficulty=256,
      heldout_examples=256, batch_size=256,
      curve_every=5))  # curves.csv: one point per this many steps
  config.claims = ml_collections.ConfigDict(configs.CLAIM_THRESHOLDS)
  config.bounds = ml_collections.ConfigDict(dict(  # the PAC-Bayes bound of each run
      sigmas=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05),  # the prior's scales, ascending
      selection_draws=1,  # parameter draws per sigma to choose it
      tolerance=0.05,  # the largest sigma whose error on S is within this of the run's
      draws=8,  # parameter draws estimating Q's error on S at the chosen sigma
      delta=0.05))  # the bound holds with probability 1 - delta
  config.prediction = ml_collections.ConfigDict(dict(
      fit_budgets=4))  # the two-gap model is fitted on this many smallest budgets; 0: none
  config.execution = ml_collections.ConfigDict(dict(
      vmap_width=0,  # runs vectorised together on a device; 0: one on a CPU, all elsewhere
      chunk_runs=0,  # most runs of a group trained at once; 0: what device memory holds
      score_test_per_width=False,  # score each test difficulty at its own width
      cpu_devices=0,  # the CPU as this many devices, runs split over them; 0: one per core
      scan_unroll=1,  # training steps per trip of the compiled loop (a GPU launches less)
      gpu_command_buffers="default"))  # XLA's CUDA graphs: "default", "loops" (+ the loops), "off"
  return config
