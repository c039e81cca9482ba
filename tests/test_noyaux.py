"""Warm kernels: a pool worker keeps its kernel from one notebook to the next, and each executed
notebook is the one a new kernel gives (``pipeline.execute_jobs``, ``--noyaux-neufs``)."""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

from analysis import cli, config
from analysis.analyses.tableaux import prepare
from analysis.donnees import provenance
from analysis.execution import pipeline, run
from analysis.execution.pipeline import NotebookJob, execute_jobs
from analysis.indicateurs.build import write_indicators
from conftest import PERIODE_TESTS, outputs_folder

KERNEL = config.KERNEL_NAME

# Each notebook writes its kernel's pid to noyau_<x>.txt (beside it, outside its outputs).
FUITES = """
import os, pathlib, warnings
import matplotlib, matplotlib.pyplot as plt
import alerte
from analysis.donnees import sources
pathlib.Path(f"noyau_{x}.txt").write_text(str(os.getpid()))
print("fuite" in globals(), "_" in globals() and _ == "sortie", matplotlib.rcParams["lines.linewidth"],
      os.environ.get("FUITE"), sources.files_read(), pathlib.Path.cwd().name, len(plt.get_fignums()),
      hasattr(sources, "fuite"))
alerte.alerte()
sources.sources()
sources.fuite = True
fuite = "visible"
matplotlib.rcParams["lines.linewidth"] = 7.0
os.environ["FUITE"] = "1"
sources.record(["fuite"])
plt.figure()
plt.plot([0, 1], [0, 1])
plt.show()
"""
ALERTE = '''
import warnings


def alerte():
    warnings.warn("montré une fois par emplacement et par noyau", UserWarning)
'''
SORTIE = '"sortie"'
# The kernel's state as the previous notebook leaves it: the line FUITES prints in a new kernel.
NEUF = "False False 1.5 None [] {dossier} 0 False"


def template(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 0\nfail = False\ncrash = False")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells]
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


STYLER_ID = re.compile(r"\bT_[0-9a-f]{5}(?=[_\"])")  # pandas Styler's table id: uuid4().hex[:5], new at each display
ADDRESS = re.compile(r" at 0x[0-9a-f]+")  # an object's repr (the Styler's text/plain): its memory address


def normalised(path: Path) -> dict:
    """The notebook without papermill's and nbclient's timings, nor its kernel's processor time
    (``pipeline.KERNEL_CPU_KEY``), nor the temporary file papermill
    wrote to (named by the worker's pid), the random id of its injected cell, of the HTML tables
    of pandas' Styler and the address in their repr (two new kernels differ there too): all else
    compared."""
    nb = nbformat.read(path, as_version=4)
    for key in ("start_time", "end_time", "duration", "output_path"):
        nb.metadata.papermill.pop(key)
    nb.metadata[pipeline.METADATA_KEY].pop(pipeline.KERNEL_CPU_KEY)
    for cell in nb.cells:
        for key in ("start_time", "end_time", "duration"):
            cell.metadata.get("papermill", {}).pop(key, None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.pop("id")
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                output.data["text/html"] = STYLER_ID.sub("T_tableau", output.data["text/html"])
            if "text/plain" in output.get("data", {}):
                output.data["text/plain"] = ADDRESS.sub(" at 0x", output.data["text/plain"])
    return nb


def assert_same(got: dict, expected: dict) -> None:
    """Equal notebooks, or the first place where they differ."""
    a, b = json.dumps(got, indent=1, sort_keys=True), json.dumps(expected, indent=1, sort_keys=True)
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    assert a == b, f"{a[max(0, i - 300):i + 200]!r}\n!=\n{b[max(0, i - 300):i + 200]!r}"


def execute(jobs: list[NotebookJob], fresh: bool, digest: str) -> list[pipeline.JobResult]:
    """One worker, so that the jobs share its kernel unless ``fresh``."""
    return execute_jobs(jobs, jobs_n=1, kernel=KERNEL, inputs_digest=digest, log=None, progress=False,
                        fresh_kernels=fresh)


def pids(folder: Path, xs: list[int]) -> list[str]:
    return [(folder / f"noyau_{x}.txt").read_text() for x in xs]


def first_output_text(path: Path, cell: int) -> str:
    return "".join(o.get("text", "") for o in nbformat.read(path, as_version=4).cells[cell].outputs
                   if o.output_type == "stream" and o.name == "stdout")


def test_a_warm_kernel_gives_each_notebook_what_a_new_kernel_gives(tmp_path):
    out = tmp_path / "sorties"
    out.mkdir()
    (out / "alerte.py").write_text(ALERTE)
    modele = template(tmp_path / "modele.ipynb", FUITES, SORTIE)
    xs = [1, 2, 3]
    jobs = [NotebookJob(modele, out / f"nb-{x}.ipynb", {"x": x}) for x in xs]

    fresh = execute(jobs, fresh=True, digest="neufs")
    assert [r.status for r in fresh] == ["executed"] * 3
    assert len(set(pids(out, xs))) == 3  # one kernel per notebook
    expected = [normalised(r.output) for r in fresh]

    warm = execute(jobs, fresh=False, digest="chauds")
    assert [r.status for r in warm] == ["executed"] * 3
    assert len(set(pids(out, xs))) == 1  # the three notebooks ran in the same kernel
    for r, nb in zip(warm, expected):
        assert normalised(r.output) == nb  # cells, outputs (figures, the warning), counters, metadata
        assert first_output_text(r.output, 2).splitlines()[0] == NEUF.format(dossier="sorties")
    nb = nbformat.read(warm[2].output, as_version=4)
    assert [c.execution_count for c in nb.cells] == [1, 2, 3, 4]  # parameters, injected parameters, FUITES, SORTIE
    assert nb.cells[3].outputs[0]["execution_count"] == 4
    assert any(o.output_type == "stream" and o.name == "stderr" and "montré une fois" in o.text
               for o in nb.cells[2].outputs)
    assert sum("image/png" in o.get("data", {}) for o in nb.cells[2].outputs) == 1
    assert nb.metadata.papermill.parameters == {"x": 3}


CACHES = """
import gc
from analysis.donnees import sources
from analysis.donnees.loaders import geo
print(sources.sources.cache_info().currsize, sources.files_read(), gc.get_freeze_count() > 100_000)
geo.regions(2023)
print(sources.files_read())
"""


def test_a_warm_kernel_keeps_its_caches_between_notebooks_of_the_same_inputs_only(tmp_path):
    """Between two notebooks made from the same inputs, the package's caches are kept, and a hit
    records its files as read again (the provenance of a new kernel); with other inputs (another
    month, a living copy obtained since) they are emptied."""
    out = tmp_path / "sorties"
    modele = template(tmp_path / "modele.ipynb", CACHES)
    jobs = [NotebookJob(modele, out / f"nb-{x}.ipynb", {"x": x}) for x in (1, 2, 3)]
    with pipeline.LocalWorkers(1) as workers:
        same = execute_jobs(jobs[:2], jobs_n=1, inputs_digest="mois-a", progress=False, workers=workers)
        other = execute_jobs(jobs[2:], jobs_n=1, inputs_digest="mois-b", progress=False, workers=workers)
    assert [r.status for r in same + other] == ["executed"] * 3
    printed = [first_output_text(r.output, 2).splitlines() for r in same + other]
    # kept for the same inputs only; what the kernel imported is out of the collector's reach (gc.freeze)
    assert [lines[0] for lines in printed] == ["0 [] True", "1 [] True", "0 [] True"]
    assert [lines[1] for lines in printed] == ["['cog-2023/regions']"] * 3  # read, or served by the cache: recorded


MODULES = """
import os, pathlib, sys
from analysis.donnees import sources
pathlib.Path(f"noyau_{x}.txt").write_text(str(os.getpid()))
pathlib.Path(f"module_{x}.txt").write_text(str(id(sys.modules["analysis.donnees.sources"])))
if x == 2:  # a file of the package changes (its date): the next notebook cannot keep the modules
    texte = pathlib.Path(sources.__file__).with_name("etat.py")
    st = texte.stat()
    os.utime(texte, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
"""


def test_a_warm_kernel_keeps_the_package_imported_until_one_of_its_files_changes(tmp_path):
    from analysis.donnees import etat

    out = tmp_path / "sorties"
    modele = template(tmp_path / "modele.ipynb", MODULES)
    before = Path(etat.__file__).stat()
    try:
        results = execute([NotebookJob(modele, out / f"nb-{x}.ipynb", {"x": x}) for x in (1, 2, 3, 4)], fresh=False, digest="d")
    finally:
        os.utime(etat.__file__, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert [r.status for r in results] == ["executed"] * 4
    one, two, three, four = pids(out, [1, 2, 3, 4])
    modules = [(out / f"module_{x}.txt").read_text() for x in (1, 2, 3, 4)]
    assert one == two and modules[0] == modules[1]  # the same kernel, the same module: not imported again
    assert three != two and three == four and modules[2] == modules[3]  # a new kernel after the change, kept again


CRASH = """
import os, pathlib, sys
pathlib.Path(f"noyau_{x}.txt").write_text(str(os.getpid()))
if fail:
    raise ValueError(f"échec voulu pour {x}")
if crash:
    sys.stdout.flush()
    os._exit(1)
print(x * x)
"""


def test_a_notebook_that_kills_its_warm_kernel_fails_alone_and_the_next_gets_a_new_kernel(tmp_path):
    out = tmp_path / "sorties"
    modele = template(tmp_path / "modele.ipynb", CRASH)
    params = {1: {}, 2: {"fail": True}, 3: {}, 4: {"crash": True}, 5: {}}
    jobs = [NotebookJob(modele, out / f"nb-{x}.ipynb", {"x": x, **p}) for x, p in params.items()]

    results = execute(jobs, fresh=False, digest="d")

    assert [r.status for r in results] == ["executed", "failed", "executed", "failed", "executed"]
    assert "ValueError: échec voulu pour 2" in results[1].error
    assert "DeadKernelError" in results[3].error
    assert not results[3].output.exists()
    one, two, three, four, five = pids(out, list(params))
    assert one == two == three == four  # a cell that raised leaves the kernel in use
    assert five != four  # the dead kernel was replaced
    assert first_output_text(results[4].output, 2) == "25\n"
    assert [c.execution_count for c in nbformat.read(results[4].output, as_version=4).cells] == [1, 2, 3]


# ~0.4 s of processor time in the kernel, then 0.6 s without
CALCUL = """
import time
t = time.process_time()
while time.process_time() - t < 0.4:
    sum(range(1000))
time.sleep(0.6)
"""


@pytest.mark.parametrize("fresh", [False, True])
def test_an_executed_notebook_records_the_processor_time_of_its_kernel_in_its_cells(tmp_path, fresh):
    """Processor time, not wall time: the 0.6 s asleep do not count, nor the kernel's start
    (imports of a new kernel, the reset of a warm one)."""
    out = tmp_path / "sorties"
    out.mkdir()
    jobs = [NotebookJob(template(tmp_path / "modele.ipynb", CALCUL), out / f"nb-{x}.ipynb", {"x": x}) for x in (1, 2)]
    results = execute(jobs, fresh=fresh, digest="temps")
    assert [r.status for r in results] == ["executed"] * 2
    for r in results:
        nb = nbformat.read(r.output, as_version=4)
        cpu = nb.metadata[pipeline.METADATA_KEY][pipeline.KERNEL_CPU_KEY]
        wall = sum(c.metadata.papermill["duration"] for c in nb.cells)
        assert 0.4 <= cpu < 0.7 < 1.0 <= wall, (cpu, wall)


@pytest.mark.parametrize("fresh", [False, True])
def test_the_run_s_kernels_write_nothing_into_the_user_s_ipython_history(tmp_path, monkeypatch, fresh):
    """The kernel spec is not named python3: nbclient would not give it an in-memory history, and
    every cell of every notebook went into the user's history.sqlite."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    out = tmp_path / "sorties"
    out.mkdir()
    jobs = [NotebookJob(template(tmp_path / "modele.ipynb", "y = x + 1", "y"), out / f"nb-{x}.ipynb", {"x": x}) for x in (1, 2)]
    assert [r.status for r in execute(jobs, fresh=fresh, digest="historique")] == ["executed"] * 2
    assert nbformat.read(out / "nb-2.ipynb", as_version=4).cells[-1].outputs[0].data["text/plain"] == "3"
    assert list((tmp_path / "ipython").rglob("history.sqlite")) == []


def test_noyaux_neufs_reaches_the_pool(monkeypatch):
    seen = {}

    def run_periode(periode, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt  # stops the command here: nothing else to run

    monkeypatch.setattr("analysis.execution.run.run_periode", run_periode)
    assert cli.main(["run", "--periode", "2026-11", "--noyaux-neufs"]) == 130
    assert seen["fresh_kernels"] is True
    assert cli.main(["run", "--periode", "2026-11"]) == 130
    assert seen["fresh_kernels"] is False


def test_noyaux_neufs_is_explained_in_french(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    assert "--noyaux-neufs un noyau Jupyter neuf pour chaque notebook" in " ".join(capsys.readouterr().out.split())


FICHES = ["ti-2405", "ti-8417", "ti-0101"]  # three phase-2 fiches, one after the other in one kernel


def test_real_fiches_in_one_warm_kernel_are_those_of_new_kernels(tmp_path, indicateurs_periode):
    with outputs_folder(tmp_path / "outputs"):
        write_indicators(indicateurs_periode[2], PERIODE_TESTS)
        provenance.write(PERIODE_TESTS, provenance.collect(PERIODE_TESTS, {"phase": 2}, "test"))
        prepare(PERIODE_TESTS, phases=(2,))  # the month's other tables, else the first fiche builds them (and says so)
        jobs = run.fiche_jobs(PERIODE_TESTS, 2, FICHES)
        fresh = execute(jobs, fresh=True, digest="neufs")
        expected = [normalised(r.output) for r in fresh]
        warm = execute(jobs, fresh=False, digest="chauds")
    assert [r.status for r in fresh + warm] == ["executed"] * 6
    for r, nb in zip(warm, expected):
        assert_same(normalised(r.output), nb)
    assert sum("image/png" in o.get("data", {}) for c in expected[2].cells for o in c.get("outputs", [])) >= 4
