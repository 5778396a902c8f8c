"""The `python -m synth.show` report a person reads."""

import subprocess
import sys

import synth
from synth import show


def test_report_shows_each_example_with_its_verdict():
  task = synth.get_task("graph_arithmetic", max_difficulty=5)
  report = show.show(task, difficulty=4, num=3, seed=0)
  blocks = report.split("\n\n")
  assert len(blocks) == 3
  for block in blocks:
    assert block.startswith("difficulty 4 (measured 4), checker: correct")
    assert "query:" in block and "answer:" in block


def test_command_line_prints_examples_and_names_bad_flags():
  command = [sys.executable, "-m", "synth.show", "--task=addition", "--difficulty=3", "--num=2",
             "--option=digit_order=plain"]
  result = subprocess.run(command, capture_output=True, text=True, check=True)
  assert result.stdout.count("checker: correct") == 2
  bad = subprocess.run(command[:3] + ["--difficulty=21"], capture_output=True, text=True)
  assert bad.returncode == 2
  assert "difficulty=21 is not allowed; allowed: an integer in [1, 20]" in bad.stderr


def test_graph_options_reach_the_task_from_the_command_line():
  command = [sys.executable, "-m", "synth.show", "--task=graph_arithmetic", "--difficulty=3",
             "--num=2", "--option=max_difficulty=4", "--option=modulus=3",
             "--option=distractor_ratio=0"]
  result = subprocess.run(command, capture_output=True, text=True, check=True)
  assert result.stdout.count("checker: correct") == 2
  values = [int(s) for s in result.stdout.split("tokens:")[1].split() if s.isdigit()]
  assert values and max(values) < 3
  bad = subprocess.run(command[:-1] + ["--option=distractor_ratio=2.5"], capture_output=True,
                       text=True)
  assert bad.returncode == 2
  assert "distractor_ratio=2.5 is not allowed; allowed: a finite number in [0, 1]" in bad.stderr
