"""The studies, one config file each (`--config=experiments/configs/<name>.py`).

This package holds, besides them, the one thing they share: the claims check's thresholds
(docs/claims.md), fixed before any run they judge, each declared once with the range it may
take. Every config copies their values into `config.claims` (a study may override one, and
its config.json then says so); the study's setup checks them against their ranges, and the
claims check fills in from here what an older study's config.json lacks and checks what it
reads back the same way."""

import allowed

# name: (value, what it may be)
_CLAIM_THRESHOLDS = dict(
    confidence=(0.9, allowed.Real(0.5, 1, lo_open=True, hi_open=True)),  # support needed for
    # HOLDS (and 1 - it for FAILS)
    resamples=(1000, allowed.Integer(100, 10 ** 6)),  # bootstrap resamples
    seed=(0, allowed.Integer(0)),  # the bootstrap's random seed: the same seed gives the same
    # verdicts
    min_difference=(0.02, allowed.Real(0, 1)),  # accuracy or gap difference that counts as
    # "beats" / "falls"; gaps closer than this are tied in a trend; strict: bands this close to
    # the best are tied for d*(n)
    trend_share=(0.75, allowed.Real(0.5, 1, lo_open=True)),  # a trend holds where at least
    # this share of the untied pairs of points is ordered its way (Goodman-Kruskal gamma >=
    # 2 * share - 1 = 0.5)
    slice_drop=(0.1, allowed.Real(0, 1)),  # C5: an accuracy drop on a slice the base solved
    # that counts as lost
    solved_accuracy=(0.9, allowed.Real(0, 1, lo_open=True)),  # C5: a test slice the base
    # solved (mean over base seeds)
    learned_accuracy=(0.5, allowed.Real(0, 1, lo_open=True)),  # C3, C4: a band learned at the
    # largest n (accuracy on fresh samples of the band, mean over replicates)
)
CLAIM_THRESHOLDS = {name: value for name, (value, _) in _CLAIM_THRESHOLDS.items()}


def check_claim_thresholds(settings, where: str) -> None:
  """Refuses a threshold outside its range, or one the claims check does not know; `where`
  names the settings in the message (config.claims, or the config.json they came from)."""
  for name in settings:
    allowed.option(f"{where} field", name, CLAIM_THRESHOLDS)
  for name, (_, values) in _CLAIM_THRESHOLDS.items():
    values.check(f"{where}.{name}", settings[name])
