"""Fonds vert 2023: the national list read as published, its projects located in the communes of
each territory (communes merged since carried to the COG), the amounts per inhabitant against
the phase's median and the monograph's sentence and table (real list; small fixtures in its schema)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyses import fonds_vert_territoires
from analysis.donnees import harmonisation
from analysis.donnees.loaders import fonds_vert as loader
from analysis.publications import monographie


def test_the_national_list_is_read_with_string_codes():
    projets = loader.projets()
    assert len(projets) == 10_782 and int(projets["insee_com"].isna().sum()) == 827
    assert projets["montant"].sum() / 1e6 == pytest.approx(1_956.355, abs=0.001)
    assert projets["insee_com"].iloc[0] == "01004" and projets["beneficiaire"].iloc[0] == "SYND RIVIERE AIN AVAL ET SES AFFLUENTS"


def _projet(code: str | None, montant: float) -> dict:
    return {"insee_com": code, "lib_commune": "X", "axe": "1", "mesure": "Recyclage foncier", "projet": f"P{montant:.0f}",
            "beneficiaire": "B", "siren": "200000001", "montant": montant}


def test_projects_are_located_in_the_communes_of_the_cog_and_totalled_per_inhabitant():
    # Binson-et-Orquigny (51063) joined Cœur-de-la-Vallée (51457) on 1 January 2023
    projets = pd.DataFrame([_projet("51063", 1000.0), _projet("51457", 500.0), _projet(None, 90.0), _projet("75056", 7.0)])
    communes = pd.DataFrame({"id_ti": ["ti-a", "ti-b"], "insee_com": ["51457", "01001"], "lib_com": ["Cœur-de-la-Vallée", "Ain"]})
    located = fonds_vert_territoires.projets_territoires(projets, communes, harmonisation.passage(2023))
    assert located["insee_com"].tolist() == ["51457", "51457"] and set(located["id_ti"]) == {"ti-a"}
    totaux = fonds_vert_territoires.totaux_territoires(located, pd.DataFrame({"id_ti": ["ti-a", "ti-b"], "population": [100, 50]})).set_index("id_ti")
    assert totaux.loc["ti-a", ["n_projets", "montant", "montant_par_habitant"]].tolist() == [2, 1500.0, 15.0]
    assert totaux.loc["ti-b", ["n_projets", "montant_par_habitant"]].tolist() == [0, 0.0]


def test_the_monograph_states_the_table_values_and_the_seat_caveat():
    fv = fonds_vert_territoires.fonds_vert(2, "2026-11")
    row = fv.totaux.set_index("id_ti").loc["ti-2404"]
    text = monographie.texte_fonds_vert(fv, "ti-2404", "Est du Loiret")
    assert row["n_projets"] == 36 and "pour 36 projets situés dans les communes d'Est du Loiret" in text
    assert "soit 29 € par habitant : plus que la médiane des territoires de la phase (25 € par habitant)" in text
    assert monographie.FONDS_VERT_SIEGE in text
    table = monographie.tableau_fonds_vert(fv, "ti-2404")
    assert len(table) == 12 and table["Montant (€)"].iloc[0] == "688\u202f000" and table["Commune"].iloc[0] == "Gien"
    none = fv.totaux.loc[fv.totaux["n_projets"] == 0, "id_ti"].iloc[0]
    assert monographie.texte_fonds_vert(fv, none, "Est du Loiret").startswith(
        "Aucun projet du Fonds vert 2023 n'est situé dans une commune d'Est du Loiret ;")
    # before the list of 2023 is out
    assert fonds_vert_territoires.fonds_vert(2, "2023-06") is None
    assert monographie.texte_fonds_vert(None, "ti-2404", "Est du Loiret") == monographie.FONDS_VERT_PAS_ENCORE


@pytest.mark.parametrize(("montant", "n", "attendu"), [
    (1_458_000.0, 33, "le Fonds vert a engagé 1,5 million d'euros pour 33 projets situés"),  # Alsace du Nord: was « 1,5 millions »
    (2_604_000.0, 25, "le Fonds vert a engagé 2,6 millions d'euros pour 25 projets situés"),
    (688_000.0, 1, "le Fonds vert a engagé 688\u202f000 euros pour 1 projet situé"),  # was « 0,7 millions … 1 projet situés »
])
def test_the_amount_and_the_participle_agree(montant, n, attendu):
    projets = pd.DataFrame({"id_ti": ["ti-1"] * n, "mesure": "Recyclage foncier", "montant": montant / n})
    totaux = pd.DataFrame({"id_ti": ["ti-1", "ti-2"], "population": [100_000, 100_000], "n_projets": [n, 0],
                           "montant": [montant, 0.0], "montant_par_habitant": [montant / 100_000, 0.0]})
    text = monographie.texte_fonds_vert(fonds_vert_territoires.FondsVert(projets=projets, totaux=totaux), "ti-1", "Alsace du Nord")
    assert text.startswith(f"En 2023, {attendu} dans les communes d'Alsace du Nord")
