"""The run month and the periods of observation, defined once.

A *période* is the month a run publishes, ``YYYY-MM`` (``"2026-12"``), from the programme's
first month to the current one. An *observation* is the period a source's value describes:
a year (``"2024"``), a quarter (``"2022-T2"``) or a month (``"2024-12"``). Everything that adds
months, finds a last day or says what a month knows at its end asks this module.

>>> decaler("2026-01", -2)
'2025-11'
>>> observation_end("2022-T2")
datetime.date(2022, 6, 30)
>>> next_observation("2025-T4")
'2026-T1'
"""

from __future__ import annotations

import datetime as dt
import re

_PERIODE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_PERIODE = "2019-01"  # the programme's first month: nothing is published for an earlier one


class PeriodeError(ValueError):
    """A period that is malformed or outside the months the observatory covers."""


def default_periode(today: dt.date | None = None) -> str:
    """The current month, as YYYY-MM."""
    today = today or dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


def check_periode(periode: str, today: dt.date | None = None) -> str:
    """Validate a YYYY-MM period from the programme's first month (``FIRST_PERIODE``) to the
    current month and return it; the French message says what is allowed."""
    if not _PERIODE.match(periode):
        raise PeriodeError(
            f"période invalide {periode!r} : attendu AAAA-MM, une année sur quatre chiffres et un mois "
            "de 01 à 12, par exemple 2025-06"
        )
    last = default_periode(today)
    if not FIRST_PERIODE <= periode <= last:
        why = "avant le début du programme" if periode < FIRST_PERIODE else "mois futur, dont les données ne sont pas encore publiées"
        raise PeriodeError(
            f"période {periode} hors de la plage couverte, de {FIRST_PERIODE} (début du programme) à {last} (mois courant) : {why}"
        )
    return periode


def _index(periode: str) -> int:
    return int(periode[:4]) * 12 + int(periode[5:7]) - 1


def _from_index(n: int) -> str:
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def decaler(periode: str, mois: int) -> str:
    """The month ``mois`` months after ``periode`` (before it when negative), as YYYY-MM."""
    return _from_index(_index(periode) + mois)


def mois_entre(debut: str, fin: str) -> list[str]:
    """Every month from ``debut`` to ``fin`` included, in order."""
    return [_from_index(n) for n in range(_index(debut), _index(fin) + 1)]


def month_end(periode: str) -> dt.date:
    """Last day of a YYYY-MM month: ``month_end("2024-02")`` is 29/02/2024."""
    first_next = _from_index(_index(periode) + 1)
    return dt.date(int(first_next[:4]), int(first_next[5:7]), 1) - dt.timedelta(days=1)


def asof_date(periode: str) -> dt.date:
    """Last day of the period's month, "as known at the end of that month"; for the current month,
    which is not over, today."""
    return min(month_end(check_periode(periode)), dt.date.today())


def completed_month(periode: str) -> str:
    """The latest month over by the as-of date of ``periode``: ``periode`` itself once its last
    day is reached, else the month before (the current month is under way)."""
    return periode if asof_date(periode) >= month_end(periode) else decaler(periode, -1)


def publication_month(obs_end: dt.date, lag_months: int) -> str:
    """The month (YYYY-MM) in which an observation ending on ``obs_end`` is published, given a
    publication lag in months."""
    return _from_index(obs_end.year * 12 + obs_end.month - 1 + lag_months)


def _observation_month(observation: str) -> tuple[int, int, int]:
    """(year, last month, months per step) of an observation: "2024" -> (2024, 12, 12),
    "2022-T2" -> (2022, 6, 3), "2024-12" -> (2024, 12, 1)."""
    if len(observation) == 4:
        return int(observation), 12, 12
    year, rest = observation.split("-")
    if rest.startswith("T"):
        return int(year), 3 * int(rest[1]), 3
    return int(year), int(rest), 1


def _observation_shift(observation: str, steps: int) -> str:
    year, month, step = _observation_month(observation)
    n = year * 12 + month - 1 + steps * step
    if step == 12:
        return str(n // 12)
    if step == 3:
        return f"{n // 12}-T{n % 12 // 3 + 1}"
    return _from_index(n)


def observation_end(observation: object) -> dt.date:
    """Last day of an observation: "2024" (or the year as a number) -> 31/12/2024,
    "2022-T2" -> 30/06/2022, "2024-12" -> 31/12/2024."""
    year, month, _ = _observation_month(str(observation))
    return month_end(f"{year:04d}-{month:02d}")


def next_observation(observation: str) -> str:
    """The observation after ``observation``, of the same frequency ("2025-T4" -> "2026-T1")."""
    return _observation_shift(observation, 1)


def previous_observation(observation: str) -> str:
    """The observation before ``observation``, of the same frequency ("2024-01" -> "2023-12")."""
    return _observation_shift(observation, -1)
