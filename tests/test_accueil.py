"""Home page of the site: phases matched on their communes, linked maps, groups, table, texts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape

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
    assert ("fiches/phase1/ti-7605.html", "Gard Rhodanien-Pont du Gard, ti-7605 (phase 1) — Non classé") in links
    # a named group, not an image: its links stay visible to screen readers, and are listed after it
    name = "Carte des 149 territoires d&#x27;industrie de la phase 1, colorés selon leur profil"
    assert re.match(rf'<svg [^>]*class="carte-liens" role="group" aria-label="{name}"[^>]*><title>{name}</title>', svg)
    assert 'role="img"' not in svg
    listed = re.search(r'<details class="carte-liste"><summary>Les 149 territoires de la carte de la phase 1, avec le lien '
                       r'vers leur fiche</summary><ul>(.*)</ul></details>$', svg)[1]
    assert set(re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', listed)) == links
    svg = svg[: svg.index("<details")]
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
    assert '<a href="fiches/phase1/ti-7605.html">ti-7605 (phase 1)</a>' in gard  # the code as it should be copied
    assert '<a href="fiches/phase2/ti-7607.html">ti-7607 (phase 2)</a>' in gard
    assert html.index("<h3>Occitanie</h3>") < html.index("<h4>Gard</h4>") < html.index(gard)
    assert '<li data-filtre="gard rhodanien pont du gard gard rhodanien pont du gard gard occitanie ti 7605 ti 7607">' in html
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
    # headings: the registry's short label and unit, then the period; the growth with the
    # registry's two decimals, as in the fiches
    headings = unescape(html[: html.index("<tbody>")])
    assert "Croissance de l'emploi privé, %/an (2018-2024)</button>" in headings and "Chômage localisé, % (2022-T2)</button>" in headings
    assert "Niveau de vie médian, € (2021)</button>" in headings and "Part de l'industrie, % (2022)</button>" in headings
    first = re.search(r"<tr [^>]*>.*?</tr>", html[html.index("<tbody>"):])[0]
    assert '<td class="nombre" data-tri="1.2345">1,23</td>' in html
    assert '<td class="nombre" data-tri="21500">21\u202f500</td>' in first
    assert html.count('data-tri="">n.d.</td>') == len(table) - 1
    assert '<th class="nombre"><button type="button">Population</button></th>' in html
    # the code as a reader copies it, with its phase; sorted by phase, then code
    assert '<td data-tri="1 ti-7605">ti-7605 (phase 1)</td>' in html and '<td data-tri="2 ti-7605">ti-7605 (phase 2)</td>' in html


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


FILTRE_CAS = [
    ("gard", "Gard Rhodanien – Pont du Gard Gard Occitanie ti-7607", True),
    ("gard", "Haut-Bugey – Pays Bellegardien Ain Auvergne-Rhône-Alpes ti-0103", False),
    ("GARD rhod", "Gard Rhodanien – Pont du Gard Gard Occitanie ti-7607", True),
    ("saint eti", "Saint-Étienne Loire Auvergne-Rhône-Alpes", True),
    ("etienne", "Saint-Étienne Loire", True),
    ("tienne", "Saint-Étienne Loire", False),
    ("ti-2405", "Grand Est Touraine ti-2405 Indre-et-Loire", True),
    ("2405", "Grand Est Touraine ti-2405", True),
    ("405", "Grand Est Touraine ti-2405", False),
    ("coeur", "Action cœur de ville", True),
    ("Œuvre", "œuvres", True),
    ("  ", "n'importe quoi", True),
    ("d'oyonnax", "Pays d’Oyonnax", True),
]


@pytest.mark.parametrize(("requete", "filtre", "attendu"), FILTRE_CAS)
def test_the_filter_matches_word_prefixes_accents_aside(requete, filtre, attendu):
    assert accueil.correspond(requete, filtre) is attendu


def test_the_filter_finds_the_gard_territories_not_bellegardien(repertoire):
    html = accueil.tableau_html(repertoire.assign(profil="x", **dict.fromkeys(accueil.INDICATEURS, 1.0)),
                                dict.fromkeys(accueil.INDICATEURS, "2024"))
    rows = re.findall(r'<tr data-filtre="([^"]*)"><td[^>]*><a[^>]*>([^<]*)</a>', html)
    assert len(rows) == 332
    rows = [(filtre, unescape(name)) for filtre, name in rows]
    shown = {name for filtre, name in rows if accueil.correspond("gard", filtre)}
    in_gard = set(repertoire.loc[repertoire["lib_departement"] == "Gard", "lib_ti"])
    assert in_gard and in_gard <= shown
    assert not {name for name in shown if "ellegard" in name}
    # before: a substring search also kept the territories whose name only holds "gard" inside a word
    assert {name for filtre, name in rows if "gard" in filtre} - shown


@pytest.mark.skipif(shutil.which("node") is None, reason="node absent : la règle du filtre en JavaScript n'est pas vérifiée")
def test_the_page_script_applies_the_same_filter_rule():
    cas = [[r, f] for r, f, _ in FILTRE_CAS]
    program = accueil.FILTRE_JS + f"\nconsole.log(JSON.stringify({json.dumps(cas)}.map(function (c) {{ return correspond(c[0], c[1]); }})));"
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [attendu for _, _, attendu in FILTRE_CAS]
    assert accueil.FILTRE_JS in accueil.SCRIPT


CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium absent : le filtre n'est pas essayé dans un navigateur")
def test_in_a_browser_the_counter_equals_the_table_rows_shown(repertoire, tmp_path):
    table = repertoire.assign(profil="x", **dict.fromkeys(accueil.INDICATEURS, 1.0))
    essai = """<script>
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("filtre-territoires");
  box.value = "gard";
  box.dispatchEvent(new Event("input"));
  var out = document.createElement("pre");
  out.id = "resultat";
  out.textContent = JSON.stringify({
    compte: document.getElementById("filtre-compte").textContent,
    lignes: Array.prototype.map.call(document.querySelectorAll("table.triable tbody tr:not([hidden])"),
                                     function (tr) { return tr.cells[0].textContent; }),
    items: document.querySelectorAll(".accueil-groupes li:not([hidden])").length
  });
  document.body.appendChild(out);
});
</script>"""
    page = tmp_path / "filtre.html"
    page.write_text(
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>filtre</title></head><body>'
        + accueil.recherche_html(table) + accueil.tableau_html(table, dict.fromkeys(accueil.INDICATEURS, "2024")) + essai
        + "</body></html>",
        encoding="utf-8",
    )
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    resultat = json.loads(unescape(re.search(r'<pre id="resultat">(.*?)</pre>', dom, re.DOTALL)[1]))
    assert sorted(resultat["lignes"]) == ["Alès", "Bassin d'Alès", "Gard Rhodanien – Pont du Gard", "Gard Rhodanien-Pont du Gard"]
    assert resultat["compte"] == "4 lignes du tableau"  # before: "4 territoires" counted the list, over 5 rows shown
    assert resultat["items"] == 3  # Gard Rhodanien once for its two phases
