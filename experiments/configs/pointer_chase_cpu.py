"""k-hop pointer chasing over 9 names (difficulty = hops, 1-8) at CPU scale.

The lookup by name needs Canon layers (`canon_width=4`) and 2000 pre-training steps here:
in pilots (2 seeds each), bases without them stayed at loss 1.57 after 1000 steps (on the
task's first version, which wrote the hop count), and with them, pre-trained on 1-4 hops,
solved every hop count 1-8 (accuracy 0.99-1.00); over
17 names, one seed extrapolated from 0.97 (5 hops) to 0.78 (16 hops) and the other never
learnt the lookup in 2000 steps. This design keeps 9 names and 1-8 hops, which a study can
afford: bands 5-8, beyond the bases' range, where the pilot's bases already solve them, so
it tests the mechanism where the base leaves nothing hard to learn. The rest is
cpu_default's design (experiments/configs/_families.py).
"""

from experiments.configs import _families


def get_config():
  config = _families.family_config(
      "pointer_chase", dict(names=9), max_difficulty=8, max_length=37,
      base_band=(1, 4), bands=(5, 6, 7, 8))
  config.model.canon_width = 4  # Canon layers before attention: the lookup emerges
  config.pretrain.steps = 2000
  return config
