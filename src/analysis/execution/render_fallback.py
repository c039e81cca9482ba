"""The renderer without Quarto (PyPI tools only): nbconvert's Markdown exporter (code hidden)
-> pandoc -> a standalone HTML page with images embedded (``report.css`` and
``composants.css``), and pandoc -> Typst source compiled to PDF by the ``typst`` package
(``report.typ``). Pages and PDFs are rendered in ``jobs_n`` parallel threads (pandoc is a process, Typst
compiles outside the GIL).

A notebook is not rendered again when the current site holds its page and PDF made from the
same notebook bytes, links and rendering code: ``site/.rendu.json`` records, for each page, a
digest of these and the page's title; such pages are carried over into the new site, and the
index is always rebuilt.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pypandoc
import typst

from analysis import environnement, mois
from analysis.execution.pages import (
    INDEX_TITLE,
    PANDOC_TYPST,
    TEMPLATES,
    Citation,
    Document,
    RenderError,
    RenderReport,
    accueil_before,
    carry_over,
    citer_markdown,
    copy_attachments,
    copy_figure_data,
    disk_error,
    index_markdown,
    insert_before_sections,
    keep_previous,
    listing,
    nav,
    page_error,
    page_of,
    publishable,
    site_citation,
    split_title,
    territoire_cite,
    with_title,
)
from analysis.fichiers import write_atomic

MARKDOWN_IN = "markdown-citations"  # '@' stays text: no bibliography in the reports
TABLE_FILTER = f"--lua-filter={TEMPLATES / 'html_tables.lua'}"
RENDER_STAMPS = ".rendu.json"  # in the site: digest and title of each fallback page
_exporters = threading.local()


def _markdown_exporter():
    """This thread's nbconvert exporter: its Jinja templates are compiled once per thread
    (~0.15 s each time otherwise), and no exporter is shared between threads."""
    exporter = getattr(_exporters, "markdown", None)
    if exporter is None:
        from nbconvert import (
            MarkdownExporter,  # ~0.4 s to import: only when a page is rendered
        )

        exporter = _exporters.markdown = MarkdownExporter(exclude_input=True, template_file=str(TEMPLATES / "notebook.md.j2"))
    return exporter


def notebook_markdown(nb: nbformat.NotebookNode) -> tuple[str, dict[str, bytes]]:
    """Markdown of a prepared notebook (no code) and its extracted figures {filename: bytes}."""
    body, resources = _markdown_exporter().from_notebook_node(nb)
    return body, dict(resources.get("outputs", {}))


def _pandoc(markdown: str, to: str, **kwargs) -> str:
    """pandoc from our Markdown; formats are fixed here, so pypandoc does not ask pandoc for its
    list of formats first (two more pandoc processes per call)."""
    return pypandoc.convert_text(markdown, to, format=MARKDOWN_IN, verify_format=False, **kwargs)


def _pandoc_html(markdown: str, output: Path, *, resource_path: list[Path], toc: bool, nav: str = "") -> None:
    args = [
        "--standalone",
        "--embed-resources",
        f"--css={TEMPLATES / 'report.css'}",
        f"--css={TEMPLATES / 'composants.css'}",
        f"--resource-path={os.pathsep.join(str(p) for p in resource_path)}",
        TABLE_FILTER,
        "--metadata=lang:fr-FR",
        "--toc-depth=3",
        "--wrap=none",
    ]
    if toc:
        args += ["--toc", "--metadata=toc-title:Sommaire"]
    if nav:
        args.append(f"--variable=include-before:{nav}")
    _pandoc(markdown, "html5", outputfile=str(output), extra_args=args)


def _typst_pdf(markdown: str, output: Path, *, workdir: Path) -> None:
    source = _pandoc(
        markdown,
        "typst",
        extra_args=[
            "--standalone",
            TABLE_FILTER,
            f"--include-in-header={TEMPLATES / 'report.typ'}",
            "--metadata=lang:fr",
            "--metadata=region:FR",
            "--variable=papersize:a4",
            "--variable=margin.x:2.2cm",
            "--variable=margin.y:2.4cm",
            "--variable=fontsize:10.5pt",
            "--variable=page-numbering:1",
            "--toc",
            "--toc-depth=2",
            "--wrap=none",
        ],
    )
    main = workdir / "document.typ"
    main.write_text(environnement.typst_date() + source, encoding="utf-8")  # no clock time in the PDF
    # Only the fonts bundled with typst (Libertinus Serif...): the same PDF on every machine.
    typst.compile(str(main), output=str(output), root=str(workdir), ignore_system_fonts=True)


def render_notebook(
    notebook: Path, html: Path, pdf: Path | None = None, *, title: str | None = None, nav: str = "", before: str = "",
    brouillon: bool = False, citation: Citation | None = None, page: str = "", territoire: str = "",
) -> str:
    """Render one executed notebook to a self-contained HTML page (and a PDF); return its title.

    ``title`` is used when the notebook has none of its own (see the module docstring);
    ``nav`` is the line of links above the HTML page (``nav()``), ``before`` Markdown put
    before the page's first section (its first level-2 heading); ``citation``: the « Citer cette
    page » section put at its end (``citer_markdown``, ``page`` its path from the site root,
    ``territoire`` a fiche's code and phase).
    """
    own_title, nb = split_title(nbformat.read(notebook, as_version=4))
    title = own_title or title or notebook.stem
    markdown, figures = notebook_markdown(publishable(nb, brouillon))
    if citation is not None:
        markdown += "\n\n" + citer_markdown(title, page, citation, territoire)
    markdown = with_title(insert_before_sections(markdown, before), title)
    with tempfile.TemporaryDirectory(prefix="render-") as tmp:
        workdir = Path(tmp)
        for name, content in figures.items():
            (workdir / name).write_bytes(content)
        resources = [workdir, notebook.parent]
        write_atomic(html, lambda out: _pandoc_html(markdown, out, resource_path=resources, toc=True, nav=nav))
        if pdf is not None:
            for extra in notebook.parent.iterdir():  # figure files saved beside the notebook
                if extra.is_file() and extra.suffix.lower() in {".png", ".jpg", ".jpeg", ".svg"}:
                    shutil.copy2(extra, workdir / extra.name)
            write_atomic(pdf, lambda out: _typst_pdf(markdown, out, workdir=workdir))
    return title


@dataclass(frozen=True)
class _Task:
    """One fallback page to render: notebook -> html (and pdf) in the staging site."""

    notebook: Path
    html: Path
    pdf: Path | None
    title: str | None
    nav: str
    before: str = ""
    brouillon: bool = False
    citation: Citation | None = None
    page: str = ""
    territoire: str = ""


def _render_task(task: _Task) -> tuple[Path, str | None, str | None]:
    """Render one page: (notebook, title, None), or (notebook, None, why in one French line).
    A full disk is raised (``OSError``): it stops the whole render, not one page."""
    try:
        title = render_notebook(
            task.notebook, task.html, task.pdf, title=task.title, nav=task.nav, before=task.before, brouillon=task.brouillon,
            citation=task.citation, page=task.page, territoire=task.territoire,
        )
        return task.notebook, title, None
    except Exception as error:  # one failed notebook must not stop the others
        if (full := disk_error(error)) is not None:
            full.filename = full.filename or str(task.html)
            raise full from error
        return task.notebook, None, page_error(error)


def _renderer_digest() -> str:
    """sha256 of the fallback's code (with the notebook preparation it uses) and templates: a
    change renders every page again."""
    h = hashlib.sha256()
    for code in (Path(__file__), Path(__file__).with_name("pages.py")):
        h.update(code.read_bytes())
    for path in sorted(TEMPLATES.iterdir()):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _page_digest(task: _Task, renderer: str) -> str:
    """What a fallback page (and PDF) is made from: notebook bytes, figure files, arguments, code."""
    h = hashlib.sha256(f"{renderer}\0{task.title}\0{task.nav}\0{task.before}\0{task.pdf is not None}\0{task.brouillon}\0{task.citation}\0{task.page}\0{task.territoire}\0".encode())
    h.update(task.notebook.read_bytes())
    if task.pdf is not None:  # render_notebook copies the figure files beside the notebook into the PDF
        for extra in sorted(task.notebook.parent.iterdir()):
            if extra.is_file() and extra.suffix.lower() in {".png", ".jpg", ".jpeg", ".svg"}:
                h.update(extra.name.encode() + b"\0" + extra.read_bytes())
    return h.hexdigest()


def _read_stamps(site: Path) -> dict[str, dict]:
    try:
        stamps = json.loads((site / RENDER_STAMPS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamps if isinstance(stamps, dict) else {}


def _reuse(task: _Task, digest: str, stamp: dict | None, site: Path, staging: Path) -> str | None:
    """The title of the unchanged page carried over from the current site, else None."""
    if not stamp or stamp.get("digest") != digest or not isinstance(stamp.get("title"), str):
        return None
    outputs = [p for p in (task.html, task.pdf) if p is not None]
    if not all((site / p.relative_to(staging)).is_file() for p in outputs):
        return None
    for p in outputs:
        carry_over(site / p.relative_to(staging), p)
    return stamp["title"]


def _render_tasks(tasks: list[_Task], site: Path, staging: Path, jobs_n: int) -> tuple[dict[Path, str], dict[Path, str]]:
    """Render (or carry over, when unchanged) every task, ``jobs_n`` at a time; titles and
    failures by notebook. Writes the stamps of the pages into the staging site."""
    previous, renderer, stamps = _read_stamps(site), _renderer_digest(), {}
    results, to_render = [], []
    for task in tasks:
        page = task.html.relative_to(staging).as_posix()
        try:
            digest = _page_digest(task, renderer)
        except OSError:  # a notebook that cannot be read fails in render_notebook, reported there
            to_render.append(task)
            continue
        title = _reuse(task, digest, previous.get(page), site, staging)
        if title is None:
            to_render.append(task)
        else:
            results.append((task.notebook, title, None))
        stamps[page] = {"digest": digest, "title": title}
    # threads: pandoc runs as a subprocess and typst outside the GIL, so they overlap
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs_n) as pool:
        rendered = list(pool.map(_render_task, to_render))
    for task, (_, title, error) in zip(to_render, rendered):
        page = task.html.relative_to(staging).as_posix()
        if error is None and page in stamps:
            stamps[page]["title"] = title
        else:
            stamps.pop(page, None)
    results += rendered
    (staging / RENDER_STAMPS).write_text(json.dumps(stamps, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return (
        {nb: title for nb, title, error in results if error is None},
        {nb: error for nb, _, error in results if error is not None},
    )


def render_fallback(
    periode: str, documents: list[Document], fiches: list[Document], accueil: Path | None, staging: Path, brouillon: bool,
    jobs_n: int,
) -> RenderReport:
    root = mois.periode_dir(periode)
    site = mois.site_dir(periode, brouillon)
    citation = site_citation(periode, root, documents)
    tasks = []
    for doc in documents + fiches:
        page = page_of(doc, root)
        pdf = staging / mois.pdf_page(page)
        tasks.append(_Task(doc.notebook, staging / page, pdf, doc.title, nav(page, True, doc.liens, phase=doc.phase),
                           brouillon=brouillon, citation=citation, page=page, territoire=territoire_cite(doc)))
    titles, failures = _render_tasks(tasks, site, staging, jobs_n)
    figure_data = copy_figure_data([d for d in documents + fiches if d.notebook in titles], root, staging)
    titles |= keep_previous(failures, documents + fiches, root, site, staging)
    docs, listed = listing(root, documents, fiches, titles)
    index = staging / mois.INDEX_PAGE
    extra: list[Path] = []
    if accueil is not None:
        task = _Task(accueil, index, None, INDEX_TITLE, "", accueil_before(docs), brouillon, citation, mois.INDEX_PAGE)
        _, _, error = _render_task(task)
        if error is not None:
            raise RenderError(f"la page d'accueil n'a pas pu être rendue ({error}) ; le site précédent est conservé")
        extra = copy_attachments(accueil, staging)
    else:
        markdown = with_title(index_markdown(periode, docs, listed) + "\n" + citer_markdown(INDEX_TITLE, mois.INDEX_PAGE, citation),
                              INDEX_TITLE)
        write_atomic(index, lambda out: _pandoc_html(markdown, out, resource_path=[staging], toc=False))
    pages = [t.html for t in tasks if t.notebook in titles]
    pdfs = [t.pdf for t in tasks if t.notebook in titles and t.pdf is not None]
    return RenderReport(
        renderer=PANDOC_TYPST,
        site=site,
        pages=tuple(site / p.relative_to(staging) for p in [index, *pages, *extra, *figure_data]),
        pdfs=tuple(site / p.relative_to(staging) for p in pdfs),
        failures=failures,
    )
