"""String reversal (difficulty = length): position generalization alone, at CPU scale.

Fixed layout (every string written with 8 places, fillers after), so that a longer string
puts symbols where a shorter one had fillers, as fixed-layout addition does. Bases
pre-trained on lengths 1-4: in a 1000-step pilot (2 seeds) they solved 1-4 and nothing
beyond (accuracy 0.00-0.01 at 5-8), so band 4 is their own hardest and 5-7 are lengths
they never reverse; tested on every length 1-8 (8 = beyond every band). The rest is
cpu_default's design (experiments/configs/_families.py).
"""

from experiments.configs import _families


def get_config():
  return _families.family_config(
      "reversal", dict(alphabet_size=10, layout="fixed"), max_difficulty=8, max_length=19,
      base_band=(1, 4), bands=(4, 5, 6, 7))
