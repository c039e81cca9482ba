"""Observatoire des Territoires d'industrie: data, indicators, reports."""

__version__ = "0.1.0"
