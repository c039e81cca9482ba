"""The monthly run: indicators once, then every notebook through papermill, then the site.

``run_periode`` is what ``observatoire run`` and ``make run`` call. For a period it:

0. obtains what is missing (``donnees.etat.preparer``: online, the living files with a
   progress bar; offline it goes on with what it has) and checks every pinned input;
1. builds the indicator tables of each phase once (skipped when their inputs are unchanged),
   and those of the eleven months before, which the changes page compares with, when they
   were never built (``execution.historique``: kept under this month, ``precedent/``);
2. executes the fiches of every territory of the chosen phases and the period's publications
   (the synthesis, the four monographs, the page "Ce qui a changé" and the home page, which
   cover both phases, and one page per région) in one pool of papermill workers (a notebook
   whose inputs are unchanged is not executed again; one failure never stops the others). A
   run restricted to chosen territories executes their fiches only;
   then, once the synthesis has run, writes the month's analysis tables, parquet and CSV with
   their provenance, under ``analyses/`` (``analyses.resultats``: read back from the memo cache
   the synthesis filled, ``.cache/analyses/``, nothing computed again);
3. renders the site (Quarto when present, otherwise pandoc + Typst) from every executed
   notebook of the month, whether this run or an earlier one executed it: a run restricted to
   some territories or to one phase adds its pages to the month's site and loses none (the
   fallback renders again only the pages whose notebook changed; the index is rebuilt from
   every page); the home page notebook becomes the index, and each page links to its related
   pages (``documents``);
4. writes the run manifest (input files with sha256, parameters, code version, timings,
   status of each notebook); a run updates the entries of the notebooks it executed and keeps
   those of the month's earlier runs (``pipeline.write_manifest``).

Everything goes under ``outputs/<periode>/``; nothing outside that folder is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from analysis import config, mois
from analysis.analyses.tableaux import prepare_inputs
from analysis.donnees import cache, provenance, referentiel
from analysis.execution import historique, journal, pipeline
from analysis.execution.pages import Document, RenderError
from analysis.execution.render import render_site
from analysis.fichiers import describe_os_error
from analysis.verrou import period_lock

FICHE_TEMPLATE = config.NOTEBOOKS_DIR / "fiche_territoire.ipynb"
SYNTHESE_TEMPLATE = config.NOTEBOOKS_DIR / "synthese.ipynb"
CHANGEMENTS_TEMPLATE = config.NOTEBOOKS_DIR / "changements.ipynb"
METHODES_TEMPLATE = config.NOTEBOOKS_DIR / "methodes.ipynb"
REGION_TEMPLATE = config.NOTEBOOKS_DIR / "region.ipynb"
MONOGRAPHIE_TEMPLATE = config.MONOGRAPHIES_DIR / "monographie.ipynb"
ACCUEIL_TEMPLATE = config.NOTEBOOKS_DIR / "accueil.ipynb"


@dataclass(frozen=True)
class RunOutcome:
    periode: str
    results: list[pipeline.JobResult]
    manifest: Path
    site: Path | None
    renderer: str | None
    render_error: str | None = None
    manifest_error: str | None = None
    render_failures: dict[Path, str] = field(default_factory=dict)  # pages not rendered: notebook -> why
    analyses_error: str | None = None  # why the month's analysis tables were not written

    @property
    def failed(self) -> list[pipeline.JobResult]:
        return [r for r in self.results if r.status == "failed"]


def fiche_path(periode: str, phase: int, id_ti: str) -> Path:
    return mois.periode_dir(periode) / mois.fiche_notebook(phase, id_ti)


def fiche_jobs(periode: str, phase: int, territoires: list[str] | None = None) -> list[pipeline.NotebookJob]:
    """One papermill job per territory of the phase (or of the given ids, checked first)."""
    known = referentiel.territoires(phase)
    ids = referentiel.check_territoires(phase, territoires) if territoires else known["id_ti"].tolist()
    return [
        pipeline.NotebookJob(
            template=FICHE_TEMPLATE,
            output=fiche_path(periode, phase, id_ti),
            parameters={"territoire": id_ti, "phase": phase, "periode": periode},
            label=f"phase {phase} {id_ti}",
        )
        for id_ti in ids
    ]


def region_path(periode: str, region: str) -> Path:
    """The page of a région (``mois.region_notebook``: one per INSEE code of a région)."""
    return mois.periode_dir(periode) / mois.region_notebook(region)


def region_jobs(periode: str) -> list[pipeline.NotebookJob]:
    """One page per région with territories of the current phase (``config.REGION_PHASE``)."""
    regions = referentiel.territoires(config.REGION_PHASE)[["region", "lib_region"]].drop_duplicates().sort_values("region")
    return [
        pipeline.NotebookJob(template=REGION_TEMPLATE, output=region_path(periode, row.region),
                             parameters={"region": row.region, "periode": periode}, label=f"région {row.lib_region}")
        for row in regions.itertuples()
    ]


def _job(template: Path, output: Path, label: str, **parameters) -> pipeline.NotebookJob:
    return pipeline.NotebookJob(template=template, output=output, parameters=parameters, label=label)


class PeriodNotRunError(RuntimeError):
    """``render`` was asked for a period that has no executed notebook."""


def run_periode(
    periode: str,
    *,
    phases: tuple[int, ...] = config.PHASES,
    territoires: list[str] | None = None,
    jobs_n: int = 2,
    render: bool = True,
    progress: bool = True,
    fresh_kernels: bool = False,
    workers: pipeline.Workers | None = None,
) -> RunOutcome:
    """The whole monthly pipeline for one period (see the module docstring), one run of a
    period at a time (``period_lock``). The notebooks run on ``workers`` when given (a pool or a
    dask cluster shared by several months, which the caller closes), else on a pool of
    ``jobs_n`` processes started for this month; ``fresh_kernels``: one new kernel per notebook
    (``pipeline.execute_jobs``)."""
    mois.check_periode(periode)
    if territoires is not None:  # a bad id (or none) is refused before anything is written; repeats count once
        for phase in phases:
            territoires = referentiel.check_territoires(phase, territoires)
    with period_lock(periode):
        return _run_periode(periode, phases, territoires, jobs_n, render, progress, workers, fresh_kernels)


def _run_periode(
    periode: str, phases: tuple[int, ...], territoires: list[str] | None, jobs_n: int, render: bool, progress: bool,
    workers: pipeline.Workers | None,
    fresh_kernels: bool = False,
) -> RunOutcome:
    started = dt.datetime.now()
    log = journal.setup_run_logger(mois.logs_dir(periode) / f"run-{started:%Y%m%dT%H%M%S}.log")
    log.info("Période %s (données publiées au %s), phases %s", periode, mois.asof_date(periode), phases)

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    code = provenance.code_version()
    parameters = {"periode": periode, "phases": list(phases), "territoires": territoires or "tous", "jobs": jobs_n}
    publications = not territoires
    # the publications compare both phases: their indicator tables are built whatever --phase
    built = prepare_inputs(periode, config.PHASES if publications else phases, parameters, code, log)
    if publications:
        built += _previous_months(periode, jobs_n, log)
    timings["indicateurs"] = time.perf_counter() - t0

    fiches = [job for phase in phases for job in fiche_jobs(periode, phase, territoires)]
    first, last = publication_jobs(periode) if publications else ([], [])
    documents = first + last

    t1 = time.perf_counter()
    context = [*built, *sorted(p for p in config.MONOGRAPHIES_DIR.rglob("*") if p.is_file())]
    # What a notebook is made from besides its template and parameters. The code enters by the
    # digest of the analysis sources, not by the git commit recorded in the provenance: a
    # commit that only touches the documentation executes nothing again.
    inputs_digest = pipeline.digest_files(context) + cache.generation()
    executed = pipeline.execute_jobs(first + fiches + last, jobs_n=jobs_n, inputs_digest=inputs_digest, log=log, progress=progress,
                                      workers=workers, fresh_kernels=fresh_kernels)
    by_output = {r.output: r for r in executed}  # outputs are unique (execute_jobs checks)
    results = [by_output[job.output.resolve()] for job in documents + fiches]
    timings["notebooks"] = time.perf_counter() - t1

    analyses_error = None
    if publications:
        t_analyses = time.perf_counter()
        analyses_error = _write_analyses(periode, by_output[(mois.periode_dir(periode) / mois.SYNTHESE).resolve()], log)
        timings["analyses"] = time.perf_counter() - t_analyses

    site = renderer = render_error = None
    render_failures: dict[Path, str] = {}
    if render:
        t2 = time.perf_counter()
        site, renderer, render_error, render_failures = _render_step(periode, jobs_n, log)
        timings["rendu"] = time.perf_counter() - t2

    timings["total"] = time.perf_counter() - t0
    manifest = mois.manifest_file(periode)
    manifest_error = _write_run_manifest(manifest, results, {
        "periode": periode,
        "parametres": parameters,
        "version_code": code,
        "fichiers": provenance.read(periode)["fichiers"],
        "rendu": renderer,
        "durees_s": {k: round(v, 2) for k, v in timings.items()},
    }, log)
    log.info(pipeline.summarize(results[len(documents):]))
    if documents:
        log.info(pipeline.summarize(results[: len(documents)], noun="publication"))
    if manifest_error is None:
        log.info("Manifeste : %s", manifest)
    return RunOutcome(periode=periode, results=results, manifest=manifest, site=site, renderer=renderer,
                      render_error=render_error, manifest_error=manifest_error, render_failures=render_failures,
                      analyses_error=analyses_error)


def _write_analyses(periode: str, synthese: pipeline.JobResult, log: logging.Logger) -> str | None:
    """Write the month's analysis tables (``resultats.publier``) once the synthesis, which
    computes them, has run; the reason they were not written, else None (the run goes on)."""
    from analysis.analyses import resultats

    if synthese.status == "failed":
        log.error("Tableaux d'analyse non écrits : la synthèse, qui les calcule, est en échec")
        return "la synthèse, qui calcule les tableaux d'analyse, est en échec"
    try:
        folder = resultats.publier(periode)
    except OSError as error:
        reason = describe_os_error(error)
    except Exception as error:  # noqa: BLE001 - a failed analysis is reported, the run goes on to its site and manifest
        log.exception("Tableaux d'analyse non écrits")
        reason = f"{type(error).__name__} : {error}"
    else:
        log.info("Tableaux d'analyse : %s", folder)
        return None
    log.error("Tableaux d'analyse non écrits : %s", reason)
    return reason




def _previous_months(periode: str, jobs_n: int, log: logging.Logger) -> list[Path]:
    """The indicator tables of the months the changes page compares with (built, or kept under
    this month's folder when never built: ``build.dossier_du_mois``)."""
    from analysis.indicateurs.build import dossier_du_mois

    earlier = historique.assurer(historique.precedents(periode), lambda m: dossier_du_mois(m, periode), own=False,
                                 jobs_n=jobs_n, log=log, connus={periode: mois.indicateurs_dir(periode)})
    return [mois.table_files(phase, m.periode, m.dossier)[t] for m in earlier for phase in config.PHASES for t in ("long", mois.PROFILS)]

def publication_jobs(periode: str) -> tuple[list[pipeline.NotebookJob], list[pipeline.NotebookJob]]:
    """The publications of a month: the synthesis, started first (the longest notebook), and what
    runs after the fiches because it reads what the synthesis stored (the phase-2 typology):
    the monographs, the changes page, the home page, the methods page and the régions' pages."""
    from analysis.analyses import monographies

    out = mois.periode_dir(periode)
    first = [_job(SYNTHESE_TEMPLATE, out / mois.SYNTHESE, "synthèse", periode=periode)]
    last = [
        _job(MONOGRAPHIE_TEMPLATE, out / mois.monographie_notebook(row.id_ti), f"monographie {row.id_ti}",
             territoire=row.id_ti, phase=monographies.MONOGRAPHIE_PHASE, periode=periode)
        for row in monographies.monographies(periode).itertuples()
    ]
    last.append(_job(CHANGEMENTS_TEMPLATE, out / mois.CHANGEMENTS, "changements", periode=periode))
    last.append(_job(ACCUEIL_TEMPLATE, out / mois.ACCUEIL, "accueil", periode=periode))
    # the site shows it at mois.METHODES_PAGE, where every document links
    last.append(_job(METHODES_TEMPLATE, out / mois.METHODES, "méthodes", periode=periode))
    return first, last + region_jobs(periode)


def _render_step(periode: str, jobs_n: int, log: logging.Logger) -> tuple[Path | None, str | None, str | None, dict[Path, str]]:
    """Render the month's site (``render_month``): (site, renderer, None, pages not rendered),
    or (None, "échec", why, {}) when the render failed as a whole; the previous site is then
    kept and the run reports the failure."""
    try:
        report = render_month(periode, jobs_n=jobs_n)
    except (RenderError, OSError) as error:
        log.error("Rendu du site en échec : %s", error)
        return None, "échec", describe_os_error(error) if isinstance(error, OSError) else str(error), {}
    log.info("Site rendu avec %s : %s", report.renderer, report.index)
    for path, error in report.failures.items():
        log.error("Rendu en échec pour %s : %s", path, error)
    return report.site, report.renderer, None, dict(report.failures)


def _write_run_manifest(manifest: Path, results: list[pipeline.JobResult], run: dict, log: logging.Logger) -> str | None:
    """Write the month's manifest; the reason it could not be written, else None (the outcome
    is still reported and the previous manifest left as it was)."""
    try:
        pipeline.write_manifest(manifest, results, run)
    except OSError as error:
        reason = describe_os_error(error, manifest)
        log.error("Manifeste non écrit : %s", reason)
        return reason
    return None

def documents(periode: str, notebooks: list[Path], fiches: list[Path]) -> tuple[list[Document], list[Document], Path | None]:
    """What to render: the publications, the fiches and the home page notebook (or None),
    each page with its links to the related pages that are rendered too.

    A fiche links to the other phase's fiche of the territory with exactly the same
    communes (``portrait.memes_communes``, never the ``ti-`` code, which names another
    territory in the other phase), to its monograph and (current phase) to its région's page.
    The synthesis and the monographs
    link to each other and to the fiches in their own text (``publications.monographie``).
    """
    from analysis.analyses import portrait
    from analysis.analyses.monographies import MONOGRAPHIE_PHASE

    out = mois.periode_dir(periode).resolve()
    accueil = out / mois.ACCUEIL
    home = accueil if accueil in {p.resolve() for p in notebooks} else None
    notebooks = [p for p in notebooks if p.resolve() != accueil]
    pages = {mois.page(p.resolve().relative_to(out)) for p in notebooks + fiches}
    names = {phase: referentiel.territoires(phase).set_index("id_ti")["lib_ti"] for phase in config.PHASES}
    regions = referentiel.territoires(config.REGION_PHASE).set_index("id_ti")[["region", "lib_region"]]
    monographs = {p.stem for p in notebooks if p.parent.name == mois.MONOGRAPHIES}

    def monograph(id_ti: str) -> tuple[str, str]:
        return f"Monographie : {names[MONOGRAPHIE_PHASE].get(id_ti, id_ti)}", mois.monographie_page(id_ti)

    # a monograph is listed in the index by its territory's name and what it is
    docs = [
        Document(notebook=p, title=monograph(p.stem)[0] if p.parent.name == mois.MONOGRAPHIES else None) for p in notebooks
    ]
    other = {}
    for row in portrait.memes_communes().itertuples():
        other[(1, row.id_ti_1)] = (2, row.id_ti_2, row.lib_ti_2)
        other[(2, row.id_ti_2)] = (1, row.id_ti_1, row.lib_ti_1)
    fiche_docs = []
    for path in fiches:
        phase, id_ti = mois.fiche_of(path)
        links = []
        if (phase, id_ti) in other:
            o_phase, o_id, o_name = other[(phase, id_ti)]
            links.append((f"Même territoire en phase {o_phase} : {o_name} ({o_id})", mois.fiche_page(o_phase, o_id)))
        if phase == MONOGRAPHIE_PHASE and id_ti in monographs:
            links.append(monograph(id_ti))
        if phase == config.REGION_PHASE and id_ti in regions.index:
            links.append((f"Les territoires de la région {regions.loc[id_ti, 'lib_region']}",
                          mois.region_page(regions.loc[id_ti, "region"])))
        links = tuple((label, href) for label, href in links if href in pages)
        fiche_docs.append(Document(notebook=path, title=names[phase].get(id_ti), phase=phase, id_ti=id_ti, liens=links))
    return docs, fiche_docs, home


def executed_notebooks(out: Path) -> list[Path]:
    """The executed notebooks of a period's folder (with a stamp, not failed): the publications,
    then the fiches."""

    def done(folder: str) -> list[Path]:
        return sorted(p for p in (out / folder).rglob("*.ipynb") if pipeline.stamp_path(p).exists() and not p.name.endswith(".failed.ipynb"))

    return [p for folder in (*mois.PUBLICATION_FOLDERS, mois.FICHES) for p in done(folder)]


def render_period(periode: str, brouillon: bool = False, jobs_n: int = os.cpu_count() or 1):
    """Render every executed notebook of a period, holding the period's lock (``period_lock``):
    a render never publishes a run half-way. A period without any executed notebook raises
    ``PeriodNotRunError`` naming the command to run, and nothing is written. ``brouillon``:
    the team's draft site instead of the published one (``render_site``)."""
    if not executed_notebooks(mois.periode_dir(periode)):  # checked before the lock, which would create the folder
        others = [m for m in mois.periodes_on_disk() if m != periode and executed_notebooks(mois.periode_dir(m))]
        raise PeriodNotRunError(
            f"la période {periode} n'a encore aucun notebook exécuté : lancez d'abord "
            f"« observatoire run --periode {periode} », qui rend aussi le site"
            + (f" ; périodes déjà exécutées : {', '.join(others)}" if others else "")
        )
    with period_lock(periode, "rendu"):
        return render_month(periode, brouillon, jobs_n=jobs_n)


def render_month(periode: str, brouillon: bool = False, jobs_n: int = os.cpu_count() or 1):
    """Render the site (or the draft site) of every executed notebook of the month
    (``executed_notebooks``), the caller holding the month's lock: what a run restricted to
    some territories executed joins the pages of the earlier runs."""
    out = mois.periode_dir(periode)
    notebooks = executed_notebooks(out)
    fiches = [p for p in notebooks if p.relative_to(out).parts[0] == mois.FICHES]
    docs, fiche_docs, accueil = documents(periode, [p for p in notebooks if p not in fiches], fiches)
    return render_site(periode, docs, fiche_docs, accueil=accueil, brouillon=brouillon, jobs_n=jobs_n)
