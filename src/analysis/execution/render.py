"""Publishing: executed notebooks -> a website of HTML pages and PDF reports.

Input: notebooks already executed by papermill under ``outputs/<periode>/`` (``synthese/``,
``monographies/``, ``changements/``, ``fiches/phase<N>/``, ``accueil/``). Nothing is ever
executed here. Output: ``outputs/<periode>/site/`` with one HTML page and one PDF per
notebook (same relative path as the notebook) and ``index.html``.

The index. When the run made the home page notebook (``accueil``, see ``analysis.accueil``:
maps, territories by région and département, filter, sortable table, CSV files), it is
published as ``index.html``, below a list of the other documents (synthesis, monographs...)
and their PDFs; the files beside it (CSV) are published at the same place relative to the
index. Without it (a run restricted to some territories), the index is the renderer's list
of every page, fiches grouped by phase.

Links. Each page starts with a line of links (``nav.liens``): the index, its PDF, and the
``Document.liens`` the caller gives (the other phase's fiche of the same territory, the
monograph of a fiche), written relative to the page. PDFs hold no such line.

Two renderers, chosen by ``available_renderer()``, on what both share (``pages``: documents,
notebooks reduced to what is published, links, index):

* ``"quarto"`` when ``quarto`` is on PATH (``render_quarto``): ``jobs_n`` staging Quarto
  projects configured by ``_quarto.yml`` (repository root), ``quarto render --no-execute``
  in parallel, assembled into one site;
* ``"pandoc+typst"`` otherwise (``render_fallback``, PyPI tools only): nbconvert's Markdown
  exporter -> pandoc -> a standalone HTML page, and pandoc -> Typst -> PDF; a page whose
  notebook, links and rendering code have not changed is carried over from the current site.

Every page and PDF of a run is written to a temporary folder (``site-en-cours-*``) which
replaces ``site/`` only once complete (``check_site``), so a half-written site never looks
done; the next holder of the month's lock removes those a killed render left
(``verrou.remove_debris``). A page that cannot be rendered (damaged notebook, renderer error) keeps
its previous version, with its PDF (``pages.keep_previous``), and is reported in
``RenderReport.failures``; a full disk stops the whole render and the previous site stays.

Conventions for notebook authors (both renderers follow them):

* Code is never shown. Cells tagged ``remove-cell`` are dropped, ``remove-output`` drops
  a cell's outputs; cells tagged ``brouillon`` (what a document still lacks, for the team)
  are dropped from the published site and shown only in the draft site
  (``render_site(..., brouillon=True)``, ``outputs/<periode>/brouillon/``); papermill's ``parameters`` / ``injected-parameters`` cells and stderr
  (warnings) are not published. Quarto options ``#| include: false`` and
  ``#| output: false`` are honoured.
* Title: the notebook metadata ``title``, else the ``title`` of a Quarto front-matter raw
  cell, else the first level-1 heading (``# ...``) of a Markdown cell or of a Markdown
  output (``display(Markdown(f"# {lib_ti}"))`` for a parameterised title), which is then
  removed from the body. Use ``##`` for sections.
* Figures: draw with matplotlib and let the figure display; put the Quarto options at the
  top of the cell::

      #| label: fig-emploi
      #| fig-cap: "Évolution de l'emploi industriel (base 100 en 2019)"

  The caption (a list for several figures) is shown under the figure by both renderers.
  Refer to figures in words: ``@fig-...`` cross-references are not resolved by the fallback.
* Tables: display a pandas DataFrame (last expression of the cell or ``display(df)``)
  whose cells are already formatted as French strings (``"12 345"``, ``"1,5 %"``), whose
  columns have readable French names and whose index is hidden
  (``df.style.hide(axis="index")``) or meaningful; caption with ``#| tbl-cap: "..."``.
  Both renderers turn each HTML table output into a native pandoc table (pandoc's HTML
  reader, ``templates/html_tables.lua``) so it appears in the PDF too; columns whose cells
  all start with a number are right-aligned. A Markdown output (``IPython.display.Markdown``)
  holding a pipe table works as well. A table marked ``data-quarto-disable-processing="true"``
  (an interactive table) and other HTML outputs (maps as inline SVG, scripts) are kept as
  they are, in HTML pages only.
* Prose computed from data: ``display(Markdown(...))``; it is published as Markdown.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from analysis import environnement, mois
from analysis.execution.pages import (
    PANDOC_TYPST,
    QUARTO,
    Document,
    RenderError,
    RenderReport,
    disk_error,
    page_error,
)
from analysis.execution.render_fallback import render_fallback
from analysis.execution.render_quarto import render_quarto
from analysis.fichiers import describe_os_error, replace_folder


def available_renderer() -> str:
    """``"quarto"`` when the Quarto CLI is on PATH, else ``"pandoc+typst"`` (``environnement.renderer``,
    which the provenance records)."""
    return environnement.renderer()




def hidden_component(path: Path) -> str | None:
    """The first folder of ``path`` (made absolute) whose name starts with ".", else None."""
    return next((part for part in path.resolve().parts if part.startswith(".") and part not in {".", ".."}), None)


def _staging_parent(root: Path) -> Path:
    """Where the site is staged: the period's folder (same file system, so the final swap is a
    rename), or the system's temporary folder when that path holds a hidden folder."""
    if hidden_component(root) is None:
        return root
    temporary = Path(tempfile.gettempdir())
    if hidden_component(temporary) is None:
        return temporary
    raise RenderError(
        f"impossible de rendre le site : {root} et {temporary} passent par un dossier caché "
        f"({hidden_component(root)!r}), que Quarto ignore ; choisissez OBSERVATOIRE_OUTPUTS ou TMPDIR hors d'un dossier caché"
    )


def check_site(report: RenderReport, staging: Path) -> None:
    """Raise ``RenderError`` unless the staged site holds the index and every expected page and
    PDF, each non-empty (a renderer may exit 0 having written nothing)."""
    expected = [report.index, *report.pages, *report.pdfs]
    missing = sorted(
        {
            p.relative_to(report.site).as_posix()
            for p in expected
            if not (staged := staging / p.relative_to(report.site)).is_file() or staged.stat().st_size == 0
        }
    )
    if missing:
        shown = ", ".join(missing[:10]) + (f" et {len(missing) - 10} autres" if len(missing) > 10 else "")
        raise RenderError(
            f"rendu incomplet avec {report.renderer} : {len(missing)} page(s) ou PDF absents ou vides "
            f"({shown}) ; le site précédent est conservé"
        )


def render_site(
    periode: str,
    documents: list[Document],
    fiches: list[Document],
    *,
    accueil: Path | None = None,
    renderer: str | None = None,
    brouillon: bool = False,
    jobs_n: int = os.cpu_count() or 1,
) -> RenderReport:
    """Publish a period's executed notebooks as ``outputs/<periode>/site/``.

    ``documents`` (synthesis, monographs...) and ``fiches`` each get an HTML page and a PDF;
    ``accueil``, the executed home page notebook, becomes ``index.html`` (see the module
    docstring). All notebooks live under ``outputs/<periode>/``; the site mirrors their layout.
    ``brouillon``: the draft site for the team, ``outputs/<periode>/brouillon/``, which also
    shows the cells tagged ``brouillon`` (what a document still lacks); the published site
    is left untouched. ``jobs_n``: how many pages are rendered at the same time (Quarto
    processes, or the fallback's threads).
    ``renderer`` defaults to ``available_renderer()``. A notebook that cannot be read, or
    fails to render with the fallback, is reported in ``failures`` and its page and PDF of the
    current site are kept (listed in the index), or it is left out when the site had none; a
    Quarto failure raises ``RenderError`` (with the end of Quarto's messages), and so does a
    full disk (the whole render stops). The staged site replaces
    ``site/`` only when its index and every expected page and PDF exist and are non-empty
    (``check_site``); otherwise ``RenderError`` names what is missing (or why the render
    stopped: disk full, a renderer that crashed) and the previous site is left untouched.
    """
    renderer = renderer or available_renderer()
    if renderer not in (QUARTO, PANDOC_TYPST):
        raise ValueError(f"moteur de rendu inconnu {renderer!r}: {QUARTO!r} ou {PANDOC_TYPST!r}")
    root = mois.periode_dir(periode)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=mois.STAGING_PREFIX, dir=_staging_parent(root)))
    staging.chmod(0o755)  # the published site is world-readable (mkdtemp makes it private)
    try:
        render = render_quarto if renderer == QUARTO else render_fallback
        with environnement.date_fixe(periode):  # the same PDFs at every render of the month
            report = render(periode, list(documents), list(fiches), accueil, staging, brouillon, jobs_n)
        check_site(report, staging)
        replace_folder(staging, report.site)
    except RenderError:
        raise
    except (OSError, RuntimeError) as error:  # disk full, pandoc that crashed: the previous site stays
        problem = disk_error(error) or error
        cause = describe_os_error(problem) if isinstance(problem, OSError) else page_error(problem)
        raise RenderError(f"rendu interrompu ({cause}) ; le site précédent est conservé") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
