"""Where the time of one fine-tuning step of a study's grid goes, by kind of work.

  python benchmarks/profile_step.py [--config=experiments/configs/cpu_default.py]
      [--steps=20] [--engine=now|as_it_was]

Traces --steps steps of the config's first fine-tuning group with the JAX profiler, maps
every executed XLA operation to the model code it came from (its op_name metadata), and
prints the share of the step's time per kind: dense-layer matmuls, attention, layer norms,
the batch gather, the optimiser, the loss. `as_it_was` profiles the engine of commit
908d272 (one vmap over every run, the last block computed at every position). On an
accelerator it also prints how busy the device was over the traced steps, the kernels
launched per step and the kernels that took longest: what holds a grid step back.
"""

import collections
import glob
import gzip
import json
import re
import shutil
import tempfile

from absl import app, flags
import jax
import numpy as np
from ml_collections import config_flags

from experiments.engine import sharding, train as engine
from experiments.study import finetune, setup as study_setup

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/cpu_default.py", "study config")
flags.DEFINE_integer("steps", 20, "fine-tuning steps traced")
flags.DEFINE_enum("engine", "now", ["now", "as_it_was"], "which engine to profile")
flags.DEFINE_string("trace_out", "", "if set, the Perfetto trace (.json.gz) is copied here")

# (kind, pattern on an operation's op_name path); the first match wins.
KINDS = [
    ("batch gather (random rows of S)", r"_randint|threefry|closed_call/gather"),
    ("dense-layer matmuls and their bias/activation", r"attention/(qkv|out)/|Dense_\d/"),
    ("attention: scores, mask, softmax, weighted sum", r"attention/"),
    ("layer norms", r"(?i)norm"),
    ("embedding and tied output head", r"embed"),
    ("other transformer work (residual adds, transposes)", r"Transformer"),
    ("loss and batch exact match", r"jvp\(|transpose\("),
    ("optimiser (clip, AdamW, apply)", r"."),
]


def operation_paths(hlo_text: str) -> dict:
  """{operation name: op_name paths of it and of what it calls} from compiled HLO text."""
  paths, calls, body, current = {}, {}, collections.defaultdict(list), None
  for line in hlo_text.splitlines():
    header = re.match(r"^(?:ENTRY )?%?([\w.\-]+) .*\{$", line)
    if header:
      current = header.group(1)
      continue
    op = re.match(r"^\s+(?:ROOT )?%?([\w.\-]+) = ", line)
    if op and current:
      name = op.group(1)
      meta = re.search(r'op_name="([^"]*)"', line)
      callee = re.search(r"calls=%?([\w.\-]+)", line)
      paths[name] = [meta.group(1)] if meta else []
      calls[name] = callee.group(1) if callee else None
      body[current].append(name)

  def expand(name, depth=0):
    found = list(paths.get(name, []))
    if calls.get(name) and depth < 3:
      for inner in body[calls[name]]:
        found += expand(inner, depth + 1)
    return found

  return {name: expand(name) for name in paths}


def kind_of(op_paths) -> str:
  text = " ".join(op_paths)
  if "while/body" not in text:
    return "outside the step loop"
  for kind, pattern in KINDS:
    if re.search(pattern, text):
      return kind
  return "unattributed"


def device_summary(events: list, steps: int, top: int = 12) -> list:
  """Lines on the accelerator's streams: busy share, kernels per step, longest kernels.

  Empty on a CPU, whose trace has no device process.
  """
  devices = {e["pid"] for e in events if e.get("ph") == "M" and e.get("name") == "process_name"
             and "/device:" in e.get("args", {}).get("name", "")}
  kernels = [e for e in events if e.get("ph") == "X" and e.get("pid") in devices]
  if not kernels:
    return []
  spans = sorted((e["ts"], e["ts"] + e.get("dur", 0)) for e in kernels)
  busy, end = 0.0, spans[0][0]
  for start, stop in spans:  # the union of the kernels' intervals
    busy += max(0.0, stop - max(start, end))
    end = max(end, stop)
  wall = end - spans[0][0]
  by_name = collections.defaultdict(lambda: [0.0, 0])
  for e in kernels:
    by_name[e["name"]][0] += e.get("dur", 0)
    by_name[e["name"]][1] += 1
  lines = [f"device: busy {busy / wall:.1%} of {wall / steps / 1e3:.2f} ms per step; "
           f"{len(kernels) / steps:.0f} kernels per step, median "
           f"{np.median([e.get('dur', 0) for e in kernels]):.1f} us"]
  for name, (micros, count) in sorted(by_name.items(), key=lambda item: -item[1][0])[:top]:
    lines.append(f"{micros / busy:7.1%} {micros / steps / 1e3:8.3f} ms/step "
                 f"{count / steps:6.1f}/step  {name[:90]}")
  return lines


def main(argv):
  del argv
  config = FLAGS.config
  config.finetune.update(max_steps=FLAGS.steps,
                         check_every=min(FLAGS.steps, config.finetune.check_every))
  setup = study_setup.build(config)
  base = engine.init_params(setup.model, jax.random.key(0), setup.train_task.sequence_width())
  count = len(config.bases.names) * len(config.bases.seeds)
  group = finetune.prepare_groups(setup, min(config.sweep.budgets),
                                  jax.tree.map(lambda x: np.stack([x] * count), base))[0]
  if FLAGS.engine == "now":
    trainer = finetune.make_trainer(setup, finetune.bands_by_width(setup)[group.width])
    train = sharding.over_runs(trainer.train, setup.vmap_width)
  else:
    train = jax.vmap(engine.make_trainer(
        setup.model, engine.TrainConfig(batch_size=config.finetune.batch_size,
                                        max_steps=FLAGS.steps), engine.dataset_batches).train)
  compiled = jax.jit(train).lower(group.params, group.runs).compile()
  jax.block_until_ready(compiled(group.params, group.runs))
  with tempfile.TemporaryDirectory() as trace_dir:
    jax.profiler.start_trace(trace_dir, create_perfetto_trace=True)
    jax.block_until_ready(compiled(group.params, group.runs))
    jax.profiler.stop_trace()
    trace = sorted(glob.glob(f"{trace_dir}/**/*.trace.json.gz", recursive=True))[-1]
    if FLAGS.trace_out:
      shutil.copyfile(trace, FLAGS.trace_out)
    with gzip.open(trace) as handle:
      events = json.load(handle)["traceEvents"]
  paths = operation_paths(compiled.as_text())
  seconds = collections.Counter()
  for event in events:
    operation = event.get("args", {}).get("hlo_op", event.get("name"))  # a GPU kernel's op
    if event.get("ph") == "X" and operation in paths:
      seconds[kind_of(paths[operation])] += event.get("dur", 0) / 1e6
  total = sum(seconds.values())
  print(f"engine {FLAGS.engine}: {len(group.identities)} runs x {FLAGS.steps} steps, batch "
        f"{config.finetune.batch_size}; {total / FLAGS.steps * 1e3:.1f} ms of operations per "
        "step")
  for kind, value in seconds.most_common():
    print(f"{value / total:7.1%} {value / FLAGS.steps * 1e3:8.2f} ms/step  {kind}")
  for line in device_summary(events, FLAGS.steps):
    print(line)


if __name__ == "__main__":
  app.run(main)
