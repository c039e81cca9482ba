"""The PDF template of the fallback renderer (report.typ, html_tables.lua): figures stay in
their section, a table's caption stays with its table, a header word is never broken."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image

from analysis.execution import render_fallback

LOREM = ("Le territoire compte des établissements industriels anciens dont l'emploi salarié privé "
         "a reculé puis s'est stabilisé au cours de la période observée. ") * 6


def _pdf_text(markdown: str, tmp_path: Path, figures: dict[str, bytes] | None = None) -> str:
    for name, content in (figures or {}).items():
        (tmp_path / name).write_bytes(content)
    pdf = tmp_path / "document.pdf"
    render_fallback._typst_pdf(markdown, pdf, workdir=tmp_path)
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (29, 78, 137)).save(out, format="PNG")
    return out.getvalue()


def test_figure_stays_in_its_section(tmp_path):
    """A tall figure that does not fit under its section's text goes to the next page whole,
    but the next section's title and text follow it (they used to pass it: placement auto)."""
    markdown = (
        f"## Chômage\n\n{LOREM}\n\n{LOREM}\n\n{LOREM}\n\n"
        "![Taux localisé](grande.png){width=100%}\n\n"
        f"## Programmes\n\n{LOREM}\n"
    )
    text = _pdf_text(markdown, tmp_path, {"grande.png": _png(800, 900)})
    # the last occurrences: the titles are in the table of contents too
    caption, section, next_section = (text.rindex(s) for s in ("Taux localisé", "Chômage", "Programmes"))
    assert section < caption < next_section


HTML_TABLE = (
    "<table><thead><tr><th>Commune</th><th>Bénéficiaire</th><th>Mesure</th><th>Projet</th><th>Calendrier</th><th>Montant (€)</th></tr></thead><tbody>"
    + "".join(
        f"<tr><td>Quiers-sur-Bezonde</td><td>DEPARTEMENT DU LOIRET {i}</td><td>Prévention des risques d'incendies de forêt et de végétation</td>"
        f"<td>Installation de 28 citernes d'eau en zones d'interface habitat/forêt dans le Loiret, tranche {i}</td>"
        "<td>Travaux engagés en 2023, achevés au premier semestre 2025 selon le bénéficiaire</td><td>460 890</td></tr>"
        for i in range(4)
    )
    + "</tbody></table>"
)


def test_header_word_is_not_broken(tmp_path):
    """A wide table's short header word keeps its letters together (it was hyphenated
    « Mon-tant (€) » in a column narrowed in proportion to its figures)."""
    text = _pdf_text(f"## Fonds vert\n\n```{{=html}}\n{HTML_TABLE}\n```\n", tmp_path)
    assert "Montant" in text and "Mon-" not in text and "Mon\u00ad" not in text


def test_table_caption_sticks_to_its_table():
    """The caption above a table is a sticky block (never alone at the bottom of a page)."""
    typ = (render_fallback.TEMPLATES / "report.typ").read_text(encoding="utf-8")
    assert "sticky: true" in typ and "placement: auto" not in typ


def test_header_minimums_leave_room_for_a_names_column(tmp_path):
    """Seven columns whose headers hold long words (« territoire ») still leave the column of
    names room for its words (« CA Lo-rient Agglo-mération » in ti-5307's table 1; a long word may
    still be hyphenated, as in the text: pdftotext shows a soft hyphen)."""
    head = "<th>EPCI</th>" + "".join(f"<th>Colonne {i} dans le territoire</th>" for i in range(6))
    body = "".join(f"<tr><td>CA Lorient Agglomération {i}</td>" + "<td>205 765</td>" * 6 + "</tr>" for i in range(3))
    text = _pdf_text(f"## EPCI\n\n```{{=html}}\n<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n```\n", tmp_path)
    assert text.count("CA Lorient ") == 3 and "Lo\u00ad" not in text
