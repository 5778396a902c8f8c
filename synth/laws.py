"""Exact distances between the laws of examples two tasks draw under two difficulty
mixtures: what the PAC-Bayes bound's TV(D_test, D_train) term needs (docs/theory.md)."""

from typing import Mapping

from synth.task import Task


def uniform_weights(difficulties) -> dict[int, float]:
  """Equal weight on each difficulty: a band's, or a test set's, mixture."""
  difficulties = sorted(set(difficulties))
  return {d: 1 / len(difficulties) for d in difficulties}


def total_variation(task_p: Task, weights_p: Mapping[int, float], task_q: Task,
                    weights_q: Mapping[int, float]) -> float:
  """TV between the laws of the token sequences of `task_p` drawn with difficulty weights
  `weights_p` and of `task_q` with `weights_q`: half the summed absolute difference of
  their class probabilities (`Task.law_classes`), exact where both tasks are of one
  family (`Task.law_family`); other pairs have no closed form here and are refused."""
  if task_p.law_family() != task_q.law_family():
    raise ValueError(f"no closed form for the total variation between {task_p} and {task_q}: "
                     "they write or draw examples differently beyond what law_classes covers")
  for task, weights in ((task_p, weights_p), (task_q, weights_q)):
    for d in weights:
      task.check_difficulty(d)
    if abs(sum(weights.values()) - 1) > 1e-9 or min(weights.values()) < 0:
      raise ValueError(f"difficulty weights {dict(weights)} are not a probability distribution")
  p, q = task_p.law_classes(weights_p), task_q.law_classes(weights_q)
  return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in set(p) | set(q))
