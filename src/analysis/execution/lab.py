"""The first step of every template, so that a notebook opened in JupyterLab runs as it is.

A template's parameters cell says ``periode = None``; papermill replaces it in a run, and
JupyterLab leaves it. The next cell calls ``prepare``, which:

- resolves ``None`` to the latest month whose indicator tables are complete in ``outputs/``
  (the month last run), else to the current month;
- builds what the notebook reads when it is missing (a clean clone, or a month never run):
  every pinned input checked, the provenance record and the indicator tables of both phases,
  as a run would (``run.prepare_inputs``), holding the month's lock (``run.period_lock``).

In a run the tables exist before any notebook starts, so ``prepare`` only checks them and
never takes the lock the run holds.
"""

from __future__ import annotations

import logging
import warnings

from tqdm import TqdmWarning

from analysis import config, mois
from analysis.donnees import provenance, sources
from analysis.indicateurs.build import complete_periodes, output_paths

log = logging.getLogger(__name__)
# Every template imports this module first. pooch, imported to download a file (by ``prepare``
# on a month never run), imports tqdm.auto, which warns in a kernel without ipywidgets
# ("TqdmWarning: IProgress not found") into the cell's output; the bars are off in a kernel anyway.
warnings.filterwarnings("ignore", message="IProgress not found", category=TqdmWarning)


def latest_periode() -> str:
    """The latest month with complete indicator tables in ``outputs/``, else the current month."""
    complete = complete_periodes()
    return complete[-1] if complete else mois.default_periode()


def missing_inputs(periode: str, phases: tuple[int, ...] = config.PHASES) -> list[str]:
    """The files a notebook of ``phases`` reads that the period does not have yet."""
    needed = [config.periode_dir(periode) / provenance.FILE_NAME]
    needed += [path for phase in phases for path in output_paths(phase, periode).values()]
    return [str(path) for path in needed if not path.exists()]


def prepare(periode: str | None, phases: tuple[int, ...] = config.PHASES) -> str:
    """The period a template works on (``None``: ``latest_periode()``), with its inputs built
    if missing (see the module docstring)."""
    periode = mois.check_periode(periode) if periode else latest_periode()
    if missing_inputs(periode, phases):
        from analysis.execution import pipeline, run  # the run's machinery, imported only when something is built

        with run.period_lock(config.periode_dir(periode), "tableaux d'indicateurs pour un notebook"):
            if missing_inputs(periode, phases):  # another process may have built them meanwhile
                log.warning("Préparation de la période %s : données vérifiées, tableaux d'indicateurs des deux phases "
                            "(moins d'une minute)", periode)
                # every declared file is checked here: not what the document is made from
                with sources.not_recorded():
                    run.prepare_inputs(periode, config.PHASES, {"periode": periode, "phases": list(config.PHASES)},
                                       pipeline.code_version(), log)
    return periode
