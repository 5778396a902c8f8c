"""The results schema is the one declaration of every results column: the committed files,
the docs' tables and the typed reader all follow it."""

import ast
import csv
import json
import math
import pathlib
import subprocess
import sys

import pytest

from experiments.results import files, grid, schema

ROOT = pathlib.Path(__file__).resolve().parent.parent
COMMITTED = sorted((ROOT / "results").rglob("*.csv"))  # the studies and their reruns


def test_docs_tables_are_the_schemas():
  """Mutation: a column added to or renamed in schema.FILES without regenerating
  docs/results.md (or a meaning edited in one place only) fails here."""
  printed = subprocess.run([sys.executable, "-m", "experiments.results.schema"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.strip()
  page = (ROOT / "docs" / "results.md").read_text()
  start = page.index("-->", page.index("<!-- schema tables")) + len("-->")
  assert page[start:page.index("<!-- end of schema tables")].strip() == printed


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(ROOT / "results")))
def test_committed_results_files_have_the_schemas_columns(path):
  """Each committed file has the columns of the schema version its study's stack.json
  records (1 where there is none). Mutation: renaming or reordering a column in
  schema.FILES fails here for every committed file of that kind."""
  stack = path.parent / "stack.json"
  version = json.loads(stack.read_text())["schema_version"] if stack.exists() else 1
  with open(path, newline="") as handle:
    header = next(csv.reader(handle))
  assert tuple(header) == schema.columns(path.stem, version)


def test_a_later_schema_version_only_appends_columns():
  for name, declared in schema.FILES.items():
    for version in range(1, schema.VERSION + 1):
      older = schema.columns(name, version)
      assert declared.columns[:len(older)] == older, (name, version)
  assert schema.columns("runs", 1)[-1] == "diverged"
  assert schema.columns("runs")[-2:] == ("base_loss_S", "base_exact_S")


def test_every_column_of_every_file_is_declared_once():
  """Read from the source as well: a dict literal keeps the last of two equal keys, so a
  column declared twice in COLUMNS (or a file twice in FILES) is only seen there."""
  source = ast.parse(pathlib.Path(schema.__file__).read_text())
  for target in ("COLUMNS", "FILES"):
    [literal] = [node.value for node in source.body if isinstance(node, ast.Assign)
                 and any(getattr(t, "id", None) == target for t in node.targets)]
    keys = [key.value for key in literal.keys]
    assert len(keys) == len(set(keys)), (target, sorted(k for k in keys if keys.count(k) > 1))
  declared = {c for f in schema.FILES.values() for c in f.columns}
  assert declared == set(schema.COLUMNS), "a column declared but in no file, or the reverse"
  for name, declared_file in schema.FILES.items():
    assert len(set(declared_file.columns)) == len(declared_file.columns), name


def test_reading_types_each_value_by_its_column(tmp_path):
  """Mutation: `parse` returning the text for floats, or reading "False" as True, fails."""
  row = dict(base="b", base_seed=1, n=16, band_lo=3, band_hi=4, seed=2, loss="sft", steps=7,
             R_S=0.0, R_train=0.25, R_test=0.5, G_gen=0.25, G_ext=0.25, fitted=False,
             diverged=False, base_loss_S=1.5, base_exact_S=0.125)
  path = str(tmp_path / "runs.csv")
  files.write_csv(path, "runs", [row])
  [read] = files.read_csv(path)
  assert read == row and all(type(read[k]) is type(row[k]) for k in row)
  files.write_csv(path, "runs", [row], version=1)  # a study begun before version 2
  [read] = files.read_csv(path)
  assert "base_loss_S" not in read and read["diverged"] is False
  files.write_csv(str(tmp_path / "prediction.csv"), "prediction", [dict(
      base="b", loss="sft", n=16, split="fit", measured=3.0, bound_argmin="",
      measured_model="", fitted_model=4.0, persistence=3.0, replicates_right_fitted=1,
      replicates=2)])
  [prediction] = files.read_csv(str(tmp_path / "prediction.csv"))
  assert math.isnan(prediction["bound_argmin"]) and prediction["fitted_model"] == 4.0


def test_joins_use_the_run_key():
  """Two rows of different files of one run share a key; another seed does not."""
  run = dict(base="b", base_seed=1, n=16, band_lo=3, band_hi=3, seed=0, loss="sft", R_S=0.0)
  bound = dict(run, bound=0.4)
  assert grid.run_key(run) == grid.run_key(bound) != grid.run_key(dict(bound, seed=1))
  [joined] = grid.with_run_flags([bound], [dict(run, diverged=True)])
  assert joined["diverged"] is True


def test_an_atomic_write_that_cannot_happen_names_the_path_and_leaves_nothing(tmp_path,
                                                                             monkeypatch):
  """A directory or a missing folder is refused before writing; a write that fails half
  way removes its temporary file; the old file stays as it was."""
  with pytest.raises(IsADirectoryError, match=f"{tmp_path} is a directory"):
    files.write_atomically(str(tmp_path), b"x")
  with pytest.raises(FileNotFoundError, match="its folder .*missing does not exist"):
    files.write_atomically(str(tmp_path / "missing" / "a.csv"), b"x")
  target = tmp_path / "a.csv"
  target.write_bytes(b"old")

  def fail(*args):
    raise OSError("disk full")

  monkeypatch.setattr(files.os, "fsync", fail)
  with pytest.raises(OSError, match="disk full"):
    files.write_atomically(str(target), b"new")
  assert [p.name for p in tmp_path.iterdir()] == ["a.csv"] and target.read_bytes() == b"old"

