"""Where a fine-tuning group's time goes: training (and, within it, its checks of S), then
scoring on S, the held-out sets and the test set, then the PAC-Bayes bound, per budget n.

  python benchmarks/group_cost.py --config=experiments/configs/cpu_default.py \
      --workdir=runs/cpu_default [--budgets=16,128,512]

The bases are those of --workdir (pre-trained there first if it has none). Each group runs
twice in this process, as the study runs it (`finetune.train_and_score`); the table gives
the second run's seconds per phase (compiled programs reused) and the first run's total,
which adds compilation. Times are this machine's; compare them only as shares and ratios.
"""

import time

from absl import app, flags
from ml_collections import config_flags

from experiments.engine import loop, sharding
from experiments.study import bounds, finetune, pretrain, runner, scoring
from experiments.study.setup import build

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/cpu_default.py", "study config")
flags.DEFINE_string("workdir", "runs/cpu_default", "a workdir holding (or to hold) the bases")
flags.DEFINE_list("budgets", ["16", "128", "512"], "budgets n whose groups are timed")

PHASES = ("train", "fit checks", "S", "held-out", "test", "bound")  # checks: part of train


def main(argv):
  del argv
  config = FLAGS.config
  setup = build(config)
  runner.prepare_workdir(config, FLAGS.workdir)
  test_set = sharding.put_replicated(scoring.test_set(setup), setup.mesh)
  evaluators, perturbed = scoring.evaluators(setup), bounds.perturbed_errors(setup)
  base_params, _ = pretrain.pretrain_bases(setup, FLAGS.workdir, test_set, evaluators)
  programs = finetune.grid_programs(setup)
  lines = ["| n | runs | " + " | ".join(f"{p} s" for p in PHASES)
           + " | total s | after training | first call s (compiles) |",
           "|---" * (len(PHASES) + 5) + "|"]
  for n in map(int, FLAGS.budgets):
    for group in finetune.prepare_groups(setup, n, base_params):
      first = time.perf_counter()
      finetune.train_and_score(setup, n, group, test_set, programs[group.width], evaluators,
                               perturbed, loop.Progress("warm-up", config.finetune.max_steps))
      first = time.perf_counter() - first
      seconds = {}
      finetune.train_and_score(setup, n, group, test_set, programs[group.width], evaluators,
                               perturbed, loop.Progress("timed", config.finetune.max_steps),
                               seconds)
      total = sum(seconds.values()) - seconds.get("fit checks", 0.0)
      lines.append(f"| {n} | {len(group.identities)} | "
                   + " | ".join(f"{seconds.get(p, 0.0):.1f}" for p in PHASES)
                   + f" | {total:.1f} | {1 - seconds['train'] / total:.0%} | {first:.1f} |")
  print("\n".join(lines))


if __name__ == "__main__":
  app.run(main)
