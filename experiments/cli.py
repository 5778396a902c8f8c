"""What every command shares: its flags are defined when it runs (so importing a command, as
the tests do, defines none), and a refused input is said in one line on stderr, `error: ...`,
with exit status 2, before any compute and never as a traceback.

  def main():           # the command's work; raises ValueError or OSError to refuse
    ...
  def run():
    cli.run(main, _define_flags)
"""

import sys
from typing import Callable, NoReturn

from absl import app, flags

REFUSED = 2  # the exit status of a refused input (argparse's, the shell's "misuse")


def refuse(message: str) -> NoReturn:
  """Says why the input is refused, in one line, and exits with REFUSED."""
  print(f"error: {message}", file=sys.stderr)
  raise SystemExit(REFUSED)


def run(main: Callable[[], None], define_flags: Callable[[], None],
        refused: tuple[type[Exception], ...] = (OSError, ValueError),
        explain: Callable[[list[str]], str | None] = lambda argv: None) -> None:
  """Defines the flags, parses them and runs `main`; a flag that cannot be parsed, a
  positional argument, or an exception of `refused` raised by `main` is refused in one line.
  explain(argv): a clearer reason for a flag that cannot be parsed, where the command has one.
  A config-file flag with a default file reads its overrides from sys.argv when it is
  defined (ml_collections), so a bad one is refused there too."""
  try:
    define_flags()
  except Exception as error:
    refuse(explain(sys.argv) or _last_line(error))

  def parse(argv: list[str]) -> list[str]:
    try:
      return flags.FLAGS(argv)
    except Exception as error:  # absl's flags.Error; ml_collections raises several kinds
      refuse(explain(argv) or _last_line(error))

  def main_of_argv(argv: list[str]) -> None:
    if len(argv) > 1:
      refuse(f"unexpected arguments: {' '.join(argv[1:])} (every input is a --flag)")
    try:
      main()
    except refused as error:
      refuse(str(error) or type(error).__name__)

  app.run(main_of_argv, flags_parser=parse)


def _last_line(error: Exception) -> str:
  """The line of a parsing error that says what is wrong (a KeyError's quotes removed)."""
  line = (str(error).strip().splitlines() or [type(error).__name__])[-1].strip()
  return line[1:-1] if len(line) > 1 and line[0] == line[-1] and line[0] in "'\"" else line
