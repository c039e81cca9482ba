"""Synthesis and monographs: France Relance loader, pure helpers, the monograph choice and an
end-to-end execution of the synthesis notebook on indicator tables built here."""

from __future__ import annotations

import os
import re

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from analysis import config, mois, texte
from analysis.analyses import (
    comparaison,
    evaluation,
    evaluation_industrie,
    france_relance,
    impact,
    monographies,
    portrait,
    profils,
    questions_terrain,
    recoupements,
    tissu_productif,
)
from analysis.analyses import emploi_industriel as ia
from analysis.analyses.monographies import choose_monographs
from analysis.analyses.typologie import cluster_territories
from analysis.donnees import provenance, referentiel, sources
from analysis.donnees.loaders import economie, geo, relance, urssaf_ape
from analysis.execution import pages
from analysis.indicateurs.build import (
    build_indicators,
    read_indicators,
    write_indicators,
)
from analysis.publications import monographie, synthese, evaluation_impact
from analysis.texte import nombre

PERIODE = "2026-11"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Indicator tables of both phases and the provenance record in a temporary outputs folder
    (also exported for the papermill kernel)."""
    folder = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "OUTPUTS_DIR", folder)
        mp.setenv("OBSERVATOIRE_OUTPUTS", str(folder))
        profils.typologie_du_mois.cache_clear()
        monographies.monographies.cache_clear()
        for phase in config.PHASES:
            write_indicators(build_indicators(phase, PERIODE), PERIODE)
        pinned = [i for i, s in sources.sources().items() if not s.living]
        provenance.write(PERIODE, provenance.collect(PERIODE, {"periode": PERIODE}, "test", pinned))
        yield folder
        profils.typologie_du_mois.cache_clear()
        monographies.monographies.cache_clear()


# --- France Relance ---------------------------------------------------------------------------


def test_relance_loader_real_values():
    firms = relance.entreprises_industrielles()
    assert firms["departement"].nunique() == 101
    assert len(firms) == 101 * 36  # January 2020 to December 2022
    national = firms.groupby("mois")["entreprises"].sum()
    assert (national.index.min(), national.index.max()) == ("2020-01", "2022-12")
    assert national["2022-12"] == 9640
    assert national.max() == 10677 and national.idxmax() == "2022-01"  # revised down in February 2022
    assert national["2020-10"] == 0
    assert set(relance.barometre()["id_indicateur"]) >= {relance.ENTREPRISES_INDUSTRIELLES, "nombre-contrats-apprentissage"}
    # one month of publication lag: in June 2021 the last published month is May 2021
    assert relance.entreprises_industrielles("2021-06")["mois"].max() == "2021-05"


def test_provenance_block_summarises_the_france_relance_files_read(outputs, monkeypatch):
    read = [*relance.file_ids(), "urssaf-emploi/urssaf_serie_indice100"]
    monkeypatch.setattr(sources, "files_read", lambda: sorted(read))  # what a synthesis kernel reads, among others
    block = provenance.bloc_markdown(PERIODE)
    assert f"Fichiers de données lus ({nombre(102)})" in block and "- Millésimes : " in block
    rows = [line for line in block.splitlines() if line.startswith("| ") and not line.startswith("| Fichier")]
    assert len(rows) == 2 and rows[1].startswith("| urssaf-emploi/urssaf_serie_indice100.parquet | ")
    assert rows[0].startswith(f"| {relance.FILE_PREFIX}….csv (101 fichiers) | ")
    # a file read that the run did not record is refused, not left out
    monkeypatch.setattr(sources, "files_read", lambda: ["urssaf-emploi/etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-national"])
    with pytest.raises(ValueError, match="commune-x-ape-national"):
        provenance.bloc_markdown(PERIODE)


def test_relance_par_departement():
    dep, mensuel = france_relance.suivi_relance(PERIODE, phase=1)
    assert len(dep) == 101 and dep["entreprises"].sum() == 9640
    assert dep["population"].sum() == geo.communes(2023)["population"].sum()
    assert dep["population_ti"].sum() == referentiel.communes_ti(1)["population"].sum()
    assert dep["part_population_ti"].between(0, 100).all()
    assert dep["groupe"].value_counts().to_dict() == {"poids des TI faible": 34, "poids des TI fort": 34, "poids des TI moyen": 33}
    low = dep.loc[dep["groupe"] == "poids des TI faible", "part_population_ti"].max()
    assert low <= dep.loc[dep["groupe"] == "poids des TI fort", "part_population_ti"].min()
    assert mensuel.groupby("mois")["entreprises"].sum()["2022-12"] == 9640


# --- pure helpers on hand-written fixtures ----------------------------------------------------


def test_typology_input_drops_mostly_missing_territories():
    cols = [c for c in profils.TYPOLOGY_INDICATORS if c != profils.DENSITE]
    wide = pd.DataFrame(
        {"id_ti": ["ti-0001", "ti-0002", "FRANCE"], "niveau": ["ti", "ti", "france"], **{c: [1.0, np.nan, 2.0] for c in cols}}
    ).assign(part_industrie=[1.0, 3.0, 2.0])
    density = pd.Series([2.0, 1.5], index=["ti-0001", "ti-0002"], name=profils.DENSITE)
    table = profils.typology_input(wide, density)
    assert list(table.index) == ["ti-0001"]  # ti-0002 misses 9 of 11 indicators
    assert list(table.columns) == list(profils.TYPOLOGY_INDICATORS)


def test_trajectoire_weighted_controls():
    panel = pd.DataFrame(
        {
            "siren_epci": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
            "year": [2017, 2018, 2019] * 3,
            "emploi": [90, 100, 110, 50, 50, 55, 200, 200, 180],
            "treated_cohort": pd.array([2019] * 3 + [pd.NA] * 6, dtype="Int64"),
        }
    )
    w = impact.Weights(pd.Series({"a": 1.0, "b": 3.0, "c": 1.0}), pd.DataFrame(), 1.6, "test")
    res = impact.DidResult("témoins jamais traités", 2019, (2017, 2019), pd.DataFrame(), pd.DataFrame(), None, w, 1, 2)
    traj = evaluation.trajectoire(panel, res, ["a"], base=2018).set_index("year")
    assert traj.loc[2019, "territoire"] == pytest.approx(110)
    assert traj.loc[2019, "temoins"] == pytest.approx((3 * 110 + 1 * 90) / 4)
    assert traj.loc[2018, "ecart"] == pytest.approx(0)


def test_recoupement_acv_and_table():
    villes = pd.DataFrame(
        {
            "programme": ["ACV", "ACV", "ACV", "PVD"],
            "insee_com": ["01001", "01002", "02001", "01003"],
            "region": ["84", "84", "32", "84"],
            "id_ti": ["ti-8401", pd.NA, "ti-3201", "ti-8401"],
        }
    )
    regions = pd.DataFrame({"code": ["84", "32"], "nom": ["Auvergne-Rhône-Alpes", "Hauts-de-France"]})
    rec = recoupements.recoupement_acv(villes, regions, "ACV", "liste actuelle").set_index("region")
    assert rec.loc["FR", ["n_villes", "n_dans_ti"]].tolist() == [3, 2]
    assert rec.loc["84", "part_dans_ti"] == pytest.approx(50)
    table = synthese.tableau_acv(rec.reset_index())
    assert table["Région"].tolist() == ["Auvergne-Rhône-Alpes", "Hauts-de-France", "France"]
    assert table.loc[2, "liste actuelle"] == "2 / 3 (67 %)"


def test_tableau_regions_counts_better_than_region():
    wide = pd.DataFrame(
        {
            "id_ti": ["ti-1", "ti-2", "REG-84"],
            "niveau": ["ti", "ti", "region"],
            "lib": ["A", "B", "Auvergne-Rhône-Alpes"],
            "region": ["84", "84", "84"],
            "emploi_prive_tcam": [1.0, 2.0, 1.5],
            "emploi_prive_ecart_region": [-1.0, 2.0, 0.0],
            "ss_effet_local_pct": [-2.0, 4.0, np.nan],
        }
    )
    row = comparaison.tableau_regions(wide).iloc[0]
    assert (row["n_ti"], row["tcam_ti"], row["tcam_region"], row["part_mieux_region"], row["effet_local"]) == (2, 1.5, 1.5, 50.0, 1.0)


# --- typology, monographs and impact on the written tables -----------------------------------


def test_typologie_phase2(outputs):
    result = profils.typologie_du_mois(2, PERIODE)
    assert len(result.labels) == 183 - 10  # the 10 overseas TI have no census profile
    # k is the best silhouette, whatever the number of monographs (3 on 2026-11)
    best = result.silhouettes.loc[result.silhouettes["silhouette"].idxmax(), "k"]
    assert result.k == best == 3 and result.labels.nunique() == result.k
    assert 0 < result.mean_ari <= 1


@pytest.mark.parametrize("phase", [1, 2])
def test_profile_names_are_true_of_the_profiles(outputs, phase):
    result = profils.typologie_du_mois(phase, PERIODE)
    raw, median = result.raw.astype("float64"), result.raw.astype("float64").median()
    for cluster, name in result.profiles.items():
        mean = raw.loc[result.labels == cluster].mean()
        if "urbain" in name:
            assert mean[profils.DENSITE] > median[profils.DENSITE], name
        if "rural" in name:
            assert mean[profils.DENSITE] < median[profils.DENSITE], name
        if "en difficulté sociale" in name:
            assert mean["taux_chomage_rp"] > median["taux_chomage_rp"] or mean["taux_pauvrete"] > median["taux_pauvrete"], name
        if "socialement favorisé" in name:
            assert mean["taux_chomage_rp"] < median["taux_chomage_rp"] and mean["taux_pauvrete"] < median["taux_pauvrete"], name
        if "peu industriel" in name:
            assert mean["part_industrie"] < median["part_industrie"], name
        elif "industriel" in name:
            assert mean["part_industrie"] > median["part_industrie"], name
        if "dynamique" in name:
            assert mean["emploi_prive_tcam"] > median["emploi_prive_tcam"], name
        if "en repli" in name:
            assert mean["emploi_prive_tcam"] < median["emploi_prive_tcam"], name
    assert result.profiles.is_unique and (result.profiles != "intermédiaire").all()


def test_excluded_and_imputed_territories_are_named(outputs):
    wide = read_indicators(1, PERIODE, "wide")
    result = profils.typologie_du_mois(1, PERIODE)
    exclus = profils.exclus_typologie(wide, result).set_index("id_ti")["raison"]
    assert exclus[["ti-9301", "ti-9303", "ti-8416"]].tolist() == ["périmètre"] * 3
    assert (exclus.drop(["ti-9301", "ti-9303", "ti-8416"]) == "données manquantes").all() and len(exclus) == 11
    imputed = profils.imputes(result, 1)
    assert imputed[["indicator", "lib_ti"]].values.tolist() == [[profils.DENSITE, "Toulon-Provence-Méditerranée"]]
    text = synthese.texte_typologie(result, 1, profils.exclus_typologie(wide, result), imputed)
    assert "densité de population (log10 des hab./km²) pour Toulon-Provence-Méditerranée" in text
    assert "Vallées du Gier et de l'Ondaine - Loire Sud, Aix-Marseille-Provence et Carros : hors de la typologie, car le territoire" in text
    assert "graine" not in text


def test_monographies_four_contrasting(outputs):
    chosen = monographies.monographies(PERIODE)
    typo = profils.typologie_du_mois(2, PERIODE)
    # two in difficulty, two dynamic industrial ones, in four régions, none another's near neighbour
    assert chosen["id_ti"].tolist() == ["ti-2404", "ti-5201", "ti-4402", "ti-5307"]
    assert chosen["role"].tolist() == ["industriel en difficulté", "industriel dynamique"] * 2
    assert set(chosen["source"]) == {"typologie"} and monographies.criteres_manquants(chosen) == []
    assert chosen["lib_region"].is_unique and (chosen["proches"] == "").all()
    assert chosen["industrie"].min() > chosen["industrie_mediane"].iloc[0] == pytest.approx(15.29, abs=0.01)
    # three profiles on 2026-11: never two in the same profile and the same growth quartile
    assert typo.k == 3 and chosen["profil"].nunique() == 3 and not chosen.duplicated(["cluster", "quartile"]).any()
    # Yonne Industrielle, in Est du Loiret's profile and growth quartile and among its nearest
    # neighbours, is not taken: the twin of the first monographs
    assert "ti-2710" in monographies.proches(typo)["ti-2404"] and "ti-2710" not in set(chosen["id_ti"])
    # deterministic: the typology computed again from scratch (not read from its stored entry)
    # gives the same four territories
    wide = read_indicators(2, PERIODE, "wide")
    again = cluster_territories(profils.typology_input(wide, profils.densite(2)), roles=profils.ROLES,
                     indicator_labels=profils.indicator_labels())
    valeurs = monographies.valeurs_regle(wide, profils.densite(2), referentiel.territoires(2).set_index("id_ti")["region"])
    assert choose_monographs(again, valeurs, monographies.N_MONOGRAPHIES, {})["id_ti"].tolist() == chosen["id_ti"].tolist()
    text = synthese.texte_monographies(chosen)
    assert all(f"**{name}**" in text for name in chosen["lib_ti"]) and "Fouqueray, 2020" in text and "quatre territoires ne remplissent pas" not in text
    table = synthese.tableau_monographies(chosen).set_index("Territoire")
    assert table.loc["Est du Loiret (ti-2404)", "Emploi privé depuis 2018"] == "+0,51\u00a0%/an ▼ (quart le plus bas)"
    assert table.loc["Pays de Lorient – Quimperlé (ti-5307)", "Industrie (% de l'emploi)"] == (
        "16,1\u00a0% (au-dessus de la médiane, 15,3\u00a0%)")
    assert set(table["Parmi ses cinq plus proches voisins"]) == {"aucun des trois autres"}


def test_the_home_page_colours_each_profile_as_the_synthesis_maps(outputs):
    from analysis.publications import accueil
    from analysis.publications import figures_synthese as sf

    import inspect

    from analysis.publications import synthese_sections

    couleurs = sf.couleurs_profils(PERIODE)  # what the synthesis passes to its maps of both phases
    assert "couleurs_profils=sf.couleurs_profils(periode)" in inspect.getsource(synthese_sections.contexte)
    assert "colours=self.contexte.couleurs_profils" in inspect.getsource(synthese_sections.TypologiePhase.carte)
    noms = {phase: set(profils.typologie_du_mois(phase, PERIODE).profiles) for phase in config.PHASES}
    assert set(couleurs) == noms[1] | noms[2] and len(set(couleurs.values())) == len(couleurs)
    assert not {sf.GRIS_PALETTE, accueil.NON_CLASSE_COULEUR} & set(couleurs.values())  # grey: outside the typology
    # every territory of the home page's maps (both phases) is filled with its profile's colour
    svg = accueil.cartes_html(accueil.territoires(PERIODE), PERIODE)
    fills = re.findall(r'<a href="fiches/phase(\d)/[^"]+"><title>[^<]+ — ([^<]+)</title>\s*<path [^>]*fill: (#[0-9a-f]{6})', svg)
    assert {int(p) for p, _, _ in fills} == {1, 2} and len({(p, n) for p, n, _ in fills}) >= len(noms[1]) + len(noms[2])
    for _, nom, fill in fills:
        assert fill == couleurs.get(nom, accueil.NON_CLASSE_COULEUR), nom


def test_typology_is_stored_for_its_exact_indicator_table(outputs, monkeypatch):
    # computed here, so stored under this test's outputs (an earlier test may hold it in memory)
    profils.typologie_du_mois.cache_clear()
    profils._typologie_du_mois.cache_clear()
    first = profils.typologie_du_mois(2, PERIODE)

    def fail(*args, **kwargs):
        raise AssertionError("typologie recalculée")

    # a new process (in-process caches empty) reads the stored result of the same table
    monkeypatch.setattr(profils, "cluster_territories", fail)
    profils.typologie_du_mois.cache_clear()
    profils._typologie_du_mois.cache_clear()
    pd.testing.assert_series_equal(profils.typologie_du_mois(2, PERIODE).labels, first.labels)
    # another indicator table (another sha256) is another entry: computed, not read
    wide_path = mois.table_files(2, PERIODE)["wide"]
    original = wide_path.read_bytes()
    try:
        wide = pd.read_parquet(wide_path)
        wide.assign(lib=wide["lib"] + " ").to_parquet(wide_path)
        profils.typologie_du_mois.cache_clear()
        with pytest.raises(AssertionError, match="recalculée"):
            profils.typologie_du_mois(2, PERIODE)
    finally:
        wide_path.write_bytes(original)
        profils.typologie_du_mois.cache_clear()


def test_monographies_override(outputs, tmp_path):
    # the team imposes Yonne Industrielle: it comes first, the rule fills the three other places
    # and keeps away from its nearest neighbours (Est du Loiret among them)
    toml = tmp_path / "monographies.toml"
    toml.write_text('[[monographie]]\nid_ti = "ti-2710"\nraison = "Terrain de l\'équipe"\n', encoding="utf-8")
    chosen = monographies.monographies(PERIODE, toml)
    assert chosen.iloc[0][["id_ti", "source", "raison"]].tolist() == ["ti-2710", "choix de l'équipe", "Terrain de l'équipe"]
    assert chosen["id_ti"].nunique() == 4 and "ti-2404" not in set(chosen["id_ti"])
    assert chosen["role"].tolist()[1:] == ["industriel en difficulté", "industriel dynamique", "industriel dynamique"]
    assert monographies.criteres_manquants(chosen) == [] and (chosen["proches"] == "").all()
    # four imposed twins: honoured, and the synthesis says what they do not meet
    twins = tmp_path / "jumeaux.toml"
    twins.write_text("".join(f'[[monographie]]\nid_ti = "{i}"\n' for i in ["ti-2710", "ti-2404", "ti-5201", "ti-5307"]), encoding="utf-8")
    imposed = monographies.monographies(PERIODE, twins)
    assert imposed["id_ti"].tolist() == ["ti-2710", "ti-2404", "ti-5201", "ti-5307"] and set(imposed["source"]) == {"choix de l'équipe"}
    assert "voisins" in monographies.criteres_manquants(imposed) and "profils" in monographies.criteres_manquants(imposed)
    assert "Avec les choix de l'équipe, les quatre territoires ne remplissent pas : " in synthese.texte_monographies(imposed)


def test_did_and_territory_impact(outputs):
    res = evaluation.did(PERIODE)
    assert (res.n_treated, res.n_controls) == (540, 547)
    row = res.estimate
    assert row["ci_low"] < row["estimate"] < row["ci_high"] and row["n_clusters"] == 92
    assert res.weights.balance["smd_apres"].abs().max() < 1e-6
    first = monographies.monographies(PERIODE)["id_ti"].iloc[0]
    effets = evaluation.impact_territoire(PERIODE, 2, first)
    assert effets.cohort in (2019, 2023)
    traj = effets.trajectoire.set_index("year")
    assert traj.loc[effets.cohort - 1, ["territoire", "temoins"]].tolist() == pytest.approx([100, 100])
    assert "n'est pas identifié" in monographie.texte_impact_territoire(effets)


# --- impact on industrial employment (URSSAF commune × APE) ----------------------------------


def test_ape_file_is_national_only_when_obtained(tmp_path, monkeypatch):
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(config.MIRROR_ENV, str(tmp_path / "miroir"))
    assert urssaf_ape.fichier() == urssaf_ape.FILE_ID  # declared but neither in the cache nor in the mirror
    national = tmp_path / "miroir" / sources.source(evaluation_industrie.APE_NATIONAL).file
    national.parent.mkdir(parents=True)
    national.write_text("", encoding="utf-8")
    assert urssaf_ape.fichier() == urssaf_ape.FILE_ID  # living copies ignored (OBSERVATOIRE_SOURCES=epinglees)
    monkeypatch.delenv(sources.MODE_ENV)
    assert urssaf_ape.fichier() == evaluation_industrie.APE_NATIONAL


def test_industrie_rouen_coverage_and_no_estimate():
    couverture = evaluation_industrie.couverture_ape_epci(urssaf_ape.FILE_ID)
    assert couverture["statut"].value_counts().to_dict() == {ia.NON_COUVERT: 1246, ia.PARTIEL: 6, ia.COUVERT: 3}
    assert couverture["n_communes_presentes"].sum() == 218  # every commune of the zone d'emploi has its EPCI
    panel = evaluation_industrie.panel_industrie_epci(PERIODE, urssaf_ape.FILE_ID)
    units = panel.drop_duplicates("siren_epci").set_index("siren_epci")["treated_cohort"]
    # the 3 covered EPCI: Métropole Rouen Normandie (phase 1), CC Caux - Austreberthe (phase 2 only),
    # CC inter-Caux-Vexin (never in a TI)
    assert sorted(units.index) == ["200023414", "200070449", "247600646"]
    assert units.loc["200023414"] == 2019 and units.loc["247600646"] == 2023 and pd.isna(units.loc["200070449"])
    assert (panel["year"].min(), panel["year"].max()) == (2006, 2022) and len(panel) == 3 * 17
    rouen = panel.set_index(["siren_epci", "year"])["emploi"]
    assert (rouen[("200023414", 2014)], rouen[("200023414", 2022)]) == (25898, 23641)
    res = evaluation_industrie.did_industrie(PERIODE, file_id=urssaf_ape.FILE_ID)
    assert res.result is None and (res.n_couverts, res.n_traites, res.n_temoins, res.n_departements) == (3, 1, 1, 1)
    assert res.n_epci == len(couverture) == 1255
    assert "zone d'emploi de Rouen (218 communes)" in evaluation_impact.texte_impact_industrie(res) and "qu'une partie de la France" in evaluation_impact.texte_impact_industrie(res)
    assert f"{nombre(3)} des {nombre(1255)} EPCI" in evaluation_impact.texte_impact_industrie(res) and "rien n'est extrapolé" in evaluation_impact.texte_impact_industrie(res)
    assert "n'est pas estimée" in evaluation_impact.texte_impact_industrie(res)


def test_did_industrie_estimates_on_a_fully_covered_panel(monkeypatch):
    """Simulated national file: 40 EPCI entering in 2019 and 40 never treated in 25 départements,
    industrial jobs 2014-2022 with a 10 % jump of the treated from 2019."""
    rng = np.random.default_rng(0)
    n, years = 80, np.arange(2014, 2023)
    units = pd.DataFrame(
        {
            "siren_epci": [f"2000{i:05d}" for i in range(n)],
            "lib_epci": [f"CC {i}" for i in range(n)],
            "departement": [f"{10 + i % 25:02d}" for i in range(n)],
            "region": "84",
            "treated_cohort": pd.array([2019] * 40 + [pd.NA] * 40, dtype="Int64"),
            "part_agri_industrie_2016": rng.uniform(10, 30, n).round(2),
            "classe_densite": rng.integers(1, 4, n).astype("float64"),
            "base": rng.uniform(500, 5000, n),
        }
    )
    units = units.assign(part_agri_industrie_2011=(units["part_agri_industrie_2016"] + rng.normal(1, 1, n)).round(2))
    panel = units.merge(pd.DataFrame({"year": years}), how="cross")
    jump = np.where(panel["treated_cohort"].notna().to_numpy() & (panel["year"].to_numpy() >= 2019), 1.10, 1.0)
    trend = 0.99 ** (panel["year"] - 2014) * np.exp(rng.normal(0, 0.02, len(panel)))
    panel = panel.assign(emploi=(panel["base"] * trend * jump).round().astype("int64")).drop(columns="base")
    couverture = pd.DataFrame({"siren_epci": [*units["siren_epci"], "200099999"], "statut": [ia.COUVERT] * n + [ia.PARTIEL]})
    monkeypatch.setattr(evaluation_industrie, "panel_industrie_epci", lambda periode, file_id=None: panel)
    monkeypatch.setattr(evaluation_industrie, "couverture_ape_epci", lambda file_id: couverture)
    res = evaluation_industrie.did_industrie(PERIODE, file_id=evaluation_industrie.APE_NATIONAL)
    assert (res.n_couverts, res.n_epci, res.n_traites, res.n_temoins, res.n_departements) == (80, 81, 40, 40, 25)
    assert res.result is not None and res.result.years == (2014, 2022)
    assert res.result.estimate["estimate"] == pytest.approx(np.log(1.10), abs=0.02)
    assert res.result.estimate["n_clusters"] == 25
    assert "fichier national" in evaluation_impact.texte_impact_industrie(res) and "l'emploi salarié industriel des 40 EPCI" in evaluation_impact.texte_impact_industrie(res)
    # below the rule (29 treated), no estimate
    fewer = panel.loc[~panel["siren_epci"].isin(units["siren_epci"].iloc[:11])]
    monkeypatch.setattr(evaluation_industrie, "panel_industrie_epci", lambda periode, file_id=None: fewer)
    below = evaluation_industrie.did_industrie(PERIODE, file_id=evaluation_industrie.APE_NATIONAL)
    assert below.result is None and below.n_traites == 29 and "n'est pas estimée" in evaluation_impact.texte_impact_industrie(below)


# --- the synthesis notebook, end to end ------------------------------------------------------


def _outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            parts += [data.get("text/markdown", ""), data.get("text/html", ""), data.get("text/plain", ""), out.get("text", "")]
    return "\n".join(str(p) for p in parts)


def test_synthese_notebook_executes(outputs, tmp_path):
    assert os.environ["OBSERVATOIRE_OUTPUTS"] == str(outputs)
    out = tmp_path / "synthese.ipynb"
    pm.execute_notebook(
        config.NOTEBOOKS_DIR / "synthese.ipynb", out, parameters={"periode": PERIODE}, kernel_name=config.KERNEL_NAME,
        cwd=str(tmp_path), progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    text = _outputs_text(nb)
    assert "**149**" in text and "**183**" in text
    assert "9 640" in text.replace("\u202f", " ")  # France Relance firms at the end of 2022
    assert "zone d'emploi de Rouen (218 communes)" in text and "rien n'est extrapolé" in text  # industrial DiD not estimated
    assert "## Provenance" in text
    chosen = monographies.monographies(PERIODE)
    assert all(name in text for name in chosen["lib_ti"])
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= 6
    template = nbformat.read(config.NOTEBOOKS_DIR / "synthese.ipynb", as_version=4)
    assert template.metadata["kernelspec"]["name"] == config.KERNEL_NAME
    assert not any(c.get("outputs") for c in template.cells if c.cell_type == "code")


def test_synthetic_control_of_a_monograph(outputs):
    from analysis.publications import evaluation_controle_synthetique

    first = monographies.monographies(PERIODE).iloc[0]
    sc = evaluation.controle_synthetique_territoire(PERIODE, 2, first["id_ti"])
    res = sc.resultat
    assert sc.n_donneurs == len(res.placebo) and sc.n_donneurs > 100
    assert res.weights.sum() == pytest.approx(1.0) and set(sc.donneurs["siren_epci"]) == set(res.weights.index)
    assert res.path.set_index("year").loc[sc.cohort - 1, ["traite", "synthetique"]].tolist() == pytest.approx([100, 100], abs=0.5)
    assert 0 < res.rmspe_pre < 2 and 1 <= res.rank <= sc.n_donneurs + 1
    text = evaluation_controle_synthetique.texte_controle_synthetique(sc, first["lib_ti"])
    assert f"au {texte.ordinal(int(res.rank))} rang sur {sc.n_donneurs + 1}" in text
    assert list(sc.sans_un_donneur["donneur"]) == list(res.weights.index[:evaluation.N_SANS_UN_DONNEUR]) and sc.placebo_temps.start == sc.cohort - 3
    assert f"fausse entrée en {sc.cohort - 3}" in text and "années avant l'entrée pour" in text
    assert evaluation_controle_synthetique.tableau_donneurs(sc)["Poids (%)"].str.replace(",", ".").astype(float).sum() == pytest.approx(100, abs=0.2)


# --- the monographs ------------------------------------------------------------------------


def test_questions_of_the_four_monographs(outputs):
    """Three to five questions for each 2026-11 monograph (values computed from the real data)."""
    wide = read_indicators(2, PERIODE, "wide")
    c1, c2 = referentiel.communes_ti(1), referentiel.communes_ti(2)
    serie = economie.urssaf_serie(PERIODE)
    found = {}
    for id_ti in ("ti-2404", "ti-5201", "ti-1102", "ti-7605"):
        terr = referentiel.territoire(2, id_ti)
        corr = portrait.correspondance(c2, c1, id_ti)
        emplois = portrait.emploi_communes(serie, terr.communes)
        tissu = tissu_productif.tissu_territoire(2, PERIODE, id_ti)
        found[id_ti] = questions_terrain.constats(
            wide, id_ti, epci=portrait.tableau_epci_emploi(portrait.trajectoires_epci(emplois)),
            communes=portrait.variations_communes(emplois, 2018, 2024), secteurs=tissu.secteurs, effets=tissu.effets,
            correspondance=corr, relation=portrait.perimetre(corr, len(terr.communes)))
    assert all(3 <= len(c) <= 5 for c in found.values())
    rules = {k: [c.regle for c in v] for k, v in found.items()}
    assert rules["ti-7605"] == ["specialite", "epci_divergents", "commune_decisive", "perimetre"]
    chemistry = found["ti-7605"][0].valeurs
    assert chemistry["secteur"] == "Chimie" and chemistry["effet_local"] == pytest.approx(-147.6, abs=0.1)
    assert found["ti-2404"][2].valeurs["commune"] == "Amilly" and found["ti-2404"][2].valeurs["variation"] == 722


def test_monographie_notebook_executes(outputs, tmp_path):
    """ti-7605: its phase-1 counterpart is ti-7604 (the phase-1 ti-7605 is another territory)."""
    out = tmp_path / "ti-7605.ipynb"
    pm.execute_notebook(
        config.MONOGRAPHIES_DIR / "monographie.ipynb", out, parameters={"territoire": "ti-7605", "phase": 2, "periode": PERIODE},
        kernel_name=config.KERNEL_NAME, cwd=str(tmp_path), progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    published = pages.publishable(nb)
    text = _outputs_text(published) + "\n".join(c.source for c in published.cells if c.cell_type == "markdown")
    for section in ("## Portrait", "## Trajectoire", "## Tissu productif", "## Marché du travail et population", "## Programmes",
                    "## Forces et faiblesses", "## Questions pour le terrain", "## Provenance"):
        assert section in text
    figures = sum("image/png" in o.get("data", {}) for c in published.cells for o in c.get("outputs", []))
    tables = text.count("<table")
    assert figures >= 10 and figures + tables >= 16
    assert "en attente" not in text and "Brouillon" not in text  # notes not written yet: said in one sentence, no draft box
    assert "## Travail de terrain" in text and "Aucun entretien de terrain n'a encore été mené dans ce territoire" in text
    assert "(../fiches/phase2/ti-7605.html)" in text and "(../fiches/phase1/ti-7604.html)" in text and "(../synthese/synthese.html)" in text
    assert "« Gard Rhodanien-Pont du Gard »" in text and "Une estimation." in text
    assert ". En phase 1, ses communes faisaient partie d'un territoire plus large (ti-7604" in text
    draft = _outputs_text(pages.publishable(nb, brouillon=True))
    assert "monographies/terrain/ti-7605.md" in draft
    template = nbformat.read(config.MONOGRAPHIES_DIR / "monographie.ipynb", as_version=4)
    assert template.metadata["kernelspec"]["name"] == config.KERNEL_NAME
    assert not any(c.get("outputs") for c in template.cells if c.cell_type == "code")
