"""experiments/cli.py: every command refuses bad input alike, in one line with exit status 2."""

import subprocess
import sys

import pytest

from test_layers import ENTRY_POINTS, ROOT


def _command(module, *args):
  return subprocess.run([sys.executable, "-m", module.removesuffix(".__main__"), *args],
                        capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_every_command_refuses_an_unknown_flag_in_one_line_with_status_2(module):
  """Mutation that fails: a command back on a bare `app.run(main)` (absl's own exit 1 and
  its usage text)."""
  out = _command(module, "--no_such_flag=1")
  assert out.returncode == 2, (module, out.stderr[-1500:])
  assert out.stderr.strip().splitlines() == ["error: Unknown command line flag 'no_such_flag'"]
  assert out.stdout == ""


def test_a_positional_argument_is_refused_before_the_work():
  out = _command("experiments.claims", "--workdir=/no/such/dir", "extra")
  assert out.returncode == 2
  assert out.stderr.strip().splitlines() == [
      "error: unexpected arguments: extra (every input is a --flag)"]
