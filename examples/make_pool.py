"""Writes the advisor's worked example (README, "Choosing the difficulty of your own
fine-tuning data"): a pool of addition problems as JSON lines, with their digit count as the
difficulty field, and a pilot of small fine-tunes exported from `cpu_default`'s committed
results (runs with n <= 96).

  python examples/make_pool.py   # writes examples/pool.jsonl and examples/pilot.csv
"""

import json
import os

import jax

import synth
from experiments.analysis import advise
from experiments.results import files

HERE = os.path.dirname(os.path.abspath(__file__))
PER_DIGIT_COUNT = 500  # problems of each digit count (1 digit holds only 50 that may be drawn)


def main():
  task = synth.get_task("addition", max_difficulty=6, layout="variable", digit_order="plain")
  lines = []
  for digits in range(1, 7):
    count = min(PER_DIGIT_COUNT, synth.drawable(task, [digits]))
    examples = synth.make_dataset(jax.random.key(digits), task, (digits, digits), count)
    for tokens in jax.device_get(examples.tokens):
      problem, answer = task.render(tokens).split(" = ")
      lines.append(json.dumps(dict(prompt=f"{problem} =", completion=f" {answer}",
                                   digits=digits)))
  with open(os.path.join(HERE, "pool.jsonl"), "w") as handle:
    handle.write("".join(line + "\n" for line in lines))
  runs = files.read_csv(os.path.join(HERE, "..", "results", "cpu_default", "runs.csv"))
  advise.write_pilot(os.path.join(HERE, "pilot.csv"), advise.pilot_rows(runs, max_budget=96))
  print(f"wrote {len(lines)} problems to examples/pool.jsonl and examples/pilot.csv")


if __name__ == "__main__":
  main()
