"""The study of difficulty x budget, in layers; each imports only the layers below it.

  command-line entry points   experiments/{main,ablations,claims,predict,advise,power,
                             compare}.py and experiments/figures/__main__.py, sharing
                             experiments/cli.py (and, the two that run studies,
                             experiments/launch.py)
  study                      experiments/study/: setup, pretrain, finetune, scoring, bounds,
                             runner (the whole study, resumable)
  figures                    experiments/figures/: drawing from results files only
  engine | analysis          experiments/engine/: vmapped training, evaluation, sharding,
                             checkpoints (JAX). experiments/analysis/: claims, power,
                             prediction, the advisor, the PAC-Bayes arithmetic (no JAX)
  results | configs          experiments/results/: the results files' schema, reading and
                             writing, the grid statistics. experiments/configs/: studies
                             as ml_collections configs (plain data)
  synth, models              the tasks and the transformer (top-level packages)

tests/test_layers.py fails when an import goes up a layer or across (engine <-> analysis),
and when the analysis layer pulls in JAX. docs/architecture.md says why each thing is where.
"""
