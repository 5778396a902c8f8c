"""The difficulty advisor: its choice, its refusals, and every bad input of the real-data
path, which must fail naming the line and field and write nothing."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from experiments.analysis import advise

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def world_error(d, n):
  """A two-gap world whose d* moves harder with n: G_gen 0.05 e^(0.6 d) / sqrt(n), the rest
  0.75 - 0.1 d."""
  return 0.05 * np.exp(0.6 * d) / np.sqrt(n) + 0.75 - 0.1 * d


def write_pilot(path, budgets=(16, 32, 64), windows=((3, 3), (4, 4), (5, 5), (6, 6))):
  """A pilot from that world, one run per cell: accuracy = 1 - R_test."""
  lines = ["n,difficulty_lo,difficulty_hi,accuracy,seed"]
  for n in budgets:
    for lo, hi in windows:
      lines.append(f"{n},{lo},{hi},{1 - world_error(lo, n):.6f},0")
  path.write_text("\n".join(lines) + "\n")
  return str(path)


def write_pool(path, per_difficulty=50):
  path.write_text("".join(json.dumps(dict(text=f"problem {d}-{i}", level=d)) + "\n"
                          for d in range(1, 8) for i in range(per_difficulty)))
  return str(path)


def test_the_advice_is_the_best_window_of_the_world_the_pilot_came_from(tmp_path):
  runs = advise.read_pilot(write_pilot(tmp_path / "pilot.csv"))
  for budget in (16, 64):
    advice = advise.advise(runs, budget, extrapolate=False)
    truth = min(range(3, 7), key=lambda d: world_error(d, budget))
    assert advice.window == (truth, truth)
    assert advice.accuracy == pytest.approx(1 - world_error(truth, budget), abs=0.01)
    assert advice.interval[0] <= advice.accuracy <= advice.interval[1]
    assert advice.fit_rmse < 0.01 and advice.held_out_error < 0.01
  far = advise.advise(runs, 512, extrapolate=True)
  assert far.window == (6, 6)
  assert far.accuracy == pytest.approx(1 - world_error(6, 512), abs=0.01)


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


@pytest.mark.parametrize("edit, message", [
    (lambda rows: rows[:4], r"3 pilot run\(s\).*too few to fit"),
    (lambda rows: [rows[0].replace("accuracy,", "acc,")] + rows[1:], r"lacks column\(s\) accuracy"),
    (lambda rows: rows[:2] + ["16,3,3,high,0"] + rows[3:], r"line 3, field accuracy: 'high' is "
     r"not a number"),
    (lambda rows: rows[:2] + ["16,3,3,1.5,0"] + rows[3:],
     r"line 3: accuracy=1.5 is not allowed; allowed: a finite number in \[0, 1\]"),
    (lambda rows: rows[:2] + ["0,3,3,0.5,0"] + rows[3:], r"line 3: n=0 is not allowed; "
     r"allowed: an integer >= 1"),
    (lambda rows: rows[:2] + ["16,5,3,0.5,0"] + rows[3:], r"line 3: difficulty_lo 5.0 is above"),
    (lambda rows: [rows[0]] + [r for r in rows[1:] if r.startswith("16,")],
     r"1 budget\(s\).*too few to fit"),
    (lambda rows: rows + [rows[3]], r"line 14: the run of line 4 again"),
])
def test_bad_pilots_are_refused(tmp_path, edit, message):
  path = tmp_path / "pilot.csv"
  rows = open(write_pilot(path)).read().splitlines()
  path.write_text("\n".join(edit(rows)) + "\n")
  with pytest.raises(ValueError, match=message):
    advise.read_pilot(str(path))


@pytest.mark.parametrize("values, count", [
    (np.random.default_rng(0).uniform(size=101), 4),
    ([0.0] * 50 + list(np.linspace(0.1, 0.9, 30)) + [1.0] * 20, 4),  # pass rates: ties at 0, 1
    ([1.0] * 10, 3)])
def test_quantile_windows_partition_the_pool_in_about_equal_shares(values, count):
  """Every value in exactly one window, windows in order and disjoint, and no window more
  than one line off an equal share unless a run of equal values forces it."""
  windows = advise.quantile_windows(values, count)
  assert sum(lines for _, _, lines in windows) == len(values)
  for value in values:
    assert sum(lo <= value <= hi for lo, hi, _ in windows) == 1
  assert all(a[1] < b[0] for a, b in zip(windows, windows[1:]))
  largest_tie = max(np.unique(values, return_counts=True)[1])
  assert len(windows) <= count
  assert all(abs(lines - len(values) / count) <= max(1, largest_tie) for _, _, lines in windows)


def test_quantiles_are_printed_ready_for_a_pilot_and_a_bad_count_refused(tmp_path):
  pool = write_pool(tmp_path / "pool.jsonl")  # levels 1-7, 50 lines each
  printed = run_advisor(f"--data={pool}", "--difficulty_field=level", "--quantiles=7")
  assert printed.returncode == 0, printed.stderr
  assert printed.stdout.splitlines()[1:] == [f"{d:.1f},{d:.1f},50" for d in range(1, 8)]
  refused = run_advisor(f"--data={pool}", "--difficulty_field=level", "--quantiles=0")
  assert refused.returncode == 2 and refused.stdout == ""
  assert "error: --quantiles=0 is not allowed; allowed: 1 to the pool's 350 lines" in refused.stderr


def test_the_pass_rate_examples_pilot_is_on_the_pools_own_quantile_windows():
  """examples/pass_rates.py's committed files agree: the pilot's (and the check's) windows
  are the pool's four base_pass_rate quantile windows; every pass rate is in [0, 1], and
  above 1/2 only where the greedy answer is right too (every answer token then has
  probability above 1/2, so it is the argmax)."""
  pool = advise.read_pool(os.path.join(REPO, "examples", "pool_pass_rates.jsonl"),
                          "base_pass_rate")
  windows = [(lo, hi) for lo, hi, _ in advise.quantile_windows([d for _, d in pool], 4)]
  for name in ("pilot_pass_rates.csv", "check_pass_rates.csv"):
    runs = advise.read_pilot(os.path.join(REPO, "examples", name)) if name.startswith(
        "pilot") else _rows(os.path.join(REPO, "examples", name))
    assert sorted({r.window for r in runs}) == windows, name
  lines = [json.loads(text) for text, _ in pool]
  assert all(0 <= line["base_pass_rate"] <= 1 for line in lines)
  assert all(line["base_greedy_pass"] == 1 for line in lines if line["base_pass_rate"] > 0.5)


def _rows(path):
  """A pilot-format file of one budget (the check), read without the pilot's checks."""
  with open(path) as handle:
    header, *rows = [line.split(",") for line in handle.read().splitlines()]
  return [advise.PilotRun(int(r[0]), (float(r[1]), float(r[2])), float(r[3]), r[4])
          for r in rows]


def test_too_small_a_pool_or_window_is_refused(tmp_path):
  pool = advise.read_pool(write_pool(tmp_path / "pool.jsonl", per_difficulty=10), "level")
  with pytest.raises(ValueError, match=r"--budget=71 is more than the 70 lines of the pool"):
    advise.select(pool, (1, 7), 71, seed=0)
  with pytest.raises(ValueError, match=r"--budget=21 is more than the 20 lines of the pool in "
                     r"the recommended window \[5, 6\]"):
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
  assert "budget 40: train on level 5;" in done.stdout
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


def test_the_plot_is_drawn_beside_the_selection_and_a_bad_one_refused_first(tmp_path):
  pilot, pool = write_pilot(tmp_path / "pilot.csv"), write_pool(tmp_path / "pool.jsonl")
  common = [f"--pilot={pilot}", f"--data={pool}", "--difficulty_field=level", "--budget=40",
            f"--out={tmp_path / 'selected.jsonl'}"]
  drawn = run_advisor(*common, f"--plot={tmp_path / 'advice.png'}")
  assert drawn.returncode == 0, drawn.stderr[-2000:]
  assert (tmp_path / "advice.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  assert f"drew {tmp_path / 'advice.png'}" in drawn.stdout
  before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
  for plot, message in ((tmp_path / "advice.jpg", r"--plot=.*advice.jpg: the name must end in "
                         r"one of .png, .pdf, .svg"),
                        (tmp_path / "pilot.csv", r"--plot=.*pilot.csv is the --pilot file")):
    refused = run_advisor(*common, f"--plot={plot}")
    assert refused.returncode == 2 and re.search(message, refused.stderr), refused.stderr
  assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_difficulty_on_any_scale_gives_the_same_advice(tmp_path):
  """Windows in hundreds of tokens or offset by a thousand: the model reads the difficulty
  only as the windows' order and their midpoints scaled to [0, 1], so the advice is the same."""
  runs = advise.read_pilot(write_pilot(tmp_path / "pilot.csv"))
  reference = advise.advise(runs, 64, extrapolate=False)
  for scale, offset in ((100, 0), (1, 1000)):
    moved = [r._replace(window=tuple(scale * d + offset for d in r.window)) for r in runs]
    advice = advise.advise(moved, 64, extrapolate=False)
    assert advice.window == tuple(scale * d + offset for d in reference.window)
    assert (advice.accuracy, advice.interval) == (reference.accuracy, reference.interval)


def test_predictions_and_intervals_stay_in_0_1_at_saturation(tmp_path):
  """A window solved at every budget and one never learned: predicted at 1 and near 0 (its
  gap shrunk toward its neighbours' lets it rise a little by n = 4096), never beyond."""
  lines = ["n,difficulty_lo,difficulty_hi,accuracy,seed"]
  for n in (16, 32, 64):
    for seed in (0, 1):
      lines += [f"{n},1,1,1.0,{seed}", f"{n},2,2,{min(1.0, 0.5 + n / 100 + 0.01 * seed)},{seed}",
                f"{n},3,3,0.0,{seed}"]
  (tmp_path / "pilot.csv").write_text("\n".join(lines) + "\n")
  advice = advise.advise(advise.read_pilot(str(tmp_path / "pilot.csv")), 4096, extrapolate=True)
  for accuracy, (low, high) in advice.by_window.values():
    assert 0 <= low <= accuracy <= high <= 1
  assert advice.by_window[(1, 1)][0] == pytest.approx(1.0) and advice.by_window[(3, 3)][0] <= 0.01


def test_windows_the_interval_cannot_separate_are_named_and_the_highest_is_chosen(tmp_path):
  """Two windows 0.005 apart with seed-to-seed noise of 0.05: tied, and the report says
  so; the choice is the higher prediction."""
  rng = np.random.default_rng(0)
  lines = ["n,difficulty_lo,difficulty_hi,accuracy,seed"]
  for n in (16, 32, 64, 128):
    for seed in range(3):
      for lo, mean in ((1, 0.60), (2, 0.605), (3, 0.30)):
        lines.append(f"{n},{lo},{lo},{mean + 0.05 * rng.normal():.4f},{seed}")
  (tmp_path / "pilot.csv").write_text("\n".join(lines) + "\n")
  advice = advise.advise(advise.read_pilot(str(tmp_path / "pilot.csv")), 128, extrapolate=False)
  chosen = advice.by_window[advice.window][0]
  assert advice.window in ((1, 1), (2, 2))
  assert advice.tied == tuple(w for w in ((1, 1), (2, 2)) if w != advice.window)
  assert all(chosen >= a for a, _ in advice.by_window.values())
  assert "not told apart from it (each inside the other's interval): " in advise.report(advice,
                                                                                        128)


def test_claims_figures_and_the_advisor_read_the_pair_that_speaks_for_a_study(
    launched, monkeypatch, tmp_path):
  """The tiny study fine-tunes two bases with SFT and DFT, and "dft" sorts first: the claims
  C1-C5, the figures drawn per base and the advisor's pilot all read the same pair, SFT of
  the first base (before, the pilot read DFT while the claims and figures read SFT)."""
  from experiments.results import files, grid
  from experiments.figures import draw
  workdir, _ = launched
  runs = files.read_csv(os.path.join(workdir, "runs.csv"))
  assert {loss for _, loss in grid.studies(runs)} == {"sft", "dft"}
  assert grid.speaking_pair(runs) == ("strong", "sft")
  with open(os.path.join(workdir, "claims.json")) as handle:
    verdicts = json.load(handle)["verdicts"]
  assert {v["loss"] for v in verdicts if v["claim"] in ("C1", "C2", "C3", "C4", "C5")} == {"sft"}
  pilot = advise.pilot_rows(runs, max_budget=16)
  wanted = [r for r in runs if (r["base"], r["loss"]) == ("strong", "sft") and 0 < r["n"] <= 16]
  assert sorted((p.n, p.seed, p.accuracy) for p in pilot) == sorted(
      (r["n"], f"{r['base_seed']}-{r['seed']}", 1 - r["R_test"]) for r in wanted)
  read = []
  for name in ("heatmap", "optimum_and_gaps"):
    monkeypatch.setattr(draw, name, lambda runs, base, loss, path: read.append(loss) or path)
  monkeypatch.setattr(draw, "change_over_base",
                      lambda runs, slices, base, loss, path: read.append(loss) or path)
  draw.draw_all(workdir, str(tmp_path))
  assert read and set(read) == {"sft"}


def _crossing_pilot(budgets=(16, 32, 64), seeds=3):
  """Two windows: the easy one 0.6 - n^-1/2, the hard one 0.9 - 4 n^-1/2; the hard one is
  behind at every pilot budget and overtakes at n = 100."""
  truth = {(1, 1): (0.6, 1.0), (2, 2): (0.9, 4.0)}
  jitter = (-0.004, 0.0, 0.004)
  return [advise.PilotRun(n, w, c - g * n ** -0.5 + jitter[s], str(s))
          for n in budgets for w, (c, g) in truth.items() for s in range(seeds)]


def test_the_switch_budget_is_where_the_harder_window_overtakes_and_says_when_undecided():
  """The hard window overtakes the pilot's best at n = 100 (the truth); the advice at a
  budget inside the switch's interval says the choice is not yet decided, and far beyond it
  chooses the hard window without that line. Mutation that fails: `overtakes` with the
  ratio of gaps to ceilings inverted."""
  runs = _crossing_pilot()
  at_100 = advise.advise(runs, 100, extrapolate=True)
  (switch,) = at_100.switches
  assert switch.window == (2, 2) and switch.over == (1, 1)
  assert 95 < switch.budget < 105 and switch.interval[0] <= 100 <= switch.interval[1]
  assert at_100.undecided == (switch,)
  assert "not yet decided at this budget: 2 may overtake 1 anywhere in" in advise.report(
      at_100, 100)
  far = advise.advise(runs, 1000, extrapolate=True)
  assert far.window == (2, 2) and far.undecided == ()
  assert "(2, 2)" not in advise.report(far, 1000) and "from n = 100 " in advise.report(far, 1000)


def test_overtakes_is_never_every_budget_or_the_crossing():
  from experiments.analysis import learning_curves
  curves = learning_curves.LearningCurves(((1, 1), (2, 2), (3, 3), (4, 4)), 0.5,
                                          np.array([0.6, 0.9, 0.5, 0.7]),
                                          np.array([1.0, 4.0, 2.0, 0.5]))
  assert curves.overtakes((2, 2), (1, 1)) == pytest.approx(100.0)  # (3 / 0.3)^2
  assert curves.overtakes((3, 3), (1, 1)) == float("inf")  # a lower ceiling: never
  assert curves.overtakes((4, 4), (1, 1)) == 1.0  # higher ceiling, smaller gap: always


def _two_gap_pilot(budgets=(16, 32, 64, 128), seeds=2):
  """The theory's world on five windows at x = 0, 1/4, ..., 1: accuracy 0.75 + 0.2 x -
  (1 + 7 x) n^-1/2, clipped; the hard windows sit at 0 at the small budgets, so no curve of
  their own says where they go. Runs jittered by +-0.003."""
  runs = []
  for n in budgets:
    for d in range(5):
      x = d / 4
      for s in range(seeds):
        truth = 0.75 + 0.2 * x - (1 + 7 * x) * n ** -0.5
        runs.append(advise.PilotRun(n, (d, d), float(np.clip(truth + 0.003 * (2 * s - 1), 0, 1)),
                                    str(s)))
  return runs


def test_a_shape_tied_across_difficulty_speaks_for_the_windows_the_pilot_cannot_see():
  """In a two-gap world the two_gap shape predicts the larger budgets from the smaller ones
  best and is weighed most; the mixture then finds the hardest window best at n = 16384
  (truth 0.95 - 8/128 = 0.888), where the per-window curves alone keep an easier one.
  Mutations that fail: weights from the worst held-out error, runs at 0 fitted as
  measured."""
  from experiments.analysis import curve_shapes
  runs = _two_gap_pilot()
  fitted = advise.evidence(runs)
  weights = dict(zip(curve_shapes.SHAPE_NAMES, fitted.curves.weights))
  assert max(weights, key=weights.get) == "two_gap", weights
  advice = advise.advise(runs, 16384, extrapolate=True, fitted=fitted)
  assert advice.window == (4, 4)
  assert advice.accuracy == pytest.approx(0.95 - 8 / 128, abs=0.02)
  assert advice.interval[0] <= 0.95 - 8 / 128 <= advice.interval[1]
  per_window = fitted.curves.members[0]
  assert per_window.best(16384) != (4, 4)
  assert "two_gap 0.9" in advise.report(advice, 16384) or "two_gap 1.00" in advise.report(
      advice, 16384)


def _late_switch_truth(n, x):
  """Ceilings rising with difficulty (0.59 to 0.91) and gaps 0.15 e^(1.7 x) that fall as a
  logistic in ln n at thresholds ln 32 + 0.75 (1 + 5 x): the easiest windows rise inside
  n = 16-128, the hardest only at ~3,000, when it becomes the best."""
  late = 1 / (1 + np.exp(-(np.log(32) + 0.75 * (1 + 5 * x) - np.log(n)) / 0.5))
  return np.clip(0.99 - 0.4 * np.exp(-x / 0.5) - 0.15 * np.exp(1.7 * x) * late, 0, 1)


def _late_switch_pilot():
  """Two runs of each of windows 0-4 (x = d / 4) at n = 16-128, the truth above +-0.004."""
  jitter = lambda s: 0.004 * (2 * s - 1)
  return [advise.PilotRun(n, (d, d), float(np.clip(_late_switch_truth(n, d / 4) + jitter(s), 0, 1)),
                          str(s))
          for n in (16, 32, 64, 128) for d in range(5) for s in range(2)]


def test_the_tied_shapes_ceilings_rise_so_a_late_switch_is_foreseen():
  """A pilot at n = 16-128 of a world whose best window walks from 1 (of 0-4) to 4 beyond it:
  the hard windows' runs are low and flat, which a falling ceiling fits as well as a high
  ceiling behind a late gap. With the ceilings held from falling with difficulty (the
  mechanism's premise) the advice at 16,384 is a harder window within 0.02 of the best
  (with quadratic ceilings free, window 2, 0.067 below it). Mutation that fails: the
  ceiling terms' signs left free."""
  from experiments.analysis import curve_shapes
  x = np.arange(5) / 4
  runs = _late_switch_pilot()
  curves = curve_shapes.fit_mixture([r.window for r in runs], [r.n for r in runs],
                                    [r.accuracy for r in runs])  # the advice's point fit
  for member in curves.members[1:]:
    if member.shape.name.endswith("rising_ceiling"):
      ceiling = member.theta[:3] @ member.shape.ceiling(x)
      assert (np.diff(ceiling) >= -1e-9).all(), (member.shape.name, ceiling)
  truth = _late_switch_truth(16384, x)
  chosen = int(curves.best(16384)[0])
  assert chosen > int(np.argmax(_late_switch_truth(128, x)))
  assert truth.max() - truth[chosen] <= 0.02


def test_a_field_where_lower_is_harder_gives_the_mirrored_advice():
  """The late-switch pilot above with its field reversed (window d named 4 - d, as a pass
  rate runs) and harder="lower": the same fits on the difficulty axis, so the mirror of the
  same predictions. Read with the default, the premise points the wrong way and the best
  window differs. Mutation that fails: `harder` not passed on to the tied shapes."""
  from experiments.analysis import curve_shapes
  runs = _late_switch_pilot()
  mirrored = [r._replace(window=(4 - r.window[0], 4 - r.window[1])) for r in runs]
  fit = lambda pilot, harder: curve_shapes.fit_mixture(
      [r.window for r in pilot], [r.n for r in pilot], [r.accuracy for r in pilot], harder)
  as_given = fit(runs, "higher").accuracy(16384)
  lower = fit(mirrored, "lower").accuracy(16384)
  np.testing.assert_allclose(lower, as_given[::-1], atol=1e-9)
  assert np.argmax(fit(mirrored, "higher").accuracy(16384)) != np.argmax(lower)
  with pytest.raises(ValueError,
                     match="harder='down' is not allowed; allowed: one of higher, lower"):
    advise.evidence(runs, harder="down")


def test_a_fitted_shape_ends_where_an_accuracy_can():
  """Flat noisy windows: a logistic could fit three budgets with a ceiling of ~100 less a gap
  of ~100; every shape's ceilings (its accuracy at n = 10^12) stay within [0, 1.05] before
  clipping, and the advice inside the pilot stays near the measured 0.6."""
  from experiments.analysis import curve_shapes
  rng = np.random.default_rng(0)
  runs = [advise.PilotRun(n, (d, d), float(np.round(mean + 0.05 * rng.normal(), 4)), str(s))
          for n in (16, 32, 64) for s in range(3) for d, mean in ((1, 0.6), (2, 0.605), (3, 0.3))]
  mixture = advise.evidence(runs).curves
  for member in mixture.members[1:]:
    x = curve_shapes.positions(member.windows)
    terms = member.shape.ceiling(x)
    ceiling = member.theta[:len(terms)] @ terms
    assert ((ceiling >= 0) & (ceiling <= 1.05)).all(), (member.shape.name, ceiling)
  assert advise.advise(runs, 64, extrapolate=False).accuracy == pytest.approx(0.6, abs=0.06)


def test_the_lasting_lead_is_found_to_the_budget():
  from experiments.analysis import curve_shapes
  assert curve_shapes.first_lasting_lead(lambda n: n - 100.0) == pytest.approx(100, rel=1e-6)
  assert curve_shapes.first_lasting_lead(lambda n: np.ones_like(n)) == 1.0
  assert curve_shapes.first_lasting_lead(lambda n: -np.ones_like(n)) == float("inf")
  # ahead, behind, then ahead for good: the last crossing counts
  assert curve_shapes.first_lasting_lead(lambda n: (n - 10.0) * (n - 1000.0) * (n - 5)) \
      == pytest.approx(1000, rel=1e-6)


def _informative_pilot():
  """Windows 1 and 2 run three times at every budget up to 128; window 3 (truth 0.95 - 5
  n^-1/2, overtaking 2's 0.70 - 0.5 n^-1/2 near n = 400) only at 16 and 32, once each. Its
  fit puts the crossing near 2,400, so at 2048 the choice between 2 and 3 is open, and only
  a run of window 3 at a larger n can close it."""
  truth = {(1, 1): (0.55, 0.5), (2, 2): (0.70, 0.5), (3, 3): (0.95, 5.0)}
  jitter = (-0.01, 0.0, 0.01)
  runs = []
  for n in (16, 32, 64, 128):
    for window, (c, g) in truth.items():
      for s in (range(3) if window != (3, 3) else range(1 if n <= 32 else 0)):
        runs.append(advise.PilotRun(n, window, c - g * n ** -0.5 + jitter[s], str(s)))
  return runs


def test_the_next_pilot_run_is_the_cell_that_can_change_the_choice():
  """The uncertain window at a budget beyond the pilot is named, not the well-measured ones;
  its expected chance of a wrong choice is below today's, and the cost is n x example_cost.
  Mutation that fails: the likelihood ignored (every cell's 'after' equals 'now')."""
  runs = _informative_pilot()
  fitted = advise.evidence(runs)
  advice = advise.advise(runs, 2048, extrapolate=True, fitted=fitted)
  cells = advise.next_pilot(fitted, advice, 2048, example_cost=0.5)
  first = cells[0]
  assert first.window == (3, 3) and first.n > 128
  assert first.wrong_after < first.wrong_now
  assert first.cost == first.n * 0.5
  assert {c.n for c in cells} == {128, 256, 512, 1024}  # L, 2L, 4L, 8L: below the budget
  well_measured = [c for c in cells if c.window == (1, 1)]
  assert all(c.wrong_after >= first.wrong_after for c in well_measured)
  text = advise.next_pilot_text(cells, 2048)
  assert text.startswith(f"next pilot run: 3 at n = {first.n} (cost {first.cost:,.6g})")


def test_next_pilot_on_the_command_line_and_a_bad_cost_refused(tmp_path):
  pilot, pool = write_pilot(tmp_path / "pilot.csv"), write_pool(tmp_path / "pool.jsonl")
  common = [f"--pilot={pilot}", f"--data={pool}", "--difficulty_field=level", "--budget=40",
            f"--out={tmp_path / 'selected.jsonl'}", "--next_pilot"]
  done = run_advisor(*common, "--example_cost=2", f"--plot={tmp_path / 'advice.png'}")
  assert done.returncode == 0, done.stderr[-2000:]
  assert re.search(r"^next pilot run: \S+ at n = 64 \(cost 128\)", done.stdout, re.M), done.stdout
  assert (tmp_path / "advice.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  os.remove(tmp_path / "selected.jsonl")
  refused = run_advisor(*common, "--example_cost=0")
  assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
  assert "--example_cost=0.0 is not allowed; allowed: a finite number above 0" in refused.stderr
  assert not (tmp_path / "selected.jsonl").exists()
  refused = run_advisor(*common, "--harder=down")
  assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
  assert "--harder='down' is not allowed; allowed: one of higher, lower" in refused.stderr
  assert not (tmp_path / "selected.jsonl").exists()


def test_validating_on_budgets_that_leave_one_pilot_budget_is_refused_in_one_line(tmp_path):
  runs = [dict(n=n, band_lo=d, band_hi=d, R_test=0.5, base="base", loss="sft", base_seed=0,
               seed=0, diverged=False) for n in (32, 128, 512) for d in (1, 2)]
  with pytest.raises(ValueError, match=r"n <= 96 \(--max_budget\): 2 pilot run\(s\), 1 "
                     r"budget\(s\), 2 window\(s\): too few to fit"):
    advise.validate(runs, 96)
