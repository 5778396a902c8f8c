"""Several studies in one process (`experiments.ablations`): the same files as each study run
alone, the combined claims table, and bad input refused in one line before any compute."""

import os
import subprocess
import sys

from experiments.results import files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The `launched` study (conftest.py) as a config file of its own.
LAUNCHED_CONFIG = """
from experiments.configs import tiny

def get_config():
  config = tiny.get_config()
  config.pretrain.steps = 3
  config.execution.cpu_devices = 1
  return config
"""


def ablations(*args):
  return subprocess.run([sys.executable, "-m", "experiments.ablations", *args], cwd=ROOT,
                        capture_output=True, text=True)


def test_a_study_run_among_others_gives_the_files_of_it_run_alone(launched, tmp_path):
  config = tmp_path / "as_launched.py"
  config.write_text(LAUNCHED_CONFIG)
  result = ablations(f"--configs={config}", f"--workdir={tmp_path / 'runs'}", "--nofigures")
  assert result.returncode == 0, result.stderr[-3000:]
  workdir = tmp_path / "runs" / "as_launched"
  for name in ("runs", "slices", "curves", "bounds", "claims"):
    assert (open(files.study_path(str(workdir), name), "rb").read()
            == open(files.study_path(launched[0], name), "rb").read()), name
  table = (tmp_path / "runs" / "claims.md").read_text()
  assert "| `as_launched` |" in table and table.strip() in result.stdout
  assert "minutes per study: as_launched" in result.stdout


def test_bad_input_is_refused_in_one_line_before_any_study(tmp_path):
  config = tmp_path / "as_launched.py"
  config.write_text(LAUNCHED_CONFIG)
  broken = tmp_path / "broken.py"
  broken.write_text("def get_config():\n  return 1 / 0\n")
  other = tmp_path / "other"
  other.mkdir()
  (other / "as_launched.py").write_text(LAUNCHED_CONFIG)
  cases = {f"{config},{other / 'as_launched.py'}": "two config files share a name",
           str(tmp_path / "nowhere.py"): "no config file",
           f"{config},{broken}": "could not be loaded: ZeroDivisionError"}
  for configs, message in cases.items():
    result = ablations(f"--configs={configs}", f"--workdir={tmp_path / 'runs'}")
    assert result.returncode == 2 and "Traceback" not in result.stderr, configs
    assert message in result.stderr.strip().splitlines()[-1]
  assert not (tmp_path / "runs").exists()  # nothing computed, nothing written
