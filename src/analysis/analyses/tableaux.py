"""A month's tables, built when missing: what every notebook reads first.

A month's tables are the indicator tables of both phases and the registry
(``indicateurs.build``) and the profile of each TI (``profils.appartenance``: the typology is an
analysis, hence this module's place in ``analyses``), written together in one folder with a
stamp of their inputs (``construire``). Before them come the checked inputs and the month's
provenance record (``prepare_inputs``).

Every template's first step is ``prepare``: a template's parameters cell says
``periode = None``; papermill replaces it in a run, and JupyterLab leaves it. ``prepare``

- resolves ``None`` to the latest month whose indicator tables are complete in ``outputs/``
  (the month last run), else to the current month;
- builds what the notebook reads when it is missing (a clean clone, or a month never run):
  every pinned input checked, the provenance record and the indicator tables of both phases,
  as a run would (``prepare_inputs``), holding the month's lock (``verrou.period_lock``).

In a run the tables exist before any notebook starts, so ``prepare`` only checks them and never
takes the lock the run holds. The run (``execution.run``) calls ``prepare_inputs`` itself; a
notebook never imports ``execution``.

>>> periode = prepare(None)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path

from tqdm import TqdmWarning

from analysis import config, mois
from analysis.analyses import profils, tables_fiches
from analysis.donnees import cache, etat, provenance, sources
from analysis.indicateurs import build
from analysis.verrou import period_lock

log = logging.getLogger(__name__)
# Every template imports this module first. pooch, imported to download a file (by ``prepare``
# on a month never run), imports tqdm.auto, which warns in a kernel without ipywidgets
# ("TqdmWarning: IProgress not found") into the cell's output; the bars are off in a kernel anyway.
warnings.filterwarnings("ignore", message="IProgress not found", category=TqdmWarning)


def construire(periode: str, dossier: Path | None = None, phases: tuple[int, ...] = config.PHASES,
               log: logging.Logger | None = None) -> bool:
    """Build and write the tables of each of ``phases`` of ``periode`` into ``dossier`` (default
    its own folder) that is not built already (``build.est_construit``); True when one was built.
    A phase counts as built only once its stamp line is written, after its tables."""
    missing = [phase for phase in phases if not build.est_construit(periode, dossier, (phase,))]
    if not missing and log:
        log.info("Indicateurs de %s à jour (entrées inchangées)", periode)
    for phase in missing:
        start = time.perf_counter()
        line = build.stamp_text(periode, (phase,))
        build.write_stamp(periode, dossier, build.stamp_lines(periode, dossier) - {line})
        result = build.build_indicators(phase, periode)
        paths = build.write_indicators(result, periode, dossier)
        with sources.capture() as lus:
            membres = profils.appartenance(phase, result.wide)
        build.write_table(membres, mois.table_files(phase, periode, dossier)[mois.PROFILS], tuple(sorted({*result.fichiers, *lus})))
        build.write_stamp(periode, dossier, build.stamp_lines(periode, dossier) | {line})
        if log:
            log.info("Indicateurs de la phase %d de %s calculés en %.1f s (%s) ; emploi par commune et par secteur : %s",
                     phase, periode, time.perf_counter() - start, paths["long"].parent, result.emploi)
    return bool(missing)


def prepare_inputs(periode: str, phases: tuple[int, ...], parameters: dict, code: str, log: logging.Logger) -> list[Path]:
    """What the notebooks of a period read, made before any of them runs (the caller holding the
    period's lock): what is missing obtained (online, the living files with a progress bar;
    offline the run goes on with what it has), every pinned input obtained and its sha256
    checked (derived tables are cached, so this is where a damaged file is refused), the log
    saying once which datasets are read living and which pinned (``etat.preparer``), the
    provenance record, and the indicator tables of ``phases`` (``construire``: skipped when
    their inputs are unchanged), then the tables every fiche shares (``tables_fiches``). Returns
    the indicator files and those tables: what decides whether a notebook is executed again."""
    etat.preparer(log)
    cache.generation.cache_clear()  # a living copy obtained now changes what the outputs are made from
    provenance.write(periode, provenance.collect(periode, parameters, code))
    construire(periode, phases=phases, log=log)
    fiches = tables_fiches.calculer(periode, phases, log)
    return [p for phase in phases for p in mois.table_files(phase, periode).values()] + fiches


def latest_periode() -> str:
    """The latest month with complete indicator tables in ``outputs/``, else the current month."""
    complete = build.complete_periodes()
    return complete[-1] if complete else mois.default_periode()


def missing_inputs(periode: str, phases: tuple[int, ...] = config.PHASES) -> list[str]:
    """The files a notebook of ``phases`` reads that the period does not have yet."""
    needed = [mois.provenance_file(periode)]
    needed += [path for phase in phases for path in (*mois.table_files(phase, periode).values(), *mois.tables_fiches(phase, periode).values())]
    return [str(path) for path in needed if not path.exists()]


def prepare(periode: str | None, phases: tuple[int, ...] = config.PHASES) -> str:
    """The period a template works on (``None``: ``latest_periode()``), with its inputs built
    if missing (see the module docstring)."""
    periode = mois.check_periode(periode) if periode else latest_periode()
    if missing_inputs(periode, phases):
        with period_lock(periode, "tableaux d'indicateurs pour un notebook"):
            if missing_inputs(periode, phases):  # another process may have built them meanwhile
                log.warning("Préparation de la période %s : données vérifiées, tableaux d'indicateurs des deux phases "
                            "(moins d'une minute)", periode)
                # every declared file is checked here: not what the document is made from
                with sources.not_recorded():
                    prepare_inputs(periode, config.PHASES, {"periode": periode, "phases": list(config.PHASES)},
                                   provenance.code_version(), log)
    return periode
