"""Every sentence of every fiche agrees with its own numbers.

The text functions of ``analysis.publications.fiche`` run for all the territories of both
phases on the real indicator tables of a period (332 fiches; the functions are pure, no
notebook is executed). The checks read the texts back, independently of how they were made:

- a verdict ("au-dessus", "en dessous", "plus vite", "moins vite", "plus rapide",
  "moins rapide", "reculé", "progressé") agrees with the two numbers "A contre B" printed in
  the same sentence or list item;
- a force is better than France and a faiblesse worse, by the direction of each indicator
  written below (``ATTENDU``, the domain's answer, not read from the registry), a trait has
  no direction; structural and local effects are read by their sign;
- announced counts equal the items listed, or the text says which are shown;
- positions ("quart le plus élevé / le plus bas des TI") agree with the printed rank;
- no sentence prints "nan", "None", an empty list or parentheses;
- values of EPCI the territory mostly does not hold are never ranked nor called a force.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import pandas as pd
import pytest

from analysis.analyses import positions, tissu_productif
from analysis.donnees import referentiel
from analysis.indicateurs.registry import INDICATORS, registry
from analysis.publications import fiche, fiche_secteurs

# What a higher value means, for the indicators compared in the forces et faiblesses:
# +1 better, -1 worse, 0 neither (structure, prices). Written here from the definitions, on
# purpose not read from the registry: an inverted direction there makes this test fail.
ATTENDU = {
    "emploi_prive_indice": 1, "emploi_prive_croissance": 1, "emploi_prive_tcam": 1,
    "part_industrie": 0, "part_agri_industrie_evol": 0, "krugman_a5": 0,
    "ss_variation_pct": 1, "ss_effet_structurel_pct": 1, "ss_effet_local_pct": 1,
    "part_industrie_hautetech": 1, "part_services_hautetech": 1,
    "part_diplomes_superieur": 1, "part_sans_bac": -1, "part_cadres": 1, "part_ouvriers": 0, "taux_emploi_1564": 1,
    "taux_chomage": -1, "taux_chomage_rp": -1, "demandeurs_emploi_evol": -1,
    "croissance_population": 1, "croissance_population_migratoire": 1, "revenu_median": 1, "taux_pauvrete": -1,
    "dvf_prix_maison": 0, "dvf_prix_appartement": 0,
}  # fmt: skip

NOMBRE = r"[-+−]?\d{1,3}(?:[\u202f ]\d{3})*(?:,\d+)?"
PAIRE = re.compile(rf"({NOMBRE})(?:\u00a0\S+)? contre ({NOMBRE})")
VERDICTS = {  # verdict -> sign of A - B it requires
    "plus vite": 1, "plus rapide": 1, "au-dessus": 1,
    "moins vite": -1, "moins rapide": -1, "en dessous": -1,
    "au même rythme": 0, "égale à celle": 0, "égal à celui": 0,
}  # fmt: skip
INTERDIT = re.compile(r"\bnan\b|\bNone\b|\bNaN\b|\(\s*\)|\[\s*\]|:\s*[.;]|,\s*[.;]|;\s*\.|\bn\.d\.")
ITEM = re.compile(
    rf"^  - (?P<label>.+?) \((?P<periode>[^()]+)\) : (?P<v>{NOMBRE})(?:\u00a0\S+)? contre (?P<f>{NOMBRE})(?:\u00a0\S+)? "
    r"pour la France ; (?P<rang>\d+)(?:er|e) sur (?P<n>\d+), (?P<position>.+)$"
)
LECTURE_TITRES = {"Points forts": "force", "Points faibles": "faiblesse", "Traits distinctifs": "trait"}
COMPTE = re.compile(r"se distingue sur (\d+) : (\S+) forces?, (\S+) faiblesses? et (\S+) traits? distinctifs?\.")


def nombre(text: str) -> float:
    return float(text.replace("\u202f", "").replace(" ", "").replace("−", "-").replace(",", "."))


def _entier(word: str) -> int:
    return 0 if word in {"aucune", "aucun"} else int(word)


def unites(text: str) -> Iterator[str]:
    """Sentences and list items of a text (a list item is one unit)."""
    for line in text.splitlines():
        yield from (s for s in re.split(r"(?<=\.)\s+(?=[A-ZÀÉ])", line) if s.strip())


def textes_fiche(
    wide: pd.DataFrame, observations: pd.DataFrame, reg: pd.DataFrame, phase: int, id_ti: str, emploi: pd.DataFrame | None = None
) -> dict[str, str]:
    """The texts of a fiche; ``emploi``: ``tissu_productif.emploi_territoires`` of the phase (industrial section)."""
    terr = referentiel.territoire(phase, id_ti)
    ff = positions.forces_faiblesses(wide, id_ti)
    cles = fiche.chiffres_cles(wide, observations, reg, id_ti)
    return {
        "intro": fiche.texte_intro(terr.ligne, terr.membres, terr.communes, terr.cog),
        "perimetre": fiche.texte_perimetre(wide, reg, phase, id_ti),
        "manquants": fiche.texte_manquants(wide, reg, id_ti),
        "cles": "" if cles.empty else cles.to_csv(sep="|", index=False),
        "emploi": fiche.texte_emploi(wide, observations, id_ti),
        "shift_share": fiche.texte_shift_share(wide, observations, id_ti),
        "chomage": fiche.texte_chomage(wide, observations, id_ti),
        "demandeurs": fiche.texte_demandeurs(wide, observations, id_ti),
        "forces": fiche.texte_forces_faiblesses(ff, reg, observations, n_disponibles=fiche.indicateurs_disponibles(wide, id_ti)),
        "piliers": fiche.texte_piliers(wide, observations, reg, id_ti),
        **({} if emploi is None else {"tissu": fiche_secteurs.texte_tissu(tissu_productif.tableau_secteurs(emploi, id_ti, *tissu_productif.annees(emploi)), *tissu_productif.annees(emploi))}),
    }


def problemes(fiches: dict[tuple[int, str], dict[str, str]]) -> list[str]:
    """Every disagreement between a sentence and its numbers, as 'phase id section: sentence'."""
    labels = {ind.label[0].lower() + ind.label[1:]: name for name, ind in INDICATORS.items()}
    found = []
    for (phase, id_ti), textes in fiches.items():

        def bad(section: str, why: str, unit: str) -> None:
            found.append(f"phase {phase} {id_ti} {section}: {why} — {unit}")

        for section, text in textes.items():
            if section == "cles":
                if re.search(r"\bnan\b|None", text):
                    bad(section, "valeur vide", text)
                continue
            for unit in unites(text):
                if INTERDIT.search(unit):
                    bad(section, f"texte vide ou manquant ({INTERDIT.search(unit)[0]!r})", unit)
                said = [(w, s) for w, s in VERDICTS.items() if w in unit]
                pairs = PAIRE.findall(unit)
                if said:
                    if len(pairs) != 1:
                        bad(section, f"verdict sans exactement une comparaison « A contre B » ({len(pairs)})", unit)
                    else:
                        a, b = map(nombre, pairs[0])
                        for word, sign in said:
                            if (a > b) - (a < b) != sign:
                                bad(section, f"« {word} » contredit {a} contre {b}", unit)
                if "a reculé" in unit and pairs and not nombre(pairs[0][0]) < 100:
                    bad(section, "« reculé » avec un indice ≥ 100", unit)
                if "a progressé" in unit and "progressé en France" not in unit and pairs and nombre(pairs[0][0]) < 100:
                    bad(section, "« progressé » avec un indice < 100", unit)
                for pattern, words in (
                    (r"lui est (favorable|défavorable|neutre) \(effet structurel : (\S+) emplois", ("favorable", "défavorable", "neutre")),
                    (r"ont fait (mieux|moins bien|aussi bien) que la moyenne nationale \(effet local : (\S+) emplois", ("mieux", "moins bien", "aussi bien")),
                ):
                    if m := re.search(pattern, unit):
                        x = nombre(m[2])
                        expected = words[0] if x > 0 else words[1] if x < 0 else words[2]
                        if m[1] != expected:
                            bad(section, f"« {m[1]} » pour un effet de {x} emplois", unit)
        found += [f"phase {phase} {id_ti} forces: {p}" for p in _forces(textes["forces"], labels)]
        found += [f"phase {phase} {id_ti} manquants: {p}" for p in _manquants(textes["manquants"])]
    return found


def _forces(text: str, labels: dict[str, str]) -> list[str]:
    out = []
    head = COMPTE.search(text)
    if not head:
        return [] if "Aucun des indicateurs" in text or "ne se distingue nettement" in text else [f"compte introuvable : {text[:120]}"]
    total, announced = int(head[1]), {"force": _entier(head[2]), "faiblesse": _entier(head[3]), "trait": _entier(head[4])}
    if sum(announced.values()) != total:
        out.append(f"{total} annoncés pour {announced}")
    blocks = re.findall(r"^- \*\*(.+?)\*\*(?: \((\d+), dont les (\d+) plus marqués\))? :\n((?:  - .+\n?)+)", text, flags=re.M)
    listed = {LECTURE_TITRES[title]: title for title, *_ in blocks}
    for lecture, n in announced.items():
        if n and lecture not in listed:
            out.append(f"{n} {lecture} annoncés, aucun listé")
    for title, n_all, n_shown, items in blocks:
        lecture = LECTURE_TITRES[title]
        rows = [ITEM.match(line) for line in items.rstrip("\n").split("\n")]
        if not all(rows):
            out.append(f"élément illisible dans {title} : {items}")
            continue
        if n_all:
            if int(n_all) != announced[lecture] or int(n_shown) != len(rows) or len(rows) >= int(n_all):
                out.append(f"{title} : {n_all} dont {n_shown} annoncés, {len(rows)} listés, {announced[lecture]} au total")
        elif len(rows) != announced[lecture]:
            out.append(f"{title} : {announced[lecture]} annoncés, {len(rows)} listés")
        for m in rows:
            name = labels.get(m["label"])
            if name is None:
                out.append(f"indicateur inconnu {m['label']!r}")
                continue
            v, f, rang, n = nombre(m["v"]), nombre(m["f"]), int(m["rang"]), int(m["n"])
            sens = ATTENDU[name] * ((v > f) - (v < f))
            if (lecture == "force" and sens <= 0) or (lecture == "faiblesse" and sens >= 0) or (lecture == "trait" and ATTENDU[name] != 0):
                out.append(f"{lecture} contredite par {v} contre {f} ({name}) : {m[0]}")
            k = math.ceil(n / 4)
            if m["position"] == "quart le plus élevé des TI" and rang > k:
                out.append(f"quart le plus élevé au rang {rang} sur {n}")
            if m["position"] == "quart le plus bas des TI" and rang <= n / 2:
                out.append(f"quart le plus bas au rang {rang} sur {n}")
            if m["position"] == "au-dessus de la France" and not v > f or m["position"] == "en dessous de la France" and not v < f:
                out.append(f"« {m['position']} » contredit {v} contre {f}")
    return out


def _manquants(text: str) -> list[str]:
    if not text:
        return []
    m = re.search(r"(?:Sur les (\d+) indicateurs de cette fiche, (\d+)|Aucun des (\d+) indicateurs)", text)
    if not m:
        return [f"compte introuvable : {text}"]
    n = int(m[2] or m[3])
    by_source = re.findall(r"(\d+) de la source ", text)
    listed = re.search(r"pour ce territoire \(([^)]*)\)\.", text)
    shown = sum(map(int, by_source)) if by_source else len(listed[1].split(" ; ")) if listed else -1
    return [] if shown == n else [f"{n} annoncés, {shown} détaillés : {text}"]


@pytest.fixture(scope="module")
def fiches(indicateurs_periode) -> dict[tuple[int, str], dict[str, str]]:
    reg = registry()
    out = {}
    for phase, res in indicateurs_periode.items():
        emploi, _ = tissu_productif.emploi_territoires(phase, res.periode)
        for id_ti in res.wide.loc[res.wide["niveau"] == "ti", "id_ti"]:
            out[(phase, id_ti)] = textes_fiche(res.wide, res.observations, reg, phase, id_ti, emploi)
    return out


def test_the_expected_directions_cover_the_compared_indicators():
    assert set(ATTENDU) == set(positions.SENS)


def test_every_sentence_of_the_332_fiches_agrees_with_its_numbers(fiches):
    assert len(fiches) == 149 + 183
    found = problemes(fiches)
    assert found == [], f"{len(found)} phrases contredisent leurs nombres, par exemple :\n" + "\n".join(found[:15])


def test_the_checks_find_an_inverted_direction(indicateurs_periode, monkeypatch):
    # lower unemployment read as a weakness: the fiches of territories below France must fail
    monkeypatch.setitem(positions.SENS, "taux_chomage", 1)
    res = indicateurs_periode[2]
    reg = registry()
    fiches = {(2, t): textes_fiche(res.wide, res.observations, reg, 2, t) for t in ("ti-8419", "ti-2411")}
    found = problemes(fiches)
    assert any("taux_chomage" in p and "faiblesse contredite" in p for p in found), found


def test_the_checks_find_a_count_and_a_verdict_that_disagree():
    text = (
        "Comparé aux autres territoires d'industrie de la phase sur 25 indicateurs, le territoire se distingue sur 3 : "
        "aucune force, 3 faiblesses et aucun trait distinctif.\n\n- **Points faibles** :\n"
        "  - taux de pauvreté (2021) : 18,4\u00a0% contre 15,0\u00a0% pour la France ; 18e sur 141, quart le plus élevé des TI"
    )
    found = problemes({(1, "ti-0000"): {"forces": text, "manquants": "", "emploi": "Le taux est au-dessus de celui de la France (6,4\u00a0% contre 7,5\u00a0%)."}})
    assert any("3 annoncés, 1 listés" in p for p in found) and any("« au-dessus » contredit 6.4 contre 7.5" in p for p in found)


def test_periods_and_values_of_sentences_are_those_of_the_key_figures(fiches):
    for key in ((2, "ti-2411"), (2, "ti-8419"), (1, "ti-9301")):
        rows = {r.split("|")[0]: r.split("|") for r in fiches[key]["cles"].splitlines()[1:]}
        tcam = rows[INDICATORS["emploi_prive_tcam"].label]
        first, last = tcam[1].split("-")
        assert f"De {first} à {last}, sa croissance annuelle moyenne" in fiches[key]["emploi"]
        assert f"({tcam[2]} contre {tcam[4]})" in fiches[key]["emploi"]
        chomage = rows[INDICATORS["taux_chomage"].label]
        assert f"({chomage[2]} contre {chomage[4]} ;" in fiches[key]["chomage"] and chomage[1] == "T4 2025"  # the derived file of the 2025-T4 edition, released April 2026


def test_values_of_an_epci_mostly_outside_the_territory_are_flagged_not_ranked(indicateurs_periode, fiches):
    wide = indicateurs_periode[1].wide.set_index("id_ti")
    assert wide.loc["ti-9301", "couverture_epci"] == pytest.approx(25.47, abs=0.01)  # 484 814 of 1.9 M inhabitants
    flagged = positions.hors_perimetre(indicateurs_periode[1].wide)
    assert sorted(flagged.index[flagged["part_industrie"]]) == ["ti-8416", "ti-9301", "ti-9303"]
    assert sorted(flagged.index[flagged["dvf_prix_maison"]]) == ["ti-1101", "ti-1104", "ti-8416", "ti-9301", "ti-9303"]
    assert not flagged[["emploi_prive_tcam", "taux_chomage", "couverture_epci"]].to_numpy().any()
    textes = fiches[(1, "ti-9301")]
    assert "Il ne réunit que 25\u00a0% de la population des EPCI" in textes["perimetre"]
    assert "(Métropole d'Aix-Marseille-Provence : 25\u00a0% de sa population vit dans le territoire)." in textes["perimetre"]
    industry = next(r for r in textes["cles"].splitlines() if r.startswith(INDICATORS["part_industrie"].label + "|"))
    assert industry.endswith("(EPCI entier)|8,1\u00a0%|12,4\u00a0%|hors classement")
    assert "part de l'industrie dans l'emploi (2022)" not in textes["forces"]
    ranks = positions.rangs(indicateurs_periode[1].wide, ["part_industrie"]).set_index("id_ti")
    assert pd.isna(ranks.loc["ti-9301", "rang"]) and ranks["n"].iloc[0] == 138  # 141 with census values, 3 flagged
    assert all(not fiches[(p, t)]["perimetre"] for p, t in fiches if (p, t) not in {(1, "ti-9301"), (1, "ti-9303"), (1, "ti-8416"), (1, "ti-1101"), (1, "ti-1104"), (2, "ti-1101"), (2, "ti-1105")})


def test_every_fiche_has_an_industrial_section(fiches):
    estimated = {key for key, textes in fiches.items() if textes["tissu"].startswith("Estimation par zones d'emploi")}
    assert set(fiches) - estimated == {(2, "ti-0601")}  # 331 of 332; Mayotte is in no zone d'emploi
    assert fiches[(2, "ti-0601")]["tissu"].startswith("Les séries URSSAF par zone d'emploi et secteur ne couvrent pas ce territoire")
    castres = fiches[(2, "ti-7605")]["tissu"]
    assert "au-dessus de son poids en France (22,6\u00a0% contre 15,9\u00a0%)" in castres
    assert "Ses 3 premiers secteurs industriels fin 2024 : ind. alimentaires (environ 2\u202f464)" in castres


def test_a_territory_without_data_says_so_once_per_section(fiches):
    mayotte = fiches[(2, "ti-0601")]
    assert mayotte["cles"] == ""
    assert mayotte["manquants"].startswith("Aucun des 27 indicateurs de cette fiche n'est disponible pour ce territoire : ")
    for section in ("emploi", "shift_share", "chomage", "demandeurs", "forces", "piliers", "tissu"):
        assert len(list(unites(mayotte[section]))) <= 2, mayotte[section]
    assert mayotte["forces"].startswith("Aucun des indicateurs de comparaison n'est disponible")
