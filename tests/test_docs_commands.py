"""The docs' quick commands, run as a user would on the committed results: each command is
checked to appear in the docs verbatim, and its output against what the docs say."""

import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADVISE = ("python -m experiments.advise --pilot=examples/pilot.csv --data=examples/pool.jsonl "
          "\\\n    --difficulty_field=digits --budget=256 --out=selected.jsonl --extrapolate")
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
  """`python -m experiments.predict` and `python -m figures` on the committed cpu_default
  remake its prediction.csv and its figures byte for byte: the committed figures show what
  the committed runs hold. Mutation: a plotting change without redrawing fails here."""
  copy = _study_copy(tmp_path)
  _run(f"python -m experiments.predict --workdir={copy}", ROOT)
  assert (copy / "prediction.csv").read_bytes() == (
      ROOT / "results" / "cpu_default" / "prediction.csv").read_bytes()
  _run(f"python -m figures --workdir={copy} --out={tmp_path / 'drawn'}", ROOT)
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
