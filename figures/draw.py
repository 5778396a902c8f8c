"""The mechanism figures of a study, drawn from its runs.csv and slices.csv only.

A figure whose runs the study did not include (a second base, DFT runs) is not drawn; the
list of drawn files says which exist.
"""

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)
import numpy as np  # noqa: E402

from experiments import results  # noqa: E402


def _grid(rows, value):
  """(budgets, bands, matrix[n, band]) of the seed mean of `value`."""
  mean = results.mean_over_seeds(rows, value)
  budgets = sorted({n for n, _ in mean})
  bands = sorted({b for _, b in mean})
  matrix = np.array([[mean.get((n, b), np.nan) for b in bands] for n in budgets])
  return budgets, bands, matrix


def _base_band(runs, base):
  row = results.select(runs, base=base, n=0)
  return results.band(row[0]) if row else None


def heatmap(runs, base, loss, path):
  """Figure 1: aggregate test accuracy over (n, band), d*(n) boxed, base range shaded."""
  rows = results.select(runs, base=base, loss=loss)
  budgets, bands, error = _grid(rows, "R_test")
  fig, ax = plt.subplots(figsize=(1.2 * len(bands) + 2.5, 0.6 * len(budgets) + 2))
  image = ax.imshow(1 - error, cmap="viridis", vmin=0, vmax=1, aspect="auto", origin="lower")
  for i, n in enumerate(budgets):
    for j in range(len(bands)):
      ax.text(j, i, f"{1 - error[i, j]:.2f}", ha="center", va="center", fontsize=8,
              color="white" if 1 - error[i, j] < 0.6 else "black")
  optimal = results.optimal_bands(rows)
  for i, n in enumerate(budgets):
    j = bands.index(optimal[n][0])
    ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2.5))
  base_band = _base_band(runs, base)
  inside = [j for j, b in enumerate(bands) if base_band and base_band[0] <= b[0] and
            b[1] <= base_band[1]]
  if inside:
    ax.add_patch(plt.Rectangle((min(inside) - 0.5, -0.5), len(inside), len(budgets), fill=False,
                               edgecolor="white", lw=1.5, ls="--"))
  ax.set_xticks(range(len(bands)), [results.band_text(b) for b in bands])
  ax.set_yticks(range(len(budgets)), budgets)
  ax.set_xlabel("training difficulty band")
  ax.set_ylabel("budget n")
  ax.set_title(f"test accuracy, base '{base}', {loss} (red: d*(n); dashed: base's range)")
  fig.colorbar(image, ax=ax, label="aggregate test accuracy")
  return _save(fig, path)


def optimum_and_gaps(runs, base, loss, path):
  """Figure 2: d*(n) with each seed's best; G_gen and G_ext against band for each n."""
  rows = results.select(runs, base=base, loss=loss)
  optimal = results.optimal_bands(rows)
  fig, axes = plt.subplots(1, 3, figsize=(14, 4))
  budgets = list(optimal)
  axes[0].plot(budgets, [optimal[n][0][1] for n in budgets], "o-", label="d* (seed mean)")
  for n in budgets:
    seeds = [b[1] for b in optimal[n][1]]
    axes[0].scatter([n] * len(seeds), seeds, color="gray", alpha=0.6, s=18,
                    label="each seed's best" if n == budgets[0] else None)
  axes[0].set(xscale="log", xlabel="budget n", ylabel="optimal band (upper difficulty)",
              title="d*(n)")
  axes[0].legend()
  for ax, gap in zip(axes[1:], ("G_gen", "G_ext")):
    budgets_, bands, matrix = _grid(rows, gap)
    for i, n in enumerate(budgets_):
      ax.plot(range(len(bands)), matrix[i], "o-", label=f"n={n}")
    ax.set_xticks(range(len(bands)), [results.band_text(b) for b in bands])
    ax.set(xlabel="training difficulty band", ylabel=gap, title=f"{gap} against band")
    ax.axhline(0, color="black", lw=0.5)
    ax.legend(fontsize=8)
  fig.suptitle(f"base '{base}', {loss}")
  return _save(fig, path)


def change_over_base(runs, slices, base, loss, path):
  """Figure 3: accuracy change over the base per test difficulty, easy/medium/hard bands,
  at the smallest and the largest n (mean over seeds)."""
  rows = results.select(slices, base=base, loss=loss)
  base_rows = results.select(slices, base=base, n=0)
  base_accuracy = {r["test_difficulty"]: 1 - r["error"] for r in base_rows}
  budgets = sorted({r["n"] for r in rows})
  bands = sorted({results.band(r) for r in rows})
  chosen = sorted({bands[0], bands[len(bands) // 2], bands[-1]})
  fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
  for ax, n in zip(axes, (budgets[0], budgets[-1])):
    for b, label in zip(chosen, ("easy", "medium", "hard")[-len(chosen):] if len(chosen) < 3
                        else ("easy", "medium", "hard")):
      picked = [r for r in rows if r["n"] == n and results.band(r) == b]
      difficulties = sorted({r["test_difficulty"] for r in picked})
      change = [np.mean([1 - r["error"] for r in picked if r["test_difficulty"] == d])
                - base_accuracy.get(d, np.nan) for d in difficulties]
      ax.plot(difficulties, change, "o-", label=f"{label}: band {results.band_text(b)}")
    ax.axhline(0, color="black", lw=0.5)
    ax.set(xlabel="test difficulty", title=f"n = {n}")
    ax.legend(fontsize=8)
  axes[0].set_ylabel("accuracy change over the base")
  fig.suptitle(f"base '{base}', {loss}: below 0 = skills lost (generalization failure); "
               "unsolved hard slices = extrapolation failure", fontsize=9)
  return _save(fig, path)


def bases_compared(runs, loss, path):
  """Figure 4: d*(n) of each base model."""
  fig, ax = plt.subplots(figsize=(6, 4))
  for base in sorted({b for b, l in results.studies(runs) if l == loss}):
    optimal = results.optimal_bands(results.select(runs, base=base, loss=loss))
    band = _base_band(runs, base)
    ax.plot(list(optimal), [optimal[n][0][1] for n in optimal], "o-",
            label=f"{base} (pre-trained on {results.band_text(band)})")
  ax.set(xscale="log", xlabel="budget n", ylabel="optimal band (upper difficulty)",
         title=f"d*(n) by base model, {loss}")
  ax.legend()
  return _save(fig, path)


def sft_vs_dft(runs, base, path):
  """Figure 5: test accuracy of DFT minus SFT over (n, band)."""
  budgets, bands, sft = _grid(results.select(runs, base=base, loss="sft"), "R_test")
  _, _, dft = _grid(results.select(runs, base=base, loss="dft"), "R_test")
  difference = sft - dft  # = accuracy(DFT) - accuracy(SFT)
  limit = max(np.nanmax(np.abs(difference)), 1e-3)
  fig, ax = plt.subplots(figsize=(1.2 * len(bands) + 2.5, 0.6 * len(budgets) + 2))
  image = ax.imshow(difference, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto",
                    origin="lower")
  for i in range(len(budgets)):
    for j in range(len(bands)):
      ax.text(j, i, f"{difference[i, j]:+.2f}", ha="center", va="center", fontsize=8)
  ax.set_xticks(range(len(bands)), [results.band_text(b) for b in bands])
  ax.set_yticks(range(len(budgets)), budgets)
  ax.set(xlabel="training difficulty band", ylabel="budget n",
         title=f"base '{base}': accuracy(DFT) - accuracy(SFT) (blue: DFT better)")
  fig.colorbar(image, ax=ax)
  return _save(fig, path)


def _save(fig, path):
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)
  return path


def draw_all(workdir: str, out_dir: str | None = None) -> list[str]:
  """Draws every figure the results support; returns the paths written."""
  runs = results.read_csv(os.path.join(workdir, "runs.csv"))
  slices = results.read_csv(os.path.join(workdir, "slices.csv"))
  out_dir = out_dir or os.path.join(workdir, "figures")
  os.makedirs(out_dir, exist_ok=True)
  pairs = results.studies(runs)
  bases = sorted({b for b, _ in pairs})
  losses = sorted({l for _, l in pairs})
  main_loss = "sft" if "sft" in losses else losses[0]
  drawn = []
  for base in bases:
    suffix = f"_{base}" if len(bases) > 1 else ""
    drawn.append(heatmap(runs, base, main_loss, os.path.join(out_dir, f"1_heatmap{suffix}.png")))
    drawn.append(optimum_and_gaps(runs, base, main_loss,
                                  os.path.join(out_dir, f"2_optimum_and_gaps{suffix}.png")))
    drawn.append(change_over_base(runs, slices, base, main_loss,
                                  os.path.join(out_dir, f"3_change_over_base{suffix}.png")))
    if {"sft", "dft"} <= set(losses):
      drawn.append(sft_vs_dft(runs, base, os.path.join(out_dir, f"5_sft_vs_dft{suffix}.png")))
  if len(bases) > 1:
    drawn.append(bases_compared(runs, main_loss, os.path.join(out_dir, "4_bases.png")))
  return drawn
