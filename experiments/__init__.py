"""Training engine, evaluation, checkpoints and (later) the launchers of the study."""
