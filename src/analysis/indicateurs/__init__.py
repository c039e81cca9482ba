"""Indicators of the observatory: registry of definitions and computations by theme, for all
territories of a phase in one vectorised pass (see ``build.build_indicators``)."""

from analysis.indicateurs.build import (
    Indicateurs,
    build_indicators,
    read_indicators,
    write_indicators,
)

__all__ = [
    "Indicateurs",
    "build_indicators",
    "read_indicators",
    "write_indicators",
]
