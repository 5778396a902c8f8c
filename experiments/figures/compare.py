"""Figures across studies (`python -m experiments.compare`): the claims' verdicts per study,
and the optimum's difficulty measured against the base, drawn from the comparison's rows."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)
import numpy as np  # noqa: E402

from experiments.figures.draw import save  # noqa: E402

VERDICT_COLOURS = {"HOLDS": "#4caf50", "INCONCLUSIVE": "#ffc107", "FAILS": "#e53935",
                   "NOT TESTED": "#bdbdbd"}


def claims_by_study(rows, claims, path):
  """Each (study, base) x claim cell coloured by its verdict, its support written in it."""
  fig, ax = plt.subplots(figsize=(1.1 * len(claims) + 3.5, 0.45 * len(rows) + 1.5))
  for i, row in enumerate(rows):
    for j, claim in enumerate(claims):
      verdict, support = row.get(claim, ("NOT TESTED", None))
      ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, color=VERDICT_COLOURS[verdict]))
      ax.text(j, i, "-" if support is None else f"{support:.2f}", ha="center", va="center",
              fontsize=8)
  ax.set_xlim(-0.5, len(claims) - 0.5)
  ax.set_ylim(len(rows) - 0.5, -0.5)
  ax.set_xticks(range(len(claims)), claims)
  ax.set_yticks(range(len(rows)), [f"{r['study']}, {r['base']}" for r in rows], fontsize=8)
  handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in VERDICT_COLOURS.values()]
  ax.legend(handles, list(VERDICT_COLOURS), fontsize=7, loc="upper left",
            bbox_to_anchor=(1.01, 1))
  ax.set_title("claims by study (colour: verdict; number: support)")
  return save(fig, path)


def relative_optimum(rows, path):
  """The optimum's difficulty against the base, per n: how hard its S was for the base
  (exact match, and loss per answer token), mean ± sd over replicates for the band best on
  the mean; dots behind: each replicate's own best band."""
  fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
  rng = np.random.default_rng(0)
  series = sorted({(r["study"], r["base"], r["loss"]) for r in rows})
  for study, base, loss in series:
    mine = [r for r in rows if (r["study"], r["base"], r["loss"]) == (study, base, loss)]
    budgets = sorted({r["n"] for r in mine})
    label = f"{study}, {base}" + (f", {loss}" if loss != "sft" else "")
    for ax, value in zip(axes, ("base_exact_S", "base_loss_S")):
      at = [np.array([r[value] for r in mine if r["n"] == n]) for n in budgets]
      line = ax.errorbar(budgets, [a.mean() for a in at], yerr=[a.std() for a in at], fmt="o-",
                         capsize=3, label=label, lw=1.5, ms=4)
      own = [(r["n"], r["own_" + value]) for r in mine]
      ax.scatter([n * np.exp(rng.uniform(-0.08, 0.08)) for n, _ in own], [v for _, v in own],
                 s=8, alpha=0.2, color=line[0].get_color())
  budgets = sorted({r["n"] for r in rows})
  for ax, label in zip(axes, ("the base's exact match on S", "the base's loss per answer "
                              "token on S")):
    ax.set(xscale="log", xlabel="budget n", ylabel=label)
    ax.set_xticks(budgets, [str(n) for n in budgets])
    ax.minorticks_off()
  axes[0].set_title("how hard the best training set is for the base (higher: easier)")
  axes[1].set_title("the same, as the base's loss (higher: harder)")
  axes[1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
  return save(fig, path)
