"""Reading and writing results files. A file is written whole through a temporary file and
a rename, so a reader (or a resumed study) never sees half of one; numbers, booleans and
text are typed on reading by the schema."""

import csv
import io
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
