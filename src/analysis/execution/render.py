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

Two renderers, chosen by ``available_renderer()``:

* ``"quarto"`` when ``quarto`` is on PATH: the notebooks are copied into a staging Quarto
  project configured by ``_quarto.yml`` (repository root) and rendered with
  ``quarto render <staging> --no-execute --output-dir <site>``. Each staged notebook gets a
  front-matter title, its line of links (a raw HTML cell), a ``tbl-`` label on each cell
  that shows a captioned table (Quarto captions a table, with the prefix "Tableau", only
  when it is labelled) and, through a ``_metadata.yml`` in its folder, the Typst PDF
  format. ``templates/html_tables.lua`` (as a ``pre-ast`` filter) and
  ``templates/composants.css`` are copied into the project, so tables and index look as
  in the fallback. Quarto does not support ``embed-resources`` in website projects, so its
  pages share the site's ``site_libs/`` and figure folders: publish ``site/`` as a whole.
* ``"pandoc+typst"`` otherwise (PyPI tools only): nbconvert's Markdown exporter (code
  hidden) -> pandoc -> a standalone HTML page with images embedded (``report.css`` and
  ``composants.css``) and pandoc -> Typst source compiled to PDF by the ``typst`` package
  (``report.typ``). Pages and PDFs are rendered in parallel threads (pandoc is a process,
  Typst compiles outside the GIL).

Every page and PDF of a run is written to a temporary folder which replaces ``site/`` only
once complete (``check_site``), so a half-written site never looks done. The fallback does
not render a notebook again when the current site holds its page and PDF made from the
same notebook bytes, links and rendering code: ``site/.rendu.json`` records, for each page,
a digest of these and the page's title; such pages are carried over into the new site,
and the index is always rebuilt.

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

import base64
import concurrent.futures
import copy
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import nbformat
import pypandoc
import typst
import yaml
from PIL import Image

from analysis import config
from analysis.fichiers import describe_os_error, write_atomic

QUARTO = "quarto"
PANDOC_TYPST = "pandoc+typst"
TEMPLATES = Path(__file__).with_name("templates")
QUARTO_CONFIG = config.ROOT / "_quarto.yml"
# copied into the Quarto project, named as in _quarto.yml; the fallback uses them too
QUARTO_FILES = ("html_tables.lua", "composants.css")

PNG_COLOURS = 256  # figures are charts and maps: a palette keeps them intact
HIDDEN_CELL_TAGS = frozenset({"remove-cell", "parameters", "injected-parameters"})
DRAFT_TAG = "brouillon"  # cells shown in the draft site only
SITE, DRAFT_SITE = "site", "brouillon"  # folders of the published and of the draft site
HIDDEN_OUTPUT_TAGS = frozenset({"remove-output"})
MARKDOWN_IN = "markdown-citations"  # '@' stays text: no bibliography in the reports
TABLE_FILTER = f"--lua-filter={TEMPLATES / 'html_tables.lua'}"
HTML_TABLE = re.compile(r"<table\b", re.IGNORECASE)
HTML_TABLE_TAG = re.compile(r"<table\b[^>]*>", re.IGNORECASE)
KEEP_AS_IS = re.compile(r"<table\b[^>]*\bdata-quarto-disable-processing=[\"']true", re.IGNORECASE)
HEADING_1 = re.compile(r"^#[ \t]+(?P<text>.+?)(?:[ \t]+\{[^}]*\})?[ \t]*#*[ \t]*$")
CELL_OPTION = re.compile(r"^#\|\s?(?P<yaml>.*)$")
FRONT_MATTER = re.compile(r"^---\n(?P<yaml>.*?)\n---$", re.DOTALL)
PIPE_TABLE = re.compile(r"^\|.*\|\s*$\n^\|[-:| ]+\|\s*$", re.MULTILINE)
RENDER_STAMPS = ".rendu.json"  # in the site: digest and title of each fallback page
# not copied into the Quarto staging project: documents it would render, published sites
STAGING_IGNORE = ("*.ipynb", "*.qmd", "*.md", "*.Rmd", "_quarto.yml", "_metadata.yml", SITE, DRAFT_SITE, ".*")
INDEX_TITLE = "Observatoire des Territoires d'industrie"


class RenderError(RuntimeError):
    """The site could not be rendered completely; the previous site is kept as it was."""


@dataclass(frozen=True)
class Document:
    """One executed notebook to publish (an HTML page and a PDF).

    ``title`` labels it in the index (default: the notebook's own title); fiches carry their
    ``phase`` (index grouping) and ``id_ti``. ``liens``: (label, page relative to the site
    root) shown in the line of links above the page.
    """

    notebook: Path
    title: str | None = None
    phase: int | None = None
    id_ti: str | None = None
    liens: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RenderReport:
    """What ``render_site`` produced: renderer used, pages, PDFs and per-notebook failures."""

    renderer: str
    site: Path
    pages: tuple[Path, ...]
    pdfs: tuple[Path, ...]
    failures: dict[Path, str] = field(default_factory=dict)

    @property
    def index(self) -> Path:
        return self.site / "index.html"


def available_renderer() -> str:
    """``"quarto"`` when the Quarto CLI is on PATH, else ``"pandoc+typst"``."""
    return QUARTO if shutil.which("quarto") else PANDOC_TYPST


# --- notebook preparation (pure functions on notebook nodes) ---------------------------------


def cell_options(source: str) -> dict:
    """The Quarto ``#|`` options at the top of a code cell, as a dict."""
    lines = []
    for line in source.splitlines():
        match = CELL_OPTION.match(line)
        if not match:
            break
        lines.append(match["yaml"])
    return (yaml.safe_load("\n".join(lines)) or {}) if lines else {}


def _front_matter(cell) -> dict:
    """The YAML of a Quarto front-matter raw cell (``---`` ... ``---``), else {}."""
    match = FRONT_MATTER.match(cell.source.strip()) if cell.cell_type == "raw" else None
    return (yaml.safe_load(match["yaml"]) or {}) if match else {}


def split_title(nb: nbformat.NotebookNode) -> tuple[str | None, nbformat.NotebookNode]:
    """The notebook's title and a copy of it without the heading the title came from."""
    nb = copy.deepcopy(nb)
    title = nb.metadata.get("title") or next(
        (_front_matter(c).get("title") for c in nb.cells[:1] if _front_matter(c).get("title")), None
    )
    if title:
        return str(title), nb
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            holders = [(cell, "source")]
        elif cell.cell_type == "code":
            holders = [(o.data, "text/markdown") for o in cell.outputs if "text/markdown" in o.get("data", {})]
        else:
            holders = []
        for holder, key in holders:
            lines = _text(holder[key]).splitlines()
            for i, line in enumerate(lines):
                if match := HEADING_1.match(line):
                    holder[key] = "\n".join(lines[:i] + lines[i + 1 :])
                    return match["text"], nb
    return None, nb


def _raw_html_block(html: str) -> str:
    """A Markdown raw HTML block: pandoc passes it to HTML as it is, and leaves it out of PDFs."""
    return f"````{{=html}}\n{html.strip()}\n````\n"


def _html_table_block(html: str, caption: str | None) -> str:
    """A Markdown raw HTML block holding the table (captioned); ``html_tables.lua`` makes it native."""
    if caption:
        html = HTML_TABLE_TAG.sub(lambda tag: f"{tag[0]}\n<caption>{escape(caption)}</caption>", html, count=1)
    return _raw_html_block(html)


def _hidden_tags(brouillon: bool) -> frozenset[str]:
    return HIDDEN_CELL_TAGS if brouillon else HIDDEN_CELL_TAGS | {DRAFT_TAG}


def publishable(nb: nbformat.NotebookNode, brouillon: bool = False) -> nbformat.NotebookNode:
    """A copy of the notebook reduced to what is published, ready for the Markdown export.

    Drops hidden cells (and ``brouillon`` cells unless ``brouillon``) and outputs and stderr, carries ``fig-cap`` / ``label`` into the
    image outputs' metadata (read by ``templates/notebook.md.j2``), turns HTML tables into
    raw HTML blocks (captioned by ``tbl-cap``) that ``templates/html_tables.lua`` turns into
    native pandoc tables, and other HTML outputs into raw HTML blocks kept as they are;
    PNG figures get a palette (``compact_png``).
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        options = cell_options(cell.source) if cell.cell_type == "code" else {}
        if tags & _hidden_tags(brouillon) or options.get("include") is False:
            continue
        if cell.cell_type == "code":
            hide_outputs = tags & HIDDEN_OUTPUT_TAGS or options.get("output") is False
            cell.outputs = [] if hide_outputs else _publishable_outputs(cell.outputs, options)
        cells.append(cell)
    nb.cells = cells
    compact_images(nb)
    return nb


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _publishable_outputs(outputs: list, options: dict) -> list:
    captions = iter(_as_list(options.get("fig-cap")))
    table_captions = iter(_as_list(options.get("tbl-cap")))
    label = options.get("label")
    kept = []
    for output in outputs:
        if output.output_type == "stream" and output.name == "stderr":
            continue
        data = output.get("data", {})
        html = _text(data.get("text/html", ""))
        if any(mime.startswith("image/") for mime in data):
            output.metadata["caption"] = next(captions, "")
            if label and str(label).startswith("fig-"):
                output.metadata["label"] = label
                label = None
        elif HTML_TABLE.search(html) and not KEEP_AS_IS.search(html):
            output.data = {"text/markdown": _html_table_block(html, next(table_captions, None))}
        elif html:
            output.data = {"text/markdown": _raw_html_block(html)}
        kept.append(output)
    return kept


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def compact_png(data: bytes) -> bytes:
    """A PNG figure with at most 256 colours (the same picture to the eye, for a chart), or
    the original when that is not smaller: pages and PDFs of the site become ~4 times lighter."""
    with Image.open(io.BytesIO(data)) as image:
        quantized = image.convert("RGB").quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    quantized.save(out, "PNG", compress_level=6)
    return out.getvalue() if out.tell() < len(data) else data


def compact_images(nb: nbformat.NotebookNode) -> None:
    """``compact_png`` on every PNG output of the notebook, in place."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                png = base64.b64decode(_text(data["image/png"]))
                data["image/png"] = base64.b64encode(compact_png(png)).decode("ascii")


def shows_table(cell) -> bool:
    """Whether a code cell's outputs hold a table (HTML or a Markdown pipe table)."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        html = _text(data.get("text/html", ""))
        if (HTML_TABLE.search(html) and not KEEP_AS_IS.search(html)) or PIPE_TABLE.search(_text(data.get("text/markdown", ""))):
            return True
    return False


# --- links above a page -----------------------------------------------------------------------


def nav(page: str, pdf: bool, liens: tuple[tuple[str, str], ...] = (), *, home: bool = True) -> str:
    """The line of links above a page (HTML): back to the index, its PDF, then ``liens``.

    ``page`` and the hrefs of ``liens`` are paths from the site root; links are written
    relative to the page.
    """
    here = Path(page).parent

    def rel(target: str) -> str:
        return Path(os.path.relpath(target, here)).as_posix()

    links = [f'<a href="{rel("index.html")}">← Accueil de l’Observatoire</a>'] if home else []
    links += [f'<a href="{rel(Path(page).with_suffix(".pdf").as_posix())}">Version PDF</a>'] if pdf else []
    links += [f'<a href="{escape(rel(href))}">{escape(label)}</a>' for label, href in liens]
    return f'<nav class="liens">{" · ".join(links)}</nav>' if links else ""


# --- pandoc + typst fallback ------------------------------------------------------------------


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


def _with_title(markdown: str, title: str) -> str:
    """Markdown headed by a YAML block giving the title (parsed as Markdown, like a heading)."""
    return "---\n" + yaml.safe_dump({"title": title}, allow_unicode=True) + "---\n\n" + markdown


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
    main.write_text(source, encoding="utf-8")
    # Only the fonts bundled with typst (Libertinus Serif...): the same PDF on every machine.
    typst.compile(str(main), output=str(output), root=str(workdir), ignore_system_fonts=True)


SECTION = re.compile(r"^## ", re.MULTILINE)


def _insert_before_sections(markdown: str, before: str) -> str:
    """``markdown`` with ``before`` inserted before its first level-2 heading (at the end without one)."""
    if not before:
        return markdown
    match = SECTION.search(markdown)
    at = match.start() if match else len(markdown)
    return f"{markdown[:at]}\n\n{before}\n\n{markdown[at:]}"


def render_notebook(
    notebook: Path, html: Path, pdf: Path | None = None, *, title: str | None = None, nav: str = "", before: str = "",
    brouillon: bool = False,
) -> str:
    """Render one executed notebook to a self-contained HTML page (and a PDF); return its title.

    ``title`` is used when the notebook has none of its own (see the module docstring);
    ``nav`` is the line of links above the HTML page (``nav()``), ``before`` Markdown put
    before the page's first section (its first level-2 heading).
    """
    own_title, nb = split_title(nbformat.read(notebook, as_version=4))
    title = own_title or title or notebook.stem
    markdown, figures = notebook_markdown(publishable(nb, brouillon))
    markdown = _with_title(_insert_before_sections(markdown, before), title)
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


# --- the site ---------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~^$@])", r"\\\1", text)


def _sort_key(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def documents_markdown(documents: list[tuple[str, str, bool]]) -> str:
    """Markdown list of the documents (title, html path from the site root, has PDF)."""
    lines = []
    for title, href, has_pdf in documents:
        pdf = f" ([PDF]({Path(href).with_suffix('.pdf').as_posix()}))" if has_pdf else ""
        lines.append(f"- [{_escape(title)}]({href}){pdf}")
    return "\n".join(lines)


def index_markdown(
    periode: str, documents: list[tuple[str, str, bool]], fiches: list[tuple[int, str, str, str]]
) -> str:
    """Markdown of the index page when there is no home page notebook.

    ``documents``: (title, html path, has PDF); ``fiches``: (phase, id_ti, territory, html path);
    paths are relative to the site root.
    """
    lines = [f"Résultats de la période {periode}.", "", "## Synthèse et monographies", "", documents_markdown(documents)]
    lines += ["", "## Fiches territoriales", ""]
    for phase in sorted({f[0] for f in fiches}):
        group = sorted((f for f in fiches if f[0] == phase), key=lambda f: _sort_key(f[2]))
        start = config.PHASE_START.get(phase)
        since = f", lancée en {start}" if start else ""
        lines += [f"### Phase {phase}{since} — {len(group)} territoires d'industrie", "", "::: fiches"]
        lines += [
            f"- [{_escape(name)}]({href}) ({_escape(id_ti)}, [PDF]({Path(href).with_suffix('.pdf').as_posix()}))"
            for _, id_ti, name, href in group
        ]
        lines += [":::", ""]
    return "\n".join(lines) + "\n"


def _accueil_before(documents: list[tuple[str, str, bool]]) -> str:
    """What the renderer puts above the home page notebook: the documents of the period."""
    return "## Synthèse, monographies et autres documents\n\n" + documents_markdown(documents) + "\n"


def _relative(notebook: Path, root: Path) -> Path:
    try:
        return notebook.resolve().relative_to(root.resolve())
    except ValueError:
        raise ValueError(
            f"{notebook} n'est pas sous {root}: les notebooks exécutés d'une période y sont rangés"
        ) from None


def _page(doc: Document, root: Path) -> str:
    """The page of a document, from the site root."""
    return _relative(doc.notebook, root).with_suffix(".html").as_posix()


def attachments(accueil: Path) -> list[Path]:
    """Files the home page notebook wrote beside it (CSV...), relative to its folder: not the
    notebooks, their stamps, nor hidden files."""
    folder = accueil.parent
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and not p.name.endswith((".ipynb", ".ipynb.json"))
    )


def _copy_attachments(accueil: Path, target: Path) -> list[Path]:
    files = attachments(accueil)
    for relative in files:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(accueil.parent / relative, target / relative)
    return [target / f for f in files]


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


def _render_task(task: _Task) -> tuple[Path, str | None, str | None]:
    try:
        title = render_notebook(
            task.notebook, task.html, task.pdf, title=task.title, nav=task.nav, before=task.before, brouillon=task.brouillon
        )
        return task.notebook, title, None
    except Exception as error:  # one failed notebook must not stop the others
        return task.notebook, None, f"{type(error).__name__}: {error}"


def _swap_in(staging: Path, site: Path) -> None:
    """Replace ``site`` by the complete ``staging`` folder."""
    old = site.with_name(f".{site.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if staging.stat().st_dev != site.parent.stat().st_dev:  # staged in the system's temporary folder
        near = site.with_name(f".{site.name}.new")
        shutil.rmtree(near, ignore_errors=True)
        shutil.copytree(staging, near)
        staging = near
    if site.exists():
        os.replace(site, old)
    os.replace(staging, site)
    shutil.rmtree(old, ignore_errors=True)


def _listing(
    root: Path, documents: list[Document], fiches: list[Document], titles: dict[Path, str]
) -> tuple[list[tuple[str, str, bool]], list[tuple[int, str, str, str]]]:
    docs = [(d.title or titles[d.notebook], _page(d, root), True) for d in documents if d.notebook in titles]
    listed = [
        (d.phase or 0, d.id_ti or d.notebook.stem, d.title or titles[d.notebook], _page(d, root))
        for d in fiches
        if d.notebook in titles
    ]
    return docs, listed


def _renderer_digest() -> str:
    """sha256 of the fallback's code and templates: a change renders every page again."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted(TEMPLATES.iterdir()):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _page_digest(task: _Task, renderer: str) -> str:
    """What a fallback page (and PDF) is made from: notebook bytes, figure files, arguments, code."""
    h = hashlib.sha256(f"{renderer}\0{task.title}\0{task.nav}\0{task.before}\0{task.pdf is not None}\0{task.brouillon}\0".encode())
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


def _carry_over(source: Path, target: Path) -> None:
    """Put a page of the current site into the staging site (a hard link when possible)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _reuse(task: _Task, digest: str, stamp: dict | None, site: Path, staging: Path) -> str | None:
    """The title of the unchanged page carried over from the current site, else None."""
    if not stamp or stamp.get("digest") != digest or not isinstance(stamp.get("title"), str):
        return None
    outputs = [p for p in (task.html, task.pdf) if p is not None]
    if not all((site / p.relative_to(staging)).is_file() for p in outputs):
        return None
    for p in outputs:
        _carry_over(site / p.relative_to(staging), p)
    return stamp["title"]


def _render_tasks(tasks: list[_Task], site: Path, staging: Path) -> tuple[dict[Path, str], dict[Path, str]]:
    """Render (or carry over, when unchanged) every task; titles and failures by notebook.
    Writes the stamps of the pages into the staging site."""
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
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
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


def _render_fallback(
    periode: str, documents: list[Document], fiches: list[Document], accueil: Path | None, staging: Path, brouillon: bool = False
) -> RenderReport:
    root = config.periode_dir(periode)
    site = root / (DRAFT_SITE if brouillon else SITE)
    tasks = []
    for doc in documents + fiches:
        page = _page(doc, root)
        pdf = staging / Path(page).with_suffix(".pdf")
        tasks.append(_Task(doc.notebook, staging / page, pdf, doc.title, nav(page, True, doc.liens), brouillon=brouillon))
    titles, failures = _render_tasks(tasks, site, staging)
    docs, listed = _listing(root, documents, fiches, titles)
    index = staging / "index.html"
    extra: list[Path] = []
    if accueil is not None:
        task = _Task(accueil, index, None, INDEX_TITLE, "", _accueil_before(docs), brouillon)
        _, _, error = _render_task(task)
        if error is not None:
            raise RenderError(f"la page d'accueil n'a pas pu être rendue ({error}) ; le site précédent est conservé")
        extra = _copy_attachments(accueil, staging)
    else:
        markdown = _with_title(index_markdown(periode, docs, listed), INDEX_TITLE)
        write_atomic(index, lambda out: _pandoc_html(markdown, out, resource_path=[staging], toc=False))
    pages = [t.html for t in tasks if t.notebook in titles]
    pdfs = [t.pdf for t in tasks if t.notebook in titles and t.pdf is not None]
    return RenderReport(
        renderer=PANDOC_TYPST,
        site=site,
        pages=tuple(site / p.relative_to(staging) for p in [index, *pages, *extra]),
        pdfs=tuple(site / p.relative_to(staging) for p in pdfs),
        failures=failures,
    )


def _quarto_notebook(
    notebook: Path, title: str, nav_html: str = "", before: str = "", front: dict | None = None, brouillon: bool = False
) -> nbformat.NotebookNode:
    """The staged copy of a notebook: its title (and ``front`` options) in a Quarto
    front-matter raw cell, then its line of links (HTML only); ``before`` (Markdown) is put
    before the first level-2 heading;
    each cell showing a captioned table gets a ``tbl-`` label (Quarto captions only
    labelled tables); PNG figures get a palette (``compact_png``); its ``brouillon`` cells are
    dropped unless ``brouillon``."""
    _, nb = split_title(nbformat.read(notebook, as_version=4))
    if not brouillon:
        nb.cells = [c for c in nb.cells if DRAFT_TAG not in c.metadata.get("tags", [])]
    options = _front_matter(nb.cells[0]) if nb.cells else {}
    if options:
        nb.cells = nb.cells[1:]
    options = {**options, **(front or {}), "title": title}
    n = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell_opts = cell_options(cell.source)
        if cell_opts.get("tbl-cap") and not cell_opts.get("label") and shows_table(cell):
            n += 1
            cell.source = f"#| label: tbl-{n}\n{cell.source}"
    compact_images(nb)
    if before:
        at = next((i for i, cell in enumerate(nb.cells) if SECTION.search(_cell_markdown(cell))), len(nb.cells))
        if at < len(nb.cells) and nb.cells[at].cell_type == "markdown":  # the heading within a Markdown cell
            source = nb.cells[at].source
            cut = SECTION.search(source).start()
            nb.cells[at].source = source[cut:]
            if cut:
                nb.cells.insert(at, nbformat.v4.new_markdown_cell(source[:cut]))
                at += 1
        nb.cells.insert(at, nbformat.v4.new_markdown_cell(before))
    header = "---\n" + yaml.safe_dump(options, allow_unicode=True, sort_keys=False) + "---"
    top = [nbformat.v4.new_raw_cell(header)]
    if nav_html:
        top.append(nbformat.v4.new_raw_cell(nav_html, metadata={"raw_mimetype": "text/html"}))
    nb.cells = top + nb.cells
    return nb


def _cell_markdown(cell) -> str:
    """The Markdown a cell publishes: its source, or its Markdown outputs."""
    if cell.cell_type == "markdown":
        return cell.source
    if cell.cell_type == "code":
        return "\n".join(_text(o.get("data", {}).get("text/markdown", "")) for o in cell.get("outputs", []))
    return ""


def _stage_notebook(project: Path, root: Path, doc: Document, nb: nbformat.NotebookNode, pdf: bool) -> None:
    """Write a staged notebook into a Quarto project, with the figure files beside it and, for
    a project of PDFs, the folder's Typst set-up (``quarto_pdf.yml``, ``report.typ``)."""
    target = project / _relative(doc.notebook, root)
    if not target.parent.exists():
        # figure files beside the notebooks; no other document Quarto would render
        shutil.copytree(doc.notebook.parent, target.parent, ignore=shutil.ignore_patterns(*STAGING_IGNORE))
        if pdf:
            shutil.copy2(TEMPLATES / "quarto_pdf.yml", target.parent / "_metadata.yml")
            shutil.copy2(TEMPLATES / "report.typ", target.parent / "report.typ")
    nbformat.write(nb, target)


def _new_project(parent: Path, prefix: str) -> Path:
    project = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    shutil.copy2(QUARTO_CONFIG, project / "_quarto.yml")
    for name in QUARTO_FILES:
        shutil.copy2(TEMPLATES / name, project / name)
    return project


def _render_quarto(
    periode: str, documents: list[Document], fiches: list[Document], accueil: Path | None, staging: Path, brouillon: bool = False
) -> RenderReport:
    """One Quarto website project renders the HTML pages; the PDFs are rendered at the same
    time by ``os.cpu_count()`` other projects sharing out the notebooks (``--to typst``):
    Quarto renders the documents of a project one after the other."""
    root = config.periode_dir(periode)
    site = root / (DRAFT_SITE if brouillon else SITE)
    # Quarto skips every input under a folder whose name starts with "." (its project scan
    # ignores hidden paths, even in the absolute path) and then renders nothing with status 0:
    # the staging projects live beside the staging site, outside any hidden folder.
    with tempfile.TemporaryDirectory(prefix="quarto-", dir=staging.parent) as tmp:
        project = _new_project(Path(tmp), "site-")
        n_pdf = max(1, min(os.cpu_count() or 1, len(documents + fiches)))
        pdf_projects = [_new_project(Path(tmp), f"pdf{i}-") for i in range(n_pdf)]
        titles = {}
        for i, doc in enumerate(documents + fiches):
            own, _ = split_title(nbformat.read(doc.notebook, as_version=4))
            titles[doc.notebook] = own or doc.title or doc.notebook.stem
            nb = _quarto_notebook(doc.notebook, titles[doc.notebook], nav(_page(doc, root), True, doc.liens, home=False),
                                  brouillon=brouillon)
            _stage_notebook(project, root, doc, nb, pdf=False)
            _stage_notebook(pdf_projects[i % n_pdf], root, doc, nb, pdf=True)
        docs, listed = _listing(root, documents, fiches, titles)
        extra: list[Path] = []
        if accueil is not None:
            files = _copy_attachments(accueil, project)
            # files the page links to are published with it (Quarto does not see links in raw HTML)
            front = {"resources": [f.relative_to(project).as_posix() for f in files], "toc": False, "page-layout": "full"}
            own, _ = split_title(nbformat.read(accueil, as_version=4))
            staged = _quarto_notebook(accueil, own or INDEX_TITLE, before=_accueil_before(docs), front=front, brouillon=brouillon)
            nbformat.write(staged, project / "index.ipynb")
            extra = [site / f.relative_to(project) for f in files]
        else:
            index = _with_title(index_markdown(periode, docs, listed), INDEX_TITLE)
            (project / "index.qmd").write_text(index, encoding="utf-8")
        outputs = [staging] + [Path(tmp) / f"pdf{i}" for i in range(n_pdf)]
        commands = [["quarto", "render", str(project), "--no-execute", "--output-dir", str(staging)]] + [
            ["quarto", "render", str(pdf), "--to", "typst", "--no-execute", "--output-dir", str(out)]
            for pdf, out in zip(pdf_projects, outputs[1:])
        ]
        running = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for c in commands]
        for process in running:
            log, _ = process.communicate()
            if process.returncode != 0:
                for other in running:
                    other.kill()
                tail = "\n".join(log.strip().splitlines()[-15:])
                raise RenderError(f"quarto render a échoué (code {process.returncode}) ; le site précédent est conservé.\n{tail}")
        for out in outputs[1:]:
            for pdf in out.rglob("*.pdf"):
                (staging / pdf.relative_to(out)).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(pdf, staging / pdf.relative_to(out))
    pages = [site / "index.html"] + [site / _page(d, root) for d in documents + fiches] + extra
    pdfs = [site / Path(_page(d, root)).with_suffix(".pdf") for d in documents + fiches]
    return RenderReport(renderer=QUARTO, site=site, pages=tuple(pages), pdfs=tuple(pdfs))


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
) -> RenderReport:
    """Publish a period's executed notebooks as ``outputs/<periode>/site/``.

    ``documents`` (synthesis, monographs...) and ``fiches`` each get an HTML page and a PDF;
    ``accueil``, the executed home page notebook, becomes ``index.html`` (see the module
    docstring). All notebooks live under ``outputs/<periode>/``; the site mirrors their layout.
    ``brouillon``: the draft site for the team, ``outputs/<periode>/brouillon/``, which also
    shows the cells tagged ``brouillon`` (what a document still lacks); the published site
    is left untouched.
    ``renderer`` defaults to ``available_renderer()``. A notebook that fails to render with
    the fallback is reported in ``failures`` and left out of the index; a Quarto failure
    raises ``RenderError`` (with the end of Quarto's messages). The staged site replaces
    ``site/`` only when its index and every expected page and PDF exist and are non-empty
    (``check_site``); otherwise ``RenderError`` names what is missing (or why the render
    stopped: disk full, a renderer that crashed) and the previous site is left untouched.
    """
    renderer = renderer or available_renderer()
    if renderer not in (QUARTO, PANDOC_TYPST):
        raise ValueError(f"moteur de rendu inconnu {renderer!r}: {QUARTO!r} ou {PANDOC_TYPST!r}")
    root = config.periode_dir(periode)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="site-en-cours-", dir=_staging_parent(root)))
    staging.chmod(0o755)  # the published site is world-readable (mkdtemp makes it private)
    try:
        render = _render_quarto if renderer == QUARTO else _render_fallback
        report = render(periode, list(documents), list(fiches), accueil, staging, brouillon)
        check_site(report, staging)
        _swap_in(staging, report.site)
    except RenderError:
        raise
    except (OSError, RuntimeError) as error:  # disk full, pandoc that crashed: the previous site stays
        cause = describe_os_error(error) if isinstance(error, OSError) else f"{type(error).__name__}: {str(error).splitlines()[0]}"
        raise RenderError(f"rendu interrompu ({cause}) ; le site précédent est conservé") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
