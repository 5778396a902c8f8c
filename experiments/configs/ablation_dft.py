"""cpu_default with every run trained both with SFT and with DFT (claim C7, figure 5).

DFT weights each token's loss by the model's own probability of it, so tokens it finds
hard barely move it and DFT runs often never fit S: under cpu_default's "train until S is
fitted" they would train to the step cap while their SFT twins stop early, a comparison
of unequal compute. Here every run takes the same 250 steps instead (cpu_default's slowest
SFT run fitted S in 220), so the two losses are compared at equal compute.
"""

from experiments.configs import cpu_default


def get_config():
  config = cpu_default.get_config()
  config.finetune.update(stop_when_fitted=False, max_steps=250)
  config.bases.seeds = tuple(range(6))  # cpu_default's until 2026-11-29: the committed runs
  config.sweep.losses = ("sft", "dft")
  return config
