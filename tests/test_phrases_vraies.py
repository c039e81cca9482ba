"""The sentences of issue 28 made true, checked over every fiche of both phases.

Each test reads the texts the fiche prints (the publication functions run on the real
indicator tables of ``PERIODE_TESTS``, no notebook executed) against what they describe:

- "Comparé aux autres territoires … sur N indicateurs": N is the number of indicators the
  territory is actually ranked on, not the size of the list;
- no two versions of one measure among the stand-outs (the families are written below from
  the definitions, on purpose not read from the code);
- a trait distinctif (an indicator without favourable direction) is in the top or bottom
  tenth of the TI, and the methods page states that rule;
- the map's sentence counts the points and the outline the map draws;
- the sector and shift-share sections say why their zone-based figures differ from the census
  share and from the commune series.
"""

from __future__ import annotations

import math
import re

import pytest

from analysis.analyses import positions, tissu_productif
from analysis.indicateurs.registry import registry
from analysis.publications import cartes, fiche, fiche_secteurs, methodes

# Versions of one measure (the growth of private employment; the unemployment rate).
MEMES_MESURES = (
    {"emploi_prive_indice", "emploi_prive_croissance", "emploi_prive_tcam", "ss_variation_pct"},
    {"taux_chomage", "taux_chomage_rp"},
)
SUR_N = re.compile(r"Comparé aux autres territoires d'industrie de la phase sur (\d+) indicateurs?, ")


@pytest.fixture(scope="module")
def forces(indicateurs_periode) -> dict[tuple[int, str], tuple]:
    """(phase, id_ti) -> (stand-outs, text, ranks of the territory) for all 332 territories."""
    reg = registry()
    out = {}
    for phase, res in indicateurs_periode.items():
        ranks = positions.rangs(res.wide, list(positions.SENS))
        for id_ti in res.wide.loc[res.wide["niveau"] == "ti", "id_ti"]:
            ff = positions.forces_faiblesses(res.wide, id_ti)
            text = fiche.texte_forces_faiblesses(ff, reg, res.observations, n_disponibles=fiche.indicateurs_disponibles(res.wide, id_ti))
            out[(phase, id_ti)] = (ff, text, ranks.loc[ranks["id_ti"] == id_ti])
    return out


def test_the_number_of_compared_indicators_is_the_number_ranked(forces):
    assert len(forces) == 149 + 183
    wrong = []
    for key, (_, text, ranks) in forces.items():
        m = SUR_N.search(text)
        ranked = int(ranks["rang"].notna().sum())
        if (m is None and ranked) or (m is not None and int(m[1]) != ranked):
            wrong.append(f"{key}: {m[1] if m else None} annoncés, {ranked} classés")
    assert wrong == [], f"{len(wrong)} fiches, par exemple : {wrong[:5]}"
    assert SUR_N.search(forces[(2, "ti-0101")][1])[1] == "12"  # not 25: 13 of its 25 have no ranked value


def test_stand_outs_never_list_two_versions_of_one_measure(forces):
    doubles = {key: sorted(set(ff["indicator"]) & family) for key, (ff, _, _) in forces.items() for family in MEMES_MESURES
               if len(set(ff["indicator"]) & family) > 1}
    assert doubles == {}, f"{len(doubles)} fiches, par exemple : {list(doubles.items())[:5]}"
    growth = set(forces[(2, "ti-0101")][0].query("lecture == 'force'")["indicator"]) & MEMES_MESURES[0]
    assert growth == {"emploi_prive_tcam"}  # 5th of 182; the zone-based variation (8th) was a second version of it


def test_a_trait_is_in_the_top_or_bottom_tenth_of_the_ti(forces, indicateurs_periode):
    wrong, appartement = [], {1: 0, 2: 0}
    for (phase, id_ti), (ff, text, ranks) in forces.items():
        values = positions.rangs(indicateurs_periode[phase].wide, list(positions.SENS))
        for r in ff.loc[ff["lecture"] == "trait"].itertuples():
            column = values.loc[values["indicator"] == r.indicator, "value"].dropna()
            k = math.ceil(r.n / 10)
            from_bottom = int((column < r.value).sum()) + 1
            if not (r.rang <= k or from_bottom <= k):
                wrong.append(f"{phase} {id_ti} {r.indicator}: {r.rang}e sur {r.n}")
            appartement[phase] += r.indicator == "dvf_prix_appartement"
        if "Traits distinctifs" in text:
            assert re.search(r"^  - .+, dixième le plus (élevé|bas) des TI$", text, flags=re.MULTILINE), text
    assert wrong == [], wrong[:5]
    # at most the tenth at each end: never again ~220 of 332 fiches
    assert appartement[1] <= 2 * math.ceil(149 / 10) and appartement[2] <= 2 * math.ceil(183 / 10), appartement


def test_the_methods_page_and_the_fiche_state_the_trait_rule(forces):
    text = methodes.texte_methodes()
    assert "n'est un trait distinctif que si le territoire est dans le dixième (10\u00a0%) le plus élevé ou le plus bas" in text
    assert "ne donnent qu'une ligne, la plus marquée" in text
    assert "n'est un trait distinctif que si le territoire est dans le dixième le plus élevé ou le plus bas des TI" in forces[(2, "ti-2405")][1]


def _drawn(points, programme: str) -> int:
    return int((points["programme"] == programme).sum())


def test_every_map_sentence_counts_what_the_map_draws(indicateurs_periode):
    wrong = []
    for phase, res in indicateurs_periode.items():
        for id_ti in res.wide.loc[res.wide["niveau"] == "ti", "id_ti"]:
            carte = cartes.carte(phase, id_ti)
            outline = bool(len(carte.contour)) and not carte.contour.geometry.boundary.is_empty.all()
            if ("publié par l'ANCT" in carte.note) != outline:
                wrong.append(f"{phase} {id_ti}: contour tracé {outline} — {carte.note}")
            for programme, name in (("ACV", "Action cœur de ville"), ("PVD", "Petites villes de demain")):
                m = re.search(rf"(\d+|aucune) villes? {name}(?: \((\d+) points sur la carte)?", carte.note)
                said = int(m[2]) if m and m[2] else 0 if m and m[1] == "aucune" else int(m[1]) if m else -1
                if said != _drawn(carte.points, programme):
                    wrong.append(f"{phase} {id_ti}: {said} {programme} dits, {_drawn(carte.points, programme)} points — {carte.note}")
    assert wrong == [], f"{len(wrong)} cartes, par exemple :\n" + "\n".join(wrong[:5])


def test_the_pointe_a_pitre_and_marseille_maps(indicateurs_periode):
    guadeloupe = cartes.carte(1, "ti-0101")
    assert "1 ville Action cœur de ville (2 points sur la carte : une ville du programme peut réunir plusieurs communes)" in guadeloupe.note
    marseille = cartes.carte(1, "ti-9301")  # the ANCT publishes this outline as points: no limit to draw
    assert marseille.contour.empty and "publié par l'ANCT" not in marseille.note
    assert "L'ANCT ne publie pas de contour de ce territoire : sa limite n'est pas tracée." in marseille.note


def test_zone_estimates_say_why_they_differ_from_the_census_and_the_communes(indicateurs_periode):
    wrong = []
    for phase, res in indicateurs_periode.items():
        emploi, source = tissu_productif.emploi_territoires(phase, res.periode)
        debut, fin = tissu_productif.annees(emploi)
        for id_ti in res.wide.loc[res.wide["niveau"] == "ti", "id_ti"]:
            tissu = fiche_secteurs.texte_tissu(tissu_productif.tableau_secteurs(emploi, id_ti, debut, fin), debut, fin, source)
            if "son poids en France" in tissu and "tirée du recensement, la rapporte à tous les emplois" not in tissu:
                wrong.append(f"{phase} {id_ti} secteurs: {tissu}")
            shift = fiche.texte_shift_share(res.wide, res.observations, id_ti, source)
            if "estimé du territoire" in shift and "additionne celui de ses seules communes" not in shift:
                wrong.append(f"{phase} {id_ti} shift-share: {shift}")
    assert wrong == [], f"{len(wrong)} sections, par exemple :\n" + "\n".join(wrong[:3])
