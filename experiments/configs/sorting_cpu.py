"""Sorting (difficulty = length) at CPU scale, on bands that hold the shorter strings.

Fixed layout (every string written with 8 places, fillers after). Bases pre-trained on
lengths 1-4: in a 1000-step pilot (2 seeds) they solved 1-4 and part of what lies beyond
(accuracy 0.89-0.96 at 5, 0.03-0.14 at 6, 0.00 at 7-8), the shape that cpu_default's
bases have on addition. Every length 1-8 is tested.

The bands are 1-5, 1-6, 1-7 and 1-8 (issue 30): the band of difficulty d draws lengths
uniformly from 1..d, so a hard band holds what the easy ones teach, the shorter strings and
the fillers that follow them, as addition's band of d digits holds the easier columns. The
previous design's single lengths 5-8 (results/sorting_cpu/README.md, its history) taught one
length and lost the others: at n = 512 the runs on length 8 sorted 0.86 of length 8 and
0.39-0.73 of lengths 1-5. Why sweep bands (1, d) rather than a task option drawing shorter
strings at difficulty d: the test slices stay exact lengths, each example's difficulty is
still its length as read from the text (`difficulty_of`), and a band's name says what it
holds, so d*(n) reads as the longest length trained on. The rest is cpu_default's design
(experiments/configs/_families.py).
"""

from experiments.configs import _families


def get_config():
  return _families.family_config(
      "sorting", dict(alphabet_size=10, layout="fixed"), max_difficulty=8, max_length=19,
      base_band=(1, 4), bands=(5, 6, 7, 8), holding_easier=True)
