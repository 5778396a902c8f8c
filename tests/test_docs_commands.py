"""The docs' quick commands, run as a user would on the committed results: each command is
checked to appear in the docs verbatim, and its output against what the docs say."""

import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from experiments.results import files

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADVISE = ("python -m experiments.advise --pilot=examples/pilot.csv --data=examples/pool.jsonl "
          "\\\n    --difficulty_field=digits --budget=256 --out=selected.jsonl --extrapolate --next_pilot")
QUANTILES = ("python -m experiments.advise --data=examples/pool_pass_rates.jsonl \\\n"
             "    --difficulty_field=base_pass_rate --quantiles=4")
PASS_RATE_ADVICE = (
    "python -m experiments.advise --pilot=examples/pilot_pass_rates.csv \\\n"
    "    --data=examples/pool_pass_rates.jsonl --difficulty_field=base_pass_rate --budget=256 "
    "\\\n    --out=selected.jsonl --extrapolate --harder=lower "
    "--plot=examples/advice_pass_rates.png")
SHOW = "python -m synth.show --task=addition --difficulty=5 --num=3\n--option=digit_order=plain"


def _run(command: str, cwd) -> str:
  args = command.replace("\\\n", " ").split()
  result = subprocess.run([sys.executable] + args[1:], cwd=cwd, capture_output=True, text=True)
  assert result.returncode == 0, result.stderr
  return result.stdout + result.stderr


def _study_copy(tmp_path, name="cpu_default") -> pathlib.Path:
  copy = tmp_path / name
  shutil.copytree(ROOT / "results" / name, copy)
  return copy


def test_the_advisors_worked_example_prints_what_the_docs_show(tmp_path):
  """Mutation: a change to the advisor's fit or to examples/pilot.csv that moves its advice
  or its numbers, without the docs following, fails here."""
  page = (ROOT / "docs" / "advisor.md").read_text()
  assert ADVISE in page
  shown = page.split(ADVISE)[1].split("```\n```\n")[1].split("```")[0].strip()
  shutil.copytree(ROOT / "examples", tmp_path / "examples")
  printed = _run(ADVISE, tmp_path).strip()
  assert printed == shown
  assert len((tmp_path / "selected.jsonl").read_text().splitlines()) == 256


@pytest.mark.parametrize("command", [QUANTILES, PASS_RATE_ADVICE], ids=["quantiles", "advice"])
def test_the_pass_rate_example_prints_what_the_docs_show(tmp_path, command):
  """docs/advisor.md's difficulty-against-the-model example, on the committed
  examples/*pass_rates* files (mutation: the pool, pilot or windows remade without the
  docs following)."""
  page = (ROOT / "docs" / "advisor.md").read_text()
  assert command in page
  shown = page.split(command)[1].split("```\n```\n")[1].split("```")[0].strip()
  shutil.copytree(ROOT / "examples", tmp_path / "examples")
  assert _run(command, tmp_path).strip() == shown


def test_show_prints_checked_examples():
  assert SHOW in (ROOT / "docs" / "tasks.md").read_text()
  printed = _run(SHOW, ROOT)
  assert printed.count("checker: correct") == 3


def test_the_readmes_claims_table_is_the_committed_claims_json(tmp_path):
  """`python -m experiments.claims` on the committed cpu_default writes its claims.json again
  byte for byte, and the README's table shows its verdicts and supports. Mutation: a claim
  statistic changed without rerunning, or a README number edited by hand, fails here."""
  copy = _study_copy(tmp_path)
  _run(f"python -m experiments.claims --workdir={copy}", ROOT)
  committed = (ROOT / "results" / "cpu_default" / "claims.json").read_text()
  assert (copy / "claims.json").read_text() == committed
  readme = (ROOT / "README.md").read_text()
  for verdict in json.loads(committed)["verdicts"]:
    row = next(line for line in readme.splitlines() if line.startswith(f"| {verdict['claim']} "))
    cells = [c.strip() for c in row.split("|")[1:-1]]
    assert cells[1] == verdict["verdict"], row
    if verdict["verdict"] != "NOT TESTED":
      assert cells[2] == f"{verdict['support']:.2f}", row


def test_predict_and_figures_remake_the_committed_files(tmp_path):
  """`python -m experiments.predict` and `python -m experiments.figures` on the committed
  cpu_default remake its prediction.csv and its figures byte for byte: the committed figures
  show what the committed runs hold. Mutation: a plotting change without redrawing fails here."""
  copy = _study_copy(tmp_path)
  _run(f"python -m experiments.predict --workdir={copy}", ROOT)
  assert (copy / "prediction.csv").read_bytes() == (
      ROOT / "results" / "cpu_default" / "prediction.csv").read_bytes()
  _run(f"python -m experiments.figures --workdir={copy} --out={tmp_path / 'drawn'}", ROOT)
  drawn = sorted(p.name for p in (tmp_path / "drawn").glob("*.png"))
  committed = sorted(p.name for p in (ROOT / "results" / "cpu_default").glob("*.png"))
  assert drawn == committed
  for name in drawn:
    assert (tmp_path / "drawn" / name).read_bytes() == (
        ROOT / "results" / "cpu_default" / name).read_bytes(), name


@pytest.mark.parametrize("page", sorted(
    [p.relative_to(ROOT) for p in (ROOT / "docs").glob("*.md")] +
    [p.relative_to(ROOT) for p in (ROOT / "results").rglob("README.md")] +
    [pathlib.Path("README.md")]), ids=str)
def test_every_relative_link_and_image_in_the_docs_exists(page):
  """Mutation: moving a results folder or renaming a doc without following every link."""
  text = (ROOT / page).read_text()
  for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
    if "://" not in target:
      assert ((ROOT / page).parent / target).exists(), f"{page}: {target}"


def test_every_code_path_the_docs_name_exists():
  """Mutation: moving or renaming a module without following the docs that name it."""
  pages = list((ROOT / "docs").glob("*.md")) + list((ROOT / "results").rglob("README.md"))
  for page in pages + [ROOT / "README.md"]:
    for path in re.findall(r"\b((?:experiments|synth|models|figures|benchmarks|examples|tests)"
                           r"/[\w/]+\.py)\b", page.read_text()):
      assert (ROOT / path).exists(), f"{page.relative_to(ROOT)} names {path}"


def test_every_console_command_runs_its_entry_point():
  """Each [project.scripts] command names a `run` that parses its flags and prints its usage
  (absl exits 1 after help; mutation: a command pointing at a module without `run`)."""
  section = (ROOT / "pyproject.toml").read_text().split("[project.scripts]")[1].split("\n[")[0]
  scripts = dict(re.findall(r'^([\w-]+) = "([\w.:]+)"', section, re.M))
  assert {"difficulty-sim", "difficulty-claims", "difficulty-predict", "difficulty-advise",
          "difficulty-power", "difficulty-figures", "difficulty-show"} <= set(scripts)
  for target in scripts.values():
    module, function = target.split(":")
    code = f"import sys; sys.argv = ['x', '--helpshort']; import {module}; {module}.{function}()"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert "USAGE" in result.stdout and "Traceback" not in result.stderr, (target, result.stderr)


def _table_row(page: str, first_cell: str) -> list[str]:
  text = (ROOT / page).read_text()
  row = next(line for line in text.splitlines() if line.startswith(f"| {first_cell} |"))
  return [cell.strip() for cell in row.split("|")[1:-1]]


@pytest.mark.parametrize("study, max_budget", [
    ("cpu_default", 96), pytest.param("addition", 128, marks=pytest.mark.slow),
    pytest.param("ablation_positions", 96, marks=pytest.mark.slow),
    pytest.param("ablation_bases", 96, marks=pytest.mark.slow)])
def test_the_advisors_validation_table_is_what_it_prints(study, max_budget):
  """docs/advisor.md's hit counts, from `python -m experiments.advise --validate` on the
  committed runs (mutation: the advisor's choice rule changed without the table)."""
  printed = _run(f"python -m experiments.advise --workdir=results/{study} --validate "
                 f"--max_budget={max_budget}", ROOT)
  hits = re.findall(r"hit rate (\d+)/(\d+)", printed)
  label = {"addition": "`addition` (GPU)",
           "ablation_bases": "`ablation_bases` (strong base)"}.get(study, f"`{study}`")
  row = _table_row("docs/advisor.md", label)
  assert [row[1]] == [f"{h} of {n}" for h, n in hits]  # row[2]: the first advisor's, history


def test_the_band_shuffling_control_of_cpu_default_is_what_it_prints():
  """docs/power.md's control row for cpu_default, from `python -m experiments.power
  --permute=band` on the committed runs: the trend C1, C2 and C4 never HOLD (mutation: a
  statistic that HOLDS on noise, as the strict C2 does, fails here)."""
  printed = _run("python -m experiments.power --workdir=results/cpu_default --permute=band",
                 ROOT)
  holds = {(line.split()[0], line.split()[2]): int(line.split()[3])
           for line in printed.splitlines() if re.match(r"C\d\s+\S+\s+(trend|strict)\s", line)}
  row = _table_row("docs/power.md", "`cpu_default`, 12 x 3 (now)")
  assert [holds["C1", "trend"], holds["C2", "trend"], holds["C4", "trend"]] == [
      int(row[1]), int(row[2].split()[0]), int(row[3])]
  assert f"strict: {holds['C2', 'strict']}" in row[2]


def _held_out_error(rows, column) -> str:
  """A docs/prediction.md cell: mean |predicted - measured| d* at the held-out budgets and
  how many are exact, or - where the column was not computed."""
  held = [r for r in rows if r["split"] == "held-out"]
  if any(r[column] != r[column] for r in held):  # NaN: the study has no bounds.csv
    return "-"
  errors = [abs(r[column] - r["measured"]) for r in held]
  return f"{sum(errors) / len(errors):.2f} ({sum(e == 0 for e in errors)} of {len(errors)}"


@pytest.mark.parametrize("study", ["cpu_default", "addition", "ablation_positions"])
def test_the_prediction_table_is_the_committed_prediction_csv(study):
  """docs/prediction.md's row of a one-base study, from its committed prediction.csv
  (mutation: a predictor changed and the study re-predicted without the docs following)."""
  rows = files.read_csv(str(ROOT / "results" / study / "prediction.csv"))
  label = f"`{study}`" + (" (GPU)" if study == "addition" else "")
  cells = [re.sub(r"\*\*|exact\)|\)", "", c).strip() for c in _table_row("docs/prediction.md",
                                                                          label)]
  for cell, column in zip(cells[2:6], ("fitted_model", "measured_model", "bound_argmin",
                                       "persistence")):
    assert cell == _held_out_error(rows, column).rstrip(")"), (study, column)
  held = [r for r in rows if r["split"] == "held-out"]
  assert cells[6] == (f"{sum(r['replicates_right_fitted'] for r in held)} of "
                      f"{sum(r['replicates'] for r in held)}")
