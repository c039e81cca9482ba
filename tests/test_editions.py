"""Editions of the INSEE unemployment series: what an as-of month reads (official edition out at
its date, a derived file only for the quarters no official edition covers), the agreement of the
derived file with the official edition, revisions shown on the changes page, and the age of the
data told in the fiche."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.donnees import controles, editions, millesimes, sources
from analysis.donnees.loaders import economie
from analysis.indicateurs import build
from analysis.analyses import revisions
from analysis.publications import fiche

ZE = economie.CHOMAGE_ZE


def test_the_declared_editions_and_their_release_dates() -> None:
    held = editions.editions(economie.CHOMAGE_DATASET, ZE)
    assert [(e.edition, e.publie_le.isoformat(), e.nature) for e in held] == [
        ("2022-T2", "2022-10-07", "exacte"), ("2023-T3", "2024-01-04", "exacte"), ("2025-T4", "2026-04-09", "derivee")]
    for s in sources.sources().values():  # every file says what its copy is
        assert s.nature in sources.NATURES_FR


@pytest.mark.parametrize(("periode", "officielle", "complements", "derniere"), [
    ("2023-11", "2022-T2", [], "2022-T2"),
    ("2024-01", "2023-T3", [], "2023-T3"),  # released on 4 January 2024
    ("2026-03", "2023-T3", [], "2023-T3"),
    ("2026-04", "2023-T3", ["2025-T4"], "2025-T4"),
    ("2026-12", "2023-T3", ["2025-T4"], "2025-T4"),
])
def test_an_as_of_month_reads_the_official_edition_out_at_its_date(periode, officielle, complements, derniere) -> None:
    vigueur = editions.en_vigueur(economie.CHOMAGE_DATASET, ZE, periode)
    assert vigueur.officielle.edition == officielle and [e.edition for e in vigueur.complements] == complements
    assert economie.chomage_ze(periode)["trimestre"].max() == derniere


def test_the_derived_file_gives_only_the_quarters_no_official_edition_covers() -> None:
    taux = economie.chomage_ze("2026-12")
    by_nature = taux.groupby("nature")["trimestre"].agg(["min", "max"]).to_dict("index")
    assert by_nature == {"derivee": {"min": "2023-T4", "max": "2025-T4"}, "exacte": {"min": "2003-T1", "max": "2023-T3"}}
    assert set(taux.loc[taux["nature"] == "exacte", "edition"]) == {"2023-T3"}
    # a quarter both cover is read from the official workbook
    official = economie.chomage_ze_edition("chomage/chomage-zone-t1-2003-t3-2023")
    row = taux.loc[(taux["code_ze"] == "0051") & (taux["trimestre"] == "2023-T3")].iloc[0]
    assert row["nature"] == "exacte"
    assert row["taux_chomage"] == official.loc[(official["code_ze"] == "0051") & (official["trimestre"] == "2023-T3"), "taux_chomage"].item()


def test_agreement_of_the_derived_file_with_the_official_edition() -> None:
    accord = controles.chomage_derive()
    # 302 zones x 11 quarters (2021-T1 to 2023-T3); the gaps mix two editions' revisions, not only copying
    assert accord["n"] == 3_322 and accord["trimestres"] == ("2021-T1", "2023-T3")
    assert round(accord["egales_pct"], 1) == 64.4 and round(accord["a_01_pct"], 1) == 95.3
    assert round(accord["ecart_max"], 1) == 0.7 and round(accord["ecart_moyen"], 3) == 0.042
    # for scale: the two official editions (2022-T2 and 2023-T3) on the quarters they share
    revisions = controles.chomage_revisions()
    assert revisions["n"] == 22_896 and round(revisions["egales_pct"], 1) == 76.9 and round(revisions["ecart_max"], 1) == 1.4


@pytest.fixture(scope="module")
def mois_edition() -> dict[str, build.Indicateurs]:
    return {p: build.build_indicators(2, p) for p in ("2023-11", "2023-12", "2024-01")}


def test_the_urssaf_commune_series_against_the_official_commune_ape_file() -> None:
    check = controles.urssaf_communes()
    assert (check["n"], check["communes"], check["annees"]) == (1_876, 217, (2014, 2022))
    assert round(check["egales_pct"], 1) == 45.1 and round(check["a_1pct_pct"], 1) == 59.8
    assert [round(x, 1) for x in check["total_pct"]] == [99.2, 99.9]


def test_the_month_an_edition_appeared_has_other_unemployment_tables_and_lists_revisions(mois_edition) -> None:
    def chomage(p: str):
        long = mois_edition[p].long
        return long.loc[long["indicator"] == "taux_chomage"].reset_index(drop=True)

    before, after = chomage("2023-11"), chomage("2024-01")
    assert before["observation"].max() == "2022-T2" and after["observation"].max() == "2023-T3"
    assert not before.equals(after)
    assert chomage("2023-11").equals(chomage("2023-12"))  # no edition in December 2023
    revised = revisions.mouvements(chomage("2023-12"), chomage("2024-01"))
    assert len(revised) > 0 and set(revised["indicator"]) == {"taux_chomage"}
    assert (revised["ecart_pct"] > revisions.SEUIL_PCT).all() and revised["observation"].max() <= "2022-T2"


def test_the_fiche_tells_the_age_of_the_unemployment_data(mois_edition, aujourdhui) -> None:
    ind = build.build_indicators(2, "2026-12")
    # on 31 December 2026 the month is over: the calendar says INSEE published the 3rd quarter of 2026;
    # on 7 December it is under way: only what was due by the end of November (the 2nd quarter)
    aujourdhui(dt.date(2026, 12, 31))
    assert millesimes.ligne("chomage", "2026-12")["calendrier"] == "2026-T3"
    aujourdhui(dt.date(2026, 12, 7))
    assert millesimes.ligne("chomage", "2026-12")["calendrier"] == "2026-T2"
    assert ind.observations.set_index("indicator").loc["taux_chomage", ["observation", "nature"]].tolist() == ["2025-T4", "derivee"]
    text = fiche.texte_chomage(ind.wide, ind.observations, "ti-2405", "2026-12")
    assert "dernier trimestre publié" not in text
    assert text.startswith("Au 4e trimestre 2025, le taux de chômage localisé du territoire")
    assert ("données au 4e trimestre 2025 (édition du 4e trimestre 2025, fichier dérivé par un tiers) ; d'après son calendrier, "
            "l'INSEE a publié depuis jusqu'au 2e trimestre 2026 : lancer `observatoire donnees --actualiser chomage`") in text
    # every sentence about the latest period says the age of its data
    assert fiche.texte_emploi(ind.wide, ind.observations, "ti-2405", "2026-12").endswith(
        "Âge des données : données de 2024 ; d'après son calendrier, l'URSSAF a publié depuis jusqu'à 2025 : "
        "lancer `observatoire donnees --actualiser urssaf-emploi`.")
    assert fiche.texte_demandeurs(ind.wide, ind.observations, "ti-2405", "2026-12").endswith(
        "Âge des données : données de décembre 2024 ; d'après son calendrier, France Travail a publié depuis jusqu'à "
        "octobre 2026 : lancer `observatoire donnees --actualiser demandeurs-emploi`.")
    jan = mois_edition["2024-01"]
    assert fiche.texte_chomage(jan.wide, jan.observations, "ti-2405", "2024-01").endswith(
        "données au 3e trimestre 2023, dernière période publiée d'après le calendrier de la source.")
    assert millesimes.ligne("chomage", "2023-11")["calendrier"] == "2023-T2"
