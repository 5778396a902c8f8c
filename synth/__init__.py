"""Task generators with tunable difficulty: `get_task(name, **options)`, then
`task.sample(key, difficulty)` or `make_dataset(key, task, band, n)`."""

from synth.addition import Addition
from synth.datasets import cut_to_width, drawable, make_dataset, make_mixture_dataset, sample_batch
from synth.graph_arithmetic import GraphArithmetic
from synth.laws import total_variation, uniform_weights
from synth.modular_chain import ModularChain
from synth.pointer_chase import PointerChase
from synth.string_maps import Reversal, Sorting
from synth.task import Example, Task, Vocabulary

TASKS = {task.name: task for task in (Addition, GraphArithmetic, Reversal, Sorting,
                                      ModularChain, PointerChase)}


def get_task(name: str, **options) -> Task:
  """The task called `name`, built with its options (see each task's docstring)."""
  if name not in TASKS:
    raise ValueError(f"unknown task {name!r}; known tasks: {sorted(TASKS)}")
  task_class = TASKS[name]
  fields = [f for f in task_class.__dataclass_fields__]
  unknown = sorted(set(options) - set(fields))
  if unknown:
    raise ValueError(f"task {name!r} has no option(s) {unknown}; its options: {fields}")
  return task_class(**options)
