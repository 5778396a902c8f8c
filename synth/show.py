"""Prints rendered examples of a task with their difficulty and the checker's verdict.

  python -m synth.show --task=addition --difficulty=5 --num=3
  python -m synth.show --task=graph_arithmetic --difficulty=4 --option=max_difficulty=8 \
      --option=modulus=5 --option=distractor_ratio=0.25
"""

from absl import flags
import jax
import numpy as np

from experiments import cli
import synth

FLAGS = flags.FLAGS


def parse_options(pairs: list[str]) -> dict:
  options = {}
  for pair in pairs:
    name, sep, value = pair.partition("=")
    if not sep:
      raise ValueError(f"--option wants name=value; got {pair!r}")
    options[name] = _number_or_text(value)
  return options


def _number_or_text(value: str):
  for kind in (int, float):
    try:
      return kind(value)
    except ValueError:
      pass
  return value


def show(task: synth.Task, difficulty: int, num: int, seed: int) -> str:
  """The report printed by this command, one block per example."""
  task.check_difficulty(difficulty)
  keys = jax.random.split(jax.random.key(seed), num)
  batch = jax.jit(jax.vmap(task.sample, in_axes=(0, None)))(keys, difficulty)
  blocks = []
  for tokens, mask in zip(np.asarray(batch.tokens), np.asarray(batch.answer_mask)):
    symbols = task.vocab.decode(tokens)
    answer = [s for s, m in zip(symbols, mask) if m]
    verdict = "correct" if task.check(tokens) else "WRONG"
    blocks.append(f"difficulty {difficulty} (measured {task.difficulty_of(tokens)}), "
                  f"checker: {verdict}\n{task.render(tokens)}\n"
                  f"tokens: {' '.join(symbols)}\nanswer tokens: {' '.join(answer)}")
  return "\n\n".join(blocks)


def main():
  task = synth.get_task(FLAGS.task, **parse_options(FLAGS.option))
  print(show(task, FLAGS.difficulty, FLAGS.num, FLAGS.seed))


def _define_flags():
  flags.DEFINE_string("task", "addition", f"one of {sorted(synth.TASKS)}")
  flags.DEFINE_integer("difficulty", 3, "difficulty of every example shown")
  flags.DEFINE_integer("num", 3, "how many examples")
  flags.DEFINE_integer("seed", 0, "PRNG seed")
  flags.DEFINE_multi_string("option", [], "task option as name=value, repeatable "
                            "(e.g. --option=layout=fixed --option=max_difficulty=8; "
                            "each task's options: its class docstring in synth/)")


def run():
  """The `difficulty-show` console command."""
  cli.run(main, _define_flags, refused=(ValueError,))


if __name__ == "__main__":
  run()
