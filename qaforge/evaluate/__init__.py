"""Scoring model answers on an exported benchmark: answer parsing, metrics, reports."""
