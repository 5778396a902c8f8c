"""Mechanism figures, drawn from a study's results files only."""
