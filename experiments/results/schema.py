"""Every results file a study writes: its columns, each column's type and meaning, declared
once. Writers take their columns from here, `files.read_csv` types values by it, and
docs/results.md's tables are `python -m experiments.results.schema` (a test compares them).

A study records the schema version that wrote its files in `stack.json`; a file may gain
columns in a later version, never lose or retype one.
"""

import math
from typing import NamedTuple

VERSION = 2  # 2: runs.csv gained base_loss_S and base_exact_S


class Column(NamedTuple):
  type: type  # int, float, bool or str; a float written as "" reads as NaN (not computed)
  meaning: str


COLUMNS = {
    "base": Column(str, "the base model's name (`config.bases.names`)"),
    "base_seed": Column(int, "the base model's initialisation seed"),
    "n": Column(int, "the budget: examples in the training set S (0: a base model's row)"),
    "band_lo": Column(int, "the training band's lowest difficulty"),
    "band_hi": Column(int, "the training band's highest difficulty"),
    "seed": Column(int, "the data seed that drew S (a base model: its `base_seed`)"),
    "loss": Column(str, "`sft` or `dft` (a base model: `base`)"),
    "steps": Column(int, "optimiser steps taken"),
    "R_S": Column(float, "exact-match error on the training set S itself (a base model: on "
                  "fresh samples of its pre-training band)"),
    "R_train": Column(float, "error on a held-out sample of the band, disjoint from S"),
    "R_test": Column(float, "error on the test distribution: the mean of the per-difficulty "
                     "errors of slices.csv"),
    "G_gen": Column(float, "`R_train - R_S`, the generalization gap"),
    "G_ext": Column(float, "`R_test - R_train`, the extrapolation gap; `R_test = R_S + G_gen + "
                    "G_ext`"),
    "fitted": Column(bool, "`R_S <= finetune.fit_threshold`: the run learned S (False: an "
                     "optimisation failure)"),
    "diverged": Column(bool, "a loss or update became NaN or Inf; the run froze its last finite "
                       "parameters and every statistic leaves it out"),
    "base_loss_S": Column(float, "the base model's mean cross-entropy per answer token on S, "
                          "before fine-tuning: how hard S is for this base (NaN: a base "
                          "model's row)"),
    "base_exact_S": Column(float, "the base model's exact-match rate on S, before fine-tuning "
                           "(NaN: a base model's row)"),
    "test_difficulty": Column(int, "the test slice's difficulty"),
    "error": Column(float, "exact-match error on the slice"),
    "token_accuracy": Column(float, "share of answer tokens right on the slice"),
    "loss_value": Column(float, "mean cross-entropy per answer token: on the test slice "
                         "(slices.csv), or of the training batches of the last "
                         "`evaluation.curve_every` steps (curves.csv)"),
    "examples": Column(int, "examples in the slice"),
    "step": Column(int, "the optimiser step a curve point ends at"),
    "batch_exact_match": Column(float, "exact match of the training batches of the last "
                                "`evaluation.curve_every` steps"),
    "sigma": Column(float, "the prior's and posterior's scale: the largest of `bounds.sigmas` "
                    "whose perturbed error on S stays within `bounds.tolerance` of the run's"),
    "KL": Column(float, "KL(Q || P) = |fine-tuned - base weights|^2 / (2 sigma^2)"),
    "draws": Column(int, "parameter draws estimating Q's error on S"),
    "R_S_Q": Column(float, "Q's error on S, the mean over the draws"),
    "R_S_Q_upper": Column(float, "its upper confidence bound (kl-inverse at delta / 2)"),
    "complexity": Column(float, "the bound's terms between `R_S_Q` and `TV`"),
    "TV": Column(float, "total variation between the training and test laws, exact"),
    "bound": Column(float, "the PAC-Bayes bound on R_test, `R_S_Q + complexity + TV`"),
    "bound_sqrt": Column(float, "the looser Pinsker form of the bound"),
    "split": Column(str, "`fit` (a budget the model was fitted on) or `held-out`"),
    "measured": Column(float, "the measured d*(n), as its band's midpoint"),
    "bound_argmin": Column(float, "the band minimising the mean bound (empty: no bounds.csv)"),
    "measured_model": Column(float, "d*(n) of the two-gap model with the measured KL and TV "
                             "(empty: no bounds.csv)"),
    "fitted_model": Column(float, "d*(n) of the two-gap model's learning curves, one per "
                           "band, fitted to R_test"),
    "persistence": Column(float, "the baseline: the last fitted budget's d*, carried forward"),
    "replicates_right_fitted": Column(int, "replicates whose own best band the fitted model, "
                                      "refitted on that replicate alone, names"),
    "replicates": Column(int, "replicates at this budget"),
    "study": Column(str, "the study: its workdir's folder name"),
    "task": Column(str, "the study's task family (`config.task.name`)"),
    "own_band_lo": Column(int, "the replicate's own best band (lowest test error at this n): "
                          "its lowest difficulty"),
    "own_band_hi": Column(int, "its highest difficulty"),
    "own_base_loss_S": Column(float, "`base_loss_S` of the replicate's run on its own best band"),
    "own_base_exact_S": Column(float, "`base_exact_S` of the replicate's run on its own best "
                               "band"),
    "difficulty_lo": Column(float, "the pilot run's lowest training difficulty"),
    "difficulty_hi": Column(float, "the pilot run's highest training difficulty"),
    "accuracy": Column(float, "the pilot run's accuracy on the target distribution"),
}

RUN_KEY = ("base", "base_seed", "n", "band_lo", "band_hi", "seed", "loss")  # a run's identity


class File(NamedTuple):
  columns: tuple
  meaning: str
  line_end: str = "\r\n"  # what each file was first written with, kept byte for byte
  added: tuple = ()  # (schema version, columns it appended), oldest first


FILES = {
    "runs": File(RUN_KEY + ("steps", "R_S", "R_train", "R_test", "G_gen", "G_ext", "fitted",
                            "diverged", "base_loss_S", "base_exact_S"),
                 "one row per run; base models too, with n = 0, loss `base` and their "
                 "pre-training band (their G_gen is 0: they have no finite training set)",
                 added=((2, ("base_loss_S", "base_exact_S")),)),
    "slices": File(RUN_KEY + ("test_difficulty", "error", "token_accuracy", "loss_value",
                              "examples"),
                   "one row per (run, test difficulty)"),
    "curves": File(RUN_KEY + ("step", "loss_value", "batch_exact_match"),
                   "the learning curves: one row per run and `evaluation.curve_every` steps"),
    "bounds": File(RUN_KEY + ("sigma", "KL", "draws", "R_S_Q", "R_S_Q_upper", "complexity",
                              "TV", "bound", "bound_sqrt"),
                   "one row per fine-tuned run: the PAC-Bayes bound's terms (docs/theory.md)"),
    "prediction": File(("base", "loss", "n", "split", "measured", "bound_argmin",
                        "measured_model", "fitted_model", "persistence",
                        "replicates_right_fitted", "replicates"),
                       "one row per (base, loss, n): the measured d*(n) and its predictions "
                       "(docs/prediction.md)", line_end="\n"),
    "relative_optimum": File(
        ("study", "task", "base", "loss", "n", "base_seed", "seed", "band_lo", "band_hi",
         "base_loss_S", "base_exact_S", "own_band_lo", "own_band_hi", "own_base_loss_S",
         "own_base_exact_S"),
        "`python -m experiments.compare`'s: one row per (study, base, loss, n, replicate): "
        "the band best on the mean over replicates (`band_lo`, `band_hi`) and how hard this "
        "replicate's S there was for its base, then the same for the replicate's own best band",
        line_end="\n"),
    "pilot": File(("n", "difficulty_lo", "difficulty_hi", "accuracy", "seed"),
                  "the advisor's input: one row per pilot fine-tuning run (docs/advisor.md)"),
}


def columns(name: str, version: int = VERSION) -> tuple:
  """The columns of results file `name` (`runs`, `slices`, ...), in order, as schema
  `version` wrote them."""
  later = {c for v, added in FILES[name].added if v > version for c in added}
  return tuple(c for c in FILES[name].columns if c not in later)


def parse(column: str, text: str):
  """A CSV cell as its column's type; text where the schema has no such column."""
  kind = COLUMNS[column].type if column in COLUMNS else str
  if kind is bool:
    return text == "True"
  if kind is float:
    return float(text) if text != "" else math.nan
  return kind(text)


def markdown(name: str) -> str:
  """Results file `name`'s columns as a Markdown table (docs/results.md shows these)."""
  lines = [f"`{name}.csv`: {FILES[name].meaning}.", "", "| column | type | meaning |",
           "|---|---|---|"]
  for column in FILES[name].columns:
    kind, meaning = COLUMNS[column]
    lines.append(f"| `{column}` | {kind.__name__} | {meaning} |")
  for version, added in FILES[name].added:
    lines += ["", f"Added in schema version {version}: {', '.join(f'`{c}`' for c in added)} "
              f"(a study whose `stack.json` records an older version lacks them)."]
  return "\n".join(lines)


if __name__ == "__main__":
  print("\n\n".join(markdown(name) for name in FILES))
