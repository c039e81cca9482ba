"""Month and observation arithmetic, defined once in ``analysis.mois``."""

from __future__ import annotations

import datetime as dt
import doctest

import pytest

from analysis import mois


def test_the_examples_of_the_module_hold() -> None:
    assert doctest.testmod(mois).failed == 0


def test_months_are_shifted_across_years() -> None:
    assert mois.decaler("2019-01", -1) == "2018-12"
    assert mois.decaler("2025-11", 14) == "2027-01"
    assert mois.mois_entre("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert mois.month_end("2024-02") == dt.date(2024, 2, 29) and mois.month_end("2023-12") == dt.date(2023, 12, 31)


@pytest.mark.parametrize(
    ("observation", "end", "after", "before"),
    [
        ("2024", dt.date(2024, 12, 31), "2025", "2023"),
        ("2022-T1", dt.date(2022, 3, 31), "2022-T2", "2021-T4"),
        ("2025-T4", dt.date(2025, 12, 31), "2026-T1", "2025-T3"),
        ("2024-01", dt.date(2024, 1, 31), "2024-02", "2023-12"),
        ("2024-12", dt.date(2024, 12, 31), "2025-01", "2024-11"),
    ],
)
def test_observations_of_each_frequency(observation: str, end: dt.date, after: str, before: str) -> None:
    assert mois.observation_end(observation) == end
    assert mois.next_observation(observation) == after and mois.previous_observation(observation) == before


def test_a_year_given_as_a_number_ends_on_31_december() -> None:
    assert mois.observation_end(2019) == dt.date(2019, 12, 31)


def test_publication_month_adds_the_lag() -> None:
    assert mois.publication_month(dt.date(2025, 12, 31), 3) == "2026-03"
    assert mois.publication_month(dt.date(2022, 6, 30), 0) == "2022-06"


def test_the_current_month_is_known_as_of_today() -> None:
    today = dt.date.today()
    courant = mois.default_periode()
    assert mois.asof_date(courant) == today
    assert mois.asof_date("2024-02") == dt.date(2024, 2, 29)
    assert mois.completed_month("2024-02") == "2024-02"
    assert mois.completed_month(courant) == (courant if today == mois.month_end(courant) else mois.decaler(courant, -1))


def test_periods_outside_the_programme_are_refused_in_french() -> None:
    with pytest.raises(mois.PeriodeError, match="avant le début du programme"):
        mois.check_periode("2018-12")
    with pytest.raises(mois.PeriodeError, match="attendu AAAA-MM"):
        mois.check_periode("2026-13")
