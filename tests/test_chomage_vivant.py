"""Living endpoints of the INSEE unemployment series, served from 127.0.0.1 in the official
formats (built from the official files of the mirror): the zone d'emploi workbook found by
trying the next editions' names, the BDM SDMX-ML département series, a new quarter arriving and
a revision, what ``observatoire donnees --actualiser chomage chomage-departements`` reports, and what an as-of month
then reads."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import openpyxl
import pytest
from test_telechargements import Serveur, serveur  # noqa: F401 (the local server fixture)

from analysis import config, mois
from analysis.cli import main
from analysis.donnees import editions, etat, sources
from analysis.donnees.loaders import economie

ZE_ID = "chomage/chomage-zone-t1-2003-t3-2023"
DEP_ID = "chomage/sl_etc_2025T3"
COURANT = mois.default_periode()


def _classeur(mirror: Path, nouveaux: dict[str, float], revision: tuple[str, str, float]) -> bytes:
    """The official 2023-T3 workbook with more quarters (each zone's 2023-T3 rate plus the given
    offset) and one value revised (zone, quarter, new value): the layout of INSEE's next editions."""
    book = openpyxl.load_workbook(mirror / sources.source(ZE_ID).file)
    sheet = book["txcho_ze"]
    codes = {sheet.cell(6, c).value: c for c in range(1, sheet.max_column + 1)}
    last = codes["2023-T3"]
    for i, (quarter, offset) in enumerate(nouveaux.items(), start=1):
        col = sheet.max_column + 1
        sheet.cell(5, col).value, sheet.cell(6, col).value = f"{quarter[-1]}e trimestre {quarter[:4]}", quarter
        for row in range(7, sheet.max_row + 1):
            base = sheet.cell(row, last).value
            if isinstance(base, int | float):
                sheet.cell(row, col).value = round(base + offset, 1)
    zone, quarter, value = revision
    row = next(r for r in range(7, sheet.max_row + 1) if sheet.cell(r, 1).value == zone)
    sheet.cell(row, codes[quarter]).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sdmx(series: dict[str, dict[str, float]]) -> bytes:
    """A BDM StructureSpecificData message: one Series per area (REF_AREA), one Obs per quarter."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
             'xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific">',
             '<message:Header><message:ID>TAUX-CHOMAGE</message:ID></message:Header>',
             '<message:DataSet ss:dataScope="DataStructure" ss:structureRef="TAUX-CHOMAGE">']
    for area, values in series.items():
        lines.append(f'<Series IDBANK="0{abs(hash(area)) % 10**8:08d}" FREQ="T" INDICATEUR="CTTXC" REF_AREA="{area}" '
                     'CORRECTION="CVS" UNIT_MEASURE="POURCENT" TITLE_FR="Taux de chômage localisé">')
        lines += [f'<Obs TIME_PERIOD="{q[:4]}-Q{q[-1]}" OBS_VALUE="{v}" OBS_STATUS="A" OBS_QUAL="DEF"/>' for q, v in values.items()]
        lines.append("</Series>")
    lines += ["</message:DataSet>", "</message:StructureSpecificData>"]
    return "\n".join(lines).encode()


def _url(file_id: str, quarter: str | None = None) -> str:
    url = sources.vivants()[sources.source(file_id).dataset].urls[file_id]
    return url.format(annee=quarter[:4], trimestre=quarter[-1]) if quarter else url


@pytest.fixture
def insee(serveur: Serveur, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Serveur:  # noqa: F811
    monkeypatch.setenv(config.MIRROR_ENV, str(mirror))  # the pinned editions come from the mirror
    dep = economie.chomage_departements()
    official = {code: dict(zip(g["trimestre"], g["taux_chomage"])) for code, g in dep.loc[dep["trimestre"] >= "2024-T1"].groupby("code_dep")}
    series = {f"D{code}": {**values, "2025-T4": round(values["2025-T3"] + 0.2, 1)} for code, values in official.items()}
    series["D01"]["2025-T3"] = 5.9  # revised: 5.7 in the re-saved workbook
    series["R84"] = {"2025-T4": 6.5}  # a région and France: left out
    series["FE"] = {"2025-T4": 7.7}
    serveur.sert(DEP_ID, _sdmx(series), _url(DEP_ID))
    serveur.sert(ZE_ID, _classeur(mirror, {"2023-T4": 0.1}, ("0051", "2023-T3", 7.5)), _url(ZE_ID, "2023-T4"))
    return serveur


def test_a_new_edition_is_found_by_its_name_and_reported_with_its_revisions(insee: Serveur, capsys) -> None:
    assert main(["donnees", "--actualiser", "chomage", "chomage-departements"]) == 0
    out = capsys.readouterr().out
    assert (f"{ZE_ID} : nouvelles périodes : de 2023-T3 à 2023-T4 ; 1 trimestre nouveau (2023-T4) ; "
            "1 valeur révisée (la plus forte : 0051, 2023-T3, de 6,5 à 7,5)") in out
    assert (f"{DEP_ID} : nouvelles périodes : de 2025-T3 à 2025-T4 ; 1 trimestre nouveau (2025-T4) ; "
            "1 valeur révisée (la plus forte : 01, 2025-T3, de 5,7 à 5,9)") in out
    today = dt.date.today()
    assert ("- chomage (Taux de chômage localisé (INSEE)) :\n  éditions détenues : 2022-T2 (publiée le 07/10/2022, copie exacte "
            "du fichier officiel), 2023-T3 (publiée le 04/01/2024, copie exacte du fichier officiel), 2025-T4 (publiée le 09/04/2026, "
            f"fichier dérivé par un tiers), 2023-T4 (obtenue le {today:%d/%m/%Y}, copie exacte du fichier officiel)\n"
            "  dernière observation : 2025-T4") in out
    assert (f"  éditions détenues : 2025-T3 (publiée le 08/01/2026, ré-enregistré par un tiers), 2025-T4 (obtenue le {today:%d/%m/%Y}, "
            "copie exacte du fichier officiel)\n  dernière observation : 2025-T4") in out
    # the names were tried newest first, from one quarter past the calendar down to the one found
    tried = [p.rsplit("/", 1)[-1] for p in insee.requetes if "chomage-zone" in p]
    assert tried[-1] == "chomage-zone-t1-2003-t4-2023.xlsx" and len(tried) == len(set(tried)) >= 2
    assert tried == sorted(tried, key=lambda n: (n[-9:-5], n[-11]), reverse=True)

    # this month reads the official living editions; a month before they were obtained does not
    ze = economie.chomage_ze(COURANT)
    alencon = ze.loc[(ze["code_ze"] == "0051") & (ze["trimestre"].isin(["2023-T3", "2023-T4"]))]
    assert alencon[["trimestre", "taux_chomage", "nature", "edition"]].values.tolist() == [
        ["2023-T3", 7.5, "exacte", "2023-T4"], ["2023-T4", 6.6, "exacte", "2023-T4"]]
    assert ze.loc[ze["trimestre"] == "2024-T1", "nature"].unique().tolist() == ["derivee"]  # beyond the living edition
    dep = economie.chomage_departements(COURANT)
    assert dep["trimestre"].max() == "2025-T4" and set(dep["nature"]) == {"exacte"} and dep["code_dep"].nunique() == 100
    assert dep.loc[(dep["code_dep"] == "01") & (dep["trimestre"] == "2025-T3"), "taux_chomage"].item() == 5.9
    before = economie.chomage_departements(mois.decaler(COURANT, -1))
    assert before["trimestre"].max() == "2025-T3" and set(before["nature"]) == {"reenregistree"}
    held = editions.editions("chomage", "ze")
    assert [(e.edition, e.vivante) for e in held][-1] == ("2023-T4", True)

    # the next refresh: an edition one quarter later, with a revision; an unchanged endpoint says so
    insee.sert(ZE_ID, _classeur(Path(os.environ[config.MIRROR_ENV]), {"2023-T4": 0.1, "2024-T1": 0.3},
                                ("0051", "2023-T3", 7.4)), _url(ZE_ID, "2024-T1"))
    bilan = etat.actualiser(["chomage", "chomage-departements"])
    assert bilan.echecs == []
    messages = {c.id: c.message for c in bilan.faits}
    assert messages[ZE_ID] == ("nouvelles périodes : de 2023-T4 à 2024-T1 ; 1 trimestre nouveau (2024-T1) ; "
                               "1 valeur révisée (la plus forte : 0051, 2023-T3, de 7,5 à 7,4)")
    assert messages[DEP_ID] == "inchangé"
    assert economie.chomage_ze(COURANT).query("code_ze == '0051' and trimestre == '2024-T1'")["nature"].item() == "exacte"


def test_no_new_edition_online_is_an_error_naming_the_names_tried(serveur: Serveur, mirror: Path, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv(config.MIRROR_ENV, str(mirror))
    bilan = etat.actualiser(["chomage", "chomage-departements"])
    assert bilan.faits == [] and [e.file for e in bilan.echecs] == [sources.source(ZE_ID).file, sources.source(DEP_ID).file]
    assert "aucune édition plus récente trouvée (noms essayés : " in bilan.echecs[0].message
    assert "chomage-zone-t1-2003-t4-2023.xlsx" in bilan.echecs[0].message and "404" in bilan.echecs[1].message
    assert economie.chomage_ze(COURANT)["trimestre"].max() == "2025-T4"  # nothing changed: pinned editions
