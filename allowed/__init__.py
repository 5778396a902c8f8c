"""What a value may be, and the one line that says so when it is not: the checks of every
task option, model and training setting, config field, claims threshold and input file.

  allowed.Integer(1, 20).check("difficulty", 21)
    ValueError: difficulty=21 is not allowed; allowed: an integer in [1, 20]

Plain Python, the lowest layer: synth, models and the analysis (which runs without JAX)
all import it. A range is data (`Integer`, `Real`, `Option`), so a setting's range can be
declared beside its value and checked wherever the value is read back.
"""

import dataclasses
import math
import numbers
from typing import Any, Callable, Iterable


def refuse(name: str, value: Any, allowed: str) -> None:
  """Raises the one-line ValueError of a value outside what is allowed."""
  raise ValueError(f"{name}={value!r} is not allowed; allowed: {allowed}")


def is_integer(value: Any) -> bool:
  """An integer of Python or numpy, not a bool."""
  return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclasses.dataclass(frozen=True)
class Integer:
  """An integer in [lo, hi] (hi None: no upper end)."""
  lo: int
  hi: int | None = None

  @property
  def text(self) -> str:
    return (f"an integer >= {self.lo}" if self.hi is None
            else f"an integer in [{self.lo}, {self.hi}]")

  def check(self, name: str, value: Any) -> None:
    if not is_integer(value) or value < self.lo or (self.hi is not None and value > self.hi):
      refuse(name, value, self.text)


@dataclasses.dataclass(frozen=True)
class Real:
  """A finite number between lo and hi, each end closed unless said open."""
  lo: float
  hi: float
  lo_open: bool = False
  hi_open: bool = False

  @property
  def text(self) -> str:
    return (f"a finite number in {'(' if self.lo_open else '['}{self.lo}, {self.hi}"
            f"{')' if self.hi_open else ']'}")

  def check(self, name: str, value: Any) -> None:
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and math.isfinite(value)
          and (value > self.lo if self.lo_open else value >= self.lo)
          and (value < self.hi if self.hi_open else value <= self.hi))
    if not ok:
      refuse(name, value, self.text)


@dataclasses.dataclass(frozen=True)
class Option:
  """One of a set of values (names, usually)."""
  values: tuple

  @property
  def text(self) -> str:
    return "one of " + ", ".join(map(str, sorted(self.values)))

  def check(self, name: str, value: Any) -> None:
    if value not in self.values:
      refuse(name, value, self.text)


def integer(name: str, value: Any, lo: int, hi: int | None = None) -> None:
  Integer(lo, hi).check(name, value)


def real(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = False,
         hi_open: bool = False) -> None:
  Real(lo, hi, lo_open, hi_open).check(name, value)


def option(name: str, value: Any, values: Iterable) -> None:
  Option(tuple(values)).check(name, value)


def distinct(name: str, values: Any, check_one: Callable[[str, Any], None]) -> None:
  """A non-empty sequence of distinct values, each passing `check_one(name, value)`."""
  if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or not values:
    refuse(name, values, "a non-empty tuple (an empty one names no run)")
  for value in values:
    check_one(name, value)
  repeated = sorted({repr(v) for v in values if list(values).count(v) > 1})
  if repeated:
    raise ValueError(f"{name}: {', '.join(repeated)} repeated: each value names runs, so it "
                     "must appear once")
