"""String reversal (difficulty = length): position generalization alone, at CPU scale, on
bands that hold the shorter strings.

Fixed layout (every string written with 8 places, fillers after), so that a longer string
puts symbols where a shorter one had fillers, as fixed-layout addition does. Bases
pre-trained on lengths 1-4: in a 1000-step pilot (2 seeds) they solved 1-4 and nothing
beyond (accuracy 0.00-0.01 at 5-8). Every length 1-8 is tested (8 = beyond every band).

The bands are 1-4, 1-5, 1-6 and 1-7 (issue 30): the band of difficulty d draws lengths
uniformly from 1..d, so a hard band holds the shorter strings and their fillers; 1-4 is the
bases' own range. The previous design's single lengths 4-7 (results/reversal_cpu/README.md,
its history) taught one length and lost the others (at n = 512 G_ext rose with the band,
0.50 to 0.70). The bases still reverse nothing beyond length 4, so the premise's other half,
a base that half-solves the next length, is not met here; the study measures what the
bands alone change. Why sweep bands (1, d) and not a task option: see sorting_cpu. The rest
is cpu_default's design (experiments/configs/_families.py).
"""

from experiments.configs import _families


def get_config():
  return _families.family_config(
      "reversal", dict(alphabet_size=10, layout="fixed"), max_difficulty=8, max_length=19,
      base_band=(1, 4), bands=(4, 5, 6, 7), holding_easier=True)
