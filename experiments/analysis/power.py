"""How much a study's claim verdicts can be trusted, from its own runs (docs/claims.md).

  python -m experiments.power --workdir=DIR --base_seeds=3,6,12 --data_seeds=1,3,6
  python -m experiments.power --workdir=DIR --permute=band
  python -m experiments.power --compare=DIR1,DIR2,...   # one study run several ways

Power: studies of other sizes are drawn from the study's replicates (base seeds and data
seeds each drawn with replacement, a seed drawn twice counted as two) and judged; the table
gives each claim's support over the draws, mean and standard deviation, and the share of
draws judged HOLDS. Comparison: the verdicts of several workdirs of one config (reruns on
other machines or under other float settings) side by side. Controls: the `band` (or `n`)
labels of the fine-tuned runs are permuted within each replicate and budget (band) at
random, which leaves no effect of training difficulty (of the budget) for a claim to find;
the table counts the verdicts over the permutations. A statistic that says HOLDS there is
not testing its claim.
"""

import collections

import numpy as np

from experiments.analysis import claims
from experiments.results import grid, schema

PERMUTED = {"band": ("band_lo", "band_hi"), "n": ("n",)}


def _relabel(rows, base_draw, data_draw) -> list[dict]:
  """Rows of the drawn seeds, base seed i of the new study being base_draw[i] (its base
  rows included) and data seed j being data_draw[j]."""
  out = []
  for new_base, old_base in enumerate(base_draw):
    for r in rows:
      if r["base_seed"] != old_base:
        continue
      if r["n"] == 0:
        out.append(dict(r, base_seed=new_base, seed=new_base))
        continue
      out.extend(dict(r, base_seed=new_base, seed=new_data)
                 for new_data, old_data in enumerate(data_draw) if r["seed"] == old_data)
  return out


def resample_study(runs, slices, num_base_seeds: int, num_data_seeds: int, rng):
  """(runs, slices) of a study with num_base_seeds x num_data_seeds replicates drawn with
  replacement from the study's own."""
  base_seeds = sorted({r["base_seed"] for r in runs if r["n"] > 0})
  data_seeds = sorted({r["seed"] for r in runs if r["n"] > 0})
  base_draw = rng.choice(base_seeds, num_base_seeds)
  data_draw = rng.choice(data_seeds, num_data_seeds)
  return _relabel(runs, base_draw, data_draw), _relabel(slices, base_draw, data_draw)


def permute(runs, slices, label: str, rng):
  """(runs, slices) with the `label` ("band" or "n") of the fine-tuned runs shuffled among
  the runs that share every other run column; each slice row follows its run."""
  fields = PERMUTED[label]
  groups = collections.defaultdict(list)
  for i, r in enumerate(runs):
    if r["n"] > 0:
      key = tuple(r[k] for k in schema.RUN_KEY if k not in fields)
      groups[key].append(i)
  new_runs = [dict(r) for r in runs]
  renamed = {}
  for members in groups.values():
    for i, j in zip(members, rng.permutation(members)):
      new_runs[i].update({f: runs[j][f] for f in fields})
      renamed[grid.run_key(runs[i])] = {f: runs[j][f] for f in fields}
  new_slices = [dict(s, **renamed.get(grid.run_key(s), {})) for s in slices]
  return new_runs, new_slices


def _judged_by_statistic(judgements: list[dict]):
  """For each (claim, base) and statistic (trend, strict) of several judgements: (claim,
  base, statistic, supports [judgements], verdicts)."""
  for key in judgements[0]:
    for statistic, at in (("trend", 0), ("strict", 2)):
      yield (*key, statistic, np.array([j[key][at] for j in judgements]),
             [j[key][at + 1] for j in judgements])


def _supports(runs, slices, settings) -> dict:
  """{(claim, base): (support, verdict, strict support, strict verdict)} of one judgement."""
  return {(v["claim"], v["base"]): (v["support"], v["verdict"], v["strict"]["support"],
                                    v["strict"]["verdict"])
          for v in claims.judge(runs, slices, settings) if v["support"] is not None}


def power_table(runs, slices, sizes, draws: int, settings: dict, seed: int = 0) -> list[dict]:
  """Rows (claim, base, base_seeds, data_seeds, statistic, support mean and sd, share judged
  HOLDS) over `draws` studies of each (base seeds, data seeds) size in `sizes`."""
  rng = np.random.default_rng(seed)
  rows = []
  for num_base, num_data in sizes:
    judged = [_supports(*resample_study(runs, slices, num_base, num_data, rng), settings)
              for _ in range(draws)]
    rows += [dict(claim=claim, base=base, base_seeds=num_base, data_seeds=num_data,
                  statistic=statistic, support_mean=float(support.mean()),
                  support_sd=float(support.std()),
                  holds_share=float(np.mean([v == "HOLDS" for v in verdicts])))
             for claim, base, statistic, support, verdicts in _judged_by_statistic(judged)]
  return rows


def control_table(runs, slices, label: str, draws: int, settings: dict,
                  seed: int = 0) -> list[dict]:
  """Rows (claim, base, statistic, verdict counts, support mean and largest) over `draws`
  permutations of `label`."""
  rng = np.random.default_rng(seed)
  judged = [_supports(*permute(runs, slices, label, rng), settings) for _ in range(draws)]
  rows = []
  for claim, base, statistic, support, verdicts in _judged_by_statistic(judged):
    counts = collections.Counter(verdicts)
    rows.append(dict(claim=claim, base=base, statistic=statistic, holds=counts["HOLDS"],
                     inconclusive=counts["INCONCLUSIVE"], fails=counts["FAILS"],
                     support_mean=float(support.mean()), support_max=float(support.max())))
  return rows


def compare_table(workdirs: list[str]) -> list[dict]:
  """Rows (claim, base, then per workdir its trend verdict and support, strict after a
  slash) of studies judged with their own configs' settings."""
  judged = {}
  for workdir in workdirs:
    runs, slices, settings = claims.read_study(workdir)
    judged[workdir] = {(v["claim"], v["base"]): v for v in claims.judge(runs, slices, settings)}
  keys = list(dict.fromkeys(key for table in judged.values() for key in table))
  text = lambda v: "-" if v["support"] is None else f"{v['verdict']} {v['support']:.2f}"
  return [dict(claim=claim, base=base, **{
      workdir: (f"{text(judged[workdir][claim, base])} / "
                f"{text(judged[workdir][claim, base]['strict'])}"
                if (claim, base) in judged[workdir] else "absent") for workdir in workdirs})
          for claim, base in keys]


def format_rows(rows: list[dict]) -> str:
  """Rows as an aligned plain-text table, numbers to two decimals."""
  if not rows:
    return "(no claim was tested)"
  columns = list(rows[0])
  cells = [[f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c]) for c in columns]
           for r in rows]
  widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
  return "\n".join(" ".join(text.ljust(w) for text, w in zip(line, widths))
                   for line in [columns] + cells)
