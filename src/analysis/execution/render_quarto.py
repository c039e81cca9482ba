"""The Quarto renderer: the notebooks are shared out between ``jobs_n`` staging Quarto projects
configured by ``_quarto.yml`` (repository root), each rendered with ``quarto render <staging>
--no-execute`` at the same time, into its own folder (no two Quarto processes share a
``site_libs/``); their sites are then assembled into one (``_assemble``).

Each staged notebook gets a front-matter title, its line of links (a raw HTML cell), a
``tbl-`` label on each cell that shows a captioned table (Quarto captions a table, with the
prefix "Tableau", only when it is labelled) and, through a ``_metadata.yml`` in its folder,
the Typst PDF format. ``templates/html_tables.lua`` (as a ``pre-ast`` filter) and
``templates/composants.css`` are copied into the project, so tables and index look as in the
fallback. Quarto does not support ``embed-resources`` in website projects, so its pages share
the site's ``site_libs/`` and figure folders: publish ``site/`` as a whole.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nbformat
import yaml

from analysis import config, mois
from analysis.publications.figures import ALT_METADATA, CLASSE_LIEN_DONNEES
from analysis.execution.pages import (
    DRAFT_TAG,
    INDEX_TITLE,
    QUARTO,
    SECTION,
    TEMPLATES,
    Document,
    RenderError,
    RenderReport,
    accueil_before,
    cell_markdown,
    cell_options,
    citer_markdown,
    compact_images,
    copy_attachments,
    copy_figure_data,
    disk_error,
    front_matter,
    index_markdown,
    keep_previous,
    listing,
    nav,
    output_html,
    page_error,
    page_of,
    relative_to_root,
    shows_table,
    site_citation,
    split_title,
    territoire_cite,
    with_title,
)

QUARTO_CONFIG = config.ROOT / "_quarto.yml"
# copied into the Quarto project, named as in _quarto.yml; the fallback uses them too
QUARTO_FILES = ("html_tables.lua", "composants.css")
# not copied into the Quarto staging project: documents it would render, published sites
SEARCH_INDEX = "search.json"  # what each Quarto website project writes for the whole site
STAGING_IGNORE = ("*.ipynb", "*.qmd", "*.md", "*.Rmd", "_quarto.yml", "_metadata.yml", mois.SITE, mois.DRAFT_SITE, ".*")


def _quarto_notebook(
    notebook: Path, title: str, nav_html: str = "", before: str = "", front: dict | None = None, brouillon: bool = False,
    after: str = "",
) -> nbformat.NotebookNode:
    """The staged copy of a notebook: its title (and ``front`` options) in a Quarto
    front-matter raw cell, then its line of links (HTML only); ``before`` (Markdown) is put
    before the first level-2 heading and ``after`` (Markdown, the « Citer cette page » section)
    at the end;
    each cell showing a captioned table gets a ``tbl-`` label (Quarto captions only
    labelled tables), each figure with an alternative text (``figures.ALT_METADATA``) a
    ``fig-alt`` option, and the link to its data (``figures.CLASSE_LIEN_DONNEES``) moves to a
    raw HTML cell after it (left in the cell, Quarto takes it for a second, empty subfigure
    « (b) »); PNG figures get a palette (``compact_png``); its ``brouillon`` cells are dropped
    unless ``brouillon``."""
    _, nb = split_title(nbformat.read(notebook, as_version=4))
    if not brouillon:
        nb.cells = [c for c in nb.cells if DRAFT_TAG not in c.metadata.get("tags", [])]
    options = front_matter(nb.cells[0]) if nb.cells else {}
    if options:
        nb.cells = nb.cells[1:]
    options = {**options, **(front or {}), "title": title}
    n = 0
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type != "code":
            continue
        links = [o for o in cell.get("outputs", []) if CLASSE_LIEN_DONNEES in output_html(o)]
        if links:
            cell.outputs = [o for o in cell.outputs if o not in links]
            cells.append(nbformat.v4.new_raw_cell("".join(output_html(o) for o in links), metadata={"raw_mimetype": "text/html"}))
        cell_opts = cell_options(cell.source)
        if cell_opts.get("tbl-cap") and not cell_opts.get("label") and shows_table(cell):
            n += 1
            cell.source = f"#| label: tbl-{n}\n{cell.source}"
        alt = next((o.metadata[ALT_METADATA] for o in cell.get("outputs", []) if o.get("metadata", {}).get(ALT_METADATA)), None)
        if alt and "fig-alt" not in cell_opts:  # Quarto writes a figure's alt from this option only
            cell.source = f"#| fig-alt: {json.dumps(alt, ensure_ascii=False)}\n{cell.source}"
    nb.cells = cells
    compact_images(nb)
    if before:
        at = next((i for i, cell in enumerate(nb.cells) if SECTION.search(cell_markdown(cell))), len(nb.cells))
        if at < len(nb.cells) and nb.cells[at].cell_type == "markdown":  # the heading within a Markdown cell
            source = nb.cells[at].source
            cut = SECTION.search(source).start()
            nb.cells[at].source = source[cut:]
            if cut:
                nb.cells.insert(at, nbformat.v4.new_markdown_cell(source[:cut]))
                at += 1
        nb.cells.insert(at, nbformat.v4.new_markdown_cell(before))
    if after:
        nb.cells.append(nbformat.v4.new_markdown_cell(after))
    header = "---\n" + yaml.safe_dump(options, allow_unicode=True, sort_keys=False) + "---"
    top = [nbformat.v4.new_raw_cell(header)]
    if nav_html:
        top.append(nbformat.v4.new_raw_cell(nav_html, metadata={"raw_mimetype": "text/html"}))
    nb.cells = top + nb.cells
    return nb


def _stage_notebook(project: Path, root: Path, doc: Document, text: str, pdf: bool) -> None:
    """Write a staged notebook (``text``, as ``nbformat.writes`` gives it) into a Quarto project,
    with the figure files beside it and, for a project of PDFs, the folder's Typst set-up
    (``quarto_pdf.yml``, ``report.typ``)."""
    target = project / relative_to_root(doc.notebook, root)
    if not target.parent.exists():
        # figure files beside the notebooks; no other document Quarto would render
        shutil.copytree(doc.notebook.parent, target.parent, ignore=shutil.ignore_patterns(*STAGING_IGNORE))
        if pdf:
            shutil.copy2(TEMPLATES / "quarto_pdf.yml", target.parent / "_metadata.yml")
            shutil.copy2(TEMPLATES / "report.typ", target.parent / "report.typ")
    target.write_text(text, encoding="utf-8")


def _weight(text: str, nb: nbformat.NotebookNode) -> int:
    """What a staged notebook costs Quarto, roughly: its characters, images aside (Quarto's
    filters go over the text of a page; its figures are files to them)."""
    images = sum(len(o.data["image/png"]) for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    return len(text) - images


def share_out(weights: Sequence[int], n: int) -> list[int]:
    """The project (of ``n``) each document goes to: the heaviest first, each to the project
    with the least weight so far, so that no project waits for another at the end.

    >>> share_out([5, 1, 1, 1, 1, 1], 2)
    [0, 1, 1, 1, 1, 1]
    """
    loads, projects = [0] * n, [0] * len(weights)
    for i in sorted(range(len(weights)), key=lambda i: -weights[i]):
        projects[i] = loads.index(min(loads))
        loads[projects[i]] += weights[i]
    return projects


def _new_project(parent: Path, prefix: str) -> Path:
    project = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    shutil.copy2(QUARTO_CONFIG, project / "_quarto.yml")
    for name in QUARTO_FILES:
        shutil.copy2(TEMPLATES / name, project / name)
    return project


def _assemble(outputs: Sequence[Path], staging: Path) -> None:
    """Move the HTML sites the projects rendered into ``outputs`` into the first one,
    ``staging``: the files it lacks (their pages and figures, the ``site_libs/`` files of
    features only their pages use: each project made its own ``site_libs/`` from the same
    ``_quarto.yml``, the site keeps one; the first project's ``index.html``, the real one, is
    kept, the others being Quarto's redirections to their first page), and their entries of the
    search index (``search.json``), ordered by page (as many projects or one give the same index)."""
    search = staging / SEARCH_INDEX
    entries = json.loads(search.read_text(encoding="utf-8")) if search.is_file() else []
    for out in outputs:
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            relative = path.relative_to(out)
            target = staging / relative
            if relative == Path(SEARCH_INDEX):
                entries += json.loads(path.read_text(encoding="utf-8"))
            elif not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
    if entries:
        entries.sort(key=lambda entry: entry.get("href", "").split("#")[0])  # stable: a page's sections stay in order
        search.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")


def render_quarto(
    periode: str, documents: list[Document], fiches: list[Document], accueil: Path | None, staging: Path, brouillon: bool,
    jobs_n: int,
) -> RenderReport:
    """``jobs_n`` Quarto website projects share out the notebooks and render the HTML pages,
    then ``_assemble`` makes them one site; the PDFs are rendered at the same time by
    ``jobs_n`` other projects (``--to typst``). Quarto renders the documents of a project one
    after the other, and no two Quarto processes share a project (nor its ``site_libs/``)."""
    root = mois.periode_dir(periode)
    site = mois.site_dir(periode, brouillon)
    # Quarto skips every input under a folder whose name starts with "." (its project scan
    # ignores hidden paths, even in the absolute path) and then renders nothing with status 0:
    # the staging projects live beside the staging site, outside any hidden folder.
    with tempfile.TemporaryDirectory(prefix=f"{mois.STAGING_PREFIX}quarto-", dir=staging.parent) as tmp:
        n = max(1, min(jobs_n, len(documents + fiches)))
        projects = [_new_project(Path(tmp), f"site{i}-") for i in range(n)]
        project = projects[0]  # with the index
        pdf_projects = [_new_project(Path(tmp), f"pdf{i}-") for i in range(n)]
        titles, failures, staged = {}, {}, []
        citation = site_citation(periode, root, documents)
        for doc in documents + fiches:
            try:
                own, _ = split_title(nbformat.read(doc.notebook, as_version=4))
            except Exception as error:  # a damaged notebook: its previous page is kept (keep_previous)
                if disk_error(error) is not None:
                    raise
                failures[doc.notebook] = page_error(error)
                continue
            titles[doc.notebook] = own or doc.title or doc.notebook.stem
            page = page_of(doc, root)
            nb = _quarto_notebook(doc.notebook, titles[doc.notebook], nav(page, True, doc.liens, home=False, phase=doc.phase),
                                  brouillon=brouillon, after=citer_markdown(titles[doc.notebook], page, citation, territoire_cite(doc)))
            text = nbformat.writes(nb)
            staged.append((doc, text, _weight(text, nb)))
        for (doc, text, _), k in zip(staged, share_out([w for *_, w in staged], n)):
            _stage_notebook(projects[k], root, doc, text, pdf=False)
            _stage_notebook(pdf_projects[k], root, doc, text, pdf=True)
        # Quarto empties its output folder: the pages kept wait beside it until it is done
        kept = Path(tmp) / "pages-conservees"
        titles |= keep_previous(failures, documents + fiches, root, site, kept)
        docs, listed = listing(root, documents, fiches, titles)
        extra: list[Path] = []
        if accueil is not None:
            files = copy_attachments(accueil, project)
            # files the page links to are published with it (Quarto does not see links in raw HTML)
            front = {"resources": [f.relative_to(project).as_posix() for f in files], "toc": False, "page-layout": "full"}
            own, _ = split_title(nbformat.read(accueil, as_version=4))
            staged = _quarto_notebook(accueil, own or INDEX_TITLE, before=accueil_before(docs), front=front, brouillon=brouillon,
                                      after=citer_markdown(own or INDEX_TITLE, mois.INDEX_PAGE, citation))
            nbformat.write(staged, project / "index.ipynb")
            extra = [site / f.relative_to(project) for f in files]
        else:
            index = with_title(index_markdown(periode, docs, listed) + "\n" + citer_markdown(INDEX_TITLE, mois.INDEX_PAGE, citation),
                               INDEX_TITLE)
            (project / "index.qmd").write_text(index, encoding="utf-8")
        html = [staging] + [Path(tmp) / f"html{i}" for i in range(1, n)]
        pdfs = [Path(tmp) / f"pdf{i}" for i in range(n)]
        commands = [["quarto", "render", str(p), "--no-execute", "--output-dir", str(out)] for p, out in zip(projects, html)] + [
            ["quarto", "render", str(pdf), "--to", "typst", "--no-execute", "--output-dir", str(out)]
            for pdf, out in zip(pdf_projects, pdfs)
        ]
        running = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for c in commands]
        for process in running:
            log, _ = process.communicate()
            if process.returncode != 0:
                for other in running:
                    other.kill()
                tail = "\n".join(log.strip().splitlines()[-15:])
                raise RenderError(f"quarto render a échoué (code {process.returncode}) ; le site précédent est conservé.\n{tail}")
        _assemble(html[1:], staging)  # with one project too: the same search index
        for out in pdfs:
            for pdf in out.rglob("*.pdf"):
                (staging / pdf.relative_to(out)).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(pdf, staging / pdf.relative_to(out))
        if kept.exists():
            shutil.copytree(kept, staging, dirs_exist_ok=True)
    published = [d for d in documents + fiches if d.notebook in titles]
    figure_data = copy_figure_data([d for d in published if d.notebook not in failures], root, staging)
    pages = [site / mois.INDEX_PAGE] + [site / page_of(d, root) for d in published] + extra
    pages += [site / f.relative_to(staging) for f in figure_data]
    pdfs = [site / mois.pdf_page(page_of(d, root)) for d in published]
    return RenderReport(renderer=QUARTO, site=site, pages=tuple(pages), pdfs=tuple(pdfs), failures=failures)
