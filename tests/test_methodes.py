"""The "Méthodes et définitions" page: every indicator of the registry, every declared dataset
and file, in French, and the page executed as the run executes it."""

from __future__ import annotations

import os
import re

import nbformat
import papermill
import pytest

from analysis import config
from analysis.donnees import provenance, sources
from analysis.indicateurs.build import write_indicators
from analysis.indicateurs.registry import INDICATORS
from analysis.publications import methodes

PERIODE = "2026-11"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, indicateurs_periode):
    folder = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "OUTPUTS_DIR", folder)
        mp.setenv("OBSERVATOIRE_OUTPUTS", str(folder))
        for result in indicateurs_periode.values():
            write_indicators(result, PERIODE)
        pinned = [i for i, s in sources.sources().items() if not s.living]
        provenance.write(PERIODE, provenance.collect(PERIODE, {"periode": PERIODE, "phases": [1, 2]}, "test", pinned))
        yield folder


def test_every_indicator_of_the_registry_is_defined(indicateurs_periode):
    text = methodes.texte_indicateurs({p: r.observations for p, r in indicateurs_periode.items()})
    assert re.findall(r"\(`([a-z0-9_]+)`\)", text) == list(INDICATORS)
    chomage = next(line for line in text.splitlines() if "(`taux_chomage`)" in line)
    assert "Période : 4e trimestre 2025." in chomage and "Sens : une baisse est favorable." in chomage
    assert "Base géographique : valeurs par zone d'emploi." in chomage
    croissance = next(line for line in text.splitlines() if "(`emploi_prive_croissance`)" in line)
    assert "Période : 2023-2024." in croissance


def test_every_declared_dataset_and_file_is_listed_in_french(outputs):
    record = provenance.read(PERIODE)
    jeux = methodes.tableau_jeux(record)
    declared = list(dict.fromkeys(s.dataset for s in sources.sources().values()))
    assert len(jeux) == len(declared) == 24
    row = jeux.set_index("Éditeur").loc["URSSAF"]
    assert row["Millésime"] == "2024" and row["Publication"] == "annuelle, délai de 6 mois"
    chomage = jeux.set_index("Éditeur").loc["INSEE"].set_index("Jeu de données").loc[
        "Taux de chômage localisés (par région, département et zone d'emploi)"]
    assert chomage["Millésime"] == "4e trimestre 2025"
    assert "zones d'emploi : édition du 3e trimestre 2023 (publiée le 04/01/2024, copie exacte du fichier officiel) puis, " \
           "pour les trimestres suivants, édition du 4e trimestre 2025 (publiée le 09/04/2026, fichier dérivé par un tiers)" in chomage["Édition lue"]
    assert "dépôt GitHub bpineau/gazetteer, commit 2cb0ab3 : fichier dérivé par un tiers" in chomage["Copie lue"]
    departements = jeux.set_index("Jeu de données").loc["Taux de chômage localisés par département"]
    assert "dépôt GitHub gmeline/MSPR3-V2, commit 7a64452 : ré-enregistré par un tiers" in departements["Copie lue"]
    assert departements["Publication"] == chomage["Publication"]
    # official publishers are the sources; the repositories holding the copies appear only as the copy read
    assert {"INSEE", "URSSAF", "France Travail et DARES", "DGFiP (publié par Etalab)", "ANCT", "IGN"} <= set(jeux["Éditeur"])
    for column in ("Jeu de données", "Éditeur", "Page officielle"):
        assert not jeux[column].str.contains("github|vincentroue|Gabe-MGNT|dataforgoodfr", case=False).any()
    fichiers = methodes.tableau_fichiers(record)
    assert len(fichiers) == len(record["fichiers"]) and fichiers["Adresse"].str.startswith('<a href="http').all()
    assert set(fichiers["Nature"]) == set(sources.NATURES_FR.values())
    every = " ".join(jeux.astype(str).sum()) + " ".join(fichiers.astype(str).sum())
    assert "repo has no licence" not in every and "chomage localises" not in every
    recorded = record["jeux"]["chomage"]
    assert (recorded["editeur"], recorded["page"]) == ("INSEE", "https://www.insee.fr/fr/statistiques/1893230")
    assert recorded["natures"] == ["derivee", "exacte"]
    assert record["jeux"]["chomage-departements"]["natures"] == ["reenregistree"]
    assert {"fichier": "chomage/chomage-zone-t1-2003-t3-2023", "edition": "2023-T3", "publie_le": "2024-01-04", "nature": "exacte"} in recorded["editions"]


def test_the_page_states_the_new_evaluation_designs_and_the_reference_check():
    text = methodes.texte_methodes()
    assert text.endswith(methodes.METHODES_EVALUATION)
    for words in ("décalage-part", "agriculture de l'industrie : leurs emplois nationaux sont additionnés",
                  "donneurs de la région", "HonestDiD pour R", "[−3,0 ; 12,3] point contre [−0,1 ; 8,8] publié",
                  "celui de diff-diff, [1,1 ; 8,2], excluait 0"):
        assert words in text
    assert "toutes les cohortes réunies par année relative" in methodes.REGLE_EVALUATION


def test_documents_link_to_the_page_relatively():
    assert methodes.lien(2) == "../../methodes/methodes.html" and methodes.lien(1) == "../methodes/methodes.html"
    assert "[Méthodes et définitions](../../methodes/methodes.html)" in methodes.renvoi(2)


def test_the_page_executes_with_its_sections_and_provenance(outputs):
    target = outputs / "methodes.ipynb"
    papermill.execute_notebook(
        str(config.NOTEBOOKS_DIR / "methodes.ipynb"), str(target), parameters={"periode": PERIODE},
        kernel_name=config.KERNEL_NAME, progress_bar=False, cwd=str(outputs),
    )
    nb = nbformat.read(target, as_version=4)
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outs if o.output_type == "error"]
    text = "\n".join("".join(o["data"]["text/markdown"]) for o in outs if "text/markdown" in o.get("data", {}))
    assert text.startswith(f"# Méthodes et définitions ({PERIODE})")
    assert "Seuil de couverture" in text and "(`couverture_epci`)" in text
    assert "Sur les 3\u202f322 valeurs (302 zones d'emploi, 1er trimestre 2021 – 3e trimestre 2023)" in text
    block = text.split("## Provenance")[1]
    assert "- Millésimes : " in block and "Exécution : le " in block
    assert os.environ.get("OBSERVATOIRE_OUTPUTS") == str(outputs)
