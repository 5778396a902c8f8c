"""The mechanism figures of a study, drawn from its results files only (runs.csv,
slices.csv, curves.csv; bounds.csv and prediction.csv where the study has them). Every
statistic is a mean over replicates (base seed x data seed) and shows their spread. A
figure whose runs the study did not include (a second base, DFT runs) is not drawn; the
list of drawn files says which exist.
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)
import numpy as np  # noqa: E402

from experiments.results import files, grid  # noqa: E402


def _grid(rows, value):
  """(budgets, bands, mean[n, band], std[n, band]) of `value` over replicates."""
  stats = grid.mean_over_replicates(rows, value, spread=True)
  budgets = sorted({n for n, _ in stats})
  bands = sorted({b for _, b in stats})
  mean = np.array([[stats.get((n, b), (np.nan, np.nan))[0] for b in bands] for n in budgets])
  std = np.array([[stats.get((n, b), (np.nan, np.nan))[1] for b in bands] for n in budgets])
  return budgets, bands, mean, std


def _base_band(runs, base):
  row = grid.select(runs, base=base, n=0)
  return grid.band(row[0]) if row else None


def _budget_ticks(ax, budgets):
  """A log-scale budget axis labelled at the budgets themselves."""
  ax.set_xticks(budgets, [str(n) for n in budgets])
  ax.minorticks_off()


def _band_axis(ax, bands, label="training difficulty band"):
  ax.set_xticks(range(len(bands)), [grid.band_text(b) for b in bands])
  ax.set_xlabel(label)


def heatmap(runs, base, loss, path):
  """Figure 1: test accuracy over (n, band), mean and spread over replicates; d*(n) boxed,
  the base's range dashed, cells with runs that did not fit S starred."""
  rows = grid.select(runs, base=base, loss=loss)
  budgets, bands, error, spread = _grid(rows, "R_test")
  unfitted = {}
  for r in rows:
    if r["n"] > 0 and not r["diverged"] and not r["fitted"]:
      unfitted[(r["n"], grid.band(r))] = unfitted.get((r["n"], grid.band(r)), 0) + 1
  fig, ax = plt.subplots(figsize=(1.5 * len(bands) + 2.5, 0.7 * len(budgets) + 2))
  image = ax.imshow(1 - error, cmap="viridis", vmin=0, vmax=1, aspect="auto", origin="lower")
  for i, n in enumerate(budgets):
    for j, b in enumerate(bands):
      star = f"*{unfitted[(n, b)]}" if (n, b) in unfitted else ""
      ax.text(j, i, f"{1 - error[i, j]:.2f}±{spread[i, j]:.2f}{star}", ha="center",
              va="center", fontsize=7, color="white" if 1 - error[i, j] < 0.6 else "black")
  optimal = grid.optimal_bands(rows)
  for i, n in enumerate(budgets):
    j = bands.index(optimal[n][0])
    ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2.5))
  base_band = _base_band(runs, base)
  inside = [j for j, b in enumerate(bands) if base_band and base_band[0] <= b[0] and
            b[1] <= base_band[1]]
  if inside:
    ax.add_patch(plt.Rectangle((min(inside) - 0.5, -0.5), len(inside), len(budgets), fill=False,
                               edgecolor="white", lw=1.5, ls="--"))
  _band_axis(ax, bands)
  ax.set_yticks(range(len(budgets)), budgets)
  ax.set_ylabel("budget n")
  replicates = len({grid.replicate(r) for r in rows if r["n"] > 0})
  ax.set_title(f"test accuracy, base '{base}', {loss}: mean ± sd over {replicates} replicates\n"
               "(red: d*(n); dashed: base's range; *k: k runs did not fit S)", fontsize=9)
  fig.colorbar(image, ax=ax, label="aggregate test accuracy")
  return save(fig, path)


def optimum_and_gaps(runs, base, loss, path):
  """Figure 2: d*(n) with each replicate's best band; G_gen and G_ext against band for each
  n, mean ± sd over replicates."""
  rows = grid.select(runs, base=base, loss=loss)
  optimal = grid.optimal_bands(rows)
  budgets, bands, _, _ = _grid(rows, "R_test")
  fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
  position = {b: j for j, b in enumerate(bands)}
  axes[0].plot(budgets, [position[optimal[n][0]] for n in budgets], "o-", color="C3", lw=2,
               label="d* (mean over replicates)", zorder=3)
  rng = np.random.default_rng(0)  # jitter only, so overlapping replicates stay visible
  for n in budgets:
    picks = [position[b] for b in optimal[n][1]]
    axes[0].scatter(n * np.exp(rng.uniform(-0.08, 0.08, len(picks))),
                    np.array(picks) + rng.uniform(-0.12, 0.12, len(picks)), color="gray",
                    alpha=0.6, s=16, label="each replicate's best" if n == budgets[0] else None)
  axes[0].set_yticks(range(len(bands)), [grid.band_text(b) for b in bands])
  axes[0].set(xscale="log", xlabel="budget n", ylabel="optimal training band", title="d*(n)")
  _budget_ticks(axes[0], budgets)
  axes[0].legend(fontsize=8)
  for ax, gap in zip(axes[1:], ("G_gen", "G_ext")):
    _lines_by_budget(ax, rows, gap)
    ax.set(ylabel=gap, title=f"{gap} against band (mean ± sd)")
    ax.axhline(0, color="black", lw=0.5)
  fig.suptitle(f"base '{base}', {loss}")
  return save(fig, path)


def _lines_by_budget(ax, rows, value):
  """`value` against band, one line per n: mean ± sd over replicates."""
  budgets, bands, mean, spread = _grid(rows, value)
  for i, n in enumerate(budgets):
    ax.errorbar(np.arange(len(bands)) + 0.04 * (i - len(budgets) / 2), mean[i], spread[i],
                marker="o", capsize=2, label=f"n={n}")
  _band_axis(ax, bands)
  ax.legend(fontsize=7)


def bound_terms(runs, bounds, base, loss, path):
  """Figure 7: the PAC-Bayes bound's terms against band for each n (bounds.csv): KL(Q||P),
  TV(D_test, D_train), and the bound with its part on R_train(Q) (bound - TV); above 1 it
  says nothing (vacuous). Runs that diverged are left out, as everywhere."""
  rows = [dict(r, bound_on_R_train=r["bound"] - r["TV"])
          for r in grid.with_run_flags(grid.select(bounds, base=base, loss=loss), runs)]
  fig, axes = plt.subplots(1, 4, figsize=(19, 4.2))
  for ax, value, title in zip(axes, ("KL", "TV", "bound_on_R_train", "bound"), (
      "KL(Q || P) at the chosen sigma", "TV(D_test, D_train), exact",
      "bound on R_train(Q)", "bound on R_test(Q)")):
    _lines_by_budget(ax, rows, value)
    ax.set(ylabel=value, title=title)
    if value.startswith("bound"):
      ax.axhline(1, color="black", lw=0.5, ls="--")
  axes[0].set_yscale("log")
  axes[1].set_ylim(0, 1.05)  # on its own scale a flat TV would look like a trend
  fig.suptitle(f"PAC-Bayes bound, base '{base}', {loss} (dashed: 1, above which the bound is "
               "vacuous)")
  return save(fig, path)


def change_over_base(runs, slices, base, loss, path):
  """Figure 3: accuracy change over the base per test difficulty, easy/medium/hard bands, at
  the smallest and the largest n; each run against the base it started from, mean ± sd."""
  rows = grid.select(slices, base=base, loss=loss)
  base_accuracy = {(r["base_seed"], r["test_difficulty"]): 1 - r["error"]
                   for r in grid.select(slices, base=base, n=0)}
  budgets = sorted({r["n"] for r in rows})
  bands = sorted({grid.band(r) for r in rows})
  chosen = sorted({bands[0], bands[len(bands) // 2], bands[-1]})
  labels = ("easy", "medium", "hard") if len(chosen) == 3 else ("easy", "hard")[-len(chosen):]
  fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
  for ax, n in zip(axes, (budgets[0], budgets[-1])):
    for b, label in zip(chosen, labels):
      picked = [r for r in rows if r["n"] == n and grid.band(r) == b]
      difficulties = sorted({r["test_difficulty"] for r in picked})
      changes = [[1 - r["error"] - base_accuracy[r["base_seed"], d] for r in picked
                  if r["test_difficulty"] == d] for d in difficulties]
      mean, spread = np.array([np.mean(c) for c in changes]), np.array([np.std(c) for c in changes])
      ax.plot(difficulties, mean, "o-", label=f"{label}: band {grid.band_text(b)}")
      ax.fill_between(difficulties, mean - spread, mean + spread, alpha=0.2)
    ax.axhline(0, color="black", lw=0.5)
    ax.set(xlabel="test difficulty", title=f"n = {n}")
    ax.legend(fontsize=8)
  axes[0].set_ylabel("accuracy change over the base (mean ± sd)")
  fig.suptitle(f"base '{base}', {loss}: below 0 = skills lost (generalization failure); "
               "unsolved hard slices = extrapolation failure", fontsize=9)
  return save(fig, path)


def bases_compared(runs, loss, path):
  """Figure 4: d*(n) of each base model, with each replicate's best band."""
  fig, ax = plt.subplots(figsize=(6.5, 4.2))
  compared = sorted({b for b, l in grid.studies(runs) if l == loss})
  bands = sorted({grid.band(r) for r in runs if r["n"] > 0})
  position = {b: j for j, b in enumerate(bands)}
  rng = np.random.default_rng(0)
  for k, base in enumerate(compared):
    optimal = grid.optimal_bands(grid.select(runs, base=base, loss=loss))
    offset = 0.1 * (k - (len(compared) - 1) / 2)
    line, = ax.plot(list(optimal), [position[optimal[n][0]] + offset for n in optimal], "o-",
                    label=f"{base} (pre-trained on {grid.band_text(_base_band(runs, base))})")
    for n, (_, picks) in optimal.items():
      ax.scatter(n * np.exp(rng.uniform(-0.08, 0.08, len(picks))),
                 np.array([position[b] for b in picks]) + offset
                 + rng.uniform(-0.05, 0.05, len(picks)), color=line.get_color(), alpha=0.35, s=12)
  ax.set_yticks(range(len(bands)), [grid.band_text(b) for b in bands])
  ax.set(xscale="log", xlabel="budget n", ylabel="optimal training band",
         title=f"d*(n) by base model, {loss} (dots: each replicate's best)")
  _budget_ticks(ax, sorted({r["n"] for r in runs if r["n"] > 0}))
  ax.legend(fontsize=8)
  return save(fig, path)


def sft_vs_dft(runs, base, path):
  """Figure 5: test accuracy of DFT minus SFT over (n, band), means over replicates."""
  budgets, bands, sft, _ = _grid(grid.select(runs, base=base, loss="sft"), "R_test")
  _, _, dft, _ = _grid(grid.select(runs, base=base, loss="dft"), "R_test")
  difference = sft - dft  # = accuracy(DFT) - accuracy(SFT)
  limit = max(np.nanmax(np.abs(difference)), 1e-3)
  fig, ax = plt.subplots(figsize=(1.2 * len(bands) + 2.5, 0.6 * len(budgets) + 2))
  image = ax.imshow(difference, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto",
                    origin="lower")
  for i in range(len(budgets)):
    for j in range(len(bands)):
      ax.text(j, i, f"{difference[i, j]:+.2f}", ha="center", va="center", fontsize=8)
  _band_axis(ax, bands)
  ax.set_yticks(range(len(budgets)), budgets)
  ax.set(ylabel="budget n",
         title=f"base '{base}': accuracy(DFT) - accuracy(SFT) (blue: DFT better)")
  fig.colorbar(image, ax=ax)
  return save(fig, path)


def learning_curves(runs, curves, base, loss, path):
  """Figure 6: every run's training loss against step, one panel per (n, band); a run that
  did not fit its training set is drawn in red."""
  rows = grid.select(curves, base=base, loss=loss)
  fitted = {grid.run_key(r): r["fitted"] for r in runs}
  budgets = sorted({r["n"] for r in rows if r["n"] > 0})
  bands = sorted({grid.band(r) for r in rows if r["n"] > 0})
  if not budgets:
    return None
  fig, axes = plt.subplots(len(budgets), len(bands), figsize=(2.6 * len(bands) + 1,
                                                               1.7 * len(budgets) + 1),
                           sharex=True, sharey=True, squeeze=False)
  by_run = {}
  for r in rows:
    by_run.setdefault(grid.run_key(r), []).append(r)
  for points in by_run.values():
    first = points[0]
    if first["n"] == 0:
      continue
    ax = axes[budgets.index(first["n"]), bands.index(grid.band(first))]
    ok = fitted.get(grid.run_key(first), True)
    ax.plot([p["step"] for p in points], [max(p["loss_value"], 1e-4) for p in points], ".-",
            color="C0" if ok else "C3", alpha=0.5 if ok else 0.9, lw=0.8, ms=2)
  for i, n in enumerate(budgets):
    axes[i, 0].set_ylabel(f"n={n}\nloss")
  for j, b in enumerate(bands):
    axes[0, j].set_title(f"band {grid.band_text(b)}", fontsize=9)
    axes[-1, j].set_xlabel("step")
  axes[0, 0].set_yscale("log")
  fig.suptitle(f"training loss, base '{base}', {loss}: each run until it fitted S (red: hit the "
               "step cap without fitting S; no line: fitted S before its first step)", fontsize=9)
  return save(fig, path)


def prediction(runs, predicted, base, loss, path):
  """Figure 8: d*(n) measured (each replicate's best in grey), the two-gap model's
  predictions fitted on the budgets left of the dashed line, and the bound's argmin."""
  rows = grid.select(predicted, base=base, loss=loss)
  budgets = [r["n"] for r in rows]
  fig, ax = plt.subplots(figsize=(7, 4.2))
  rng = np.random.default_rng(0)  # jitter only
  optimal = grid.optimal_bands(grid.select(runs, base=base, loss=loss))
  for n in budgets:
    picks = np.array([grid.band_midpoint(b) for b in optimal[n][1]])
    ax.scatter(n * np.exp(rng.uniform(-0.06, 0.06, len(picks))),
               picks + rng.uniform(-0.1, 0.1, len(picks)), color="gray", alpha=0.5, s=12,
               label="each replicate's best" if n == budgets[0] else None)
  for key, style, label in (("measured", "o-", "measured d* (mean over replicates)"),
                            ("fitted_model", "s--", "two-gap model, a learning curve per band"),
                            ("measured_model", "^:", "two-gap model, measured KL and TV"),
                            ("bound_argmin", "v:", "argmin of the PAC-Bayes bound")):
    values = [r[key] for r in rows]
    if np.isfinite(values).any():
      ax.plot(budgets, values, style, label=label, lw=2 if key == "measured" else 1.2)
  fitted = [r["n"] for r in rows if r["split"] == "fit"]
  ax.axvline(np.sqrt(fitted[-1] * budgets[len(fitted)]), color="black", ls="--", lw=0.8)
  ax.text(fitted[-1], ax.get_ylim()[1], "fit ", ha="right", va="top", fontsize=8)
  ax.text(budgets[len(fitted)], ax.get_ylim()[1], " held out", ha="left", va="top", fontsize=8)
  ax.set(xscale="log", xlabel="budget n", ylabel="training difficulty (band midpoint)",
         title=f"predicting d*(n), base '{base}', {loss}")
  _budget_ticks(ax, budgets)
  ax.legend(fontsize=7)
  return save(fig, path)


def save(fig, path):
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)
  return path


def draw_all(workdir: str, out_dir: str | None = None) -> list[str]:
  """Draws every figure the results support; returns the paths written."""
  runs, slices, curves = (files.read_results(workdir, name)
                          for name in ("runs", "slices", "curves"))
  out_dir = out_dir or os.path.join(workdir, "figures")
  os.makedirs(out_dir, exist_ok=True)
  pairs = grid.studies(runs)
  bases = sorted({b for b, _ in pairs})
  losses = sorted({l for _, l in pairs})
  main_loss = grid.main_loss(runs)
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
    drawn.append(learning_curves(runs, curves, base, main_loss,
                                 os.path.join(out_dir, f"6_curves{suffix}.png")))
    if os.path.exists(files.study_path(workdir, "bounds")):
      bounds = files.read_results(workdir, "bounds")
      drawn.append(bound_terms(runs, bounds, base, main_loss,
                               os.path.join(out_dir, f"7_bound{suffix}.png")))
    if os.path.exists(files.study_path(workdir, "prediction")):
      predicted = files.read_results(workdir, "prediction")
      drawn.append(prediction(runs, predicted, base, main_loss,
                              os.path.join(out_dir, f"8_prediction{suffix}.png")))
  if len(bases) > 1:
    drawn.append(bases_compared(runs, main_loss, os.path.join(out_dir, "4_bases.png")))
  return [path for path in drawn if path]
