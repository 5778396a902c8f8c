"""The layers of experiments/ (experiments/__init__.py): every import goes down, and the
analysis of results needs no JAX. Mutation that fails the first test: `from
experiments.engine import checkpoint` in experiments/analysis/claims.py (an analysis -> engine
edge), or `from experiments import claims` in a config. Mutation that fails the second: the
same import, since checkpoint imports JAX."""

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENTRY_POINTS = ("experiments.main", "experiments.claims", "experiments.predict",
                "experiments.advise", "experiments.power", "experiments.compare",
                "experiments.ablations",
                "experiments.figures.__main__", "synth.show")
# Modules of the entry points' layer that are not commands themselves.
ENTRY_HELPERS = ("experiments.cli", "experiments.launch")
# (layer, rank): a module may import its own layer and any layer of lower rank.
LAYERS = (("allowed", -1), ("synth", 0), ("experiments.configs", 0), ("experiments.results", 0),
          ("models", 1), ("experiments.engine", 2), ("experiments.analysis", 2), ("experiments.figures", 3),
          ("experiments.study", 3), ("entry points", 4))


def _layer(module: str) -> tuple[str, int]:
  if module in ENTRY_POINTS + ENTRY_HELPERS:
    return LAYERS[-1]
  for name, rank in LAYERS:
    if module == name or module.startswith(name + "."):
      return name, rank
  raise AssertionError(f"module {module} is in no layer; add it to LAYERS")


def _modules():
  for package in ("allowed", "synth", "models", "experiments"):
    for path in sorted((ROOT / package).rglob("*.py")):
      parts = path.relative_to(ROOT).with_suffix("").parts
      name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
      if name != "experiments":  # the package's docstring only
        yield name, path


def _imports(path: pathlib.Path) -> set[str]:
  """Names of ours that `path` imports: `import a.b` gives a.b; `from a import b` gives a and
  a.b (`_resolve` keeps of each the part that is a module)."""
  found = set()
  for node in ast.walk(ast.parse(path.read_text())):
    if isinstance(node, ast.Import):
      found |= {alias.name for alias in node.names}
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
      found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
  return {m for m in found if m.split(".")[0] in ("allowed", "synth", "models", "experiments")}


def _resolve(name: str) -> str:
  """The longest prefix of `name` that is a module or package of ours."""
  parts = name.split(".")
  while parts:
    path = ROOT.joinpath(*parts)
    if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
      return ".".join(parts)
    parts.pop()
  raise AssertionError(f"{name} is not a module of this project")


def test_imports_only_go_down_a_layer():
  wrong = []
  for module, path in _modules():
    own, rank = _layer(module)
    for imported in sorted({_resolve(m) for m in _imports(path)}):
      if imported == "experiments":
        continue
      theirs, their_rank = _layer(imported)
      if theirs != own and their_rank >= rank:
        wrong.append(f"{module} ({own}) imports {imported} ({theirs})")
  assert not wrong, "imports that go up or across a layer:\n" + "\n".join(wrong)


@pytest.mark.parametrize("module", ["allowed", "experiments.analysis.claims",
                                    "experiments.analysis.power", "experiments.analysis.bootstrap",
                                    "experiments.analysis.learning_curves",
                                    "experiments.analysis.predict", "experiments.analysis.advise",
                                    "experiments.claims", "experiments.predict",
                                    "experiments.advise", "experiments.power",
                                    "experiments.figures.draw"])
def test_analysis_and_figures_import_without_jax(module):
  code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
         "('jax', 'jaxlib', 'flax', 'optax')))"
  result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
  assert result.stdout.strip() == "[]", f"{module} imports {result.stdout.strip()}"


def test_no_command_loads_matplotlib_until_it_draws():
  """Importing a command (which `--help` or a refused flag does) loads no matplotlib; it is
  imported where a figure is drawn. Mutation that fails: `from experiments.figures import
  advice` at the top of experiments/advise.py."""
  code = ("import importlib, sys\n"
          f"for name in {ENTRY_POINTS!r}:\n"
          "  importlib.import_module(name)\n"
          "  if 'matplotlib' in sys.modules: print(name); break\n")
  result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
  assert result.stdout.strip() == "", f"{result.stdout.strip()} loads matplotlib on import"
