"""Reading and writing results files. A file is written whole through a temporary file and
a rename, so a reader (or a resumed study) never sees half of one; numbers, booleans and
text are typed on reading by the schema."""

import csv
import io
import json
import os
import tempfile

from experiments.results import schema


def write_atomically(path: str, data: bytes) -> None:
  """Writes `data` to `path` through a temporary file and a rename; a path that cannot be
  written (a directory, a folder that does not exist) is an OSError naming `path`, and
  leaves no temporary file behind."""
  directory = os.path.dirname(path) or "."
  if os.path.isdir(path):
    raise IsADirectoryError(f"{path} is a directory")
  if not os.path.isdir(directory):
    raise FileNotFoundError(f"{path}: its folder {directory} does not exist")
  with tempfile.NamedTemporaryFile(dir=directory, delete=False) as handle:
    try:
      handle.write(data)
      handle.flush()
      os.fsync(handle.fileno())
    except BaseException:
      os.unlink(handle.name)
      raise
  try:
    os.chmod(handle.name, 0o644)  # readable like any results file, not the temp file's 0600
    os.replace(handle.name, path)
  except BaseException:
    os.unlink(handle.name)
    raise


def csv_text(columns, rows, line_end: str = "\r\n") -> str:
  """`rows` (dicts holding at least `columns`) as CSV text with a header."""
  buffer = io.StringIO()
  writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="raise",
                          lineterminator=line_end)
  writer.writeheader()
  writer.writerows({c: row[c] for c in columns} for row in rows)
  return buffer.getvalue()


def write_csv(path: str, name: str, rows, version: int = schema.VERSION) -> None:
  """Writes results file `name` (a key of `schema.FILES`) with the columns of schema
  `version` (a study keeps the version it started with, whatever code resumes it)."""
  declared = schema.FILES[name]
  write_atomically(path, csv_text(schema.columns(name, version), rows,
                                  declared.line_end).encode())


def read_csv(path: str) -> list[dict]:
  """Rows of a results CSV file, each value typed by the schema (text where the schema has
  no such column)."""
  if not os.path.exists(path):
    raise FileNotFoundError(f"no results file {path}: run the study first")
  with open(path, newline="") as handle:
    rows = list(csv.DictReader(handle))
  return [{key: schema.parse(key, value) for key, value in row.items()} for row in rows]


STUDY_FILES = {name: f"{name}.csv" for name in ("runs", "slices", "curves", "bounds",
                                                "prediction")} | dict(
    config="config.json", claims="claims.json", stack="stack.json", timing="timing.json")


def study_path(workdir: str, name: str) -> str:
  """Where a study keeps file `name` (a key of STUDY_FILES): the one place its names live."""
  return os.path.join(workdir, STUDY_FILES[name])


def read_results(workdir: str, name: str, missing_ok: bool = False) -> list[dict]:
  """A study's results file `name` (runs, slices, curves, bounds, prediction), typed; [] if
  it is absent and `missing_ok` (a study too small for bounds or a prediction)."""
  path = study_path(workdir, name)
  if missing_ok and not os.path.exists(path):
    return []
  return read_csv(path)


def read_json(workdir: str, name: str) -> dict:
  """A study's config, claims or stack file; {} if it is absent (an older study)."""
  path = study_path(workdir, name)
  if not os.path.exists(path):
    return {}
  with open(path) as handle:
    return json.load(handle)
