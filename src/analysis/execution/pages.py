"""What both renderers share: the documents of a site, notebooks reduced to what is published,
the line of links above a page and the index.

Pure functions on notebook nodes and paths (see ``render`` for the conventions notebook
authors follow); ``render_fallback`` and ``render_quarto`` turn their results into pages.
"""

from __future__ import annotations

import base64
import copy
import errno
import io
import json
import os
import re
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape, unescape
from pathlib import Path

import nbformat
import yaml
from PIL import Image

from analysis import config, mois
from analysis.environnement import PANDOC_TYPST, QUARTO  # noqa: F401  (re-exported: the render modules take the renderers' names from here)
from analysis.fichiers import describe_os_error
from analysis.publications.figures import png_palette

TEMPLATES = Path(__file__).with_name("templates")
HIDDEN_CELL_TAGS = frozenset({"remove-cell", "parameters", "injected-parameters"})
DRAFT_TAG = "brouillon"  # cells shown in the draft site only
HIDDEN_OUTPUT_TAGS = frozenset({"remove-output"})
HTML_TABLE = re.compile(r"<table\b", re.IGNORECASE)
HTML_TABLE_TAG = re.compile(r"<table\b[^>]*>", re.IGNORECASE)
KEEP_AS_IS = re.compile(r"<table\b[^>]*\bdata-quarto-disable-processing=[\"']true", re.IGNORECASE)
HEADING_1 = re.compile(r"^#[ \t]+(?P<text>.+?)(?:[ \t]+\{[^}]*\})?[ \t]*#*[ \t]*$")
CELL_OPTION = re.compile(r"^#\|\s?(?P<yaml>.*)$")
FRONT_MATTER = re.compile(r"^---\n(?P<yaml>.*?)\n---$", re.DOTALL)
PIPE_TABLE = re.compile(r"^\|.*\|\s*$\n^\|[-:| ]+\|\s*$", re.MULTILINE)
INDEX_TITLE = "Observatoire des Territoires d'industrie"
HTML_TITLE = re.compile(r"<title>(?P<text>.*?)</title>", re.DOTALL)
DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT)  # a page failing with these stops the whole render


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
        return self.site / mois.INDEX_PAGE


def cell_options(source: str) -> dict:
    """The Quarto ``#|`` options at the top of a code cell, as a dict."""
    lines = []
    for line in source.splitlines():
        match = CELL_OPTION.match(line)
        if not match:
            break
        lines.append(match["yaml"])
    return (yaml.safe_load("\n".join(lines)) or {}) if lines else {}


def front_matter(cell) -> dict:
    """The YAML of a Quarto front-matter raw cell (``---`` ... ``---``), else {}."""
    match = FRONT_MATTER.match(cell.source.strip()) if cell.cell_type == "raw" else None
    return (yaml.safe_load(match["yaml"]) or {}) if match else {}


def split_title(nb: nbformat.NotebookNode) -> tuple[str | None, nbformat.NotebookNode]:
    """The notebook's title and a copy of it without the heading the title came from."""
    nb = copy.deepcopy(nb)
    title = nb.metadata.get("title") or next(
        (front_matter(c).get("title") for c in nb.cells[:1] if front_matter(c).get("title")), None
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


def output_html(output: nbformat.NotebookNode) -> str:
    """A cell output's HTML as one string ('' without)."""
    return _text(output.get("data", {}).get("text/html", ""))


def compact_png(data: bytes) -> bytes:
    """A PNG figure with a palette (``figures.png_palette``), or the original when that is not
    smaller or when it has one already (the figures of ``figures.show``): pages and PDFs of the
    site become ~4 times lighter."""
    with Image.open(io.BytesIO(data)) as image:  # reads the header only
        if image.mode == "P":
            return data
        quantized = png_palette(image)
    return quantized if len(quantized) < len(data) else data


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


def nav(page: str, pdf: bool, liens: tuple[tuple[str, str], ...] = (), *, home: bool = True, phase: int | None = None) -> str:
    """The line of links above a page (HTML): back to the index, its PDF, then ``liens``.

    ``page`` and the hrefs of ``liens`` are paths from the site root; links are written
    relative to the page. The PDF of a fiche (``phase``) is saved under a name with its phase
    (``mois.pdf_download_name``).
    """
    here = Path(page).parent

    def rel(target: str) -> str:
        return Path(os.path.relpath(target, here)).as_posix()

    links = [f'<a href="{rel(mois.INDEX_PAGE)}">← Accueil de l’Observatoire</a>'] if home else []
    download = f' download="{mois.pdf_download_name(page, phase)}"' if phase is not None else ""
    links += [f'<a href="{rel(mois.pdf_page(page))}"{download}>Version PDF</a>'] if pdf else []
    links += [f'<a href="{escape(rel(href))}">{escape(label)}</a>' for label, href in liens]
    return f'<nav class="liens">{" · ".join(links)}</nav>' if links else ""


CITATION_FILE = "CITATION.cff"  # at the repository root: title and authors of every page's citation
LICENCE_OUVERTE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


def citation_metadata(root: Path | None = None) -> dict:
    """The repository's ``CITATION.cff`` (Citation File Format), as a dict."""
    return yaml.safe_load(((root or config.ROOT) / CITATION_FILE).read_text(encoding="utf-8"))


def authors_text(cff: dict) -> str:
    """The authors of a ``CITATION.cff``, in order: an entity by its name, a person as
    "given-names family-names"."""
    names = [a.get("name") or " ".join(str(a[k]) for k in ("given-names", "family-names") if a.get(k)) for a in cff["authors"]]
    return ", ".join(names)


@dataclass(frozen=True)
class Citation:
    """What every page of a period's site cites besides its own title and path: the month, the
    code version that produced it, the authors, title and code licence of ``CITATION.cff``, and
    whether the site has the methods page (a run restricted to some territories renders none)."""

    periode: str
    version: str
    authors: str
    title: str
    licence: str
    methodes: bool = True

    @classmethod
    def of(cls, periode: str, version: str | None = None, cff: dict | None = None, methodes: bool = True) -> Citation:
        """The citation of ``periode``'s pages; ``version`` defaults to the code version its run
        recorded (``provenance.json``), else the current code's."""
        cff = cff or citation_metadata()
        if version is None:
            record = mois.provenance_file(periode)
            version = json.loads(record.read_text(encoding="utf-8")).get("version_code") if record.is_file() else None
        if version is None:
            from analysis.donnees.provenance import code_version  # hashes the sources: only when no run recorded it

            version = code_version()
        return cls(periode, version, authors_text(cff), str(cff["title"]), str(cff.get("license", "")), methodes)


def territoire_cite(doc: Document) -> str:
    """What a fiche's citation adds to its title: its code with its phase ("" for other pages)."""
    return config.identifiant(doc.id_ti, doc.phase) if doc.id_ti and doc.phase else ""


def site_citation(periode: str, root: Path, documents: Iterable[Document]) -> Citation:
    """The citation of the pages of a site rendering ``documents``."""
    return Citation.of(periode, methodes=any(page_of(d, root) == mois.METHODES_PAGE for d in documents))


def citer_markdown(title: str, page: str, citation: Citation, territoire: str = "") -> str:
    """The « Citer cette page » section put at the end of every page (HTML and PDF): the
    citation (authors, the page's title, the observatory, the month, the code version, the
    page's path in the site, an access date for the reader to fill in; a fiche's ``territoire``,
    its code with its phase, follows its title) and the licence of what
    the page publishes, the data's own licences being recalled on the methods page (linked,
    relative to ``page``, when the site has it)."""
    methods = Path(os.path.relpath(mois.METHODES_PAGE, Path(page).parent)).as_posix()
    methods = f"[Méthodes et définitions]({methods})" if citation.methodes else "Méthodes et définitions du site complet de la période"
    code = f" ; le code est sous licence {_escape(citation.licence)}" if citation.licence else ""
    return (
        "## Citer cette page\n\n"
        f"{_escape(citation.authors)} ({citation.periode[:4]}). *{_escape(title)}*"
        + (f", {_escape(territoire)}" if territoire else "")
        + f". {_escape(citation.title)}, "
        f"période {citation.periode}, version du code `{citation.version}`. Page `{page}` du site de la période "
        "(consulté le JJ/MM/AAAA).\n\n"
        "Licence : les tableaux, chiffres et textes de cette page sont publiés sous la "
        f"[Licence Ouverte 2.0 (Etalab)]({LICENCE_OUVERTE}), qui demande d'en mentionner la source{code}. Les données "
        f"utilisées gardent leurs licences, rappelées fichier par fichier sur la page {methods}.\n"
    )


def with_title(markdown: str, title: str) -> str:
    """Markdown headed by a YAML block giving the title (parsed as Markdown, like a heading)."""
    return "---\n" + yaml.safe_dump({"title": title}, allow_unicode=True) + "---\n\n" + markdown


SECTION = re.compile(r"^## ", re.MULTILINE)


def insert_before_sections(markdown: str, before: str) -> str:
    """``markdown`` with ``before`` inserted before its first level-2 heading (at the end without one)."""
    if not before:
        return markdown
    match = SECTION.search(markdown)
    at = match.start() if match else len(markdown)
    return f"{markdown[:at]}\n\n{before}\n\n{markdown[at:]}"


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~^$@])", r"\\\1", text)


def _sort_key(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def documents_markdown(documents: list[tuple[str, str, bool]]) -> str:
    """Markdown list of the documents (title, html path from the site root, has PDF)."""
    lines = []
    for title, href, has_pdf in documents:
        pdf = f" ([PDF]({mois.pdf_page(href)}))" if has_pdf else ""
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
            f"- [{_escape(name)}]({href}) ({_escape(config.identifiant(id_ti, phase))}, [PDF]({mois.pdf_page(href)}))"
            for _, id_ti, name, href in group
        ]
        lines += [":::", ""]
    return "\n".join(lines) + "\n"


def accueil_before(documents: list[tuple[str, str, bool]]) -> str:
    """What the renderer puts above the home page notebook: the documents of the period."""
    return "## Synthèse, monographies et autres documents\n\n" + documents_markdown(documents) + "\n"


def relative_to_root(notebook: Path, root: Path) -> Path:
    try:
        return notebook.resolve().relative_to(root.resolve())
    except ValueError:
        raise ValueError(
            f"{notebook} n'est pas sous {root}: les notebooks exécutés d'une période y sont rangés"
        ) from None


def page_of(doc: Document, root: Path) -> str:
    """The page of a document, from the site root."""
    return mois.page(relative_to_root(doc.notebook, root))


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


def copy_attachments(accueil: Path, target: Path) -> list[Path]:
    files = attachments(accueil)
    for relative in files:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(accueil.parent / relative, target / relative)
    return [target / f for f in files]


def copy_figure_data(documents: Iterable[Document], root: Path, target: Path) -> list[Path]:
    """Copy the CSV files of the documents' figures (``mois.figure_csvs``) into the site being
    built, beside each page as beside its notebook, where the links under the figures point."""
    copied = []
    for doc in documents:
        folder = target / Path(page_of(doc, root)).parent
        for csv in mois.figure_csvs(doc.notebook):
            copied.append(folder / csv.parent.name / csv.name)
            copied[-1].parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(csv, copied[-1])
    return copied


def listing(
    root: Path, documents: list[Document], fiches: list[Document], titles: dict[Path, str]
) -> tuple[list[tuple[str, str, bool]], list[tuple[int, str, str, str]]]:
    docs = [(d.title or titles[d.notebook], page_of(d, root), True) for d in documents if d.notebook in titles]
    listed = [
        (d.phase or 0, d.id_ti or d.notebook.stem, d.title or titles[d.notebook], page_of(d, root))
        for d in fiches
        if d.notebook in titles
    ]
    return docs, listed


def cell_markdown(cell) -> str:
    """The Markdown a cell publishes: its source, or its Markdown outputs."""
    if cell.cell_type == "markdown":
        return cell.source
    if cell.cell_type == "code":
        return "\n".join(_text(o.get("data", {}).get("text/markdown", "")) for o in cell.get("outputs", []))
    return ""


def disk_error(error: BaseException) -> OSError | None:
    """The full-disk error behind a failed page, else None: an ``OSError`` (ENOSPC, EDQUOT),
    or a renderer's message holding the system's text for it (pandoc and Typst report a failed
    write as text: ``withFile: resource exhausted (No space left on device)``)."""
    if isinstance(error, OSError):
        return error if error.errno in DISK_ERRORS else None
    text = str(error)
    code = next((code for code in DISK_ERRORS if os.strerror(code) in text), None)
    return OSError(code, os.strerror(code)) if code is not None else None


def page_error(error: BaseException) -> str:
    """Why a page could not be rendered, in one French line (never a renderer's backtrace)."""
    if isinstance(error, nbformat.reader.NotJSONError) or isinstance(error, nbformat.ValidationError):
        return "notebook exécuté illisible (JSON tronqué ou invalide) : exécutez-le à nouveau"
    if isinstance(error, OSError):
        return describe_os_error(error)
    first = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    pandoc = re.match(r'Pandoc died with exitcode "(?P<code>-?\d+)" during conversion: (?P<why>.*)', first)
    if pandoc:
        return f"pandoc a échoué (code {pandoc['code']}) : {pandoc['why']}"
    return f"{type(error).__name__} : {first}" if first else type(error).__name__


def carry_over(source: Path, target: Path) -> None:
    """Put a file of the current site into the staging site (a hard link when possible)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def page_title(html: Path) -> str | None:
    """The ``<title>`` of a rendered page, else None."""
    match = HTML_TITLE.search(html.read_text(encoding="utf-8", errors="replace"))
    return unescape(match["text"]).strip() or None if match else None


def keep_previous(
    failures: dict[Path, str], documents: Iterable[Document], root: Path, site: Path, staging: Path
) -> dict[Path, str]:
    """The rule for a page that could not be rendered (damaged notebook, renderer error): its
    page and PDF of the current ``site`` (and its figures' CSV files) are carried over into
    ``staging``, and ``failures`` says so; a page the site never had stays out of it. Returns the titles of the pages kept
    ({notebook: title}, the document's title, else the previous page's), for the index."""
    kept = {}
    for doc in documents:
        if doc.notebook not in failures:
            continue
        page = Path(page_of(doc, root))
        previous = [site / page, site / mois.pdf_page(page)]
        if all(p.is_file() and p.stat().st_size for p in previous):
            for p in previous + mois.figure_csvs(site / page):
                carry_over(p, staging / p.relative_to(site))
            kept[doc.notebook] = doc.title or page_title(previous[0]) or doc.notebook.stem
            failures[doc.notebook] += " ; la page précédente est conservée"
        else:
            failures[doc.notebook] += " ; la page n'est pas publiée (le site n'en avait pas de version précédente)"
    return kept
