"""Typology: reproducible, recovers simulated clusters, names and monographs as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from analysis import texte
from analysis.analyses import monographies
from analysis.analyses import typologie as typology
from analysis.publications import synthese

# Four well-separated simulated profiles on the default role columns (z-like units).
CENTRES = {
    "repli": {"part_industrie": 2, "specialisation": 2, "croissance_emploi_2014_2018": -2, "taux_chomage": 1,
              "revenu_median": -1, "croissance_population": -1, "densite": -1},
    "dynamique": {"part_industrie": 2, "specialisation": 1, "croissance_emploi_2014_2018": 2, "taux_chomage": -1,
                  "revenu_median": 0, "croissance_population": 0, "densite": -1},
    "urbain": {"part_industrie": -2, "specialisation": -1, "croissance_emploi_2014_2018": 1, "taux_chomage": -1,
               "revenu_median": 2, "croissance_population": 2, "densite": 3},
    "social": {"part_industrie": -1, "specialisation": -1, "croissance_emploi_2014_2018": -1, "taux_chomage": 3,
               "revenu_median": -2, "croissance_population": -1, "densite": 0},
}
PER_CLUSTER = 30


def simulate(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for j, centre in enumerate(CENTRES.values()):
        rows.append(pd.DataFrame({c: v + rng.normal(0, 0.3, PER_CLUSTER) for c, v in centre.items()}))
        truth += [j] * PER_CLUSTER
    df = pd.concat(rows, ignore_index=True)
    df.index = pd.Index([f"ti-{1000 + i}" for i in range(len(df))], name="id_ti")
    df.loc["ti-1003", "taux_chomage"] = np.nan
    df.loc["ti-1100", "densite"] = np.nan
    return df, np.array(truth)


@pytest.fixture(scope="module")
def data():
    return simulate()


@pytest.fixture(scope="module")
def result(data):
    return typology.cluster_territories(data[0], n_boot=10)


def test_standardise_imputes_and_reports():
    df = pd.DataFrame({"a": [1.0, 2.0, np.nan, 5.0], "b": [0.0, 1.0, 0.0, 1.0]})
    z, n_imputed = typology.standardise(df)
    assert n_imputed.to_dict() == {"a": 1, "b": 0}
    assert z.loc[2, "a"] == pytest.approx(z.loc[1, "a"])  # imputed by the median (2)
    assert z.mean().abs().max() < 1e-12 and z.std(ddof=0).to_numpy() == pytest.approx([1, 1])
    with pytest.raises(ValueError, match="sans variance"):
        typology.standardise(df.assign(c=3.0))


def test_recovers_simulated_clusters(result, data):
    assert result.k == 4
    assert adjusted_rand_score(data[1], result.labels.loc[data[0].index]) > 0.9
    assert result.mean_ari > 0.9
    assert result.n_imputed["taux_chomage"] == 1 and result.n_imputed["densite"] == 1
    assert result.silhouettes.loc[result.silhouettes["retenu"], "k"].tolist() == [4]
    assert list(result.silhouettes["k"]) == [3, 4, 5, 6, 7]


def test_reproducible_with_fixed_seed(result, data):
    again = typology.cluster_territories(data[0], n_boot=10)
    pd.testing.assert_series_equal(result.labels, again.labels)
    pd.testing.assert_series_equal(result.profiles, again.profiles)
    pd.testing.assert_series_equal(result.stability, again.stability)


def test_profile_names(result, data):
    truth_of = dict(zip(data[0].index, data[1]))
    named = {list(CENTRES)[truth_of[i]]: result.profiles[c] for i, c in result.labels.items()}
    assert named == {
        "repli": "industriel en repli",
        "dynamique": "industriel dynamique",
        "urbain": "urbain socialement favorisé",
        "social": "peu industriel en difficulté sociale",
    }


def test_a_word_is_kept_only_when_the_raw_values_support_it():
    # four profiles of two territories; the dimension scores say cluster 0 is dense, but its
    # density is below the median of the territories: it is not called "urbain"
    raw = pd.DataFrame(
        {"densite": [1.0, 1.2, 3.0, 3.2, 2.0, 2.1, 2.5, 2.6], "taux_chomage": [9.0, 9.5, 5.0, 5.5, 6.0, 6.2, 9.0, 9.1],
         "part_industrie": [20.0, 22.0, 10.0, 11.0, 25.0, 26.0, 12.0, 13.0], "croissance_emploi_2014_2018": [-1.0, -0.5, 1.0, 1.2, 0.5, 0.4, -0.2, -0.1]},
        index=[f"ti-{i}" for i in range(8)],
    )
    labels = pd.Series([0, 0, 1, 1, 2, 2, 3, 3], index=raw.index)
    dims = pd.DataFrame(
        {"industrie": [0.5, -0.6, 1.0, -0.4], "dynamisme": [-0.8, 0.9, 0.1, -0.1],
         "difficulte": [1.0, -0.9, -0.5, 0.8], "densite": [1.2, 1.1, 0.0, 0.5]}
    )
    names = typology.name_profiles(dims, raw, labels, typology.Roles())
    assert names[0] == "en difficulté sociale et en repli"  # "urbain" dropped: density 1,1 below the median 2,3
    assert names[1] == "urbain dynamique"
    assert names[2] == "industriel socialement favorisé"
    assert names[3] == "urbain en difficulté sociale"  # density 2,55 above the median, unemployment 9,05 above 7,6
    for c, name in names.items():
        own, median = raw.loc[labels == c].mean(), raw.median()
        if "urbain" in name:
            assert own["densite"] > median["densite"]
        if "en difficulté sociale" in name:
            assert own["taux_chomage"] > median["taux_chomage"]


def test_homonyms_take_their_next_true_word():
    raw = pd.DataFrame(
        {"densite": [1.0, 1.1, 1.2, 1.3, 3.0, 3.1, 3.2], "taux_chomage": [9.0, 9.1, 5.0, 5.1, 7.0, 7.1, 7.2],
         "part_industrie": [24.0, 26.0, 23.0, 25.0, 10.0, 11.0, 12.0], "croissance_emploi_2014_2018": [0.0, 0.1, 0.0, 0.1, 0.0, 0.1, 0.2]},
        index=[f"ti-{i}" for i in range(7)],
    )
    labels = pd.Series([0, 0, 1, 1, 2, 2, 2], index=raw.index)
    dims = pd.DataFrame({"industrie": [1.0, 1.1, -1.5], "dynamisme": [0.0, 0.0, 0.0], "difficulte": [0.2, -0.2, 0.0], "densite": [-0.9, -1.0, 1.8]})
    names = typology.name_profiles(dims, raw, labels, typology.Roles())
    assert names.tolist() == ["rural industriel en difficulté sociale", "rural industriel socialement favorisé", "urbain peu industriel"]


def test_choose_k_takes_the_best_silhouette_whatever_the_number_of_monographs():
    table = pd.DataFrame({"k": [3, 4, 5], "silhouette": [0.40, 0.39, 0.30]})
    assert typology.choose_k(table) == 3
    rule = synthese.regle_k(table)  # the sentence is the publication's
    assert "meilleure silhouette" in rule and "parmi k = 3 à 5" in rule and "k = 3 : 0,400" in rule


def test_representatives_nearest_to_centroid(result):
    reps = result.representatives
    assert len(reps) == result.k and reps["id_ti"].is_unique
    members = result.membership()
    for _, rep in reps.iterrows():
        own = members[members["cluster"] == rep["cluster"]]
        assert rep["id_ti"] == own["distance_centre"].idxmin()
        assert rep["taille"] == PER_CLUSTER
    reasons = result.reasons
    assert len(reasons) == 3 * result.k
    assert "raison" not in reasons.columns and "raisons" not in reps.columns  # tables only: the sentences are the publication's
    # the verdict is that of the two means printed in the sentence
    for _, r in reasons.iterrows():
        raison = synthese.raison_profil(r)
        assert "celle de l'ensemble des territoires" in raison
        above = round(r["moyenne_profil"], 1) > round(r["moyenne_ensemble"], 1)
        assert ("au-dessus de celle" in raison) == above


def _valeurs(data, regions: int = 13) -> pd.DataFrame:
    """The values the monograph rule compares, from the simulated table (régions given in turn)."""
    df = data[0]
    return pd.DataFrame({"croissance": df["croissance_emploi_2014_2018"], "industrie": df["part_industrie"], "densite": df["densite"],
                         "region": [f"{11 + k % regions}" for k in range(len(df))]}, index=df.index)


def _jumeaux(mono: pd.DataFrame, result) -> list[tuple[str, str]]:
    """Pairs of chosen territories where one is among the other's five nearest neighbours."""
    proches = monographies.proches(result)
    return [(a, b) for a in mono["id_ti"] for b in mono["id_ti"] if a != b and b in proches[a]]


def test_nearest_neighbours_in_the_typology_space(result):
    proches = monographies.proches(result)
    z = result.z.loc["ti-1000"]
    dist = np.linalg.norm(result.z.drop(index="ti-1000").to_numpy() - z.to_numpy(), axis=1)
    assert proches["ti-1000"] == set(result.z.drop(index="ti-1000").index[np.argsort(dist)[:5]])


def test_choose_monographs_takes_two_in_difficulty_and_two_dynamic_that_are_not_twins(result, data):
    # the simulated candidates of each role all lie in one profile: the rule cannot take four
    # profiles, keeps the other conditions and says so
    mono = monographies.choose_monographs(result, _valeurs(data)).set_index("id_ti")
    assert list(mono["rang"]) == [1, 2, 3, 4] and (mono["source"] == "typologie").all()
    assert list(mono["role"]) == ["industriel en difficulté", "industriel dynamique"] * 2
    assert mono[["croissance_basse", "industrie_haute"]].all(axis=1).sum() == 2
    assert mono[["croissance_haute", "industrie_haute"]].all(axis=1).sum() == 2
    assert mono["region"].is_unique and not _jumeaux(mono.reset_index(), result) and (mono["proches"] == "").all()
    assert monographies.criteres_manquants(mono.reset_index()) == ["profils"]
    # the first in difficulty is the most typical candidate of its role
    flags = monographies.quartile_flags(_valeurs(data))
    members = result.membership().join(flags)
    candidates = members.loc[members["croissance_basse"] & members["industrie_haute"]]
    assert mono.index[0] == candidates["distance_centre"].idxmin()
    # quartiles: the ceil(n/4) highest values, n the territories with a value; industry above the median
    assert flags["croissance_basse"].sum() == 30 and flags["industrie_haute"].sum() == 60
    assert monographies.quartile_croissance(_valeurs(data)).value_counts().sort_index().tolist() == [30, 30, 30, 30]


def test_four_profiles_and_four_regions_when_the_candidates_allow_them(result, data):
    # growth drawn apart from the profiles: candidates of both roles in every industrial profile
    rng = np.random.default_rng(1)
    valeurs = _valeurs(data).assign(croissance=rng.permutation(np.linspace(-2, 2, len(data[0]))), industrie=1.0)
    valeurs.loc[valeurs.index[::2], "industrie"] = 0.0
    mono = monographies.choose_monographs(result, valeurs)
    assert mono["cluster"].is_unique and mono["region"].is_unique and not _jumeaux(mono, result)
    assert monographies.criteres_manquants(mono) == []
    # with only two régions, the rule drops the régions first and keeps the rest
    deux = monographies.choose_monographs(result, _valeurs(data, regions=2).assign(
        croissance=valeurs["croissance"], industrie=valeurs["industrie"]))
    assert monographies.criteres_manquants(deux) == ["regions"] and deux["cluster"].is_unique


def test_choose_monographs_override(result, data, tmp_path):
    urbain = result.labels.index[result.labels.map(result.profiles) == "urbain socialement favorisé"][-1]
    toml = tmp_path / "monographies.toml"
    toml.write_text(f'[[monographie]]\nid_ti = "{urbain}"\nraison = "terrain d\'enquête de l\'équipe"\n', encoding="utf-8")
    mono = monographies.choose_monographs(result, _valeurs(data), override=toml)
    assert mono.iloc[0][["id_ti", "source", "raison"]].tolist() == [urbain, "choix de l'équipe", "terrain d'enquête de l'équipe"]
    # the team's territory is neither in difficulty nor dynamic: the rule fills three places,
    # alternating the roles, and says that the four hold one dynamic territory only
    assert list(mono["role"][1:]) == ["industriel en difficulté", "industriel dynamique", "industriel en difficulté"]
    assert monographies.criteres_manquants(mono) == ["deux_dynamiques", "profils"]
    assert mono["region"].is_unique and not _jumeaux(mono, result)
    with pytest.raises(ValueError, match="absent"):
        monographies.choose_monographs(result, _valeurs(data), override={"ti-9999": "x"})


def test_imposed_territories_may_leave_criteria_unmet(result, data):
    social = result.labels.index[result.labels.map(result.profiles) == "peu industriel en difficulté sociale"][:4]
    mono = monographies.choose_monographs(result, _valeurs(data), override={i: "choix" for i in social})
    assert (mono["source"] == "choix de l'équipe").all() and mono["id_ti"].tolist() == list(social)
    assert monographies.criteres_manquants(mono)[:3] == ["deux_en_difficulte", "deux_dynamiques", "profils"]


def test_before_growth_is_published_the_rule_takes_industrial_territories(result, data):
    unknown_growth = _valeurs(data).assign(croissance=np.nan)  # the months before mid-2020
    mono = monographies.choose_monographs(result, unknown_growth)
    assert len(mono) == 4 and mono["industrie_haute"].all() and mono["region"].is_unique
    assert mono["raison"].str.startswith(monographies.PAS_ENCORE_FR).all()
    assert monographies.inconnus_regle(mono) == {"croissance_haute", "croissance_basse"}
    assert not {"deux_en_difficulte", "deux_dynamiques"} & set(monographies.criteres_manquants(mono))


def test_a_profile_word_untrue_of_a_territory_is_said_with_its_values(result):
    """A name is true of its profile's mean, not of every member: a territory printed in
    « … peu industriel » with an industry share above the median is told so, with its share and
    the median (Pays de Lorient – Quimperlé, 16,1 % against 15,3 %, in 2026-12; Valence, issue 26)."""
    from dataclasses import replace

    from analysis.publications import monographie

    raw = result.raw.copy()
    peu = [i for i in raw.index if "peu industriel" in result.profiles[int(result.labels[i])]]
    assert len(peu) >= 10
    top = raw["part_industrie"].max()
    raw.loc[peu[:3], "part_industrie"] = top + np.array([0.5, 1.0, 3.0])  # three members above the median
    typo = replace(result, raw=raw)
    median = raw["part_industrie"].median()
    said = 0
    for id_ti in raw.index:
        text = monographie.texte_mots_contredits(typo, id_ti)
        if "peu industriel" in typo.profiles[int(typo.labels[id_ti])] and raw.at[id_ti, "part_industrie"] > median:
            said += 1
            assert "« peu industriel » (part de l'industrie du territoire : " in text and ", au-dessus de la médiane" in text, text
        else:
            assert "« peu industriel »" not in text, text
    assert said >= 3
    one = monographie.texte_mots_contredits(typo, peu[2])
    assert f"{texte.valeur(top + 3.0, '%')}, au-dessus de la médiane des territoires classés, {texte.valeur(median, '%')})" in one
    assert typology.mots_du_nom("urbain peu industriel") == {"densite": True, "industrie": False}
