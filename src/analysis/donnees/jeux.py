"""The periodic datasets: one declaration each (``periodique.JeuPeriodique``), written next to
its loader and listed here, once.

Adding a periodic source: its ``[datasets.<name>]`` (frequency, lag) and files in
``data/sources.toml``; in its loader module, the loader and its ``JeuPeriodique``; one line in
``JEUX``; its test. ``millesimes`` (vintages, ages), ``observations`` (the latest observation of
a file), the publication filter and ``observatoire donnees`` then know it.
"""

from __future__ import annotations

from analysis.donnees import sources
from analysis.donnees.loaders import economie, relance
from analysis.donnees.periodique import JeuPeriodique

JEUX: tuple[JeuPeriodique, ...] = (
    economie.URSSAF,
    economie.CHOMAGE,
    economie.CHOMAGE_DEPARTEMENTS,
    economie.DEMANDEURS,
    economie.DEMANDEURS_DEPARTEMENTS,
    economie.DVF,
    relance.JEU,
)


def jeu(dataset_name: str) -> JeuPeriodique:
    """The declaration of a periodic dataset; ``ValueError`` naming the declared ones otherwise."""
    for j in JEUX:
        if j.dataset == dataset_name:
            return j
    raise ValueError(
        f"jeu de données périodique non déclaré : {dataset_name!r} ; jeux déclarés : {', '.join(j.dataset for j in JEUX)} "
        "(ajouter son JeuPeriodique à côté de son chargeur et dans analysis.donnees.jeux.JEUX)"
    )


def periodiques() -> list[JeuPeriodique]:
    """The declarations of the datasets ``data/sources.toml`` says are periodic (a frequency),
    in its order; a periodic dataset without declaration raises ``ValueError``."""
    return [jeu(ds.name) for ds in sources.series()]
