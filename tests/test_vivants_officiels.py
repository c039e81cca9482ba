"""Living copies assembled from an official endpoint in another format (``analysis.donnees.officiels``),
against an HTTP server on 127.0.0.1 (``OBSERVATOIRE_URL_BASE``, fixture of test_telechargements):
- the DVF table refreshed from Cerema's DV3F price indicators (paginated JSON), a new year and a
  revised value reported by ``observatoire donnees --actualiser dvf`` and read by the loader; a
  page in another format refused with the copy in use kept;
- the sector shares of the EPCI profile refreshed from INSEE's Melodi (census employment at
  place of work), a new census and a revised share reported and read by the loader, the rest of
  the profile unchanged;
- the DARES endpoint declared but not read, for the reason its note gives.

The served pages are hand-written in the APIs' schemas. DVF: the values are the pinned file's
own (two EPCI of Haute-Savoie, 2023-2024); the next edition's 2025 values are 2024's, copied,
and its revision adds 10 €/m² to one 2024 median. Melodi: the mirror holds no census counts, so
each EPCI is served 10 000 jobs split by section as the pinned shares say (the counts are
built, the shares they give are the pinned file's); the 2023 census is 2022's, copied, and the
revision moves 1.00 point of jobs from services to industry. Test values, not published ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_telechargements import Serveur, serveur  # noqa: F401 (the loopback server fixture)

from analysis import config
from analysis.cli import main
from analysis.donnees import etat, officiels, sources
from analysis.donnees.loaders import economie

DVF = economie.DVF_ID
EPCI = ["200000172", "200066793"]  # CC Faucigny-Glières, CA du Grand Annecy
HOST = "https://apidf-preprod.cerema.fr"
ANNUEL = f"{HOST}/indicateurs/dv3f/prix/annuel/?echelle=epci&page_size=500"
ANNUEL_2 = f"{HOST}/indicateurs/dv3f/prix/annuel/?echelle=epci&page=2&page_size=500"
TRIENNAL = f"{HOST}/indicateurs/dv3f/prix/triennal/?echelle=epci&page_size=500"



def _actualiser(dataset: str) -> tuple[list[etat.Changement], list[str]]:
    """What a refresh of one dataset changed, and the French messages of what failed."""
    bilan = etat.actualiser([dataset])
    return bilan.faits, [e.message for e in bilan.echecs]

def _pinned(mirror: Path) -> pd.DataFrame:
    return pd.read_parquet(mirror / sources.source(DVF).file)


def _row(r: pd.Series) -> dict:
    """One result of the DV3F price endpoint for a row of the pinned table (``annee`` is text there)."""
    row = {"code": r["code"], "annee": str(r["annee"])}
    for short, code in officiels.DV3F_TYPES.items():
        row |= {
            f"pxm2_median_{code}": None if pd.isna(r[f"pxm2_{short}"]) else float(r[f"pxm2_{short}"]),
            f"pxm2_q25_{code}": None if pd.isna(r[f"pxm2_q25_{short}"]) else float(r[f"pxm2_q25_{short}"]),
            f"pxm2_q75_{code}": None if pd.isna(r[f"pxm2_q75_{short}"]) else float(r[f"pxm2_q75_{short}"]),
            f"nbtrans_{code}": int(r[f"nbtrans_{short}"]),
        }
    return row


def _page(rows: list[dict], next_url: str | None, count: int) -> bytes:
    return json.dumps({"count": count, "next": next_url, "previous": None, "results": rows}).encode()


def _edition(serveur: Serveur, annual: pd.DataFrame, triennal: pd.DataFrame) -> None:
    """Serve the annual indicators on two pages (one EPCI each) and the 3-year ones on one."""
    first, second = ([_row(r) for _, r in annual.loc[annual["code"] == c].iterrows()] for c in EPCI)
    serveur.sert(DVF, _page(first, ANNUEL_2, len(annual)), ANNUEL)
    serveur.sert(DVF, _page(second, None, len(annual)), ANNUEL_2)
    serveur.sert(DVF, _page([_row(r) for _, r in triennal.iterrows()], None, len(triennal)), TRIENNAL)


def _extract(mirror: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    pinned = _pinned(mirror)
    rows = pinned.loc[pinned["code"].isin(EPCI) & pinned["annee"].isin([2023, 2024])]
    return rows.loc[rows["aggregation"] == "annuelle"], rows.loc[rows["aggregation"] == "triannuelle"]


@pytest.fixture(autouse=True)
def _tables_epinglees_ensuite() -> Iterator[None]:
    """The tables a test here reads from a living copy are not left cached for the tests after it
    (``test_loaders_economie`` read a two-EPCI DVF table when it ran after this file)."""
    yield
    economie._dvf_epci.cache_clear()
    economie.profil_epci.cache_clear()


def _dvf_now() -> pd.DataFrame:
    economie._dvf_epci.cache_clear()
    return economie.dvf_epci()


def test_dv3f_results_give_the_pinned_dvf_columns(mirror: Path) -> None:
    annual, _ = _extract(mirror)
    table = officiels.dv3f_prix_table([_row(r) for _, r in annual.iterrows()], "annuelle")
    columns = ["code", "annee", "aggregation", "pxm2_mai", "pxm2_q25_mai", "pxm2_q75_mai", "nbtrans_mai", "pxm2_apt", "nbtrans_apt", "nbtrans_total"]
    pd.testing.assert_frame_equal(table[columns].reset_index(drop=True), annual[columns].reset_index(drop=True))
    grand_annecy_2024 = table.set_index(["code", "annee"]).loc[("200066793", 2024)]
    assert (grand_annecy_2024["pxm2_mai"], grand_annecy_2024["nbtrans_total"]) == (5517.025, 510 + 1765)
    broken = [{k: v for k, v in _row(r).items() if k != "nbtrans_cod121"} for _, r in annual.iterrows()]
    with pytest.raises(ValueError, match="nbtrans_cod121"):
        officiels.dv3f_prix_table(broken, "annuelle")


def test_dvf_refreshed_from_cerema_reports_a_new_year_and_a_revision(
    serveur: Serveur, mirror: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv(config.MIRROR_ENV, str(mirror))  # the pinned copy the first refresh is compared with
    annual, triennal = _extract(mirror)
    _edition(serveur, annual, triennal)

    changes, failed = _actualiser("dvf")
    assert failed == []
    assert [(c.id, c.avant, c.apres, c.message) for c in changes] == [
        (DVF, "2024", "2024", "pas de période nouvelle (jusqu'à 2024) ; aucune valeur révisée")
    ]
    assert sources.copy_in_use(DVF) == sources.LIVING and sources.living_state()[DVF]["url"] == ANNUEL
    dvf = _dvf_now()
    assert len(dvf) == 6 and set(dvf["siren_epci"]) == set(EPCI)
    assert dvf.set_index(["siren_epci", "annee", "aggregation"]).loc[("200000172", 2024, "annuelle"), "pxm2_mai"] == 3709.68

    # the next edition: 2025 arrives (2024's values, copied), one 2024 median is revised
    nouvelle = annual.loc[annual["annee"] == 2024].assign(annee=2025)
    revisee = annual.copy()
    revisee.loc[(revisee["code"] == "200000172") & (revisee["annee"] == 2024), "pxm2_mai"] += 10.0
    _edition(serveur, pd.concat([revisee, nouvelle]).sort_values(["code", "annee"]), triennal)
    # compared with the living copy now; without the mirror the listing reads no pinned file
    # (with it, `observatoire donnees` stops on the chomage files added to the mirror in 2026-12,
    # which the chomage reader of observations does not know yet)
    monkeypatch.delenv(config.MIRROR_ENV)
    assert main(["donnees", "--actualiser", "dvf"]) == 0
    out = capsys.readouterr().out
    assert f"  {DVF} : nouvelle année : 2025 ; 1 valeur révisée (2024) (sha256 " in out
    dvf = _dvf_now().set_index(["siren_epci", "annee", "aggregation"])
    assert dvf.loc[("200000172", 2024, "annuelle"), "pxm2_mai"] == 3719.68
    assert dvf.loc[("200066793", 2025, "annuelle"), "nbtrans_total"] == 2275
    # as of a month before the 2025 edition is due (year end + 6 months), the loader leaves it out
    assert economie.dvf_epci("2026-05")["annee"].max() == 2024 and economie.dvf_epci("2026-06")["annee"].max() == 2025

    changes, failed = _actualiser("dvf")  # the same edition again
    assert failed == [] and [c.message for c in changes] == ["inchangé"]


def test_a_dv3f_page_in_another_format_is_refused_and_the_copy_in_use_kept(
    serveur: Serveur, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.MIRROR_ENV, str(mirror))
    annual, triennal = _extract(mirror)
    _edition(serveur, annual, triennal)
    assert _actualiser("dvf")[1] == []
    living = sources.living_state()[DVF]["sha256"]

    serveur.sert(DVF, b"<html>maintenance</html>", ANNUEL_2)
    changes, failed = _actualiser("dvf")
    assert changes == [] and "format inattendu" in failed[0] and "page 2 :" in failed[0]
    serveur.sert(DVF, _page([{"code": "200000172", "annee": "2025"}], None, 1), ANNUEL_2)
    changes, failed = _actualiser("dvf")
    assert changes == [] and "format inattendu" in failed[0] and "nbtrans_cod111 : nombre de ventes absent" in failed[0]
    assert sources.living_state()[DVF]["sha256"] == living == sources.observed_sha256(DVF)
    assert not [p for p in (config.cache_dir() / sources.LIVING_DIR).iterdir() if p.is_dir() and p.name.startswith("tmp")]


PROFIL = economie.PROFIL_ID
MELODI = "https://api.insee.fr/melodi/data/DS_RP_EMPLOI_LT_COMP?GEO=EPCI&RP_MEASURE=NBEMP&SEX=_T&EMPFORM=_T&PCS=_T&maxResult=10000"
MELODI_2 = MELODI + "&page=2"
SECTIONS = {v: k for k, v in officiels.RP_SECTIONS.items()}  # agri -> AZ


def _observations(code: str, year: int, shares: dict[str, float]) -> list[dict]:
    """Melodi observations of one EPCI and census: 10 000 jobs, and each section's share of them."""
    def obs(section: str, value: float) -> dict:
        dims = {"GEO": f"2024-EPCI-{code}", "FREQ": "A", "TIME_PERIOD": str(year), "RP_MEASURE": "NBEMP",
                "EMP_ACTIVITY": section, "SEX": "_T", "EMPFORM": "_T", "PCS": "_T"}
        return {"dimensions": dims, "measures": {"OBS_VALUE_NIVEAU": {"value": value}}}
    return [obs("_T", 10000.0)] + [obs(SECTIONS[s], round(100 * p, 2)) for s, p in shares.items()]


def _melodi(serveur: Serveur, pages: list[list[dict]]) -> None:
    urls = [MELODI, MELODI_2][: len(pages)]
    for i, (url, observations) in enumerate(zip(urls, pages)):
        last = i == len(pages) - 1
        paging = {} if len(pages) == 1 else {"next": None if last else urls[i + 1], "isLast": last}
        body = {"identifier": "DS_RP_EMPLOI_LT_COMP", "observations": observations, "paging": paging}
        serveur.sert(PROFIL, json.dumps(body).encode(), url)


def _shares_2022(mirror: Path) -> dict[str, dict[str, float]]:
    records = json.loads((mirror / sources.source(PROFIL).file).read_text(encoding="utf-8"))
    return {r["code"]: {s: r[f"eco_sect{s}_pct_22"] for s in SECTIONS} for r in records if r["code"] in EPCI}


def _profil_now() -> pd.DataFrame:
    economie.profil_epci.cache_clear()
    return economie.profil_epci().set_index("code")


def test_melodi_observations_give_the_profile_shares(mirror: Path) -> None:
    shares = _shares_2022(mirror)
    noise = {"dimensions": {"GEO": "2024-COM-74010", "TIME_PERIOD": "2022", "RP_MEASURE": "NBEMP", "EMP_ACTIVITY": "BE", "SEX": "_T"},
             "measures": {"OBS_VALUE_NIVEAU": {"value": 12.0}}}  # a commune: left out
    table = officiels.melodi_emploi_secteurs([*_observations("200000172", 2022, shares["200000172"]), noise])
    assert dict(zip(table["secteur"], table["part"])) == shares["200000172"] == {
        "agri": 1.03, "indus": 26.92, "const": 5.46, "servi": 32.96, "admin": 33.63}
    assert set(table["code"]) == {"200000172"} and set(table["annee"]) == {2022}
    with pytest.raises(ValueError, match="sections absentes : OQ"):
        officiels.melodi_emploi_secteurs([o for o in _observations("200000172", 2022, shares["200000172"]) if o["dimensions"]["EMP_ACTIVITY"] != "OQ"])


def test_profile_shares_refreshed_from_melodi_report_a_new_census_and_a_revision(
    serveur: Serveur, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.MIRROR_ENV, str(mirror))  # the pinned profile the living copy is built on
    shares = _shares_2022(mirror)
    pinned = _profil_now()
    _melodi(serveur, [_observations(c, 2022, shares[c]) for c in EPCI])  # two pages, one EPCI each

    changes, failed = _actualiser("profil-epci")
    assert failed == []
    assert [(c.id, c.avant, c.apres, c.message) for c in changes] == [
        (PROFIL, "2022", "2022", "pas de période nouvelle (jusqu'à 2022) ; aucune valeur révisée")
    ]
    assert sources.copy_in_use(PROFIL) == sources.LIVING
    pd.testing.assert_frame_equal(_profil_now(), pinned)  # the same shares: the same profile

    # the next edition: the 2023 census (2022's shares, copied) and a revised 2022 share
    revised = {c: dict(s) for c, s in shares.items()}
    revised["200066793"]["indus"] += 1.0
    revised["200066793"]["servi"] -= 1.0
    _melodi(serveur, [[o for c in EPCI for y in (2022, 2023) for o in _observations(c, y, (revised if y == 2022 else shares)[c])]])  # one page
    changes, failed = _actualiser("profil-epci")
    assert failed == [] and [c.message for c in changes] == ["nouvelle année : 2023 ; 2 valeurs révisées (2022)"]
    profil = _profil_now()
    assert profil.loc["200066793", "eco_sectindus_pct_22"] == 13.65 and profil.loc["200066793", "eco_sectservi_pct_22"] == 48.84
    assert profil.loc["200000172", "eco_sectindus_pct_23"] == 26.92
    assert pd.isna(profil.loc["00FR", "eco_sectindus_pct_23"])  # France and the rows Melodi does not serve: kept, no 2023
    assert profil.loc["00FR", "eco_sectindus_pct_22"] == pinned.loc["00FR", "eco_sectindus_pct_22"] == 11.62
    unchanged = [c for c in pinned.columns if not economie.PROFIL_SHARE_COLUMN.match(c)]
    pd.testing.assert_frame_equal(profil[unchanged], pinned[unchanged])


def test_the_dares_endpoint_is_declared_but_not_read(serveur: Serveur) -> None:
    vivants = sources.vivants()
    dares, profil, dvf = vivants["demandeurs-emploi"], vivants["profil-epci"], vivants["dvf"]
    assert dares.urls == {
        "demandeurs-emploi/emploi_demandeur": "https://data.dares.travail-emploi.gouv.fr/api/explore/v2.1/catalog/datasets/dares_defm_communales-brutes/exports/csv?use_labels=true"
    }
    assert not dares.obtainable and "aucune série mensuelle par commune" in dares.note
    assert profil.obtainable and profil.reader in officiels.READERS and profil.urls == {PROFIL: MELODI}
    assert dvf.obtainable and dvf.reader in officiels.READERS and dvf.urls == {DVF: ANNUEL}
    with pytest.raises(sources.SourceError, match=r"demandeurs-emploi \(format non lu par le chargeur\)"):
        etat.actualiser(["demandeurs-emploi"])
    assert serveur.requetes == []
