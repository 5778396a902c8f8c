"""The studies, one config file each (`--config=experiments/configs/<name>.py`).

This package holds, besides them, the one thing they share: the claims check's thresholds
(docs/claims.md), fixed before any run they judge. Every config copies them into
`config.claims` (a study may override one, and its config.json then
says so); the claims check fills in from here what an older study's config.json lacks."""

CLAIM_THRESHOLDS = dict(
    confidence=0.9,  # support needed for HOLDS (and 1 - it for FAILS)
    resamples=1000,  # bootstrap resamples
    seed=0,  # the bootstrap's random seed: the same seed gives the same verdicts
    min_difference=0.02,  # accuracy or gap difference that counts as "beats" / "falls";
    # gaps closer than this are tied in a trend; strict: bands this close to the best are
    # tied for d*(n)
    trend_share=0.75,  # a trend holds where at least this share of the untied pairs of
    # points is ordered its way (Goodman-Kruskal gamma >= 2 * share - 1 = 0.5)
    slice_drop=0.1,  # C5: an accuracy drop on a slice the base solved that counts as lost
    solved_accuracy=0.9,  # C5: a test slice the base solved (mean over base seeds)
    learned_accuracy=0.5,  # C3, C4: a band learned at the largest n (accuracy on fresh
    # samples of the band, mean over replicates)
)
