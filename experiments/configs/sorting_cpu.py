"""Sorting (difficulty = length) at CPU scale.

Fixed layout (every string written with 8 places, fillers after). Bases pre-trained on
lengths 1-4: in a 1000-step pilot (2 seeds) they solved 1-4 and part of what lies beyond
(accuracy 0.89-0.96 at 5, 0.03-0.14 at 6, 0.00 at 7-8), the shape that cpu_default's
bases have on addition; so the bands are 5-8, from nearly solved to never seen, and every
length 1-8 is tested. The rest is cpu_default's design (experiments/configs/_families.py).
"""

from experiments.configs import _families


def get_config():
  return _families.family_config(
      "sorting", dict(alphabet_size=10, layout="fixed"), max_difficulty=8, max_length=19,
      base_band=(1, 4), bands=(5, 6, 7, 8))
