"""The difficulty advisor: its choice, its refusals, and every bad input of the real-data
path, which must fail naming the line and field and write nothing."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from experiments.analysis import advise, predict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORLD = predict.Curves(scale=0.05, decay=0.6, offset=0.75, slope=-0.1)  # d* moves with n


def write_pilot(path, budgets=(16, 32, 64), windows=((3, 3), (4, 4), (5, 5), (6, 6)),
                window_accuracy=True):
  """A pilot from the two-gap world WORLD: accuracy = 1 - R_test, window accuracy = 1 - G_gen."""
  lines = ["n,difficulty_lo,difficulty_hi,accuracy,window_accuracy,seed"]
  for n in budgets:
    for lo, hi in windows:
      gen = WORLD.scale * np.exp(WORLD.decay * lo) / np.sqrt(n)
      total = WORLD.predict(lo, n)
      lines.append(f"{n},{lo},{hi},{1 - total:.6f},{f'{1 - gen:.6f}' if window_accuracy else ''},0")
  path.write_text("\n".join(lines) + "\n")
  return str(path)


def write_pool(path, per_difficulty=50):
  path.write_text("".join(json.dumps(dict(text=f"problem {d}-{i}", level=d)) + "\n"
                          for d in range(1, 8) for i in range(per_difficulty)))
  return str(path)


@pytest.mark.parametrize("window_accuracy", [True, False])
def test_the_advice_is_the_best_window_of_the_world_the_pilot_came_from(tmp_path,
                                                                       window_accuracy):
  runs = advise.read_pilot(write_pilot(tmp_path / "pilot.csv", window_accuracy=window_accuracy))
  for budget in (16, 64):
    advice = advise.advise(runs, budget, extrapolate=False)
    truth = min(range(3, 7), key=lambda d: WORLD.predict(d, budget))
    assert advice.window == (truth, truth)
    assert advice.accuracy == pytest.approx(1 - WORLD.predict(truth, budget), abs=0.01)
    assert advice.interval[0] <= advice.accuracy + 1e-9 and advice.fit_rmse < 0.01
  assert advise.advise(runs, 512, extrapolate=True).window == (6, 6)


def test_a_budget_beyond_the_evidence_is_refused_without_extrapolate(tmp_path):
  runs = advise.read_pilot(write_pilot(tmp_path / "pilot.csv"))
  with pytest.raises(ValueError, match=r"--budget=512 lies outside the budgets the evidence "
                     r"covers \(16 to 64\).*pass --extrapolate"):
    advise.advise(runs, 512, extrapolate=False)
  assert advise.advise(runs, 512, extrapolate=True).warning.startswith("WARNING: --budget=512")
  assert advise.advise(runs, 32, extrapolate=False).warning == ""


def test_the_selection_is_n_distinct_lines_of_the_window_fixed_by_the_seed(tmp_path):
  pool = advise.read_pool(write_pool(tmp_path / "pool.jsonl"), "level")
  chosen = advise.select(pool, (5, 6), 70, seed=3)
  assert len(chosen) == len(set(chosen)) == 70
  assert all(json.loads(line)["level"] in (5, 6) for line in chosen)
  assert set(chosen) <= {text for text, _ in pool}
  assert chosen == advise.select(pool, (5, 6), 70, seed=3)
  assert chosen != advise.select(pool, (5, 6), 70, seed=4)


@pytest.mark.parametrize("content, message", [
    ('{"level": 2}\n{"text": "x"}\n', r"pool.jsonl, line 2: no field 'level'"),
    ('{"level": 2}\n{"level": "hard"}\n', r"line 2, field level: 'hard' is not a number"),
    ('{"level": true}\n', r"line 1, field level: True is not a number"),
    ('{"level": 2}\nnot json\n', r"pool.jsonl, line 2: not JSON"),
])
def test_bad_pool_lines_are_named(tmp_path, content, message):
  path = tmp_path / "pool.jsonl"
  path.write_text(content)
  with pytest.raises(ValueError, match=message):
    advise.read_pool(str(path), "level")


def without_window_accuracy(row: str) -> str:
  fields = row.split(",")
  return ",".join(fields[:4] + [""] + fields[5:])


@pytest.mark.parametrize("edit, message", [
    (lambda rows: rows[:4], r"3 pilot run\(s\).*too few to fit"),
    (lambda rows: [rows[0].replace("accuracy,", "acc,")] + rows[1:], r"lacks column\(s\) accuracy"),
    (lambda rows: rows[:2] + ["16,3,3,high,,0"] + rows[3:], r"line 3, field accuracy: 'high' is "
     r"not a number"),
    (lambda rows: rows[:2] + ["16,3,3,1.5,,0"] + rows[3:],
     r"line 3, field accuracy: 1.5 is not in"),
    (lambda rows: rows[:2] + ["0,3,3,0.5,,0"] + rows[3:], r"line 3, field n: '0' is not a whole"),
    (lambda rows: rows[:2] + ["16,5,3,0.5,,0"] + rows[3:], r"line 3: difficulty_lo 5.0 is above"),
    (lambda rows: [rows[0]] + [r for r in rows[1:] if r.startswith("16,")],
     r"1 budget\(s\).*too few to fit"),
    (lambda rows: rows + [rows[3]], r"line 14: the run of line 4 again"),
    (lambda rows: rows[:5] + [without_window_accuracy(rows[5])] + rows[6:],
     r"line 6, field window_accuracy: given on some rows and blank on others"),
    (lambda rows: [rows[0]] + [without_window_accuracy(r) for r in rows[1:4]] + rows[4:],
     r"line 5, field window_accuracy: given on some rows and blank on others"),
])
def test_bad_pilots_are_refused(tmp_path, edit, message):
  path = tmp_path / "pilot.csv"
  rows = open(write_pilot(path)).read().splitlines()
  path.write_text("\n".join(edit(rows)) + "\n")
  with pytest.raises(ValueError, match=message):
    advise.read_pilot(str(path))


def test_too_small_a_pool_or_window_is_refused(tmp_path):
  pool = advise.read_pool(write_pool(tmp_path / "pool.jsonl", per_difficulty=10), "level")
  with pytest.raises(ValueError, match=r"--budget=71 is more than the 70 lines of the pool"):
    advise.select(pool, (1, 7), 71, seed=0)
  with pytest.raises(ValueError, match=r"--budget=21 is more than the 20 lines of the pool in "
                     r"the recommended window 5-6"):
    advise.select(pool, (5, 6), 21, seed=0)


def run_advisor(*flags):
  return subprocess.run([sys.executable, "-m", "experiments.advise", *flags], cwd=REPO,
                        capture_output=True, text=True)


def test_the_command_writes_the_selection_or_nothing(tmp_path):
  pilot, pool = write_pilot(tmp_path / "pilot.csv"), write_pool(tmp_path / "pool.jsonl")
  out = tmp_path / "selected.jsonl"
  common = [f"--pilot={pilot}", f"--data={pool}", "--difficulty_field=level", f"--out={out}"]
  refused = run_advisor(*common, "--budget=60")  # the best window (5) holds only 50 lines
  assert refused.returncode == 2 and "error: --budget=60 is more than the 50" in refused.stderr
  assert not out.exists()
  done = run_advisor(*common, "--budget=40")
  assert done.returncode == 0, done.stderr[-2000:]
  assert "budget 40: train on difficulty 5;" in done.stdout
  assert len(set(out.read_text().splitlines())) == 40


@pytest.mark.parametrize("out, message", [
    ("pilot.csv", r"error: --out=.*pilot.csv is the --pilot file"),
    ("pool.jsonl", r"error: --out=.*pool.jsonl is the --data file"),
    (".", r"error: --out=.*: not a file in an existing folder"),
    ("missing/selected.jsonl", r"error: --out=.*missing/selected.jsonl: not a file in an "
     r"existing folder"),
])
def test_an_output_that_would_replace_an_input_or_cannot_be_written_is_refused(tmp_path, out,
                                                                              message):
  """Exit 2 with one line naming --out; the inputs unchanged and no file left behind."""
  pilot, pool = write_pilot(tmp_path / "pilot.csv"), write_pool(tmp_path / "pool.jsonl")
  before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
  refused = run_advisor(f"--pilot={pilot}", f"--data={pool}", "--difficulty_field=level",
                        f"--out={tmp_path / out}", "--budget=40")
  assert refused.returncode == 2 and re.search(message, refused.stderr), refused.stderr
  assert len(refused.stderr.strip().splitlines()) == 1
  assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_prediction_that_is_not_finite_is_refused_not_compared(tmp_path):
  """Difficulty in hundreds overflows the model's exponential: an error saying so, never a
  window chosen among NaNs."""
  runs = advise.read_pilot(write_pilot(tmp_path / "pilot.csv"))
  scaled = [r._replace(window=(r.window[0] * 100, r.window[1] * 100)) for r in runs]
  with pytest.raises(ValueError, match=r"predicts no finite accuracy at --budget=64 "
                     r"\(difficulties 300 to 600 overflow"):
    advise.advise(scaled, 64, extrapolate=False)

