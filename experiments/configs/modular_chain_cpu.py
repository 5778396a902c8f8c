"""A chain of additions and subtractions mod 10 with every running result written
(difficulty = operations) at CPU scale.

Bases pre-trained on 1-4 operations: in a 1000-step pilot (2 seeds) they solved 1-4 and
extrapolated part of the way (accuracy 0.83-0.89 at 5, 0.25-0.50 at 6, 0.05-0.25 at 7,
0.03-0.08 at 8), so the bands are 5-8 and every count 1-8 is tested. The rest is
cpu_default's design (experiments/configs/_families.py).
"""

from experiments.configs import _families


def get_config():
  return _families.family_config(
      "modular_chain", dict(modulus=10, operations="+-"), max_difficulty=8, max_length=35,
      base_band=(1, 4), bands=(5, 6, 7, 8))
