"""Several studies one after another in one process, then their claims side by side: the
four ablations of `cpu_default` by default, "fast ablations on one accelerator".

  python -m experiments.ablations [--configs=experiments/configs/ablation_dft.py,...] \
      [--workdir=runs/ablations]

Each config's study goes to WORKDIR/<config file's name>, as `experiments.main` would run it
(interrupted, it resumes there), and the combined claims table to WORKDIR/claims.md. Every
config is checked, and every workdir, before the first study computes anything. In one
process the compiled programs of studies with the same shapes come from the compilation
cache instead of being compiled again; on a CPU the numbers are those of running each
config with `experiments.main`.
"""

import os

from absl import flags

from experiments import cli, launch

CONFIGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs")
ABLATIONS = [os.path.join(CONFIGS, f"ablation_{name}.py")
             for name in ("bases", "dft", "model_size", "positions")]


def load_config(path: str):
  """The config of a config file (its get_config()), or a one-line refusal naming it."""
  if not os.path.isfile(path):
    raise ValueError(f"--configs: no config file {path}")
  try:
    return launch.config_of_file(path)
  except Exception as error:
    raise ValueError(f"--configs: {path} could not be loaded: {type(error).__name__}: "
                     f"{error}") from None


def study_name(path: str) -> str:
  return os.path.splitext(os.path.basename(path))[0]


def main():
  paths, root = flags.FLAGS.configs, flags.FLAGS.workdir
  names = [study_name(p) for p in paths]
  if not paths:
    raise ValueError("--configs=FILE,FILE,... names no config file")
  if len(set(names)) < len(names):
    raise ValueError(f"--configs: two config files share a name ({', '.join(names)}); each "
                     "study's workdir is named after its file")
  configs = [load_config(p) for p in paths]
  for field in launch.PROCESS_FIELDS:
    values = {c.execution[field] for c in configs}
    if len(values) > 1:
      raise ValueError(f"--configs: their execution.{field} differ ({sorted(values)}); it "
                       "holds for the whole process, which runs them all")
  launch.start_jax(configs[0].execution, flags.FLAGS.stall_dump_s)
  from experiments.analysis import compare
  from experiments.results import files
  from experiments.study import runner, setup
  workdirs = [os.path.join(root, name) for name in names]
  for config, workdir in zip(configs, workdirs):  # every refusal before any compute
    setup.build(config)
    runner.prepare_workdir(config, workdir)
  for name, config, workdir in zip(names, configs, workdirs):
    print(f"[ablations] study {name} in {workdir}", flush=True)
    launch.run_and_draw(config, workdir, flags.FLAGS.figures)
  table = compare.claims_table(compare.claims_rows(workdirs))
  files.write_atomically(os.path.join(root, "claims.md"), (table + "\n").encode())
  print(table)
  print("minutes per study: " + ", ".join(
      f"{name} {files.read_json(w, 'timing')['seconds']['total'] / 60:.1f}"
      for name, w in zip(names, workdirs)))


def _define_flags():
  flags.DEFINE_list("configs", ABLATIONS, "study config files, run in this order")
  flags.DEFINE_string("workdir", "runs/ablations", "each study goes to WORKDIR/<config name>")
  flags.DEFINE_bool("figures", True, "draw each study's figures")
  launch.define_stall_flag()


def run():
  """The `difficulty-ablations` console command."""
  cli.run(main, _define_flags)


if __name__ == "__main__":
  run()
