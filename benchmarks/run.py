"""Benchmarks of the monthly run (issue 7): ``python benchmarks/run.py``.

Measures, in one run on the same machine and for the same period:

- indicators: the indicator pass alone (``build_indicators`` + ``write_indicators`` of the phases
  the full run builds: both, since the publications compare them), in a new process (cold
  in-process caches, imports included);
- full: ``observatoire run --phase 2`` (indicators, every phase-2 fiche, the synthesis, the four
  monographs and the changes page, render, manifest) into empty outputs, data cache warm;
- rerun: the same command again, nothing changed;
- render: ``observatoire render`` of the full run's period, every page and PDF rendered again
  (the site's size, pages and PDFs are reported with the full run);
- floor: ``benchmarks/floor.ipynb`` (the fiche's imports only) executed through
  ``analysis.execution.pipeline.execute_jobs`` as many times as the full run executed notebooks, with the
  same number of workers;
- naive: the fiche template executed one territory after the other with the papermill command
  line, as a user looping over territories would;
- fresh: the full run again into empty outputs with one fresh kernel per notebook
  (``--noyaux-neufs``, the path before warm kernels);
- render-quarto: the same as render with the Quarto CLI (``--quarto DIR``, or ``quarto`` on PATH);
  every other step runs with Quarto removed from PATH, so that they all use the fallback renderer;
- dask (``--dask``): two months of fiches (``--periodes``) through a ``dask.distributed``
  LocalCluster of ``--jobs`` worker processes, and the same two months through the local pool;
- the kernel time of each executed fiche of the full and fresh runs (the sum of papermill's cell
  durations), median and 9th decile, with and without the import cells; and the processor time
  of its kernel in its cells (``pipeline.KERNEL_CPU_KEY``), median;
- peak memory of each step: the sum over the process tree (benchmark's descendants) sampled
  with psutil.

Everything is written under a temporary outputs root (``OBSERVATOIRE_OUTPUTS``), never into
``outputs/``. The ratios and the machine are printed and written to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE.parent / ".venv"

if Path(sys.prefix).resolve() != VENV.resolve() and (VENV / "bin" / "python").exists():
    # `python benchmarks/run.py` outside the project's venv (created by `make run`): rerun inside it.
    try:
        import analysis  # noqa: F401
    except ModuleNotFoundError:
        os.execv(VENV / "bin" / "python", [str(VENV / "bin" / "python"), *sys.argv])

import psutil  # noqa: E402

from analysis import config, mois  # noqa: E402
from analysis.donnees import provenance, referentiel, sources  # noqa: E402
from analysis.execution import pipeline  # noqa: E402
from analysis.execution.run import FICHE_TEMPLATE  # noqa: E402

FLOOR_TEMPLATE = HERE / "floor.ipynb"
RESULTS_FILE = HERE / "RESULTS.md"
GB = 1024**3

# ratio -> target (the measured ratio must not exceed it)
TARGETS = {
    "full/naive": 0.25,
    "full/floor": 1.5,
    "rerun/full": 0.03,
    "indicators/full": 0.10,
    "render-quarto/render": 2.0,
}
MEMORY_TARGET_GB = 4.0
FICHE_KERNEL_TARGET_S = 1.5  # median kernel time of a fiche (issue 30)

INDICATORS_SNIPPET = """
import sys
from analysis.indicateurs.build import build_indicators, write_indicators
periode = sys.argv[1]
for phase in map(int, sys.argv[2].split(",")):
    write_indicators(build_indicators(phase, periode), periode)
"""

FLOOR_SNIPPET = """
import json, sys
from pathlib import Path
from analysis import config
from analysis.execution.pipeline import NotebookJob, execute_jobs
template, folder, jobs_n, parameters = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
jobs = [NotebookJob(template, folder / f"{i:04d}.ipynb", p) for i, p in enumerate(parameters)]
results = execute_jobs(jobs, jobs_n=jobs_n, inputs_digest="plancher", progress=False)
failed = [r for r in results if r.status != "executed"]
for r in failed:
    print(r.label, r.status, r.error, file=sys.stderr)
sys.exit(1 if failed else 0)
"""


# --------------------------------------------------------------------------- measuring


class TreeMemory:
    """Samples the memory of this process's descendants in a thread (context manager).

    ``peak_rss`` is the largest sum of RSS over the tree (an upper bound: pages shared by forked
    workers count once per process); ``peak_pss`` the largest sum of PSS (shared pages split
    between their processes: the memory the tree really holds), when the kernel exposes it.
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_process_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            rss = pss = 0
            for proc in me.children(recursive=True):
                try:
                    info = proc.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
                rss += info.rss
                pss += getattr(info, "pss", 0)
                self.peak_process_rss = max(self.peak_process_rss, info.rss)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Measure:
    name: str
    includes: str
    seconds: float = 0.0
    peak_rss: int = 0
    peak_pss: int = 0
    peak_process_rss: int = 0
    ok: bool = True
    notes: list[str] = field(default_factory=list)
    extrapolated_from: int | None = None  # naive peer timed on fewer notebooks, scaled up


def measure(name: str, includes: str, steps, log: Path) -> Measure:
    """Time ``steps`` (callables running subprocesses; each returns True on success)."""
    result = Measure(name, includes)
    print(f"\n== {name} : {includes}", flush=True)
    with open(log, "a", encoding="utf-8") as out, TreeMemory() as memory:
        t0 = time.perf_counter()
        for step in steps:
            result.ok &= step(out)
        result.seconds = time.perf_counter() - t0
    result.peak_rss, result.peak_pss, result.peak_process_rss = memory.peak_rss, memory.peak_pss, memory.peak_process_rss
    status = "" if result.ok else "  (ÉCHECS : voir " + str(log) + ")"
    print(f"   {result.seconds:8.1f} s, mémoire max {_gb(result.peak_pss or result.peak_rss)}{status}", flush=True)
    return result


def echantillon(fiches: list, n: int) -> list:
    """``n`` fiches spread evenly over ``fiches`` (the first, then every len/n-th): the first ones
    alone are the overseas territories (ti-01…, ti-02…), whose maps cost more, and five fiches
    timed one after the other carry the noise of a few seconds of the machine.

    >>> echantillon(list(range(10)), 3)
    [0, 3, 6]
    """
    return [fiches[i * len(fiches) // n] for i in range(min(n, len(fiches)))]


def command(args: list[str], env: dict, cwd: Path | None = None):
    """A step running one command, its output appended to the log."""

    def step(out) -> bool:
        out.write(f"\n$ {' '.join(args)}\n")
        out.flush()
        return subprocess.run(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT).returncode == 0

    return step


def forget(path: Path):
    """A step removing a file (untimed in effect: a few microseconds)."""

    def step(out) -> bool:
        path.unlink(missing_ok=True)
        return True

    return step


# --------------------------------------------------------------------------- preparation


def _statements(source: str) -> list[ast.stmt]:
    """Top-level statements of a code cell, IPython magics and shell lines left out."""
    return ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))).body


def template_imports(path: Path) -> list[str]:
    """Top-level import statements of a notebook's code cells, normalised (``ast.unparse``)."""
    import nbformat

    return [
        ast.unparse(node)
        for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
        for node in _statements(cell.source) if isinstance(node, (ast.Import, ast.ImportFrom))
    ]


def warm_data_cache() -> None:
    """Obtain from the mirror every declared file missing from the cache (untimed)."""
    mirror = os.environ.get(config.MIRROR_ENV)
    for file_id, src in sources.sources().items():
        if not (config.cache_dir() / src.file).exists() and mirror and (Path(mirror) / src.file).exists():
            sources.fetch(file_id)


def check_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(config.KERNEL_NAME)
    except NoSuchKernel:
        sys.exit(f"noyau Jupyter {config.KERNEL_NAME!r} introuvable : lancez d'abord `make run` (ou `make env`).")


def executable(name: str) -> list[str]:
    """A console script of this environment, else ``python -m <module>``."""
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def run_manifest(outputs: Path, periode: str) -> dict:
    return json.loads((outputs / periode / "manifest.json").read_text(encoding="utf-8"))


def composition(manifest: dict) -> str:
    """What a run's notebooks were, from its manifest: fiches per phase and documents."""
    fiches: dict[str, int] = {}
    documents = []
    for job in manifest["jobs"]:
        path = Path(job["output"])
        if path.parent.parent.name == "fiches":
            fiches[path.parent.name] = fiches.get(path.parent.name, 0) + 1
        else:
            documents.append(job["label"])
    parts = [f"{n} fiches {folder.replace('phase', 'phase ')}" for folder, n in sorted(fiches.items())]
    parts.append(f"documents : {', '.join(documents)}" if documents else "aucun document (synthèse, monographies)")
    return " ; ".join(parts)


@dataclass
class KernelTimes:
    """Kernel time of executed fiches: per notebook, the sum of papermill's cell durations (wall
    time, which waits for the processor when the other workers use it), and the processor time
    its kernel spent in its cells (``pipeline.KERNEL_CPU_KEY``: what the fiche computes)."""

    n: int
    median: float
    decile9: float
    median_without_imports: float
    median_cpu: float | None  # None when no fiche recorded its processor time

    def text(self) -> str:
        cpu = f" ; temps processeur du noyau, médiane {self.median_cpu:.2f} s" if self.median_cpu is not None else ""
        return (f"{self.n} fiches : médiane {self.median:.2f} s, 9e décile {self.decile9:.2f} s ; "
                f"sans les cellules qui importent, médiane {self.median_without_imports:.2f} s{cpu}")


def kernel_times(manifest: dict) -> KernelTimes | None:
    """Kernel times of the fiches a run's manifest says it executed (documents left out)."""
    import nbformat

    totals, without, cpu = [], [], []
    for job in manifest["jobs"]:
        path = Path(job["output"])
        if job["status"] != "executed" or path.parent.parent.name != "fiches":
            continue
        nb = nbformat.read(path, as_version=4)
        cpu += [t] if (t := nb.metadata.get(pipeline.METADATA_KEY, {}).get(pipeline.KERNEL_CPU_KEY)) is not None else []
        cells = [c for c in nb.cells if c.cell_type == "code"]
        durations = [(c, c.metadata.get("papermill", {}).get("duration") or 0.0) for c in cells]
        totals.append(sum(d for _, d in durations))
        without.append(sum(d for c, d in durations
                           if not any(isinstance(x, (ast.Import, ast.ImportFrom)) for x in _statements(c.source))))
    if not totals:
        return None
    return KernelTimes(len(totals), statistics.median(totals), statistics.quantiles(totals, n=10, method="inclusive")[-1] if len(totals) > 1
                       else totals[0], statistics.median(without), statistics.median(cpu) if cpu else None)


def quarto_folder(option: Path | None) -> Path | None:
    """The folder of the Quarto CLI measured by render-quarto: ``--quarto``, else ``quarto`` on PATH."""
    if option is not None:
        if not (option / "quarto").exists():
            sys.exit(f"--quarto : pas d'exécutable quarto dans {option}")
        return option
    found = shutil.which("quarto")
    return Path(found).parent if found else None


def path_without_quarto() -> str:
    """PATH without the folders holding a ``quarto`` executable (the fallback renderer is used)."""
    return os.pathsep.join(d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "quarto").exists())


def site_size(site: Path) -> str:
    """Pages, PDFs and size of a rendered site (``outputs/<periode>/site``)."""
    files = [p for p in site.rglob("*") if p.is_file()]
    pages, pdfs = (sum(p.suffix == suffix for p in files) for suffix in (".html", ".pdf"))
    return f"site : {pages} pages HTML, {pdfs} PDF, {sum(p.stat().st_size for p in files) / 1e6:.0f} Mo"


# --------------------------------------------------------------------------- report


def _gb(n: int) -> str:
    return f"{n / GB:.2f} Go"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        cpu = names[0] if names else cpu
    return {
        "Cœurs (os.cpu_count)": str(os.cpu_count()),
        "Cœurs utilisables (affinité)": str(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else "?",
        "Processeur": cpu,
        "Mémoire vive": _gb(psutil.virtual_memory().total),
        "Système": platform.platform(),
        "Python": platform.python_version(),
        "Version du code": provenance.code_version(),
    }


def ratios(m: dict[str, Measure]) -> dict[str, float]:
    found = {
        "full/naive": m["full"].seconds / m["naive"].seconds,
        "full/floor": m["full"].seconds / m["floor"].seconds,
        "rerun/full": m["rerun"].seconds / m["full"].seconds,
        "indicators/full": m["indicators"].seconds / m["full"].seconds,
    }
    if "render-quarto" in m:
        found["render-quarto/render"] = m["render-quarto"].seconds / m["render"].seconds
    return found


def report(m: dict[str, Measure], args, n_fiches: int, n_floor: int, composition_full: str, composition_rerun: str,
           drift: list[str], kernels: dict[str, KernelTimes | None]) -> str:
    r = ratios(m)
    fiche = kernels.get("full")
    peak = max(m["full"].peak_pss or m["full"].peak_rss, m["rerun"].peak_pss or m["rerun"].peak_rss)
    lines = [
        "# Résultats des benchmarks",
        "",
        f"Dernière mesure : {dt.datetime.now():%Y-%m-%d %H:%M}, `python benchmarks/run.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        "## Machine",
        "",
        *[f"- {k} : {v}" for k, v in machine().items()],
        "",
        "## Paramètres",
        "",
        f"- Période : {args.periode} ; phase(s) : {args.phase} ; processus papermill (`--jobs`) : {args.jobs}",
        f"- Territoires : {'les ' + str(args.limit) + ' premiers de chaque phase (`--limit`)' if args.limit else 'tous'} "
        f"→ {n_fiches} fiches",
        f"- Run complet : {composition_full}",
        f"- Relance : {composition_rerun}",
        "",
        "## Mesures",
        "",
        "| Mesure | Contenu | Durée (s) | Mémoire max, PSS (Go) | Mémoire max, somme RSS (Go) | Plus gros processus, RSS (Go) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for x in m.values():
        flag = "" if x.ok else " **(échecs)**"
        n = x.extrapolated_from
        extra = f" (extrapolé de {n} fiche{'s' if n > 1 else ''})" if n else ""
        lines.append(
            f"| {x.name}{flag} | {x.includes}{extra} | {x.seconds:.1f} | {x.peak_pss / GB:.2f} | {x.peak_rss / GB:.2f} | "
            f"{x.peak_process_rss / GB:.2f} |"
        )
    lines += [
        "",
        "## Ratios et objectifs",
        "",
        "| Ratio | Mesuré | Objectif | Atteint |",
        "|---|---:|---:|---|",
        *[f"| {k} | {v:.3f} | ≤ {TARGETS[k]:.3g} | {'oui' if v <= TARGETS[k] else 'non'} |" for k, v in r.items()],
        f"| mémoire max du run (Go) | {peak / GB:.2f} | < {MEMORY_TARGET_GB:g} | {'oui' if peak < MEMORY_TARGET_GB * GB else 'non'} |",
        *([f"| fiche médiane, temps de noyau (s) : durées des cellules | {fiche.median:.2f} | ≤ {FICHE_KERNEL_TARGET_S:g} | "
           f"{'oui' if fiche.median <= FICHE_KERNEL_TARGET_S else 'non'} |"] if fiche else []),
        *([f"| fiche médiane, temps de noyau (s) : temps processeur | {fiche.median_cpu:.2f} | ≤ {FICHE_KERNEL_TARGET_S:g} | "
           f"{'oui' if fiche.median_cpu <= FICHE_KERNEL_TARGET_S else 'non'} |"] if fiche and fiche.median_cpu is not None else []),
        "",
        "## Temps de noyau par fiche",
        "",
        "Somme des durées de cellules que papermill écrit dans chaque fiche exécutée (temps de mur dans le noyau, "
        "démarrage du noyau exclu : quand les processus du run se partagent les cœurs, elle compte aussi l'attente "
        "du processeur), et temps processeur du noyau pendant ces cellules (ce que la fiche calcule) :",
        "",
        *[f"- {name} : {k.text() if k else 'aucune fiche exécutée'}" for name, k in kernels.items()],
        "",
        f"full/naive ≤ {TARGETS['full/naive']:g} signifie : le run complet au moins {1 / TARGETS['full/naive']:g}× "
        f"plus rapide que le pair naïf (ici {1 / r['full/naive']:.2f}×).",
        "",
        "## Méthode",
        "",
        "- Tout est écrit sous une racine de sorties temporaire (`OBSERVATOIRE_OUTPUTS`), jamais dans `outputs/`. "
        "Le cache des données (`data/raw/`) est chaud : les fichiers déclarés absents du cache sont d'abord "
        "copiés depuis le miroir, et les tables dérivées (`analysis.donnees.cache`) calculées par une passe d'indicateurs, "
        "hors chronométrage.",
        "- Chaque mesure est le temps de mur de processus lancés par le script (démarrage de Python et imports compris).",
        f"- Le plancher exécute `benchmarks/floor.ipynb` (cellule de paramètres + imports de la fiche) {n_floor} fois, "
        "autant que de notebooks exécutés par le run complet, par `analysis.execution.pipeline.execute_jobs` avec le même nombre "
        "de processus, dans un dossier vide (rien n'est sauté).",
        "- Le pair naïf exécute `papermill notebooks/fiche_territoire.ipynb <sortie> -p territoire … -p phase … "
        "-p periode … -k observatoire-ti` pour chaque fiche du run, l'une après l'autre, sur les tables "
        "d'indicateurs écrites par le run complet."
        + (" Il est chronométré sur quelques fiches seulement (`--naive`), réparties sur la liste, puis extrapolé linéairement."
           if m["naive"].extrapolated_from else ""),
        "- Le plancher garde sa définition : les imports de la fiche, exécutés autant de fois que le run exécute de "
        "notebooks, par le même moteur que le run. Avec des noyaux gardés chauds, les imports ne sont payés qu'une "
        "fois par processus : le plancher mesure alors surtout le coût fixe d'un notebook (injection des paramètres, "
        "exécution des cellules, écriture), et full/floor compare le run à ce coût fixe.",
        "- `fresh` est le run complet avec un noyau neuf par notebook (`--noyaux-neufs`), le chemin d'avant les "
        "noyaux chauds, dans des sorties vides.",
        "- Toutes les mesures sauf `render-quarto` sont faites avec Quarto retiré du PATH (moteur de repli "
        "pandoc + Typst) ; `render-quarto` rend le même site avec Quarto.",
        "- Mémoire : un fil échantillonne toutes les 0,2 s les processus descendants du script (psutil) ; "
        "« PSS » somme la mémoire proportionnelle (les pages partagées entre processus forkés comptent une fois au "
        "total), c'est la mémoire réellement occupée ; « somme RSS » est un majorant. L'objectif porte sur la PSS.",
    ]
    if drift:
        lines += ["", "## Avertissement", "", "Les imports de `benchmarks/floor.ipynb` diffèrent de ceux de la fiche :", "",
                  *[f"- `{d}`" for d in drift]]
    failed = [x.name for x in m.values() if not x.ok]
    if failed:
        lines += ["", f"**Des notebooks ont échoué pendant : {', '.join(failed)} ; les durées ne sont pas comparables.**"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def measure_dask(args, python: str, env, work: Path, log: Path) -> dict[str, Measure]:
    """Two months of the first ``args.dask`` fiches of the phase (``--periodes``, without render)
    through a LocalCluster of ``args.jobs`` worker processes, then through the local pool."""
    from distributed import LocalCluster

    territoires = ",".join(referentiel.territoires(int(args.phase))["id_ti"].tolist()[: args.dask])
    months = f"{mois.decaler(args.periode, -1)}:{args.periode}"
    cmd = [python, "-m", "analysis.cli", "run", "--periodes", months, "--phase", args.phase, "--territoires", territoires,
           "--jobs", str(args.jobs), "--sans-rendu"]
    found = {}
    with LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        found["dask"] = measure(
            "dask", f"{args.dask} fiches × 2 mois ({months}) sur un LocalCluster de {args.jobs} processus, sans rendu",
            [command([*cmd, "--executeur", "dask", "--planificateur", cluster.scheduler_address], env(work / "dask"))], log)
    found["local-2mois"] = measure("local-2mois", "les mêmes fiches et mois par le pool local",
                                   [command(cmd, env(work / "local-2mois"))], log)
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmarks du run mensuel (issue 7).")
    parser.add_argument("--periode", type=mois.check_periode, default=mois.default_periode(),
                        help="AAAA-MM (mois courant par défaut)")
    parser.add_argument("--phase", choices=["1", "2", "toutes"], default="2",
                        help="phase des fiches (2 par défaut) ; « toutes » mesure `observatoire run` sans --phase ; "
                             "la synthèse et les monographies sont toujours comprises, sauf avec --limit")
    parser.add_argument("--limit", type=int,
                        help="seulement les N premiers territoires, leurs fiches sans les publications (mesure rapide) ; "
                             "tous par défaut")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="processus papermill (nombre de cœurs par défaut)")
    parser.add_argument("--naive", type=int,
                        help="chronométrer le pair naïf sur ce nombre de fiches seulement, réparties sur la liste, puis "
                             "extrapoler (toutes par défaut)")
    parser.add_argument("--work", type=Path, help="dossier de travail (temporaire et supprimé à la fin par défaut)")
    parser.add_argument("--quarto", type=Path, metavar="DOSSIER",
                        help="dossier de l'exécutable quarto mesuré par render-quarto (quarto du PATH par défaut ; "
                             "sans Quarto, la mesure est sautée)")
    parser.add_argument("--dask", type=int, metavar="N",
                        help="mesurer aussi deux mois de fiches (les N premiers territoires de la phase) sur un "
                             "LocalCluster dask, et les mêmes par le pool local")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit doit être ≥ 1")
    if args.limit and args.phase == "toutes":
        parser.error("--limit demande une seule --phase (1 ou 2)")
    if args.naive is not None and args.naive < 1:
        parser.error("--naive doit être ≥ 1")
    if args.dask is not None and (args.dask < 1 or args.phase == "toutes"):
        parser.error("--dask demande N ≥ 1 et une seule --phase (1 ou 2)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    check_kernel()
    phases = config.PHASES if args.phase == "toutes" else (int(args.phase),)
    fiches = [
        (phase, id_ti)
        for phase in phases
        for id_ti in referentiel.territoires(phase)["id_ti"].tolist()[: args.limit]
    ]
    drift = sorted(set(template_imports(FICHE_TEMPLATE)) ^ set(template_imports(FLOOR_TEMPLATE)))
    if drift:
        print("Attention : les imports de benchmarks/floor.ipynb diffèrent de ceux de la fiche :", *drift, sep="\n  ")
    warm_data_cache()

    work = args.work or Path(tempfile.mkdtemp(prefix="observatoire-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "benchmark.log"
    print(f"Dossier de travail : {work} (journal : {log})")
    print(f"{len(fiches)} fiches, {args.jobs} processus, période {args.periode}, machine de {os.cpu_count()} cœurs")

    quarto = quarto_folder(args.quarto)
    fallback_path = path_without_quarto()

    def env(outputs: Path, path: str = fallback_path) -> dict:
        return os.environ | {"OBSERVATOIRE_OUTPUTS": str(outputs), "PATH": path}

    python = sys.executable
    # the tables derived from the declared files (analysis.donnees.cache) as a month with unchanged code
    # finds them: one untimed indicator pass derives them
    subprocess.run([python, "-c", INDICATORS_SNIPPET, args.periode, ",".join(map(str, config.PHASES))],
                   env=env(work / "echauffement"), check=True, stdout=subprocess.DEVNULL)
    m: dict[str, Measure] = {}
    # a run without --territoires makes the publications, which compare both phases (run_periode)
    indicator_phases = phases if args.limit else config.PHASES
    m["indicators"] = measure(
        "indicators",
        f"calcul et écriture des indicateurs, phase(s) {', '.join(map(str, indicator_phases))}, nouveau processus",
        [command([python, "-c", INDICATORS_SNIPPET, args.periode, ",".join(map(str, indicator_phases))],
                 env(work / "indicateurs"))],
        log,
    )

    run_cmd = [python, "-m", "analysis.cli", "run", "--periode", args.periode, "--jobs", str(args.jobs)]
    if args.phase != "toutes":
        run_cmd += ["--phase", args.phase]
    if args.limit:
        run_cmd += ["--territoires", ",".join(id_ti for _, id_ti in fiches)]
    outputs = work / "run"
    m["full"] = measure("full", "`observatoire run` : indicateurs, notebooks, rendu, manifeste (sorties vides)",
                        [command(run_cmd, env(outputs))], log)
    manifest = run_manifest(outputs, args.periode)
    composition_full = (composition(manifest) + f" ; durées internes {manifest.get('durees_s')} ; "
                        + site_size(outputs / args.periode / "site"))
    n_executed = manifest["counts"]["executed"]

    kernels = {"full": kernel_times(manifest)}

    m["rerun"] = measure("rerun", "la même commande, rien n'a changé", [command(run_cmd, env(outputs))], log)
    rerun = run_manifest(outputs, args.periode)
    composition_rerun = (f"{rerun['counts']['executed']} notebooks exécutés, {rerun['counts']['up-to-date']} à jour, "
                         f"{rerun['counts']['failed']} en échec ; durées internes {rerun.get('durees_s')}")

    # the whole site again, every page and PDF (the fallback otherwise carries unchanged pages over)
    stamps = outputs / args.periode / "site" / ".rendu.json"
    m["render"] = measure(
        "render", "`observatoire render` : tout le site du run complet rendu à nouveau (pages, PDF, accueil)",
        [forget(stamps), command([python, "-m", "analysis.cli", "render", "--periode", args.periode], env(outputs))],
        log,
    )

    if quarto is not None:
        m["render-quarto"] = measure(
            "render-quarto", f"la même chose avec Quarto ({quarto / 'quarto'})",
            [forget(stamps), command([python, "-m", "analysis.cli", "render", "--periode", args.periode],
                                     env(outputs, os.pathsep.join([str(quarto), fallback_path])))],
            log,
        )

    fresh = work / "frais"
    m["fresh"] = measure("fresh", "le run complet avec un noyau neuf par notebook (`--noyaux-neufs`), sorties vides",
                         [command([*run_cmd, "--noyaux-neufs"], env(fresh))], log)
    kernels["fresh"] = kernel_times(run_manifest(fresh, args.periode))

    if args.dask:
        m.update(measure_dask(args, python, env, work, log))

    floor_parameters = [{"territoire": t, "phase": p, "periode": args.periode} for p, t in fiches]
    floor_parameters = (floor_parameters * (n_executed // len(floor_parameters) + 1))[:n_executed]
    m["floor"] = measure(
        "floor", f"`benchmarks/floor.ipynb` exécuté {n_executed} fois par execute_jobs, {args.jobs} processus",
        [command([python, "-c", FLOOR_SNIPPET, str(FLOOR_TEMPLATE), str(work / "plancher"), str(args.jobs),
                  json.dumps(floor_parameters)], env(work / "plancher-sorties"))],
        log,
    )

    timed = echantillon(fiches, args.naive) if args.naive else fiches
    naive_dir = work / "naif"
    naive_dir.mkdir(exist_ok=True)
    papermill = executable("papermill")
    m["naive"] = measure(
        "naive", f"papermill en ligne de commande, {len(fiches)} fiches l'une après l'autre",
        [
            command([*papermill, str(FICHE_TEMPLATE), str(naive_dir / f"phase{p}-{t}.ipynb"), "-p", "territoire", t,
                     "-p", "phase", str(p), "-p", "periode", args.periode, "-k", config.KERNEL_NAME],
                    env(outputs), cwd=naive_dir)
            for p, t in timed
        ],
        log,
    )
    if len(timed) < len(fiches):
        m["naive"].seconds *= len(fiches) / len(timed)
        m["naive"].extrapolated_from = len(timed)
    if args.work is None and all(x.ok for x in m.values()):
        shutil.rmtree(work, ignore_errors=True)

    text = report(m, args, len(fiches), n_executed, composition_full, composition_rerun, drift, kernels)
    RESULTS_FILE.write_text(text, encoding="utf-8")
    print("\n" + text[text.index("## Mesures"):text.index("## Méthode")].rstrip())
    print(f"\nÉcrit : {RESULTS_FILE}")
    return 0 if all(x.ok for x in m.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
