"""Home page of the site: phases matched on their communes, linked maps, groups, table, texts."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.analyses import portrait
from analysis.donnees import referentiel
from analysis.publications import accueil


@pytest.fixture(scope="module")
def repertoire() -> pd.DataFrame:
    return accueil.repertoire()


def test_phases_are_matched_on_their_communes_not_on_their_codes():
    pairs = portrait.memes_communes()
    assert len(pairs) == 74 and pairs["id_ti_1"].is_unique and pairs["id_ti_2"].is_unique
    assert int((pairs["id_ti_1"] == pairs["id_ti_2"]).sum()) == 11
    # ti-7605 is Gard Rhodanien in phase 1 and Castres Revel Castelnaudary in phase 2: the
    # phase-1 territory is ti-7607 in phase 2, and ti-7607 was Narbonne in phase 1
    gard = pairs.set_index("id_ti_1").loc["ti-7605"]
    assert (gard["lib_ti_1"], gard["id_ti_2"], gard["lib_ti_2"]) == (
        "Gard Rhodanien-Pont du Gard", "ti-7607", "Gard Rhodanien – Pont du Gard"
    )
    assert pairs.set_index("id_ti_1").loc["ti-7607", "id_ti_2"] == "ti-7609"  # Narbonne
    communes = {p: referentiel.communes_ti(p).groupby("id_ti")["insee_com"].agg(frozenset) for p in (1, 2)}
    for row in pairs.itertuples():
        assert communes[1][row.id_ti_1] == communes[2][row.id_ti_2]


def test_the_repertoire_places_each_territory_and_links_its_fiches(repertoire):
    assert len(repertoire) == 149 + 183
    gard = repertoire.set_index(["phase", "id_ti"]).loc[(1, "ti-7605")]
    assert (gard["lib_region"], gard["lib_departement"], gard["href"], gard["href_autre"]) == (
        "Occitanie", "Gard", "fiches/phase1/ti-7605.html", "fiches/phase2/ti-7607.html"
    )
    castres = repertoire.set_index(["phase", "id_ti"]).loc[(2, "ti-7605")]
    assert castres["lib_departement"] == "Tarn" and pd.isna(castres["id_autre"])
    assert int(repertoire["id_autre"].notna().sum()) == 2 * 74


def test_the_map_links_every_territory_to_its_fiche(repertoire):
    table = repertoire.assign(profil=accueil.NON_CLASSE)
    svg = accueil.carte_phase(table, 1, {})

    links = set(re.findall(r'<a href="([^"]+)"><title>([^<]+)</title>', svg))
    assert {href for href, _ in links} == set(table.loc[table["phase"] == 1, "href"])  # all 149, overseas included
    assert ("fiches/phase1/ti-7605.html", "Gard Rhodanien-Pont du Gard (ti-7605) — Non classé") in links
    # Aix-Marseille-Provence is published as points in phase 1: dots, still links
    assert "fiches/phase1/ti-9301.html" in {href for href, _ in links}
    assert svg.startswith("<svg") and "<a xlink:href" not in svg and "target=" not in svg
    assert 'class="carte-liens"' in svg and not re.search(r'<svg[^>]* width="', svg)  # scales with the page
    assert len(svg) < 400_000 and not re.search(r"\d\.\d\d", re.search(r' d="([^"]+)"', svg)[1])


def test_groups_list_a_territory_with_the_same_communes_once(repertoire):
    html = accueil.groupes_html(repertoire)

    assert html.count("<li ") == 332 - 74
    gard = re.search(r"<li [^>]*>Gard Rhodanien – Pont du Gard .*?</li>", html)[0]
    assert "(phase 1 : Gard Rhodanien-Pont du Gard)" in gard
    assert 'href="fiches/phase1/ti-7605.html" title="ti-7605">phase 1' in gard
    assert 'href="fiches/phase2/ti-7607.html" title="ti-7607">phase 2' in gard
    assert html.index("<h3>Occitanie</h3>") < html.index("<h4>Gard</h4>") < html.index(gard)
    assert re.search(r'<li data-filtre="gard rhodanien +pont du gard gard rhodanien-pont du gard gard occitanie ti-7605 ti-7607">', html)
    castres = re.search(r"<li [^>]*>Castres Revel Castelnaudary — .*?</li>", html)[0]
    assert "phase 1" not in castres  # the same code in phase 1 is another territory


def test_the_table_holds_every_territory_with_sort_keys(repertoire):
    table = repertoire.assign(
        profil="industriel en repli",
        emploi_prive_tcam=[1.2345] + [float("nan")] * (len(repertoire) - 1),
        part_industrie=12.0,
        taux_chomage=7.25,
        revenu_median=21500.0,
    )
    observations = {"emploi_prive_tcam": "2018-2024", "part_industrie": "2022", "taux_chomage": "2022-T2", "revenu_median": "2021"}

    html = accueil.tableau_html(table, observations)

    assert 'data-quarto-disable-processing="true"' in html and html.count("<tr data-filtre=") == 332
    assert "Emploi salarié privé, %/an (2018-2024)</button>" in html and "Chômage, % (2022-T2)</button>" in html
    first = re.search(r"<tr [^>]*>.*?</tr>", html[html.index("<tbody>"):])[0]
    assert '<td class="nombre" data-tri="1.2345">1,2</td>' in html
    assert '<td class="nombre" data-tri="21500">21\u202f500</td>' in first
    assert html.count('data-tri="">n.d.</td>') == len(table) - 1
    assert '<th class="nombre"><button type="button">Population</button></th>' in html


def test_the_codes_and_the_matching_are_explained_once(repertoire):
    text = accueil.texte_codes(repertoire)

    assert "145 identifiants existent dans les deux phases et, pour 134 d'entre eux" in text
    assert "74 territoires ont exactement les mêmes communes dans les deux phases, dont 11 sous le même identifiant" in text
    example = re.search(r"comme (ti-\d{4}), (.+?) en phase 1 et (.+?) en phase 2 \(le territoire de la phase 1 porte en phase 2 le code (ti-\d{4})\)", text)
    one, two = (repertoire.loc[repertoire["phase"] == p].set_index("id_ti")["lib_ti"] for p in (1, 2))
    code, name1, name2, moved = example.groups()
    assert one[code] == name1 and two[code] == name2
    assert portrait.memes_communes().set_index("id_ti_1").loc[code, "id_ti_2"] == moved
    communes = {p: set(referentiel.communes_ti(p).loc[lambda d: d["id_ti"] == code, "insee_com"]) for p in (1, 2)}
    assert communes[1] and communes[2] and not communes[1] & communes[2]  # two territories, no commune in common
