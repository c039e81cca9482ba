"""The house's rules, read from the sources with ``ast`` (nothing is imported or run).

- one home for a month's outputs: no module but ``analysis.mois`` builds a path under
  ``outputs/<periode>/`` or a page URL of a month's site;
- no circle between the modules of ``analysis`` (module-level and in-function imports alike);
- no template imports ``analysis.execution`` (a run executes the templates: run → papermill →
  notebook → run would be a circle too);
- names say what they hold: no two modules share a file name (``analyses/industrie.py`` beside
  ``indicateurs/industrie.py`` was two different things), and no new public function name is
  defined in two modules of ``analyses`` (``profils.typologie`` beside ``resultats.typologie``).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "analysis"
TEMPLATES = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("monographies/*.ipynb"), *ROOT.glob("benchmarks/*.ipynb")])

# The folders and files of a month's layout (see analysis/mois.py) and the suffix of its pages.
LAYOUT_FOLDERS = {"indicateurs", "precedent", "analyses", "site", "brouillon", "logs", "fiches", "synthese", "changements",
                  "accueil", "methodes", "monographies", "regions", "historique"}
LAYOUT_FILES = {"provenance.json", "manifest.json", ".run.lock", ".inputs.json", "index.html", ".html", ".pdf"}
# Strings equal to a folder's name that name something else.
NOT_A_FOLDER = {("execution/pages.py", "DRAFT_TAG")}  # the tag of the cells shown in the draft site only


def _modules(src: Path) -> dict[str, Path]:
    """Every module of ``analysis`` by its dotted name (a package by its own name)."""
    modules = {}
    for path in sorted(src.rglob("*.py")):
        parts = path.relative_to(src.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _repository(node: ast.AST) -> bool:
    """``ROOT`` or ``config.ROOT``: a folder of the repository (``monographies/``, the templates'
    folder), not of the outputs."""
    return getattr(node, "id", getattr(node, "attr", None)) == "ROOT"


def _layout_strings(tree: ast.AST, where: str) -> list[str]:
    """The places of ``tree`` that build a month's path from the layout's names."""
    found = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{where}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and getattr(node, "id", getattr(node, "attr", None)) == "OUTPUTS_DIR":
            flag(node, "OUTPUTS_DIR")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            head = text
            while head.startswith("../"):
                head = head[3:]
            if text in LAYOUT_FILES or ("/" in head and head.split("/")[0] in LAYOUT_FOLDERS):
                flag(node, repr(text))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and not _repository(node.left):
            right = node.right
            if isinstance(right, ast.Constant) and right.value in LAYOUT_FOLDERS:
                flag(node, f"/ {right.value!r}")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            if all((where, name) in NOT_A_FOLDER for name in names) and names:
                continue
            # a folder's name, or a tuple of them (a tuple of words that also holds others is not a path)
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            if values and all(isinstance(v, ast.Constant) and v.value in LAYOUT_FOLDERS for v in values):
                flag(node, f"{', '.join(names)} = {', '.join(repr(v.value) for v in values)}")
    return found


def layout_outside_mois(src: Path = SRC) -> list[str]:
    """Every place outside ``mois.py`` that knows the month's layout (``config.py`` may define
    the outputs' root, ``OUTPUTS_DIR``, and nothing else of it)."""
    found = []
    for path in sorted(src.rglob("*.py")):
        where = path.relative_to(src).as_posix()
        if where == "mois.py":
            continue
        places = _layout_strings(ast.parse(path.read_text(encoding="utf-8")), where)
        found += [p for p in places if not (where == "config.py" and p.endswith(": OUTPUTS_DIR"))]
    return found


def test_no_module_but_mois_builds_a_path_of_a_month() -> None:
    assert layout_outside_mois() == []


def test_the_rule_sees_the_ways_a_path_was_built() -> None:
    """The rule flags what the modules did before the month got its home."""
    tree = ast.parse(
        'SYNTHESE = "synthese/synthese.ipynb"\n'
        'SITE, DRAFT_SITE = "site", "brouillon"\n'
        'a = config.OUTPUTS_DIR / periode\n'
        'b = periode_dir(periode) / "analyses"\n'
        'c = f"../fiches/phase{phase}/{id_ti}.html"\n'
        'd = out / "provenance.json"\n'
        'e = path.with_suffix(".html")\n'
        'DRAFT_TAG = "brouillon"\n'
        'timings["indicateurs"] = 1.0\n'
        'MONOGRAPHIES_DIR = ROOT / "monographies"\n'
        'CONTRAINTES = ("profils", "voisins", "regions")\n'
    )
    flagged = {int(place.split(":")[1]) for place in _layout_strings(tree, "execution/pages.py")}
    assert flagged == {1, 2, 3, 4, 5, 6, 7}  # not the cell tag, a key, a folder of the repository, a list of words


def _imports(tree: ast.AST, name: str, modules: dict[str, Path]) -> set[str]:
    """The modules of ``analysis`` that module ``name`` imports, anywhere in it (in a function
    too): ``from analysis.execution import run`` imports ``analysis.execution.run``."""
    package = name if modules[name].name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """Module -> the modules of ``analysis`` it imports."""
    modules = _modules(src)
    return {name: _imports(ast.parse(path.read_text(encoding="utf-8")), name, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_circle_between_modules() -> None:
    graph = import_graph()
    assert {"analysis.execution.run", "analysis.execution.historique", "analysis.mois"} <= graph.keys()
    assert cycles(graph) == []
    assert "analysis.verrou" in graph["analysis.execution.historique"]  # the lock, from below


def test_a_circle_hidden_in_a_function_is_found() -> None:
    modules = {"analysis.a": Path("a.py"), "analysis.b": Path("b.py"), "analysis.c": Path("c.py")}
    a = ast.parse("from analysis import b\n")
    b = ast.parse("def f():\n    from analysis.a import g  # a imports this module\n")
    c = ast.parse("import analysis.a\n")
    graph = {name: _imports(tree, name, modules) for name, tree in zip(modules, (a, b, c))}
    assert graph == {"analysis.a": {"analysis.b"}, "analysis.b": {"analysis.a"}, "analysis.c": {"analysis.a"}}
    assert cycles(graph) == [["analysis.a", "analysis.b"]]


def template_imports(path: Path) -> set[str]:
    """Every module a template's code cells import (IPython magics left out)."""
    found = set()
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_template_imports_the_execution_layer(template: Path) -> None:
    imported = template_imports(template)
    assert "analysis" in {m.split(".")[0] for m in imported}  # the reading works: it sees the package
    assert sorted(m for m in imported if m == "analysis.execution" or m.startswith("analysis.execution.")) == []


def test_the_templates_are_all_checked() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in TEMPLATES}
    assert {"notebooks/fiche_territoire.ipynb", "notebooks/synthese.ipynb", "notebooks/changements.ipynb",
            "notebooks/accueil.ipynb", "notebooks/methodes.ipynb", "notebooks/region.ipynb",
            "monographies/monographie.ipynb"} <= names


def test_the_layout_of_a_month_is_the_one_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The month's home computes the paths the modules wrote before it: the same files on disk."""
    from analysis import config, mois

    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path)
    month = tmp_path / "2026-11"
    relative = {
        mois.indicateurs_dir("2026-11"): "indicateurs",
        mois.precedent_dir("2025-12", "2026-11"): "precedent/2025-12",
        mois.analyses_dir("2026-11"): "analyses",
        mois.site_dir("2026-11"): "site",
        mois.site_dir("2026-11", brouillon=True): "brouillon",
        mois.logs_dir("2026-11"): "logs",
        mois.provenance_file("2026-11"): "provenance.json",
        mois.manifest_file("2026-11"): "manifest.json",
        mois.lock_file("2026-11"): ".run.lock",
        mois.stamp_file("2026-11"): "indicateurs/.inputs.json",
        mois.accueil_donnees("2026-11"): "accueil/donnees",
    }
    assert {path.relative_to(month).as_posix(): rel for path, rel in relative.items()} == {rel: rel for rel in relative.values()}
    assert {k: p.relative_to(month).as_posix() for k, p in mois.table_files(2, "2026-11").items()} == {
        "long": "indicateurs/indicateurs_phase2.parquet", "wide": "indicateurs/tableau_phase2.parquet",
        "observations": "indicateurs/tableau_phase2_observations.parquet", "registre": "indicateurs/registre.parquet",
        "profils": "indicateurs/profils_phase2.parquet"}
    assert mois.historique_logs_dir() == tmp_path / "historique"
    assert (mois.fiche_notebook(2, "ti-2405"), mois.monographie_notebook("ti-2411"), mois.region_notebook("76")) == (
        "fiches/phase2/ti-2405.ipynb", "monographies/ti-2411.ipynb", "regions/76.ipynb")
    assert (mois.SYNTHESE, mois.CHANGEMENTS, mois.ACCUEIL, mois.METHODES) == (
        "synthese/synthese.ipynb", "changements/changements.ipynb", "accueil/accueil.ipynb", "methodes/methodes.ipynb")
    assert (mois.fiche_page(1, "ti-7605"), mois.monographie_page("ti-2411"), mois.region_page("76"), mois.SYNTHESE_PAGE,
            mois.METHODES_PAGE, mois.INDEX_PAGE, mois.pdf_page("fiches/phase1/ti-7605.html")) == (
        "fiches/phase1/ti-7605.html", "monographies/ti-2411.html", "regions/76.html", "synthese/synthese.html",
        "methodes/methodes.html", "index.html", "fiches/phase1/ti-7605.pdf")
    assert mois.fiche_of(month / mois.fiche_notebook(1, "ti-7605")) == (1, "ti-7605")
    assert mois.pdf_download_name("fiches/phase2/ti-2405.html", 2) == "ti-2405-phase2.pdf"


# Public functions of ``analyses`` defined in two modules when the rule was written (issue 25):
# each is a rename still to do; the list may only shrink.
SHARED_FUNCTIONS = {
    "comparaison": ["positions", "revisions"],
    "estimations": ["evaluation", "resultats"],
    "panel_epci": ["emploi_industriel", "evaluation"],
    "tables": ["reperes", "resultats"],
    "tendance_lineaire": ["resultats", "tendances"],
    "voisins": ["profils", "voisinage"],
}


def shared_stems(src: Path = SRC) -> dict[str, list[str]]:
    """File names (without ``.py``) used by more than one module of ``analysis``, with the modules."""
    by_stem: dict[str, list[str]] = {}
    for name, path in _modules(src).items():
        if path.name != "__init__.py":
            by_stem.setdefault(path.stem, []).append(name)
    return {stem: names for stem, names in by_stem.items() if len(names) > 1}


def shared_functions(package: Path = SRC / "analyses") -> dict[str, list[str]]:
    """Public module-level function names defined in more than one module of ``package``."""
    by_name: dict[str, list[str]] = {}
    for path in sorted(package.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                by_name.setdefault(node.name, []).append(path.stem)
    return {name: stems for name, stems in by_name.items() if len(stems) > 1}


def test_no_two_modules_share_a_name() -> None:
    assert shared_stems() == {}


def test_no_new_function_name_is_defined_in_two_analyses() -> None:
    assert shared_functions() == SHARED_FUNCTIONS


def test_the_name_rules_see_a_shared_name(tmp_path: Path) -> None:
    for folder, code in (("analyses", "def typologie(phase):\n    pass\n"), ("indicateurs", "def _typologie():\n    pass\n")):
        (tmp_path / "analysis" / folder).mkdir(parents=True)
        (tmp_path / "analysis" / folder / "__init__.py").write_text("")
        (tmp_path / "analysis" / folder / "typologie.py").write_text(code)
    (tmp_path / "analysis" / "analyses" / "profils.py").write_text("def typologie(phase, periode):\n    pass\n")
    assert shared_stems(tmp_path / "analysis") == {"typologie": ["analysis.analyses.typologie", "analysis.indicateurs.typologie"]}
    assert shared_functions(tmp_path / "analysis" / "analyses") == {"typologie": ["profils", "typologie"]}
