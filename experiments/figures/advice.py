"""The advisor's picture (`python -m experiments.advise --plot=FILE`): each window's
fitted learning curve against the budget, the pilot runs it was fitted to, the chosen
window at the asked budget with its 90 % interval, and (dashed) the budget from which each
other window is predicted to overtake the pilot's best."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)
import numpy as np  # noqa: E402

from experiments.analysis import advise  # noqa: E402
from experiments.figures.draw import save  # noqa: E402


def advice_plot(runs: list, advice: advise.Advice, budget: int, path: str,
                field: str = "difficulty", next_cell: advise.PilotCell | None = None) -> str:
  """runs: the pilot's PilotRuns; advice: advise.advise(runs, budget, ...); field: what
  the windows are ranges of; next_cell: the run --next_pilot names, drawn where it would
  be made (on its window's curve, an open square)."""
  curves = advice.curves
  pilot_budgets = sorted({r.n for r in runs})
  budgets = np.geomspace(pilot_budgets[0], max(budget, pilot_budgets[-1]), 200)
  predicted = np.array([curves.accuracy(n) for n in budgets])  # [budgets, windows]
  fig, ax = plt.subplots(figsize=(7, 4.2))
  colours = plt.cm.viridis(np.linspace(0, 0.9, len(curves.windows)))
  for w, (window, colour) in enumerate(zip(curves.windows, colours)):
    mine = [r for r in runs if r.window == window]
    shift = np.exp(0.04 * (w - (len(curves.windows) - 1) / 2))  # windows side by side
    ax.scatter([r.n * shift for r in mine], [r.accuracy for r in mine], color=colour, s=8,
               alpha=0.35)
    means = [(n, np.mean([r.accuracy for r in mine if r.n == n]))
             for n in sorted({r.n for r in mine})]
    ax.scatter([n * shift for n, _ in means], [a for _, a in means], color=colour, s=40,
               edgecolor="black", linewidth=0.6, zorder=3)
    chosen = window == advice.window
    ax.plot(budgets, predicted[:, w], color=colour, lw=2.2 if chosen else 1.2,
            label=f"{advise.window_text(window)}{' (chosen)' if chosen else ''}"
                  f"{' (tied)' if window in advice.tied else ''}")
  for switch in advice.switches:  # where each other window is predicted to overtake
    colour = colours[curves.windows.index(switch.window)]
    if budgets[0] <= switch.budget <= budgets[-1]:
      ax.axvline(switch.budget, color=colour, ls="--", lw=0.9)
      ax.text(switch.budget, 0.01, f" overtakes {advise.window_text(switch.over)}",
              color=colour, fontsize=6, rotation=90, va="bottom")
  if next_cell is not None:
    w = curves.windows.index(next_cell.window)
    at = curves.accuracy(next_cell.n)[w]
    ax.scatter([next_cell.n], [at], marker="s", s=70, facecolor="none",
               edgecolor=colours[w], linewidth=1.6, zorder=4,
               label=f"next pilot run: {advise.window_text(next_cell.window)} at n = {next_cell.n}")
  low, high = advice.interval
  ax.errorbar([budget], [advice.accuracy], yerr=[[advice.accuracy - low], [high - advice.accuracy]],
              fmt="*", color="black", markersize=12, capsize=4, label="advice, 90% interval")
  ax.axvline(pilot_budgets[-1], color="gray", ls=":", lw=0.8)
  ax.set(xscale="log", ylim=(-0.02, 1.02), xlabel="budget n (examples)",
         ylabel="accuracy (dots: pilot runs, ringed: their mean; lines: fitted)",
         title=f"budget {budget}: train on {field} {advise.window_text(advice.window)}"
               " (dotted: the pilot's largest budget)")
  ticks = sorted(set(pilot_budgets) | {budget} | ({next_cell.n} if next_cell else set()))
  ax.set_xticks(ticks, [str(n) for n in ticks])
  ax.minorticks_off()
  ax.title.set_fontsize(9)
  ax.yaxis.label.set_fontsize(8)
  ax.legend(title=f"{field} window", fontsize=7, title_fontsize=7)
  return save(fig, path)
