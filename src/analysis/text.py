"""French formatting of numbers and small sentences, shared by the CLI and all notebooks."""

from __future__ import annotations

import math

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def nombre(value: float | int | None, decimals: int = 0) -> str:
    """30717100 -> '30 717 100'; 45.56 (decimals=1) -> '45,6'. Missing -> 'n.d.'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def pourcent(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    """45.56 -> '45,6 %' (value already in percent)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{nombre(value, decimals)}\u00a0%"


def valeur(value: float | None, unit: str) -> str:
    """A value with its unit, French style: percent and counts get suitable decimals."""
    if unit == "%":
        return pourcent(value)
    if unit in {"km²", "€", "€/m²"}:
        return f"{nombre(value)}\u00a0{unit}"
    return nombre(value, 0 if value is None or float(value).is_integer() or abs(value) >= 100 else 1)
