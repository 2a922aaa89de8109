"""Checks before anything leaves: splits, leakage, near-duplicates, blind baselines, contamination, PHI."""
